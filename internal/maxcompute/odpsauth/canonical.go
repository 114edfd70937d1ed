package odpsauth

import (
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// The canonical string is built as the official Go SDK builds it
// (github.com/aliyun/aliyun-odps-go-sdk odps/account/aliyun_account.go,
// buildCanonicalString, buildCanonicalHeaders and buildCanonicalResource,
// read at commit 836c96c25994c3d800e0e533cf77507c2d46ac6d), which pyodps
// (odps/accounts.py, BaseAccount._build_canonical_str, commit
// d4cdf3cf7a8022b278d17b54d5491239753dcbc9) and the Java SDK
// (account/SecurityUtils.java) agree with for every request those clients
// send; see the package comment for where they differ.

// cleanPrefix normalizes an endpoint path prefix: "" stays "" (no prefix);
// otherwise one leading "/" and no trailing "/", so "odps/api/" is
// "/odps/api".
func cleanPrefix(p string) string {
	p = strings.TrimRight(p, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	return p
}

// resourcePath removes the prefix from the path as received and decodes
// the rest, which is the path part of the canonical resource. The prefix is
// matched on whole segments of the encoded path, the form routers see.
// The SDK removes the endpoint's decoded path from the decoded request
// path; for a prefix without "%" that is the same thing.
func resourcePath(escaped, prefix string) (string, *Error) {
	if !strings.HasPrefix(escaped, prefix) || len(escaped) > len(prefix) && escaped[len(prefix)] != '/' {
		return "", errInvalid(
			"The request path %s is not under the ODPS endpoint path %s; set the client's endpoint to http(s)://<host>:<port>%s.",
			echo(escaped), prefix, prefix)
	}
	p, err := url.PathUnescape(escaped[len(prefix):])
	if err != nil {
		return "", errInvalid("The request path %s is not well-formed percent-encoding.", echo(escaped))
	}
	// A decoded "?" would let a path and a query string trade places in the
	// canonical resource (/p%3Fa=1 and /p?a=1 sign the same), and no ODPS
	// name has one or a control character.
	if strings.ContainsFunc(p, func(c rune) bool { return c == '?' || c < 0x20 || c == 0x7f }) {
		return "", errInvalid("The request path %s contains \"?\" or a control character once decoded; no ODPS object name has one.", echo(escaped))
	}
	return p, nil
}

// parseQuery decodes the query string into one value per name. It refuses
// what would let the signature and the handler read different parameters
// (a name given twice: the SDK signs only the first value), or two
// different queries share a canonical form (names with "&" or "=", values
// with "&", once decoded: the canonical resource writes them raw).
func parseQuery(raw string) (url.Values, *Error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errInvalid("The query string is not well formed: it must be name=value pairs (or bare names) joined by \"&\", percent-encoded.")
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		switch {
		case k == "":
			return nil, errInvalid("The query string has a parameter with no name.")
		case len(q[k]) > 1:
			return nil, errInvalid("The query parameter %s is given more than once; give it once.", echo(k))
		case strings.ContainsAny(k, "&="), strings.Contains(q[k][0], "&"):
			return nil, errInvalid(
				"The query parameter %s has \"&\" or \"=\" in its name, or \"&\" in its value, once decoded; the signature cannot tell such a query from another.",
				echo(k))
		}
	}
	return q, nil
}

// canonicalResource is the decoded path, then, when there are query
// parameters, "?" and the parameters sorted by name, each "name=value" or
// the bare name when the value is empty, joined with "&".
func canonicalResource(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	var b strings.Builder
	b.WriteString(path)
	for i, k := range slices.Sorted(maps.Keys(q)) {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := q[k][0]; v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// canonicalString joins the signed parts: method, Content-MD5,
// Content-Type and Date, each on its own line, then one "name:value" line
// per x-odps-* header (lower-case names, sorted; several values joined
// with ","), then the canonical resource, with no newline after it.
func canonicalString(method, contentMD5, contentType, date string, h header, resource string) string {
	var names []string
	for n := range h {
		if strings.HasPrefix(n, odpsHeaderPrefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, s := range [...]string{method, contentMD5, contentType, date} {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(strings.Join(h[n], ","))
		b.WriteByte('\n')
	}
	b.WriteString(resource)
	return b.String()
}
