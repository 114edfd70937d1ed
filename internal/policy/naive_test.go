package policy_test

// This file is a deliberately naive second evaluator of the RAM policy
// language, written from docs/policy.md and not from the engine's code. It
// exists only to be compared with the engine (differential_test.go). It
// trades every optimisation for obviousness: documents are decoded with
// encoding/json into map[string]any, patterns are matched by a memoised
// recursive matcher over runes, and the decision follows the numbered steps
// of docs/policy.md, "Decisions", literally.
//
// It assumes well-formed documents (the generator only produces documents
// the engine accepts), so it does no validation beyond what it needs.

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/policy"
)

// nvDoc is a decoded policy document: its statements in order.
type nvDoc struct {
	statements []map[string]any
}

// nvDecode decodes a document. Numbers keep their text (json.Number), since
// a condition value 1e3 means the text "1e3". A single statement object is
// a one-element list.
func nvDecode(doc string) (*nvDoc, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	d := &nvDoc{}
	switch st := root["Statement"].(type) {
	case map[string]any:
		d.statements = []map[string]any{st}
	case []any:
		for _, s := range st {
			m, ok := s.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("statement is %T", s)
			}
			d.statements = append(d.statements, m)
		}
	default:
		return nil, fmt.Errorf("Statement is %T", root["Statement"])
	}
	return d, nil
}

// nvStrings reads "a string or a list of strings"; numbers and booleans mean
// their text (condition values).
func nvStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case json.Number:
		return []string{x.String()}
	case bool:
		if x {
			return []string{"true"}
		}
		return []string{"false"}
	case []any:
		var out []string
		for _, item := range x {
			out = append(out, nvStrings(item)...)
		}
		return out
	}
	return nil
}

// ---- Matching ----

// nvRunes splits s into characters. An invalid UTF-8 byte becomes -1: a
// character that no literal pattern character equals (only ? and * match
// it, as the engine's pattern.go promises; docs/policy.md only speaks of
// code points).
func nvRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = -1
		}
		out = append(out, r)
		i += size
	}
	return out
}

// nvGlob: '*' matches any run (the empty one too), '?' exactly one
// character, anything else itself. Plain recursion, memoised so that
// patterns with many stars stay cheap.
func nvGlob(pattern, input string) bool {
	p, s := []rune(pattern), nvRunes(input)
	memo := make([]int8, (len(p)+1)*(len(s)+1)) // 0 unknown, 1 true, 2 false
	var m func(i, j int) bool
	m = func(i, j int) bool {
		k := i*(len(s)+1) + j
		if memo[k] != 0 {
			return memo[k] == 1
		}
		var ok bool
		switch {
		case i == len(p):
			ok = j == len(s)
		case p[i] == '*':
			ok = m(i+1, j) || (j < len(s) && m(i, j+1))
		case j == len(s):
			ok = false
		case p[i] == '?':
			ok = m(i+1, j+1)
		default:
			ok = p[i] == s[j] && m(i+1, j+1)
		}
		if ok {
			memo[k] = 1
		} else {
			memo[k] = 2
		}
		return ok
	}
	return m(0, 0)
}

// nvLowerASCII lower-cases A-Z only.
func nvLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// nvFoldRoleName lower-cases (ASCII) the role-name segment of a RAM role ARN,
// acs:ram:<region>:<uid>:role/<name>[/...]: the part between "role/" and the
// next "/". Anything else is returned unchanged.
func nvFoldRoleName(s string) string {
	parts := strings.SplitN(s, ":", 5)
	if len(parts) != 5 || parts[0] != "acs" || parts[1] != "ram" || !strings.HasPrefix(parts[4], "role/") {
		return s
	}
	rel := parts[4][len("role/"):]
	name, rest, hasRest := strings.Cut(rel, "/")
	folded := "role/" + nvLowerASCII(name)
	if hasRest {
		folded += "/" + rest
	}
	return strings.Join(parts[:4], ":") + ":" + folded
}

func nvActionMatches(pattern, action string) bool {
	return nvGlob(nvLowerASCII(pattern), nvLowerASCII(action))
}

