package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/localyun/localyun/internal/dataworksapi"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/hologresapi"
	"github.com/localyun/localyun/internal/maxcomputeapi"
	localram "github.com/localyun/localyun/internal/ram"
	"github.com/localyun/localyun/internal/stsapi"
)

// This file holds what the RAM, STS and gateway tests share: SDK clients
// that record which actions succeeded (for the coverage check in
// TestMain), checks of raw JSON bodies, and hand-signed requests for the
// gateway's refusals.

// --- coverage of the RAM and STS actions ---

// exercised records, per action, whether an official client saw it succeed
// (HTTP 200) against a server.
var exercised = struct {
	sync.Mutex
	ok map[string]bool
}{ok: map[string]bool{}}

// recordingTransport notes the x-acs-action and the status of every request
// the monolithic SDK sends, and every signature, security token and secret
// that goes over the wire, for the secret-leak checks.
type recordingTransport struct {
	base    http.RoundTripper
	secrets *secretSet
}

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	rt.secrets.fromRequest(q, r.Header)
	resp, err := rt.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	action := q.Get("Version") + " " + q.Get("Action")
	exercised.Lock()
	exercised.ok[action] = exercised.ok[action] || resp.StatusCode == http.StatusOK
	exercised.Unlock()
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err == nil {
		rt.secrets.fromBody(raw)
	}
	return resp, nil
}

// secretSet collects the secrets a test issued or sent to one server.
type secretSet struct {
	mu sync.Mutex
	m  map[string]string // value -> what it is
}

func newSecretSet() *secretSet { return &secretSet{m: map[string]string{}} }

func (s *secretSet) add(what, v string) {
	if len(v) < 8 { // shorter values are not secrets localyun issues
		return
	}
	s.mu.Lock()
	if _, seen := s.m[v]; !seen {
		s.m[v] = what
	}
	s.mu.Unlock()
}

// fromRequest records the V1 Signature and SecurityToken parameters, the
// V3 signature and the x-acs-security-token header.
func (s *secretSet) fromRequest(q url.Values, h http.Header) {
	s.add("Signature parameter", q.Get("Signature"))
	s.add("SecurityToken parameter", q.Get("SecurityToken"))
	s.add("x-acs-security-token", h.Get("x-acs-security-token"))
	if _, sig, ok := strings.Cut(h.Get("Authorization"), "Signature="); ok {
		s.add("V3 signature", sig)
	}
}

// fromBody records AccessKeySecret and SecurityToken members of a JSON
// response.
func (s *secretSet) fromBody(raw []byte) {
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if str, ok := x.(string); ok && (k == "AccessKeySecret" || k == "SecurityToken") {
					s.add(k, str)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		walk(v)
	}
}

// all returns the secrets, sorted.
func (s *secretSet) all() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

func sdkConfig() *sdk.Config {
	return sdk.NewConfig().WithTimeout(30 * time.Second).WithAutoRetry(false)
}

func (s *Server) withRecorder(c *sdk.Config) *sdk.Config {
	c.Transport = recordingTransport{base: http.DefaultTransport, secrets: s.secrets}
	return c
}

// Creds are credentials for an official client: a permanent AccessKey, or
// STS credentials when Token is set.
type Creds struct {
	ID, Secret, Token string
}

func (a Account) Creds() Creds { return Creds{ID: a.AccessKeyID, Secret: a.AccessKeySecret} }

func (c Creds) sdkCredential() any {
	if c.Token != "" {
		return credentials.NewStsTokenCredential(c.ID, c.Secret, c.Token)
	}
	return credentials.NewAccessKeyCredential(c.ID, c.Secret)
}

func (c Creds) signing() signature.Credentials {
	return signature.Credentials{AccessKeyID: c.ID, AccessKeySecret: c.Secret, SecurityToken: c.Token}
}

// RAM returns the monolithic SDK's RAM client for c, pointed at the
// server's HTTP address.
func (s *Server) RAM(c Creds) *ram.Client {
	s.t.Helper()
	client, err := ram.NewClientWithOptions("cn-hangzhou", s.withRecorder(sdkConfig()), c.sdkCredential())
	if err != nil {
		s.t.Fatal(err)
	}
	client.Domain = s.Endpoint()
	return client
}

