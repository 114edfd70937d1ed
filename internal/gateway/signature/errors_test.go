package signature

import (
	"net/url"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/headerindex"
)

// editQuery applies f to the parsed query and re-encodes it.
func editQuery(f func(url.Values)) func(*Request) {
	return func(r *Request) {
		q, _ := url.ParseQuery(r.RawQuery)
		f(q)
		r.RawQuery = q.Encode()
	}
}

// editAuth rewrites the V3 Authorization header.
func editAuth(f func(string) string) func(*Request) {
	return func(r *Request) { r.Header["Authorization"] = []string{f(r.Header["Authorization"][0])} }
}

func replaceAuth(old, new string) func(*Request) {
	return editAuth(func(a string) string { return strings.Replace(a, old, new, 1) })
}

func TestParseErrors(t *testing.T) {
	type errCase struct {
		name string
		make func(*testing.T, Credentials) *Request
		edit func(*Request)
		code string
		msg  string // a substring of the message, when it matters
	}
	cases := []errCase{
		// No signature at all.
		{"nothing", rpcV1, func(r *Request) { *r = Request{Method: "POST", Path: "/"} }, "MissingSignature", "Signature is mandatory for this action."},
		{"other Authorization scheme", rpcV1, func(r *Request) {
			*r = Request{Method: "GET", Path: "/x", Header: map[string][]string{"Authorization": {"acs testid:c2ln"}}}
		}, CodeIncompleteSignature, "The request signature does not conform to Aliyun standards."},
		{"two Authorization headers, none ACS3", rpcV1, func(r *Request) {
			*r = Request{Header: map[string][]string{"Authorization": {"a", "b"}}}
		}, "MissingSignature", ""},
	}
	// V1 mandatory parameters, absent or empty.
	for _, p := range []string{"Signature", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Action", "Version"} {
		cases = append(cases,
			errCase{"V1 no " + p, rpcV1, editQuery(func(q url.Values) { q.Del(p) }), "Missing" + p, p + " is mandatory for this action."},
			errCase{"V1 empty " + p, rpcV1, editQuery(func(q url.Values) { q.Set(p, "") }), "Missing" + p, ""})
	}
	cases = append(cases, []errCase{
		{"V1 signature method", rpcV1, editQuery(func(q url.Values) { q.Set("SignatureMethod", "HMAC-SHA256") }), CodeInvalidSignatureMethod, `"HMAC-SHA256"`},
		{"V1 signature method case", rpcV1, editQuery(func(q url.Values) { q.Set("SignatureMethod", "hmac-sha1") }), CodeInvalidSignatureMethod, ""},
		{"V1 signature version", rpcV1, editQuery(func(q url.Values) { q.Set("SignatureVersion", "2.0") }), CodeInvalidSignatureVer, `"2.0"`},
		{"V1 bearer token", rpcV1, editQuery(func(q url.Values) { q.Set("SignatureType", "BEARERTOKEN") }), CodeInvalidParameter, "SignatureType"},
		{"V1 nonce too long", rpcV1, editQuery(func(q url.Values) { q.Set("SignatureNonce", strings.Repeat("n", MaxNonceLength+1)) }), CodeInvalidParameter, "SignatureNonce"},
		{"V1 duplicate in query", rpcV1, func(r *Request) { r.RawQuery += "&RoleName=other" }, CodeInvalidParameter, `"RoleName" is given more than once`},
		{"V1 duplicate Signature", rpcV1, func(r *Request) { r.RawQuery += "&Signature=x" }, CodeInvalidParameter, `"Signature"`},
		{"V1 duplicate empty", rpcV1, func(r *Request) { r.RawQuery += "&SignatureType" }, CodeInvalidParameter, `"SignatureType"`},
		{"V1 in query and body", formV1, func(r *Request) { r.RawQuery += "&RoleSessionName=bob" }, CodeInvalidParameter, `"RoleSessionName"`},
		{"V1 common param in body too", formV1, func(r *Request) { r.Body = append(r.Body, "&Timestamp=2026-11-26T22%3A08%3A51Z"...) }, CodeInvalidParameter, `"Timestamp"`},
		{"V1 duplicate in body", formV1, func(r *Request) { r.Body = append(r.Body, "&RoleSessionName=bob"...) }, CodeInvalidParameter, `"RoleSessionName"`},
		{"V1 malformed query", rpcV1, func(r *Request) { r.RawQuery += "&x=%zz" }, CodeInvalidParameter, "query string"},
		{"V1 semicolon in query", rpcV1, func(r *Request) { r.RawQuery += "&x=1;y=2" }, CodeInvalidParameter, "query string"},
		{"V1 malformed body", formV1, func(r *Request) { r.Body = append(r.Body, "&x=%"...) }, CodeInvalidParameter, "form body"},
		{"V1 two Content-Types", formV1, func(r *Request) {
			r.Header["Content-Type"] = append(r.Header["Content-Type"], "application/json")
		}, CodeInvalidParameter, `"content-type"`},
		{"V1 action header disagrees", rpcV1, func(r *Request) { r.Header["X-Acs-Action"] = []string{"DeleteRole"} }, CodeInvalidParameter, "x-acs-action"},
		{"V1 version header disagrees", rpcV1, func(r *Request) { r.Header["X-Acs-Version"] = []string{"2015-04-01"} }, CodeInvalidParameter, "x-acs-version"},
		{"V1 action header twice", rpcV1, func(r *Request) { r.Header["x-acs-action"] = []string{"GetRole"} }, CodeInvalidParameter, `"x-acs-action" is given more than once`},
		{"V1 header without parameter", rpcV1, editQuery(func(q url.Values) { q.Del("Action") }), "MissingAction", ""},
	}...)
	for _, ts := range []string{"2026-11-26 22:08:51", "2026-11-26T22:08:51+08:00", "2026-11-26T22:08:51", "1795644531", "2026-13-26T22:08:51Z", "2026-11-26t22:08:51z", " 2026-11-26T22:08:51Z"} {
		cases = append(cases,
			errCase{"V1 timestamp " + ts, rpcV1, editQuery(func(q url.Values) { q.Set("Timestamp", ts) }), CodeTimestampFormat, "Specified time stamp or date value is not well formatted."},
			errCase{"V3 date " + ts, rpcV3, func(r *Request) { headerindex.Set(r.Header, "x-acs-date", ts+"x") }, CodeTimestampFormat, "x-acs-date"})
	}
	cases = append(cases, []errCase{
		{"V3 SM3", rpcV3, replaceAuth("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3"), CodeInvalidSignatureMethod, `"ACS3-HMAC-SM3"`},
		{"V3 RSA", rpcV3, replaceAuth("ACS3-HMAC-SHA256", "ACS3-RSA-SHA256"), CodeInvalidSignatureMethod, ""},
		{"V3 no space", rpcV3, replaceAuth("ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256"), CodeInvalidSignatureMethod, ""},
		{"V3 no Credential", rpcV3, replaceAuth("Credential=", "Credentials="), CodeIncompleteSignature, "unknown field"},
		{"V3 empty Credential", rpcV3, replaceAuth("Credential="+testCreds.AccessKeyID, "Credential="), CodeIncompleteSignature, "Credential is empty"},
		{"V3 no SignedHeaders", rpcV3, editAuth(func(a string) string {
			i, j := strings.Index(a, ",SignedHeaders="), strings.Index(a, ",Signature=")
			return a[:i] + a[j:]
		}), CodeIncompleteSignature, "has no SignedHeaders"},
		{"V3 no Signature", rpcV3, editAuth(func(a string) string { return a[:strings.Index(a, ",Signature=")] }), CodeIncompleteSignature, "has no Signature"},
		{"V3 field twice", rpcV3, editAuth(func(a string) string { return a + ",Signature=00" }), CodeIncompleteSignature, "more than once"},
		{"V3 field without =", rpcV3, editAuth(func(a string) string { return a + ",junk" }), CodeIncompleteSignature, "not name=value"},
		{"V3 signature not hex", rpcV3, editAuth(func(a string) string { return a[:len(a)-1] + "g" }), CodeIncompleteSignature, "hexadecimal"},
		{"V3 signature empty", rpcV3, editAuth(func(a string) string { return a[:strings.Index(a, ",Signature=")] + ",Signature=" }), CodeIncompleteSignature, "hexadecimal"},
		{"V3 SignedHeaders upper case", rpcV3, replaceAuth("SignedHeaders=host", "SignedHeaders=Host"), CodeIncompleteSignature, "lower-case"},
		{"V3 SignedHeaders unsorted", rpcV3, replaceAuth("host;x-acs-action", "x-acs-action;host"), CodeIncompleteSignature, "sorted"},
		{"V3 SignedHeaders repeated", rpcV3, replaceAuth("host;", "host;host;"), CodeIncompleteSignature, "sorted"},
		{"V3 SignedHeaders empty name", rpcV3, replaceAuth("host;", "host;;"), CodeIncompleteSignature, "lower-case"},
		{"V3 SignedHeaders empty", rpcV3, editAuth(func(a string) string {
			i, j := strings.Index(a, ",SignedHeaders="), strings.Index(a, ",Signature=")
			return a[:i] + ",SignedHeaders=" + a[j:]
		}), CodeIncompleteSignature, "must include host"},
		{"V3 date not signed", rpcV3, replaceAuth(";x-acs-date", ""), CodeIncompleteSignature, "must include x-acs-date"},
		{"V3 host not signed", rpcV3, replaceAuth("host;", ""), CodeIncompleteSignature, "must include host"},
		{"V3 content sha not signed", rpcV3, replaceAuth(";x-acs-content-sha256", ""), CodeIncompleteSignature, "x-acs-content-sha256"},
		{"V3 token not signed", func(t *testing.T, _ Credentials) *Request { return rpcV3(t, stsCreds) }, replaceAuth(";x-acs-security-token", ""), CodeIncompleteSignature, "x-acs-security-token"},
		{"V3 unsigned token added", rpcV3, func(r *Request) { r.Header["X-Acs-Security-Token"] = []string{"t"} }, CodeIncompleteSignature, "x-acs-security-token"},
		{"V3 unsigned key id added", rpcV3, func(r *Request) { r.Header["X-Acs-Accesskey-Id"] = []string{"k"} }, CodeIncompleteSignature, "x-acs-accesskey-id"},
		{"V3 content-type not signed", roaV3, replaceAuth("content-type;", ""), CodeIncompleteSignature, "content-type"},
		{"V3 signed header absent", rpcV3, func(r *Request) { delete(r.Header, "X-Acs-Credentials-Provider") }, CodeIncompleteSignature, `"x-acs-credentials-provider" is not in the request`},
		{"V3 key id not Credential", func(t *testing.T, _ Credentials) *Request { return rpcV3(t, stsCreds) }, func(r *Request) {
			r.Header["X-Acs-Accesskey-Id"] = []string{"STS.other"}
		}, CodeIncompleteSignature, "not the Authorization Credential"},
		{"V3 no host", rpcV3, func(r *Request) { r.Host = "" }, CodeMissingParameter, `The input parameter "host" that is mandatory for processing this request is not supplied.`},
		{"V3 two Authorization headers", rpcV3, func(r *Request) { r.Header["authorization"] = r.Header["Authorization"] }, CodeInvalidParameter, `"authorization"`},
		{"V3 two dates", rpcV3, func(r *Request) { r.Header["X-Acs-Date"] = append(r.Header["X-Acs-Date"], "x") }, CodeInvalidParameter, `"x-acs-date"`},
		{"V3 body changed", roaV3, func(r *Request) { r.Body = []byte(`{}`) }, CodeContentSHA256, "x-acs-content-sha256"},
		{"V3 body added", rpcV3, func(r *Request) { r.Body = []byte(`x`) }, CodeContentSHA256, ""},
		{"V3 upper-case digest", rpcV3, func(r *Request) {
			r.Header["X-Acs-Content-Sha256"] = []string{strings.ToUpper(r.Header["X-Acs-Content-Sha256"][0])}
		}, CodeContentSHA256, ""},
		{"V3 nonce too long", rpcV3, func(r *Request) { headerindex.Set(r.Header, "x-acs-signature-nonce", strings.Repeat("n", 129)) }, CodeInvalidParameter, "x-acs-signature-nonce"},
		{"V3 Action param disagrees", rpcV3, func(r *Request) { r.RawQuery += "&Action=DeleteRole" }, CodeInvalidParameter, "x-acs-action"},
		{"V3 Version param disagrees", rpcV3, func(r *Request) { r.RawQuery += "&Version=2015-04-01" }, CodeInvalidParameter, "x-acs-version"},
		{"V3 empty Action param", rpcV3, func(r *Request) { r.RawQuery += "&Action=" }, CodeInvalidParameter, "x-acs-action"},
		{"V3 duplicate in query", rpcV3, func(r *Request) { r.RawQuery += "&RoleName=x" }, CodeInvalidParameter, `"RoleName"`},
		{"V3 malformed query", rpcV3, func(r *Request) { r.RawQuery += "&%" }, CodeInvalidParameter, "query string"},
	}...)
	for _, h := range []string{"X-Acs-Action", "X-Acs-Version", "X-Acs-Date", "X-Acs-Signature-Nonce", "X-Acs-Content-Sha256"} {
		cases = append(cases,
			errCase{"V3 no " + h, rpcV3, func(r *Request) { delete(r.Header, h) }, CodeMissingParameter, strings.ToLower(h)},
			errCase{"V3 blank " + h, rpcV3, func(r *Request) { r.Header[h] = []string{"  "} }, CodeMissingParameter, strings.ToLower(h)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t, testCreds)
			c.edit(r)
			s, err := Parse(r)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", s)
			}
			e := wantCode(t, err, c.code)
			if !strings.Contains(e.Message, c.msg) {
				t.Fatalf("message %q does not contain %q", e.Message, c.msg)
			}
			if e.Error() != e.Code+": "+e.Message {
				t.Fatalf("Error() = %q", e.Error())
			}
			for _, secret := range []string{testCreds.AccessKeySecret, stsCreds.AccessKeySecret, stsCreds.SecurityToken} {
				if strings.Contains(e.Message, secret) {
					t.Fatalf("message %q contains a secret", e.Message)
				}
			}
		})
	}
}

