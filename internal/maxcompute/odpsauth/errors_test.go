package odpsauth

import (
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/headerindex"
)

func TestParseErrors(t *testing.T) {
	const sig = "hKMZYscbyB+FXm2uO9C4XTM6ct4="
	type errCase struct {
		name string
		edit func(*Request)
		code string
		msg  string // a substring of the message
	}
	auth := func(v ...string) func(*Request) {
		return func(r *Request) { headerindex.Set(r.Header, "Authorization", ""); r.Header["Authorization"] = v }
	}
	setH := func(name string, vs ...string) func(*Request) {
		return func(r *Request) {
			headerindex.Set(r.Header, name, "")
			if len(vs) > 0 {
				r.Header[name] = vs
			}
		}
	}
	addH := func(name, v string) func(*Request) {
		return func(r *Request) { r.Header[name] = append(r.Header[name], v) }
	}
	const v4 = "ODPS testid/20260126/cn-hangzhou/odps/aliyun_v4_request:" + sig
	v4With := func(old, new string) func(*Request) { return auth(strings.Replace(v4, old, new, 1)) }
	const invalid = "The request authorization header is invalid or missing. "
	cases := []errCase{
		// The Authorization header.
		{"no Authorization", setH("Authorization"), CodeAuthorizationRequired,
			invalid + "The request has no Authorization header; sign it with an AccessKey or STS credentials: Authorization: ODPS <AccessKeyId>:<signature>."},
		{"empty header list", auth(), CodeAuthorizationRequired, ""},
		{"two Authorization headers", auth("ODPS testid:"+sig, "ODPS testid:"+sig), CodeUnauthorized, invalid + "The Authorization header is given more than once"},
		{"two spellings", func(r *Request) { r.Header["authorization"] = r.Header["Authorization"] }, CodeUnauthorized, "more than once"},
		{"other scheme", auth("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=00"), CodeUnauthorized,
			invalid + `The Authorization scheme is "ACS3-HMAC-SHA256"; ODPS requests are signed as ODPS <AccessKeyId>:<signature>.`},
		{"bearer scheme", auth("Bearer abc"), CodeUnauthorized, `scheme is "Bearer"`},
		{"lower-case scheme", auth("odps testid:" + sig), CodeUnauthorized, `scheme is "odps"`},
		{"empty", auth(""), CodeUnauthorized, `scheme is ""`},
		{"scheme only", auth("ODPS"), CodeUnauthorized, `scheme is "ODPS"`},
		{"no colon", auth("ODPS testid" + sig), CodeUnauthorized, `no ":" before the signature`},
		{"signature not base64", auth("ODPS testid:not base64!"), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"signature too short", auth("ODPS testid:AAAA"), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"signature SHA-256", auth("ODPS testid:" + strings.Repeat("A", 43) + "="), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"signature unpadded", auth("ODPS testid:" + strings.TrimSuffix(sig, "=")), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"signature non-canonical", auth("ODPS testid:hKMZYscbyB+FXm2uO9C4XTM6ct5="), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"signature empty", auth("ODPS testid:"), CodeUnauthorized, "not a base64-encoded HMAC-SHA1"},
		{"no AccessKeyId", auth("ODPS :" + sig), CodeUnauthorized, invalid + "The Authorization header has no AccessKeyId."},
		{"AccessKeyId with space", auth("ODPS test id:" + sig), CodeUnauthorized, `The AccessKeyId "test id" is not an AccessKeyId`},
		{"AccessKeyId with colon", auth("ODPS a:b:" + sig), CodeUnauthorized, `The AccessKeyId "a:b" is not an AccessKeyId`},
		{"AccessKeyId too long", auth("ODPS " + strings.Repeat("a", 129) + ":" + sig), CodeUnauthorized, "up to 128 letters"},
		{"v4 AccessKeyId empty", v4With("testid/", "/"), CodeUnauthorized, "has no AccessKeyId"},
		{"v4 four parts", v4With("/odps/", "/"), CodeUnauthorized, `v4 credential "testid/20260126/cn-hangzhou/aliyun_v4_request" is not <AccessKeyId>/<yyyymmdd>/<region>/odps/<corporation>_v4_request.`},
		{"v4 six parts", v4With("/odps/", "/odps/x/"), CodeUnauthorized, "is not <AccessKeyId>/<yyyymmdd>"},
		{"v4 short date", v4With("20260126", "2026012"), CodeUnauthorized, `The v4 credential scope date "2026012" is not a date written yyyymmdd.`},
		{"v4 bad date", v4With("20260126", "20261301"), CodeUnauthorized, "is not a date written yyyymmdd"},
		{"v4 dashed date", v4With("20260126", "2026-01-26"), CodeUnauthorized, "is not a date written yyyymmdd"},
		{"v4 no region", v4With("cn-hangzhou", ""), CodeUnauthorized, `The v4 credential scope region "" is not a region id such as cn-hangzhou.`},
		{"v4 region with space", v4With("cn-hangzhou", "cn hangzhou"), CodeUnauthorized, "is not a region id"},
		{"v4 region too long", v4With("cn-hangzhou", strings.Repeat("r", 65)), CodeUnauthorized, "is not a region id"},
		{"v4 service", v4With("/odps/", "/oss/"), CodeUnauthorized, `The v4 credential scope service is "oss"; it must be odps.`},
		{"v4 term", v4With("aliyun_v4_request", "aliyun_request"), CodeUnauthorized,
			`The v4 credential scope ends with "aliyun_request"; it must be <corporation>_v4_request, the corporation in lower-case letters and digits (aliyun_v4_request by default).`},
		{"v4 upper-case corporation", v4With("aliyun_v4", "Aliyun_v4"), CodeUnauthorized, "must be <corporation>_v4_request"},
		{"v4 no corporation", v4With("aliyun_v4", "_v4"), CodeUnauthorized, "must be <corporation>_v4_request"},
		{"v4 corporation with underscore", v4With("aliyun_v4", "ali_yun_v4"), CodeUnauthorized, "must be <corporation>_v4_request"},
		{"v4 corporation too long", v4With("aliyun_v4", strings.Repeat("a", 33)+"_v4"), CodeUnauthorized, "must be <corporation>_v4_request"},
		{"v4 scope date far from Date", v4With("20260126", "20260101"), CodeUnauthorized,
			"The v4 credential scope date 20260101 is not the day of the Date header (20260126, UTC); sign with the date of the request."},
		// Other schemes.
		{"bearer token", setH("X-Odps-Bearer-Token", "tok"), CodeUnauthorized,
			invalid + "The request carries an x-odps-bearer-token header: bearer tokens are not supported; sign the request with an AccessKey or STS credentials."},
		{"bearer token without Authorization", func(r *Request) { setH("Authorization")(r); r.Header["x-odps-bearer-token"] = []string{"t"} }, CodeUnauthorized, "bearer tokens are not supported"},
		{"application account", setH("Application-Authentication", "account_provider:aliyun,signature_method:hmac-sha1,access_id:a,signature:b"), CodeUnauthorized,
			"The request carries an application-authentication header: application accounts are not supported"},
		{"application STS", setH("Sts-Authentication", "x"), CodeUnauthorized, "sts-authentication header: application accounts are not supported"},
		{"application STS token", setH("Sts-Token", "x"), CodeUnauthorized, "sts-token header: application accounts are not supported"},
		// Date and the other single headers.
		{"no Date", setH("Date"), CodeInvalidArgument, "The Date header is missing; ODPS requests carry it, in RFC 1123 format in GMT (e.g. Mon, 02 Jan 2006 15:04:05 GMT), and sign it."},
		{"empty Date", setH("Date", ""), CodeInvalidArgument, "The Date header is missing"},
		{"two Dates", addH("Date", "Mon, 26 Jan 2026 10:00:00 GMT"), CodeInvalidArgument, "The header date is given more than once; give it once."},
		{"two Content-Types", setH("Content-Type", "a", "b"), CodeInvalidArgument, "The header content-type is given more than once"},
		{"two Content-MD5s", setH("Content-Md5", "a", "b"), CodeInvalidArgument, "The header content-md5 is given more than once"},
		{"two STS tokens", setH("Authorization-Sts-Token", "a", "b"), CodeInvalidArgument, "The header authorization-sts-token is given more than once"},
		// Path.
		{"path outside prefix", func(r *Request) { r.Path = "/projects/p1" }, CodeInvalidArgument,
			`The request path "/projects/p1" is not under the ODPS endpoint path /odps/api; set the client's endpoint to http(s)://<host>:<port>/odps/api.`},
		{"path bad escape", func(r *Request) { r.Path = testPrefix + "/projects/p%zz" }, CodeInvalidArgument, `The request path "/odps/api/projects/p%zz" is not well-formed percent-encoding.`},
		{"path question mark", func(r *Request) { r.Path = testPrefix + "/projects/p%3Fa=1" }, CodeInvalidArgument, `contains "?" or a control character once decoded`},
		{"path newline", func(r *Request) { r.Path = testPrefix + "/projects/p%0A" }, CodeInvalidArgument, `contains "?" or a control character`},
		{"path NUL", func(r *Request) { r.Path = testPrefix + "/projects/p%00" }, CodeInvalidArgument, `contains "?" or a control character`},
		{"path DEL", func(r *Request) { r.Path = testPrefix + "/projects/p\x7f" }, CodeInvalidArgument, `contains "?" or a control character`},
		// Query.
		{"query bad escape", func(r *Request) { r.RawQuery = "a=%zz" }, CodeInvalidArgument, "The query string is not well formed"},
		{"query semicolon", func(r *Request) { r.RawQuery = "a=1;b=2" }, CodeInvalidArgument, "The query string is not well formed"},
		{"query duplicate", func(r *Request) { r.RawQuery = "curr_project=p1&curr_project=p2" }, CodeInvalidArgument, `The query parameter "curr_project" is given more than once; give it once.`},
		{"query duplicate flag", func(r *Request) { r.RawQuery = "extended&extended=" }, CodeInvalidArgument, `"extended" is given more than once`},
		{"query duplicate once decoded", func(r *Request) { r.RawQuery = "a%62=1&ab=2" }, CodeInvalidArgument, `"ab" is given more than once`},
		{"query no name", func(r *Request) { r.RawQuery = "=1" }, CodeInvalidArgument, "The query string has a parameter with no name."},
		{"query & in name", func(r *Request) { r.RawQuery = "a%26b=1" }, CodeInvalidArgument,
			`The query parameter "a&b" has "&" or "=" in its name, or "&" in its value, once decoded; the signature cannot tell such a query from another.`},
		{"query = in name", func(r *Request) { r.RawQuery = "a%3Db=1" }, CodeInvalidArgument, `"a=b" has "&" or "="`},
		{"query & in value", func(r *Request) { r.RawQuery = "a=1%26b%3D2" }, CodeInvalidArgument, `"a" has "&" or "="`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{
				Method:   "GET",
				Path:     testPrefix + "/projects/p1/tables/t1",
				RawQuery: "curr_project=p1&extended=",
				Header: map[string][]string{
					"Authorization": {v4},
					"Date":          {"Mon, 26 Jan 2026 10:00:00 GMT"},
				},
			}
			_, err := Parse(r, testPrefix) // the base request parses
			ok(t, err)
			tc.edit(r)
			_, err = Parse(r, testPrefix)
			e := wantError(t, err, tc.code, tc.msg)
			if strings.Contains(e.Message, sig) {
				t.Fatalf("message repeats the signature: %q", e.Message)
			}
		})
	}
}

