package dataworks

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// DefaultGroupConcurrency is how many tasks (connectivity tests, later
// sync tasks) one resource group runs at once unless Options say
// otherwise; more wait for a free slot until their context ends.
const DefaultGroupConcurrency = 8

// Options configure a Service.
type Options struct {
	Store store.Store
	// MasterKey (at least 32 bytes) derives the key that seals the secrets
	// of connection properties.
	MasterKey []byte
	// DefaultRegion is the region of a request that names none.
	DefaultRegion string
	// ValidRegion reports whether a region id is one localyun knows.
	ValidRegion func(string) bool
	// Connector runs connectivity tests and previews (package
	// dataworks/connectivity); required.
	Connector Connector
	// GroupConcurrency bounds the tasks each resource group runs at once
	// (default DefaultGroupConcurrency).
	GroupConcurrency int
	// TestTimeout bounds one connectivity test (default DefaultTestTimeout).
	TestTimeout time.Duration
	Now         func() time.Time
	Rand        io.Reader
	Logger      *slog.Logger
}

// Service is DataWorks. It is safe for concurrent use.
type Service struct {
	o      Options
	sealer *sealer

	poolsMu sync.Mutex
	pools   map[string]*Group
}

// New builds the service.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("dataworks: no store")
	}
	if o.Connector == nil {
		return nil, errors.New("dataworks: no Connector (the connectivity tests and previews need one)")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ValidRegion == nil {
		o.ValidRegion = func(string) bool { return true }
	}
	if o.DefaultRegion == "" {
		o.DefaultRegion = "cn-hangzhou"
	}
	if o.GroupConcurrency <= 0 {
		o.GroupConcurrency = DefaultGroupConcurrency
	}
	if o.TestTimeout <= 0 {
		o.TestTimeout = DefaultTestTimeout
	}
	seal, err := newSealer(o.MasterKey, o.Rand)
	if err != nil {
		return nil, err
	}
	return &Service{o: o, sealer: seal, pools: map[string]*Group{}}, nil
}

// DefaultRegion is the region of requests that name none.
func (s *Service) DefaultRegion() string { return s.o.DefaultRegion }

// Region returns r, or the default region when r is "", and checks it.
func (s *Service) Region(param, r string) (string, error) {
	if r == "" {
		return s.o.DefaultRegion, nil
	}
	if !s.o.ValidRegion(r) {
		return "", invalid(param, "%s is not a region localyun knows", r).
			WithRecommend("use a region id such as cn-hangzhou or cn-shanghai (docs/dataworks.md lists them)")
	}
	return r, nil
}

// internal turns an unexpected store error into InternalError, and passes
// client errors through.
func internal(err error) error {
	if err == nil || apierr.As(err) != nil {
		return err
	}
	return apierr.Internal(err)
}

// view and update run store transactions and map their errors.
func (s *Service) view(ctx context.Context, fn func(store.Reader) error) error {
	return internal(s.o.Store.View(ctx, fn))
}

func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	return internal(s.o.Store.Update(ctx, fn))
}

// Id counters live in the store's settings, so ids are unique across
// restarts and stay small: the 2020-05-18 models carry workspace ids as
// 32-bit integers.
const (
	metaWorkspaceID  = "dataworks.next.workspace"
	metaDataSourceID = "dataworks.next.datasource"
	metaGroupNumber  = "dataworks.next.resourcegroup"
	metaGroupPrefix  = "dataworks.next.resourcegroup." // + account: the n of Serverless_res_group_<uid>_<n>

	firstWorkspaceID  = 10001
	firstDataSourceID = 200001
	firstGroupNumber  = 50001
)

// nextID takes the next value of a counter inside tx.
func nextID(tx store.Tx, key string, first int64) (int64, error) {
	n := first
	v, err := tx.GetMeta(key)
	switch {
	case err == nil:
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return 0, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	return n, tx.SetMeta(key, []byte(strconv.FormatInt(n+1, 10)))
}

// actor is the user id DataWorks records as CreateUser and ModifyUser: the
// account UID for its root, the user's id for a RAM user, the role's id for
// a role session.
func actor(c *iam.Identity) string {
	switch c.Kind {
	case iam.User:
		return c.UserID
	case iam.RoleSession:
		return c.RoleID
	case iam.ServicePrincipal:
		return c.OnBehalfOf
	}
	return c.Account
}
