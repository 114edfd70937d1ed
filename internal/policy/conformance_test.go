package policy_test

// The conformance suite: table-driven cases in testdata/conformance/*.json,
// each file a topic. A file is an object:
//
//	{"description": "...",
//	 "policies": {"alias": {"kind": "identity", "document": ...}},
//	 "cases": [...]}
//
// A parse case says how Parse must treat one document:
//
//	{"name", "kind": "identity"|"trust"|"session"|"resource",
//	 "document": "exact text" | any JSON value (serialised compactly, key
//	 order and duplicates kept), "limits": {"maxLength", "maxStatements",
//	 "maxPatternLength"}, "padTo": n (append spaces until the document is n
//	 characters long), "error": exact err.Error() or "" for a valid
//	 document, "code": the Alibaba error code, "canonical": the expected
//	 MarshalJSON output of a valid document}
//
// A decide case says how Authorize (or AssumeRole) must decide a request:
//
//	{"name", "identity": [policy...], "session": policy,
//	 "resource": [policy...], "combine": "either"|"both"|"resource-only",
//	 "assumeRole": true with "trust": policy,
//	 "request": {"principal": {"type", "account", "name", "session",
//	 "onBehalfOf", "names"}, "action", "resource", "resourceOwner",
//	 "context": {"key": ["v1", "v2"]}},
//	 "decision": "Allow"|"ExplicitDeny"|"ImplicitDeny",
//	 "reasons": [{"side", "policy": index in its list or name,
//	 "statement", "sid"}], "total": n}
//
// A policy is the name of a file-level policy or an object
// {"name", "kind", "document", "limits", "padTo"}; its kind defaults to the
// list it is in. Every decide case runs twice: on the documents as written
// and on their MarshalJSON forms parsed again, with the same expected
// decision and reasons.
//
// Both kinds of case may carry "expand": [{"placeholder", "repeat",
// "count"} | {"placeholder", "hex"}], applied in order to every document and
// to the request's action, resource and context values, to write long or
// non-UTF-8 text. "comment" is free text.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/policy"
)

// minConformanceCases guards against the suite silently shrinking.
const minConformanceCases = 200

type conformanceFile struct {
	Description string                `json:"description"`
	Policies    map[string]policySpec `json:"policies"`
	Cases       []conformanceCase     `json:"cases"`
}

type conformanceCase struct {
	Name    string      `json:"name"`
	Comment string      `json:"comment"`
	Expand  []expansion `json:"expand"`

	// parse cases
	Kind      string          `json:"kind"`
	Document  json.RawMessage `json:"document"`
	Limits    *limitsSpec     `json:"limits"`
	PadTo     int             `json:"padTo"`
	Error     *string         `json:"error"`
	Code      string          `json:"code"`
	Canonical *string         `json:"canonical"`

	// decide cases
	Identity   []policyRef  `json:"identity"`
	Session    *policyRef   `json:"session"`
	Resource   []policyRef  `json:"resource"`
	Trust      *policyRef   `json:"trust"`
	Combine    string       `json:"combine"`
	AssumeRole bool         `json:"assumeRole"`
	Request    *requestSpec `json:"request"`
	Decision   string       `json:"decision"`
	Reasons    []reasonSpec `json:"reasons"`
	Total      *int         `json:"total"`
}

type expansion struct {
	Placeholder string `json:"placeholder"`
	Repeat      string `json:"repeat"`
	Count       int    `json:"count"`
	Hex         string `json:"hex"`
}

type limitsSpec struct {
	MaxLength        int `json:"maxLength"`
	MaxStatements    int `json:"maxStatements"`
	MaxPatternLength int `json:"maxPatternLength"`
}

func (l *limitsSpec) limits() policy.Limits {
	if l == nil {
		return policy.Limits{}
	}
	return policy.Limits{MaxLength: l.MaxLength, MaxStatements: l.MaxStatements, MaxPatternLength: l.MaxPatternLength}
}

