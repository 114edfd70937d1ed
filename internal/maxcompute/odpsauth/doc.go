// Package odpsauth verifies, and makes, the signatures of MaxCompute (ODPS)
// REST requests: v2 (HMAC-SHA1 with the AccessKey secret) and v4
// (HMAC-SHA1 with a key derived from the secret, a date and a region),
// with STS credentials or without, exactly as the official Go SDK, pyodps
// and the Java SDK compute them (reference/maxcompute.md §4.3, §1.3).
//
// It is pure: no HTTP server, no storage, no clock, no globals. localyun
// serves the ODPS API under a path prefix of its HTTP listener, and users
// give their clients that endpoint (http://127.0.0.1:<port>/odps/api); the
// clients sign the path without the endpoint's path. The ODPS front end
// describes a received request as a Request and passes the prefix:
//
//	s, err := odpsauth.Authenticate(req, "/odps/api", now, func(s *odpsauth.Signed) (string, error) {
//		return keys.Secret(s.AccessKeyID, s.SecurityToken) // or odpsauth.AccessKeyNotFound(s.AccessKeyID)
//	})
//
// returns who signed it (s.AccessKeyID, s.SecurityToken), the path under
// the prefix and the decoded query (s.Path, s.Query), or the error to
// send. The steps are also available one by one: Detect (does the request
// claim an ODPS scheme), Parse (everything but the signature),
// Signed.CheckTime (the 15-minute window) and Signed.Verify (the HMAC,
// compared in constant time). v4 requests also name a region
// (s.Scope.Region); this package derives the key from it and leaves to
// the caller whether to accept it.
//
// SignV2 and SignV4 sign a Request the way the Go SDK does, for tests and
// for localyun's own `localyun odps` client.
//
// # The signature
//
// The string to sign is, each part followed by "\n" except the last:
// the method; Content-MD5 ("" if absent); Content-Type ("" if absent);
// Date; then "name:value" for each x-odps-* header, names lower case and
// sorted, several values joined with ","; then the canonical resource,
// the path with the endpoint prefix removed and decoded, then, if there is
// a query, "?" and the decoded parameters sorted by name, each "name=value"
// or the bare name when the value is empty, joined with "&". v2 sends
// "ODPS <AccessKeyId>:" + base64(HMAC-SHA1(secret, string)); v4 sends
// "ODPS <AccessKeyId>/<yyyymmdd>/<region>/odps/<corp>_v4_request:" +
// base64(HMAC-SHA1(key, string)), the key being HMAC-SHA256 chained from
// corp+"_v4"+secret over the date, the region, "odps" and
// corp+"_v4_request". STS requests are signed the same way with the
// temporary AccessKey and carry the token in authorization-sts-token.
//
// The signature covers neither the body (unless the client sends a
// Content-MD5, which the handler must then check against the body) nor the
// STS token, nor any header but the ones above. That is the protocol; the
// secret lookup must check that the token belongs to the AccessKeyId.
//
// # Errors
//
// Every refusal is an *Error carrying the ODPS code, the HTTP status and
// the message to send unchanged. Messages never contain a secret or the
// received signature, and quote at most 64 bytes of any client-supplied
// value, except the SignatureNotMatch message, which ends with the
// server's whole string to sign.
//
//	Code                   Status  When
//	AuthorizationRequired  401     no Authorization header.
//	Unauthorized           401     an Authorization header that is not ODPS <AccessKeyId>:<signature>
//	                               (another scheme, no ":", a signature that is not base64 of 20
//	                               bytes, an AccessKeyId with characters other than letters, digits,
//	                               "." "_" "-"); a malformed v4 scope (date, region, service other
//	                               than odps, corporation not lower-case letters and digits); a scope
//	                               date more than a day from the Date header's; Authorization given
//	                               twice; the bearer-token (x-odps-bearer-token) and
//	                               application-account (application-authentication,
//	                               sts-authentication, sts-token) schemes, which are not supported.
//	InvalidArgument        400     Date missing or not exactly in the form Mon, 02 Jan 2006 15:04:05 GMT
//	                               (names in that case, two-digit fields; the weekday is not checked
//	                               against the date); Date, Content-MD5, Content-Type or
//	                               authorization-sts-token given twice; a path outside the prefix, not
//	                               well encoded, or with "?" or a control character once decoded; a
//	                               malformed query, a parameter given twice or with no name, "&" or
//	                               "=" in a name or "&" in a value once decoded.
//	SignatureNotMatch      403     the signature is not the one computed with the secret.
//	RequestTimeTooSkewed   403     Date more than 15 minutes from the server's clock, either way.
//	AccessKeyIdNotFound    401     made by AccessKeyNotFound, for the secret lookup to return.
//
// The first sentence of AuthorizationRequired and Unauthorized, "The
// request authorization header is invalid or missing.", is the real
// service's: pyodps, when a v4 request gets it, signs again with v2
// (odps/rest.py), which is what a client should do with a header localyun
// cannot read. SignatureNotMatch starts with the real
// "ODPS-0410042:Invalid signature value - User signature does not match",
// then says what to check, then MessageContain and the string to sign, so
// a client can compare it with its own. RequestTimeTooSkewed carries the
// real "ODPS-0410031:Authentication request expired - ..." text with
// max_interval_date, expire_date (the request's Date) and now_date, which
// pyodps parses; the hint after them is one more "name:value" field, so
// that parse still works. The real service spells that code
// RequestTimeTooSkewd; pyodps accepts both, and this package uses the
// correct spelling. AccessKeyIdNotFound carries the real
// "ODPS-0410051:Invalid credentials - accessKeyId not found: <id>". The
// statuses, the InvalidArgument cases and the codes of malformed requests
// are localyun's choices, since the reference does not record them. The Go
// SDK shows any code and message as they are (restclient/error.go).
//
// # Choices where the clients and the documentation leave room
//
//   - x-odps-* query parameters. The Java SDK and pyodps also add query
//     parameters whose name starts with x-odps- to the header lines; the
//     Go SDK does not. This package follows the Go SDK only. None of the
//     three SDKs sends such a parameter (checked in their sources), and
//     accepting both forms would let anyone who saw a Java-signed request
//     with one add a header of that name and value without the secret.
//   - A Go SDK endpoint that ends in "/" makes the client sign the resource
//     without its leading "/"; Verify accepts that form as well (the same
//     request, so nothing is opened). pyodps and Java remove the slash.
//   - Query strings are refused rather than resolved when the signature and
//     the handler could read them differently: a name given twice (the Go
//     SDK signs the first value, pyodps the last), or "&" and "=" that,
//     written raw into the canonical resource, would make two queries sign
//     the same. pyodps also decodes the whole URL once before splitting the
//     query, so it signs "+" in a value (sent as %2B) as a space: such a
//     request is refused with SignatureNotMatch, as it is signed
//     differently from the Go SDK and the Java SDK.
//   - The v4 scope date may be the Date header's day (UTC) or the day before
//     or after: the SDKs read the clock separately for Date and for the
//     scope, so a request signed at midnight carries two days. The Date
//     itself is held to the window by CheckTime, and the scope date is
//     bound into the signing key.
//   - The v4 corporation is any lower-case alphanumeric token, used
//     consistently in the scope and the key; the Go SDK's SetCorporation
//     and pyodps's signature_prefix change it.
//   - The path prefix is matched on the path as received, on whole segments
//     (/odps/apix is outside /odps/api), then the rest is decoded; a
//     decoded "?" is refused, since it would let path and query trade
//     places in the canonical resource.
package odpsauth
