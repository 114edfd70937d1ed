package policy_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/policy"
	pt "github.com/localyun/localyun/internal/policy/policytest"
)

// propGen generates small random statements and requests from alphabets
// chosen so that matches are frequent.
type propGen struct{ rng *rand.Rand }

var (
	propActions   = []string{"ecs:DescribeInstances", "ecs:Describe*", "ecs:*", "ECS:describeinstances", "oss:GetObject", "oss:Get?bject", "*", "ram:*Role", "sts:AssumeRole"}
	propResources = []string{"*", "acs:ecs:*:1:instance/*", "acs:ecs:cn-hangzhou:1:instance/i-1", "acs:oss:*:1:bucket/a*", "acs:ram:*:1:role/TestRole", "acs:ram::1:role/*"}
	propReqs      = [][2]string{
		{"ecs:DescribeInstances", "acs:ecs:cn-hangzhou:1:instance/i-1"},
		{"oss:GetObject", "acs:oss:cn-hangzhou:1:bucket/abc"},
		{"ram:CreateRole", "acs:ram::1:role/testrole"},
		{"sts:AssumeRole", "acs:ram::1:role/TestRole"},
		{"ecs:StartInstance", "acs:ecs:cn-hangzhou:2:instance/i-9"},
	}
	propConds = []pt.Condition{
		{Operator: "IpAddress", Key: "acs:SourceIp", Values: []string{"10.0.0.0/8", "192.168.1.1"}},
		{Operator: "NotIpAddress", Key: "acs:SourceIp", Values: []string{"10.0.0.0/8"}},
		{Operator: "StringEquals", Key: "x:team", Values: []string{"a", "b"}},
		{Operator: "StringNotEqualsIfExists", Key: "x:team", Values: []string{"c"}},
		{Operator: "ForAllValues:StringLike", Key: "x:tags", Values: []string{"t*", "u"}},
		{Operator: "ForAnyValue:StringEquals", Key: "x:tags", Values: []string{"t1"}},
		{Operator: "Bool", Key: "acs:SecureTransport", Values: []string{"true"}},
		{Operator: "NumericLessThan", Key: "x:n", Values: []string{"5", "10"}},
		{Operator: "DateLessThan", Key: "acs:CurrentTime", Values: []string{"2026-06-01T00:00:00Z"}},
	}
	propContexts = []policy.Context{
		nil,
		{{Key: "acs:SourceIp", Values: []string{"10.1.2.3"}}, {Key: "x:team", Values: []string{"a"}}, {Key: "acs:SecureTransport", Values: []string{"true"}}},
		{{Key: "ACS:SOURCEIP", Values: []string{"192.168.1.1"}}, {Key: "x:tags", Values: []string{"t1", "t2"}}, {Key: "x:n", Values: []string{"7"}}},
		{{Key: "x:tags", Values: []string{"t1", "zz"}}, {Key: "acs:CurrentTime", Values: []string{"2026-01-01T00:00:00Z"}}, {Key: "x:team", Values: []string{"c"}}},
	}
)

func (g propGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g propGen) some(list []string) []string {
	n := 1 + g.rng.IntN(3)
	out := make([]string, n)
	for i := range out {
		out[i] = g.pick(list)
	}
	return out
}

func (g propGen) statement() pt.Statement {
	s := pt.Allow(g.some(propActions)...).On(g.some(propResources)...)
	if g.rng.IntN(4) == 0 {
		s.Effect = "Deny"
	}
	if g.rng.IntN(6) == 0 {
		s = s.Except(g.some(propActions)...)
	}
	for range g.rng.IntN(3) {
		c := propConds[g.rng.IntN(len(propConds))]
		if slices.ContainsFunc(s.Condition, func(x pt.Condition) bool { return x.Operator == c.Operator && strings.EqualFold(x.Key, c.Key) }) {
			continue
		}
		s = s.When(c.Operator, c.Key, c.Values...)
	}
	return s
}

func (g propGen) statements() []pt.Statement {
	stmts := make([]pt.Statement, 1+g.rng.IntN(5))
	for i := range stmts {
		stmts[i] = g.statement()
	}
	return stmts
}

