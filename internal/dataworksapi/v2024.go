package dataworksapi

import (
	"context"
	"strings"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/gateway"
)

// The 2024-05-18 actions, with the models of dataworks-public-20240518
// (reference/dataworks.md §2, §4). Workspaces and data sources are here;
// resource groups and compute resources in their own files.

var (
	p24ProjectID = gateway.Param{Name: "ProjectId", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62}
	p24ID        = gateway.Param{Name: "Id", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62}
	p24Props     = gateway.Param{Name: "ConnectionProperties", Required: true, MaxLen: 65536}
	p24PropsMode = gateway.Param{Name: "ConnectionPropertiesMode", MaxLen: 32}
)

func (a *api) actions2024() []gateway.Action {
	v := Version2024
	listFilters := []gateway.Param{p24ProjectID, {Name: "Name", MaxLen: 256}, {Name: "Types", MaxLen: 1024}, {Name: "EnvType", MaxLen: 8},
		{Name: "SortBy", MaxLen: 32}, {Name: "Order", MaxLen: 8}, pPageNumber, pPageSize}
	actions := []gateway.Action{
		a.act(v, "CreateProject", "Creates a workspace of the caller's account (DevEnvironmentEnabled: standard mode, Dev and Prod); associated with the account's default serverless resource group.",
			[]gateway.Param{{Name: "Name", Required: true, MaxLen: 64}, {Name: "DisplayName", Required: true, MaxLen: 128},
				{Name: "Description", MaxLen: 1024}, {Name: "DevEnvironmentEnabled", Kind: gateway.Bool}, {Name: "DevRoleDisabled", Kind: gateway.Bool},
				{Name: "PaiTaskEnabled", Kind: gateway.Bool}, {Name: "AliyunResourceGroupId", MaxLen: 64}, {Name: "AliyunResourceTags"}, pRegion},
			a.allWorkspaces, a.createProject),
		a.act(v, "GetProject", "Returns a workspace of the caller's account.",
			[]gateway.Param{p24ID}, a.workspace("Id"), a.getProject),
		a.act(v, "ListProjects", "Lists the caller's workspaces in the region, with filters, paged (PagingInfo).",
			[]gateway.Param{{Name: "Ids", MaxLen: 4096}, {Name: "Names", MaxLen: 4096}, {Name: "Status", MaxLen: 32},
				{Name: "DevEnvironmentEnabled", Kind: gateway.Bool}, {Name: "DevRoleDisabled", Kind: gateway.Bool}, {Name: "PaiTaskEnabled", Kind: gateway.Bool},
				{Name: "AliyunResourceGroupId", MaxLen: 64}, {Name: "AliyunResourceTags"}, pPageNumber, pPageSize, pRegion},
			a.allWorkspaces, a.listProjects),
		a.act(v, "CreateDataSource", "Adds one environment (envType inside ConnectionProperties) of a maxcompute or hologres data source; same-account or cross-account (authType RamRole, crossAccountOwnerId, crossAccountRoleName).",
			[]gateway.Param{p24ProjectID, {Name: "Name", Required: true, MaxLen: dataworks.MaxNameLen + 1}, {Name: "Type", Required: true, MaxLen: 64},
				p24PropsMode, p24Props, pDescription},
			a.workspace("ProjectId"), a.createDataSource),
		a.act(v, "GetDataSource", "Returns one environment of a data source, ConnectionProperties as an object with secrets masked.",
			[]gateway.Param{p24ID}, a.dataSource("Id"), a.getDataSource),
		a.act(v, "ListDataSources", "Lists a workspace's data sources grouped by name, each with its Dev and Prod records; filters Name (substring), Types, EnvType; SortBy CreateTime, Id, Name.",
			append(listFilters, gateway.Param{Name: "Tags", MaxLen: 4096}), a.workspace("ProjectId"), a.listDataSources),
		a.act(v, "UpdateDataSource", "Replaces a data source's ConnectionProperties; secrets sent masked (`******`) keep their value; the type and environment cannot change.",
			[]gateway.Param{p24ID, p24ProjectID, p24PropsMode, p24Props, pDescription},
			a.dataSource("Id"), a.updateDataSource),
		a.act(v, "DeleteDataSource", "Deletes one environment of a data source (GET, as the SDK sends it).",
			[]gateway.Param{p24ID, {Name: "ProjectId", Kind: gateway.Int, Min: 1, Max: 1 << 62}}, a.dataSource("Id"), a.deleteDataSource),
		a.act(v, "TestDataSourceConnectivity", "Tests a data source from a resource group associated with its workspace, on the group's workers: ConnectState and the ordered DetailLogs.",
			[]gateway.Param{p24ProjectID, {Name: "DataSourceId", Kind: gateway.Int, Required: true, Min: 1, Max: 1 << 62},
				{Name: "ResourceGroupId", Required: true, MaxLen: 128}},
			a.workspace("ProjectId"), a.testDataSourceConnectivity),
		a.act(v, "PreviewDataSourceTable", "localyun extension: reads the first rows of a table through a data source (by name and EnvType, Prod or Dev), on a resource group (default: the account's default group), as the data source's identity; values as text, NULL as null.",
			[]gateway.Param{p24ProjectID, {Name: "DataSourceName", Required: true, MaxLen: dataworks.MaxNameLen}, {Name: "EnvType", MaxLen: 8},
				{Name: "TableName", Required: true, MaxLen: dataworks.MaxTableNameLen},
				{Name: "Limit", Kind: gateway.Int, Min: 1, Max: dataworks.MaxPreviewRows}, {Name: "ResourceGroupId", MaxLen: 128}},
			a.workspace("ProjectId"), a.previewDataSourceTable),
	}
	actions = append(actions, a.groupActions2024()...)
	return append(actions, a.computeActions2024(listFilters)...)
}

