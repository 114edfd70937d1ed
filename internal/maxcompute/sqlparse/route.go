package sqlparse

import "strings"

// IsSecurityText reports whether odpscmd would send the statement to the
// project's authorization endpoint (POST /projects/{p}/authorization)
// rather than run it as an SQL job: the routing rule of reference/
// maxcompute.md §2.1, applied to the statement's first words after
// comments, case-insensitively. It is true for every statement Parse
// returns as a security statement (sqlast.IsSecurity), and also for the
// security statements localyun does not implement (packages, labels,
// trusted projects, groups, tenants), which then fail to parse. Text after
// the first top-level ';' is ignored.
func IsSecurityText(stmt string) bool {
	lx := newLexer(stmt)
	var w []string // upper-cased words; "" for any other token
	for {
		t := lx.next()
		if t.kind == tEOF || t.kind == tOp && t.val == ";" {
			break
		}
		if t.kind == tWord {
			w = append(w, strings.ToUpper(t.text))
		} else {
			w = append(w, "")
		}
		// The first three words decide, except for ADD ... TO PACKAGE and
		// REMOVE ... FROM PACKAGE, which need them all.
		if len(w) > 4 && w[0] != "ADD" && w[0] != "REMOVE" {
			break
		}
	}
	n := len(w)
	word := func(i int) string {
		if i < n {
			return w[i]
		}
		return ""
	}
	in := func(s string, set ...string) bool {
		for _, x := range set {
			if s == x {
				return true
			}
		}
		return false
	}
	w1, w2 := word(1), word(2)
	tenant := func(what ...string) bool { return w1 == "TENANT" && in(w2, what...) && n >= 4 }
	if w0 := word(0); strings.HasPrefix(w0, "GRANT") || strings.HasPrefix(w0, "REVOKE") {
		return true // odpscmd: GRANT.* and REVOKE.*
	}
	switch word(0) {
	case "SHOW":
		// odpscmd matches SHOW\s+(GRANTS|ACL|...).*, so SHOW ROLES and
		// SHOW PACKAGES count too.
		for _, p := range []string{"GRANTS", "ACL", "PACKAGE", "LABEL", "ROLE", "PRINCIPALS", "PRIV"} {
			if strings.HasPrefix(w1, p) {
				return true
			}
		}
	case "CLEAR":
		return n == 3 && w1 == "EXPIRED" && w2 == "GRANTS"
	case "LIST":
		return n == 2 && in(w1, "USERS", "ROLES", "TRUSTEDPROJECTS", "ACCOUNTPROVIDERS", "GROUPS") ||
			n == 3 && w1 == "TENANT" && in(w2, "USERS", "ROLES")
	case "CREATE", "DROP":
		return n >= 3 && in(w1, "ROLE", "PACKAGE") || tenant("ROLE")
	case "ADD", "REMOVE":
		if n >= 3 && in(w1, "USER", "TRUSTEDPROJECT", "ACCOUNTPROVIDER", "GROUP") || tenant("USER", "ROLE") {
			return true
		}
		link := "TO"
		if w[0] == "REMOVE" {
			link = "FROM"
		}
		for i := 1; i+1 < n; i++ {
			if w[i] == link && w[i+1] == "PACKAGE" {
				return true
			}
		}
	case "ALTER":
		return n >= 3 && in(w1, "USER", "GROUP")
	case "DESC", "DESCRIBE":
		return n >= 3 && in(w1, "ROLE", "PACKAGE") || tenant("ROLE")
	case "DELETE":
		return n >= 3 && w1 == "PACKAGE"
	case "ALLOW", "DISALLOW":
		return w1 == "PROJECT"
	case "INSTALL", "UNINSTALL":
		return w1 == "PACKAGE"
	case "SET", "UNSET":
		return w1 == "LABEL"
	case "WHOAMI":
		return n == 1
	}
	return false
}
