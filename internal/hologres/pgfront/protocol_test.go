package pgfront

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient speaks the protocol by hand.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	fe   *pgproto3.Frontend
}

func (f *front) raw(t *testing.T) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", f.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawClient{t: t, conn: c, fe: pgproto3.NewFrontend(c, c)}
}

func (r *rawClient) send(b []byte) {
	r.t.Helper()
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) recv() pgproto3.BackendMessage {
	r.t.Helper()
	m, err := r.fe.Receive()
	if err != nil {
		r.t.Fatalf("receive: %v", err)
	}
	return m
}

// login runs the startup with the given version and password.
func (r *rawClient) login(version uint32, password string, kv ...string) {
	r.t.Helper()
	r.send(packet(startupBytes(version, kv...)))
	for {
		switch m := r.recv().(type) {
		case *pgproto3.NegotiateProtocolVersion:
		case *pgproto3.AuthenticationCleartextPassword:
			r.send(message('p', append([]byte(password), 0)))
		case *pgproto3.ReadyForQuery:
			return
		case *pgproto3.ErrorResponse:
			r.t.Fatalf("login: %s %s", m.Code, m.Message)
		}
	}
}

func wantFatal(t *testing.T, m pgproto3.BackendMessage, code, message string) {
	t.Helper()
	e, ok := m.(*pgproto3.ErrorResponse)
	if !ok || e.Severity != "FATAL" || e.Code != code || !strings.Contains(e.Message, message) {
		t.Fatalf("got %#v, want FATAL %s %q", m, code, message)
	}
}

func TestProtocolEdges(t *testing.T) {
	f := newFront(t, func(c *Config) { c.Limits.MaxMessageSize = 4096 })

	t.Run("protocol 2.0", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(startupBytes(2<<16, "user", "x")))
		wantFatal(t, r.recv(), "0A000", "unsupported frontend protocol 2.0: server supports 3.0 to 3.0")
	})
	t.Run("protocol 3.2 negotiates down", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(startupBytes(3<<16|2, "user", f.aKey.ID, "database", "postgres", "_pq_.future", "1")))
		m, ok := r.recv().(*pgproto3.NegotiateProtocolVersion)
		if !ok || m.NewestMinorProtocol != 0 || len(m.UnrecognizedOptions) != 1 || m.UnrecognizedOptions[0] != "_pq_.future" {
			t.Fatalf("%#v", m)
		}
		if _, ok := r.recv().(*pgproto3.AuthenticationCleartextPassword); !ok {
			t.Fatal("no password request")
		}
		r.send(message('p', append([]byte(f.aKey.Secret), 0)))
		var key *pgproto3.BackendKeyData
		for {
			m := r.recv()
			if k, ok := m.(*pgproto3.BackendKeyData); ok {
				key = k
			}
			if _, ok := m.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		if key == nil || len(key.SecretKey) != 4 {
			t.Fatalf("key %#v", key)
		}
	})
	t.Run("GSSENC then SSL refused, then startup", func(t *testing.T) {
		r := f.raw(t)
		for _, code := range []uint32{gssEncRequestCode, sslRequestCode} {
			r.send(packet(binary.BigEndian.AppendUint32(nil, code)))
			b := make([]byte, 1)
			if _, err := io.ReadFull(r.conn, b); err != nil || b[0] != 'N' {
				t.Fatalf("answer %q %v", b, err)
			}
		}
		r.login(protocol30, f.aKey.Secret, "user", f.aKey.ID, "database", "postgres")
	})
	t.Run("second SSLRequest", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(binary.BigEndian.AppendUint32(nil, sslRequestCode)))
		io.ReadFull(r.conn, make([]byte, 1)) //nolint:errcheck
		r.send(packet(binary.BigEndian.AppendUint32(nil, sslRequestCode)))
		wantFatal(t, r.recv(), "08P01", "unexpected SSLRequest")
	})
	t.Run("bad startup length", func(t *testing.T) {
		r := f.raw(t)
		r.send([]byte{0, 1, 0, 0, 0, 3, 0, 0})
		wantFatal(t, r.recv(), "08P01", "invalid length of startup packet")
	})
	t.Run("no user", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(startupBytes(protocol30, "database", "postgres")))
		wantFatal(t, r.recv(), "28000", "no PostgreSQL user name specified in startup packet")
	})
	t.Run("password too long", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(startupBytes(protocol30, "user", f.aKey.ID)))
		r.recv()
		r.send(message('p', append([]byte(strings.Repeat("x", 2000)), 0)))
		wantFatal(t, r.recv(), "08P01", "invalid password packet size")
	})
	t.Run("not a password", func(t *testing.T) {
		r := f.raw(t)
		r.send(packet(startupBytes(protocol30, "user", f.aKey.ID)))
		r.recv()
		r.send(queryMsg("SELECT 1"))
		wantFatal(t, r.recv(), "08P01", "expected password response")
	})
	t.Run("message too long", func(t *testing.T) {
		role := "p4_" + f.user.ID
		addUser(t, role, false)
		r := f.raw(t)
		r.login(protocol30, f.uKey.Secret, "user", f.uKey.ID, "database", "postgres")
		waitSessions(t, role, 1, 5*time.Second)
		r.send(queryMsg("SELECT '" + strings.Repeat("x", 5000) + "'"))
		wantFatal(t, r.recv(), "54000", "message of 5010 bytes exceeds the limit of 4096 bytes")
		waitSessions(t, role, 0, 5*time.Second)
	})
	t.Run("Terminate", func(t *testing.T) {
		r := f.raw(t)
		r.login(protocol30, f.aKey.Secret, "user", f.aKey.ID, "database", "postgres")
		r.send(message('X', nil))
		if _, err := r.fe.Receive(); err == nil {
			t.Fatal("the connection stayed open after Terminate")
		}
	})
}
