package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/hologres/pgfront"
)

// This file plays the seed's Hologres path against a real `localyun
// serve` running real PostgreSQL clusters: account B creates an instance
// over the 2022-06-01 OpenAPI (darabonba, V3 signatures), attaches the
// seed's custom policy to testRole and adds the role as a database user;
// a user of account A holding STS credentials of testRole looks the
// instance up and logs in with psql and pgx, reads what it was granted
// and is refused the rest. Then every identity form tries the known ways
// from a PostgreSQL superuser's powers onto the host, and each is refused.

// holoPortBlock hands each server of this process its own front-end port
// range, so parallel tests never race for a port.
var holoPortBlock atomic.Int32

// nextHoloPorts is a port range of this process's own for one server's
// Hologres front ends.
func nextHoloPorts() string {
	base := 20000 + (os.Getpid()%100)*200 + int(holoPortBlock.Add(1))*10
	return fmt.Sprintf("%d-%d", base, base+9)
}

// StartHoloServer starts a server whose Hologres clusters live in a
// directory of their own (reachable by the clusters' user when the tests
// run as root) and are removed with it.
func StartHoloServer(t testing.TB, flags ...string) *Server {
	t.Helper()
	flags = append(flags, "--holo-ports", nextHoloPorts())
	if os.Geteuid() == 0 {
		dir, err := os.MkdirTemp("", "localyun-e2e-pg-")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		flags = append(flags, "--pg-dir", filepath.Join(dir, "clusters"))
	}
	return StartServer(t, flags...)
}

