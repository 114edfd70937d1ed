package policy

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a strict JSON reader for policy documents. encoding/json is
// not used because it folds the case of keys, keeps the last of duplicate
// keys, turns invalid UTF-8 and lone surrogates into U+FFFD and forgets the
// text of numbers: each of those would let the evaluator see something other
// than what the author wrote.

// maxJSONDepth bounds nesting. A policy needs six levels
// (document, Statement, statement, Condition, operator, values); the rest is
// room for a clear error instead of deep recursion on hostile input.
const maxJSONDepth = 16

type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonBool
	jsonNull
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	switch k {
	case jsonString:
		return "a string"
	case jsonNumber:
		return "a number"
	case jsonBool:
		return "a boolean"
	case jsonNull:
		return "null"
	case jsonArray:
		return "an array"
	case jsonObject:
		return "an object"
	}
	return "nothing"
}

// jsonValue is one decoded JSON value. Objects keep their members in
// document order; numbers and booleans keep their literal text in str.
type jsonValue struct {
	kind    jsonKind
	str     string
	items   []jsonValue
	members []jsonMember
}

type jsonMember struct {
	key   string
	value jsonValue
}

// jsonSyntaxError reports malformed JSON with the byte offset where reading
// stopped.
type jsonSyntaxError struct {
	offset int
	msg    string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.offset, e.msg)
}

type jsonReader struct {
	data  string
	pos   int
	depth int
}

// decodeJSON reads exactly one JSON value from data. Whitespace may surround
// it; anything else after it is an error.
func decodeJSON(data string) (jsonValue, error) {
	if !utf8.ValidString(data) {
		return jsonValue{}, &jsonSyntaxError{offset: firstInvalidUTF8(data), msg: "the document is not valid UTF-8"}
	}
	r := &jsonReader{data: data}
	r.skipSpace()
	if r.pos == len(r.data) {
		return jsonValue{}, &jsonSyntaxError{offset: r.pos, msg: "the document is empty"}
	}
	v, err := r.value()
	if err != nil {
		return jsonValue{}, err
	}
	r.skipSpace()
	if r.pos != len(r.data) {
		return jsonValue{}, r.fail("unexpected data after the end of the policy (a document holds exactly one JSON value)")
	}
	return v, nil
}

func firstInvalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}

func (r *jsonReader) fail(format string, args ...any) error {
	return &jsonSyntaxError{offset: r.pos, msg: fmt.Sprintf(format, args...)}
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (jsonValue, error) {
	if r.pos >= len(r.data) {
		return jsonValue{}, r.fail("unexpected end of the document")
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, err := r.string()
		return jsonValue{kind: jsonString, str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	case c == 't':
		return r.literal("true", jsonBool)
	case c == 'f':
		return r.literal("false", jsonBool)
	case c == 'n':
		return r.literal("null", jsonNull)
	default:
		return jsonValue{}, r.fail("unexpected character %q", rune(c))
	}
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.fail("nested more than %d levels deep", maxJSONDepth)
	}
	return nil
}

func (r *jsonReader) object() (jsonValue, error) {
	if err := r.enter(); err != nil {
		return jsonValue{}, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '{'
	v := jsonValue{kind: jsonObject}
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return v, nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return jsonValue{}, r.fail("expected a quoted key")
		}
		keyAt := r.pos
		key, err := r.string()
		if err != nil {
			return jsonValue{}, err
		}
		for _, m := range v.members {
			if m.key == key {
				return jsonValue{}, &jsonSyntaxError{offset: keyAt, msg: fmt.Sprintf("duplicate key %q", key)}
			}
		}
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return jsonValue{}, r.fail("expected ':' after key %q", key)
		}
		r.pos++
		r.skipSpace()
		item, err := r.value()
		if err != nil {
			return jsonValue{}, err
		}
		v.members = append(v.members, jsonMember{key: key, value: item})
		r.skipSpace()
		if r.pos >= len(r.data) {
			return jsonValue{}, r.fail("unexpected end of the document inside an object")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return v, nil
		default:
			return jsonValue{}, r.fail("expected ',' or '}'")
		}
	}
}

