package policy_test

// Differential test: random but meaningful policy documents and requests are
// decided by the engine (policy.Authorize, policy.AssumeRole) and by the naive
// evaluator of naive_test.go; decisions, deciding statements and their count
// must agree.
//
// Every iteration draws from its own generator, seeded by (seed, iteration),
// so one failing iteration can be replayed alone:
//
//	LOCALYUN_DIFF_SEED=<seed> LOCALYUN_DIFF_ITER=<i> go test ./internal/policy/ -run Differential -v
//
// LOCALYUN_DIFF_SEED alone changes the seed of a whole run;
// LOCALYUN_DIFF_N the number of iterations.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/policy"
)

const diffDefaultSeed = 0x10ca1_7a11

// diffRequestsPerIteration: requests decided against each generated set of
// policies (the first one guided the generation, the others are variants).
const diffRequestsPerIteration = 3

func TestDifferential(t *testing.T) {
	seed := uint64(diffDefaultSeed)
	if s := os.Getenv("LOCALYUN_DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			t.Fatalf("LOCALYUN_DIFF_SEED: %v", err)
		}
		seed = v
	}
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	if s := os.Getenv("LOCALYUN_DIFF_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("LOCALYUN_DIFF_N: %v", err)
		}
		n = v
	}
	if s := os.Getenv("LOCALYUN_DIFF_ITER"); s != "" {
		i, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("LOCALYUN_DIFF_ITER: %v", err)
		}
		var st diffStats
		report := diffIteration(seed, i, &st, true)
		t.Logf("seed %#x iteration %d:\n%s", seed, i, report.dump)
		if report.differences > 0 {
			t.Errorf("%d differences", report.differences)
		}
		return
	}

	// The run allocates a lot of short-lived garbage and keeps little:
	// collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	start := time.Now()
	workers := runtime.GOMAXPROCS(0)
	var (
		mu       sync.Mutex
		total    diffStats
		failures []string
	)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st diffStats
			for i := w; i < n; i += workers {
				report := diffIteration(seed, i, &st, false)
				if report.differences > 0 {
					mu.Lock()
					if len(failures) < 5 {
						failures = append(failures, fmt.Sprintf(
							"seed %#x iteration %d (replay: LOCALYUN_DIFF_SEED=%#x LOCALYUN_DIFF_ITER=%d go test ./internal/policy/ -run Differential -v):\n%s",
							seed, i, seed, i, report.dump))
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			total.add(&st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("seed %#x: %d iterations, %d policies, %d comparisons, %d differences, %s (%d workers)",
		seed, n, total.policies, total.comparisons, total.differences, elapsed.Round(time.Millisecond), workers)
	t.Logf("by kind: %d identity, %d session, %d trust, %d resource; %d Authorize and %d AssumeRole comparisons; %d with more than %d reasons",
		total.kinds[policy.Identity], total.kinds[policy.Session], total.kinds[policy.Trust], total.kinds[policy.Resource],
		total.comparisons-total.assume, total.assume, total.overflow, policy.MaxReasons)
	for _, d := range []policy.Decision{policy.Allow, policy.ExplicitDeny, policy.ImplicitDeny} {
		share := float64(total.outcomes[d]) / float64(max(total.comparisons, 1))
		t.Logf("%-12s %7d  %5.1f%%", d, total.outcomes[d], 100*share)
		if share < 0.05 {
			t.Errorf("outcome %s is only %.1f%% of the comparisons; the generator needs a better mix", d, 100*share)
		}
	}
	if total.differences > 0 {
		t.Errorf("%d differences between the engine and the naive evaluator (seed %#x)", total.differences, seed)
	}
}

type diffStats struct {
	policies, comparisons, differences, assume, overflow int
	outcomes                                             [3]int
	kinds                                                [5]int
}

func (s *diffStats) add(o *diffStats) {
	s.policies += o.policies
	s.comparisons += o.comparisons
	s.differences += o.differences
	s.assume += o.assume
	s.overflow += o.overflow
	for i := range s.outcomes {
		s.outcomes[i] += o.outcomes[i]
	}
	for i := range s.kinds {
		s.kinds[i] += o.kinds[i]
	}
}

type diffReport struct {
	differences int
	dump        string
}

// diffCase is one generated set of policies.
type diffCase struct {
	assume   bool // AssumeRole instead of Authorize
	combine  policy.Combine
	identity []string
	session  string // "" for none
	resource []string
	// resourceKinds are the kinds of resource (Trust or Resource); for
	// AssumeRole, resource holds at most the trust policy.
	resourceKinds []policy.Kind
}

// diffIteration generates one case and its requests, decides them both ways
// and reports differences. The report's dump (documents, requests, both
// answers) is written when there is a difference, or always with verbose.
func diffIteration(seed uint64, iter int, st *diffStats, verbose bool) diffReport {
	g := &diffGen{r: rand.New(rand.NewPCG(seed, uint64(iter)))}
	assume := g.p(0.3)
	base := g.request(assume)
	c := g.policyCase(base, assume)

	// Parse every document with the engine and decode it naively.
	var (
		docs    []string
		kinds   []policy.Kind
		engine  []*policy.Policy
		naive   []*nvDoc
		problem string
	)
	addDoc := func(kind policy.Kind, doc string) {
		docs = append(docs, doc)
		kinds = append(kinds, kind)
		p, err := policy.Parse(kind, doc, policy.Options{Name: fmt.Sprintf("p%d", len(engine)), Limits: policy.Limits{MaxLength: 1 << 20}})
		if err != nil {
			problem += fmt.Sprintf("engine rejects generated %s document %d: %v\n", kind, len(docs)-1, err)
		}
		d, err := nvDecode(doc)
		if err != nil {
			problem += fmt.Sprintf("naive evaluator cannot decode document %d: %v\n", len(docs)-1, err)
		}
		engine = append(engine, p)
		naive = append(naive, d)
		st.policies++
		st.kinds[kind]++
	}
	for _, d := range c.identity {
		addDoc(policy.Identity, d)
	}
	if c.session != "" {
		addDoc(policy.Session, c.session)
	}
	for i, d := range c.resource {
		addDoc(c.resourceKinds[i], d)
	}
	describe := func() string {
		var b strings.Builder
		mode := fmt.Sprintf("Authorize, Combine=%s", diffCombineName(c.combine))
		if c.assume {
			mode = "AssumeRole"
		}
		fmt.Fprintf(&b, "mode: %s\n", mode)
		for i, d := range docs {
			fmt.Fprintf(&b, "policy %d (%s):\n%s\n", i, kinds[i], d)
		}
		return b.String()
	}
	if problem != "" {
		st.differences++
		return diffReport{differences: 1, dump: describe() + problem}
	}

	nID := len(c.identity)
	var in policy.Input
	var nin nvInput
	in.Combine, nin.combine = c.combine, c.combine
	in.Identity, nin.identity = engine[:nID], naive[:nID]
	next := nID
	if c.session != "" {
		in.Session, nin.session = engine[next], naive[next]
		next++
	}
	in.Resource, nin.resource = engine[next:], naive[next:]
	index := map[*policy.Policy]int{}
	for i, p := range engine {
		index[p] = i
	}

	var report diffReport
	var lines []string
	reqs := []*policy.Request{base}
	for len(reqs) < diffRequestsPerIteration {
		reqs = append(reqs, g.variant(base, c.assume))
	}
	for _, req := range reqs {
		var res policy.Result
		var nd policy.Decision
		var nr []nvPair
		if c.assume {
			var trust *policy.Policy
			var ntrust *nvDoc
			if len(in.Resource) > 0 {
				trust, ntrust = in.Resource[0], nin.resource[0]
			}
			res = policy.AssumeRole(in.Identity, in.Session, trust, req)
			nd, nr = nvAssumeRole(nin.identity, nin.session, ntrust, req)
			st.assume++
		} else {
			res = policy.Authorize(in, req)
			nd, nr = nvAuthorize(nin, req)
		}
		st.comparisons++
		st.outcomes[res.Decision]++
		if res.Total() > policy.MaxReasons {
			st.overflow++
		}

		var er []nvPair
		for _, r := range res.Reasons() {
			er = append(er, nvPair{index[r.Policy], r.Statement})
		}
		same := res.Decision == nd && res.Total() == len(nr) && len(er) == min(len(nr), policy.MaxReasons)
		for i := 0; same && i < len(er); i++ {
			same = er[i] == nr[i]
		}
		for i, r := range res.Reasons() { // Side and Sid name the same statement
			if !same {
				break
			}
			sid, _ := naive[er[i].policy].statements[er[i].stmt]["Sid"].(string)
			same = r.Side() == kinds[er[i].policy].String() && r.Sid() == sid
		}
		if !same {
			report.differences++
			st.differences++
		}
		if verbose || report.differences > 0 {
			mark := ""
			if !same {
				mark = "   <-- DIFFERENT"
			}
			lines = append(lines, fmt.Sprintf("request: %s\n  engine: %s total=%d reasons=%v\n  naive:  %s total=%d reasons=%v%s\n",
				diffRequestString(req), res.Decision, res.Total(), er, nd, len(nr), nr, mark))
		}
	}
	if verbose || report.differences > 0 {
		// Requests decided before the first difference were not written:
		// decide the iteration again, verbosely.
		if !verbose {
			return diffIteration(seed, iter, &diffStats{}, true)
		}
		report.dump = describe() + strings.Join(lines, "")
	}
	return report
}

func diffCombineName(c policy.Combine) string {
	switch c {
	case policy.EitherAllows:
		return "EitherAllows"
	case policy.BothAllow:
		return "BothAllow"
	case policy.ResourceOnly:
		return "ResourceOnly"
	}
	return fmt.Sprint(int(c))
}

func diffRequestString(r *policy.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Action=%q Resource=%q", r.Action, r.Resource)
	if r.ResourceOwner != "" {
		fmt.Fprintf(&b, " ResourceOwner=%q", r.ResourceOwner)
	}
	p := r.Principal
	fmt.Fprintf(&b, " Principal={%s Account=%q Name=%q OnBehalfOf=%q Names=%q}", p.Type, p.Account, p.Name, p.OnBehalfOf, p.Names)
	b.WriteString(" Context={")
	for i, e := range r.Context {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %q", e.Key, e.Values)
	}
	b.WriteString("}")
	return b.String()
}

// ---- Generator ----

type diffGen struct{ r *rand.Rand }

func (g *diffGen) p(prob float64) bool { return g.r.Float64() < prob }
func (g *diffGen) n(k int) int         { return g.r.IntN(k) }
func (g *diffGen) pick(xs []string) string {
	return xs[g.r.IntN(len(xs))]
}

// randCase flips the case of ASCII letters at random.
func (g *diffGen) randCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') && g.p(0.5) {
			b[i] = c ^ 0x20
		}
	}
	return string(b)
}

