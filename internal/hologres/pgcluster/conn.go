package pgcluster

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DSN is a keyword/value connection string for role and database of a
// cluster over its unix socket (host=SocketDir(id) port=Port
// sslmode=disable), for pgx.ParseConfig or pgconn.ParseConfig. database ""
// leaves dbname out (PostgreSQL then uses the role name). Connections
// authenticate by trust: only root and the run-as user can reach the
// socket, so whoever holds the DSN must be one of them, and must itself
// decide which role a client may use. Like every DSN parsed by pgx, unset
// keywords fall back to PG* environment variables.
func (m *Manager) DSN(id, role, database string) string {
	var b strings.Builder
	kv := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + quoteDSN(v))
	}
	kv("host", m.SocketDir(id))
	kv("port", strconv.Itoa(Port))
	kv("user", role)
	if database != "" {
		kv("dbname", database)
	}
	kv("sslmode", "disable")
	return b.String()
}

func quoteDSN(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// connect opens a connection as role, whatever the cluster's status.
func (m *Manager) connect(ctx context.Context, id, role, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(m.DSN(id, role, database))
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > connectTimeout {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.RuntimeParams["application_name"] = "localyun"
	delete(cfg.RuntimeParams, "options") // from PGOPTIONS: nothing of the environment's
	return pgx.ConnectConfig(ctx, cfg)
}

// AdminConn connects to database ("" means "postgres") of a Running
// cluster as AdminRole, the superuser, over the socket. The caller owns
// the connection and must close it. Never hand it, or anything it can
// run, to a tenant: it is a shell on the host. When the cluster is not
// Running the error wraps ErrNotRunning (*NotRunningError). A connection
// attempt is bounded by 10 s and by ctx.
func (m *Manager) AdminConn(ctx context.Context, id, database string) (*pgx.Conn, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if st, reason := m.Status(id); st != Running {
		return nil, &NotRunningError{Cluster: id, Status: st, Reason: reason}
	}
	if database == "" {
		database = "postgres"
	}
	conn, err := m.connect(ctx, id, AdminRole, database)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster %s as %s: %w", id, AdminRole, err)
	}
	return conn, nil
}

// Verify runs the hardening checks on a Running cluster; Start runs them
// at every start and refuses a cluster that fails them. Call it after
// changing roles, too. The error wraps ErrUnsafe (*UnsafeError) when a
// check fails. The checks:
//   - SHOW listen_addresses is empty: no TCP listener;
//   - pg_hba.conf has only "local" rules;
//   - the socket directory is a directory (not a link), mode 0700, of the
//     run-as user;
//   - AdminRole is the only role with SUPERUSER, CREATEROLE, REPLICATION
//     or BYPASSRLS;
//   - no other role is a member (directly or not) of AdminRole,
//     pg_execute_server_program, pg_read_server_files or
//     pg_write_server_files;
//   - nobody but AdminRole may execute the server-file and server-control
//     functions that PostgreSQL reserves to superusers (pg_read_file,
//     lo_import, pg_reload_conf, ...).
func (m *Manager) Verify(ctx context.Context, id string) error {
	conn, err := m.AdminConn(ctx, id, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(context.Background()) //nolint:errcheck // a local socket
	return m.verify(ctx, id, conn)
}

// superuserFunctions may be executed by nobody but AdminRole.
var superuserFunctions = []string{
	"pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file",
	"lo_import", "lo_export", "pg_reload_conf", "pg_rotate_logfile", "pg_promote",
	"pg_file_write", "pg_file_rename", "pg_file_unlink",
}

func (m *Manager) verify(ctx context.Context, id string, conn *pgx.Conn) error {
	unsafe := func(check, format string, args ...any) error {
		return &UnsafeError{Cluster: id, Check: check, Found: fmt.Sprintf(format, args...)}
	}
	var listen string
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil {
		return fmt.Errorf("verify cluster %s: %w", id, err)
	}
	if listen != "" {
		return unsafe("listen_addresses", "it is %q, not empty", listen)
	}
	var hostRules int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_catalog.pg_hba_file_rules WHERE type IS DISTINCT FROM 'local'").Scan(&hostRules); err != nil {
		return fmt.Errorf("verify cluster %s: %w", id, err)
	}
	if hostRules != 0 {
		return unsafe("pg_hba.conf", "%d rules other than local ones", hostRules)
	}
	fi, err := os.Lstat(m.SocketDir(id))
	if err != nil {
		return unsafe("socket directory", "%v", err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 || ownerOf(fi) != m.uid {
		return unsafe("socket directory", "%s has mode %s and owner uid %d; want a directory of mode 0700 owned by uid %d",
			m.SocketDir(id), fi.Mode(), ownerOf(fi), m.uid)
	}
	privileged, err := names(ctx, conn, `SELECT rolname FROM pg_catalog.pg_roles
		WHERE rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("verify cluster %s: %w", id, err)
	}
	if !slices.Equal(privileged, []string{AdminRole}) {
		return unsafe("privileged roles", "roles with SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS are %v; only %s may be",
			privileged, AdminRole)
	}
	members, err := names(ctx, conn, `SELECT r.rolname FROM pg_catalog.pg_roles r
		WHERE r.rolname NOT IN ($1, 'pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')
		  AND (pg_catalog.pg_has_role(r.oid, $1, 'MEMBER')
		    OR pg_catalog.pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER')
		    OR pg_catalog.pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER')
		    OR pg_catalog.pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER'))
		ORDER BY 1`, AdminRole)
	if err != nil {
		return fmt.Errorf("verify cluster %s: %w", id, err)
	}
	if len(members) > 0 {
		return unsafe("dangerous role memberships", "%v are members of %s or of pg_execute_server_program, pg_read_server_files or pg_write_server_files",
			members, AdminRole)
	}
	grants, err := names(ctx, conn, `SELECT DISTINCT p.oid::pg_catalog.regprocedure::text || ' to ' ||
		    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END
		FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
		WHERE p.proname = ANY($1) AND a.privilege_type = 'EXECUTE'
		  AND a.grantee IS DISTINCT FROM (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2)
		ORDER BY 1`, superuserFunctions, AdminRole)
	if err != nil {
		return fmt.Errorf("verify cluster %s: %w", id, err)
	}
	if len(grants) > 0 {
		return unsafe("superuser functions", "EXECUTE is granted on %v", grants)
	}
	return nil
}

func names(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
