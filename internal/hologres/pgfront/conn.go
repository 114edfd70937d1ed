package pgfront

import (
	"bufio"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/localyun/localyun/internal/store"
)

// serveConn runs one client connection from accept to close.
func (s *Server) serveConn(raw net.Conn) {
	deadline := time.Now().Add(s.lim.AuthTimeout)
	_ = raw.SetDeadline(deadline)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	log := s.log.With("remote", raw.RemoteAddr().String())

	conn, pkt, err := s.negotiate(ctx, raw)
	if err != nil {
		var pe *PGError
		if errors.As(err, &pe) {
			writeFatal(conn, pe)
		}
		if !isDisconnect(err) {
			log.Debug("pgfront: startup refused", "err", err)
		}
		return
	}
	if pkt.kind == packetCancel {
		s.handleCancel(pkt)
		return
	}
	ss, pe := s.startSession(ctx, conn, pkt, log)
	if ss == nil && pe == nil {
		return // the client went away
	}
	if pe != nil {
		switch {
		case pe.Code == codeInternal || errors.Is(pe.cause, errUnsafeRole):
			log.Error("pgfront: login failed", "code", pe.Code, "err", pe, "cause", pe.cause)
		default:
			// Message and Detail name the user, never a secret.
			log.Info("pgfront: login refused", "code", pe.Code, "message", pe.Message, "detail", pe.Detail)
		}
		writeFatal(conn, pe)
		return
	}
	defer s.unregister(ss)
	ss.run()
}

// negotiate reads startup packets until a StartupMessage or a
// CancelRequest, answering SSLRequest and GSSENCRequest on the way. It
// returns the connection to go on with (TLS after an SSLRequest).
func (s *Server) negotiate(ctx context.Context, raw net.Conn) (net.Conn, startupPacket, error) {
	conn := raw
	sslAsked, gssAsked, secure := false, false, false
	for {
		p, err := readStartupPacket(conn)
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				return conn, p, fatalf(codeProtocolViolation, "%s", pe.Reason)
			}
			return conn, p, err
		}
		switch p.kind {
		case packetSSL:
			if sslAsked || secure {
				return conn, p, fatalf(codeProtocolViolation, "unexpected SSLRequest")
			}
			sslAsked = true
			if s.cfg.TLS == nil {
				if _, err := conn.Write([]byte{'N'}); err != nil {
					return conn, p, err
				}
				continue
			}
			if _, err := conn.Write([]byte{'S'}); err != nil {
				return conn, p, err
			}
			tc := tls.Server(raw, s.cfg.TLS)
			if err := tc.HandshakeContext(ctx); err != nil {
				return nil, p, fmt.Errorf("TLS handshake: %w", err)
			}
			conn, secure = tc, true
		case packetGSSEnc:
			if gssAsked || secure {
				return conn, p, fatalf(codeProtocolViolation, "unexpected GSSENCRequest")
			}
			gssAsked = true
			if _, err := conn.Write([]byte{'N'}); err != nil {
				return conn, p, err
			}
		default:
			return conn, p, nil
		}
	}
}

// handleCancel maps the front end's cancel key to its backend's and
// forwards the request. A wrong key is ignored without an answer, as
// PostgreSQL does.
func (s *Server) handleCancel(p startupPacket) {
	s.mu.Lock()
	ss := s.sessions[p.cancelPID]
	s.mu.Unlock()
	if ss == nil || len(p.cancelKey) != len(ss.frontKey) || subtle.ConstantTimeCompare(p.cancelKey, ss.frontKey[:]) != 1 {
		return
	}
	if err := s.sendBackendCancel(ss.backendPID, ss.backendKey); err != nil {
		s.log.Warn("pgfront: forwarding a cancel request", "err", err)
	}
}

