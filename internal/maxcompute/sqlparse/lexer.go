package sqlparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // bare identifier or keyword
	tQuoted         // `identifier`
	tString         // 'x' or "x"
	tNumber         // 1, 1L, 1.5, 3.5BD, ...
	tOp             // punctuation and operators
	tErr            // a lexical error; err says which
)

// cursor is a position in the source: byte offset, and 1-based line and
// column in characters.
type cursor struct {
	off, line, col int
}

func (c cursor) pos() sqlast.Pos { return sqlast.Pos{Line: c.line, Col: c.col} }

type token struct {
	kind tokKind
	pos  cursor // where the token starts
	end  int    // byte offset just after it
	text string // as written
	// val is the unescaped string of tString and tQuoted, the number
	// without its suffix for tNumber, and the operator for tOp.
	val string
	lit sqlast.LiteralKind // kind of a tNumber
	err string             // message of a tErr
}

// lexer produces tokens on demand, so that the parser can re-scan raw text
// (bare principals) from any token's start.
type lexer struct {
	src string
	cur cursor
}

func newLexer(src string) lexer { return lexer{src: src, cur: cursor{line: 1, col: 1}} }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isWordStart(c byte) bool { return isLetter(c) || c == '_' }
func isWordByte(c byte) bool  { return isLetter(c) || isDigit(c) || c == '_' }

