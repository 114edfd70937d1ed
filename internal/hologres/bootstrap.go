package hologres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/store"
)

// SuperuserRole is the NOLOGIN role whose members are Hologres
// "superusers" of an instance. It is not a PostgreSQL superuser (no tenant
// role ever is: that would be a shell on the host); it may read and write
// all data, and the front end runs role-management statements for its
// members on the administrative connection after checking them.
const SuperuserRole = "localyun_superuser"

// bootstrapCluster runs once in a new cluster, as the admin superuser.
var bootstrapCluster = []string{
	`CREATE ROLE ` + SuperuserRole + ` NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
	`GRANT pg_read_all_data, pg_write_all_data TO ` + SuperuserRole,
}

// bootstrapDatabase runs in template1 and postgres, so every database has
// it: PostgreSQL 11 behaviour for the public schema (Hologres is PostgreSQL
// 11 compatible: everyone may create there), hg_version(), and the simple
// permission model (SPM) as procedures.
//
// The SPM procedures are SECURITY DEFINER (they create roles and change
// ownership, which needs the admin superuser) with a pinned search_path,
// an explicit check of session_user, names validated against fixed
// patterns and every identifier quoted with format('%I'): nothing a caller
// passes becomes SQL text.
var bootstrapDatabase = []string{
	`GRANT CREATE ON SCHEMA public TO PUBLIC`,
	`CREATE OR REPLACE FUNCTION public.hg_version() RETURNS text LANGUAGE sql STABLE
		SET search_path = pg_catalog, pg_temp
		AS $$ SELECT 'Hologres 2.2.0 (localyun; PostgreSQL ' || current_setting('server_version') || ')' $$`,

	// localyun_is_superuser: a Hologres superuser of this instance.
	`CREATE OR REPLACE FUNCTION public.localyun_is_superuser(r name) RETURNS boolean LANGUAGE sql STABLE
		SET search_path = pg_catalog, pg_temp
		AS $$ SELECT pg_has_role(r, '` + SuperuserRole + `', 'MEMBER') $$`,

	// spm_group validates '<db>_admin|_developer|_writer|_viewer' for the
	// current database and returns it.
	`CREATE OR REPLACE FUNCTION public.localyun_spm_group(g text) RETURNS text LANGUAGE plpgsql STABLE
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE db text := current_database();
		BEGIN
			IF g IS NULL OR g NOT IN (db || '_admin', db || '_developer', db || '_writer', db || '_viewer') THEN
				RAISE EXCEPTION 'invalid group %: use %_admin, %_developer, %_writer or %_viewer', g, db, db, db, db
					USING ERRCODE = '22023';
			END IF;
			RETURN g;
		END $$`,

	// spm_user validates a user name: an account UID, p4_<UserId>,
	// v4_<RoleId> or BASIC$<name>, and that it is a login role.
	`CREATE OR REPLACE FUNCTION public.localyun_spm_user(u text) RETURNS text LANGUAGE plpgsql STABLE
		SET search_path = pg_catalog, pg_temp AS $$
		BEGIN
			IF u IS NULL OR u !~ '^(` + IdentityRolePattern + `|` + BasicRolePattern + `)$' THEN
				RAISE EXCEPTION 'invalid user %: use an account UID, p4_<UserId>, v4_<RoleId> or BASIC$<name>', u
					USING ERRCODE = '22023';
			END IF;
			RETURN u;
		END $$`,

	`CREATE OR REPLACE FUNCTION public.localyun_spm_enabled() RETURNS boolean LANGUAGE sql STABLE
		SET search_path = pg_catalog, pg_temp
		AS $$ SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_database() || '_admin') $$`,

	`CREATE OR REPLACE PROCEDURE public.spm_enable() LANGUAGE plpgsql SECURITY DEFINER
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE
			db text := current_database();
			g text;
			s record;
			t record;
		BEGIN
			IF NOT pg_has_role(session_user, '` + SuperuserRole + `', 'MEMBER') THEN
				RAISE EXCEPTION 'permission denied: only a superuser can call spm_enable' USING ERRCODE = '42501';
			END IF;
			IF length(db) > 53 THEN
				RAISE EXCEPTION 'database name % is too long for the simple permission model (at most 53 characters)', db;
			END IF;
			FOREACH g IN ARRAY ARRAY['_admin', '_developer', '_writer', '_viewer'] LOOP
				IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = db || g) THEN
					EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', db || g);
				END IF;
			END LOOP;
			EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
			EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I, %I, %I', db,
				db || '_admin', db || '_developer', db || '_writer', db || '_viewer');
			EXECUTE format('GRANT CREATE ON DATABASE %I TO %I', db, db || '_admin');
			-- Hologres superusers keep every right in the database.
			EXECUTE format('GRANT %I TO ` + SuperuserRole + `', db || '_admin');
			FOR s IN SELECT nspname FROM pg_namespace
				WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
				EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s.nspname);
				EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I, %I, %I', s.nspname, db || '_developer', db || '_writer', db || '_viewer');
				EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I, %I', s.nspname, db || '_admin', db || '_developer');
				FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = s.nspname)
					AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
					CALL public.localyun_spm_adopt(s.nspname, t.relname);
				END LOOP;
			END LOOP;
			-- Functions and procedures of public stay executable by everyone.
			GRANT USAGE ON SCHEMA public TO PUBLIC;
		END $$`,

	// localyun_spm_adopt gives an object to the developer group and grants
	// it to the writer and viewer groups: what developers create, viewers
	// read (reference/hologres.md §4.3).
	`CREATE OR REPLACE PROCEDURE public.localyun_spm_adopt(nsp name, rel name) LANGUAGE plpgsql SECURITY DEFINER
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE db text := current_database();
		BEGIN
			IF NOT public.localyun_spm_enabled() THEN
				RETURN;
			END IF;
			EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', nsp, rel, db || '_developer');
			EXECUTE format('GRANT SELECT ON %I.%I TO %I', nsp, rel, db || '_viewer');
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON %I.%I TO %I', nsp, rel, db || '_writer');
			EXECUTE format('GRANT ALL ON %I.%I TO %I', nsp, rel, db || '_admin');
		END $$`,
	`REVOKE ALL ON PROCEDURE public.localyun_spm_adopt(name, name) FROM PUBLIC`,

	// The event trigger adopts tables created in an SPM database.
	`CREATE OR REPLACE FUNCTION public.localyun_spm_on_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE o record; nsp name; rel name;
		BEGIN
			IF NOT public.localyun_spm_enabled() THEN
				RETURN;
			END IF;
			FOR o IN SELECT * FROM pg_event_trigger_ddl_commands()
				WHERE object_type IN ('table', 'view', 'materialized view', 'foreign table') AND command_tag LIKE 'CREATE%' LOOP
				SELECT n.nspname, c.relname INTO nsp, rel
					FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = o.objid;
				CALL public.localyun_spm_adopt(nsp, rel);
			END LOOP;
		END $$`,
	`DROP EVENT TRIGGER IF EXISTS localyun_spm_ddl`,
	`CREATE EVENT TRIGGER localyun_spm_ddl ON ddl_command_end EXECUTE FUNCTION public.localyun_spm_on_ddl()`,

	`CREATE OR REPLACE PROCEDURE public.spm_disable() LANGUAGE plpgsql SECURITY DEFINER
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE db text := current_database(); s record;
		BEGIN
			IF NOT pg_has_role(session_user, '` + SuperuserRole + `', 'MEMBER') THEN
				RAISE EXCEPTION 'permission denied: only a superuser can call spm_disable' USING ERRCODE = '42501';
			END IF;
			EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', db);
			FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
				EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO PUBLIC', s.nspname);
			END LOOP;
		END $$`,

	// spm_grant / spm_revoke: a superuser, or a member of <db>_admin.
	spmMembership("spm_grant", "GRANT %I TO %I", `
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u AND rolcanlogin) THEN
				RAISE EXCEPTION 'user % does not exist in this instance: a superuser adds it with CREATE USER "%";', u, u
					USING ERRCODE = '42704';
			END IF;`),
	spmMembership("spm_revoke", "REVOKE %I FROM %I", ""),
}

// bootstrap prepares a new instance: the superuser group, the owner's role
// as a superuser, and in template1 and postgres the per-database objects.
func (s *Service) bootstrap(ctx context.Context, in store.Instance) error {
	conn, err := s.o.Clusters.AdminConn(ctx, in.ID, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range bootstrapCluster {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	if err := createTenantRole(ctx, conn, in.Owner, true); err != nil {
		return err
	}
	for _, db := range []string{"template1", "postgres"} {
		if err := s.prepareDatabase(ctx, in.ID, db); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) prepareDatabase(ctx context.Context, id, db string) error {
	conn, err := s.o.Clusters.AdminConn(ctx, id, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range bootstrapDatabase {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("preparing database %s: %w", db, err)
		}
	}
	return nil
}

// createTenantRole creates a login role with none of the attributes that
// reach the host, and makes it a Hologres superuser when asked. An
// existing role keeps its attributes; only the superuser status changes.
func createTenantRole(ctx context.Context, conn *pgx.Conn, role string, superuser bool) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE ROLE `+quoteIdent(role)+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`); err != nil {
			return err
		}
	}
	if superuser {
		_, err := conn.Exec(ctx, `GRANT `+SuperuserRole+` TO `+quoteIdent(role))
		return err
	}
	return nil
}

// spmMembership is the text of spm_grant or spm_revoke: the simple
// permission model must be on, the caller a superuser or a member of
// <db>_admin, the group and user names valid; check runs after that, then
// statement (a format string of the group and the user).
func spmMembership(name, statement, check string) string {
	return `CREATE OR REPLACE PROCEDURE public.` + name + `(grp text, usr text) LANGUAGE plpgsql SECURITY DEFINER
		SET search_path = pg_catalog, pg_temp AS $$
		DECLARE g text; u text;
		BEGIN
			IF NOT public.localyun_spm_enabled() THEN
				RAISE EXCEPTION 'current database is NOT in simple privilege mode' USING ERRCODE = '55000';
			END IF;
			IF NOT (pg_has_role(session_user, '` + SuperuserRole + `', 'MEMBER')
				OR pg_has_role(session_user, current_database() || '_admin', 'MEMBER')) THEN
				RAISE EXCEPTION 'permission denied: only a superuser or a member of %_admin can call ` + name + `', current_database()
					USING ERRCODE = '42501';
			END IF;
			g := public.localyun_spm_group(grp);
			u := public.localyun_spm_user(usr);` + check + `
			EXECUTE format('` + statement + `', g, u);
		END $$`
}