var (
	diffAccounts  = []string{"1111111111111111", "2222222222222222", "3333333333333333"}
	diffServices  = []string{"ecs.aliyuncs.com", "engine.dataworks.aliyuncs.com", "odps.aliyuncs.com"}
	diffUsers     = []string{"alice", "Alice", "bob", "carol.x"}
	diffRoles     = []string{"TestRole", "admin", "Data-Role_1", "Xyz.Quiz"}
	diffProviders = []string{
		"acs:ram::1111111111111111:saml-provider/corp-idp",
		"acs:ram::2222222222222222:oidc-provider/GitHub",
	}
	diffActions = []string{
		"ecs:DescribeInstances", "ecs:StartInstance", "ecs:StopInstance", "ram:CreateRole", "ram:ListRoles",
		"sts:AssumeRole", "oss:GetObject", "oss:PutObject", "odps:CreateTable", "odps:Select", "ecs:ModifyZoneQuota",
	}
	// diffNames are what a caller is known by in plain-string principals.
	diffNames = []string{
		"RAM$1111111111111111:role/testrole", "RAM$2222222222222222:user/bob", "odps-admin",
		"RAM$3333333333333333:role/ADMIN", "RAM$1111111111111111:user/Älice",
	}
	diffNamePatterns = []string{
		"RAM$1111111111111111:role/TestRole", "RAM$*:role/test*", "ram$2222222222222222:user/?ob", "*",
		"odps-admin", "RAM$1111111111111111:user/Ä*", "RAM$1111111111111111:user/ä*", "RAM$????????????????:role/*",
	}
)

