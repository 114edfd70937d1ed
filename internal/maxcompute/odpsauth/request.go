package odpsauth

import (
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/headerindex"
)

// Request is what the verifier needs from a received HTTP request. The
// ODPS front end fills it from an http.Request; SignV2 and SignV4 fill in
// the Date and Authorization of one that a client is about to send. The
// body is not part of it: the ODPS signature does not cover the body
// (only its Content-MD5 header, when a client sends one).
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	// Path is the request path as it appeared on the wire, still
	// percent-encoded (http.Request.URL.EscapedPath()), endpoint prefix
	// included, e.g. "/odps/api/projects/p1/tables/t1".
	Path string
	// RawQuery is the query string as received, without the "?".
	RawQuery string
	// Header holds the request headers; an http.Header can be assigned to it
	// as is. Names are matched case-insensitively.
	Header map[string][]string
}

// Version is the version of an ODPS request signature.
type Version int

const (
	// V2 signs with the AccessKey secret itself:
	// Authorization: ODPS <AccessKeyId>:<signature>.
	V2 Version = 2
	// V4 signs with a key derived from the secret, a date and a region:
	// Authorization: ODPS <AccessKeyId>/<yyyymmdd>/<region>/odps/<corporation>_v4_request:<signature>.
	V4 Version = 4
)

func (v Version) String() string {
	switch v {
	case V2:
		return "v2"
	case V4:
		return "v4"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// Header names, lower case (reference/maxcompute.md §4.2, §4.3).
const (
	headerAuthorization = "authorization"
	headerDate          = "date"
	headerContentMD5    = "content-md5"
	headerContentType   = "content-type"
	headerSTSToken      = "authorization-sts-token"
	odpsHeaderPrefix    = "x-odps-"

	// Headers of the schemes this package refuses.
	headerBearerToken = "x-odps-bearer-token"
	headerAppAuth     = "application-authentication"
	headerAppSTSAuth  = "sts-authentication"
	headerAppSTSToken = "sts-token"
)

// authScheme starts the Authorization header of both signature versions.
const authScheme = "ODPS "

// Detect reports whether the request claims one of the ODPS
// authentication schemes: an Authorization header starting with "ODPS ",
// or a header of the bearer-token or application-account schemes (which
// Parse then refuses, with an ODPS error). It never fails; Parse says what
// is wrong. A front end that dispatches on the scheme calls it first.
func Detect(r *Request) bool {
	h := indexHeader(r.Header)
	for _, v := range h[headerAuthorization] {
		if strings.HasPrefix(strings.TrimSpace(v), authScheme) {
			return true
		}
	}
	for _, n := range [...]string{headerBearerToken, headerAppAuth, headerAppSTSAuth} {
		if len(h[n]) > 0 {
			return true
		}
	}
	return false
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
