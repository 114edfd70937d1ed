package odpsauth

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	// DateFormat is the layout of the Date header every ODPS client sends:
	// RFC 1123 in GMT, e.g. "Mon, 02 Jan 2006 15:04:05 GMT" (Go SDK
	// RestClient.Do, pyodps utils.formatdate(usegmt=True), Java
	// DateUtils.formatRfc822Date).
	DateFormat = "Mon, 02 Jan 2006 15:04:05 GMT"
	// ScopeDateFormat is the layout of the date in a v4 credential scope.
	ScopeDateFormat = "20060102"
	// DefaultCorporation is the corporation token of the v4 scope and key
	// ("aliyun_v4_request", "aliyun_v4"+secret) unless a client is
	// configured otherwise (Go SDK account.SetCorporation, pyodps
	// options.signature_prefix).
	DefaultCorporation = "aliyun"
	// maxAccessKeyID bounds an AccessKeyId, maxRegion a v4 region and
	// maxCorporation a v4 corporation token.
	maxAccessKeyID = 128
	maxRegion      = 64
	maxCorporation = 32
	// sha1Size is the length of the HMAC-SHA1 both versions send, base64
	// encoded in the header.
	sha1Size = 20
)

// Scope is the credential scope of a v4 signature,
// <Date>/<Region>/odps/<Corporation>_v4_request. The signing key is
// derived from the secret, Date, Region and Corporation.
type Scope struct {
	Date        string // yyyymmdd, as sent
	Region      string // e.g. cn-hangzhou
	Corporation string // lower-case letters and digits, e.g. aliyun
}

func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/odps/" + s.Corporation + "_v4_request"
}

// Signed is a parsed request: who claims to have signed it, when, and what
// it asks for. Parse fills it; nothing in it has been verified until Verify
// returns nil.
type Signed struct {
	Version     Version
	AccessKeyID string
	// SecurityToken is the authorization-sts-token header, "" unless the
	// caller uses STS credentials. The signature does not cover it (the
	// header is not x-odps-*): the secret lookup must check that the token
	// was issued with AccessKeyID.
	SecurityToken string
	// Date is the Date header, in UTC.
	Date time.Time
	// Scope is the v4 credential scope; zero for v2.
	Scope Scope
	// Path is the request path with the endpoint prefix removed, decoded:
	// "/projects/p1/tables/t1", or "" for the endpoint itself.
	Path string
	// Query holds the decoded query parameters, one value per name, ""
	// for a bare flag such as "extended". curr_project is among them.
	Query url.Values

	prefix       string
	stringToSign string
	// altStringToSign is the string a Go SDK client whose endpoint ends in
	// "/" signs: the same resource without its leading "/". "" when the
	// resource does not start with "/".
	altStringToSign string
	signature       string // base64, as received; checked to decode to 20 bytes
}

// Parse extracts and checks everything except the signature itself: that
// the request uses the ODPS scheme and not one this package refuses, that
// the Authorization header is well formed (v2, or v4 with a scope whose
// date is within a day of the Date header's), that Date is present and
// RFC 1123 GMT, that the headers this package reads are given once, that
// the path is under prefix and well encoded, and that the query has no
// duplicate or ambiguous parameter. It computes the server's string to
// sign, so Verify needs only the secret.
//
// prefix is the path under which the ODPS API is served, the path of the
// endpoint clients are given (e.g. "/odps/api"; "" when served at the
// root); a trailing "/" is ignored.
//
// Every error is an *Error. Parse does not read the clock: call CheckTime.
func Parse(r *Request, prefix string) (*Signed, error) {
	h := indexHeader(r.Header)
	if e := refuseOtherSchemes(h); e != nil {
		return nil, e
	}
	var authz string
	switch vs := h[headerAuthorization]; len(vs) {
	case 0:
		return nil, errAuthorizationRequired()
	case 1:
		authz = vs[0]
	default:
		return nil, errUnauthorized("The Authorization header is given more than once; give it once.")
	}
	s, e := parseAuthorization(authz)
	if e != nil {
		return nil, e
	}
	c, e := canonicalize(r, h, prefix)
	if e != nil {
		return nil, e
	}
	if s.Version == V4 {
		if e := checkScopeDate(s.Scope.Date, c.date); e != nil {
			return nil, e
		}
	}
	s.Date, s.SecurityToken, s.Path, s.Query = c.date, c.token, c.path, c.query
	s.prefix, s.stringToSign, s.altStringToSign = c.prefix, c.stringToSign, c.alt
	return s, nil
}