func TestDateFormats(t *testing.T) {
	r := signedV2(t, getTable(), testCreds)
	for _, d := range []string{
		"Thu, 26 Nov 2026 22:08:51 UTC",   // time.RFC1123 in UTC
		"Thu, 26 Nov 2026 22:08:51 +0000", // time.RFC1123Z
		"Thursday, 26-Nov-26 22:08:51 GMT",
		"Thu Nov 26 22:08:51 2026",
		"2026-11-26T22:08:51Z",
		"Thu, 26 Nov 2026 22:08:51 gmt",
		"Thu, 6 Nov 2026 22:08:51 GMT",
		" Thu, 26 Nov 2026 22:08:51 GMT",
		"Thu, 26 Nov 2026 24:08:51 GMT",
		"Thu, 26 NOV 2026 22:08:51 GMT",
		"Thu, 26 Nov 2026 2:08:51 GMT",
		"THU, 26 Nov 2026 22:08:51 GMT",
		"Xyz, 26 Nov 2026 22:08:51 GMT",
		"1795644531",
	} {
		bad := cloneRequest(r)
		bad.Header["Date"] = []string{d}
		_, err := Parse(bad, testPrefix)
		wantError(t, err, CodeInvalidArgument, "The Date header "+echo(d)+" is not in RFC 1123 format in GMT, e.g. Mon, 02 Jan 2006 15:04:05 GMT.")
	}
	// The weekday is not checked against the date (the signature covers
	// the text as sent).
	wrongDay := cloneRequest(r)
	wrongDay.Header["Date"] = []string{"Mon, 26 Nov 2026 22:08:51 GMT"}
	s, err := Parse(wrongDay, testPrefix)
	ok(t, err)
	equals(t, s.Date, testNow)
	wantError(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureNotMatch, "\nMon, 26 Nov 2026 22:08:51 GMT\n")
}

