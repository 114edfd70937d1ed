package odpsrest_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/odpsrest"
)

func TestPipeline(t *testing.T) {
	e := newEnv(t, func(o *odpsrest.Options) { o.MaxBody = 4096 })
	p := "/projects/sale_project"

	t.Run("signatures v2 and v4, with and without STS", func(t *testing.T) {
		e.get(e.keyB, p, "").ok(t, 200)
		e.send(e.keyB, req{method: "GET", path: p, v4: true}).ok(t, 200)
		e.send(e.keyB, req{method: "GET", path: p, query: "curr_project=sale_project"}).ok(t, 200)
		e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
		e.send(e.role, req{method: "GET", path: p, v4: true}).ok(t, 200)
	})
	t.Run("no Authorization", func(t *testing.T) {
		e.send(e.keyB, req{method: "GET", path: p, unsigned: true}).wantError(t, 401, "AuthorizationRequired", "The request authorization header is invalid or missing.")
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := e.keyB
		bad.AccessKeySecret = "wrong"
		e.get(bad, p, "").wantError(t, 403, "SignatureNotMatch", "ODPS-0410042:Invalid signature value")
	})
	t.Run("unknown AccessKeyId", func(t *testing.T) {
		bad := odpsauth.Credentials{AccessKeyID: "LTAI00000000000000000000", AccessKeySecret: "x"}
		e.get(bad, p, "").wantError(t, 401, "AccessKeyIdNotFound", "ODPS-0410051:Invalid credentials - accessKeyId not found: LTAI00000000000000000000")
	})
	t.Run("STS key without its token", func(t *testing.T) {
		bad := e.role
		bad.SecurityToken = ""
		e.get(bad, p, "").wantError(t, 401, "MissingSecurityToken")
	})
	t.Run("a token of other credentials", func(t *testing.T) {
		other := e.assumeRole(e.alice, "other")
		bad := e.role
		bad.SecurityToken = other.SecurityToken
		r := e.get(bad, p, "")
		if r.Status != 401 {
			t.Fatalf("mismatched token: %d %s", r.Status, r.Body)
		}
	})
	t.Run("disabled AccessKey", func(t *testing.T) {
		other := newEnv(t)
		if err := other.iam.UpdateAccessKey(bg, other.a.ID, "alice", other.alice.AccessKeyID, "Inactive"); err != nil {
			t.Fatal(err)
		}
		other.get(other.alice, p, "").wantError(t, 401, "InvalidAccessKeyId.Inactive")
	})
	t.Run("expired STS token", func(t *testing.T) {
		other := newEnv(t)
		other.stsAhead.Store(int64(2 * time.Hour)) // past the default 3,600 s
		other.get(other.role, p, "").wantError(t, 401, "InvalidSecurityToken.Expired")
	})
	t.Run("skewed Date", func(t *testing.T) {
		e.send(e.keyB, req{method: "GET", path: p, at: time.Now().Add(-20 * time.Minute)}).wantError(t, 403, "RequestTimeTooSkewed", "ODPS-0410031")
	})
	t.Run("unknown path and method", func(t *testing.T) {
		r := e.get(e.keyB, p+"/volumes", "")
		r.wantError(t, 404, "NoSuchObject", "docs/maxcompute.md")
		if r.StatusText != "404 Not Found" {
			t.Fatalf("status text %q", r.StatusText)
		}
		e.send(e.keyB, req{method: "DELETE", path: p}).wantError(t, 405, "MethodNotAllowed")
	})
	t.Run("oversized body", func(t *testing.T) {
		big := strings.Repeat("x", 5000)
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: big}).wantError(t, 413, "RequestEntityTooLarge", "larger than the limit of 4096 bytes")
		// Nothing changed: the user list is as before.
		contains(t, e.securityOK(e.keyB, "list users;"), "testRole")
	})
	t.Run("Content-MD5", func(t *testing.T) {
		body := authorizationBody("list users;", false)
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: body, header: map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}}).
			wantError(t, 400, "InvalidArgument", "Content-MD5")
	})
	t.Run("path outside the prefix", func(t *testing.T) {
		// An ODPS-signed request to the server root is refused by the ODPS
		// front end with a hint about the endpoint.
		h := http.Header{}
		sr := &odpsauth.Request{Method: "GET", Path: "/projects/sale_project", Header: h}
		if err := odpsauth.SignV2(sr, "", e.keyB, time.Now()); err != nil {
			t.Fatal(err)
		}
		hr, _ := http.NewRequest("GET", e.srv.URL+"/projects/sale_project", nil)
		hr.Header = http.Header(sr.Header)
		if !e.h.Claims(hr) {
			t.Fatal("an ODPS-signed request is not claimed")
		}
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || !bytes.Contains(body, []byte("InvalidArgument")) {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
	t.Run("the error body", func(t *testing.T) {
		r := e.get(e.keyB, "/projects/nope", "")
		if !strings.HasPrefix(r.Body, xml.Header+"<Error><Code>NoSuchProject</Code><Message>") {
			t.Fatalf("error body: %s", r.Body)
		}
		r.wantError(t, 404, "NoSuchProject", "ODPS-0420111: Project not found - 'nope'.")
	})
}

// TestAudit checks that every request is one audit record, without
// secrets, tokens or signatures.
func TestAudit(t *testing.T) {
	e := newEnv(t)
	e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
	e.get(e.role, "/projects/sale_project", "").ok(t, 200)
	bad := e.keyB
	bad.AccessKeySecret = "wrong"
	e.get(bad, "/projects/sale_project/tables", "")
	if err := e.db.Audit().Flush(bg); err != nil {
		t.Fatal(err)
	}
	recs, err := e.db.Audit().Query(bg, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var api []string
	for _, r := range recs {
		for _, secret := range []string{e.keyB.AccessKeySecret, e.role.AccessKeySecret, e.role.SecurityToken} {
			for _, f := range []string{r.Caller, r.Action, r.Resource, r.Deciding, r.ErrorCode} {
				if strings.Contains(f, secret) {
					t.Fatalf("audit record %+v contains a secret", r)
				}
			}
		}
		if r.Event == "api" {
			api = append(api, r.Action+" "+r.Resource+" "+r.ErrorCode+" "+r.AccessKeyID)
		}
	}
	want := []string{
		"odps:RunSecurityQuery acs:odps:*:projects/sale_project  " + e.keyB.AccessKeyID,
		"odps:GetProject acs:odps:*:projects/sale_project  " + e.role.AccessKeyID,
		"odps:GET  SignatureNotMatch " + e.keyB.AccessKeyID,
	}
	if strings.Join(api, "\n") != strings.Join(want, "\n") {
		t.Fatalf("api records:\n%s\nwant:\n%s", strings.Join(api, "\n"), strings.Join(want, "\n"))
	}
}
