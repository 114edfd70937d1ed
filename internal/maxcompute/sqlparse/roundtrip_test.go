package sqlparse

import (
	"math/rand"
	"reflect"
	"strconv"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// TestRandomExpressionRoundTrip builds random expression trees, prints them
// with format (minimal parentheses) and checks that Parse gives back the
// same tree: precedence and associativity of parser and printer agree for
// every kind of expression.
func TestRandomExpressionRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		want := &sqlast.Select{Items: []sqlast.SelectItem{{Expr: randExpr(r, 4)}}}
		text := format(want)
		st, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if got := zeroPos(st); !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q)\ngot  %s\nwant %s", text, paren(got.(*sqlast.Select).Items[0].Expr), paren(want.Items[0].Expr))
		}
	}
}

var (
	randNames   = []string{"a", "b", "date", "select", "a b", "x`y", "_1", "中"}
	randStrings = []string{"", "x", "it's", `say "hi"`, "a\\b", "\n\t\r", "\x00\x01\x7f", "中文😀", `\%`, "--;/*"}
	randOps     = []string{"OR", "AND", "=", "<>", "<", "<=", ">", ">=", "LIKE", "RLIKE", "||", "+", "-", "*", "/", "%"}
	randKinds   = []sqlast.LiteralKind{sqlast.LitNull, sqlast.LitBool, sqlast.LitInt, sqlast.LitBigint, sqlast.LitSmallint,
		sqlast.LitTinyint, sqlast.LitDouble, sqlast.LitFloat, sqlast.LitDecimal, sqlast.LitString, sqlast.LitDate,
		sqlast.LitDatetime, sqlast.LitTimestamp}
	randTypes = []*sqlast.Type{{Name: "BIGINT"}, {Name: "STRING"}, {Name: "DECIMAL", Params: []int{10, 2}},
		{Name: "ARRAY", Elem: []*sqlast.Type{{Name: "INT"}}}, {Name: "STRUCT", Fields: []sqlast.Field{{Name: "select", Type: &sqlast.Type{Name: "DATE"}}}}}
)

func randLiteral(r *rand.Rand) *sqlast.Literal {
	l := &sqlast.Literal{Kind: randKinds[r.Intn(len(randKinds))]}
	switch l.Kind {
	case sqlast.LitBool:
		l.Value = []string{"true", "false"}[r.Intn(2)]
	case sqlast.LitInt, sqlast.LitBigint, sqlast.LitSmallint, sqlast.LitTinyint, sqlast.LitFloat, sqlast.LitDecimal:
		l.Value = strconv.Itoa(r.Intn(128))
	case sqlast.LitDouble:
		l.Value = []string{"1.5", "2e10", "0.25E-3"}[r.Intn(3)]
	case sqlast.LitString:
		l.Value = randStrings[r.Intn(len(randStrings))]
	case sqlast.LitDate:
		l.Value = "2026-11-26"
	case sqlast.LitDatetime:
		l.Value = "2026-11-26 12:00:00"
	case sqlast.LitTimestamp:
		l.Value = "2026-11-26 12:00:00.123"
	}
	return l
}

func randQuery(r *rand.Rand, depth int) *sqlast.Select {
	return &sqlast.Select{Items: []sqlast.SelectItem{{Expr: randExpr(r, depth-1)}},
		From: &sqlast.FromClause{Source: sqlast.TableSource{Table: &sqlast.TableName{Table: "t"}}}}
}

func randExpr(r *rand.Rand, depth int) sqlast.Expr {
	if depth <= 0 {
		if r.Intn(2) == 0 {
			return randLiteral(r)
		}
		c := &sqlast.ColumnRef{Name: randNames[r.Intn(len(randNames))]}
		if r.Intn(3) == 0 {
			c.Qualifier = randNames[r.Intn(len(randNames))]
		}
		return c
	}
	sub := func() sqlast.Expr { return randExpr(r, r.Intn(depth)) }
	switch r.Intn(12) {
	case 0, 1, 2:
		return &sqlast.Binary{Op: randOps[r.Intn(len(randOps))], Left: sub(), Right: sub()}
	case 3:
		return &sqlast.Unary{Op: []string{"NOT", "-"}[r.Intn(2)], X: sub()}
	case 4:
		return &sqlast.IsNull{X: sub(), Not: r.Intn(2) == 0}
	case 5:
		in := &sqlast.In{X: sub(), Not: r.Intn(2) == 0}
		if r.Intn(3) == 0 {
			in.Subquery = randQuery(r, depth)
		} else {
			for n := r.Intn(3) + 1; n > 0; n-- {
				in.List = append(in.List, sub())
			}
		}
		return in
	case 6:
		return &sqlast.Between{X: sub(), Lo: sub(), Hi: sub(), Not: r.Intn(2) == 0}
	case 7:
		c := &sqlast.Case{}
		if r.Intn(2) == 0 {
			c.Operand = sub()
		}
		for n := r.Intn(2) + 1; n > 0; n-- {
			c.Whens = append(c.Whens, sqlast.When{Cond: sub(), Result: sub()})
		}
		if r.Intn(2) == 0 {
			c.Else = sub()
		}
		return c
	case 8:
		return &sqlast.Cast{X: sub(), Type: randTypes[r.Intn(len(randTypes))]}
	case 9:
		f := &sqlast.FuncCall{Name: []string{"f", "if", "replace", "count", "sum"}[r.Intn(5)]}
		if f.Name == "count" && r.Intn(3) == 0 {
			f.Args = []sqlast.Expr{&sqlast.Star{}}
			return f
		}
		for n := r.Intn(3); n > 0; n-- {
			f.Args = append(f.Args, sub())
		}
		f.Distinct = len(f.Args) > 0 && r.Intn(3) == 0
		return f
	case 10:
		return &sqlast.Subquery{Exists: r.Intn(2) == 0, Query: randQuery(r, depth)}
	}
	return randLiteral(r)
}
