package sqlparse

import (
	"errors"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// short cuts long statements in messages.
func short(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

func mustParse(t *testing.T, stmt string) sqlast.Statement {
	t.Helper()
	st, err := Parse(stmt)
	if err != nil {
		t.Fatalf("Parse(%q): %v", short(stmt), err)
	}
	return st
}

// parseErr returns Parse's error, which must be a *ParseError.
func parseErr(t *testing.T, stmt string) *ParseError {
	t.Helper()
	st, err := Parse(stmt)
	if err == nil {
		t.Fatalf("Parse(%q) = %s, want an error", short(stmt), short(format(st)))
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q) error %v is %T, want *ParseError", short(stmt), err, err)
	}
	if st != nil {
		t.Fatalf("Parse(%q) returned a statement with its error", short(stmt))
	}
	return pe
}

// canonical is one parse-and-format case.
type canonical struct {
	in, want string
}

func runCanonical(t *testing.T, cases []canonical) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			st := mustParse(t, c.in)
			got := format(st)
			if got != c.want {
				t.Fatalf("Parse(%q)\ngot  %s\nwant %s", c.in, got, c.want)
			}
			// The canonical form reads back to itself.
			again := mustParse(t, got)
			if g := format(again); g != got {
				t.Fatalf("format is not a fixpoint:\nfirst  %s\nsecond %s", got, g)
			}
			if sqlast.IsSecurity(st) != IsSecurityText(c.in) {
				t.Fatalf("IsSecurityText(%q) = %v, statement %T", c.in, IsSecurityText(c.in), st)
			}
		})
	}
}

// errCase is a statement and the exact error it gives.
type errCase struct {
	in, want string
}

func runErrors(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := parseErr(t, c.in).Error(); got != c.want {
				t.Fatalf("Parse(%q)\ngot  %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}
