//go:build unix

package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"math/big"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// plainDuckDB opens a DuckDB file with the engine's default memory limit
// and thread count and nothing else: the baseline the engine is compared
// with.
func plainDuckDB(b *testing.B, opts Options) *sql.DB {
	b.Helper()
	o, err := opts.withDefaults()
	ok(b, err)
	v := url.Values{}
	v.Set("memory_limit", o.MemoryLimit)
	v.Set("threads", strconv.Itoa(o.Threads))
	c, err := duckdb.NewConnector(filepath.Join(b.TempDir(), "plain.duckdb")+"?"+v.Encode(), func(driver.ExecerContext) error { return nil })
	ok(b, err)
	db := sql.OpenDB(c)
	b.Cleanup(func() { db.Close() })
	return db
}

// plainQuery runs a query on db and reads every row as the engine does.
func plainQuery(b *testing.B, db *sql.DB, q string) [][]any {
	rows, err := db.QueryContext(context.Background(), q)
	ok(b, err)
	defer rows.Close()
	cols, err := rows.Columns()
	ok(b, err)
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		ok(b, rows.Scan(ptrs...))
		out = append(out, row)
	}
	ok(b, rows.Err())
	return out
}

// BenchmarkTrivialQuery is SELECT 1 through the engine (prepare twice, run
// under the row limit, convert), and on a plain connection for scale.
func BenchmarkTrivialQuery(b *testing.B) {
	b.Run("engine", func(b *testing.B) {
		e := newProject(b, Options{})
		c := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			r, err := e.Query(c, "p", "SELECT 1", 0)
			if err != nil || r.Rows[0][0] != int32(1) {
				b.Fatalf("%v %v", r, err)
			}
		}
	})
	b.Run("duckdb", func(b *testing.B) {
		db := plainDuckDB(b, Options{})
		b.ReportAllocs()
		for b.Loop() {
			if r := plainQuery(b, db, "SELECT 1"); r[0][0] != int32(1) {
				b.Fatal(r)
			}
		}
	})
}

// groupByRows is the size of the GROUP BY benchmark's table.
const groupByRows = 10_000_000

const groupBySetup = `CREATE TABLE t AS
	SELECT range AS id, range % 1000 AS k, (range * 7919) % 100003 AS v
	FROM range(10000000)`

const groupByQuery = "SELECT k, sum(v) AS s, count(*) AS n FROM t GROUP BY k ORDER BY k"

// BenchmarkGroupBy runs a GROUP BY over 10 million generated rows (1,000
// groups) through the engine and, on the same data in a plain DuckDB file
// with the same memory limit and threads, directly. The target is
// an engine overhead under 10%.
func BenchmarkGroupBy(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 10-million-row table")
	}
	e := newProject(b, Options{})
	exec(b, e, "p", groupBySetup)
	db := plainDuckDB(b, Options{})
	_, err := db.Exec(groupBySetup)
	ok(b, err)
	// sum of v over k = 0, from the plain database: both must agree.
	want := plainQuery(b, db, groupByQuery)[0][1].(*big.Int)
	check := func(rows [][]any) {
		if len(rows) != 1000 || rows[0][1].(*big.Int).Cmp(want) != 0 || rows[999][2] != int64(groupByRows/1000) {
			b.Fatalf("wrong answer: %d rows, first %v", len(rows), rows[0])
		}
	}
	b.Run("engine", func(b *testing.B) {
		c := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			r, err := e.Query(c, "p", groupByQuery, 0)
			ok(b, err)
			check(r.Rows)
		}
	})
	b.Run("duckdb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			check(plainQuery(b, db, groupByQuery))
		}
	})
	// paired runs both in each iteration, in alternating order, so load
	// from other processes falls on both alike; it reports the median wall
	// time and the mean CPU time (user + system, all threads) of each, and
	// the engine's overhead on both. ns/op is the pair's.
	b.Run("paired", func(b *testing.B) {
		c := context.Background()
		var wall [2][]time.Duration
		var cpu [2]time.Duration
		runs := [2]func(){
			func() {
				r, err := e.Query(c, "p", groupByQuery, 0)
				ok(b, err)
				check(r.Rows)
			},
			func() { check(plainQuery(b, db, groupByQuery)) },
		}
		i := 0
		for b.Loop() {
			for j := range 2 {
				side := (i + j) % 2
				w, u := time.Now(), cpuTime()
				runs[side]()
				wall[side] = append(wall[side], time.Since(w))
				cpu[side] += cpuTime() - u
			}
			i++
		}
		med := func(d []time.Duration) float64 {
			slices.Sort(d)
			return float64(d[len(d)/2]) / 1e6
		}
		we, wd := med(wall[0]), med(wall[1])
		ce, cd := float64(cpu[0])/float64(i)/1e6, float64(cpu[1])/float64(i)/1e6
		b.ReportMetric(we, "engine-ms")
		b.ReportMetric(wd, "duckdb-ms")
		b.ReportMetric(100*(we-wd)/wd, "overhead-%")
		b.ReportMetric(ce, "engine-cpu-ms")
		b.ReportMetric(cd, "duckdb-cpu-ms")
		b.ReportMetric(100*(ce-cd)/cd, "cpu-overhead-%")
	})
}

// cpuTime is the process's CPU time so far, DuckDB's threads included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
