package odpsrest

import (
	"encoding/xml"
	"errors"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
)

// Error is a refusal as the ODPS front end sends it: the XML error body
// <Error><Code/><Message/><RequestId/><HostId/></Error> (reference/
// maxcompute.md §2.4, §4.6) with an HTTP status. Message is the documented
// text first, then what to do.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when positive, is sent as Retry-After (seconds): the Go
	// SDK retries instance creation on 409 with it.
	RetryAfter int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorBody is the XML error body. The Go SDK decodes any root element; the
// real service names it Error.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

// Codes of the errors this package makes itself (the real service's class
// names; pyodps maps them to its exception classes).
const (
	codeInvalidArgument = "InvalidArgument"
	codeNoSuchObject    = "NoSuchObject"
	codeNoPermission    = "NoPermission"
	codeNotSupported    = "NotSupported"
	codeMethodNotAllow  = "MethodNotAllowed"
	codeInternal        = "InternalServerError"
	codeTooLarge        = "RequestEntityTooLarge"
	codeConflict        = "Conflict"
)

func invalid(format string, args ...any) *Error {
	return &Error{Status: 400, Code: codeInvalidArgument, Message: "ODPS-0420411: Invalid argument - " + sprintf(format, args...)}
}

func notSupported(format string, args ...any) *Error {
	return &Error{Status: 501, Code: codeNotSupported, Message: sprintf(format, args...)}
}

// statementCodes maps the ODPS code that starts a statement's error text
// to the class name and status of the HTTP error: the codes pyodps
// classifies by (reference/maxcompute.md §2.4).
var statementCodes = map[string]struct {
	code   string
	status int
}{
	"ODPS-0420095": {codeNoPermission, 403},
	"ODPS-0130013": {codeNoPermission, 403},
	"ODPS-0130161": {"ParseError", 400},
	"ODPS-0130131": {"NoSuchTable", 404},
	"ODPS-0420111": {"NoSuchObject", 404},
	"ODPS-0420411": {codeInvalidArgument, 400},
	"ODPS-0130071": {"SemanticAnalysisException", 400},
	"ODPS-0123031": {"PartitionException", 400},
	"ODPS-0123131": {"ExecutionException", 400},
}

// statementCode is the ODPS code a statement's error text starts with:
// the token before the first ':' ("ODPS-0130161:[1,8] ..."), "" when the
// text does not start with one. MaxCompute puts the code first in every
// message; it is structured data, not prose.
func statementCode(text string) string {
	code, _, ok := strings.Cut(text, ":")
	if !ok || len(code) != len("ODPS-0000000") || !strings.HasPrefix(code, "ODPS-") {
		return ""
	}
	return code
}

// toError turns what a handler returned into the error to send.
// Unexpected errors become InternalServerError; the caller logs them.
func toError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, false
	}
	var oe *odpsauth.Error
	if errors.As(err, &oe) {
		return &Error{Status: oe.Status, Code: oe.Code, Message: oe.Message}, false
	}
	var se *maxcompute.StatementError
	if errors.As(err, &se) {
		c, ok := statementCodes[statementCode(se.Text)]
		if !ok {
			c.code, c.status = codeInvalidArgument, 400
		}
		return &Error{Status: c.status, Code: c.code, Message: se.Text}, false
	}
	if ae := apierr.As(err); ae != nil {
		if ae.Status >= 500 {
			return &Error{Status: 500, Code: codeInternal, Message: "An internal error occurred; the server log has it under this request id."}, true
		}
		msg := ae.Message
		if ae.Recommend != "" {
			msg += " " + ae.Recommend
		}
		return &Error{Status: ae.Status, Code: ae.Code, Message: msg}, false
	}
	return &Error{Status: 500, Code: codeInternal, Message: "An internal error occurred; the server log has it under this request id."}, true
}

// failureText is the text of a failed task or authorization query: what
// the Go SDK returns as the error of WaitForSuccess, and odpscmd prints
// after "FAILED: ".
func failureText(err error) string {
	var se *maxcompute.StatementError
	if errors.As(err, &se) {
		return se.Text
	}
	e, _ := toError(err)
	return e.Message
}
