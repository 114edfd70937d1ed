package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/localyun/localyun/internal/apierr"
)

// errorBody is the JSON body of every error answer.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Recommend string `json:"recommend,omitempty"`
}

// Errors of the protocol itself; a route's handler returns its own.
var (
	errUnauthorized = apierr.New(http.StatusUnauthorized, "Unauthorized", "The admin API needs a valid bearer token.")
	errMethod       = apierr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "Admin API calls use POST.")
	errTooLarge     = apierr.Newf(http.StatusRequestEntityTooLarge, "RequestTooLarge", "The request body is larger than %d bytes.", MaxRequestBody)
	errMalformed    = apierr.New(http.StatusBadRequest, "MalformedJSON", "The request body is not valid JSON.")
)

func errNoRoute(name string) *apierr.Error {
	return apierr.Newf(http.StatusNotFound, "UnknownCall", "The admin API has no call %q.", name).
		WithRecommend("check that the localyun client and server are the same version")
}

// ErrNotRunning: no server answers on the data directory's admin socket.
var ErrNotRunning = errors.New("no localyun server is running")

// NotRunningError names the data directory no server is using and says how
// to start one. It wraps ErrNotRunning.
type NotRunningError struct {
	DataDir string
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("no localyun server is running with data directory %s: start one with `localyun serve --data-dir %s`", e.DataDir, e.DataDir)
}

func (e *NotRunningError) Unwrap() error { return ErrNotRunning }
