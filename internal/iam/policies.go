package iam

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
)

func errPolicyNotFound(typ store.PolicyType, name string) *apierr.Error {
	return apierr.New(404, "EntityNotExist.Policy", "The policy does not exist.").
		WithRecommend("there is no %s policy %q; list them with ListPolicies", typ, name)
}

func errVersionNotFound(name, version string) *apierr.Error {
	return apierr.New(404, "EntityNotExist.Policy.Version", "The policy version does not exist.").
		WithRecommend("policy %q has no version %s; list them with ListPolicyVersions", name, version)
}

// ParsePolicyType validates a PolicyType parameter; required says whether
// it may be empty.
func ParsePolicyType(s string, required bool) (store.PolicyType, error) {
	switch store.PolicyType(s) {
	case store.System, store.Custom:
		return store.PolicyType(s), nil
	case "":
		if !required {
			return "", nil
		}
		return "", apierr.MissingParameter("PolicyType")
	}
	return "", apierr.New(400, "InvalidParameter.PolicyType", `The parameter - "PolicyType" is invalid.`).
		WithRecommend(`PolicyType is "System" or "Custom", got %q`, s)
}

func checkVersionID(v string) error {
	n, err := strconv.Atoi(v[min(1, len(v)):])
	if len(v) < 2 || v[0] != 'v' || err != nil || n < 1 || "v"+strconv.Itoa(n) != v {
		return apierr.New(400, "InvalidParameter.VersionId.Format", `The parameter - "VersionId" is wrongly formed.`).
			WithRecommend(`version ids look like "v1", "v2", ...; got %q`, v)
	}
	return nil
}

// PolicyWithDocument is a policy with its default version.
type PolicyWithDocument struct {
	store.Policy
	Default         store.PolicyVersion
	AttachmentCount int
}

// CreatePolicy creates a custom policy with its first version, v1.
func (s *Service) CreatePolicy(ctx context.Context, account, name, document, description string) (store.Policy, error) {
	if err := policyNameRule.check(name); err != nil {
		return store.Policy{}, err
	}
	if document == "" {
		return store.Policy{}, apierr.MissingParameter("PolicyDocument")
	}
	if _, err := parsePolicy(policy.Identity, "", document, policy.Options{}); err != nil {
		return store.Policy{}, err
	}
	if err := checkLength("Description", description, 1024); err != nil {
		return store.Policy{}, err
	}
	now := s.now().UTC()
	p := store.Policy{Account: account, Type: store.Custom, Name: name, Description: description, DefaultVersion: "v1",
		NextVersion: 2, CreatedAt: now, UpdatedAt: now}
	err := s.update(ctx, account, func(tx store.Tx) error {
		if _, err := tx.GetPolicy(account, store.System, name); err == nil {
			return apierr.New(409, "EntityAlreadyExists.Policy", "The policy does already EXIST.").
				WithRecommend("%q is the name of a system policy; choose another name", name)
		}
		existing, err := tx.ListPolicies(account, store.Custom, "", MaxCustomPolicies+1)
		if err != nil {
			return err
		}
		if len(existing) >= MaxCustomPolicies {
			return apierr.New(409, "LimitExceeded.Policy", "The count of policies beyond the current limits.")
		}
		if err := tx.CreatePolicy(p); err != nil {
			return err
		}
		return tx.CreatePolicyVersion(store.PolicyVersion{Account: account, Type: store.Custom, Policy: name, ID: "v1", Document: document, CreatedAt: now})
	})
	if errors.Is(err, store.ErrExists) {
		return store.Policy{}, apierr.New(409, "EntityAlreadyExists.Policy", "The policy does already EXIST.").
			WithRecommend("a custom policy named %q exists in this account (names are case-insensitive)", name)
	}
	return p, err
}

// GetPolicy returns a policy with its default version and attachment count.
func (s *Service) GetPolicy(ctx context.Context, account string, typ store.PolicyType, name string) (PolicyWithDocument, error) {
	if err := policyNameRule.check(name); err != nil {
		return PolicyWithDocument{}, err
	}
	var out PolicyWithDocument
	err := s.view(ctx, func(r store.Reader) error {
		p, err := r.GetPolicy(account, typ, name)
		if err != nil {
			return errPolicyNotFound(typ, name)
		}
		v, err := r.GetPolicyVersion(p.Account, p.Type, p.Name, p.DefaultVersion)
		if err != nil {
			return err
		}
		atts, err := r.ListPolicyAttachments(account, p.Type, p.Name)
		if err != nil {
			return err
		}
		out = PolicyWithDocument{Policy: p, Default: v, AttachmentCount: len(atts)}
		return nil
	})
	return out, err
}

