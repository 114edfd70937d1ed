package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateExistsDrop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mc")
	e, err := Open(dir, Options{})
	ok(t, err)
	defer e.Close()

	fi, err := os.Stat(dir)
	ok(t, err)
	equals(t, fi.Mode().Perm(), fs.FileMode(0o700))

	equals(t, e.Exists("sales"), false)
	ok(t, e.Create(ctx(t), "Sales"))
	equals(t, e.Exists("sales"), true)
	equals(t, e.Exists("SALES"), true)
	fi, err = os.Stat(filepath.Join(dir, "sales.duckdb"))
	ok(t, err)
	equals(t, fi.Mode().Perm(), fs.FileMode(0o600))

	errorIs(t, e.Create(ctx(t), "sales"), ErrProjectExists)
	errorIs(t, e.Create(ctx(t), "SALES"), ErrProjectExists)

	exec(t, e, "sales", "CREATE TABLE t (a BIGINT)")
	exec(t, e, "sales", "INSERT INTO t SELECT range FROM range(1000)")
	ok(t, e.Drop(ctx(t), "sales"))
	equals(t, e.Exists("sales"), false)
	entries, err := os.ReadDir(dir)
	ok(t, err)
	equals(t, len(entries), 0)

	errorIs(t, e.Drop(ctx(t), "sales"), ErrNoSuchProject)
	_, err = e.Exec(ctx(t), "sales", "SELECT 1")
	errorIs(t, err, ErrNoSuchProject)
	_, err = e.Query(ctx(t), "nope", "SELECT 1", 0)
	errorIs(t, err, ErrNoSuchProject)
	pe := errorAs[*ProjectError](t, err)
	equals(t, pe.Project, "nope")

	// A dropped project can be created again, empty.
	ok(t, e.Create(ctx(t), "sales"))
	equals(t, scalar(t, e, "sales", "SELECT count(*) FROM duckdb_tables()"), any(int64(0)))
}

func TestDropDeletesWALAndTemp(t *testing.T) {
	e := newProject(t, Options{})
	exec(t, e, "p", "CREATE TABLE t (a BIGINT)")
	exec(t, e, "p", "INSERT INTO t VALUES (1)")
	base := filepath.Join(e.dir, "p.duckdb")
	_, err := os.Stat(base + ".wal")
	ok(t, err) // the insert is in the WAL until a checkpoint
	ok(t, os.MkdirAll(base+".tmp", 0o700))
	ok(t, os.WriteFile(base+".tmp/spill", []byte("x"), 0o600))
	ok(t, e.Drop(ctx(t), "p"))
	for _, p := range []string{base, base + ".wal", base + ".tmp"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still exists after Drop (%v)", p, err)
		}
	}
}

func TestInvalidProjectNames(t *testing.T) {
	e := newEngine(t, Options{})
	for _, name := range []string{"", "../x", "a/b", "a.b", "1abc", "_a", "a b", "a-b", "ä", strings.Repeat("a", 129), "a\x00"} {
		errorIs(t, e.Create(ctx(t), name), ErrInvalidProject)
		_, err := e.Exec(ctx(t), name, "CREATE TABLE t (a INT)")
		errorIs(t, err, ErrInvalidProject)
		errorIs(t, e.Drop(ctx(t), name), ErrInvalidProject)
		equals(t, e.Exists(name), false)
	}
	ok(t, e.Create(ctx(t), strings.Repeat("a", 128)))
	entries, err := os.ReadDir(e.dir)
	ok(t, err)
	equals(t, len(entries), 1)
}

func TestOpenRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{
		{MemoryLimit: "lots"},
		{MemoryLimit: "1GB; SET x=1"},
		{SpillLimit: "-1GB"},
		{Threads: -1},
		{StatementTimeout: -time.Second},
		{MaxOpen: -1},
		{MaxResultBytes: -1},
	} {
		if _, err := Open(t.TempDir(), o); err == nil {
			t.Errorf("Open accepted %+v", o)
		}
	}
	for _, dir := range []string{"", "a?b", "a#b", "a%41"} {
		if _, err := Open(filepath.Join(t.TempDir(), dir), Options{}); dir != "" && err == nil {
			t.Errorf("Open accepted directory %q", dir)
		}
	}
	if _, err := Open("", Options{}); err == nil {
		t.Error("Open accepted an empty directory")
	}
}

