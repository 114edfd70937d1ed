package pgfront

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The tokenizer below knows just enough of PostgreSQL's lexer to split a
// simple query into statements and read role-management statements:
// identifiers (folded to lower case unless quoted), string constants in
// all their forms, dollar quotes, comments (nested), numbers, parameters
// and single-character punctuation. It never has to be complete: a
// statement it cannot read is refused (when it looks like role management)
// or left to PostgreSQL, which runs it as the tenant role and refuses what
// that role may not do.

type tokKind uint8

const (
	tokIdent  tokKind = iota + 1 // unquoted identifier or key word, lower-cased
	tokQIdent                    // "quoted identifier"
	tokString                    // a string constant, decoded
	tokNumber
	tokParam // $1
	tokPunct // one character
	tokSemi
)

type token struct {
	kind tokKind
	val  string
	pos  int // byte offset in the query
}

// is reports whether t is the unquoted key word kw (lower case).
func (t token) is(kw string) bool { return t.kind == tokIdent && t.val == kw }

// ScanError is a query the tokenizer cannot read.
type ScanError struct {
	Pos    int
	Reason string
}

func (e *ScanError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Pos, e.Reason) }

type scanner struct {
	src string
	pos int
	// scs: standard_conforming_strings is on, so backslashes in '...' are
	// literal.
	scs bool
}

