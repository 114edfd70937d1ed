package odpsauth

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/headerindex"
)

func TestRoundTrip(t *testing.T) {
	type variant struct {
		name      string
		make      func() *Request
		path      string
		query     url.Values
		wantQuery string // canonical resource's query, "" for none
	}
	get := func(q string) func() *Request {
		return func() *Request { r := getTable(); r.RawQuery = q; return r }
	}
	variants := []variant{
		{"GET extended", getTable, "/projects/p1/tables/t1", url.Values{"curr_project": {"p1"}, "extended": {""}}, "?curr_project=p1&extended"},
		{"GET partitions bare flag", get("partitions&curr_project=p1&expectmarker=true"), "/projects/p1/tables/t1",
			url.Values{"curr_project": {"p1"}, "partitions": {""}, "expectmarker": {"true"}}, "?curr_project=p1&expectmarker=true&partitions"},
		{"GET curr_project only", get("curr_project=p"), "/projects/p1/tables/t1", url.Values{"curr_project": {"p"}}, "?curr_project=p"},
		{"GET no query", get(""), "/projects/p1/tables/t1", url.Values{}, ""},
		{"GET encoded values", get("partition=pt%3D%272026+01%2F02%27&name=a%2Bb"), "/projects/p1/tables/t1",
			url.Values{"partition": {"pt='2026 01/02'"}, "name": {"a+b"}}, "?name=a+b&partition=pt='2026 01/02'"},
		{"POST instance tryWait", postInstance, "/projects/p1/instances", url.Values{"curr_project": {"p1"}, "tryWait": {""}}, "?curr_project=p1&tryWait"},
		{"GET endpoint root", func() *Request { r := getTable(); r.Path = testPrefix; r.RawQuery = ""; return r }, "", url.Values{}, ""},
		{"GET escaped path", func() *Request { r := getTable(); r.Path = testPrefix + "/projects/p1/tables/t%201"; return r },
			"/projects/p1/tables/t 1", url.Values{"curr_project": {"p1"}, "extended": {""}}, "?curr_project=p1&extended"},
	}
	for _, v := range variants {
		for _, creds := range []Credentials{testCreds, stsCreds} {
			for _, version := range []Version{V2, V4} {
				t.Run(v.name+" "+version.String()+" "+creds.AccessKeyID, func(t *testing.T) {
					r := v.make()
					var s *Signed
					if version == V2 {
						s = mustVerify(t, signedV2(t, r, creds), creds.AccessKeySecret)
						if !strings.HasPrefix(r.Header["Authorization"][0], "ODPS "+creds.AccessKeyID+":") {
							t.Fatalf("Authorization %q", r.Header["Authorization"][0])
						}
					} else {
						s = mustVerify(t, signedV4(t, r, creds), creds.AccessKeySecret)
						if !strings.HasPrefix(r.Header["Authorization"][0], "ODPS "+creds.AccessKeyID+"/20261126/cn-hangzhou/odps/aliyun_v4_request:") {
							t.Fatalf("Authorization %q", r.Header["Authorization"][0])
						}
						equals(t, s.Scope, Scope{Date: "20261126", Region: "cn-hangzhou", Corporation: "aliyun"})
					}
					equals(t, s.Version, version)
					equals(t, s.AccessKeyID, creds.AccessKeyID)
					equals(t, s.SecurityToken, creds.SecurityToken)
					equals(t, s.Date, testNow)
					equals(t, s.Path, v.path)
					equals(t, s.Query.Encode(), v.query.Encode())
					if !strings.HasSuffix(s.stringToSign, "\n"+v.path+v.wantQuery) {
						t.Fatalf("string to sign %q does not end with the resource %q", s.stringToSign, v.path+v.wantQuery)
					}
					if creds.SecurityToken != "" {
						equals(t, r.Header["Authorization-Sts-Token"][0], creds.SecurityToken)
					} else if _, has := r.Header["Authorization-Sts-Token"]; has {
						t.Fatal("authorization-sts-token sent without STS credentials")
					}
					wantError(t, s.Verify(creds.AccessKeySecret+"x"), CodeSignatureNotMatch, MessageContain+s.stringToSign)
				})
			}
		}
	}
}