// startSession authenticates the client, opens its backend session and
// completes the client's startup. The returned session is registered.
func (s *Server) startSession(ctx context.Context, conn net.Conn, pkt startupPacket, log *slog.Logger) (*session, *PGError) {
	major, minor := pkt.version>>16, pkt.version&0xffff
	if major != 3 {
		return nil, fatalf(codeFeatureNotSupported, "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor)
	}
	if s.overCap() {
		return nil, fatalf(codeTooManyConnections, "sorry, too many clients already").
			withDetail("Instance %s accepts at most %d connections.", s.cfg.InstanceID, s.lim.MaxConnections)
	}
	var out []byte
	var unknown []string
	for _, kv := range pkt.params {
		if strings.HasPrefix(kv.name, "_pq_.") {
			unknown = append(unknown, kv.name)
		}
	}
	if minor > 0 || len(unknown) > 0 {
		out = encode(out, &pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	user, _ := pkt.get("user")
	if user == "" {
		return nil, fatalf(codeInvalidAuthSpec, "no PostgreSQL user name specified in startup packet")
	}
	if r, ok := pkt.get("replication"); ok && !isFalse(r) {
		return nil, fatalf(codeFeatureNotSupported, "replication connections are not supported").
			withDetail("Hologres instances of localyun serve SQL sessions only.")
	}
	dbParam, _ := pkt.get("database")
	db, warehouse := splitDatabase(dbParam)
	if db == "" {
		db = adminDatabase
	}
	optsRaw, _ := pkt.get("options")
	opts := parseOptions(optsRaw)

	// The password: cleartext, because an AccessKey can only be checked
	// with its secret (see the package documentation).
	out = encode(out, &pgproto3.AuthenticationCleartextPassword{})
	if _, err := conn.Write(out); err != nil {
		return nil, nil
	}
	cr := bufio.NewReaderSize(conn, bufSize)
	typ, body, err := readMessage(cr, s.lim.MaxPasswordSize)
	if err != nil {
		var tl *MessageTooLongError
		if errors.As(err, &tl) {
			return nil, fatalf(codeProtocolViolation, "invalid password packet size")
		}
		if isDisconnect(err) {
			// psql hangs up to ask for the password, then calls again.
			return nil, nil
		}
		return nil, fatalf(codeProtocolViolation, "%v", err)
	}
	if typ != 'p' {
		if typ == 'X' {
			return nil, nil
		}
		return nil, fatalf(codeProtocolViolation, "expected password response, got message type %d", typ)
	}
	password, rest, ok := cstring(body)
	if !ok || len(rest) != 0 {
		return nil, fatalf(codeProtocolViolation, "invalid password packet")
	}

	lg, pe := s.authenticate(ctx, user, password, opts)
	if pe != nil {
		s.auditLogin(user, nil, pe)
		return nil, pe
	}
	ri, err := s.lookupRole(ctx, lg.role, lg.form == formBasic)
	if err != nil {
		return nil, internalError("FATAL", err)
	}
	if pe := s.checkRole(&lg, ri, password); pe != nil {
		s.auditLogin(user, &lg, pe)
		return nil, pe
	}

	keep, dropped := backendParams(&pkt, opts)
	ss := &session{srv: s, client: conn, cr: cr, caller: lg.caller(),
		cw: bufio.NewWriterSize(conn, bufSize),
		info: SessionInfo{Role: lg.role, Database: db, Warehouse: warehouse, User: user, Form: lg.form,
			Superuser: ri.superuser, Remote: conn.RemoteAddr().String(), Started: s.cfg.Now()}}
	if lg.identity != nil {
		ss.callerAccount = lg.identity.Account
	}
	if pe := s.register(ss); pe != nil {
		s.auditLogin(user, &lg, pe)
		return nil, pe
	}
	b, pe := s.openBackend(ctx, lg.role, db, keep)
	if pe != nil {
		s.unregister(ss)
		s.auditLogin(user, &lg, pe)
		return nil, pe
	}
	ss.attach(b)

	// The client's startup completes: AuthenticationOk, the backend's
	// parameters, the front end's own key, then ReadyForQuery.
	out = encode(nil, &pgproto3.AuthenticationOk{})
	for _, kv := range b.status {
		out = encode(out, &pgproto3.ParameterStatus{Name: kv.name, Value: kv.value})
	}
	out = encode(out, &pgproto3.BackendKeyData{ProcessID: ss.frontPID, SecretKey: ss.frontKey[:]})
	for _, n := range b.notices {
		out = append(out, n...)
	}
	if len(dropped) > 0 {
		out = encode(out, &pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: "01000",
			Message: "localyun ignored startup settings: " + strings.Join(dropped, ", "),
			Detail:  "Only these startup settings reach the database: " + strings.Join(AllowedStartupParameters(), ", ") + "."})
	}
	out = encode(out, &pgproto3.ReadyForQuery{TxStatus: b.txStatus})
	if _, err := conn.Write(out); err != nil {
		s.unregister(ss)
		b.conn.Close()
		return nil, nil
	}
	_ = conn.SetDeadline(time.Time{})
	s.auditLogin(user, &lg, nil)
	log.Debug("pgfront: session started", "user", user, "role", lg.role, "database", db, "form", lg.form)
	return ss, nil
}

// checkRole refuses a login whose role is missing, may not log in, has
// the wrong BASIC$ password, or holds what no tenant role may hold.
func (s *Server) checkRole(lg *login, ri roleInfo, password string) *PGError {
	if !ri.exists {
		if lg.form == formBasic {
			return authFailed(lg.user).withDetail("The user %s does not exist in instance %s.", lg.role, s.cfg.InstanceID)
		}
		return authFailed(lg.user).withDetail("The %s is not a user of instance %s: its database role %q does not exist. A superuser of the instance adds it with: CREATE USER %s;",
			describeIdentity(lg.identity), s.cfg.InstanceID, lg.role, quoteIdent(lg.role))
	}
	if lg.form == formBasic {
		switch {
		case ri.password == "":
			return authFailed(lg.user).withDetail("The user %s has no password. A superuser sets one with: ALTER USER %s PASSWORD '...';", lg.role, quoteIdent(lg.role))
		case !verifyPassword(lg.role, password, ri.password):
			return authFailed(lg.user).withDetail("The password of %s is wrong.", lg.role)
		case ri.validTill != nil && ri.validTill.Before(s.cfg.Now()):
			return authFailed(lg.user).withDetail("The password of %s expired at %s.", lg.role, ri.validTill.UTC().Format(time.RFC3339))
		}
	}
	if !ri.canLogin {
		return authFailed(lg.user).withDetail("The database role %q may not log in (NOLOGIN).", lg.role).
			withHint("a superuser of the instance allows it with: ALTER USER %s LOGIN;", quoteIdent(lg.role))
	}
	if ri.unsafe {
		// Nothing localyun does makes such a role; someone changed the
		// cluster behind its back. Refuse, loudly.
		return fatalf(codeInvalidAuthSpec, "role %q may not log in through localyun", lg.role).
			withDetail("It is a PostgreSQL superuser, has CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, or is a member of a role that has, or of pg_execute_server_program, pg_read_server_files or pg_write_server_files: any of these reaches the host.").
			withCause(fmt.Errorf("%w: %q", errUnsafeRole, lg.role))
	}
	return nil
}

func (s *Server) auditLogin(user string, lg *login, pe *PGError) {
	rec := store.AuditRecord{Event: "api", Action: "hologres:Connect", Decision: "Allow"}
	if lg != nil {
		rec.Caller = lg.caller()
		if lg.identity != nil {
			rec.CallerAccount = lg.identity.Account
		}
	}
	if !strings.HasPrefix(user, basicPrefix) {
		rec.AccessKeyID = strings.TrimPrefix(user, akv4Prefix)
	}
	if pe != nil {
		rec.Decision, rec.ErrorCode = "Deny", pe.Code
	}
	s.audit(rec)
}

// writeFatal sends e to a client that is still in its startup and lets the
// caller close the connection.
func writeFatal(conn net.Conn, e *PGError) {
	if conn == nil {
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(encode(nil, e.response()))
}

func isFalse(s string) bool {
	switch strings.ToLower(s) {
	case "false", "off", "no", "0":
		return true
	}
	return false
}

// isDisconnect reports the ordinary ways a client goes away.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// errUnsafeRole: a role that reaches the host tried to log in.
var errUnsafeRole = errors.New("pgfront: a role with host-level privileges tried to log in")
