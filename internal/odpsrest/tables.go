package odpsrest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/catalog"
)

// tableXML is GET /projects/{p}/tables/{t} and an item of the table list.
// The schema is JSON inside XML (reference/maxcompute.md §4.4).
type tableXML struct {
	XMLName       xml.Name `xml:"Table"`
	Name          string   `xml:"Name"`
	TableID       string   `xml:"TableId"`
	Format        string   `xml:"Format,omitempty"`
	Schema        string   `xml:"Schema,omitempty"`
	Comment       string   `xml:"Comment"`
	Owner         string   `xml:"Owner"`
	Project       string   `xml:"Project"`
	SchemaName    string   `xml:"SchemaName"`
	TableLabel    string   `xml:"TableLabel"`
	CryptoAlgo    string   `xml:"CryptoAlgo"`
	TableMaskInfo string   `xml:"TableMaskInfo"`
	Type          string   `xml:"Type"`
}

type tablesXML struct {
	XMLName  xml.Name   `xml:"Tables"`
	Tables   []tableXML `xml:"Table"`
	Marker   string     `xml:"Marker"`
	MaxItems int        `xml:"MaxItems"`
}

// columnJSON is a column of the schema JSON. isNullable is always present:
// the Go SDK reads a missing one as NOT NULL (§4.4).
type columnJSON struct {
	Name            string `json:"name"`
	Type            string `json:"type"`
	Comment         string `json:"comment"`
	Label           string `json:"label"`
	IsNullable      bool   `json:"isNullable"`
	HasDefaultValue bool   `json:"hasDefaultValue"`
	DefaultValue    string `json:"defaultValue"`
}

// schemaJSON is the table schema JSON; times are unix seconds.
type schemaJSON struct {
	TableName        string       `json:"tableName"`
	Comment          string       `json:"comment"`
	Owner            string       `json:"owner"`
	CreateTime       int64        `json:"createTime"`
	LastDDLTime      int64        `json:"lastDDLTime"`
	LastModifiedTime int64        `json:"lastModifiedTime"`
	LastAccessTime   int64        `json:"lastAccessTime"`
	Lifecycle        int          `json:"lifecycle"`
	Size             int64        `json:"size"`
	RecordNum        int64        `json:"recordNum"`
	IsVirtualView    bool         `json:"isVirtualView"`
	ViewText         string       `json:"viewText"`
	IsExternal       bool         `json:"isExternal"`
	TableLabel       string       `json:"tableLabel"`
	Columns          []columnJSON `json:"columns"`
	PartitionKeys    []columnJSON `json:"partitionKeys"`
	// Reserved is a JSON document in a string; the Go SDK parses it after
	// loading ?extended, so it is always valid JSON.
	Reserved string `json:"Reserved"`
	// Extended fields (?extended).
	FileNum      *int64 `json:"FileNum,omitempty"`
	IsArchived   *bool  `json:"IsArchived,omitempty"`
	PhysicalSize *int64 `json:"PhysicalSize,omitempty"`
}