// STS returns the monolithic SDK's STS client for c.
func (s *Server) STS(c Creds) *sts.Client {
	s.t.Helper()
	client, err := sts.NewClientWithOptions("cn-hangzhou", s.withRecorder(sdkConfig()), c.sdkCredential())
	if err != nil {
		s.t.Fatal(err)
	}
	client.Domain = s.Endpoint()
	return client
}

// AssumeRole assumes a role and returns the session's credentials.
func (s *Server) AssumeRole(t testing.TB, caller Creds, roleArn, session string, configure ...func(*sts.AssumeRoleRequest)) (Creds, *sts.AssumeRoleResponse) {
	t.Helper()
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName = roleArn, session
	for _, f := range configure {
		f(req)
	}
	resp, err := s.STS(caller).AssumeRole(req)
	if err != nil {
		t.Fatalf("AssumeRole %s as %s: %v", roleArn, caller.ID, err)
	}
	return Creds{resp.Credentials.AccessKeyId, resp.Credentials.AccessKeySecret, resp.Credentials.SecurityToken}, resp
}

// Who returns GetCallerIdentity for c.
func (s *Server) Who(t testing.TB, c Creds) *sts.GetCallerIdentityResponse {
	t.Helper()
	resp, err := s.STS(c).GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return resp
}

// --- small RAM set-ups used by many tests ---

// must returns v, or fails the test with err: must(c.GetRole(req))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func roleArn(account, name string) string { return "acs:ram::" + account + ":role/" + name }

// createRole creates a role with a trust policy.
func createRole(t testing.TB, c *ram.Client, name, trust string) *ram.CreateRoleResponse {
	t.Helper()
	req := ram.CreateCreateRoleRequest()
	req.RoleName, req.AssumeRolePolicyDocument = name, trust
	return must(c.CreateRole(req))(t)
}

// createUserWithKey creates a RAM user, gives it an AccessKey and attaches
// the named policies (System when the name starts with "Aliyun" or is a
// well-known system policy, else Custom).
func createUserWithKey(t testing.TB, c *ram.Client, name string, policies ...string) Creds {
	t.Helper()
	cu := ram.CreateCreateUserRequest()
	cu.UserName = name
	must(c.CreateUser(cu))(t)
	ak := ram.CreateCreateAccessKeyRequest()
	ak.UserName = name
	key := must(c.CreateAccessKey(ak))(t)
	for _, p := range policies {
		attachToUser(t, c, name, p)
	}
	return Creds{ID: key.AccessKey.AccessKeyId, Secret: key.AccessKey.AccessKeySecret}
}

func policyTypeOf(name string) string {
	switch name {
	case "AdministratorAccess", "ReadOnlyAccess":
		return "System"
	}
	if strings.HasPrefix(name, "Aliyun") {
		return "System"
	}
	return "Custom"
}

func attachToUser(t testing.TB, c *ram.Client, user, policyName string) {
	t.Helper()
	req := ram.CreateAttachPolicyToUserRequest()
	req.UserName, req.PolicyName, req.PolicyType = user, policyName, policyTypeOf(policyName)
	must(c.AttachPolicyToUser(req))(t)
}

func attachToRole(t testing.TB, c *ram.Client, role, policyName string) {
	t.Helper()
	req := ram.CreateAttachPolicyToRoleRequest()
	req.RoleName, req.PolicyName, req.PolicyType = role, policyName, policyTypeOf(policyName)
	must(c.AttachPolicyToRole(req))(t)
}

func detachFromRole(t testing.TB, c *ram.Client, role, policyName string) {
	t.Helper()
	req := ram.CreateDetachPolicyFromRoleRequest()
	req.RoleName, req.PolicyName, req.PolicyType = role, policyName, policyTypeOf(policyName)
	must(c.DetachPolicyFromRole(req))(t)
}

func createPolicy(t testing.TB, c *ram.Client, name, doc string) {
	t.Helper()
	req := ram.CreateCreatePolicyRequest()
	req.PolicyName, req.PolicyDocument = name, doc
	must(c.CreatePolicy(req))(t)
}

