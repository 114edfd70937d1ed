package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Fixed settings of every cluster.
const (
	// AdminRole is the bootstrap superuser of every cluster (initdb -U) and
	// the only role with SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS:
	// Verify fails a cluster where any other role has one of them.
	AdminRole = "localyun_admin"
	// Port is every cluster's port. No cluster listens on TCP; the port only
	// names the socket file, SocketDir(id)/.s.PGSQL.5432.
	Port = 5432
	// MaxConnections is max_connections of every cluster, of which
	// ReservedConnections are kept for AdminRole
	// (superuser_reserved_connections): front ends should cap tenant
	// sessions at MaxConnections-ReservedConnections per cluster.
	MaxConnections      = 100
	ReservedConnections = 3
	// MaxIDLen bounds cluster ids (which are also directory names).
	MaxIDLen = 63
	// MaxSocketBaseLen bounds Options.SocketBase so that the longest socket
	// path, SocketBase/<id>/.s.PGSQL.5432.lock, fits the 107 bytes of a
	// unix socket address: 24 bytes.
	MaxSocketBaseLen = 107 - len("/") - MaxIDLen - len("/.s.PGSQL.5432.lock")
	// MinMajorVersion is the oldest PostgreSQL major version supported
	// (initdb --no-instructions, predefined roles pg_read_all_data...).
	MinMajorVersion = 14
)

// Defaults of Options.
const (
	DefaultStartTimeout   = 60 * time.Second
	DefaultStopTimeout    = 15 * time.Second
	DefaultRestartLimit   = 5
	DefaultRestartBackoff = time.Second
	// maxRestartBackoff caps the doubling of RestartBackoff.
	maxRestartBackoff = 30 * time.Second
	// stableAfter: a run that lasted this long resets the restart count.
	stableAfter = time.Minute
	// quitGrace is how long an immediate shutdown (SIGQUIT) may take
	// before the postmaster is killed.
	quitGrace = 5 * time.Second
	// connectTimeout bounds one connection attempt over the socket.
	connectTimeout = 10 * time.Second
)

// Status is the state of a cluster.
type Status int

// Statuses. A cluster moves Absent → Creating → Stopped → Starting →
// Running → Stopped; any step can end in Failed, with a reason. The zero
// value is Absent.
const (
	Absent   Status = iota // no such cluster (never created, deleted, or creation failed and was cleaned up)
	Creating               // initdb is running
	Starting               // postgres was started and is not yet ready and verified
	Running                // accepting connections over its socket, hardening checks passed
	Stopped                // created, not running
	Failed                 // the last start, creation or run failed; the reason says why
)

