package policy

import (
	"bytes"
	"encoding/json"
)

// Effect is a statement's Effect.
type Effect uint8

const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	if e == EffectDeny {
		return "Deny"
	}
	return "Allow"
}

// Policy is a parsed and compiled policy document. It is immutable; share it
// freely between goroutines. Build one with Parse.
type Policy struct {
	kind    Kind
	name    string
	version string
	source  string
	stmts   []statement
}

// statement keeps a statement as written (for encoding and explanations)
// next to its compiled matchers.
type statement struct {
	sid    string
	hasSid bool
	effect Effect

	notAction  bool
	actionText []string
	actionList bool
	actions    []pattern

	resourceText []string
	resourceList bool
	resources    []pattern // nil in trust policies: not consulted
	// foldedResources are the resources lower-cased, for role ARNs (see
	// view.roleARN); nil when lower-casing changes nothing.
	foldedResources []pattern

	principalText principalText
	principals    *principalSet // nil in identity and session policies

	conditionText []conditionText
	conditions    []condition // AND'ed
}

type principalText struct {
	anyone bool
	names  []string // plain strings (resource policies)
	types  []principalTypeText
}

type principalTypeText struct {
	name   string // RAM, Service or Federated
	values []string
}

type conditionText struct {
	operator string
	keys     []conditionKeyText
}

type conditionKeyText struct {
	key    string
	values []string
}

// Kind is the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// Name is the name given in Options.
func (p *Policy) Name() string { return p.name }

// Version is the version given in Options.
func (p *Policy) Version() string { return p.version }

// Source is the document exactly as it was parsed.
func (p *Policy) Source() string { return p.source }

// Len is the number of statements.
func (p *Policy) Len() int { return len(p.stmts) }

// Sid returns the Sid of statement i, or "" when it has none.
func (p *Policy) Sid(i int) string { return p.stmts[i].sid }

// Effect returns the Effect of statement i.
func (p *Policy) Effect(i int) Effect { return p.stmts[i].effect }

// MarshalJSON writes the policy in canonical form: elements in a fixed
// order, Action, Resource and principal values as lists, condition values
// as strings. Parsing the result gives a policy with the same meaning, and
// marshalling that gives the same bytes.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"Version":"1","Statement":[`)
	for i := range p.stmts {
		if i > 0 {
			b.WriteByte(',')
		}
		p.stmts[i].encode(&b)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

func (s *statement) encode(b *bytes.Buffer) {
	b.WriteByte('{')
	if s.hasSid {
		b.WriteString(`"Sid":`)
		writeJSONString(b, s.sid)
		b.WriteByte(',')
	}
	b.WriteString(`"Effect":"`)
	b.WriteString(s.effect.String())
	b.WriteString(`",`)
	if s.notAction {
		b.WriteString(`"NotAction":`)
	} else {
		b.WriteString(`"Action":`)
	}
	writeJSONStrings(b, s.actionText)
	if s.principals != nil {
		b.WriteString(`,"Principal":`)
		switch pt := &s.principalText; {
		case pt.anyone:
			b.WriteString(`"*"`)
		case pt.names != nil:
			writeJSONStrings(b, pt.names)
		default:
			b.WriteByte('{')
			for i, t := range pt.types {
				if i > 0 {
					b.WriteByte(',')
				}
				writeJSONString(b, t.name)
				b.WriteByte(':')
				writeJSONStrings(b, t.values)
			}
			b.WriteByte('}')
		}
	}
	if s.resourceText != nil {
		b.WriteString(`,"Resource":`)
		writeJSONStrings(b, s.resourceText)
	}
	if s.conditionText != nil {
		b.WriteString(`,"Condition":{`)
		for i, block := range s.conditionText {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, block.operator)
			b.WriteString(":{")
			for j, k := range block.keys {
				if j > 0 {
					b.WriteByte(',')
				}
				writeJSONString(b, k.key)
				b.WriteByte(':')
				writeJSONStrings(b, k.values)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func writeJSONStrings(b *bytes.Buffer, vals []string) {
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, v)
	}
	b.WriteByte(']')
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always encodes
	b.Write(enc)
}