// refuseOtherSchemes refuses the bearer-token and application-account
// schemes (reference/maxcompute.md §4.3), which localyun does not offer.
func refuseOtherSchemes(h header) *Error {
	if len(h[headerBearerToken]) > 0 {
		return errUnauthorized("The request carries an %s header: bearer tokens are not supported; sign the request with an AccessKey or STS credentials.", headerBearerToken)
	}
	for _, n := range [...]string{headerAppAuth, headerAppSTSAuth, headerAppSTSToken} {
		if len(h[n]) > 0 {
			return errUnauthorized("The request carries an %s header: application accounts are not supported; sign the request with an AccessKey or STS credentials only.", n)
		}
	}
	return nil
}

// canonical is what Parse and the signers take from a request besides its
// Authorization header.
type canonical struct {
	date         time.Time
	token        string
	prefix, path string
	query        url.Values
	stringToSign string
	// alt is the string to sign of a Go SDK client whose endpoint ends in
	// "/": the same resource without its leading "/"; "" when the resource
	// does not start with "/".
	alt string
}

// canonicalize reads the Date, Content-MD5, Content-Type and
// authorization-sts-token headers (each at most once; Date required), the
// path under prefix and the query, and builds the string to sign.
func canonicalize(r *Request, h header, prefix string) (*canonical, *Error) {
	one := map[string]string{}
	for _, n := range [...]string{headerDate, headerContentMD5, headerContentType, headerSTSToken} {
		v, e := oneHeader(h, n)
		if e != nil {
			return nil, e
		}
		one[n] = v
	}
	c := &canonical{token: strings.TrimSpace(one[headerSTSToken]), prefix: cleanPrefix(prefix)}
	var e *Error
	if c.date, e = parseDate(one[headerDate]); e != nil {
		return nil, e
	}
	if c.path, e = resourcePath(r.Path, c.prefix); e != nil {
		return nil, e
	}
	if c.query, e = parseQuery(r.RawQuery); e != nil {
		return nil, e
	}
	resource := canonicalResource(c.path, c.query)
	c.stringToSign = canonicalString(r.Method, one[headerContentMD5], one[headerContentType], one[headerDate], h, resource)
	if alt, ok := strings.CutPrefix(resource, "/"); ok {
		c.alt = canonicalString(r.Method, one[headerContentMD5], one[headerContentType], one[headerDate], h, alt)
	}
	return c, nil
}

// parseAuthorization reads "ODPS <AccessKeyId>:<signature>" (v2) or
// "ODPS <AccessKeyId>/<yyyymmdd>/<region>/odps/<corp>_v4_request:<signature>"
// (v4). Neither an AccessKeyId nor base64 has ":", so the signature is what
// follows the last one.
func parseAuthorization(v string) (*Signed, *Error) {
	v = strings.TrimSpace(v)
	rest, ok := strings.CutPrefix(v, authScheme)
	if !ok {
		scheme, _, _ := strings.Cut(v, " ")
		return nil, errUnauthorized("The Authorization scheme is %s; ODPS requests are signed as ODPS <AccessKeyId>:<signature>.", echo(scheme))
	}
	rest = strings.TrimSpace(rest)
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return nil, errUnauthorized("The Authorization header has no \":\" before the signature; it is ODPS <AccessKeyId>:<signature>.")
	}
	credential, sig := rest[:i], rest[i+1:]
	if b, err := base64.StdEncoding.Strict().DecodeString(sig); err != nil || len(b) != sha1Size {
		return nil, errUnauthorized("The Authorization header's signature is not a base64-encoded HMAC-SHA1 (28 characters).")
	}
	s := &Signed{Version: V2, AccessKeyID: credential, signature: sig}
	if strings.Contains(credential, "/") {
		parts := strings.Split(credential, "/")
		if len(parts) != 5 {
			return nil, errUnauthorized("The Authorization header's v4 credential %s is not <AccessKeyId>/<yyyymmdd>/<region>/odps/<corporation>_v4_request.", echo(credential))
		}
		scope, e := parseScope(parts[1], parts[2], parts[3], parts[4])
		if e != nil {
			return nil, e
		}
		s.Version, s.AccessKeyID, s.Scope = V4, parts[0], scope
	}
	if e := checkAccessKeyID(s.AccessKeyID); e != nil {
		return nil, e
	}
	return s, nil
}

