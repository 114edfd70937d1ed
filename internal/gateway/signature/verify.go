package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// DefaultWindow is how far a request's Timestamp or x-acs-date may be from
// the server's clock, either way (reference/ram-sts.md §6.6).
const DefaultWindow = 15 * time.Minute

// Verify checks the signature against the AccessKey secret. It returns nil
// when the request was signed with that secret, and otherwise a
// SignatureDoesNotMatch *Error whose message ends with the server's string
// to sign, which the monolithic SDK compares with its own to tell a wrong
// secret from a client bug. The comparison takes the same time wherever the
// signatures differ.
func (s *Signed) Verify(secret string) error {
	var got []byte
	switch s.Scheme {
	case V1:
		m := hmac.New(sha1.New, []byte(secret+"&"))
		m.Write([]byte(s.stringToSign))
		got = []byte(base64.StdEncoding.EncodeToString(m.Sum(nil)))
	case V3:
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(s.stringToSign))
		got = m.Sum(nil)
	default:
		// A Signed that Parse did not make has nothing to verify.
		return errNoMatch(s.stringToSign)
	}
	if len(s.signature) == 0 || !hmac.Equal(got, s.signature) {
		return errNoMatch(s.stringToSign)
	}
	return nil
}

// CheckTime refuses a request whose timestamp is more than window away from
// now, in the past or in the future, with InvalidTimeStamp.Expired. A window
// of zero or less means DefaultWindow.
func (s *Signed) CheckTime(now time.Time, window time.Duration) error {
	if window <= 0 {
		window = DefaultWindow
	}
	d := now.Sub(s.Timestamp)
	if d > window || d < -window {
		return errExpired()
	}
	return nil
}

// SecretFunc returns the secret of the AccessKey that claims to have signed
// s (s.AccessKeyID, with s.SecurityToken for STS credentials), or the error
// to send the client, such as InvalidAccessKeyId.NotFound. It is called
// only for requests that parsed and are within the time window.
type SecretFunc func(s *Signed) (secret string, err error)

// Authenticate runs the whole check in order: Parse, CheckTime against now
// with DefaultWindow, the secret lookup, Verify. It returns the verified
// request, or the first error: an *Error from this package or whatever
// lookup returned, unchanged. The nonce has not been checked for reuse:
// the replay guard does that after Authenticate succeeds, so that requests
// with bad signatures cannot fill its cache.
func Authenticate(r *Request, now time.Time, lookup SecretFunc) (*Signed, error) {
	s, err := Parse(r)
	if err != nil {
		return nil, err
	}
	if err := s.CheckTime(now, DefaultWindow); err != nil {
		return nil, err
	}
	secret, err := lookup(s)
	if err != nil {
		return nil, err
	}
	if err := s.Verify(secret); err != nil {
		return nil, err
	}
	return s, nil
}
