package policy

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzRequests are decided before and after a round trip through
// MarshalJSON: the canonical form must mean the same thing.
var fuzzRequests = []Request{
	{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:123:instance/i-1",
		Context: Context{{Key: KeySourceIP, Values: []string{"192.168.1.1"}}, {Key: KeyCurrentTime, Values: []string{"2026-01-01T00:00:00Z"}}}},
	{Action: "sts:AssumeRole", Resource: "acs:ram::123:role/testrole",
		Principal: Principal{Type: Service, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: "456"}},
	{Action: "sts:AssumeRole", Resource: "acs:ram::123:role/TestRole",
		Principal: Principal{Type: User, Account: "456", Name: "alice"},
		Context:   Context{{Key: "sts:ExternalId", Values: []string{"abc", "def"}}}},
	{Action: "odps:Select", Resource: "acs:odps:*:projects/p/tables/t_app_1",
		Principal: Principal{Type: RoleSession, Account: "123", Name: "testRole", Session: "s", Names: []string{"RAM$123:role/testrole"}}},
	{Action: "a:b", Resource: "x"},
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// survives MarshalJSON: the canonical form parses, marshals to the same
// bytes, and decides every request the same way.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Version":"1","Statement":{"Effect":"Deny","NotAction":["ecs:*","ram:Get?"],"Resource":["acs:ecs:*:*:instance/*"]}}`,
		`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["456@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::456:root","acs:ram::456:user/alice"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["odps:Select"],"Principal":"*","Resource":"acs:odps:*:projects/p/tables/t_app_*"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["192.168.0.0/16","::1"]},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00+08:00"},"ForAnyValue:StringLikeIfExists":{"x:y":["a*?"]},"NumericLessThan":{"n":10},"Bool":{"b":true}}}]}`,
		`{"Version":"1","Statement":[{"effect":"Allow"}]}`,
		`{"Version":"1","Version":"1"}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:\ud800","Resource":"*"}]}`,
		"",
	} {
		for k := Identity; k <= Resource; k++ {
			f.Add(uint8(k), seed)
		}
	}
	big := Limits{MaxLength: 1 << 20, MaxStatements: 1 << 16, MaxPatternLength: 1 << 16}
	f.Fuzz(func(t *testing.T, kindByte uint8, doc string) {
		kind := Kind(kindByte%4 + 1)
		p, err := Parse(kind, doc, Options{})
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a policy and an error")
			}
			if _, ok := err.(*GrammarError); !ok {
				if _, ok := err.(*LengthError); !ok {
					t.Fatalf("Parse returned %T, want *GrammarError or *LengthError: %v", err, err)
				}
			}
			return
		}
		canon, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		q, err := Parse(kind, string(canon), Options{Limits: big})
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\noriginal: %q\ncanonical: %s", err, doc, canon)
		}
		again, _ := q.MarshalJSON()
		if !bytes.Equal(canon, again) {
			t.Fatalf("marshal is not stable:\n%s\n%s", canon, again)
		}
		for i := range fuzzRequests {
			req := &fuzzRequests[i]
			for _, c := range []Combine{EitherAllows, BothAllow, ResourceOnly} {
				a := Authorize(inputFor(p, c), req)
				b := Authorize(inputFor(q, c), req)
				if a.Decision != b.Decision || a.Total() != b.Total() {
					t.Fatalf("decision changed by the round trip: %v/%d vs %v/%d\noriginal: %q\ncanonical: %s", a.Decision, a.Total(), b.Decision, b.Total(), doc, canon)
				}
			}
		}
	})
}

func inputFor(p *Policy, c Combine) Input {
	switch p.Kind() {
	case Session:
		return Input{Session: p, Combine: c}
	case Trust, Resource:
		return Input{Resource: []*Policy{p}, Combine: c}
	}
	return Input{Identity: []*Policy{p}, Combine: c}
}

