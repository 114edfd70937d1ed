package headerindex

import (
	"net/http"
	"slices"
	"testing"
)

func TestIndex(t *testing.T) {
	h := New(map[string][]string{"X-Acs-Action": {"b"}, "x-acs-action": {"a"}, "Host": {"h"}, "Empty": nil})
	if !slices.Equal(h["x-acs-action"], []string{"b", "a"}) {
		t.Fatalf("two spellings: %q, want the sorted names' values in order", h["x-acs-action"])
	}
	if v, dup := h.One("host"); v != "h" || dup {
		t.Fatalf("One(host) = %q %v", v, dup)
	}
	if v, dup := h.One("x-acs-action"); v != "" || !dup {
		t.Fatalf("One of a repeated header = %q %v", v, dup)
	}
	if v, dup := h.One("absent"); v != "" || dup {
		t.Fatalf("One of an absent header = %q %v", v, dup)
	}
	std := http.Header{}
	std.Add("Content-Type", "application/json")
	if v, _ := New(std).One("content-type"); v != "application/json" {
		t.Fatalf("http.Header: %q", v)
	}
}

func TestSet(t *testing.T) {
	m := map[string][]string{"x-acs-date": {"a"}, "X-Acs-Date": {"b"}, "Host": {"h"}}
	Set(m, "x-ACS-date", "c")
	if len(m) != 2 || !slices.Equal(m["X-Acs-Date"], []string{"c"}) {
		t.Fatalf("Set replaced every spelling with one canonical key: %v", m)
	}
	Set(m, "host", "")
	if _, ok := m["Host"]; ok || len(m) != 1 {
		t.Fatalf("an empty value removes the header: %v", m)
	}
}