func TestResigningReplacesHeaders(t *testing.T) {
	// Signing again, with other credentials and in another case, leaves one
	// Date, one Authorization and no stale token.
	r := signedV2(t, getTable(), stsCreds)
	r.Header["date"] = []string{"Mon, 02 Jan 2006 15:04:05 GMT"}
	r.Header["authorization"] = []string{"ODPS x:y"}
	ok(t, SignV4(r, testPrefix, testCreds, "cn-shanghai", testNow.Add(time.Minute)))
	h := indexHeader(r.Header)
	equals(t, len(h["date"]), 1)
	equals(t, len(h["authorization"]), 1)
	equals(t, len(h[headerSTSToken]), 0)
	s, err := Parse(r, testPrefix)
	ok(t, err)
	ok(t, s.Verify(testCreds.AccessKeySecret))
	equals(t, s.Date, testNow.Add(time.Minute))
	equals(t, s.Scope.Region, "cn-shanghai")
}

func TestPrefix(t *testing.T) {
	r := signedV2(t, getTable(), testCreds)
	// The prefix is normalized: a trailing "/" and a missing leading "/"
	// make no difference.
	for _, p := range []string{"/odps/api", "/odps/api/", "odps/api", "odps/api//"} {
		s, err := Parse(r, p)
		ok(t, err)
		ok(t, s.Verify(testCreds.AccessKeySecret))
		equals(t, s.Path, "/projects/p1/tables/t1")
	}
	// A shorter prefix leaves part of the endpoint's path in the resource.
	for _, p := range []string{"/odps", "", "/"} {
		s, err := Parse(r, p)
		ok(t, err)
		wantError(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureNotMatch, "")
	}
	// Paths outside the prefix are refused, on whole segments.
	for _, p := range []string{"/projects/p1/tables/t1", "/odps/apix/projects/p1", "/odps", "/ODPS/api/projects/p1", "/odps/ap%69/projects/p1"} {
		bad := cloneRequest(r)
		bad.Path = p
		_, err := Parse(bad, testPrefix)
		wantError(t, err, CodeInvalidArgument, "is not under the ODPS endpoint path /odps/api; set the client's endpoint to http(s)://<host>:<port>/odps/api.")
	}
	// Signing refuses them too.
	bad := getTable()
	bad.Path = "/projects/p1"
	if err := SignV2(bad, testPrefix, testCreds, testNow); err == nil || !strings.Contains(err.Error(), "not under the ODPS endpoint path") {
		t.Fatalf("SignV2 outside the prefix: %v", err)
	}
}

func TestTrailingSlashEndpoint(t *testing.T) {
	// A Go SDK client with endpoint http://host/odps/api/ sends
	// /odps/api/projects/... and signs "projects/..." (no leading "/").
	r := getTable()
	ok(t, SignV2(r, testPrefix+"/", testCreds, testNow)) // this signer normalizes the prefix
	s, err := Parse(r, testPrefix)
	ok(t, err)
	key, _ := signingKey(V2, Scope{}, testCreds.AccessKeySecret)
	r.Header["Authorization"] = []string{"ODPS " + testCreds.AccessKeyID + ":" + sign(key, strings.Replace(s.stringToSign, "\n/projects", "\nprojects", 1))}
	mustVerify(t, r, testCreds.AccessKeySecret)
	// ... and the endpoint itself ("" instead of "/").
	root := getTable()
	root.Path, root.RawQuery = testPrefix+"/", ""
	ok(t, SignV2(root, testPrefix, testCreds, testNow))
	s, err = Parse(root, testPrefix)
	ok(t, err)
	equals(t, strings.HasSuffix(s.stringToSign, "\n/"), true)
	root.Header["Authorization"] = []string{"ODPS " + testCreds.AccessKeyID + ":" + sign(key, strings.TrimSuffix(s.stringToSign, "/"))}
	mustVerify(t, root, testCreds.AccessKeySecret)
	// Any other resource is still refused.
	root.Header["Authorization"] = []string{"ODPS " + testCreds.AccessKeyID + ":" + sign(key, strings.TrimSuffix(s.stringToSign, "/")+"x")}
	s, err = Parse(root, testPrefix)
	ok(t, err)
	wantError(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureNotMatch, "")
}

