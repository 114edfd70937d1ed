package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestHardeningSettings reads every hardening setting back from a project
// database: they are in effect, not merely requested.
func TestHardeningSettings(t *testing.T) {
	e := newProject(t, Options{MemoryLimit: "100MB", Threads: 1, SpillLimit: "300MB"})
	r := query(t, e, "p", `SELECT name, value FROM duckdb_settings() WHERE name IN (
		'enable_external_access', 'lock_configuration', 'autoinstall_known_extensions',
		'autoload_known_extensions', 'allow_community_extensions', 'allow_unsigned_extensions',
		'allow_persistent_secrets', 'threads', 'memory_limit', 'temp_directory', 'max_temp_directory_size')
		ORDER BY name`)
	got := map[string]any{}
	for _, row := range r.Rows {
		got[row[0].(string)] = row[1]
	}
	equals(t, got, map[string]any{
		"allow_community_extensions":   "false",
		"allow_persistent_secrets":     "false",
		"allow_unsigned_extensions":    "false",
		"autoinstall_known_extensions": "false",
		"autoload_known_extensions":    "false",
		"enable_external_access":       "false",
		"lock_configuration":           "true",
		"max_temp_directory_size":      "286.1 MiB", // 300 MB
		"memory_limit":                 "95.3 MiB",  // 100 MB
		"temp_directory":               filepath.Join(e.dir, "p.duckdb.tmp"),
		"threads":                      "1",
	})

	e2 := newProject(t, Options{})
	equals(t, scalar(t, e2, "p", "SELECT current_setting('temp_directory')"), any(""))
	equals(t, scalar(t, e2, "p", "SELECT current_setting('memory_limit')"), any("488.2 MiB")) // 512 MB
	equals(t, scalar(t, e2, "p", "SELECT current_setting('threads')"), any(int64(2)))
}

// TestVerifyRefusesUnhardened: the read-back check refuses a database
// opened without the hardening.
func TestVerifyRefusesUnhardened(t *testing.T) {
	e := newEngine(t, Options{})
	c, err := duckdb.NewConnector(filepath.Join(t.TempDir(), "plain.duckdb"), nil)
	ok(t, err)
	db := sql.OpenDB(c)
	defer db.Close()
	err = e.verify(ctx(t), db, "plain")
	errorIs(t, err, ErrHardening)
	t.Log(err)
}

// TestEveryConnectionHardened holds several connections of one database at
// once and tries an escape on each.
func TestEveryConnectionHardened(t *testing.T) {
	e := newProject(t, Options{MaxConns: 6})
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.Tx(ctx(t), "p", func(tx *Tx) error {
				<-start // all six transactions, so six connections, are open
				r, err := tx.Query(ctx(t), "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')", 0)
				if err != nil {
					return err
				}
				equals(t, r.Rows[0], []any{false, true})
				_, err = tx.Query(ctx(t), "SELECT * FROM read_text('/etc/passwd')", 0)
				equals(t, errorAs[*ExecError](t, err).Kind, KindPermission)
				return nil
			})
			errorIs(t, err, ErrTxAborted)
		}()
	}
	eventually(t, "six transactions", func() bool { return e.Stats().Active == 6 })
	close(start)
	wg.Wait()
}

// escape is SQL that tries to leave the project's database.
type escape struct {
	name string
	sql  string
	// settings: the hardening settings alone refuse it (checked on the raw
	// connection, without the statement guard). Otherwise only the
	// statement guard does, and the test shows DuckDB would run it.
	settings bool
}

