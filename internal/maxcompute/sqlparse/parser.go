package sqlparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Parse parses one statement. A trailing ';' and whitespace or comments
// after it are allowed; a second statement is an error (split scripts with
// Split). The error is always a *ParseError.
func Parse(stmt string) (st sqlast.Statement, err error) {
	if len(stmt) > MaxStatementBytes {
		return nil, &ParseError{Line: 1, Col: 1, Message: fmt.Sprintf("statement of %d bytes exceeds the limit of %d bytes", len(stmt), MaxStatementBytes)}
	}
	if e := checkUTF8(stmt); e != nil {
		return nil, e
	}
	p := &parser{src: stmt, lx: newLexer(stmt)}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			st, err = nil, b.err
		}
	}()
	p.next()
	if p.tok.kind == tEOF {
		panic(p.errAt(p.tok.pos, "empty statement"))
	}
	st = p.statement()
	if p.acceptOp(";") {
		if p.tok.kind != tEOF {
			panic(p.errExpect("end of statement (one statement at a time)"))
		}
	} else if p.tok.kind != tEOF {
		panic(p.errExpect("end of statement"))
	}
	return st, nil
}

// checkUTF8 returns an error at the first invalid UTF-8 byte.
func checkUTF8(s string) *ParseError {
	line, col := 1, 1
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return &ParseError{Line: line, Col: col, Message: fmt.Sprintf("invalid UTF-8 byte 0x%02x", s[i])}
			}
			col++
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
	}
	return nil
}

type parser struct {
	src   string
	lx    lexer
	tok   token   // the current token
	ahead []token // tokens after tok, lexed by peek
	depth int
	ntok  int
}

// bailout carries a *ParseError up the recursive descent; Parse recovers
// it and nothing else.
type bailout struct{ err *ParseError }

func (p *parser) errAt(c cursor, format string, args ...any) bailout {
	return bailout{&ParseError{Line: c.line, Col: c.col, Message: fmt.Sprintf(format, args...)}}
}

// errExpect is "invalid token 'x', expect <what>" at the current token.
func (p *parser) errExpect(what string) bailout {
	msg := fmt.Sprintf("invalid token '%s', expect %s", display(p.tok), what)
	if p.tok.kind == tWord && isReserved(p.tok.text) && strings.Contains(what, " name") {
		msg += fmt.Sprintf(" ('%s' is a reserved word: quote it in backticks)", p.tok.text)
	}
	return p.errAt(p.tok.pos, "%s", msg)
}

// display is a token as quoted in messages: <EOF>, or its clipped text.
func display(t token) string {
	if t.kind == tEOF {
		return "<EOF>"
	}
	return clip(t.text)
}

// clip cuts text written by the user, for a message, at a line break or
// 40 characters.
func clip(s string) string {
	cut := false
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s, cut = s[:i], true
	}
	if utf8.RuneCountInString(s) > 40 {
		s, cut = string([]rune(s)[:40]), true
	}
	if cut {
		s += "..."
	}
	return s
}

func (p *parser) next() {
	if len(p.ahead) > 0 {
		p.tok = p.ahead[0]
		p.ahead = p.ahead[1:]
	} else {
		p.tok = p.lx.next()
	}
	if p.tok.kind == tErr {
		panic(p.errAt(p.tok.pos, "%s", p.tok.err))
	}
	if p.tok.kind == tEOF {
		return
	}
	p.ntok++
	if p.ntok > MaxTokens {
		panic(p.errAt(p.tok.pos, "statement has more than %d tokens", MaxTokens))
	}
}

// peek returns the token k places after the current one.
func (p *parser) peek(k int) *token {
	for len(p.ahead) < k {
		p.ahead = append(p.ahead, p.lx.next())
	}
	return &p.ahead[k-1]
}

// resume restarts lexing at c, dropping any lookahead, and reads the next
// token: the parser has consumed raw text up to c.
func (p *parser) resume(c cursor) {
	p.lx.cur = c
	p.ahead = p.ahead[:0]
	p.next()
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		panic(p.errAt(p.tok.pos, "nesting deeper than %d levels", MaxDepth))
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) node() sqlast.Node { return sqlast.Node{P: p.tok.pos.pos()} }

func isWordTok(t *token, kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }
func isOpTok(t *token, op string) bool   { return t.kind == tOp && t.val == op }

func (p *parser) isWord(kw string) bool { return isWordTok(&p.tok, kw) }
func (p *parser) isOp(op string) bool   { return isOpTok(&p.tok, op) }