type policySpec struct {
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Document json.RawMessage `json:"document"`
	Limits   *limitsSpec     `json:"limits"`
	PadTo    int             `json:"padTo"`
}

// policyRef is a file-level policy's name or an inline policySpec.
type policyRef struct {
	alias  string
	inline *policySpec
}

func (r *policyRef) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &r.alias)
	}
	r.inline = new(policySpec)
	return strictDecode(data, r.inline)
}

type requestSpec struct {
	Principal     principalSpec       `json:"principal"`
	Action        string              `json:"action"`
	Resource      string              `json:"resource"`
	ResourceOwner string              `json:"resourceOwner"`
	Context       map[string][]string `json:"context"`
}

type principalSpec struct {
	Type       string   `json:"type"`
	Account    string   `json:"account"`
	Name       string   `json:"name"`
	Session    string   `json:"session"`
	OnBehalfOf string   `json:"onBehalfOf"`
	Names      []string `json:"names"`
}

type reasonSpec struct {
	Side      string          `json:"side"`
	Policy    json.RawMessage `json:"policy"`
	Statement int             `json:"statement"`
	Sid       *string         `json:"sid"`
}

// strictDecode decodes exactly one JSON value into v, refusing unknown fields.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func TestConformance(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no files in testdata/conformance")
	}
	files := make([]*conformanceFile, len(paths))
	total := 0
	for i, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := new(conformanceFile)
		if err := strictDecode(data, f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(f.Cases) == 0 {
			t.Errorf("%s: no cases", path)
		}
		seen := map[string]bool{}
		for _, c := range f.Cases {
			if c.Name == "" || seen[c.Name] {
				t.Errorf("%s: case name %q is empty or repeated", path, c.Name)
			}
			seen[c.Name] = true
		}
		files[i] = f
		total += len(f.Cases)
	}
	if total < minConformanceCases {
		t.Errorf("%d conformance cases; the suite must hold at least %d", total, minConformanceCases)
	}
	t.Logf("%d conformance cases in %d files", total, len(paths))
	for i, path := range paths {
		f := files[i]
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			t.Parallel()
			for j := range f.Cases {
				c := &f.Cases[j]
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					runConformanceCase(t, f, c)
				})
			}
		})
	}
}

func runConformanceCase(t *testing.T, f *conformanceFile, c *conformanceCase) {
	isParse := c.Kind != "" || c.Document != nil || c.Error != nil
	isDecide := c.Request != nil
	switch {
	case isParse && isDecide:
		t.Fatal("bad case: it has both parse fields (kind, document, error) and a request")
	case isParse:
		runParseCase(t, c)
	case isDecide:
		runDecideCase(t, f, c)
	default:
		t.Fatal("bad case: it has neither a document to parse nor a request to decide")
	}
}

// documentText turns a document as written in a case file into the text to
// parse: a JSON string is the text itself, any other value is serialised
// compactly (keeping key order and duplicate keys). Expansions apply, then
// padding.
func documentText(t *testing.T, raw json.RawMessage, padTo int, x *expander) string {
	t.Helper()
	if len(raw) == 0 {
		t.Fatal("bad case: missing document")
	}
	var text string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			t.Fatalf("bad case: document: %v", err)
		}
	} else {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			t.Fatalf("bad case: document: %v", err)
		}
		text = b.String()
	}
	text = x.apply(t, text)
	if padTo > 0 {
		n := utf8.RuneCountInString(text)
		if n > padTo {
			t.Fatalf("bad case: document is %d characters, longer than padTo %d", n, padTo)
		}
		text += strings.Repeat(" ", padTo-n)
	}
	return text
}

// expander applies a case's expansions and remembers which were used, so
// that a misspelt placeholder is a bad case rather than a silent no-op.
type expander struct {
	exp  []expansion
	used []bool
}

