package pgfront

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoginForms(t *testing.T) {
	f := newFront(t)
	roleV4 := "v4_" + f.role.ID
	userP4 := "p4_" + f.user.ID
	addUser(t, userP4, false)
	addUser(t, roleV4, false)
	admin(t, "postgres", `CREATE ROLE "BASIC$bob" LOGIN `+tenantAttributes+` PASSWORD 'b0b secret'`)
	t.Cleanup(func() { dropTestRoles(t, "BASIC$bob") })
	admin(t, "postgres", `CREATE ROLE "BASIC$md5user" LOGIN `+tenantAttributes)
	admin(t, "postgres", `SET password_encryption = 'md5'; ALTER ROLE "BASIC$md5user" PASSWORD 'm d5'`)
	t.Cleanup(func() { dropTestRoles(t, "BASIC$md5user") })

	cred := f.assume(t, f.a.ID, "testRole", f.b.ID, time.Hour)
	now := f.now()
	cases := []struct {
		name, user, password, db string
		extra                    []string
		wantRole, wantDB         string
	}{
		{"account root", f.aKey.ID, f.aKey.Secret, "postgres", nil, f.a.ID, "postgres"},
		{"RAM user", f.uKey.ID, f.uKey.Secret, "postgres", nil, userP4, "postgres"},
		{"STS in options", cred.AccessKeyID, cred.AccessKeySecret, "postgres", []string{"options=" + dsnQuote("sts_token="+cred.SecurityToken)}, roleV4, "postgres"},
		{"STS URL-encoded, with holo-client's type=fixed", cred.AccessKeyID, cred.AccessKeySecret, "postgres",
			[]string{"options=" + dsnQuote("type=fixed sts_token="+fmt.Sprintf("%%%02X", cred.SecurityToken[0])+cred.SecurityToken[1:])},
			roleV4, "postgres"},
		{"STS as -c", cred.AccessKeyID, cred.AccessKeySecret, "postgres", []string{"options=" + dsnQuote("-c sts_token="+cred.SecurityToken)}, roleV4, "postgres"},
		{"AKv4 today", "akv4$" + f.uKey.ID, AKv4Password(f.uKey.Secret, "cn-hangzhou", now), "postgres", nil, userP4, "postgres"},
		{"AKv4 yesterday", "akv4$" + f.aKey.ID, AKv4Password(f.aKey.Secret, "cn-hangzhou", now.AddDate(0, 0, -1)), "postgres", nil, f.a.ID, "postgres"},
		{"AKv4 tomorrow, STS", "akv4$" + cred.AccessKeyID, AKv4Password(cred.AccessKeySecret, "cn-hangzhou", now.AddDate(0, 0, 1)), "postgres",
			[]string{"options=" + dsnQuote("sts_token="+cred.SecurityToken)}, roleV4, "postgres"},
		{"BASIC$ scram", "BASIC$bob", "b0b secret", "postgres", nil, "BASIC$bob", "postgres"},
		{"BASIC$ md5", "BASIC$md5user", "m d5", "postgres", nil, "BASIC$md5user", "postgres"},
		{"db@warehouse", f.aKey.ID, f.aKey.Secret, "postgres@init_warehouse", nil, f.a.ID, "postgres"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.mustConnect(t, tc.user, tc.password, tc.db, tc.extra...)
			if got := scalar(t, c, `SELECT current_user || ' ' || session_user || ' ' || current_database()`); got != tc.wantRole+" "+tc.wantRole+" "+tc.wantDB {
				t.Fatalf("session: %q, want role %s in %s", got, tc.wantRole, tc.wantDB)
			}
			if got := scalar(t, c, `SHOW is_superuser`); got != "off" {
				t.Fatalf("is_superuser = %s", got)
			}
		})
	}
	// The front end's key, not the backend's, reaches the client.
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	if pid := scalar(t, c, `SELECT pg_backend_pid()::text`); pid == strconv.FormatUint(uint64(c.PgConn().PID()), 10) {
		t.Fatalf("the client sees the backend's pid %s", pid)
	}
	if len(f.srv.Sessions()) == 0 {
		t.Fatal("no session listed")
	}
}

