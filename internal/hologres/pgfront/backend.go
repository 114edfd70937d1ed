package pgfront

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// bufSize is the size of each relay buffer (PostgreSQL sends in 8 KiB
// pieces; 32 KiB lets a few messages travel in one write).
const bufSize = 32 << 10

// backendSession is a backend connection after its startup.
type backendSession struct {
	conn     net.Conn
	br       *bufio.Reader
	pid      uint32
	key      []byte
	status   []param  // ParameterStatus, in the order sent
	notices  [][]byte // NoticeResponse messages, whole, to relay
	txStatus byte
}

// errBackendUnsafe: the backend reported a PostgreSQL superuser session.
var errBackendUnsafe = errors.New("pgfront: the backend session is a PostgreSQL superuser")

// openBackend connects to the cluster's socket as role and runs the
// startup to its first ReadyForQuery. The socket trusts local
// connections, so the only answer to the startup is AuthenticationOk or
// an error (no such role, no CONNECT, too many connections, ...), which is
// returned as the client should see it.
func (s *Server) openBackend(ctx context.Context, role, database string, params []param) (*backendSession, *PGError) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", s.socket)
	if err != nil {
		return nil, fatalf("57P03", "the database system is not accepting connections").
			withDetail("The PostgreSQL cluster of instance %s is not reachable.", s.cfg.InstanceID).
			withHint("GetInstance reports the instance's status").withCause(err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	m := make(map[string]string, len(params)+2)
	for _, p := range params {
		m[p.name] = p.value
	}
	m["user"], m["database"] = role, database
	if _, err := c.Write(encode(nil, &pgproto3.StartupMessage{ProtocolVersion: protocol30, Parameters: m})); err != nil {
		c.Close()
		return nil, internalError("FATAL", err)
	}
	b := &backendSession{conn: c, br: bufio.NewReaderSize(c, bufSize)}
	fail := func(e *PGError) (*backendSession, *PGError) {
		c.Close()
		return nil, e
	}
	for {
		typ, body, err := readMessage(b.br, 1<<20)
		if err != nil {
			return fail(internalError("FATAL", fmt.Errorf("backend startup: %w", err)))
		}
		switch typ {
		case 'R':
			if len(body) < 4 || binary.BigEndian.Uint32(body) != 0 {
				// The private socket must trust the front end; anything
				// else is a misconfigured cluster.
				return fail(internalError("FATAL", errors.New("backend startup: the cluster asked for a password on its private socket")))
			}
		case 'S':
			var ps pgproto3.ParameterStatus
			if err := ps.Decode(body); err != nil {
				return fail(internalError("FATAL", err))
			}
			if ps.Name == "is_superuser" && ps.Value != "off" {
				return fail(internalError("FATAL", errBackendUnsafe))
			}
			b.status = append(b.status, param{ps.Name, ps.Value})
		case 'K':
			var k pgproto3.BackendKeyData
			if err := k.Decode(body); err != nil {
				return fail(internalError("FATAL", err))
			}
			b.pid, b.key = k.ProcessID, k.SecretKey
		case 'N':
			b.notices = append(b.notices, rawMessage(typ, body))
		case 'E':
			var er pgproto3.ErrorResponse
			if err := er.Decode(body); err != nil {
				return fail(internalError("FATAL", err))
			}
			return fail(&PGError{Severity: "FATAL", Code: er.Code, Message: er.Message, Detail: er.Detail, Hint: er.Hint})
		case 'Z':
			if len(body) != 1 {
				return fail(internalError("FATAL", errors.New("backend startup: bad ReadyForQuery")))
			}
			b.txStatus = body[0]
			if b.pid == 0 {
				return fail(internalError("FATAL", errors.New("backend startup: no BackendKeyData")))
			}
			_ = c.SetDeadline(time.Time{})
			return b, nil
		case 'v':
			// NegotiateProtocolVersion: the front end asks for 3.0 with no
			// extension, so there is nothing to negotiate down.
		default:
			return fail(internalError("FATAL", fmt.Errorf("backend startup: unexpected message %q", typ)))
		}
	}
}

func rawMessage(typ byte, body []byte) []byte {
	m := make([]byte, 5+len(body))
	m[0] = typ
	binary.BigEndian.PutUint32(m[1:], uint32(4+len(body)))
	copy(m[5:], body)
	return m
}

// backendParams picks what reaches the backend of the client's startup
// parameters and `-c` settings (the explicit parameters win, as in
// PostgreSQL) and names what was dropped.
func backendParams(p *startupPacket, o startupOptions) (keep []param, dropped []string) {
	seen := map[string]int{}
	add := func(name, value string) {
		lc := strings.ToLower(name)
		if !allowedParams[lc] {
			dropped = append(dropped, clip(name))
			return
		}
		if i, ok := seen[lc]; ok {
			keep[i] = param{name, value}
			return
		}
		seen[lc] = len(keep)
		keep = append(keep, param{name, value})
	}
	for _, kv := range o.settings {
		add(kv.name, kv.value)
	}
	dropped = append(dropped, o.ignored...)
	for _, kv := range p.params {
		switch {
		case kv.name == "user", kv.name == "database", kv.name == "options", kv.name == "replication",
			strings.HasPrefix(kv.name, "_pq_."):
			continue
		}
		add(kv.name, kv.value)
	}
	return keep, dropped
}

// sendBackendCancel asks PostgreSQL to cancel the query of backend pid.
// PostgreSQL closes the connection without an answer.
func (s *Server) sendBackendCancel(pid uint32, key []byte) error {
	c, err := net.DialTimeout("unix", s.socket, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(encode(nil, &pgproto3.CancelRequest{ProcessID: pid, SecretKey: key})); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, c)
	return nil
}
