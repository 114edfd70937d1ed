package pgfront

import (
	"regexp"
	"strings"

	"github.com/localyun/localyun/internal/hologres"
)

// stmtKind is a role-management statement the front end runs itself for
// Hologres superusers.
type stmtKind uint8

const (
	stmtCreateRole stmtKind = iota + 1
	stmtAlterRole
	stmtDropRole
	stmtGrantRole
	stmtRevokeRole
	stmtCreateDatabase
	stmtDropDatabase
	// stmtCreateSPM is CREATE EXTENSION spm: the simple permission model's
	// procedures are installed in every database already, so it is
	// answered without running anything.
	stmtCreateSPM
	// stmtReassignOwned and stmtDropOwned act on the objects of roles in
	// the session's database.
	stmtReassignOwned
	stmtDropOwned
	// stmtUnsupported is a role-management statement in a form localyun
	// does not run (ALTER GROUP ... ADD USER, ...): always refused.
	stmtUnsupported
)

// tag is the CommandComplete tag PostgreSQL sends.
func (k stmtKind) tag() string {
	switch k {
	case stmtCreateRole:
		return "CREATE ROLE"
	case stmtAlterRole:
		return "ALTER ROLE"
	case stmtDropRole:
		return "DROP ROLE"
	case stmtGrantRole:
		return "GRANT ROLE"
	case stmtRevokeRole:
		return "REVOKE ROLE"
	case stmtCreateDatabase:
		return "CREATE DATABASE"
	case stmtDropDatabase:
		return "DROP DATABASE"
	case stmtCreateSPM:
		return "CREATE EXTENSION"
	case stmtReassignOwned:
		return "REASSIGN OWNED"
	case stmtDropOwned:
		return "DROP OWNED"
	}
	return ""
}

// action names the statement in the audit trail.
func (k stmtKind) action() string {
	switch k {
	case stmtCreateRole:
		return "hologres:CreateUser"
	case stmtAlterRole:
		return "hologres:AlterUser"
	case stmtDropRole:
		return "hologres:DropUser"
	case stmtGrantRole:
		return "hologres:GrantRole"
	case stmtRevokeRole:
		return "hologres:RevokeRole"
	case stmtCreateDatabase:
		return "hologres:CreateDatabase"
	case stmtDropDatabase:
		return "hologres:DropDatabase"
	case stmtCreateSPM:
		return "hologres:CreateExtension"
	case stmtReassignOwned:
		return "hologres:ReassignOwned"
	case stmtDropOwned:
		return "hologres:DropOwned"
	}
	return "hologres:RoleStatement"
}

// roleStmt is a parsed role-management statement.
type roleStmt struct {
	kind stmtKind
	// verb is how the statement began, for messages ("CREATE USER").
	verb string
	// user: CREATE USER (LOGIN by default) rather than CREATE ROLE.
	user bool
	// names: the roles created, altered or dropped, the roles granted or
	// revoked, or the database.
	names []string
	// members: GRANT ... TO / REVOKE ... FROM; REASSIGN OWNED ... TO.
	members []string
	// database: the session's, for the statements that act in one
	// (REASSIGN OWNED, DROP OWNED); set when the statement runs.
	database string

	superuser *bool
	login     *bool
	password  *string // set: PASSWORD 'x'
	passNull  bool    // PASSWORD NULL

	ifExists bool
	force    bool // DROP DATABASE ... WITH (FORCE)
	cascade  bool // DROP OWNED ... CASCADE
	// options counts the options read, those that change nothing included.
	options int
}

func syntaxAt(t []token, i int) *PGError {
	if i >= len(t) {
		return errorf(codeSyntaxError, "syntax error at end of input")
	}
	return errorf(codeSyntaxError, "syntax error at or near %q", clip(t[i].val))
}

