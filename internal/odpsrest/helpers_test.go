package odpsrest_test

import (
	"context"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/engine"
	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/odpsrest"
	"github.com/localyun/localyun/internal/server"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
	"github.com/localyun/localyun/internal/sts"
)

var bg = context.Background()

const prefix = "/odps/api"

// env is a real Service on a real engine and SQLite store, behind the
// ODPS front end on an httptest server. Account B owns project sale_project
// and the role testRole, which trusts A's root; alice, a user of A, holds
// STS credentials of testRole (role).
type env struct {
	t       testing.TB
	srv     *httptest.Server
	h       *odpsrest.Handler
	svc     *maxcompute.Service
	iam     *iam.Service
	sts     *sts.Service
	db      *sqlite.DB
	a, b    store.Account
	keyA    odpsauth.Credentials
	keyB    odpsauth.Credentials
	alice   odpsauth.Credentials
	role    odpsauth.Credentials
	project string
	// rolePrincipal is the seed's form of the role principal, with B's name.
	rolePrincipal string
	// stsAhead moves STS's clock forward (nanoseconds), to expire tokens.
	stsAhead atomic.Int64
}

func newEnv(t testing.TB, configure ...func(*odpsrest.Options)) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(bg, filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	master := []byte("0123456789abcdef0123456789abcdef")
	ident, err := iam.New(bg, iam.Options{Store: db, MasterKey: master, Rand: rand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sts.LoadKeyring(bg, db, master, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, iam: ident, db: db, project: "sale_project"}
	stsSvc := sts.New(sts.Options{IAM: ident, Keyring: keys, Now: func() time.Time { return time.Now().Add(time.Duration(e.stsAhead.Load())) }})
	e.sts = stsSvc
	eng, err := engine.Open(filepath.Join(dir, "maxcompute"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	e.svc = maxcompute.New(maxcompute.Options{Store: db, IAM: ident, Engine: eng.MCDB()})
	opts := odpsrest.Options{Service: e.svc, Resolver: server.NewResolver(ident, stsSvc), Audit: db.Audit(), TryWait: 5 * time.Second}
	for _, f := range configure {
		f(&opts)
	}
	e.h = odpsrest.New(opts)
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(func() { e.srv.Close(); e.h.Close() })

	var keyA, keyB iam.AccessKeySecret
	e.a, keyA, err = ident.CreateAccount(bg, "account-a")
	if err != nil {
		t.Fatal(err)
	}
	e.b, keyB, err = ident.CreateAccount(bg, "account-b")
	if err != nil {
		t.Fatal(err)
	}
	e.keyA = odpsauth.Credentials{AccessKeyID: keyA.ID, AccessKeySecret: keyA.Secret}
	e.keyB = odpsauth.Credentials{AccessKeyID: keyB.ID, AccessKeySecret: keyB.Secret}
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + e.a.ID +
		`:root"],"Service":["` + e.a.ID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	if _, err := ident.CreateRole(bg, e.b.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trust}); err != nil {
		t.Fatal(err)
	}
	if _, err := ident.CreateUser(bg, e.a.ID, iam.UserInput{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	aliceKey, err := ident.CreateAccessKey(bg, e.a.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := ident.Attach(bg, e.a.ID, store.UserPrincipal, "alice", store.System, "AliyunSTSAssumeRoleAccess"); err != nil {
		t.Fatal(err)
	}
	e.alice = odpsauth.Credentials{AccessKeyID: aliceKey.ID, AccessKeySecret: aliceKey.Secret}
	e.role = e.assumeRole(e.alice, "alice-session")
	if _, err := e.svc.CreateProject(bg, e.b.ID, e.project, "cn-hangzhou", "the seed's project"); err != nil {
		t.Fatal(err)
	}
	e.rolePrincipal = "RAM$account-b:role/testRole"
	return e
}

// assumeRole gets STS credentials of B's testRole for a caller.
func (e *env) assumeRole(caller odpsauth.Credentials, session string) odpsauth.Credentials {
	e.t.Helper()
	id, _, err := server.NewResolver(e.iam, e.sts).Resolve(bg, caller.AccessKeyID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	cred, err := e.sts.AssumeRole(bg, id, sts.AssumeRoleInput{RoleArn: "acs:ram::" + e.b.ID + ":role/testRole", RoleSessionName: session})
	if err != nil {
		e.t.Fatal(err)
	}
	return odpsauth.Credentials{AccessKeyID: cred.AccessKeyID, AccessKeySecret: cred.AccessKeySecret, SecurityToken: cred.SecurityToken}
}

// resp is an answer.
type resp struct {
	Status     int
	StatusText string // e.g. "404 Not Found", as the Go SDK sees it
	Header     http.Header
	Body       string
}

// req is a request to send: path under the prefix, raw query.
type req struct {
	method, path, query, body string
	header                    map[string]string
	v4                        bool
	at                        time.Time // signing time (now when zero)
	unsigned                  bool
}

// send signs (v2 unless r.v4) and sends a request.
func (e *env) send(c odpsauth.Credentials, r req) resp {
	e.t.Helper()
	h := http.Header{}
	for k, v := range r.header {
		h.Set(k, v)
	}
	if r.body != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/xml")
	}
	sr := &odpsauth.Request{Method: r.method, Path: prefix + r.path, RawQuery: r.query, Header: h}
	at := r.at
	if at.IsZero() {
		at = time.Now()
	}
	if !r.unsigned {
		var err error
		if r.v4 {
			err = odpsauth.SignV4(sr, prefix, c, "cn-hangzhou", at)
		} else {
			err = odpsauth.SignV2(sr, prefix, c, at)
		}
		if err != nil {
			e.t.Fatal(err)
		}
	}
	u := e.srv.URL + prefix + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	hr, err := http.NewRequest(r.method, u, strings.NewReader(r.body))
	if err != nil {
		e.t.Fatal(err)
	}
	hr.Header = http.Header(sr.Header)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Header.Get("x-odps-request-id") == "" {
		e.t.Fatalf("%s %s: no x-odps-request-id", r.method, r.path)
	}
	return resp{Status: res.StatusCode, StatusText: res.Status, Header: res.Header, Body: string(body)}
}

func (e *env) get(c odpsauth.Credentials, path, query string) resp {
	e.t.Helper()
	return e.send(c, req{method: "GET", path: path, query: query})
}

// ok fails unless the answer has the status.
func (r resp) ok(t testing.TB, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// errorBody is the XML error as the Go SDK decodes it.
type errorBody struct {
	Code, Message, RequestId, HostId string
}

// wantError checks an error answer's status, code and message parts.
func (r resp) wantError(t testing.TB, status int, code string, contains ...string) errorBody {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var e errorBody
	if err := xml.Unmarshal([]byte(r.Body), &e); err != nil {
		t.Fatalf("error body %q: %v", r.Body, err)
	}
	if e.Code != code {
		t.Fatalf("code %q, want %q: %s", e.Code, code, e.Message)
	}
	if e.RequestId == "" || e.RequestId != r.Header.Get("x-odps-request-id") || e.HostId == "" {
		t.Fatalf("error body without its request and host ids: %s", r.Body)
	}
	for _, c := range contains {
		if !strings.Contains(e.Message, c) {
			t.Fatalf("message %q does not contain %q", e.Message, c)
		}
	}
	return e
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := xml.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

func contains(t testing.TB, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%q does not contain %q", s, p)
		}
	}
}

// --- security statements and SQL jobs, as clients send them ---

func authorizationBody(query string, json bool) string {
	type body struct {
		XMLName              xml.Name `xml:"Authorization"`
		Query                string
		ResponseInJsonFormat bool
	}
	out, _ := xml.Marshal(body{Query: query, ResponseInJsonFormat: json})
	return string(out)
}

// security runs a security statement through /authorization.
func (e *env) security(c odpsauth.Credentials, query string) resp {
	e.t.Helper()
	return e.send(c, req{method: "POST", path: "/projects/" + e.project + "/authorization", body: authorizationBody(query, false)})
}

// securityOK runs a security statement and returns its Result.
func (e *env) securityOK(c odpsauth.Credentials, query string) string {
	e.t.Helper()
	r := e.security(c, query).ok(e.t, 200)
	var out struct {
		Result string
	}
	r.decode(e.t, &out)
	return out.Result
}

// jobBody is a Job XML document with one SQL task, exactly as the Go SDK
// marshals it (reference/maxcompute.md §4.7).
func jobBody(query string, settings string) string {
	type property struct{ Name, Value string }
	type sqlTask struct {
		XMLName xml.Name `xml:"SQL"`
		Name    string
		Comment string
		Config  []property `xml:"Config>Property"`
		Query   string
	}
	type model struct {
		XMLName xml.Name `xml:"Instance"`
		Job     struct {
			Priority int
			Tasks    sqlTask `xml:"Tasks>SQL"`
		}
	}
	var m model
	m.Job.Priority = 9
	m.Job.Tasks = sqlTask{Name: "AnonymousSQLTask", Query: query, Config: []property{{"type", "sql"}}}
	if settings != "" {
		m.Job.Tasks.Config = append(m.Job.Tasks.Config, property{"settings", settings})
	}
	m.Job.Tasks.Config = append(m.Job.Tasks.Config, property{"uuid", "0f8fad5b-d9cb-469f-a165-70867728950e"})
	out, _ := xml.Marshal(m)
	return string(out)
}

// taskResult is a task of a 200 answer or of ?result.
type taskResult struct {
	Type   string `xml:"Type,attr"`
	Name   string
	Status string
	Result struct {
		Transform string `xml:"Transform,attr"`
		Format    string `xml:"Format,attr"`
		Content   string `xml:",cdata"`
	}
}

type taskResults struct {
	XMLName xml.Name     `xml:"Instance"`
	Tasks   []taskResult `xml:"Tasks>Task"`
}

// sql submits a statement with ?tryWait and returns the answer.
func (e *env) sql(c odpsauth.Credentials, query string) resp {
	e.t.Helper()
	return e.send(c, req{method: "POST", path: "/projects/" + e.project + "/instances", query: "tryWait", body: jobBody(query, "")})
}

// sqlResult runs a statement that must finish within tryWait and returns
// its only task.
func (e *env) sqlResult(c odpsauth.Credentials, query string) taskResult {
	e.t.Helper()
	r := e.sql(c, query).ok(e.t, 200)
	if r.Header.Get("Location") == "" {
		e.t.Fatal("no Location on a synchronous answer")
	}
	var out taskResults
	r.decode(e.t, &out)
	if len(out.Tasks) != 1 {
		e.t.Fatalf("tasks: %s", r.Body)
	}
	return out.Tasks[0]
}

// sqlOK runs a statement that must succeed and returns its result text.
func (e *env) sqlOK(c odpsauth.Credentials, query string) string {
	e.t.Helper()
	tr := e.sqlResult(c, query)
	if tr.Status != "Success" {
		e.t.Fatalf("%s: %s: %s", query, tr.Status, tr.Result.Content)
	}
	return tr.Result.Content
}

// sqlFails runs a statement that must fail and returns its error text.
func (e *env) sqlFails(c odpsauth.Credentials, query string, contains ...string) string {
	e.t.Helper()
	tr := e.sqlResult(c, query)
	if tr.Status != "Failed" {
		e.t.Fatalf("%s: want Failed, got %s: %s", query, tr.Status, tr.Result.Content)
	}
	for _, c := range contains {
		if !strings.Contains(tr.Result.Content, c) {
			e.t.Fatalf("%s: %q does not contain %q", query, tr.Result.Content, c)
		}
	}
	return tr.Result.Content
}

type iamRoleInput = iam.RoleInput