func TestLongDirectoryPath(t *testing.T) {
	dir := t.TempDir()
	for range 4 {
		dir = filepath.Join(dir, strings.Repeat("d", 200))
	}
	e, err := Open(dir, Options{})
	ok(t, err)
	defer e.Close()
	name := strings.Repeat("p", 128)
	ok(t, e.Create(ctx(t), name))
	exec(t, e, name, "CREATE TABLE t AS SELECT range AS a FROM range(10)")
	equals(t, scalar(t, e, name, "SELECT sum(a) FROM t"), any(big.NewInt(45)))
	// Host paths stay out of errors, however long.
	_, err = e.Query(ctx(t), name, "SELECT * FROM read_csv('"+filepath.Join(dir, "x.csv")+"')", 0)
	ee := errorAs[*ExecError](t, err)
	if strings.Contains(ee.Message, dir) {
		t.Errorf("message shows the directory: %s", ee.Message)
	}
	ok(t, e.Close())
	e, err = Open(dir, Options{})
	ok(t, err)
	defer e.Close()
	equals(t, scalar(t, e, name, "SELECT count(*) FROM t"), any(int64(10)))
	ok(t, e.Drop(ctx(t), name))
}

func TestExecAndQuery(t *testing.T) {
	e := newProject(t, Options{})
	equals(t, exec(t, e, "p", "CREATE TABLE t (a BIGINT, s VARCHAR)"), int64(0))
	equals(t, exec(t, e, "p", "INSERT INTO t VALUES (?, ?), (?, ?)", 1, "x", 2, nil), int64(2))
	equals(t, exec(t, e, "p", "UPDATE t SET s = $1 WHERE a = $2", "y", 2), int64(1))
	r := query(t, e, "p", "SELECT a, s FROM t ORDER BY a")
	equals(t, r.Columns, []Column{{"a", "BIGINT"}, {"s", "VARCHAR"}})
	equals(t, r.Rows, [][]any{{int64(1), "x"}, {int64(2), "y"}})
	equals(t, r.Truncated, false)

	// Exec refuses SELECT; Query takes INSERT ... RETURNING.
	_, err := e.Exec(ctx(t), "p", "SELECT 1")
	errorIs(t, err, ErrStatementNotAllowed)
	r, err = e.Query(ctx(t), "p", "INSERT INTO t VALUES (3, 'z') RETURNING a", 0)
	ok(t, err)
	equals(t, r.Rows, [][]any{{int64(3)}})

	// DuckDB's errors come back typed.
	_, err = e.Exec(ctx(t), "p", "INSERT INTO nope VALUES (1)")
	equals(t, errorAs[*ExecError](t, err).Kind, KindCatalog)
	_, err = e.Query(ctx(t), "p", "SELEC 1", 0)
	equals(t, errorAs[*ExecError](t, err).Kind, KindParser)
	_, err = e.Query(ctx(t), "p", "SELECT nope FROM t", 0)
	equals(t, errorAs[*ExecError](t, err).Kind, KindBinder)
	_, err = e.Query(ctx(t), "p", "SELECT 1 // 0", 0)
	if err == nil {
		// DuckDB returns NULL for integer division by zero.
		t.Log("1 // 0 is NULL in this DuckDB")
	}
}

