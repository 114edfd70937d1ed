package sqlparse

import (
	"fmt"
	"strings"
)

// Piece is one statement of a script.
type Piece struct {
	// Text runs from the statement's first token to its last: leading and
	// trailing whitespace and comments, and the ';', are not part of it.
	Text string
	// Offset is the byte offset of Text in the script.
	Offset int
	// Line and Col (1-based, in characters) are where Text starts in the
	// script. Positions from Parse(Text) are relative to Text; add
	// Line-1 to a line, and Col-1 to a column on Text's first line, to
	// place them in the script.
	Line, Col int
}

// Split splits a script into statements on each ';' that is outside
// single- and double-quoted strings (with backslash escapes), backquoted
// names, '--' line comments and '/* */' block comments. Statements made of
// nothing but whitespace and comments are dropped. An unterminated string,
// name or block comment runs to the end of the script and stays in the last
// piece, so that Parse reports it rather than Split silently eating the
// statements after it. The only error is a script longer than
// MaxScriptBytes.
func Split(script string) ([]Piece, error) {
	if len(script) > MaxScriptBytes {
		return nil, &ParseError{Line: 1, Col: 1, Message: fmt.Sprintf("script of %d bytes exceeds the limit of %d bytes", len(script), MaxScriptBytes)}
	}
	var (
		pieces     []Piece
		line, col  = 1, 1
		start, end = -1, -1 // byte range of the current statement's tokens
		sLine      int
		sCol       int
	)
	// move advances the line and column over script[from:to]; a character
	// is counted at its first byte, so invalid UTF-8 still progresses.
	move := func(from, to int) {
		for _, c := range []byte(script[from:to]) {
			switch {
			case c == '\n':
				line++
				col = 1
			case c&0xC0 != 0x80:
				col++
			}
		}
	}
	// token records script[i:j] as part of the current statement.
	token := func(i, j int) {
		if start < 0 {
			start, sLine, sCol = i, line, col
		}
		end = j
		move(i, j)
	}
	emit := func() {
		if start >= 0 {
			pieces = append(pieces, Piece{Text: script[start:end], Offset: start, Line: sLine, Col: sCol})
		}
		start, end = -1, -1
	}
	for i := 0; i < len(script); {
		c := script[i]
		next := byte(0)
		if i+1 < len(script) {
			next = script[i+1]
		}
		var j int
		switch {
		case c == ';':
			emit()
			move(i, i+1)
			i++
			continue
		case isSpace(c):
			move(i, i+1)
			i++
			continue
		case c == '-' && next == '-':
			j = strings.IndexByte(script[i:], '\n')
			if j < 0 {
				j = len(script)
			} else {
				j += i
			}
			move(i, j)
			i = j
			continue
		case c == '/' && next == '*':
			if k := strings.Index(script[i+2:], "*/"); k >= 0 {
				j = i + 2 + k + 2
				move(i, j)
				i = j
				continue
			}
			j = len(script) // unterminated: Parse reports it
		case c == '\'' || c == '"':
			j = scanQuoted(script, i, c, true)
		case c == '`':
			j = scanQuoted(script, i, c, false)
		default:
			j = i + 1
		}
		token(i, j)
		i = j
	}
	emit()
	return pieces, nil
}

// scanQuoted returns the offset just after the string or name that starts
// at i with quote q, or len(s) when it is unterminated. In strings a
// backslash escapes the next byte; in backquoted names the quote is
// escaped by doubling it, which the loop handles as two adjacent names.
func scanQuoted(s string, i int, q byte, backslash bool) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			return j + 1
		}
	}
	return len(s)
}
