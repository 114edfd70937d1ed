package pgfront

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/hologres/pgcluster"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
	"github.com/localyun/localyun/internal/sts"
)

// The integration tests share one real PostgreSQL cluster, run by
// pgcluster exactly as the server runs it, and one control plane (IAM and
// STS on SQLite). Each test gets its own front end, and its own roles and
// databases.

const clusterID = "pgfront-test"

var (
	cluster    *pgcluster.Manager
	clusterErr error // why there is no cluster: tests skip with it
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			clusterErr = errors.New("-short")
			return m.Run()
		}
		if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
			clusterErr = errors.New("fuzzing")
			return m.Run()
		}
		if fl := flag.Lookup("test.fuzzworker"); fl != nil && fl.Value.String() == "true" {
			clusterErr = errors.New("fuzzing")
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "pgfront-")
		if err != nil {
			clusterErr = err
			return m.Run()
		}
		defer os.RemoveAll(dir)
		if os.Geteuid() == 0 {
			// The cluster runs as postgres, which must reach its directory.
			os.Chmod(dir, 0o711) //nolint:errcheck
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cluster, err = pgcluster.NewManager(pgcluster.Options{BaseDir: filepath.Join(dir, "clusters")})
		if err != nil {
			clusterErr = err
			return m.Run()
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cluster.Close(ctx) //nolint:errcheck
		}()
		if err := cluster.Create(ctx, clusterID); err != nil {
			clusterErr = err
			return m.Run()
		}
		if err := cluster.Start(ctx, clusterID); err != nil {
			clusterErr = err
			return m.Run()
		}
		if err := bootstrapCluster(ctx); err != nil {
			clusterErr = err
			return m.Run()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// bootstrapCluster does what package hologres does to a new instance: the
// superuser group.
func bootstrapCluster(ctx context.Context) error {
	c, err := cluster.AdminConn(ctx, clusterID, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range []string{
		`CREATE ROLE ` + hologres.SuperuserRole + ` NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
		`GRANT pg_read_all_data, pg_write_all_data TO ` + hologres.SuperuserRole,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

func requireCluster(t testing.TB) {
	t.Helper()
	if cluster == nil {
		t.Skipf("skipping: no PostgreSQL cluster: %v (these tests run a real one from the machine's PostgreSQL server programs)", clusterErr)
	}
}

// admin runs SQL as the cluster's superuser (test setup only).
func admin(t testing.TB, db string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := cluster.AdminConn(ctx, clusterID, db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range sqls {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func adminQuery(t testing.TB, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	c, err := cluster.AdminConn(ctx, clusterID, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var s string
	if err := c.QueryRow(ctx, sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// env is a control plane: IAM, STS and the resolver the server uses.
type env struct {
	db    *sqlite.DB
	iam   *iam.Service
	sts   *sts.Service
	mu    sync.Mutex
	clock time.Time
	// Account A owns the instance; B is another account.
	a, b   store.Account
	aKey   iam.AccessKeySecret // A's root AccessKey
	bKey   iam.AccessKeySecret
	user   store.User          // RAM user "alice" of A
	uKey   iam.AccessKeySecret // alice's AccessKey
	role   store.Role          // role "testRole" of A, trusting B and DataWorks
	broleB store.Role          // role "otherRole" of B
}

var master = []byte("0123456789abcdef0123456789abcdef")

func (e *env) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.clock = e.clock.Add(d)
	e.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, clock: time.Now().UTC().Truncate(time.Second)}
	e.iam, err = iam.New(ctx, iam.Options{Store: db, MasterKey: master, Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := sts.LoadKeyring(ctx, db, master, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.sts = sts.New(sts.Options{IAM: e.iam, Keyring: kr, Now: e.now})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.a, e.aKey, err = e.iam.CreateAccount(ctx, "account-a")
	must(err)
	e.b, e.bKey, err = e.iam.CreateAccount(ctx, "account-b")
	must(err)
	e.user, err = e.iam.CreateUser(ctx, e.a.ID, iam.UserInput{Name: "alice"})
	must(err)
	e.uKey, err = e.iam.CreateAccessKey(ctx, e.a.ID, "alice")
	must(err)
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + e.b.ID + `@engine.dataworks.aliyuncs.com","` + e.a.ID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	e.role, err = e.iam.CreateRole(ctx, e.a.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trust})
	must(err)
	trustB := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + e.b.ID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	e.broleB, err = e.iam.CreateRole(ctx, e.b.ID, iam.RoleInput{Name: "otherRole", TrustPolicy: trustB})
	must(err)
	return e
}

// assume returns STS credentials of role (of account) as DataWorks acting
// for onBehalfOf.
func (e *env) assume(t testing.TB, account, role, onBehalfOf string, dur time.Duration) sts.Credentials {
	t.Helper()
	cred, err := e.sts.AssumeRoleAsService(context.Background(), "engine.dataworks.aliyuncs.com", onBehalfOf,
		sts.AssumeRoleInput{RoleArn: "acs:ram::" + account + ":role/" + role, RoleSessionName: "pgfront-test", DurationSeconds: int64(dur / time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// resolver is the server's resolver (internal/server), in a few lines.
type resolver struct{ e *env }

func (r resolver) Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error) {
	if strings.HasPrefix(accessKeyID, "STS.") {
		return r.e.sts.Resolve(ctx, accessKeyID, securityToken)
	}
	if securityToken != "" {
		return nil, "", apierr.New(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	}
	cred, err := r.e.iam.LookupAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", apierr.New(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if err != nil {
		return nil, "", err
	}
	if !cred.Active {
		return nil, "", apierr.New(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
	}
	return &cred.Identity, cred.Secret, nil
}

// front is a front end under test with its control plane.
type front struct {
	*env
	srv  *Server
	addr string
	port int
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newFront starts a front end for the shared cluster; the instance is
// owned by account A of a fresh control plane.
func newFront(t testing.TB, mod ...func(*Config)) *front {
	t.Helper()
	requireCluster(t)
	e := newEnv(t)
	logs := &lockedBuffer{}
	cfg := Config{
		InstanceID: "hgpostcn-cn-pgfronttest",
		Region:     "cn-hangzhou",
		Owner:      e.a.ID,
		Resolver:   resolver{e},
		SocketDir:  cluster.SocketDir(clusterID),
		Port:       cluster.Port(),
		Admin: func(ctx context.Context, db string) (*pgx.Conn, error) {
			return cluster.AdminConn(ctx, clusterID, db)
		},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.now,
		Audit:  e.db.Audit(),
	}
	for _, f := range mod {
		f(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l) //nolint:errcheck
	f := &front{env: e, srv: srv, addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port, logs: logs}
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("front-end log:\n%s", logs)
		}
		// The owner role is per control plane: drop what this test made.
		dropTestRoles(t, e.a.ID)
	})
	// The instance owner's role, a superuser, as package hologres makes it.
	admin(t, "postgres", `CREATE ROLE `+quoteIdent(e.a.ID)+` LOGIN `+tenantAttributes,
		`GRANT `+hologres.SuperuserRole+` TO `+quoteIdent(e.a.ID))
	return f
}

// dropTestRoles drops a test's owner role and whatever it owns.
func dropTestRoles(t testing.TB, roles ...string) {
	ctx := context.Background()
	c, err := cluster.AdminConn(ctx, clusterID, "postgres")
	if err != nil {
		return
	}
	defer c.Close(ctx)
	for _, r := range roles {
		c.Exec(ctx, `DROP OWNED BY `+quoteIdent(r))       //nolint:errcheck
		c.Exec(ctx, `DROP ROLE IF EXISTS `+quoteIdent(r)) //nolint:errcheck
	}
}

// addUser creates a tenant role the way a superuser's CREATE USER does.
func addUser(t testing.TB, role string, superuser bool) {
	t.Helper()
	admin(t, "postgres", `CREATE ROLE `+quoteIdent(role)+` LOGIN `+tenantAttributes)
	if superuser {
		admin(t, "postgres", `GRANT `+hologres.SuperuserRole+` TO `+quoteIdent(role))
	}
	t.Cleanup(func() { dropTestRoles(t, role) })
}

// connString is a keyword/value DSN for the front end.
func (f *front) connString(user, password, db string, extra ...string) string {
	kv := []string{"host=127.0.0.1", fmt.Sprintf("port=%d", f.port), "user=" + dsnQuote(user), "password=" + dsnQuote(password),
		"dbname=" + dsnQuote(db), "sslmode=disable", "connect_timeout=10"}
	return strings.Join(append(kv, extra...), " ")
}

func dsnQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// connect logs in with pgx.
func (f *front) connect(t testing.TB, user, password, db string, extra ...string) (*pgx.Conn, error) {
	t.Helper()
	cfg, err := pgx.ParseConfig(f.connString(user, password, db, extra...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

func (f *front) mustConnect(t testing.TB, user, password, db string, extra ...string) *pgx.Conn {
	t.Helper()
	c, err := f.connect(t, user, password, db, extra...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	return c
}

// pgErr returns the PostgreSQL error in err, or fails.
func pgErr(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PostgreSQL error, got %v", err)
	}
	return pe
}

func scalar(t testing.TB, c *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := c.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func execOK(t testing.TB, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// execErr runs sql and returns its PostgreSQL error, failing when it
// succeeds.
func execErr(t testing.TB, c *pgx.Conn, sql string) *pgconn.PgError {
	t.Helper()
	_, err := c.Exec(context.Background(), sql)
	if err == nil {
		t.Fatalf("%s: succeeded, want an error", sql)
	}
	return pgErr(t, err)
}

// uniqueDB is a database name no other test uses.
func uniqueDB(t testing.TB) string {
	n := strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if len(n) > 40 {
		n = n[:40]
	}
	return fmt.Sprintf("%s_%d", n, time.Now().UnixNano()%1e6)
}