func (g propGen) request() *policy.Request {
	r := propReqs[g.rng.IntN(len(propReqs))]
	return &policy.Request{Action: r[0], Resource: r[1], Context: propContexts[g.rng.IntN(len(propContexts))]}
}

func mustParse(t *testing.T, kind policy.Kind, stmts []pt.Statement) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(kind, pt.Document(stmts...), policy.Options{})
	if err != nil {
		t.Fatalf("generated document does not parse: %v\n%s", err, pt.Document(stmts...))
	}
	return p
}

const propRounds = 3000

// TestPropertyOrderIndependence: shuffling statements, and the values of
// every list, changes neither the decision nor the number of deciding
// statements.
func TestPropertyOrderIndependence(t *testing.T) {
	g := propGen{rand.New(rand.NewPCG(1, 2))}
	for round := range propRounds {
		stmts := g.statements()
		shuffled := slices.Clone(stmts)
		g.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i := range shuffled {
			s := &shuffled[i]
			s.Action, s.NotAction, s.Resource = g.shuffled(s.Action), g.shuffled(s.NotAction), g.shuffled(s.Resource)
			conds := slices.Clone(s.Condition)
			for j := range conds {
				conds[j].Values = g.shuffled(conds[j].Values)
			}
			g.rng.Shuffle(len(conds), func(i, j int) { conds[i], conds[j] = conds[j], conds[i] })
			s.Condition = conds
		}
		a, b := mustParse(t, policy.Identity, stmts), mustParse(t, policy.Identity, shuffled)
		req := g.request()
		ra := policy.Authorize(policy.Input{Identity: []*policy.Policy{a}}, req)
		rb := policy.Authorize(policy.Input{Identity: []*policy.Policy{b}}, req)
		if ra.Decision != rb.Decision || ra.Total() != rb.Total() {
			t.Fatalf("round %d: order changed the result: %v/%d vs %v/%d\n%s\n%s\nrequest %+v",
				round, ra.Decision, ra.Total(), rb.Decision, rb.Total(), a.Source(), b.Source(), req)
		}
	}
}

