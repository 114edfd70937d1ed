// Package pgcluster creates, runs and supervises the PostgreSQL clusters
// behind Hologres instances, one cluster per instance, from the machine's
// PostgreSQL server programs (initdb, postgres; version 14 or newer). No
// other localyun package runs those programs.
//
// A cluster is reachable only through localyun: it has no TCP listener
// (listen_addresses is empty), and its unix socket lives in a short directory,
// SocketDir(id), of mode 0700 owned by the user the cluster runs as, so
// that only that user and root can connect. pg_hba.conf therefore trusts
// local connections and has no other rule. AdminRole is the cluster's only
// superuser; Verify, run at every start, fails a cluster in which any
// other role is SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS, or a
// member of the roles that read, write or execute server files (reference
// hologres.md §4 and §8.5; DESIGN.md, Hologres rows).
//
// # Users
//
// PostgreSQL refuses to run as root. When localyun runs as root, clusters
// run as Options.RunAs ("postgres" by default), with that user's uid and
// gid and no supplementary groups, and their directories belong to it; the
// base directory must then be reachable by that user, which localyun's
// own root-only data directory is not (DefaultBaseDir picks
// /var/lib/localyun-pgcluster/<hash> for root). Otherwise clusters run as
// localyun's user.
//
// # Processes
//
// postgres is a direct child of localyun, in its own process group, with
// SIGINT as its parent-death signal: if localyun dies, each cluster gets a
// fast shutdown. Children are forked from one locked OS thread, since the
// kernel sends the parent-death signal when the forking thread ends. A
// postmaster found running on a data directory at Start (a previous
// localyun died and its clusters outlived it, or someone started one by
// hand) is shut down, never adopted, and the new one started as our child.
// When postgres exits on its own, the cluster becomes Failed with the last
// lines of its log as the reason, and is restarted after a backoff
// (Options.RestartLimit, RestartBackoff). A cluster that fails Verify is
// stopped and never restarted automatically.
//
// # Files
//
//	BaseDir/localyun-pgcluster.lock   flock: one Manager per base directory
//	BaseDir/<id>/data/                PGDATA (0700); localyun.conf rewritten at each start
//	BaseDir/<id>/log/postgres.log     server log, rotated at LogMaxBytes to .1
//	BaseDir/<id>/cluster.created      written when Create finished
//	SocketBase/<id>/.s.PGSQL.5432     the socket (SocketBase defaults to /tmp/localyun-<hash>)
//
// # Use
//
//	m, err := pgcluster.NewManager(pgcluster.Options{BaseDir: pgcluster.DefaultBaseDir(dataDir), Logger: log})
//	if err != nil {
//		return err // says what to install or fix
//	}
//	defer m.Close(context.Background())
//	if err := m.Create(ctx, id); err != nil && !errors.Is(err, pgcluster.ErrExists) {
//		return err
//	}
//	if err := m.Start(ctx, id); err != nil {
//		return err
//	}
//	admin, err := m.AdminConn(ctx, id, "postgres") // superuser: localyun's own work only
//	...
//	// A tenant session, as its mapped role, over the private socket:
//	cfg, err := pgconn.ParseConfig(m.DSN(id, "v4_123", "db1"))
//
//	st, reason := m.Status(id) // Running, or Failed with the reason, ...
package pgcluster