// resource returns a concrete resource ARN.
func (g *diffGen) resource() string {
	acct := g.pick(diffAccounts)
	switch g.n(11) {
	case 0:
		return "acs:ecs:cn-hangzhou:" + acct + ":instance/i-abc123"
	case 9, 10:
		// no account field: the owner is only what the caller states
		return g.pick([]string{"acs:odps:*:projects/p1/tables/t1", "oss://bucket/key", "acs:ram::" + acct, "acs:ram:role/TestRole"})
	case 1:
		return "acs:ram::" + acct + ":role/" + g.randCase(g.pick(diffRoles))
	case 2:
		return "acs:ram::" + acct + ":role/" + g.randCase(g.pick(diffRoles)) + "/Sub/Path"
	case 3:
		return "acs:ram::" + acct + ":user/" + g.pick(diffUsers)
	case 4:
		return "acs:oss:*:" + acct + ":bucket/日本/ファイル.txt"
	case 5:
		return "acs:oss:cn-shanghai:" + acct + ":bucket/Ünïcode/ß/" + g.pick([]string{"a", "ǅ", "\U0001F600"})
	case 6:
		return "acs:odps:*:" + acct + ":projects/p1/tables/t_" + strconv.Itoa(g.n(3))
	case 7:
		// long: pattern matching beyond 64 characters
		var b strings.Builder
		b.WriteString("acs:oss:cn-beijing:" + acct + ":bucket/logs")
		for k := 0; k < 6+g.n(8); k++ {
			b.WriteString("/" + g.pick([]string{"2024", "a", "ab", "日志", "x-y", "Zz"}))
		}
		return b.String()
	default:
		return "acs:ram::" + acct + ":role/Ť" + g.randCase("estrole") // non-ASCII role name
	}
}

