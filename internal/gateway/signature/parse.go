package signature

import (
	"encoding/hex"
	"net/url"
	"strings"
	"time"
)

// V1 parameter names (reference/ram-sts.md §6.3).
const (
	paramAction           = "Action"
	paramVersion          = "Version"
	paramAccessKeyID      = "AccessKeyId"
	paramSignature        = "Signature"
	paramSignatureMethod  = "SignatureMethod"
	paramSignatureVersion = "SignatureVersion"
	paramSignatureNonce   = "SignatureNonce"
	paramSignatureType    = "SignatureType"
	paramTimestamp        = "Timestamp"
	paramSecurityToken    = "SecurityToken"
)

// IsProtocolParam reports whether name is a parameter of the V1 signature
// protocol rather than of an API: AccessKeyId, Action, SecurityToken,
// Signature, SignatureMethod, SignatureNonce, SignatureType,
// SignatureVersion, Timestamp or Version. Signed.Params keeps them (all but
// Signature); the gateway skips them when it binds and reports an action's
// parameters. Format and RegionId are common parameters, not protocol
// ones: the gateway reads Format, and some APIs take RegionId.
func IsProtocolParam(name string) bool {
	switch name {
	case paramAccessKeyID, paramAction, paramSecurityToken, paramSignature, paramSignatureMethod,
		paramSignatureNonce, paramSignatureType, paramSignatureVersion, paramTimestamp, paramVersion:
		return true
	}
	return false
}

// Header names, lower case.
const (
	headerAuthorization = "authorization"
	headerHost          = "host"
	headerContentType   = "content-type"
	headerAction        = "x-acs-action"
	headerVersion       = "x-acs-version"
	headerDate          = "x-acs-date"
	headerNonce         = "x-acs-signature-nonce"
	headerContentSHA256 = "x-acs-content-sha256"
	headerSecurityToken = "x-acs-security-token"
	headerAccessKeyID   = "x-acs-accesskey-id"
)

const (
	// MethodV1 is the only SignatureMethod V1 accepts.
	MethodV1 = "HMAC-SHA1"
	// VersionV1 is the only SignatureVersion V1 accepts.
	VersionV1 = "1.0"
	// AlgorithmV3 is the only V3 algorithm accepted.
	AlgorithmV3 = "ACS3-HMAC-SHA256"
	// TimeFormat is the layout of Timestamp and x-acs-date.
	TimeFormat = "2006-01-02T15:04:05Z"
	// MaxNonceLength bounds SignatureNonce and x-acs-signature-nonce, which
	// the replay guard keeps for the whole window. The SDKs send 32 hex
	// digits; the documentation's example is a 36-character UUID.
	MaxNonceLength = 128
)

// requiredV3 are the headers every V3 request must sign.
var requiredV3 = [...]string{headerHost, headerAction, headerContentSHA256, headerDate, headerNonce, headerVersion}

// Signed is a parsed request: who claims to have signed it and what. Parse
// fills it; nothing in it has been verified until Verify returns nil.
type Signed struct {
	Scheme        Scheme
	AccessKeyID   string
	SecurityToken string // "" unless the caller uses STS credentials
	Nonce         string
	Timestamp     time.Time // UTC
	// Action and Version name the API. V1 takes them from the signed
	// parameters, V3 from the signed x-acs-action and x-acs-version
	// headers; where both a parameter and a header are given they agree.
	Action, Version string
	// Params are the query and form-body parameters, decoded, one value per
	// name, without the V1 Signature. They include the V1 protocol
	// parameters (AccessKeyId, Timestamp, ...; see IsProtocolParam).
	Params url.Values

	stringToSign string
	signature    []byte // as received: base64 text for V1, decoded hex for V3
}

// Parse extracts and checks everything except the signature itself: that
// the scheme's mandatory parameters or headers are present, given once and
// well formed, that V3 signs the headers it must and that its
// x-acs-content-sha256 is the body's digest, that no parameter is given
// twice (twice in the query, or in the query and the form body), and that
// Action and Version agree with x-acs-action and x-acs-version. It computes
// the server's string to sign, so Verify needs only the secret.
//
// Every error is an *Error. Parse does not read the clock: call CheckTime.
func Parse(r *Request) (*Signed, error) {
	h := indexHeader(r.Header)
	switch detect(r, h) {
	case V1:
		return parseV1(r, h)
	case V3:
		return parseV3(r, h)
	}
	if auth, _ := oneHeader(h, headerAuthorization); auth != "" {
		return nil, errIncomplete("The Authorization header is not ACS3-HMAC-SHA256, and there is no Signature parameter.")
	}
	return nil, errMissingParam(paramSignature)
}

