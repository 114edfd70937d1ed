package signature

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary request fields to Detect, Parse, CheckTime and
// Verify. They must never panic, and every refusal must be an *Error with
// status 400.
func FuzzParse(f *testing.F) {
	v3 := "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version," +
		"Signature=41489e832dc967682aa07208f990baaff3ca4762d4708d8c6aa948e9099371bd"
	f.Add("POST", "/", "MaxItems=10&RoleName=test-role", "127.0.0.1:8080", v3, "GetRole", "2015-05-01",
		"2024-01-01T00:00:00Z", "3156853299f313e23d1673dc12e1703d", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", []byte(nil))
	f.Add("GET", "/", "AccessKeyId=testid&Action=CreateUser&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"+
		"&SignatureVersion=1.0&Timestamp=2015-08-18T03%3A15%3A45Z&UserName=test&Version=2015-05-01&Signature=kRA2cnpJVacIhDMzXnoNZG9tDCI%3D",
		"", "", "", "", "", "", "", "", []byte(nil))
	f.Add("POST", "/", "Action=AssumeRole&Version=2015-04-01&Signature=x&Timestamp=2015-08-18T03%3A15%3A45Z", "h", "", "AssumeRole", "",
		"", "", "", "application/x-www-form-urlencoded", []byte("RoleArn=a&RoleSessionName=b&Signature=y"))
	f.Add("POST", "/api/v1/instances/a%2Ab", "", "h:1", "ACS3-HMAC-SHA256 Credential=,SignedHeaders=;;,Signature=zz", "", "", "", "", "", "application/json", []byte(`{"a":1}`))
	f.Add("", "", "%", "", "ACS3-", "", "", "", "", "", ";;", []byte("%zz"))
	f.Add("PUT", "*", "a;b=c&Signature", "\x00", "ACS3-HMAC-SHA256  Credential=a ,  SignedHeaders=host , Signature=00 , x=y", "\n", "\r", "9999-99-99T99:99:99Z", strings.Repeat("n", 200), "E3B0", "APPLICATION/X-WWW-FORM-URLENCODED;", []byte("Signature=&Signature="))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, host, auth, action, version, date, nonce, sha, contentType string, body []byte) {
		h := map[string][]string{}
		for k, v := range map[string]string{"Authorization": auth, "X-Acs-Action": action, "X-Acs-Version": version,
			"X-Acs-Date": date, "X-Acs-Signature-Nonce": nonce, "X-Acs-Content-Sha256": sha, "Content-Type": contentType} {
			if v != "" {
				h[k] = []string{v}
			}
		}
		r := &Request{Method: method, Path: path, RawQuery: rawQuery, Header: h, Body: body, Host: host}
		scheme := Detect(r)
		s, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse error %#v", err)
			}
			if len(e.Message) > 1024 {
				t.Fatalf("message of %d bytes", len(e.Message))
			}
			return
		}
		if s.Scheme != scheme || s.Scheme == None {
			t.Fatalf("Detect said %v, Parse %v", scheme, s.Scheme)
		}
		if s.AccessKeyID == "" || s.Action == "" || s.Version == "" || s.Params.Has(paramSignature) && s.Scheme == V1 {
			t.Fatalf("Parse accepted %+v", s)
		}
		_ = s.CheckTime(testNow, DefaultWindow)
		if err := s.Verify("testsecret"); err != nil && code(err) != CodeSignatureDoesNotMatch {
			t.Fatalf("Verify: %v", err)
		}
	})
}

// FuzzVerify signs requests built from arbitrary parts with SignV1 and
// SignV3 and checks the round trip: the right secret verifies, a wrong one
// never does. The only refusals allowed are those the parts themselves
// cause (a duplicate parameter, an Action parameter that is not the
// x-acs-action header, an overlong nonce, a malformed query).
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", "RoleName=My+Role%2A~&Marker=", "testsecret", "GetRole", "2015-05-01", "nonce", "127.0.0.1:8080", "", []byte(nil), false)
	f.Add("GET", "/api/v1/instances/hgpostcn-cn-xxx", "", "s3cr3t", "UpdateInstanceName", "2022-06-01", "n", "h", "tok", []byte(`{"a":"b"}`), false)
	f.Add("POST", "/", "Action=AssumeRole&Version=2015-04-01", "x", "AssumeRole", "2015-04-01", "abc", "h", "CAIS+/=", []byte("RoleArn=acs%3Aram&DurationSeconds=900"), true)
	f.Add("DELETE", "/a%20b/c*d", "a=%E4%B8%AD&b=+&c=%2B", "\xff", "\u4e2d", " v ", "\x00", "[::1]:80", "", []byte("a=1&a=2"), true)
	f.Fuzz(func(t *testing.T, method, path, rawQuery, secret, action, version, nonce, host, token string, body []byte, form bool) {
		if secret == "" {
			secret = "s"
		}
		creds := Credentials{AccessKeyID: "LTAI5tFuzzKey", AccessKeySecret: secret, SecurityToken: token}
		contentType := "application/json"
		if form {
			contentType = "application/x-www-form-urlencoded"
		}
		base := func() *Request {
			return &Request{Method: method, Path: path, RawQuery: rawQuery, Host: host, Body: append([]byte(nil), body...),
				Header: map[string][]string{"Content-Type": {contentType}}}
		}
		check := func(r *Request, signErr error) {
			if signErr != nil {
				return
			}
			s, err := Parse(r)
			if err != nil {
				switch code(err) {
				case CodeInvalidParameter, CodeMissingParameter, "MissingAction", "MissingVersion":
					return // caused by the fuzzed parts, not by the signer
				}
				t.Fatalf("Parse of a signed request: %v\n%+v", err, r)
			}
			if err := s.Verify(secret); err != nil {
				t.Fatalf("Verify with the signing secret: %v\n%+v", err, r)
			}
			if err := s.Verify(secret + "x"); code(err) != CodeSignatureDoesNotMatch {
				t.Fatalf("Verify with a wrong secret: %v", err)
			}
			if err := s.CheckTime(testNow, DefaultWindow); err != nil {
				t.Fatalf("CheckTime: %v", err)
			}
		}

		r1 := base()
		r1.RawQuery = rawQuery + "&Action=" + percentEncode(action) + "&Version=" + percentEncode(version)
		check(r1, SignV1(r1, creds, testNow, nonce))

		r3 := base()
		r3.Header["X-Acs-Action"] = []string{action}
		r3.Header["X-Acs-Version"] = []string{version}
		check(r3, SignV3(r3, creds, testNow, nonce))
	})
}
