package gateway

import (
	"net/url"
	"strings"
)

// maxQueryParams mirrors net/url's default limit (GODEBUG
// urlmaxqueryparams=10000): beyond it url.ParseQuery returns no values at
// all, and so does queryGet.
const maxQueryParams = 10000

// queryGet returns the first value of name in a raw query string, exactly
// as url.ParseQuery(raw) followed by Values.Get(name) would (pairs with a
// ';' or a malformed escape are skipped), but without decoding and storing
// every other pair. The front door looks at Signature and Format before the
// signature package parses the request; doing it with url.Values cost a
// full parse of the query each time (docs/benchmarks.md).
func queryGet(raw, name string) (string, bool) {
	if strings.Count(raw, "&")+1 > maxQueryParams {
		return "", false
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			if dk, err := url.QueryUnescape(k); err != nil || dk != name {
				continue
			}
		} else if k != name {
			continue // no escapes: k is its own decoded form
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		return dv, true
	}
	return "", false
}
