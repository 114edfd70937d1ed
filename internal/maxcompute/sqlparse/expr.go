package sqlparse

import (
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Expressions, by increasing precedence:
//
//	OR < AND < NOT < comparison (= <> != < <= > >= [NOT] LIKE|RLIKE|IN|BETWEEN, IS [NOT] NULL)
//	   < || < + - < * / % < unary - < primary
//
// Binary operators are left-associative; comparisons do not chain.

// expr reads an expression.
func (p *parser) expr() sqlast.Expr {
	p.enter()
	defer p.leave()
	return p.orExpr()
}

func (p *parser) exprList() []sqlast.Expr {
	var list []sqlast.Expr
	for {
		list = append(list, p.expr())
		if !p.acceptOp(",") {
			return list
		}
	}
}

func binary(op string, l, r sqlast.Expr) sqlast.Expr {
	return &sqlast.Binary{Node: sqlast.Node{P: l.Position()}, Op: op, Left: l, Right: r}
}

func (p *parser) orExpr() sqlast.Expr {
	x := p.andExpr()
	for p.acceptWord("OR") {
		x = binary("OR", x, p.andExpr())
	}
	return x
}

func (p *parser) andExpr() sqlast.Expr {
	x := p.notExpr()
	for p.acceptWord("AND") {
		x = binary("AND", x, p.notExpr())
	}
	return x
}

func (p *parser) notExpr() sqlast.Expr {
	if !p.isWord("NOT") {
		return p.cmpExpr()
	}
	n := p.node()
	p.next()
	p.enter()
	defer p.leave()
	return &sqlast.Unary{Node: n, Op: "NOT", X: p.notExpr()}
}

var cmpOps = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// atComparison reports whether the current token starts a comparison.
func (p *parser) atComparison() bool {
	if p.tok.kind == tOp {
		_, ok := cmpOps[p.tok.val]
		return ok
	}
	for _, w := range []string{"LIKE", "RLIKE", "IN", "BETWEEN", "IS", "NOT"} {
		if p.isWord(w) {
			return true
		}
	}
	return false
}

func (p *parser) cmpExpr() sqlast.Expr {
	x := p.concatExpr()
	if !p.atComparison() {
		return x
	}
	x = p.comparison(x)
	if p.atComparison() {
		panic(p.errAt(p.tok.pos, "invalid token '%s': comparisons do not chain, combine them with AND or use parentheses", display(p.tok)))
	}
	return x
}

// comparison reads the operator and right side of a comparison of x.
func (p *parser) comparison(x sqlast.Expr) sqlast.Expr {
	node := sqlast.Node{P: x.Position()}
	if p.tok.kind == tOp {
		op := cmpOps[p.tok.val]
		p.next()
		return binary(op, x, p.concatExpr())
	}
	if p.acceptWord("IS") {
		not := p.acceptWord("NOT")
		p.expectWord("NULL")
		return &sqlast.IsNull{Node: node, X: x, Not: not}
	}
	not := p.acceptWord("NOT")
	switch {
	case p.acceptWord("LIKE"):
		return negate(not, binary("LIKE", x, p.concatExpr()))
	case p.acceptWord("RLIKE"):
		return negate(not, binary("RLIKE", x, p.concatExpr()))
	case p.acceptWord("BETWEEN"):
		lo := p.concatExpr()
		p.expectWord("AND")
		return &sqlast.Between{Node: node, X: x, Lo: lo, Hi: p.concatExpr(), Not: not}
	case p.acceptWord("IN"):
		in := &sqlast.In{Node: node, X: x, Not: not}
		p.expectOp("(")
		if p.isWord("SELECT") {
			in.Subquery = p.query()
		} else {
			in.List = p.exprList()
		}
		p.expectOp(")")
		return in
	}
	panic(p.errExpect("one of 'LIKE', 'RLIKE', 'IN', 'BETWEEN'"))
}

// negate wraps x in NOT when not is set: NOT LIKE is NOT (x LIKE y).
func negate(not bool, x sqlast.Expr) sqlast.Expr {
	if !not {
		return x
	}
	return &sqlast.Unary{Node: sqlast.Node{P: x.Position()}, Op: "NOT", X: x}
}

func (p *parser) concatExpr() sqlast.Expr {
	x := p.addExpr()
	for p.acceptOp("||") {
		x = binary("||", x, p.addExpr())
	}
	return x
}

func (p *parser) addExpr() sqlast.Expr {
	x := p.mulExpr()
	for p.isOp("+") || p.isOp("-") {
		op := p.tok.val
		p.next()
		x = binary(op, x, p.mulExpr())
	}
	return x
}

func (p *parser) mulExpr() sqlast.Expr {
	x := p.unaryExpr()
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.tok.val
		p.next()
		x = binary(op, x, p.unaryExpr())
	}
	return x
}

func (p *parser) unaryExpr() sqlast.Expr {
	if !p.isOp("-") {
		return p.primary()
	}
	n := p.node()
	p.next()
	p.enter()
	defer p.leave()
	return &sqlast.Unary{Node: n, Op: "-", X: p.unaryExpr()}
}

