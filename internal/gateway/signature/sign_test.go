package signature

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignErrors(t *testing.T) {
	noKey := Credentials{AccessKeySecret: "s"}
	noSecret := Credentials{AccessKeyID: "k"}
	v1 := func() *Request { return &Request{Method: "GET", Path: "/", RawQuery: "Action=A&Version=V"} }
	v3 := func() *Request {
		return &Request{Method: "GET", Path: "/", Host: "h", Header: map[string][]string{"X-Acs-Action": {"A"}, "X-Acs-Version": {"V"}}}
	}
	for name, err := range map[string]error{
		"V1 no key":     SignV1(v1(), noKey, testNow, "n"),
		"V1 no secret":  SignV1(v1(), noSecret, testNow, "n"),
		"V1 no nonce":   SignV1(v1(), testCreds, testNow, ""),
		"V1 no Action":  SignV1(&Request{RawQuery: "Version=V"}, testCreds, testNow, "n"),
		"V1 no Version": SignV1(&Request{RawQuery: "Action=A"}, testCreds, testNow, "n"),
		"V1 duplicate":  SignV1(&Request{RawQuery: "Action=A&Version=V&a=1&a=2"}, testCreds, testNow, "n"),
		"V1 common in body": SignV1(&Request{RawQuery: "Action=A&Version=V", Body: []byte("Timestamp=x"),
			Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}}, testCreds, testNow, "n"),
		"V3 no key":       SignV3(v3(), noKey, testNow, "n"),
		"V3 no secret":    SignV3(v3(), noSecret, testNow, "n"),
		"V3 no nonce":     SignV3(v3(), testCreds, testNow, ""),
		"V3 no host":      SignV3(&Request{Header: v3().Header}, testCreds, testNow, "n"),
		"V3 no action":    SignV3(&Request{Host: "h", Header: map[string][]string{"X-Acs-Version": {"V"}}}, testCreds, testNow, "n"),
		"V3 no header":    SignV3(&Request{Host: "h"}, testCreds, testNow, "n"),
		"V3 two versions": SignV3(&Request{Host: "h", Header: map[string][]string{"X-Acs-Action": {"A"}, "X-Acs-Version": {"V", "W"}}}, testCreds, testNow, "n"),
		"V3 duplicate":    SignV3(&Request{Host: "h", RawQuery: "a=1&a=2", Header: v3().Header}, testCreds, testNow, "n"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "signature: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSignV1ReplacesPreviousSignature(t *testing.T) {
	r := rpcV1(t, testCreds)
	ok(t, SignV1(r, stsCreds, testNow, "second"))
	q, _ := url.ParseQuery(r.RawQuery)
	equals(t, len(q["Signature"]), 1)
	s := mustVerify(t, r, stsCreds.AccessKeySecret)
	equals(t, s.Nonce, "second")
	equals(t, s.AccessKeyID, stsCreds.AccessKeyID)
}

func TestSignV3HeaderSpellings(t *testing.T) {
	// Mixed spellings of one name are replaced by one canonical header, and
	// a multi-valued signed header is signed as its sorted values.
	r := rpcV3(t, testCreds)
	r.Header["x-acs-date"] = []string{"stale"}
	r.Header["X-Acs-Meta"] = []string{"b", " a "}
	delete(r.Header, "Authorization")
	r.Header["authorization"] = []string{"old"}
	ok(t, SignV3(r, testCreds, testNow, "n3"))
	equals(t, len(r.Header["X-Acs-Date"]), 1)
	_, lower := r.Header["x-acs-date"]
	equals(t, lower, false)
	_, lowerAuth := r.Header["authorization"]
	equals(t, lowerAuth, false)
	if !strings.Contains(r.Header["Authorization"][0], ";x-acs-meta;") {
		t.Fatalf("x-acs-meta not signed: %s", r.Header["Authorization"][0])
	}
	mustVerify(t, r, testCreds.AccessKeySecret)
	r.Header["X-Acs-Meta"] = []string{"a", "c"}
	s, err := Parse(r)
	ok(t, err)
	wantCode(t, s.Verify(testCreds.AccessKeySecret), CodeSignatureDoesNotMatch)

	// A nil header map is allocated; an empty path signs as "/".
	n := &Request{Method: "GET", Host: "h", RawQuery: "a=b"}
	n.Header = nil
	if err := SignV3(n, testCreds, testNow, "n"); err == nil {
		t.Fatal("signed without x-acs-action")
	}
	n.Header["X-Acs-Action"] = []string{"A"}
	n.Header["X-Acs-Version"] = []string{"V"}
	ok(t, SignV3(n, testCreds, testNow, "n"))
	mustVerify(t, n, testCreds.AccessKeySecret)
	n.Path = "/"
	mustVerify(t, n, testCreds.AccessKeySecret)
}

func TestVerifyZeroSigned(t *testing.T) {
	wantCode(t, (&Signed{}).Verify(""), CodeSignatureDoesNotMatch)
	wantCode(t, (&Signed{Scheme: V1}).Verify(""), CodeSignatureDoesNotMatch)
	wantCode(t, (&Signed{Scheme: V3}).Verify(""), CodeSignatureDoesNotMatch)
}

// TestConstantTimeComparison checks the source: signatures are compared
// only with hmac.Equal (crypto/subtle underneath), never with ==, bytes.Equal
// or strings functions, which stop at the first differing byte.
func TestConstantTimeComparison(t *testing.T) {
	files, err := filepath.Glob("*.go")
	ok(t, err)
	fset := token.NewFileSet()
	hmacEqual := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		ok(t, err)
		for _, imp := range f.Imports {
			if imp.Path.Value == `"bytes"` {
				t.Errorf("%s imports bytes; compare signatures with hmac.Equal", name)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "hmac" && n.Sel.Name == "Equal" {
					hmacEqual++
				}
			case *ast.BinaryExpr:
				if n.Op != token.EQL && n.Op != token.NEQ {
					break
				}
				for _, side := range []ast.Expr{n.X, n.Y} {
					if mentionsSignature(side) {
						t.Errorf("%s: signature compared with %s", fset.Position(n.Pos()), n.Op)
					}
				}
			}
			return true
		})
	}
	if hmacEqual != 1 {
		t.Errorf("hmac.Equal used %d times; Verify should use it once", hmacEqual)
	}
}

func mentionsSignature(e ast.Expr) bool {
	if c, ok := e.(*ast.CallExpr); ok {
		if f, ok := c.Fun.(*ast.Ident); ok && f.Name == "len" {
			return false // lengths are not secret
		}
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if n.Name == "got" || n.Name == "sig" {
				found = true
			}
		case *ast.SelectorExpr:
			if n.Sel.Name == "signature" {
				found = true
			}
		}
		return !found
	})
	return found
}
