package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"time"
)

// Limits of the claims and of the tokens Verify reads.
const (
	// MaxPolicyLength bounds Claims.Policy in characters (runes), as the
	// policy package bounds session policies.
	MaxPolicyLength = 2048
	// maxFieldLength bounds every other string claim, in bytes (one length
	// byte in the payload). Real values are far shorter: names of at most
	// 64 characters, 16- to 19-digit ids.
	maxFieldLength = 255
	// MaxTokenLength bounds the tokens Verify decodes, in characters; longer
	// ones are refused as malformed before any decoding. It is not smaller
	// because a policy of 2,048 characters may take 8,192 bytes of UTF-8: the
	// largest token Mint can produce (every string at its limit, such a
	// policy) is 14,066 characters. A typical token is about 250 characters
	// plus 4/3 of the policy's size in bytes.
	MaxTokenLength = 16 << 10
)

// Layout of a version 1 token. See the package comment.
const (
	version1     = 1
	headerLength = 1 + 4 // version, key id
	tagLength    = sha256.Size
	fixedLength  = 8 + 4 + 1 // issued at, lifetime, caller type
	numFields    = 10        // length-prefixed short strings
)

// CallerType says who called AssumeRole.
type CallerType uint8

const (
	// CallerUser is a RAM user: Caller.Account and Caller.Name (the user
	// name) are set.
	CallerUser CallerType = iota + 1
	// CallerRoleSession is a session of another RAM role: Caller.Account,
	// Caller.Name (the role name) and Caller.Session are set.
	CallerRoleSession
	// CallerService is a cloud service such as engine.dataworks.aliyuncs.com:
	// Caller.Name (the service) and Caller.OnBehalfOf are set;
	// Caller.Account is optional.
	CallerService
)

func (t CallerType) String() string {
	switch t {
	case CallerUser:
		return "user"
	case CallerRoleSession:
		return "role-session"
	case CallerService:
		return "service"
	}
	return "invalid"
}

func (t CallerType) valid() bool { return CallerUser <= t && t <= CallerService }

// Caller is the identity that called AssumeRole, kept in the token for the
// audit trail and GetCallerIdentity's neighbours.
type Caller struct {
	Type CallerType
	// Account is the UID of the account the caller belongs to.
	Account string
	// Name is the RAM user name, the role name or the service name.
	Name string
	// Session is the caller's own role session name (CallerRoleSession only).
	Session string
	// OnBehalfOf is the account a service acts for (CallerService only).
	OnBehalfOf string
}

// Claims are what a token says. Mint requires AccessKeyID, AccountID,
// RoleID, RoleName, SessionName, Expiration and the Caller fields of its
// type; SourceIdentity and Policy may be empty. Strings other than Policy
// are at most 255 bytes, and all are valid UTF-8. Times are whole seconds.
type Claims struct {
	// AccessKeyID is the STS AccessKeyId ("STS." + letters and digits) the
	// token was issued with; a request must be signed with it.
	AccessKeyID string
	// AccountID is the UID of the account that owns the role.
	AccountID string
	RoleID    string
	RoleName  string
	// SessionName is the RoleSessionName of AssumeRole.
	SessionName    string
	Caller         Caller
	SourceIdentity string
	// IssuedAt is when Mint signed the token (the now it was given), in UTC.
	IssuedAt time.Time
	// Expiration is the first instant the token is no longer valid, in UTC.
	Expiration time.Time
	// Policy is the session policy text exactly as AssumeRole received it,
	// at most MaxPolicyLength characters; empty when there is none.
	Policy string
}

// fieldNames names, in wire order, the strings that fields returns.
var fieldNames = [numFields]string{
	"AccessKeyID", "AccountID", "RoleID", "RoleName", "SessionName",
	"Caller.Account", "Caller.Name", "Caller.Session", "Caller.OnBehalfOf", "SourceIdentity",
}

// fields returns the short string claims in wire order, so that encoding,
// decoding and validation share one definition of it.
func (c *Claims) fields() [numFields]*string {
	return [numFields]*string{
		&c.AccessKeyID, &c.AccountID, &c.RoleID, &c.RoleName, &c.SessionName,
		&c.Caller.Account, &c.Caller.Name, &c.Caller.Session, &c.Caller.OnBehalfOf, &c.SourceIdentity,
	}
}