func TestLoginRefusals(t *testing.T) {
	f := newFront(t)
	roleV4 := "v4_" + f.role.ID
	cred := f.assume(t, f.a.ID, "testRole", f.b.ID, time.Hour)
	other := f.assume(t, f.a.ID, "testRole", f.a.ID, time.Hour)
	short := f.assume(t, f.a.ID, "testRole", f.b.ID, 15*time.Minute)
	bcred := f.assume(t, f.b.ID, "otherRole", f.b.ID, time.Hour)
	admin(t, "postgres", `CREATE ROLE "BASIC$carol" LOGIN `+tenantAttributes+` PASSWORD 'right'`,
		`CREATE ROLE "BASIC$nopass" LOGIN `+tenantAttributes)
	t.Cleanup(func() { dropTestRoles(t, "BASIC$carol", "BASIC$nopass") })
	opt := func(tok string) []string { return []string{"options=" + dsnQuote("sts_token="+tok)} }

	cases := []struct {
		name, user, password string
		extra                []string
		before               func()
		code, message        string
		detail               string // a substring
	}{
		{name: "wrong secret", user: f.aKey.ID, password: "wrong",
			code: "28P01", message: `password authentication failed for user "` + f.aKey.ID + `"`, detail: "is not the AccessKey secret of " + f.aKey.ID},
		{name: "unknown AccessKeyId", user: "LTAI00000000000000000000", password: "x",
			code: "28P01", message: `password authentication failed for user "LTAI00000000000000000000"`, detail: "does not exist"},
		{name: "RAM user not added", user: f.uKey.ID, password: f.uKey.Secret,
			code: "28P01", message: `password authentication failed for user "` + f.uKey.ID + `"`,
			detail: `RAM user alice (UserId ` + f.user.ID + `) of account ` + f.a.ID + ` is not a user of instance hgpostcn-cn-pgfronttest: its database role "p4_` + f.user.ID + `" does not exist. A superuser of the instance adds it with: CREATE USER "p4_` + f.user.ID + `";`},
		{name: "role not added", user: cred.AccessKeyID, password: cred.AccessKeySecret, extra: opt(cred.SecurityToken),
			code: "28P01", message: `password authentication failed for user "` + cred.AccessKeyID + `"`,
			detail: `CREATE USER "` + roleV4 + `";`},
		{name: "account of another owner not added", user: f.bKey.ID, password: f.bKey.Secret,
			code: "28P01", detail: `CREATE USER "` + f.b.ID + `";`},
		{name: "role of another account not added", user: bcred.AccessKeyID, password: bcred.AccessKeySecret, extra: opt(bcred.SecurityToken),
			code: "28P01", detail: `RAM role otherRole (RoleId ` + f.broleB.ID + `) of account ` + f.b.ID},
		{name: "STS without token", user: cred.AccessKeyID, password: cred.AccessKeySecret, before: func() { addUser(t, roleV4, false) },
			code: "28P01", message: `password authentication failed for user "` + cred.AccessKeyID + `"`, detail: "no security token was sent"},
		{name: "foreign token", user: cred.AccessKeyID, password: cred.AccessKeySecret, extra: opt(other.SecurityToken),
			code: "28P01", detail: "does not belong to " + cred.AccessKeyID},
		{name: "malformed token", user: cred.AccessKeyID, password: cred.AccessKeySecret, extra: opt("garbage%%"),
			code: "28P01", detail: "malformed"},
		{name: "token with a permanent key", user: f.aKey.ID, password: f.aKey.Secret, extra: opt(cred.SecurityToken),
			code: "28P01", detail: "InvalidSecurityToken.MismatchWithAccessKey"},
		{name: "STS wrong secret", user: cred.AccessKeyID, password: "nope", extra: opt(cred.SecurityToken),
			code: "28P01", detail: "is not the AccessKey secret of " + cred.AccessKeyID},
		{name: "expired token", user: short.AccessKeyID, password: short.AccessKeySecret, extra: opt(short.SecurityToken),
			before: func() { f.advance(16 * time.Minute) },
			code:   "28P01", message: `password authentication failed for user "` + short.AccessKeyID + `"`, detail: "has expired"},
		{name: "AKv4 wrong region", user: "akv4$" + f.aKey.ID, password: AKv4Password(f.aKey.Secret, "cn-shanghai", time.Now()),
			code: "28P01", message: `password authentication failed for user "akv4$` + f.aKey.ID + `"`, detail: "for region cn-hangzhou"},
		{name: "AKv4 two days off", user: "akv4$" + f.aKey.ID, password: AKv4Password(f.aKey.Secret, "cn-hangzhou", f.now().AddDate(0, 0, -2)),
			code: "28P01", detail: "is not the key derived"},
		{name: "AKv4 raw secret", user: "akv4$" + f.aKey.ID, password: f.aKey.Secret, code: "28P01", detail: "is not the key derived"},
		{name: "BASIC$ wrong password", user: "BASIC$carol", password: "wrong",
			code: "28P01", message: `password authentication failed for user "BASIC$carol"`, detail: "The password of BASIC$carol is wrong."},
		{name: "BASIC$ unknown", user: "BASIC$nobody", password: "x", code: "28P01", detail: "does not exist"},
		{name: "BASIC$ bad name", user: "BASIC$../x", password: "x", code: "28P01", detail: "is not a valid BASIC$ user name"},
		{name: "BASIC$ without password", user: "BASIC$nopass", password: "", code: "28P01", detail: "has no password"},
		{name: "database does not exist", user: f.aKey.ID, password: f.aKey.Secret, extra: []string{"dbname=nosuchdb"},
			code: "3D000", message: `database "nosuchdb" does not exist`},
		{name: "replication", user: f.aKey.ID, password: f.aKey.Secret, extra: []string{"replication=database"},
			code: "0A000", message: "replication connections are not supported"},
		{name: "empty AccessKeyId after akv4$", user: "akv4$", password: "x", code: "28P01", detail: "The user name is empty"},
		// Last: it disables alice's key for good.
		{name: "disabled AccessKey", user: f.uKey.ID, password: f.uKey.Secret,
			before: func() {
				addUser(t, "p4_"+f.user.ID, false)
				if err := f.iam.UpdateAccessKey(context.Background(), f.a.ID, "alice", f.uKey.ID, "Inactive"); err != nil {
					t.Fatal(err)
				}
			},
			code: "28P01", message: `password authentication failed for user "` + f.uKey.ID + `"`, detail: "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			_, err := f.connect(t, tc.user, tc.password, "postgres", tc.extra...)
			if err == nil {
				t.Fatal("logged in")
			}
			pe := pgErr(t, err)
			if pe.Severity != "FATAL" || pe.Code != tc.code || tc.message != "" && pe.Message != tc.message || !strings.Contains(pe.Detail, tc.detail) {
				t.Fatalf("got %s %s %q detail %q hint %q", pe.Severity, pe.Code, pe.Message, pe.Detail, pe.Hint)
			}
			for _, secret := range []string{f.aKey.Secret, f.uKey.Secret, cred.AccessKeySecret, cred.SecurityToken, other.SecurityToken, short.SecurityToken} {
				if strings.Contains(pe.Message+pe.Detail+pe.Hint, secret) || strings.Contains(f.logs.String(), secret) {
					t.Fatalf("a secret or token leaked into the error or the log")
				}
			}
		})
	}
}