// escapes lists the SQL of the brief and more. hostFile and outDir are
// outside the engine's directory; other is another project's file.
func escapes(hostFile, outDir, other string) []escape {
	return []escape{
		{"read_csv /etc/passwd", "SELECT * FROM read_csv('/etc/passwd')", true},
		{"read_csv host file", "SELECT * FROM read_csv('" + hostFile + "')", true},
		{"read_csv_auto", "SELECT * FROM read_csv_auto('" + hostFile + "')", true},
		{"read_text", "SELECT * FROM read_text('/etc/passwd')", true},
		{"read_blob", "SELECT * FROM read_blob('/etc/passwd')", true},
		{"read_json", "SELECT * FROM read_json('" + hostFile + "')", true},
		{"read_parquet", "SELECT * FROM read_parquet('" + outDir + "/x.parquet')", true},
		{"parquet_metadata", "SELECT * FROM parquet_metadata('" + outDir + "/x.parquet')", true},
		{"glob", "SELECT * FROM glob('/etc/*')", true},
		{"glob relative", "SELECT * FROM glob('*')", true},
		{"replacement scan csv", "SELECT * FROM '" + hostFile + "'", true},
		{"replacement scan parquet", "SELECT * FROM 'file.parquet'", true},
		{"sniff_csv", "SELECT * FROM sniff_csv('" + hostFile + "')", true},
		{"CALL read_csv", "CALL read_csv('/etc/passwd')", true},
		{"CALL sniff_csv", "CALL sniff_csv('/etc/passwd')", true},
		{"CTAS from file", "CREATE TABLE stolen AS SELECT * FROM read_csv('" + hostFile + "')", true},
		{"INSERT from file", "INSERT INTO t SELECT 1 FROM read_text('/etc/passwd')", true},
		{"view over file", "CREATE VIEW v AS SELECT * FROM read_text('/etc/passwd')", true},
		{"ATTACH file", "ATTACH '" + outDir + "/x.duckdb'", true},
		{"ATTACH other project", "ATTACH '" + other + "' AS o", true},
		{"ATTACH other project relative", "ATTACH 'other.duckdb' AS o", true},
		{"ATTACH read only", "ATTACH '" + other + "' AS o (READ_ONLY)", true},
		{"COPY TO", "COPY t TO '" + outDir + "/out.csv'", true},
		{"COPY TO /tmp", "COPY t TO '/tmp/localyun-engine-escape.csv'", true},
		{"COPY query TO", "COPY (SELECT 42) TO '" + outDir + "/q.csv'", true},
		{"COPY FROM", "COPY t FROM '/etc/passwd'", true},
		{"COPY FROM DATABASE", "COPY FROM DATABASE memory TO p", false}, // DuckDB expands it to several statements
		{"EXPORT DATABASE", "EXPORT DATABASE '" + outDir + "/exp'", true},
		{"IMPORT DATABASE", "IMPORT DATABASE '" + outDir + "'", true},
		{"INSTALL", "INSTALL httpfs", true},
		{"FORCE INSTALL", "FORCE INSTALL httpfs", true},
		{"LOAD", "LOAD httpfs", true},
		{"LOAD path", "LOAD '" + outDir + "/evil.duckdb_extension'", true},
		{"UPDATE EXTENSIONS", "UPDATE EXTENSIONS", true},
		{"SET external access", "SET enable_external_access = true", true},
		{"SET GLOBAL external access", "SET GLOBAL enable_external_access = true", true},
		{"SET memory_limit", "SET memory_limit = '100GB'", true},
		{"SET threads", "SET threads = 64", true},
		{"RESET memory_limit", "RESET memory_limit", true},
		{"SET lock_configuration", "SET lock_configuration = false", true},
		{"SET temp_directory", "SET temp_directory = '" + outDir + "'", true},
		{"SET allowed_directories", "SET allowed_directories = ['/']", true},
		{"SET autoload", "SET autoload_known_extensions = true", true},
		{"PRAGMA memory_limit", "PRAGMA memory_limit = '100GB'", true},
		{"PRAGMA threads", "PRAGMA threads = 64", true},
		{"PRAGMA profiling_output", "PRAGMA profiling_output = '" + outDir + "/prof.json'", true},
		{"CREATE PERSISTENT SECRET", "CREATE PERSISTENT SECRET s (TYPE http)", true},
		// Refused only by the statement guard: DuckDB's lock does not cover
		// these session settings and in-memory databases.
		{"PRAGMA enable_profiling", "PRAGMA enable_profiling", false},
		{"SET search_path", "SET search_path = 'memory'", false},
		{"SET VARIABLE", "SET VARIABLE v = 1", false},
		{"USE", "USE memory", false},
		{"ATTACH memory", "ATTACH ':memory:' AS m", false},
		{"DETACH", "DETACH p", false},
		{"CREATE SECRET", "CREATE SECRET s (TYPE http)", false},
		{"CREATE TEMPORARY SECRET", "/* c */ create or replace temporary secret s (TYPE http)", false},
		{"CHECKPOINT", "CHECKPOINT", false},
		{"CALL", "CALL pragma_version()", false},
		{"PREPARE", "PREPARE q AS SELECT 1", false},
		{"EXPLAIN ANALYZE", "EXPLAIN ANALYZE SELECT 1", false},
		{"VACUUM", "VACUUM", false},
		{"BEGIN", "BEGIN TRANSACTION", false},
	}
}

