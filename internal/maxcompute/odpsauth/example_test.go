package odpsauth_test

import (
	"fmt"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
)

// A client with STS credentials signs a request for a table, as the Go SDK
// does for an endpoint http://127.0.0.1:8080/odps/api, and the server
// authenticates it. pyodps (accounts.StsAccount.sign_request) makes the
// same Authorization header for this request.
func Example() {
	now := time.Date(2026, 11, 26, 22, 8, 51, 0, time.UTC)
	creds := odpsauth.Credentials{AccessKeyID: "STS.NExampleKey", AccessKeySecret: "example-secret", SecurityToken: "CAIS-example-token"}
	req := &odpsauth.Request{
		Method:   "GET",
		Path:     "/odps/api/projects/sales/tables/orders",
		RawQuery: "curr_project=sales&extended=",
		Header:   map[string][]string{"X-Odps-User-Agent": {"example"}},
	}
	if err := odpsauth.SignV4(req, "/odps/api", creds, "cn-hangzhou", now); err != nil {
		panic(err)
	}
	fmt.Println(req.Header["Authorization"][0])

	s, err := odpsauth.Authenticate(req, "/odps/api", now.Add(2*time.Second), func(s *odpsauth.Signed) (string, error) {
		if s.AccessKeyID != creds.AccessKeyID || s.SecurityToken != creds.SecurityToken {
			return "", odpsauth.AccessKeyNotFound(s.AccessKeyID)
		}
		return creds.AccessKeySecret, nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Version, s.AccessKeyID, s.Scope.Region, s.Path, s.Query.Get("curr_project"))

	// The same request with a wrong secret.
	_, err = odpsauth.Authenticate(req, "/odps/api", now, func(*odpsauth.Signed) (string, error) { return "wrong", nil })
	fmt.Println(err.(*odpsauth.Error).Code, err.(*odpsauth.Error).Status)
	// Output:
	// ODPS STS.NExampleKey/20261126/cn-hangzhou/odps/aliyun_v4_request:HDBETEg4wEA/wHewocTCMcjwjq8=
	// v4 STS.NExampleKey cn-hangzhou /projects/sales/tables/orders sales
	// SignatureNotMatch 403
}