func TestErrorMessagesBounded(t *testing.T) {
	long := strings.Repeat("x", 10000)
	r := signedV2(t, getTable(), testCreds)
	for name, edit := range map[string]func(*Request){
		"scheme": func(r *Request) { r.Header["Authorization"] = []string{long + " a:b"} },
		"AccessKeyId": func(r *Request) {
			r.Header["Authorization"] = []string{"ODPS " + long + ":hKMZYscbyB+FXm2uO9C4XTM6ct4="}
		},
		"Date":  func(r *Request) { r.Header["Date"] = []string{long} },
		"path":  func(r *Request) { r.Path = "/" + long },
		"query": func(r *Request) { r.RawQuery = long + "=1&" + long + "=2" },
	} {
		bad := cloneRequest(r)
		edit(bad)
		_, err := Parse(bad, testPrefix)
		if e, isErr := err.(*Error); !isErr || len(e.Message) > 512 || !strings.Contains(e.Message, `xxx"...`) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSignatureNotMatchMessage(t *testing.T) {
	r := signedV2(t, postInstance(), testCreds)
	s, err := Parse(r, testPrefix)
	ok(t, err)
	e := wantError(t, s.Verify("wrong"), CodeSignatureNotMatch, "")
	want := "ODPS-0410042:Invalid signature value - User signature does not match. " +
		"Check the AccessKey secret, and that the client's endpoint is http(s)://<host>:<port>/odps/api; " +
		"if both are right, compare the string your client signed with this one. server string to sign is:" +
		"POST\n1B2M2Y8AsgTpgAmY7PhCfg==\napplication/xml\nThu, 26 Nov 2026 22:08:51 GMT\n" +
		"x-odps-comment:nightly,job\nx-odps-user-agent:odps-go-sdk/0.4.x Go/1.26 (linux; amd64)\n" +
		"/projects/p1/instances?curr_project=p1&tryWait"
	equals(t, e.Message, want)
	equals(t, e.Error(), CodeSignatureNotMatch+": "+want)
	if strings.Contains(e.Message, testCreds.AccessKeySecret) || strings.Contains(e.Message, s.signature) {
		t.Fatal("message has the secret or the signature")
	}
	// Served at the root, the message says "the ODPS endpoint".
	root := &Request{Method: "GET", Path: "/projects"}
	ok(t, SignV2(root, "", testCreds, testNow))
	s, err = Parse(root, "")
	ok(t, err)
	wantError(t, s.Verify("wrong"), CodeSignatureNotMatch, "the client's endpoint is the ODPS endpoint;")

	// A Signed that Parse did not make verifies nothing.
	wantError(t, (&Signed{}).Verify(""), CodeSignatureNotMatch, MessageContain)
	wantError(t, (&Signed{Version: V2}).Verify("x"), CodeSignatureNotMatch, MessageContain)
	equals(t, Version(3).String(), "Version(3)")
}

func TestAccessKeyNotFound(t *testing.T) {
	e := AccessKeyNotFound("LTAI5tNoSuchKey")
	equals(t, e.Code, CodeAccessKeyIDNotFound)
	equals(t, e.Status, 401)
	equals(t, e.Message, "ODPS-0410051:Invalid credentials - accessKeyId not found: LTAI5tNoSuchKey")
	equals(t, len(AccessKeyNotFound(strings.Repeat("a", 1000)).Message) < 200, true)
}