// naiveGlob is the textbook recursive definition of the wildcard language,
// on code points (an invalid byte is one character that only ? and *
// match), with ASCII folding when fold is set.
func naiveGlob(pat, s []rune, fold bool) bool {
	memo := make(map[[2]int]bool)
	var m func(i, j int) bool
	m = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(pat):
			r = j == len(s)
		case pat[i] == '*':
			r = m(i+1, j) || (j < len(s) && m(i, j+1))
		case j == len(s):
			r = false
		case pat[i] == '?':
			r = m(i+1, j+1)
		default:
			a, b := pat[i], s[j]
			if fold {
				a, b = foldRune(a), foldRune(b)
			}
			r = a == b && b != -1 && m(i+1, j+1)
		}
		memo[key] = r
		return r
	}
	return m(0, 0)
}

func foldRune(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// runesOf decodes s, turning each invalid byte into -1.
func runesOf(s string) []rune {
	var rs []rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = -1
		}
		rs = append(rs, r)
		i += size
	}
	return rs
}

// FuzzPattern compares the compiled matcher (each shape, and the automaton
// forced on every pattern) with the recursive definition.
func FuzzPattern(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*", "abc"}, {"*c", "abc"}, {"a?c", "abc"}, {"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaa"},
		{"acs:ram:*:123:role/x", "acs:ram::123:role/x"}, {"ECS:Describe*", "ecs:describeinstances"},
		{"?", "é"}, {"a*é?", "aXéé"}, {"**", "x"}, {"?*?", "\xff\xfe"},
		{strings.Repeat("?", 70) + "*", strings.Repeat("z", 80)},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, fold bool) {
		if !utf8.ValidString(pat) || len(pat) > 300 || len(s) > 300 {
			return // policies are valid UTF-8; keep the naive side fast
		}
		want := naiveGlob(runesOf(collapseStars(pat)), runesOf(s), fold)
		p := compilePattern(pat, fold)
		if got := p.match(s); got != want {
			t.Fatalf("pattern %q (fold %v) on %q: got %v, want %v", pat, fold, s, got, want)
		}
		lp := collapseStars(pat)
		if fold {
			lp = asciiLower(lp)
		}
		if got := newGlobNFA(lp, fold).match(s); got != want {
			t.Fatalf("automaton for %q (fold %v) on %q: got %v, want %v", pat, fold, s, got, want)
		}
	})
}

// FuzzCondition checks that condition evaluation never panics and that
// negated operators are the exact complement of their positive forms for a
// single-valued key.
func FuzzCondition(f *testing.F) {
	for _, s := range [][3]string{
		{"IpAddress", "192.168.0.0/16", "192.168.3.4"},
		{"IpAddress", "::ffff:10.0.0.0/104", "10.1.2.3"},
		{"NumericLessThan", "10", "9.5"},
		{"DateGreaterThan", "2019-08-12T17:00:00+08:00", "2019-08-12T10:00:00Z"},
		{"StringLike", "a*b?", "axxbc"},
		{"StringEqualsIgnoreCase", "ÄB", "äb"},
		{"Bool", "true", "TRUE"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	pairs := map[operator]operator{
		opStringEquals: opStringNotEquals, opStringEqualsIgnoreCase: opStringNotEqualsIgnoreCase,
		opStringLike: opStringNotLike, opNumericEquals: opNumericNotEquals,
		opDateEquals: opDateNotEquals, opIPAddress: opNotIPAddress,
	}
	f.Fuzz(func(t *testing.T, opName, policyValue, requestValue string) {
		op, _, _, ok := parseOperator(opName)
		if !ok {
			return
		}
		c := condition{op: op, key: "k"}
		if c.addValue(policyValue) != "" {
			return
		}
		ctx := Context{{Key: "K", Values: []string{requestValue}}}
		got := c.eval(ctx)
		if neg, ok := pairs[op]; ok {
			n := condition{op: neg, key: "k"}
			if n.addValue(policyValue) != "" {
				t.Fatalf("%v accepts %q but its negation does not", op, policyValue)
			}
			if n.eval(ctx) == got {
				t.Fatalf("%s and its negation agree (%v) on %q vs %q", opName, got, policyValue, requestValue)
			}
		}
	})
}
