// Package policytest builds RAM policy documents in code, and holds the named
// workloads that benchmarks (here and under bench/) measure. Tests read
// better as policytest.Allow("ecs:Describe*").On("*") than as JSON strings.
package policytest

import (
	"encoding/json"
	"slices"
)

// Statement is one policy statement under construction. Its methods return
// modified copies, so a statement can serve as a template.
type Statement struct {
	Sid       string
	Effect    string
	Action    []string
	NotAction []string
	Resource  []string
	Principal []PrincipalEntry
	Condition []Condition
}

// PrincipalEntry is one key of a Principal object: RAM, Service or Federated.
type PrincipalEntry struct {
	Type   string
	Values []string
}

// Condition is one operator and key with its values.
type Condition struct {
	Operator string
	Key      string
	Values   []string
}

// Allow starts an Allow statement for actions.
func Allow(actions ...string) Statement { return Statement{Effect: "Allow", Action: actions} }

// Deny starts a Deny statement for actions.
func Deny(actions ...string) Statement { return Statement{Effect: "Deny", Action: actions} }

// Except turns the statement into a NotAction statement.
func (s Statement) Except(actions ...string) Statement {
	s.Action, s.NotAction = nil, slices.Clone(actions)
	return s
}

// On sets the resources.
func (s Statement) On(resources ...string) Statement {
	s.Resource = slices.Clone(resources)
	return s
}

// From adds principals of a type (RAM, Service or Federated).
func (s Statement) From(typ string, values ...string) Statement {
	s.Principal = append(slices.Clone(s.Principal), PrincipalEntry{Type: typ, Values: slices.Clone(values)})
	return s
}

// When adds a condition.
func (s Statement) When(operator, key string, values ...string) Statement {
	s.Condition = append(slices.Clone(s.Condition), Condition{Operator: operator, Key: key, Values: slices.Clone(values)})
	return s
}

// Named sets the Sid.
func (s Statement) Named(sid string) Statement {
	s.Sid = sid
	return s
}

// Document renders statements as a policy document.
func Document(stmts ...Statement) string {
	var list []any
	for _, s := range stmts {
		var o object
		if s.Sid != "" {
			o = append(o, member{"Sid", s.Sid})
		}
		o = append(o, member{"Effect", s.Effect})
		if s.NotAction != nil {
			o = append(o, member{"NotAction", s.NotAction})
		} else {
			o = append(o, member{"Action", s.Action})
		}
		if s.Principal != nil {
			var p object
			for _, e := range s.Principal {
				p = append(p, member{e.Type, e.Values})
			}
			o = append(o, member{"Principal", p})
		}
		if s.Resource != nil {
			o = append(o, member{"Resource", s.Resource})
		}
		if s.Condition != nil {
			var c object
			for _, cond := range s.Condition {
				i := slices.IndexFunc(c, func(m member) bool { return m.key == cond.Operator })
				if i < 0 {
					c = append(c, member{cond.Operator, object{}})
					i = len(c) - 1
				}
				c[i].value = append(c[i].value.(object), member{cond.Key, cond.Values})
			}
			o = append(o, member{"Condition", c})
		}
		list = append(list, o)
	}
	out, err := json.Marshal(object{{"Version", "1"}, {"Statement", list}})
	if err != nil {
		panic(err) // only strings, lists and objects: cannot fail
	}
	return string(out)
}

// object is a JSON object that keeps its key order.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}