// classify reads one statement. It returns nil, nil for any statement
// that is not role management (it goes to PostgreSQL unchanged), the
// parsed statement, or an error for role management it will not run.
func classify(t []token) (*roleStmt, *PGError) {
	if len(t) < 2 || t[0].kind != tokIdent {
		return nil, nil
	}
	switch t[0].val {
	case "create":
		switch {
		case t[1].is("database"):
			return parseCreateDatabase(t)
		case t[1].is("extension"):
			return parseCreateExtension(t), nil
		case t[1].is("user") || t[1].is("role") || t[1].is("group"):
			if t[1].is("user") && len(t) > 2 && t[2].is("mapping") {
				return nil, nil
			}
			return parseCreateRole(t)
		}
	case "alter":
		switch {
		case t[1].is("user") || t[1].is("role"):
			if len(t) > 2 && (t[2].is("mapping") || t[2].is("all") || t[2].is("current_user") ||
				t[2].is("session_user") || t[2].is("current_role")) {
				return nil, nil
			}
			// ALTER ROLE x SET/RESET/RENAME/IN DATABASE: PostgreSQL
			// decides (a role may change its own settings).
			if len(t) > 3 && (t[3].is("set") || t[3].is("reset") || t[3].is("rename") || t[3].is("in")) {
				return nil, nil
			}
			return parseAlterRole(t)
		case t[1].is("group"):
			return &roleStmt{kind: stmtUnsupported, verb: "ALTER GROUP"}, errorf(codeFeatureNotSupported, "ALTER GROUP is not supported").
				withHint(`use GRANT <group> TO <user>; and REVOKE <group> FROM <user>;`)
		}
	case "reassign":
		if t[1].is("owned") {
			return parseOwned(t)
		}
	case "drop":
		switch {
		case t[1].is("owned"):
			return parseOwned(t)
		case t[1].is("database"):
			return parseDropDatabase(t)
		case t[1].is("user") || t[1].is("role") || t[1].is("group"):
			if t[1].is("user") && len(t) > 2 && t[2].is("mapping") {
				return nil, nil
			}
			return parseDropRole(t)
		}
	case "grant", "revoke":
		return parseMembership(t)
	}
	return nil, nil
}

// parseCreateExtension recognizes CREATE EXTENSION [IF NOT EXISTS] spm
// [WITH] [SCHEMA s] [VERSION v] [CASCADE]; any other extension goes to
// PostgreSQL, which installs only trusted ones for tenants.
func parseCreateExtension(t []token) *roleStmt {
	i := 2
	if i+2 < len(t) && t[i].is("if") && t[i+1].is("not") && t[i+2].is("exists") {
		i += 3
	}
	if n, ok := name(t, i); !ok || n != "spm" {
		return nil
	}
	return &roleStmt{kind: stmtCreateSPM, verb: "CREATE EXTENSION"}
}

func verbOf(t []token, n int) string {
	parts := make([]string, 0, n)
	for i := 0; i < n && i < len(t); i++ {
		parts = append(parts, strings.ToUpper(t[i].val))
	}
	return strings.Join(parts, " ")
}

// name reads an identifier at t[i].
func name(t []token, i int) (string, bool) {
	if i < len(t) && (t[i].kind == tokIdent || t[i].kind == tokQIdent) {
		return t[i].val, true
	}
	return "", false
}

// nameList reads name [, name ...] starting at t[i]; it returns the index
// after the list.
func nameList(t []token, i int) ([]string, int, *PGError) {
	var out []string
	for {
		n, ok := name(t, i)
		if !ok {
			return nil, i, syntaxAt(t, i)
		}
		out = append(out, n)
		i++
		if i < len(t) && t[i].kind == tokPunct && t[i].val == "," {
			i++
			continue
		}
		return out, i, nil
	}
}

func parseCreateRole(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtCreateRole, verb: verbOf(t, 2), user: t[1].is("user")}
	n, ok := name(t, 2)
	if !ok {
		return st, syntaxAt(t, 2)
	}
	st.names = []string{n}
	return st, parseRoleOptions(st, t, 3)
}

func parseAlterRole(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtAlterRole, verb: verbOf(t, 2)}
	n, ok := name(t, 2)
	if !ok {
		return st, syntaxAt(t, 2)
	}
	st.names = []string{n}
	if err := parseRoleOptions(st, t, 3); err != nil {
		return st, err
	}
	if st.options == 0 {
		return st, syntaxAt(t, len(t))
	}
	return st, nil
}