func (p *parser) acceptWord(kw string) bool {
	if p.isWord(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectWord(kw string) {
	if !p.acceptWord(kw) {
		panic(p.errExpect("'" + strings.ToUpper(kw) + "'"))
	}
}

func (p *parser) expectOp(op string) {
	if !p.acceptOp(op) {
		panic(p.errExpect("'" + op + "'"))
	}
}

// isName reports whether t can be a name: a bare word that is not
// reserved, or a backquoted name.
func isName(t *token) bool {
	return t.kind == tQuoted || t.kind == tWord && !isReserved(t.text)
}

// isEnd reports whether t ends a statement.
func isEnd(t *token) bool { return t.kind == tEOF || isOpTok(t, ";") }

// ident reads a name; what says which, for the error.
func (p *parser) ident(what string) sqlast.Ident {
	if !isName(&p.tok) {
		panic(p.errExpect(what))
	}
	id := sqlast.Ident{Node: p.node(), Name: p.tok.val, Quoted: p.tok.kind == tQuoted}
	p.next()
	return id
}

// tableName reads [project.[schema.]]table.
func (p *parser) tableName() sqlast.TableName {
	n := sqlast.TableName{Node: p.node()}
	parts := []string{p.ident("a table name").Name}
	for p.isOp(".") {
		if len(parts) == 3 {
			panic(p.errAt(p.tok.pos, "invalid token '.': a table name has at most three parts, project.schema.table"))
		}
		p.next()
		parts = append(parts, p.ident("a table name").Name)
	}
	switch len(parts) {
	case 1:
		n.Table = parts[0]
	case 2:
		n.Project, n.Table = parts[0], parts[1]
	default:
		n.Project, n.Schema, n.Table = parts[0], parts[1], parts[2]
	}
	return n
}

// stringLit reads a string literal.
func (p *parser) stringLit(what string) string {
	if p.tok.kind != tString {
		panic(p.errExpect(what))
	}
	s := p.tok.val
	p.next()
	return s
}

// intLit reads a plain integer literal as a non-negative int64.
func (p *parser) intLit(what string) (int64, cursor) {
	at := p.tok.pos
	if p.tok.kind != tNumber || p.tok.lit != sqlast.LitInt {
		panic(p.errExpect(what))
	}
	v, err := strconv.ParseInt(p.tok.val, 10, 64)
	if err != nil {
		panic(p.errAt(at, "integer %s is too large", p.tok.val))
	}
	p.next()
	return v, at
}

// statement dispatches on the first word.
func (p *parser) statement() sqlast.Statement {
	if p.tok.kind == tWord {
		switch strings.ToUpper(p.tok.text) {
		case "SELECT":
			return p.query()
		case "INSERT":
			return p.insert()
		case "CREATE":
			return p.create()
		case "DROP":
			return p.drop()
		case "ALTER":
			return p.alter()
		case "SHOW":
			return p.show()
		case "DESC", "DESCRIBE":
			return p.describe()
		case "GRANT", "REVOKE":
			return p.grant()
		case "ADD", "REMOVE":
			return p.addRemove()
		case "LIST":
			return p.list()
		case "WHOAMI":
			n := p.node()
			p.next()
			return &sqlast.Whoami{Node: n}
		case "CLEAR":
			n := p.node()
			p.next()
			p.expectWord("EXPIRED")
			p.expectWord("GRANTS")
			return &sqlast.ClearExpiredGrants{Node: n}
		}
	}
	panic(p.errExpect("a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"))
}

// reserved are MaxCompute's reserved words, plus clause words localyun
// reserves so that an alias can never swallow them. Reserved words are
// names only in backticks.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`ADD ALL ALTER AND AS ASC BETWEEN BIGINT BOOLEAN BY CASE CAST COLUMN
		COMMENT CREATE DESC DISTINCT DISTRIBUTE DOUBLE DROP ELSE FALSE FROM FULL GROUP IF IN INSERT INTO
		IS JOIN LEFT LIFECYCLE LIKE LIMIT MAPJOIN NOT NULL ON OR ORDER OUTER OVERWRITE PARTITION RENAME
		REPLACE RIGHT RLIKE SELECT SORT STRING TABLE TABLESAMPLE TBLPROPERTIES THEN TOUCH TRUE UNION VIEW
		WHEN WHERE
		CLUSTER CROSS END EXCEPT EXISTS HAVING INNER INTERSECT LATERAL MINUS OVER WITH`) {
		reserved[w] = true
	}
}

// isReserved reports whether an ASCII word is reserved, without allocating.
func isReserved(word string) bool {
	var buf [len("TBLPROPERTIES")]byte // the longest reserved word
	if len(word) > len(buf) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return reserved[string(buf[:len(word)])]
}
