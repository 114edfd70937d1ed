package signature

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/headerindex"
)

// Request is what the verifier needs from a received HTTP request. The
// gateway fills it from an http.Request after reading the body (with its
// size limit); SignV1 and SignV3 fill in the signature of one that a client
// is about to send.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the request path as it appeared on the wire, still
	// percent-encoded (http.Request.URL.EscapedPath()); "/" for RPC. Only V3
	// signs it.
	Path string
	// RawQuery is the query string as received, without the "?".
	RawQuery string
	// Header holds the request headers; an http.Header can be assigned to it
	// as is. Names are matched case-insensitively.
	Header map[string][]string
	// Body is the raw request body. When the Content-Type is
	// application/x-www-form-urlencoded its parameters are request
	// parameters, as on the real service; V3 also signs its SHA-256.
	Body []byte
	// Host is the Host header as received (host or host:port), i.e.
	// http.Request.Host. V3 signs it.
	Host string
}

// Scheme is a request signature scheme.
type Scheme int

const (
	// None: the request carries neither a V1 Signature parameter nor an
	// ACS3 Authorization header (it may be signed with a scheme this
	// package does not handle, such as ODPS's).
	None Scheme = iota
	// V1 is the RPC signature: HMAC-SHA1 over the sorted parameters, sent as
	// the Signature parameter (reference/ram-sts.md §6.4).
	V1
	// V3 is ACS3-HMAC-SHA256 in the Authorization header
	// (reference/ram-sts.md §6.5).
	V3
)

func (s Scheme) String() string {
	switch s {
	case None:
		return "none"
	case V1:
		return "V1"
	case V3:
		return "V3"
	}
	return "Scheme(" + strconv.Itoa(int(s)) + ")"
}

// v3Prefix starts the Authorization header of every V3 algorithm
// (ACS3-HMAC-SHA256, ACS3-HMAC-SM3, ACS3-RSA-SHA256).
const v3Prefix = "ACS3-"

// Detect says which scheme the request claims, without validating it: V3 if
// an Authorization header starts with "ACS3-", else V1 if the query or the
// form body has a Signature parameter, else None. When a request has both,
// V3 wins and Signature is an ordinary (signed) query parameter. Detect
// never fails; Parse reports what is wrong. The gateway dispatches on it
// before anything else.
func Detect(r *Request) Scheme {
	return detect(r, indexHeader(r.Header))
}

// detect is Detect on headers already indexed (Parse has them).
func detect(r *Request, h header) Scheme {
	for _, v := range h["authorization"] {
		if strings.HasPrefix(strings.TrimSpace(v), v3Prefix) {
			return V3
		}
	}
	// ParseQuery returns what it could parse along with an error; a
	// malformed query is still a V1 request, which Parse then refuses.
	if q, _ := url.ParseQuery(r.RawQuery); q.Has(paramSignature) {
		return V1
	}
	if isForm(h) {
		if f, _ := url.ParseQuery(string(r.Body)); f.Has(paramSignature) {
			return V1
		}
	}
	return None
}

// header is a request's headers keyed by lower-case name.
type header = headerindex.Index

func indexHeader(m map[string][]string) header { return headerindex.New(m) }

// oneHeader returns the only value of a header, "" when it is absent, or an error
// when it is given more than once.
func oneHeader(h header, name string) (string, *Error) {
	if v, dup := h.One(name); !dup {
		return v, nil
	}
	return "", errDuplicateHeader(name)
}

// isForm reports whether the body is application/x-www-form-urlencoded.
// Parameters are not a MIME type's concern here, so a malformed
// Content-Type is read up to its first ";".
func isForm(h header) bool {
	vs := h["content-type"]
	if len(vs) != 1 {
		return false
	}
	mt, _, _ := strings.Cut(vs[0], ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// params parses the query string and, for a form body, the form. It
// returns the query alone (V3 signs it) and the union of both (V1 signs it,
// and it is what the request asks for), refusing a name given twice.
func params(r *Request, h header) (query, all url.Values, _ *Error) {
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		return nil, nil, errMalformed("query string")
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if len(q[k]) > 1 {
			return nil, nil, errDuplicateParam(k)
		}
	}
	all = make(url.Values, len(q))
	for k, vs := range q {
		all[k] = vs
	}
	if _, e := oneHeader(h, headerContentType); e != nil {
		return nil, nil, e
	}
	if !isForm(h) || len(r.Body) == 0 {
		return q, all, nil
	}
	f, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return nil, nil, errMalformed("form body")
	}
	for _, k := range slices.Sorted(maps.Keys(f)) {
		if len(f[k]) > 1 || q.Has(k) {
			return nil, nil, errDuplicateParam(k)
		}
		all[k] = f[k]
	}
	return q, all, nil
}
