package maxcompute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/store"
)

// This file holds what the metadata and administration APIs of a project
// need beyond statements (the ODPS REST resources of reference/
// maxcompute.md §4.1 and §4.5): each method decides the caller's right
// with the project's own model, audits the decision, and returns plain
// data. Refusals are *StatementError with the ODPS text, like statements'.

// Authorize decides one action of the caller on an object of a project
// (objType project or table; name is ignored for the project) and audits
// it: nil, or the *StatementError a statement would get. A missing table
// is NoSuchTable.
func (s *Service) Authorize(ctx context.Context, caller *iam.Identity, project, objType, name, action string, meta Meta) error {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return err
	}
	canonical := security.CanonicalAction(objType, action)
	if canonical == "" {
		return &StatementError{Text: fmt.Sprintf("ODPS-0420411: Invalid argument - unknown action %s on a %s: use %s",
			action, objType, strings.Join(security.ActionsOf(objType), ", "))}
	}
	switch objType {
	case "project":
		return a.check(canonical, a.projectObject(), "")
	case "table":
		t, err := s.Table(ctx, a.project.Name, name)
		if err != nil {
			if !a.snap.State.IsMember(a.who) {
				// A non-member learns nothing about the project's tables.
				return a.check(canonical, a.projectObject(), "")
			}
			return err
		}
		return a.check(canonical, tableObject(t), t.Owner)
	}
	return &StatementError{Text: fmt.Sprintf("ODPS-0420411: Invalid argument - localyun checks permissions on projects and tables only, not on a %s", objType)}
}

// ProjectFor returns a project the caller is a member of (or owns), for
// GET /projects/{p}; a non-member gets ODPS-0420095.
func (s *Service) ProjectFor(ctx context.Context, caller *iam.Identity, project string, meta Meta) (ProjectInfo, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return ProjectInfo{}, err
	}
	if err := a.requireMember(); err != nil {
		return ProjectInfo{}, err
	}
	return info(a.project, a.snap.State), nil
}

// requireMember refuses (and audits) a caller that is not in the project.
func (a *access) requireMember() error {
	if a.snap.State.IsMember(a.who) {
		return nil
	}
	return a.check("Read", a.projectObject(), "") // the not-a-member error, audited
}

// ListTables lists the tables of a project: List on the project (§3.4).
func (s *Service) ListTables(ctx context.Context, caller *iam.Identity, project string, meta Meta) ([]*catalog.Table, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return nil, err
	}
	if err := a.check("List", a.projectObject(), ""); err != nil {
		return nil, err
	}
	return s.Tables(ctx, a.project.Name)
}

// DescribeTable returns a table's metadata: Describe on the table. A
// non-member gets ODPS-0420095 before learning whether the table exists.
func (s *Service) DescribeTable(ctx context.Context, caller *iam.Identity, project, table string, meta Meta) (*catalog.Table, error) {
	_, t, err := s.describe(ctx, caller, project, table, meta)
	return t, err
}

// DescribePartitions is DescribeTable with the table's partitions.
func (s *Service) DescribePartitions(ctx context.Context, caller *iam.Identity, project, table string, meta Meta) (*catalog.Table, []catalog.Partition, error) {
	name, t, err := s.describe(ctx, caller, project, table, meta)
	if err != nil || len(t.PartitionKeys) == 0 {
		return t, nil, err
	}
	parts, err := s.Partitions(ctx, name, t)
	if err != nil {
		return nil, nil, apierr.Internal(err)
	}
	return t, parts, nil
}

// describe authorizes Describe on a table and returns the project's own
// name with it.
func (s *Service) describe(ctx context.Context, caller *iam.Identity, project, table string, meta Meta) (string, *catalog.Table, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return "", nil, err
	}
	if err := a.requireMember(); err != nil {
		return "", nil, err
	}
	t, err := s.Table(ctx, a.project.Name, table)
	if err != nil {
		return "", nil, err
	}
	if err := a.check("Describe", tableObject(t), t.Owner); err != nil {
		return "", nil, err
	}
	return a.project.Name, t, nil
}

