package sqlparse

import (
	"reflect"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// exprCases parse "select <in>" and compare the expression printed with
// full parentheses, which shows the tree.
func TestExpressionPrecedence(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a or b and c", "(a OR (b AND c))"},
		{"a and b or c", "((a AND b) OR c)"},
		{"not a and b", "((NOT a) AND b)"},
		{"not a = b", "(NOT (a = b))"},
		{"not not a", "(NOT (NOT a))"},
		{"a = b and c <> d", "((a = b) AND (c <> d))"},
		{"a != b", "(a <> b)"},
		{"a < b or a <= b or a > b or a >= b", "((((a < b) OR (a <= b)) OR (a > b)) OR (a >= b))"},
		{"a || b = c", "((a || b) = c)"},
		{"a + b || c", "((a + b) || c)"},
		{"a + b * c", "(a + (b * c))"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b % c * d", "(((a / b) % c) * d)"},
		{"-a * b", "((- a) * b)"},
		{"- - a", "(- (- a))"},
		{"-(a + b)", "(- (a + b))"},
		{"(a + b) * c", "((a + b) * c)"},
		{"a like 'x%' and b not like 'y'", "((a LIKE 'x%') AND (NOT (b LIKE 'y')))"},
		{"a rlike '^x' or a not rlike 'y'", "((a RLIKE '^x') OR (NOT (a RLIKE 'y')))"},
		{"a is null and b is not null", "((a IS NULL) AND (b IS NOT NULL))"},
		{"a + 1 is null", "((a + 1) IS NULL)"},
		{"a between 1 and 2 and b", "((a BETWEEN 1 AND 2) AND b)"},
		{"a not between b + 1 and c || d", "(a NOT BETWEEN (b + 1) AND (c || d))"},
		{"a in (1, 2) and b not in (select c from u)", "((a IN (1, 2)) AND (b NOT IN (SELECT c FROM u)))"},
		{"(a = b) = c", "((a = b) = c)"},
		{"a = (b = c)", "(a = (b = c))"},
		{"f(a, b + 1)", "f(a, (b + 1))"},
		{"case when a then 1 when b then 2 else 3 end", "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"},
		{"case a + 1 when 1 then 'x' end", "CASE (a + 1) WHEN 1 THEN 'x' END"},
		{"cast(a + 1 as string) || 'x'", "(CAST((a + 1) AS STRING) || 'x')"},
		{"exists (select 1) or not exists (select 2)", "(EXISTS (SELECT 1) OR (NOT EXISTS (SELECT 2)))"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			s := mustParse(t, "select "+c.in).(*sqlast.Select)
			if got := paren(s.Items[0].Expr); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			// The minimal-parentheses form reads back to the same tree.
			back := mustParse(t, format(s)).(*sqlast.Select)
			if got := paren(back.Items[0].Expr); got != c.want {
				t.Fatalf("after format %q: got %s, want %s", format(s), got, c.want)
			}
		})
	}
}

// paren prints an expression with every operation in parentheses.
func paren(e sqlast.Expr) string {
	switch x := e.(type) {
	case *sqlast.Binary:
		return "(" + paren(x.Left) + " " + x.Op + " " + paren(x.Right) + ")"
	case *sqlast.Unary:
		return "(" + x.Op + " " + paren(x.X) + ")"
	case *sqlast.IsNull:
		if x.Not {
			return "(" + paren(x.X) + " IS NOT NULL)"
		}
		return "(" + paren(x.X) + " IS NULL)"
	case *sqlast.Between:
		not := ""
		if x.Not {
			not = " NOT"
		}
		return "(" + paren(x.X) + not + " BETWEEN " + paren(x.Lo) + " AND " + paren(x.Hi) + ")"
	case *sqlast.In:
		var f formatter
		f.expr(x, 0)
		return "(" + f.String() + ")"
	case *sqlast.FuncCall:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = paren(a)
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	case *sqlast.Case:
		s := "CASE"
		if x.Operand != nil {
			s += " " + paren(x.Operand)
		}
		for _, w := range x.Whens {
			s += " WHEN " + paren(w.Cond) + " THEN " + paren(w.Result)
		}
		if x.Else != nil {
			s += " ELSE " + paren(x.Else)
		}
		return s + " END"
	case *sqlast.Cast:
		var f formatter
		f.typ(x.Type)
		return "CAST(" + paren(x.X) + " AS " + f.String() + ")"
	}
	var f formatter
	f.expr(e, 0)
	return f.String()
}

