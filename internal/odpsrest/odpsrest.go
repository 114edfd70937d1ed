package odpsrest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/store"
)

// DefaultPrefix is the path under which the ODPS API is served: users give
// their clients http://<host>:<port>/odps/api as the endpoint.
const DefaultPrefix = "/odps/api"

// Defaults of the limits in Options.
const (
	DefaultMaxBody        = 10 << 20
	DefaultTryWait        = 5 * time.Second
	DefaultRetention      = 24 * time.Hour
	DefaultMaxInstances   = 10000
	DefaultMaxRunning     = 64
	DefaultMaxRunningUser = 8
	DefaultInstanceTime   = 30 * time.Minute
	DefaultMaxResultBytes = 16 << 20
	DefaultMaxKeptBytes   = 512 << 20
)

// Resolver finds the identity and secret behind an AccessKeyId, with the
// security token for STS credentials: the same resolver the RPC gateway
// uses (its errors are *apierr.Error).
type Resolver interface {
	Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error)
}

// Options configure a Handler. Zero limits take the defaults above.
type Options struct {
	Service  *maxcompute.Service
	Resolver Resolver
	Audit    store.AuditLog
	Logger   *slog.Logger
	Now      func() time.Time
	Rand     io.Reader
	// Prefix is the path the API is served under (DefaultPrefix).
	Prefix string
	// MaxBody bounds request bodies (Job XML, policies, ...).
	MaxBody int64
	// TryWait is how long POST .../instances?tryWait waits for the job to
	// finish before answering 201.
	TryWait time.Duration
	// Retention is how long a finished instance (its status and results)
	// and an asynchronous authorization query are kept.
	Retention time.Duration
	// MaxInstances bounds the instances kept; beyond it the oldest finished
	// ones are forgotten first.
	MaxInstances int
	// MaxRunning bounds the instances running at once, MaxRunningPerUser
	// those of one principal; beyond, creation answers 409 with
	// Retry-After (the Go SDK retries).
	MaxRunning        int
	MaxRunningPerUser int
	// InstanceTimeout bounds one instance, all its statements together
	// (each statement is also bounded by the engine's StatementTimeout).
	InstanceTimeout time.Duration
	// MaxResultBytes bounds one task's result (CSV rows beyond are
	// dropped); MaxKeptBytes bounds the results kept by all instances
	// (beyond, the oldest finished instances are forgotten).
	MaxResultBytes int
	MaxKeptBytes   int64
	// AsyncAuthorization answers every POST .../authorization
	// asynchronously (201 and an id to poll), as the real service may;
	// by default statements that finish within TryWait are answered at once.
	AsyncAuthorization bool
}

