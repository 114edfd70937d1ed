package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options carry what Parse needs besides the document.
type Options struct {
	// Name and Version identify the policy in decisions and the audit
	// trail (for example "AliyunSTSAssumeRoleAccess", "v1", or a file name).
	Name    string
	Version string
	// Limits override DefaultLimits(kind) field by field.
	Limits Limits
}

// Parse validates doc as a policy of the given kind and compiles it. Every
// error wraps ErrInvalidPolicy and is a *LengthError or a *GrammarError; the
// first problem found is reported. A returned Policy is immutable and safe
// for concurrent use.
func Parse(kind Kind, doc string, opts Options) (*Policy, error) {
	if !kind.valid() {
		return nil, fmt.Errorf("policy.Parse: invalid kind %d", kind)
	}
	limits := opts.Limits.withDefaults(kind)
	if n := utf8.RuneCountInString(doc); n > limits.MaxLength {
		return nil, &LengthError{Kind: kind, Limit: limits.MaxLength, Length: n}
	}
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, &GrammarError{Kind: kind, Statement: -1, Path: "document", Reason: err.Error()}
	}
	p := &parser{kind: kind, limits: limits}
	stmts, err := p.document(root)
	if err != nil {
		return nil, err
	}
	return &Policy{kind: kind, name: opts.Name, version: opts.Version, source: doc, stmts: stmts}, nil
}

type parser struct {
	kind   Kind
	limits Limits
}

func (p *parser) errorf(at path, format string, args ...any) *GrammarError {
	return at.errorf(p.kind, format, args...)
}

// unknownElement explains an element name the grammar does not have, with a
// hint when only its case is wrong.
func (p *parser) unknownElement(at path, key string, known []string, what string) *GrammarError {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return p.errorf(at, "unknown %s (names are case-sensitive: did you mean %q?)", what, k)
		}
	}
	return p.errorf(at, "unknown %s; expected one of %s", what, strings.Join(known, ", "))
}

var documentElements = []string{"Version", "Statement"}