// TestTampering changes one part of a signed request at a time: every
// signed part breaks the signature; what the protocol does not sign, or
// writes the same way, does not.
func TestTampering(t *testing.T) {
	type edit struct {
		name string
		f    func(*Request)
	}
	setH := func(name string, vs ...string) func(*Request) {
		return func(r *Request) {
			headerindex.Set(r.Header, name, "")
			if len(vs) > 0 {
				r.Header[name] = vs
			}
		}
	}
	replaceAuth := func(old, new string) func(*Request) {
		return func(r *Request) {
			r.Header["Authorization"][0] = strings.Replace(r.Header["Authorization"][0], old, new, 1)
		}
	}
	breaks := []edit{
		{"method", func(r *Request) { r.Method = "PUT" }},
		{"method case", func(r *Request) { r.Method = strings.ToLower(r.Method) }},
		{"Content-MD5 changed", setH("Content-Md5", "XrY7u+Ae7tCTyyK7j1rNww==")},
		{"Content-MD5 removed", setH("Content-Md5")},
		{"Content-Type changed", setH("Content-Type", "application/json")},
		{"Content-Type removed", setH("Content-Type")},
		{"Date changed", setH("Date", "Thu, 26 Nov 2026 22:08:52 GMT")},
		{"x-odps header changed", setH("X-Odps-User-Agent", "evil")},
		{"x-odps header removed", setH("X-Odps-User-Agent")},
		{"x-odps header added", setH("X-Odps-Owner", "ALIYUN$1")},
		{"x-odps header values reordered", setH("X-Odps-Comment", "job", "nightly")},
		{"x-odps header values merged", setH("X-Odps-Comment", "nightly, job")},
		{"x-odps header value added", setH("X-Odps-Comment", "nightly", "job", "x")},
		{"path", func(r *Request) { r.Path = testPrefix + "/projects/p2/instances" }},
		{"path trailing slash", func(r *Request) { r.Path += "/" }},
		{"path decoded differently", func(r *Request) { r.Path = testPrefix + "/projects/p1/instance%73%2F" }},
		{"query value", func(r *Request) { r.RawQuery = "curr_project=p2&tryWait=" }},
		{"query flag removed", func(r *Request) { r.RawQuery = "curr_project=p1" }},
		{"query param added", func(r *Request) { r.RawQuery += "&extended" }},
		{"query flag given a value", func(r *Request) { r.RawQuery = "curr_project=p1&tryWait=1" }},
		{"query emptied", func(r *Request) { r.RawQuery = "" }},
	}
	still := []edit{
		{"header name case", func(r *Request) {
			r.Header["x-odps-user-agent"] = r.Header["X-Odps-User-Agent"]
			delete(r.Header, "X-Odps-User-Agent")
		}},
		{"unsigned header", setH("User-Agent", "other")},
		{"query order", func(r *Request) { r.RawQuery = "tryWait&curr_project=p1" }},
		{"query encoding", func(r *Request) { r.RawQuery = "curr%5Fproject=%70%31&tryWait=" }},
		{"path encoding", func(r *Request) { r.Path = testPrefix + "/projects/%701/instances" }},
		// Not signed by the protocol: the secret lookup binds the token to
		// the AccessKeyId.
		{"STS token", setH("Authorization-Sts-Token", "other-token")},
		// The AccessKeyId is not in the string to sign either: it selects
		// the secret, and another id has another secret.
		{"AccessKeyId", replaceAuth(testCreds.AccessKeyID, "LTAI5tTestAccessKey0002")},
	}
	for _, version := range []Version{V2, V4} {
		sig := func() *Request {
			if version == V2 {
				return signedV2(t, postInstance(), testCreds)
			}
			return signedV4(t, postInstance(), testCreds)
		}
		cases := breaks
		if version == V4 {
			cases = append(cases[:len(cases):len(cases)],
				edit{"scope date", replaceAuth("/20261126/", "/20261127/")},
				edit{"scope region", replaceAuth("/cn-hangzhou/", "/cn-shanghai/")},
				edit{"scope corporation", replaceAuth("/aliyun_v4_request", "/apsara_v4_request")},
			)
		}
		for _, e := range cases {
			t.Run(version.String()+" breaks "+e.name, func(t *testing.T) {
				r := sig()
				mustVerify(t, r, testCreds.AccessKeySecret)
				e.f(r)
				s, err := Parse(r, testPrefix)
				ok(t, err)
				wantError(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureNotMatch, MessageContain+s.stringToSign)
			})
		}
		for _, e := range still {
			t.Run(version.String()+" keeps "+e.name, func(t *testing.T) {
				r := sig()
				e.f(r)
				mustVerify(t, r, testCreds.AccessKeySecret)
			})
		}
		// Every single-character change of the signature breaks it.
		t.Run(version.String()+" signature bits", func(t *testing.T) {
			r := sig()
			a := r.Header["Authorization"][0]
			i := strings.LastIndexByte(a, ':') + 1
			for j := i; j < len(a)-1; j++ { // the last character is "="
				for _, c := range []byte{'A', 'g', '/'} {
					if a[j] == c {
						continue
					}
					b := []byte(a)
					b[j] = c
					r.Header["Authorization"][0] = string(b)
					s, err := Parse(r, testPrefix)
					if err != nil {
						wantError(t, err, CodeUnauthorized, "not a base64-encoded HMAC-SHA1")
						continue
					}
					wantError(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureNotMatch, "")
				}
			}
		})
	}
}

