// Package gateway is localyun's front door for RPC-style APIs (RAM, STS,
// and later the other products): it verifies V1 and V3 signatures, refuses
// replays, resolves the caller, routes by Version and Action to a declared
// Action, checks its parameters, authorizes it with iam, writes the audit
// trail, runs the handler and encodes the result as JSON or XML, or the
// error body the SDKs parse. Handlers never see HTTP.
package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
)

// Resolver finds the identity and secret behind an AccessKeyId, with the
// security token for STS credentials. Its errors are *apierr.Error with
// the gateway codes (InvalidAccessKeyId.NotFound, InvalidSecurityToken.*).
type Resolver interface {
	Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error)
}

// Options configure a Gateway.
type Options struct {
	Registry *Registry
	Resolver Resolver
	IAM      *iam.Service
	Audit    store.AuditLog
	Logger   *slog.Logger
	Now      func() time.Time
	Rand     io.Reader
	// Replay is the nonce guard; nil makes one with the default cap.
	Replay *ReplayGuard
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
}

// DefaultNonceCap is how many nonces one AccessKey may hold at once: a
// sustained 220 requests per second over the 15-minute window.
const DefaultNonceCap = 200000

// Gateway is an http.Handler for RPC requests.
type Gateway struct {
	reg     *Registry
	resolve Resolver
	iam     *iam.Service
	audit   store.AuditLog
	log     *slog.Logger
	now     func() time.Time
	ids     *requestIDs
	replay  *ReplayGuard
	maxBody int64
}

// New builds a Gateway.
func New(o Options) *Gateway {
	g := &Gateway{reg: o.Registry, resolve: o.Resolver, iam: o.IAM, audit: o.Audit, log: o.Logger,
		now: o.Now, replay: o.Replay, maxBody: o.MaxBody}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	g.ids = newRequestIDs(o.Rand)
	if g.replay == nil {
		g.replay = NewReplayGuard(signature.DefaultWindow, DefaultNonceCap)
	}
	if g.maxBody <= 0 {
		g.maxBody = 1 << 20
	}
	return g
}

// Replay returns the nonce guard, so the server can sweep and restore it.
func (g *Gateway) Replay() *ReplayGuard { return g.replay }

// IsRPC reports whether a request carries an RPC (V1 or V3) signature, so
// the server's mux can dispatch on the signature scheme first.
func IsRPC(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-") {
		return true
	}
	_, signed := queryGet(r.URL.RawQuery, "Signature")
	return signed || r.Header.Get("Content-Type") != "" && r.Method != http.MethodGet && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// ServeHTTP runs the pipeline.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	requestID := g.ids.next()
	format, _ := queryGet(r.URL.RawQuery, "Format")
	xmlFormat := wantsXML(format)
	rec := store.AuditRecord{Time: start, RequestID: requestID, Event: "api", SourceIP: sourceIP(r)}
	var call *Call
	result, err := g.serveSafely(r, requestID, &rec, &call)
	if err == nil && call != nil {
		root := call.Action.Name + "Response"
		writeBody(w, http.StatusOK, xmlFormat, root, withRequestID(result, requestID))
	} else {
		e := apierr.As(err)
		if e == nil {
			g.log.Error("request failed", "request_id", requestID, "action", rec.Action, "err", err)
			e = apierr.Internal(err)
		}
		if e.Status >= 500 {
			g.log.Error("internal error", "request_id", requestID, "action", rec.Action, "code", e.Code, "err", err)
		}
		rec.ErrorCode = e.Code
		body := newErrorBody(requestID, r.Host, e)
		if r.URL.Path != "/" {
			body = body.roa(e.Status)
		}
		writeBody(w, e.Status, xmlFormat, "Error", body)
	}
	// Every request is an API call for the audit trail, including those
	// refused before the caller is known (malformed, oversized).
	g.audit.Append(rec)
	g.log.Debug("rpc", "request_id", requestID, "action", rec.Action, "caller", rec.Caller,
		"code", rec.ErrorCode, "duration", g.now().Sub(start))
}

