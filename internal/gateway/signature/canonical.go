package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// percentEncode encodes s as UTF-8 bytes with RFC 3986 rules: A–Z a–z 0–9
// - _ . ~ stay, every other byte becomes %XY with upper-case hex (so a space
// is %20, never +, and * is %2A). It is the SDKs' url.QueryEscape followed
// by +→%20, *→%2A, %7E→~, written out.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// canonicalQuery joins name=value pairs, both percent-encoded, sorted by the
// decoded name, with "&". Each name has one value (params guarantees it).
// V1 signs it; V3 signs the same form with "name=" for an empty value, which
// is what this produces too.
func canonicalQuery(v url.Values) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(v)) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		if len(v[k]) > 0 {
			b.WriteString(percentEncode(v[k][0]))
		}
	}
	return b.String()
}

// stringToSignV1 is METHOD&%2F&percentEncode(canonical query)
// (reference/ram-sts.md §6.4). The path is always "/", whatever was
// requested.
func stringToSignV1(method string, v url.Values) string {
	return method + "&%2F&" + percentEncode(canonicalQuery(v))
}

// canonicalURI is the wire path with the SDK's replacements (+→%20, *→%2A,
// %7E→~); "/" when empty. darabonba signs the pathname it puts on the wire,
// so the received encoded path is what it signed.
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(path)
}

// canonicalRequestV3 builds the V3 canonical request from its parts
// (reference/ram-sts.md §6.5). names are the signed header names, lower
// case and sorted; values gives each one's canonical value.
func canonicalRequestV3(method, path string, query url.Values, names []string, values func(string) string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(path))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query))
	b.WriteByte('\n')
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(values(n))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSignV3 is "ACS3-HMAC-SHA256\n" + hex(sha256(canonical request)).
func stringToSignV3(canonicalRequest string) string {
	return AlgorithmV3 + "\n" + sha256Hex([]byte(canonicalRequest))
}

// headerValue is the canonical value of a header: each value trimmed,
// sorted, joined with "," (darabonba getCanonicalHeaders).
func headerValue(vs []string) string {
	if len(vs) == 1 {
		return strings.TrimSpace(vs[0])
	}
	t := make([]string, len(vs))
	for i, v := range vs {
		t[i] = strings.TrimSpace(v)
	}
	sort.Strings(t)
	return strings.Join(t, ",")
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