func (r *jsonReader) array() (jsonValue, error) {
	if err := r.enter(); err != nil {
		return jsonValue{}, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '['
	v := jsonValue{kind: jsonArray}
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return v, nil
	}
	for {
		r.skipSpace()
		item, err := r.value()
		if err != nil {
			return jsonValue{}, err
		}
		v.items = append(v.items, item)
		r.skipSpace()
		if r.pos >= len(r.data) {
			return jsonValue{}, r.fail("unexpected end of the document inside an array")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return v, nil
		default:
			return jsonValue{}, r.fail("expected ',' or ']'")
		}
	}
}

func (r *jsonReader) literal(word string, kind jsonKind) (jsonValue, error) {
	if len(r.data)-r.pos < len(word) || r.data[r.pos:r.pos+len(word)] != word {
		return jsonValue{}, r.fail("unexpected character %q", rune(r.data[r.pos]))
	}
	r.pos += len(word)
	return jsonValue{kind: kind, str: word}, nil
}

// number reads a number per RFC 8259 and keeps its literal text.
func (r *jsonReader) number() (jsonValue, error) {
	start := r.pos
	if r.data[r.pos] == '-' {
		r.pos++
	}
	digits := func() int {
		n := 0
		for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.pos < len(r.data) && r.data[r.pos] == '0' {
		r.pos++
	} else if digits() == 0 {
		return jsonValue{}, r.fail("malformed number")
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return jsonValue{}, r.fail("malformed number")
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return jsonValue{}, r.fail("malformed number")
		}
	}
	return jsonValue{kind: jsonNumber, str: r.data[start:r.pos]}, nil
}

// string reads a quoted string. Control characters must be escaped, and a
// \u escape of a surrogate must form a valid pair.
func (r *jsonReader) string() (string, error) {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes.
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if c == '"' {
			s := r.data[start:r.pos]
			r.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", r.fail("control character %q in a string must be escaped", rune(c))
		}
		r.pos++
	}
	buf := []byte(r.data[start:r.pos])
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return string(buf), nil
		case c < 0x20:
			return "", r.fail("control character %q in a string must be escaped", rune(c))
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++ // backslash
		if r.pos >= len(r.data) {
			break
		}
		esc := r.data[r.pos]
		r.pos++
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r1, err := r.hex4()
			if err != nil {
				return "", err
			}
			switch {
			case utf16.IsSurrogate(r1):
				if r1 >= 0xDC00 || len(r.data)-r.pos < 6 || r.data[r.pos] != '\\' || r.data[r.pos+1] != 'u' {
					return "", r.fail("lone surrogate \\u%04X in a string", r1)
				}
				r.pos += 2
				r2, err := r.hex4()
				if err != nil {
					return "", err
				}
				dec := utf16.DecodeRune(r1, r2)
				if dec == utf8.RuneError {
					return "", r.fail("invalid surrogate pair \\u%04X\\u%04X in a string", r1, r2)
				}
				buf = utf8.AppendRune(buf, dec)
			default:
				buf = utf8.AppendRune(buf, r1)
			}
		default:
			return "", r.fail("invalid escape \\%c in a string", esc)
		}
	}
	return "", r.fail("unterminated string")
}

func (r *jsonReader) hex4() (rune, error) {
	if len(r.data)-r.pos < 4 {
		return 0, r.fail("truncated \\u escape")
	}
	n, err := strconv.ParseUint(r.data[r.pos:r.pos+4], 16, 32)
	if err != nil {
		return 0, r.fail("invalid \\u escape %q", r.data[r.pos:r.pos+4])
	}
	r.pos += 4
	return rune(n), nil
}