// mutate turns a concrete value into a pattern that often still matches it.
func (g *diffGen) mutate(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return "*"
	}
	switch g.n(10) {
	case 0, 1:
		return s
	case 2: // some characters become '?'
		for k := 0; k < 1+g.n(3); k++ {
			r[g.n(len(r))] = '?'
		}
	case 3: // a run becomes '*'
		i := g.n(len(r) + 1)
		j := i + g.n(len(r)-i+1)
		r = append(append(append([]rune{}, r[:i]...), '*'), r[j:]...)
	case 4: // prefix
		r = append(append([]rune{}, r[:g.n(len(r)+1)]...), '*')
	case 5: // suffix
		r = append([]rune{'*'}, r[g.n(len(r)+1):]...)
	case 6: // several stars and questions, doubled stars
		for k := 0; k < 2+g.n(3); k++ {
			i := g.n(len(r))
			switch g.n(3) {
			case 0:
				r[i] = '?'
			case 1:
				r = append(append(append([]rune{}, r[:i]...), '*', '*'), r[i+1:]...)
			default:
				j := i + g.n(len(r)-i)
				r = append(append(append([]rune{}, r[:i]...), '*'), r[j:]...)
			}
		}
	case 7: // one character changed: usually no match
		i := g.n(len(r))
		r[i] = []rune("xQ日ß")[g.n(4)]
	case 8: // case changed
		return g.randCase(s)
	default: // a star inside, which may match more
		i := g.n(len(r) + 1)
		r = append(append(append([]rune{}, r[:i]...), '*'), r[i:]...)
	}
	return string(r)
}

func diffValidAction(s string) bool {
	if s == "*" {
		return true
	}
	svc, name, ok := strings.Cut(s, ":")
	return ok && svc != "" && name != "" && !strings.Contains(name, ":") && !strings.ContainsAny(s, " \t\n")
}

func (g *diffGen) actionPattern(req *policy.Request) string {
	if g.p(0.06) {
		return "*"
	}
	src := g.pick(diffActions)
	if g.p(0.6) && diffValidAction(req.Action) {
		src = req.Action
	}
	for k := 0; k < 5; k++ {
		p := g.mutate(src)
		if g.p(0.5) {
			p = g.randCase(p)
		}
		if diffValidAction(p) {
			return p
		}
	}
	svc, _, _ := strings.Cut(src, ":")
	return svc + ":*"
}

