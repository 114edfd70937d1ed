package security

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// Error is a refused security statement, with the ODPS error code the
// clients classify errors by.
type Error struct {
	Code    string // e.g. "ODPS-0420095"
	Message string // the text after the code
	// Hint says what to do; printed after the documented text.
	Hint string
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Hint != "" {
		msg += " " + e.Hint
	}
	return msg
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: "ODPS-0420411", Message: "Invalid argument - " + fmt.Sprintf(format, args...)}
}

func accessDenied(format string, args ...any) *Error {
	return &Error{Code: "ODPS-0420095", Message: "Access Denied - " + fmt.Sprintf(format, args...)}
}

// Resolved is a principal resolved by the caller's identity service.
type Resolved struct {
	Canonical string
	Kind      principal.Kind
	Account   string // the UID of the account it belongs to
}

// Env is what Apply needs from outside the State.
type Env struct {
	// Caller is the canonical principal running the statement.
	Caller string
	// CallerID is the caller's id for whoami (an account, user or role id).
	CallerID string
	SourceIP string
	Now      time.Time
	// ResolvePrincipal parses and resolves a principal name to its
	// canonical form; an *Error when it names nobody.
	ResolvePrincipal func(text string) (Resolved, error)
	// ResolveObject finds an object of the project by type and name: its
	// id and creator. Objects that do not exist are an *Error.
	ResolveObject func(objType, name string) (Object, string, error)
}

// Apply runs a security statement against st, which it may change. It
// returns the statement's output (empty for OK) and whether st changed.
// The caller stores a changed State in the same transaction it read it in.
func Apply(st *State, env Env, stmt sqlast.Statement) (string, bool, error) {
	if !st.IsMember(env.Caller) {
		if _, ok := stmt.(*sqlast.Whoami); !ok {
			return "", false, accessDenied("You don't exist in project %s.", st.Project).withHint(
				"the project owner adds you with: add user %s;", QuotePrincipal(env.Caller))
		}
	}
	switch s := stmt.(type) {
	case *sqlast.Whoami:
		out, _ := json.Marshal(map[string]string{"DisplayName": env.Caller, "ID": env.CallerID, "SourceIP": env.SourceIP})
		return string(out), false, nil
	case *sqlast.ListUsers:
		return st.listUsers(), false, nil
	case *sqlast.ListRoles:
		return st.listRoles(), false, nil
	case *sqlast.AddUser:
		return "", true, st.addUser(env, s)
	case *sqlast.RemoveUser:
		return "", true, st.removeUser(env, s)
	case *sqlast.CreateRole:
		return "", true, st.createRole(env, s)
	case *sqlast.DropRole:
		return "", true, st.dropRole(env, s)
	case *sqlast.GrantRoles:
		return "", true, st.grantRoles(env, s.Roles, s.Principal, false)
	case *sqlast.RevokeRoles:
		return "", true, st.grantRoles(env, s.Roles, s.Principal, true)
	case *sqlast.GrantPrivileges:
		return "", true, st.grantPrivileges(env, s)
	case *sqlast.ShowGrants:
		out, err := st.showGrants(env, s)
		return out, false, err
	case *sqlast.ShowACL:
		out, err := st.showACL(env, s)
		return out, false, err
	case *sqlast.DescribeRole:
		out, err := st.describeRole(env, s)
		return out, false, err
	case *sqlast.AccountProvider:
		return st.accountProvider(env, s)
	case *sqlast.ClearExpiredGrants:
		if err := st.requireAdmin(env, "clear expired grants"); err != nil {
			return "", false, err
		}
		st.ACL = slices.DeleteFunc(st.ACL, func(g Grant) bool { return !g.Expires.IsZero() && !env.Now.Before(g.Expires) })
		return "", true, nil
	}
	return "", false, invalid("%T is not a security statement", stmt)
}