// nvResourceMatches compares a resource that is a RAM role ARN
// case-insensitively (ASCII) with every pattern, and any other resource
// case-sensitively.
func nvResourceMatches(pattern, resource string) bool {
	if nvFoldRoleName(resource) != resource || nvIsRoleARN(resource) {
		return nvGlob(nvLowerASCII(pattern), nvLowerASCII(resource))
	}
	return nvGlob(pattern, resource)
}

func nvIsRoleARN(s string) bool {
	parts := strings.SplitN(s, ":", 5)
	return len(parts) == 5 && parts[0] == "acs" && parts[1] == "ram" && strings.HasPrefix(parts[4], "role/")
}

// ---- Principals ----

func nvIsRAMCaller(c *policy.Principal) bool {
	return c.Type == policy.Root || c.Type == policy.User || c.Type == policy.RoleSession
}

// nvPrincipalMatches: does the Principal element name the caller? owner is
// the account that owns the resource.
func nvPrincipalMatches(elem any, c *policy.Principal, owner string) bool {
	if c.Type == policy.Anonymous {
		// Principal.Type's documentation: no principal element matches an
		// anonymous caller.
		return false
	}
	switch x := elem.(type) {
	case string:
		if x == "*" {
			return true // anyone
		}
		return nvNamesMatch([]string{x}, c.Names)
	case []any:
		return nvNamesMatch(nvStrings(x), c.Names)
	case map[string]any:
		for typ, vals := range x {
			for _, v := range nvStrings(vals) {
				if nvPrincipalValueMatches(typ, v, c, owner) {
					return true
				}
			}
		}
	}
	return false
}

// nvNamesMatch: plain principal strings of resource policies compare with
// the caller's Names case-insensitively (ASCII, like every other fold in the
// language) with wildcards.
func nvNamesMatch(patterns, names []string) bool {
	for _, p := range patterns {
		for _, n := range names {
			if nvGlob(nvLowerASCII(p), nvLowerASCII(n)) {
				return true
			}
		}
	}
	return false
}

func nvPrincipalValueMatches(typ, v string, c *policy.Principal, owner string) bool {
	switch typ {
	case "RAM":
		if !nvIsRAMCaller(c) {
			return false // RAM principals never name a service or IdP
		}
		if v == "*" {
			return true
		}
		rest := strings.TrimPrefix(v, "acs:ram::")
		account, rel, _ := strings.Cut(rest, ":")
		if account != "*" && account != c.Account {
			return false
		}
		switch {
		case rel == "root":
			// every RAM identity of the account, the account itself included
			return true
		case strings.HasPrefix(rel, "user/"):
			return c.Type == policy.User && nvGlob(rel[len("user/"):], c.Name)
		case strings.HasPrefix(rel, "role/"):
			return c.Type == policy.RoleSession &&
				nvGlob(nvLowerASCII(rel[len("role/"):]), nvLowerASCII(c.Name))
		}
		return false
	case "Service":
		if c.Type != policy.Service {
			return false
		}
		account, service := owner, v
		if a, s, ok := strings.Cut(v, "@"); ok {
			account, service = a, s
		}
		// Service names are DNS names; the engine compares them
		// ASCII-case-insensitively (docs/policy.md does not say).
		return account != "" && account == c.OnBehalfOf && nvLowerASCII(service) == nvLowerASCII(c.Name)
	case "Federated":
		return c.Type == policy.Federated && v == c.Name
	}
	return false
}

// nvOwner: the stated account, else the account field of the resource ARN.
func nvOwner(req *policy.Request) string {
	if req.ResourceOwner != "" {
		return req.ResourceOwner
	}
	parts := strings.Split(req.Resource, ":")
	if len(parts) >= 5 && parts[0] == "acs" {
		return parts[3]
	}
	return ""
}

// ---- Conditions ----

var nvNegated = map[string]bool{
	"StringNotEquals": true, "StringNotEqualsIgnoreCase": true, "StringNotLike": true,
	"NumericNotEquals": true, "DateNotEquals": true, "NotIpAddress": true,
}

// nvLookup: the values of the first context entry whose key equals key
// (ASCII case-insensitively). No values means absent.
func nvLookup(ctx policy.Context, key string) []string {
	for _, e := range ctx {
		if nvLowerASCII(e.Key) == nvLowerASCII(key) {
			return e.Values
		}
	}
	return nil
}

