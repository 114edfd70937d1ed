// Package security is a MaxCompute project's own permission model
// (reference/maxcompute.md §1–§3): members, project roles, ACL grants,
// project and role policies, the security configuration, and the decision
// of who may do what on which object. RAM policies and STS session
// policies do not apply inside a project: this model decides.
//
// A project's model is one State document (stored by the caller as JSON in
// one transaction per statement). Snapshot compiles a State for checks;
// Apply runs a security statement against a State, checking that the
// caller may run it.
package security

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/principal"
)

// Config is the project's security configuration (§3.5). localyun adds
// AllowForeignRoles: whether RAM roles of other accounts may be added
// (the reference leaves this unconfirmed; on by default).
type Config struct {
	CheckPermissionUsingACL          bool
	CheckPermissionUsingPolicy       bool
	ObjectCreatorHasAccessPermission bool
	ObjectCreatorHasGrantPermission  bool
	ProjectProtection                bool
	LabelSecurity                    bool
	EnableDownloadPrivilege          bool
	AllowForeignRoles                bool
}

// DefaultConfig is a new project's configuration (D-SECPARAM defaults).
func DefaultConfig() Config {
	return Config{CheckPermissionUsingACL: true, CheckPermissionUsingPolicy: true,
		ObjectCreatorHasAccessPermission: true, ObjectCreatorHasGrantPermission: true, AllowForeignRoles: true}
}

// State is a project's whole permission model.
type State struct {
	Project string `json:"project"`
	// OwnerAccount is the owning account's UID; Owner its principal
	// (ALIYUN$<uid>).
	OwnerAccount string   `json:"ownerAccount"`
	Owner        string   `json:"owner"`
	Config       Config   `json:"config"`
	Providers    []string `json:"providers"` // upper case: ALIYUN, RAM
	Members      []Member `json:"members"`
	Roles        []Role   `json:"roles"`
	// Assignments of project roles to principals. They survive
	// `remove user` only when empty: a user is removed after its roles are
	// revoked.
	Assignments []Assignment `json:"assignments"`
	ACL         []Grant      `json:"acl"`
	// Policy is the project policy (a resource policy document), "" when
	// none.
	Policy string `json:"policy,omitempty"`
}

// Member is a principal added with `add user`.
type Member struct {
	Principal string    `json:"principal"` // canonical
	Comment   string    `json:"comment,omitempty"`
	AddedAt   time.Time `json:"addedAt"`
}

// Role is a project role. The built-in roles admin and
// super_administrator are implicit and never stored.
type Role struct {
	Name      string    `json:"name"`
	Admin     bool      `json:"admin,omitempty"` // an admin-type role
	Policy    string    `json:"policy,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Assignment gives a role to a principal.
type Assignment struct {
	Role      string `json:"role"`
	Principal string `json:"principal"`
}

// Built-in project roles.
const (
	RoleAdmin      = "admin"
	RoleSuperAdmin = "super_administrator"
)

// Grantee kinds of ACL grants.
const (
	GranteeUser = "user"
	GranteeRole = "role"
)

// Grant is one ACL entry: actions on one object for one user or role.
// ACL grants name existing objects by their id, so a table dropped and
// re-created under the same name does not inherit them.
type Grant struct {
	GranteeKind string    `json:"granteeKind"` // user or role
	Grantee     string    `json:"grantee"`     // canonical principal or role name
	Object      Object    `json:"object"`
	Actions     []string  `json:"actions"` // canonical spelling: Select, CreateInstance, All, ...
	Conditions  string    `json:"conditions,omitempty"`
	Expires     time.Time `json:"expires,omitzero"`
	Grantor     string    `json:"grantor"`
	GrantedAt   time.Time `json:"grantedAt"`
}

// Object is a project object.
type Object struct {
	Type string `json:"type"` // project, table, function, resource, instance
	Name string `json:"name"` // the table name; the project name for the project
	// ID tells apart objects that had the same name: a table's catalog id.
	ID string `json:"id,omitempty"`
}

// Resource is the object's ARN tail, as show grants prints it:
// projects/<p>[/tables/<t>].
func (o Object) Resource(project string) string {
	switch o.Type {
	case "project":
		return "projects/" + project
	case "table":
		return "projects/" + project + "/tables/" + o.Name
	case "function":
		return "projects/" + project + "/registration/functions/" + o.Name
	case "resource":
		return "projects/" + project + "/resources/" + o.Name
	case "instance":
		return "projects/" + project + "/instances/" + o.Name
	}
	return "projects/" + project + "/" + o.Type + "s/" + o.Name
}

// ARN is the object's ARN: acs:odps:*:projects/<p>/tables/<t>.
func (o Object) ARN(project string) string { return "acs:odps:*:" + o.Resource(project) }

// New is the State of a new project owned by an account. It accepts the
// ALIYUN and RAM account providers from the start, so that the seed's
// `add user` of a RAM role works without `add accountprovider ram`.
func New(project, ownerUID string) *State {
	return &State{
		Project:      project,
		OwnerAccount: ownerUID,
		Owner:        principal.Canonical(principal.Account, ownerUID, ""),
		Config:       DefaultConfig(),
		Providers:    []string{"ALIYUN", "RAM"},
	}
}

// Decode reads a stored State.
func Decode(data []byte) (*State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("project security state: %w", err)
	}
	return &st, nil
}

// Encode writes a State for storage.
func (st *State) Encode() ([]byte, error) { return json.Marshal(st) }

// Clone returns a deep copy, so a statement can be applied and thrown away
// if storing it fails.
func (st *State) Clone() *State {
	data, err := st.Encode()
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	c, err := Decode(data)
	if err != nil {
		panic(err)
	}
	return c
}

func (st *State) member(p string) int {
	return slices.IndexFunc(st.Members, func(m Member) bool { return principal.Key(m.Principal) == principal.Key(p) })
}

// IsMember reports whether p was added to the project (the owner always is).
func (st *State) IsMember(p string) bool { return st.IsOwner(p) || st.member(p) >= 0 }

// IsOwner reports whether p is the project owner.
func (st *State) IsOwner(p string) bool { return principal.Key(p) == principal.Key(st.Owner) }

func (st *State) role(name string) int {
	return slices.IndexFunc(st.Roles, func(r Role) bool { return strings.EqualFold(r.Name, name) })
}

// RolesOf returns the roles assigned to p, in assignment order, with
// built-in names lower-cased and custom ones as created.
func (st *State) RolesOf(p string) []string {
	var out []string
	for _, a := range st.Assignments {
		if principal.Key(a.Principal) == principal.Key(p) {
			out = append(out, a.Role)
		}
	}
	return out
}

func hasRole(roles []string, name string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return strings.EqualFold(r, name) })
}

// AcceptsProvider reports whether the project accepts principals of a
// provider (ALIYUN or RAM).
func (st *State) AcceptsProvider(p string) bool {
	return slices.ContainsFunc(st.Providers, func(x string) bool { return strings.EqualFold(x, p) })
}