// Mint signs claims with the current key and returns the token: only the
// characters A–Z, a–z, 0–9, '-' and '_'. The token's IssuedAt is now, in
// whole seconds; c.IssuedAt must be zero or that same second. c.Expiration
// must be at least one second after now and at most the keyring's grace
// after it, so that a rotation never cuts a token short. Mint reads no clock
// and no randomness: the same claims, now and keyring give the same token.
// Claims it refuses are reported as a *ClaimsError.
func (k *Keyring) Mint(c Claims, now time.Time) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	issued := now.Unix()
	if issued < 0 {
		return "", &ClaimsError{Field: "IssuedAt", Reason: "must not be before 1970"}
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.Unix() != issued {
		return "", &ClaimsError{Field: "IssuedAt", Reason: "must be zero or the time Mint is given"}
	}
	if c.Expiration.IsZero() {
		return "", &ClaimsError{Field: "Expiration", Reason: "is required"}
	}
	exp := c.Expiration.Unix()
	if exp <= issued {
		return "", &ClaimsError{Field: "Expiration", Reason: "must be at least one second after now"}
	}
	if life := exp - issued; life > int64(k.grace/time.Second) || life > math.MaxUint32 {
		return "", &ClaimsError{Field: "Expiration", Reason: "must be no later than now plus the keyring grace (" + k.grace.String() + ")"}
	}

	key := &k.keys[k.current]
	raw := make([]byte, 0, headerLength+c.payloadLength()+tagLength)
	raw = append(raw, version1)
	raw = binary.BigEndian.AppendUint32(raw, key.id)
	raw = c.appendPayload(raw, issued, uint32(exp-issued))
	raw = key.tag(raw, raw)
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// Verify authenticates a token and returns its claims. accessKeyID is the
// AccessKeyId the request was signed with; now is the time of the request.
// The only errors are, checked in this order:
//
//   - ErrMalformed: longer than MaxTokenLength, a character outside
//     [A-Za-z0-9_-], not canonical unpadded base64url, an unknown version,
//     too short, an unknown key id, a MAC that does not match, or a key
//     whose retirement grace ended at or before now. Which one is not said.
//   - ErrExpired: now is at or after Expiration.
//   - ErrMismatch: accessKeyID is not the token's AccessKeyID.
//
// Nothing from the payload is decoded before the MAC has been checked (in
// constant time), so unauthenticated bytes only ever select a key. A token
// whose IssuedAt is after now is accepted, to tolerate clock skew between
// replicas. The returned strings share one allocation with each other.
func (k *Keyring) Verify(token, accessKeyID string, now time.Time) (Claims, error) {
	// The decoder refuses every character outside the alphabet, padding
	// included, except '\r' and '\n', which it skips: refuse them here so
	// that each token has exactly one spelling. Strict makes the decoder
	// refuse non-zero unused bits in the last character, for the same reason.
	if len(token) > MaxTokenLength || strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 {
		return Claims{}, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < headerLength+tagLength || raw[0] != version1 {
		return Claims{}, ErrMalformed
	}
	key := k.lookup(binary.BigEndian.Uint32(raw[1:headerLength]))
	if key == nil {
		return Claims{}, ErrMalformed
	}
	body, tag := raw[:len(raw)-tagLength], raw[len(raw)-tagLength:]
	var want [tagLength]byte
	if !hmac.Equal(key.tag(want[:0], body), tag) {
		return Claims{}, ErrMalformed
	}
	if !key.retiredAt.IsZero() && !now.Before(key.retiredAt.Add(k.grace)) {
		return Claims{}, ErrMalformed
	}
	c, ok := decodePayload(body[headerLength:])
	if !ok {
		// Authenticated, yet not a payload this version writes: only a bug
		// or a leaked master secret gets here.
		return Claims{}, ErrMalformed
	}
	if !now.Before(c.Expiration) {
		return Claims{}, ErrExpired
	}
	if c.AccessKeyID != accessKeyID {
		return Claims{}, ErrMismatch
	}
	return c, nil
}