func (p *parser) document(root jsonValue) ([]statement, error) {
	top := path{stmt: -1}
	if root.kind != jsonObject {
		return nil, p.errorf(path{stmt: -1, text: "document"}, "must be a JSON object, got %s", root.kind)
	}
	var version, stmtValue *jsonValue
	for i := range root.members {
		m := &root.members[i]
		at := path{stmt: -1, text: m.key}
		switch m.key {
		case "Version":
			version = &m.value
		case "Statement":
			stmtValue = &m.value
		default:
			return nil, p.unknownElement(at, m.key, documentElements, "element")
		}
	}
	if version == nil {
		return nil, p.errorf(top.fieldRoot("Version"), `missing; a policy must say "Version": "1"`)
	}
	if version.kind != jsonString {
		return nil, p.errorf(top.fieldRoot("Version"), `must be the string "1", got %s`, version.kind)
	}
	if version.str != "1" {
		return nil, p.errorf(top.fieldRoot("Version"), `must be "1", got %q`, version.str)
	}
	if stmtValue == nil {
		return nil, p.errorf(top.fieldRoot("Statement"), "missing; a policy needs at least one statement")
	}
	var items []jsonValue
	switch stmtValue.kind {
	case jsonArray:
		items = stmtValue.items
	case jsonObject:
		items = []jsonValue{*stmtValue}
	default:
		return nil, p.errorf(top.fieldRoot("Statement"), "must be a list of statements or one statement object, got %s", stmtValue.kind)
	}
	if len(items) == 0 {
		return nil, p.errorf(top.fieldRoot("Statement"), "must hold at least one statement")
	}
	if len(items) > p.limits.MaxStatements {
		return nil, p.errorf(top.fieldRoot("Statement"), "has %d statements; at most %d are allowed", len(items), p.limits.MaxStatements)
	}
	stmts := make([]statement, len(items))
	for i := range items {
		at := path{stmt: i, text: fmt.Sprintf("Statement[%d]", i)}
		if err := p.statement(at, items[i], &stmts[i]); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

func (p path) fieldRoot(name string) path { return path{stmt: p.stmt, text: name} }

var statementElements = []string{"Sid", "Effect", "Action", "NotAction", "Resource", "Principal", "Condition"}

func (p *parser) statement(at path, v jsonValue, s *statement) error {
	if v.kind != jsonObject {
		return p.errorf(at, "must be an object, got %s", v.kind)
	}
	var hasEffect, hasAction, hasNotAction, hasResource, hasPrincipal bool
	for _, m := range v.members {
		f := at.field(m.key)
		var err error
		switch m.key {
		case "Sid":
			if m.value.kind != jsonString {
				return p.errorf(f, "must be a string, got %s", m.value.kind)
			}
			if err := p.checkLength(f, m.value.str); err != nil {
				return err
			}
			s.sid, s.hasSid = m.value.str, true
		case "Effect":
			hasEffect = true
			if m.value.kind != jsonString {
				return p.errorf(f, `must be "Allow" or "Deny", got %s`, m.value.kind)
			}
			switch m.value.str {
			case "Allow":
				s.effect = EffectAllow
			case "Deny":
				s.effect = EffectDeny
			default:
				return p.errorf(f, `must be "Allow" or "Deny", got %q`, m.value.str)
			}
		case "Action", "NotAction":
			if m.key == "Action" {
				hasAction = true
			} else {
				hasNotAction = true
				s.notAction = true
			}
			s.actionText, s.actionList, err = p.stringList(f, m.value, p.checkAction)
			if err != nil {
				return err
			}
		case "Resource":
			hasResource = true
			if p.kind == Trust {
				return p.errorf(f, "not allowed in a trust policy; the resource is the role itself")
			}
			s.resourceText, s.resourceList, err = p.stringList(f, m.value, p.checkResource)
			if err != nil {
				return err
			}
		case "NotResource":
			return p.errorf(f, "not supported by RAM; list the resources in Resource instead")
		case "Principal":
			hasPrincipal = true
			if p.kind == Identity || p.kind == Session {
				return p.errorf(f, "not allowed in %s policy; only trust and resource policies name a Principal", article(p.kind))
			}
			if err := p.principal(f, m.value, s); err != nil {
				return err
			}
		case "Condition":
			if err := p.condition(f, m.value, s); err != nil {
				return err
			}
		default:
			return p.unknownElement(f, m.key, statementElements, "element")
		}
	}
	switch {
	case !hasEffect:
		return p.errorf(at.field("Effect"), `missing; a statement needs "Effect": "Allow" or "Deny"`)
	case hasAction && hasNotAction:
		return p.errorf(at, "has both Action and NotAction; a statement takes exactly one of them")
	case !hasAction && !hasNotAction:
		return p.errorf(at.field("Action"), "missing; a statement needs an Action (or a NotAction)")
	case !hasResource && p.kind != Trust:
		return p.errorf(at.field("Resource"), `missing; %s policy statement needs a Resource ("*" for every resource)`, article(p.kind))
	case !hasPrincipal && (p.kind == Trust || p.kind == Resource):
		return p.errorf(at.field("Principal"), "missing; %s policy statement names the principals it applies to", article(p.kind))
	}
	s.actions = make([]pattern, len(s.actionText))
	for i, a := range s.actionText {
		s.actions[i] = compilePattern(a, true)
	}
	if hasResource {
		s.resources = make([]pattern, len(s.resourceText))
		for i, r := range s.resourceText {
			s.resources[i] = compilePattern(r, false)
		}
		for _, r := range s.resourceText {
			if asciiLower(r) != r {
				s.foldedResources = make([]pattern, len(s.resourceText))
				for i, r := range s.resourceText {
					s.foldedResources[i] = compilePattern(asciiLower(r), false)
				}
				break
			}
		}
	}
	return nil
}

func article(k Kind) string {
	if k == Identity {
		return "an identity"
	}
	return "a " + k.String()
}

// stringList reads a string or a non-empty list of strings, checking each.
// list reports whether the document used a list.
func (p *parser) stringList(at path, v jsonValue, check func(path, string) error) (vals []string, list bool, err error) {
	switch v.kind {
	case jsonString:
		if err := check(at, v.str); err != nil {
			return nil, false, err
		}
		return []string{v.str}, false, nil
	case jsonArray:
		if len(v.items) == 0 {
			return nil, true, p.errorf(at, "must not be an empty list")
		}
		vals = make([]string, len(v.items))
		for i, item := range v.items {
			if item.kind != jsonString {
				return nil, true, p.errorf(at.index(i), "must be a string, got %s", item.kind)
			}
			if err := check(at.index(i), item.str); err != nil {
				return nil, true, err
			}
			vals[i] = item.str
		}
		return vals, true, nil
	}
	return nil, false, p.errorf(at, "must be a string or a list of strings, got %s", v.kind)
}

func (p *parser) checkLength(at path, s string) error {
	if n := utf8.RuneCountInString(s); n > p.limits.MaxPatternLength {
		return p.errorf(at, "is %d characters long; at most %d are allowed", n, p.limits.MaxPatternLength)
	}
	return nil
}

// checkToken rejects empty values and values with white space or control
// characters, which no action, resource or principal contains.
func (p *parser) checkToken(at path, s string) error {
	if s == "" {
		return p.errorf(at, "must not be empty")
	}
	if err := p.checkLength(at, s); err != nil {
		return err
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return p.errorf(at, "must not contain white space or control characters, got %q", s)
		}
	}
	return nil
}

func (p *parser) checkAction(at path, s string) error {
	if err := p.checkToken(at, s); err != nil {
		return err
	}
	if s == "*" {
		return nil
	}
	service, name, ok := strings.Cut(s, ":")
	if !ok || service == "" || name == "" || strings.Contains(name, ":") {
		return p.errorf(at, `must be "*" or "<service>:<action>" such as "ecs:DescribeInstances", got %q`, s)
	}
	return nil
}

func (p *parser) checkResource(at path, s string) error {
	return p.checkToken(at, s)
}

var principalTypes = []string{"RAM", "Service", "Federated"}

func (p *parser) principal(at path, v jsonValue, s *statement) error {
	set := &principalSet{}
	s.principals = set
	wild := p.kind == Resource
	switch v.kind {
	case jsonString, jsonArray:
		if !wild {
			if v.kind == jsonString && v.str == "*" {
				return p.errorf(at, `must name the principals that may assume the role; "*" is not allowed in a trust policy`)
			}
			return p.errorf(at, `must be an object such as {"RAM": ["acs:ram::<uid>:root"]}, got %s`, v.kind)
		}
		if v.kind == jsonString && v.str == "*" {
			set.anyone = true
			s.principalText = principalText{anyone: true}
			return nil
		}
		names, _, err := p.stringList(at, v, p.checkToken)
		if err != nil {
			return err
		}
		for _, n := range names {
			set.names = append(set.names, compilePattern(n, true))
		}
		s.principalText = principalText{names: names}
		return nil
	case jsonObject:
	default:
		return p.errorf(at, `must be an object such as {"RAM": ["acs:ram::<uid>:root"]}, got %s`, v.kind)
	}
	if len(v.members) == 0 {
		return p.errorf(at, "must name at least one principal")
	}
	for _, m := range v.members {
		f := at.field(m.key)
		switch m.key {
		case "RAM", "Service", "Federated":
		default:
			return p.unknownElement(f, m.key, principalTypes, "principal type")
		}
		vals, list, err := p.stringList(f, m.value, p.checkToken)
		if err != nil {
			return err
		}
		s.principalText.types = append(s.principalText.types, principalTypeText{name: m.key, values: vals})
		for i, val := range vals {
			vf := f
			if list {
				vf = f.index(i)
			}
			if err := p.principalValue(vf, m.key, val, set); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) principalValue(at path, typ, v string, set *principalSet) error {
	wild := p.kind == Resource
	hasWildcard := strings.ContainsAny(v, "*?")
	if hasWildcard && !wild {
		return p.errorf(at, "wildcards are not allowed in a trust policy, got %q", v)
	}
	switch typ {
	case "RAM":
		if v == "*" {
			set.anyRAM = true
			return nil
		}
		r, ok := parseRAMPrincipal(v, wild)
		if !ok {
			return p.errorf(at, `must be acs:ram::<uid>:root, acs:ram::<uid>:user/<name> or acs:ram::<uid>:role/<name>, got %q`, v)
		}
		set.ram = append(set.ram, r)
	case "Service":
		if hasWildcard {
			return p.errorf(at, "wildcards are not allowed in a service principal, got %q", v)
		}
		sp, ok := parseServicePrincipal(v)
		if !ok {
			return p.errorf(at, `must be a service such as "ecs.aliyuncs.com", or "<uid>@<service>" for the service acting for account <uid>, got %q`, v)
		}
		set.services = append(set.services, sp)
	case "Federated":
		if hasWildcard || !validFederated(v) {
			return p.errorf(at, `must be acs:ram::<uid>:saml-provider/<name> or acs:ram::<uid>:oidc-provider/<name>, got %q`, v)
		}
		set.feds = append(set.feds, v)
	}
	return nil
}

func (p *parser) condition(at path, v jsonValue, s *statement) error {
	if v.kind != jsonObject {
		return p.errorf(at, "must be an object of operators, got %s", v.kind)
	}
	for _, m := range v.members {
		f := at.field(m.key)
		op, set, ifExists, ok := parseOperator(m.key)
		if !ok {
			return p.unknownOperator(f, m.key)
		}
		if m.value.kind != jsonObject {
			return p.errorf(f, "must be an object of condition keys, got %s", m.value.kind)
		}
		if len(m.value.members) == 0 {
			return p.errorf(f, "must name at least one condition key")
		}
		block := conditionText{operator: m.key}
		for j, km := range m.value.members {
			kf := f.field(km.key)
			if err := p.checkToken(kf, km.key); err != nil {
				return err
			}
			for _, prev := range m.value.members[:j] {
				if asciiEqualFoldBoth(prev.key, km.key) {
					return p.errorf(kf, "repeats condition key %q; keys are case-insensitive", prev.key)
				}
			}
			c := condition{op: op, set: set, ifExists: ifExists, key: km.key}
			vals, err := p.conditionValues(kf, km.value, &c)
			if err != nil {
				return err
			}
			block.keys = append(block.keys, conditionKeyText{key: km.key, values: vals})
			s.conditions = append(s.conditions, c)
		}
		s.conditionText = append(s.conditionText, block)
	}
	return nil
}

func (p *parser) unknownOperator(at path, name string) error {
	for known := range operatorNames {
		if strings.EqualFold(known, name) || strings.EqualFold(known+"IfExists", name) {
			return p.errorf(at, "unknown condition operator (operators are case-sensitive: check the spelling of %q)", known)
		}
	}
	if strings.HasPrefix(name, "Null") {
		return p.errorf(at, "unknown condition operator; RAM has no Null operator (use ...IfExists or a negated operator)")
	}
	return p.errorf(at, "unknown condition operator; use a String, Numeric, Date, Bool or IpAddress operator, optionally with an IfExists suffix or a ForAnyValue:/ForAllValues: prefix")
}

// conditionValues reads a value or a non-empty list of values. Strings,
// numbers and booleans are accepted and kept as their text ("10", "true").
func (p *parser) conditionValues(at path, v jsonValue, c *condition) ([]string, error) {
	one := func(at path, item jsonValue) (string, error) {
		switch item.kind {
		case jsonString, jsonNumber, jsonBool:
		default:
			return "", p.errorf(at, "must be a string, number or boolean, got %s", item.kind)
		}
		if err := p.checkLength(at, item.str); err != nil {
			return "", err
		}
		if problem := c.addValue(item.str); problem != "" {
			return "", p.errorf(at, "%s, got %q", problem, item.str)
		}
		return item.str, nil
	}
	if v.kind != jsonArray {
		s, err := one(at, v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if len(v.items) == 0 {
		return nil, p.errorf(at, "must not be an empty list")
	}
	vals := make([]string, len(v.items))
	for i, item := range v.items {
		s, err := one(at.index(i), item)
		if err != nil {
			return nil, err
		}
		vals[i] = s
	}
	return vals, nil
}