func TestLiterals(t *testing.T) {
	cases := []struct {
		in   string
		kind sqlast.LiteralKind
		val  string
	}{
		{"1", sqlast.LitInt, "1"},
		{"007", sqlast.LitInt, "007"},
		{"9223372036854775808", sqlast.LitInt, "9223372036854775808"},
		{"1L", sqlast.LitBigint, "1"},
		{"1l", sqlast.LitBigint, "1"},
		{"2S", sqlast.LitSmallint, "2"},
		{"32768s", sqlast.LitSmallint, "32768"},
		{"3Y", sqlast.LitTinyint, "3"},
		{"128y", sqlast.LitTinyint, "128"},
		{"1.5", sqlast.LitDouble, "1.5"},
		{"1e3", sqlast.LitDouble, "1e3"},
		{"1.5E-3", sqlast.LitDouble, "1.5E-3"},
		{"2e+10", sqlast.LitDouble, "2e+10"},
		{"3.14F", sqlast.LitFloat, "3.14"},
		{"3f", sqlast.LitFloat, "3"},
		{"3.5BD", sqlast.LitDecimal, "3.5"},
		{"10bd", sqlast.LitDecimal, "10"},
		{"1e2BD", sqlast.LitDecimal, "1e2"},
		{"'abc'", sqlast.LitString, "abc"},
		{`"abc"`, sqlast.LitString, "abc"},
		{`''`, sqlast.LitString, ""},
		{`'it\'s'`, sqlast.LitString, "it's"},
		{`"say \"hi\""`, sqlast.LitString, `say "hi"`},
		{`'a"b'`, sqlast.LitString, `a"b`},
		{`"a'b"`, sqlast.LitString, `a'b`},
		{`'\\ \n \t \r \b \0'`, sqlast.LitString, "\\ \n \t \r \b \x00"},
		{`'\001\012\177x'`, sqlast.LitString, "\x01\n\x7fx"},
		{`'\08'`, sqlast.LitString, "\x008"},
		{`'\u4e2d\u6587'`, sqlast.LitString, "中文"},
		{`'\uD83D\uDE00'`, sqlast.LitString, "😀"},
		{`'a\%b\_c'`, sqlast.LitString, `a\%b\_c`},
		{"'中文 😀'", sqlast.LitString, "中文 😀"},
		{"'line1\nline2\ttab'", sqlast.LitString, "line1\nline2\ttab"},
		{"'a;b--c/*d*/'", sqlast.LitString, "a;b--c/*d*/"},
		{"true", sqlast.LitBool, "true"},
		{"FALSE", sqlast.LitBool, "false"},
		{"null", sqlast.LitNull, ""},
		{"date '2026-11-26'", sqlast.LitDate, "2026-11-26"},
		{"DATETIME '2026-11-26 12:00:00'", sqlast.LitDatetime, "2026-11-26 12:00:00"},
		{"timestamp '2026-11-26 12:00:00.123456789'", sqlast.LitTimestamp, "2026-11-26 12:00:00.123456789"},
		{"timestamp \"2026-11-26 12:00:00\"", sqlast.LitTimestamp, "2026-11-26 12:00:00"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			st := mustParse(t, "select "+c.in)
			lit, ok := st.(*sqlast.Select).Items[0].Expr.(*sqlast.Literal)
			if !ok {
				t.Fatalf("got %#v", st.(*sqlast.Select).Items[0].Expr)
			}
			if lit.Kind != c.kind || lit.Value != c.val || lit.P != (sqlast.Pos{Line: 1, Col: 8}) {
				t.Fatalf("got %s %q at %v, want %s %q", lit.Kind, lit.Value, lit.P, c.kind, c.val)
			}
			back := mustParse(t, format(st)).(*sqlast.Select).Items[0].Expr.(*sqlast.Literal)
			if back.Kind != c.kind || back.Value != c.val {
				t.Fatalf("after format %q: got %s %q", format(st), back.Kind, back.Value)
			}
		})
	}
}