func TestRowLimit(t *testing.T) {
	e := newProject(t, Options{MaxResultRows: 5})
	r := query(t, e, "p", "SELECT range FROM range(100) ORDER BY range DESC")
	equals(t, len(r.Rows), 5)
	equals(t, r.Truncated, true)
	equals(t, r.Rows[0], []any{int64(99)})
	equals(t, r.Rows[4], []any{int64(95)})

	r, err := e.Query(ctx(t), "p", "SELECT range FROM range(100)", 100)
	ok(t, err)
	equals(t, len(r.Rows), 100)
	equals(t, r.Truncated, false)
	r, err = e.Query(ctx(t), "p", "SELECT range FROM range(100)", 99)
	ok(t, err)
	equals(t, r.Truncated, true)

	// The bound is pushed into DuckDB: a result of a billion rows (8 GB if
	// materialized) comes back at once.
	start := time.Now()
	r, err = e.Query(ctx(t), "p", "SELECT range FROM range(1000000000);\n ;", 3)
	ok(t, err)
	equals(t, len(r.Rows), 3)
	equals(t, r.Truncated, true)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("bounded query took %v", d)
	}

	// Duplicate names keep the statement's own names, not the subquery's.
	r = query(t, e, "p", "SELECT 1 AS a, 2 AS a, 1 + 1")
	equals(t, r.Columns, []Column{{"a", "INTEGER"}, {"a", "INTEGER"}, {"(1 + 1)", "INTEGER"}})

	r = query(t, e, "p", "SELECT 1 AS a, 2 AS a_1")
	equals(t, r.Columns, []Column{{"a", "INTEGER"}, {"a_1", "INTEGER"}})

	// Text that would break out of the subquery runs nothing extra.
	exec(t, e, "p", "CREATE TABLE keep (a INT)")
	for _, q := range []string{
		"SELECT 1); DROP TABLE keep; (SELECT 1",
		"SELECT 1) LIMIT 1; DROP TABLE keep; SELECT * FROM (SELECT 1",
		"SELECT 1\n) LIMIT 1; DROP TABLE keep; --",
	} {
		_, err = e.Query(ctx(t), "p", q, 0)
		if err == nil {
			t.Errorf("%q accepted", q)
		}
	}
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM keep"), any(int64(0)))

	// Statements DuckDB cannot take as a subquery are refused, not run unbounded.
	exec(t, e, "p", "CREATE TABLE t (a INT)")
	for _, q := range []string{"PRAGMA table_info('t')", "SELECT 1; -- trailing comment"} {
		_, err = e.Query(ctx(t), "p", q, 0)
		errorIs(t, err, ErrUnboundedResult)
	}
	// Forms that wrap fine.
	for _, q := range []string{"DESCRIBE t", "SHOW TABLES", "FROM t", "VALUES (1)", "SELECT 1 -- comment", "SUMMARIZE t", "WITH x AS (SELECT 1) SELECT * FROM x"} {
		_, err = e.Query(ctx(t), "p", q, 0)
		ok(t, err)
	}
}

func TestResultBytesLimit(t *testing.T) {
	e := newProject(t, Options{MaxResultBytes: 10000})
	r := query(t, e, "p", "SELECT repeat('x', 1000) FROM range(100)")
	if !r.Truncated || len(r.Rows) == 0 || len(r.Rows) > 10 {
		t.Fatalf("got %d rows, truncated %v", len(r.Rows), r.Truncated)
	}
}

func TestValueTypes(t *testing.T) {
	e := newProject(t, Options{})
	r := query(t, e, "p", `SELECT
		true, 1::TINYINT, 2::SMALLINT, 3::INTEGER, 4::BIGINT, 5::HUGEINT, 6::UTINYINT, 7::UBIGINT,
		1.5::FLOAT, 2.5::DOUBLE, 12.345::DECIMAL(10,3), 'abc', 'a'::BLOB,
		DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05', INTERVAL 1 DAY,
		[1, 2], {'k': 'v'}, MAP {'a': 1}, '12345678-1234-5678-1234-567812345678'::UUID,
		'x'::ENUM ('x', 'y'), NULL, [[1]]::INTEGER[][], union_value(n := 1)`)
	row := r.Rows[0]
	want := []any{
		true, int8(1), int16(2), int32(3), int64(4), big.NewInt(5), uint8(6), uint64(7),
		float32(1.5), 2.5, Decimal{Width: 10, Scale: 3, Value: big.NewInt(12345)}, "abc", []byte("a"),
		time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Interval{Days: 1},
		[]any{int32(1), int32(2)}, map[string]any{"k": "v"}, Map{Keys: []any{"a"}, Values: []any{int32(1)}}, "12345678-1234-5678-1234-567812345678",
		"x", nil, []any{[]any{int32(1)}}, Union{Tag: "n", Value: int32(1)},
	}
	equals(t, len(row), len(want))
	for i := range want {
		if !reflect.DeepEqual(row[i], want[i]) {
			t.Errorf("column %d (%s): got %#v, want %#v", i, r.Columns[i].DuckDBType, row[i], want[i])
		}
		assertNoDriverTypes(t, r.Columns[i].DuckDBType, row[i])
	}
	equals(t, row[10].(Decimal).String(), "12.345")
	equals(t, r.Columns[10].DuckDBType, "DECIMAL(10,3)")

	// The engine's own types work as arguments.
	r = query(t, e, "p", "SELECT ?::DECIMAL(10,3) + 1, ?::INTERVAL", Decimal{Width: 10, Scale: 3, Value: big.NewInt(1500)}, Interval{Months: 1})
	equals(t, r.Rows[0][0].(Decimal).String(), "2.5")
	equals(t, r.Rows[0][1], any(Interval{Months: 1}))
}