// typedLiterals are the layouts DATE, DATETIME and TIMESTAMP literals must
// match (Go reference time).
var typedLiterals = map[string]struct {
	kind    sqlast.LiteralKind
	layout  string
	display string
}{
	"DATE":      {sqlast.LitDate, "2006-01-02", "yyyy-mm-dd"},
	"DATETIME":  {sqlast.LitDatetime, "2006-01-02 15:04:05", "yyyy-mm-dd hh:mi:ss"},
	"TIMESTAMP": {sqlast.LitTimestamp, "2006-01-02 15:04:05.999999999", "yyyy-mm-dd hh:mi:ss[.fffffffff]"},
}

// funcWords are reserved words that are also function names.
var funcWords = map[string]bool{"IF": true, "REPLACE": true}

func (p *parser) primary() sqlast.Expr {
	n := p.node()
	t := p.tok
	switch t.kind {
	case tNumber:
		p.next()
		return &sqlast.Literal{Node: n, Kind: t.lit, Value: t.val}
	case tString:
		p.next()
		return &sqlast.Literal{Node: n, Kind: sqlast.LitString, Value: t.val}
	case tOp:
		if t.val != "(" {
			break
		}
		if isWordTok(p.peek(1), "SELECT") {
			p.next()
			q := p.query()
			p.expectOp(")")
			return &sqlast.Subquery{Node: n, Query: q}
		}
		p.next()
		x := p.expr()
		p.expectOp(")")
		return x
	case tQuoted:
		if isOpTok(p.peek(1), "(") {
			panic(p.errAt(t.pos, "invalid token '%s': a function name cannot be quoted in backticks", display(t)))
		}
		return p.columnRef()
	case tWord:
		word := strings.ToUpper(t.text)
		switch word {
		case "NULL":
			p.next()
			return &sqlast.Literal{Node: n, Kind: sqlast.LitNull}
		case "TRUE", "FALSE":
			p.next()
			return &sqlast.Literal{Node: n, Kind: sqlast.LitBool, Value: strings.ToLower(word)}
		case "CASE":
			return p.caseExpr()
		case "CAST":
			p.next()
			p.expectOp("(")
			c := &sqlast.Cast{Node: n, X: p.expr()}
			p.expectWord("AS")
			c.Type = p.typ()
			p.expectOp(")")
			return c
		case "EXISTS":
			p.next()
			p.expectOp("(")
			if !p.isWord("SELECT") {
				panic(p.errExpect("'SELECT'"))
			}
			q := p.query()
			p.expectOp(")")
			return &sqlast.Subquery{Node: n, Exists: true, Query: q}
		}
		if lit, ok := typedLiterals[word]; ok && p.peek(1).kind == tString {
			p.next()
			s := p.tok
			if _, err := time.Parse(lit.layout, s.val); err != nil {
				panic(p.errAt(s.pos, "invalid %s literal '%s', expect '%s'", word, clip(s.val), lit.display))
			}
			p.next()
			return &sqlast.Literal{Node: n, Kind: lit.kind, Value: s.val}
		}
		if isOpTok(p.peek(1), "(") && (!isReserved(word) || funcWords[word]) {
			return p.funcCall()
		}
		if !isReserved(word) {
			return p.columnRef()
		}
	}
	panic(p.errExpect("an expression"))
}

// columnRef is [qualifier.]column.
func (p *parser) columnRef() sqlast.Expr {
	n := p.node()
	name := p.ident("a column name").Name
	if !p.acceptOp(".") {
		return &sqlast.ColumnRef{Node: n, Name: name}
	}
	return &sqlast.ColumnRef{Node: n, Qualifier: name, Name: p.ident("a column name").Name}
}

// funcCall is name([DISTINCT] args) or count(*).
func (p *parser) funcCall() sqlast.Expr {
	f := &sqlast.FuncCall{Node: p.node(), Name: strings.ToLower(p.tok.text)}
	p.next()
	p.expectOp("(")
	switch {
	case p.acceptOp(")"):
	case f.Name == "count" && p.isOp("*"):
		f.Args = []sqlast.Expr{&sqlast.Star{Node: p.node()}}
		p.next()
		p.expectOp(")")
	default:
		f.Distinct = p.acceptWord("DISTINCT")
		f.Args = p.exprList()
		p.expectOp(")")
	}
	if p.isWord("OVER") {
		panic(p.errAt(p.tok.pos, "window functions (OVER) are not supported"))
	}
	return f
}

// caseExpr is CASE [operand] WHEN c THEN r ... [ELSE e] END.
func (p *parser) caseExpr() sqlast.Expr {
	c := &sqlast.Case{Node: p.node()}
	p.next()
	if !p.isWord("WHEN") {
		c.Operand = p.expr()
		if !p.isWord("WHEN") {
			panic(p.errExpect("'WHEN'"))
		}
	}
	for p.acceptWord("WHEN") {
		w := sqlast.When{Cond: p.expr()}
		p.expectWord("THEN")
		w.Result = p.expr()
		c.Whens = append(c.Whens, w)
	}
	if p.acceptWord("ELSE") {
		c.Else = p.expr()
	}
	if !p.acceptWord("END") {
		if c.Else == nil {
			panic(p.errExpect("one of 'WHEN', 'ELSE', 'END'"))
		}
		panic(p.errExpect("'END'"))
	}
	return c
}
