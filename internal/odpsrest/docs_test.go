package odpsrest_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/odpsrest"
)

var update = flag.Bool("update", false, "rewrite the REST path table of docs/maxcompute.md from the routes")

// TestDocsPaths keeps the REST path table of docs/maxcompute.md equal to
// the declared routes. Run `go test ./internal/odpsrest -run Docs -update`
// after changing a route.
func TestDocsPaths(t *testing.T) {
	const path = "../../docs/maxcompute.md"
	const begin, end = "<!-- rest-paths:begin -->\n", "<!-- rest-paths:end -->"
	var b strings.Builder
	b.WriteString("| Method | Path | Query flag | Operation | What |\n|---|---|---|---|---|\n")
	h := odpsrest.New(odpsrest.Options{})
	defer h.Close()
	for _, op := range h.Operations() {
		flags := ""
		if op.Flags != "" {
			flags = "`" + strings.ReplaceAll(op.Flags, "|", "`, `") + "`"
		}
		b.WriteString("| " + op.Method + " | `" + op.Path + "` | " + flags + " | " + op.Name + " | " + op.Doc + " |\n")
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", path, begin, end)
	}
	want := s[:i+len(begin)] + b.String() + s[j:]
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if s != want {
		t.Fatal("the REST path table of docs/maxcompute.md is out of date: run go test ./internal/odpsrest -run Docs -update")
	}
}