// assertNoDriverTypes fails when v, or anything inside it, is a type of
// the DuckDB driver.
func assertNoDriverTypes(t *testing.T, where string, v any) {
	t.Helper()
	var walk func(rv reflect.Value)
	walk = func(rv reflect.Value) {
		if !rv.IsValid() {
			return
		}
		if p := rv.Type().PkgPath(); strings.Contains(p, "duckdb") {
			t.Errorf("%s: value of driver type %s", where, rv.Type())
		}
		switch rv.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !rv.IsNil() {
				walk(rv.Elem())
			}
		case reflect.Slice:
			for i := range rv.Len() {
				walk(rv.Index(i))
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				walk(k)
				walk(rv.MapIndex(k))
			}
		case reflect.Struct:
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(rv.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
}

func TestOneStatementPerCall(t *testing.T) {
	e := newProject(t, Options{})
	for _, q := range []string{
		"CREATE TABLE x (a INT); SELECT 1",
		"CREATE TABLE x (a INT); CREATE TABLE y (a INT)",
		"SELECT 1; CREATE TABLE x (a INT)",
		"CREATE TABLE x (a INT);\n-- comment\nSELECT 1;",
	} {
		_, err := e.Exec(ctx(t), "p", q)
		errorIs(t, err, ErrNotOneStatement)
		_, err = e.Query(ctx(t), "p", q, 0)
		errorIs(t, err, ErrNotOneStatement)
		err = e.Tx(ctx(t), "p", func(tx *Tx) error {
			_, err := tx.Exec(ctx(t), q)
			return err
		})
		errorIs(t, err, ErrNotOneStatement)
	}
	for _, q := range []string{"", " ", ";", "-- only a comment", "/* c */"} {
		_, err := e.Exec(ctx(t), "p", q)
		errorIs(t, err, ErrNotOneStatement)
	}
	// None of the first statements ran.
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM duckdb_tables()"), any(int64(0)))
	// A single statement may end with ';'.
	exec(t, e, "p", "CREATE TABLE x (a INT);")
	equals(t, scalar(t, e, "p", "SELECT 42;"), any(int32(42)))
}

func TestTx(t *testing.T) {
	e := newProject(t, Options{})
	exec(t, e, "p", "CREATE TABLE catalog (name VARCHAR)")

	ok(t, e.Tx(ctx(t), "p", func(tx *Tx) error {
		if _, err := tx.Exec(ctx(t), "CREATE TABLE t1 (a INT)"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx(t), "INSERT INTO catalog VALUES (?)", "t1"); err != nil {
			return err
		}
		r, err := tx.Query(ctx(t), "SELECT count(*) FROM catalog", 0)
		if err != nil {
			return err
		}
		equals(t, r.Rows[0][0], any(int64(1)))
		return nil
	}))
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM catalog"), any(int64(1)))

	// An error rolls back the catalog and the data together.
	boom := errors.New("boom")
	err := e.Tx(ctx(t), "p", func(tx *Tx) error {
		if _, err := tx.Exec(ctx(t), "CREATE TABLE t2 (a INT)"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx(t), "INSERT INTO catalog VALUES ('t2')"); err != nil {
			return err
		}
		return boom
	})
	equals(t, err, boom)
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM catalog"), any(int64(1)))
	_, err = e.Query(ctx(t), "p", "SELECT * FROM t2", 0)
	equals(t, errorAs[*ExecError](t, err).Kind, KindCatalog)

	// A failed statement aborts the transaction, even one DuckDB refuses
	// while preparing (DuckDB itself would go on), and even when fn
	// ignores the error.
	for _, bad := range []string{"INSERT INTO nope VALUES (1)", "PRAGMA enable_profiling", "INSERT INTO catalog SELECT error('boom' || range) FROM range(3)"} {
		err = e.Tx(ctx(t), "p", func(tx *Tx) error {
			if _, err := tx.Exec(ctx(t), "INSERT INTO catalog VALUES ('t3')"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx(t), bad); err == nil {
				t.Errorf("%s succeeded", bad)
			}
			_, err := tx.Exec(ctx(t), "INSERT INTO catalog VALUES ('t4')")
			errorIs(t, err, ErrTxAborted)
			_, err = tx.Query(ctx(t), "SELECT 1", 0)
			errorIs(t, err, ErrTxAborted)
			return nil
		})
		errorIs(t, err, ErrTxAborted)
		equals(t, scalar(t, e, "p", "SELECT count(*) FROM catalog"), any(int64(1)))
	}

	// A panic rolls back, and the connection pool stays usable.
	func() {
		defer func() { recover() }()
		e.Tx(ctx(t), "p", func(tx *Tx) error {
			tx.Exec(ctx(t), "INSERT INTO catalog VALUES ('t4')")
			panic("boom")
		})
	}()
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM catalog"), any(int64(1)))

	// Transaction control belongs to Tx.
	err = e.Tx(ctx(t), "p", func(tx *Tx) error {
		_, err := tx.Exec(ctx(t), "COMMIT")
		return err
	})
	errorIs(t, err, ErrStatementNotAllowed)
	for _, q := range []string{"BEGIN", "COMMIT", "ROLLBACK", "BEGIN TRANSACTION"} {
		_, err := e.Exec(ctx(t), "p", q)
		errorIs(t, err, ErrStatementNotAllowed)
	}

	// The Tx is dead after its function returns.
	var kept *Tx
	ok(t, e.Tx(ctx(t), "p", func(tx *Tx) error { kept = tx; return nil }))
	_, err = kept.Exec(ctx(t), "INSERT INTO catalog VALUES ('late')")
	errorIs(t, err, ErrTxDone)
	_, err = kept.Query(ctx(t), "SELECT 1", 0)
	errorIs(t, err, ErrTxDone)
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM catalog"), any(int64(1)))
}

func TestWriteConflict(t *testing.T) {
	e := newProject(t, Options{})
	exec(t, e, "p", "CREATE TABLE t (id INT, v INT)")
	exec(t, e, "p", "INSERT INTO t VALUES (1, 0)")
	err := e.Tx(ctx(t), "p", func(tx *Tx) error {
		if _, err := tx.Exec(ctx(t), "UPDATE t SET v = 1 WHERE id = 1"); err != nil {
			return err
		}
		// A second writer to the same row, outside the transaction.
		_, err := e.Exec(ctx(t), "p", "UPDATE t SET v = 2 WHERE id = 1")
		errorIs(t, err, ErrConflict)
		equals(t, errorAs[*ExecError](t, err).Kind, KindConflict)
		return nil
	})
	ok(t, err)
	equals(t, scalar(t, e, "p", "SELECT v FROM t"), any(int32(1)))
}

func TestLockTables(t *testing.T) {
	e := newProject(t, Options{})
	exec(t, e, "p", "CREATE TABLE t (id INT, v INT)")
	exec(t, e, "p", "INSERT INTO t VALUES (1, 0)")

	// Read-modify-write under the lock: no conflicts, no lost updates.
	var wg sync.WaitGroup
	const writers, rounds = 4, 10
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				unlock, err := e.LockTables(ctx(t), "P", "T")
				if err != nil {
					t.Error(err)
					return
				}
				err = e.Tx(ctx(t), "p", func(tx *Tx) error {
					r, err := tx.Query(ctx(t), "SELECT v FROM t WHERE id = 1", 0)
					if err != nil {
						return err
					}
					_, err = tx.Exec(ctx(t), "UPDATE t SET v = ? WHERE id = 1", r.Rows[0][0].(int32)+1)
					return err
				})
				unlock()
				unlock() // idempotent
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	equals(t, scalar(t, e, "p", "SELECT v FROM t"), any(int32(writers*rounds)))

	// Waiting ends with the context; nothing stays held.
	unlock, err := e.LockTables(ctx(t), "p", "b", "a", "A")
	ok(t, err)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = e.LockTables(short, "p", "c", "a")
	errorIs(t, err, context.DeadlineExceeded)
	u2, err := e.LockTables(ctx(t), "p", "c") // c was released after the failure
	ok(t, err)
	u2()
	_, err = e.LockTables(ctx(t), "other", "a") // another project's "a" is another lock
	ok(t, err)
	unlock()
	u3, err := e.LockTables(ctx(t), "p", "a", "b")
	ok(t, err)
	u3()
	e.locks.mu.Lock()
	n := len(e.locks.m)
	e.locks.mu.Unlock()
	equals(t, n, 1) // only other/a, still held
	_, err = e.LockTables(ctx(t), "../x", "a")
	errorIs(t, err, ErrInvalidProject)
}

func TestIdleCloseAndReopen(t *testing.T) {
	e := newProject(t, Options{IdleClose: 50 * time.Millisecond})
	exec(t, e, "p", "CREATE TABLE t AS SELECT range AS a FROM range(1000)")
	eventually(t, "idle close", func() bool { return e.Stats().Open == 0 })
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM t"), any(int64(1000)))
	equals(t, e.Stats().Open, 1)
}

func TestIdleCloseWithClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newEngine(t, Options{IdleClose: time.Hour, Now: clock})
	ok(t, e.Create(ctx(t), "a"))
	ok(t, e.Create(ctx(t), "b"))
	exec(t, e, "a", "CREATE TABLE t (x INT)")
	advance(30 * time.Minute)
	exec(t, e, "b", "CREATE TABLE t (x INT)")
	advance(30 * time.Minute)
	equals(t, e.closeIdle(), 1) // a: idle an hour; b: half an hour
	equals(t, e.Stats().Open, 1)

	// A database in use is never closed, however long it runs.
	started, release := make(chan struct{}), make(chan struct{})
	go e.Tx(ctx(t), "b", func(tx *Tx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	advance(2 * time.Hour)
	equals(t, e.closeIdle(), 0)
	close(release)
	eventually(t, "tx end", func() bool { return e.Stats().Active == 0 })
	advance(2 * time.Hour)
	equals(t, e.closeIdle(), 1)
	equals(t, e.Stats().Open, 0)
	equals(t, scalar(t, e, "a", "SELECT count(*) FROM t"), any(int64(0)))
}

func TestMaxOpen(t *testing.T) {
	e := newEngine(t, Options{MaxOpen: 2})
	for _, p := range []string{"a", "b", "c", "d"} {
		ok(t, e.Create(ctx(t), p))
		exec(t, e, p, "CREATE TABLE t AS SELECT ? AS name", p)
		if n := e.Stats().Open; n > 2 {
			t.Fatalf("%d databases open, limit 2", n)
		}
	}
	for _, p := range []string{"a", "b", "c", "d"} {
		equals(t, scalar(t, e, p, "SELECT name FROM t"), any(p))
	}

	// Two busy databases: a third cannot open.
	release := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range []string{"a", "b"} {
		started := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Tx(ctx(t), p, func(tx *Tx) error {
				close(started)
				<-release
				return nil
			})
		}()
		<-started
	}
	_, err := e.Query(ctx(t), "c", "SELECT 1", 0)
	errorIs(t, err, ErrTooManyOpen)
	le := errorAs[*LimitError](t, err)
	equals(t, le.Limit, LimitMaxOpen)
	equals(t, le.Value, "2")
	close(release)
	wg.Wait()
	equals(t, scalar(t, e, "c", "SELECT name FROM t"), any("c"))
}

func TestClose(t *testing.T) {
	e, err := Open(t.TempDir(), Options{})
	ok(t, err)
	ok(t, e.Create(ctx(t), "p"))
	done := make(chan error)
	go func() {
		_, err := e.Query(context.Background(), "p", "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b", 0)
		done <- err
	}()
	eventually(t, "query start", func() bool { return e.Stats().Active == 1 })
	time.Sleep(50 * time.Millisecond)
	ok(t, e.Close())
	errorIs(t, <-done, ErrClosed)
	ok(t, e.Close())
	_, err = e.Exec(ctx(t), "p", "CREATE TABLE t (a INT)")
	errorIs(t, err, ErrClosed)
	errorIs(t, e.Create(ctx(t), "q"), ErrClosed)
	errorIs(t, e.Drop(ctx(t), "p"), ErrClosed)
	errorIs(t, e.Tx(ctx(t), "p", func(*Tx) error { return nil }), ErrClosed)
}

func TestDropInterruptsRunningStatements(t *testing.T) {
	e := newProject(t, Options{})
	done := make(chan error)
	go func() {
		_, err := e.Query(context.Background(), "p", "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b", 0)
		done <- err
	}()
	eventually(t, "query start", func() bool { return e.Stats().Active == 1 })
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	ok(t, e.Drop(ctx(t), "p"))
	errorIs(t, <-done, ErrNoSuchProject)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Drop took %v", d)
	}
	equals(t, e.Exists("p"), false)
}

func TestConcurrentQueriesOneProject(t *testing.T) {
	e := newProject(t, Options{})
	for i := range 4 {
		exec(t, e, "p", fmt.Sprintf("CREATE TABLE t%d (a BIGINT)", i))
	}
	exec(t, e, "p", "CREATE TABLE shared (a BIGINT)")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 4 {
		wg.Add(3)
		go func() { // appends to its own table
			defer wg.Done()
			for range 20 {
				if _, err := e.Exec(context.Background(), "p", fmt.Sprintf("INSERT INTO t%d SELECT range FROM range(100)", i)); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // appends to a shared table, no lock needed
			defer wg.Done()
			for range 20 {
				if _, err := e.Exec(context.Background(), "p", "INSERT INTO shared SELECT range FROM range(100)"); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // readers
			defer wg.Done()
			for range 20 {
				if _, err := e.Query(context.Background(), "p", "SELECT count(*), sum(a) FROM shared", 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	equals(t, scalar(t, e, "p", "SELECT count(*) FROM shared"), any(int64(4*20*100)))
	for i := range 4 {
		equals(t, scalar(t, e, "p", fmt.Sprintf("SELECT count(*) FROM t%d", i)), any(int64(20*100)))
	}
}

func TestReadersSeeWholeCommits(t *testing.T) {
	e := newProject(t, Options{})
	exec(t, e, "p", "CREATE TABLE t (a BIGINT)")
	exec(t, e, "p", "CREATE TABLE catalog (n BIGINT)")
	exec(t, e, "p", "INSERT INTO catalog VALUES (0)")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := e.Tx(context.Background(), "p", func(tx *Tx) error {
				if _, err := tx.Exec(context.Background(), "INSERT INTO t SELECT range FROM range(1000)"); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), "UPDATE catalog SET n = ?", i*1000)
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var last int64
	for range 200 {
		// Both in one statement: one snapshot.
		r := query(t, e, "p", "SELECT (SELECT count(*) FROM t), (SELECT n FROM catalog)")
		rows, n := r.Rows[0][0].(int64), r.Rows[0][1].(int64)
		if rows != n || rows%1000 != 0 || rows < last {
			t.Fatalf("reader saw %d rows with catalog %d (last %d)", rows, n, last)
		}
		last = rows
	}
	close(stop)
	wg.Wait()
	if last == 0 {
		t.Log("the writer committed nothing while readers ran")
	}
}

func TestConcurrentProjects(t *testing.T) {
	e := newEngine(t, Options{MaxOpen: 3})
	projects := []string{"p1", "p2", "p3", "p4", "p5"}
	for _, p := range projects {
		ok(t, e.Create(ctx(t), p))
		exec(t, e, p, "CREATE TABLE t (a BIGINT)")
	}
	var wg sync.WaitGroup
	for _, p := range projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				for {
					_, err := e.Exec(context.Background(), p, "INSERT INTO t SELECT range FROM range(10)")
					if errors.Is(err, ErrTooManyOpen) {
						time.Sleep(time.Millisecond)
						continue // three at most open, five writers: retry
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	for _, p := range projects {
		equals(t, scalar(t, e, p, "SELECT count(*) FROM t"), any(int64(100)))
	}
}

func TestCreateRacesOneWinner(t *testing.T) {
	e := newEngine(t, Options{})
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- e.Create(context.Background(), "p")
		}()
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		if err == nil {
			won++
		} else {
			errorIs(t, err, ErrProjectExists)
		}
	}
	equals(t, won, 1)
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	e, err := Open(t.TempDir(), Options{IdleClose: 20 * time.Millisecond, StatementTimeout: 200 * time.Millisecond})
	ok(t, err)
	for _, p := range []string{"a", "b", "c"} {
		ok(t, e.Create(ctx(t), p))
		exec(t, e, p, "CREATE TABLE t AS SELECT range AS x FROM range(100)")
		ok(t, e.Tx(ctx(t), p, func(tx *Tx) error {
			_, err := tx.Query(ctx(t), "SELECT sum(x) FROM t", 0)
			return err
		}))
	}
	_, err = e.Query(ctx(t), "a", endless, 0) // interrupted by the time limit
	errorIs(t, err, ErrTimeout)
	unlock, err := e.LockTables(ctx(t), "a", "t")
	ok(t, err)
	unlock()
	ok(t, e.Close())
	eventually(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
