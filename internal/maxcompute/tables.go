package maxcompute

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/mcdb"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// querier is an engine or a transaction of one project.
type querier interface {
	Query(ctx context.Context, query string, maxRows int, args ...any) (*mcdb.Result, error)
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// projectQuerier runs statements on one project outside a transaction.
type projectQuerier struct {
	e       mcdb.Engine
	project string
}

func (q projectQuerier) Query(ctx context.Context, query string, maxRows int, args ...any) (*mcdb.Result, error) {
	return q.e.Query(ctx, q.project, query, maxRows, args...)
}

func (q projectQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return q.e.Exec(ctx, q.project, query, args...)
}

func (s *Service) on(project string) querier { return projectQuerier{s.engine, project} }

// storedColumn is a column as the catalog keeps it.
type storedColumn struct {
	Name    string       `json:"name"`
	Type    *sqlast.Type `json:"type"`
	Comment string       `json:"comment,omitempty"`
	NotNull bool         `json:"notNull,omitempty"`
}

func encodeColumns(cols []catalog.Column) string {
	out := make([]storedColumn, len(cols))
	for i, c := range cols {
		out[i] = storedColumn{Name: c.Name, Type: c.Type, Comment: c.Comment, NotNull: c.NotNull}
	}
	data, _ := json.Marshal(out) // plain data: cannot fail
	return string(data)
}

func decodeColumns(s string) ([]catalog.Column, error) {
	var in []storedColumn
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]catalog.Column, len(in))
	for i, c := range in {
		out[i] = catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment, NotNull: c.NotNull}
	}
	return out, nil
}

const tableColumns = `id, name, comment, owner, lifecycle, columns, partition_keys, created, last_ddl, modified`

func scanTable(row []any) (*catalog.Table, error) {
	t := &catalog.Table{
		ID:        toInt64(row[0]),
		Name:      row[1].(string),
		Comment:   row[2].(string),
		Owner:     row[3].(string),
		Lifecycle: int(toInt64(row[4])),
	}
	var err error
	if t.Columns, err = decodeColumns(row[5].(string)); err != nil {
		return nil, fmt.Errorf("catalog columns of %s: %w", t.Name, err)
	}
	if t.PartitionKeys, err = decodeColumns(row[6].(string)); err != nil {
		return nil, fmt.Errorf("catalog partition keys of %s: %w", t.Name, err)
	}
	t.CreatedAt, _ = row[7].(time.Time)
	t.LastDDLAt, _ = row[8].(time.Time)
	t.ModifiedAt, _ = row[9].(time.Time)
	return t, nil
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case uint64:
		return int64(n)
	}
	return 0
}

// ErrNoSuchTable marks a missing table.
var ErrNoSuchTable = fmt.Errorf("no such table")

// NoSuchTable is the error for a missing table.
func NoSuchTable(project, table string) *apierr.Error {
	return apierr.Newf(404, "NoSuchTable", "ODPS-0130131:Table not found - '%s.%s'.", project, table).WithCause(ErrNoSuchTable)
}

// lookupTable reads a table's metadata; nil when there is no such table.
func lookupTable(ctx context.Context, q querier, name string) (*catalog.Table, error) {
	res, err := q.Query(ctx, `SELECT `+tableColumns+` FROM _localyun.tables WHERE name_key = ?`, 1, strings.ToLower(name))
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	return scanTable(res.Rows[0])
}

// tableOf is lookupTable through the cache: nil when there is no such
// table.
func (s *Service) tableOf(ctx context.Context, project, name string) (*catalog.Table, error) {
	if t, ok := s.cache.table(project, name); ok {
		return t, nil
	}
	gen := s.cache.generation(project)
	t, err := lookupTable(ctx, s.on(project), name)
	if err != nil {
		return nil, err
	}
	s.cache.putTable(project, gen, name, t)
	return t, nil
}

// Table returns a table's metadata, or NoSuchTable.
func (s *Service) Table(ctx context.Context, project, name string) (*catalog.Table, error) {
	t, err := s.tableOf(ctx, project, name)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	if t == nil {
		return nil, NoSuchTable(project, name)
	}
	return t, nil
}

// Tables lists a project's tables by name.
func (s *Service) Tables(ctx context.Context, project string) ([]*catalog.Table, error) {
	res, err := s.engine.Query(ctx, project, `SELECT `+tableColumns+` FROM _localyun.tables ORDER BY name_key`, 1<<20)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	out := make([]*catalog.Table, 0, len(res.Rows))
	for _, row := range res.Rows {
		t, err := scanTable(row)
		if err != nil {
			return nil, apierr.Internal(err)
		}
		out = append(out, t)
	}
	return out, nil
}

// Partitions lists a table's partitions in spec order.
func (s *Service) Partitions(ctx context.Context, project string, t *catalog.Table) ([]catalog.Partition, error) {
	return partitionsOf(ctx, s.on(project), t)
}

func partitionsOf(ctx context.Context, q querier, t *catalog.Table) ([]catalog.Partition, error) {
	res, err := q.Query(ctx, `SELECT vals, created, modified FROM _localyun.partitions WHERE table_id = ? ORDER BY spec`, 1<<20, t.ID)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Partition, 0, len(res.Rows))
	for _, row := range res.Rows {
		p := catalog.Partition{TableID: t.ID}
		if err := json.Unmarshal([]byte(row[0].(string)), &p.Values); err != nil {
			return nil, err
		}
		p.CreatedAt, _ = row[1].(time.Time)
		p.ModifiedAt, _ = row[2].(time.Time)
		out = append(out, p)
	}
	return out, nil
}

// addPartition records a partition (doing nothing if it exists) and
// reports whether it was new.
func addPartition(ctx context.Context, q querier, t *catalog.Table, values []string, now time.Time) (bool, error) {
	vals, _ := json.Marshal(values)
	n, err := q.Exec(ctx, `INSERT INTO _localyun.partitions (table_id, spec, vals, created, modified) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, t.ID, t.Spec(values), string(vals), now, now)
	return n > 0, err
}