// roleNames lists every role of the account, following the markers.
func roleNames(t testing.TB, c *ram.Client) []string {
	t.Helper()
	var names []string
	marker := ""
	for {
		req := ram.CreateListRolesRequest()
		req.Marker = marker
		resp := must(c.ListRoles(req))(t)
		for _, r := range resp.Roles.Role {
			names = append(names, r.RoleName)
		}
		if !resp.IsTruncated {
			return names
		}
		marker = resp.Marker
	}
}

// trustRAM is a trust policy that names RAM principals.
func trustRAM(principals ...string) string {
	b, _ := json.Marshal(principals)
	return `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":` + string(b) + `}}],"Version":"1"}`
}

// allow is an identity policy allowing actions on resources.
func allow(actions []string, resources ...string) string {
	a, _ := json.Marshal(actions)
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	r, _ := json.Marshal(resources)
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":` + string(a) + `,"Resource":` + string(r) + `}]}`
}

// --- errors of the official clients ---

// sdkError returns the monolithic SDK's server error, checking its code
// and HTTP status.
func sdkError(t testing.TB, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s (%d), got success", code, status)
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("want a server error %s, got %v", code, err)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", se.ErrorCode(), se.HttpStatus(), se.Message(), code, status)
	}
	if se.RequestId() == "" {
		t.Errorf("%s: the error body has no RequestId", code)
	}
	return se
}

// errOf drops a response: sdkError(t, errOf(c.GetRole(req)), ...).
func errOf[T any](_ T, err error) error { return err }

// --- raw bodies ---

var (
	dateRE      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	requestIDRE = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)
)

// body decodes a JSON response body.
func body(t testing.TB, raw string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, raw)
	}
	return m
}

// shape says which members an object has and their JSON types: "s" string,
// "d" date (2006-01-02T15:04:05Z), "n" number, "b" bool, "o" object, "a"
// array; a trailing "?" marks an optional member. Members not listed are
// an error: field names must be exact.
type shape map[string]string

func checkShape(t testing.TB, what string, v any, want shape) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object: %#v", what, v)
	}
	for k, val := range m {
		kind, ok := want[k]
		if !ok {
			t.Errorf("%s: unexpected member %q (%v)", what, k, val)
			continue
		}
		kind = strings.TrimSuffix(kind, "?")
		bad := false
		switch kind {
		case "s":
			_, isStr := val.(string)
			bad = !isStr
		case "d":
			s, isStr := val.(string)
			bad = !isStr || !dateRE.MatchString(s)
		case "n":
			_, isNum := val.(json.Number)
			bad = !isNum
		case "b":
			_, isBool := val.(bool)
			bad = !isBool
		case "o":
			_, isObj := val.(map[string]any)
			bad = !isObj
		case "a":
			_, isArr := val.([]any)
			bad = !isArr
		}
		if bad {
			t.Errorf("%s: member %s = %#v is not of kind %s", what, k, val, kind)
		}
	}
	for k, kind := range want {
		if _, ok := m[k]; !ok && !strings.HasSuffix(kind, "?") {
			t.Errorf("%s: missing member %q", what, k)
		}
	}
	if id, ok := m["RequestId"].(string); ok && !requestIDRE.MatchString(id) {
		t.Errorf("%s: RequestId %q is not an upper-case UUID", what, id)
	}
	return m
}

// list returns wrapper.item of a response body, checking that it is a list
// ({"Roles":{"Role":[...]}}).
func list(t testing.TB, m map[string]any, wrapper, item string) []any {
	t.Helper()
	w := checkShape(t, wrapper, m[wrapper], shape{item: "a"})
	return w[item].([]any)
}

// --- hand-signed requests ---

func nonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Raw is an RPC request built and signed by hand, so the gateway tests can
// break exactly one thing about it.
type Raw struct {
	signature.Request
}