func columnsJSON(cols []catalog.Column) []columnJSON {
	out := make([]columnJSON, len(cols))
	for i, c := range cols {
		out[i] = columnJSON{Name: c.Name, Type: catalog.TypeString(c.Type), Comment: c.Comment, IsNullable: !c.NotNull}
	}
	return out
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// tableSchemaJSON writes a table's schema JSON. Lifecycle -1 is "none";
// size and record counts are not tracked (0 and -1).
func tableSchemaJSON(t *catalog.Table, extended bool) string {
	lifecycle := t.Lifecycle
	if lifecycle <= 0 {
		lifecycle = -1
	}
	s := schemaJSON{TableName: t.Name, Comment: t.Comment, Owner: t.Owner, CreateTime: unix(t.CreatedAt),
		LastDDLTime: unix(t.LastDDLAt), LastModifiedTime: unix(t.ModifiedAt), LastAccessTime: unix(t.ModifiedAt),
		Lifecycle: lifecycle, RecordNum: -1, Columns: columnsJSON(t.Columns), PartitionKeys: columnsJSON(t.PartitionKeys),
		Reserved: `{"Transactional":"false"}`}
	if extended {
		zero, no := int64(0), false
		s.FileNum, s.IsArchived, s.PhysicalSize = &zero, &no, &zero
	}
	data, _ := json.Marshal(s) // plain data: cannot fail
	return string(data)
}

func newTableXML(project string, t *catalog.Table, withSchema, extended bool) tableXML {
	x := tableXML{Name: t.Name, TableID: strconv.FormatInt(t.ID, 10), Comment: t.Comment, Owner: t.Owner, Project: project,
		Type: "MANAGED_TABLE"}
	if withSchema {
		x.Format = "json"
		x.Schema = tableSchemaJSON(t, extended)
	}
	return x
}

// listTables is GET /projects/{p}/tables: List on the project; name is a
// prefix, owner an exact owner, type a table type; paged by name
// (marker, maxitems up to 1000). With ?extended each table carries its
// schema.
func (h *Handler) listTables(ctx context.Context, c *call) (*response, error) {
	p := c.params["p"]
	ts, err := h.svc.ListTables(ctx, c.caller, p, c.meta())
	if err != nil {
		return nil, err
	}
	max, err := maxItems(c, 1000)
	if err != nil {
		return nil, err
	}
	prefix := strings.ToLower(c.query.Get("name"))
	owner := c.query.Get("owner")
	typ := c.query.Get("type")
	marker := strings.ToLower(c.query.Get("marker"))
	out := tablesXML{MaxItems: max}
	for _, t := range ts {
		key := strings.ToLower(t.Name)
		switch {
		case !strings.HasPrefix(key, prefix), marker != "" && key <= marker,
			owner != "" && !strings.EqualFold(owner, t.Owner), typ != "" && !strings.EqualFold(typ, "MANAGED_TABLE"):
			continue
		}
		if len(out.Tables) == max {
			out.Marker = out.Tables[len(out.Tables)-1].Name
			break
		}
		out.Tables = append(out.Tables, newTableXML(p, t, c.has("extended"), c.has("extended")))
	}
	return xmlResponse(200, out)
}

// batchLoadTables is POST /projects/{p}/tables?query: up to 100 tables of
// this project, each needing Describe; all or nothing.
func (h *Handler) batchLoadTables(ctx context.Context, c *call) (*response, error) {
	var in struct {
		Tables []struct {
			Project string `xml:"Project"`
			Name    string `xml:"Name"`
		} `xml:"Table"`
	}
	if err := xml.Unmarshal(c.body, &in); err != nil {
		return nil, invalid("the body is not a <Tables> XML document: %v", err)
	}
	if len(in.Tables) > 100 {
		return nil, invalid("at most 100 tables are loaded at once, got %d", len(in.Tables))
	}
	p := c.params["p"]
	out := struct {
		XMLName xml.Name   `xml:"Tables"`
		Tables  []tableXML `xml:"Table"`
	}{}
	for _, t := range in.Tables {
		if t.Project != "" && !strings.EqualFold(t.Project, p) {
			return nil, invalid("table %s.%s is in another project: load it from that project", clipText(t.Project), clipText(t.Name))
		}
		tb, err := h.svc.DescribeTable(ctx, c.caller, p, t.Name, c.meta())
		if err != nil {
			return nil, err
		}
		out.Tables = append(out.Tables, newTableXML(p, tb, true, false))
	}
	return xmlResponse(200, out)
}

// getTable is GET /projects/{p}/tables/{t}[?extended]: Describe on the
// table; a missing table is 404 with Go's status text "404 Not Found",
// which the Go SDK's Table.Exists compares (§6.8).
func (h *Handler) getTable(ctx context.Context, c *call) (*response, error) {
	p := c.params["p"]
	t, err := h.svc.DescribeTable(ctx, c.caller, p, c.params["t"], c.meta())
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, newTableXML(p, t, true, c.has("extended")))
}

// partitionXML is a partition of GET ?partitions.
type partitionXML struct {
	Name                 string            `xml:"Name,omitempty"`
	Columns              []partitionColumn `xml:"Column"`
	CreationTime         *int64            `xml:"CreationTime,omitempty"`
	LastDDLTime          *int64            `xml:"LastDDLTime,omitempty"`
	LastModifiedTime     *int64            `xml:"LastModifiedTime,omitempty"`
	PartitionSize        *int64            `xml:"PartitionSize,omitempty"`
	PartitionRecordCount *int64            `xml:"PartitionRecordCount,omitempty"`
}

