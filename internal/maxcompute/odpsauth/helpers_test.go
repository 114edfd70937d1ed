package odpsauth

import (
	"errors"
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

// code returns the ODPS code of err, or "" when err is not an *Error.
func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// wantError checks that err is an *Error with the code, the status that
// code always has, and, when msg is not "", a message containing msg.
func wantError(t *testing.T, err error, wantCode, msg string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *Error with code %s", err, err, wantCode)
	}
	if e.Code != wantCode {
		t.Fatalf("got code %s (%s), want %s", e.Code, e.Message, wantCode)
	}
	if want := statusOf[e.Code]; e.Status != want {
		t.Fatalf("%s: status %d, want %d", e.Code, e.Status, want)
	}
	if !strings.Contains(e.Message, msg) {
		t.Fatalf("%s message %q does not contain %q", e.Code, e.Message, msg)
	}
	return e
}

// statusOf is the package comment's table of codes and statuses.
var statusOf = map[string]int{
	CodeAuthorizationRequired: 401,
	CodeUnauthorized:          401,
	CodeInvalidArgument:       400,
	CodeSignatureNotMatch:     403,
	CodeRequestTimeTooSkewed:  403,
	CodeAccessKeyIDNotFound:   401,
}

func cloneRequest(r *Request) *Request {
	c := *r
	c.Header = make(map[string][]string, len(r.Header))
	for k, vs := range r.Header {
		c.Header[k] = append([]string(nil), vs...)
	}
	return &c
}

const testPrefix = "/odps/api"

var (
	testNow   = time.Date(2026, 11, 26, 22, 8, 51, 0, time.UTC)
	testCreds = Credentials{AccessKeyID: "LTAI5tTestAccessKey0001", AccessKeySecret: "s3cr3t/with+chars="}
	stsCreds  = Credentials{AccessKeyID: "STS.NTestSessionKey", AccessKeySecret: "stsSecret", SecurityToken: "CAIS+token/with=chars&more"}
)

// getTable is a Go SDK-style GET of a table with ?extended and the default
// project, not yet signed.
func getTable() *Request {
	return &Request{
		Method:   "GET",
		Path:     testPrefix + "/projects/p1/tables/t1",
		RawQuery: "curr_project=p1&extended=",
		Header:   map[string][]string{"X-Odps-User-Agent": {"odps-go-sdk/0.4.x Go/1.26 (linux; amd64)"}, "User-Agent": {"odps-go-sdk"}},
	}
}

// postInstance is a Go SDK-style POST of a SQL job with an extra x-odps-*
// header, not yet signed.
func postInstance() *Request {
	return &Request{
		Method:   "POST",
		Path:     testPrefix + "/projects/p1/instances",
		RawQuery: "curr_project=p1&tryWait=",
		Header: map[string][]string{
			"Content-Type":      {"application/xml"},
			"Content-Md5":       {"1B2M2Y8AsgTpgAmY7PhCfg=="},
			"X-Odps-User-Agent": {"odps-go-sdk/0.4.x Go/1.26 (linux; amd64)"},
			"X-Odps-Comment":    {"nightly", "job"},
		},
	}
}

func signedV2(t *testing.T, r *Request, c Credentials) *Request {
	t.Helper()
	ok(t, SignV2(r, testPrefix, c, testNow))
	return r
}

func signedV4(t *testing.T, r *Request, c Credentials) *Request {
	t.Helper()
	ok(t, SignV4(r, testPrefix, c, "cn-hangzhou", testNow))
	return r
}

// mustVerify parses r with the test prefix, checks its time against
// testNow and verifies it with secret.
func mustVerify(t *testing.T, r *Request, secret string) *Signed {
	t.Helper()
	s, err := Parse(r, testPrefix)
	ok(t, err)
	ok(t, s.CheckTime(testNow, DefaultSkew))
	ok(t, s.Verify(secret))
	return s
}
