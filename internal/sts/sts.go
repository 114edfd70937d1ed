// Package sts issues and checks temporary credentials: AssumeRole for RAM
// callers and for localyun's own services acting for an account, and the
// resolution of an STS AccessKeyId and SecurityToken back to the role
// session on every request (reference/ram-sts.md §3.3, §5).
//
// Credentials are stateless (package token). What a session may do is not
// in its token: every request re-reads the role, so a deleted role ends its
// sessions at once, and the role's current policies, intersected with the
// session policy, decide.
package sts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/sts/token"
)

// Defaults for DurationSeconds.
const (
	DefaultDuration    = 3600 * time.Second
	DefaultMinDuration = 900 * time.Second
)

// Options configure a Service.
type Options struct {
	IAM     *iam.Service
	Keyring *token.Keyring
	Now     func() time.Time
	Rand    io.Reader
	// MinDuration is the shortest DurationSeconds accepted (default 900 s).
	// Test suites lower it to see credentials expire; it never touches the
	// signature time window.
	MinDuration time.Duration
}

// Service is STS.
type Service struct {
	iam     *iam.Service
	keys    atomic.Pointer[token.Keyring]
	now     func() time.Time
	rand    io.Reader
	randMu  sync.Mutex
	minDur  time.Duration
	session sync.Map // sha256(policy text) -> *policy.Policy
}

// New builds the service.
func New(o Options) *Service {
	s := &Service{iam: o.IAM, now: o.Now, rand: o.Rand, minDur: o.MinDuration}
	s.keys.Store(o.Keyring)
	if s.now == nil {
		s.now = time.Now
	}
	if s.minDur <= 0 {
		s.minDur = DefaultMinDuration
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s
}

// AssumeRoleInput is the AssumeRole request.
type AssumeRoleInput struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds int64 // 0: 3600
	Policy          string
	ExternalID      string
	SourceIdentity  string
	// Where the request came from, for conditions and the audit trail.
	RequestID string
	SourceIP  string
	Secure    bool
}

// Credentials are what AssumeRole returns.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
	// AssumedRoleARN is acs:ram::<uid>:role/<lower-cased name>/<session>.
	AssumedRoleARN string
	// AssumedRoleID is <RoleId>:<session>.
	AssumedRoleID  string
	SourceIdentity string
}

