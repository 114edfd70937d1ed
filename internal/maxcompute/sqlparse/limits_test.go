package sqlparse

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEmptyAndTrailing(t *testing.T) {
	runErrors(t, []errCase{
		{"", "ODPS-0130161:[1,1] Parse exception - empty statement"},
		{"  \n -- only a comment\n /* and another */ ", "ODPS-0130161:[3,20] Parse exception - empty statement"},
		{";", "ODPS-0130161:[1,1] Parse exception - invalid token ';', expect a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"},
		{"whoami garbage", "ODPS-0130161:[1,8] Parse exception - invalid token 'garbage', expect end of statement"},
		{"whoami; whoami", "ODPS-0130161:[1,9] Parse exception - invalid token 'whoami', expect end of statement (one statement at a time)"},
		{"select 1; select 2;", "ODPS-0130161:[1,11] Parse exception - invalid token 'select', expect end of statement (one statement at a time)"},
		{"select 'a\nb' x y", "ODPS-0130161:[2,6] Parse exception - invalid token 'y', expect 'FROM'"},
		{"select '" + strings.Repeat("x", 60) + "' '" + strings.Repeat("y", 60) + "'",
			"ODPS-0130161:[1,71] Parse exception - invalid token ''" + strings.Repeat("y", 39) + "...', expect 'FROM'"},
		{"select 'a\nb' 'c\nd'", "ODPS-0130161:[2,4] Parse exception - invalid token ''c...', expect 'FROM'"},
	})
	for _, ok := range []string{"whoami;", "whoami ; -- done", "whoami;\n/* done */\n", "\n\n  whoami"} {
		mustParse(t, ok)
	}
}

func TestLimits(t *testing.T) {
	// Nesting: the query and its top expression are two levels, each
	// parenthesis one more; one level too many is a clear error.
	deep := func(n int, open, close string) string {
		return "select " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	mustParse(t, deep(MaxDepth-2, "(", ")"))
	for _, s := range []string{
		deep(MaxDepth-1, "(", ")"),
		deep(100_000, "(", ")"),
		deep(100_000, "not ", ""),
		deep(100_000, "- ", ""),
		deep(100_000, "f(", ")"),
		deep(100_000, "(select ", ")"),
		deep(10_000, "case when ", " then 1 end"),
		"create table t (a " + strings.Repeat("array<", 100_000) + "int" + strings.Repeat(">", 100_000) + ")",
		"select * from " + strings.Repeat("(select * from ", 10_000) + "t" + strings.Repeat(")", 10_000),
	} {
		pe := parseErr(t, s)
		if want := fmt.Sprintf("nesting deeper than %d levels", MaxDepth); pe.Message != want {
			t.Fatalf("%.40s...: %v", s, pe)
		}
	}
	// A long flat expression is not deep.
	mustParse(t, "select "+strings.Repeat("1 + ", 20_000)+"1")
	mustParse(t, "select "+strings.Repeat("a or ", 20_000)+"a")

	// Tokens.
	mustParse(t, "select "+strings.Repeat("1,", (MaxTokens-2)/2)+"1")
	pe := parseErr(t, "select "+strings.Repeat("1,", MaxTokens/2)+"1")
	if want := fmt.Sprintf("statement has more than %d tokens", MaxTokens); pe.Message != want || pe.Line != 1 {
		t.Fatalf("got %v", pe)
	}

	// Length.
	long := "select '" + strings.Repeat("x", MaxStatementBytes) + "'"
	pe = parseErr(t, long)
	if pe.Error() != fmt.Sprintf("ODPS-0130161:[1,1] Parse exception - statement of %d bytes exceeds the limit of %d bytes", len(long), MaxStatementBytes) {
		t.Fatalf("got %v", pe)
	}
	mustParse(t, "select '"+strings.Repeat("x", MaxStatementBytes-9)+"'")

	_, err := Split(strings.Repeat(" ", MaxScriptBytes+1))
	var se *ParseError
	if !errors.As(err, &se) || se.Error() != fmt.Sprintf("ODPS-0130161:[1,1] Parse exception - script of %d bytes exceeds the limit of %d bytes", MaxScriptBytes+1, MaxScriptBytes) {
		t.Fatalf("Split: %v", err)
	}
}

func TestParseErrorFormat(t *testing.T) {
	e := &ParseError{Line: 3, Col: 14, Message: "invalid token 'frm', expect 'FROM'"}
	if got, want := e.Error(), "ODPS-0130161:[3,14] Parse exception - invalid token 'frm', expect 'FROM'"; got != want {
		t.Fatalf("got %s", got)
	}
}