// project24 is a workspace in the 2024-05-18 models.
type project24 struct {
	AliyunResourceGroupID string          `json:"AliyunResourceGroupId"`
	AliyunResourceTags    []dataworks.Tag `json:"AliyunResourceTags"`
	Description           string          `json:"Description"`
	DevEnvironmentEnabled bool            `json:"DevEnvironmentEnabled"`
	DevRoleDisabled       bool            `json:"DevRoleDisabled"`
	DisplayName           string          `json:"DisplayName"`
	ID                    int64           `json:"Id"`
	Name                  string          `json:"Name"`
	Owner                 string          `json:"Owner"`
	PaiTaskEnabled        bool            `json:"PaiTaskEnabled"`
	Status                string          `json:"Status"`
}

func projectView(w dataworks.Workspace) project24 {
	return project24{AliyunResourceGroupID: w.AliyunResourceGroupID, AliyunResourceTags: tagList(w.Tags), Description: w.Description,
		DevEnvironmentEnabled: w.Mode == dataworks.WorkspaceStandard, DevRoleDisabled: w.DevRoleDisabled, DisplayName: w.DisplayName,
		ID: w.ID, Name: w.Name, Owner: w.Owner, PaiTaskEnabled: w.PaiTaskEnabled, Status: "Available"}
}

