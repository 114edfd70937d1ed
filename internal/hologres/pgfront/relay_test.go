package pgfront

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// tableDB makes a database with a table t(id int, v text) owned by the
// instance owner, and returns its name.
func tableDB(t *testing.T, f *front) string {
	t.Helper()
	db := uniqueDB(t)
	admin(t, "postgres", `CREATE DATABASE `+quoteIdent(db)+` OWNER `+quoteIdent(f.a.ID))
	t.Cleanup(func() { admin(t, "postgres", `DROP DATABASE IF EXISTS `+quoteIdent(db)+` WITH (FORCE)`) })
	admin(t, db, `SET ROLE `+quoteIdent(f.a.ID), `CREATE TABLE t (id int PRIMARY KEY, v text)`,
		`INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 1000) g`)
	return db
}

func TestPreparedStatementsAndPipelines(t *testing.T) {
	f := newFront(t)
	db := tableDB(t, f)
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, db)
	ctx := context.Background()
	// Extended protocol with parameters, a named prepared statement, and
	// the statement cache.
	if _, err := c.Prepare(ctx, "byid", `SELECT v FROM t WHERE id = $1`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 50; i++ {
		var v string
		if err := c.QueryRow(ctx, "byid", i).Scan(&v); err != nil || v != fmt.Sprintf("row %d", i) {
			t.Fatalf("byid %d: %q %v", i, v, err)
		}
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM t WHERE id > $1 AND v LIKE $2`, 500, "row%").Scan(&n); err != nil || n != 500 {
		t.Fatalf("count: %d %v", n, err)
	}
	// A batch: many queries in one pipeline, one Sync.
	b := &pgx.Batch{}
	for i := 1; i <= 20; i++ {
		b.Queue(`SELECT v FROM t WHERE id = $1`, i)
	}
	br := c.SendBatch(ctx, b)
	for i := 1; i <= 20; i++ {
		var v string
		if err := br.QueryRow().Scan(&v); err != nil || v != fmt.Sprintf("row %d", i) {
			t.Fatalf("batch %d: %q %v", i, v, err)
		}
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	// An error in the middle of a transaction, then recovery.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1/0`); err == nil {
		t.Fatal("division by zero succeeded")
	}
	tx.Rollback(ctx) //nolint:errcheck
	// Multi-statement simple query and a large result.
	rows, err := c.Query(ctx, `SELECT repeat('x', 100000) FROM generate_series(1, 200)`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for rows.Next() {
		count++
	}
	if rows.Err() != nil || count != 200 {
		t.Fatalf("large result: %d rows, %v", count, rows.Err())
	}
	if _, err := c.Exec(ctx, `SELECT 1; SELECT 2; UPDATE t SET v = v WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
}

func TestCopyInAndOut(t *testing.T) {
	f := newFront(t)
	db := tableDB(t, f)
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, db)
	ctx := context.Background()
	execOK(t, c, `CREATE TABLE c (id int, v text)`)
	rows := make([][]any, 20000)
	for i := range rows {
		rows[i] = []any{i, strings.Repeat("v", i%100)}
	}
	n, err := c.CopyFrom(ctx, pgx.Identifier{"c"}, []string{"id", "v"}, pgx.CopyFromRows(rows))
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	// Text COPY FROM STDIN through pgconn.
	in := "100000\thello\n100001\tworld\n"
	tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader(in), `COPY c FROM STDIN`)
	if err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("COPY FROM STDIN: %v %v", tag, err)
	}
	// A bad row fails the COPY and the session goes on.
	if _, err := c.PgConn().CopyFrom(ctx, strings.NewReader("x\ty\n"), `COPY c FROM STDIN`); err == nil {
		t.Fatal("bad COPY data accepted")
	}
	var out bytes.Buffer
	tag, err = c.PgConn().CopyTo(ctx, &out, `COPY (SELECT id, v FROM c ORDER BY id) TO STDOUT`)
	if err != nil || tag.RowsAffected() != int64(len(rows)+2) {
		t.Fatalf("COPY TO STDOUT: %v %v", tag, err)
	}
	if !strings.HasSuffix(out.String(), "100000\thello\n100001\tworld\n") || strings.Count(out.String(), "\n") != len(rows)+2 {
		t.Fatalf("COPY output: %d lines", strings.Count(out.String(), "\n"))
	}
	if got := scalar(t, c, `SELECT count(*)::text FROM c`); got != fmt.Sprint(len(rows)+2) {
		t.Fatalf("count %s", got)
	}
}

func TestCancelRequest(t *testing.T) {
	f := newFront(t)
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), 1*time.Second)
	defer cancel()
	start := time.Now()
	// pgx sends a CancelRequest with the front end's key when ctx ends.
	_, err := c.Exec(ctx, `SELECT pg_sleep(30)`)
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("not cancelled: %v after %v", err, time.Since(start))
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "57014" {
		t.Fatalf("cancel: %v", err)
	}
	// A cancel with a wrong key is ignored.
	c2 := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	pid := c2.PgConn().PID()
	done := make(chan error, 1)
	go func() {
		_, err := c2.Exec(context.Background(), `SELECT pg_sleep(1.5)`)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	raw, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write([]byte{0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, byte(pid >> 24), byte(pid >> 16), byte(pid >> 8), byte(pid), 1, 2, 3, 4})
	raw.Close()
	if err := <-done; err != nil {
		t.Fatalf("a cancel with a wrong key cancelled the query: %v", err)
	}
}

// backendSessions counts the backend sessions of role.
func backendSessions(t *testing.T, role string) int {
	var n int
	fmt.Sscan(adminQuery(t, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = $1`, role), &n)
	return n
}

