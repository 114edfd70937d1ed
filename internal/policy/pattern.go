package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled Action, Resource or StringLike value: `*` matches
// any run of characters (the empty run too), `?` exactly one character, every
// other character itself. A character is a Unicode code point; an invalid
// byte in the input counts as one character that only `?` and `*` match.
//
// Common shapes (exact, `*`, `prefix*`, `*suffix`) compile to string
// comparisons. Every other pattern runs as a bit-parallel NFA (Shift-And with
// self-loops for `*`): one pass over the input, no backtracking, so the cost
// is O(len(input) × ⌈len(pattern)/64⌉) whatever the pattern, and no allocation.
type pattern struct {
	kind patternKind
	// fold makes ASCII letters compare case-insensitively (actions).
	fold bool
	// lit is the literal of exact, prefix and suffix patterns, lower-cased
	// when fold is set.
	lit string
	// hash is foldHash(lit) for folded exact patterns: most actions are
	// exact, and comparing hashes first skips the byte-by-byte folded
	// comparison for every statement that does not match.
	hash uint64
	nfa  *globNFA
}

type patternKind uint8

const (
	matchEverything patternKind = iota + 1
	matchExact
	matchPrefix
	matchSuffix
	matchGlob
)

func compilePattern(p string, fold bool) pattern {
	p = collapseStars(p)
	if fold {
		p = asciiLower(p)
	}
	if p == "*" {
		return pattern{kind: matchEverything}
	}
	if !strings.ContainsRune(p, '?') {
		switch stars := strings.Count(p, "*"); {
		case stars == 0:
			return pattern{kind: matchExact, fold: fold, lit: p, hash: foldHash(p)}
		case stars == 1 && strings.HasSuffix(p, "*"):
			return pattern{kind: matchPrefix, fold: fold, lit: p[:len(p)-1]}
		case stars == 1 && strings.HasPrefix(p, "*"):
			return pattern{kind: matchSuffix, fold: fold, lit: p[1:]}
		}
	}
	return pattern{kind: matchGlob, fold: fold, nfa: newGlobNFA(p, fold)}
}

func (p *pattern) match(s string) bool {
	var h uint64
	if p.kind == matchExact && p.fold {
		h = foldHash(s)
	}
	return p.matchHashed(s, h)
}

// matchHashed is match with foldHash(s) computed by the caller, once for
// every pattern it is matched against.
func (p *pattern) matchHashed(s string, h uint64) bool {
	switch p.kind {
	case matchEverything:
		return true
	case matchExact:
		if p.fold {
			return h == p.hash && asciiEqualFold(s, p.lit)
		}
		return s == p.lit
	case matchPrefix:
		if len(s) < len(p.lit) {
			return false
		}
		if p.fold {
			return asciiEqualFold(s[:len(p.lit)], p.lit)
		}
		return s[:len(p.lit)] == p.lit
	case matchSuffix:
		if len(s) < len(p.lit) {
			return false
		}
		if p.fold {
			return asciiEqualFold(s[len(s)-len(p.lit):], p.lit)
		}
		return s[len(s)-len(p.lit):] == p.lit
	case matchGlob:
		return p.nfa.match(s)
	}
	return false
}