func (a *api) createProject(ctx context.Context, c *gateway.Call) (any, error) {
	t, err := tags(c, "AliyunResourceTags")
	if err != nil {
		return nil, err
	}
	mode := dataworks.WorkspaceBasic
	if c.Bool("DevEnvironmentEnabled", false) {
		mode = dataworks.WorkspaceStandard
	}
	w, err := a.svc.CreateWorkspace(ctx, c.Caller, dataworks.WorkspaceInput{
		Name: c.String("Name"), DisplayName: c.String("DisplayName"), Description: c.String("Description"), Region: c.String("RegionId"),
		Mode: mode, DevRoleDisabled: c.Bool("DevRoleDisabled", false), PaiTaskEnabled: c.Bool("PaiTaskEnabled", false),
		AliyunResourceGroupID: c.String("AliyunResourceGroupId"), Tags: t,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ID        int64 `json:"Id"`
		ProjectID int64 `json:"ProjectId"`
	}{w.ID, w.ID}, nil
}

func (a *api) getProject(ctx context.Context, c *gateway.Call) (any, error) {
	w, err := a.svc.GetWorkspace(ctx, c.Caller, c.Int("Id", 0))
	if err != nil {
		return nil, err
	}
	return struct {
		Project project24 `json:"Project"`
	}{projectView(w)}, nil
}

func (a *api) listProjects(ctx context.Context, c *gateway.Call) (any, error) {
	var ids []int64
	var names []string
	if err := jsonParam(c, "Ids", &ids); err != nil {
		return nil, err
	}
	if err := jsonParam(c, "Names", &names); err != nil {
		return nil, err
	}
	want, err := tags(c, "AliyunResourceTags")
	if err != nil {
		return nil, err
	}
	all, err := a.svc.ListWorkspaces(ctx, c.Caller, c.String("RegionId"))
	if err != nil {
		return nil, err
	}
	flag := func(name string, v bool) bool { return !c.Has(name) || c.Bool(name, false) == v }
	var sel []project24
	for _, w := range all {
		p := projectView(w)
		switch {
		case len(ids) > 0 && !containsID(ids, w.ID),
			len(names) > 0 && !containsFold(names, w.Name),
			c.String("Status") != "" && !strings.EqualFold(c.String("Status"), p.Status),
			!flag("DevEnvironmentEnabled", p.DevEnvironmentEnabled), !flag("DevRoleDisabled", p.DevRoleDisabled),
			!flag("PaiTaskEnabled", p.PaiTaskEnabled),
			c.String("AliyunResourceGroupId") != "" && c.String("AliyunResourceGroupId") != w.AliyunResourceGroupID,
			!hasTags(w.Tags, want):
			continue
		}
		sel = append(sel, p)
	}
	offset, size := page(c, 10)
	lo, hi := window(len(sel), offset, size)
	type pagingInfo struct {
		PageNumber int32       `json:"PageNumber"`
		PageSize   int32       `json:"PageSize"`
		Projects   []project24 `json:"Projects"`
		TotalCount int32       `json:"TotalCount"`
	}
	return struct {
		PagingInfo pagingInfo `json:"PagingInfo"`
	}{pagingInfo{int32(c.Int("PageNumber", 1)), int32(size), append([]project24{}, sel[lo:hi]...), int32(len(sel))}}, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// dataSource24 is one environment of a data source (or compute resource)
// in the 2024-05-18 models; ConnectionProperties is an object.
type dataSource24 struct {
	ConnectionProperties     dataworks.Properties `json:"ConnectionProperties"`
	ConnectionPropertiesMode string               `json:"ConnectionPropertiesMode"`
	CreateTime               int64                `json:"CreateTime"`
	CreateUser               string               `json:"CreateUser"`
	Description              string               `json:"Description"`
	ID                       int64                `json:"Id"`
	ModifyTime               int64                `json:"ModifyTime"`
	ModifyUser               string               `json:"ModifyUser"`
	Name                     string               `json:"Name,omitempty"`
	ProjectID                int64                `json:"ProjectId,omitempty"`
	QualifiedName            string               `json:"QualifiedName"`
	Type                     string               `json:"Type,omitempty"`
}

// view is d's record; full adds what GetDataSource shows and the grouped
// list leaves to its group (Name, Type, ProjectId).
func view(d dataworks.DataSource, full bool) dataSource24 {
	v := dataSource24{ConnectionProperties: d.Props, ConnectionPropertiesMode: d.Mode, CreateTime: millis(d.CreatedAt),
		CreateUser: d.CreateUser, Description: d.Description, ID: d.ID, ModifyTime: millis(d.UpdatedAt), ModifyUser: d.ModifyUser,
		QualifiedName: d.QualifiedName()}
	if full {
		v.Name, v.ProjectID, v.Type = d.Name, d.Workspace, d.Type
	}
	return v
}

func (a *api) createDataSource(ctx context.Context, c *gateway.Call) (any, error) {
	d, err := a.svc.CreateDataSource(ctx, c.Caller, dataworks.DataSourceInput{
		Workspace: c.Int("ProjectId", 0), Name: c.String("Name"), Type: c.String("Type"), Mode: c.String("ConnectionPropertiesMode"),
		Properties: c.String("ConnectionProperties"), Description: c.String("Description"),
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ID int64 `json:"Id"`
	}{d.ID}, nil
}

func (a *api) getDataSource(ctx context.Context, c *gateway.Call) (any, error) {
	d, err := a.svc.GetDataSource(ctx, c.Caller, c.Int("Id", 0))
	if err != nil {
		return nil, err
	}
	return struct {
		DataSource dataSource24 `json:"DataSource"`
	}{view(d, true)}, nil
}

// listQuery reads the filters ListDataSources and ListComputeResources
// share.
func listQuery(c *gateway.Call) (dataworks.Query, error) {
	q := dataworks.Query{Workspace: c.Int("ProjectId", 0), NameContains: c.String("Name"), GroupByName: true, SortBy: c.String("SortBy")}
	if q.SortBy == "" {
		q.SortBy = "CreateTime"
	}
	switch strings.ToLower(c.String("Order")) {
	case "", "desc":
		q.Desc = true
	case "asc":
	default:
		return q, invalidf("Order", "%q is not Asc or Desc", c.String("Order"))
	}
	if types := splitList(c.String("Types")); len(types) > 0 {
		for _, t := range types {
			q.Types = append(q.Types, strings.ToLower(t))
		}
	}
	if e := c.String("EnvType"); e != "" {
		env, err := dataworks.NormalizeEnv("EnvType", e)
		if err != nil {
			return q, err
		}
		q.Env = env
	}
	offset, size := page(c, 10)
	q.Offset, q.Size = int(offset), int(size)
	return q, nil
}

// group is the records of one name.
type group24 struct {
	Name    string
	Type    string
	Records []dataSource24
}

// groups folds a page of records (in name order, Dev before Prod) into
// one entry per name.
func groups(items []dataworks.DataSource) []group24 {
	var out []group24
	for _, d := range items {
		if n := len(out); n == 0 || !strings.EqualFold(out[n-1].Name, d.Name) {
			out = append(out, group24{Name: d.Name, Type: d.Type})
		}
		out[len(out)-1].Records = append(out[len(out)-1].Records, view(d, false))
	}
	return out
}

func (a *api) listDataSources(ctx context.Context, c *gateway.Call) (any, error) {
	q, err := listQuery(c)
	if err != nil {
		return nil, err
	}
	var tagFilter []string
	if err := jsonParam(c, "Tags", &tagFilter); err != nil {
		return nil, err
	}
	if len(tagFilter) > 10 {
		return nil, invalidf("Tags", "%d tags, more than 10", len(tagFilter))
	}
	if len(tagFilter) > 0 {
		q.Types = []string{} // localyun's data sources carry no tags: a tag filter selects nothing
	}
	p, err := a.svc.ListDataSources(ctx, c.Caller, q)
	if err != nil {
		return nil, err
	}
	type entry struct {
		DataSource []dataSource24 `json:"DataSource"`
		Name       string         `json:"Name"`
		Type       string         `json:"Type"`
	}
	list := []entry{}
	for _, g := range groups(p.Items) {
		list = append(list, entry{g.Records, g.Name, g.Type})
	}
	type pagingInfo struct {
		DataSources []entry `json:"DataSources"`
		PageNumber  int64   `json:"PageNumber"`
		PageSize    int64   `json:"PageSize"`
		TotalCount  int64   `json:"TotalCount"`
	}
	return struct {
		PagingInfo pagingInfo `json:"PagingInfo"`
	}{pagingInfo{list, c.Int("PageNumber", 1), int64(q.Size), int64(p.Total)}}, nil
}

// updateOf reads the 2024 update of a data source or compute resource:
// Description only when sent.
func updateOf(c *gateway.Call) dataworks.DataSourceUpdate {
	u := dataworks.DataSourceUpdate{ID: c.Int("Id", 0), Workspace: c.Int("ProjectId", 0), Mode: c.String("ConnectionPropertiesMode"),
		Properties: c.String("ConnectionProperties")}
	if c.Has("Description") {
		d := c.String("Description")
		u.Description = &d
	}
	return u
}

func (a *api) updateDataSource(ctx context.Context, c *gateway.Call) (any, error) {
	if _, err := a.svc.UpdateDataSource(ctx, c.Caller, updateOf(c)); err != nil {
		return nil, err
	}
	return success{true}, nil
}

func (a *api) deleteDataSource(ctx context.Context, c *gateway.Call) (any, error) {
	if err := a.svc.DeleteDataSource(ctx, c.Caller, c.Int("ProjectId", 0), c.Int("Id", 0)); err != nil {
		return nil, err
	}
	return success{true}, nil
}

// success is the answer of the 2024-05-18 writes.
type success struct {
	Success bool `json:"Success"`
}

func (a *api) testDataSourceConnectivity(ctx context.Context, c *gateway.Call) (any, error) {
	res, err := a.svc.TestConnectivity(ctx, c.Caller, c.Int("ProjectId", 0), c.Int("DataSourceId", 0), c.String("ResourceGroupId"))
	if err != nil {
		return nil, err
	}
	type detailLog struct {
		Code      string `json:"Code"`
		EndTime   int64  `json:"EndTime"`
		Message   string `json:"Message"`
		StartTime int64  `json:"StartTime"`
	}
	type connectivity struct {
		ConnectMessage string      `json:"ConnectMessage"`
		ConnectState   string      `json:"ConnectState"`
		DetailLogs     []detailLog `json:"DetailLogs"`
	}
	logs := make([]detailLog, 0, len(res.Steps))
	for _, s := range res.Steps {
		logs = append(logs, detailLog{Code: s.Code, EndTime: millis(s.End), Message: s.Message, StartTime: millis(s.Start)})
	}
	return struct {
		Connectivity connectivity `json:"Connectivity"`
	}{connectivity{res.Message, string(res.State), logs}}, nil
}

// previewDataSourceTable serves PreviewDataSourceTable, a localyun
// extension of the 2024-05-18 API (docs/dataworks.md, "Preview").
func (a *api) previewDataSourceTable(ctx context.Context, c *gateway.Call) (any, error) {
	p, err := a.svc.PreviewTable(ctx, c.Caller, dataworks.PreviewInput{Workspace: c.Int("ProjectId", 0), DataSource: c.String("DataSourceName"),
		Env: c.String("EnvType"), Table: c.String("TableName"), Limit: int(c.Int("Limit", 0)), Group: c.String("ResourceGroupId")})
	if err != nil {
		return nil, err
	}
	type column struct {
		Name string `json:"Name"`
		Type string `json:"Type"`
	}
	type data struct {
		DataSourceName string      `json:"DataSourceName"`
		TableName      string      `json:"TableName"`
		Columns        []column    `json:"Columns"`
		Rows           [][]*string `json:"Rows"`
	}
	d := data{DataSourceName: c.String("DataSourceName"), TableName: c.String("TableName"), Columns: []column{}, Rows: [][]*string{}}
	for _, col := range p.Columns {
		d.Columns = append(d.Columns, column(col))
	}
	d.Rows = append(d.Rows, p.Rows...)
	return struct {
		Data data `json:"Data"`
	}{d}, nil
}