// MemberInfo is a user of a project as the REST API lists it.
type MemberInfo struct {
	// ID is the opaque id of the principal: the account UID, the RAM user
	// id or the RAM role id; the display name when the RAM user or role no
	// longer exists.
	ID          string
	DisplayName string // canonical principal
	Comment     string
	Roles       []string
}

// RoleInfo is a project role.
type RoleInfo struct {
	Name  string
	Type  string // admin or resource
	Users []string
}

// Members lists the owner and the users of a project, in `list users`
// order; members only.
func (s *Service) Members(ctx context.Context, caller *iam.Identity, project string, meta Meta) ([]MemberInfo, error) {
	st, err := s.memberState(ctx, caller, project, meta)
	if err != nil {
		return nil, err
	}
	out := []MemberInfo{s.memberInfo(ctx, st, st.Owner, "")}
	for _, m := range st.Members {
		out = append(out, s.memberInfo(ctx, st, m.Principal, m.Comment))
	}
	return out, nil
}

// memberState is the project's security state, for a caller who is a
// member.
func (s *Service) memberState(ctx context.Context, caller *iam.Identity, project string, meta Meta) (*security.State, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return nil, err
	}
	if err := a.requireMember(); err != nil {
		return nil, err
	}
	return a.snap.State, nil
}

func (s *Service) memberInfo(ctx context.Context, st *security.State, p, comment string) MemberInfo {
	m := MemberInfo{ID: p, DisplayName: p, Comment: comment, Roles: st.RolesOf(p)}
	n, err := principal.Parse(p)
	if err != nil {
		return m
	}
	switch n.Kind {
	case principal.Account:
		m.ID = n.Account
	case principal.User:
		if u, err := s.iam.GetUser(ctx, n.Account, n.Name); err == nil {
			m.ID = u.ID
		}
	case principal.Role:
		if r, err := s.iam.GetRole(ctx, n.Account, n.Name); err == nil {
			m.ID = r.ID
		}
	}
	return m
}

// Member finds one user of a project by id or display name
// (case-insensitively); members only. A principal that is not a user of
// the project is NoSuchObject.
func (s *Service) Member(ctx context.Context, caller *iam.Identity, project, idOrName string, meta Meta) (MemberInfo, error) {
	st, err := s.memberState(ctx, caller, project, meta)
	if err != nil {
		return MemberInfo{}, err
	}
	// By name first, which needs no look-up; an id needs each member's.
	principals := []string{st.Owner}
	comments := []string{""}
	for _, m := range st.Members {
		principals, comments = append(principals, m.Principal), append(comments, m.Comment)
	}
	for i, p := range principals {
		if principal.Key(p) == principal.Key(idOrName) {
			return s.memberInfo(ctx, st, p, comments[i]), nil
		}
	}
	for i, p := range principals {
		if m := s.memberInfo(ctx, st, p, comments[i]); m.ID == idOrName {
			return m, nil
		}
	}
	return MemberInfo{}, apierr.Newf(404, "NoSuchObject", "ODPS-0420111: User not found - '%s' is not a user of project %s.", clip(idOrName), project).
		WithRecommend("list the users with GET /projects/%s/users, or add it with: add user <principal>;", project)
}

// Roles lists the roles of a project, built-in ones first; members only.
func (s *Service) Roles(ctx context.Context, caller *iam.Identity, project string, meta Meta) ([]RoleInfo, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return nil, err
	}
	if err := a.requireMember(); err != nil {
		return nil, err
	}
	st := a.snap.State
	users := func(name string) []string {
		var out []string
		for _, as := range st.Assignments {
			if strings.EqualFold(as.Role, name) {
				out = append(out, as.Principal)
			}
		}
		slices.Sort(out)
		return out
	}
	out := []RoleInfo{
		{Name: security.RoleAdmin, Type: "admin", Users: users(security.RoleAdmin)},
		{Name: security.RoleSuperAdmin, Type: "admin", Users: users(security.RoleSuperAdmin)},
	}
	custom := slices.Clone(st.Roles)
	slices.SortFunc(custom, func(x, y security.Role) int { return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)) })
	for _, r := range custom {
		typ := "resource"
		if r.Admin {
			typ = "admin"
		}
		out = append(out, RoleInfo{Name: r.Name, Type: typ, Users: users(r.Name)})
	}
	return out, nil
}