// collapseStars replaces each run of `*` by one: `a**b` means `a*b`.
func collapseStars(p string) string {
	if !strings.Contains(p, "**") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '*' && i > 0 && p[i-1] == '*' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// globNFA is the Shift-And automaton of a pattern. State j (bit j) means
// "the first j literal positions of the pattern have been consumed"; a `*`
// after position j is a self-loop on state j.
type globNFA struct {
	positions int      // literal positions (characters other than `*`)
	words     int      // uint64 words per state vector: ⌈(positions+1)/64⌉
	loops     []uint64 // states with a self-loop
	any       []uint64 // positions written `?` (bit j+1 for position j)
	ascii     []uint64 // 128×words: positions matching each ASCII character
	other     map[rune][]uint64
}

func newGlobNFA(p string, fold bool) *globNFA {
	n := 0
	for _, r := range p {
		if r != '*' {
			n++
		}
	}
	w := (n + 1 + 63) / 64
	g := &globNFA{
		positions: n,
		words:     w,
		loops:     make([]uint64, w),
		any:       make([]uint64, w),
		ascii:     make([]uint64, 128*w),
	}
	set := func(mask []uint64, bit int) { mask[bit/64] |= 1 << (bit % 64) }
	j := 0 // states consumed so far
	for _, r := range p {
		switch {
		case r == '*':
			set(g.loops, j)
			continue
		case r == '?':
			set(g.any, j+1)
		case r < utf8.RuneSelf:
			set(g.ascii[int(r)*w:int(r)*w+w], j+1)
			if fold && 'a' <= r && r <= 'z' {
				u := r - 'a' + 'A'
				set(g.ascii[int(u)*w:int(u)*w+w], j+1)
			}
		default:
			if g.other == nil {
				g.other = make(map[rune][]uint64)
			}
			m := g.other[r]
			if m == nil {
				m = make([]uint64, w)
				g.other[r] = m
			}
			set(m, j+1)
		}
		j++
	}
	return g
}

// maxStackWords keeps the state vector of patterns up to 2047 literal
// characters on the stack.
const maxStackWords = 32

func (g *globNFA) match(s string) bool {
	if g.words == 1 {
		return g.match1(s)
	}
	var buf [maxStackWords]uint64
	var d []uint64
	if g.words <= maxStackWords {
		d = buf[:g.words]
	} else {
		d = make([]uint64, g.words)
	}
	d[0] = 1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				r = -1
			}
		}
		i += size
		var chars []uint64
		switch {
		case r >= 0 && r < utf8.RuneSelf:
			chars = g.ascii[int(r)*g.words : int(r)*g.words+g.words]
		case r >= 0:
			chars = g.other[r] // nil when the pattern never names r
		}
		alive := uint64(0)
		for k := g.words - 1; k >= 0; k-- {
			shifted := d[k] << 1
			if k > 0 {
				shifted |= d[k-1] >> 63
			}
			m := g.any[k]
			if chars != nil {
				m |= chars[k]
			}
			d[k] = shifted&m | d[k]&g.loops[k]
			alive |= d[k]
		}
		if alive == 0 {
			return false
		}
	}
	return d[g.positions/64]&(1<<(g.positions%64)) != 0
}

// match1 is match for patterns of fewer than 64 literal characters, which is
// nearly all of them.
func (g *globNFA) match1(s string) bool {
	d := uint64(1)
	anyMask, loops := g.any[0], g.loops[0]
	for i := 0; i < len(s); {
		c := s[i]
		var m uint64
		if c < utf8.RuneSelf {
			m = g.ascii[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if !(r == utf8.RuneError && size == 1) {
				if om := g.other[r]; om != nil {
					m = om[0]
				}
			}
		}
		d = (d<<1)&(m|anyMask) | d&loops
		if d == 0 {
			return false
		}
	}
	return d&(1<<g.positions) != 0
}

// foldHash is FNV-1a over s with ASCII letters lower-cased.
func foldHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// asciiEqualFold compares s with lower, which is already lower-case, folding
// only ASCII letters: policy matching never depends on Unicode case tables.
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters and leaves everything else alone. It
// returns s itself when nothing changes.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// roleNameSpan finds the role-name segment of a RAM role ARN,
// `acs:ram:<region>:<account>:role/<name>[/...]`, and returns its bounds, or
// (0, 0) when s is not shaped so.
func roleNameSpan(s string) (start, end int) {
	if !strings.HasPrefix(s, "acs:ram:") {
		return 0, 0
	}
	i := len("acs:ram:")
	for colons := 0; colons < 2; colons++ {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			return 0, 0
		}
		i += c + 1
	}
	if !strings.HasPrefix(s[i:], "role/") {
		return 0, 0
	}
	start = i + len("role/")
	end = len(s)
	if slash := strings.IndexByte(s[start:], '/'); slash >= 0 {
		end = start + slash
	}
	return start, end
}
