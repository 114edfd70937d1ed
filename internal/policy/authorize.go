package policy

import "strings"

// Decision is the outcome of an authorization.
type Decision uint8

const (
	// ImplicitDeny: nothing allowed the request (the default).
	ImplicitDeny Decision = iota
	// Allow: the request is allowed.
	Allow
	// ExplicitDeny: a Deny statement matched; nothing can override it.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// ParseDecision is the inverse of Decision.String.
func ParseDecision(s string) (Decision, bool) {
	for _, d := range []Decision{Allow, ExplicitDeny, ImplicitDeny} {
		if d.String() == s {
			return d, true
		}
	}
	return 0, false
}

// Request is what is being asked: who, which action on which resource, in
// which context.
type Request struct {
	// Principal is the caller. Only trust and resource policies look at it.
	Principal Principal
	// Action is "<service>:<Action>", e.g. "ram:CreateRole".
	Action string
	// Resource is the ARN acted on.
	Resource string
	// ResourceOwner is the account that owns Resource. When empty it is
	// read from the ARN's account field (acs:<svc>:<region>:<account>:...).
	// A bare Service principal matches only that service acting for this
	// account.
	ResourceOwner string
	Context       Context
}

// Combine says how the identity side and the resource side of an Input
// combine.
type Combine uint8

const (
	// EitherAllows: an Allow from identity or resource policies suffices
	// (requests within one account).
	EitherAllows Combine = iota
	// BothAllow: the identity side and the resource side must each allow
	// (sts:AssumeRole, cross-account requests).
	BothAllow
	// ResourceOnly: identity and session policies are not consulted; the
	// resource side alone decides (services and federated callers, which
	// have no identity policies).
	ResourceOnly
)

// Input is every policy that applies to a request. Slices are read in
// order, and reasons follow that order.
type Input struct {
	// Identity are the caller's identity policies in attachment order.
	Identity []*Policy
	// Session is the caller's session policy, or nil. When set, it must
	// allow too: it narrows, never widens.
	Session *Policy
	// Resource are resource-side policies: a role's trust policy, a
	// MaxCompute project or role policy.
	Resource []*Policy
	Combine  Combine
}

// MaxReasons is how many deciding statements a Result holds. Result.Total
// says how many there were.
const MaxReasons = 8

// Result is a decision and the statements that decided it: every matching
// Deny for an ExplicitDeny, every matching Allow for an Allow, none for an
// ImplicitDeny. It is a fixed-size value so that deciding never allocates.
type Result struct {
	Decision Decision
	reasons  [MaxReasons]Reason
	total    int
}

// Reason names a deciding statement.
type Reason struct {
	Policy    *Policy
	Statement int // 0-based
}

// Side is where the statement's policy sits: "identity", "session",
// "trust" or "resource".
func (r Reason) Side() string { return r.Policy.kind.String() }

// Sid is the statement's Sid, if it has one.
func (r Reason) Sid() string { return r.Policy.stmts[r.Statement].sid }

// Reasons returns up to MaxReasons deciding statements, in the order of the
// Input (identity, session, resource; each in order), then statement order.
func (r *Result) Reasons() []Reason {
	return r.reasons[:min(r.total, MaxReasons)]
}

// Total is the number of deciding statements, which may exceed MaxReasons.
func (r *Result) Total() int { return r.total }

func (r *Result) add(p *Policy, stmt int) {
	if r.total < MaxReasons {
		r.reasons[r.total] = Reason{Policy: p, Statement: stmt}
	}
	r.total++
}

// Authorize decides req against in:
//
//  1. A matching Deny statement anywhere decides ExplicitDeny.
//  2. A session policy that does not allow decides ImplicitDeny.
//  3. Otherwise identity and resource sides combine as in.Combine says.
//
// Every applicable statement is evaluated, so the Result lists all matching
// Deny statements, or all matching Allow statements, not just the first.
// Authorize does no I/O and reads no clock: acs:CurrentTime comes from
// req.Context.
func Authorize(in Input, req *Request) Result {
	return authorize(in, nil, req)
}

// authorize is Authorize with one more resource-side policy, extra, which
// AssumeRole passes so that it need not build a slice for the trust policy
// (a slice of a local array would escape: Reasons keep the policy pointers).
func authorize(in Input, extra *Policy, req *Request) Result {
	v := newView(req)
	var denies, allows Result
	var identityAllows, sessionAllows, resourceAllows bool
	if in.Combine != ResourceOnly {
		for _, p := range in.Identity {
			if p.evaluate(&v, &denies, &allows) {
				identityAllows = true
			}
		}
		if in.Session != nil {
			sessionAllows = in.Session.evaluate(&v, &denies, &allows)
		}
	}
	for _, p := range in.Resource {
		if p.evaluate(&v, &denies, &allows) {
			resourceAllows = true
		}
	}
	if extra != nil && extra.evaluate(&v, &denies, &allows) {
		resourceAllows = true
	}
	if denies.total > 0 {
		denies.Decision = ExplicitDeny
		return denies
	}
	var allowed bool
	switch in.Combine {
	case EitherAllows:
		allowed = identityAllows || resourceAllows
	case BothAllow:
		allowed = identityAllows && resourceAllows
	case ResourceOnly:
		allowed = resourceAllows
	}
	if in.Combine != ResourceOnly && in.Session != nil && !sessionAllows {
		allowed = false
	}
	if !allowed {
		return Result{Decision: ImplicitDeny}
	}
	allows.Decision = Allow
	return allows
}

// AssumeRole decides sts:AssumeRole of the role whose ARN is req.Resource
// (reference/ram-sts.md §3.3):
//   - the account root may never assume a role: ImplicitDeny;
//   - a service or federated caller has no identity policies: the trust
//     policy alone decides;
//   - a RAM user or role session needs an Allow from its identity policies
//     (narrowed by its session policy, if any) AND from the trust policy.
//
// req.Action should be "sts:AssumeRole"; the trust policy's statements name
// the actions they allow.
func AssumeRole(identity []*Policy, session, trust *Policy, req *Request) Result {
	in := Input{Identity: identity, Session: session, Combine: BothAllow}
	switch req.Principal.Type {
	case Root, Anonymous:
		return Result{Decision: ImplicitDeny}
	case Service, Federated:
		in.Combine = ResourceOnly
	}
	return authorize(in, trust, req)
}

// view is a request prepared once for every statement: the role name of a
// RAM role ARN folded, the owner account resolved.
type view struct {
	req        *Request
	actionHash uint64
	// roleARN is set when the resource is a RAM role ARN
	// (acs:ram:<region>:<uid>:role/<name>). Role ARNs carry the lower-cased
	// role name while people write role/TestRole, so such a resource is
	// matched case-insensitively (ASCII) against every pattern: every other
	// part of a role ARN is lower-case by construction, so only the name is
	// really folded. resource is then the lower-cased ARN.
	roleARN  bool
	resource string
	owner    string
}

func newView(req *Request) view {
	v := view{req: req, actionHash: foldHash(req.Action), resource: req.Resource, owner: req.ResourceOwner}
	if start, end := roleNameSpan(req.Resource); start != end {
		v.roleARN, v.resource = true, asciiLower(req.Resource)
	}
	if v.owner == "" {
		v.owner = arnAccount(req.Resource)
	}
	return v
}

// arnAccount returns the account field of acs:<svc>:<region>:<account>:...,
// or "" when there is none.
func arnAccount(arn string) string {
	if !strings.HasPrefix(arn, "acs:") {
		return ""
	}
	rest := arn[len("acs:"):]
	for i := 0; i < 2; i++ {
		c := strings.IndexByte(rest, ':')
		if c < 0 {
			return ""
		}
		rest = rest[c+1:]
	}
	c := strings.IndexByte(rest, ':')
	if c < 0 {
		return ""
	}
	return rest[:c]
}

// evaluate adds p's matching statements to denies and allows and reports
// whether any Allow statement matched. Once a Deny is known, Allow
// statements are skipped: they can no longer decide.
func (p *Policy) evaluate(v *view, denies, allows *Result) bool {
	allowed := false
	for i := range p.stmts {
		s := &p.stmts[i]
		if s.effect == EffectAllow && denies.total > 0 {
			continue
		}
		if !s.matches(v) {
			continue
		}
		if s.effect == EffectDeny {
			denies.add(p, i)
		} else {
			allows.add(p, i)
			allowed = true
		}
	}
	return allowed
}

func (s *statement) matches(v *view) bool {
	if !s.matchAction(v.req.Action, v.actionHash) {
		return false
	}
	if s.resources != nil && !s.matchResource(v) {
		return false
	}
	if s.principals != nil && !s.principals.match(&v.req.Principal, v.owner) {
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(v.req.Context) {
			return false
		}
	}
	return true
}

func (s *statement) matchResource(v *view) bool {
	if v.roleARN && s.foldedResources != nil {
		return matchAny(s.foldedResources, v.resource)
	}
	return matchAny(s.resources, v.resource)
}

func (s *statement) matchAction(action string, hash uint64) bool {
	matched := false
	for i := range s.actions {
		if s.actions[i].matchHashed(action, hash) {
			matched = true
			break
		}
	}
	return matched != s.notAction
}

func matchAny(ps []pattern, s string) bool {
	for i := range ps {
		if ps[i].match(s) {
			return true
		}
	}
	return false
}
