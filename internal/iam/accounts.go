package iam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"math/big"
	"regexp"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/store"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomString draws n characters of alphabet from the random source,
// without modulo bias.
func (s *Service) randomString(alphabet string, n int) (string, error) {
	out := make([]byte, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet)
	for i := 0; i < n; {
		if err := s.readRand(buf); err != nil {
			return "", err
		}
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out), nil
}

// numericID returns n random digits that do not start with 0.
func (s *Service) numericID(n int) (string, error) {
	first, err := s.randomString("123456789", 1)
	if err != nil {
		return "", err
	}
	rest, err := s.randomString("0123456789", n-1)
	return first + rest, err
}

// newAccessKeyID returns "LTAI" + 20 alphanumerics.
func (s *Service) newAccessKeyID() (string, error) {
	tail, err := s.randomString(base62, 20)
	return "LTAI" + tail, err
}

// secretFor derives a permanent AccessKey's secret from the master key,
// the AccessKeyId and the key's stored seed: the database alone reveals
// no secret.
func (s *Service) secretFor(id string, seed []byte) string {
	mac := hmac.New(sha256.New, s.master)
	mac.Write([]byte("localyun accesskey secret v1\x00"))
	mac.Write([]byte(id))
	mac.Write([]byte{0})
	mac.Write(seed)
	n := new(big.Int).SetBytes(mac.Sum(nil))
	out := make([]byte, 30)
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := range out {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return string(out)
}

// AccessKeySecret is a new AccessKey with its secret: the only time the
// secret is shown.
type AccessKeySecret struct {
	store.AccessKey
	Secret string
}

// accountNamePattern: lower-case letters, digits and '-', with at least one
// letter (so a name never looks like a UID).
var accountNamePattern = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// ValidAccountName says why a name cannot name an account, or "".
func ValidAccountName(name string) string {
	switch {
	case !accountNamePattern.MatchString(name):
		return "an account name is 1 to 64 lower-case letters, digits and '-'"
	case !strings.ContainsAny(name, "abcdefghijklmnopqrstuvwxyz"):
		return "an account name needs at least one letter, so that it cannot be mistaken for a UID"
	}
	return ""
}

// CreateAccount creates an account with a 16-digit UID and a root
// AccessKey.
func (s *Service) CreateAccount(ctx context.Context, name string) (store.Account, AccessKeySecret, error) {
	if why := ValidAccountName(name); why != "" {
		return store.Account{}, AccessKeySecret{}, apierr.Newf(400, "InvalidParameter.AccountName", "The account name %q is invalid: %s.", name, why)
	}
	for attempt := 0; ; attempt++ {
		id, err := s.numericID(16)
		if err != nil {
			return store.Account{}, AccessKeySecret{}, apierr.Internal(err)
		}
		acct := store.Account{ID: id, Name: name, CreatedAt: s.now().UTC()}
		key, err := s.newKey(acct.ID, "")
		if err != nil {
			return store.Account{}, AccessKeySecret{}, err
		}
		err = s.update(ctx, id, func(tx store.Tx) error {
			if _, err := tx.GetAccountByName(name); err == nil {
				return apierr.Newf(409, "EntityAlreadyExists.Account", "An account named %q already exists.", name)
			}
			if err := tx.CreateAccount(acct); err != nil {
				return err
			}
			return tx.CreateAccessKey(key.AccessKey)
		})
		if errors.Is(err, store.ErrExists) && attempt < 3 {
			continue // a UID or key id collision: draw again
		}
		if err != nil {
			return store.Account{}, AccessKeySecret{}, err
		}
		return acct, key, nil
	}
}

// newKey makes an AccessKey (not yet stored) for a user, or the root.
func (s *Service) newKey(account, user string) (AccessKeySecret, error) {
	id, err := s.newAccessKeyID()
	if err != nil {
		return AccessKeySecret{}, apierr.Internal(err)
	}
	seed := make([]byte, 16)
	if err := s.readRand(seed); err != nil {
		return AccessKeySecret{}, apierr.Internal(err)
	}
	k := store.AccessKey{ID: id, Account: account, User: user, Seed: seed, Status: "Active", CreatedAt: s.now().UTC()}
	return AccessKeySecret{AccessKey: k, Secret: s.secretFor(id, seed)}, nil
}

// ListAccounts lists every account.
func (s *Service) ListAccounts(ctx context.Context) ([]store.Account, error) {
	var out []store.Account
	err := s.view(ctx, func(r store.Reader) (err error) {
		out, err = r.ListAccounts()
		return err
	})
	return out, err
}

// LookupAccount finds an account by UID or by name.
func (s *Service) LookupAccount(ctx context.Context, uidOrName string) (store.Account, error) {
	var a store.Account
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		if isDigits(uidOrName) {
			a, err = r.GetAccount(uidOrName)
		} else {
			a, err = r.GetAccountByName(uidOrName)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return a, apierr.Newf(404, "EntityNotExist.Account", "The account %q does not exist.", uidOrName)
	}
	return a, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cachedKey is an AccessKey as the gateway needs it.
type cachedKey struct {
	gen    uint64
	key    store.AccessKey
	secret string
	userID string
}

// Credential is a permanent AccessKey resolved for authentication.
type Credential struct {
	Identity Identity
	Secret   string
	Active   bool
}

// LookupAccessKey resolves a permanent AccessKeyId to its owner and
// secret; a *store.NotFoundError when there is no such key (the gateway
// answers InvalidAccessKeyId.NotFound).
func (s *Service) LookupAccessKey(ctx context.Context, id string) (Credential, error) {
	gen := s.keyGen.Load()
	if v, ok := s.keys.Load(id); ok {
		if ck := v.(*cachedKey); ck.gen == gen {
			return ck.credential(), nil
		}
	}
	ck := cachedKey{gen: gen}
	err := s.store.View(ctx, func(r store.Reader) error {
		k, err := r.GetAccessKey(id)
		if err != nil {
			return err
		}
		ck.key, ck.secret = k, s.secretFor(k.ID, k.Seed)
		if k.User != "" {
			u, err := r.GetUser(k.Account, k.User)
			if err != nil {
				return err
			}
			ck.key.User, ck.userID = u.Name, u.ID
		}
		return nil
	})
	if err != nil {
		return Credential{}, err
	}
	s.keys.Store(id, &ck)
	return ck.credential(), nil
}

func (ck *cachedKey) credential() Credential {
	id := Identity{Kind: Root, Account: ck.key.Account, AccessKeyID: ck.key.ID}
	if ck.key.User != "" {
		id.Kind, id.UserName, id.UserID = User, ck.key.User, ck.userID
	}
	return Credential{Identity: id, Secret: ck.secret, Active: ck.key.Status == "Active"}
}
