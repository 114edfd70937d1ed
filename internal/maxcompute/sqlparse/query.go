package sqlparse

import (
	"fmt"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Queries and INSERT, reference/maxcompute.md §5.

// query is SELECT ... [UNION [ALL|DISTINCT] SELECT ...]*.
func (p *parser) query() *sqlast.Select {
	p.enter()
	defer p.leave()
	first, tail := p.selectBlock()
	tails := []cursor{tail}
	cur := first
	for p.isWord("UNION") {
		p.next()
		all := p.acceptWord("ALL")
		if !all {
			p.acceptWord("DISTINCT")
		}
		if !p.isWord("SELECT") {
			panic(p.errExpect("'SELECT'"))
		}
		next, tail := p.selectBlock()
		tails = append(tails, tail)
		cur.Union = &sqlast.Union{All: all, Query: next}
		cur = next
	}
	if len(tails) > 1 {
		for _, t := range tails {
			if t.line != 0 {
				panic(p.errAt(t, "ORDER BY and LIMIT are not allowed in a UNION: wrap the UNION in a subquery, "+
					"SELECT * FROM (... UNION ALL ...) u ORDER BY ... LIMIT ..."))
			}
		}
	}
	return first
}

// atQueryEnd reports whether the current token can follow a SELECT block.
func (p *parser) atQueryEnd() bool {
	return isEnd(&p.tok) || p.isOp(")") || p.isWord("UNION")
}

// selectBlock is one SELECT ... [LIMIT n]; it returns where its ORDER BY
// or LIMIT starts (line 0 when it has neither).
func (p *parser) selectBlock() (*sqlast.Select, cursor) {
	s := &sqlast.Select{Node: p.node()}
	p.expectWord("SELECT")
	if p.acceptWord("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptWord("ALL")
	}
	for {
		s.Items = append(s.Items, p.selectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.acceptWord("FROM") {
		if !p.atQueryEnd() {
			panic(p.errExpect("'FROM'"))
		}
		return s, cursor{}
	}
	s.From = p.fromClause()
	stage := -1 // the last clause read, an index in clauses
	var tail cursor
	if p.acceptWord("WHERE") {
		s.Where = p.expr()
		stage = 1
	}
	if p.acceptWord("GROUP") {
		p.expectWord("BY")
		s.GroupBy = p.exprList()
		stage = 2
	}
	if p.isWord("HAVING") {
		if s.GroupBy == nil {
			panic(p.errAt(p.tok.pos, "HAVING without GROUP BY is not supported: use WHERE"))
		}
		p.next()
		s.Having = p.expr()
		stage = 3
	}
	if p.isWord("ORDER") {
		tail = p.tok.pos
		p.next()
		p.expectWord("BY")
		for {
			it := sqlast.OrderItem{Expr: p.expr()}
			if p.acceptWord("DESC") {
				it.Desc = true
			} else {
				p.acceptWord("ASC")
			}
			s.OrderBy = append(s.OrderBy, it)
			if !p.acceptOp(",") {
				break
			}
		}
		stage = 4
	}
	if p.isWord("LIMIT") {
		if tail.line == 0 {
			tail = p.tok.pos
		}
		p.next()
		n, _ := p.intLit("a row count")
		s.Limit = &n
		stage = 5
	}
	if !p.atQueryEnd() {
		var next []string
		for i, c := range clauses {
			if i > stage && (i != 3 || stage == 2) {
				next = append(next, c)
			}
		}
		panic(p.errExpect("one of " + strings.Join(next, ", ") + " or end of statement"))
	}
	return s, tail
}

// clauses are what may follow FROM, in order.
var clauses = []string{"'JOIN'", "'WHERE'", "'GROUP BY'", "'HAVING'", "'ORDER BY'", "'LIMIT'", "'UNION'"}

// selectItem is *, t.* or expr [[AS] alias].
func (p *parser) selectItem() sqlast.SelectItem {
	if p.acceptOp("*") {
		return sqlast.SelectItem{Star: true}
	}
	if isName(&p.tok) && isOpTok(p.peek(1), ".") && isOpTok(p.peek(2), "*") {
		q := p.tok.val
		p.next()
		p.next()
		p.next()
		return sqlast.SelectItem{Star: true, Table: q}
	}
	return sqlast.SelectItem{Expr: p.expr(), Alias: p.alias()}
}

// alias reads an optional [AS] alias.
func (p *parser) alias() string {
	if p.acceptWord("AS") {
		return p.ident("an alias name").Name
	}
	if isName(&p.tok) {
		return p.ident("an alias name").Name
	}
	return ""
}

func (p *parser) fromClause() *sqlast.FromClause {
	f := &sqlast.FromClause{Source: p.tableSource()}
	for {
		kind, ok := p.joinKind()
		if !ok {
			return f
		}
		j := sqlast.Join{Kind: kind, Source: p.tableSource()}
		if kind != sqlast.CrossJoin {
			p.expectWord("ON")
			j.On = p.expr()
		}
		f.Joins = append(f.Joins, j)
	}
}

// joinKind reads a join keyword sequence; a comma is a CROSS JOIN.
func (p *parser) joinKind() (sqlast.JoinKind, bool) {
	var kind sqlast.JoinKind
	switch {
	case p.acceptOp(","):
		return sqlast.CrossJoin, true
	case p.isWord("JOIN"):
		kind = sqlast.InnerJoin
	case p.acceptWord("INNER"):
		kind = sqlast.InnerJoin
	case p.acceptWord("CROSS"):
		kind = sqlast.CrossJoin
	case p.isWord("LEFT") || p.isWord("RIGHT") || p.isWord("FULL"):
		kind = sqlast.JoinKind(strings.ToUpper(p.tok.text))
		p.next()
		if kind == sqlast.LeftJoin && (p.isWord("SEMI") || p.isWord("ANTI")) {
			panic(p.errAt(p.tok.pos, "LEFT %s JOIN is not supported: use [NOT] EXISTS or [NOT] IN with a subquery", strings.ToUpper(p.tok.text)))
		}
		p.acceptWord("OUTER")
	default:
		return "", false
	}
	p.expectWord("JOIN")
	return kind, true
}

// tableSource is a table or a (subquery), with an optional alias.
func (p *parser) tableSource() sqlast.TableSource {
	ts := sqlast.TableSource{Node: p.node()}
	if p.acceptOp("(") {
		if !p.isWord("SELECT") {
			panic(p.errExpect("'SELECT'"))
		}
		ts.Subquery = p.query()
		p.expectOp(")")
	} else {
		tn := p.tableName()
		ts.Table = &tn
	}
	ts.Alias = p.alias()
	return ts
}

// insert is INSERT INTO|OVERWRITE [TABLE] t [PARTITION (...)] [(cols)]
// VALUES (...), ... | SELECT ....
func (p *parser) insert() sqlast.Statement {
	ins := &sqlast.Insert{Node: p.node()}
	p.next()
	switch {
	case p.acceptWord("OVERWRITE"):
		ins.Overwrite = true
	case p.acceptWord("INTO"):
	default:
		panic(p.errExpect("'INTO' or 'OVERWRITE'"))
	}
	p.acceptWord("TABLE")
	ins.Table = p.tableName()
	if p.acceptWord("PARTITION") {
		ins.Partition = p.partitionSpec(true)
	}
	if p.acceptOp("(") {
		for {
			ins.Columns = append(ins.Columns, p.ident("a column name"))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	switch {
	case p.isWord("VALUES"):
		p.next()
		for {
			at := p.tok.pos
			p.expectOp("(")
			row := p.exprList()
			p.expectOp(")")
			if want := len(ins.Columns); want > 0 && len(row) != want {
				panic(p.errAt(at, "VALUES row %d has %s for %d columns", len(ins.Values)+1, plural(len(row), "value"), want))
			}
			if len(ins.Values) > 0 && len(row) != len(ins.Values[0]) {
				panic(p.errAt(at, "VALUES row %d has %s, row 1 has %d", len(ins.Values)+1, plural(len(row), "value"), len(ins.Values[0])))
			}
			ins.Values = append(ins.Values, row)
			if !p.acceptOp(",") {
				break
			}
		}
	case p.isWord("SELECT"):
		ins.Query = p.query()
	default:
		panic(p.errExpect("'VALUES' or 'SELECT'"))
	}
	return ins
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
