// Package iam holds localyun's identities and their permissions: accounts,
// RAM users and their AccessKeys, roles, policies and attachments, and the
// one entry point every service uses to decide a request, Authorize.
//
// Every write goes through the store in one transaction after validation;
// compiled policies and each principal's effective policy set are cached in
// memory and invalidated by a per-account generation counter that every
// write bumps, so a detached policy or a deleted role takes effect on the
// very next request.
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
)

// Options configure a Service.
type Options struct {
	Store store.Store
	// MasterKey (at least 32 bytes) derives permanent AccessKey secrets,
	// which are never stored.
	MasterKey []byte
	Now       func() time.Time // default time.Now
	Rand      io.Reader        // default crypto/rand
	Logger    *slog.Logger
	// Regions lists the region ids resources may be created in; the first
	// is the default.
	Regions []string
}

// Service is the IAM domain. It is safe for concurrent use.
type Service struct {
	store  store.Store
	master []byte
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	audit  store.AuditLog

	randMu sync.Mutex

	gens     sync.Map // account -> *atomic.Uint64
	policies sync.Map // policyCacheKey -> *policy.Policy
	sets     sync.Map // setCacheKey -> *policySet
	keys     sync.Map // AccessKeyId -> *cachedKey
	roles    sync.Map // account/lower(name) -> *cachedRole
	// keyGen invalidates the key cache: every write to AccessKeys or users
	// bumps it.
	keyGen atomic.Uint64
}

