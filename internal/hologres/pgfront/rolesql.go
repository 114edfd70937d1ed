package pgfront

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/localyun/localyun/internal/hologres"
)

// tenantAttributes are what every role localyun creates is, and stays:
// none of the attributes that reach the host or the cluster.
const tenantAttributes = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

// systemDatabases are never created or dropped through the front end.
var systemDatabases = map[string]bool{"postgres": true, "template0": true, "template1": true}

// maxDatabaseName keeps the simple permission model's group names
// (<db>_developer, the longest) within PostgreSQL's 63 bytes.
const maxDatabaseName = 63 - len("_developer")

// plan is a checked statement: the SQL localyun runs for it (built from
// the parsed names, never from the client's text) and the notices to
// send.
type plan struct {
	sql     []string
	inTx    bool // run the statements in one transaction
	notices []pgproto3.BackendMessage
	// database, when set, is where sql runs (else the administrative
	// database, for cluster-wide statements).
	database string
}

// execRoleStatement checks st for a Hologres superuser whose role is
// caller and runs it on the administrative connection.
func (s *Server) execRoleStatement(ctx context.Context, caller string, st *roleStmt) ([]pgproto3.BackendMessage, *PGError) {
	var p plan
	var perr *PGError
	run := func(c *pgx.Conn) error {
		if p.inTx {
			return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
				for _, q := range p.sql {
					if _, err := tx.Exec(ctx, q); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for _, q := range p.sql {
			if _, err := c.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
	err := s.admin.withAdmin(ctx, func(c *pgx.Conn) error {
		p, perr = s.planRoleStatement(ctx, c, caller, st)
		if perr != nil || p.database != "" {
			return nil
		}
		return run(c)
	})
	if err == nil && perr == nil && p.database != "" && len(p.sql) > 0 {
		err = s.admin.withAdminIn(ctx, p.database, run)
	}
	if perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, fromPgconn(err)
	}
	return p.notices, nil
}

func (s *Server) planRoleStatement(ctx context.Context, c *pgx.Conn, caller string, st *roleStmt) (plan, *PGError) {
	switch st.kind {
	case stmtCreateRole:
		return s.planCreate(st)
	case stmtAlterRole:
		return s.planAlter(st)
	case stmtDropRole:
		return s.planDrop(ctx, c, caller, st)
	case stmtGrantRole, stmtRevokeRole:
		return s.planMembership(st)
	case stmtCreateDatabase:
		return planCreateDatabase(st)
	case stmtDropDatabase:
		return planDropDatabase(ctx, c, st)
	case stmtCreateSPM:
		return plan{}, nil
	case stmtReassignOwned, stmtDropOwned:
		return s.planOwned(st)
	}
	return plan{}, errorf(codeFeatureNotSupported, "%s is not supported on localyun", st.verb)
}

// checkPassword refuses a password for anything but a BASIC$ user: cloud
// identities log in with their AccessKey.
func checkPassword(st *roleStmt, role string) *PGError {
	if (st.password != nil || st.passNull) && !strings.HasPrefix(role, basicPrefix) {
		return errorf(codeFeatureNotSupported, "only BASIC$ users have passwords").
			withDetail("%s is a cloud identity: it logs in with its AccessKey (or STS credentials), never with a password.", role)
	}
	if st.password != nil && *st.password == "" {
		return errorf(codeInvalidParameterValue, "empty password").withHint("PASSWORD NULL removes the password")
	}
	return nil
}

func passwordClause(st *roleStmt) string {
	switch {
	case st.password != nil:
		return " PASSWORD " + quoteLiteral(*st.password)
	case st.passNull:
		return " PASSWORD NULL"
	}
	return ""
}

func (s *Server) planCreate(st *roleStmt) (plan, *PGError) {
	role := st.names[0]
	cls := classifyRole(role)
	if cls == classInvalid {
		return plan{}, invalidRoleName(role)
	}
	login := st.user
	if st.login != nil {
		login = *st.login
	}
	su := st.superuser != nil && *st.superuser
	if cls == classGroup {
		if su || login || st.password != nil {
			return plan{}, errorf(codeInvalidParameterValue, "group %q cannot log in or be a superuser", role).
				withDetail("%s is a group of the simple permission model: users are granted it.", role).
				withHint("CREATE ROLE %s;", quoteIdent(role))
		}
	}
	if err := checkPassword(st, role); err != nil {
		return plan{}, err
	}
	loginKw := "NOLOGIN"
	if login {
		loginKw = "LOGIN"
	}
	p := plan{inTx: true, sql: []string{"CREATE ROLE " + quoteIdent(role) + " " + loginKw + " " + tenantAttributes + passwordClause(st)}}
	if su {
		p.sql = append(p.sql, "GRANT "+hologres.SuperuserRole+" TO "+quoteIdent(role))
	}
	return p, nil
}

func (s *Server) planAlter(st *roleStmt) (plan, *PGError) {
	role := st.names[0]
	cls := classifyRole(role)
	if cls == classInvalid {
		return plan{}, invalidRoleName(role)
	}
	if cls == classGroup {
		return plan{}, errorf(codeInvalidParameterValue, "group %q cannot log in, have a password or be a superuser", role)
	}
	if role == s.cfg.Owner {
		if st.superuser != nil && !*st.superuser {
			return plan{}, errorf(codeInsufficientPrivilege, "the instance owner %s is always a superuser", role)
		}
		if st.login != nil && !*st.login {
			return plan{}, errorf(codeInsufficientPrivilege, "the instance owner %s always may log in", role)
		}
	}
	if err := checkPassword(st, role); err != nil {
		return plan{}, err
	}
	p := plan{inTx: true}
	// ALTER ROLE first: it fails on a missing role, with PostgreSQL's own
	// error, before any membership changes.
	var attrs []string
	if st.login != nil {
		attrs = append(attrs, map[bool]string{true: "LOGIN", false: "NOLOGIN"}[*st.login])
	}
	alter := "ALTER ROLE " + quoteIdent(role) + " " + tenantAttributes
	if len(attrs) > 0 {
		alter += " " + strings.Join(attrs, " ")
	}
	p.sql = append(p.sql, alter+passwordClause(st))
	if st.superuser != nil {
		if *st.superuser {
			p.sql = append(p.sql, "GRANT "+hologres.SuperuserRole+" TO "+quoteIdent(role))
		} else {
			p.sql = append(p.sql, "REVOKE "+hologres.SuperuserRole+" FROM "+quoteIdent(role))
		}
	}
	return p, nil
}

func (s *Server) planDrop(ctx context.Context, c *pgx.Conn, caller string, st *roleStmt) (plan, *PGError) {
	var keep []string
	p := plan{inTx: true}
	for _, role := range st.names {
		if classifyRole(role) == classInvalid {
			return plan{}, invalidRoleName(role)
		}
		if role == s.cfg.Owner {
			return plan{}, errorf(codeInsufficientPrivilege, "the instance owner %s cannot be dropped", role)
		}
		if role == caller {
			return plan{}, errorf(codeObjectInUse, "current user cannot be dropped")
		}
		if st.ifExists {
			var exists bool
			if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
				return plan{}, internalError("ERROR", err)
			}
			if !exists {
				p.notices = append(p.notices, notice(fmt.Sprintf("role %q does not exist, skipping", role)))
				continue
			}
		}
		keep = append(keep, quoteIdent(role))
	}
	if len(keep) > 0 {
		p.sql = []string{"DROP ROLE " + strings.Join(keep, ", ")}
	}
	return p, nil
}

func (s *Server) planMembership(st *roleStmt) (plan, *PGError) {
	for _, role := range append(append([]string(nil), st.names...), st.members...) {
		if classifyRole(role) == classInvalid {
			return plan{}, invalidRoleName(role)
		}
	}
	for _, role := range st.names {
		if role == s.cfg.Owner {
			return plan{}, errorf(codeInsufficientPrivilege, "the role of the instance owner %s cannot be granted", role)
		}
	}
	if st.kind == stmtGrantRole {
		return plan{inTx: true, sql: []string{"GRANT " + quoteNames(st.names) + " TO " + quoteNames(st.members)}}, nil
	}
	return plan{inTx: true, sql: []string{"REVOKE " + quoteNames(st.names) + " FROM " + quoteNames(st.members)}}, nil
}

func planCreateDatabase(st *roleStmt) (plan, *PGError) {
	db := st.names[0]
	if systemDatabases[db] {
		return plan{}, errorf("42P04", "database %q already exists", db)
	}
	if len(db) > maxDatabaseName {
		return plan{}, errorf("42622", "database name %q is too long", clip(db)).
			withDetail("A database name has at most %d bytes, so that the groups of the simple permission model (<db>_developer, ...) fit in PostgreSQL's 63-byte names.", maxDatabaseName)
	}
	// Owned by localyun_superuser: every Hologres superuser has the
	// owner's rights on it, and no tenant is the owner alone.
	return plan{sql: []string{"CREATE DATABASE " + quoteIdent(db) + " OWNER " + hologres.SuperuserRole}}, nil
}

func planDropDatabase(ctx context.Context, c *pgx.Conn, st *roleStmt) (plan, *PGError) {
	db := st.names[0]
	if systemDatabases[db] {
		return plan{}, errorf(codeInsufficientPrivilege, "database %q cannot be dropped", db).
			withDetail("postgres, template0 and template1 belong to the instance.")
	}
	var p plan
	if st.ifExists {
		var exists bool
		if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1)`, db).Scan(&exists); err != nil {
			return plan{}, internalError("ERROR", err)
		}
		if !exists {
			p.notices = append(p.notices, notice(fmt.Sprintf("database %q does not exist, skipping", db)))
			return p, nil
		}
	}
	q := "DROP DATABASE " + quoteIdent(db)
	if st.force {
		q += " WITH (FORCE)"
	}
	p.sql = []string{q}
	return p, nil
}

// planOwned runs REASSIGN OWNED and DROP OWNED in the session's database:
// only Hologres roles, never the instance owner's objects dropped.
func (s *Server) planOwned(st *roleStmt) (plan, *PGError) {
	for _, role := range append(append([]string(nil), st.names...), st.members...) {
		if classifyRole(role) == classInvalid {
			return plan{}, invalidRoleName(role)
		}
	}
	if st.kind == stmtReassignOwned {
		return plan{inTx: true, database: st.database, sql: []string{"REASSIGN OWNED BY " + quoteNames(st.names) + " TO " + quoteNames(st.members)}}, nil
	}
	for _, role := range st.names {
		if role == s.cfg.Owner {
			return plan{}, errorf(codeInsufficientPrivilege, "the objects of the instance owner %s cannot be dropped with DROP OWNED", role).
				withHint("drop them one by one, or REASSIGN OWNED BY %s TO <user> first", quoteIdent(role))
		}
	}
	sql := "DROP OWNED BY " + quoteNames(st.names)
	if st.cascade {
		sql += " CASCADE"
	}
	return plan{inTx: true, database: st.database, sql: []string{sql}}, nil
}

// quoteNames is a comma-separated list of quoted role names.
func quoteNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quoteIdent(n)
	}
	return strings.Join(out, ", ")
}

func notice(msg string) *pgproto3.NoticeResponse {
	return &pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg}
}