func TestScopeDate(t *testing.T) {
	// The scope date may be the Date header's day or the day before or
	// after, not further.
	for _, tc := range []struct {
		date string
		ok   bool
	}{
		{"20261125", true}, {"20261126", true}, {"20261127", true},
		{"20261124", false}, {"20261128", false}, {"20251126", false},
	} {
		r := postInstance()
		ok(t, signRequest(r, testPrefix, testCreds, V4, Scope{Date: tc.date, Region: "cn-hangzhou", Corporation: "aliyun"}, testNow))
		s, err := Parse(r, testPrefix)
		if !tc.ok {
			wantError(t, err, CodeUnauthorized, "The v4 credential scope date "+tc.date+" is not the day of the Date header (20261126, UTC)")
			continue
		}
		ok(t, err)
		ok(t, s.Verify(testCreds.AccessKeySecret))
	}
	// Just before midnight, the next day's scope is fine.
	r := postInstance()
	late := time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC)
	ok(t, signRequest(r, testPrefix, testCreds, V4, Scope{Date: "20261127", Region: "cn-hangzhou", Corporation: "aliyun"}, late))
	s, err := Parse(r, testPrefix)
	ok(t, err)
	ok(t, s.CheckTime(late.Add(time.Second), 0))
	ok(t, s.Verify(testCreds.AccessKeySecret))
}

func TestCorporation(t *testing.T) {
	for _, corp := range []string{"aliyun", "apsara", "x", "corp2024"} {
		r := getTable()
		ok(t, signRequest(r, testPrefix, stsCreds, V4, Scope{Date: "20261126", Region: "cn-beijing", Corporation: corp}, testNow))
		if !strings.Contains(r.Header["Authorization"][0], "/cn-beijing/odps/"+corp+"_v4_request:") {
			t.Fatalf("Authorization %q", r.Header["Authorization"][0])
		}
		s := mustVerify(t, r, stsCreds.AccessKeySecret)
		equals(t, s.Scope.Corporation, corp)
		// The key depends on the corporation: the same signature under
		// another one does not verify.
		other := cloneRequest(r)
		other.Header["Authorization"][0] = strings.Replace(r.Header["Authorization"][0], "/"+corp+"_v4_request", "/zz_v4_request", 1)
		s, err := Parse(other, testPrefix)
		ok(t, err)
		wantError(t, s.Verify(stsCreds.AccessKeySecret), CodeSignatureNotMatch, "")
	}
}

