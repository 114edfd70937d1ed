package pgfront

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/store"
)

// Clusters is what the front ends need of the cluster manager; a
// *pgcluster.Manager is one.
type Clusters interface {
	SocketDir(id string) string
	Port() int
	AdminConn(ctx context.Context, id, database string) (*pgx.Conn, error)
}

// ManagerOptions configure a Manager. Resolver, Clusters and Lookup are
// required.
type ManagerOptions struct {
	// Host is the address the front ends listen on (default 127.0.0.1).
	Host     string
	Resolver Resolver
	Clusters Clusters
	// Lookup returns an instance's region and owner account.
	Lookup func(ctx context.Context, id string) (region, owner string, err error)
	TLS    *tls.Config
	Audit  store.AuditLog
	Logger *slog.Logger
	Now    func() time.Time
	Rand   io.Reader
	Limits Limits
}

// Manager runs the front end of every instance, each on its own port. It
// implements hologres.FrontEnds.
type Manager struct {
	o      ManagerOptions
	mu     sync.Mutex
	fronts map[string]*Server
	closed bool
}

var _ hologres.FrontEnds = (*Manager)(nil)

// NewManager builds a Manager with no front end running.
func NewManager(o ManagerOptions) (*Manager, error) {
	if o.Resolver == nil || o.Clusters == nil || o.Lookup == nil {
		return nil, errors.New("pgfront: ManagerOptions needs Resolver, Clusters and Lookup")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	return &Manager{o: o, fronts: map[string]*Server{}}, nil
}

// Serve starts the front end of instance id on Host:port, replacing one
// already running for it. It returns once the port is listening.
func (m *Manager) Serve(ctx context.Context, id string, port int) error {
	region, owner, err := m.o.Lookup(ctx, id)
	if err != nil {
		return err
	}
	clusters := m.o.Clusters
	s, err := New(Config{
		InstanceID: id, Region: region, Owner: owner,
		Resolver:  m.o.Resolver,
		SocketDir: clusters.SocketDir(id), Port: clusters.Port(),
		Admin: func(ctx context.Context, database string) (*pgx.Conn, error) {
			return clusters.AdminConn(ctx, id, database)
		},
		TLS: m.o.TLS, Audit: m.o.Audit, Logger: m.o.Logger, Now: m.o.Now, Rand: m.o.Rand, Limits: m.o.Limits,
	})
	if err != nil {
		return err
	}
	m.Stop(id)
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(m.o.Host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("front end of instance %s: %w", id, err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	m.fronts[id] = s
	m.mu.Unlock()
	go func() {
		if err := s.Serve(l); err != nil && !errors.Is(err, ErrServerClosed) && m.o.Logger != nil {
			m.o.Logger.Error("pgfront: front end stopped", "instance", id, "err", err)
		}
	}()
	return nil
}

// Stop stops the front end of instance id and ends its sessions.
func (m *Manager) Stop(id string) {
	m.mu.Lock()
	s := m.fronts[id]
	delete(m.fronts, id)
	m.mu.Unlock()
	if s != nil {
		s.Close()
	}
}

// Front returns the running front end of instance id, or nil.
func (m *Manager) Front(id string) *Server {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fronts[id]
}

// Close stops every front end.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	fronts := m.fronts
	m.fronts = map[string]*Server{}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range fronts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Close()
		}()
	}
	wg.Wait()
	return nil
}