func newExpander(t *testing.T, exp []expansion) *expander {
	t.Helper()
	for _, e := range exp {
		if e.Placeholder == "" || (e.Hex == "") == (e.Repeat == "") || (e.Hex != "" && e.Count != 0) {
			t.Fatalf("bad case: an expansion needs a placeholder and either repeat and count or hex: %+v", e)
		}
	}
	return &expander{exp: exp, used: make([]bool, len(exp))}
}

func (x *expander) apply(t *testing.T, s string) string {
	t.Helper()
	for i, e := range x.exp {
		if !strings.Contains(s, e.Placeholder) {
			continue
		}
		x.used[i] = true
		with := strings.Repeat(e.Repeat, e.Count)
		if e.Hex != "" {
			b, err := hex.DecodeString(e.Hex)
			if err != nil {
				t.Fatalf("bad case: expansion %s: %v", e.Placeholder, err)
			}
			with = string(b)
		}
		s = strings.ReplaceAll(s, e.Placeholder, with)
	}
	return s
}

func (x *expander) checkUsed(t *testing.T) {
	t.Helper()
	for i, e := range x.exp {
		if !x.used[i] {
			t.Fatalf("bad case: placeholder %q occurs nowhere", e.Placeholder)
		}
	}
}

func parseKind(t *testing.T, s string) policy.Kind {
	t.Helper()
	k, err := policy.ParseKind(s)
	if err != nil {
		t.Fatalf("bad case: %v", err)
	}
	return k
}

func runParseCase(t *testing.T, c *conformanceCase) {
	if c.Error == nil {
		t.Fatal(`bad case: a parse case needs "error" ("" for a valid document)`)
	}
	if c.Request != nil || c.Decision != "" || c.Reasons != nil || c.Identity != nil || c.Resource != nil ||
		c.Session != nil || c.Trust != nil || c.Combine != "" || c.AssumeRole || c.Total != nil {
		t.Fatal("bad case: a parse case has decide fields")
	}
	kind := parseKind(t, c.Kind)
	x := newExpander(t, c.Expand)
	doc := documentText(t, c.Document, c.PadTo, x)
	x.checkUsed(t)
	limits := c.Limits.limits()
	p, err := policy.Parse(kind, doc, policy.Options{Name: c.Name, Limits: limits})
	if *c.Error == "" {
		if c.Code != "" {
			t.Fatal(`bad case: a valid document has no error "code"`)
		}
		if err != nil {
			t.Fatalf("Parse(%s) failed: %v\ndocument: %s", kind, err, abbreviate(doc))
		}
		if p.Kind() != kind || p.Name() != c.Name || p.Source() != doc {
			t.Errorf("Parse kept kind %v, name %q, source %q", p.Kind(), p.Name(), p.Source())
		}
		canon := roundTrip(t, p, limits)
		if c.Canonical != nil && canon != *c.Canonical {
			t.Errorf("MarshalJSON:\n got %s\nwant %s", canon, *c.Canonical)
		}
		return
	}
	if c.Canonical != nil {
		t.Fatal(`bad case: an invalid document has no "canonical" form`)
	}
	if err == nil {
		t.Fatalf("Parse(%s) succeeded, want error %q (%s)\ndocument: %s", kind, *c.Error, c.Code, abbreviate(doc))
	}
	if p != nil {
		t.Errorf("Parse returned a policy along with its error")
	}
	if got := err.Error(); got != *c.Error {
		t.Errorf("error:\n got %s\nwant %s", got, *c.Error)
	}
	if !errors.Is(err, policy.ErrInvalidPolicy) {
		t.Errorf("error %v does not wrap policy.ErrInvalidPolicy", err)
	}
	var code string
	var ge *policy.GrammarError
	var le *policy.LengthError
	switch {
	case errors.As(err, &ge):
		code = ge.Code()
		if ge.Kind != kind {
			t.Errorf("GrammarError.Kind = %v, want %v", ge.Kind, kind)
		}
		want := -1
		if rest, ok := strings.CutPrefix(ge.Path, "Statement["); ok {
			if _, err := fmt.Sscanf(rest, "%d]", &want); err != nil {
				t.Errorf("GrammarError.Path %q: %v", ge.Path, err)
			}
		}
		if ge.Statement != want {
			t.Errorf("GrammarError.Statement = %d, want %d (path %q)", ge.Statement, want, ge.Path)
		}
	case errors.As(err, &le):
		code = le.Code()
		if le.Kind != kind {
			t.Errorf("LengthError.Kind = %v, want %v", le.Kind, kind)
		}
	default:
		t.Fatalf("error is %T, want *policy.GrammarError or *policy.LengthError", err)
	}
	if code != c.Code {
		t.Errorf("code = %q, want %q", code, c.Code)
	}
}

