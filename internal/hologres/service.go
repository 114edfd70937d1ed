// Package hologres is the Hologres instance service: instances owned by
// accounts, each a PostgreSQL cluster that localyun runs (package
// pgcluster) behind its own PostgreSQL-wire front end (package pgfront),
// the RAM-authorized management API's domain (package hologresapi adapts
// it), and the instance-level users that map RAM identities to database
// roles. It knows nothing of HTTP or of the wire protocol.
package hologres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Status of an instance.
const (
	StatusCreating = "Creating"
	StatusRunning  = "Running"
	StatusStopped  = "Stopped"
	StatusFailed   = "Failed"
)

// Clusters runs the PostgreSQL clusters (package pgcluster).
type Clusters interface {
	Create(ctx context.Context, id string) error
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	Delete(ctx context.Context, id string) error
	AdminConn(ctx context.Context, id, database string) (*pgx.Conn, error)
}

// FrontEnds serves each instance's PostgreSQL-wire front end on its port.
type FrontEnds interface {
	// Serve starts the front end of an instance on its port.
	Serve(ctx context.Context, id string, port int) error
	// Stop stops it and closes its sessions.
	Stop(id string)
}

// ErrNoPostgres is returned when the server runs without PostgreSQL.
var ErrNoPostgres = errors.New("no PostgreSQL")

// Options configure a Service.
type Options struct {
	Store    store.Store
	IAM      *iam.Service
	Clusters Clusters
	Front    FrontEnds
	// Host is the address the front ends listen on (127.0.0.1).
	Host string
	// Ports is the range of front-end ports (inclusive).
	PortMin, PortMax int
	ValidRegion      func(string) bool
	Now              func() time.Time
	Rand             io.Reader
	Logger           *slog.Logger
}

// Service is Hologres.
type Service struct {
	o      Options
	mu     sync.Mutex
	status map[string]statusEntry // id -> live status
	randMu sync.Mutex
}

type statusEntry struct {
	status, reason string
}

// New builds the service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	return &Service{o: o, status: map[string]statusEntry{}}
}

// Instance is an instance as the APIs show it.
type Instance struct {
	ID, Name, Owner, Region string
	Port                    int
	Host                    string
	Status, StatusReason    string
	CreatedAt               time.Time
}

// ARN is the resource an instance is authorized as:
// acs:hologram:<region>:<owner uid>:instance/<id>.
func (in Instance) ARN() string {
	return "acs:hologram:" + in.Region + ":" + in.Owner + ":instance/" + in.ID
}

// Endpoint is host:port of the front end.
func (in Instance) Endpoint() string { return fmt.Sprintf("%s:%d", in.Host, in.Port) }

// state is the instance's stored State document.
type state struct {
	// Stopped is set when the instance was stopped on purpose.
	Stopped bool `json:"stopped,omitempty"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$`)

// NotFound is the error for an instance that does not exist (or that the
// caller may not know of).
func NotFound(id string) *apierr.Error {
	return apierr.Newf(404, "InstanceNotFound", "Instance %s does not exist.", id).
		WithRecommend("list the instances of the account with ListInstances")
}

// CreateInstance records an instance and starts creating its cluster in
// the background; GetInstance reports Creating, then Running (or Failed
// with the reason).
func (s *Service) CreateInstance(ctx context.Context, owner, name, region string) (Instance, error) {
	if !namePattern.MatchString(name) {
		return Instance{}, apierr.Newf(400, "InvalidParameter.InstanceName", "The instance name %q is invalid.", name).
			WithRecommend("an instance name is 2 to 64 letters, digits, '_' and '-', starting with a letter or digit")
	}
	if s.o.ValidRegion != nil && !s.o.ValidRegion(region) {
		return Instance{}, apierr.Newf(400, "InvalidParameter.RegionId", "The region %q is not supported.", region)
	}
	if s.o.Clusters == nil {
		return Instance{}, apierr.New(503, "ServiceUnavailable", "Hologres instances need PostgreSQL server binaries, which this server did not find.").
			WithRecommend("install them (Debian: apt-get install postgresql) or point --pg-bin at them, then restart localyun serve").WithCause(ErrNoPostgres)
	}
	id, err := s.newID()
	if err != nil {
		return Instance{}, apierr.Internal(err)
	}
	now := s.o.Now().UTC()
	st, _ := json.Marshal(state{})
	rec := store.Instance{ID: id, Name: name, Owner: owner, Region: region, State: st, CreatedAt: now, UpdatedAt: now}
	err = s.o.Store.Update(ctx, func(tx store.Tx) error {
		all, err := tx.ListInstances("")
		if err != nil {
			return err
		}
		used := map[int]bool{}
		for _, in := range all {
			used[in.Port] = true
			if in.Owner == owner && in.Region == region && in.Name == name {
				return apierr.Newf(409, "InstanceNameExists", "An instance named %s already exists in %s.", name, region)
			}
		}
		for p := s.o.PortMin; p <= s.o.PortMax; p++ {
			// A port another program holds would fail the front end
			// later; skip it now.
			if !used[p] && s.portFree(p) {
				rec.Port = p
				break
			}
		}
		if rec.Port == 0 {
			return apierr.Newf(409, "QuotaExceeded.Instance", "No front-end port is free in %d-%d.", s.o.PortMin, s.o.PortMax).
				WithRecommend("delete an instance, or start the server with a wider --holo-ports range")
		}
		return tx.CreateInstance(rec)
	})
	if err != nil {
		if apierr.As(err) != nil {
			return Instance{}, err
		}
		return Instance{}, apierr.Internal(err)
	}
	s.setStatus(id, StatusCreating, "")
	// The view is taken first: a cluster that fails at once must not
	// make the creation itself look failed.
	created := s.view(rec)
	go s.bringUp(context.WithoutCancel(ctx), rec, true)
	return created, nil
}

