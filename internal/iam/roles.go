package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
)

func errRoleNotFound(name string) *apierr.Error {
	return apierr.New(404, "EntityNotExist.Role", "The role does not exist.").
		WithRecommend("there is no role %q in this account; list them with ListRoles", name)
}

// RoleARN is the ARN of a role: the name lower-cased, the region empty.
func RoleARN(account, name string) string {
	return "acs:ram::" + account + ":role/" + strings.ToLower(name)
}

// RoleInput is what CreateRole takes.
type RoleInput struct {
	Name               string
	TrustPolicy        string
	Description        string
	MaxSessionDuration int64 // 0: the default, 3600
}

func checkMaxSession(param string, v int64) error {
	if v < MinSessionDuration || v > MaxSessionDurationLimit {
		return apierr.Newf(400, "InvalidParameter."+param, `The parameter - "%s" is invalid.`, param).
			WithRecommend("%s is between %d and %d seconds", param, MinSessionDuration, MaxSessionDurationLimit)
	}
	return nil
}

// CreateRole creates a role; its trust policy must be valid.
func (s *Service) CreateRole(ctx context.Context, account string, in RoleInput) (store.Role, error) {
	if err := roleNameRule.check(in.Name); err != nil {
		return store.Role{}, err
	}
	if in.TrustPolicy == "" {
		return store.Role{}, apierr.MissingParameter("AssumeRolePolicyDocument")
	}
	if _, err := parsePolicy(policy.Trust, "", in.TrustPolicy, policy.Options{}); err != nil {
		return store.Role{}, err
	}
	if err := checkLength("Description", in.Description, 1024); err != nil {
		return store.Role{}, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultMaxSession
	}
	if err := checkMaxSession("MaxSessionDuration", in.MaxSessionDuration); err != nil {
		return store.Role{}, err
	}
	id, err := s.numericID(19)
	if err != nil {
		return store.Role{}, apierr.Internal(err)
	}
	now := s.now().UTC()
	r := store.Role{Account: account, ID: id, Name: in.Name, Description: in.Description, TrustPolicy: in.TrustPolicy,
		MaxSessionDuration: in.MaxSessionDuration, CreatedAt: now, UpdatedAt: now}
	err = s.update(ctx, account, func(tx store.Tx) error {
		existing, err := tx.ListRoles(account, "", MaxRoles+1)
		if err != nil {
			return err
		}
		if len(existing) >= MaxRoles {
			return apierr.New(409, "LimitExceeded.Role", "The count of roles beyond the current limits.").
				WithRecommend("an account holds at most %d roles", MaxRoles)
		}
		return tx.CreateRole(r)
	})
	if errors.Is(err, store.ErrExists) {
		return store.Role{}, apierr.New(409, "EntityAlreadyExists.Role", "The role does already EXIST.").
			WithRecommend("a role named %q exists in this account (names are case-insensitive)", in.Name)
	}
	return r, err
}