func (g *diffGen) resourcePattern(req *policy.Request) string {
	switch g.n(14) {
	case 0:
		return "*"
	case 1:
		return "acs:ram:*:*:role/" + g.randCase("test") + "*"
	case 2:
		return "acs:ram:*:role/" + g.randCase("TestRole") // not shaped as a role ARN: not folded
	case 3:
		return "acs:ram::*:role/*"
	}
	src := g.resource()
	if g.p(0.65) {
		src = req.Resource
	}
	if !utf8.ValidString(src) {
		src = strings.ToValidUTF8(src, "?")
	}
	p := g.mutate(src)
	if strings.HasPrefix(p, "acs:ram:") && g.p(0.5) {
		// recase the role name segment (or, with the mutation, around it)
		if i := strings.Index(p, "role/"); i >= 0 {
			p = p[:i+5] + g.randCase(p[i+5:])
		}
	}
	if p == "" || strings.ContainsAny(p, " \t\n") {
		return "*"
	}
	return p
}

// ---- Conditions ----

type diffFamily struct {
	keys        []string
	operators   []string
	policyVals  []any // string, json.Number or bool
	requestVals []string
}

var diffFamilies = []diffFamily{
	{ // strings
		keys:       []string{"sts:ExternalId", "odps:TaskType", "oss:Prefix", "acs:SourceVpc"},
		operators:  []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"},
		policyVals: []any{"abc", "ABC", "prod", "Prod", "", "日本", "straße", "STRASSE", "x-1", json.Number("10"), "ǅ", true, "a*", "*c", "?b?", "日*", "*本", "pr?d", "*", "P*", "*ß*", "?", "s?r*e"},
		requestVals: []string{"abc", "aBc", "ABC", "prod", "PROD", "Prod", "dev", "", "日本", "日本語", "straße", "STRASSE", "strasse",
			"x-1", "10", "ǆ", "ǅ", "abcabc", "pr\xffd", "true", "Straße", "a", "c"},
	},
	{ // numbers
		keys:        []string{"odps:Count", "oss:MaxKeys"},
		operators:   []string{"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
		policyVals:  []any{"-2.5", json.Number("10"), json.Number("1e3"), "0", "100", json.Number("10.5"), "-0", json.Number("3.0E1"), "007", "1000"},
		requestVals: []string{"-2.5", "10", "1e3", "0", "100", "10.5", "-0", "30", "007", "1000", "10.0", "abc", "+1", "0x10", "Inf", "NaN", "1.", ".5", "1e400", "", "1_000", " 10", "-3", "1e", "2E+", "1e-5", "-", "5E-0"},
	},
	{ // dates
		keys:      []string{"acs:CurrentTime", "odps:Expiry"},
		operators: []string{"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
		policyVals: []any{"2019-08-12", "2019-08-12T00:00:00Z", "2019-08-12T08:00:00+08:00", "2019-08-12T17:00:00+08:00",
			"2020-01-01T00:00:00.5Z", "2019-08-11T23:59:59.999-01:00"},
		requestVals: []string{"2019-08-12", "2019-08-12T00:00:00Z", "2019-08-12T08:00:00+08:00", "2019-08-12T17:00:00+08:00",
			"2020-01-01T00:00:00.5Z", "2019-08-12T00:59:59.999Z", "2019-08-12T09:00:00Z", "2019-08-12T00:00:00", "2019-8-12",
			"yesterday", "", "2021-06-01T12:00:00+00:00", "2019-08-12T00:00:00.000000001Z"},
	},
	{ // booleans
		keys:        []string{"acs:SecureTransport", "acs:MFAPresent"},
		operators:   []string{"Bool"},
		policyVals:  []any{"true", "false", true, false},
		requestVals: []string{"true", "false", "TRUE", "False", "yes", "1", "", "falſe", "tRuE"},
	},
	{ // IP addresses
		keys:      []string{"acs:SourceIp", "odps:Ips"},
		operators: []string{"IpAddress", "NotIpAddress"},
		policyVals: []any{"192.168.0.0/16", "172.16.215.218", "10.0.0.0/8", "::ffff:10.0.0.0/104", "2001:db8::/32",
			"::ffff:192.168.1.1", "0.0.0.0/0", "::/0", "10.1.2.3/8", "2001:db8::1", "::ffff:0:0/96", "192.168.1.1/32"},
		requestVals: []string{"192.168.1.1", "::ffff:192.168.1.1", "10.2.3.4", "2001:db8::1", "2001:db9::1", "172.16.215.218",
			"fe80::1%eth0", "10.0.0.300", "", "1.2.3.4/32", "::ffff:10.9.9.9", "8.8.8.8", "::1", "::ffff:c0a8:101"},
	},
}

func (g *diffGen) condition() map[string]any {
	cond := map[string]any{}
	for k := 0; k < 1+g.n(2); k++ {
		fam := diffFamilies[g.n(len(diffFamilies))]
		op := g.pick(fam.operators)
		switch g.n(7) {
		case 0:
			op = "ForAnyValue:" + op
		case 1:
			op = "ForAllValues:" + op
		}
		if g.p(0.2) {
			op += "IfExists"
		}
		if _, dup := cond[op]; dup {
			continue
		}
		keys := map[string]any{}
		for _, ki := range g.r.Perm(len(fam.keys))[:1+g.n(len(fam.keys))] {
			key := fam.keys[ki]
			if g.p(0.1) { // a key of another family: its values will not parse
				key = g.pick(diffFamilies[g.n(len(diffFamilies))].keys)
			}
			if g.p(0.3) {
				key = g.randCase(key)
			}
			clash := false
			for other := range keys {
				clash = clash || strings.EqualFold(other, key)
			}
			if clash {
				continue
			}
			var vals []any
			for v := 0; v < 1+g.n(3); v++ {
				vals = append(vals, fam.policyVals[g.n(len(fam.policyVals))])
			}
			if len(vals) == 1 && g.p(0.5) {
				keys[key] = vals[0]
			} else {
				keys[key] = vals
			}
		}
		cond[op] = keys
	}
	return cond
}

func (g *diffGen) context() policy.Context {
	var ctx policy.Context
	for _, fam := range diffFamilies {
		for _, key := range fam.keys {
			if !g.p(0.55) {
				continue
			}
			vals := []string{}
			count := 1
			switch x := g.n(10); {
			case x == 0:
				count = 0 // present with no values: absent
			case x >= 7:
				count = 2 + g.n(2)
			}
			for v := 0; v < count; v++ {
				vals = append(vals, g.pick(fam.requestVals))
			}
			if g.p(0.3) {
				key = g.randCase(key)
			}
			ctx = append(ctx, policy.ContextEntry{Key: key, Values: vals})
			if g.p(0.05) { // the same key again, in another case: the first wins
				ctx = append(ctx, policy.ContextEntry{Key: g.randCase(key), Values: []string{g.pick(fam.requestVals)}})
			}
		}
	}
	g.r.Shuffle(len(ctx), func(i, j int) { ctx[i], ctx[j] = ctx[j], ctx[i] })
	return ctx
}

// ---- Principals ----

func (g *diffGen) caller() policy.Principal {
	var p policy.Principal
	switch x := g.n(100); {
	case x < 5:
		p.Type = policy.Anonymous
	case x < 17:
		p.Type = policy.Root
	case x < 42:
		p.Type = policy.User
	case x < 67:
		p.Type = policy.RoleSession
	case x < 87:
		p.Type = policy.Service
	default:
		p.Type = policy.Federated
	}
	switch p.Type {
	case policy.Root:
		p.Account = g.pick(diffAccounts)
	case policy.User:
		p.Account = g.pick(diffAccounts)
		p.Name = g.pick(diffUsers)
		if g.p(0.15) {
			p.Name = g.randCase(p.Name)
		}
	case policy.RoleSession:
		p.Account = g.pick(diffAccounts)
		p.Name = g.randCase(g.pick(diffRoles))
		p.Session = "s1"
	case policy.Service:
		p.Name = g.pick(diffServices)
		if g.p(0.1) {
			p.Name = g.randCase(p.Name)
		}
		if g.p(0.9) {
			p.OnBehalfOf = g.pick(diffAccounts)
		}
	case policy.Federated:
		p.Name = g.pick(diffProviders)
		if g.p(0.1) {
			p.Name = g.randCase(p.Name)
		}
	}
	if g.p(0.3) {
		for k := 0; k < 1+g.n(2); k++ {
			p.Names = append(p.Names, g.pick(diffNames))
		}
	}
	return p
}

// principal builds a Principal element naming, often, the caller.
func (g *diffGen) principal(kind policy.Kind, c *policy.Principal) any {
	wild := kind == policy.Resource
	if wild {
		switch g.n(10) {
		case 0:
			return "*"
		case 1:
			return g.pick(diffNamePatterns)
		case 2:
			var names []any
			for k := 0; k < 1+g.n(3); k++ {
				names = append(names, g.pick(diffNamePatterns))
			}
			return names
		}
	}
	elem := map[string]any{}
	add := func(typ, v string) {
		list, _ := elem[typ].([]any)
		elem[typ] = append(list, v)
	}
	for k := 0; k < 1+g.n(3); k++ {
		acct := g.pick(diffAccounts)
		if g.p(0.5) && c.Account != "" {
			acct = c.Account
		}
		if wild && g.p(0.2) {
			acct = "*"
		}
		switch g.n(8) {
		case 0:
			add("RAM", "acs:ram::"+acct+":root")
		case 1:
			name := g.pick(diffUsers)
			if c.Type == policy.User && g.p(0.6) && diffEntityName(c.Name) {
				name = c.Name
			}
			if wild && g.p(0.4) {
				name = g.mutateEntity(name)
			}
			add("RAM", "acs:ram::"+acct+":user/"+name)
		case 2, 3:
			name := g.pick(diffRoles)
			if c.Type == policy.RoleSession && g.p(0.6) && diffEntityName(c.Name) {
				name = c.Name
			}
			name = g.randCase(name)
			if wild && g.p(0.4) {
				name = g.mutateEntity(name)
			}
			add("RAM", "acs:ram::"+acct+":role/"+name)
		case 4:
			if wild && g.p(0.3) {
				add("RAM", "*")
			} else {
				add("RAM", "acs:ram::"+acct+":root")
			}
		case 5, 6:
			svc := g.pick(diffServices)
			if c.Type == policy.Service && g.p(0.6) {
				svc = strings.ToLower(c.Name)
			}
			if g.p(0.5) {
				on := g.pick(diffAccounts)
				if c.OnBehalfOf != "" && g.p(0.6) {
					on = c.OnBehalfOf
				}
				svc = on + "@" + svc
			}
			add("Service", svc)
		default:
			prov := g.pick(diffProviders)
			if c.Type == policy.Federated && g.p(0.6) && diffValidProvider(c.Name) {
				prov = c.Name
			}
			add("Federated", prov)
		}
	}
	// A single value is often written as a string. (Fixed order: ranging
	// over the map would draw random numbers in a random order and make
	// iterations impossible to replay.)
	for _, typ := range []string{"RAM", "Service", "Federated"} {
		if list, ok := elem[typ].([]any); ok && len(list) == 1 && g.p(0.5) {
			elem[typ] = list[0]
		}
	}
	return elem
}

func (g *diffGen) mutateEntity(name string) string {
	for k := 0; k < 5; k++ {
		m := g.mutate(name)
		if diffEntityName(strings.NewReplacer("*", "a", "?", "a").Replace(m)) {
			return m
		}
	}
	return name[:1] + "*"
}

func diffEntityName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._@-", c) >= 0) {
			return false
		}
	}
	return true
}

