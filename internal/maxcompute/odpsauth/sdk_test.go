package odpsauth

// Requests signed by the official clients and captured by a local HTTP
// server, in testdata/sdk_requests.json. The official Go SDK
// (github.com/aliyun/aliyun-odps-go-sdk) is not served by the module
// proxy this repository builds with, so it cannot be a test dependency as
// the RPC SDKs are in internal/gateway/signature: its restclient, account
// and common packages were built from the source at
// 836c96c25994c3d800e0e533cf77507c2d46ac6d in a scratch module, and
// pyodps (github.com/aliyun/aliyun-odps-python-sdk at
// d4cdf3cf7a8022b278d17b54d5491239753dcbc9) was run from its source, each
// against a local server. Every request is checked with Parse, CheckTime
// and Verify, and re-signed with this package's signer.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type capturedRequest struct {
	Client        string              `json:"client"`
	Name          string              `json:"name"`
	AccessKeyID   string              `json:"access_key_id"`
	Secret        string              `json:"secret"`
	SecurityToken string              `json:"security_token"`
	Region        string              `json:"region"`
	Corporation   string              `json:"corporation"`
	EndpointPath  string              `json:"endpoint_path"`
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	RawQuery      string              `json:"raw_query"`
	Header        map[string][]string `json:"header"`
	Verifies      bool                `json:"verifies"`
}

func loadCaptured(t *testing.T) []capturedRequest {
	t.Helper()
	b, err := os.ReadFile("testdata/sdk_requests.json")
	ok(t, err)
	var doc struct {
		Requests []capturedRequest `json:"requests"`
	}
	ok(t, json.Unmarshal(b, &doc))
	if len(doc.Requests) < 10 {
		t.Fatalf("only %d captured requests", len(doc.Requests))
	}
	return doc.Requests
}

func TestCapturedSDKRequests(t *testing.T) {
	for _, c := range loadCaptured(t) {
		t.Run(c.Client+" "+c.Name, func(t *testing.T) {
			r := &Request{Method: c.Method, Path: c.Path, RawQuery: c.RawQuery, Header: c.Header}
			// The server is configured with the prefix; a client's endpoint
			// may end in "/".
			prefix := strings.TrimRight(c.EndpointPath, "/")
			s, err := Parse(r, prefix)
			ok(t, err)
			equals(t, s.AccessKeyID, c.AccessKeyID)
			equals(t, s.SecurityToken, c.SecurityToken)
			if c.Region != "" {
				corp := c.Corporation
				if corp == "" {
					corp = DefaultCorporation
				}
				equals(t, s.Version, V4)
				equals(t, s.Scope.Region, c.Region)
				equals(t, s.Scope.Corporation, corp)
			} else {
				equals(t, s.Version, V2)
			}
			ok(t, s.CheckTime(s.Date, DefaultSkew))
			wantError(t, s.Verify(c.Secret+"x"), CodeSignatureNotMatch, "")
			if !c.Verifies {
				// pyodps decodes the URL once before splitting the query, so
				// it signs "+" (sent as %2B) as a space (package comment).
				wantError(t, s.Verify(c.Secret), CodeSignatureNotMatch, "marker=a+b")
				key, _ := signingKey(s.Version, s.Scope, c.Secret)
				equals(t, sign(key, strings.Replace(s.stringToSign, "marker=a+b", "marker=a b", 1)), s.signature)
				return
			}
			ok(t, s.Verify(c.Secret))

			// This package's signer makes the same header from the same
			// request, except for the Go SDK's trailing-slash endpoint, whose
			// form it does not produce.
			re := cloneRequest(r)
			creds := Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.Secret, SecurityToken: c.SecurityToken}
			ok(t, signRequest(re, prefix, creds, s.Version, s.Scope, s.Date))
			equals(t, re.Header["Date"][0], r.Header["Date"][0])
			if prefix == c.EndpointPath {
				equals(t, re.Header["Authorization"][0], r.Header["Authorization"][0])
			} else {
				equals(t, s.altStringToSign != "", true)
				mustVerifyAt(t, re, prefix, c.Secret)
			}
		})
	}
}