// TestErrorMessagesAreBounded sends huge values; messages quote at most a
// prefix of them.
func TestErrorMessagesAreBounded(t *testing.T) {
	huge := strings.Repeat("A", 1<<16)
	for _, edit := range []func(*Request){
		editQuery(func(q url.Values) { q.Set("SignatureMethod", huge) }),
		editQuery(func(q url.Values) { q.Set("Timestamp", huge) }),
		func(r *Request) { r.RawQuery += "&" + huge + "=1&" + huge + "=2" },
		func(r *Request) { headerindex.Set(r.Header, "x-acs-action", huge) },
	} {
		r := rpcV1(t, testCreds)
		edit(r)
		_, err := Parse(r)
		if err == nil || len(err.Error()) > 512 {
			t.Fatalf("error %d bytes long: %.200v", len(err.Error()), err)
		}
	}
	for _, edit := range []func(*Request){
		replaceAuth("ACS3-HMAC-SHA256", "ACS3-"+huge),
		replaceAuth("SignedHeaders=host", "SignedHeaders="+huge),
		editAuth(func(a string) string { return a + "," + huge }),
		func(r *Request) { r.RawQuery += "&Action=" + huge },
	} {
		r := rpcV3(t, testCreds)
		edit(r)
		_, err := Parse(r)
		if err == nil || len(err.Error()) > 512 {
			t.Fatalf("error %d bytes long: %.200v", len(err.Error()), err)
		}
	}
}