func TestExpressionShapes(t *testing.T) {
	st := zeroPos(mustParse(t, "select t.a not like 'x%', `b c`, count(distinct d, e), f()")).(*sqlast.Select)
	want := []sqlast.SelectItem{
		{Expr: &sqlast.Unary{Op: "NOT", X: &sqlast.Binary{Op: "LIKE",
			Left: &sqlast.ColumnRef{Qualifier: "t", Name: "a"}, Right: &sqlast.Literal{Kind: sqlast.LitString, Value: "x%"}}}},
		{Expr: &sqlast.ColumnRef{Name: "b c"}},
		{Expr: &sqlast.FuncCall{Name: "count", Distinct: true, Args: []sqlast.Expr{&sqlast.ColumnRef{Name: "d"}, &sqlast.ColumnRef{Name: "e"}}}},
		{Expr: &sqlast.FuncCall{Name: "f"}},
	}
	if !reflect.DeepEqual(st.Items, want) {
		t.Fatalf("got  %#v\nwant %#v", st.Items, want)
	}
	// Positions: a binary expression is where its left side starts.
	s := mustParse(t, "select\n  1 +\n  -x").(*sqlast.Select)
	b := s.Items[0].Expr.(*sqlast.Binary)
	if b.P != (sqlast.Pos{Line: 2, Col: 3}) || b.Right.Position() != (sqlast.Pos{Line: 3, Col: 3}) {
		t.Fatalf("positions %v %v", b.P, b.Right.Position())
	}
	if u := b.Right.(*sqlast.Unary); u.X.Position() != (sqlast.Pos{Line: 3, Col: 4}) {
		t.Fatalf("unary operand at %v", u.X.Position())
	}
	// Columns count characters, not bytes.
	s = mustParse(t, "select '中文', x").(*sqlast.Select)
	if p := s.Items[1].Expr.Position(); p != (sqlast.Pos{Line: 1, Col: 14}) {
		t.Fatalf("x at %v", p)
	}
}

