package iam

import (
	"context"
	"errors"
	"regexp"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/store"
)

func errUserNotFound(name string) *apierr.Error {
	return apierr.New(404, "EntityNotExist.User", "The user does not exist.").
		WithRecommend("there is no RAM user %q in this account; list them with ListUsers", name)
}

// UserInput is what CreateUser takes.
type UserInput struct {
	Name, DisplayName, MobilePhone, Email, Comments string
}

var (
	mobilePattern = regexp.MustCompile(`^[0-9]{1,3}-[0-9]{4,16}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func (in UserInput) validate() error {
	if err := userNameRule.check(in.Name); err != nil {
		return err
	}
	if in.DisplayName != "" {
		if err := checkLength("DisplayName", in.DisplayName, 128); err != nil {
			return err
		}
	}
	if in.MobilePhone != "" && !mobilePattern.MatchString(in.MobilePhone) {
		return apierr.New(400, "InvalidParameter.MobilePhone.Format", `The parameter - "MobilePhone" is wrongly formed.`).
			WithRecommend("write the phone number as <country code>-<number>, for example 86-18600008888")
	}
	if in.Email != "" && (!emailPattern.MatchString(in.Email) || len(in.Email) > 128) {
		return apierr.New(400, "InvalidParameter.Email.Format", `The parameter - "Email" is wrongly formed.`)
	}
	return checkLength("Comments", in.Comments, 128)
}

// CreateUser creates a RAM user.
func (s *Service) CreateUser(ctx context.Context, account string, in UserInput) (store.User, error) {
	if err := in.validate(); err != nil {
		return store.User{}, err
	}
	id, err := s.numericID(16)
	if err != nil {
		return store.User{}, apierr.Internal(err)
	}
	now := s.now().UTC()
	u := store.User{Account: account, ID: id, Name: in.Name, DisplayName: in.DisplayName, MobilePhone: in.MobilePhone,
		Email: in.Email, Comments: in.Comments, CreatedAt: now, UpdatedAt: now}
	if u.DisplayName == "" {
		u.DisplayName = in.Name
	}
	err = s.update(ctx, account, func(tx store.Tx) error {
		existing, err := tx.ListUsers(account, "", MaxUsers+1)
		if err != nil {
			return err
		}
		if len(existing) >= MaxUsers {
			return apierr.New(409, "LimitExceeded.User", "The count of users beyond the current limits.").
				WithRecommend("an account holds at most %d RAM users", MaxUsers)
		}
		return tx.CreateUser(u)
	})
	if errors.Is(err, store.ErrExists) {
		return store.User{}, apierr.New(409, "EntityAlreadyExists.User", "The user does already EXIST.").
			WithRecommend("a RAM user named %q exists in this account (names are case-insensitive)", in.Name)
	}
	s.keyGen.Add(1)
	return u, err
}

// UserByID finds a RAM user of account by its UserId (EntityNotExist.User
// when there is none).
func (s *Service) UserByID(ctx context.Context, account, id string) (store.User, error) {
	var u store.User
	err := s.view(ctx, func(r store.Reader) (err error) {
		u, err = r.GetUserByID(account, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return u, errUserNotFound(id)
	}
	return u, err
}

// GetUser returns a RAM user.
func (s *Service) GetUser(ctx context.Context, account, name string) (store.User, error) {
	if err := userNameRule.check(name); err != nil {
		return store.User{}, err
	}
	var u store.User
	err := s.view(ctx, func(r store.Reader) (err error) {
		u, err = r.GetUser(account, name)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return u, errUserNotFound(name)
	}
	return u, err
}

// ListUsers pages through the account's users.
func (s *Service) ListUsers(ctx context.Context, account, marker string, max int) ([]store.User, string, error) {
	var users []store.User
	err := s.view(ctx, func(r store.Reader) (err error) {
		users, err = r.ListUsers(account, marker, max+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(users) > max {
		users = users[:max]
		next = users[max-1].Name
	}
	return users, next, nil
}

// DeleteUser deletes a user that has no AccessKeys and no policies.
func (s *Service) DeleteUser(ctx context.Context, account, name string) error {
	if err := userNameRule.check(name); err != nil {
		return err
	}
	err := s.update(ctx, account, func(tx store.Tx) error {
		if _, err := tx.GetUser(account, name); err != nil {
			return err
		}
		keys, err := tx.ListAccessKeys(account, name)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return apierr.New(409, "DeleteConflict.User.AccessKey", "The user CAN NOT has any access key while deleting the user.").
				WithRecommend("delete the user's %d AccessKey(s) with DeleteAccessKey first", len(keys))
		}
		atts, err := tx.ListAttachments(account, store.UserPrincipal, name)
		if err != nil {
			return err
		}
		if len(atts) > 0 {
			return apierr.New(409, "DeleteConflict.User.Policy", "The user CAN NOT has any attached policy while deleting the user.").
				WithRecommend("detach the user's %d policy(ies) with DetachPolicyFromUser first", len(atts))
		}
		return tx.DeleteUser(account, name)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errUserNotFound(name)
	}
	s.keyGen.Add(1)
	return err
}

// CreateAccessKey creates an AccessKey for a user, or for the calling
// account root when user is "".
func (s *Service) CreateAccessKey(ctx context.Context, account, user string) (AccessKeySecret, error) {
	if user != "" {
		if err := userNameRule.check(user); err != nil {
			return AccessKeySecret{}, err
		}
	}
	var key AccessKeySecret
	err := s.update(ctx, account, func(tx store.Tx) error {
		owner := ""
		if user != "" {
			u, err := tx.GetUser(account, user)
			if err != nil {
				return err
			}
			owner = u.Name
		}
		existing, err := tx.ListAccessKeys(account, owner)
		if err != nil {
			return err
		}
		if len(existing) >= MaxAccessKeysPerUser {
			return apierr.New(409, "LimitExceeded.User.AccessKey", "The count of access keys of the user has exceeded the limit.").
				WithRecommend("a user holds at most %d AccessKeys; delete one with DeleteAccessKey", MaxAccessKeysPerUser)
		}
		key, err = s.newKey(account, owner)
		if err != nil {
			return err
		}
		return tx.CreateAccessKey(key.AccessKey)
	})
	if errors.Is(err, store.ErrNotFound) {
		return AccessKeySecret{}, errUserNotFound(user)
	}
	s.keyGen.Add(1)
	return key, err
}

// accessKeyOf finds a key that belongs to user (or the root when "").
func accessKeyOf(r store.Reader, account, user, id string) (store.AccessKey, error) {
	if user != "" {
		if _, err := r.GetUser(account, user); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return store.AccessKey{}, errUserNotFound(user)
			}
			return store.AccessKey{}, err
		}
	}
	k, err := r.GetAccessKey(id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (k.Account != account || !equalFold(k.User, user)) {
		return store.AccessKey{}, apierr.New(404, "EntityNotExist.User.AccessKey", "The access key does not exist.").
			WithRecommend("the user has no AccessKey %s; list its keys with ListAccessKeys", id)
	}
	return k, err
}

// UpdateAccessKey sets a key's status: Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, account, user, id, status string) error {
	if status != "Active" && status != "Inactive" {
		return apierr.New(400, "InvalidParameter.Status", `The parameter - "Status" is invalid.`).
			WithRecommend(`Status is "Active" or "Inactive"`)
	}
	err := s.update(ctx, account, func(tx store.Tx) error {
		k, err := accessKeyOf(tx, account, user, id)
		if err != nil {
			return err
		}
		k.Status = status
		return tx.UpdateAccessKey(k)
	})
	s.keyGen.Add(1)
	return err
}

// DeleteAccessKey deletes a key.
func (s *Service) DeleteAccessKey(ctx context.Context, account, user, id string) error {
	err := s.update(ctx, account, func(tx store.Tx) error {
		if _, err := accessKeyOf(tx, account, user, id); err != nil {
			return err
		}
		return tx.DeleteAccessKey(id)
	})
	s.keyGen.Add(1)
	return err
}

// ListAccessKeys lists a user's keys (the root's when user is "").
func (s *Service) ListAccessKeys(ctx context.Context, account, user string) ([]store.AccessKey, error) {
	var keys []store.AccessKey
	err := s.view(ctx, func(r store.Reader) error {
		if user != "" {
			if _, err := r.GetUser(account, user); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return errUserNotFound(user)
				}
				return err
			}
		}
		var err error
		keys, err = r.ListAccessKeys(account, user)
		return err
	})
	return keys, err
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