func TestNoConnectPrivilege(t *testing.T) {
	f := newFront(t)
	db := uniqueDB(t)
	admin(t, "postgres", `CREATE DATABASE `+quoteIdent(db), `REVOKE CONNECT ON DATABASE `+quoteIdent(db)+` FROM PUBLIC`)
	t.Cleanup(func() { admin(t, "postgres", `DROP DATABASE IF EXISTS `+quoteIdent(db)+` WITH (FORCE)`) })
	role := "p4_" + f.user.ID
	addUser(t, role, false)
	_, err := f.connect(t, f.uKey.ID, f.uKey.Secret, db)
	pe := pgErr(t, err)
	if pe.Code != "42501" || pe.Message != `permission denied for database "`+db+`"` || pe.Detail != "User does not have CONNECT privilege." {
		t.Fatalf("got %s %q %q", pe.Code, pe.Message, pe.Detail)
	}
	// Granted CONNECT, it logs in; the warehouse suffix is accepted.
	admin(t, "postgres", `GRANT CONNECT ON DATABASE `+quoteIdent(db)+` TO `+quoteIdent(role))
	c := f.mustConnect(t, f.uKey.ID, f.uKey.Secret, db+"@init_warehouse")
	if got := scalar(t, c, `SELECT current_database()`); got != db {
		t.Fatalf("database %s", got)
	}
}