func diffValidProvider(s string) bool {
	for _, p := range diffProviders {
		if strings.EqualFold(p, s) {
			rest := s[strings.LastIndexByte(s, ':')+1:]
			return (strings.HasPrefix(rest, "saml-provider/") || strings.HasPrefix(rest, "oidc-provider/")) && strings.HasPrefix(s, "acs:ram::")
		}
	}
	return false
}

// ---- Requests and documents ----

func (g *diffGen) request(assume bool) *policy.Request {
	req := &policy.Request{Principal: g.caller(), Context: g.context()}
	if assume {
		req.Action = "sts:AssumeRole"
		if g.p(0.3) {
			req.Action = g.randCase(req.Action)
		}
		if g.p(0.1) {
			req.Action = g.pick(diffActions)
		}
		req.Resource = "acs:ram::" + g.pick(diffAccounts) + ":role/" + g.randCase(g.pick(diffRoles))
	} else {
		req.Action = g.pick(diffActions)
		switch {
		case g.p(0.3):
			req.Action = g.randCase(req.Action)
		case g.p(0.03):
			req.Action = "ecs:Describe日本"
		}
		req.Resource = g.resource()
		if g.p(0.03) { // an invalid UTF-8 byte
			i := g.n(len(req.Resource))
			req.Resource = req.Resource[:i] + "\xff" + req.Resource[i:]
		}
	}
	if g.p(0.15) {
		req.ResourceOwner = g.pick(diffAccounts)
	}
	return req
}