// serveSafely is serve, with a panic turned into an InternalError for the
// client and a stack trace in the log.
func (g *Gateway) serveSafely(r *http.Request, requestID string, rec *store.AuditRecord, callOut **Call) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("panic serving a request", "request_id", requestID, "action", rec.Action, "panic", p, "stack", string(debug.Stack()))
			*callOut = nil
			result, err = nil, apierr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	return g.serve(r, requestID, rec, callOut)
}

// serve authenticates, routes, checks and runs one request.
func (g *Gateway) serve(r *http.Request, requestID string, rec *store.AuditRecord, callOut **Call) (any, error) {
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
	default:
		return nil, apierr.New(405, "UnsupportedHTTPMethod", "The HTTP method is not supported.").
			WithRecommend("RPC APIs take GET, POST, PUT or DELETE")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
	if err != nil {
		return nil, apierr.New(400, "InvalidParameter", "The request body could not be read.")
	}
	if int64(len(body)) > g.maxBody {
		return nil, apierr.Newf(413, "RequestEntityTooLarge", "The request body is larger than %d bytes.", g.maxBody)
	}
	sreq := &signature.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header, Body: body, Host: r.Host}
	// signature.Authenticate's steps, written out so that a request refused
	// for its timestamp is audited with the AccessKeyId and Action it
	// claims, like one refused for its signature.
	var caller *iam.Identity
	signed, err := signature.Parse(sreq)
	if err == nil {
		rec.AccessKeyID, rec.Action = signed.AccessKeyID, signed.Action
		err = signed.CheckTime(g.now(), signature.DefaultWindow)
	}
	if err == nil {
		var secret string
		if caller, secret, err = g.resolve.Resolve(r.Context(), signed.AccessKeyID, signed.SecurityToken); err == nil {
			err = signed.Verify(secret)
		}
	}
	if err != nil {
		var se *signature.Error
		if errors.As(err, &se) {
			return nil, apierr.New(se.Status, se.Code, se.Message)
		}
		return nil, err
	}
	rec.Action = signed.Action
	rec.CallerAccount, rec.Caller = caller.Account, caller.ARN()
	if err := g.replay.Check(signed.AccessKeyID, signed.Nonce, signed.Timestamp, g.now()); err != nil {
		return nil, err
	}
	rec.Nonce, rec.SignedAt = signed.Nonce, signed.Timestamp

	action, err := g.reg.Lookup(signed.Version, signed.Action)
	if err != nil {
		return nil, err
	}
	rec.Action = strings.ToLower(action.Product) + ":" + action.Name
	flat := make(map[string]string, len(signed.Params))
	for k, v := range signed.Params {
		flat[k] = v[0]
	}
	if action.IsROA() {
		if err := roaParams(action, r, body, flat); err != nil {
			return nil, err
		}
	} else if r.URL.Path != "/" {
		return nil, errNoSuchAPI(r)
	}
	params, ignored, err := action.bind(flat)
	if err != nil {
		return nil, err
	}
	if len(ignored) > 0 {
		rec.Deciding = "ignored parameters: " + strings.Join(ignored, ",")
	}
	call := &Call{RequestID: requestID, Caller: caller, SourceIP: rec.SourceIP, Secure: r.TLS != nil,
		Time: g.now(), Action: action, params: params}
	if action.Permission != nil {
		if ramAction, resource, ok := action.Permission(call); ok {
			rec.Resource = resource
			if err := g.iam.Authorize(r.Context(), caller, iam.Check{
				Action: ramAction, Resource: resource, ResourceAccount: arnAccount(resource),
				Context: RequestContext(call), RequestID: requestID, SourceIP: rec.SourceIP,
			}); err != nil {
				if e := apierr.As(err); e != nil && e.Code == "NoPermission" && action.DeniedMessage != "" {
					d := *e
					d.Message = action.DeniedMessage
					return nil, &d
				}
				return nil, err
			}
		}
	}
	*callOut = call
	return action.Handler(r.Context(), call)
}

