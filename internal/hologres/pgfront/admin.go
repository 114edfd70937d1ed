package pgfront

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/hologres"
)

// adminDatabase is where the administrative connections live: roles are
// cluster-wide, and postgres is never dropped.
const adminDatabase = "postgres"

// adminPool keeps a few administrative connections (as localyun_admin, the
// cluster's only PostgreSQL superuser) for role checks at login and for
// role management. At most max are open at once; callers wait for one.
type adminPool struct {
	open func(ctx context.Context, database string) (*pgx.Conn, error)
	sem  chan struct{}

	mu     sync.Mutex
	idle   []*pgx.Conn
	closed bool
}

func newAdminPool(open func(ctx context.Context, database string) (*pgx.Conn, error), max int) *adminPool {
	return &adminPool{open: open, sem: make(chan struct{}, max)}
}

var errPoolClosed = errors.New("pgfront: the front end is closed")

// acquire returns a connection; release must be called with it.
func (p *adminPool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, errPoolClosed
	}
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosed() {
			p.mu.Unlock()
			return c, nil
		}
	}
	p.mu.Unlock()
	c, err := p.open(ctx, adminDatabase)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return c, nil
}

// release returns c to the pool, or closes it when it is broken or in a
// transaction.
func (p *adminPool) release(c *pgx.Conn) {
	defer func() { <-p.sem }()
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		closeConn(c)
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		closeConn(c)
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// discard closes c instead of keeping it (after an error that may have
// left it in an unknown state).
func (p *adminPool) discard(c *pgx.Conn) {
	closeConn(c)
	<-p.sem
}

func (p *adminPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		closeConn(c)
	}
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}

// withAdmin runs f on an administrative connection.
func (p *adminPool) withAdmin(ctx context.Context, f func(*pgx.Conn) error) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	err = f(c)
	var pe *pgconn.PgError
	if err != nil && !errors.As(err, &pe) {
		p.discard(c)
		return err
	}
	p.release(c)
	return err
}

// withAdminIn runs f on an administrative connection to database, opened
// for f alone (statements such as DROP OWNED act on one database), within
// the pool's limit.
func (p *adminPool) withAdminIn(ctx context.Context, database string, f func(*pgx.Conn) error) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	c, err := p.open(ctx, database)
	if err != nil {
		return err
	}
	defer closeConn(c)
	return f(c)
}

// roleInfo is what a login needs to know of its role.
type roleInfo struct {
	exists    bool
	canLogin  bool
	unsafe    bool // a PostgreSQL superuser or worse: never a tenant
	superuser bool // a Hologres superuser: the owner, or a member of localyun_superuser
	password  string
	validTill *time.Time
}

// roleQuery reads a role in one round trip. "unsafe" is every attribute
// and membership that reaches the host or the cluster's own roles: no
// tenant role may log in with one, whatever created it.
const roleQuery = `
SELECT r.rolcanlogin,
  r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_authid g
             WHERE g.oid <> r.oid
               AND (g.rolsuper OR g.rolcreaterole OR g.rolcreatedb OR g.rolreplication OR g.rolbypassrls
                    OR g.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files'))
               AND pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER')),
  r.rolname = $2 OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles s
                            WHERE s.rolname = '` + hologres.SuperuserRole + `' AND pg_catalog.pg_has_role(r.oid, s.oid, 'MEMBER')),
  CASE WHEN $3 THEN r.rolpassword END,
  -- 'infinity' never expires, '-infinity' always has (Go's time has
  -- neither).
  CASE WHEN r.rolvaliduntil = '-infinity' THEN 'epoch'::timestamptz
       WHEN isfinite(r.rolvaliduntil) THEN r.rolvaliduntil END
FROM pg_catalog.pg_authid r WHERE r.rolname = $1`

// lookupRole reads role; the password verifier only when withPassword.
func (s *Server) lookupRole(ctx context.Context, role string, withPassword bool) (roleInfo, error) {
	var ri roleInfo
	err := s.admin.withAdmin(ctx, func(c *pgx.Conn) error {
		var pw *string
		err := c.QueryRow(ctx, roleQuery, role, s.cfg.Owner, withPassword).Scan(&ri.canLogin, &ri.unsafe, &ri.superuser, &pw, &ri.validTill)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ri.exists = true
		if pw != nil {
			ri.password = *pw
		}
		return nil
	})
	return ri, err
}

// terminateBackend ends a backend session at once, even in the middle of a
// query (SIGTERM, unlike a cancel request, is never lost while the backend
// is between messages).
func (s *Server) terminateBackend(ctx context.Context, pid uint32) error {
	return s.admin.withAdmin(ctx, func(c *pgx.Conn) error {
		var ok bool
		return c.QueryRow(ctx, `SELECT pg_catalog.pg_terminate_backend($1)`, int32(pid)).Scan(&ok)
	})
}