// Role returns one role of a project; members only.
func (s *Service) Role(ctx context.Context, caller *iam.Identity, project, name string, meta Meta) (RoleInfo, error) {
	all, err := s.Roles(ctx, caller, project, meta)
	if err != nil {
		return RoleInfo{}, err
	}
	for _, r := range all {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return RoleInfo{}, noSuchRole(project, name)
}

func noSuchRole(project, name string) *apierr.Error {
	return apierr.Newf(404, "NoSuchObject", "ODPS-0420111: Role not found - '%s' does not exist in project %s.", clip(name), project).
		WithRecommend("create it with: create role %s;", clip(name))
}

// SecurityConfig returns a project's security configuration; members only.
func (s *Service) SecurityConfig(ctx context.Context, caller *iam.Identity, project string, meta Meta) (security.Config, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return security.Config{}, err
	}
	if err := a.requireMember(); err != nil {
		return security.Config{}, err
	}
	return a.snap.State.Config, nil
}

// UpdateSecurityConfig changes a project's security configuration: only
// the owner may (admin and super_administrator cannot change it, §3.1).
// change edits a copy; an error from it changes nothing.
func (s *Service) UpdateSecurityConfig(ctx context.Context, caller *iam.Identity, project string, change func(*security.Config) error, meta Meta) (security.Config, error) {
	var out security.Config
	err := s.updateState(ctx, caller, project, "odps:SetSecurityConfiguration", meta, func(st *security.State, who string) (bool, error) {
		if !st.IsOwner(who) {
			return false, ownerOnly(st, who, "change the security configuration")
		}
		c := st.Config
		if err := change(&c); err != nil {
			return false, err
		}
		changed := c != st.Config
		st.Config = c
		out = c
		return changed, nil
	})
	return out, err
}

// ProjectPolicy returns the project policy ("" when none): the owner and
// the project's admins may read it.
func (s *Service) ProjectPolicy(ctx context.Context, caller *iam.Identity, project string, meta Meta) (string, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return "", err
	}
	if err := a.requireMember(); err != nil {
		return "", err
	}
	if !isAdmin(a.snap.State, a.who) {
		return "", adminOnly(a.snap.State, a.who, "read the project policy")
	}
	return a.snap.State.Policy, nil
}

// SetProjectPolicy replaces the project policy ("" removes it): the owner
// and the project's admins. The document is validated as a resource
// policy (security.ParseProjectPolicy) before anything changes.
func (s *Service) SetProjectPolicy(ctx context.Context, caller *iam.Identity, project, doc string, meta Meta) error {
	if doc != "" {
		if _, err := security.ParseProjectPolicy(doc); err != nil {
			return invalidPolicy(err)
		}
	}
	return s.updateState(ctx, caller, project, "odps:SetProjectPolicy", meta, func(st *security.State, who string) (bool, error) {
		if !isAdmin(st, who) {
			return false, adminOnly(st, who, "change the project policy")
		}
		changed := st.Policy != doc
		st.Policy = doc
		return changed, nil
	})
}

// RolePolicy returns the policy of a custom role ("" when none): the
// owner and the project's admins.
func (s *Service) RolePolicy(ctx context.Context, caller *iam.Identity, project, role string, meta Meta) (string, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return "", err
	}
	if err := a.requireMember(); err != nil {
		return "", err
	}
	st := a.snap.State
	if !isAdmin(st, a.who) {
		return "", adminOnly(st, a.who, "read role policies")
	}
	i := slices.IndexFunc(st.Roles, func(r security.Role) bool { return strings.EqualFold(r.Name, role) })
	if i < 0 {
		if strings.EqualFold(role, security.RoleAdmin) || strings.EqualFold(role, security.RoleSuperAdmin) {
			return "", nil
		}
		return "", noSuchRole(a.project.Name, role)
	}
	return st.Roles[i].Policy, nil
}

