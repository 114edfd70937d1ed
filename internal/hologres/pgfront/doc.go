// Package pgfront is the PostgreSQL-wire front end of Hologres instances:
// it accepts psql, pgx, JDBC and holo-client connections on an instance's
// TCP port, logs them in with Alibaba Cloud credentials
// (reference/hologres.md §2), opens a backend session on the instance's
// PostgreSQL cluster (package pgcluster) as the identity's database role,
// and relays the session both ways. PostgreSQL itself then enforces
// CONNECT, GRANTs and ownership.
//
// # Driving it
//
// The server runs one Manager, which implements hologres.FrontEnds and
// starts one Server per instance on the instance's port:
//
//	fronts, err := pgfront.NewManager(pgfront.ManagerOptions{
//		Resolver: resolver,   // the gateway's: AccessKeyId (+ token) -> identity + secret
//		Clusters: clusters,   // *pgcluster.Manager: SocketDir, Port, AdminConn
//		Lookup:   func(ctx context.Context, id string) (region, owner string, err error) { ... },
//		TLS:      tlsConfig,  // localyun's certificate, or nil
//		Audit:    st.Audit(),
//	})
//	err = fronts.Serve(ctx, instanceID, port) // listening when it returns
//	fronts.Stop(instanceID)                   // ends its sessions
//
// A Server can also be built directly with New and given any listener.
//
// # A connection
//
//  1. Startup (startup.go, conn.go): one startup packet of at most 10,000
//     bytes, read without buffering. SSLRequest is answered 'S' and TLS is
//     negotiated when a certificate is configured, 'N' otherwise;
//     GSSENCRequest is answered 'N'; each may come once. CancelRequest
//     carries the front end's own key (random per session), which is
//     mapped, in constant time, to the backend's: the client never sees
//     the backend's pid or key. Protocol 3.0 only: a 3.x client is offered
//     3.0 with NegotiateProtocolVersion (as PostgreSQL does), anything else
//     is refused. `replication` is refused.
//  2. Authentication (auth.go): AuthenticationCleartextPassword, because
//     an AccessKey login can only be checked with the secret itself (or
//     the AKv4 key derived from it): MD5 and SCRAM need a verifier stored
//     by the server, and localyun stores no AccessKey secret. Clients
//     should therefore use TLS (sslmode=require), which the front end
//     offers with localyun's certificate. The user name selects the form:
//     - `akv4$<AccessKeyId>`: the password is holo-client's AKv4 key
//     (AKv4Password), accepted for the UTC days before, of and after today,
//     for the instance's region, compared in constant time;
//     - `BASIC$<name>`: a local user; the password is checked against the
//     role's own verifier in pg_authid (SCRAM-SHA-256 or MD5), read over the
//     administrative connection, so PostgreSQL is the only store of BASIC$
//     passwords (set with CREATE/ALTER USER ... PASSWORD through the front
//     end). The socket trusts local connections, so a password sent to the
//     backend would prove nothing;
//     - anything else is an AccessKeyId with its secret; an STS AccessKeyId
//     (STS.*) needs `sts_token=<token>` in the startup options (Hologres's
//     `key=value` items or PostgreSQL's `-c name=value`); the raw token is
//     tried, then its URL-decoded form.
//     The identity maps to its role: the account UID, p4_<UserId> or
//     v4_<RoleId>. The role is then read on the administrative connection:
//     it must exist and may log in, and it must hold nothing that reaches
//     the host (SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS,
//     membership of such a role or of pg_execute_server_program,
//     pg_read_server_files, pg_write_server_files), whatever made it so.
//     Every refusal of credentials or identity is `FATAL 28P01 password
//     authentication failed for user "<user>"` (reference/hologres.md §5),
//     with a DETAIL that says which check failed: unknown or disabled key,
//     wrong secret or AKv4 key, missing, malformed, expired or foreign
//     token, and, for an identity not added, the `CREATE USER "<role>";` a
//     superuser runs. No secret, password, token or `options` value ever
//     reaches a message or a log line.
//  3. Backend session (backend.go): over the cluster's unix socket, as the
//     mapped role, in the database named by the client (`<db>@<warehouse>`
//     connects to <db>; no database means postgres), with only the
//     startup parameters of AllowedStartupParameters (from the packet or
//     from `-c` options; the packet wins). Everything else — role,
//     session_authorization, *_preload_libraries, unknown options — is
//     dropped with a WARNING. PostgreSQL's own startup errors (no such
//     database, no CONNECT privilege, too many connections) reach the
//     client unchanged. A backend that reports is_superuser=on is refused.
//  4. Relay (relay.go): whole messages both ways between buffers, with no
//     allocation and no decoding but of headers, the one-byte body of
//     ReadyForQuery and the rare ParameterStatus; simple and extended
//     protocols, COPY in both directions, NOTIFY, cancel requests and
//     Terminate pass through. When a client goes away while its backend is
//     busy (a query or a COPY under way), the backend is terminated with
//     pg_terminate_backend on the administrative connection (a cancel
//     request, the fallback, is lost when it lands between messages);
//     an idle backend ends when its socket closes.
//  5. Role management (intercept.go, rolestmt.go, rolesql.go): a Hologres
//     superuser is a localyun status — the instance owner's role, and the
//     members of localyun_superuser (hologres.SuperuserRole), which holds
//     pg_read_all_data and pg_write_all_data and nothing that reaches the
//     host — never a PostgreSQL superuser. For sessions that were
//     superusers at login, simple Query messages and the Parse that opens
//     an extended-protocol batch (intercept_ext.go) are inspected (a quick
//     key-word check first, then a small tokenizer, sqlscan.go) for CREATE,
//     ALTER and DROP USER|ROLE|GROUP, GRANT and REVOKE of role membership,
//     CREATE and DROP DATABASE, and REASSIGN OWNED and DROP OWNED (run in
//     the session's database). Such a statement is checked (role names
//     only of the forms <uid>, p4_<id>, v4_<id>, BASIC$<name> and the SPM
//     groups <db>_admin|_developer|_writer|_viewer; attributes only
//     [NO]SUPERUSER — the localyun status —, [NO]LOGIN and PASSWORD for
//     BASIC$ users; never CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS,
//     membership options, ADMIN OPTION or pg_*/localyun* roles; the owner
//     cannot be dropped, demoted or granted), the superuser status is read
//     again, and the statement localyun builds from the parsed names (never
//     the client's text) runs on the administrative connection. Tenant roles
//     are created LOGIN (CREATE USER) or NOLOGIN (CREATE ROLE) with
//     NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; a
//     database is created owned by localyun_superuser. The client gets the
//     normal CommandComplete and ReadyForQuery, PostgreSQL's own error
//     (role exists, objects depend on it, ...), or the front end's. Such a
//     statement must be a query of its own (a multi-statement query holding
//     one is refused whole) and outside a transaction block (refused with
//     25001, the transaction aborted as PostgreSQL would). Anything not
//     recognized goes to PostgreSQL as the tenant role, which refuses what
//     it may not do: a missed form fails closed.
//
// # Limits
//
// See Limits for the defaults: authentication timeout (10 s, from accept
// to the first ReadyForQuery), connections per instance (80, counting
// connections still logging in; past twice that a socket is closed at
// once) and per role (40), message size after login (64 MiB), password
// size (1000 bytes), administrative connections (4). Idle sessions are
// left to PostgreSQL's settings.
package pgfront
