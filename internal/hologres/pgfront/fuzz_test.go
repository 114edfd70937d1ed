package pgfront

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
)

// byteConn is a client that sends fixed bytes and reads nothing: Read
// serves the input then EOF, Write discards.
type byteConn struct {
	r *bytes.Reader
}

func (c *byteConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *byteConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *byteConn) Close() error                     { return nil }
func (c *byteConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *byteConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *byteConn) SetDeadline(time.Time) error      { return nil }
func (c *byteConn) SetReadDeadline(time.Time) error  { return nil }
func (c *byteConn) SetWriteDeadline(time.Time) error { return nil }

// fixedResolver knows one permanent key and one STS key with its token.
type fixedResolver struct{}

func (fixedResolver) Resolve(_ context.Context, akid, token string) (*iam.Identity, string, error) {
	switch {
	case akid == "LTAIfuzz" && token == "":
		return &iam.Identity{Kind: iam.User, Account: "1000000000000001", UserID: "200000000000001", UserName: "u"}, "secret", nil
	case akid == "STS.fuzz" && token == "tok+en":
		return &iam.Identity{Kind: iam.RoleSession, Account: "1000000000000001", RoleID: "300000000000001", RoleName: "r"}, "stssecret", nil
	case strings.HasPrefix(akid, "STS."):
		return nil, "", apierr.New(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
	}
	return nil, "", apierr.New(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
}

func fuzzServer(tb testing.TB) *Server {
	s, err := New(Config{InstanceID: "hgpostcn-cn-fuzz", Region: "cn-hangzhou", Owner: "1000000000000001",
		Resolver: fixedResolver{}, SocketDir: tb.TempDir(), Port: 5432,
		Admin: func(context.Context, string) (*pgx.Conn, error) { return nil, errors.New("no cluster in the fuzzer") },
		Now:   func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func packet(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(4+len(body))), body...)
}

func message(typ byte, body []byte) []byte {
	return append([]byte{typ}, packet(body)...)
}

// FuzzStartup feeds arbitrary bytes to a connection's startup and
// authentication: whatever arrives, the front end answers or hangs up, and
// never panics. Run it with
//
//	go test ./internal/hologres/pgfront -run '^$' -fuzz FuzzStartup -fuzztime 2m
func FuzzStartup(f *testing.F) {
	start := func(kv ...string) []byte { return packet(startupBytes(protocol30, kv...)) }
	pw := func(s string) []byte { return message('p', append([]byte(s), 0)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	ssl := packet(binary.BigEndian.AppendUint32(nil, sslRequestCode))
	gss := packet(binary.BigEndian.AppendUint32(nil, gssEncRequestCode))
	f.Add(cat(start("user", "LTAIfuzz", "database", "db@wh"), pw("secret")))
	f.Add(cat(start("user", "LTAIfuzz"), pw("wrong")))
	f.Add(cat(start("user", "STS.fuzz", "options", "type=fixed sts_token=tok%2Ben"), pw("stssecret")))
	f.Add(cat(start("user", "STS.fuzz", "options", "-c sts_token=tok+en -c role=x --search-path=y"), pw("stssecret")))
	f.Add(cat(start("user", "akv4$LTAIfuzz"), pw(AKv4Password("secret", "cn-hangzhou", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)))))
	f.Add(cat(start("user", "BASIC$bob", "application_name", "x", "_pq_.ext", "1"), pw("pw")))
	f.Add(cat(gss, ssl, start("user", "LTAIfuzz", "replication", "true"), pw("secret")))
	f.Add(cat(ssl, ssl))
	f.Add(packet(append(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, cancelRequestCode), 1), 1, 2, 3, 4)))
	f.Add(cat(packet(startupBytes(3<<16|2, "user", "LTAIfuzz")), pw("secret")))
	f.Add(packet(startupBytes(2 << 16)))
	f.Add(cat(start("user", "LTAIfuzz"), message('X', nil)))
	f.Add(cat(start("user", "LTAIfuzz"), []byte{'p', 0xff, 0xff, 0xff, 0xff}))
	f.Add([]byte{0, 0, 0, 3})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0})
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		s.serveConn(&byteConn{r: bytes.NewReader(in)})
	})
}

// FuzzRoleStatements checks that reading any query text never panics, and
// that whatever it accepts names only roles localyun manages.
func FuzzRoleStatements(f *testing.F) {
	for _, q := range []string{
		`CREATE USER "v4_1" SUPERUSER`, `ALTER ROLE "BASIC$x" PASSWORD E'a\'b'`, `DROP USER IF EXISTS "p4_1", "p4_2"`,
		`GRANT db_developer TO "p4_1"`, `REVOKE db_viewer FROM "v4_2" CASCADE`, `CREATE DATABASE "x"`,
		`DROP DATABASE IF EXISTS d WITH (FORCE)`, `select $a$;$a$; create user x`, `/* /* */ */ grant x to y`,
		`GRANT SELECT ON t TO x`, `CREATE USER MAPPING FOR x SERVER y`, "create role \"a\"\"b\" login",
	} {
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, q string, scs bool) {
		st, perr := analyzeQuery(q, scs)
		if st == nil || perr != nil {
			return
		}
		if st.kind == stmtCreateDatabase || st.kind == stmtDropDatabase {
			return
		}
		s := &Server{cfg: Config{Owner: "1"}}
		var p plan
		var err *PGError
		switch st.kind {
		case stmtCreateRole:
			p, err = s.planCreate(st)
		case stmtAlterRole:
			p, err = s.planAlter(st)
		case stmtGrantRole, stmtRevokeRole:
			p, err = s.planMembership(st)
		default:
			return
		}
		if err != nil {
			return
		}
		for _, n := range append(append([]string(nil), st.names...), st.members...) {
			if classifyRole(n) == classInvalid {
				t.Fatalf("%q: planned with role %q", q, n)
			}
		}
		for _, sql := range p.sql {
			for _, bad := range []string{"CREATEROLE ", "CREATEDB ", "REPLICATION ", "BYPASSRLS ", " SUPERUSER"} {
				if strings.Contains(strings.ReplaceAll(sql, "NO"+strings.TrimSpace(bad), ""), bad) {
					t.Fatalf("%q: planned %q", q, sql)
				}
			}
		}
	})
}

var _ io.Reader = (*byteConn)(nil)
