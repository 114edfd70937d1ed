package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// endless takes hours: a trillion-row cross join.
const endless = "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b"

func TestStatementTimeout(t *testing.T) {
	e := newProject(t, Options{StatementTimeout: 300 * time.Millisecond})
	exec(t, e, "p", "CREATE TABLE t (a BIGINT)")
	for name, run := range map[string]func() error{
		"query": func() error { _, err := e.Query(ctx(t), "p", endless, 0); return err },
		"exec":  func() error { _, err := e.Exec(ctx(t), "p", "INSERT INTO t "+endless); return err },
		"tx": func() error {
			return e.Tx(ctx(t), "p", func(tx *Tx) error { _, err := tx.Query(ctx(t), endless, 0); return err })
		},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := run()
			elapsed := time.Since(start)
			errorIs(t, err, ErrTimeout)
			le := errorAs[*LimitError](t, err)
			equals(t, le.Limit, LimitStatementTimeout)
			equals(t, le.Value, "300ms")
			equals(t, le.Option, "StatementTimeout")
			if errors.Is(err, context.DeadlineExceeded) {
				t.Error("the limit error should not pass for the caller's own deadline")
			}
			if elapsed > 5*time.Second {
				t.Errorf("interrupted after %v", elapsed)
			}
			t.Logf("%v after %v", err, elapsed)
		})
	}
	// The database is still usable, and nothing was inserted.
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM t"), any(int64(0)))
}

func TestCallerCancel(t *testing.T) {
	e := newProject(t, Options{})
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Query(c, "p", endless, 0)
	errorIs(t, err, context.DeadlineExceeded)
	if errors.Is(err, ErrTimeout) {
		t.Error("the caller's deadline is not the engine's limit")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupted after %v", d)
	}
	c, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = e.Exec(c, "p", "CREATE TABLE t (a INT)")
	errorIs(t, err, context.Canceled)
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM duckdb_tables()"), any(int64(0)))
}

func TestTxTimeout(t *testing.T) {
	e := newProject(t, Options{TxTimeout: 300 * time.Millisecond})
	exec(t, e, "p", "CREATE TABLE t (a BIGINT)")
	start := time.Now()
	err := e.Tx(ctx(t), "p", func(tx *Tx) error {
		if _, err := tx.Exec(ctx(t), "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		time.Sleep(400 * time.Millisecond) // the caller dawdles
		_, err := tx.Exec(ctx(t), "INSERT INTO t VALUES (2)")
		return err
	})
	errorIs(t, err, ErrTimeout)
	equals(t, errorAs[*LimitError](t, err).Limit, LimitTxTimeout)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM t"), any(int64(0)))
}

// bigSort sorts 5 million rows of a cross join: about 80 MB of keys,
// beyond a memory limit of 64 MB.
const bigSort = "SELECT count(*) FROM (SELECT a.range * 100000 + b.range AS k FROM range(5000) a, range(1000) b ORDER BY k DESC OFFSET 5)"

func TestMemoryLimit(t *testing.T) {
	for name, tc := range map[string]struct {
		opts  Options
		query string
	}{
		"cross join sort":              {Options{MemoryLimit: "64MB"}, bigSort},
		"list aggregate":               {Options{MemoryLimit: "64MB"}, "SELECT length(list(range)) FROM range(20000000)"},
		"list aggregate, spilling on":  {Options{MemoryLimit: "64MB", SpillLimit: "1GB"}, "SELECT length(list(range)) FROM range(20000000)"}, // lists cannot spill
		"distinct count of cross join": {Options{MemoryLimit: "64MB"}, "SELECT count(DISTINCT a.range * 100000 + b.range) FROM range(20000) a, range(2000) b"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newProject(t, tc.opts)
			_, err := e.Query(ctx(t), "p", tc.query, 0)
			errorIs(t, err, ErrMemoryLimit)
			le := errorAs[*LimitError](t, err)
			equals(t, le.Limit, LimitMemory)
			equals(t, le.Option, "MemoryLimit")
			if le.Detail == "" {
				t.Error("no detail from DuckDB")
			}
			t.Log(err)
			// The database survives.
			equals(t, scalar(t, e, "p", "SELECT 40 + 2"), any(int32(42)))
		})
	}
}

// TestSpill: with spilling on, the sort that fails under the memory limit
// completes, its temporary files inside the engine's directory.
func TestSpill(t *testing.T) {
	e := newProject(t, Options{MemoryLimit: "64MB", SpillLimit: "1GB"})
	start := time.Now()
	equals(t, scalar(t, e, "p", bigSort), any(int64(4999995)))
	t.Logf("spilled sort in %v", time.Since(start))
	if _, err := os.Stat(filepath.Join(e.dir, "p.duckdb.tmp")); err != nil {
		t.Errorf("no spill directory: %v", err)
	}
}
