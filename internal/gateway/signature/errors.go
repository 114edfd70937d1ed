package signature

import (
	"fmt"
	"strconv"
)

// Alibaba error codes returned by this package. The package comment has the
// table of when each is used; Missing<Param> codes are built from the
// parameter name (MissingAccessKeyId, MissingTimestamp, ...).
const (
	CodeMissingParameter       = "MissingParameter"
	CodeInvalidParameter       = "InvalidParameter"
	CodeTimestampFormat        = "InvalidTimeStamp.Format"
	CodeTimestampExpired       = "InvalidTimeStamp.Expired"
	CodeSignatureDoesNotMatch  = "SignatureDoesNotMatch"
	CodeIncompleteSignature    = "IncompleteSignature"
	CodeInvalidSignatureMethod = "InvalidSignatureMethod"
	CodeInvalidSignatureVer    = "InvalidSignatureVersion"
	CodeContentSHA256          = "ContentSHA256NotMatched"
)

// MessageContain is the literal the monolithic SDK splits a
// SignatureDoesNotMatch message on to recover the server's string to sign
// (sdk/errors/signature_does_not_match_wrapper.go).
const MessageContain = "server string to sign is:"

// maxEcho bounds how much of a client-supplied name or value an error
// message repeats.
const maxEcho = 64

// Error is a refusal with the Alibaba error code, the HTTP status and the
// message to put on the wire unchanged. Message never contains a secret or
// the received signature; the SignatureDoesNotMatch message does contain the
// server's string to sign, which for V1 includes the request's parameters
// (SecurityToken among them): it is meant for the client that sent them, so
// log Code, not Message.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Status: 400, Message: fmt.Sprintf(format, args...)}
}

// echo quotes a client-supplied string for an error message, cut to maxEcho
// bytes so a hostile request cannot inflate the response.
func echo(s string) string {
	if len(s) > maxEcho {
		return strconv.Quote(s[:maxEcho]) + "..."
	}
	return strconv.Quote(s)
}

// errMissingParam reports an absent or empty V1 parameter with the
// Missing<Param> code, e.g. MissingTimestamp "Timestamp is mandatory for this
// action." (reference/ram-sts.md §6.6).
func errMissingParam(name string) *Error {
	return newError("Missing"+name, "%s is mandatory for this action.", name)
}

// errMissingHeader reports an absent V3 header with MissingParameter and the
// documented text.
func errMissingHeader(name string) *Error {
	return newError(CodeMissingParameter,
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

func errDuplicateParam(name string) *Error {
	return newError(CodeInvalidParameter,
		"The parameter %s is given more than once (in the query string twice, or in both the query string and the form body); give it once.", echo(name))
}

func errDuplicateHeader(name string) *Error {
	return newError(CodeInvalidParameter,
		"The header %q is given more than once; give it once.", name)
}

// errMalformed does not repeat the parser's error, which may quote the input
// at length; it says where the problem is.
func errMalformed(where string) *Error {
	return newError(CodeInvalidParameter,
		"The %s is not a well-formed application/x-www-form-urlencoded string.", where)
}

func errMismatch(param, header, pv, hv string) *Error {
	return newError(CodeInvalidParameter,
		"The %s parameter %s does not match the %s header %s; send the same value in both, or only one of them.",
		param, echo(pv), header, echo(hv))
}

func errTimestampFormat(name, value string) *Error {
	return newError(CodeTimestampFormat,
		"Specified time stamp or date value is not well formatted. %s is %s; the format is yyyy-MM-ddTHH:mm:ssZ in UTC, e.g. 2006-01-02T15:04:05Z.",
		name, echo(value))
}

func errExpired() *Error {
	return newError(CodeTimestampExpired, "Specified time stamp or date value is expired.")
}

func errIncomplete(format string, args ...any) *Error {
	return newError(CodeIncompleteSignature,
		"The request signature does not conform to Aliyun standards. "+format, args...)
}

func errNoMatch(stringToSign string) *Error {
	return newError(CodeSignatureDoesNotMatch,
		"Specified signature is not matched with our calculation. "+MessageContain+"%s", stringToSign)
}