// ListPolicies pages through system and custom policies.
func (s *Service) ListPolicies(ctx context.Context, account string, typ store.PolicyType, marker string, max int) ([]PolicyWithDocument, string, error) {
	var out []PolicyWithDocument
	err := s.view(ctx, func(r store.Reader) error {
		ps, err := r.ListPolicies(account, typ, marker, max+1)
		if err != nil {
			return err
		}
		for _, p := range ps {
			atts, err := r.ListPolicyAttachments(account, p.Type, p.Name)
			if err != nil {
				return err
			}
			out = append(out, PolicyWithDocument{Policy: p, AttachmentCount: len(atts)})
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		next = store.PolicyListKey(out[max-1].Policy)
	}
	return out, next, nil
}

// DeletePolicy deletes a custom policy that is attached to nothing and has
// no version besides its default.
func (s *Service) DeletePolicy(ctx context.Context, account, name string) error {
	if err := policyNameRule.check(name); err != nil {
		return err
	}
	return s.update(ctx, account, func(tx store.Tx) error {
		p, err := tx.GetPolicy(account, store.Custom, name)
		if err != nil {
			return errPolicyNotFound(store.Custom, name)
		}
		atts, err := tx.ListPolicyAttachments(account, store.Custom, p.Name)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.Kind == store.UserPrincipal {
				return apierr.New(409, "DeleteConflict.Policy.User", "The policy CAN NOT be attached to any user while deleting the policy.").
					WithRecommend("detach it from user %q (and any other) with DetachPolicyFromUser first", a.Principal)
			}
			return apierr.New(409, "DeleteConflict.Policy.Role", "The policy CAN NOT be attached to any role while deleting the policy.").
				WithRecommend("detach it from role %q (and any other) with DetachPolicyFromRole first", a.Principal)
		}
		versions, err := tx.ListPolicyVersions(account, store.Custom, p.Name)
		if err != nil {
			return err
		}
		if len(versions) > 1 {
			return apierr.New(409, "DeleteConflict.Policy.Version", "The policy CAN NOT has any non-default version while deleting the policy.").
				WithRecommend("delete its %d non-default version(s) with DeletePolicyVersion first", len(versions)-1)
		}
		return tx.DeletePolicy(account, store.Custom, p.Name)
	})
}

// CreatePolicyVersion adds a version to a custom policy. rotate is
// "DeleteOldestNonDefaultVersionWhenLimitExceeded" or "None" ("").
func (s *Service) CreatePolicyVersion(ctx context.Context, account, name, document string, setAsDefault bool, rotate string) (store.PolicyVersion, error) {
	if err := policyNameRule.check(name); err != nil {
		return store.PolicyVersion{}, err
	}
	if document == "" {
		return store.PolicyVersion{}, apierr.MissingParameter("PolicyDocument")
	}
	if rotate != "" && rotate != "None" && rotate != "DeleteOldestNonDefaultVersionWhenLimitExceeded" {
		return store.PolicyVersion{}, apierr.New(400, "InvalidParameter.RotateStrategy", `The parameter - "RotateStrategy" is invalid.`).
			WithRecommend(`RotateStrategy is "None" or "DeleteOldestNonDefaultVersionWhenLimitExceeded"`)
	}
	if _, err := parsePolicy(policy.Identity, "", document, policy.Options{}); err != nil {
		return store.PolicyVersion{}, err
	}
	var v store.PolicyVersion
	err := s.update(ctx, account, func(tx store.Tx) error {
		p, err := tx.GetPolicy(account, store.Custom, name)
		if err != nil {
			return errPolicyNotFound(store.Custom, name)
		}
		versions, err := tx.ListPolicyVersions(account, store.Custom, p.Name)
		if err != nil {
			return err
		}
		if len(versions) >= MaxPolicyVersions {
			if rotate != "DeleteOldestNonDefaultVersionWhenLimitExceeded" {
				return apierr.New(409, "LimitExceeded.Policy.Version", "The count of versions of the policy has exceeded the limit.").
					WithRecommend("a policy keeps at most %d versions: delete one with DeletePolicyVersion, or pass RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded", MaxPolicyVersions)
			}
			for _, old := range versions {
				if old.ID != p.DefaultVersion {
					if err := tx.DeletePolicyVersion(account, store.Custom, p.Name, old.ID); err != nil {
						return err
					}
					break
				}
			}
		}
		now := s.now().UTC()
		v = store.PolicyVersion{Account: account, Type: store.Custom, Policy: p.Name, ID: fmt.Sprintf("v%d", p.NextVersion), Document: document, CreatedAt: now}
		if err := tx.CreatePolicyVersion(v); err != nil {
			return err
		}
		p.NextVersion++
		if setAsDefault {
			p.DefaultVersion = v.ID
		}
		p.UpdatedAt = now
		return tx.UpdatePolicy(p)
	})
	return v, err
}

// GetPolicyVersion returns one version of a policy.
func (s *Service) GetPolicyVersion(ctx context.Context, account string, typ store.PolicyType, name, version string) (store.PolicyVersion, bool, error) {
	if err := policyNameRule.check(name); err != nil {
		return store.PolicyVersion{}, false, err
	}
	if err := checkVersionID(version); err != nil {
		return store.PolicyVersion{}, false, err
	}
	var v store.PolicyVersion
	var isDefault bool
	err := s.view(ctx, func(r store.Reader) error {
		p, err := r.GetPolicy(account, typ, name)
		if err != nil {
			return errPolicyNotFound(typ, name)
		}
		v, err = r.GetPolicyVersion(p.Account, p.Type, p.Name, version)
		if err != nil {
			return errVersionNotFound(name, version)
		}
		isDefault = p.DefaultVersion == v.ID
		return nil
	})
	return v, isDefault, err
}

// ListPolicyVersions lists a policy's versions, oldest first, with the
// default version's id.
func (s *Service) ListPolicyVersions(ctx context.Context, account string, typ store.PolicyType, name string) ([]store.PolicyVersion, string, error) {
	if err := policyNameRule.check(name); err != nil {
		return nil, "", err
	}
	var vs []store.PolicyVersion
	var def string
	err := s.view(ctx, func(r store.Reader) error {
		p, err := r.GetPolicy(account, typ, name)
		if err != nil {
			return errPolicyNotFound(typ, name)
		}
		def = p.DefaultVersion
		vs, err = r.ListPolicyVersions(p.Account, p.Type, p.Name)
		return err
	})
	return vs, def, err
}

// DeletePolicyVersion deletes a non-default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, account, name, version string) error {
	if err := policyNameRule.check(name); err != nil {
		return err
	}
	if err := checkVersionID(version); err != nil {
		return err
	}
	return s.update(ctx, account, func(tx store.Tx) error {
		p, err := tx.GetPolicy(account, store.Custom, name)
		if err != nil {
			return errPolicyNotFound(store.Custom, name)
		}
		if p.DefaultVersion == version {
			return apierr.New(409, "DeleteConflict.Policy.Version.Default", "The default version of the policy CAN NOT be deleted.").
				WithRecommend("make another version the default with SetDefaultPolicyVersion first")
		}
		if err := tx.DeletePolicyVersion(account, store.Custom, p.Name, version); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errVersionNotFound(name, version)
			}
			return err
		}
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the one that applies.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, account, name, version string) error {
	if err := policyNameRule.check(name); err != nil {
		return err
	}
	if err := checkVersionID(version); err != nil {
		return err
	}
	return s.update(ctx, account, func(tx store.Tx) error {
		p, err := tx.GetPolicy(account, store.Custom, name)
		if err != nil {
			return errPolicyNotFound(store.Custom, name)
		}
		if _, err := tx.GetPolicyVersion(account, store.Custom, p.Name, version); err != nil {
			return errVersionNotFound(name, version)
		}
		p.DefaultVersion, p.UpdatedAt = version, s.now().UTC()
		return tx.UpdatePolicy(p)
	})
}

