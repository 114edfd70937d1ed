package odpsauth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// DefaultSkew is how far a request's Date may be from the server's clock,
// either way: 900000 ms, the limit the real service names in its
// RequestTimeTooSkewed message.
const DefaultSkew = 15 * time.Minute

// Verify checks the signature against the AccessKey secret. It returns nil
// when the request was signed with that secret, and otherwise a
// SignatureNotMatch *Error whose message ends with the server's string to
// sign. The comparison takes the same time wherever the signatures differ.
//
// A Go SDK client whose endpoint ends in "/" signs the resource without
// its leading "/" (it strips the endpoint's path, slash included); Verify
// accepts that form too. Both forms describe the same request, so nothing
// another request could use is accepted with it.
func (s *Signed) Verify(secret string) error {
	key, ok := signingKey(s.Version, s.Scope, secret)
	if !ok || s.signature == "" {
		// A Signed that Parse did not make has nothing to verify.
		return errNoMatch(s.stringToSign, s.prefix)
	}
	want := []byte(s.signature)
	if hmac.Equal([]byte(sign(key, s.stringToSign)), want) {
		return nil
	}
	if s.altStringToSign != "" && hmac.Equal([]byte(sign(key, s.altStringToSign)), want) {
		return nil
	}
	return errNoMatch(s.stringToSign, s.prefix)
}

// CheckTime refuses a request whose Date is more than skew away from now,
// in the past or in the future, with RequestTimeTooSkewed. A skew of zero
// or less means DefaultSkew.
func (s *Signed) CheckTime(now time.Time, skew time.Duration) error {
	if skew <= 0 {
		skew = DefaultSkew
	}
	if d := now.Sub(s.Date); d > skew || d < -skew {
		return errSkewed(s.Date, now, skew)
	}
	return nil
}

// SecretFunc returns the secret of the AccessKey that claims to have signed
// s (s.AccessKeyID, with s.SecurityToken for STS credentials), or the error
// to send the client, such as AccessKeyNotFound(s.AccessKeyID). For STS
// credentials it must also check that the token was issued with that
// AccessKeyId, since the signature does not cover the token. It is called
// only for requests that parsed and are within the time window.
type SecretFunc func(s *Signed) (secret string, err error)

// Authenticate runs the whole check in order: Parse with prefix, CheckTime
// against now with DefaultSkew, the secret lookup, Verify. It returns the
// verified request, or the first error: an *Error from this package or
// whatever lookup returned, unchanged. Once the request has parsed, the
// parsed request comes back with a later error too, so that a refusal can
// be audited with the AccessKeyId it claims.
func Authenticate(r *Request, prefix string, now time.Time, lookup SecretFunc) (*Signed, error) {
	s, err := Parse(r, prefix)
	if err != nil {
		return nil, err
	}
	if err := s.CheckTime(now, DefaultSkew); err != nil {
		return s, err
	}
	secret, err := lookup(s)
	if err != nil {
		return s, err
	}
	if err := s.Verify(secret); err != nil {
		return s, err
	}
	return s, nil
}

// signingKey is the HMAC-SHA1 key: the secret for v2; for v4 the chain
// kSecret = corp+"_v4"+secret, kDate = HMAC-SHA256(kSecret, yyyymmdd),
// kRegion = HMAC-SHA256(kDate, region), kService = HMAC-SHA256(kRegion,
// "odps"), key = HMAC-SHA256(kService, corp+"_v4_request") (Go SDK
// odps/account/aliyun_account.go generateSignatureV4, pyodps
// odps/accounts.py CloudAccount._get_v4_signature_key). ok is false for
// an unknown version.
func signingKey(v Version, sc Scope, secret string) (key []byte, ok bool) {
	switch v {
	case V2:
		return []byte(secret), true
	case V4:
		k := []byte(sc.Corporation + "_v4" + secret)
		for _, part := range [...]string{sc.Date, sc.Region, "odps", sc.Corporation + "_v4_request"} {
			m := hmac.New(sha256.New, k)
			m.Write([]byte(part))
			k = m.Sum(nil)
		}
		return k, true
	}
	return nil, false
}

// sign is base64(HMAC-SHA1(key, stringToSign)), the signature of both
// versions.
func sign(key []byte, stringToSign string) string {
	m := hmac.New(sha1.New, key)
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
