package odpsauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary request fields to Detect, Parse, CheckTime and
// Verify. They must never panic; every refusal must be an *Error with the
// status its code has and a bounded message; and a request that parses
// has a version, an AccessKeyId, a Date and a path under the prefix.
func FuzzParse(f *testing.F) {
	f.Add("GET", "/api/projects/p1/tables/t1", "curr_project=p1&extended=", "/api", vectorV2, vectorDate, "", "", "", vectorUA, "")
	f.Add("GET", "/api/projects/p1/tables/t1", "extended&curr_project=p1", "/api", vectorV4, vectorDate, "", "", "", vectorUA, "")
	f.Add("POST", "/odps/api/projects/p1/instances", "curr_project=p1&tryWait", "/odps/api/", "ODPS STS.x:AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"Thu, 26 Nov 2026 22:08:51 GMT", "1B2M2Y8AsgTpgAmY7PhCfg==", "application/xml", "CAIS+tok", "a,b", "")
	f.Add("PUT", "/odps/apix/%zz", "a=%zz&&=&a%26=1", "odps/api", "ODPS a/20261126/cn/odps/x_v4_request:AAAA", "Thu, 26 Nov 2026 22:08:51 UTC", "", "", "", "", "tok")
	f.Add("", "", ";", "", "ODPS", "", "", "", "", "", "")
	f.Add("DELETE", "/p%3F%0A", "x=1&x=2", "/", "ODPS a/b/c/d/e/f:g", "Mon, 02 Jan 2006 15:04:05 GMT", "", "", "", "", "")
	f.Add("GET", "/", "", "", "Bearer t", "9999", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, prefix, auth, date, md5, ctype, token, odpsValue, bearer string) {
		h := map[string][]string{}
		for k, v := range map[string]string{"Authorization": auth, "Date": date, "Content-MD5": md5, "Content-Type": ctype,
			"Authorization-Sts-Token": token, "X-Odps-User-Agent": odpsValue, "X-Odps-Bearer-Token": bearer} {
			if v != "" {
				h[k] = []string{v}
			}
		}
		if odpsValue != "" {
			h["x-odps-user-agent"] = strings.Split(odpsValue, ",")
		}
		r := &Request{Method: method, Path: path, RawQuery: rawQuery, Header: h}
		_ = Detect(r)
		s, err := Parse(r, prefix)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" || statusOf[e.Code] != e.Status {
				t.Fatalf("Parse error %#v", err)
			}
			// The prefix is the server's, not the client's: it may be quoted
			// in full, twice.
			if len(e.Message) > 1024+2*len(prefix) {
				t.Fatalf("message of %d bytes", len(e.Message))
			}
			return
		}
		if s.AccessKeyID == "" || s.Date.IsZero() || s.Version != V2 && s.Version != V4 || s.signature == "" {
			t.Fatalf("Parse accepted %+v", s)
		}
		if s.Path != "" && s.Path[0] != '/' || strings.Contains(s.Path, "?") {
			t.Fatalf("path %q", s.Path)
		}
		if s.Version == V4 && (s.Scope.Date == "" || s.Scope.Region == "" || s.Scope.Corporation == "") {
			t.Fatalf("v4 without a scope: %+v", s)
		}
		if err := s.CheckTime(testNow, DefaultSkew); err != nil && code(err) != CodeRequestTimeTooSkewed {
			t.Fatalf("CheckTime: %v", err)
		}
		if err := s.Verify("testsecret"); err != nil && code(err) != CodeSignatureNotMatch {
			t.Fatalf("Verify: %v", err)
		}
	})
}

// FuzzSignVerify signs requests built from arbitrary parts and checks the
// round trip: whenever signing succeeds, Parse accepts the request, the
// signing secret verifies it, a wrong secret never does, and it is in the
// time window.
func FuzzSignVerify(f *testing.F) {
	f.Add("GET", "/projects/p1/tables/t1", "curr_project=p1&extended=", "/odps/api", "s3cr3t", "", "", "nightly", "cn-hangzhou", "", false)
	f.Add("POST", "/projects/p1/instances", "tryWait", "", "x", "CAIS+/=", "application/xml", "a,b", "cn-shanghai", "apsara", true)
	f.Add("PUT", "/a%20b/c+d", "a=%E4%B8%AD&b=+&c=%2B", "/", "\xff", "t", "", "", "r", "z9", true)
	f.Add("DELETE", "", "x=1&x=2", "api/", "k", "", "text/plain", "\n", "", "", false)
	f.Fuzz(func(t *testing.T, method, path, rawQuery, prefix, secret, token, ctype, odpsValue, region, corp string, v4 bool) {
		if secret == "" {
			secret = "s"
		}
		creds := Credentials{AccessKeyID: "LTAI5tFuzzKey", AccessKeySecret: secret, SecurityToken: token}
		h := map[string][]string{}
		if ctype != "" {
			h["Content-Type"] = []string{ctype}
		}
		if odpsValue != "" {
			h["X-Odps-Comment"] = strings.Split(odpsValue, ",")
		}
		r := &Request{Method: method, Path: cleanPrefix(prefix) + path, RawQuery: rawQuery, Header: h}
		now := testNow
		var err error
		if v4 {
			if corp == "" {
				corp = DefaultCorporation
			}
			err = signRequest(r, prefix, creds, V4, Scope{Date: now.Format(ScopeDateFormat), Region: region, Corporation: corp}, now)
		} else {
			err = SignV2(r, prefix, creds, now)
		}
		if err != nil {
			return // the parts themselves are refused (a bad path, query or region)
		}
		s, perr := Parse(r, prefix)
		if perr != nil {
			t.Fatalf("Parse of a signed request: %v\n%+v", perr, r)
		}
		if err := s.Verify(secret); err != nil {
			t.Fatalf("Verify with the signing secret: %v\n%+v", err, r)
		}
		if err := s.Verify(secret + "x"); code(err) != CodeSignatureNotMatch {
			t.Fatalf("Verify with a wrong secret: %v", err)
		}
		if err := s.CheckTime(now.Add(time.Minute), 0); err != nil {
			t.Fatalf("CheckTime: %v", err)
		}
		equals(t, s.SecurityToken, strings.TrimSpace(token))
	})
}