// checkAccessKeyID allows letters, digits, "." "_" "-" (LTAI…, STS.…),
// up to maxAccessKeyID bytes.
func checkAccessKeyID(id string) *Error {
	if id == "" {
		return errUnauthorized("The Authorization header has no AccessKeyId.")
	}
	if len(id) > maxAccessKeyID || !allBytes(id, func(c byte) bool { return alnum(c) || c == '.' || c == '_' || c == '-' }) {
		return errUnauthorized("The AccessKeyId %s is not an AccessKeyId: up to %d letters, digits, \".\", \"_\" and \"-\".", echo(id), maxAccessKeyID)
	}
	return nil
}

func parseScope(date, region, service, term string) (Scope, *Error) {
	if _, err := time.Parse(ScopeDateFormat, date); err != nil || len(date) != len(ScopeDateFormat) {
		return Scope{}, errUnauthorized("The v4 credential scope date %s is not a date written yyyymmdd.", echo(date))
	}
	if region == "" || len(region) > maxRegion || !allBytes(region, func(c byte) bool { return alnum(c) || c == '-' || c == '_' || c == '.' }) {
		return Scope{}, errUnauthorized("The v4 credential scope region %s is not a region id such as cn-hangzhou.", echo(region))
	}
	if service != "odps" {
		return Scope{}, errUnauthorized("The v4 credential scope service is %s; it must be odps.", echo(service))
	}
	corp, ok := strings.CutSuffix(term, "_v4_request")
	if !ok || corp == "" || len(corp) > maxCorporation || !allBytes(corp, func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }) {
		return Scope{}, errUnauthorized("The v4 credential scope ends with %s; it must be <corporation>_v4_request, the corporation in lower-case letters and digits (aliyun_v4_request by default).", echo(term))
	}
	return Scope{Date: date, Region: region, Corporation: corp}, nil
}

// checkScopeDate allows the scope date to be the Date header's day (UTC)
// or the day before or after. The SDKs read the clock twice, once for Date
// and once for the scope, so a request signed at midnight can carry two
// days; the Date itself is held to the time window by CheckTime, and the
// scope date is part of the signing key, so it cannot be changed without
// the secret.
func checkScopeDate(scope string, date time.Time) *Error {
	d, _ := time.Parse(ScopeDateFormat, scope) // parseScope checked it
	y, m, dd := date.Date()
	if diff := d.Sub(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)); diff < -24*time.Hour || diff > 24*time.Hour {
		return errUnauthorized("The v4 credential scope date %s is not the day of the Date header (%s, UTC); sign with the date of the request.",
			scope, date.Format(ScopeDateFormat))
	}
	return nil
}

func parseDate(v string) (time.Time, *Error) {
	if v == "" {
		return time.Time{}, errInvalid("The Date header is missing; ODPS requests carry it, in RFC 1123 format in GMT (e.g. Mon, 02 Jan 2006 15:04:05 GMT), and sign it.")
	}
	// Formatting back must give the same text but for the weekday:
	// time.Parse alone would take "JAn", "mON" or a one-digit hour. The
	// weekday is not checked against the date: Java's date parser does not
	// check it, and the Go SDK's own tests send a wrong one.
	t, err := time.Parse(DateFormat, v)
	if err != nil || !slices.Contains(dayNames[:], v[:3]) || t.Format(DateFormat)[3:] != v[3:] {
		return time.Time{}, errInvalid("The Date header %s is not in RFC 1123 format in GMT, e.g. Mon, 02 Jan 2006 15:04:05 GMT.", echo(v))
	}
	return t.UTC(), nil
}

var dayNames = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func alnum(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
