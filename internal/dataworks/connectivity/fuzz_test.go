package connectivity

import (
	"strings"
	"testing"
)

// FuzzTableIdent: a preview's table name is refused or becomes one or two
// double-quoted identifiers that read back as themselves, so no text of
// the name can end the quoting and reach the SQL.
func FuzzTableIdent(f *testing.F) {
	for _, seed := range []string{`sales`, `public.sales`, `"Mixed"."Case"`, `a"b`, `"a""b"`, `x;drop table y`, ` . `, `a.b.c`, `"unterminated`, "a\x00b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ident, err := tableIdent(name)
		if err != nil {
			return
		}
		if !strings.HasPrefix(ident, `"`) || !strings.HasSuffix(ident, `"`) || strings.ContainsRune(ident, 0) {
			t.Fatalf("%q -> %q is not quoted identifiers", name, ident)
		}
		again, err := tableIdent(ident)
		if err != nil || again != ident {
			t.Fatalf("%q -> %q reads back as %q (%v)", name, ident, again, err)
		}
	})
}