// TestEscapesRefused sends each escape through every entry point (Exec,
// Query, Tx) and checks that it fails and changes nothing: not the
// database, not its settings, not the files.
func TestEscapesRefused(t *testing.T) {
	e := newProject(t, Options{})
	ok(t, e.Create(ctx(t), "other"))
	exec(t, e, "other", "CREATE TABLE secret AS SELECT 'other project data' AS s")
	exec(t, e, "p", "CREATE TABLE t (a VARCHAR)")
	exec(t, e, "p", "INSERT INTO t VALUES ('1'), ('2')")
	hostDir := t.TempDir()
	hostFile := filepath.Join(hostDir, "host.csv")
	ok(t, os.WriteFile(hostFile, []byte("a,b\n1,2\n"), 0o600))
	outDir := t.TempDir()
	other := filepath.Join(e.dir, "other.duckdb")

	before := snapshot(t, e, "p")
	for _, esc := range escapes(hostFile, outDir, other) {
		t.Run(esc.name, func(t *testing.T) {
			_, errExec := e.Exec(ctx(t), "p", esc.sql)
			_, errQuery := e.Query(ctx(t), "p", esc.sql, 0)
			errTx := e.Tx(ctx(t), "p", func(tx *Tx) error {
				_, err := tx.Exec(ctx(t), esc.sql)
				return err
			})
			t.Logf("%s\n-> %v", esc.sql, errQuery)
			for _, err := range []error{errExec, errQuery, errTx} {
				if err == nil {
					t.Fatalf("%s: accepted", esc.sql)
				}
				checkRefusal(t, e, err)
			}
			equals(t, snapshot(t, e, "p"), before)
			assertEmptyDir(t, outDir)
			if _, err := os.Stat("/tmp/localyun-engine-escape.csv"); err == nil {
				t.Fatal("COPY wrote /tmp/localyun-engine-escape.csv")
			}
		})
	}
	equals(t, scalar(t, e, "other", "SELECT s FROM secret"), any("other project data"))
}

// TestEscapesRefusedBySettingsAlone runs each escape on a hardened
// connection without the statement guard: the DuckDB settings refuse the
// ones marked settings by themselves, and the test records that the others
// would run if the guard were not there.
func TestEscapesRefusedBySettingsAlone(t *testing.T) {
	e := newProject(t, Options{})
	ok(t, e.Create(ctx(t), "other"))
	exec(t, e, "p", "CREATE TABLE t (a VARCHAR)")
	hostDir := t.TempDir()
	hostFile := filepath.Join(hostDir, "host.csv")
	ok(t, os.WriteFile(hostFile, []byte("a,b\n1,2\n"), 0o600))
	outDir := t.TempDir()
	other := filepath.Join(e.dir, "other.duckdb")
	before := snapshot(t, e, "p")
	for _, esc := range escapes(hostFile, outDir, other) {
		if !esc.settings {
			continue
		}
		t.Run(esc.name, func(t *testing.T) {
			err := rawExec(t, e, "p", esc.sql)
			if err == nil {
				t.Fatalf("%s: DuckDB ran it", esc.sql)
			}
			var de *duckdb.Error
			if !errors.As(err, &de) {
				t.Fatalf("%s: not refused by DuckDB: %v", esc.sql, err)
			}
			switch de.Type {
			// Binder: ATTACH of a project file that is open in this process
			// fails on the open file before the permission check
			// (TestAttachClosedProject shows the permission check).
			case duckdb.ErrorTypePermission, duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeCatalog, duckdb.ErrorTypeIO, duckdb.ErrorTypeBinder:
			default:
				t.Errorf("%s: refused with %v: %s", esc.sql, de.Type, de.Msg)
			}
			equals(t, snapshot(t, e, "p"), before)
			assertEmptyDir(t, outDir)
		})
	}
}