// variant is another request close to base: a new context, caller, action
// case or resource.
func (g *diffGen) variant(base *policy.Request, assume bool) *policy.Request {
	v := *base
	switch g.n(5) {
	case 0:
		v.Context = g.context()
	case 1:
		v.Principal = g.caller()
	case 2:
		v.Action = g.randCase(v.Action)
		v.Context = g.context()
	case 3:
		other := g.request(assume)
		v.Resource = other.Resource
	default:
		return g.request(assume)
	}
	return &v
}

func (g *diffGen) statement(kind policy.Kind, req *policy.Request, wide bool) map[string]any {
	st := map[string]any{"Effect": "Allow"}
	denyRate := 0.2
	if kind == policy.Session {
		denyRate = 0.1
	}
	if g.p(denyRate) {
		st["Effect"] = "Deny"
	}
	if g.p(0.2) {
		st["Sid"] = "S" + strconv.Itoa(g.n(100))
	}
	var actions []any
	for k := 0; k < 1+g.n(3); k++ {
		actions = append(actions, g.actionPattern(req))
	}
	if wide {
		actions = append(actions, "*")
	}
	actionKey := "Action"
	if g.p(0.1) {
		actionKey = "NotAction"
	}
	st[actionKey] = diffListOrOne(g, actions)
	if kind != policy.Trust {
		var resources []any
		for k := 0; k < 1+g.n(3); k++ {
			resources = append(resources, g.resourcePattern(req))
		}
		if wide {
			resources = append(resources, "*")
		}
		st["Resource"] = diffListOrOne(g, resources)
	}
	if kind == policy.Trust || kind == policy.Resource {
		st["Principal"] = g.principal(kind, &req.Principal)
	}
	if g.p(0.35) && !wide {
		st["Condition"] = g.condition()
	}
	return st
}

