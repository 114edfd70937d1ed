// Package headerindex indexes a request's headers by lower-case name, as
// the signature schemes read them (the gateway's RPC and ROA signatures,
// MaxCompute's ODPS signature): every spelling of a name counts, and the
// values of one name sent under two spellings come out in a fixed order.
package headerindex

import (
	"net/textproto"
	"sort"
	"strings"
)

// Index is headers keyed by lower-case name.
type Index map[string][]string

// New indexes m, which may be an http.Header or a plain map whose keys
// differ only in case.
func New(m map[string][]string) Index {
	h := make(Index, len(m))
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		lk := strings.ToLower(k)
		h[lk] = append(h[lk], m[k]...)
	}
	return h
}

// One returns the only value of a header ("" when it is absent); dup
// reports a header given more than once, which a signature check refuses.
func (h Index) One(name string) (value string, dup bool) {
	switch vs := h[name]; len(vs) {
	case 0:
		return "", false
	case 1:
		return vs[0], false
	}
	return "", true
}

// Set replaces every spelling of a header in m with one value under its
// canonical name; an empty value removes it. Signers use it on the plain
// maps they are given.
func Set(m map[string][]string, name, value string) {
	for k := range m {
		if strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
	if value != "" {
		m[textproto.CanonicalMIMEHeaderKey(name)] = []string{value}
	}
}
