// Package engine runs SQL on MaxCompute projects, one DuckDB database file
// per project, hardened and bounded. It is the only package of localyun
// that imports the DuckDB driver (cgo), so only it and the binary link
// DuckDB; its API has no driver types.
//
// The SQL it runs comes from localyun's MaxCompute translator, which has
// already resolved and authorized every object. The engine is the second
// line of defence: it assumes the SQL may be hostile and keeps it inside
// the project's own database.
//
//	e, err := engine.Open(filepath.Join(dataDir, "maxcompute"), engine.Options{})
//	defer e.Close()
//	err = e.Create(ctx, "sales")
//	n, err := e.Exec(ctx, "sales", "INSERT INTO t VALUES (?, ?)", 1, "a")
//	r, err := e.Query(ctx, "sales", "SELECT k, sum(v) FROM t GROUP BY k", 0)
//	err = e.Tx(ctx, "sales", func(tx *engine.Tx) error {
//		if _, err := tx.Exec(ctx, "CREATE TABLE t2 (a BIGINT)"); err != nil {
//			return err
//		}
//		_, err := tx.Exec(ctx, "INSERT INTO catalog VALUES ('t2')")
//		return err
//	})
//	unlock, err := e.LockTables(ctx, "sales", "t") // around writes to t
//
// # Files
//
// The directory (mode 0700) holds "<project>.duckdb" (mode 0600), DuckDB's
// "<project>.duckdb.wal" and, with spilling on, "<project>.duckdb.tmp/".
// Drop deletes all three.
// Project names are 1 to 128 letters, digits and underscores starting with
// a letter, case-insensitive; files use the lower-case name.
//
// # Hardening
//
// Each database is opened with this startup configuration:
//
//	autoinstall_known_extensions = false, autoload_known_extensions = false,
//	allow_community_extensions = false, allow_unsigned_extensions = false,
//	allow_persistent_secrets = false, memory_limit = Options.MemoryLimit,
//	threads = Options.Threads, temp_directory = '' (no spilling; with
//	Options.SpillLimit, "<dir>/<project>.duckdb.tmp" and
//	max_temp_directory_size = Options.SpillLimit)
//
// then, by the driver's connection-init hook of its first connection and so
// before any caller's statement, "SET enable_external_access = false" and
// "SET lock_configuration = true". (enable_external_access cannot go with
// the startup configuration: DuckDB refuses temp_directory once it is off,
// and the driver applies startup options in random order.) The engine then
// reads every one of these back from duckdb_settings() and refuses to use
// a database where any differs. With external access off, DuckDB refuses
// every file outside the database: read_csv, read_text, read_blob,
// read_json, read_parquet, glob, replacement scans ('file.csv'), COPY TO
// and FROM, EXPORT/IMPORT DATABASE, ATTACH of a file (another project's
// included), INSTALL and LOAD of extensions. With the configuration
// locked, SET, RESET and PRAGMA cannot change a global setting.
//
// Some session settings escape lock_configuration (PRAGMA
// enable_profiling, SET search_path), and ATTACH ':memory:' needs no file,
// so the engine also checks each statement's kind as DuckDB reports it for
// the prepared statement: only SELECT, INSERT, UPDATE, DELETE, MERGE,
// CREATE, ALTER and DROP run (ErrStatementNotAllowed otherwise), and CREATE
// SECRET is refused by its leading words. Tx owns transaction control.
//
// One statement per call: the engine prepares the text with the driver's
// Conn.Prepare, which refuses text holding several statements without
// running any (ErrNotOneStatement). The database/sql paths of the driver
// would run all but the last statement; the engine never uses them for
// caller SQL. Query prepares a SELECT as "SELECT * FROM (\n<text>\n)
// LIMIT n" (see Rows below): that text is itself checked as one statement
// of an allowed kind, so text that tries to close the parenthesis early
// still runs as one bounded SELECT or not at all.
//
// Some read-only functions still show host details to SQL that reaches
// DuckDB: duckdb_databases() shows the database file's path (and, with
// spilling on, current_setting('temp_directory') the spill directory),
// duckdb_settings() all settings. The translator must not emit them.
// getenv() does not exist in this DuckDB build; current_setting
// ('home_directory') is empty.
//
// # Limits
//
//   - Memory: Options.MemoryLimit per database (default 512MB); beyond, the
//     statement fails with a *LimitError wrapping ErrMemoryLimit. The
//     engine in all can use MaxOpen times the memory limit. Spilling to disk
//     is off unless Options.SpillLimit is set, because DuckDB 1.5.6 does not
//     hold sort spill files to max_temp_directory_size.
//   - Threads: Options.Threads per database (default 2).
//   - Time: Options.StatementTimeout per statement (default 60 s),
//     Options.TxTimeout per transaction (default 5 min); on expiry the
//     driver interrupts DuckDB and the call returns a *LimitError wrapping
//     ErrTimeout. The caller's own context is honoured the same way.
//   - Rows: Query returns at most maxRows rows (Options.MaxResultRows, 10,000,
//     when maxRows <= 0), and at most Options.MaxResultBytes (64 MiB) of
//     values, setting Result.Truncated. A SELECT runs as
//     "SELECT * FROM (...) LIMIT maxRows+1", because the driver
//     materializes a whole result in memory that DuckDB's memory limit
//     does not cover (measured: 40 million rows, 640 MB, under a 64 MB
//     limit); a SELECT that cannot be wrapped is refused
//     (ErrUnboundedResult). Exec refuses SELECT for the same reason.
//   - Open databases: Options.MaxOpen (default 32); the least recently used
//     idle one is closed to open another, and ErrTooManyOpen is returned
//     when all are busy. Databases idle for Options.IdleClose (default
//     5 min) are closed by a janitor and reopened on demand.
//   - Connections: Options.MaxConns per database (default 8); further
//     statements wait within their time limit.
//   - Drop and Close interrupt running statements, then wait for the
//     functions of running transactions to return (at most TxTimeout).
//
// # Concurrency
//
// DuckDB allows one process many connections to a file with optimistic
// concurrency: readers never block and see committed data, appends to one
// table from several transactions succeed, and transactions that update or
// delete the same rows, or change the same catalog entry, conflict: the
// later one fails with ErrConflict and writes nothing. The engine needs no
// per-database write lock; callers take LockTables around writes to a
// table so that writers to one table queue instead of failing.
//
// # Errors
//
// Errors are typed: *ProjectError (wrapping ErrNoSuchProject,
// ErrProjectExists, ErrInvalidProject, ErrClosed or a context error),
// *LimitError (ErrTimeout, ErrMemoryLimit, ErrTooManyOpen),
// *StatementError (ErrNotOneStatement, ErrStatementNotAllowed,
// ErrUnboundedResult) and *ExecError, DuckDB's message with its kind, host
// paths replaced by "<data>" (the engine's directory) or "<path>".
package engine