func TestCheckTime(t *testing.T) {
	r := signedV2(t, getTable(), testCreds)
	s, err := Parse(r, testPrefix)
	ok(t, err)
	for _, d := range []time.Duration{0, time.Second, -time.Second, DefaultSkew, -DefaultSkew} {
		ok(t, s.CheckTime(testNow.Add(d), 0))
		ok(t, s.CheckTime(testNow.Add(d), DefaultSkew))
	}
	for _, d := range []time.Duration{DefaultSkew + time.Second, -DefaultSkew - time.Second, 3 * time.Hour, -48 * time.Hour} {
		wantError(t, s.CheckTime(testNow.Add(d), 0), CodeRequestTimeTooSkewed, "ODPS-0410031:Authentication request expired - the expire time interval  exceeds the max limitation: 900000, max_interval_date:900000,")
	}
	// A custom skew.
	ok(t, s.CheckTime(testNow.Add(time.Minute), time.Minute))
	e := wantError(t, s.CheckTime(testNow.Add(61*time.Second), time.Minute), CodeRequestTimeTooSkewed, "max_interval_date:60000,")

	// The message parses as pyodps parses it (errors.RequestTimeTooSkewed):
	// split on ",", then each part on its first ":".
	e = wantError(t, s.CheckTime(testNow.Add(3*time.Hour+500*time.Millisecond), 0), CodeRequestTimeTooSkewed, "")
	fields := map[string]string{}
	for _, part := range strings.Split(e.Message, ",") {
		k, v, found := strings.Cut(part, ":")
		if !found {
			t.Fatalf("part %q has no \":\" (pyodps would fail to parse %q)", part, e.Message)
		}
		fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	equals(t, fields["max_interval_date"], "900000")
	equals(t, fields["expire_date"], "2026-11-26T22:08:51.000Z")
	equals(t, fields["now_date"], "2026-11-27T01:08:51.500Z")
	for _, k := range []string{"expire_date", "now_date"} {
		if _, err := time.Parse(skewTime, fields[k]); err != nil {
			t.Fatalf("%s %q: %v", k, fields[k], err)
		}
	}
	equals(t, fields["hint"], "the request Date is 3h0m1s behind the server's clock; set the client's clock right (NTP) and send the request again")
	e = wantError(t, s.CheckTime(testNow.Add(-time.Hour), 0), CodeRequestTimeTooSkewed, "the request Date is 1h0m0s ahead of the server's clock")
}

func TestAuthenticate(t *testing.T) {
	r := signedV4(t, postInstance(), stsCreds)
	calls := 0
	lookup := func(s *Signed) (string, error) {
		calls++
		if s.AccessKeyID != stsCreds.AccessKeyID || s.SecurityToken != stsCreds.SecurityToken {
			return "", AccessKeyNotFound(s.AccessKeyID)
		}
		return stsCreds.AccessKeySecret, nil
	}
	s, err := Authenticate(r, testPrefix, testNow, lookup)
	ok(t, err)
	equals(t, s.AccessKeyID, stsCreds.AccessKeyID)
	equals(t, s.Path, "/projects/p1/instances")
	equals(t, calls, 1)

	// The lookup's error comes back unchanged.
	other := cloneRequest(r)
	headerindex.Set(other.Header, headerSTSToken, "another")
	_, err = Authenticate(other, testPrefix, testNow, lookup)
	e := wantError(t, err, CodeAccessKeyIDNotFound, "ODPS-0410051:Invalid credentials - accessKeyId not found: STS.NTestSessionKey")
	equals(t, e.Message, "ODPS-0410051:Invalid credentials - accessKeyId not found: STS.NTestSessionKey")

	// A wrong secret.
	_, err = Authenticate(r, testPrefix, testNow, func(*Signed) (string, error) { return "wrong", nil })
	wantError(t, err, CodeSignatureNotMatch, "")

	// The lookup is not called for a request that does not parse or is out
	// of the window.
	calls = 0
	_, err = Authenticate(&Request{Method: "GET", Path: testPrefix}, testPrefix, testNow, lookup)
	wantError(t, err, CodeAuthorizationRequired, "")
	_, err = Authenticate(r, testPrefix, testNow.Add(time.Hour), lookup)
	wantError(t, err, CodeRequestTimeTooSkewed, "")
	equals(t, calls, 0)
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		h    map[string][]string
		want bool
	}{
		{nil, false},
		{map[string][]string{"Authorization": {"ODPS a:b"}}, true},
		{map[string][]string{"authorization": {"  ODPS a/b/c/odps/aliyun_v4_request:x"}}, true},
		{map[string][]string{"Authorization": {"ACS3-HMAC-SHA256 Credential=x"}}, false},
		{map[string][]string{"Authorization": {"odps a:b"}}, false},
		{map[string][]string{"Authorization": {"Bearer x", "ODPS a:b"}}, true},
		{map[string][]string{"X-Odps-Bearer-Token": {"t"}}, true},
		{map[string][]string{"Application-Authentication": {"account_provider:aliyun"}}, true},
		{map[string][]string{"Sts-Authentication": {"x"}}, true},
		{map[string][]string{"X-Odps-User-Agent": {"x"}}, false},
	} {
		equals(t, Detect(&Request{Header: tc.h}), tc.want)
	}
	equals(t, Detect(signedV2(t, getTable(), testCreds)), true)
}