// parseRoleOptions reads [WITH] option ... of CREATE/ALTER ROLE.
func parseRoleOptions(st *roleStmt, t []token, i int) *PGError {
	if i < len(t) && t[i].is("with") {
		i++
	}
	redundant := func() *PGError { return errorf(codeSyntaxError, "conflicting or redundant options") }
	setBool := func(p **bool, v bool) *PGError {
		if *p != nil {
			return redundant()
		}
		*p = &v
		return nil
	}
	for i < len(t) {
		tok := t[i]
		if tok.kind != tokIdent {
			return syntaxAt(t, i)
		}
		var err *PGError
		switch tok.val {
		case "superuser":
			err = setBool(&st.superuser, true)
		case "nosuperuser":
			err = setBool(&st.superuser, false)
		case "login":
			err = setBool(&st.login, true)
		case "nologin":
			err = setBool(&st.login, false)
		case "nocreatedb", "nocreaterole", "noreplication", "nobypassrls", "inherit":
			// What every tenant role is anyway.
		case "createdb", "createrole", "replication", "bypassrls":
			return errorf(codeInsufficientPrivilege, "%s is not available on localyun", strings.ToUpper(tok.val)).
				withDetail("No database role of a localyun instance is a PostgreSQL superuser or holds CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS: each reaches the host or the cluster. A Hologres superuser (SUPERUSER) manages users and databases through localyun.")
		case "encrypted", "password":
			if tok.val == "encrypted" {
				i++
				if i >= len(t) || !t[i].is("password") {
					return syntaxAt(t, i)
				}
			}
			i++
			if st.password != nil || st.passNull {
				return redundant()
			}
			switch {
			case i < len(t) && t[i].kind == tokString:
				pw := t[i].val
				st.password = &pw
			case i < len(t) && t[i].is("null"):
				st.passNull = true
			default:
				return syntaxAt(t, i)
			}
		case "noinherit", "connection", "valid", "sysid", "unencrypted":
			return errorf(codeFeatureNotSupported, "%s is not supported on localyun", strings.ToUpper(tok.val)).
				withHint("a user is created with CREATE USER \"<name>\" [SUPERUSER] [PASSWORD '...'] (BASIC$ users only)")
		case "in", "role", "admin", "user":
			return errorf(codeFeatureNotSupported, "role membership options of %s are not supported on localyun", st.verb).
				withHint("grant membership separately: GRANT <group> TO <user>;")
		default:
			return syntaxAt(t, i)
		}
		if err != nil {
			return err
		}
		st.options++
		i++
	}
	return nil
}

func parseDropRole(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtDropRole, verb: verbOf(t, 2)}
	i := 2
	if i+1 < len(t) && t[i].is("if") && t[i+1].is("exists") {
		st.ifExists = true
		i += 2
	}
	names, i, err := nameList(t, i)
	if err != nil {
		return st, err
	}
	if i < len(t) {
		return st, syntaxAt(t, i)
	}
	st.names = names
	return st, nil
}

// parseMembership reads GRANT role [, ...] TO role [, ...] and REVOKE
// role [, ...] FROM role [, ...]; a GRANT or REVOKE with ON before TO or
// FROM is a privilege statement and goes to PostgreSQL.
func parseMembership(t []token) (*roleStmt, *PGError) {
	grant := t[0].is("grant")
	sep := "to"
	kind := stmtGrantRole
	if !grant {
		sep, kind = "from", stmtRevokeRole
	}
	for _, tok := range t[1:] {
		if tok.is("on") {
			return nil, nil
		}
		if tok.is(sep) {
			break
		}
	}
	st := &roleStmt{kind: kind, verb: strings.ToUpper(t[0].val)}
	i := 1
	if !grant && i+2 < len(t) && (t[i].is("admin") || t[i].is("inherit") || t[i].is("set")) && t[i+1].is("option") && t[i+2].is("for") {
		return st, errorf(codeFeatureNotSupported, "REVOKE %s OPTION FOR is not supported on localyun", strings.ToUpper(t[i].val)).
			withDetail("localyun never grants membership WITH ADMIN OPTION.")
	}
	names, i, err := nameList(t, i)
	if err != nil {
		return st, err
	}
	if i >= len(t) || !t[i].is(sep) {
		return st, syntaxAt(t, i)
	}
	members, i, err := nameList(t, i+1)
	if err != nil {
		return st, err
	}
	if grant && i < len(t) && t[i].is("with") {
		return st, errorf(codeFeatureNotSupported, "GRANT ... WITH %s OPTION is not supported on localyun", strings.ToUpper(tokenVal(t, i+1))).
			withDetail("Membership is granted without ADMIN OPTION: a Hologres superuser manages membership, and the spm_* procedures manage the groups of the simple permission model.")
	}
	if i < len(t) && t[i].is("granted") {
		return st, errorf(codeFeatureNotSupported, "GRANTED BY is not supported on localyun")
	}
	if !grant && i < len(t) && (t[i].is("cascade") || t[i].is("restrict")) {
		i++
	}
	if i < len(t) {
		return st, syntaxAt(t, i)
	}
	st.names, st.members = names, members
	return st, nil
}