var (
	roleArnPattern     = regexp.MustCompile(`^acs:ram::([0-9]{1,32}):role/([A-Za-z0-9.@-]{1,64})$`)
	sessionNamePattern = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // and 2 to 1224 characters
	sourceIDPattern    = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func noPermission() *apierr.Error {
	return apierr.New(403, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM.")
}

// AssumeRole issues credentials of a role to caller when the caller's own
// policies (for a RAM user or role session) and the role's trust policy
// both allow it; a service principal needs the trust policy only; the
// account root never may.
func (s *Service) AssumeRole(ctx context.Context, caller *iam.Identity, in AssumeRoleInput) (Credentials, error) {
	m := roleArnPattern.FindStringSubmatch(in.RoleArn)
	if m == nil {
		return Credentials{}, apierr.New(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.").
			WithRecommend("RoleArn looks like acs:ram::<account UID>:role/<role name>, got %q", clip(in.RoleArn))
	}
	roleAccount, roleName := m[1], m[2]
	if caller.Kind == iam.Root {
		s.auditDenied(caller, in, "the account root may never assume a role")
		return Credentials{}, noPermission().
			WithRecommend("an Alibaba Cloud account itself cannot call AssumeRole: call it as a RAM user (with AliyunSTSAssumeRoleAccess) or a role session")
	}
	if !sessionNamePattern.MatchString(in.RoleSessionName) {
		return Credentials{}, apierr.New(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.").
			WithRecommend("RoleSessionName is 2 to 64 letters, digits and . @ - _")
	}
	if in.ExternalID != "" && (len(in.ExternalID) < 2 || len(in.ExternalID) > 1224 || !externalIDPattern.MatchString(in.ExternalID)) {
		return Credentials{}, apierr.New(400, "InvalidParameter.ExternalId", "The parameter ExternalId is wrongly formed.").
			WithRecommend("ExternalId is 2 to 1224 characters of letters, digits and _+=,.@:/-")
	}
	if in.SourceIdentity != "" && !sourceIDPattern.MatchString(in.SourceIdentity) {
		return Credentials{}, apierr.New(400, "InvalidParameter.SourceIdentity", "The parameter SourceIdentity is wrongly formed.").
			WithRecommend("SourceIdentity is 2 to 64 characters of letters, digits and _+=,.@-")
	}
	if in.Policy != "" {
		// Checked now; the session's requests use it through the token.
		if _, err := s.parseSessionPolicy(in.Policy); err != nil {
			return Credentials{}, err
		}
	}
	role, trust, err := s.iam.RoleForSession(ctx, roleAccount, roleName)
	if errors.Is(err, store.ErrNotFound) {
		return Credentials{}, apierr.New(404, "EntityNotExist.Role", "The specified Role not exists.").
			WithRecommend("account %s has no role %q; check RoleArn", roleAccount, roleName)
	}
	if err != nil {
		return Credentials{}, err
	}
	duration := DefaultDuration
	if in.DurationSeconds != 0 {
		duration = time.Duration(in.DurationSeconds) * time.Second
	}
	maxDur := time.Duration(role.MaxSessionDuration) * time.Second
	if duration < s.minDur || duration > maxDur {
		return Credentials{}, apierr.New(400, "InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/1hr.").
			WithRecommend("DurationSeconds must be between %d and %d (the role's MaxSessionDuration), got %d",
				int64(s.minDur/time.Second), role.MaxSessionDuration, in.DurationSeconds)
	}

	now := s.now()
	req := policy.Request{
		Principal: caller.Principal(),
		Action:    "sts:AssumeRole",
		Resource:  iam.RoleARN(roleAccount, role.Name),
		Context:   s.context(caller, in, now),
	}
	identity, callerSession, err := s.iam.IdentityPolicies(ctx, caller)
	if err != nil {
		return Credentials{}, err
	}
	res := policy.AssumeRole(identity, callerSession, trust, &req)
	s.auditDecision(caller, in, req.Resource, roleAccount, &res)
	if res.Decision != policy.Allow {
		return Credentials{}, s.denial(caller, identity, callerSession, trust, &req, &res)
	}

	akid, err := s.newAccessKeyID()
	if err != nil {
		return Credentials{}, apierr.Internal(err)
	}
	expires := now.Add(duration).Truncate(time.Second)
	claims := token.Claims{
		AccessKeyID:    akid,
		AccountID:      roleAccount,
		RoleID:         role.ID,
		RoleName:       role.Name,
		SessionName:    in.RoleSessionName,
		SourceIdentity: in.SourceIdentity,
		Policy:         in.Policy,
		Expiration:     expires,
		Caller:         tokenCaller(caller),
	}
	tok, err := s.keys.Load().Mint(claims, now)
	if err != nil {
		return Credentials{}, apierr.Internal(err)
	}
	return Credentials{
		AccessKeyID:     akid,
		AccessKeySecret: s.keys.Load().SecretFor(akid),
		SecurityToken:   tok,
		Expiration:      expires.UTC(),
		AssumedRoleARN:  iam.RoleARN(roleAccount, role.Name) + "/" + in.RoleSessionName,
		AssumedRoleID:   role.ID + ":" + in.RoleSessionName,
		SourceIdentity:  in.SourceIdentity,
	}, nil
}

// AssumeRoleAsService is AssumeRole for a localyun service (such as
// engine.dataworks.aliyuncs.com) acting for account onBehalfOf. It never
// comes from the network: the service and account are set by the caller in
// process, and the trust policy must name `<onBehalfOf>@<service>` (or the
// bare service when onBehalfOf owns the role).
func (s *Service) AssumeRoleAsService(ctx context.Context, service, onBehalfOf string, in AssumeRoleInput) (Credentials, error) {
	caller := &iam.Identity{Kind: iam.ServicePrincipal, ServiceName: service, OnBehalfOf: onBehalfOf, Account: onBehalfOf}
	return s.AssumeRole(ctx, caller, in)
}

func (s *Service) context(caller *iam.Identity, in AssumeRoleInput, now time.Time) policy.Context {
	secure := "false"
	if in.Secure {
		secure = "true"
	}
	ctx := policy.Context{
		{Key: policy.KeyCurrentTime, Values: []string{now.UTC().Format(time.RFC3339)}},
		{Key: policy.KeySecureTransport, Values: []string{secure}},
		{Key: policy.KeyMFAPresent, Values: []string{"false"}},
	}
	if in.SourceIP != "" {
		ctx = append(ctx, policy.ContextEntry{Key: policy.KeySourceIP, Values: []string{in.SourceIP}})
	}
	if arn := caller.ARN(); arn != "" && caller.Kind != iam.ServicePrincipal {
		ctx = append(ctx, policy.ContextEntry{Key: policy.KeyPrincipalARN, Values: []string{arn}})
	}
	if in.ExternalID != "" {
		ctx = append(ctx, policy.ContextEntry{Key: policy.KeyExternalID, Values: []string{in.ExternalID}})
	}
	if in.SourceIdentity != "" {
		ctx = append(ctx, policy.ContextEntry{Key: policy.KeySourceIdentity, Values: []string{in.SourceIdentity}})
	}
	return ctx
}

// denial explains which side of AssumeRole did not allow.
func (s *Service) denial(caller *iam.Identity, identity []*policy.Policy, session, trust *policy.Policy, req *policy.Request, res *policy.Result) *apierr.Error {
	e := noPermission()
	if res.Decision == policy.ExplicitDeny {
		return e.WithRecommend("AssumeRole of %s is explicitly denied by %s", req.Resource, iam.Describe(res))
	}
	var missing []string
	if caller.Kind == iam.User || caller.Kind == iam.RoleSession {
		idSide := policy.Authorize(policy.Input{Identity: identity, Session: session}, req)
		if idSide.Decision != policy.Allow {
			missing = append(missing, fmt.Sprintf("no policy of %s allows sts:AssumeRole on %s (attach AliyunSTSAssumeRoleAccess in account %s)",
				caller.ARN(), req.Resource, caller.Account))
		}
	}
	trustSide := policy.Authorize(policy.Input{Resource: []*policy.Policy{trust}, Combine: policy.ResourceOnly}, req)
	if trustSide.Decision != policy.Allow {
		switch caller.Kind {
		case iam.ServicePrincipal:
			missing = append(missing, fmt.Sprintf(`the trust policy of the role does not name the service %s acting for account %s: add "Service": ["%s@%s"] to its Principal`,
				caller.ServiceName, caller.OnBehalfOf, caller.OnBehalfOf, caller.ServiceName))
		default:
			missing = append(missing, fmt.Sprintf(`the trust policy of the role does not allow %s: add "RAM": ["acs:ram::%s:root"] (or this user or role) to its Principal`,
				caller.ARN(), caller.Account))
		}
	}
	if len(missing) == 0 {
		missing = append(missing, "a condition of the policies is not met")
	}
	return e.WithRecommend("%s", strings.Join(missing, "; "))
}

func (s *Service) auditDecision(caller *iam.Identity, in AssumeRoleInput, resource, roleAccount string, res *policy.Result) {
	rec := store.AuditRecord{Time: s.now(), RequestID: in.RequestID, Event: "authorize", CallerAccount: caller.Account,
		Caller: caller.ARN(), AccessKeyID: caller.AccessKeyID, SourceIP: in.SourceIP, Action: "sts:AssumeRole",
		Resource: resource, ResourceAccount: roleAccount, Decision: res.Decision.String(), Deciding: iam.Describe(res)}
	if res.Decision != policy.Allow {
		rec.ErrorCode = "NoPermission"
	}
	s.iam.AuditLog().Append(rec)
}

func (s *Service) auditDenied(caller *iam.Identity, in AssumeRoleInput, why string) {
	s.iam.AuditLog().Append(store.AuditRecord{Time: s.now(), RequestID: in.RequestID, Event: "authorize",
		CallerAccount: caller.Account, Caller: caller.ARN(), AccessKeyID: caller.AccessKeyID, SourceIP: in.SourceIP,
		Action: "sts:AssumeRole", Resource: in.RoleArn, Decision: policy.ImplicitDeny.String(), Deciding: why, ErrorCode: "NoPermission"})
}

func tokenCaller(c *iam.Identity) token.Caller {
	switch c.Kind {
	case iam.User:
		return token.Caller{Type: token.CallerUser, Account: c.Account, Name: c.UserName}
	case iam.RoleSession:
		return token.Caller{Type: token.CallerRoleSession, Account: c.Account, Name: c.RoleName, Session: c.SessionName}
	}
	return token.Caller{Type: token.CallerService, Name: c.ServiceName, OnBehalfOf: c.OnBehalfOf}
}

func (s *Service) newAccessKeyID() (string, error) {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return token.NewAccessKeyID(s.rand)
}

// parseSessionPolicy compiles a session policy once per distinct text.
func (s *Service) parseSessionPolicy(doc string) (*policy.Policy, error) {
	key := sha256.Sum256([]byte(doc))
	if p, ok := s.session.Load(key); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse(policy.Session, doc, policy.Options{Name: "session policy"})
	if err != nil {
		var le *policy.LengthError
		if errors.As(err, &le) {
			return nil, apierr.Newf(400, "InvalidParameter.PolicySize", "The size of Policy must be smaller than %d characters.", le.Limit).
				WithRecommend("%v", err)
		}
		return nil, apierr.New(400, "InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check.").
			WithRecommend("%v", err)
	}
	s.session.Store(key, p)
	return p, nil
}

// Resolve turns an STS AccessKeyId and SecurityToken into the role session
// and its secret: the token must verify (MAC, expiry, AccessKeyId) and the
// role it was issued for must still exist with the same RoleId.
func (s *Service) Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error) {
	if securityToken == "" {
		return nil, "", apierr.New(400, "MissingSecurityToken", `The input parameter "SecurityToken" that is mandatory for processing this request is not supplied.`).
			WithRecommend("an STS AccessKeyId (STS.*) must be sent with the SecurityToken AssumeRole returned with it")
	}
	claims, err := s.keys.Load().Verify(securityToken, accessKeyID, s.now())
	if err != nil {
		var te *token.SecurityTokenError
		if errors.As(err, &te) {
			e := apierr.New(400, te.Code(), te.Error())
			if r := te.Recommend(); r != "" {
				e = e.WithRecommend("%s", r)
			}
			return nil, "", e
		}
		return nil, "", apierr.Internal(err)
	}
	role, _, err := s.iam.RoleForSession(ctx, claims.AccountID, claims.RoleName)
	if errors.Is(err, store.ErrNotFound) || err == nil && role.ID != claims.RoleID {
		return nil, "", apierr.New(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.").
			WithRecommend("role %q (RoleId %s) that issued this token was deleted, and its sessions ended with it; call AssumeRole for a role that exists",
				claims.RoleName, claims.RoleID)
	}
	if err != nil {
		return nil, "", err
	}
	id := &iam.Identity{Kind: iam.RoleSession, Account: claims.AccountID, AccessKeyID: accessKeyID, RoleName: role.Name,
		RoleID: role.ID, SessionName: claims.SessionName, SourceIdentity: claims.SourceIdentity}
	if claims.Policy != "" {
		if id.SessionPolicy, err = s.parseSessionPolicy(claims.Policy); err != nil {
			return nil, "", apierr.Internal(err)
		}
	}
	return id, s.keys.Load().SecretFor(accessKeyID), nil
}

// keysMeta is where the token key records live in the store.
const keysMeta = "sts.keys"

// LoadKeyring reads the token key records from the store, creating the
// first key when there is none, and builds the keyring.
func LoadKeyring(ctx context.Context, st store.Store, master []byte, now time.Time) (*token.Keyring, error) {
	var records []token.KeyRecord
	err := st.Update(ctx, func(tx store.Tx) error {
		raw, err := tx.GetMeta(keysMeta)
		if errors.Is(err, store.ErrNotFound) {
			records = token.InitialKeys(now)
			raw, err = json.Marshal(records)
			if err != nil {
				return err
			}
			return tx.SetMeta(keysMeta, raw)
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &records)
	})
	if err != nil {
		return nil, fmt.Errorf("sts keys: %w", err)
	}
	return token.NewKeyring(master, records, token.Options{})
}

// RotateKeys retires the current token key and starts signing with a new
// one; tokens of the retired key keep verifying for the keyring's grace
// (12 hours, the longest session). The new key list is stored first, so a
// restart keeps it.
func (s *Service) RotateKeys(ctx context.Context, st store.Store, master []byte) error {
	kr, err := rotateKeyring(ctx, st, master, s.keys.Load(), s.now())
	if err != nil {
		return err
	}
	s.keys.Store(kr)
	return nil
}

func rotateKeyring(ctx context.Context, st store.Store, master []byte, kr *token.Keyring, now time.Time) (*token.Keyring, error) {
	records, err := kr.Rotate(now)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(records)
	if err != nil {
		return nil, err
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(keysMeta, raw) }); err != nil {
		return nil, err
	}
	return token.NewKeyring(master, records, token.Options{})
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}
