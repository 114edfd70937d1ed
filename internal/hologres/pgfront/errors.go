package pgfront

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// SQLSTATE codes the front end sends itself.
const (
	codeInvalidPassword       = "28P01" // invalid_password
	codeInvalidAuthSpec       = "28000" // invalid_authorization_specification
	codeProtocolViolation     = "08P01"
	codeFeatureNotSupported   = "0A000"
	codeTooManyConnections    = "53300"
	codeProgramLimitExceeded  = "54000"
	codeInsufficientPrivilege = "42501"
	codeSyntaxError           = "42601"
	codeInvalidName           = "42602" // invalid_name
	codeReservedName          = "42939" // reserved_name
	codeActiveTransaction     = "25001" // active_sql_transaction
	codeObjectInUse           = "55006"
	codeInvalidParameterValue = "22023"
	codeInternal              = "XX000"
	codeQueryCanceled         = "57014"
	codeAdminShutdown         = "57P01"
)

// PGError is an error the front end sends to the client as an
// ErrorResponse: PostgreSQL's documented SQLSTATE and message first, what
// went wrong in Detail, what to do in Hint. Its fields never hold a
// secret, password or token.
type PGError struct {
	Severity string // "FATAL" ends the connection, "ERROR" only the statement
	Code     string // SQLSTATE
	Message  string
	Detail   string
	Hint     string
	// cause is logged, never sent.
	cause error
}

func (e *PGError) Error() string {
	s := e.Severity + " " + e.Code + ": " + e.Message
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *PGError) Unwrap() error { return e.cause }

func fatalf(code, format string, args ...any) *PGError {
	return &PGError{Severity: "FATAL", Code: code, Message: fmt.Sprintf(format, args...)}
}

func errorf(code, format string, args ...any) *PGError {
	return &PGError{Severity: "ERROR", Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *PGError) withDetail(format string, args ...any) *PGError {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

func (e *PGError) withHint(format string, args ...any) *PGError {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

func (e *PGError) withCause(err error) *PGError {
	c := *e
	c.cause = err
	return &c
}

// response encodes e.
func (e *PGError) response() *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: e.Severity, SeverityUnlocalized: e.Severity, Code: e.Code,
		Message: e.Message, Detail: e.Detail, Hint: e.Hint}
}

// authFailed is the one refusal of every failed login (reference/hologres.md
// §5: bad credentials, an expired or foreign token and an identity that
// was not added all read the same); the Detail says which it was.
func authFailed(user string) *PGError {
	return fatalf(codeInvalidPassword, "password authentication failed for user %q", user)
}

// internalError is what the client sees of an unexpected failure; the
// cause goes to the log.
func internalError(severity string, err error) *PGError {
	return &PGError{Severity: severity, Code: codeInternal, Message: "internal error in the localyun front end",
		Hint: "the localyun server log has the cause", cause: err}
}

// fromPgconn turns an error of the administrative connection into one for
// the client: PostgreSQL's own errors (role exists, role is still in use,
// ...) keep their code and text, which name only the objects of the
// statement localyun built; anything else is an internal error.
func fromPgconn(err error) *PGError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &PGError{Severity: "ERROR", Code: pe.Code, Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint, cause: err}
	}
	return internalError("ERROR", err)
}