// withRequestID adds RequestId to a handler's result: results are structs
// or maps, and RequestId goes first.
func withRequestID(result any, requestID string) any {
	return requestIDFirst{RequestID: requestID, rest: result}
}

// sourceIP is the TCP peer's address. localyun listens on loopback by
// default and trusts no forwarding header.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestIDs makes upper-case UUIDs from the injected random source.
type requestIDs struct {
	mu   sync.Mutex
	rand io.Reader
}

func newRequestIDs(r io.Reader) *requestIDs { return &requestIDs{rand: r} }

func (g *requestIDs) next() string {
	var b [16]byte
	g.mu.Lock()
	_, err := io.ReadFull(g.rand, b[:])
	g.mu.Unlock()
	if err != nil {
		panic(fmt.Sprintf("gateway: reading randomness: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// requestIDFirst marshals as the handler's result object with RequestId as
// its first member.
type requestIDFirst struct {
	RequestID string
	rest      any
}

func (r requestIDFirst) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		RequestID string `json:"RequestId"`
	}{r.RequestID})
	if err != nil {
		return nil, err
	}
	if r.rest == nil {
		return head, nil
	}
	body, err := json.Marshal(r.rest)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("gateway: a handler returned %T, which is not a JSON object", r.rest)
	}
	if string(body) == "{}" {
		return head, nil
	}
	out := append(head[:len(head)-1:len(head)-1], ',')
	return append(out, body[1:]...), nil
}

// RequestContext is the policy context of a call: the global condition
// keys localyun fills in for every request.
func RequestContext(c *Call) policy.Context {
	secure := "false"
	if c.Secure {
		secure = "true"
	}
	return policy.Context{
		{Key: policy.KeyCurrentTime, Values: []string{c.Time.UTC().Format(time.RFC3339)}},
		{Key: policy.KeySecureTransport, Values: []string{secure}},
		{Key: policy.KeySourceIP, Values: []string{c.SourceIP}},
		{Key: policy.KeyMFAPresent, Values: []string{"false"}},
		{Key: policy.KeyPrincipalARN, Values: []string{c.Caller.ARN()}},
	}
}

func errNoSuchAPI(r *http.Request) *apierr.Error {
	return apierr.New(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.").
		WithRecommend("%s %s matches no action of this version", r.Method, r.URL.Path)
}

// roaParams adds an ROA request's path parameters and JSON body members to
// its parameters. A name given twice is refused, as for RPC parameters.
func roaParams(a *Action, r *http.Request, body []byte, params map[string]string) error {
	pathParams, ok := a.matchPath(r.Method, r.URL.Path)
	if !ok {
		return errNoSuchAPI(r)
	}
	add := func(k, v string) error {
		if _, dup := params[k]; dup {
			return apierr.Newf(400, "InvalidParameter", "The parameter %q is given twice.", k).
				WithRecommend("give each parameter once: in the path, the query or the body")
		}
		params[k] = v
		return nil
	}
	for k, v := range pathParams {
		if err := add(k, v); err != nil {
			return err
		}
	}
	if len(bytes.TrimSpace(body)) == 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return apierr.New(400, "InvalidParameter", "The request body is not a JSON object.").
			WithRecommend("send the parameters as a JSON object: %v", err)
	}
	for k, raw := range members {
		v := string(raw)
		var str string
		if json.Unmarshal(raw, &str) == nil {
			v = str
		}
		if err := add(k, v); err != nil {
			return err
		}
	}
	return nil
}

// arnAccount is the account field of acs:<service>:<region>:<account>:...;
// "" when the ARN has none (the caller's own account is meant).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "acs" || parts[3] == "*" {
		return ""
	}
	return parts[3]
}