// Handler serves the ODPS REST API. It is an http.Handler.
type Handler struct {
	svc     *maxcompute.Service
	resolve Resolver
	audit   store.AuditLog
	log     *slog.Logger
	now     func() time.Time
	prefix  string
	maxBody int64
	opts    Options
	routes  []route

	idMu sync.Mutex
	rand io.Reader

	jobs *registry

	// base is the context of background work (instances, asynchronous
	// authorization queries); Close cancels it and waits.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds a Handler.
func New(o Options) *Handler {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = "/" + strings.Trim(o.Prefix, "/")
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxKeptBytes <= 0 {
		o.MaxKeptBytes = DefaultMaxKeptBytes
	}
	defDur(&o.TryWait, DefaultTryWait)
	defDur(&o.Retention, DefaultRetention)
	defDur(&o.InstanceTimeout, DefaultInstanceTime)
	def(&o.MaxInstances, DefaultMaxInstances)
	def(&o.MaxRunning, DefaultMaxRunning)
	def(&o.MaxRunningPerUser, DefaultMaxRunningUser)
	def(&o.MaxResultBytes, DefaultMaxResultBytes)
	h := &Handler{svc: o.Service, resolve: o.Resolver, audit: o.Audit, log: o.Logger, now: o.Now, prefix: o.Prefix,
		maxBody: o.MaxBody, opts: o, rand: o.Rand}
	h.base, h.cancel = context.WithCancel(context.Background())
	h.jobs = newRegistry(o)
	h.routes = h.declare()
	return h
}

// Close cancels the running instances and asynchronous authorization
// queries and waits for them to stop.
func (h *Handler) Close() {
	h.cancel()
	h.wg.Wait()
}

// Prefix is the path the API is served under.
func (h *Handler) Prefix() string { return h.prefix }

// Claims reports whether a request is for the ODPS API: its path is under
// the prefix, or it carries an ODPS signature (then the pipeline refuses a
// path outside the prefix, saying which endpoint to configure). The
// server's mux calls it after the RPC gateway's IsRPC.
func (h *Handler) Claims(r *http.Request) bool {
	p := r.URL.EscapedPath()
	if p == h.prefix || strings.HasPrefix(p, h.prefix+"/") {
		return true
	}
	return odpsauth.Detect(&odpsauth.Request{Header: r.Header})
}

// call is a request as a handler sees it: authenticated and routed.
type call struct {
	requestID string
	caller    *iam.Identity
	sourceIP  string
	now       time.Time
	method    string
	params    map[string]string // path parameters: p, t, u, r, id
	query     url.Values        // decoded, one value per name
	header    http.Header
	body      []byte
	// location is the URL of the endpoint as the client reached it
	// (scheme://host/prefix), for Location headers.
	location string
	// resource is the ARN the request acted on, for the audit trail.
	resource string
}

func (c *call) meta() maxcompute.Meta {
	return maxcompute.Meta{RequestID: c.requestID, SourceIP: c.sourceIP}
}

func (c *call) has(flag string) bool {
	_, ok := c.query[flag]
	return ok
}

// response is what a handler returns.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

// xmlResponse marshals v with the XML declaration the real service sends.
func xmlResponse(status int, v any) (*response, error) {
	body, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &response{status: status, contentType: "application/xml", body: append([]byte(xml.Header), body...)}, nil
}

func textResponse(status int, contentType, body string) *response {
	return &response{status: status, contentType: contentType, body: []byte(body)}
}

func (r *response) set(name, value string) *response {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(name, value)
	return r
}

// ServeHTTP runs the pipeline: body limit, signature (v2 or v4, STS
// included) with the Date window, identity, route, handler, encoding; every
// response carries x-odps-request-id, every request an audit record.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	requestID := h.newRequestID(start)
	rec := store.AuditRecord{Time: start, RequestID: requestID, Event: "api", SourceIP: sourceIP(r), Action: "odps:" + r.Method}
	resp, err := h.serveSafely(r, requestID, &rec)
	w.Header().Set("x-odps-request-id", requestID)
	if err != nil {
		e, internal := toError(err)
		if internal {
			h.log.Error("odps request failed", "request_id", requestID, "action", rec.Action, "err", err)
		}
		rec.ErrorCode = e.Code
		body, _ := xml.Marshal(errorBody{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: r.Host})
		resp = &response{status: e.Status, contentType: "application/xml", body: append([]byte(xml.Header), body...)}
		if e.RetryAfter > 0 {
			resp.set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	if resp.contentType != "" {
		w.Header().Set("Content-Type", resp.contentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		w.Write(resp.body) //nolint:errcheck // the client went away: nothing to do
	}
	h.audit.Append(rec)
	h.log.Debug("odps", "request_id", requestID, "action", rec.Action, "caller", rec.Caller, "status", resp.status,
		"code", rec.ErrorCode, "duration", h.now().Sub(start))
}

func (h *Handler) serveSafely(r *http.Request, requestID string, rec *store.AuditRecord) (resp *response, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic serving an ODPS request", "request_id", requestID, "action", rec.Action, "panic", p, "stack", string(debug.Stack()))
			resp, err = nil, apierr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	return h.serve(r, requestID, rec)
}

// credentialError is the ODPS answer to a refused AccessKey or token: the
// documented AccessKeyNotFound, or the RPC gateway's code and text with a
// 401, as ODPS clients expect for credentials (inactive keys, bad or
// expired security tokens).
func credentialError(accessKeyID string, err error) error {
	e := apierr.As(err)
	switch {
	case e != nil && e.Code == "InvalidAccessKeyId.NotFound":
		return odpsauth.AccessKeyNotFound(accessKeyID)
	case e != nil && e.Status < 500:
		msg := e.Message
		if e.Recommend != "" {
			msg += " " + e.Recommend
		}
		return &Error{Status: 401, Code: e.Code, Message: msg}
	}
	return err
}

func (h *Handler) serve(r *http.Request, requestID string, rec *store.AuditRecord) (*response, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete:
	default:
		return nil, &Error{Status: 405, Code: codeMethodNotAllow, Message: "The HTTP method " + r.Method + " is not supported."}
	}
	if r.ContentLength > h.maxBody {
		return nil, h.tooLarge(r.ContentLength)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, invalid("the request body could not be read")
	}
	if int64(len(body)) > h.maxBody {
		return nil, h.tooLarge(int64(len(body)))
	}
	req := &odpsauth.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header}
	var caller *iam.Identity
	now := h.now()
	signed, err := odpsauth.Authenticate(req, h.prefix, now, func(s *odpsauth.Signed) (string, error) {
		id, secret, err := h.resolve.Resolve(r.Context(), s.AccessKeyID, s.SecurityToken)
		if err != nil {
			return "", credentialError(s.AccessKeyID, err)
		}
		caller = id
		return secret, nil
	})
	if signed != nil {
		rec.AccessKeyID = signed.AccessKeyID // audited even when refused
	}
	if err != nil {
		return nil, err
	}
	if err := checkContentMD5(r.Header, body); err != nil {
		return nil, err
	}
	rec.CallerAccount, rec.Caller = caller.Account, caller.ARN()
	segments, err := splitPath(strings.TrimPrefix(r.URL.EscapedPath(), h.prefix))
	if err != nil {
		return nil, err
	}
	rt, params, err := h.match(r.Method, segments, signed.Query)
	if err != nil {
		return nil, err
	}
	rec.Action = "odps:" + rt.name
	c := &call{requestID: requestID, caller: caller, sourceIP: rec.SourceIP, now: now, method: r.Method, params: params,
		query: signed.Query, header: r.Header, body: body, location: h.endpointURL(r)}
	c.resource = resourceOf(params)
	resp, err := rt.handle(r.Context(), c)
	rec.Resource = c.resource
	return resp, err
}

func (h *Handler) tooLarge(n int64) *Error {
	return &Error{Status: 413, Code: codeTooLarge,
		Message: fmt.Sprintf("ODPS-0420411: Invalid argument - the request body of %d bytes is larger than the limit of %d bytes; send smaller jobs or statements", n, h.maxBody)}
}

// checkContentMD5 checks the body against Content-MD5 when the client sent
// one: the signature covers that header, not the body. Base64 (RFC 1864)
// and hex are both accepted.
func checkContentMD5(header http.Header, body []byte) error {
	v := header.Get("Content-MD5")
	if v == "" {
		return nil
	}
	sum := md5.Sum(body)
	if v == base64.StdEncoding.EncodeToString(sum[:]) || strings.EqualFold(v, hex.EncodeToString(sum[:])) {
		return nil
	}
	return invalid("the Content-MD5 header does not match the request body")
}

// splitPath splits an escaped path into decoded segments, so that a name
// holding an encoded "/" (a principal such as RAM$uid:role/name) stays one
// segment.
func splitPath(escaped string) ([]string, error) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		d, err := url.PathUnescape(p)
		if err != nil || d == "" {
			return nil, invalid("the request path is not well formed")
		}
		parts[i] = d
	}
	return parts, nil
}