func nvConditionHolds(cond any, ctx policy.Context) bool {
	ops, _ := cond.(map[string]any)
	for name, keys := range ops {
		base, qualifier := name, ""
		if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
			base, qualifier = rest, "any"
		} else if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
			base, qualifier = rest, "all"
		}
		base, ifExists := strings.CutSuffix(base, "IfExists")
		negated := nvNegated[base]
		km, _ := keys.(map[string]any)
		for key, vals := range km {
			policyVals := nvStrings(vals)
			reqVals := nvLookup(ctx, key)
			if !nvKeyHolds(base, qualifier, ifExists, negated, policyVals, reqVals) {
				return false
			}
		}
	}
	return true
}

func nvKeyHolds(base, qualifier string, ifExists, negated bool, policyVals, reqVals []string) bool {
	if len(reqVals) == 0 {
		switch {
		case ifExists:
			return true
		case qualifier == "all":
			return true
		case qualifier == "any":
			return false
		}
		return negated
	}
	// matches: the positive form holds against at least one policy value.
	matches := func(rv string) bool {
		for _, pv := range policyVals {
			if nvPositive(base, pv, rv) {
				return true
			}
		}
		return false
	}
	// holds: the operator itself holds for one request value.
	holds := func(rv string) bool {
		if negated {
			return !matches(rv)
		}
		return matches(rv)
	}
	switch qualifier {
	case "any":
		for _, rv := range reqVals {
			if holds(rv) {
				return true
			}
		}
		return false
	case "all":
		for _, rv := range reqVals {
			if !holds(rv) {
				return false
			}
		}
		return true
	}
	if negated { // no request value may match
		for _, rv := range reqVals {
			if matches(rv) {
				return false
			}
		}
		return true
	}
	for _, rv := range reqVals { // one request value must match
		if matches(rv) {
			return true
		}
	}
	return false
}

var nvDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func nvNumber(s string) (float64, bool) {
	if !nvDecimal.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func nvDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// nvNet parses a policy IP value: an address or a CIDR block; an
// IPv4-mapped IPv6 block ::ffff:a.b.c.d/n (n >= 96) is the IPv4 block /n-96.
func nvNet(s string) *net.IPNet {
	if strings.Contains(s, "/") {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil
		}
		ones, bits := n.Mask.Size()
		if bits == 128 && ip.To4() != nil {
			m := net.CIDRMask(ones-96, 32)
			return &net.IPNet{IP: ip.To4().Mask(m), Mask: m}
		}
		return n
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil
	}
	if v4 := ip.To4(); v4 != nil {
		return &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)}
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(128, 128)}
}

// nvPositive: the positive form of the operator between request value rv
// and policy value pv. A request value the operator cannot hold matches
// nothing.
func nvPositive(base, pv, rv string) bool {
	switch base {
	case "StringEquals", "StringNotEquals":
		return rv == pv
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(rv, pv)
	case "StringLike", "StringNotLike":
		return nvGlob(pv, rv)
	case "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals":
		r, ok1 := nvNumber(rv)
		p, ok2 := nvNumber(pv)
		if !ok1 || !ok2 {
			return false
		}
		switch base {
		case "NumericEquals", "NumericNotEquals":
			return r == p
		case "NumericLessThan":
			return r < p
		case "NumericLessThanEquals":
			return r <= p
		case "NumericGreaterThan":
			return r > p
		case "NumericGreaterThanEquals":
			return r >= p
		}
	case "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
		"DateGreaterThan", "DateGreaterThanEquals":
		r, ok1 := nvDate(rv)
		p, ok2 := nvDate(pv)
		if !ok1 || !ok2 {
			return false
		}
		switch base {
		case "DateEquals", "DateNotEquals":
			return r.Equal(p)
		case "DateLessThan":
			return r.Before(p)
		case "DateLessThanEquals":
			return !r.After(p)
		case "DateGreaterThan":
			return r.After(p)
		case "DateGreaterThanEquals":
			return !r.Before(p)
		}
	case "Bool":
		var r bool
		switch {
		case strings.EqualFold(rv, "true"):
			r = true
		case strings.EqualFold(rv, "false"):
			r = false
		default:
			return false
		}
		return r == (pv == "true")
	case "IpAddress", "NotIpAddress":
		n := nvNet(pv)
		ip := net.ParseIP(rv)
		return n != nil && ip != nil && n.Contains(ip)
	}
	return false
}

// ---- Decisions ----