func waitSessions(t *testing.T, role string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := backendSessions(t, role)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backend sessions of %s after %v, want %d", n, role, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDisconnectMidQueryLeavesNoBackend(t *testing.T) {
	f := newFront(t)
	role := "p4_" + f.user.ID
	addUser(t, role, false)
	for _, name := range []string{"pg_sleep", "copy in", "idle in transaction"} {
		t.Run(name, func(t *testing.T) {
			c, err := f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres")
			if err != nil {
				t.Fatal(err)
			}
			waitSessions(t, role, 1, 5*time.Second)
			conn := c.PgConn().Conn()
			switch name {
			case "pg_sleep":
				// Send the query by hand and vanish without reading.
				conn.Write(queryMsg("SELECT pg_sleep(60)"))
				waitActive(t, role)
			case "copy in":
				execOK(t, c, `CREATE TEMP TABLE x (v text)`)
				conn.Write(queryMsg("COPY x FROM STDIN"))
				time.Sleep(200 * time.Millisecond)
			case "idle in transaction":
				execOK(t, c, `BEGIN`)
			}
			conn.Close()
			waitSessions(t, role, 0, 5*time.Second)
		})
	}
	// Close ends live sessions the same way.
	c := f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	c.PgConn().Conn().Write(queryMsg("SELECT pg_sleep(60)"))
	waitActive(t, role)
	f.srv.Close()
	waitSessions(t, role, 0, 5*time.Second)
}

