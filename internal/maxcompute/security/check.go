package security

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/policy"
)

// actions are the privileges of each object type (§3.4), in their
// canonical spelling. "All" covers every other action of its type.
var actions = map[string][]string{
	"project":  {"Read", "Write", "List", "CreateTable", "CreateInstance", "CreateFunction", "CreateResource", "CreateJob", "CreateVolume", "CreateOfflineModel", "CreateXflow", "All"},
	"table":    {"Describe", "Select", "Alter", "Update", "Drop", "Download", "ShowHistory", "All"},
	"function": {"Read", "Write", "Delete", "Execute", "All"},
	"resource": {"Read", "Write", "Delete", "All"},
	"instance": {"Read", "Write", "Delete", "All"},
}

// CanonicalAction returns the canonical spelling of an action of an object
// type, or "" when the type has no such action.
func CanonicalAction(objType, action string) string {
	for _, a := range actions[objType] {
		if strings.EqualFold(a, action) {
			return a
		}
	}
	return ""
}

// ActionsOf lists the actions of an object type, for error messages.
func ActionsOf(objType string) []string { return actions[objType] }

// Request is one permission check inside a project.
type Request struct {
	Principal string // canonical
	Action    string // canonical spelling, e.g. "Select"
	Object    Object
	// Creator is the principal that created the object, "" when unknown.
	Creator string
	// Context is the policy context (acs:SourceIp, acs:CurrentTime, ...)
	// for policy conditions.
	Context policy.Context
	Now     time.Time
}

// Reason codes of denials (ODPS-0130013 "Authorization Failed [40xx]").
const (
	CodeNoPrivilege    = 4019
	CodeExplicitlyDeny = 4011
)

// Decision is the outcome of a check and what decided it.
type Decision struct {
	Allowed bool
	// NotMember: the principal is not in the project (ODPS-0420095).
	NotMember bool
	// Code is CodeNoPrivilege or CodeExplicitlyDeny for a denial.
	Code int
	// Via says what allowed or denied it, for the audit trail: "owner",
	// "role super_administrator", "ACL user", "ACL role dev", "policy ...",
	// "ObjectCreator".
	Via string
}

// Snapshot is a State compiled for checks: its policies parsed once.
// It is immutable; the caller makes a new one when the State changes.
type Snapshot struct {
	State         *State
	projectPolicy *policy.Policy
	rolePolicies  map[string]*policy.Policy // lower-cased role name
}

// Compile parses the State's policies.
func Compile(st *State) (*Snapshot, error) {
	s := &Snapshot{State: st, rolePolicies: map[string]*policy.Policy{}}
	if st.Policy != "" {
		p, err := ParseProjectPolicy(st.Policy)
		if err != nil {
			return nil, fmt.Errorf("project policy: %w", err)
		}
		s.projectPolicy = p
	}
	for _, r := range st.Roles {
		if r.Policy == "" {
			continue
		}
		p, err := ParseRolePolicy(r.Name, r.Policy)
		if err != nil {
			return nil, fmt.Errorf("policy of role %s: %w", r.Name, err)
		}
		s.rolePolicies[strings.ToLower(r.Name)] = p
	}
	return s, nil
}

// ParseProjectPolicy parses a project policy: a resource policy whose
// statements name their principals (`"Principal": "*"` or MaxCompute
// principal names).
func ParseProjectPolicy(doc string) (*policy.Policy, error) {
	return policy.Parse(policy.Resource, doc, policy.Options{Name: "project policy"})
}

// ParseRolePolicy parses a role policy. Its statements apply to the role's
// members and need no Principal; a document that names principals in every
// statement is read as a resource policy instead (localyun accepts both
// forms).
func ParseRolePolicy(role, doc string) (*policy.Policy, error) {
	opts := policy.Options{Name: "policy of role " + role}
	p, err := policy.Parse(policy.Identity, doc, opts)
	if err == nil {
		return p, nil
	}
	if rp, rerr := policy.Parse(policy.Resource, doc, opts); rerr == nil {
		return rp, nil
	}
	return nil, err
}

