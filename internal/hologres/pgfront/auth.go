package pgfront

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xdg-go/stringprep"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/iam"
)

// Resolver finds the identity and the secret behind an AccessKeyId; an STS
// AccessKeyId comes with its security token. It is the gateway's resolver
// (gateway.Resolver): the server passes the same value. Errors are
// *apierr.Error for the caller's mistakes (unknown or disabled key,
// missing, malformed, expired or foreign token) and anything else for
// internal failures.
type Resolver interface {
	Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error)
}

// Login forms (reference/hologres.md §2.1).
const (
	formAccessKey = "AccessKey"
	formAKv4      = "AKv4"
	formBasic     = "BASIC"
)

// akv4Prefix marks holo-client's AKv4 login (reference/hologres.md §2.3).
const akv4Prefix = "akv4$"

// basicPrefix marks a local user with its own password.
const basicPrefix = "BASIC$"

// login is an authenticated client before its role is checked.
type login struct {
	user     string // as sent, for messages
	role     string // the database role
	form     string
	identity *iam.Identity // nil for BASIC$ users
}

// caller names the login for logs and the audit trail.
func (l *login) caller() string {
	if l.identity != nil {
		return l.identity.ARN()
	}
	return l.role
}

// authenticate checks the credentials of user and maps them to a database
// role. BASIC$ passwords are checked later, against the role itself, by
// checkRole.
func (s *Server) authenticate(ctx context.Context, user, password string, opts startupOptions) (login, *PGError) {
	if strings.HasPrefix(user, basicPrefix) {
		if classifyRole(user) != classTenant {
			return login{}, authFailed(user).withDetail("%s is not a valid BASIC$ user name (BASIC$ and 1 to 48 letters, digits or _).", clip(user))
		}
		return login{user: user, role: user, form: formBasic}, nil
	}
	akid, form := user, formAccessKey
	if strings.HasPrefix(user, akv4Prefix) {
		akid, form = user[len(akv4Prefix):], formAKv4
	}
	if akid == "" {
		return login{}, authFailed(user).withDetail("The user name is empty: log in with an AccessKeyId, akv4$<AccessKeyId> or BASIC$<name>.")
	}
	var tokens []string
	if opts.hasSTSToken {
		tokens = tokenCandidates(opts.stsToken)
	} else {
		tokens = []string{""}
	}
	var (
		id     *iam.Identity
		secret string
		err    error
	)
	for _, tok := range tokens {
		id, secret, err = s.cfg.Resolver.Resolve(ctx, akid, tok)
		if err == nil || !isTokenError(err) {
			break
		}
	}
	if err != nil {
		return login{}, resolveFailure(user, akid, err)
	}
	var ok bool
	switch form {
	case formAKv4:
		ok = verifyAKv4(password, secret, s.cfg.Region, s.cfg.Now())
	default:
		ok = subtle.ConstantTimeCompare([]byte(password), []byte(secret)) == 1
	}
	if !ok {
		e := authFailed(user)
		if form == formAKv4 {
			day := s.cfg.Now().UTC()
			return login{}, e.withDetail("The AKv4 password is not the key derived from the AccessKey secret of %s for region %s and product hologres on %s, %s or %s (UTC).",
				akid, s.cfg.Region, day.AddDate(0, 0, -1).Format("20060102"), day.Format("20060102"), day.AddDate(0, 0, 1).Format("20060102")).
				withHint("holo-client derives it with the region of the endpoint or its HGREGION property; this instance is in %s", s.cfg.Region)
		}
		return login{}, e.withDetail("The password is not the AccessKey secret of %s.", akid)
	}
	role, ok := hologres.RoleName(id)
	if !ok || classifyRole(role) != classTenant {
		return login{}, authFailed(user).withDetail("A %s cannot log in to a Hologres instance.", id.Kind)
	}
	return login{user: user, role: role, form: form, identity: id}, nil
}

func isTokenError(err error) bool {
	e := apierr.As(err)
	return e != nil && strings.HasPrefix(e.Code, "InvalidSecurityToken.")
}