func parseV1(r *Request, h header) (*Signed, error) {
	_, p, err := params(r, h)
	if err != nil {
		return nil, err
	}
	for _, name := range [...]string{paramSignature, paramAccessKeyID, paramSignatureMethod, paramSignatureVersion,
		paramSignatureNonce, paramTimestamp, paramAction, paramVersion} {
		if p.Get(name) == "" {
			return nil, errMissingParam(name)
		}
	}
	if m := p.Get(paramSignatureMethod); m != MethodV1 {
		return nil, newError(CodeInvalidSignatureMethod,
			"Specified signature method %s is not supported; SignatureMethod must be %s.", echo(m), MethodV1)
	}
	if v := p.Get(paramSignatureVersion); v != VersionV1 {
		return nil, newError(CodeInvalidSignatureVer,
			"Specified signature version %s is not supported; SignatureVersion must be %s.", echo(v), VersionV1)
	}
	if t := p.Get(paramSignatureType); t != "" {
		return nil, newError(CodeInvalidParameter,
			"Specified SignatureType %s is not supported; send SignatureType empty or not at all and sign with an AccessKey.", echo(t))
	}
	nonce, e := checkNonce(paramSignatureNonce, p.Get(paramSignatureNonce))
	if e != nil {
		return nil, e
	}
	ts, e := parseTime(paramTimestamp, p.Get(paramTimestamp))
	if e != nil {
		return nil, e
	}
	s := &Signed{
		Scheme:        V1,
		AccessKeyID:   p.Get(paramAccessKeyID),
		SecurityToken: p.Get(paramSecurityToken),
		Nonce:         nonce,
		Timestamp:     ts,
		Action:        p.Get(paramAction),
		Version:       p.Get(paramVersion),
		signature:     []byte(p.Get(paramSignature)),
	}
	// The SDKs also send x-acs-action and x-acs-version with V1. They are not
	// signed, so they may only repeat the signed parameters.
	if e := agree(h, headerAction, paramAction, s.Action); e != nil {
		return nil, e
	}
	if e := agree(h, headerVersion, paramVersion, s.Version); e != nil {
		return nil, e
	}
	p.Del(paramSignature)
	s.Params = p
	s.stringToSign = stringToSignV1(r.Method, p)
	return s, nil
}

// agree checks that a header, when given, repeats a parameter's value.
func agree(h header, headerName, paramName, paramValue string) *Error {
	hv, e := oneHeader(h, headerName)
	if e != nil {
		return e
	}
	if hv != "" && hv != paramValue {
		return errMismatch(paramName, headerName, paramValue, hv)
	}
	return nil
}

func checkNonce(name, v string) (string, *Error) {
	if len(v) > MaxNonceLength {
		return "", newError(CodeInvalidParameter,
			"The %s is %d bytes long; at most %d are allowed.", name, len(v), MaxNonceLength)
	}
	return v, nil
}

func parseTime(name, v string) (time.Time, *Error) {
	t, err := time.Parse(TimeFormat, v)
	if err != nil {
		return time.Time{}, errTimestampFormat(name, v)
	}
	return t.UTC(), nil
}

// authorization is a parsed V3 Authorization header.
type authorization struct {
	accessKeyID   string
	signedHeaders []string
	signature     []byte
}

// parseAuthorization reads
// "ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2>,Signature=<hex>".
// Whitespace around the comma-separated fields is allowed; each field must
// appear once; SignedHeaders must be lower case, sorted and without
// repeats, as the SDKs send them.
func parseAuthorization(v string) (*authorization, *Error) {
	v = strings.TrimSpace(v)
	alg, rest, _ := strings.Cut(v, " ")
	if alg != AlgorithmV3 {
		return nil, newError(CodeInvalidSignatureMethod,
			"Specified signature algorithm %s is not supported; use %s.", echo(alg), AlgorithmV3)
	}
	var a authorization
	seen := map[string]bool{}
	for _, field := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return nil, errIncomplete("The Authorization header field %s is not name=value.", echo(strings.TrimSpace(field)))
		}
		if seen[k] {
			return nil, errIncomplete("The Authorization header gives %s more than once.", echo(k))
		}
		seen[k] = true
		switch k {
		case "Credential":
			a.accessKeyID = val
		case "SignedHeaders":
			if val != "" {
				a.signedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) == 0 {
				return nil, errIncomplete("The Authorization header's Signature is not a hexadecimal HMAC-SHA256.")
			}
			a.signature = sig
		default:
			return nil, errIncomplete("The Authorization header has an unknown field %s; it has Credential, SignedHeaders and Signature.", echo(k))
		}
	}
	for _, k := range [...]string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[k] {
			return nil, errIncomplete("The Authorization header has no %s.", k)
		}
	}
	if a.accessKeyID == "" {
		return nil, errIncomplete("The Authorization header's Credential is empty.")
	}
	for i, n := range a.signedHeaders {
		if n == "" || n != strings.ToLower(n) {
			return nil, errIncomplete("SignedHeaders must list lower-case header names; got %s.", echo(n))
		}
		if i > 0 && a.signedHeaders[i-1] >= n {
			return nil, errIncomplete("SignedHeaders must be sorted and list each header once; %s comes after %s.",
				echo(n), echo(a.signedHeaders[i-1]))
		}
	}
	return &a, nil
}