func (g propGen) shuffled(list []string) []string {
	if list == nil {
		return nil
	}
	out := slices.Clone(list)
	g.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// TestPropertyDenyNeverAllows: adding a Deny statement, to any policy,
// never turns a denial into an Allow, and an ExplicitDeny stays one.
func TestPropertyDenyNeverAllows(t *testing.T) {
	g := propGen{rand.New(rand.NewPCG(3, 4))}
	for round := range propRounds {
		stmts := g.statements()
		deny := g.statement()
		deny.Effect = "Deny"
		at := g.rng.IntN(len(stmts) + 1)
		withDeny := slices.Insert(slices.Clone(stmts), at, deny)
		req := g.request()
		before := policy.Authorize(policy.Input{Identity: []*policy.Policy{mustParse(t, policy.Identity, stmts)}}, req)
		after := policy.Authorize(policy.Input{Identity: []*policy.Policy{mustParse(t, policy.Identity, withDeny)}}, req)
		if before.Decision != policy.Allow && after.Decision == policy.Allow ||
			before.Decision == policy.ExplicitDeny && after.Decision != policy.ExplicitDeny {
			t.Fatalf("round %d: adding a Deny turned %v into %v\n%s\n%s", round, before.Decision, after.Decision, pt.Document(stmts...), pt.Document(withDeny...))
		}
	}
}

// TestPropertySessionNeverWidens: whatever the session policy, a request
// allowed with it is allowed without it.
func TestPropertySessionNeverWidens(t *testing.T) {
	g := propGen{rand.New(rand.NewPCG(5, 6))}
	allowedWith := 0
	for round := range propRounds {
		identity := mustParse(t, policy.Identity, g.statements())
		session := mustParse(t, policy.Session, g.statements())
		req := g.request()
		with := policy.Authorize(policy.Input{Identity: []*policy.Policy{identity}, Session: session}, req)
		without := policy.Authorize(policy.Input{Identity: []*policy.Policy{identity}}, req)
		if with.Decision == policy.Allow {
			allowedWith++
			if without.Decision != policy.Allow {
				t.Fatalf("round %d: the session policy widened %v to Allow\nidentity %s\nsession %s", round, without.Decision, identity.Source(), session.Source())
			}
		}
	}
	if allowedWith < propRounds/20 {
		t.Fatalf("only %d of %d rounds were allowed with a session policy: the generator is too weak to test anything", allowedWith, propRounds)
	}
}

// TestPropertyAmbiguousDocumentsRejected: every valid document becomes
// invalid when any element, principal type or operator name is written in
// other case, or when any key of any object is repeated.
func TestPropertyAmbiguousDocumentsRejected(t *testing.T) {
	docs := []struct {
		kind policy.Kind
		doc  string
	}{
		{policy.Identity, pt.Document(pt.Allow("ecs:*").On("*").Named("s1").When("IpAddress", "acs:SourceIp", "10.0.0.0/8").When("StringEquals", "x:k", "v"))},
		{policy.Trust, pt.Document(pt.Allow("sts:AssumeRole").From("RAM", "acs:ram::1:root").From("Service", "1@engine.dataworks.aliyuncs.com"))},
		{policy.Resource, pt.Document(pt.Deny("odps:*").Except("odps:Select").On("acs:odps:*:projects/p/tables/*").From("RAM", "acs:ram::1:role/r"))},
		{policy.Session, pt.Document(pt.Allow("hologram:GetInstance").On("*").When("ForAnyValue:StringLikeIfExists", "x:tags", "a*"))},
	}
	key := regexp.MustCompile(`"([A-Za-z:]+)":`)
	tested := 0
	for _, d := range docs {
		if _, err := policy.Parse(d.kind, d.doc, policy.Options{}); err != nil {
			t.Fatalf("base document invalid: %v\n%s", err, d.doc)
		}
		locs := key.FindAllStringSubmatchIndex(d.doc, -1)
		for _, loc := range locs {
			name := d.doc[loc[2]:loc[3]]
			if strings.Contains(name, ":") && !strings.HasPrefix(name, "For") {
				continue // a condition key (acs:SourceIp): those are case-insensitive by design
			}
			for _, variant := range []string{strings.ToLower(name), strings.ToUpper(name), swapFirstCase(name)} {
				if variant == name {
					continue
				}
				doc := d.doc[:loc[2]] + variant + d.doc[loc[3]:]
				tested++
				if _, err := policy.Parse(d.kind, doc, policy.Options{}); err == nil {
					t.Errorf("%s policy accepted with %q written as %q:\n%s", d.kind, name, variant, doc)
				} else if !errors.Is(err, policy.ErrInvalidPolicy) {
					t.Errorf("error does not wrap ErrInvalidPolicy: %v", err)
				}
			}
			// Repeat the member: insert `"name": <same value>,` before it.
			end := memberEnd(d.doc, loc[1])
			dup := d.doc[:loc[0]] + d.doc[loc[0]:end] + "," + d.doc[loc[0]:]
			if _, err := policy.Parse(d.kind, dup, policy.Options{}); err == nil || !strings.Contains(err.Error(), "duplicate key") {
				t.Errorf("%s policy with %q repeated: got %v, want a duplicate key error:\n%s", d.kind, name, err, dup)
			}
			tested++
		}
	}
	if tested < 80 {
		t.Fatalf("only %d variants tested", tested)
	}
	t.Logf("%d ambiguous variants rejected", tested)
}

// swapFirstCase flips the case of the first letter.
func swapFirstCase(s string) string {
	if s == "" {
		return s
	}
	c := s[:1]
	if strings.ToUpper(c) == c {
		return strings.ToLower(c) + s[1:]
	}
	return strings.ToUpper(c) + s[1:]
}

// memberEnd returns the offset just past the JSON value starting at or
// after from (an object member's value), by bracket counting; the test's
// documents hold no brackets inside strings.
func memberEnd(doc string, from int) int {
	depth := 0
	inString := false
	for i := from; i < len(doc); i++ {
		switch c := doc[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
				if depth == 0 {
					return i + 1
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	panic(fmt.Sprintf("no value end after %d", from))
}