func TestCredentialsRedacted(t *testing.T) {
	for _, s := range []string{stsCreds.String(), stsCreds.GoString()} {
		if strings.Contains(s, stsCreds.AccessKeySecret) || strings.Contains(s, stsCreds.SecurityToken) || !strings.Contains(s, stsCreds.AccessKeyID) {
			t.Fatalf("Credentials print as %q", s)
		}
	}
	equals(t, testCreds.String(), "AccessKey LTAI5tTestAccessKey0001 (secret redacted)")
}

func TestSignErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func() error
		msg  string
	}{
		{"no secret", func() error { return SignV2(getTable(), testPrefix, Credentials{AccessKeyID: "a"}, testNow) }, "needs an AccessKeySecret"},
		{"no id", func() error { return SignV2(getTable(), testPrefix, Credentials{AccessKeySecret: "s"}, testNow) }, "has no AccessKeyId"},
		{"bad id", func() error {
			return SignV2(getTable(), testPrefix, Credentials{AccessKeyID: "a:b", AccessKeySecret: "s"}, testNow)
		}, "is not an AccessKeyId"},
		{"no region", func() error { return SignV4(getTable(), testPrefix, testCreds, "", testNow) }, "region"},
		{"bad region", func() error { return SignV4(getTable(), testPrefix, testCreds, "cn/hangzhou", testNow) }, "region"},
		{"year 10000", func() error {
			return SignV4(getTable(), testPrefix, testCreds, "cn-hangzhou", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "yyyymmdd"},
		{"duplicate query", func() error {
			r := getTable()
			r.RawQuery += "&extended"
			return SignV2(r, testPrefix, testCreds, testNow)
		}, "given more than once"},
		{"bearer header", func() error {
			r := getTable()
			r.Header["X-Odps-Bearer-Token"] = []string{"t"}
			return SignV2(r, testPrefix, testCreds, testNow)
		}, "bearer tokens are not supported"},
		{"two content types", func() error {
			r := postInstance()
			r.Header["content-type"] = []string{"text/plain"}
			return SignV2(r, testPrefix, testCreds, testNow)
		}, "content-type is given more than once"},
	} {
		err := tc.f()
		if err == nil || !strings.HasPrefix(err.Error(), "odpsauth: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an odpsauth error with %q", tc.name, err, tc.msg)
		}
	}
	// A nil header map is created.
	r := &Request{Method: "GET", Path: testPrefix + "/projects"}
	ok(t, SignV2(r, testPrefix, testCreds, testNow))
	mustVerify(t, r, testCreds.AccessKeySecret)
}
