package pgfront

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/hologres"
)

// roleAttrs describes a role as pg_roles has it, and its superuser status.
func roleAttrs(t *testing.T, role string) string {
	t.Helper()
	return adminQuery(t, `SELECT concat_ws(',', CASE WHEN rolcanlogin THEN 'login' ELSE 'nologin' END,
		CASE WHEN rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls THEN 'UNSAFE' END,
		CASE WHEN pg_has_role(oid, '`+hologres.SuperuserRole+`', 'MEMBER') THEN 'superuser' END,
		CASE WHEN rolpassword IS NOT NULL THEN 'password' END)
		FROM pg_authid WHERE rolname = $1 UNION ALL SELECT 'absent' LIMIT 1`, role)
}

func TestSuperuserRoleManagement(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	ctx := context.Background()
	roleV4 := "v4_" + f.role.ID
	userP4 := "p4_" + f.user.ID
	t.Cleanup(func() { dropTestRoles(t, roleV4, userP4, "v4_123", "BASIC$dave", "grp1_developer") })

	tag, err := owner.Exec(ctx, `CREATE USER "v4_123";`)
	if err != nil || tag.String() != "CREATE ROLE" {
		t.Fatalf("CREATE USER: %q %v", tag, err)
	}
	if got := roleAttrs(t, "v4_123"); got != "login" {
		t.Fatalf("v4_123: %s", got)
	}
	if tag, err := owner.Exec(ctx, `ALTER USER "v4_123" SUPERUSER`); err != nil || tag.String() != "ALTER ROLE" {
		t.Fatalf("ALTER USER SUPERUSER: %q %v", tag, err)
	}
	if got := roleAttrs(t, "v4_123"); got != "login,superuser" {
		t.Fatalf("v4_123 after SUPERUSER: %s", got)
	}
	execOK(t, owner, `ALTER ROLE "v4_123" WITH NOSUPERUSER NOLOGIN`)
	if got := roleAttrs(t, "v4_123"); got != "nologin" {
		t.Fatalf("v4_123 after NOSUPERUSER NOLOGIN: %s", got)
	}
	if tag, err := owner.Exec(ctx, `DROP USER "v4_123"`); err != nil || tag.String() != "DROP ROLE" {
		t.Fatalf("DROP USER: %q %v", tag, err)
	}
	if got := roleAttrs(t, "v4_123"); got != "absent" {
		t.Fatalf("after DROP: %s", got)
	}
	// IF EXISTS on a missing role (TestPsql checks the notice).
	if tag, err := owner.Exec(ctx, `DROP ROLE IF EXISTS "v4_123", "p4_999"`); err != nil || tag.String() != "DROP ROLE" {
		t.Fatalf("DROP IF EXISTS: %q %v", tag, err)
	}

	// A RAM user added as a superuser logs in and manages users in turn.
	execOK(t, owner, `CREATE USER "`+userP4+`" SUPERUSER`)
	alice := f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	execOK(t, alice, `CREATE USER "`+roleV4+`"`)
	cred := f.assume(t, f.a.ID, "testRole", f.b.ID, time.Hour)
	role := f.mustConnect(t, cred.AccessKeyID, cred.AccessKeySecret, "postgres", "options="+dsnQuote("sts_token="+cred.SecurityToken))
	// The role session is no superuser: PostgreSQL refuses its CREATE USER.
	if pe := execErr(t, role, `CREATE USER "v4_124"`); pe.Code != "42501" || !strings.Contains(pe.Message, "permission denied to create role") {
		t.Fatalf("normal user CREATE USER: %s %q", pe.Code, pe.Message)
	}

	// BASIC$ users with a password, and ALTER of the password.
	execOK(t, alice, `CREATE USER "BASIC$dave" WITH PASSWORD 'it''s dave'`)
	f.mustConnect(t, "BASIC$dave", "it's dave", "postgres")
	execOK(t, alice, `ALTER USER "BASIC$dave" PASSWORD E'new\\pass'`)
	if _, err := f.connect(t, "BASIC$dave", "it's dave", "postgres"); err == nil {
		t.Fatal("the old password still works")
	}
	f.mustConnect(t, "BASIC$dave", `new\pass`, "postgres")

	// Groups and membership.
	execOK(t, alice, `CREATE ROLE grp1_developer`)
	if got := roleAttrs(t, "grp1_developer"); got != "nologin" {
		t.Fatalf("group: %s", got)
	}
	if tag, err := alice.Exec(ctx, `GRANT grp1_developer TO "`+roleV4+`", "BASIC$dave"`); err != nil || tag.String() != "GRANT ROLE" {
		t.Fatalf("GRANT: %q %v", tag, err)
	}
	if got := scalar(t, role, `SELECT pg_has_role('grp1_developer', 'MEMBER')::text`); got != "true" {
		t.Fatalf("membership: %s", got)
	}
	if tag, err := alice.Exec(ctx, `REVOKE grp1_developer FROM "BASIC$dave"`); err != nil || tag.String() != "REVOKE ROLE" {
		t.Fatalf("REVOKE: %q %v", tag, err)
	}
	// Object privileges are PostgreSQL's own business.
	execOK(t, alice, `GRANT SELECT ON pg_catalog.pg_class TO grp1_developer`)

	// Databases.
	db := uniqueDB(t)
	if tag, err := alice.Exec(ctx, `CREATE DATABASE `+db); err != nil || tag.String() != "CREATE DATABASE" {
		t.Fatalf("CREATE DATABASE: %q %v", tag, err)
	}
	if got := adminQuery(t, `SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1`, db); got != hologres.SuperuserRole {
		t.Fatalf("owner of the new database: %s", got)
	}
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, db)
	execOK(t, c, `CREATE TABLE x (a int)`)
	c.Close(ctx)
	if tag, err := owner.Exec(ctx, `DROP DATABASE `+db+` WITH (FORCE)`); err != nil || tag.String() != "DROP DATABASE" {
		t.Fatalf("DROP DATABASE: %q %v", tag, err)
	}
	execOK(t, owner, `DROP DATABASE IF EXISTS `+db)

	// PostgreSQL's own errors come back unchanged.
	if pe := execErr(t, alice, `CREATE USER "`+roleV4+`"`); pe.Code != "42710" || pe.Message != `role "`+roleV4+`" already exists` {
		t.Fatalf("duplicate: %s %q", pe.Code, pe.Message)
	}
	if pe := execErr(t, alice, `DROP USER "p4_999"`); pe.Code != "42704" {
		t.Fatalf("missing: %s %q", pe.Code, pe.Message)
	}
	// The session goes on normally after all that.
	if got := scalar(t, alice, `SELECT current_user`); got != userP4 {
		t.Fatal(got)
	}

	// A superuser demoted in the middle of a session loses the status at
	// once: its next CREATE USER goes to PostgreSQL, which refuses it.
	execOK(t, owner, `ALTER USER "`+userP4+`" NOSUPERUSER`)
	if pe := execErr(t, alice, `CREATE USER "v4_125"`); pe.Code != "42501" || !strings.Contains(pe.Message, "permission denied to create role") {
		t.Fatalf("demoted: %s %q", pe.Code, pe.Message)
	}
}

