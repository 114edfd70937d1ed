package maxcompute_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/engine"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
)

var ctx = context.Background()

type fixture struct {
	svc        *maxcompute.Service
	iam        *iam.Service
	a, b       store.Account
	ownerB     *iam.Identity
	roleOfB    *iam.Identity // a session of B's testRole
	project    string
	meta       maxcompute.Meta
	engineDone func()
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ident, err := iam.New(ctx, iam.Options{Store: db, MasterKey: []byte("0123456789abcdef0123456789abcdef"), Rand: rand.NewChaCha8([32]byte{9})})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(filepath.Join(dir, "odps"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	f := &fixture{iam: ident, project: "sale_project", meta: maxcompute.Meta{RequestID: "R", SourceIP: "127.0.0.1"}}
	f.svc = maxcompute.New(maxcompute.Options{Store: db, IAM: ident, Engine: eng.MCDB()})
	f.a, _, _ = ident.CreateAccount(ctx, "account-a")
	f.b, _, _ = ident.CreateAccount(ctx, "account-b")
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + f.a.ID + `:root"]}}],"Version":"1"}`
	role, err := ident.CreateRole(ctx, f.b.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trust})
	if err != nil {
		t.Fatal(err)
	}
	f.ownerB = &iam.Identity{Kind: iam.Root, Account: f.b.ID}
	f.roleOfB = &iam.Identity{Kind: iam.RoleSession, Account: f.b.ID, RoleName: role.Name, RoleID: role.ID, SessionName: "s"}
	if _, err := f.svc.CreateProject(ctx, f.b.ID, f.project, "cn-hangzhou", ""); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) run(t testing.TB, who *iam.Identity, sql string) (*maxcompute.Result, error) {
	t.Helper()
	return f.svc.Run(ctx, who, f.project, sql, f.meta)
}

func (f *fixture) must(t testing.TB, who *iam.Identity, sql string) *maxcompute.Result {
	t.Helper()
	res, err := f.run(t, who, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func wantErr(t *testing.T, err error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got success", contains)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Fatalf("error %q does not contain %q", err, c)
		}
	}
}

// TestSeedMaxCompute plays the seed's MaxCompute path at the service level.
func TestSeedMaxCompute(t *testing.T) {
	f := newFixture(t)
	f.must(t, f.ownerB, `CREATE TABLE IF NOT EXISTS sale_detail (shop_name STRING, customer_id STRING, total_price DOUBLE) PARTITIONED BY (sale_date STRING, region STRING)`)
	f.must(t, f.ownerB, `INSERT INTO sale_detail PARTITION (sale_date='2013', region='china') VALUES ('s1','c1',100.1), ('s2','c2',100.2)`)
	f.must(t, f.ownerB, `CREATE TABLE secret_table (x BIGINT)`)
	res := f.must(t, f.ownerB, `SELECT shop_name, total_price FROM sale_detail WHERE sale_date = '2013' ORDER BY shop_name`)
	if len(res.Rows) != 2 || *res.Rows[0][0] != "s1" || *res.Rows[1][1] != "100.2" {
		t.Fatalf("owner's select: %+v", res)
	}
	roleP := "RAM$account-b:role/testRole"
	// Before add user: not a member.
	_, err := f.run(t, f.roleOfB, "select * from sale_detail")
	wantErr(t, err, "ODPS-0420095: Access Denied - You don't exist in project sale_project.")
	f.must(t, f.ownerB, "add user `"+roleP+"`;")
	users := f.must(t, f.ownerB, "list users;").Text
	if !strings.Contains(users, "RAM$"+f.b.ID+":role/testRole") {
		t.Fatalf("list users:\n%s", users)
	}
	f.must(t, f.ownerB, "show grants for `"+roleP+"`;")
	f.must(t, f.ownerB, "grant Select on table sale_detail to user `"+roleP+"`;")
	// The seed's grants are exactly enough for the table reader...
	read, _, err := f.svc.ReadTable(ctx, f.roleOfB, f.project, "sale_detail", nil, 10, f.meta)
	if err != nil || len(read.Rows) != 2 {
		t.Fatalf("ReadTable with Select: %+v %v", read, err)
	}
	// ...and SQL needs CreateInstance too.
	_, err = f.run(t, f.roleOfB, "select * from sale_detail")
	wantErr(t, err, "ODPS-0420095: Access Denied - You have no privilege 'odps:CreateInstance' on {acs:odps:*:projects/sale_project}", "grant CreateInstance on project sale_project")
	f.must(t, f.ownerB, "grant CreateInstance on project sale_project to user `RAM$"+f.b.ID+":role/testRole`")
	res = f.must(t, f.roleOfB, "select count(*) as n from sale_detail")
	if *res.Rows[0][0] != "2" {
		t.Fatalf("count: %v", *res.Rows[0][0])
	}
	_, err = f.run(t, f.roleOfB, "select * from secret_table")
	wantErr(t, err, "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/sale_project/tables/secret_table}.")
	_, err = f.run(t, f.roleOfB, "insert into sale_detail partition (sale_date='2014', region='x') values ('a','b',1.0)")
	wantErr(t, err, "You have NO privilege 'odps:Update'")
	_, err = f.run(t, f.roleOfB, "drop table sale_detail")
	wantErr(t, err, "You have NO privilege 'odps:Drop'")
	// A join reaching an ungranted table is refused before anything runs.
	_, err = f.run(t, f.roleOfB, "select * from sale_detail s join secret_table t on s.customer_id = t.x")
	wantErr(t, err, "secret_table")
	// Revoking takes effect on the next statement; so does removing the user.
	f.must(t, f.ownerB, "revoke Select on table sale_detail from user `"+roleP+"`")
	_, err = f.run(t, f.roleOfB, "select * from sale_detail")
	wantErr(t, err, "'odps:Select'")
	f.must(t, f.ownerB, "revoke CreateInstance on project sale_project from user `"+roleP+"`")
	f.must(t, f.ownerB, "remove user `"+roleP+"`")
	_, _, err = f.svc.ReadTable(ctx, f.roleOfB, f.project, "sale_detail", nil, 10, f.meta)
	wantErr(t, err, "You don't exist in project sale_project.")
}

func TestSQL(t *testing.T) {
	f := newFixture(t)
	o := f.ownerB
	f.must(t, o, `CREATE TABLE t1 (id BIGINT NOT NULL COMMENT 'key', name VARCHAR(5), amount DECIMAL(10,2), d DATE, ts DATETIME, ok BOOLEAN) COMMENT 'test' LIFECYCLE 7`)
	_, err := f.run(t, o, `CREATE TABLE t1 (x BIGINT)`)
	wantErr(t, err, "Table or view already exists")
	f.must(t, o, `CREATE TABLE IF NOT EXISTS t1 (x BIGINT)`)
	f.must(t, o, `INSERT INTO t1 VALUES (1, 'ab', 1.25BD, DATE '2026-11-26', DATETIME '2026-11-26 10:00:00', true), (2, NULL, NULL, NULL, NULL, false)`)
	res := f.must(t, o, `SELECT id, name, amount, d, ts, ok, concat(name, 'x') AS c, if(ok, 'y', 'n') AS yn FROM t1 ORDER BY id`)
	got := res.CSV()
	want := "id,name,amount,d,ts,ok,c,yn\n1,ab,1.25,2026-11-26,2026-11-26 10:00:00,true,abx,y\n2,\\N,\\N,\\N,\\N,false,\\N,n\n"
	if got != want {
		t.Fatalf("CSV:\n%s\nwant:\n%s", got, want)
	}
	_, err = f.run(t, o, `INSERT INTO t1 (id, name) VALUES (3, 'toolong')`)
	wantErr(t, err, "ODPS-")
	_, err = f.run(t, o, `INSERT INTO t1 (name) VALUES ('a')`)
	wantErr(t, err, "ODPS-") // id is NOT NULL
	// Partitions: static, dynamic, overwrite, pruning, add/drop.
	f.must(t, o, `CREATE TABLE p (v BIGINT) PARTITIONED BY (pt STRING, region STRING)`)
	f.must(t, o, `INSERT INTO p PARTITION (pt='1', region='a') VALUES (1), (2)`)
	f.must(t, o, `INSERT INTO p PARTITION (pt='2', region) SELECT id, CAST(id AS STRING) FROM t1`)
	parts := f.must(t, o, `SHOW PARTITIONS p`).Text
	if parts != "pt=1/region=a\npt=2/region=1\npt=2/region=2" {
		t.Fatalf("partitions:\n%s", parts)
	}
	f.must(t, o, `INSERT OVERWRITE TABLE p PARTITION (pt='1', region='a') VALUES (10)`)
	res = f.must(t, o, `SELECT sum(v) AS s, count(*) AS n FROM p WHERE pt = '1'`)
	if *res.Rows[0][0] != "10" || *res.Rows[0][1] != "1" {
		t.Fatalf("overwrite: %v %v", *res.Rows[0][0], *res.Rows[0][1])
	}
	_, err = f.run(t, o, `INSERT INTO p PARTITION (pt='3', region) SELECT 1, CAST(NULL AS STRING)`)
	wantErr(t, err, "ODPS-0123031:Partition exception - invalid dynamic partition value: region=NULL")
	f.must(t, o, `ALTER TABLE p ADD PARTITION (pt='9', region='z')`)
	_, err = f.run(t, o, `ALTER TABLE p ADD PARTITION (pt='9', region='z')`)
	wantErr(t, err, "Partition already exists")
	f.must(t, o, `ALTER TABLE p ADD IF NOT EXISTS PARTITION (pt='9', region='z')`)
	f.must(t, o, `ALTER TABLE p DROP PARTITION (pt='2', region='1')`)
	res = f.must(t, o, `SELECT count(*) FROM p`)
	if *res.Rows[0][0] != "2" {
		t.Fatalf("after drop partition: %v", *res.Rows[0][0])
	}
	_, err = f.run(t, o, `INSERT INTO p VALUES (1)`)
	wantErr(t, err, "is partitioned")
	// Joins, group by, union, subqueries.
	res = f.must(t, o, `SELECT a.id, count(*) AS n FROM t1 a JOIN t1 b ON a.id = b.id WHERE a.id IN (SELECT id FROM t1) GROUP BY a.id HAVING count(*) > 0 ORDER BY a.id LIMIT 5`)
	if len(res.Rows) != 2 {
		t.Fatalf("join: %+v", res.Rows)
	}
	f.must(t, o, `SELECT id FROM t1 UNION ALL SELECT v FROM p`)
	f.must(t, o, `DESC t1`)
	if tables := f.must(t, o, `SHOW TABLES`).Text; !strings.Contains(tables, ":t1") || !strings.Contains(tables, ":p") {
		t.Fatalf("show tables:\n%s", tables)
	}
	// Errors: parse, semantic, unknown function, unknown column.
	_, err = f.run(t, o, "select * frm t1")
	wantErr(t, err, "ODPS-0130161:[1,")
	_, err = f.run(t, o, "select nope from t1")
	wantErr(t, err, "ODPS-0130071")
	_, err = f.run(t, o, "select read_csv('/etc/passwd')")
	wantErr(t, err, "function read_csv is not supported")
	_, err = f.run(t, o, "select * from other_project.t1")
	wantErr(t, err, "another project")
	_, err = f.run(t, o, "select * from missing")
	wantErr(t, err, "ODPS-0130131")
	f.must(t, o, `DROP TABLE t1`)
	f.must(t, o, `DROP TABLE IF EXISTS t1`)
	_, err = f.run(t, o, `DROP TABLE t1`)
	wantErr(t, err, "ODPS-0130131")
	// A table re-created under a dropped name gets a new id.
	f.must(t, o, `CREATE TABLE t1 (x BIGINT)`)
	_ = time.Now
}