func waitActive(t *testing.T, role string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for adminQuery(t, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = $1 AND state = 'active'`, role) != "1" {
		if time.Now().After(deadline) {
			t.Fatal("the query never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartupParameterAllowList(t *testing.T) {
	f := newFront(t)
	role := "p4_" + f.user.ID
	addUser(t, role, false)
	addUser(t, "p4_1", false)
	c, err := f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres",
		"options="+dsnQuote("-c role=p4_1 -c session_authorization=localyun_admin --search-path=myschema -c statement_timeout=1234 type=fixed"),
		"application_name=app1", "session_authorization=localyun_admin", "role=p4_1", "DateStyle=German")
	if err != nil {
		t.Fatal(err)
	}
	got := scalar(t, c, `SELECT current_user || ',' || session_user || ',' || current_setting('application_name') || ',' ||
		current_setting('search_path') || ',' || current_setting('statement_timeout') || ',' || current_setting('DateStyle')`)
	if got != role+","+role+",app1,myschema,1234ms,German, DMY" {
		t.Fatalf("session: %s", got)
	}
}

func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	f := newFront(t, func(c *Config) { c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}} })
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres", "sslmode=require")
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("not TLS: %T", c.PgConn().Conn())
	}
	if got := scalar(t, c, `SELECT current_user`); got != f.a.ID {
		t.Fatal(got)
	}
	// GSSENC first, then SSL (libpq's order with gssencmode=prefer).
	c = f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres", "sslmode=prefer")
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatal("prefer did not use TLS")
	}
	// Without a certificate, SSLRequest gets 'N': prefer falls back,
	// require fails.
	g := newFront(t)
	c = g.mustConnect(t, g.aKey.ID, g.aKey.Secret, "postgres", "sslmode=prefer")
	if _, ok := c.PgConn().Conn().(*tls.Conn); ok {
		t.Fatal("TLS without a certificate")
	}
	if _, err := g.connect(t, g.aKey.ID, g.aKey.Secret, "postgres", "sslmode=require"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("require without a certificate: %v", err)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localyun"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// psql runs the psql client against the front end and returns its
// combined output.
func (f *front) psql(t *testing.T, user, password, options, db string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("skipping: psql is not installed")
	}
	cmd := exec.Command(bin, append([]string{"-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", fmt.Sprint(f.port), "-U", user, "-d", db}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGOPTIONS="+options, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPsql(t *testing.T) {
	cert := selfSigned(t)
	f := newFront(t, func(c *Config) { c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}} })
	db := tableDB(t, f)
	role := "v4_" + f.role.ID
	cred := f.assume(t, f.a.ID, "testRole", f.b.ID, time.Hour)
	// Not added yet: the exact refusal.
	out, err := f.psql(t, cred.AccessKeyID, cred.AccessKeySecret, "sts_token="+cred.SecurityToken, db, "-c", "SELECT 1")
	if err == nil || !strings.Contains(out, `FATAL:  password authentication failed for user "`+cred.AccessKeyID+`"`) ||
		!strings.Contains(out, `CREATE USER "`+role+`";`) {
		t.Fatalf("psql before CREATE USER: %v\n%s", err, out)
	}
	// The owner adds the role, through psql and the front end.
	out, err = f.psql(t, f.aKey.ID, f.aKey.Secret, "", db, "-c", `CREATE USER "`+role+`";`,
		"-c", `GRANT SELECT ON t TO "`+role+`"`, "-c", `DROP USER IF EXISTS "v4_1"`)
	if err != nil || !strings.Contains(out, "CREATE ROLE") || !strings.Contains(out, "GRANT") ||
		!strings.Contains(out, `NOTICE:  role "v4_1" does not exist, skipping`) || !strings.Contains(out, "DROP ROLE") {
		t.Fatalf("owner: %v\n%s", err, out)
	}
	t.Cleanup(func() { dropTestRoles(t, role) })
	// The role reads the table: SSL, a query, COPY out and in (refused: no
	// INSERT), a prepared statement.
	csv := filepath.Join(t.TempDir(), "t.csv")
	out, err = f.psql(t, cred.AccessKeyID, cred.AccessKeySecret, "sts_token="+cred.SecurityToken, db+"@init_warehouse",
		"-c", `SELECT current_user`, "-c", `\conninfo`,
		"-c", `\copy (SELECT * FROM t WHERE id <= 3) TO '`+csv+`' CSV`,
		"-c", `PREPARE p(int) AS SELECT v FROM t WHERE id = $1`, "-c", `EXECUTE p(7)`)
	if err != nil || !strings.Contains(out, " "+role+"\n") || !strings.Contains(out, "SSL connection") || !strings.Contains(out, "COPY 3") || !strings.Contains(out, "row 7") {
		t.Fatalf("role session: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(csv)
	if string(data) != "1,row 1\n2,row 2\n3,row 3\n" {
		t.Fatalf("copied %q", data)
	}
	out, err = f.psql(t, cred.AccessKeyID, cred.AccessKeySecret, "sts_token="+cred.SecurityToken, db, "-c", `\copy t FROM '`+csv+`' CSV`)
	if err == nil || !strings.Contains(out, "permission denied for table t") {
		t.Fatalf("COPY FROM without INSERT: %v\n%s", err, out)
	}
	// AKv4 through psql.
	out, err = f.psql(t, "akv4$"+f.aKey.ID, AKv4Password(f.aKey.Secret, "cn-hangzhou", f.now()), "", db, "-tAc", `SELECT current_user`)
	if err != nil || strings.TrimSpace(out) != f.a.ID {
		t.Fatalf("AKv4: %v\n%s", err, out)
	}
}

// queryMsg is a simple Query message.
func queryMsg(sql string) []byte {
	return encode(nil, &pgproto3.Query{String: sql})
}
