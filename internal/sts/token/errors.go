package token

import "errors"

// Alibaba error codes for a refused SecurityToken (reference/ram-sts.md §6.8).
// Callers put them on the wire; this package only says which one applies.
const (
	CodeMalformed = "InvalidSecurityToken.Malformed"
	CodeExpired   = "InvalidSecurityToken.Expired"
	CodeMismatch  = "InvalidSecurityToken.MismatchWithAccessKey"
)

// SecurityTokenError is the only error Verify returns. There are exactly
// three values, ErrMalformed, ErrExpired and ErrMismatch, so callers test
// with errors.Is and read the Alibaba code with Code.
//
// ErrMalformed deliberately covers every way a token can fail to
// authenticate (bad encoding, wrong version, truncation, unknown key, bad
// MAC, key past its retirement grace): a client that could tell them apart
// would learn which of its forgeries came closest. No value carries any part
// of the token, a secret or a MAC.
type SecurityTokenError struct {
	code, message, recommend string
}

// The errors Verify returns. Their texts follow the messages Alibaba's
// gateway sends for these codes.
var (
	ErrMalformed = &SecurityTokenError{
		code:      CodeMalformed,
		message:   "Specified SecurityToken is malformed.",
		recommend: "Send the SecurityToken exactly as AssumeRole returned it, together with the AccessKeyId and AccessKeySecret returned with it.",
	}
	ErrExpired = &SecurityTokenError{
		code:      CodeExpired,
		message:   "Specified SecurityToken is expired.",
		recommend: "Call AssumeRole again for new credentials; the Expiration field of its response says how long they last.",
	}
	ErrMismatch = &SecurityTokenError{
		code:      CodeMismatch,
		message:   "Specified SecurityToken mismatch with the AccessKey.",
		recommend: "Sign the request with the AccessKeyId that AssumeRole returned together with this SecurityToken.",
	}
)

func (e *SecurityTokenError) Error() string { return e.message }

// Code is the Alibaba error code, for example InvalidSecurityToken.Expired.
func (e *SecurityTokenError) Code() string { return e.code }

// Recommend says what the caller can do about it, for the Recommend field
// of an RPC error body.
func (e *SecurityTokenError) Recommend() string { return e.recommend }

// ClaimsError reports claims that Mint refuses to sign. It is a bug in the
// caller (AssumeRole validates its parameters first), not a client error.
// The message names the field and the rule, never the value.
type ClaimsError struct {
	Field  string // e.g. "Caller.OnBehalfOf"
	Reason string // e.g. "is required for a service caller"
}

func (e *ClaimsError) Error() string { return "sts token: claim " + e.Field + " " + e.Reason }

// ErrInvalidKeyring is wrapped by every error NewKeyring and Rotate return:
// a master secret that is too short, or key records that cannot be used.
var ErrInvalidKeyring = errors.New("sts token: invalid keyring")