// scanStatements splits src into statements of tokens, dropping empty
// ones.
func scanStatements(src string, scs bool) ([][]token, error) {
	s := scanner{src: src, scs: scs}
	var stmts [][]token
	var cur []token
	for {
		t, ok, err := s.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if t.kind == tokSemi {
			if len(cur) > 0 {
				stmts = append(stmts, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		stmts = append(stmts, cur)
	}
	return stmts, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

// next returns the next token; ok is false at the end.
func (s *scanner) next() (token, bool, error) {
	if err := s.skipSpaceAndComments(); err != nil {
		return token{}, false, err
	}
	if s.pos >= len(s.src) {
		return token{}, false, nil
	}
	start := s.pos
	c := s.src[s.pos]
	switch {
	case c == ';':
		s.pos++
		return token{kind: tokSemi, val: ";", pos: start}, true, nil
	case c == '\'':
		v, err := s.quoted(!s.scs)
		return token{kind: tokString, val: v, pos: start}, true, err
	case c == '"':
		v, err := s.quotedIdent()
		return token{kind: tokQIdent, val: v, pos: start}, true, err
	case c == '$':
		if s.pos+1 < len(s.src) && s.src[s.pos+1] >= '0' && s.src[s.pos+1] <= '9' {
			s.pos++
			for s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
				s.pos++
			}
			return token{kind: tokParam, val: s.src[start:s.pos], pos: start}, true, nil
		}
		if v, ok, err := s.dollarQuoted(); ok || err != nil {
			return token{kind: tokString, val: v, pos: start}, true, err
		}
		s.pos++
		return token{kind: tokPunct, val: "$", pos: start}, true, nil
	case c >= '0' && c <= '9' || c == '.' && s.pos+1 < len(s.src) && s.src[s.pos+1] >= '0' && s.src[s.pos+1] <= '9':
		for s.pos < len(s.src) && (isIdentCont(s.src[s.pos]) || s.src[s.pos] == '.') && s.src[s.pos] != '$' {
			if (s.src[s.pos] == 'e' || s.src[s.pos] == 'E') && s.pos+1 < len(s.src) && (s.src[s.pos+1] == '+' || s.src[s.pos+1] == '-') {
				s.pos++
			}
			s.pos++
		}
		return token{kind: tokNumber, val: s.src[start:s.pos], pos: start}, true, nil
	case isIdentStart(c):
		// String constants with a prefix: E'...', B'...', X'...', N'...'.
		if s.pos+1 < len(s.src) && s.src[s.pos+1] == '\'' {
			switch c {
			case 'e', 'E':
				s.pos++
				v, err := s.quoted(true)
				return token{kind: tokString, val: v, pos: start}, true, err
			case 'b', 'B', 'x', 'X', 'n', 'N':
				s.pos++
				v, err := s.quoted(!s.scs)
				return token{kind: tokString, val: v, pos: start}, true, err
			}
		}
		for s.pos < len(s.src) && isIdentCont(s.src[s.pos]) {
			s.pos++
		}
		return token{kind: tokIdent, val: lowerASCII(s.src[start:s.pos]), pos: start}, true, nil
	}
	// Punctuation and operator characters, one at a time (comments were
	// skipped above, so "--" and "/*" never reach here).
	_, size := utf8.DecodeRuneInString(s.src[s.pos:])
	s.pos += size
	return token{kind: tokPunct, val: s.src[start:s.pos], pos: start}, true, nil
}

func (s *scanner) skipSpaceAndComments() error {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case isSpace(c):
			s.pos++
		case c == '-' && strings.HasPrefix(s.src[s.pos:], "--"):
			i := strings.IndexAny(s.src[s.pos:], "\n\r")
			if i < 0 {
				s.pos = len(s.src)
			} else {
				s.pos += i + 1
			}
		case c == '/' && strings.HasPrefix(s.src[s.pos:], "/*"):
			start := s.pos
			depth := 0
			for {
				if s.pos >= len(s.src) {
					return &ScanError{Pos: start, Reason: "unterminated /* comment"}
				}
				switch {
				case strings.HasPrefix(s.src[s.pos:], "/*"):
					depth++
					s.pos += 2
				case strings.HasPrefix(s.src[s.pos:], "*/"):
					depth--
					s.pos += 2
				default:
					s.pos++
				}
				if depth == 0 {
					break
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// quoted reads a '...' constant at s.pos (” is a quote; with escapes,
// backslash sequences as in E'...').
func (s *scanner) quoted(escapes bool) (string, error) {
	start := s.pos
	s.pos++ // the opening quote
	var b strings.Builder
	for {
		if s.pos >= len(s.src) {
			return "", &ScanError{Pos: start, Reason: "unterminated quoted string"}
		}
		c := s.src[s.pos]
		switch {
		case c == '\'':
			if s.pos+1 < len(s.src) && s.src[s.pos+1] == '\'' {
				b.WriteByte('\'')
				s.pos += 2
				continue
			}
			s.pos++
			return b.String(), nil
		case c == '\\' && escapes:
			if err := s.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			s.pos++
		}
	}
}

// escape decodes one backslash sequence of an E'...' constant.
func (s *scanner) escape(b *strings.Builder) error {
	start := s.pos
	s.pos++
	if s.pos >= len(s.src) {
		return &ScanError{Pos: start, Reason: "unterminated quoted string"}
	}
	c := s.src[s.pos]
	s.pos++
	hexDigits := func(max int) (uint64, bool) {
		i := s.pos
		for i < len(s.src) && i-s.pos < max && strings.IndexByte("0123456789abcdefABCDEF", s.src[i]) >= 0 {
			i++
		}
		if i == s.pos {
			return 0, false
		}
		v, _ := strconv.ParseUint(s.src[s.pos:i], 16, 32)
		s.pos = i
		return v, true
	}
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'x':
		v, ok := hexDigits(2)
		if !ok {
			b.WriteByte('x')
			return nil
		}
		if v == 0 {
			return &ScanError{Pos: start, Reason: "invalid byte sequence: 0x00"}
		}
		b.WriteByte(byte(v))
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		if s.pos+n > len(s.src) {
			return &ScanError{Pos: start, Reason: "invalid Unicode escape"}
		}
		v, err := strconv.ParseUint(s.src[s.pos:s.pos+n], 16, 32)
		if err != nil || v == 0 || v > utf8.MaxRune {
			return &ScanError{Pos: start, Reason: "invalid Unicode escape value"}
		}
		s.pos += n
		b.WriteRune(rune(v))
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v := uint64(c - '0')
		for i := 0; i < 2 && s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '7'; i++ {
			v = v*8 + uint64(s.src[s.pos]-'0')
			s.pos++
		}
		if v&0xff == 0 {
			return &ScanError{Pos: start, Reason: "invalid byte sequence: 0x00"}
		}
		b.WriteByte(byte(v))
	default:
		b.WriteByte(c)
	}
	return nil
}

func (s *scanner) quotedIdent() (string, error) {
	start := s.pos
	s.pos++
	var b strings.Builder
	for {
		if s.pos >= len(s.src) {
			return "", &ScanError{Pos: start, Reason: "unterminated quoted identifier"}
		}
		c := s.src[s.pos]
		if c == '"' {
			if s.pos+1 < len(s.src) && s.src[s.pos+1] == '"' {
				b.WriteByte('"')
				s.pos += 2
				continue
			}
			s.pos++
			if b.Len() == 0 {
				return "", &ScanError{Pos: start, Reason: "zero-length delimited identifier"}
			}
			return b.String(), nil
		}
		b.WriteByte(c)
		s.pos++
	}
}

// dollarQuoted reads $tag$...$tag$ at s.pos; ok is false when s.pos does
// not start a dollar quote.
func (s *scanner) dollarQuoted() (string, bool, error) {
	start := s.pos
	i := s.pos + 1
	if i < len(s.src) && s.src[i] != '$' {
		if !isIdentStart(s.src[i]) {
			return "", false, nil
		}
		for i < len(s.src) && isIdentCont(s.src[i]) && s.src[i] != '$' {
			i++
		}
	}
	if i >= len(s.src) || s.src[i] != '$' {
		return "", false, nil
	}
	tag := s.src[start : i+1]
	body := i + 1
	end := strings.Index(s.src[body:], tag)
	if end < 0 {
		return "", true, &ScanError{Pos: start, Reason: "unterminated dollar-quoted string"}
	}
	s.pos = body + end + len(tag)
	return s.src[body : body+end], true, nil
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