// AttachedPolicy is an attachment with the policy's details.
type AttachedPolicy struct {
	store.Attachment
	Description    string
	DefaultVersion string
}

// Attach attaches a policy to a user or role.
func (s *Service) Attach(ctx context.Context, account string, kind store.PrincipalKind, principal string, typ store.PolicyType, name string) error {
	if err := principalRule(kind).check(principal); err != nil {
		return err
	}
	if err := policyNameRule.check(name); err != nil {
		return err
	}
	return s.update(ctx, account, func(tx store.Tx) error {
		canonical, err := principalName(tx, account, kind, principal)
		if err != nil {
			return err
		}
		p, err := tx.GetPolicy(account, typ, name)
		if err != nil {
			return errPolicyNotFound(typ, name)
		}
		atts, err := tx.ListAttachments(account, kind, canonical)
		if err != nil {
			return err
		}
		count, limit := 0, MaxSystemPoliciesPerRef
		if typ == store.Custom {
			limit = MaxCustomPoliciesUser
			if kind == store.RolePrincipal {
				limit = MaxCustomPoliciesRole
			}
		}
		for _, a := range atts {
			if a.PolicyType == typ {
				count++
			}
			if a.PolicyType == typ && equalFold(a.Policy, p.Name) {
				return apierr.Newf(409, "EntityAlreadyExists."+string(kind)+".Policy", "The policy has already been attached to the %s.", lowerKind(kind)).
					WithRecommend("%s policy %q is already attached to %s %q", typ, p.Name, lowerKind(kind), canonical)
			}
		}
		if count >= limit {
			return apierr.Newf(409, "LimitExceeded."+string(kind)+".Policy", "The count of %s policies attached to the %s has exceeded the limit.", typ, lowerKind(kind)).
				WithRecommend("a %s may have at most %d %s policies attached", lowerKind(kind), limit, typ)
		}
		return tx.Attach(store.Attachment{Account: account, Kind: kind, Principal: canonical, PolicyType: typ, Policy: p.Name, AttachedAt: s.now().UTC()})
	})
}

