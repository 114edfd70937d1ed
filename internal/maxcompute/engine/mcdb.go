package engine

import (
	"context"

	"github.com/localyun/localyun/internal/maxcompute/mcdb"
)

// MCDB returns the engine as the MaxCompute service sees it (package mcdb),
// so that the service builds without cgo.
func (e *Engine) MCDB() mcdb.Engine { return mcdbEngine{e} }

type mcdbEngine struct{ e *Engine }

func (m mcdbEngine) Create(ctx context.Context, project string) error {
	return m.e.Create(ctx, project)
}
func (m mcdbEngine) Drop(ctx context.Context, project string) error { return m.e.Drop(ctx, project) }
func (m mcdbEngine) Exists(project string) bool                     { return m.e.Exists(project) }

func (m mcdbEngine) Exec(ctx context.Context, project, query string, args ...any) (int64, error) {
	return m.e.Exec(ctx, project, query, args...)
}

func (m mcdbEngine) Query(ctx context.Context, project, query string, maxRows int, args ...any) (*mcdb.Result, error) {
	res, err := m.e.Query(ctx, project, query, maxRows, args...)
	return toMCDB(res), err
}

func (m mcdbEngine) Tx(ctx context.Context, project string, fn func(mcdb.Tx) error) error {
	return m.e.Tx(ctx, project, func(tx *Tx) error { return fn(mcdbTx{tx}) })
}

func (m mcdbEngine) LockTables(ctx context.Context, project string, tables ...string) (func(), error) {
	return m.e.LockTables(ctx, project, tables...)
}

type mcdbTx struct{ tx *Tx }

func (t mcdbTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return t.tx.Exec(ctx, query, args...)
}

func (t mcdbTx) Query(ctx context.Context, query string, maxRows int, args ...any) (*mcdb.Result, error) {
	res, err := t.tx.Query(ctx, query, maxRows, args...)
	return toMCDB(res), err
}

func toMCDB(r *Result) *mcdb.Result {
	if r == nil {
		return nil
	}
	out := &mcdb.Result{Rows: r.Rows, Truncated: r.Truncated}
	for _, c := range r.Columns {
		out.Columns = append(out.Columns, mcdb.Column{Name: c.Name, DatabaseType: c.DuckDBType})
	}
	return out
}