// RoleByID finds a role of account by its RoleId (EntityNotExist.Role
// when there is none).
func (s *Service) RoleByID(ctx context.Context, account, id string) (store.Role, error) {
	var r store.Role
	err := s.view(ctx, func(rd store.Reader) (err error) {
		r, err = rd.GetRoleByID(account, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return r, errRoleNotFound(id)
	}
	return r, err
}

// GetRole returns a role. It is served from the role cache that
// RoleForSession keeps (invalidated by every write to the account), so a
// read of an existing role costs no store transaction.
func (s *Service) GetRole(ctx context.Context, account, name string) (store.Role, error) {
	if err := roleNameRule.check(name); err != nil {
		return store.Role{}, err
	}
	r, _, err := s.RoleForSession(ctx, account, name)
	if errors.Is(err, store.ErrNotFound) {
		return r, errRoleNotFound(name)
	}
	return r, err
}

// RoleUpdate is what UpdateRole changes; nil fields stay.
type RoleUpdate struct {
	TrustPolicy        *string
	Description        *string
	MaxSessionDuration *int64
}

// UpdateRole changes a role's trust policy, description or maximum
// session duration.
func (s *Service) UpdateRole(ctx context.Context, account, name string, u RoleUpdate) (store.Role, error) {
	if err := roleNameRule.check(name); err != nil {
		return store.Role{}, err
	}
	if u.TrustPolicy != nil {
		if _, err := parsePolicy(policy.Trust, "NewAssumeRolePolicyDocument", *u.TrustPolicy, policy.Options{}); err != nil {
			return store.Role{}, err
		}
	}
	if u.Description != nil {
		if err := checkLength("NewDescription", *u.Description, 1024); err != nil {
			return store.Role{}, err
		}
	}
	if u.MaxSessionDuration != nil {
		if err := checkMaxSession("NewMaxSessionDuration", *u.MaxSessionDuration); err != nil {
			return store.Role{}, err
		}
	}
	var r store.Role
	err := s.update(ctx, account, func(tx store.Tx) error {
		var err error
		if r, err = tx.GetRole(account, name); err != nil {
			return err
		}
		if u.TrustPolicy != nil {
			r.TrustPolicy = *u.TrustPolicy
		}
		if u.Description != nil {
			r.Description = *u.Description
		}
		if u.MaxSessionDuration != nil {
			r.MaxSessionDuration = *u.MaxSessionDuration
		}
		r.UpdatedAt = s.now().UTC()
		return tx.UpdateRole(r)
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Role{}, errRoleNotFound(name)
	}
	return r, err
}

// DeleteRole deletes a role that has no attached policies. Its sessions
// stop working at once: STS credentials are checked against the role on
// every request.
func (s *Service) DeleteRole(ctx context.Context, account, name string) error {
	if err := roleNameRule.check(name); err != nil {
		return err
	}
	err := s.update(ctx, account, func(tx store.Tx) error {
		if _, err := tx.GetRole(account, name); err != nil {
			return err
		}
		atts, err := tx.ListAttachments(account, store.RolePrincipal, name)
		if err != nil {
			return err
		}
		if len(atts) > 0 {
			return apierr.New(409, "DeleteConflict.Role.Policy", "The role CAN NOT has any attached policy while deleting the role.").
				WithRecommend("detach the role's %d policy(ies) with DetachPolicyFromRole first", len(atts))
		}
		return tx.DeleteRole(account, name)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errRoleNotFound(name)
	}
	return err
}

// ListRoles pages through the account's roles.
func (s *Service) ListRoles(ctx context.Context, account, marker string, max int) ([]store.Role, string, error) {
	var roles []store.Role
	err := s.view(ctx, func(r store.Reader) (err error) {
		roles, err = r.ListRoles(account, marker, max+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(roles) > max {
		roles = roles[:max]
		next = roles[max-1].Name
	}
	return roles, next, nil
}

// cachedRole is a role with its compiled trust policy.
type cachedRole struct {
	gen   uint64
	role  store.Role
	trust *policy.Policy
}

// RoleForSession returns a role and its compiled trust policy, cached per
// account generation: STS looks it up on every AssumeRole and on every
// request made with a session's credentials.
func (s *Service) RoleForSession(ctx context.Context, account, name string) (store.Role, *policy.Policy, error) {
	key := account + "/" + strings.ToLower(name)
	gen := s.generation(account)
	if v, ok := s.roles.Load(key); ok {
		if cr := v.(*cachedRole); cr.gen == gen {
			return cr.role, cr.trust, nil
		}
	}
	var r store.Role
	err := s.view(ctx, func(rd store.Reader) (err error) {
		r, err = rd.GetRole(account, name)
		return err
	})
	if err != nil {
		return store.Role{}, nil, err
	}
	trust, err := policy.Parse(policy.Trust, r.TrustPolicy, policy.Options{Name: "trust policy of role " + r.Name})
	if err != nil {
		return store.Role{}, nil, apierr.Internal(err)
	}
	s.roles.Store(key, &cachedRole{gen: gen, role: r, trust: trust})
	return r, trust, nil
}