// resolveFailure explains a refused AccessKeyId or token. It repeats the
// resolver's code and documented message, which never hold the token or a
// secret.
func resolveFailure(user, akid string, err error) *PGError {
	e := apierr.As(err)
	if e == nil {
		return internalError("FATAL", err)
	}
	out := authFailed(user).withCause(err)
	switch e.Code {
	case "InvalidAccessKeyId.NotFound":
		out = out.withDetail("The AccessKeyId %s does not exist.", akid)
	case "InvalidAccessKeyId.Inactive":
		out = out.withDetail("The AccessKey %s is disabled.", akid)
	case "MissingSecurityToken":
		out = out.withDetail("%s is an STS AccessKeyId and no security token was sent.", akid).
			withHint("send the SecurityToken in the startup options: PGOPTIONS='sts_token=<token>', or options=sts_token=<URL-encoded token> in a connection URL")
		return out
	case "InvalidSecurityToken.Expired":
		out = out.withDetail("The security token of %s has expired (%s: %s).", akid, e.Code, e.Message)
	case "InvalidSecurityToken.MismatchWithAccessKey":
		out = out.withDetail("The security token does not belong to %s (%s: %s).", akid, e.Code, e.Message)
	case "InvalidSecurityToken.Malformed":
		out = out.withDetail("The security token sent for %s is malformed (%s: %s).", akid, e.Code, e.Message)
	default:
		out = out.withDetail("%s: %s", e.Code, e.Message)
	}
	if e.Recommend != "" {
		out = out.withHint("%s", e.Recommend)
	}
	return out
}

// AKv4Password is holo-client's AKv4 password for secret on day (UTC) in
// region (reference/hologres.md §2.3): the base64 of the aliyun_v4 signing
// key with the product "hologres".
func AKv4Password(secret, region string, day time.Time) string {
	k := hmacSHA256([]byte("aliyun_v4"+secret), day.UTC().Format("20060102"))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "hologres")
	k = hmacSHA256(k, "aliyun_v4_request")
	return base64.StdEncoding.EncodeToString(k)
}

// verifyAKv4 accepts the keys of the day before, the day of and the day
// after now (UTC), so clocks on either side of midnight agree. All three
// are compared, in constant time.
func verifyAKv4(password, secret, region string, now time.Time) bool {
	ok := 0
	for d := -1; d <= 1; d++ {
		want := AKv4Password(secret, region, now.AddDate(0, 0, d))
		ok |= subtle.ConstantTimeCompare([]byte(password), []byte(want))
	}
	return ok == 1
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// maxSCRAMIterations bounds the work of one BASIC$ login: a verifier set
// with a huge iteration count must not turn logins into a CPU sink.
const maxSCRAMIterations = 100_000

// verifyPassword checks a cleartext password against a role's stored
// PostgreSQL verifier: SCRAM-SHA-256 (PostgreSQL's default) or MD5. A
// SCRAM verifier is of the SASLprep'd password, as PostgreSQL builds it
// (saslprep).
func verifyPassword(role, password, stored string) bool {
	switch {
	case strings.HasPrefix(stored, "SCRAM-SHA-256$"):
		// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
		rest := stored[len("SCRAM-SHA-256$"):]
		params, keys, ok := strings.Cut(rest, "$")
		if !ok {
			return false
		}
		iterS, saltB64, ok := strings.Cut(params, ":")
		if !ok {
			return false
		}
		storedB64, _, ok := strings.Cut(keys, ":")
		if !ok {
			return false
		}
		iter, err := strconv.Atoi(iterS)
		if err != nil || iter < 1 || iter > maxSCRAMIterations {
			return false
		}
		salt, err1 := base64.StdEncoding.DecodeString(saltB64)
		storedKey, err2 := base64.StdEncoding.DecodeString(storedB64)
		if err1 != nil || err2 != nil {
			return false
		}
		salted, err := pbkdf2.Key(sha256.New, saslprep(password), salt, iter, sha256.Size)
		if err != nil {
			return false
		}
		clientKey := hmacSHA256(salted, "Client Key")
		sum := sha256.Sum256(clientKey)
		return subtle.ConstantTimeCompare(sum[:], storedKey) == 1
	case strings.HasPrefix(stored, "md5") && len(stored) == 35:
		sum := md5.Sum([]byte(password + role))
		want := "md5" + hex.EncodeToString(sum[:])
		return subtle.ConstantTimeCompare([]byte(want), []byte(stored)) == 1
	}
	return false
}

// saslprep prepares a password as PostgreSQL does before SCRAM (RFC 4013
// SASLprep): a password that is not valid UTF-8, or that SASLprep refuses
// (prohibited or unassigned characters), is used as it is.
func saslprep(password string) string {
	if !utf8.ValidString(password) {
		return password
	}
	prepped, err := stringprep.SASLprep.Prepare(password)
	if err != nil {
		return password
	}
	return prepped
}

// describeIdentity names an identity for a message.
func describeIdentity(id *iam.Identity) string {
	switch id.Kind {
	case iam.Root:
		return "Alibaba Cloud account " + id.Account
	case iam.User:
		return "RAM user " + id.UserName + " (UserId " + id.UserID + ") of account " + id.Account
	case iam.RoleSession:
		return "RAM role " + id.RoleName + " (RoleId " + id.RoleID + ") of account " + id.Account
	}
	return id.Kind.String()
}