var statusNames = [...]string{"Absent", "Creating", "Starting", "Running", "Stopped", "Failed"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Options configure a Manager. Only BaseDir is required.
type Options struct {
	// BaseDir holds the clusters, one directory BaseDir/<id> each (with
	// data/, the PGDATA, and log/postgres.log). It is created when
	// missing, and must belong to the run-as user (it is given to that
	// user when it belongs to the process, as when root created it) with
	// mode 0700. When localyun runs as root, the run-as user must be able
	// to reach it: every parent must be searchable by that user, so it
	// cannot lie inside localyun's own data directory (0700, root's).
	// DefaultBaseDir chooses one.
	BaseDir string
	// BinDir holds the PostgreSQL server programs (postgres, initdb). ""
	// means: `pg_config --bindir` when pg_config is on PATH and that
	// directory has them, else the directory of postgres found on PATH
	// (symlinks resolved), else the newest /usr/lib/postgresql/<N>/bin
	// (Debian's layout). The major version must be at least
	// MinMajorVersion.
	BinDir string
	// RunAs is the user the clusters run as when the process is root
	// (PostgreSQL refuses to run as root); "" means "postgres", which must
	// exist. It may not be root. When the process is not root, clusters run
	// as the process's user, and RunAs must be "" or that user's name.
	// Anything running as this user can reach every cluster as a
	// superuser: prefer a dedicated user to a shared "postgres".
	RunAs string
	// SocketBase is a short directory holding each cluster's socket
	// directory, SocketBase/<id> (mode 0700, owned by the run-as user).
	// "" means /tmp/localyun-<10 hex digits of a hash of the effective uid
	// and BaseDir>. It must be absolute, of letters, digits and "/._-",
	// and at most MaxSocketBaseLen bytes. It is created (0700, or 0711 when
	// the clusters run as another user, who must traverse it) and must
	// belong to the process's user; it is removed at Close when empty.
	SocketBase string
	// Logger receives state changes and failures; nil discards them.
	Logger *slog.Logger
	// Now is the clock (restart accounting); nil means time.Now.
	Now func() time.Time
	// StartTimeout bounds a start, from spawning postgres to a verified
	// connection (recovery after a crash included); 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// StopTimeout is how long a fast shutdown (SIGINT) may take before an
	// immediate shutdown (SIGQUIT) and, quitGrace later, SIGKILL; 0 means
	// DefaultStopTimeout.
	StopTimeout time.Duration
	// RestartLimit is how many times in a row a cluster whose postgres
	// exited unexpectedly is restarted (a run of a minute or more resets
	// the count); 0 means DefaultRestartLimit, negative means never.
	RestartLimit int
	// RestartBackoff is the wait before the first restart; it doubles on
	// each further attempt, up to 30 s. 0 means DefaultRestartBackoff.
	RestartBackoff time.Duration
	// OnStatus, when set, is called after every status change, outside the
	// Manager's locks, from the goroutine that made it, possibly while an
	// operation on that cluster is in progress: it must not block for long
	// and may call Status, but not Create, Start, Stop, Delete or Close.
	OnStatus func(id string, s Status, reason string)
}

// DefaultBaseDir is where a server with the data directory dataDir keeps
// its clusters: dataDir/pgcluster when not root. As root, whose data
// directory (0700) the run-as user cannot enter, it is
// /var/lib/localyun-pgcluster/<12 hex digits of a hash of dataDir>, whose
// parents NewManager creates searchable by all (0755): the hash keeps
// servers with different data directories apart, and the directory is
// outside any data directory such as /var/lib/localyun.
func DefaultBaseDir(dataDir string) string {
	if os.Geteuid() != 0 {
		return filepath.Join(dataDir, "pgcluster")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	sum := sha256.Sum256([]byte(abs))
	return "/var/lib/localyun-pgcluster/" + hex.EncodeToString(sum[:6])
}

// Manager creates, runs and supervises the clusters under one base
// directory. Its methods are safe for concurrent use; operations on one
// cluster are serialized.
type Manager struct {
	o       Options
	log     *slog.Logger
	bin     string // BinDir, resolved
	version string // e.g. "15.18"
	major   int

	runUser string
	uid     int
	gid     int
	cred    *syscall.Credential // nil when running as ourselves
	baseDir string              // BaseDir, absolute and symlinks resolved

	lock    *os.File
	spawnCh chan spawnReq
	quit    chan struct{}

	mu       sync.Mutex
	closed   bool
	clusters map[string]*cluster
}

type cluster struct {
	id string
	op sync.Mutex // held for the length of Create, Start, Stop, Delete and restarts

	// Guarded by Manager.mu.
	status   Status
	reason   string
	run      *run
	restarts int         // restarts in a row after unexpected exits
	gen      int         // bumped to cancel a scheduled restart
	timer    *time.Timer // the scheduled restart
}

// NewManager checks the PostgreSQL installation, the run-as user and the
// directories, and returns a Manager with no cluster running. Errors say
// what to install, create or change. Close it to stop its clusters.
func NewManager(o Options) (*Manager, error) {
	if !supported {
		return nil, fmt.Errorf("pgcluster runs PostgreSQL clusters on Linux only, not %s", runtime.GOOS)
	}
	if o.BaseDir == "" {
		return nil, errors.New("no directory for the PostgreSQL clusters given (pgcluster.Options.BaseDir)")
	}
	base, err := filepath.Abs(o.BaseDir)
	if err != nil {
		return nil, fmt.Errorf("cluster base directory %s: %w", o.BaseDir, err)
	}
	o.BaseDir = base
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.RestartLimit == 0 {
		o.RestartLimit = DefaultRestartLimit
	}
	if o.RestartBackoff <= 0 {
		o.RestartBackoff = DefaultRestartBackoff
	}
	if o.SocketBase == "" {
		sum := sha256.Sum256([]byte(strconv.Itoa(os.Geteuid()) + "\x00" + base))
		o.SocketBase = "/tmp/localyun-" + hex.EncodeToString(sum[:5])
	}
	m := &Manager{
		o:        o,
		log:      o.Logger.With("component", "pgcluster"),
		spawnCh:  make(chan spawnReq),
		quit:     make(chan struct{}),
		clusters: map[string]*cluster{},
	}
	if err := m.resolveUser(); err != nil {
		return nil, err
	}
	if m.bin, err = findBinDir(o.BinDir); err != nil {
		return nil, err
	}
	if err := m.prepareBaseDir(); err != nil {
		return nil, err
	}
	if err := m.prepareSocketBase(); err != nil {
		m.lock.Close()
		return nil, err
	}
	go m.spawner()
	if err := m.probe(); err != nil {
		close(m.quit)
		os.Remove(m.o.SocketBase) //nolint:errcheck // only when empty
		m.lock.Close()
		return nil, err
	}
	m.log.Info("PostgreSQL cluster manager ready", "bin", m.bin, "version", m.version,
		"run_as", m.runUser, "base", m.baseDir, "sockets", m.o.SocketBase)
	return m, nil
}

// Version is the PostgreSQL server version, e.g. "15.18".
func (m *Manager) Version() string { return m.version }

// Port is the port of every cluster (Port): it names the socket file.
func (m *Manager) Port() int { return Port }

// SocketDir is the directory of a cluster's unix socket, for libpq's and
// pgx's host parameter. Only the run-as user and root can reach it.
func (m *Manager) SocketDir(id string) string { return filepath.Join(m.o.SocketBase, id) }

// LogPath is a cluster's server log (rotated to LogPath+".1").
func (m *Manager) LogPath(id string) string {
	return filepath.Join(m.clusterDir(id), "log", "postgres.log")
}

func (m *Manager) clusterDir(id string) string { return filepath.Join(m.baseDir, id) }
func (m *Manager) dataDir(id string) string    { return filepath.Join(m.baseDir, id, "data") }
func (m *Manager) markerPath(id string) string { return filepath.Join(m.baseDir, id, markerFile) }
func (m *Manager) socketPath(id string) string {
	return filepath.Join(m.SocketDir(id), ".s.PGSQL."+strconv.Itoa(Port))
}

// Status returns a cluster's status and, for Failed, the reason (for
// Running after a restart, the earlier failure is not kept). A cluster
// this Manager has not touched is Stopped when it exists on disk and
// Absent otherwise.
func (m *Manager) Status(id string) (Status, string) {
	m.mu.Lock()
	c, ok := m.clusters[id]
	if ok {
		defer m.mu.Unlock()
		return c.status, c.reason
	}
	m.mu.Unlock()
	if checkID(id) != nil {
		return Absent, ""
	}
	return m.diskStatus(id), ""
}

func (m *Manager) diskStatus(id string) Status {
	if _, err := os.Stat(m.markerPath(id)); err == nil {
		return Stopped
	}
	return Absent
}

// acquire returns the cluster's entry with its op lock held.
func (m *Manager) acquire(id string) (*cluster, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		c, ok := m.clusters[id]
		if !ok {
			c = &cluster{id: id}
			m.mu.Unlock()
			st := m.diskStatus(id)
			m.mu.Lock()
			if c2, ok := m.clusters[id]; ok {
				c = c2
			} else {
				c.status = st
				m.clusters[id] = c
			}
		}
		m.mu.Unlock()
		c.op.Lock()
		m.mu.Lock()
		current, closed := m.clusters[id] == c, m.closed
		m.mu.Unlock()
		if current && !closed {
			return c, nil
		}
		c.op.Unlock()
		if closed {
			return nil, ErrClosed
		}
		// Deleted while we waited: take the new entry.
	}
}

// setStatus records a status change and reports it.
func (m *Manager) setStatus(c *cluster, s Status, reason string) {
	m.mu.Lock()
	c.status, c.reason = s, reason
	m.mu.Unlock()
	m.notify(c.id, s, reason)
}

func (m *Manager) notify(id string, s Status, reason string) {
	if s == Failed {
		m.log.Warn("PostgreSQL cluster failed", "cluster", id, "reason", reason)
	} else {
		m.log.Info("PostgreSQL cluster "+s.String(), "cluster", id)
	}
	if m.o.OnStatus != nil {
		m.o.OnStatus(id, s, reason)
	}
}

// cancelRestartLocked cancels a scheduled restart. m.mu is held.
func (c *cluster) cancelRestartLocked() {
	c.gen++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// Close stops every running cluster: a fast shutdown (SIGINT), then, after
// StopTimeout or when ctx ends, an immediate one (SIGQUIT) and SIGKILL. It
// waits for operations in progress (an initdb, a start) to finish first.
// Afterwards every method but Status, SocketDir, DSN, Port and LogPath
// returns ErrClosed. Close is idempotent.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	list := make([]*cluster, 0, len(m.clusters))
	for _, c := range m.clusters {
		c.cancelRestartLocked()
		list = append(list, c)
	}
	m.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(list))
	for i, c := range list {
		wg.Go(func() {
			c.op.Lock()
			defer c.op.Unlock()
			m.mu.Lock()
			r := c.run
			m.mu.Unlock()
			if r == nil {
				return
			}
			if err := m.stopRun(ctx, c, r); err != nil {
				errs[i] = err
				return
			}
			m.setStatus(c, Stopped, "")
		})
	}
	wg.Wait()
	close(m.quit)             // ends the spawner thread
	os.Remove(m.o.SocketBase) //nolint:errcheck // only when empty; another Manager may share it
	m.lock.Close()            // releases the flock
	return errors.Join(errs...)
}
