package policy

import (
	"strings"
)

// PrincipalType says what kind of caller a Principal is.
type PrincipalType uint8

const (
	// Anonymous is the zero value: no identity. No principal element
	// matches it.
	Anonymous PrincipalType = iota
	// Root is an Alibaba Cloud account itself.
	Root
	// User is a RAM user.
	User
	// RoleSession is a session of a RAM role (STS credentials).
	RoleSession
	// Service is a cloud service acting on behalf of an account.
	Service
	// Federated is a user of a SAML or OIDC identity provider.
	Federated
)

func (t PrincipalType) String() string {
	switch t {
	case Root:
		return "root"
	case User:
		return "user"
	case RoleSession:
		return "role-session"
	case Service:
		return "service"
	case Federated:
		return "federated"
	}
	return "anonymous"
}

// Principal describes the caller, for trust and resource policies.
type Principal struct {
	Type PrincipalType
	// Account is the UID of the account the user, role or root belongs to.
	Account string
	// Name is the RAM user name, the role name (RoleSession), the service
	// name (Service, e.g. "engine.dataworks.aliyuncs.com") or the provider
	// ARN (Federated).
	Name string
	// Session is the role session name (RoleSession only).
	Session string
	// OnBehalfOf is the account a Service acts for.
	OnBehalfOf string
	// Names are further names the caller is known by in a resource policy
	// that lists principals as plain strings, such as MaxCompute's
	// `RAM$<uid>:role/<name>`. They compare case-insensitively.
	Names []string
}

// ARN returns the caller's RAM ARN: acs:ram::<uid>:root, :user/<name> or
// :assumed-role/<role>/<session>; empty for services and anonymous callers.
func (p Principal) ARN() string {
	switch p.Type {
	case Root:
		return "acs:ram::" + p.Account + ":root"
	case User:
		return "acs:ram::" + p.Account + ":user/" + p.Name
	case RoleSession:
		return "acs:ram::" + p.Account + ":assumed-role/" + p.Name + "/" + p.Session
	case Federated:
		return p.Name
	}
	return ""
}

// principalSet is the compiled Principal element of a statement. Its
// entries are OR'ed.
type principalSet struct {
	anyone   bool // "Principal": "*" (resource policies only)
	anyRAM   bool // "RAM": "*" (resource policies only)
	ram      []ramPrincipal
	services []servicePrincipal
	feds     []string  // provider ARNs
	names    []pattern // plain strings (resource policies), folded
}

// ramPrincipal is one RAM value: the root of an account, a user or a role.
// In resource policies the account may be "*" and the name a pattern.
type ramPrincipal struct {
	kind       ramPrincipalKind
	anyAccount bool
	account    string
	name       pattern // users: exact case; roles: folded
}

type ramPrincipalKind uint8

const (
	ramRoot ramPrincipalKind = iota + 1
	ramUser
	ramRole
)

// servicePrincipal is `<service>` (acting for the role's own account) or
// `<uid>@<service>` (acting for account uid).
type servicePrincipal struct {
	service string // lower-case
	account string // empty: the resource owner's account
}

// match reports whether the set names p. owner is the account that owns the
// resource (for a trust policy, the role's account); a bare service
// principal matches only that service acting for owner.
func (s *principalSet) match(p *Principal, owner string) bool {
	if p.Type == Anonymous {
		// No identity: no principal element names it, not even a plain
		// name it claims (Principal.Names).
		return false
	}
	if s.anyone {
		return true
	}
	switch p.Type {
	case Root, User, RoleSession:
		if s.anyRAM {
			return true
		}
		for i := range s.ram {
			if s.ram[i].match(p) {
				return true
			}
		}
	case Service:
		for _, sp := range s.services {
			acct := sp.account
			if acct == "" {
				acct = owner
			}
			if acct != "" && acct == p.OnBehalfOf && asciiEqualFold(p.Name, sp.service) {
				return true
			}
		}
	case Federated:
		for _, f := range s.feds {
			if f == p.Name {
				return true
			}
		}
	}
	for _, n := range p.Names {
		for i := range s.names {
			if s.names[i].match(n) {
				return true
			}
		}
	}
	return false
}

func (r *ramPrincipal) match(p *Principal) bool {
	if !r.anyAccount && r.account != p.Account {
		return false
	}
	switch r.kind {
	case ramRoot:
		// The account's root stands for every RAM identity of the account
		// (whose own policies must allow the call too), never for a service.
		return true
	case ramUser:
		return p.Type == User && r.name.match(p.Name)
	case ramRole:
		return p.Type == RoleSession && r.name.match(p.Name)
	}
	return false
}

// parseRAMPrincipal validates a RAM principal value:
// acs:ram::<uid>:root, acs:ram::<uid>:user/<name> or acs:ram::<uid>:role/<name>.
// wild allows "*" as the account and wildcards in the name (resource
// policies only).
func parseRAMPrincipal(v string, wild bool) (ramPrincipal, bool) {
	rest, ok := strings.CutPrefix(v, "acs:ram::")
	if !ok {
		return ramPrincipal{}, false
	}
	account, rel, ok := strings.Cut(rest, ":")
	if !ok {
		return ramPrincipal{}, false
	}
	r := ramPrincipal{account: account}
	if account == "*" && wild {
		r.anyAccount = true
	} else if !isDigits(account) {
		return ramPrincipal{}, false
	}
	if rel == "root" {
		r.kind = ramRoot
		return r, true
	}
	var name string
	switch {
	case strings.HasPrefix(rel, "user/"):
		r.kind, name = ramUser, rel[len("user/"):]
	case strings.HasPrefix(rel, "role/"):
		r.kind, name = ramRole, rel[len("role/"):]
	default:
		return ramPrincipal{}, false
	}
	if !validEntityName(name, wild) {
		return ramPrincipal{}, false
	}
	r.name = compilePattern(name, r.kind == ramRole)
	return r, true
}

// parseServicePrincipal validates `<service>` or `<uid>@<service>`, where the
// service is a lower-case DNS name such as engine.dataworks.aliyuncs.com.
func parseServicePrincipal(v string) (servicePrincipal, bool) {
	var sp servicePrincipal
	svc := v
	if at := strings.IndexByte(v, '@'); at >= 0 {
		sp.account, svc = v[:at], v[at+1:]
		if !isDigits(sp.account) {
			return servicePrincipal{}, false
		}
	}
	if !isServiceName(svc) {
		return servicePrincipal{}, false
	}
	sp.service = svc
	return sp, true
}

// validFederated accepts acs:ram::<uid>:saml-provider/<name> and
// acs:ram::<uid>:oidc-provider/<name>.
func validFederated(v string) bool {
	rest, ok := strings.CutPrefix(v, "acs:ram::")
	if !ok {
		return false
	}
	account, rel, ok := strings.Cut(rest, ":")
	if !ok || !isDigits(account) {
		return false
	}
	for _, prefix := range []string{"saml-provider/", "oidc-provider/"} {
		if name, ok := strings.CutPrefix(rel, prefix); ok {
			return validEntityName(name, false)
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validEntityName accepts RAM user, role and provider names: letters,
// digits and . _ @ - (the union of what RAM allows for each), and, with
// wild, the wildcards * and ?.
func validEntityName(s string, wild bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '@', c == '-':
		case wild && (c == '*' || c == '?'):
		default:
			return false
		}
	}
	return true
}

func isServiceName(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || !strings.Contains(s, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