// parseOwned reads REASSIGN OWNED BY role [, ...] TO role and DROP OWNED
// BY role [, ...] [CASCADE | RESTRICT].
func parseOwned(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtDropOwned, verb: "DROP OWNED"}
	if t[0].is("reassign") {
		st.kind, st.verb = stmtReassignOwned, "REASSIGN OWNED"
	}
	if len(t) < 3 || !t[2].is("by") {
		return st, syntaxAt(t, 2)
	}
	names, i, err := nameList(t, 3)
	if err != nil {
		return st, err
	}
	st.names = names
	if st.kind == stmtReassignOwned {
		if i >= len(t) || !t[i].is("to") {
			return st, syntaxAt(t, i)
		}
		to, ok := name(t, i+1)
		if !ok {
			return st, syntaxAt(t, i+1)
		}
		st.members, i = []string{to}, i+2
	} else if i < len(t) && (t[i].is("cascade") || t[i].is("restrict")) {
		st.cascade = t[i].is("cascade")
		i++
	}
	if i < len(t) {
		return st, syntaxAt(t, i)
	}
	return st, nil
}

func tokenVal(t []token, i int) string {
	if i < len(t) {
		return t[i].val
	}
	return ""
}

func parseCreateDatabase(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtCreateDatabase, verb: "CREATE DATABASE"}
	n, ok := name(t, 2)
	if !ok {
		return st, syntaxAt(t, 2)
	}
	st.names = []string{n}
	if len(t) > 3 {
		return st, errorf(codeFeatureNotSupported, "options of CREATE DATABASE are not supported on localyun").
			withDetail("A database is created from template1 with UTF8 encoding, owned by the instance's superusers.").
			withHint("CREATE DATABASE %s;", quoteIdent(n))
	}
	return st, nil
}

func parseDropDatabase(t []token) (*roleStmt, *PGError) {
	st := &roleStmt{kind: stmtDropDatabase, verb: "DROP DATABASE"}
	i := 2
	if i+1 < len(t) && t[i].is("if") && t[i+1].is("exists") {
		st.ifExists = true
		i += 2
	}
	n, ok := name(t, i)
	if !ok {
		return st, syntaxAt(t, i)
	}
	st.names = []string{n}
	i++
	if i < len(t) && t[i].is("with") {
		i++
	}
	if i < len(t) {
		// ( FORCE )
		if i+2 < len(t) && t[i].val == "(" && t[i+1].is("force") && t[i+2].val == ")" && i+3 == len(t) {
			st.force = true
			return st, nil
		}
		return st, syntaxAt(t, i)
	}
	return st, nil
}

// Role names localyun manages (reference/hologres.md §2.1, the same
// patterns as package hologres's SQL helpers).
var (
	tenantRolePattern = regexp.MustCompile(`^(` + hologres.IdentityRolePattern + `|` + hologres.BasicRolePattern + `)$`)
	groupRolePattern  = regexp.MustCompile(`^.+_(admin|developer|writer|viewer)$`)
)

type roleClass uint8

const (
	classInvalid roleClass = iota
	classTenant            // an identity or a BASIC$ user: may log in
	classGroup             // an SPM group: never logs in
)

// classifyRole tells what kind of role name n is.
func classifyRole(n string) roleClass {
	lower := strings.ToLower(n)
	switch {
	case len(n) > 63, strings.HasPrefix(lower, "pg_"), strings.HasPrefix(lower, "localyun"):
		return classInvalid
	case tenantRolePattern.MatchString(n):
		return classTenant
	case groupRolePattern.MatchString(n) && strings.IndexByte(n, 0) < 0:
		return classGroup
	}
	return classInvalid
}

// invalidRoleName explains why n cannot be managed.
func invalidRoleName(n string) *PGError {
	lower := strings.ToLower(n)
	if strings.HasPrefix(lower, "pg_") || strings.HasPrefix(lower, "localyun") {
		return errorf(codeReservedName, "role name %q is reserved", clip(n)).
			withDetail("Role names starting with \"pg_\" or \"localyun\" belong to PostgreSQL and localyun.")
	}
	e := errorf(codeInvalidName, "role name %q is not a user of a Hologres instance", clip(n)).
		withDetail("Users are an account UID, p4_<RAM user id>, v4_<RAM role id> or BASIC$<name> (letters, digits and _); groups are <db>_admin, <db>_developer, <db>_writer or <db>_viewer.")
	if strings.HasPrefix(lower, "basic$") && !strings.HasPrefix(n, "BASIC$") {
		e = e.withHint("quote the name, which PostgreSQL otherwise folds to lower case: %q", "BASIC$"+n[len("basic$"):])
	}
	return e
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral quotes a string constant so that it means the same
// whatever standard_conforming_strings is.
func quoteLiteral(s string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}
