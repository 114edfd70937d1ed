package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
)

// This file plays the seed's MaxCompute path against a real `localyun
// serve`: the project is created with the official SDK's MaxCompute
// client and with `localyun odps create-project`; account B runs the
// seed's statements verbatim, with its account name and with its UID,
// through `localyun odps` and through raw ODPS requests signed with v2 and
// v4; a user of account A holding STS credentials of B's testRole reads
// what it was granted and is refused, with the exact ODPS messages, the
// rest.

const odpsPrefix = "/odps/api"

// MaxCompute returns the monolithic SDK's MaxCompute client (2019-06-12).
func (s *Server) MaxCompute(c Creds) *maxcompute.Client {
	s.t.Helper()
	client, err := maxcompute.NewClientWithOptions("cn-hangzhou", s.withRecorder(sdkConfig()), c.sdkCredential())
	if err != nil {
		s.t.Fatal(err)
	}
	client.Domain = s.Endpoint()
	return client
}

// odpsCLI runs `localyun odps` with credentials in the environment (as
// users are told to pass them) and returns stdout, the exit status and
// stderr.
func (s *Server) odpsCLI(c Creds, args ...string) (string, int, string) {
	s.t.Helper()
	return s.apiCLI(c, "odps", args...)
}

// statementRunner runs one statement as one client would, returning its
// output (query rows as CSV with a header) or the error text.
type statementRunner interface {
	run(t *testing.T, stmt string) (string, error)
	name() string
}

// cliRunner is `localyun odps -e` (query rows as CSV).
type cliRunner struct {
	s       *Server
	c       Creds
	project string
}

func (r cliRunner) name() string { return "localyun odps" }

type failure string

func (f failure) Error() string { return string(f) }

func (r cliRunner) run(t *testing.T, stmt string) (string, error) {
	t.Helper()
	out, code, errOut := r.s.odpsCLI(r.c, "-p", r.project, "--format", "csv", "-e", stmt)
	switch code {
	case 0:
		return strings.TrimRight(out, "\n"), nil
	case 1:
		msg, ok := strings.CutPrefix(strings.TrimSpace(errOut), "FAILED: ")
		if !ok {
			t.Fatalf("%s: exit 1 without FAILED: %q", stmt, errOut)
		}
		return "", failure(msg)
	}
	t.Fatalf("%s: exit %d: %s", stmt, code, errOut)
	return "", nil
}

// restRunner sends raw ODPS requests signed with v2 or v4: security
// statements to /authorization, the rest as SQL jobs with ?tryWait.
type restRunner struct {
	s       *Server
	c       Creds
	project string
	v4      bool
}

func (r restRunner) name() string {
	if r.v4 {
		return "REST v4"
	}
	return "REST v2"
}

// odpsResponse is an ODPS answer.
type odpsResponse struct {
	status int
	header http.Header
	body   string
}

// odps signs and sends one ODPS request.
func (s *Server) odps(t *testing.T, c Creds, v4 bool, method, path, query string, body []byte) odpsResponse {
	t.Helper()
	h := http.Header{"x-odps-user-agent": {"localyun-e2e"}}
	if body != nil {
		h.Set("Content-Type", "application/xml")
	}
	sr := &odpsauth.Request{Method: method, Path: odpsPrefix + path, RawQuery: query, Header: h}
	creds := odpsauth.Credentials{AccessKeyID: c.ID, AccessKeySecret: c.Secret, SecurityToken: c.Token}
	var err error
	if v4 {
		err = odpsauth.SignV4(sr, odpsPrefix, creds, "cn-hangzhou", time.Now())
	} else {
		err = odpsauth.SignV2(sr, odpsPrefix, creds, time.Now())
	}
	if err != nil {
		t.Fatal(err)
	}
	_, sig, _ := strings.Cut(http.Header(sr.Header).Get("Authorization"), ":")
	s.secrets.add("ODPS signature", sig)
	s.secrets.add("authorization-sts-token", c.Token)
	u := "http://" + s.Endpoint() + odpsPrefix + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header(sr.Header)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("x-odps-request-id") == "" {
		t.Fatalf("%s %s: no x-odps-request-id", method, path)
	}
	return odpsResponse{status: res.StatusCode, header: res.Header, body: string(raw)}
}