// at returns the byte k bytes after the cursor, or 0 past the end.
func (lx *lexer) at(k int) byte {
	if i := lx.cur.off + k; i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// advance moves the cursor past one character.
func (lx *lexer) advance() {
	c := lx.src[lx.cur.off]
	if c < utf8.RuneSelf {
		lx.cur.off++
		if c == '\n' {
			lx.cur.line++
			lx.cur.col = 1
		} else {
			lx.cur.col++
		}
		return
	}
	_, n := utf8.DecodeRuneInString(lx.src[lx.cur.off:])
	lx.cur.off += n
	lx.cur.col++
}

func (lx *lexer) advanceTo(off int) {
	for lx.cur.off < off {
		lx.advance()
	}
}

// errTok is a lexical error at start; the cursor has moved past the bad
// text, so a caller that carries on (IsSecurityText) always progresses.
func (lx *lexer) errTok(start cursor, format string, args ...any) token {
	return token{kind: tErr, pos: start, end: lx.cur.off, text: lx.src[start.off:lx.cur.off], err: fmt.Sprintf(format, args...)}
}

// skip passes whitespace and comments. An unterminated block comment is an
// error token.
func (lx *lexer) skip() (token, bool) {
	for lx.cur.off < len(lx.src) {
		c := lx.src[lx.cur.off]
		switch {
		case isSpace(c):
			lx.advance()
		case c == '-' && lx.at(1) == '-':
			for lx.cur.off < len(lx.src) && lx.src[lx.cur.off] != '\n' {
				lx.advance()
			}
		case c == '/' && lx.at(1) == '*':
			start := lx.cur
			i := strings.Index(lx.src[lx.cur.off+2:], "*/")
			if i < 0 {
				lx.advanceTo(len(lx.src))
				return lx.errTok(start, "unterminated comment: '/*' without '*/'"), true
			}
			lx.advanceTo(lx.cur.off + 2 + i + 2)
		default:
			return token{}, false
		}
	}
	return token{}, false
}

// next returns the next token; at the end it returns tEOF, again and again.
func (lx *lexer) next() token {
	if t, bad := lx.skip(); bad {
		return t
	}
	start := lx.cur
	if start.off >= len(lx.src) {
		return token{kind: tEOF, pos: start, end: start.off}
	}
	c := lx.src[start.off]
	switch {
	case isWordStart(c):
		for lx.cur.off < len(lx.src) && isWordByte(lx.src[lx.cur.off]) {
			lx.cur.off++
			lx.cur.col++
		}
		text := lx.src[start.off:lx.cur.off]
		return token{kind: tWord, pos: start, end: lx.cur.off, text: text, val: text}
	case isDigit(c):
		return lx.number(start)
	case c == '\'' || c == '"':
		return lx.str(start, c)
	case c == '`':
		return lx.quoted(start)
	}
	if lx.cur.off+1 < len(lx.src) {
		switch two := lx.src[start.off : start.off+2]; two {
		case "<=", ">=", "<>", "!=", "||":
			lx.cur.off += 2
			lx.cur.col += 2
			return token{kind: tOp, pos: start, end: lx.cur.off, text: two, val: two}
		}
	}
	switch c {
	case '(', ')', ',', '.', ';', '*', '+', '-', '/', '%', '=', '<', '>', ':':
		lx.advance()
		s := lx.src[start.off:lx.cur.off]
		return token{kind: tOp, pos: start, end: lx.cur.off, text: s, val: s}
	}
	r, _ := utf8.DecodeRuneInString(lx.src[start.off:])
	lx.advance()
	if strconv.IsPrint(r) && r != utf8.RuneError {
		return lx.errTok(start, "invalid character '%c'", r)
	}
	return lx.errTok(start, "invalid character %U", r)
}

// intLimits bounds integer literals by suffix; one more than the type's
// maximum is allowed for a negated literal.
var intLimits = map[sqlast.LiteralKind]struct {
	max  uint64
	name string
}{
	sqlast.LitInt:      {1 << 63, "BIGINT"},
	sqlast.LitBigint:   {1 << 63, "BIGINT"},
	sqlast.LitSmallint: {1 << 15, "SMALLINT"},
	sqlast.LitTinyint:  {1 << 7, "TINYINT"},
}

func (lx *lexer) number(start cursor) token {
	src := lx.src
	i := start.off
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	frac := false
	if i+1 < len(src) && src[i] == '.' && isDigit(src[i+1]) {
		frac = true
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	exp := false
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			exp = true
			i = j
			for i < len(src) && isDigit(src[i]) {
				i++
			}
		}
	}
	digits := src[start.off:i]
	j := i
	for j < len(src) && isWordByte(src[j]) {
		j++
	}
	suffix := strings.ToUpper(src[i:j])
	lx.cur.off = j
	lx.cur.col += j - start.off
	tok := token{kind: tNumber, pos: start, end: j, text: src[start.off:j], val: digits}
	switch {
	case suffix == "" && (frac || exp):
		tok.lit = sqlast.LitDouble
	case suffix == "":
		tok.lit = sqlast.LitInt
	case suffix == "BD":
		tok.lit = sqlast.LitDecimal
	case suffix == "F":
		tok.lit = sqlast.LitFloat
	case suffix == "L" && !frac && !exp:
		tok.lit = sqlast.LitBigint
	case suffix == "S" && !frac && !exp:
		tok.lit = sqlast.LitSmallint
	case suffix == "Y" && !frac && !exp:
		tok.lit = sqlast.LitTinyint
	default:
		return lx.errTok(start, "invalid number literal '%s'", clip(tok.text))
	}
	if lim, ok := intLimits[tok.lit]; ok {
		if v, err := strconv.ParseUint(digits, 10, 64); err != nil || v > lim.max {
			return lx.errTok(start, "integer literal %s is out of the %s range", clip(tok.text), lim.name)
		}
	}
	return tok
}

// str scans a string literal in quote q with MaxCompute's backslash
// escapes (see the package comment).
func (lx *lexer) str(start cursor, q byte) token {
	lx.advance()
	var b strings.Builder
	for {
		if lx.cur.off >= len(lx.src) {
			return lx.errTok(start, "unterminated string literal: missing closing %c", q)
		}
		c := lx.src[lx.cur.off]
		switch {
		case c == q:
			lx.advance()
			return token{kind: tString, pos: start, end: lx.cur.off, text: lx.src[start.off:lx.cur.off], val: b.String()}
		case c == '\\':
			if t, bad := lx.escape(&b); bad {
				return t
			}
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f:
			at := lx.cur
			lx.advance()
			return lx.errTok(at, "invalid control character %U in string literal: write it as an escape such as \\t or \\001", rune(c))
		default:
			s := lx.cur.off
			lx.advance()
			b.WriteString(lx.src[s:lx.cur.off])
		}
	}
}