// Detach detaches a policy from a user or role.
func (s *Service) Detach(ctx context.Context, account string, kind store.PrincipalKind, principal string, typ store.PolicyType, name string) error {
	if err := principalRule(kind).check(principal); err != nil {
		return err
	}
	if err := policyNameRule.check(name); err != nil {
		return err
	}
	return s.update(ctx, account, func(tx store.Tx) error {
		canonical, err := principalName(tx, account, kind, principal)
		if err != nil {
			return err
		}
		if _, err := tx.GetPolicy(account, typ, name); err != nil {
			return errPolicyNotFound(typ, name)
		}
		if err := tx.Detach(account, kind, canonical, typ, name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return apierr.Newf(404, "EntityNotExist."+string(kind)+".Policy", "The policy is not attached to the %s.", lowerKind(kind)).
					WithRecommend("%s policy %q is not attached to %s %q", typ, name, lowerKind(kind), canonical)
			}
			return err
		}
		return nil
	})
}

// ListAttached lists the policies attached to a user or role.
func (s *Service) ListAttached(ctx context.Context, account string, kind store.PrincipalKind, principal string) ([]AttachedPolicy, error) {
	if err := principalRule(kind).check(principal); err != nil {
		return nil, err
	}
	var out []AttachedPolicy
	err := s.view(ctx, func(r store.Reader) error {
		canonical, err := principalName(r, account, kind, principal)
		if err != nil {
			return err
		}
		atts, err := r.ListAttachments(account, kind, canonical)
		if err != nil {
			return err
		}
		for _, a := range atts {
			p, err := r.GetPolicy(account, a.PolicyType, a.Policy)
			if err != nil {
				return err
			}
			out = append(out, AttachedPolicy{Attachment: a, Description: p.Description, DefaultVersion: p.DefaultVersion})
		}
		return nil
	})
	return out, err
}

// PolicyEntity is a user or role a policy is attached to, with what
// ListEntitiesForPolicy shows of it.
type PolicyEntity struct {
	store.Attachment
	ID          string // the RoleId or UserId
	Description string // a role's
	DisplayName string // a user's
}

// ListEntitiesForPolicy lists the users and roles a policy is attached to.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, account string, typ store.PolicyType, name string) ([]PolicyEntity, error) {
	if err := policyNameRule.check(name); err != nil {
		return nil, err
	}
	var out []PolicyEntity
	err := s.view(ctx, func(r store.Reader) error {
		p, err := r.GetPolicy(account, typ, name)
		if err != nil {
			return errPolicyNotFound(typ, name)
		}
		atts, err := r.ListPolicyAttachments(account, typ, p.Name)
		if err != nil {
			return err
		}
		for _, a := range atts {
			e := PolicyEntity{Attachment: a}
			if a.Kind == store.UserPrincipal {
				u, err := r.GetUser(a.Account, a.Principal)
				if err != nil {
					return err
				}
				e.ID, e.DisplayName = u.ID, u.DisplayName
			} else {
				ro, err := r.GetRole(a.Account, a.Principal)
				if err != nil {
					return err
				}
				e.ID, e.Description = ro.ID, ro.Description
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func principalRule(kind store.PrincipalKind) nameRule {
	if kind == store.UserPrincipal {
		return userNameRule
	}
	return roleNameRule
}

func lowerKind(kind store.PrincipalKind) string {
	if kind == store.UserPrincipal {
		return "user"
	}
	return "role"
}

// principalName returns the stored name of a user or role, or its
// not-found error.
func principalName(r store.Reader, account string, kind store.PrincipalKind, name string) (string, error) {
	if kind == store.UserPrincipal {
		u, err := r.GetUser(account, name)
		if errors.Is(err, store.ErrNotFound) {
			return "", errUserNotFound(name)
		}
		return u.Name, err
	}
	ro, err := r.GetRole(account, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", errRoleNotFound(name)
	}
	return ro.Name, err
}