// holoROA calls a Hologres 2022-06-01 action as the darabonba client does
// (ROA style, V3 signature, JSON body).
func holoROA(client *openapi.Client, action, method, path string, body map[string]any) (map[string]any, error) {
	params := &openapiutil.Params{
		Action: dara.String(action), Version: dara.String("2022-06-01"), Protocol: dara.String("HTTP"),
		Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"),
		Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String("json"),
	}
	req := &openapiutil.OpenApiRequest{}
	if body != nil {
		req.Body = body
	}
	res, err := client.CallApi(params, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	b, _ := res["body"].(map[string]any)
	return b, nil
}

// holoInstance creates an instance over the OpenAPI and waits until it
// runs; it returns its id and endpoint.
func holoInstance(t testing.TB, s *Server, owner Creds, name string) (string, string) {
	t.Helper()
	client := s.Dara(t, owner, "")
	created, err := holoROA(client, "CreateInstance", "POST", "/api/v1/instances/create", map[string]any{"instanceName": name, "regionId": "cn-hangzhou"})
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	data, _ := created["Data"].(map[string]any)
	id, _ := data["InstanceId"].(string)
	if !strings.HasPrefix(id, "hgpostcn-cn-") || created["Success"] != true {
		t.Fatalf("CreateInstance: %v", created)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := holoROA(client, "GetInstance", "GET", "/api/v1/instances/"+id, nil)
		if err != nil {
			t.Fatalf("GetInstance: %v", err)
		}
		in, _ := got["Instance"].(map[string]any)
		switch in["InstanceStatus"] {
		case "Running":
			eps, _ := in["Endpoints"].([]any)
			if len(eps) == 0 {
				t.Fatalf("GetInstance: no Endpoints: %v", in)
			}
			ep, _ := eps[0].(map[string]any)
			return id, ep["Endpoint"].(string)
		case "Creating":
		default:
			t.Fatalf("instance %s: %v\n%s", id, in, s.Logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s still creating after 2 minutes", id)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pgLogin is one way of logging in to an instance.
type pgLogin struct {
	user, password, database, options string
}

// akLogin logs in with an AccessKey pair (and its token when it is STS).
func akLogin(c Creds, database string) pgLogin {
	l := pgLogin{user: c.ID, password: c.Secret, database: database}
	if c.Token != "" {
		l.options = "sts_token=" + c.Token
	}
	return l
}

// pgConnect connects with pgx; sslmode=prefer, as libpq's default.
func pgConnect(ctx context.Context, endpoint string, l pgLogin) (*pgx.Conn, error) {
	host, port, _ := net.SplitHostPort(endpoint)
	dsn := fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=prefer&connect_timeout=10",
		url.QueryEscape(l.user), url.QueryEscape(l.password), net.JoinHostPort(host, port), url.PathEscape(l.database))
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.TLSConfig != nil {
		cfg.TLSConfig.InsecureSkipVerify = true //nolint:gosec // localyun's self-signed certificate
	}
	if l.options != "" {
		cfg.RuntimeParams["options"] = l.options
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func mustConnect(t testing.TB, endpoint string, l pgLogin) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgConnect(ctx, endpoint, l)
	if err != nil {
		t.Fatalf("connect as %s: %v", l.user, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// pgErr checks err is a PostgreSQL error with the SQLSTATE and a message
// containing want, and returns it.
func pgErr(t *testing.T, err error, code, want string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want SQLSTATE %s %q, got %v", code, want, err)
	}
	if pe.Code != code || !strings.Contains(pe.Message+"\n"+pe.Detail+"\n"+pe.Hint, want) {
		t.Fatalf("got %s %s (detail %q, hint %q); want %s containing %q", pe.Code, pe.Message, pe.Detail, pe.Hint, code, want)
	}
	return pe
}

func exec1(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func query1(t *testing.T, c *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	var v any
	if err := c.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return fmt.Sprint(v)
}

// psql runs psql with the login in the environment, as users are told to
// pass it, and returns its output, exit status and stderr.
func psql(t *testing.T, endpoint string, l pgLogin, extraEnv []string, args ...string) (string, int, string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(endpoint)
	cmd := exec.Command("psql", append([]string{"-X", "-At", "-v", "ON_ERROR_STOP=1"}, args...)...)
	cmd.Env = append(os.Environ(), "PGHOST="+host, "PGPORT="+port, "PGUSER="+l.user, "PGPASSWORD="+l.password,
		"PGDATABASE="+l.database, "PGOPTIONS="+l.options, "PGCONNECT_TIMEOUT=10")
	cmd.Env = append(cmd.Env, extraEnv...)
	return runCmd(t, cmd)
}

func roleID(t testing.TB, c *ram.Client, name string) string {
	t.Helper()
	req := ram.CreateGetRoleRequest()
	req.RoleName = name
	return must(c.GetRole(req))(t).Role.RoleId
}

func TestSeedHologres(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	s := StartHoloServer(t, "--sts-min-duration", "2s")
	seed := setUpSeed(t, s)
	b := seed.b.Creds()
	ramB := s.RAM(b)
	id, endpoint := holoInstance(t, s, b, "seed_holo")
	instPath := "/api/v1/instances/" + id
	rid := roleID(t, ramB, "testRole")
	roleUser := "v4_" + rid

	// Step 1: before the seed's policy, the role's session may not look
	// the instance up; after it is attached, it may.
	roleAPI := s.Dara(t, seed.role, "")
	_, err := holoROA(roleAPI, "GetInstance", "GET", instPath, nil)
	ce := daraError(t, err, "NoPermission", 403)
	// The reference's message, and in the body the action and resource
	// the policy lacks.
	if msg, data := dara.StringValue(ce.Message), dara.StringValue(ce.Data); !strings.Contains(msg, "please grant AliyunHologresReadOnlyAccess permission") ||
		!strings.Contains(data, "hologram:GetInstance") || !strings.Contains(data, "instance/"+id) {
		t.Fatalf("denial: %q\n%s", msg, data)
	}
	createPolicy(t, ramB, "HologresDataSourceAccess", seedHologresPolicy)
	attachToRole(t, ramB, "testRole", "HologresDataSourceAccess")
	got, err := holoROA(roleAPI, "GetInstance", "GET", instPath, nil)
	if err != nil {
		t.Fatalf("GetInstance as the role after the seed's policy: %v", err)
	}
	if in, _ := got["Instance"].(map[string]any); in["InstanceId"] != id || in["InstanceOwner"] != seed.b.AccountID {
		t.Fatalf("GetInstance: %v", got)
	}
	for action, path := range map[string]string{"ListDatabases": instPath + "/listDatabases", "ListWarehouses": instPath + "/listWarehouses"} {
		if _, err := holoROA(roleAPI, action, "GET", path, nil); err != nil {
			t.Fatalf("%s as the role: %v", action, err)
		}
	}
	// The databases, and no external ones (localyun has none).
	listDBs := func(external bool) []any {
		req := &openapiutil.OpenApiRequest{}
		if external {
			req.Query = map[string]*string{"external": dara.String("true")}
		}
		res, err := roleAPI.CallApi(&openapiutil.Params{Action: dara.String("ListDatabases"), Version: dara.String("2022-06-01"),
			Protocol: dara.String("HTTP"), Pathname: dara.String(instPath + "/listDatabases"), Method: dara.String("GET"), AuthType: dara.String("AK"),
			Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String("json")}, req, &dara.RuntimeOptions{})
		if err != nil {
			t.Fatalf("ListDatabases external=%v: %v", external, err)
		}
		list, _ := res["body"].(map[string]any)["DatabaseList"].([]any)
		return list
	}
	if dbs := listDBs(false); len(dbs) == 0 || !strings.Contains(fmt.Sprint(dbs), "Name:postgres") {
		t.Fatalf("ListDatabases: %v", dbs)
	}
	if dbs := listDBs(true); len(dbs) != 0 {
		t.Fatalf("ListDatabases external=true: %v", dbs)
	}
	if _, err := holoROA(roleAPI, "ListInstances", "POST", "/api/v1/instances", map[string]any{}); err != nil {
		t.Fatalf("ListInstances as the role: %v", err)
	}
	// The policy grants no CreateInstance or DeleteInstance.
	_, err = holoROA(roleAPI, "DeleteInstance", "POST", instPath+"/delete", nil)
	daraError(t, err, "NoPermission", 403)
	// Account A's own credentials never reach B's instance.
	_, err = holoROA(s.Dara(t, seed.a.Creds(), ""), "GetInstance", "GET", instPath, nil)
	daraError(t, err, "NoPermission", 403)

	// Step 2 not yet done: the role's login is refused, and told the
	// statement that adds it.
	_, err = pgConnect(context.Background(), endpoint, akLogin(seed.role, "postgres"))
	pgErr(t, err, "28P01", `password authentication failed for user "`+seed.role.ID+`"`)
	pgErr(t, err, "28P01", `CREATE USER "`+roleUser+`"`)

	// The owner adds the role and grants it one table (the expert model).
	owner := mustConnect(t, endpoint, akLogin(b, "postgres"))
	if who := query1(t, owner, "select current_user"); who != seed.b.AccountID {
		t.Fatalf("owner logs in as %q, want %q", who, seed.b.AccountID)
	}
	exec1(t, owner, `CREATE USER "`+roleUser+`"`)
	exec1(t, owner, "create table sales (shop text, total numeric)")
	exec1(t, owner, "insert into sales values ('s1', 100.1), ('s2', 100.2)")
	exec1(t, owner, "create table secrets (x int)")
	exec1(t, owner, `GRANT SELECT ON sales TO "`+roleUser+`"`)

	// Step 3: A's user, with the role's STS credentials, over pgx...
	role := mustConnect(t, endpoint, akLogin(seed.role, "postgres"))
	if who := query1(t, role, "select current_user"); who != roleUser {
		t.Fatalf("the role logs in as %q, want %q", who, roleUser)
	}
	if n := query1(t, role, "select count(*) from sales"); n != "2" {
		t.Fatalf("count(*) from sales = %s", n)
	}
	_, err = role.Exec(context.Background(), "select * from secrets")
	pgErr(t, err, "42501", "permission denied for table secrets")
	_, err = role.Exec(context.Background(), "insert into sales values ('x', 1)")
	pgErr(t, err, "42501", "permission denied for table sales")
	// ...and psql, with the token in PGOPTIONS and in the conninfo.
	out, code, errOut := psql(t, endpoint, akLogin(seed.role, "postgres"), nil, "-c", "select shop from sales order by shop")
	if code != 0 || out != "s1\ns2\n" {
		t.Fatalf("psql as the role: exit %d %q %s", code, out, errOut)
	}
	l := akLogin(seed.role, "postgres")
	tok := l.options
	l.options = ""
	out, code, errOut = psql(t, endpoint, l, nil, "-d", "dbname=postgres options="+quoteConninfo(tok), "-c", "select current_user")
	if code != 0 || out != roleUser+"\n" {
		t.Fatalf("psql with options= in the conninfo: exit %d %q %s", code, out, errOut)
	}
	// TLS with localyun's certificate.
	out, code, errOut = psql(t, endpoint, akLogin(seed.role, "postgres"), []string{"PGSSLMODE=require"}, "-c", "select ssl from pg_stat_ssl where pid = pg_backend_pid()")
	if code != 0 {
		t.Fatalf("psql sslmode=require: exit %d %q %s", code, out, errOut)
	}

	t.Run("db@warehouse and AKv4", func(t *testing.T) {
		c := mustConnect(t, endpoint, akLogin(seed.role, "postgres@init_warehouse"))
		if db := query1(t, c, "select current_database()"); db != "postgres" {
			t.Fatalf("current_database() = %s", db)
		}
		key := pgfront.AKv4Password(seed.role.Secret, "cn-hangzhou", time.Now().UTC())
		l := pgLogin{user: "akv4$" + seed.role.ID, password: key, database: "postgres", options: "type=fixed sts_token=" + seed.role.Token}
		c = mustConnect(t, endpoint, l)
		if who := query1(t, c, "select current_user"); who != roleUser {
			t.Fatalf("AKv4 login as %q", who)
		}
		// A key derived for another region, or yesterday's-yesterday, fails.
		l.password = pgfront.AKv4Password(seed.role.Secret, "cn-shanghai", time.Now().UTC())
		_, err := pgConnect(context.Background(), endpoint, l)
		pgErr(t, err, "28P01", "password authentication failed")
		l.password = pgfront.AKv4Password(seed.role.Secret, "cn-hangzhou", time.Now().UTC().AddDate(0, 0, -3))
		_, err = pgConnect(context.Background(), endpoint, l)
		pgErr(t, err, "28P01", "password authentication failed")
	})

	t.Run("prepared statements and COPY", func(t *testing.T) {
		exec1(t, owner, "create table loads (id int, note text)")
		exec1(t, owner, `GRANT SELECT, INSERT ON loads TO "`+roleUser+`"`)
		c := mustConnect(t, endpoint, akLogin(seed.role, "postgres"))
		rows := [][]any{}
		for i := range 1000 {
			rows = append(rows, []any{int32(i), fmt.Sprintf("row %d", i)})
		}
		n, err := c.CopyFrom(context.Background(), pgx.Identifier{"loads"}, []string{"id", "note"}, pgx.CopyFromRows(rows))
		if err != nil || n != 1000 {
			t.Fatalf("COPY FROM STDIN: %d %v", n, err)
		}
		if _, err := c.Prepare(context.Background(), "by_id", "select note from loads where id = $1"); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 500, 999} {
			if note := query1(t, c, "by_id", i); note != fmt.Sprintf("row %d", i) {
				t.Fatalf("prepared by_id(%d) = %q", i, note)
			}
		}
		var buf bytes.Buffer
		tag, err := c.PgConn().CopyTo(context.Background(), &buf, "COPY (select id, note from loads where id < 3 order by id) TO STDOUT")
		if err != nil || tag.RowsAffected() != 3 || buf.String() != "0\trow 0\n1\trow 1\n2\trow 2\n" {
			t.Fatalf("COPY TO STDOUT: %v %q", err, buf.String())
		}
		// psql's \copy goes through the same COPY FROM STDIN.
		f := writeTemp(t, "2000\tfrom psql\n2001\tfrom psql\n")
		out, code, errOut := psql(t, endpoint, akLogin(seed.role, "postgres"), nil, "-c", `\copy loads from '`+f+`'`, "-c", "select count(*) from loads")
		if code != 0 || !strings.HasSuffix(out, "1002\n") {
			t.Fatalf("psql \\copy: exit %d %q %s", code, out, errOut)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		// A wrong secret.
		bad := akLogin(seed.role, "postgres")
		bad.password = "not-the-secret"
		_, err := pgConnect(context.Background(), endpoint, bad)
		pgErr(t, err, "28P01", `password authentication failed for user "`+seed.role.ID+`"`)
		// The token of another session with this session's key.
		other, _ := s.AssumeRole(t, seed.alice, roleArn(seed.b.AccountID, "testRole"), "other-session")
		swapped := akLogin(seed.role, "postgres")
		swapped.options = "sts_token=" + other.Token
		_, err = pgConnect(context.Background(), endpoint, swapped)
		pgErr(t, err, "28P01", `password authentication failed for user "`+seed.role.ID+`"`)
		// An STS key without its token.
		noToken := akLogin(seed.role, "postgres")
		noToken.options = ""
		_, err = pgConnect(context.Background(), endpoint, noToken)
		pgErr(t, err, "28P01", "password authentication failed")
		// An unknown AccessKeyId.
		_, err = pgConnect(context.Background(), endpoint, pgLogin{user: "LTAInotakeyatall00000000", password: "x", database: "postgres"})
		pgErr(t, err, "28P01", "password authentication failed")
		// A database that does not exist.
		_, err = pgConnect(context.Background(), endpoint, akLogin(b, "nosuchdb"))
		pgErr(t, err, "3D000", "nosuchdb")
		// A malformed startup packet is answered with an error and the
		// connection closed; the front end keeps serving.
		for _, pkt := range [][]byte{
			{0, 0, 0, 8, 0, 3, 0, 0},                      // protocol 3.0, no parameters, no terminator
			{0, 0, 0, 12, 0, 3, 0, 0, 'u', 's', 'e', 'r'}, // unterminated key
			{0xff, 0xff, 0xff, 0xff},                      // absurd length
			{0, 0, 0, 8, 0, 9, 0, 0},                      // unknown protocol version
		} {
			conn, err := net.DialTimeout("tcp", endpoint, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			conn.SetDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck
			conn.Write(pkt)                                    //nolint:errcheck
			if len(pkt) == 4 {
				conn.(*net.TCPConn).CloseWrite() //nolint:errcheck
			}
			reply := make([]byte, 512)
			n, _ := conn.Read(reply)
			conn.Close()
			if n == 0 || reply[0] != 'E' {
				t.Fatalf("malformed startup %x: reply %q, want an ErrorResponse", pkt, reply[:n])
			}
		}
		mustConnect(t, endpoint, akLogin(b, "postgres"))
	})

	t.Run("a disconnect mid-query leaves no session", func(t *testing.T) {
		c := mustConnect(t, endpoint, akLogin(seed.role, "postgres"))
		pid := query1(t, c, "select pg_backend_pid()")
		alive := func() bool {
			return query1(t, owner, "select count(*) from pg_stat_activity where pid = $1", pid) == "1"
		}
		if !alive() {
			t.Fatalf("backend %s is not in pg_stat_activity", pid)
		}
		go c.Exec(context.Background(), "select pg_sleep(60)") //nolint:errcheck
		time.Sleep(200 * time.Millisecond)
		c.PgConn().Conn().Close() // the client vanishes mid-query
		deadline := time.Now().Add(10 * time.Second)
		for alive() {
			if time.Now().After(deadline) {
				t.Fatal("the backend session outlived its client by 10 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		c := mustConnect(t, endpoint, akLogin(seed.role, "postgres"))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Exec(ctx, "select pg_sleep(30)")
		if err == nil || time.Since(start) > 10*time.Second {
			t.Fatalf("a cancelled pg_sleep(30): %v after %s", err, time.Since(start))
		}
	})

	t.Run("simple permission model", func(t *testing.T) {
		exec1(t, owner, "CREATE DATABASE salesdb")
		admin := mustConnect(t, endpoint, akLogin(b, "salesdb"))
		exec1(t, admin, "CREATE EXTENSION IF NOT EXISTS spm") // answered as a no-op
		_, err := admin.Exec(context.Background(), "CALL spm_grant('salesdb_viewer', $1)", roleUser)
		pgErr(t, err, "55000", "NOT in simple privilege mode")
		exec1(t, admin, "CALL spm_enable()")
		exec1(t, admin, "create table orders (id int)")
		exec1(t, admin, "insert into orders values (1), (2), (3)")
		// Not in any group yet: no CONNECT.
		_, err = pgConnect(context.Background(), endpoint, akLogin(seed.role, "salesdb"))
		pgErr(t, err, "42501", `permission denied for database "salesdb"`)
		// A RAM user of B, added with the CLI, becomes a developer.
		bob := createUserWithKey(t, ramB, "bob")
		out, code, errOut := s.apiCLI(b, "holo", "user", "add", "--instance", id, "--ram-user", "bob")
		if code != 0 {
			t.Fatalf("holo user add --ram-user bob: exit %d %s %s", code, out, errOut)
		}
		// Names are checked: another database's group, a role that is no
		// Hologres user, a user not added to the instance.
		_, err = admin.Exec(context.Background(), "CALL spm_grant('postgres_admin', $1)", roleUser)
		pgErr(t, err, "22023", "invalid group postgres_admin")
		_, err = admin.Exec(context.Background(), "CALL spm_grant('salesdb_viewer', 'localyun_admin')")
		pgErr(t, err, "22023", "invalid user localyun_admin")
		_, err = admin.Exec(context.Background(), "CALL spm_grant('salesdb_viewer', 'p4_999')")
		pgErr(t, err, "42704", `CREATE USER "p4_999"`)
		exec1(t, admin, "CALL spm_grant('salesdb_developer', $1)", "p4_"+ramUserID(t, ramB, "bob"))
		exec1(t, admin, "CALL spm_grant('salesdb_viewer', $1)", roleUser)
		dev := mustConnect(t, endpoint, akLogin(bob, "salesdb"))
		exec1(t, dev, "create table dev_made (v text)")
		exec1(t, dev, "insert into dev_made values ('by bob')")
		viewer := mustConnect(t, endpoint, akLogin(seed.role, "salesdb"))
		if n := query1(t, viewer, "select count(*) from orders"); n != "3" {
			t.Fatalf("viewer count(*) from orders = %s", n)
		}
		if v := query1(t, viewer, "select v from dev_made"); v != "by bob" {
			t.Fatalf("viewer reads what the developer made: %q", v)
		}
		_, err = viewer.Exec(context.Background(), "insert into orders values (4)")
		pgErr(t, err, "42501", "permission denied for table orders")
		_, err = viewer.Exec(context.Background(), "CALL spm_grant('salesdb_admin', $1)", roleUser)
		pgErr(t, err, "42501", "only a superuser or a member of salesdb_admin can call spm_grant")
		_, err = viewer.Exec(context.Background(), "CALL spm_revoke('salesdb_viewer', $1)", roleUser)
		pgErr(t, err, "42501", "only a superuser or a member of salesdb_admin can call spm_revoke")
		for _, proc := range []string{"spm_enable", "spm_disable"} {
			_, err = dev.Exec(context.Background(), "CALL "+proc+"()")
			pgErr(t, err, "42501", "only a superuser can call "+proc)
		}
		// The owner keeps every right after spm_enable.
		again := mustConnect(t, endpoint, akLogin(b, "salesdb"))
		if n := query1(t, again, "select count(*) from dev_made"); n != "1" {
			t.Fatalf("owner count(*) from dev_made = %s", n)
		}
		exec1(t, admin, "CALL spm_revoke('salesdb_viewer', $1)", roleUser)
		_, err = viewer.Exec(context.Background(), "select count(*) from orders")
		pgErr(t, err, "42501", "permission denied")
		if v := query1(t, admin, "select hg_version()"); !strings.HasPrefix(v, "Hologres ") {
			t.Fatalf("hg_version() = %q", v)
		}
	})

	// After its token expires, the session can no longer log in.
	t.Run("expired token", func(t *testing.T) {
		short, _ := s.AssumeRole(t, seed.alice, roleArn(seed.b.AccountID, "testRole"), "short", withDuration("2"))
		mustConnect(t, endpoint, akLogin(short, "postgres"))
		time.Sleep(3 * time.Second)
		_, err := pgConnect(context.Background(), endpoint, akLogin(short, "postgres"))
		pgErr(t, err, "28P01", "expired")
	})

	// Once the role is deleted, its still-valid credentials log in no more.
	detachFromRole(t, ramB, "testRole", "HologresDataSourceAccess")
	del := ram.CreateDeleteRoleRequest()
	del.RoleName = "testRole"
	must(ramB.DeleteRole(del))(t)
	_, err = pgConnect(context.Background(), endpoint, akLogin(seed.role, "postgres"))
	pgErr(t, err, "28P01", `password authentication failed for user "`+seed.role.ID+`"`)
}

func ramUserID(t *testing.T, c *ram.Client, name string) string {
	t.Helper()
	req := ram.CreateGetUserRequest()
	req.UserName = name
	return must(c.GetUser(req))(t).User.UserId
}

// quoteConninfo quotes a libpq conninfo value.
func quoteConninfo(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func withDuration(seconds string) func(*sts.AssumeRoleRequest) {
	return func(r *sts.AssumeRoleRequest) { r.DurationSeconds = requests.Integer(seconds) }
}

// TestHologresHostEscape: every identity form, the owner included, tries
// the ways from a PostgreSQL superuser's powers onto the host or into
// another tenant's role; each is refused, and none of them is a
// PostgreSQL superuser or holds an attribute that reaches the host.
func TestHologresHostEscape(t *testing.T) {
	t.Parallel()
	s := StartHoloServer(t)
	b := s.CreateAccount("escape-b")
	other := s.CreateAccount("escape-other")
	ramB := s.RAM(b.Creds())
	id, endpoint := holoInstance(t, s, b.Creds(), "escape")
	owner := mustConnect(t, endpoint, akLogin(b.Creds(), "postgres"))

	// A superuser RAM user, a regular RAM user, a role session and a
	// BASIC$ user; another account's root is added so that its role is a
	// tenant role to try SET ROLE on.
	carol := createUserWithKey(t, ramB, "carol")
	dave := createUserWithKey(t, ramB, "dave")
	for _, args := range [][]string{{"--ram-user", "carol", "--superuser"}, {"--ram-user", "dave"}} {
		if out, code, errOut := s.apiCLI(b.Creds(), "holo", append([]string{"user", "add", "--instance", id}, args...)...); code != 0 {
			t.Fatalf("holo user add %v: exit %d %s %s", args, code, out, errOut)
		}
	}
	createRole(t, ramB, "etl", trustRAM("acs:ram::"+b.AccountID+":root"))
	erin := createUserWithKey(t, ramB, "erin", "AliyunSTSAssumeRoleAccess")
	roleSession, _ := s.AssumeRole(t, erin, roleArn(b.AccountID, "etl"), "escape")
	exec1(t, owner, `CREATE USER "v4_`+roleID(t, ramB, "etl")+`"`)
	exec1(t, owner, `CREATE USER "BASIC$local" PASSWORD 'local-pass-1'`)
	exec1(t, owner, `CREATE USER "`+other.AccountID+`"`)
	exec1(t, owner, "create table victim (x int)")

	identities := map[string]pgLogin{
		"owner (account root)": akLogin(b.Creds(), "postgres"),
		"owner (AKv4)":         {user: "akv4$" + b.AccessKeyID, password: pgfront.AKv4Password(b.AccessKeySecret, "cn-hangzhou", time.Now().UTC()), database: "postgres"},
		"superuser RAM user":   akLogin(carol, "postgres"),
		"RAM user":             akLogin(dave, "postgres"),
		"role session":         akLogin(roleSession, "postgres"),
		"BASIC$ user":          {user: "BASIC$local", password: "local-pass-1", database: "postgres"},
	}
	escapes := []string{
		"COPY (select 1) TO PROGRAM 'id > /tmp/localyun-escape'",
		"COPY victim FROM PROGRAM 'id'",
		"COPY victim FROM '/etc/passwd'",
		"COPY (select 1) TO '/tmp/localyun-escape'",
		"select pg_read_file('/etc/passwd')",
		"select pg_read_binary_file('/etc/passwd')",
		"select pg_ls_dir('/')",
		"select lo_import('/etc/passwd')",
		"select lo_export(0, '/tmp/localyun-escape')",
		"ALTER SYSTEM SET archive_command = 'id'",
		"select pg_reload_conf()",
		"CREATE ROLE evil SUPERUSER LOGIN",
		"CREATE ROLE evil2 CREATEROLE",
		"ALTER ROLE CURRENT_USER SUPERUSER",
		"GRANT pg_execute_server_program TO CURRENT_USER",
		"GRANT pg_read_server_files TO CURRENT_USER",
		"GRANT pg_write_server_files TO CURRENT_USER",
		`SET ROLE "` + other.AccountID + `"`,
		`SET SESSION AUTHORIZATION "` + other.AccountID + `"`,
		"SET ROLE localyun_admin",
		"CREATE FUNCTION evil() RETURNS int LANGUAGE c AS '/lib/x86_64-linux-gnu/libc.so.6', 'system'",
		"CREATE EXTENSION file_fdw",
		"CREATE EXTENSION adminpack",
		"LOAD 'auto_explain'",
		"select set_config('session_authorization', 'postgres', false)",
	}
	for who, l := range identities {
		t.Run(who, func(t *testing.T) {
			c := mustConnect(t, endpoint, l)
			var super, createRole, createDB, repl, bypass bool
			err := c.QueryRow(context.Background(), "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls from pg_roles where rolname = current_user").
				Scan(&super, &createRole, &createDB, &repl, &bypass)
			if err != nil || super || createRole || createDB || repl || bypass {
				t.Fatalf("%s: super %v createrole %v createdb %v replication %v bypassrls %v (%v)", who, super, createRole, createDB, repl, bypass, err)
			}
			for _, role := range []string{"pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"} {
				if query1(t, c, "select pg_has_role(current_user, $1, 'MEMBER')", role) != "false" {
					t.Fatalf("%s is a member of %s", who, role)
				}
			}
			for _, stmt := range escapes {
				if _, err := c.Exec(context.Background(), stmt); err == nil {
					t.Errorf("%s: %s succeeded", who, stmt)
				}
				// The extended protocol too (JDBC's), which the front end
				// answers itself for superusers' role statements.
				if res := c.PgConn().ExecParams(context.Background(), stmt, nil, nil, nil, nil).Read(); res.Err == nil {
					t.Errorf("%s: %s succeeded with the extended protocol", who, stmt)
				}
			}
			if _, err := os.Stat("/tmp/localyun-escape"); err == nil {
				t.Fatalf("%s wrote /tmp/localyun-escape", who)
			}
			if got := query1(t, c, "select current_user"); got == other.AccountID {
				t.Fatalf("%s became another tenant", who)
			}
		})
	}
}