func TestExpressionErrors(t *testing.T) {
	runErrors(t, []errCase{
		{"select a = b = c", "ODPS-0130161:[1,14] Parse exception - invalid token '=': comparisons do not chain, combine them with AND or use parentheses"},
		{"select a is null is null", "ODPS-0130161:[1,18] Parse exception - invalid token 'is': comparisons do not chain, combine them with AND or use parentheses"},
		{"select a not null", "ODPS-0130161:[1,14] Parse exception - invalid token 'null', expect one of 'LIKE', 'RLIKE', 'IN', 'BETWEEN'"},
		{"select a is 1", "ODPS-0130161:[1,13] Parse exception - invalid token '1', expect 'NULL'"},
		{"select a between 1", "ODPS-0130161:[1,19] Parse exception - invalid token '<EOF>', expect 'AND'"},
		{"select a = not b", "ODPS-0130161:[1,12] Parse exception - invalid token 'not', expect an expression"},
		{"select +1", "ODPS-0130161:[1,8] Parse exception - invalid token '+', expect an expression"},
		{"select (1", "ODPS-0130161:[1,10] Parse exception - invalid token '<EOF>', expect ')'"},
		{"select case end", "ODPS-0130161:[1,13] Parse exception - invalid token 'end', expect an expression"},
		{"select case a end", "ODPS-0130161:[1,15] Parse exception - invalid token 'end', expect 'WHEN'"},
		{"select case when a then b", "ODPS-0130161:[1,26] Parse exception - invalid token '<EOF>', expect one of 'WHEN', 'ELSE', 'END'"},
		{"select case when a then b else c", "ODPS-0130161:[1,33] Parse exception - invalid token '<EOF>', expect 'END'"},
		{"select case when a b end", "ODPS-0130161:[1,20] Parse exception - invalid token 'b', expect 'THEN'"},
		{"select cast(a)", "ODPS-0130161:[1,14] Parse exception - invalid token ')', expect 'AS'"},
		{"select cast(a as varchar(0))", "ODPS-0130161:[1,26] Parse exception - invalid VARCHAR length 0, expect 1 to 65535"},
		{"select cast a", "ODPS-0130161:[1,13] Parse exception - invalid token 'a', expect '('"},
		{"select date '2026-13-01'", "ODPS-0130161:[1,13] Parse exception - invalid DATE literal '2026-13-01', expect 'yyyy-mm-dd'"},
		{"select date '2026-02-30'", "ODPS-0130161:[1,13] Parse exception - invalid DATE literal '2026-02-30', expect 'yyyy-mm-dd'"},
		{"select datetime '2026-11-26'", "ODPS-0130161:[1,17] Parse exception - invalid DATETIME literal '2026-11-26', expect 'yyyy-mm-dd hh:mi:ss'"},
		{"select timestamp '2026-11-26T00:00:00'", "ODPS-0130161:[1,18] Parse exception - invalid TIMESTAMP literal '2026-11-26T00:00:00', expect 'yyyy-mm-dd hh:mi:ss[.fffffffff]'"},
		{"select 'a' 'b'", "ODPS-0130161:[1,12] Parse exception - invalid token ''b'', expect 'FROM'"},
		{"select 1.5L", "ODPS-0130161:[1,8] Parse exception - invalid number literal '1.5L'"},
		{"select 1e3Y", "ODPS-0130161:[1,8] Parse exception - invalid number literal '1e3Y'"},
		{"select 12abc", "ODPS-0130161:[1,8] Parse exception - invalid number literal '12abc'"},
		{"select 1e", "ODPS-0130161:[1,8] Parse exception - invalid number literal '1e'"},
		{"select 1D", "ODPS-0130161:[1,8] Parse exception - invalid number literal '1D'"},
		{"select 129Y", "ODPS-0130161:[1,8] Parse exception - integer literal 129Y is out of the TINYINT range"},
		{"select 32769S", "ODPS-0130161:[1,8] Parse exception - integer literal 32769S is out of the SMALLINT range"},
		{"select 9223372036854775809", "ODPS-0130161:[1,8] Parse exception - integer literal 9223372036854775809 is out of the BIGINT range"},
		{"select 99999999999999999999L", "ODPS-0130161:[1,8] Parse exception - integer literal 99999999999999999999L is out of the BIGINT range"},
		{"select 1.", "ODPS-0130161:[1,9] Parse exception - invalid token '.', expect 'FROM'"},
		{"select .5", "ODPS-0130161:[1,8] Parse exception - invalid token '.', expect an expression"},
		{"select 'abc", "ODPS-0130161:[1,8] Parse exception - unterminated string literal: missing closing '"},
		{`select "abc`, `ODPS-0130161:[1,8] Parse exception - unterminated string literal: missing closing "`},
		{`select 'abc\`, `ODPS-0130161:[1,12] Parse exception - unterminated string literal: '\' at the end`},
		{`select 'abc\'`, "ODPS-0130161:[1,8] Parse exception - unterminated string literal: missing closing '"},
		{`select '\d'`, `ODPS-0130161:[1,9] Parse exception - invalid escape sequence '\d' in string literal`},
		{`select 'x\400'`, `ODPS-0130161:[1,10] Parse exception - invalid escape sequence '\4' in string literal`},
		{`select '\200'`, `ODPS-0130161:[1,9] Parse exception - octal escape \200 is above \177: write the character itself or \u0080`},
		{`select '\u12'`, `ODPS-0130161:[1,9] Parse exception - invalid escape: '\u' must be followed by four hex digits`},
		{`select '\u12g4'`, `ODPS-0130161:[1,9] Parse exception - invalid escape: '\u' must be followed by four hex digits`},
		{`select '\uDE00'`, `ODPS-0130161:[1,9] Parse exception - invalid escape: \uDE00 is a lone low surrogate`},
		{`select '\uD83Dx'`, `ODPS-0130161:[1,9] Parse exception - invalid escape: \uD83D is a high surrogate not followed by a low one`},
		{`select '\uD83D\u0041'`, `ODPS-0130161:[1,9] Parse exception - invalid escape: \uD83D is a high surrogate not followed by a low one`},
		{"select 'a\x01b'", "ODPS-0130161:[1,10] Parse exception - invalid control character U+0001 in string literal: write it as an escape such as \\t or \\001"},
		{"select `a", "ODPS-0130161:[1,8] Parse exception - unterminated quoted identifier: missing closing `"},
		{"select ``", "ODPS-0130161:[1,8] Parse exception - empty quoted identifier"},
		{"select `a\nb`", "ODPS-0130161:[1,10] Parse exception - invalid control character U+000A in quoted identifier"},
		{"select a /* never closed", "ODPS-0130161:[1,10] Parse exception - unterminated comment: '/*' without '*/'"},
		{"select a # b", "ODPS-0130161:[1,10] Parse exception - invalid character '#'"},
		{"select a == b", "ODPS-0130161:[1,11] Parse exception - invalid token '=', expect an expression"},
		{"select a & b", "ODPS-0130161:[1,10] Parse exception - invalid character '&'"},
		{"select a\u00a0b", "ODPS-0130161:[1,9] Parse exception - invalid character U+00A0"},
		{"select a\u200bb", "ODPS-0130161:[1,9] Parse exception - invalid character U+200B"},
		{"select 中文", "ODPS-0130161:[1,8] Parse exception - invalid character '中'"},
		{"select a\x00", "ODPS-0130161:[1,9] Parse exception - invalid character U+0000"},
		{"select '\xff'", "ODPS-0130161:[1,9] Parse exception - invalid UTF-8 byte 0xff"},
		{"select '\uFFFD' \xff", "ODPS-0130161:[1,12] Parse exception - invalid UTF-8 byte 0xff"},
		{"select\n'é\xc3'", "ODPS-0130161:[2,3] Parse exception - invalid UTF-8 byte 0xc3"},
	})
}