// roundTrip marshals p, parses the canonical form again (with a raised
// length limit, since the canonical form can be longer), checks that
// marshalling is stable, and returns the re-parsed policy's canonical text.
func roundTrip(t *testing.T, p *policy.Policy, limits policy.Limits) string {
	t.Helper()
	q := reparse(t, p, limits)
	canon, _ := p.MarshalJSON()
	again, err := q.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON of the re-parsed policy: %v", err)
	}
	if !bytes.Equal(canon, again) {
		t.Errorf("MarshalJSON is not stable:\n%s\n%s", abbreviate(string(canon)), abbreviate(string(again)))
	}
	return string(canon)
}

func reparse(t *testing.T, p *policy.Policy, limits policy.Limits) *policy.Policy {
	t.Helper()
	canon, err := p.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	limits.MaxLength = 1 << 22
	q, err := policy.Parse(p.Kind(), string(canon), policy.Options{Name: p.Name(), Version: p.Version(), Limits: limits})
	if err != nil {
		t.Fatalf("the canonical form does not parse: %v\n%s", err, abbreviate(string(canon)))
	}
	return q
}

// decideSet is the parsed policies of a decide case.
type decideSet struct {
	identity []*policy.Policy
	session  *policy.Policy
	resource []*policy.Policy
	trust    *policy.Policy
}

func (s *decideSet) all() []*policy.Policy {
	all := append(append([]*policy.Policy{}, s.identity...), s.resource...)
	for _, p := range []*policy.Policy{s.session, s.trust} {
		if p != nil {
			all = append(all, p)
		}
	}
	return all
}

func (s *decideSet) mapEach(f func(*policy.Policy) *policy.Policy) *decideSet {
	out := &decideSet{}
	for _, p := range s.identity {
		out.identity = append(out.identity, f(p))
	}
	for _, p := range s.resource {
		out.resource = append(out.resource, f(p))
	}
	if s.session != nil {
		out.session = f(s.session)
	}
	if s.trust != nil {
		out.trust = f(s.trust)
	}
	return out
}