func TestSuperuserRefusals(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	t.Cleanup(func() { dropTestRoles(t, "p4_1", "p4_2", "v4_9") })
	execOK(t, owner, `CREATE USER "p4_1"`)
	cases := []struct {
		sql, code, message string
	}{
		{`CREATE ROLE x SUPERUSER`, "42602", `role name "x" is not a user of a Hologres instance`},
		{`CREATE USER "p4_2" CREATEROLE`, "42501", "CREATEROLE is not available on localyun"},
		{`CREATE USER "p4_2" WITH CREATEDB`, "42501", "CREATEDB is not available on localyun"},
		{`CREATE USER "p4_2" REPLICATION`, "42501", "REPLICATION is not available on localyun"},
		{`ALTER USER "p4_1" BYPASSRLS`, "42501", "BYPASSRLS is not available on localyun"},
		{`CREATE USER "p4_2" IN ROLE pg_read_server_files`, "0A000", "role membership options of CREATE USER are not supported on localyun"},
		{`CREATE USER "p4_2" PASSWORD 'x'`, "0A000", "only BASIC$ users have passwords"},
		{`CREATE USER basic$bob PASSWORD 'x'`, "42602", `role name "basic$bob" is not a user of a Hologres instance`},
		{`CREATE ROLE pg_mine`, "42939", `role name "pg_mine" is reserved`},
		{`CREATE ROLE "localyun_admin2"`, "42939", `role name "localyun_admin2" is reserved`},
		{`GRANT pg_execute_server_program TO "p4_1"`, "42939", `role name "pg_execute_server_program" is reserved`},
		{`GRANT pg_read_server_files, pg_write_server_files TO "p4_1"`, "42939", `role name "pg_read_server_files" is reserved`},
		{`GRANT localyun_superuser TO "p4_1"`, "42939", `role name "localyun_superuser" is reserved`},
		{`GRANT localyun_admin TO "p4_1"`, "42939", `role name "localyun_admin" is reserved`},
		{`GRANT "` + f.a.ID + `" TO "p4_1"`, "42501", "the role of the instance owner " + f.a.ID + " cannot be granted"},
		{`GRANT "p4_1" TO "p4_1" WITH ADMIN OPTION`, "0A000", "GRANT ... WITH ADMIN OPTION is not supported on localyun"},
		{`DROP USER "` + f.a.ID + `"`, "42501", "the instance owner " + f.a.ID + " cannot be dropped"},
		{`ALTER USER "` + f.a.ID + `" NOSUPERUSER`, "42501", "the instance owner " + f.a.ID + " is always a superuser"},
		{`ALTER GROUP g ADD USER "p4_1"`, "0A000", "ALTER GROUP is not supported"},
		{`CREATE DATABASE template1`, "42P04", `database "template1" already exists`},
		{`CREATE DATABASE d WITH OWNER "p4_1"`, "0A000", "options of CREATE DATABASE are not supported on localyun"},
		{`DROP DATABASE postgres`, "42501", `database "postgres" cannot be dropped`},
		{`CREATE DATABASE ` + strings.Repeat("d", 60), "42622", `database name "` + strings.Repeat("d", 60) + `" is too long`},
		{`CREATE USER "v4_9"; SELECT 1`, "0A000", "CREATE USER must be sent as a query of its own"},
		{`SELECT 1; GRANT "p4_1" TO "v4_9"`, "0A000", "GRANT must be sent as a query of its own"},
		{`CREATE USER "v4_9" SUPERUSER NOSUPERUSER`, "42601", "conflicting or redundant options"},
		{`CREATE USER`, "42601", "syntax error at end of input"},
	}
	for _, tc := range cases {
		t.Run(tc.sql, func(t *testing.T) {
			pe := execErr(t, owner, tc.sql)
			if pe.Code != tc.code || pe.Message != tc.message {
				t.Fatalf("got %s %q (detail %q hint %q)", pe.Code, pe.Message, pe.Detail, pe.Hint)
			}
		})
	}
	if got := roleAttrs(t, "v4_9"); got != "absent" {
		t.Fatalf("a refused multi-statement query ran: v4_9 is %s", got)
	}
	if got := roleAttrs(t, "p4_1"); got != "login" {
		t.Fatalf("p4_1 changed: %s", got)
	}
	// Inside a transaction block: refused, and the transaction is aborted
	// as PostgreSQL aborts it.
	ctx := context.Background()
	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, `CREATE USER "v4_9"`)
	if pe := pgErr(t, err); pe.Code != "25001" || pe.Message != "CREATE USER cannot run inside a transaction block" {
		t.Fatalf("in a transaction: %s %q", pe.Code, pe.Message)
	}
	if _, err := tx.Exec(ctx, `SELECT 1`); pgErr(t, err).Code != "25P02" {
		t.Fatalf("the transaction was not aborted: %v", err)
	}
	tx.Rollback(ctx) //nolint:errcheck
	if got := scalar(t, owner, `SELECT 'ok'`); got != "ok" {
		t.Fatal(got)
	}
	// Outside the transaction, the extended protocol runs it too
	// (TestExtendedProtocolRoleManagement has the details).
	tag, err := owner.PgConn().ExecParams(ctx, `CREATE USER "v4_9"`, nil, nil, nil, nil).Close()
	if err != nil || tag.String() != "CREATE ROLE" || roleAttrs(t, "v4_9") != "login" {
		t.Fatalf("extended protocol: %q %v", tag, err)
	}
}