// simpleEscapes are the one-character escapes; \% and \_ stay escaped for
// LIKE patterns.
var simpleEscapes = map[byte]string{'\\': "\\", '\'': "'", '"': "\"", 'n': "\n", 't': "\t", 'r': "\r", 'b': "\b", '0': "\x00", '%': "\\%", '_': "\\_"}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

func hexVal(s string) (rune, bool) {
	if len(s) != 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return rune(v), err == nil
}

// escape decodes the escape sequence at the cursor (a backslash) into b.
func (lx *lexer) escape(b *strings.Builder) (token, bool) {
	at := lx.cur
	lx.advance()
	if lx.cur.off >= len(lx.src) {
		return lx.errTok(at, "unterminated string literal: '\\' at the end"), true
	}
	c := lx.src[lx.cur.off]
	if c >= '0' && c <= '3' && isOctal(lx.at(1)) && isOctal(lx.at(2)) {
		v := (c-'0')*64 + (lx.at(1)-'0')*8 + (lx.at(2) - '0')
		lx.cur.off += 3
		lx.cur.col += 3
		if v >= 0x80 {
			return lx.errTok(at, "octal escape \\%03o is above \\177: write the character itself or \\u%04X", v, v), true
		}
		b.WriteByte(v)
		return token{}, false
	}
	if s, ok := simpleEscapes[c]; ok {
		lx.advance()
		b.WriteString(s)
		return token{}, false
	}
	if c == 'u' {
		end := lx.cur.off + 5
		if end > len(lx.src) {
			end = len(lx.src)
		}
		r, ok := hexVal(lx.src[lx.cur.off+1 : end])
		if !ok {
			lx.advance()
			return lx.errTok(at, "invalid escape: '\\u' must be followed by four hex digits"), true
		}
		lx.advanceTo(end)
		if 0xDC00 <= r && r <= 0xDFFF {
			return lx.errTok(at, "invalid escape: \\u%04X is a lone low surrogate", r), true
		}
		if 0xD800 <= r && r <= 0xDBFF {
			lo, ok := rune(0), false
			if lx.at(0) == '\\' && lx.at(1) == 'u' && lx.cur.off+6 <= len(lx.src) {
				lo, ok = hexVal(lx.src[lx.cur.off+2 : lx.cur.off+6])
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return lx.errTok(at, "invalid escape: \\u%04X is a high surrogate not followed by a low one", r), true
			}
			lx.advanceTo(lx.cur.off + 6)
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
		}
		b.WriteRune(r)
		return token{}, false
	}
	lx.advance()
	return lx.errTok(at, "invalid escape sequence '%s' in string literal", lx.src[at.off:lx.cur.off]), true
}

// quoted scans a backquoted identifier; two backticks are one inside.
func (lx *lexer) quoted(start cursor) token {
	lx.advance()
	var b strings.Builder
	for {
		if lx.cur.off >= len(lx.src) {
			return lx.errTok(start, "unterminated quoted identifier: missing closing `")
		}
		c := lx.src[lx.cur.off]
		switch {
		case c == '`' && lx.at(1) == '`':
			b.WriteByte('`')
			lx.cur.off += 2
			lx.cur.col += 2
		case c == '`':
			lx.advance()
			if b.Len() == 0 {
				return lx.errTok(start, "empty quoted identifier")
			}
			return token{kind: tQuoted, pos: start, end: lx.cur.off, text: lx.src[start.off:lx.cur.off], val: b.String()}
		case c < 0x20 || c == 0x7f:
			at := lx.cur
			lx.advance()
			return lx.errTok(at, "invalid control character %U in quoted identifier", rune(c))
		default:
			s := lx.cur.off
			lx.advance()
			b.WriteString(lx.src[s:lx.cur.off])
		}
	}
}