// nvPair names a deciding statement: the index of its policy in the order
// identity..., session, resource... and its 0-based statement index.
type nvPair struct{ policy, stmt int }

// nvInput mirrors policy.Input with decoded documents.
type nvInput struct {
	identity []*nvDoc
	session  *nvDoc
	resource []*nvDoc
	combine  policy.Combine
}

func nvStatementMatches(st map[string]any, req *policy.Request) bool {
	if a, ok := st["Action"]; ok {
		if !nvAnyAction(nvStrings(a), req.Action) {
			return false
		}
	} else if nvAnyAction(nvStrings(st["NotAction"]), req.Action) {
		return false // NotAction: every action but the listed ones
	}
	if r, ok := st["Resource"]; ok {
		matched := false
		for _, p := range nvStrings(r) {
			if nvResourceMatches(p, req.Resource) {
				matched = true
			}
		}
		if !matched {
			return false
		}
	}
	if p, ok := st["Principal"]; ok && !nvPrincipalMatches(p, &req.Principal, nvOwner(req)) {
		return false
	}
	if c, ok := st["Condition"]; ok && !nvConditionHolds(c, req.Context) {
		return false
	}
	return true
}

func nvAnyAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if nvActionMatches(p, action) {
			return true
		}
	}
	return false
}

// nvAuthorize follows docs/policy.md, "Decisions":
//  1. any matching Deny, in any consulted policy: ExplicitDeny, with every
//     matching Deny as a reason;
//  2. a session policy that does not allow: ImplicitDeny;
//  3. the identity and resource sides combine (ResourceOnly: the resource
//     side alone decides, identity and session policies are not consulted);
//  4. otherwise ImplicitDeny.
//
// An Allow lists every matching Allow statement of the consulted policies.
func nvAuthorize(in nvInput, req *policy.Request) (policy.Decision, []nvPair) {
	type entry struct {
		doc  *nvDoc
		side string
		idx  int
	}
	var entries []entry
	idx := 0
	for _, d := range in.identity {
		entries = append(entries, entry{d, "identity", idx})
		idx++
	}
	if in.session != nil {
		entries = append(entries, entry{in.session, "session", idx})
		idx++
	}
	for _, d := range in.resource {
		entries = append(entries, entry{d, "resource", idx})
		idx++
	}
	var denies, allows []nvPair
	allowsBySide := map[string]bool{}
	for _, e := range entries {
		if in.combine == policy.ResourceOnly && e.side != "resource" {
			continue
		}
		for i, st := range e.doc.statements {
			if !nvStatementMatches(st, req) {
				continue
			}
			if st["Effect"] == "Deny" {
				denies = append(denies, nvPair{e.idx, i})
			} else {
				allows = append(allows, nvPair{e.idx, i})
				allowsBySide[e.side] = true
			}
		}
	}
	if len(denies) > 0 {
		return policy.ExplicitDeny, denies
	}
	if in.combine != policy.ResourceOnly && in.session != nil && !allowsBySide["session"] {
		return policy.ImplicitDeny, nil
	}
	var allowed bool
	switch in.combine {
	case policy.EitherAllows:
		allowed = allowsBySide["identity"] || allowsBySide["resource"]
	case policy.BothAllow:
		allowed = allowsBySide["identity"] && allowsBySide["resource"]
	case policy.ResourceOnly:
		allowed = allowsBySide["resource"]
	}
	if !allowed {
		return policy.ImplicitDeny, nil
	}
	return policy.Allow, allows
}

// nvAssumeRole follows docs/policy.md, "AssumeRole": the root never; a
// service or federated caller by the trust policy alone; a RAM user or role
// session by its identity side (narrowed by its session policy) AND the
// trust policy. An anonymous caller has no identity and is refused too.
func nvAssumeRole(identity []*nvDoc, session, trust *nvDoc, req *policy.Request) (policy.Decision, []nvPair) {
	in := nvInput{identity: identity, session: session, combine: policy.BothAllow}
	if trust != nil {
		in.resource = []*nvDoc{trust}
	}
	switch req.Principal.Type {
	case policy.Root, policy.Anonymous:
		return policy.ImplicitDeny, nil
	case policy.Service, policy.Federated:
		in.combine = policy.ResourceOnly
	}
	return nvAuthorize(in, req)
}
