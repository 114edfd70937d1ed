package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
)

// MaxRequestBody is the largest request body the handler reads.
const MaxRequestBody = 1 << 20

// HandlerFunc serves one admin call. req is the request body, valid JSON
// ({} when the client sent none), which the function may keep. The result
// is encoded as the JSON answer (nil as {}). An *apierr.Error in the
// returned error's chain reaches the client with its code, status, message
// and recommendation; any other error is logged and the client sees only
// InternalError.
type HandlerFunc func(ctx context.Context, req json.RawMessage) (any, error)

// Handler is the admin API's http.Handler. Build it with NewHandler.
type Handler struct {
	// Log receives internal errors and panics of handlers; nil discards
	// them. Set it before serving.
	Log *slog.Logger

	token  [sha256.Size]byte
	empty  bool
	routes map[string]HandlerFunc
}

// NewHandler serves the routes, keyed by call name (POST /v1/<name>), to
// clients that present token as a bearer token. routes is copied. An empty
// token authenticates nobody: every request gets 401.
func NewHandler(token string, routes map[string]HandlerFunc) *Handler {
	return &Handler{
		token:  sha256.Sum256([]byte(token)),
		empty:  token == "",
		routes: maps.Clone(routes),
	}
}

// ServeHTTP authenticates, routes, reads the body and calls the route, in
// that order, so a client without the token learns nothing about routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authenticated(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="localyun-admin"`)
		writeError(w, errUnauthorized)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	fn := h.routes[name]
	if !ok || fn == nil {
		if !ok {
			name = r.URL.Path
		}
		writeError(w, errNoRoute(name))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, errMethod)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, errTooLarge)
			return
		}
		writeError(w, apierr.New(http.StatusBadRequest, "IncompleteBody", "The request body could not be read."))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		writeError(w, errMalformed)
		return
	}
	result, err := h.call(r.Context(), name, fn, body)
	if err != nil {
		writeError(w, h.clientError(name, err))
		return
	}
	if result == nil {
		result = struct{}{}
	}
	out, err := json.Marshal(result)
	if err != nil {
		writeError(w, h.clientError(name, fmt.Errorf("encode result: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(append(out, '\n'))
}

// authenticated compares the bearer token in constant time. Both sides are
// hashed first so that the comparison does not reveal the token's length.
func (h *Handler) authenticated(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || h.empty {
		return false
	}
	got := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(got[:], h.token[:]) == 1
}

// call runs fn, turning a panic into an error so that the client gets an
// answer and the server keeps running.
func (h *Handler) call(ctx context.Context, name string, fn HandlerFunc, body json.RawMessage) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("admin call %s panicked: %v", name, p)
		}
	}()
	return fn(ctx, body)
}

// clientError is what the client may see of err: an *apierr.Error as is,
// anything else as InternalError, logged here.
func (h *Handler) clientError(name string, err error) *apierr.Error {
	if e := apierr.As(err); e != nil && e.Code != "" && e.Status >= 400 && e.Status <= 599 {
		if e.Status >= 500 {
			h.logError(name, err)
		}
		return e
	}
	h.logError(name, err)
	return apierr.Internal(err)
}

func (h *Handler) logError(name string, err error) {
	if h.Log != nil {
		h.Log.Error("admin call failed", "call", name, "err", err)
	}
}

// writeError writes e as the JSON error body with e's status.
func writeError(w http.ResponseWriter, e *apierr.Error) {
	out, _ := json.Marshal(errorBody{Code: e.Code, Message: e.Message, Recommend: e.Recommend})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	w.Write(append(out, '\n'))
}
