// Package maxcompute is the MaxCompute project service: projects owned by
// accounts, their security model (package security), their tables
// (package catalog, stored with the data in the project's database) and
// SQL, parsed by localyun, authorized object by object, and translated for
// the engine. The REST front end (package odpsrest) and the RPC API
// (package maxcomputeapi) call it; it knows nothing of HTTP.
package maxcompute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/mcdb"
	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/store"
)

// Options configure a Service.
type Options struct {
	Store  store.Store
	IAM    *iam.Service
	Engine mcdb.Engine
	Now    func() time.Time
	Logger *slog.Logger
	// ValidRegion reports whether a region id is known.
	ValidRegion func(string) bool
}

// Service is MaxCompute.
type Service struct {
	store       store.Store
	iam         *iam.Service
	engine      mcdb.Engine
	now         func() time.Time
	log         *slog.Logger
	validRegion func(string) bool

	cache *cache
}

// New builds the service.
func New(o Options) *Service {
	s := &Service{store: o.Store, iam: o.IAM, engine: o.Engine, now: o.Now, log: o.Logger, validRegion: o.ValidRegion,
		cache: newCache()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Project names: 3 to 28 letters, digits and underscores, starting with a
// letter (MaxCompute's rule).
var projectNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,27}$`)

// ProjectInfo is a project as the APIs show it.
type ProjectInfo struct {
	Name      string
	Owner     string // account UID
	Region    string
	Comment   string
	CreatedAt time.Time
	Config    security.Config
}

func info(p store.Project, st *security.State) ProjectInfo {
	return ProjectInfo{Name: p.Name, Owner: p.Owner, Region: p.Region, Comment: p.Comment, CreatedAt: p.CreatedAt, Config: st.Config}
}

// CreateProject creates a project owned by an account, with its database.
func (s *Service) CreateProject(ctx context.Context, owner, name, region, comment string) (ProjectInfo, error) {
	if !projectNamePattern.MatchString(name) {
		return ProjectInfo{}, apierr.Newf(400, "InvalidParameter.ProjectName", "The project name %q is invalid.", name).
			WithRecommend("a project name is 3 to 28 letters, digits and underscores, starting with a letter")
	}
	if s.validRegion != nil && !s.validRegion(region) {
		return ProjectInfo{}, apierr.Newf(400, "InvalidParameter.RegionId", "The region %q is not supported.", region).
			WithRecommend("see docs/quickstart.md for the region ids localyun knows")
	}
	if len(comment) > 1024 {
		return ProjectInfo{}, apierr.New(400, "InvalidParameter.Comment", "The comment is longer than 1024 characters.")
	}
	st := security.New(name, owner)
	state, err := st.Encode()
	if err != nil {
		return ProjectInfo{}, apierr.Internal(err)
	}
	now := s.now().UTC()
	p := store.Project{Name: name, Owner: owner, Region: region, Comment: comment, State: state, CreatedAt: now, UpdatedAt: now}
	if s.engine.Exists(name) {
		return ProjectInfo{}, errProjectExists(name)
	}
	err = s.store.Update(ctx, func(tx store.Tx) error { return tx.CreateProject(p) })
	if errors.Is(err, store.ErrExists) {
		return ProjectInfo{}, errProjectExists(name)
	}
	if err != nil {
		return ProjectInfo{}, apierr.Internal(err)
	}
	if err := s.initDatabase(ctx, name); err != nil {
		// Undo the record: a project is its record and its database.
		s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteProject(name) }) //nolint:errcheck
		return ProjectInfo{}, apierr.Internal(err)
	}
	return info(p, st), nil
}

func errProjectExists(name string) *apierr.Error {
	return apierr.Newf(409, "ProjectAlreadyExist", "The project %s already exists.", name).
		WithRecommend("project names are unique across all accounts; choose another")
}

func (s *Service) initDatabase(ctx context.Context, name string) error {
	if err := s.engine.Create(ctx, name); err != nil {
		return err
	}
	for _, stmt := range catalog.Schema {
		if _, err := s.engine.Exec(ctx, name, stmt); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
	}
	return nil
}

// ErrNoSuchProject is wrapped by the error for a project that does not
// exist.
var ErrNoSuchProject = errors.New("no such project")

// NoSuchProject is the error for a missing project.
func NoSuchProject(name string) *apierr.Error {
	return apierr.Newf(404, "NoSuchProject", "ODPS-0420111: Project not found - '%s'.", name).WithCause(ErrNoSuchProject)
}

// Project returns a project and its compiled security model, cached until
// the project changes.
func (s *Service) Project(ctx context.Context, name string) (store.Project, *security.Snapshot, error) {
	if p, snap := s.cache.project(name); p != nil {
		return *p, snap, nil
	}
	gen := s.cache.generation(name)
	var p store.Project
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		p, err = r.GetProject(name)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Project{}, nil, NoSuchProject(name)
	}
	if err != nil {
		return store.Project{}, nil, apierr.Internal(err)
	}
	st, err := security.Decode(p.State)
	if err != nil {
		return store.Project{}, nil, apierr.Internal(err)
	}
	snap, err := security.Compile(st)
	if err != nil {
		return store.Project{}, nil, apierr.Internal(err)
	}
	s.cache.putProject(name, gen, p, snap)
	return p, snap, nil
}

// GetProject returns a project's description.
func (s *Service) GetProject(ctx context.Context, name string) (ProjectInfo, error) {
	p, snap, err := s.Project(ctx, name)
	if err != nil {
		return ProjectInfo{}, err
	}
	return info(p, snap.State), nil
}

// ListProjects lists an account's projects.
func (s *Service) ListProjects(ctx context.Context, owner string) ([]ProjectInfo, error) {
	var ps []store.Project
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		ps, err = r.ListProjects(owner)
		return err
	})
	if err != nil {
		return nil, apierr.Internal(err)
	}
	out := make([]ProjectInfo, 0, len(ps))
	for _, p := range ps {
		st, err := security.Decode(p.State)
		if err != nil {
			return nil, apierr.Internal(err)
		}
		out = append(out, info(p, st))
	}
	return out, nil
}

// DeleteProject deletes a project, its security model and its data.
func (s *Service) DeleteProject(ctx context.Context, name string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteProject(name) })
	s.cache.invalidate(name)
	if errors.Is(err, store.ErrNotFound) {
		return NoSuchProject(name)
	}
	if err != nil {
		return apierr.Internal(err)
	}
	if err := s.engine.Drop(ctx, name); err != nil {
		s.log.Error("dropping a project's database", "project", name, "err", err)
	}
	return nil
}

// PrincipalOf is the project principal of a caller: ALIYUN$<uid> for an
// account, RAM$<uid>:<user> for a RAM user, RAM$<uid>:role/<role> for STS
// credentials of a role (the session name is not part of it).
func PrincipalOf(id *iam.Identity) (string, error) {
	switch id.Kind {
	case iam.Root:
		return principal.Canonical(principal.Account, id.Account, ""), nil
	case iam.User:
		return principal.Canonical(principal.User, id.Account, id.UserName), nil
	case iam.RoleSession:
		return principal.Canonical(principal.Role, id.Account, id.RoleName), nil
	}
	return "", apierr.New(403, "NoPermission", "Services cannot call MaxCompute directly.")
}

// CallerID is the id whoami shows: the account UID, the user id, or the
// role id.
func CallerID(id *iam.Identity) string {
	switch id.Kind {
	case iam.User:
		return id.UserID
	case iam.RoleSession:
		return id.RoleID
	}
	return id.Account
}

// resolvePrincipal resolves a principal name in a statement: the account
// by UID or name, then the RAM user or role in it.
func (s *Service) resolvePrincipal(ctx context.Context, text string) (security.Resolved, error) {
	n, err := principal.Parse(text)
	if err != nil {
		return security.Resolved{}, &security.Error{Code: "ODPS-0420411", Message: "Invalid argument - " + err.Error()}
	}
	invalid := func(format string, args ...any) error {
		return &security.Error{Code: "ODPS-0420411", Message: "Invalid argument - Invalid account Name " + text + ": " + fmt.Sprintf(format, args...)}
	}
	acct, err := s.iam.LookupAccount(ctx, n.Account)
	if err != nil {
		if e := apierr.As(err); e != nil && e.Status == 404 {
			return security.Resolved{}, invalid("there is no account %q (give a UID or an account name)", n.Account)
		}
		return security.Resolved{}, err
	}
	switch n.Kind {
	case principal.Account:
		return security.Resolved{Canonical: principal.Canonical(n.Kind, acct.ID, ""), Kind: n.Kind, Account: acct.ID}, nil
	case principal.User:
		u, err := s.iam.GetUser(ctx, acct.ID, n.Name)
		if err != nil {
			if e := apierr.As(err); e != nil && e.Status == 404 {
				return security.Resolved{}, invalid("account %s has no RAM user %q", acct.Name, n.Name)
			}
			return security.Resolved{}, err
		}
		return security.Resolved{Canonical: principal.Canonical(n.Kind, acct.ID, u.Name), Kind: n.Kind, Account: acct.ID}, nil
	}
	r, err := s.iam.GetRole(ctx, acct.ID, n.Name)
	if err != nil {
		if e := apierr.As(err); e != nil && e.Status == 404 {
			return security.Resolved{}, invalid("account %s has no RAM role %q: create it in RAM first", acct.Name, n.Name)
		}
		return security.Resolved{}, err
	}
	return security.Resolved{Canonical: principal.Canonical(n.Kind, acct.ID, r.Name), Kind: n.Kind, Account: acct.ID}, nil
}