func (e *Error) withHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// quotePrincipal writes a principal as a statement needs it: in backticks
// when it contains '/'.
// QuotePrincipal writes a principal as a statement takes it: in backticks
// when it holds a '/' (a role principal).
func QuotePrincipal(p string) string {
	if strings.Contains(p, "/") {
		return "`" + p + "`"
	}
	return p
}

// isAdmin: the owner, super_administrator or admin.
func (st *State) isAdmin(p string) bool {
	if st.IsOwner(p) {
		return true
	}
	roles := st.RolesOf(p)
	return hasRole(roles, RoleSuperAdmin) || hasRole(roles, RoleAdmin)
}

func (st *State) requireAdmin(env Env, what string) error {
	if st.isAdmin(env.Caller) {
		return nil
	}
	return accessDenied("You have no privilege to %s in project %s.", what, st.Project).withHint(
		"only the project owner, super_administrator and admin may; the owner grants the role with: grant admin to %s;", QuotePrincipal(env.Caller))
}

func (st *State) requireOwner(env Env, what string) error {
	if st.IsOwner(env.Caller) {
		return nil
	}
	return accessDenied("You have no privilege to %s in project %s.", what, st.Project).withHint("only the project owner (%s) may", st.Owner)
}

func (st *State) addUser(env Env, s *sqlast.AddUser) error {
	if err := st.requireAdmin(env, "add users"); err != nil {
		return err
	}
	r, err := env.ResolvePrincipal(s.Principal.Text)
	if err != nil {
		return err
	}
	provider := "RAM"
	if r.Kind == principal.Account {
		provider = "ALIYUN"
	}
	if !st.AcceptsProvider(provider) {
		return invalid("lack of account provider, principalName %s", r.Canonical).withHint("the owner enables it with: add accountprovider %s;", strings.ToLower(provider))
	}
	switch {
	case r.Kind == principal.User && r.Account != st.OwnerAccount:
		return invalid("RAM users from other Alibaba Cloud accounts cannot be added: %s", r.Canonical).withHint(
			"add a RAM role of that account instead, or the account itself (ALIYUN$%s)", r.Account)
	case r.Kind == principal.Role && r.Account != st.OwnerAccount && !st.Config.AllowForeignRoles:
		return invalid("RAM roles of other accounts may not be added to project %s: %s", st.Project, r.Canonical).withHint(
			"the project's AllowForeignRoles setting is off")
	}
	if st.IsMember(r.Canonical) {
		return invalid("%s already exists in project %s", r.Canonical, st.Project)
	}
	st.Members = append(st.Members, Member{Principal: r.Canonical, Comment: s.Comment, AddedAt: env.Now})
	return nil
}

func (st *State) removeUser(env Env, s *sqlast.RemoveUser) error {
	if err := st.requireAdmin(env, "remove users"); err != nil {
		return err
	}
	r, err := env.ResolvePrincipal(s.Principal.Text)
	if err != nil {
		return err
	}
	if st.IsOwner(r.Canonical) {
		return invalid("the project owner cannot be removed")
	}
	i := st.member(r.Canonical)
	if i < 0 {
		return invalid("%s does not exist in project %s", r.Canonical, st.Project)
	}
	if roles := st.RolesOf(r.Canonical); len(roles) > 0 {
		return invalid("%s still has roles %s", r.Canonical, strings.Join(roles, ", ")).withHint(
			"revoke them first: revoke %s from %s;", strings.Join(roles, ", "), QuotePrincipal(r.Canonical))
	}
	// Its ACL grants stay, as on the real service: added again, the user
	// gets them back.
	st.Members = slices.Delete(st.Members, i, i+1)
	return nil
}

var roleNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,127}$`)

func (st *State) createRole(env Env, s *sqlast.CreateRole) error {
	if err := st.requireAdmin(env, "create roles"); err != nil {
		return err
	}
	name := s.Name.Name
	if !roleNamePattern.MatchString(name) {
		return invalid("invalid role name %q: a letter, then letters, digits and _ (at most 128)", name)
	}
	if strings.EqualFold(name, RoleAdmin) || strings.EqualFold(name, RoleSuperAdmin) || st.role(name) >= 0 {
		return invalid("role %s already exists in project %s", name, st.Project)
	}
	st.Roles = append(st.Roles, Role{Name: name, Admin: s.Admin, CreatedAt: env.Now})
	return nil
}

func (st *State) dropRole(env Env, s *sqlast.DropRole) error {
	if err := st.requireAdmin(env, "drop roles"); err != nil {
		return err
	}
	name := s.Name.Name
	if strings.EqualFold(name, RoleAdmin) || strings.EqualFold(name, RoleSuperAdmin) {
		return invalid("built-in role %s cannot be dropped", strings.ToLower(name))
	}
	i := st.role(name)
	if i < 0 {
		return invalid("role %s does not exist in project %s", name, st.Project)
	}
	var holders []string
	for _, a := range st.Assignments {
		if strings.EqualFold(a.Role, name) {
			holders = append(holders, a.Principal)
		}
	}
	if len(holders) > 0 {
		return invalid("role %s still has users: %s", name, strings.Join(holders, ", ")).withHint(
			"revoke it from them first: revoke %s from <principal>;", name)
	}
	st.Roles = slices.Delete(st.Roles, i, i+1)
	st.ACL = slices.DeleteFunc(st.ACL, func(g Grant) bool { return g.GranteeKind == GranteeRole && strings.EqualFold(g.Grantee, name) })
	return nil
}

// canonicalRole returns a role's stored name, built-ins lower-cased.
func (st *State) canonicalRole(name string) (string, bool) {
	switch {
	case strings.EqualFold(name, RoleAdmin):
		return RoleAdmin, true
	case strings.EqualFold(name, RoleSuperAdmin):
		return RoleSuperAdmin, true
	}
	if i := st.role(name); i >= 0 {
		return st.Roles[i].Name, true
	}
	return "", false
}

func (st *State) grantRoles(env Env, roles []sqlast.Ident, p sqlast.Principal, revoke bool) error {
	verb := "grant roles"
	if revoke {
		verb = "revoke roles"
	}
	callerRoles := st.RolesOf(env.Caller)
	if !st.IsOwner(env.Caller) && !hasRole(callerRoles, RoleSuperAdmin) {
		return accessDenied("You have no privilege to %s in project %s.", verb, st.Project).withHint("only the project owner and super_administrator may")
	}
	r, err := env.ResolvePrincipal(p.Text)
	if err != nil {
		return err
	}
	if !st.IsMember(r.Canonical) || st.IsOwner(r.Canonical) {
		return invalid("%s does not exist in project %s", r.Canonical, st.Project).withHint("add it first: add user %s;", QuotePrincipal(r.Canonical))
	}
	for _, id := range roles {
		name, ok := st.canonicalRole(id.Name)
		if !ok {
			return invalid("role %s does not exist in project %s", id.Name, st.Project).withHint("create it with: create role %s;", id.Name)
		}
		if name == RoleAdmin && !st.IsOwner(env.Caller) {
			return accessDenied("Only the project owner can %s admin.", strings.Fields(verb)[0])
		}
		i := slices.IndexFunc(st.Assignments, func(a Assignment) bool {
			return strings.EqualFold(a.Role, name) && principal.Key(a.Principal) == principal.Key(r.Canonical)
		})
		switch {
		case revoke && i < 0:
			return invalid("%s does not have role %s", r.Canonical, name)
		case revoke:
			st.Assignments = slices.Delete(st.Assignments, i, i+1)
		case i < 0:
			st.Assignments = append(st.Assignments, Assignment{Role: name, Principal: r.Canonical})
		}
	}
	return nil
}

func (st *State) grantPrivileges(env Env, s *sqlast.GrantPrivileges) error {
	objType := string(s.ObjectType)
	props := map[string]string{}
	for _, p := range s.Properties {
		props[strings.ToLower(p.Key)] = p.Value
	}
	var acts []string
	for _, a := range s.Actions {
		c := CanonicalAction(objType, a.Name)
		if c == "" {
			return invalid("invalid action %s on %s: use %s", a.Name, objType, strings.Join(ActionsOf(objType), ", "))
		}
		if objType == "project" && (c == "Read" || c == "Write") {
			return invalid("the %s privilege of a project cannot be granted: only the owner has it", c)
		}
		if !slices.Contains(acts, c) {
			acts = append(acts, c)
		}
	}
	if strings.EqualFold(props["policy"], "true") {
		return st.policyGrant(env, s, objType, acts, props)
	}
	if strings.ContainsAny(s.ObjectName, "*?") {
		return invalid("ACL grants name one existing object; wildcards need a policy grant to a role: privilegeproperties(\"policy\"=\"true\")")
	}
	if props["conditions"] != "" {
		return invalid("ACL grants with conditions are not supported by localyun; use a policy grant to a role with a Condition")
	}
	obj, creator, err := env.ResolveObject(objType, s.ObjectName)
	if err != nil {
		return err
	}
	if !st.isAdmin(env.Caller) && !(st.Config.ObjectCreatorHasGrantPermission && creator != "" && principal.Key(creator) == principal.Key(env.Caller)) {
		verb := "grant privileges"
		if s.Revoke {
			verb = "revoke privileges"
		}
		return accessDenied("You have no privilege to %s on %s.", verb, obj.ARN(st.Project)).withHint(
			"only the project owner, super_administrator, admin and the object's creator may")
	}
	kind, grantee, err := st.grantee(env, s.Grantee)
	if err != nil {
		return err
	}
	var expires time.Time
	if e := props["expires"]; e != "" && !s.Revoke {
		days, err := strconv.Atoi(e)
		if err != nil || days <= 0 || days > 36500 {
			return invalid("expires must be a number of days, got %q", e)
		}
		expires = env.Now.Add(time.Duration(days) * 24 * time.Hour)
	}
	i := slices.IndexFunc(st.ACL, func(g Grant) bool {
		return g.GranteeKind == kind && principal.Key(g.Grantee) == principal.Key(grantee) && sameObject(g.Object, obj)
	})
	if s.Revoke {
		if i < 0 {
			return nil // revoking what was never granted changes nothing
		}
		g := &st.ACL[i]
		if slices.Contains(acts, "All") {
			g.Actions = nil
		}
		g.Actions = slices.DeleteFunc(g.Actions, func(a string) bool { return slices.Contains(acts, a) })
		if len(g.Actions) == 0 {
			st.ACL = slices.Delete(st.ACL, i, i+1)
		}
		return nil
	}
	if i < 0 {
		st.ACL = append(st.ACL, Grant{GranteeKind: kind, Grantee: grantee, Object: obj, Grantor: env.Caller, GrantedAt: env.Now, Expires: expires})
		i = len(st.ACL) - 1
	}
	g := &st.ACL[i]
	for _, a := range acts {
		if !slices.Contains(g.Actions, a) {
			g.Actions = append(g.Actions, a)
		}
	}
	if !expires.IsZero() {
		g.Expires = expires
	}
	return nil
}

// grantee resolves `user <p>` (a member) or `role <r>` (an existing role).
func (st *State) grantee(env Env, g sqlast.Grantee) (string, string, error) {
	if g.Role != nil {
		name, ok := st.canonicalRole(g.Role.Name)
		if !ok {
			return "", "", invalid("role %s does not exist in project %s", g.Role.Name, st.Project).withHint("create it with: create role %s;", g.Role.Name)
		}
		return GranteeRole, name, nil
	}
	r, err := env.ResolvePrincipal(g.Principal.Text)
	if err != nil {
		return "", "", err
	}
	if !st.IsMember(r.Canonical) {
		return "", "", invalid("%s does not exist in project %s", r.Canonical, st.Project).withHint(
			"add it first: add user %s;", QuotePrincipal(r.Canonical))
	}
	return GranteeUser, r.Canonical, nil
}

// policyGrant adds (or removes) a statement of a role's policy:
// `grant ... to role r privilegeproperties("policy"="true", "allow"="false")`.
func (st *State) policyGrant(env Env, s *sqlast.GrantPrivileges, objType string, acts []string, props map[string]string) error {
	if err := st.requireAdmin(env, "grant policy privileges"); err != nil {
		return err
	}
	if s.Grantee.Role == nil {
		return invalid("policy grants are made to roles only: to role <role>")
	}
	name, ok := st.canonicalRole(s.Grantee.Role.Name)
	if !ok || name == RoleAdmin || name == RoleSuperAdmin {
		return invalid("role %s does not exist in project %s, or is built in", s.Grantee.Role.Name, st.Project)
	}
	if props["conditions"] != "" {
		return invalid("policy grants with conditions are not supported in privilegeproperties; put a Condition in the role policy instead")
	}
	effect := "Allow"
	if strings.EqualFold(props["allow"], "false") {
		effect = "Deny"
	}
	var actions []string
	for _, a := range acts {
		if a == "All" {
			a = "*"
		}
		actions = append(actions, "odps:"+a)
	}
	resource := Object{Type: objType, Name: s.ObjectName}.ARN(st.Project)
	if objType == "project" {
		resource = Object{Type: "project"}.ARN(st.Project)
	}
	i := st.role(name)
	doc := rolePolicyDoc{Version: "1"}
	if st.Roles[i].Policy != "" {
		if err := json.Unmarshal([]byte(st.Roles[i].Policy), &doc); err != nil {
			return invalid("the policy of role %s cannot be edited by grant: set it with PUT ?policy", name)
		}
	}
	stmt := rolePolicyStatement{Effect: effect, Action: actions, Resource: []string{resource}}
	idx := slices.IndexFunc(doc.Statement, func(x rolePolicyStatement) bool { return x.equal(stmt) })
	switch {
	case s.Revoke && idx >= 0:
		doc.Statement = slices.Delete(doc.Statement, idx, idx+1)
	case s.Revoke:
		return nil
	case idx < 0:
		doc.Statement = append(doc.Statement, stmt)
	}
	if len(doc.Statement) == 0 {
		st.Roles[i].Policy = ""
		return nil
	}
	out, _ := json.Marshal(doc)
	if _, err := ParseRolePolicy(name, string(out)); err != nil {
		return invalid("the resulting policy of role %s is invalid: %v", name, err)
	}
	st.Roles[i].Policy = string(out)
	return nil
}

type rolePolicyDoc struct {
	Version   string                `json:"Version"`
	Statement []rolePolicyStatement `json:"Statement"`
}

type rolePolicyStatement struct {
	Effect    string          `json:"Effect"`
	Action    []string        `json:"Action"`
	Resource  []string        `json:"Resource"`
	Principal json.RawMessage `json:"Principal,omitempty"`
	Condition json.RawMessage `json:"Condition,omitempty"`
}

func (a rolePolicyStatement) equal(b rolePolicyStatement) bool {
	return a.Effect == b.Effect && slices.Equal(a.Action, b.Action) && slices.Equal(a.Resource, b.Resource) &&
		len(a.Principal) == 0 && len(a.Condition) == 0
}

func (st *State) accountProvider(env Env, s *sqlast.AccountProvider) (string, bool, error) {
	if s.Op == "list" {
		return strings.Join(st.Providers, "\n"), false, nil
	}
	if err := st.requireOwner(env, s.Op+" account providers"); err != nil {
		return "", false, err
	}
	p := strings.ToUpper(s.Provider)
	if p != "ALIYUN" && p != "RAM" {
		return "", false, invalid("unknown account provider %s: use aliyun or ram", s.Provider)
	}
	has := st.AcceptsProvider(p)
	switch {
	case s.Op == "add" && !has:
		st.Providers = append(st.Providers, p)
	case s.Op == "remove" && has:
		st.Providers = slices.DeleteFunc(st.Providers, func(x string) bool { return strings.EqualFold(x, p) })
	}
	return "", true, nil
}
