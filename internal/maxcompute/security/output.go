package security

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// listUsers prints the owner, then the members in the order they were
// added, one canonical name per line (§2.3).
func (st *State) listUsers() string {
	lines := []string{st.Owner}
	for _, m := range st.Members {
		lines = append(lines, m.Principal)
	}
	return strings.Join(lines, "\n")
}

// listRoles prints the built-in roles, then the custom ones by name.
func (st *State) listRoles() string {
	names := []string{RoleAdmin, RoleSuperAdmin}
	var custom []string
	for _, r := range st.Roles {
		custom = append(custom, r.Name)
	}
	sort.Slice(custom, func(i, j int) bool { return strings.ToLower(custom[i]) < strings.ToLower(custom[j]) })
	return strings.Join(append(names, custom...), "\n")
}

// showGrants prints the grants of the caller, of a principal or of a role
// in the layout of `show grants` (§2.3): the roles, then the ACL grants,
// then the policy grants, each per grantee.
func (st *State) showGrants(env Env, s *sqlast.ShowGrants) (string, error) {
	var user, role string
	switch {
	case s.Role != nil:
		if err := st.requireAdmin(env, "show the grants of roles"); err != nil {
			return "", err
		}
		name, ok := st.canonicalRole(s.Role.Name)
		if !ok {
			return "", invalid("role %s does not exist in project %s", s.Role.Name, st.Project)
		}
		role = name
	case s.Principal != nil:
		r, err := env.ResolvePrincipal(s.Principal.Text)
		if err != nil {
			return "", err
		}
		if principal.Key(r.Canonical) != principal.Key(env.Caller) {
			if err := st.requireAdmin(env, "show the grants of other users"); err != nil {
				return "", err
			}
		}
		if !st.IsMember(r.Canonical) {
			return "", invalid("%s does not exist in project %s", r.Canonical, st.Project).withHint("add it with: add user %s;", QuotePrincipal(r.Canonical))
		}
		user = r.Canonical
	default:
		user = env.Caller
	}
	var roles []string
	if role != "" {
		roles = []string{role}
	} else {
		roles = st.RolesOf(user)
	}
	var b strings.Builder
	if role == "" {
		b.WriteString("[roles]\n")
		for _, r := range roles {
			b.WriteString(r + "\n")
		}
		b.WriteString("\n")
	}
	onType := string(s.OnType)
	// ACL grants, roles first, then the user.
	var acl []string
	for _, r := range roles {
		if lines := st.aclLines(GranteeRole, r, onType, env.Now); len(lines) > 0 {
			acl = append(acl, "[role/"+r+"]")
			acl = append(acl, lines...)
		}
	}
	if user != "" {
		if lines := st.aclLines(GranteeUser, user, onType, env.Now); len(lines) > 0 {
			acl = append(acl, "[user/"+user+"]")
			acl = append(acl, lines...)
		}
	}
	if len(acl) > 0 {
		b.WriteString("Authorization Type: ACL\n")
		b.WriteString(strings.Join(acl, "\n"))
		b.WriteString("\n\n")
	}
	var pol []string
	for _, r := range roles {
		if lines := st.policyLines(r, onType); len(lines) > 0 {
			pol = append(pol, "[role/"+r+"]")
			pol = append(pol, lines...)
		}
	}
	if len(pol) > 0 {
		b.WriteString("Authorization Type: Policy\n")
		b.WriteString(strings.Join(pol, "\n"))
		b.WriteString("\n\n")
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// aclLines prints a grantee's ACL grants: "A       projects/p/tables/t: Describe | Select".
func (st *State) aclLines(kind, grantee, onType string, now time.Time) []string {
	var lines []string
	for _, g := range st.ACL {
		if g.GranteeKind != kind || principal.Key(g.Grantee) != principal.Key(grantee) {
			continue
		}
		if onType != "" && g.Object.Type != onType {
			continue
		}
		line := fmt.Sprintf("%-8s%s: %s", "A", g.Object.Resource(st.Project), strings.Join(g.Actions, " | "))
		if !g.Expires.IsZero() {
			state := ""
			if !now.Before(g.Expires) {
				state = " (expired)"
			}
			line += "    Expires:" + g.Expires.UTC().Format(time.RFC3339) + state
		}
		lines = append(lines, line)
	}
	return lines
}

// policyLines prints a role's policy statements: "A" or "D", "C" when the
// statement has a condition.
func (st *State) policyLines(role, onType string) []string {
	i := st.role(role)
	if i < 0 || st.Roles[i].Policy == "" {
		return nil
	}
	var doc rolePolicyDoc
	if err := json.Unmarshal([]byte(st.Roles[i].Policy), &doc); err != nil {
		return []string{"(policy not shown: " + err.Error() + ")"}
	}
	var lines []string
	for _, s := range doc.Statement {
		flag := "A"
		if s.Effect == "Deny" {
			flag = "D"
		}
		if len(s.Condition) > 0 {
			flag += "C"
		}
		var acts []string
		for _, a := range s.Action {
			acts = append(acts, strings.TrimPrefix(a, "odps:"))
		}
		for _, r := range s.Resource {
			res := strings.TrimPrefix(r, "acs:odps:*:")
			if onType != "" && !strings.Contains(res, "/"+onType+"s/") && !(onType == "project" && !strings.Contains(strings.TrimPrefix(res, "projects/"), "/")) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%-8s%s: %s", flag, res, strings.Join(acts, " | ")))
		}
	}
	return lines
}

// showACL prints the ACL grants on one object.
func (st *State) showACL(env Env, s *sqlast.ShowACL) (string, error) {
	if err := st.requireAdmin(env, "show ACLs"); err != nil {
		return "", err
	}
	objType := string(s.ObjectType)
	if objType == "" {
		objType = "table"
	}
	obj, _, err := env.ResolveObject(objType, s.ObjectName)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, g := range st.ACL {
		if !sameObject(g.Object, obj) {
			continue
		}
		lines = append(lines, fmt.Sprintf("[%s/%s]", g.GranteeKind, g.Grantee),
			fmt.Sprintf("%-8s%s: %s", "A", g.Object.Resource(st.Project), strings.Join(g.Actions, " | ")))
	}
	return strings.Join(lines, "\n"), nil
}

// describeRole prints a role's grants and its users.
func (st *State) describeRole(env Env, s *sqlast.DescribeRole) (string, error) {
	if err := st.requireAdmin(env, "describe roles"); err != nil {
		return "", err
	}
	name, ok := st.canonicalRole(s.Name.Name)
	if !ok {
		return "", invalid("role %s does not exist in project %s", s.Name.Name, st.Project)
	}
	grants, err := st.showGrants(env, &sqlast.ShowGrants{Role: &sqlast.Ident{Name: name}})
	if err != nil {
		return "", err
	}
	var users []string
	for _, a := range st.Assignments {
		if strings.EqualFold(a.Role, name) {
			users = append(users, a.Principal)
		}
	}
	slices.Sort(users)
	out := grants
	if out != "" {
		out += "\n\n"
	}
	out += "Users of role " + name + ":\n" + strings.Join(users, "\n")
	return strings.TrimRight(out, "\n"), nil
}
