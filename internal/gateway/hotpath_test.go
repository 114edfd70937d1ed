package gateway

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Tests of the front door's hot-path shortcuts: each must give exactly what
// the general code it replaces gives.

// TestQueryGetMatchesParseQuery checks queryGet against url.ParseQuery on
// edge cases, and by fuzzing.
func TestQueryGetMatchesParseQuery(t *testing.T) {
	for _, raw := range queryCorpus {
		for _, name := range []string{"Signature", "Format", "a", "a b", ""} {
			checkQueryGet(t, raw, name)
		}
	}
	// Over net/url's limit on the number of parameters, nothing is parsed.
	checkQueryGet(t, strings.Repeat("a=1&", maxQueryParams)+"Signature=x", "Signature")
	checkQueryGet(t, strings.Repeat("a=1&", maxQueryParams-1)+"Signature=x", "Signature")
}

var queryCorpus = []string{
	"", "Signature", "Signature=", "Signature=x", "Format=XML&Signature=abc", "a=1&a=2", "a=%zz&a=2", "a;b=1&a=3",
	"%53ignature=x", "Sig%6eature=y&Signature=z", "a+b=1&a%20b=2", "a=1+2&a=%41", "&&a=&", "=x&a", "a=1;Format=XML&Format=json",
	"Format=%G1&Format=XML", "Signature=%&Signature=ok",
}

func checkQueryGet(t *testing.T, raw, name string) {
	t.Helper()
	q, _ := url.ParseQuery(raw)
	got, ok := queryGet(raw, name)
	if ok != q.Has(name) || got != q.Get(name) {
		t.Errorf("queryGet(%q, %q) = %q, %v; url.ParseQuery gives %q, %v", raw, name, got, ok, q.Get(name), q.Has(name))
	}
}

func FuzzQueryGet(f *testing.F) {
	for _, raw := range queryCorpus {
		f.Add(raw, "Signature")
		f.Add(raw, "a")
	}
	f.Fuzz(func(t *testing.T, raw, name string) {
		checkQueryGet(t, raw, name)
	})
}

// TestWriteBodySkipsOnlyTheCompactPass checks that writeBody's direct call
// of requestIDFirst.MarshalJSON gives the bytes json.Marshal gives.
func TestWriteBodySkipsOnlyTheCompactPass(t *testing.T) {
	results := []any{
		nil,
		struct{}{},
		map[string]any{"b": 1, "a": "<&>\u2028"},
		struct {
			Role struct{ Arn, Doc string }
			N    []int
		}{Role: struct{ Arn, Doc string }{"acs:ram::1:role/r", `{"Statement":[{"Effect":"Allow"}]} <html>`}, N: []int{1, 2}},
	}
	for _, r := range results {
		v := withRequestID(r, "6894B13B-6D71-4EF5-88FA-F32781734A7F")
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		writeBody(rec, 200, false, "X", v)
		if got := rec.Body.String(); got != string(want) {
			t.Errorf("writeBody wrote %s, json.Marshal gives %s", got, want)
		}
		if rec.Header().Get("Content-Type") != contentJSON || rec.Header().Get("Content-Length") != fmt.Sprint(len(want)) {
			t.Errorf("headers %v", rec.Header())
		}
	}
}
