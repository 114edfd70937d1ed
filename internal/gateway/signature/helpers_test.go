package signature

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func equals[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

// code returns the Alibaba code of err, or "" when err is not an *Error.
func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func wantCode(t *testing.T, err error, want string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *Error with code %s", err, err, want)
	}
	if e.Code != want {
		t.Fatalf("got code %s (%s), want %s", e.Code, e.Message, want)
	}
	if e.Status != 400 {
		t.Fatalf("%s: status %d, want 400", e.Code, e.Status)
	}
	return e
}

// encodeOrdered builds a query string in the given order, so tests can send
// parameters the way a particular client does.
func encodeOrdered(kv ...string) string {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

func cloneRequest(r *Request) *Request {
	c := *r
	c.Header = make(map[string][]string, len(r.Header))
	for k, vs := range r.Header {
		c.Header[k] = append([]string(nil), vs...)
	}
	c.Body = append([]byte(nil), r.Body...)
	return &c
}

var (
	testNow   = time.Date(2026, 11, 26, 22, 8, 51, 0, time.UTC)
	testCreds = Credentials{AccessKeyID: "LTAI5tTestAccessKey0001", AccessKeySecret: "s3cr3t/with+chars="}
	stsCreds  = Credentials{AccessKeyID: "STS.NTestSessionKey", AccessKeySecret: "stsSecret", SecurityToken: "CAIS+token/with=chars&more"}
)

// rpcV1 returns a V1-signed RPC request like the monolithic SDK's: every
// parameter in the query, empty body.
func rpcV1(t *testing.T, c Credentials) *Request {
	t.Helper()
	r := &Request{
		Method: "POST",
		Path:   "/",
		RawQuery: encodeOrdered("Action", "GetRole", "Version", "2015-05-01", "Format", "JSON",
			"RegionId", "cn-hangzhou", "SignatureType", "", "RoleName", "My Role*~"),
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"},
			"X-Acs-Action": {"GetRole"}, "X-Acs-Version": {"2015-05-01"}},
		Host: "127.0.0.1:8080",
	}
	ok(t, SignV1(r, c, testNow, "b0457edecf4d8348bd00ce00e1034e12"))
	return r
}

// formV1 returns a V1-signed request like the RAM-role credential
// providers': common parameters in the query, business parameters in a
// form body.
func formV1(t *testing.T, c Credentials) *Request {
	t.Helper()
	r := &Request{
		Method:   "POST",
		Path:     "/",
		RawQuery: encodeOrdered("Action", "AssumeRole", "Version", "2015-04-01", "Format", "JSON"),
		Header:   map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body: []byte(encodeOrdered("RoleArn", "acs:ram::1234567890123456:role/testrole",
			"RoleSessionName", "alice", "DurationSeconds", "3600", "Policy", `{"Version":"1","Statement":[]}`)),
		Host: "sts.example:8443",
	}
	ok(t, SignV1(r, c, testNow, "0123456789abcdef0123456789abcdef"))
	return r
}

// rpcV3 returns a V3-signed RPC request like darabonba's RAM client.
func rpcV3(t *testing.T, c Credentials) *Request {
	t.Helper()
	r := &Request{
		Method:   "POST",
		Path:     "/",
		RawQuery: "RoleName=My+Role%2A~&MaxItems=10&Marker=",
		Header: map[string][]string{
			"X-Acs-Action":               {"GetRole"},
			"X-Acs-Version":              {"2015-05-01"},
			"X-Acs-Credentials-Provider": {"static_ak"},
			"Accept":                     {"application/json"},
			"User-Agent":                 {"AlibabaCloud (linux; amd64) Go/go1.26 Core/1.0.0 TeaDSL/2"},
		},
		Host: "127.0.0.1:8080",
	}
	ok(t, SignV3(r, c, testNow, "3156853299f313e23d1673dc12e1703d"))
	return r
}

// roaV3 returns a V3-signed ROA request with a JSON body, like a generated
// Hologres client's.
func roaV3(t *testing.T, c Credentials) *Request {
	t.Helper()
	r := &Request{
		Method:   "POST",
		Path:     "/api/v1/instances/hgpostcn-cn-xxx",
		RawQuery: "",
		Header: map[string][]string{
			"X-Acs-Action":  {"UpdateInstanceName"},
			"X-Acs-Version": {"2022-06-01"},
			"Content-Type":  {"application/json; charset=utf-8"},
			"Accept":        {"application/json"},
		},
		Body: []byte(`{"instanceName":"my instance"}`),
		Host: "hologram.cn-hangzhou.example:8080",
	}
	ok(t, SignV3(r, c, testNow, "7c6a0c6b7e0b4d3f9a1e2d3c4b5a6978"))
	return r
}

// mustVerify parses r and verifies it with secret.
func mustVerify(t *testing.T, r *Request, secret string) *Signed {
	t.Helper()
	s, err := Parse(r)
	ok(t, err)
	ok(t, s.CheckTime(testNow, DefaultWindow))
	ok(t, s.Verify(secret))
	return s
}
