// Package apierr is the error every localyun service returns to a client:
// the Alibaba error code, the HTTP status the real service uses, its
// documented message, and what to do about it. Domain packages build these;
// only the gateway, the ODPS encoder and the PostgreSQL front end encode
// them. Internal errors never reach a client as text: they become
// InternalError and are logged with the request id.
package apierr

import (
	"errors"
	"fmt"
)

// Error is a client-facing error.
type Error struct {
	Code    string // e.g. "EntityNotExist.Role"
	Status  int    // HTTP status, e.g. 404
	Message string // the documented text, first and unchanged
	// Recommend says what to do: which role, grant or statement is missing.
	Recommend string
	// Denied is set for permission failures.
	Denied *AccessDenied
	cause  error
}

// AccessDenied explains a permission failure (the AccessDeniedDetail of
// RPC error bodies).
type AccessDenied struct {
	AuthAction            string // e.g. "ram:CreateRole"
	AuthResource          string
	AuthPrincipalType     string // "SubUser", "AssumedRoleUser", "Account", "Service"
	AuthPrincipalOwnerID  string
	AuthPrincipalDisplay  string
	PolicyType            string // "AccountLevelIdentityBasedPolicy", "SessionPolicy", "TrustPolicy", ...
	NoPermissionType      string // "ImplicitDeny" or "ExplicitDeny"
	DecidingStatementText string // which statement denied, in words (ExplicitDeny)
}

func (e *Error) Error() string {
	if e.Recommend != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Recommend)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// New builds an error.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Newf builds an error with a formatted message.
func Newf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// WithRecommend returns a copy of e that says what to do.
func (e *Error) WithRecommend(format string, args ...any) *Error {
	c := *e
	c.Recommend = fmt.Sprintf(format, args...)
	return &c
}

// WithCause returns a copy of e that wraps cause (for logs and errors.Is;
// never shown to the client).
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Internal is the error a client sees for anything unexpected.
func Internal(cause error) *Error {
	return &Error{Code: "InternalError", Status: 500, Message: "An internal error occurred.", cause: cause}
}

// Common errors shared by every RPC product.
func MissingParameter(name string) *Error {
	return Newf(400, "MissingParameter", "The input parameter \"%s\" that is mandatory for processing this request is not supplied.", name)
}

func InvalidParameter(name, why string) *Error {
	return Newf(400, "InvalidParameter", "The parameter \"%s\" is invalid: %s", name, why)
}