type odpsErrorBody struct {
	Code, Message, RequestId, HostId string
}

func (r restRunner) run(t *testing.T, stmt string) (string, error) {
	t.Helper()
	p := "/projects/" + r.project
	if sqlparse.IsSecurityText(stmt) {
		body, _ := xml.Marshal(struct {
			XMLName              xml.Name `xml:"Authorization"`
			Query                string
			ResponseInJsonFormat bool
		}{Query: stmt})
		res := r.s.odps(t, r.c, r.v4, "POST", p+"/authorization", "curr_project="+r.project, body)
		if res.status != 200 {
			var e odpsErrorBody
			if err := xml.Unmarshal([]byte(res.body), &e); err != nil || e.Code == "" || e.RequestId == "" {
				t.Fatalf("%s: error body %q", stmt, res.body)
			}
			return "", failure(e.Message)
		}
		var out struct{ Result string }
		if err := xml.Unmarshal([]byte(res.body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Result == "" {
			return "OK", nil
		}
		return out.Result, nil
	}
	job := `<Instance><Job><Priority>9</Priority><Tasks><SQL><Name>AnonymousSQLTask</Name><Comment></Comment><Config>` +
		`<Property><Name>type</Name><Value>sql</Value></Property></Config><Query>` + xmlEscape(stmt) + `</Query></SQL></Tasks></Job></Instance>`
	res := r.s.odps(t, r.c, r.v4, "POST", p+"/instances", "tryWait", []byte(job))
	if res.status != 200 || res.header.Get("Location") == "" {
		t.Fatalf("%s: %d %s (Location %q)", stmt, res.status, res.body, res.header.Get("Location"))
	}
	var out struct {
		Tasks []struct {
			Status string
			Result struct {
				Format  string `xml:"Format,attr"`
				Content string `xml:",chardata"`
			}
		} `xml:"Tasks>Task"`
	}
	if err := xml.Unmarshal([]byte(res.body), &out); err != nil || len(out.Tasks) != 1 {
		t.Fatalf("%s: %s", stmt, res.body)
	}
	task := out.Tasks[0]
	if task.Status != "Success" {
		return "", failure(task.Result.Content)
	}
	return strings.TrimRight(task.Result.Content, "\n"), nil
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // writes to a buffer
	return b.String()
}

func mustRun(t *testing.T, r statementRunner, stmt string) string {
	t.Helper()
	out, err := r.run(t, stmt)
	if err != nil {
		t.Fatalf("%s: %s: %v", r.name(), stmt, err)
	}
	return out
}

// mustFail runs a statement that must fail with exactly the ODPS text
// given (the documented text first; localyun's hint follows it).
func mustFail(t *testing.T, r statementRunner, stmt string, prefix string, contains ...string) string {
	t.Helper()
	_, err := r.run(t, stmt)
	if err == nil {
		t.Fatalf("%s: %s: succeeded, want %q", r.name(), stmt, prefix)
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("%s: %s:\n  got  %q\n  want %q...", r.name(), stmt, err, prefix)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Fatalf("%s: %s: %q does not contain %q", r.name(), stmt, err, c)
		}
	}
	return err.Error()
}

// seedAccounts sets up the seed's step 1: account B's testRole trusts A's
// root and A's DataWorks; alice, a user of A, holds STS credentials of it.
type seedAccounts struct {
	a, b  Account
	alice Creds // a RAM user of A with AliyunSTSAssumeRoleAccess
	role  Creds // alice's STS credentials of B's testRole
}

func setUpSeed(t *testing.T, s *Server) seedAccounts {
	t.Helper()
	a, b := s.CreateAccount("account-a"), s.CreateAccount("account-b")
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + a.AccountID +
		`:root"],"Service":["` + a.AccountID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	createRole(t, s.RAM(b.Creds()), "testRole", trust)
	alice := createUserWithKey(t, s.RAM(a.Creds()), "alice", "AliyunSTSAssumeRoleAccess")
	role, _ := s.AssumeRole(t, alice, roleArn(b.AccountID, "testRole"), "alice-session")
	return seedAccounts{a: a, b: b, alice: alice, role: role}
}

// seedScenario runs the seed's statements in a project: owner is account
// B's client, role the STS client; account is how the statements name
// account B (its name or its UID).
func seedScenario(t *testing.T, owner, role statementRunner, project, account, uid string) {
	principal := "`RAM$" + account + ":role/testRole`"
	canonical := "RAM$" + uid + ":role/testRole"
	mustRun(t, owner, "CREATE TABLE IF NOT EXISTS sale_detail (shop_name STRING, customer_id STRING, total_price DOUBLE) PARTITIONED BY (sale_date STRING, region STRING);")
	mustRun(t, owner, "INSERT INTO sale_detail PARTITION (sale_date='2013', region='china') VALUES ('s1','c1',100.1), ('s2','c2',100.2);")
	mustRun(t, owner, "CREATE TABLE IF NOT EXISTS secret_table (x BIGINT);")

	// Before add user.
	mustFail(t, role, "select * from sale_detail;", "ODPS-0420095: Access Denied - You don't exist in project "+project+".")

	// The seed, verbatim.
	if out := mustRun(t, owner, "add user "+principal+";"); out != "OK" {
		t.Fatalf("add user: %q", out)
	}
	if out := mustRun(t, owner, "list users;"); out != "ALIYUN$"+uid+"\n"+canonical {
		t.Fatalf("list users:\n%s", out)
	}
	if out := mustRun(t, owner, "show grants for "+principal+";"); out != "[roles]" {
		t.Fatalf("show grants: %q", out)
	}
	mustRun(t, owner, "grant Select on table sale_detail to user "+principal+";")
	out := mustRun(t, owner, "show grants for "+principal+";")
	if !strings.Contains(out, "[user/"+canonical+"]\nA       projects/"+project+"/tables/sale_detail: Select") {
		t.Fatalf("show grants after grant:\n%s", out)
	}

	// Select alone does not run SQL: CreateInstance is needed too.
	mustFail(t, role, "select * from sale_detail;",
		"ODPS-0420095: Access Denied - You have no privilege 'odps:CreateInstance' on {acs:odps:*:projects/"+project+"}.",
		"grant CreateInstance on project "+project)
	mustRun(t, owner, "grant CreateInstance on project "+project+" to user "+principal+";")
	if rows := mustRun(t, role, "select shop_name, total_price from sale_detail where sale_date='2013' order by shop_name;"); rows != "shop_name,total_price\ns1,100.1\ns2,100.2" {
		t.Fatalf("select:\n%s", rows)
	}
	if who := mustRun(t, role, "whoami;"); !strings.Contains(who, canonical) {
		t.Fatalf("whoami: %q", who)
	}
	mustFail(t, role, "select * from secret_table;",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/"+project+"/tables/secret_table}.")
	mustFail(t, role, "INSERT INTO sale_detail PARTITION (sale_date='2014', region='us') VALUES ('s3','c3',1.0);",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Update' on {acs:odps:*:projects/"+project+"/tables/sale_detail}.")
	mustFail(t, role, "drop table sale_detail;",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Drop' on {acs:odps:*:projects/"+project+"/tables/sale_detail}.")
	mustFail(t, role, "add user `RAM$"+account+":role/testRole`;", "ODPS-0420095: Access Denied - You have no privilege to add users in project "+project+".")

	// Revoking takes effect on the next statement.
	mustRun(t, owner, "revoke Select on table sale_detail from user "+principal+";")
	mustFail(t, role, "select * from sale_detail;",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/"+project+"/tables/sale_detail}.")
	mustRun(t, owner, "grant Select on table sale_detail to user "+principal+";")
	mustRun(t, role, "select count(*) from sale_detail;")
	// So does removing the user (its roles first; its ACL stays for a re-add).
	mustRun(t, owner, "remove user "+principal+";")
	mustFail(t, role, "select count(*) from sale_detail;", "ODPS-0420095: Access Denied - You don't exist in project "+project+".")
	if out := mustRun(t, owner, "list users;"); out != "ALIYUN$"+uid {
		t.Fatalf("list users after remove:\n%s", out)
	}
}

func TestSeedMaxCompute(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	seed := setUpSeed(t, s)
	b := seed.b.Creds()

	// Projects: the official SDK's CreateProject, and the CLI.
	mc := s.MaxCompute(b)
	create := maxcompute.CreateCreateProjectRequest()
	create.ProjectName, create.OdpsRegionId, create.OdpsSpecificationType, create.OrderType = "sale_project", "cn-hangzhou", "OdpsStandard", "PayAsYouGo"
	created := must(mc.CreateProject(create))(t)
	var p struct{ Name, Owner, RegionID string }
	if err := json.Unmarshal([]byte(created.Data), &p); err != nil || created.RequestId == "" || created.Code != "200" {
		t.Fatalf("CreateProject: %+v %v", created, err)
	}
	out, code, errOut := s.odpsCLI(b, "create-project", "seed_cli_project", "--json")
	if code != 0 || strings.TrimSpace(out) != `{"Project":"seed_cli_project","Region":"cn-hangzhou"}` {
		t.Fatalf("odps create-project: %d %q %s", code, out, errOut)
	}
	get := maxcompute.CreateGetProjectRequest()
	get.ProjectName = "seed_cli_project"
	got := must(mc.GetProject(get))(t)
	if err := json.Unmarshal([]byte(got.Data), &p); err != nil || p.Name != "seed_cli_project" {
		t.Fatalf("GetProject: %+v %v", got, err)
	}
	// Another account cannot reach B's projects through this API.
	sdkError(t, errOf(s.MaxCompute(seed.a.Creds()).GetProject(get)), "NoPermission", 403)
	del := maxcompute.CreateDeleteProjectRequest()
	del.ProjectName = "seed_cli_project"
	sdkError(t, errOf(s.MaxCompute(seed.a.Creds()).DeleteProject(del)), "NoPermission", 403)
	for _, name := range []string{"seed_mixed_one", "seed_mixed_two", "scratch_project"} {
		create.ProjectName = name
		must(mc.CreateProject(create))(t)
	}
	del.ProjectName = "scratch_project"
	must(mc.DeleteProject(del))(t)
	sdkError(t, errOf(mc.DeleteProject(del)), "NoSuchProject", 404)
	// RAM decides the control API: alice has no odps:CreateProject, and
	// neither has the role's session (the role has no policy attached).
	create.ProjectName = "alice_project"
	sdkError(t, errOf(s.MaxCompute(seed.alice).CreateProject(create)), "NoPermission", 403)
	sdkError(t, errOf(s.MaxCompute(seed.role).GetProject(get)), "NoPermission", 403)
	create.ProjectName = "bad name"
	sdkError(t, errOf(mc.CreateProject(create)), "InvalidParameter.ProjectName", 400)

	uid, name := seed.b.AccountID, seed.b.AccountName
	// The seed with B's account name and with its UID, through `localyun
	// odps` and through raw requests signed with v2 and v4, each in a fresh
	// project (remove user keeps a user's grants, as on the real service).
	t.Run("name form, localyun odps", func(t *testing.T) {
		seedScenario(t, cliRunner{s, b, "sale_project"}, cliRunner{s, seed.role, "sale_project"}, "sale_project", name, uid)
	})
	t.Run("UID form, REST v2", func(t *testing.T) {
		seedScenario(t, restRunner{s, b, "seed_cli_project", false}, restRunner{s, seed.role, "seed_cli_project", false}, "seed_cli_project", uid, uid)
	})
	t.Run("UID form, localyun odps and REST v4", func(t *testing.T) {
		seedScenario(t, cliRunner{s, b, "seed_mixed_one"}, restRunner{s, seed.role, "seed_mixed_one", true}, "seed_mixed_one", uid, uid)
	})
	t.Run("name form, REST v4 and localyun odps", func(t *testing.T) {
		seedScenario(t, restRunner{s, b, "seed_mixed_two", true}, cliRunner{s, seed.role, "seed_mixed_two"}, "seed_mixed_two", name, uid)
	})

	// The CLI prints as odpscmd: OK, listings, tables; whoami's fields.
	t.Run("localyun odps output", func(t *testing.T) {
		script := "add user `RAM$" + name + ":role/testRole`;\ngrant CreateInstance on project sale_project to user `RAM$" + name + ":role/testRole`;\n" +
			"grant Select on table sale_detail to user `RAM$" + name + ":role/testRole`;\nlist users;\nwhoami;\nselect shop_name from sale_detail order by shop_name limit 1;"
		out, code, errOut := s.odpsCLI(b, "-p", "sale_project", "-e", script)
		want := "OK\nOK\nOK\nALIYUN$" + uid + "\nRAM$" + uid + ":role/testRole\nName: ALIYUN$" + uid + "\nSource IP: 127.0.0.1\nEnd_Point: http://" + s.Endpoint() +
			"/odps/api\nProject: sale_project\n+-----------+\n| shop_name |\n+-----------+\n| s1        |\n+-----------+\n"
		if code != 0 || out != want {
			t.Fatalf("exit %d, stderr %s\n%s\nwant:\n%s", code, errOut, out, want)
		}
		// The first failure stops the run with exit 1 and the server's text.
		out, code, errOut = s.odpsCLI(seed.role, "-p", "sale_project", "-e", "select count(*) from sale_detail; select * from secret_table; select 1;")
		if code != 1 || !strings.Contains(out, "| 2 ") ||
			!strings.HasPrefix(errOut, "FAILED: ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/sale_project/tables/secret_table}.") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		// A file and the full ODPS endpoint form of --endpoint.
		f := writeTemp(t, "-- a comment; not a statement\nlist roles;\n")
		cmd := exec.Command(binary, "odps", "--endpoint", "http://"+s.Endpoint()+"/odps/api", "-p", "sale_project", "-f", f,
			"--access-key-id", seed.b.AccessKeyID, "--access-key-secret", seed.b.AccessKeySecret)
		cmd.Env = os.Environ()
		raw, err := cmd.CombinedOutput()
		if err != nil || string(raw) != "admin\nsuper_administrator\n" {
			t.Fatalf("-f: %v %s", err, raw)
		}
		_, code, errOut = s.odpsCLI(b, "-e", "list users;")
		if code != 2 || !strings.Contains(errOut, "--project is required") {
			t.Fatalf("no project: %d %s", code, errOut)
		}
	})

	t.Run("hostile input", func(t *testing.T) {
		owner := restRunner{s, b, "sale_project", false}
		cli := cliRunner{s, b, "sale_project"}
		// Malformed SQL: ODPS-0130161 with the line and column.
		mustFail(t, cli, "select * frm sale_detail;", "ODPS-0130161:[1,10] Parse exception - invalid token 'frm'")
		mustFail(t, owner, "select shop_name,\n  total_price\nfrom sale_detail wher sale_date = '1';", "ODPS-0130161:[3,")
		mustFail(t, owner, "grant Select on table sale_detail to;", "ODPS-0130161:[1,")
		// Unknown principals.
		mustFail(t, owner, "add user `RAM$"+name+":role/noSuchRole`;", "ODPS-0420411: Invalid argument - Invalid account Name", "has no RAM role")
		mustFail(t, owner, "add user ALIYUN$no-such-account;", "ODPS-0420411: Invalid argument - Invalid account Name", "there is no account")
		mustFail(t, owner, "add user `RAM$"+seed.a.AccountName+":alice`;", "ODPS-0420411: Invalid argument - RAM users from other Alibaba Cloud accounts cannot be added")
		mustFail(t, owner, "grant Select on table sale_detail to user RAM$"+name+":nobody;", "ODPS-0420411: Invalid argument - Invalid account Name")
		mustFail(t, owner, "add user FOO$bar;", "ODPS-0130161:[1,10] Parse exception - invalid principal")
		// Grants on missing objects.
		mustFail(t, owner, "grant Select on table no_such_table to user `RAM$"+name+":role/testRole`;", "ODPS-0130131")
		mustFail(t, owner, "grant Read on function f1 to user `RAM$"+name+":role/testRole`;", "ODPS-0420411")
		// Statements reaching another project.
		mustFail(t, owner, "select * from seed_cli_project.sale_detail;", "ODPS-0130071", "another project")
		mustFail(t, owner, "drop table seed_cli_project.sale_detail;", "ODPS-0130071", "another project")
		mustFail(t, owner, "grant Select on table seed_cli_project.sale_detail to user `RAM$"+name+":role/testRole`;", "ODPS-0420411", "another project")
		mustFail(t, owner, "insert into sale_detail partition (sale_date='1', region='x') select shop_name, customer_id, total_price from seed_cli_project.sale_detail;", "ODPS-0130071", "another project")
		mustRun(t, restRunner{s, b, "seed_cli_project", false}, "select count(*) from sale_detail;")
		// A's own DuckDB escapes are refused.
		mustFail(t, owner, "select * from read_csv('/etc/passwd');", "ODPS-")
		mustFail(t, owner, "select read_text('/etc/passwd');", "ODPS-")
		for _, stmt := range []string{"select * from glob('/etc/*');", "ATTACH '/tmp/x.duckdb' AS x;", "COPY sale_detail TO '/tmp/out.csv';",
			"INSTALL httpfs;", "LOAD httpfs;", "PRAGMA database_list;", "set enable_external_access=true;\nselect * from read_csv('/etc/passwd');"} {
			mustFail(t, owner, stmt, "ODPS-")
		}
		// A project of another account is not reachable with B's role.
		res := s.odps(t, seed.role, false, "GET", "/projects/seed_cli_project/tables", "", nil)
		var e odpsErrorBody
		if res.status != 403 || xml.Unmarshal([]byte(res.body), &e) != nil || !strings.HasPrefix(e.Message, "ODPS-0420095: Access Denied - You don't exist in project seed_cli_project.") {
			t.Fatalf("role on another project: %d %s", res.status, res.body)
		}
		// Oversized requests: refused, nothing changed.
		big := []byte(`<Instance><Job><Tasks><SQL><Name>a</Name><Query>insert into secret_table values ` + strings.Repeat("(1),", 3<<20) + `(1);</Query></SQL></Tasks></Job></Instance>`)
		res = s.odps(t, b, false, "POST", "/projects/sale_project/instances", "tryWait", big)
		if res.status != 413 || xml.Unmarshal([]byte(res.body), &e) != nil || e.Code != "RequestEntityTooLarge" {
			t.Fatalf("oversized job: %d %s", res.status, res.body)
		}
		if n := mustRun(t, owner, "select count(*) as n from secret_table;"); n != "n\n0" {
			t.Fatalf("after the refused job: %q", n)
		}
		// Unsigned, badly signed and skewed requests.
		req, _ := http.NewRequest("GET", "http://"+s.Endpoint()+odpsPrefix+"/projects/sale_project", nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 401 || r.Header.Get("x-odps-request-id") == "" {
			t.Fatalf("unsigned: %d", r.StatusCode)
		}
		res = s.odps(t, Creds{ID: b.ID, Secret: "wrong-secret-value"}, true, "GET", "/projects/sale_project", "", nil)
		if res.status != 403 || !strings.Contains(res.body, "SignatureNotMatch") {
			t.Fatalf("bad signature: %d %s", res.status, res.body)
		}
	})

	t.Run("metadata over REST", func(t *testing.T) {
		res := s.odps(t, b, false, "GET", "/projects/sale_project/tables/sale_detail", "curr_project=sale_project", nil)
		if res.status != 200 || !strings.Contains(res.body, "isNullable") {
			t.Fatalf("table: %d %s", res.status, res.body)
		}
		res = s.odps(t, b, true, "GET", "/projects/sale_project/tables/nope", "", nil)
		if res.status != 404 {
			t.Fatalf("missing table: %d", res.status)
		}
		res = s.odps(t, b, false, "GET", "/projects/sale_project/tunnel", "service", nil)
		if res.status != 501 || !strings.Contains(res.body, "tunnel service is not supported") {
			t.Fatalf("tunnel: %d %s", res.status, res.body)
		}
	})

	// Nothing secret reached the logs or the audit trail.
	places := map[string]string{"server log": s.Logs(), "audit": s.AuditJSON("")}
	for v, what := range s.secrets.all() {
		for where, text := range places {
			if strings.Contains(text, v) {
				t.Errorf("the %s contains a %s", where, what)
			}
		}
	}
	for _, v := range []string{seed.role.Secret, seed.role.Token, seed.b.AccessKeySecret} {
		for where, text := range places {
			if strings.Contains(text, v) {
				t.Errorf("the %s contains a secret", where)
			}
		}
	}
	if !strings.Contains(places["audit"], `"action":"odps:CreateInstance"`) || !strings.Contains(places["audit"], `"action":"odps:Select"`) {
		t.Errorf("the audit trail has no ODPS requests or decisions")
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return f.Name()
}
