package signature

import (
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/headerindex"
)

func TestRoundTripV1(t *testing.T) {
	t.Run("POST query", func(t *testing.T) {
		s := mustVerify(t, rpcV1(t, testCreds), testCreds.AccessKeySecret)
		equals(t, s.Scheme, V1)
		equals(t, s.AccessKeyID, testCreds.AccessKeyID)
		equals(t, s.SecurityToken, "")
		equals(t, s.Action, "GetRole")
		equals(t, s.Version, "2015-05-01")
		equals(t, s.Params.Get("RoleName"), "My Role*~")
		equals(t, s.Timestamp, testNow)
		equals(t, s.Nonce, "b0457edecf4d8348bd00ce00e1034e12")
	})
	t.Run("GET query", func(t *testing.T) {
		r := &Request{Method: "GET", Path: "/", RawQuery: encodeOrdered("Action", "ListRoles", "Version", "2015-05-01", "MaxItems", "5")}
		ok(t, SignV1(r, testCreds, testNow, "n1"))
		s := mustVerify(t, r, testCreds.AccessKeySecret)
		equals(t, s.Params.Get("MaxItems"), "5")
	})
	t.Run("POST form body, STS token", func(t *testing.T) {
		r := formV1(t, stsCreds)
		equals(t, Detect(r), V1)
		s := mustVerify(t, r, stsCreds.AccessKeySecret)
		equals(t, s.SecurityToken, stsCreds.SecurityToken)
		equals(t, s.Params.Get("RoleSessionName"), "alice")
		equals(t, s.Params.Get("Policy"), `{"Version":"1","Statement":[]}`)
		q, _ := url.ParseQuery(r.RawQuery)
		equals(t, q.Has("RoleArn"), false) // stayed in the body
	})
	t.Run("everything in the form body", func(t *testing.T) {
		// Some clients post every parameter, Signature included, in the body.
		r := formV1(t, testCreds)
		q, _ := url.ParseQuery(r.RawQuery)
		f, _ := url.ParseQuery(string(r.Body))
		for k, vs := range q {
			f[k] = vs
		}
		r.RawQuery, r.Body = "", []byte(f.Encode())
		equals(t, Detect(r), V1)
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
	t.Run("charset in Content-Type", func(t *testing.T) {
		r := formV1(t, testCreds)
		r.Header["Content-Type"] = []string{"Application/X-WWW-Form-Urlencoded; charset=UTF-8"}
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
	t.Run("V1 ignores the path", func(t *testing.T) {
		r := rpcV1(t, testCreds)
		r.Path = "/anything"
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
}

func TestRoundTripV3(t *testing.T) {
	t.Run("RPC", func(t *testing.T) {
		r := rpcV3(t, testCreds)
		s := mustVerify(t, r, testCreds.AccessKeySecret)
		equals(t, s.Scheme, V3)
		equals(t, s.Action, "GetRole")
		equals(t, s.Params.Get("RoleName"), "My Role*~")
		equals(t, s.Params.Has("Marker"), true)
		if !strings.Contains(r.Header["Authorization"][0], "x-acs-credentials-provider") {
			t.Fatalf("x-acs-credentials-provider not signed: %s", r.Header["Authorization"][0])
		}
	})
	t.Run("RPC, STS token", func(t *testing.T) {
		r := rpcV3(t, stsCreds)
		s := mustVerify(t, r, stsCreds.AccessKeySecret)
		equals(t, s.SecurityToken, stsCreds.SecurityToken)
		equals(t, s.AccessKeyID, stsCreds.AccessKeyID)
	})
	t.Run("RPC, form body", func(t *testing.T) {
		r := &Request{Method: "POST", Path: "/", RawQuery: "RoleName=r", Host: "h:1",
			Header: map[string][]string{"X-Acs-Action": {"CreateRole"}, "X-Acs-Version": {"2015-05-01"},
				"Content-Type": {"application/x-www-form-urlencoded"}},
			Body: []byte("AssumeRolePolicyDocument=%7B%22Version%22%3A%221%22%7D&Description=a+b")}
		ok(t, SignV3(r, testCreds, testNow, "n"))
		s := mustVerify(t, r, testCreds.AccessKeySecret)
		equals(t, s.Params.Get("Description"), "a b")
		equals(t, s.Params.Get("RoleName"), "r")
	})
	t.Run("ROA, JSON body", func(t *testing.T) {
		r := roaV3(t, testCreds)
		s := mustVerify(t, r, testCreds.AccessKeySecret)
		equals(t, s.Action, "UpdateInstanceName")
		equals(t, s.Version, "2022-06-01")
		equals(t, len(s.Params), 0) // a JSON body is not parameters
		if !strings.Contains(r.Header["Authorization"][0], "SignedHeaders=content-type;host;") {
			t.Fatalf("content-type not signed: %s", r.Header["Authorization"][0])
		}
	})
	t.Run("ROA, encoded path", func(t *testing.T) {
		r := roaV3(t, testCreds)
		r.Path = "/api/v1/instances/a%20b%2Ac~d%7E"
		ok(t, SignV3(r, testCreds, testNow, "n2"))
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
	t.Run("Host from the header map", func(t *testing.T) {
		r := rpcV3(t, testCreds)
		r.Header["Host"] = []string{r.Host}
		r.Host = ""
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
	t.Run("lower-case header names, extra spaces", func(t *testing.T) {
		r := rpcV3(t, testCreds)
		low := map[string][]string{}
		for k, vs := range r.Header {
			low[strings.ToLower(k)] = vs
		}
		low["x-acs-action"] = []string{"  GetRole "}
		low["authorization"] = []string{strings.ReplaceAll(low["authorization"][0], ",", ", ")}
		r.Header = low
		mustVerify(t, r, testCreds.AccessKeySecret)
	})
}

// TestTampering changes one signed component of a valid request at a time;
// each change must break the signature.
func TestTampering(t *testing.T) {
	type tamper struct {
		name string
		make func(*testing.T, Credentials) *Request
		edit func(*Request)
	}
	setQuery := func(k, v string) func(*Request) {
		return func(r *Request) {
			q, _ := url.ParseQuery(r.RawQuery)
			q.Set(k, v)
			r.RawQuery = q.Encode()
		}
	}
	delQuery := func(k string) func(*Request) {
		return func(r *Request) {
			q, _ := url.ParseQuery(r.RawQuery)
			q.Del(k)
			r.RawQuery = q.Encode()
		}
	}
	setHdr := func(k, v string) func(*Request) { return func(r *Request) { headerindex.Set(r.Header, k, v) } }
	setBody := func(b string) func(*Request) {
		return func(r *Request) {
			r.Body = []byte(b)
			if _, has := indexHeader(r.Header)[headerContentSHA256]; has {
				headerindex.Set(r.Header, headerContentSHA256, sha256Hex(r.Body))
			}
		}
	}
	method := func(r *Request) { r.Method = "GET" }
	cases := []tamper{
		{"V1 param value", rpcV1, setQuery("RoleName", "other")},
		{"V1 empty param removed", rpcV1, delQuery("SignatureType")},
		{"V1 param added", rpcV1, setQuery("Extra", "1")},
		{"V1 param emptied", rpcV1, setQuery("RegionId", "")},
		{"V1 action", rpcV1, func(r *Request) {
			setQuery("Action", "DeleteRole")(r)
			headerindex.Set(r.Header, headerAction, "DeleteRole")
		}},
		{"V1 timestamp", rpcV1, setQuery("Timestamp", "2026-11-26T22:08:52Z")},
		{"V1 nonce", rpcV1, setQuery("SignatureNonce", "other")},
		{"V1 method", rpcV1, method},
		{"V1 body param", formV1, setBody("RoleArn=acs%3Aram%3A%3A1%3Arole%2Fx&RoleSessionName=alice&DurationSeconds=3600")},
		{"V1 body moved to query", formV1, func(r *Request) {
			r.RawQuery += "&" + string(r.Body)
			r.Body = nil
			setQuery("Policy", `{"Version":"1","Statement":[] }`)(r)
		}},
		{"V1 token", formV1, setQuery("SecurityToken", "other")},
		{"V3 param value", rpcV3, setQuery("RoleName", "other")},
		{"V3 param added", rpcV3, setQuery("Extra", "")},
		{"V3 param removed", rpcV3, delQuery("Marker")},
		{"V3 method", rpcV3, method},
		{"V3 path", rpcV3, func(r *Request) { r.Path = "/x" }},
		{"V3 host", rpcV3, func(r *Request) { r.Host = "127.0.0.1:8081" }},
		{"V3 action header", rpcV3, setHdr("x-acs-action", "DeleteRole")},
		{"V3 version header", rpcV3, setHdr("x-acs-version", "2015-04-01")},
		{"V3 date header", rpcV3, setHdr("x-acs-date", "2026-11-26T22:08:52Z")},
		{"V3 nonce header", rpcV3, setHdr("x-acs-signature-nonce", "other")},
		{"V3 other signed header", rpcV3, setHdr("x-acs-credentials-provider", "env")},
		{"V3 token", rpcV3, setHdr("x-acs-security-token", "other")},
		{"V3 ROA path", roaV3, func(r *Request) { r.Path = "/api/v1/instances/hgpostcn-cn-yyy" }},
		{"V3 ROA body", roaV3, setBody(`{"instanceName":"evil"}`)},
		{"V3 ROA content type", roaV3, setHdr("content-type", "text/plain")},
		{"V3 ROA query added", roaV3, setQuery("force", "true")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			creds := testCreds
			if strings.Contains(c.name, "token") {
				creds = stsCreds
			}
			r := c.make(t, creds)
			mustVerify(t, r, creds.AccessKeySecret)
			secret := creds.AccessKeySecret
			c.edit(r)
			s, err := Parse(r)
			ok(t, err)
			wantCode(t, s.Verify(secret), CodeSignatureDoesNotMatch)
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		for _, r := range []*Request{rpcV1(t, testCreds), formV1(t, testCreds), rpcV3(t, testCreds), roaV3(t, testCreds)} {
			s, err := Parse(r)
			ok(t, err)
			for _, secret := range []string{"", "x", testCreds.AccessKeySecret + "&", strings.ToUpper(testCreds.AccessKeySecret)} {
				wantCode(t, s.Verify(secret), CodeSignatureDoesNotMatch)
			}
		}
	})
}

func TestSignatureDoesNotMatchMessage(t *testing.T) {
	for _, r := range []*Request{formV1(t, stsCreds), rpcV3(t, stsCreds)} {
		s, err := Parse(r)
		ok(t, err)
		e := wantCode(t, s.Verify("bad"), CodeSignatureDoesNotMatch)
		_, sts, found := strings.Cut(e.Message, MessageContain)
		if !found || sts != s.stringToSign {
			t.Fatalf("message %q does not end with the string to sign %q", e.Message, s.stringToSign)
		}
		if !strings.HasPrefix(e.Message, "Specified signature is not matched with our calculation. ") {
			t.Fatalf("message %q", e.Message)
		}
		// Neither the secret nor the received signature is echoed.
		for _, secret := range []string{stsCreds.AccessKeySecret, "bad"} {
			if strings.Contains(e.Message, secret) {
				t.Fatalf("message %q contains the secret", e.Message)
			}
		}
		var received string
		if s.Scheme == V1 {
			received = string(s.signature)
			received2 := url.QueryEscape(received)
			if strings.Contains(e.Message, received2) {
				t.Fatalf("message %q contains the received signature", e.Message)
			}
		} else {
			_, received, _ = strings.Cut(r.Header["Authorization"][0], "Signature=")
		}
		if strings.Contains(e.Message, received) {
			t.Fatalf("message %q contains the received signature", e.Message)
		}
	}
	// The string to sign for V1 is what the SDK computes too: re-signing
	// the received parameters gives the same text.
	r := rpcV1(t, testCreds)
	s, _ := Parse(r)
	equals(t, s.stringToSign[:len("POST&%2F&AccessKeyId%3D")], "POST&%2F&AccessKeyId%3D")
}

func TestCheckTime(t *testing.T) {
	s := &Signed{Timestamp: testNow}
	for _, d := range []time.Duration{0, time.Second, -time.Second, 15 * time.Minute, -15 * time.Minute} {
		ok(t, s.CheckTime(testNow.Add(d), DefaultWindow))
		ok(t, s.CheckTime(testNow.Add(d), 0))
	}
	for _, d := range []time.Duration{15*time.Minute + time.Second, -15*time.Minute - time.Second, 24 * time.Hour, -24 * time.Hour} {
		e := wantCode(t, s.CheckTime(testNow.Add(d), DefaultWindow), CodeTimestampExpired)
		equals(t, e.Message, "Specified time stamp or date value is expired.")
	}
	ok(t, s.CheckTime(testNow.Add(time.Hour), 2*time.Hour))
	wantCode(t, s.CheckTime(testNow.Add(time.Minute), time.Second), CodeTimestampExpired)
	// The timestamp is read in UTC whatever the server's zone.
	ok(t, s.CheckTime(testNow.In(time.FixedZone("UTC+8", 8*3600)), time.Second))
}

func TestAuthenticate(t *testing.T) {
	secrets := map[string]string{testCreds.AccessKeyID: testCreds.AccessKeySecret}
	errNotFound := &Error{Code: "InvalidAccessKeyId.NotFound", Status: 404, Message: "Specified access key is not found."}
	lookup := func(s *Signed) (string, error) {
		if v, ok := secrets[s.AccessKeyID]; ok {
			return v, nil
		}
		return "", errNotFound
	}
	for _, make := range []func(*testing.T, Credentials) *Request{rpcV1, formV1, rpcV3, roaV3} {
		r := make(t, testCreds)
		s, err := Authenticate(r, testNow.Add(time.Minute), lookup)
		ok(t, err)
		equals(t, s.AccessKeyID, testCreds.AccessKeyID)

		_, err = Authenticate(r, testNow.Add(time.Hour), lookup)
		wantCode(t, err, CodeTimestampExpired)

		_, err = Authenticate(make(t, stsCreds), testNow, lookup)
		if !errors.Is(err, errNotFound) {
			t.Fatalf("lookup error not returned unchanged: %v", err)
		}

		called := false
		_, err = Authenticate(&Request{Method: "POST", Path: "/"}, testNow, func(*Signed) (string, error) {
			called = true
			return "", nil
		})
		wantCode(t, err, "MissingSignature")
		equals(t, called, false)

		secrets[testCreds.AccessKeyID] = "other"
		_, err = Authenticate(r, testNow, lookup)
		wantCode(t, err, CodeSignatureDoesNotMatch)
		secrets[testCreds.AccessKeyID] = testCreds.AccessKeySecret
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name string
		r    *Request
		want Scheme
	}{
		{"empty", &Request{}, None},
		{"query signature", &Request{RawQuery: "Signature=x"}, V1},
		{"empty query signature", &Request{RawQuery: "Signature="}, V1},
		{"form signature", &Request{Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("Signature=x")}, V1},
		{"form signature, JSON body", &Request{Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte("Signature=x")}, None},
		{"ACS3", &Request{Header: map[string][]string{"Authorization": {"ACS3-HMAC-SHA256 Credential=a"}}}, V3},
		{"ACS3 SM3", &Request{Header: map[string][]string{"authorization": {"ACS3-HMAC-SM3 x"}}}, V3},
		{"ACS3 wins over Signature", &Request{RawQuery: "Signature=x", Header: map[string][]string{"Authorization": {"ACS3-HMAC-SHA256 x"}}}, V3},
		{"ROA V2", &Request{Header: map[string][]string{"Authorization": {"acs testid:c2lnbmF0dXJl"}}}, None},
		{"ODPS", &Request{Header: map[string][]string{"Authorization": {"ODPS testid:c2ln"}}}, None},
		{"malformed query", &Request{RawQuery: "Signature=x&a=%zz"}, V1},
		{"malformed signature", &Request{RawQuery: "Signature=%zz"}, None},
	} {
		t.Run(c.name, func(t *testing.T) { equals(t, Detect(c.r), c.want) })
	}
	equals(t, None.String(), "none")
	equals(t, V1.String(), "V1")
	equals(t, V3.String(), "V3")
	equals(t, Scheme(7).String(), "Scheme(7)")
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	for _, s := range []string{stsCreds.String(), stsCreds.GoString()} {
		if strings.Contains(s, stsCreds.AccessKeySecret) || strings.Contains(s, stsCreds.SecurityToken) {
			t.Fatalf("%q shows a secret", s)
		}
		if !strings.Contains(s, stsCreds.AccessKeyID) {
			t.Fatalf("%q does not name the key", s)
		}
	}
	equals(t, testCreds.String(), "AccessKey "+testCreds.AccessKeyID+" (secret redacted)")
}

func TestIsProtocolParam(t *testing.T) {
	s := mustVerify(t, rpcV1(t, stsCreds), stsCreds.AccessKeySecret)
	var api []string
	for _, k := range slices.Sorted(maps.Keys(s.Params)) {
		if !IsProtocolParam(k) {
			api = append(api, k)
		}
	}
	equals(t, strings.Join(api, ","), "Format,RegionId,RoleName")
	equals(t, IsProtocolParam("Signature"), true)
	equals(t, IsProtocolParam("signature"), false)
}