// TestGuardOnlyEscapesWouldRun shows why the statement guard exists: these
// run on a hardened connection without it.
func TestGuardOnlyEscapesWouldRun(t *testing.T) {
	e := newProject(t, Options{})
	for _, q := range []string{"ATTACH ':memory:' AS m", "SET search_path = 'main'", "CREATE TEMPORARY SECRET s (TYPE http)", "USE p"} {
		ok(t, rawExec(t, e, "p", q))
	}
}

// TestAttachClosedProject attaches another project's file while it is
// closed, without the statement guard: external access refuses it.
func TestAttachClosedProject(t *testing.T) {
	e := newProject(t, Options{IdleClose: time.Hour})
	ok(t, e.Create(ctx(t), "other"))
	exec(t, e, "other", "CREATE TABLE secret AS SELECT 42 AS x")
	e.mu.Lock()
	e.dbs["other"].lastUsed = time.Time{}
	e.mu.Unlock()
	equals(t, e.closeIdle(), 1)
	other := filepath.Join(e.dir, "other.duckdb")
	for _, q := range []string{"ATTACH '" + other + "' AS o", "ATTACH '" + other + "' AS o (READ_ONLY)", "ATTACH 'other.duckdb'"} {
		err := rawExec(t, e, "p", q)
		var de *duckdb.Error
		if !errors.As(err, &de) || de.Type != duckdb.ErrorTypePermission {
			t.Errorf("%s: %v", q, err)
		}
	}
	equals(t, scalar(t, e, "other", "SELECT x FROM secret"), any(int32(42)))
}

// checkRefusal checks that err is one of the engine's typed refusals and
// shows no host path.
func checkRefusal(t *testing.T, e *Engine, err error) {
	t.Helper()
	var se *StatementError
	var ee *ExecError
	switch {
	case errors.As(err, &se):
		if !errors.Is(err, ErrStatementNotAllowed) && !errors.Is(err, ErrUnboundedResult) && !errors.Is(err, ErrNotOneStatement) {
			t.Errorf("statement refusal without a reason sentinel: %v", err)
		}
	case errors.As(err, &ee):
		switch ee.Kind {
		case KindPermission, KindInvalidInput, KindCatalog, KindParser, KindBinder, KindNotImplemented:
		default:
			t.Errorf("refused with kind %s: %v", ee.Kind, err)
		}
	case errors.Is(err, ErrTxAborted):
	default:
		t.Errorf("untyped refusal %T: %v", err, err)
	}
	msg := err.Error()
	home, _ := os.UserHomeDir()
	for _, leak := range []string{e.dir, "/etc", "/tmp", "/root", home} {
		if leak != "" && leak != "/" && strings.Contains(msg, leak) {
			t.Errorf("message shows host path %q: %s", leak, msg)
		}
	}
}

