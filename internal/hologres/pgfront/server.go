package pgfront

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/store"
)

// Limits bound what one instance's front end accepts. Zero fields take the
// defaults.
type Limits struct {
	// AuthTimeout bounds everything from accept to the first
	// ReadyForQuery: TLS, startup, password, role check and the backend's
	// own startup. Default 10 s (PostgreSQL's authentication_timeout is
	// 60 s; a client that has its credentials answers in milliseconds).
	AuthTimeout time.Duration
	// MaxConnections caps the client connections of the instance,
	// counting those still logging in and cancel requests. Default 80,
	// below PostgreSQL's default max_connections of 100, which must also
	// leave room for MaxAdminConns and superuser_reserved_connections.
	MaxConnections int
	// MaxConnectionsPerRole caps the sessions of one database role (one
	// identity). Default 40.
	MaxConnectionsPerRole int
	// MaxMessageSize caps a client message after login (a query, a Bind,
	// one CopyData). Default 64 MiB.
	MaxMessageSize int
	// MaxPasswordSize caps the password message. Default 1000 bytes, as in
	// PostgreSQL.
	MaxPasswordSize int
	// MaxAdminConns caps the administrative connections the front end
	// keeps for role checks and role management. Default 4.
	MaxAdminConns int
}

// Default limits.
const (
	DefaultAuthTimeout           = 10 * time.Second
	DefaultMaxConnections        = 80
	DefaultMaxConnectionsPerRole = 40
	DefaultMaxMessageSize        = 64 << 20
	DefaultMaxPasswordSize       = 1000
	DefaultMaxAdminConns         = 4
)

func (l Limits) withDefaults() Limits {
	if l.AuthTimeout <= 0 {
		l.AuthTimeout = DefaultAuthTimeout
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxConnectionsPerRole <= 0 {
		l.MaxConnectionsPerRole = DefaultMaxConnectionsPerRole
	}
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = DefaultMaxMessageSize
	}
	if l.MaxPasswordSize <= 0 {
		l.MaxPasswordSize = DefaultMaxPasswordSize
	}
	if l.MaxAdminConns <= 0 {
		l.MaxAdminConns = DefaultMaxAdminConns
	}
	return l
}

// Config configures the front end of one instance.
type Config struct {
	InstanceID string
	// Region is the instance's region: AKv4 keys are derived for it.
	Region string
	// Owner is the account UID that owns the instance; its role is always
	// a Hologres superuser.
	Owner string
	// Resolver resolves AccessKeyIds (the gateway's resolver).
	Resolver Resolver
	// SocketDir and Port locate the cluster's unix socket
	// (SocketDir/.s.PGSQL.<Port>), which trusts every local connection:
	// the front end is the only way in.
	SocketDir string
	Port      int
	// Admin opens a connection to database as the cluster's
	// administrative superuser (pgcluster's AdminConn).
	Admin func(ctx context.Context, database string) (*pgx.Conn, error)
	// TLS, when set, is offered to clients that send SSLRequest
	// (localyun's certificate). Without it they are told 'N' and go on in
	// plaintext or give up, as their sslmode says.
	TLS *tls.Config
	// Audit, when set, records logins and role-management statements.
	Audit  store.AuditLog
	Logger *slog.Logger
	Now    func() time.Time
	// Rand makes cancel keys and session ids (default crypto/rand).
	Rand   io.Reader
	Limits Limits
}

// Server is the front end of one instance.
type Server struct {
	cfg    Config
	lim    Limits
	log    *slog.Logger
	admin  *adminPool
	socket string
	arn    string

	// ctx ends at Close: role statements under way are abandoned.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	perRole   map[string]int
	sessions  map[uint32]*session // by front-end process id
	randMu    sync.Mutex
	wg        sync.WaitGroup
}