func TestNoLoginAndUnsafeRoles(t *testing.T) {
	f := newFront(t)
	role := "p4_" + f.user.ID
	admin(t, "postgres", `CREATE ROLE `+quoteIdent(role)+` NOLOGIN `+tenantAttributes)
	t.Cleanup(func() { dropTestRoles(t, role) })
	_, err := f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	if pe := pgErr(t, err); pe.Code != "28P01" || !strings.Contains(pe.Detail, "may not log in (NOLOGIN)") {
		t.Fatalf("NOLOGIN: %s %q %q", pe.Code, pe.Message, pe.Detail)
	}
	// A role someone made CREATEROLE behind localyun's back never logs in.
	admin(t, "postgres", `ALTER ROLE `+quoteIdent(role)+` LOGIN CREATEROLE`)
	_, err = f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	if pe := pgErr(t, err); pe.Code != "28000" || !strings.Contains(pe.Message, "may not log in through localyun") {
		t.Fatalf("CREATEROLE: %s %q", pe.Code, pe.Message)
	}
	admin(t, "postgres", `ALTER ROLE `+quoteIdent(role)+` NOCREATEROLE`, `GRANT pg_read_server_files TO `+quoteIdent(role))
	_, err = f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	if pe := pgErr(t, err); pe.Code != "28000" {
		t.Fatalf("pg_read_server_files member: %s %q", pe.Code, pe.Message)
	}
	admin(t, "postgres", `REVOKE pg_read_server_files FROM `+quoteIdent(role))
	f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres")
}

func TestConnectionCaps(t *testing.T) {
	f := newFront(t, func(c *Config) { c.Limits.MaxConnectionsPerRole = 2; c.Limits.MaxConnections = 3 })
	f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	_, err := f.connect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	if pe := pgErr(t, err); pe.Code != "53300" || pe.Message != `too many connections for role "`+f.a.ID+`"` {
		t.Fatalf("per role: %s %q", pe.Code, pe.Message)
	}
	// The refusal is in the audit trail, as every refused login is.
	ctx := context.Background()
	if err := f.db.Audit().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	recs, err := f.db.Audit().Query(ctx, f.a.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, r := range recs {
		if r.Action == "hologres:Connect" && r.Decision == "Deny" && r.ErrorCode == "53300" && r.AccessKeyID == f.aKey.ID {
			denied++
		}
	}
	if denied != 1 {
		t.Fatalf("%d audited per-role refusals, want 1: %+v", denied, recs)
	}
	addUser(t, "p4_"+f.user.ID, false)
	f.mustConnect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	_, err = f.connect(t, f.uKey.ID, f.uKey.Secret, "postgres")
	if pe := pgErr(t, err); pe.Code != "53300" || pe.Message != "sorry, too many clients already" {
		t.Fatalf("per instance: %s %q", pe.Code, pe.Message)
	}
}

func TestAuthTimeout(t *testing.T) {
	f := newFront(t, func(c *Config) { c.Limits.AuthTimeout = 300 * time.Millisecond })
	d := time.Now()
	conn, err := dialRaw(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Send nothing: the front end hangs up.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1)
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("read a byte from a silent connection")
	}
	if el := time.Since(d); el > 3*time.Second {
		t.Fatalf("hung up after %v", el)
	}
	_ = context.Background()
}

func dialRaw(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 5*time.Second) }
