package maxcompute_test

import (
	"strings"
	"testing"
)

// TestHostileSQL: every way to reach the host or another project through
// SQL is refused before the engine runs anything, and changes nothing.
func TestHostileSQL(t *testing.T) {
	f := newFixture(t)
	o := f.ownerB
	f.must(t, o, `CREATE TABLE t (x BIGINT)`)
	f.must(t, o, `INSERT INTO t VALUES (1)`)
	for _, sql := range []string{
		`SELECT * FROM read_csv('/etc/passwd')`,
		`SELECT read_text('/etc/passwd')`,
		`SELECT * FROM glob('/etc/*')`,
		`SELECT * FROM '/etc/passwd'`,
		`ATTACH '/tmp/x.duckdb' AS x`,
		`COPY t TO '/tmp/out.csv'`,
		`INSTALL httpfs`,
		`LOAD httpfs`,
		`SET enable_external_access = true`,
		`PRAGMA database_list`,
		`SELECT current_setting('temp_directory')`,
		`SELECT * FROM duckdb_databases()`,
		`SELECT * FROM _localyun.tables`,
		"SELECT * FROM `_localyun.tables`",
		`SELECT * FROM t_1`,
		`SELECT * FROM other.t`,
		`SELECT 1; DROP TABLE t`,
		`SELECT * FROM t WHERE x = 1; SELECT 2`,
		`CREATE TABLE y AS SELECT * FROM read_parquet('x')`,
		`SELECT getenv('HOME')`,
		`CALL spm_enable()`,
		`EXPORT DATABASE '/tmp/x'`,
	} {
		_, err := f.run(t, o, sql)
		if err == nil {
			t.Errorf("%s: accepted", sql)
			continue
		}
		if !strings.HasPrefix(err.Error(), "ODPS-") {
			t.Errorf("%s: error without an ODPS code: %v", sql, err)
		}
	}
	res := f.must(t, o, `SELECT count(*) FROM t`)
	if *res.Rows[0][0] != "1" {
		t.Fatalf("the table changed: %v", *res.Rows[0][0])
	}
	if tables := f.must(t, o, `SHOW TABLES`).Text; strings.Count(tables, "\n") != 0 {
		t.Fatalf("tables appeared:\n%s", tables)
	}
}

// TestUnknownPrincipals: grants and users name principals that exist.
func TestUnknownPrincipals(t *testing.T) {
	f := newFixture(t)
	o := f.ownerB
	f.must(t, o, `CREATE TABLE t (x BIGINT)`)
	for _, sql := range []string{
		"add user `RAM$nobody:role/x`",
		"add user `RAM$account-b:role/noSuchRole`",
		"add user RAM$account-b:nosuchuser",
		"add user RAM$account-a:someone",
		"add user TAOBAO$x",
		"grant Select on table t to user `RAM$account-b:role/testRole`",
		"grant Select on table missing to user ALIYUN$account-a",
		"grant Fly on table t to user ALIYUN$account-a",
		"show grants for `RAM$account-b:role/testRole`",
	} {
		if _, err := f.run(t, o, sql); err == nil || !strings.HasPrefix(err.Error(), "ODPS-") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	if users := f.must(t, o, "list users").Text; strings.Contains(users, "\n") {
		t.Fatalf("users appeared:\n%s", users)
	}
}