// New checks cfg and builds the front end; Serve starts it.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.InstanceID == "":
		return nil, errors.New("pgfront: InstanceID is required")
	case cfg.Resolver == nil:
		return nil, errors.New("pgfront: Resolver is required")
	case cfg.Admin == nil:
		return nil, errors.New("pgfront: Admin is required")
	case cfg.SocketDir == "" || cfg.Port <= 0:
		return nil, errors.New("pgfront: SocketDir and Port are required")
	case cfg.Region == "":
		return nil, errors.New("pgfront: Region is required (AKv4 keys are derived for it)")
	case cfg.Owner == "":
		return nil, errors.New("pgfront: Owner is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim := cfg.Limits.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		ctx:       ctx,
		cancel:    cancel,
		cfg:       cfg,
		lim:       lim,
		log:       log.With("instance", cfg.InstanceID),
		admin:     newAdminPool(cfg.Admin, lim.MaxAdminConns),
		socket:    filepath.Join(cfg.SocketDir, ".s.PGSQL."+strconv.Itoa(cfg.Port)),
		arn:       hologres.Instance{ID: cfg.InstanceID, Owner: cfg.Owner, Region: cfg.Region}.ARN(),
		listeners: map[net.Listener]struct{}{},
		conns:     map[net.Conn]struct{}{},
		perRole:   map[string]int{},
		sessions:  map[uint32]*session{},
	}, nil
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgfront: server closed")

// Serve accepts connections on l until l fails or Close is called; it then
// returns ErrServerClosed (after Close) or the accept error. Sessions keep
// running until they end or Close ends them.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !s.track(c) {
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.serveConn(c)
		}()
	}
}

// hardConnLimit: past this many open sockets a new one is closed at once,
// without a word (a flood must not cost a goroutine and a timer each).
func (s *Server) hardConnLimit() int { return 2*s.lim.MaxConnections + 16 }

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.hardConnLimit() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// overCap reports whether the instance has more client connections than
// MaxConnections (c itself counted).
func (s *Server) overCap() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns) > s.lim.MaxConnections
}

// Close stops accepting, ends every session (their running queries are
// terminated) and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	s.cancel()
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.admin.close()
	return nil
}

// SessionInfo describes a live session.
type SessionInfo struct {
	Role, Database, Warehouse string
	User                      string // as the client sent it (an AccessKeyId, never a secret)
	Form                      string // "AccessKey", "AKv4" or "BASIC"
	Superuser                 bool   // a Hologres superuser at login
	Remote                    string
	Started                   time.Time
}

// Sessions lists the live sessions, for the console and tests.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss.info)
	}
	return out
}

// EndSessions ends the sessions of a database role (for example after
// its identity was removed) and returns how many it ended.
func (s *Server) EndSessions(role string) int {
	s.mu.Lock()
	var victims []*session
	for _, ss := range s.sessions {
		if ss.info.Role == role {
			victims = append(victims, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range victims {
		ss.client.Close()
	}
	return len(victims)
}

// register gives a session its front-end cancel key and counts it
// against the per-role cap.
func (s *Server) register(ss *session) *PGError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perRole[ss.info.Role] >= s.lim.MaxConnectionsPerRole {
		return fatalf(codeTooManyConnections, "too many connections for role %q", ss.info.Role).
			withDetail("A role may have at most %d sessions on this instance.", s.lim.MaxConnectionsPerRole)
	}
	for {
		var b [8]byte
		if err := s.random(b[:]); err != nil {
			return internalError("FATAL", err)
		}
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if pid == 0 || s.sessions[pid] != nil {
			continue
		}
		ss.frontPID = pid
		copy(ss.frontKey[:], b[4:])
		break
	}
	s.sessions[ss.frontPID] = ss
	s.perRole[ss.info.Role]++
	return nil
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[ss.frontPID] != ss {
		return
	}
	delete(s.sessions, ss.frontPID)
	if s.perRole[ss.info.Role]--; s.perRole[ss.info.Role] <= 0 {
		delete(s.perRole, ss.info.Role)
	}
}

// random fills b from the configured source; the lock lets tests inject a
// deterministic reader that is not safe for concurrent use.
func (s *Server) random(b []byte) error {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	_, err := io.ReadFull(s.cfg.Rand, b)
	return err
}

func (s *Server) audit(rec store.AuditRecord) {
	if s.cfg.Audit == nil {
		return
	}
	rec.Time = s.cfg.Now().UTC()
	rec.Resource = s.arn
	rec.ResourceAccount = s.cfg.Owner
	s.cfg.Audit.Append(rec)
}