// TestHostEscapes tries the ways from SQL onto the host, as every kind of
// identity: the owner, a RAM user who is a Hologres superuser, a role
// session, a BASIC$ user and an AKv4 login. Each is refused.
func TestHostEscapes(t *testing.T) {
	f := newFront(t)
	db := tableDB(t, f)
	roleV4 := "v4_" + f.role.ID
	userP4 := "p4_" + f.user.ID
	addUser(t, userP4, true)
	addUser(t, roleV4, false)
	addUser(t, "p4_7", false)
	admin(t, "postgres", `CREATE ROLE "BASIC$eve" LOGIN `+tenantAttributes+` PASSWORD 'eve'`)
	t.Cleanup(func() { dropTestRoles(t, "BASIC$eve") })
	admin(t, db, `GRANT SELECT ON t TO PUBLIC`)
	cred := f.assume(t, f.a.ID, "testRole", f.b.ID, time.Hour)

	logins := []struct {
		name, user, password, role string
		extra                      []string
	}{
		{"owner", f.aKey.ID, f.aKey.Secret, f.a.ID, nil},
		{"superuser RAM user", f.uKey.ID, f.uKey.Secret, userP4, nil},
		{"role session", cred.AccessKeyID, cred.AccessKeySecret, roleV4, []string{"options=" + dsnQuote("sts_token="+cred.SecurityToken)}},
		{"BASIC$", "BASIC$eve", "eve", "BASIC$eve", nil},
		{"AKv4 owner", "akv4$" + f.aKey.ID, AKv4Password(f.aKey.Secret, "cn-hangzhou", f.now()), f.a.ID, nil},
	}
	escapes := []string{
		`COPY t TO PROGRAM 'id'`,
		`COPY t FROM PROGRAM 'id'`,
		`COPY t TO '/tmp/pgfront-escape'`,
		`SELECT pg_read_file('/etc/passwd')`,
		`SELECT pg_read_binary_file('/etc/passwd')`,
		`SELECT pg_ls_dir('/')`,
		`SELECT lo_import('/etc/passwd')`,
		`SELECT lo_export(0, '/tmp/pgfront-escape')`,
		`ALTER SYSTEM SET work_mem = '1GB'`,
		`SELECT pg_reload_conf()`,
		`CREATE ROLE x SUPERUSER`,
		`CREATE ROLE "p4_8" SUPERUSER CREATEROLE`,
		`ALTER ROLE CURRENT_USER CREATEROLE`,
		`GRANT pg_execute_server_program TO CURRENT_USER`,
		`GRANT pg_read_server_files TO "p4_7"`,
		`GRANT localyun_admin TO "p4_7"`,
		`SET ROLE "p4_7"`,
		`SET ROLE localyun_admin`,
		`SET SESSION AUTHORIZATION "p4_7"`,
		`SET SESSION AUTHORIZATION localyun_admin`,
		`SET session_authorization = 'localyun_admin'`,
		`CREATE FUNCTION sys(cstring) RETURNS int AS 'libc.so.6', 'system' LANGUAGE c`,
		`CREATE EXTENSION adminpack`,
		`LOAD 'plpgsql'`,
	}
	for _, lg := range logins {
		t.Run(lg.name, func(t *testing.T) {
			c := f.mustConnect(t, lg.user, lg.password, db, lg.extra...)
			for _, q := range escapes {
				_, err := c.Exec(context.Background(), q)
				if err == nil {
					t.Errorf("%s: succeeded", q)
					continue
				}
				pe := pgErr(t, err)
				// Refused for lack of privilege, or by localyun's checks
				// (a reserved or invalid role name), or as an unknown
				// object; never run.
				if !strings.HasPrefix(pe.Code, "42") && pe.Code != "0A000" && pe.Code != "58P01" {
					t.Errorf("%s: %s %q", q, pe.Code, pe.Message)
				}
				if got := scalar(t, c, `SELECT current_user || ' ' || session_user`); got != lg.role+" "+lg.role {
					t.Fatalf("after %s the session is %s", q, got)
				}
			}
			if got := scalar(t, c, `SELECT count(*)::text FROM t`); got != "1000" {
				t.Fatalf("count %s", got)
			}
		})
	}
	for _, r := range []string{f.a.ID, userP4, roleV4, "BASIC$eve", "p4_7"} {
		if got := roleAttrs(t, r); strings.Contains(got, "UNSAFE") {
			t.Fatalf("%s became %s", r, got)
		}
	}
}