// TestCapturedOutsidePrefix checks that the captured requests are refused
// when the server's prefix is not the client's endpoint path.
func TestCapturedOutsidePrefix(t *testing.T) {
	for _, c := range loadCaptured(t) {
		r := &Request{Method: c.Method, Path: c.Path, RawQuery: c.RawQuery, Header: c.Header}
		switch prefix := strings.TrimRight(c.EndpointPath, "/"); prefix {
		case "":
			// Signed for the root: under /odps/api it is outside the prefix.
			_, err := Parse(r, "/odps/api")
			wantError(t, err, CodeInvalidArgument, "not under the ODPS endpoint path /odps/api")
		default:
			// Signed for /odps/api, served at the root: it parses, but the
			// string to sign has the prefix in it.
			s, err := Parse(r, "")
			ok(t, err)
			wantError(t, s.Verify(c.Secret), CodeSignatureNotMatch, "\n"+prefix+"/projects")
		}
	}
}

func mustVerifyAt(t *testing.T, r *Request, prefix, secret string) {
	t.Helper()
	s, err := Parse(r, prefix)
	ok(t, err)
	ok(t, s.Verify(secret))
}

// TestGoSDKUnitTestExpectations checks the expectations of the Go SDK's own
// tests of its signer (odps/account/account_test.go at
// 836c96c25994c3d800e0e533cf77507c2d46ac6d: TestGenerateSignatureV2,
// TestBuildCanonicalString, TestBuildCanonicalResource,
// TestCanonicalHeaders), restated as received requests.
func TestGoSDKUnitTestExpectations(t *testing.T) {
	// TestGenerateSignatureV2.
	equals(t, sign([]byte("my-secret-key"), "testdata"), "iAcVTeAghMtN74BeKwFTj/pgFEA=")

	parse := func(t *testing.T, path, rawQuery, prefix string, h map[string][]string) *Signed {
		t.Helper()
		if h == nil {
			h = map[string][]string{}
		}
		h["Authorization"] = []string{"ODPS id:iAcVTeAghMtN74BeKwFTj/pgFEA="}
		if _, has := h["Date"]; !has {
			h["Date"] = []string{"Mon, 01 Jan 2020 00:00:00 GMT"}
		}
		s, err := Parse(&Request{Method: "GET", Path: path, RawQuery: rawQuery, Header: h}, prefix)
		ok(t, err)
		return s
	}
	// TestBuildCanonicalString: the endpoint itself, so an empty resource.
	// (1 January 2020 was a Wednesday: see parseDate.)
	s := parse(t, "/api", "", "/api", map[string][]string{
		"Content-Md5":           {"content-md5"},
		"Content-Type":          {"application/json"},
		"X-Odps-Test-Header":    {"value1", "value2"},
		"X-Odps-Another-Header": {"valueA"},
		"Non-ODPS-Header":       {"ignored"},
	})
	equals(t, s.stringToSign, "GET\ncontent-md5\napplication/json\nMon, 01 Jan 2020 00:00:00 GMT\n"+
		"x-odps-another-header:valueA\nx-odps-test-header:value1,value2\n")
	// TestBuildCanonicalResource.
	const head = "GET\n\n\nMon, 01 Jan 2020 00:00:00 GMT\n"
	equals(t, parse(t, "/api/v1/resource", "", "/api", nil).stringToSign, head+"/v1/resource")
	equals(t, parse(t, "/resource", "action=list&limit=10&orderby=name", "", nil).stringToSign, head+"/resource?action=list&limit=10&orderby=name")
	equals(t, parse(t, "/path", "a=1&b=2&c=", "", nil).stringToSign, head+"/path?a=1&b=2&c")
	// TestCanonicalHeaders.
	s = parse(t, "/p", "", "", map[string][]string{
		"X-Odps-Test":    {"value1", "value2"},
		"X-Odps-Another": {"valueA"},
		"X-Odps-Multi":   {"a", "b", "c"},
		"Ignored-Header": {"value"},
	})
	equals(t, s.stringToSign, head+"x-odps-another:valueA\nx-odps-multi:a,b,c\nx-odps-test:value1,value2\n/p")
}