func parseV3(r *Request, h header) (*Signed, error) {
	authz, e := oneHeader(h, headerAuthorization)
	if e != nil {
		return nil, e
	}
	a, e := parseAuthorization(authz)
	if e != nil {
		return nil, e
	}
	// Single-valued headers this package reads.
	one := map[string]string{}
	for _, n := range [...]string{headerAction, headerVersion, headerDate, headerNonce, headerContentSHA256,
		headerSecurityToken, headerAccessKeyID, headerContentType} {
		v, e := oneHeader(h, n)
		if e != nil {
			return nil, e
		}
		one[n] = v
	}
	host := r.Host
	if host == "" {
		if host, e = oneHeader(h, headerHost); e != nil {
			return nil, e
		}
	}
	one[headerHost] = host
	for _, n := range requiredV3 {
		if strings.TrimSpace(one[n]) == "" {
			return nil, errMissingHeader(n)
		}
	}
	signed := map[string]bool{}
	for _, n := range a.signedHeaders {
		signed[n] = true
	}
	for _, n := range requiredV3 {
		if !signed[n] {
			return nil, errIncomplete("SignedHeaders must include %s.", n)
		}
	}
	// Headers that change what the request means must be signed when sent.
	for _, n := range [...]string{headerSecurityToken, headerAccessKeyID} {
		if one[n] != "" && !signed[n] {
			return nil, errIncomplete("SignedHeaders must include %s when it is sent.", n)
		}
	}
	if one[headerContentType] != "" && len(r.Body) > 0 && !signed[headerContentType] {
		return nil, errIncomplete("SignedHeaders must include content-type when the request has a body.")
	}
	for _, n := range a.signedHeaders {
		if n == headerHost {
			continue
		}
		if len(h[n]) == 0 {
			return nil, errIncomplete("The signed header %s is not in the request.", echo(n))
		}
	}
	if id := one[headerAccessKeyID]; id != "" && id != a.accessKeyID {
		return nil, errIncomplete("The x-acs-accesskey-id header %s is not the Authorization Credential %s.", echo(id), echo(a.accessKeyID))
	}
	nonce, e := checkNonce(headerNonce, strings.TrimSpace(one[headerNonce]))
	if e != nil {
		return nil, e
	}
	ts, e := parseTime(headerDate, strings.TrimSpace(one[headerDate]))
	if e != nil {
		return nil, e
	}
	payload := sha256Hex(r.Body)
	if digest := strings.TrimSpace(one[headerContentSHA256]); digest != payload {
		return nil, newError(CodeContentSHA256,
			"The x-acs-content-sha256 header is not the SHA-256 digest of the request body; send the lower-case hex digest of the bytes in the body.")
	}
	q, p, e := params(r, h)
	if e != nil {
		return nil, e
	}
	s := &Signed{
		Scheme:        V3,
		AccessKeyID:   a.accessKeyID,
		SecurityToken: strings.TrimSpace(one[headerSecurityToken]),
		Nonce:         nonce,
		Timestamp:     ts,
		Action:        strings.TrimSpace(one[headerAction]),
		Version:       strings.TrimSpace(one[headerVersion]),
		Params:        p,
		signature:     a.signature,
	}
	// V3 carries the API in headers; a parameter of the same name may only
	// repeat it.
	if v := p.Get(paramAction); p.Has(paramAction) && v != s.Action {
		return nil, errMismatch(paramAction, headerAction, v, s.Action)
	}
	if v := p.Get(paramVersion); p.Has(paramVersion) && v != s.Version {
		return nil, errMismatch(paramVersion, headerVersion, v, s.Version)
	}
	value := func(n string) string {
		if n == headerHost {
			return strings.TrimSpace(host)
		}
		return headerValue(h[n])
	}
	s.stringToSign = stringToSignV3(canonicalRequestV3(r.Method, r.Path, q, a.signedHeaders, value, payload))
	return s, nil
}
