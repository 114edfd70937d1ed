package signature

import (
	"strings"
	"testing"
	"time"
)

// Test vectors of reference/ram-sts.md §6.4 and §6.5.

func TestV1DocumentationVector(t *testing.T) {
	r := &Request{
		Method: "GET",
		Path:   "/",
		RawQuery: encodeOrdered(
			"AccessKeyId", "testid",
			"Action", "CreateUser",
			"Format", "JSON",
			"SignatureMethod", "HMAC-SHA1",
			"SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2",
			"SignatureVersion", "1.0",
			"Timestamp", "2015-08-18T03:15:45Z",
			"UserName", "test",
			"Version", "2015-05-01",
			"Signature", "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
		),
	}
	equals(t, Detect(r), V1)
	s, err := Parse(r)
	ok(t, err)
	if !strings.HasPrefix(s.stringToSign, "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser") {
		t.Fatalf("string to sign %q", s.stringToSign)
	}
	if !strings.Contains(s.stringToSign, "2015-08-18T03%253A15%253A45Z") {
		t.Fatalf("timestamp not double-encoded in %q", s.stringToSign)
	}
	ok(t, s.Verify("testsecret"))
	equals(t, s.AccessKeyID, "testid")
	equals(t, s.Action, "CreateUser")
	equals(t, s.Version, "2015-05-01")
	equals(t, s.Nonce, "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2")
	equals(t, s.Timestamp, time.Date(2015, 8, 18, 3, 15, 45, 0, time.UTC))
	equals(t, s.Params.Has("Signature"), false)
	equals(t, s.Params.Get("UserName"), "test")

	// SignV1 produces the same signature from the business parameters.
	c := &Request{Method: "GET", Path: "/",
		RawQuery: encodeOrdered("Action", "CreateUser", "Format", "JSON", "UserName", "test", "Version", "2015-05-01")}
	ok(t, SignV1(c, Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret"},
		time.Date(2015, 8, 18, 3, 15, 45, 0, time.UTC), "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"))
	cs, err := Parse(c)
	ok(t, err)
	equals(t, string(cs.signature), "kRA2cnpJVacIhDMzXnoNZG9tDCI=")
}

func TestV1SDKVector(t *testing.T) {
	// Captured from the monolithic SDK (§6.2 #1): POST, everything in the
	// query, empty SignatureType, STS credentials.
	r := &Request{
		Method: "POST",
		Path:   "/",
		RawQuery: "AccessKeyId=STS.testid&Action=AssumeRole&DurationSeconds=3600&Format=JSON&RegionId=cn-hangzhou" +
			"&RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Ftestrole&RoleSessionName=alice&SecurityToken=tok%2Ben%2F%3D" +
			"&Signature=zbClvZpiGyJSi3cKqRW52j2jaPo%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=b0457edecf4d8348bd00ce00e1034e12" +
			"&SignatureType=&SignatureVersion=1.0&Timestamp=2026-11-26T22%3A08%3A51Z&Version=2015-04-01",
		Header: map[string][]string{
			"Content-Type":               {"application/x-www-form-urlencoded"},
			"X-Acs-Action":               {"AssumeRole"},
			"X-Acs-Version":              {"2015-04-01"},
			"X-Acs-Credentials-Provider": {"static_sts"},
			"Accept-Encoding":            {"identity"},
		},
		Host: "127.0.0.1:8080",
	}
	s := mustVerify(t, r, "testsecret")
	equals(t, s.SecurityToken, "tok+en/=")
	equals(t, s.AccessKeyID, "STS.testid")
	equals(t, s.Params.Get("SignatureType"), "")
	equals(t, s.Params.Has("SignatureType"), true)
	wantCode(t, s.Verify("testsecreT"), CodeSignatureDoesNotMatch)
}

func TestV3Vector(t *testing.T) {
	const auth = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version," +
		"Signature=41489e832dc967682aa07208f990baaff3ca4762d4708d8c6aa948e9099371bd"
	r := &Request{
		Method:   "POST",
		Path:     "/",
		RawQuery: "MaxItems=10&RoleName=test-role",
		Header: map[string][]string{
			"Authorization":         {auth},
			"X-Acs-Action":          {"GetRole"},
			"X-Acs-Version":         {"2015-05-01"},
			"X-Acs-Date":            {"2024-01-01T00:00:00Z"},
			"X-Acs-Signature-Nonce": {"3156853299f313e23d1673dc12e1703d"},
			"X-Acs-Content-Sha256":  {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		},
		Host: "127.0.0.1:8080",
	}
	equals(t, Detect(r), V3)
	s, err := Parse(r)
	ok(t, err)
	ok(t, s.Verify("testsecret"))
	equals(t, s.AccessKeyID, "testid")
	equals(t, s.Action, "GetRole")
	equals(t, s.Version, "2015-05-01")
	equals(t, s.Nonce, "3156853299f313e23d1673dc12e1703d")
	equals(t, s.Timestamp, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	equals(t, s.Params.Get("RoleName"), "test-role")
	wantCode(t, s.Verify("wrong"), CodeSignatureDoesNotMatch)

	// SignV3 reproduces the Authorization header exactly.
	c := &Request{Method: "POST", Path: "/", RawQuery: "MaxItems=10&RoleName=test-role", Host: "127.0.0.1:8080",
		Header: map[string][]string{"x-acs-action": {"GetRole"}, "x-acs-version": {"2015-05-01"}}}
	ok(t, SignV3(c, Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret"},
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "3156853299f313e23d1673dc12e1703d"))
	equals(t, c.Header["Authorization"][0], auth)
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"AZaz09-_.~":   "AZaz09-_.~",
		"a b":          "a%20b",
		"*":            "%2A",
		"+/=&:":        "%2B%2F%3D%26%3A",
		"é":            "%C3%A9",
		"\x00\xff":     "%00%FF",
		"%7E":          "%257E",
		"!'()":         "%21%27%28%29",
		"tok+en/=":     "tok%2Ben%2F%3D",
		"My Role*~":    "My%20Role%2A~",
		"\u4e2d\u6587": "%E4%B8%AD%E6%96%87",
	} {
		equals(t, percentEncode(in), want)
	}
}