// portFree reports whether Host:port can be listened on now.
func (s *Service) portFree(port int) bool {
	if s.o.Front == nil {
		return true
	}
	l, err := net.Listen("tcp", net.JoinHostPort(s.o.Host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func (s *Service) newID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 16)
	s.randMu.Lock()
	_, err := io.ReadFull(s.o.Rand, b)
	s.randMu.Unlock()
	if err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "hgpostcn-cn-" + string(b), nil
}

func (s *Service) setStatus(id, status, reason string) {
	s.mu.Lock()
	s.status[id] = statusEntry{status, reason}
	s.mu.Unlock()
}

func (s *Service) liveStatus(id string) statusEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.status[id]; ok {
		return e
	}
	return statusEntry{status: StatusStopped}
}

func (s *Service) view(in store.Instance) Instance {
	st := s.liveStatus(in.ID)
	return Instance{ID: in.ID, Name: in.Name, Owner: in.Owner, Region: in.Region, Port: in.Port, Host: s.o.Host,
		Status: st.status, StatusReason: st.reason, CreatedAt: in.CreatedAt}
}

// bringUp creates (when new) and starts an instance's cluster, prepares it
// and starts its front end.
func (s *Service) bringUp(ctx context.Context, in store.Instance, create bool) {
	fail := func(step string, err error) {
		s.o.Logger.Error("hologres instance failed", "instance", in.ID, "step", step, "err", err)
		s.setStatus(in.ID, StatusFailed, step+": "+err.Error())
	}
	if create {
		if err := s.o.Clusters.Create(ctx, in.ID); err != nil {
			fail("creating the PostgreSQL cluster", err)
			return
		}
	}
	if err := s.o.Clusters.Start(ctx, in.ID); err != nil {
		fail("starting PostgreSQL", err)
		return
	}
	if create {
		if err := s.bootstrap(ctx, in); err != nil {
			fail("preparing the instance", err)
			return
		}
	}
	if err := s.o.Front.Serve(ctx, in.ID, in.Port); err != nil {
		fail(fmt.Sprintf("serving the front end on port %d", in.Port), err)
		return
	}
	s.setStatus(in.ID, StatusRunning, "")
}

// StartAll brings up every instance that was running, in the background;
// the server calls it once the control plane is ready.
func (s *Service) StartAll(ctx context.Context) error {
	if s.o.Clusters == nil {
		return nil
	}
	var all []store.Instance
	err := s.o.Store.View(ctx, func(r store.Reader) (err error) {
		all, err = r.ListInstances("")
		return err
	})
	if err != nil {
		return err
	}
	for _, in := range all {
		var st state
		json.Unmarshal(in.State, &st) //nolint:errcheck // a bad document means "not stopped"
		if st.Stopped {
			s.setStatus(in.ID, StatusStopped, "")
			continue
		}
		s.setStatus(in.ID, StatusCreating, "starting")
		go s.bringUp(ctx, in, false)
	}
	return nil
}