// SetRolePolicy replaces the policy of a custom role ("" removes it): the
// owner and the project's admins; built-in roles have none.
func (s *Service) SetRolePolicy(ctx context.Context, caller *iam.Identity, project, role, doc string, meta Meta) error {
	if doc != "" {
		if _, err := security.ParseRolePolicy(role, doc); err != nil {
			return invalidPolicy(err)
		}
	}
	return s.updateState(ctx, caller, project, "odps:SetRolePolicy", meta, func(st *security.State, who string) (bool, error) {
		if !isAdmin(st, who) {
			return false, adminOnly(st, who, "change role policies")
		}
		if strings.EqualFold(role, security.RoleAdmin) || strings.EqualFold(role, security.RoleSuperAdmin) {
			return false, &StatementError{Text: fmt.Sprintf("ODPS-0420411: Invalid argument - the built-in role %s has no policy to set", strings.ToLower(role))}
		}
		i := slices.IndexFunc(st.Roles, func(r security.Role) bool { return strings.EqualFold(r.Name, role) })
		if i < 0 {
			return false, noSuchRole(st.Project, role)
		}
		changed := st.Roles[i].Policy != doc
		st.Roles[i].Policy = doc
		return changed, nil
	})
}

// updateState runs fn on a project's State in one transaction, stores it
// when fn reports a change, and audits the decision under action.
func (s *Service) updateState(ctx context.Context, caller *iam.Identity, project, action string, meta Meta,
	fn func(st *security.State, who string) (bool, error)) error {
	who, err := PrincipalOf(caller)
	if err != nil {
		return err
	}
	_, err = s.changeState(ctx, project, func(_ store.Project, st *security.State) (bool, error) {
		if !st.IsMember(who) {
			return false, errNotMember(st.Project, who)
		}
		return fn(st, who)
	})
	s.cache.invalidate(project)
	s.auditStatement(caller, who, project, action, meta, err)
	if err != nil && apierr.As(err) == nil {
		var se *StatementError
		if !errors.As(err, &se) {
			return apierr.Internal(err)
		}
	}
	return err
}

// isAdmin: the owner, super_administrator or admin.
func isAdmin(st *security.State, who string) bool {
	if st.IsOwner(who) {
		return true
	}
	roles := st.RolesOf(who)
	return slices.ContainsFunc(roles, func(r string) bool {
		return strings.EqualFold(r, security.RoleAdmin) || strings.EqualFold(r, security.RoleSuperAdmin)
	})
}

func adminOnly(st *security.State, who, what string) error {
	return &StatementError{Text: fmt.Sprintf("ODPS-0420095: Access Denied - You have no privilege to %s in project %s. "+
		"Only the project owner, super_administrator and admin may; the owner grants the role with: grant admin to %s;",
		what, st.Project, security.QuotePrincipal(who))}
}

func ownerOnly(st *security.State, who, what string) error {
	return &StatementError{Text: fmt.Sprintf("ODPS-0420095: Access Denied - You have no privilege to %s in project %s. "+
		"Only the project owner (%s) may.", what, st.Project, st.Owner)}
}

func invalidPolicy(err error) error {
	return &StatementError{Text: "ODPS-0420411: Invalid argument - failed to check policy format: " + err.Error()}
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// changeState runs fn on a project's security state in one transaction
// and stores the state when fn reports a change (NoSuchProject when the
// project is gone). changed is fn's answer, even when storing failed:
// the caller's cache must forget the project then too.
func (s *Service) changeState(ctx context.Context, project string, fn func(p store.Project, st *security.State) (bool, error)) (changed bool, err error) {
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.GetProject(project)
		if errors.Is(err, store.ErrNotFound) {
			return NoSuchProject(project)
		}
		if err != nil {
			return err
		}
		st, err := security.Decode(p.State)
		if err != nil {
			return err
		}
		if changed, err = fn(p, st); err != nil || !changed {
			return err
		}
		if p.State, err = st.Encode(); err != nil {
			return err
		}
		p.UpdatedAt = s.nextUpdate(p.UpdatedAt)
		return tx.UpdateProject(p)
	})
	return changed, err
}
