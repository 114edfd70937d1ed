package pgfront

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// execExtended runs sql with the extended protocol, as JDBC's
// Statement.execute sends it: Parse, Bind, Describe, Execute, Sync.
func execExtended(c *pgconn.PgConn, sql string, params ...[]byte) (string, error) {
	res := c.ExecParams(context.Background(), sql, params, nil, nil, nil).Read()
	return res.CommandTag.String(), res.Err
}

func wantPgCode(t *testing.T, err error, code string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("err = %v, want SQLSTATE %s", err, code)
	}
	return pe
}

// TestExtendedProtocolRoleManagement: a superuser's role statements sent
// with the extended protocol (JDBC, DBeaver) run as a simple Query would;
// refusals, parameters and mixed batches fail whole and leave the session
// usable; other sessions' extended role statements reach PostgreSQL, which
// refuses them.
func TestExtendedProtocolRoleManagement(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres").PgConn()
	ctx := context.Background()
	t.Cleanup(func() { dropTestRoles(t, "v4_701", "v4_702", "v4_703", "v4_704", "v4_705", "p4_"+f.user.ID) })

	if tag, err := execExtended(owner, `CREATE USER "v4_701"`); err != nil || tag != "CREATE ROLE" {
		t.Fatalf("CREATE USER: %q %v", tag, err)
	}
	if got := roleAttrs(t, "v4_701"); got != "login" {
		t.Fatalf("v4_701: %s", got)
	}
	if tag, err := execExtended(owner, `ALTER USER "v4_701" SUPERUSER`); err != nil || tag != "ALTER ROLE" {
		t.Fatalf("ALTER USER SUPERUSER: %q %v", tag, err)
	}
	if got := roleAttrs(t, "v4_701"); got != "login,superuser" {
		t.Fatalf("v4_701 after SUPERUSER: %s", got)
	}

	// Refusals keep their SQLSTATE; the session goes on.
	wantPgCode(t, errOf(execExtended(owner, `CREATE ROLE x SUPERUSER`)), "42602")
	wantPgCode(t, errOf(execExtended(owner, `CREATE USER "v4_702" CREATEROLE`)), "42501")
	pe := wantPgCode(t, errOf(execExtended(owner, `CREATE USER "v4_702"`, []byte("x"))), "0A000")
	if pe.Message != "CREATE USER takes no parameters" {
		t.Fatalf("with a parameter: %q", pe.Message)
	}
	if tag, err := execExtended(owner, `SELECT 1`); err != nil || tag != "SELECT 1" {
		t.Fatalf("the session after refusals: %q %v", tag, err)
	}
	// A Parse larger than the read buffer takes the copying path.
	big := `SELECT '` + strings.Repeat("x", 40<<10) + `' AS create_grant_drop`
	if tag, err := execExtended(owner, big); err != nil || tag != "SELECT 1" {
		t.Fatalf("a 40 KiB query: %q %v", tag, err)
	}

	// A batch that holds anything else fails whole: nothing runs.
	b := &pgconn.Batch{}
	b.ExecParams(`CREATE USER "v4_703"`, nil, nil, nil, nil)
	b.ExecParams(`SELECT 1`, nil, nil, nil, nil)
	_, err := owner.ExecBatch(ctx, b).ReadAll()
	wantPgCode(t, err, "0A000")
	if got := roleAttrs(t, "v4_703"); got != "absent" {
		t.Fatalf("a mixed batch ran its role statement: %s", got)
	}
	// A statement prepared by name lives for its batch only.
	if _, err := owner.Prepare(ctx, "mk", `CREATE USER "v4_704"`, nil); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	res := owner.ExecPrepared(ctx, "mk", nil, nil, nil).Read()
	wantPgCode(t, res.Err, "26000")
	if got := roleAttrs(t, "v4_704"); got != "absent" {
		t.Fatalf("the prepared statement ran: %s", got)
	}
	// A pipeline asks for the result with Flush before its Sync.
	pl := owner.StartPipeline(ctx)
	pl.SendQueryParams(`CREATE USER "v4_705"`, nil, nil, nil, nil)
	pl.SendFlushRequest()
	if err := pl.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := pl.GetResults()
	if rr, ok := got.(*pgconn.ResultReader); !ok || err != nil {
		t.Fatalf("pipeline result: %T %v", got, err)
	} else if r := rr.Read(); r.Err != nil || r.CommandTag.String() != "CREATE ROLE" {
		t.Fatalf("pipeline CREATE USER: %q %v", r.CommandTag, r.Err)
	}
	if err := pl.Sync(); err != nil {
		t.Fatal(err)
	}
	if got, err := pl.GetResults(); err != nil {
		t.Fatalf("pipeline sync: %T %v", got, err)
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if got := roleAttrs(t, "v4_705"); got != "login" {
		t.Fatalf("v4_705 after the pipeline: %s", got)
	}
	if tag, err := execExtended(owner, `DROP USER "v4_701"`); err != nil || tag != "DROP ROLE" {
		t.Fatalf("DROP USER: %q %v", tag, err)
	}

	// Inside a transaction block the statement reaches PostgreSQL, which
	// refuses it for the tenant role and aborts the transaction.
	if _, err := execExtended(owner, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	wantPgCode(t, errOf(execExtended(owner, `CREATE USER "v4_702"`)), "42501")
	wantPgCode(t, errOf(execExtended(owner, `SELECT 1`)), "25P02")
	if _, err := execExtended(owner, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}

	// A session that is no superuser: PostgreSQL refuses.
	addUser(t, "p4_"+f.user.ID, false)
	alice := f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres").PgConn()
	wantPgCode(t, errOf(execExtended(alice, `CREATE USER "v4_702"`)), "42501")
	if got := roleAttrs(t, "v4_702"); got != "absent" {
		t.Fatalf("v4_702: %s", got)
	}
}

func errOf(_ string, err error) error { return err }