// GetInstance returns an instance.
func (s *Service) GetInstance(ctx context.Context, id string) (Instance, error) {
	var in store.Instance
	err := s.o.Store.View(ctx, func(r store.Reader) (err error) {
		in, err = r.GetInstance(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Instance{}, NotFound(id)
	}
	if err != nil {
		return Instance{}, apierr.Internal(err)
	}
	return s.view(in), nil
}

// Lookup finds an instance of an account by id or by name (DataWorks data
// sources name instances either way).
func (s *Service) Lookup(ctx context.Context, owner, region, idOrName string) (Instance, error) {
	all, err := s.ListInstances(ctx, owner)
	if err != nil {
		return Instance{}, err
	}
	for _, in := range all {
		if (in.ID == idOrName || in.Name == idOrName) && (region == "" || in.Region == region) {
			return in, nil
		}
	}
	return Instance{}, NotFound(idOrName)
}

// ListInstances lists an account's instances.
func (s *Service) ListInstances(ctx context.Context, owner string) ([]Instance, error) {
	var all []store.Instance
	err := s.o.Store.View(ctx, func(r store.Reader) (err error) {
		all, err = r.ListInstances(owner)
		return err
	})
	if err != nil {
		return nil, apierr.Internal(err)
	}
	out := make([]Instance, 0, len(all))
	for _, in := range all {
		out = append(out, s.view(in))
	}
	return out, nil
}

// DeleteInstance stops an instance and deletes its cluster.
func (s *Service) DeleteInstance(ctx context.Context, id string) error {
	if _, err := s.GetInstance(ctx, id); err != nil {
		return err
	}
	if s.o.Clusters != nil {
		s.o.Front.Stop(id)
		if err := s.o.Clusters.Stop(ctx, id); err != nil {
			s.o.Logger.Warn("stopping a cluster before deleting it", "instance", id, "err", err)
		}
		if err := s.o.Clusters.Delete(ctx, id); err != nil {
			return apierr.Internal(err)
		}
	}
	err := s.o.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteInstance(id) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return apierr.Internal(err)
	}
	s.mu.Lock()
	delete(s.status, id)
	s.mu.Unlock()
	return nil
}

// IncorrectStatus is the error for an action the instance's status does
// not allow.
func IncorrectStatus(in Instance, want string) *apierr.Error {
	return apierr.Newf(409, "IncorrectInstanceStatus", "The instance %s is %s; this action needs it %s.", in.ID, in.Status, want)
}

// StopInstance stops a Running instance: its front end closes its
// sessions, its cluster stops, and it stays Stopped across restarts until
// ResumeInstance.
func (s *Service) StopInstance(ctx context.Context, id string) error {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return err
	}
	if in.Status != StatusRunning {
		return IncorrectStatus(in, StatusRunning)
	}
	if err := s.setStopped(ctx, id, true); err != nil {
		return err
	}
	s.setStatus(id, StatusStopped, "")
	s.o.Front.Stop(id)
	if err := s.o.Clusters.Stop(ctx, id); err != nil {
		s.o.Logger.Warn("stopping a cluster", "instance", id, "err", err)
	}
	return nil
}

// ResumeInstance starts a Stopped (or Failed) instance again in the
// background: GetInstance reports Creating, then Running.
func (s *Service) ResumeInstance(ctx context.Context, id string) error {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return err
	}
	if in.Status != StatusStopped && in.Status != StatusFailed {
		return IncorrectStatus(in, StatusStopped)
	}
	if s.o.Clusters == nil {
		return apierr.New(503, "ServiceUnavailable", "Hologres instances need PostgreSQL server binaries, which this server did not find.").WithCause(ErrNoPostgres)
	}
	if err := s.setStopped(ctx, id, false); err != nil {
		return err
	}
	var rec store.Instance
	err = s.o.Store.View(ctx, func(r store.Reader) (err error) {
		rec, err = r.GetInstance(id)
		return err
	})
	if err != nil {
		return apierr.Internal(err)
	}
	s.setStatus(id, StatusCreating, "starting")
	go s.bringUp(context.WithoutCancel(ctx), rec, false)
	return nil
}

// setStopped records whether the instance was stopped on purpose.
func (s *Service) setStopped(ctx context.Context, id string, stopped bool) error {
	err := s.o.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.GetInstance(id)
		if err != nil {
			return err
		}
		var st state
		json.Unmarshal(rec.State, &st) //nolint:errcheck // a bad document means "not stopped"
		st.Stopped = stopped
		rec.State, _ = json.Marshal(st)
		rec.UpdatedAt = s.o.Now().UTC()
		return tx.UpdateInstance(rec)
	})
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(id)
	}
	if err != nil {
		return apierr.Internal(err)
	}
	return nil
}

// RoleName is the database role of an identity (reference/hologres.md
// §2.1): the account UID, p4_<UserId> for a RAM user, v4_<RoleId> for a
// session of a role.
func RoleName(id *iam.Identity) (string, bool) {
	switch id.Kind {
	case iam.Root:
		return id.Account, true
	case iam.User:
		return "p4_" + id.UserID, true
	case iam.RoleSession:
		return "v4_" + id.RoleID, true
	}
	return "", false
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func requireRunning(in Instance) error {
	if in.Status != StatusRunning {
		reason := ""
		if in.StatusReason != "" {
			reason = ": " + in.StatusReason
		}
		return apierr.Newf(409, "IncorrectInstanceStatus", "Instance %s is %s%s.", in.ID, strings.ToLower(in.Status), reason)
	}
	return nil
}
