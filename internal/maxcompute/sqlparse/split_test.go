package sqlparse

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name, in string
		want     []Piece
	}{
		{"empty", "", nil},
		{"only blanks and comments", " \n-- c;\n/* ; */ ;;\t", nil},
		{"one without semicolon", "list users", []Piece{{"list users", 0, 1, 1}}},
		{"odpscmd -e", "a; b;", []Piece{{"a", 0, 1, 1}, {"b", 3, 1, 4}}},
		{"seed script",
			"-- Add the RAM role to the MaxCompute project\nadd user `RAM$acc:role/testRole`;\n-- View all users in the project\nlist users;\n" +
				"-- Check the permissions granted to the role\nshow grants for `RAM$acc:role/testRole`;\n",
			[]Piece{
				{"add user `RAM$acc:role/testRole`", 46, 2, 1},
				{"list users", 113, 4, 1},
				{"show grants for `RAM$acc:role/testRole`", 170, 6, 1},
			}},
		{"semicolons in strings", `select 'a;b', "c;d" from t; x`, []Piece{{`select 'a;b', "c;d" from t`, 0, 1, 1}, {"x", 28, 1, 29}}},
		{"escaped quotes", `select 'it\'s;', "say \";\"", '\\'; y`, []Piece{{`select 'it\'s;', "say \";\"", '\\'`, 0, 1, 1}, {"y", 36, 1, 37}}},
		{"doubled single quote", `select 'a'';'; z`, []Piece{{`select 'a'';'`, 0, 1, 1}, {"z", 15, 1, 16}}},
		{"semicolons in backticks", "select `a;b`, `c``;d` from t; w", []Piece{{"select `a;b`, `c``;d` from t", 0, 1, 1}, {"w", 30, 1, 31}}},
		{"backslash in backticks", "select `a\\`; v", []Piece{{"select `a\\`", 0, 1, 1}, {"v", 13, 1, 14}}},
		{"line comments", "select 1 -- a; b\n; -- c;\nselect 2", []Piece{{"select 1", 0, 1, 1}, {"select 2", 25, 3, 1}}},
		{"line comment at the end", "x -- y; z", []Piece{{"x", 0, 1, 1}}},
		{"block comments", "/* x; */ select /* ; */ 1 /* y */; /**/select 2/*", []Piece{{"select /* ; */ 1", 9, 1, 10}, {"select 2/*", 39, 1, 40}}},
		{"unterminated string", "select 'a; select 2", []Piece{{"select 'a; select 2", 0, 1, 1}}},
		{"unterminated backtick", "a; select `a; b", []Piece{{"a", 0, 1, 1}, {"select `a; b", 3, 1, 4}}},
		{"unterminated ends in a blank", "a; '; \n", []Piece{{"a", 0, 1, 1}, {"'; \n", 3, 1, 4}}},
		{"unterminated block comment alone", "a; /* b; c", []Piece{{"a", 0, 1, 1}, {"/* b; c", 3, 1, 4}}},
		{"minus is not a comment", "select 1-2; select -3", []Piece{{"select 1-2", 0, 1, 1}, {"select -3", 12, 1, 13}}},
		{"slash is not a comment", "select 4/2;", []Piece{{"select 4/2", 0, 1, 1}}},
		{"columns in characters", "select '中文'; 中", []Piece{{"select '中文'", 0, 1, 1}, {"中", 17, 1, 14}}},
		{"crlf", "a;\r\n  b\r\n;", []Piece{{"a", 0, 1, 1}, {"b", 6, 2, 3}}},
		{"invalid utf-8 kept", "a\xff; b", []Piece{{"a\xff", 0, 1, 1}, {"b", 4, 1, 5}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Split(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Split(%q)\ngot  %#v\nwant %#v", c.in, got, c.want)
			}
			checkCover(t, c.in, got)
		})
	}
}

// checkCover checks what FuzzSplit checks: pieces are the script's text at
// their offsets, in order, at the line and column of their offset, each
// trimmed; what lies between them is only blanks, comments and ';'; and a
// piece splits to itself.
func checkCover(t *testing.T, script string, pieces []Piece) {
	t.Helper()
	prev := 0
	var gaps strings.Builder
	for _, pc := range pieces {
		if pc.Text == "" || pc.Offset < prev || pc.Offset+len(pc.Text) > len(script) || script[pc.Offset:pc.Offset+len(pc.Text)] != pc.Text {
			t.Fatalf("piece %#v is not the script's text after offset %d", pc, prev)
		}
		if line, col := lineCol(script, pc.Offset); line != pc.Line || col != pc.Col {
			t.Fatalf("piece %#v starts at %d,%d", pc, line, col)
		}
		// Only an unterminated string, name or comment, which runs to the
		// end of the script, may end in a blank.
		if isSpace(pc.Text[0]) || isSpace(pc.Text[len(pc.Text)-1]) && pc.Offset+len(pc.Text) != len(script) {
			t.Fatalf("piece %q is not trimmed", pc.Text)
		}
		gaps.WriteString(script[prev:pc.Offset])
		gaps.WriteString("\n")
		prev = pc.Offset + len(pc.Text)
		again, err := Split(pc.Text)
		if err != nil || len(again) != 1 || again[0].Text != pc.Text || again[0].Offset != 0 {
			t.Fatalf("piece %q splits to %#v, %v", pc.Text, again, err)
		}
	}
	gaps.WriteString(script[prev:])
	if rest, err := Split(gaps.String()); err != nil || len(rest) != 0 {
		t.Fatalf("between the pieces of %q: %#v, %v", script, rest, err)
	}
}

// lineCol is the 1-based line and column (in characters, counted at the
// first byte of each) of byte offset off.
func lineCol(s string, off int) (int, int) {
	line, col := 1, 1
	for i := 0; i < off; i++ {
		switch {
		case s[i] == '\n':
			line, col = line+1, 1
		case s[i]&0xC0 != 0x80:
			col++
		}
	}
	return line, col
}

// A Split piece parses on its own, and a ParseError in it is placed in the
// script by adding the piece's position.
func TestSplitThenParse(t *testing.T) {
	script := "list users;\n  add user `RAM$a:role/r`;\nselect * frm t;"
	pieces, err := Split(script)
	if err != nil || len(pieces) != 3 {
		t.Fatalf("%#v %v", pieces, err)
	}
	mustParse(t, pieces[0].Text)
	mustParse(t, pieces[1].Text)
	pe := parseErr(t, pieces[2].Text)
	if pieces[2].Line+pe.Line-1 != 3 || pe.Col != 10 {
		t.Fatalf("error %v in piece %#v", pe, pieces[2])
	}
}