// endpointURL is the endpoint as the client reached it.
func (h *Handler) endpointURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.prefix
}

// resourceOf is the ARN a request acts on, for the audit trail.
func resourceOf(params map[string]string) string {
	p, ok := params["p"]
	if !ok {
		return ""
	}
	arn := "acs:odps:*:projects/" + p
	switch {
	case params["t"] != "":
		arn += "/tables/" + params["t"]
	case params["id"] != "":
		arn += "/instances/" + params["id"]
	case params["r"] != "":
		arn += "/roles/" + params["r"]
	case params["u"] != "":
		arn += "/users/" + params["u"]
	}
	return arn
}

// sourceIP is the TCP peer's address: localyun trusts no forwarding
// header.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID makes a request id in the real service's shape: the time
// (yyyyMMddHHmmss) then 16 random hex digits, upper case.
func (h *Handler) newRequestID(now time.Time) string {
	return now.UTC().Format("20060102150405") + strings.ToUpper(h.randomString(hexDigits, 16))
}

const (
	hexDigits      = "0123456789abcdef"
	lowerAlnum     = "0123456789abcdefghijklmnopqrstuvwxyz"
	maxRandomBytes = 64
)

// randomString draws n characters of alphabet from the injected random
// source.
func (h *Handler) randomString(alphabet string, n int) string {
	var b [maxRandomBytes]byte
	if n > maxRandomBytes {
		n = maxRandomBytes
	}
	h.idMu.Lock()
	_, err := io.ReadFull(h.rand, b[:n])
	h.idMu.Unlock()
	if err != nil {
		panic(fmt.Sprintf("odpsrest: reading randomness: %v", err))
	}
	var out bytes.Buffer
	for i := 0; i < n; i++ {
		out.WriteByte(alphabet[int(b[i])%len(alphabet)])
	}
	return out.String()
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// gmt formats a time as the ODPS headers and XML elements carry it.
func gmt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(odpsauth.DateFormat)
}
