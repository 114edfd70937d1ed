package odpsrest_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/odpsrest"
)

var instanceIDPattern = regexp.MustCompile(`^[0-9]{17}[0-9a-z]{10}$`)

// submit posts a job without tryWait: 201 and Location, at once.
func (e *env) submit(c odpsauth.Credentials, body string) string {
	e.t.Helper()
	r := e.send(c, req{method: "POST", path: "/projects/sale_project/instances", body: body}).ok(e.t, 201)
	loc := r.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if !strings.HasPrefix(loc, e.srv.URL+prefix+"/projects/sale_project/instances/") || !instanceIDPattern.MatchString(id) || r.Body != "" {
		e.t.Fatalf("Location %q, body %q", loc, r.Body)
	}
	return id
}

// wait polls an instance as the Go SDK does until it is Terminated.
func (e *env) wait(c odpsauth.Credentials, id string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct{ Status string }
		e.get(c, "/projects/sale_project/instances/"+id, "").ok(e.t, 200).decode(e.t, &st)
		if st.Status == "Terminated" {
			return
		}
		if st.Status != "Running" || time.Now().After(deadline) {
			e.t.Fatalf("instance %s: %s", id, st.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type taskStatuses struct {
	Status string
	Tasks  []struct {
		Type                             string `xml:"Type,attr"`
		Name, StartTime, EndTime, Status string
	} `xml:"Tasks>Task"`
}

func (e *env) results(c odpsauth.Credentials, id string) taskResults {
	e.t.Helper()
	var out taskResults
	e.get(c, "/projects/sale_project/instances/"+id, "result").ok(e.t, 200).decode(e.t, &out)
	return out
}

// slowQuery runs for many seconds: a filtered three-way cross join.
func (e *env) slowTable() {
	e.t.Helper()
	e.sqlOK(e.keyB, "create table if not exists n (x bigint);")
	var vals []string
	for i := 0; i < 2000; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	e.sqlOK(e.keyB, "insert into n values "+strings.Join(vals, ",")+";")
}

const slowQuery = "select count(*) from n a, n b, n c where a.x + b.x * 3 + c.x * 7 = -1;"

func TestInstances(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	e.sqlOK(e.keyB, "create table t1 (id bigint, name string);")
	e.sqlOK(e.keyB, "insert into t1 values (1, 'a'), (2, NULL), (3, 'x,\"y\"');")

	t.Run("async: 201, then status, task status and result", func(t *testing.T) {
		id := e.submit(e.keyB, jobBody("select id, name from t1 order by id;", `{"odps.sql.type.system.odps2":"true"}`))
		e.wait(e.keyB, id)
		r := e.get(e.keyB, p+"/instances/"+id, "").ok(t, 200)
		if r.Header.Get("x-odps-owner") != "ALIYUN$"+e.b.ID || r.Header.Get("x-odps-start-time") == "" || r.Header.Get("x-odps-end-time") == "" {
			t.Fatalf("headers: %v", r.Header)
		}
		if _, err := time.Parse(time.RFC1123, r.Header.Get("x-odps-end-time")); err != nil {
			t.Fatal(err)
		}
		var st taskStatuses
		e.get(e.keyB, p+"/instances/"+id, "taskstatus").ok(t, 200).decode(t, &st)
		if len(st.Tasks) != 1 || st.Tasks[0].Status != "Success" || st.Tasks[0].Name != "AnonymousSQLTask" || st.Tasks[0].Type != "SQL" || st.Tasks[0].EndTime == "" {
			t.Fatalf("task status: %+v", st)
		}
		res := e.results(e.keyB, id)
		if got := res.Tasks[0].Result.Content; got != "id,name\n1,a\n2,\\N\n3,\"x,\"\"y\"\"\"\n" || res.Tasks[0].Result.Format != "csv" {
			t.Fatalf("result %q (%s)", got, res.Tasks[0].Result.Format)
		}
	})
	t.Run("tryWait answers 200 with the tasks", func(t *testing.T) {
		if out := e.sqlOK(e.keyB, "create table t2 (x bigint);"); out != "OK" {
			t.Fatalf("DDL result %q", out)
		}
		e.sqlFails(e.keyB, "select * frm t1;", "ODPS-0130161:[1,10] Parse exception")
	})
	t.Run("several statements, set, security statements", func(t *testing.T) {
		out := e.sqlOK(e.keyB, "set odps.sql.allow.fullscan=true;\ninsert into t2 values (5);\nselect sum(x) as s from t2;")
		if out != "s\n5\n" {
			t.Fatalf("script result %q", out)
		}
		// A parse error in the second statement is placed in the script.
		e.sqlFails(e.keyB, "select 1;\n  select * frm t1;", "ODPS-0130161:[2,12]")
		if out := e.sqlOK(e.keyB, "list users;"); out != "ALIYUN$"+e.b.ID {
			t.Fatalf("list users as SQL: %q", out)
		}
		if out := e.sqlOK(e.keyB, "add user `"+e.rolePrincipal+"`;"); out != "OK" {
			t.Fatalf("add user as SQL: %q", out)
		}
		var res taskResults
		e.send(e.keyB, req{method: "POST", path: p + "/instances", query: "tryWait", body: jobBody("show grants for `"+e.rolePrincipal+"`;", `{"odps.auth.query.format":"json"}`)}).
			ok(t, 200).decode(t, &res)
		if got := res.Tasks[0].Result.Content; got != `{"Roles":[],"result":"[roles]"}` {
			t.Fatalf("JSON show grants: %q", got)
		}
	})
	t.Run("results XML cannot carry travel as base64", func(t *testing.T) {
		e.sqlOK(e.keyB, `insert into t1 values (9, 'a\001b');`)
		tr := e.sqlResult(e.keyB, "select name from t1 where id = 9;")
		raw, err := base64.StdEncoding.DecodeString(tr.Result.Content)
		if tr.Result.Transform != "Base64" || err != nil || string(raw) != "name\na\x01b\n" {
			t.Fatalf("base64 result: %+v", tr.Result)
		}
	})
	t.Run("visible to the creator and the project owner only", func(t *testing.T) {
		e.securityOK(e.keyB, "grant CreateInstance on project sale_project to user `"+e.rolePrincipal+"`;")
		id := e.submit(e.role, jobBody("select 1;", ""))
		e.wait(e.role, id)
		e.wait(e.assumeRole(e.alice, "other-session"), id) // the same role principal
		e.get(e.keyB, p+"/instances/"+id, "result").ok(t, 200)
		e.get(e.keyA, p+"/instances/"+id, "").wantError(t, 404, "NoSuchObject", "visible to their creator and the project owner")
		own := e.submit(e.keyB, jobBody("select 1;", ""))
		e.wait(e.keyB, own)
		e.get(e.role, p+"/instances/"+own, "").wantError(t, 404, "NoSuchObject")
		var list struct {
			Instance []struct{ Name, Owner, Status string }
		}
		e.get(e.role, p+"/instances", "onlyowner=no").ok(t, 200).decode(t, &list)
		for _, i := range list.Instance {
			if i.Owner != "RAM$"+e.b.ID+":role/testRole" {
				t.Fatalf("the role lists another principal's instance: %+v", i)
			}
		}
		if len(list.Instance) != 1 || list.Instance[0].Name != id {
			t.Fatalf("role's instances: %+v", list)
		}
		list.Instance = nil
		e.get(e.keyB, p+"/instances", "status=Terminated").ok(t, 200).decode(t, &list)
		if len(list.Instance) < 5 {
			t.Fatalf("owner's view: %+v", list)
		}
	})
	t.Run("bad jobs", func(t *testing.T) {
		for _, b := range []struct{ body, code, msg string }{
			{"not xml", "InvalidArgument", "not an <Instance><Job>"},
			{"<Instance></Instance>", "InvalidArgument", "no <Job>"},
			{"<Instance><Job><Tasks></Tasks></Job></Instance>", "InvalidArgument", "no task"},
			{"<Instance><Job><Tasks><SQLCost><Name>c</Name><Query>select 1</Query></SQLCost></Tasks></Job></Instance>", "NotSupported", "SQLCost"},
			{"<Instance><Job><Tasks><SQL><Name>a</Name><Query> </Query></SQL></Tasks></Job></Instance>", "InvalidArgument", "empty <Query>"},
			{"<Instance><Job><Tasks><SQL><Name>a b</Name><Query>select 1</Query></SQL></Tasks></Job></Instance>", "InvalidArgument", "invalid task name"},
			{"<Instance><Job><Priority>99</Priority><Tasks><SQL><Name>a</Name><Query>select 1</Query></SQL></Tasks></Job></Instance>", "InvalidArgument", "priority"},
			{"<Instance><Job><Tasks><SQL><Name>a</Name><Query>select 1</Query></SQL><SQL><Name>A</Name><Query>select 1</Query></SQL></Tasks></Job></Instance>", "InvalidArgument", "used twice"},
			{"<Instance><Job><Tasks><SQL><Name>a</Name><Config><Property><Name>settings</Name><Value>{</Value></Property></Config><Query>select 1</Query></SQL></Tasks></Job></Instance>", "InvalidArgument", "settings"},
		} {
			status := 400
			if b.code == "NotSupported" {
				status = 501
			}
			e.send(e.keyB, req{method: "POST", path: p + "/instances", body: b.body}).wantError(t, status, b.code, b.msg)
		}
		e.send(e.keyB, req{method: "POST", path: "/projects/nope/instances", body: jobBody("select 1;", "")}).wantError(t, 404, "NoSuchProject")
		e.get(e.keyB, p+"/instances/20990101000000000abcdefghij", "").wantError(t, 404, "NoSuchObject")
		e.get(e.keyB, p+"/instances/20990101000000000abcdefghij", "instanceprogress&taskname=AnonymousSQLTask").wantError(t, 501, "NotSupported")
	})
	t.Run("two tasks run in order; a failure cancels the rest", func(t *testing.T) {
		body := `<Instance><Job><Priority>9</Priority><Tasks>` +
			`<SQL><Name>first</Name><Query>select 1 as a;</Query></SQL>` +
			`<SQL><Name>second</Name><Query>select * from missing;</Query></SQL>` +
			`<SQL><Name>third</Name><Query>select 3;</Query></SQL></Tasks></Job></Instance>`
		var out taskResults
		e.send(e.keyB, req{method: "POST", path: p + "/instances", query: "tryWait", body: body}).ok(t, 200).decode(t, &out)
		if len(out.Tasks) != 3 || out.Tasks[0].Status != "Success" || out.Tasks[1].Status != "Failed" || out.Tasks[2].Status != "Cancelled" ||
			!strings.Contains(out.Tasks[1].Result.Content, "ODPS-0130131") {
			t.Fatalf("tasks: %+v", out)
		}
	})
}

func TestInstanceLimits(t *testing.T) {
	e := newEnv(t, func(o *odpsrest.Options) {
		o.TryWait = 200 * time.Millisecond
		o.MaxRunningPerUser = 1
	})
	p := "/projects/sale_project"
	e.slowTable()
	// tryWait gives up after TryWait: 201.
	r := e.send(e.keyB, req{method: "POST", path: p + "/instances", query: "tryWait", body: jobBody(slowQuery, "")}).ok(t, 201)
	loc := r.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	var st taskStatuses
	e.get(e.keyB, p+"/instances/"+id, "taskstatus").ok(t, 200).decode(t, &st)
	if st.Status != "Running" || st.Tasks[0].Status != "Running" {
		t.Fatalf("running: %+v", st)
	}
	// One running instance per principal: the next is refused with 409 and
	// Retry-After, which the Go SDK retries.
	busy := e.send(e.keyB, req{method: "POST", path: p + "/instances", body: jobBody("select 1;", "")})
	busy.wantError(t, 409, "Conflict", "Too many instances")
	if busy.Header.Get("Retry-After") == "" {
		t.Fatal("409 without Retry-After")
	}
	// Terminate: the task is cancelled, the instance terminated.
	e.send(e.keyA, req{method: "PUT", path: p + "/instances/" + id, body: "<Instance><Status>Terminated</Status></Instance>"}).wantError(t, 404, "NoSuchObject")
	e.send(e.keyB, req{method: "PUT", path: p + "/instances/" + id, body: "<Instance><Status>Running</Status></Instance>"}).wantError(t, 400, "InvalidArgument")
	e.send(e.keyB, req{method: "PUT", path: p + "/instances/" + id, body: "<Instance><Status>Terminated</Status></Instance>"}).ok(t, 200)
	e.wait(e.keyB, id)
	st = taskStatuses{}
	e.get(e.keyB, p+"/instances/"+id, "taskstatus").ok(t, 200).decode(t, &st)
	if st.Status != "Terminated" || st.Tasks[0].Status != "Cancelled" {
		t.Fatalf("terminated: %+v", st)
	}
	contains(t, e.results(e.keyB, id).Tasks[0].Result.Content, "was terminated")
	// The slot is free again.
	e.submit(e.keyB, jobBody("select 1;", ""))
	// Terminating a finished instance changes nothing.
	e.send(e.keyB, req{method: "PUT", path: p + "/instances/" + id, body: "<Instance><Status>Terminated</Status></Instance>"}).ok(t, 200)
}

func TestInstanceRetention(t *testing.T) {
	e := newEnv(t, func(o *odpsrest.Options) { o.MaxInstances = 3 })
	p := "/projects/sale_project"
	var ids []string
	for i := 0; i < 4; i++ {
		id := e.submit(e.keyB, jobBody(fmt.Sprintf("select %d;", i), ""))
		e.wait(e.keyB, id)
		ids = append(ids, id)
	}
	// At most 3 are kept: the oldest finished one is forgotten.
	e.get(e.keyB, p+"/instances/"+ids[0], "").wantError(t, 404, "NoSuchObject")
	for _, id := range ids[1:] {
		e.get(e.keyB, p+"/instances/"+id, "result").ok(t, 200)
	}
}

// TestGoSDKStatements runs the statements the Go SDK generates
// (tableschema.ToSQLString, Table.AddPartitions, DeletePartitions, Delete,
// Tables.Delete), in their exact shapes.
func TestGoSDKStatements(t *testing.T) {
	e := newEnv(t)
	for _, stmt := range []string{
		"create table if not exists sale_project.`t_sdk` (\n    `c1` BIGINT comment 'first',\n    `c2` STRING \n)\ncomment 'made by the SDK'\npartitioned by (`pt` STRING, `region` STRING)\nlifecycle 10;",
		"alter table sale_project.t_sdk add if not exists\npartition (pt='x',region='y')\npartition (pt='x2',region='y')\n;",
		"alter table sale_project.t_sdk drop if exists partition (pt='x2',region='y');",
		"select count(*) from sale_project.t_sdk;",
		"drop table if exists sale_project.t_sdk;",
		"drop table if exists sale_project.t_sdk;",
	} {
		e.sqlOK(e.keyB, stmt)
	}
}