// New builds a Service and makes sure the system policies exist.
func New(ctx context.Context, opts Options) (*Service, error) {
	if len(opts.MasterKey) < 32 {
		return nil, errors.New("iam: the master key must be at least 32 bytes")
	}
	s := &Service{
		store:  opts.Store,
		master: opts.MasterKey,
		now:    opts.Now,
		rand:   opts.Rand,
		log:    opts.Logger,
		audit:  opts.Store.Audit(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.seedSystemPolicies(ctx); err != nil {
		return nil, fmt.Errorf("seed system policies: %w", err)
	}
	return s, nil
}

// Store returns the underlying store.
func (s *Service) Store() store.Store { return s.store }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// readRand fills b from the injected random source.
func (s *Service) readRand(b []byte) error {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	_, err := io.ReadFull(s.rand, b)
	return err
}

// generation returns the account's write generation.
func (s *Service) generation(account string) uint64 {
	if v, ok := s.gens.Load(account); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// bump invalidates every cache entry of the accounts (after a commit).
func (s *Service) bump(accounts ...string) {
	for _, a := range accounts {
		v, _ := s.gens.LoadOrStore(a, new(atomic.Uint64))
		v.(*atomic.Uint64).Add(1)
	}
}

// update runs fn in a write transaction and, when it commits, invalidates
// the account's caches. Store errors that are not API errors become
// InternalError.
func (s *Service) update(ctx context.Context, account string, fn func(store.Tx) error) error {
	err := s.store.Update(ctx, fn)
	s.bump(account) // also after a failure: harmless, and safe if the commit state is unknown
	return s.apiError(err)
}

func (s *Service) view(ctx context.Context, fn func(store.Reader) error) error {
	return s.apiError(s.store.View(ctx, fn))
}

// apiError passes API errors and the store's sentinels through and logs
// anything else as an internal error.
func (s *Service) apiError(err error) error {
	if err == nil || apierr.As(err) != nil || errors.Is(err, context.Canceled) ||
		errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) {
		return err // callers map the sentinels to the API's codes
	}
	s.log.Error("store error", "err", err)
	return apierr.Internal(err)
}

// policyCacheKey identifies one immutable policy version. CreatedAt tells a
// version apart from one of a deleted policy that had the same name.
type policyCacheKey struct {
	account, typ, name, version string
	created                     int64
}

// compiled parses a policy version once.
func (s *Service) compiled(v store.PolicyVersion) (*policy.Policy, error) {
	key := policyCacheKey{v.Account, string(v.Type), strings.ToLower(v.Policy), v.ID, v.CreatedAt.UnixNano()}
	if p, ok := s.policies.Load(key); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse(policy.Identity, v.Document, policy.Options{Name: v.Policy, Version: v.ID})
	if err != nil {
		return nil, fmt.Errorf("stored policy %s %s does not parse: %w", v.Policy, v.ID, err)
	}
	s.policies.Store(key, p)
	return p, nil
}

// policySet is a principal's attached policies, compiled, in attachment
// order, as of a generation.
type policySet struct {
	gen      uint64
	policies []*policy.Policy
	types    []store.PolicyType
}

type setCacheKey struct {
	account string
	kind    store.PrincipalKind
	name    string
}

// attachedPolicies returns the default versions of the policies attached to
// a user or role.
func (s *Service) attachedPolicies(ctx context.Context, account string, kind store.PrincipalKind, name string) (*policySet, error) {
	key := setCacheKey{account, kind, strings.ToLower(name)}
	gen := s.generation(account)
	if v, ok := s.sets.Load(key); ok && v.(*policySet).gen == gen {
		return v.(*policySet), nil
	}
	set := &policySet{gen: gen}
	err := s.view(ctx, func(r store.Reader) error {
		atts, err := r.ListAttachments(account, kind, name)
		if err != nil {
			return err
		}
		for _, a := range atts {
			pol, err := r.GetPolicy(account, a.PolicyType, a.Policy)
			if err != nil {
				return err
			}
			v, err := r.GetPolicyVersion(pol.Account, pol.Type, pol.Name, pol.DefaultVersion)
			if err != nil {
				return err
			}
			p, err := s.compiled(v)
			if err != nil {
				return err
			}
			set.policies = append(set.policies, p)
			set.types = append(set.types, a.PolicyType)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.sets.Store(key, set)
	return set, nil
}

// Check is one permission check.
type Check struct {
	Action   string // "ram:CreateRole"
	Resource string // the ARN acted on
	// ResourceAccount owns Resource; empty means the caller's account.
	ResourceAccount string
	Context         policy.Context
	// RequestID and SourceIP go to the audit trail.
	RequestID string
	SourceIP  string
}

// Authorize decides whether id may perform c, writes the decision to the
// audit trail, and returns a NoPermission error that says what is missing
// when it may not. Within its own account, the account root may do
// anything; RAM users and role sessions need an Allow from their attached
// policies (a role session's also from its session policy) and no Deny. A
// caller never reaches another account's resources directly: that takes a
// role of the other account.
func (s *Service) Authorize(ctx context.Context, id *Identity, c Check) error {
	res, deciding, err := s.decide(ctx, id, &c)
	if err != nil {
		return err
	}
	rec := store.AuditRecord{
		Time: s.now(), RequestID: c.RequestID, Event: "authorize", CallerAccount: id.Account, Caller: id.ARN(),
		AccessKeyID: id.AccessKeyID, SourceIP: c.SourceIP, Action: c.Action, Resource: c.Resource,
		ResourceAccount: c.resourceAccount(id), Decision: res.String(), Deciding: deciding,
	}
	if res != policy.Allow {
		rec.ErrorCode = "NoPermission"
	}
	s.audit.Append(rec)
	if res == policy.Allow {
		return nil
	}
	return noPermission(id, &c, res, deciding)
}

func (c *Check) resourceAccount(id *Identity) string {
	if c.ResourceAccount != "" {
		return c.ResourceAccount
	}
	return id.Account
}

// IdentityPolicies returns what speaks for the caller on the identity side
// of a decision: its attached policies in attachment order and, for a role
// session, its session policy. The root and services have none.
func (s *Service) IdentityPolicies(ctx context.Context, id *Identity) ([]*policy.Policy, *policy.Policy, error) {
	switch id.Kind {
	case User:
		set, err := s.attachedPolicies(ctx, id.Account, store.UserPrincipal, id.UserName)
		if err != nil {
			return nil, nil, err
		}
		return set.policies, nil, nil
	case RoleSession:
		set, err := s.attachedPolicies(ctx, id.Account, store.RolePrincipal, id.RoleName)
		if err != nil {
			return nil, nil, err
		}
		return set.policies, id.SessionPolicy, nil
	}
	return nil, nil, nil
}

// AuditLog is the audit trail decisions are written to.
func (s *Service) AuditLog() store.AuditLog { return s.audit }

// Describe puts a result's deciding statements in words.
func Describe(res *policy.Result) string { return describe(res) }

// decide returns the decision and the deciding statements in words.
func (s *Service) decide(ctx context.Context, id *Identity, c *Check) (policy.Decision, string, error) {
	if c.resourceAccount(id) != id.Account {
		return policy.ImplicitDeny, "the resource belongs to account " + c.resourceAccount(id), nil
	}
	var in policy.Input
	switch id.Kind {
	case Root:
		return policy.Allow, "the account root may do anything in its own account", nil
	case User, RoleSession:
		var err error
		if in.Identity, in.Session, err = s.IdentityPolicies(ctx, id); err != nil {
			return 0, "", err
		}
	default:
		return policy.ImplicitDeny, "services call no RAM-authorized API", nil
	}
	req := policy.Request{Principal: id.Principal(), Action: c.Action, Resource: c.Resource, Context: c.Context}
	res := policy.Authorize(in, &req)
	return res.Decision, describe(&res), nil
}

// describe puts a result's deciding statements in words, for the audit
// trail and for denials.
func describe(res *policy.Result) string {
	var b strings.Builder
	for i, r := range res.Reasons() {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s policy %s", r.Side(), r.Policy.Name())
		if v := r.Policy.Version(); v != "" {
			fmt.Fprintf(&b, " %s", v)
		}
		fmt.Fprintf(&b, " statement %d", r.Statement)
		if sid := r.Sid(); sid != "" {
			fmt.Fprintf(&b, " (Sid %q)", sid)
		}
	}
	if more := res.Total() - len(res.Reasons()); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

// noPermission is RAM's NoPermission with what to do about it.
func noPermission(id *Identity, c *Check, d policy.Decision, deciding string) *apierr.Error {
	e := apierr.New(403, "NoPermission", "You are not authorized to do this action.")
	detail := &apierr.AccessDenied{
		AuthAction:           c.Action,
		AuthResource:         c.Resource,
		AuthPrincipalType:    principalType(id),
		AuthPrincipalOwnerID: id.Account,
		AuthPrincipalDisplay: id.ARN(),
		PolicyType:           "AccountLevelIdentityBasedPolicy",
		NoPermissionType:     d.String(),
	}
	switch {
	case c.resourceAccount(id) != id.Account:
		e = e.WithRecommend("%s belongs to account %s; %s can reach it only with STS credentials of a role of that account (AssumeRole)",
			c.Resource, c.resourceAccount(id), id.ARN())
	case d == policy.ExplicitDeny:
		detail.DecidingStatementText = deciding
		e = e.WithRecommend("%s is explicitly denied %s on %s by %s", id.ARN(), c.Action, c.Resource, deciding)
	case id.Kind == RoleSession && id.SessionPolicy != nil:
		e = e.WithRecommend("no policy attached to role %s allows %s on %s, or the session policy of this session does not; attach a policy that allows it to the role",
			id.RoleName, c.Action, c.Resource)
	case id.Kind == RoleSession:
		e = e.WithRecommend("no policy attached to role %s allows %s on %s; attach one with AttachPolicyToRole", id.RoleName, c.Action, c.Resource)
	default:
		e = e.WithRecommend("no policy attached to %s allows %s on %s; attach one with AttachPolicyToUser", id.ARN(), c.Action, c.Resource)
	}
	e.Denied = detail
	return e
}

func principalType(id *Identity) string {
	switch id.Kind {
	case Root:
		return "Account"
	case User:
		return "SubUser"
	case RoleSession:
		return "AssumedRoleUser"
	}
	return "Service"
}