func runDecideCase(t *testing.T, f *conformanceFile, c *conformanceCase) {
	if c.Code != "" || c.Canonical != nil || c.Limits != nil || c.PadTo != 0 {
		t.Fatal("bad case: a decide case has parse fields")
	}
	want, ok := policy.ParseDecision(c.Decision)
	if !ok {
		t.Fatalf("bad case: decision %q", c.Decision)
	}
	if (want == policy.ImplicitDeny) != (len(c.Reasons) == 0) {
		t.Fatal("bad case: an Allow or ExplicitDeny lists its reasons, an ImplicitDeny none")
	}
	if c.Total != nil && len(c.Reasons) != min(*c.Total, policy.MaxReasons) {
		t.Fatalf("bad case: a total of %d needs %d reasons, not %d", *c.Total, min(*c.Total, policy.MaxReasons), len(c.Reasons))
	}
	var combine policy.Combine
	switch c.Combine {
	case "", "either":
		combine = policy.EitherAllows
	case "both":
		combine = policy.BothAllow
	case "resource-only":
		combine = policy.ResourceOnly
	default:
		t.Fatalf("bad case: combine %q", c.Combine)
	}
	if c.AssumeRole && (c.Combine != "" || c.Resource != nil) {
		t.Fatal("bad case: assumeRole takes identity, session and trust, not combine or resource")
	}
	if !c.AssumeRole && c.Trust != nil {
		t.Fatal(`bad case: "trust" goes with "assumeRole"; use "resource" with kind trust for Authorize`)
	}

	x := newExpander(t, c.Expand)
	limitsOf := map[*policy.Policy]policy.Limits{}
	load := func(ref policyRef, slot string, defKind policy.Kind) *policy.Policy {
		t.Helper()
		spec, name := ref.inline, slot
		if spec == nil {
			s, ok := f.Policies[ref.alias]
			if !ok {
				t.Fatalf("bad case: no file-level policy %q", ref.alias)
			}
			spec, name = &s, ref.alias
		} else if spec.Name != "" {
			name = spec.Name
		}
		kind := defKind
		if spec.Kind != "" {
			kind = parseKind(t, spec.Kind)
		}
		doc := documentText(t, spec.Document, spec.PadTo, x)
		p, err := policy.Parse(kind, doc, policy.Options{Name: name, Limits: spec.Limits.limits()})
		if err != nil {
			t.Fatalf("%s policy %s does not parse: %v\n%s", kind, name, err, abbreviate(doc))
		}
		limitsOf[p] = spec.Limits.limits()
		return p
	}
	var set decideSet
	for i, ref := range c.Identity {
		p := load(ref, fmt.Sprintf("identity[%d]", i), policy.Identity)
		set.identity = append(set.identity, p)
	}
	if c.Session != nil {
		set.session = load(*c.Session, "session", policy.Session)
	}
	for i, ref := range c.Resource {
		set.resource = append(set.resource, load(ref, fmt.Sprintf("resource[%d]", i), policy.Resource))
	}
	if c.Trust != nil {
		set.trust = load(*c.Trust, "trust", policy.Trust)
	}

	req := buildRequest(t, c.Request, x)
	x.checkUsed(t)
	decide := func(s *decideSet) policy.Result {
		if c.AssumeRole {
			return policy.AssumeRole(s.identity, s.session, s.trust, req)
		}
		return policy.Authorize(policy.Input{Identity: s.identity, Session: s.session, Resource: s.resource, Combine: combine}, req)
	}
	check := func(label string, s *decideSet) {
		t.Helper()
		res := decide(s)
		wantReasons := expectedReasons(t, c, s)
		if res.Decision != want {
			t.Errorf("%s: decision %v, want %v (reasons %s)", label, res.Decision, want, describeReasons(res.Reasons()))
		}
		wantTotal := len(wantReasons)
		if c.Total != nil {
			wantTotal = *c.Total
		}
		if res.Total() != wantTotal {
			t.Errorf("%s: Total() = %d, want %d", label, res.Total(), wantTotal)
		}
		got := res.Reasons()
		if len(got) != min(res.Total(), policy.MaxReasons) {
			t.Errorf("%s: %d reasons for a total of %d", label, len(got), res.Total())
		}
		if !sameReasons(got, wantReasons) {
			t.Errorf("%s: reasons\n got %s\nwant %s", label, describeReasons(got), describeReasons(wantReasons))
		}
		for i, r := range got {
			if i < len(c.Reasons) && c.Reasons[i].Sid != nil && r.Sid() != *c.Reasons[i].Sid {
				t.Errorf("%s: reason %d has Sid %q, want %q", label, i, r.Sid(), *c.Reasons[i].Sid)
			}
		}
	}
	check("original", &set)
	remarshalled := set.mapEach(func(p *policy.Policy) *policy.Policy { return reparse(t, p, limitsOf[p]) })
	check("re-marshalled", remarshalled)
}