// TestOwnedObjects: a user who owns objects cannot be dropped until a
// superuser reassigns or drops them (REASSIGN OWNED, DROP OWNED), which
// the front end runs in the session's database; the owner's objects are
// never dropped that way, and only Hologres roles may be named.
func TestOwnedObjects(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	ctx := context.Background()
	userP4 := "p4_" + f.user.ID
	t.Cleanup(func() {
		admin(t, "postgres", `DROP TABLE IF EXISTS owned_by_alice, owned_by_alice2`)
		dropTestRoles(t, userP4)
	})
	execOK(t, owner, `CREATE USER "`+userP4+`"`)
	admin(t, "postgres", `GRANT CREATE ON SCHEMA public TO "`+userP4+`"`)
	alice := f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	execOK(t, alice, `CREATE TABLE owned_by_alice (x int)`)
	execOK(t, alice, `CREATE TABLE owned_by_alice2 (x int)`)
	// Not a superuser: PostgreSQL decides, and refuses.
	if pe := execErr(t, alice, `REASSIGN OWNED BY "`+userP4+`" TO "`+f.a.ID+`"`); pe.Code != "42501" {
		t.Fatalf("a user's REASSIGN OWNED: %s %q", pe.Code, pe.Message)
	}
	alice.Close(ctx)

	if pe := execErr(t, owner, `DROP USER "`+userP4+`"`); pe.Code != "2BP01" {
		t.Fatalf("dropping a user who owns tables: %s %q", pe.Code, pe.Message)
	}
	for _, tc := range []struct{ sql, code string }{
		{`DROP OWNED BY "` + f.a.ID + `"`, "42501"},
		{`REASSIGN OWNED BY localyun_admin TO "` + f.a.ID + `"`, "42939"},
		{`REASSIGN OWNED BY "` + userP4 + `" TO postgres`, "42602"},
		{`REASSIGN OWNED BY "` + userP4 + `"`, "42601"},
		{`DROP OWNED "` + userP4 + `"`, "42601"},
		{`DROP OWNED BY "` + userP4 + `" CASCADE x`, "42601"},
	} {
		if pe := execErr(t, owner, tc.sql); pe.Code != tc.code {
			t.Errorf("%s: %s %q, want %s", tc.sql, pe.Code, pe.Message, tc.code)
		}
	}
	if got := adminQuery(t, `SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_alice'`); got != userP4 {
		t.Fatalf("refused statements changed the owner: %s", got)
	}

	if tag, err := owner.Exec(ctx, `REASSIGN OWNED BY "`+userP4+`" TO "`+f.a.ID+`"`); err != nil || tag.String() != "REASSIGN OWNED" {
		t.Fatalf("REASSIGN OWNED: %q %v", tag, err)
	}
	if got := adminQuery(t, `SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE tablename LIKE 'owned_by_alice%'`); got != f.a.ID {
		t.Fatalf("owners after REASSIGN OWNED: %s", got)
	}
	execOK(t, owner, `GRANT SELECT ON owned_by_alice TO "`+userP4+`"`)
	if pe := execErr(t, owner, `DROP USER "`+userP4+`"`); pe.Code != "2BP01" {
		t.Fatalf("dropping a user who holds a privilege: %s %q", pe.Code, pe.Message)
	}
	if tag, err := owner.Exec(ctx, `DROP OWNED BY "`+userP4+`"`); err != nil || tag.String() != "DROP OWNED" {
		t.Fatalf("DROP OWNED: %q %v", tag, err)
	}
	execOK(t, owner, `DROP USER "`+userP4+`"`)
	if got := roleAttrs(t, userP4); got != "absent" {
		t.Fatalf("after DROP USER: %s", got)
	}
	if got := adminQuery(t, `SELECT count(*) FROM pg_tables WHERE tablename LIKE 'owned_by_alice%'`); got != "2" {
		t.Fatalf("DROP OWNED of another user dropped the owner's tables: %s left", got)
	}
}
