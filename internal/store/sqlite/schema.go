package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many
// have run. Never edit one that has shipped: append a new one.
var migrations = []string{
	`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value BLOB NOT NULL
	);
	CREATE TABLE accounts (
		id      TEXT PRIMARY KEY,
		name    TEXT NOT NULL UNIQUE,
		created INTEGER NOT NULL
	);
	CREATE TABLE users (
		account      TEXT NOT NULL REFERENCES accounts(id),
		name_key     TEXT NOT NULL,
		id           TEXT NOT NULL UNIQUE,
		name         TEXT NOT NULL,
		display_name TEXT NOT NULL,
		mobile_phone TEXT NOT NULL,
		email        TEXT NOT NULL,
		comments     TEXT NOT NULL,
		created      INTEGER NOT NULL,
		updated      INTEGER NOT NULL,
		PRIMARY KEY (account, name_key)
	);
	CREATE TABLE access_keys (
		id       TEXT PRIMARY KEY,
		account  TEXT NOT NULL REFERENCES accounts(id),
		user_key TEXT NOT NULL,
		seed     BLOB NOT NULL,
		status   TEXT NOT NULL,
		created  INTEGER NOT NULL
	);
	CREATE INDEX access_keys_owner ON access_keys (account, user_key);
	CREATE TABLE roles (
		account      TEXT NOT NULL REFERENCES accounts(id),
		name_key     TEXT NOT NULL,
		id           TEXT NOT NULL UNIQUE,
		name         TEXT NOT NULL,
		description  TEXT NOT NULL,
		trust_policy TEXT NOT NULL,
		max_session  INTEGER NOT NULL,
		created      INTEGER NOT NULL,
		updated      INTEGER NOT NULL,
		PRIMARY KEY (account, name_key)
	);
	CREATE TABLE policies (
		account         TEXT NOT NULL,
		type            TEXT NOT NULL,
		name_key        TEXT NOT NULL,
		name            TEXT NOT NULL,
		description     TEXT NOT NULL,
		default_version TEXT NOT NULL,
		next_version    INTEGER NOT NULL,
		created         INTEGER NOT NULL,
		updated         INTEGER NOT NULL,
		PRIMARY KEY (account, type, name_key)
	);
	CREATE TABLE policy_versions (
		account    TEXT NOT NULL,
		type       TEXT NOT NULL,
		policy_key TEXT NOT NULL,
		id         TEXT NOT NULL,
		number     INTEGER NOT NULL,
		document   TEXT NOT NULL,
		created    INTEGER NOT NULL,
		PRIMARY KEY (account, type, policy_key, id),
		FOREIGN KEY (account, type, policy_key) REFERENCES policies (account, type, name_key)
	);
	CREATE TABLE attachments (
		seq           INTEGER PRIMARY KEY AUTOINCREMENT,
		account       TEXT NOT NULL,
		kind          TEXT NOT NULL,
		principal_key TEXT NOT NULL,
		principal     TEXT NOT NULL,
		policy_type   TEXT NOT NULL,
		policy_key    TEXT NOT NULL,
		policy        TEXT NOT NULL,
		attached      INTEGER NOT NULL,
		UNIQUE (account, kind, principal_key, policy_type, policy_key)
	);
	CREATE INDEX attachments_policy ON attachments (policy_type, policy_key, account);
	CREATE TABLE audit (
		seq              INTEGER PRIMARY KEY AUTOINCREMENT,
		time             INTEGER NOT NULL,
		request_id       TEXT NOT NULL,
		event            TEXT NOT NULL,
		caller_account   TEXT NOT NULL,
		caller           TEXT NOT NULL,
		access_key_id    TEXT NOT NULL,
		source_ip        TEXT NOT NULL,
		action           TEXT NOT NULL,
		resource         TEXT NOT NULL,
		resource_account TEXT NOT NULL,
		decision         TEXT NOT NULL,
		deciding         TEXT NOT NULL,
		error_code       TEXT NOT NULL,
		nonce            TEXT NOT NULL,
		signed_at        INTEGER NOT NULL
	);
	CREATE INDEX audit_time ON audit (time);
	CREATE INDEX audit_caller_account ON audit (caller_account, seq);
	CREATE INDEX audit_resource_account ON audit (resource_account, seq);`,
	`CREATE TABLE odps_projects (
		name_key TEXT PRIMARY KEY,
		name     TEXT NOT NULL,
		owner    TEXT NOT NULL REFERENCES accounts(id),
		region   TEXT NOT NULL,
		comment  TEXT NOT NULL,
		state    BLOB NOT NULL,
		created  INTEGER NOT NULL,
		updated  INTEGER NOT NULL
	);
	CREATE INDEX odps_projects_owner ON odps_projects (owner, name_key);`,
	`CREATE TABLE holo_instances (
		id       TEXT PRIMARY KEY,
		name     TEXT NOT NULL,
		owner    TEXT NOT NULL REFERENCES accounts(id),
		region   TEXT NOT NULL,
		port     INTEGER NOT NULL UNIQUE,
		state    BLOB NOT NULL,
		created  INTEGER NOT NULL,
		updated  INTEGER NOT NULL,
		UNIQUE (owner, region, name)
	);`,
	`CREATE TABLE dw_workspaces (
		id           INTEGER PRIMARY KEY,
		owner        TEXT NOT NULL REFERENCES accounts(id),
		region       TEXT NOT NULL,
		name_key     TEXT NOT NULL,
		name         TEXT NOT NULL,
		display_name TEXT NOT NULL,
		description  TEXT NOT NULL,
		mode         TEXT NOT NULL,
		settings     BLOB NOT NULL,
		created      INTEGER NOT NULL,
		updated      INTEGER NOT NULL,
		UNIQUE (owner, region, name_key)
	);
	CREATE TABLE dw_data_sources (
		id          INTEGER PRIMARY KEY,
		kind        TEXT NOT NULL,
		workspace   INTEGER NOT NULL REFERENCES dw_workspaces(id),
		name_key    TEXT NOT NULL,
		name        TEXT NOT NULL,
		env         TEXT NOT NULL,
		type        TEXT NOT NULL,
		mode        TEXT NOT NULL,
		properties  BLOB NOT NULL,
		secrets     BLOB,
		description TEXT NOT NULL,
		create_user TEXT NOT NULL,
		modify_user TEXT NOT NULL,
		created     INTEGER NOT NULL,
		updated     INTEGER NOT NULL,
		-- group_created and group_id are those of the first record of the
		-- name: the position of the name in grouped lists, kept in an
		-- index so that a page of names is read in order, with no sort.
		group_created INTEGER NOT NULL,
		group_id      INTEGER NOT NULL
	);
	CREATE UNIQUE INDEX dw_data_sources_name ON dw_data_sources (kind, workspace, name_key, env);
	CREATE INDEX dw_data_sources_groups ON dw_data_sources (kind, workspace, group_created, group_id, name_key, type, env);
	CREATE TABLE dw_resource_groups (
		id          TEXT PRIMARY KEY,
		number      INTEGER NOT NULL UNIQUE,
		owner       TEXT NOT NULL REFERENCES accounts(id),
		region      TEXT NOT NULL,
		name        TEXT NOT NULL,
		remark      TEXT NOT NULL,
		type        TEXT NOT NULL,
		status      TEXT NOT NULL,
		is_default  INTEGER NOT NULL,
		settings    BLOB NOT NULL,
		create_user TEXT NOT NULL,
		created     INTEGER NOT NULL,
		updated     INTEGER NOT NULL
	);
	CREATE INDEX dw_resource_groups_owner ON dw_resource_groups (owner, number);
	CREATE TABLE dw_group_workspaces (
		group_id  TEXT NOT NULL REFERENCES dw_resource_groups(id),
		workspace INTEGER NOT NULL REFERENCES dw_workspaces(id),
		created   INTEGER NOT NULL,
		PRIMARY KEY (group_id, workspace)
	);
	CREATE INDEX dw_group_workspaces_workspace ON dw_group_workspaces (workspace, group_id);`,
	`ALTER TABLE dw_data_sources ADD COLUMN connect_state TEXT NOT NULL DEFAULT '';
	ALTER TABLE dw_data_sources ADD COLUMN connect_message TEXT NOT NULL DEFAULT '';
	ALTER TABLE dw_data_sources ADD COLUMN connect_time INTEGER NOT NULL DEFAULT 0;`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("the database has schema version %d, newer than this localyun (%d): use a newer localyun", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback() //nolint:errcheck
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback() //nolint:errcheck
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
