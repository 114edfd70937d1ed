package odpsauth

import (
	"fmt"
	"strconv"
	"time"
)

// ODPS error codes returned by this package. The package comment has the
// table of when each is used.
const (
	CodeAuthorizationRequired = "AuthorizationRequired"
	CodeUnauthorized          = "Unauthorized"
	CodeInvalidArgument       = "InvalidArgument"
	CodeSignatureNotMatch     = "SignatureNotMatch"
	CodeRequestTimeTooSkewed  = "RequestTimeTooSkewed"
	CodeAccessKeyIDNotFound   = "AccessKeyIdNotFound"
)

// MessageContain is what a SignatureNotMatch message puts right before the
// server's string to sign, which runs to the end of the message. It is the
// separator the RPC signature package uses, so one tool can split both.
const MessageContain = "server string to sign is:"

// invalidOrMissing is the real service's text for a refused Authorization
// header. pyodps, when it signed with v4 and gets AuthorizationRequired or
// Unauthorized with "invalid or missing" in the message, signs again with
// v2 (odps/rest.py RestClient.request), so every refusal of the header
// itself starts with it.
const invalidOrMissing = "The request authorization header is invalid or missing."

// maxEcho bounds how much of a client-supplied value an error message
// repeats.
const maxEcho = 64

// Error is a refusal with the ODPS error code, the HTTP status and the
// message to send unchanged (as the Message of the XML error body). Message
// never contains a secret or the received signature. The SignatureNotMatch
// message does contain the server's string to sign, which holds the
// request's x-odps-* headers and query: it is meant for the client that
// sent them, so log Code, not Message.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// echo quotes a client-supplied string for an error message, cut to maxEcho
// bytes so a hostile request cannot inflate the response.
func echo(s string) string {
	if len(s) > maxEcho {
		return strconv.Quote(s[:maxEcho]) + "..."
	}
	return strconv.Quote(s)
}

func errAuthorizationRequired() *Error {
	return newError(CodeAuthorizationRequired, 401,
		"%s The request has no Authorization header; sign it with an AccessKey or STS credentials: Authorization: ODPS <AccessKeyId>:<signature>.",
		invalidOrMissing)
}

// errUnauthorized refuses the Authorization header (or another scheme's
// header) with the real service's first sentence, then what is wrong.
func errUnauthorized(format string, args ...any) *Error {
	return newError(CodeUnauthorized, 401, invalidOrMissing+" "+format, args...)
}

func errInvalid(format string, args ...any) *Error {
	return newError(CodeInvalidArgument, 400, format, args...)
}

func errDuplicateHeader(name string) *Error {
	return errInvalid("The header %s is given more than once; give it once.", name)
}

// errNoMatch is SignatureNotMatch with the real service's text
// ("ODPS-0410042:Invalid signature value - User signature does not match"),
// what to check, then the server's string to sign.
func errNoMatch(stringToSign, prefix string) *Error {
	endpoint := "the ODPS endpoint"
	if prefix != "" {
		endpoint = "http(s)://<host>:<port>" + prefix
	}
	return newError(CodeSignatureNotMatch, 403,
		"ODPS-0410042:Invalid signature value - User signature does not match. "+
			"Check the AccessKey secret, and that the client's endpoint is %s; "+
			"if both are right, compare the string your client signed with this one. %s%s",
		endpoint, MessageContain, stringToSign)
}

// skewTime is the layout of expire_date and now_date in a
// RequestTimeTooSkewed message (pyodps errors.RequestTimeTooSkewed parses
// them with "%Y-%m-%dT%H:%M:%S.%fZ").
const skewTime = "2006-01-02T15:04:05.000Z"

// errSkewed is RequestTimeTooSkewed with the real service's message, which
// pyodps splits on "," and then on the first ":" into max_interval_date
// (milliseconds), expire_date and now_date. The hint is one more such
// field, so that parse still succeeds.
func errSkewed(date, now time.Time, skew time.Duration) *Error {
	d := now.Sub(date)
	side := "behind"
	if d < 0 {
		d, side = -d, "ahead of"
	}
	ms := skew.Milliseconds()
	return newError(CodeRequestTimeTooSkewed, 403,
		"ODPS-0410031:Authentication request expired - the expire time interval  exceeds the max limitation: %d, "+
			"max_interval_date:%d,expire_date:%s,now_date:%s,"+
			"hint:the request Date is %s %s the server's clock; set the client's clock right (NTP) and send the request again",
		ms, ms, date.UTC().Format(skewTime), now.UTC().Format(skewTime), d.Round(time.Second), side)
}

// AccessKeyNotFound is the error for a SecretFunc to return when no
// AccessKey (or no live STS credentials) has the id that signed the
// request: AccessKeyIdNotFound, status 401, with the real service's text
// "ODPS-0410051:Invalid credentials - accessKeyId not found: <id>".
func AccessKeyNotFound(accessKeyID string) *Error {
	return newError(CodeAccessKeyIDNotFound, 401,
		"ODPS-0410051:Invalid credentials - accessKeyId not found: %s", trim(accessKeyID))
}

// trim cuts s to maxEcho bytes without quoting it, for values the real
// message prints bare. Parse has already limited an AccessKeyId's
// characters.
func trim(s string) string {
	if len(s) > maxEcho {
		return s[:maxEcho] + "..."
	}
	return s
}