// snapshot describes everything an escape could change in a project:
// catalog, data, settings, attached databases, secrets, files.
func snapshot(t *testing.T, e *Engine, project string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL",
		"SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
		"SELECT database_name, path FROM duckdb_databases() ORDER BY ALL",
		"SELECT name, value FROM duckdb_settings() ORDER BY name",
		"SELECT name FROM duckdb_secrets() ORDER BY ALL",
		"SELECT count(*) FROM t",
	} {
		r, err := e.Query(ctx(t), project, q, 100000)
		if err != nil {
			b.WriteString(q + ": " + err.Error() + "\n")
			continue
		}
		b.WriteString(r.String() + "\n")
	}
	var files []string
	filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !strings.HasSuffix(p, ".wal") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	b.WriteString(strings.Join(files, "\n"))
	return b.String()
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	ok(t, err)
	if len(entries) > 0 {
		t.Fatalf("%s: %d entries written", dir, len(entries))
	}
}

// rawExec runs sql on a hardened connection of the project, bypassing the
// statement guard (but still one statement), reads any rows, and returns
// the driver's own error.
func rawExec(t *testing.T, e *Engine, project, sql string) error {
	t.Helper()
	var rawErr error
	err := e.withConn(ctx(t), project, "raw", func(ctx context.Context, c *duckdb.Conn) error {
		rawErr = func() error {
			ds, err := c.Prepare(sql)
			if err != nil {
				return err
			}
			defer ds.Close()
			rows, err := ds.(*duckdb.Stmt).QueryContext(ctx, nil)
			if err != nil {
				return err
			}
			defer rows.Close()
			dest := make([]driver.Value, len(rows.Columns()))
			for {
				if err := rows.Next(dest); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
			}
		}()
		return rawErr
	})
	if rawErr != nil {
		return rawErr
	}
	return err
}

func TestErrorsHideHostPaths(t *testing.T) {
	e := newProject(t, Options{})
	for _, tc := range []struct{ in, want string }{
		{`Cannot access file "` + e.dir + `/x.duckdb" - disabled`, `Cannot access file "<data>/x.duckdb" - disabled`},
		{`Cannot access directory "/root/.duckdb/extensions/v1.5.6/linux_amd64" - x`, `Cannot access directory "<path>" - x`},
		{`read_csv('/etc/passwd')`, `read_csv('<path>')`},
		{`/etc/passwd at start`, `<path> at start`},
		{`See also https://duckdb.org/docs/stable/guides`, `See also https://duckdb.org/docs/stable/guides`},
		{`1 / 2 and a/b`, `1 / 2 and a/b`},
	} {
		equals(t, e.sanitize(tc.in), tc.want)
	}
}

func TestInformationLeaks(t *testing.T) {
	e := newProject(t, Options{})
	// getenv is a CLI-only function: the environment is not readable.
	_, err := e.Query(ctx(t), "p", "SELECT getenv('HOME')", 0)
	equals(t, errorAs[*ExecError](t, err).Kind, KindCatalog)
	equals(t, scalar(t, e, "p", "SELECT current_setting('home_directory')"), any(""))
	// Known and documented: these show the data directory to SQL that
	// reaches DuckDB; the translator must not emit them.
	t.Logf("current_setting('temp_directory') = %v", scalar(t, e, "p", "SELECT current_setting('temp_directory')"))
	t.Logf("duckdb_databases() path = %v", scalar(t, e, "p", "SELECT path FROM duckdb_databases() WHERE database_name = 'p'"))
}

func TestCreateSecretDetection(t *testing.T) {
	for q, want := range map[string]bool{
		"CREATE SECRET s (TYPE http)":                         true,
		"create or replace persistent secret s (type http)":   true,
		"  /* a /* nested */ comment */ CREATE TEMP SECRET x": true,
		"-- c\nCREATE\tTEMPORARY\nSECRET x":                   true,
		"CREATE TABLE secret (a INT)":                         false,
		"CREATE TABLE t (secret INT)":                         false,
		"SELECT 'CREATE SECRET'":                              false,
		"CREATE OR REPLACE TABLE s AS SELECT 1":               false,
		"-- CREATE SECRET":                                    false,
	} {
		equals(t, isCreateSecret(q), want)
	}
}
