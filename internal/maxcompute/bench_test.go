package maxcompute_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the in-process copy for the GROUP BY comparison
)

const join3 = `SELECT a.k, count(*) AS n, sum(c.v) AS s FROM ta a JOIN tb b ON a.k = b.k JOIN tc c ON b.k = c.k WHERE a.k > 0 GROUP BY a.k ORDER BY a.k LIMIT 10`

// BenchmarkAuthorizeJoin is the cost of everything localyun does before
// the engine runs a 3-table join: parse, resolve the tables in the catalog,
// translate, and authorize CreateInstance plus Select on each table, for a
// member holding ACL grants (issue 4 target: under 200 µs).
func BenchmarkAuthorizeJoin(b *testing.B) {
	f := newFixture(b)
	for _, tb := range []string{"ta", "tb", "tc"} {
		f.must(b, f.ownerB, "CREATE TABLE "+tb+" (k BIGINT, v BIGINT)")
	}
	role := "`RAM$account-b:role/testRole`"
	f.must(b, f.ownerB, "add user "+role)
	f.must(b, f.ownerB, "grant CreateInstance on project sale_project to user "+role)
	for _, tb := range []string{"ta", "tb", "tc"} {
		f.must(b, f.ownerB, "grant Select on table "+tb+" to user "+role)
	}
	ctx := context.Background()
	if _, err := f.svc.Analyze(ctx, f.roleOfB, f.project, join3, f.meta); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Analyze(ctx, f.roleOfB, f.project, join3, f.meta); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrivialQuery is `select 1` through the whole service: parse,
// authorize, translate, run, format.
func BenchmarkTrivialQuery(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.run(b, f.ownerB, "SELECT 1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupBy10M runs a GROUP BY over 10 million generated rows
// through localyun and, on the same data, on DuckDB directly (an in-process
// copy), in the same run (issue 4 target: within 10%).
func BenchmarkGroupBy10M(b *testing.B) {
	if testing.Short() {
		b.Skip("10 million rows")
	}
	f := newFixture(b)
	f.must(b, f.ownerB, "CREATE TABLE big (k BIGINT, v DOUBLE)")
	// Generated inside the engine: INSERT ... SELECT from a table of ten
	// rows cross-joined, since users cannot call range().
	f.must(b, f.ownerB, "CREATE TABLE ten (d BIGINT)")
	f.must(b, f.ownerB, "INSERT INTO ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
	f.must(b, f.ownerB, `INSERT INTO big SELECT (a.d + 10*b.d + 100*c.d) % 1000, a.d * 1.5 + g.d
		FROM ten a CROSS JOIN ten b CROSS JOIN ten c CROSS JOIN ten d CROSS JOIN ten e CROSS JOIN ten g CROSS JOIN ten h`)
	const q = "SELECT k, count(*) AS n, sum(v) AS s FROM big GROUP BY k ORDER BY k"
	direct, err := sql.Open("duckdb", filepath.Join(b.TempDir(), "direct.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Exec("CREATE TABLE big AS SELECT CAST(i % 1000 AS BIGINT) AS k, CAST((i % 10) * 1.5 + (i // 1000000) % 10 AS DOUBLE) AS v FROM range(10000000) t(i)"); err != nil {
		b.Fatal(err)
	}
	b.Run("localyun", func(b *testing.B) {
		for b.Loop() {
			res, err := f.run(b, f.ownerB, q)
			if err != nil || len(res.Rows) != 1000 {
				b.Fatalf("%v rows, %v", len(res.Rows), err)
			}
		}
	})
	b.Run("duckdb", func(b *testing.B) {
		for b.Loop() {
			rows, err := direct.Query("SELECT k, count(*) AS n, sum(v) AS s FROM big GROUP BY k ORDER BY k")
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != 1000 {
				b.Fatalf("%d rows", n)
			}
		}
	})
}