func diffListOrOne(g *diffGen, xs []any) any {
	if len(xs) == 1 && g.p(0.5) {
		return xs[0]
	}
	return xs
}

func (g *diffGen) document(kind policy.Kind, req *policy.Request) string {
	n := 1 + g.n(4)
	wide := g.p(0.03)
	if wide {
		n = 6 + g.n(6)
	}
	var stmts []any
	for k := 0; k < n; k++ {
		stmts = append(stmts, g.statement(kind, req, wide))
	}
	doc := map[string]any{"Version": "1", "Statement": stmts}
	if n == 1 && g.p(0.3) {
		doc["Statement"] = stmts[0]
	}
	var b []byte
	var err error
	if g.p(0.2) {
		b, err = json.MarshalIndent(doc, "", "  ")
	} else {
		b, err = json.Marshal(doc)
	}
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (g *diffGen) policyCase(req *policy.Request, assume bool) diffCase {
	c := diffCase{assume: assume}
	if assume {
		for k := 0; k < g.n(3); k++ {
			c.identity = append(c.identity, g.document(policy.Identity, req))
		}
		if g.p(0.3) {
			c.session = g.document(policy.Session, req)
		}
		if g.p(0.92) {
			c.resource = []string{g.document(policy.Trust, req)}
			c.resourceKinds = []policy.Kind{policy.Trust}
		}
		return c
	}
	c.combine = policy.Combine(g.n(3))
	for k := 0; k < g.n(4); k++ {
		c.identity = append(c.identity, g.document(policy.Identity, req))
	}
	if g.p(0.35) {
		c.session = g.document(policy.Session, req)
	}
	for k := 0; k < g.n(3); k++ {
		kind := policy.Resource
		if g.p(0.3) {
			kind = policy.Trust
		}
		c.resource = append(c.resource, g.document(kind, req))
		c.resourceKinds = append(c.resourceKinds, kind)
	}
	return c
}
