package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/accesskey"
	"github.com/localyun/localyun/internal/headerindex"
)

// Credentials sign a request; printing them never shows the secret.
type Credentials = accesskey.Credentials

// SignV1 signs r with V1 (HMAC-SHA1) as the monolithic SDK does: it adds
// AccessKeyId, SignatureMethod, SignatureVersion, SignatureNonce, Timestamp
// (now, in UTC) and, for STS credentials, SecurityToken to the query, signs
// the query and the form body together (r.Body when its Content-Type is
// application/x-www-form-urlencoded) and adds Signature. r.RawQuery is
// rewritten in sorted order; nothing else changes. Action and Version must
// already be in the query or the form; other parameters the SDK sends
// (Format, RegionId, an empty SignatureType) are the caller's choice.
//
// The nonce must be fresh for every request, retries included.
func SignV1(r *Request, c Credentials, now time.Time, nonce string) error {
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return errors.New("signature: SignV1 needs an AccessKeyId and an AccessKeySecret")
	}
	if nonce == "" {
		return errors.New("signature: SignV1 needs a nonce")
	}
	h := indexHeader(r.Header)
	q, all, e := params(r, h)
	if e != nil {
		return fmt.Errorf("signature: SignV1: %s", e.Message)
	}
	for _, n := range [...]string{paramAction, paramVersion} {
		if all.Get(n) == "" {
			return fmt.Errorf("signature: SignV1 needs the %s parameter", n)
		}
	}
	set := map[string]string{
		paramAccessKeyID:      c.AccessKeyID,
		paramSignatureMethod:  MethodV1,
		paramSignatureVersion: VersionV1,
		paramSignatureNonce:   nonce,
		paramTimestamp:        now.UTC().Format(TimeFormat),
	}
	if c.SecurityToken != "" {
		set[paramSecurityToken] = c.SecurityToken
	}
	q.Del(paramSignature)
	all.Del(paramSignature)
	for k, v := range set {
		if all.Has(k) && !q.Has(k) {
			return fmt.Errorf("signature: SignV1 sets %s in the query, but the form body has it", k)
		}
		q.Set(k, v)
		all.Set(k, v)
	}
	m := hmac.New(sha1.New, []byte(c.AccessKeySecret+"&"))
	m.Write([]byte(stringToSignV1(r.Method, all)))
	q.Set(paramSignature, base64.StdEncoding.EncodeToString(m.Sum(nil)))
	r.RawQuery = q.Encode()
	return nil
}

// SignV3 signs r with ACS3-HMAC-SHA256 as darabonba does. The caller sets
// r.Method, r.Path ("/" for RPC; the encoded path for ROA), r.RawQuery,
// r.Host, r.Body with its Content-Type, and the x-acs-action and
// x-acs-version headers. SignV3 sets x-acs-date (now, in UTC),
// x-acs-signature-nonce, x-acs-content-sha256 and, for STS credentials,
// x-acs-security-token and x-acs-accesskey-id, then signs host,
// content-type and every x-acs-* header and sets Authorization.
//
// The nonce must be fresh for every request, retries included.
func SignV3(r *Request, c Credentials, now time.Time, nonce string) error {
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return errors.New("signature: SignV3 needs an AccessKeyId and an AccessKeySecret")
	}
	if nonce == "" {
		return errors.New("signature: SignV3 needs a nonce")
	}
	if r.Host == "" {
		return errors.New("signature: SignV3 needs the Host")
	}
	if r.Header == nil {
		r.Header = map[string][]string{}
	}
	h := indexHeader(r.Header)
	for _, n := range [...]string{headerAction, headerVersion} {
		if v, e := oneHeader(h, n); e != nil || strings.TrimSpace(v) == "" {
			return fmt.Errorf("signature: SignV3 needs one %s header", n)
		}
	}
	payload := sha256Hex(r.Body)
	headerindex.Set(r.Header, headerDate, now.UTC().Format(TimeFormat))
	headerindex.Set(r.Header, headerNonce, nonce)
	headerindex.Set(r.Header, headerContentSHA256, payload)
	if c.SecurityToken != "" {
		headerindex.Set(r.Header, headerSecurityToken, c.SecurityToken)
		headerindex.Set(r.Header, headerAccessKeyID, c.AccessKeyID)
	}
	headerindex.Set(r.Header, headerAuthorization, "")
	h = indexHeader(r.Header)
	q, _, e := params(r, h)
	if e != nil {
		return fmt.Errorf("signature: SignV3: %s", e.Message)
	}
	names := []string{headerHost}
	for n := range h {
		if n == headerContentType || strings.HasPrefix(n, "x-acs-") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	value := func(n string) string {
		if n == headerHost {
			return strings.TrimSpace(r.Host)
		}
		return headerValue(h[n])
	}
	sts := stringToSignV3(canonicalRequestV3(r.Method, r.Path, q, names, value, payload))
	m := hmac.New(sha256.New, []byte(c.AccessKeySecret))
	m.Write([]byte(sts))
	headerindex.Set(r.Header, headerAuthorization, AlgorithmV3+" Credential="+c.AccessKeyID+
		",SignedHeaders="+strings.Join(names, ";")+",Signature="+hex.EncodeToString(m.Sum(nil)))
	return nil
}