// Check decides a request (§3.3):
//  1. the owner may do anything;
//  2. a principal not added to the project may do nothing (NotMember);
//  3. super_administrator may do anything, admin anything but the owner's
//     management actions (checked by Apply, not here);
//  4. with policy checks on, a matching Deny in the project policy or a
//     policy of one of the principal's roles denies (4011);
//  5. a matching policy Allow, an unexpired ACL grant to the principal or
//     one of its roles (with ACL checks on), or being the object's creator
//     (with ObjectCreatorHasAccessPermission) allows;
//  6. anything else is denied (4019).
func (s *Snapshot) Check(req Request) Decision {
	st := s.State
	if st.IsOwner(req.Principal) {
		return Decision{Allowed: true, Via: "owner"}
	}
	if st.member(req.Principal) < 0 {
		return Decision{NotMember: true, Code: CodeNoPrivilege, Via: "not a member of project " + st.Project}
	}
	roles := st.RolesOf(req.Principal)
	if hasRole(roles, RoleSuperAdmin) {
		return Decision{Allowed: true, Via: "role " + RoleSuperAdmin}
	}
	if hasRole(roles, RoleAdmin) {
		return Decision{Allowed: true, Via: "role " + RoleAdmin}
	}
	var policyAllow string
	if st.Config.CheckPermissionUsingPolicy {
		res, via := s.checkPolicies(req, roles)
		switch res {
		case policy.ExplicitDeny:
			return Decision{Code: CodeExplicitlyDeny, Via: via}
		case policy.Allow:
			policyAllow = via
		}
	}
	if policyAllow != "" {
		return Decision{Allowed: true, Via: policyAllow}
	}
	if st.Config.CheckPermissionUsingACL {
		if via := s.checkACL(req, roles); via != "" {
			return Decision{Allowed: true, Via: via}
		}
	}
	if st.Config.ObjectCreatorHasAccessPermission && req.Creator != "" && principal.Key(req.Creator) == principal.Key(req.Principal) {
		return Decision{Allowed: true, Via: "ObjectCreator"}
	}
	return Decision{Code: CodeNoPrivilege, Via: "no grant"}
}

// checkPolicies evaluates the project policy and the principal's role
// policies with the policy engine.
func (s *Snapshot) checkPolicies(req Request, roles []string) (policy.Decision, string) {
	var in policy.Input
	if s.projectPolicy != nil {
		in.Resource = append(in.Resource, s.projectPolicy)
	}
	for _, r := range roles {
		p := s.rolePolicies[strings.ToLower(r)]
		if p == nil {
			continue
		}
		if p.Kind() == policy.Resource {
			in.Resource = append(in.Resource, p)
		} else {
			in.Identity = append(in.Identity, p)
		}
	}
	if len(in.Identity) == 0 && len(in.Resource) == 0 {
		return policy.ImplicitDeny, ""
	}
	pr := policy.Request{
		Principal: policy.Principal{Type: policy.User, Names: []string{req.Principal}},
		Action:    "odps:" + req.Action,
		Resource:  req.Object.ARN(s.State.Project),
		Context:   req.Context,
	}
	res := policy.Authorize(in, &pr)
	return res.Decision, "policy: " + describe(&res)
}

func describe(res *policy.Result) string {
	var parts []string
	for _, r := range res.Reasons() {
		parts = append(parts, fmt.Sprintf("%s statement %d", r.Policy.Name(), r.Statement))
	}
	return strings.Join(parts, "; ")
}

// checkACL finds an unexpired ACL grant that allows the request.
func (s *Snapshot) checkACL(req Request, roles []string) string {
	for _, g := range s.State.ACL {
		if !g.Expires.IsZero() && !req.Now.Before(g.Expires) {
			continue
		}
		if !sameObject(g.Object, req.Object) || !coversAction(g.Actions, req.Action) {
			continue
		}
		switch g.GranteeKind {
		case GranteeUser:
			if principal.Key(g.Grantee) == principal.Key(req.Principal) {
				return "ACL user"
			}
		case GranteeRole:
			if hasRole(roles, g.Grantee) {
				return "ACL role " + g.Grantee
			}
		}
	}
	return ""
}

func sameObject(a, b Object) bool {
	return a.Type == b.Type && strings.EqualFold(a.Name, b.Name) && a.ID == b.ID
}

func coversAction(granted []string, action string) bool {
	return slices.ContainsFunc(granted, func(g string) bool { return g == action || g == "All" })
}