type partitionColumn struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:"Value,attr"`
}

type partitionsXML struct {
	XMLName    xml.Name       `xml:"Partitions"`
	Marker     string         `xml:"Marker"`
	MaxItems   int            `xml:"MaxItems"`
	Partitions []partitionXML `xml:"Partition"`
}

// listPartitions is GET /projects/{p}/tables/{t}?partitions: Describe on
// the table. With name= (any value) only the names (pt=x/region=y) are
// listed; partition=<spec> (pt='x',region='y') keeps the partitions that
// match every key given. Paged by spec (marker, maxitems up to 10000).
func (h *Handler) listPartitions(ctx context.Context, c *call) (*response, error) {
	t, parts, err := h.svc.DescribePartitions(ctx, c.caller, c.params["p"], c.params["t"], c.meta())
	if err != nil {
		return nil, err
	}
	filter, err := parsePartitionSpec(t, c.query.Get("partition"))
	if err != nil {
		return nil, err
	}
	max, err := maxItems(c, 10000)
	if err != nil {
		return nil, err
	}
	namesOnly := c.has("name")
	marker := c.query.Get("marker")
	out := partitionsXML{MaxItems: max}
	for _, pt := range parts {
		spec := t.Spec(pt.Values)
		if !filter.matches(pt.Values) || marker != "" && spec <= marker {
			continue
		}
		if len(out.Partitions) == max {
			out.Marker = lastSpec(t, out.Partitions, namesOnly)
			break
		}
		var x partitionXML
		if namesOnly {
			x.Name = spec
		} else {
			for i, k := range t.PartitionKeys {
				x.Columns = append(x.Columns, partitionColumn{Name: k.Name, Value: pt.Values[i]})
			}
			created, modified, zero, unknown := unix(pt.CreatedAt), unix(pt.ModifiedAt), int64(0), int64(-1)
			x.CreationTime, x.LastDDLTime, x.LastModifiedTime = &created, &created, &modified
			x.PartitionSize, x.PartitionRecordCount = &zero, &unknown
		}
		out.Partitions = append(out.Partitions, x)
	}
	return xmlResponse(200, out)
}

// lastSpec is the marker after a page: the spec of its last partition.
func lastSpec(t *catalog.Table, ps []partitionXML, namesOnly bool) string {
	last := ps[len(ps)-1]
	if namesOnly {
		return last.Name
	}
	vals := make([]string, len(last.Columns))
	for i, c := range last.Columns {
		vals[i] = c.Value
	}
	return t.Spec(vals)
}

// getPartition is GET /projects/{p}/tables/{t}?partition=<spec>: one
// partition's schema JSON; every key must be given.
func (h *Handler) getPartition(ctx context.Context, c *call) (*response, error) {
	t, parts, err := h.svc.DescribePartitions(ctx, c.caller, c.params["p"], c.params["t"], c.meta())
	if err != nil {
		return nil, err
	}
	filter, err := parsePartitionSpec(t, c.query.Get("partition"))
	if err != nil {
		return nil, err
	}
	if len(filter) != len(t.PartitionKeys) {
		return nil, invalid("partition %q of %s must name every partition key: %s", clipText(c.query.Get("partition")), t.Name, keyList(t))
	}
	for _, pt := range parts {
		if !filter.matches(pt.Values) {
			continue
		}
		data, _ := json.Marshal(map[string]any{
			"createTime": unix(pt.CreatedAt), "lastDDLTime": unix(pt.CreatedAt), "lastModifiedTime": unix(pt.ModifiedAt),
			"partitionRecordNum": -1, "partitionSize": 0, "fileNum": 0, "isArchived": false, "lifecycle": -1,
		})
		return xmlResponse(200, struct {
			XMLName xml.Name `xml:"Partition"`
			Schema  string   `xml:"Schema"`
		}{Schema: string(data)})
	}
	return nil, &Error{Status: 404, Code: "NoSuchPartition",
		Message: "ODPS-0130161: Partition not found - " + clipText(c.query.Get("partition")) + " of " + c.params["p"] + "." + t.Name}
}

// partitionFilter holds the values a spec gives, by key index.
type partitionFilter map[int]string

func (f partitionFilter) matches(values []string) bool {
	for i, v := range f {
		if values[i] != v {
			return false
		}
	}
	return true
}

// parsePartitionSpec reads pt='x',region='y' (quotes optional, "/" also
// separates, as in pt=x/region=y) against the table's keys.
func parsePartitionSpec(t *catalog.Table, spec string) (partitionFilter, error) {
	f := partitionFilter{}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return f, nil
	}
	if len(t.PartitionKeys) == 0 {
		return nil, invalid("table %s is not partitioned", t.Name)
	}
	for _, part := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '/' }) {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '\'' && v[len(v)-1] == '\'' || v[0] == '"' && v[len(v)-1] == '"') {
			v = v[1 : len(v)-1]
		}
		i := -1
		for j, pk := range t.PartitionKeys {
			if strings.EqualFold(pk.Name, k) {
				i = j
			}
		}
		if !ok || i < 0 {
			return nil, invalid("partition spec %q does not match the partition keys of %s: %s", clipText(spec), t.Name, keyList(t))
		}
		f[i] = v
	}
	return f, nil
}

func keyList(t *catalog.Table) string {
	names := make([]string, len(t.PartitionKeys))
	for i, k := range t.PartitionKeys {
		names[i] = k.Name
	}
	return strings.Join(names, ", ")
}