// v1 builds a V1 request: params go to the query (Action and Version
// included), form (if any) to an urlencoded body; the SDK's Format and
// RegionId are added.
func (s *Server) v1(action, version string, params, form map[string]string) *Raw {
	q := url.Values{"Action": {action}, "Version": {version}, "Format": {"JSON"}, "RegionId": {"cn-hangzhou"}}
	for k, v := range params {
		q.Set(k, v)
	}
	r := &Raw{signature.Request{Method: http.MethodPost, Path: "/", RawQuery: q.Encode(), Host: s.Endpoint(), Header: map[string][]string{}}}
	if form != nil {
		f := url.Values{}
		for k, v := range form {
			f.Set(k, v)
		}
		r.Body = []byte(f.Encode())
	}
	r.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	r.Header["x-acs-action"] = []string{action}
	r.Header["x-acs-version"] = []string{version}
	return r
}

// v3 builds a V3 request with business parameters in the query.
func (s *Server) v3(action, version string, params map[string]string) *Raw {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return &Raw{signature.Request{Method: http.MethodPost, Path: "/", RawQuery: q.Encode(), Host: s.Endpoint(),
		Header: map[string][]string{"x-acs-action": {action}, "x-acs-version": {version}, "Accept": {"application/json"}}}}
}

// SignV1 signs r at time at with a fresh nonce (or the one given).
func (r *Raw) SignV1(t testing.TB, c Creds, at time.Time, nonces ...string) *Raw {
	t.Helper()
	n := nonce()
	if len(nonces) > 0 {
		n = nonces[0]
	}
	if err := signature.SignV1(&r.Request, c.signing(), at, n); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *Raw) SignV3(t testing.TB, c Creds, at time.Time, nonces ...string) *Raw {
	t.Helper()
	n := nonce()
	if len(nonces) > 0 {
		n = nonces[0]
	}
	if err := signature.SignV3(&r.Request, c.signing(), at, n); err != nil {
		t.Fatal(err)
	}
	return r
}

// Send sends r to the server's HTTP listener and returns the status and
// the decoded body.
func (s *Server) Send(t testing.TB, r *Raw) (int, map[string]any) {
	t.Helper()
	status, raw := s.SendRaw(t, r)
	return status, body(t, raw)
}

func (s *Server) SendRaw(t testing.TB, r *Raw) (int, string) {
	t.Helper()
	q, _ := url.ParseQuery(r.RawQuery)
	s.secrets.fromRequest(q, http.Header(r.Header))
	u := "http://" + s.Endpoint() + r.Path
	if r.RawQuery != "" {
		u += "?" + r.RawQuery
	}
	req, err := http.NewRequest(r.Method, u, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Host = r.Host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s.secrets.fromBody(raw)
	return resp.StatusCode, string(raw)
}

// wantRaw checks a raw response's code and status and the error body's
// members, and returns its Message.
func wantRaw(t testing.TB, status int, m map[string]any, code string, wantStatus int) string {
	t.Helper()
	if m["Code"] != code || status != wantStatus {
		t.Fatalf("got %v (%d): %v; want %s (%d)", m["Code"], status, m["Message"], code, wantStatus)
	}
	checkShape(t, code, m, shape{"RequestId": "s", "HostId": "s", "Code": "s", "Message": "s", "Recommend": "s?", "AccessDeniedDetail": "o?"})
	return m["Message"].(string)
}

// sortedCopy returns a sorted copy of names.
func sortedCopy(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}

// checkCoverage fails a full run (no -run, no -short) in which some action
// localyun registers (RAM, STS, MaxCompute, DataWorks of both versions,
// Hologres) never succeeded through an official client.
func checkCoverage() int {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" || testing.Short() {
		return 0
	}
	var missing []string
	exercised.Lock()
	defer exercised.Unlock()
	for _, list := range [][]gateway.Action{localram.Actions(nil), stsapi.Actions(nil), maxcomputeapi.Actions(nil, ""),
		dataworksapi.Actions(nil), hologresapi.Actions(nil, "")} {
		for _, a := range list {
			if !exercised.ok[a.Version+" "+a.Name] {
				missing = append(missing, a.Product+" "+a.Name)
			}
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: no end-to-end test called these actions successfully with the official SDK: %s\n", strings.Join(missing, ", "))
		return 1
	}
	return 0
}