func buildRequest(t *testing.T, r *requestSpec, x *expander) *policy.Request {
	t.Helper()
	var ptype policy.PrincipalType
	found := false
	for _, pt := range []policy.PrincipalType{policy.Anonymous, policy.Root, policy.User, policy.RoleSession, policy.Service, policy.Federated} {
		if pt.String() == r.Principal.Type || (r.Principal.Type == "" && pt == policy.Anonymous) {
			ptype, found = pt, true
		}
	}
	if !found {
		t.Fatalf("bad case: principal type %q", r.Principal.Type)
	}
	req := &policy.Request{
		Principal: policy.Principal{
			Type:       ptype,
			Account:    r.Principal.Account,
			Name:       r.Principal.Name,
			Session:    r.Principal.Session,
			OnBehalfOf: r.Principal.OnBehalfOf,
			Names:      r.Principal.Names,
		},
		Action:        x.apply(t, r.Action),
		Resource:      x.apply(t, r.Resource),
		ResourceOwner: r.ResourceOwner,
	}
	keys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := make([]string, len(r.Context[k]))
		for i, v := range r.Context[k] {
			vals[i] = x.apply(t, v)
		}
		req.Context = append(req.Context, policy.ContextEntry{Key: k, Values: vals})
	}
	return req
}

// expectedReasons resolves the case's reasons against the policies of one
// run: "policy" is an index into the list the side belongs to (identity,
// session, resource; trust in an AssumeRole case) or a policy's name.
func expectedReasons(t *testing.T, c *conformanceCase, s *decideSet) []policy.Reason {
	t.Helper()
	out := make([]policy.Reason, len(c.Reasons))
	for i, rs := range c.Reasons {
		var p *policy.Policy
		var idx int
		var name string
		switch {
		case len(rs.Policy) == 0:
			t.Fatalf("bad case: reason %d has no policy", i)
		case rs.Policy[0] == '"':
			if err := json.Unmarshal(rs.Policy, &name); err != nil {
				t.Fatalf("bad case: reason %d: %v", i, err)
			}
			for _, q := range s.all() {
				if q.Name() == name {
					if p != nil {
						t.Fatalf("bad case: reason %d: two policies are named %q; use an index", i, name)
					}
					p = q
				}
			}
			if p == nil {
				t.Fatalf("bad case: reason %d: no policy named %q", i, name)
			}
		default:
			if err := json.Unmarshal(rs.Policy, &idx); err != nil {
				t.Fatalf("bad case: reason %d: %v", i, err)
			}
			var list []*policy.Policy
			switch {
			case rs.Side == "identity":
				list = s.identity
			case rs.Side == "session" && s.session != nil:
				list = []*policy.Policy{s.session}
			case c.AssumeRole && rs.Side == "trust" && s.trust != nil:
				list = []*policy.Policy{s.trust}
			case rs.Side == "resource" || rs.Side == "trust":
				list = s.resource
			}
			if idx < 0 || idx >= len(list) {
				t.Fatalf("bad case: reason %d: no %s policy %d", i, rs.Side, idx)
			}
			p = list[idx]
		}
		if p.Kind().String() != rs.Side {
			t.Fatalf("bad case: reason %d: policy %s is on side %s, not %s", i, p.Name(), p.Kind(), rs.Side)
		}
		if rs.Statement < 0 || rs.Statement >= p.Len() {
			t.Fatalf("bad case: reason %d: policy %s has no statement %d", i, p.Name(), rs.Statement)
		}
		out[i] = policy.Reason{Policy: p, Statement: rs.Statement}
	}
	return out
}

func sameReasons(a, b []policy.Reason) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Policy != b[i].Policy || a[i].Statement != b[i].Statement {
			return false
		}
	}
	return true
}

func describeReasons(rs []policy.Reason) string {
	if len(rs) == 0 {
		return "[]"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s %s statement %d", r.Side(), r.Policy.Name(), r.Statement)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// abbreviate keeps failure messages about long generated documents readable.
func abbreviate(s string) string {
	const keep = 400
	if utf8.RuneCountInString(s) <= keep {
		return s
	}
	r := []rune(s)
	return fmt.Sprintf("%s...(%d characters)...%s", string(r[:keep/2]), len(r)-keep, string(r[len(r)-keep/2:]))
}
