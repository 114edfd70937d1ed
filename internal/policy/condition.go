package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Context carries the request's condition keys. A key may have several
// values (a multi-valued key); a key with no values counts as absent. Keys
// compare case-insensitively (ASCII), values as each operator says.
type Context []ContextEntry

// ContextEntry is one condition key with its values.
type ContextEntry struct {
	Key    string
	Values []string
}

// Well-known condition keys. Services add their own (odps:..., oss:...).
const (
	KeyCurrentTime     = "acs:CurrentTime"
	KeySecureTransport = "acs:SecureTransport"
	KeySourceIP        = "acs:SourceIp"
	KeyMFAPresent      = "acs:MFAPresent"
	KeySourceVpc       = "acs:SourceVpc"
	KeyPrincipalARN    = "acs:PrincipalARN"
	KeyExternalID      = "sts:ExternalId"
	KeySourceIdentity  = "sts:SourceIdentity"
)

// Lookup returns the values of key and whether it is present with at least
// one value. When a key appears twice, the first entry wins.
func (c Context) Lookup(key string) ([]string, bool) {
	for i := range c {
		if len(c[i].Key) == len(key) && asciiEqualFoldBoth(c[i].Key, key) {
			return c[i].Values, len(c[i].Values) > 0
		}
	}
	return nil, false
}

func asciiEqualFoldBoth(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// operator is the base of a condition operator, without qualifiers.
type operator uint8

const (
	opStringEquals operator = iota + 1
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opIPAddress
	opNotIPAddress
)

var operatorNames = map[string]operator{
	"StringEquals":              opStringEquals,
	"StringNotEquals":           opStringNotEquals,
	"StringEqualsIgnoreCase":    opStringEqualsIgnoreCase,
	"StringNotEqualsIgnoreCase": opStringNotEqualsIgnoreCase,
	"StringLike":                opStringLike,
	"StringNotLike":             opStringNotLike,
	"NumericEquals":             opNumericEquals,
	"NumericNotEquals":          opNumericNotEquals,
	"NumericLessThan":           opNumericLessThan,
	"NumericLessThanEquals":     opNumericLessThanEquals,
	"NumericGreaterThan":        opNumericGreaterThan,
	"NumericGreaterThanEquals":  opNumericGreaterThanEquals,
	"DateEquals":                opDateEquals,
	"DateNotEquals":             opDateNotEquals,
	"DateLessThan":              opDateLessThan,
	"DateLessThanEquals":        opDateLessThanEquals,
	"DateGreaterThan":           opDateGreaterThan,
	"DateGreaterThanEquals":     opDateGreaterThanEquals,
	"Bool":                      opBool,
	"IpAddress":                 opIPAddress,
	"NotIpAddress":              opNotIPAddress,
}

// negated operators are true when no request value matches; see eval.
func (o operator) negated() bool {
	switch o {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike,
		opNumericNotEquals, opDateNotEquals, opNotIPAddress:
		return true
	}
	return false
}

type valueType uint8

const (
	typeString valueType = iota + 1
	typeNumber
	typeDate
	typeBool
	typeIP
)

func (o operator) valueType() valueType {
	switch {
	case o <= opStringNotLike:
		return typeString
	case o <= opNumericGreaterThanEquals:
		return typeNumber
	case o <= opDateGreaterThanEquals:
		return typeDate
	case o == opBool:
		return typeBool
	}
	return typeIP
}

// setQualifier is the ForAnyValue:/ForAllValues: prefix.
type setQualifier uint8

const (
	setNone setQualifier = iota
	setAnyValue
	setAllValues
)

// parseOperator splits `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`.
// Spelling is exact: `stringequals` is an unknown operator.
func parseOperator(name string) (op operator, set setQualifier, ifExists bool, ok bool) {
	base := name
	switch {
	case strings.HasPrefix(base, "ForAnyValue:"):
		set, base = setAnyValue, base[len("ForAnyValue:"):]
	case strings.HasPrefix(base, "ForAllValues:"):
		set, base = setAllValues, base[len("ForAllValues:"):]
	}
	if strings.HasSuffix(base, "IfExists") {
		ifExists, base = true, base[:len(base)-len("IfExists")]
	}
	op, ok = operatorNames[base]
	return op, set, ifExists, ok
}

// condition is one (operator, key) pair of a Condition block with its
// compiled values. Exactly one of the value slices is set, by value type.
type condition struct {
	op       operator
	set      setQualifier
	ifExists bool
	key      string

	strs  []string
	likes []pattern
	nums  []float64
	dates []time.Time
	bools []bool
	nets  []netip.Prefix
}

// compileConditionValue parses one policy-side value for op's type and adds
// it to c. The returned string explains a value the type cannot hold.
func (c *condition) addValue(v string) (problem string) {
	switch c.op.valueType() {
	case typeString:
		if c.op == opStringLike || c.op == opStringNotLike {
			c.likes = append(c.likes, compilePattern(v, false))
		} else {
			c.strs = append(c.strs, v)
		}
	case typeNumber:
		n, ok := parseNumber(v)
		if !ok {
			return "must be a decimal number such as \"10\" or \"-2.5\""
		}
		c.nums = append(c.nums, n)
	case typeDate:
		t, ok := parseDate(v)
		if !ok {
			return "must be an ISO 8601 time such as \"2019-08-12T17:00:00+08:00\" or a date such as \"2019-08-12\""
		}
		c.dates = append(c.dates, t)
	case typeBool:
		switch v {
		case "true":
			c.bools = append(c.bools, true)
		case "false":
			c.bools = append(c.bools, false)
		default:
			return "must be \"true\" or \"false\""
		}
	case typeIP:
		p, ok := parseIPOrCIDR(v)
		if !ok {
			return "must be an IPv4 or IPv6 address or a CIDR block such as \"192.168.0.0/16\""
		}
		c.nets = append(c.nets, p)
	}
	return ""
}

// eval applies the condition to the request context.
//
// With the key absent (or present with no values): IfExists makes the
// condition true; otherwise ForAllValues is true, ForAnyValue false, a plain
// negated operator true and a plain positive operator false.
//
// With the key present, policy values are OR'ed: a request value "matches"
// when the positive form of the operator holds for at least one policy value.
// A negated operator holds for a request value that matches none of them.
// ForAnyValue needs one request value for which the operator holds,
// ForAllValues needs all of them. Without a qualifier a positive operator
// needs one matching request value and a negated operator needs none.
func (c *condition) eval(ctx Context) bool {
	vals, present := ctx.Lookup(c.key)
	neg := c.op.negated()
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setAllValues:
			return true
		case c.set == setAnyValue:
			return false
		}
		return neg
	}
	switch c.set {
	case setAnyValue:
		for _, v := range vals {
			if c.matches(v) != neg {
				return true
			}
		}
		return false
	case setAllValues:
		for _, v := range vals {
			if c.matches(v) == neg {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matches(v) {
			return !neg
		}
	}
	return neg
}

// matches reports whether the positive form of the operator holds between v
// and at least one policy value. A request value the type cannot hold (a
// malformed IP, number, time or boolean) matches nothing.
func (c *condition) matches(v string) bool {
	switch c.op {
	case opStringEquals, opStringNotEquals:
		for _, s := range c.strs {
			if v == s {
				return true
			}
		}
	case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
		for _, s := range c.strs {
			if strings.EqualFold(v, s) {
				return true
			}
		}
	case opStringLike, opStringNotLike:
		for i := range c.likes {
			if c.likes[i].match(v) {
				return true
			}
		}
	case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals,
		opNumericGreaterThan, opNumericGreaterThanEquals:
		n, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, p := range c.nums {
			if compareOrdered(c.op, cmpFloat(n, p)) {
				return true
			}
		}
	case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals,
		opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.dates {
			if compareOrdered(c.op, t.Compare(p)) {
				return true
			}
		}
	case opBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
		default:
			return false
		}
		for _, p := range c.bools {
			if b == p {
				return true
			}
		}
	case opIPAddress, opNotIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareOrdered interprets a comparison result for the positive form of a
// numeric or date operator (NotEquals tests equality and is negated by eval).
func compareOrdered(op operator, cmp int) bool {
	switch op {
	case opNumericEquals, opNumericNotEquals, opDateEquals, opDateNotEquals:
		return cmp == 0
	case opNumericLessThan, opDateLessThan:
		return cmp < 0
	case opNumericLessThanEquals, opDateLessThanEquals:
		return cmp <= 0
	case opNumericGreaterThan, opDateGreaterThan:
		return cmp > 0
	case opNumericGreaterThanEquals, opDateGreaterThanEquals:
		return cmp >= 0
	}
	return false
}

// parseNumber accepts decimal numbers only: an optional minus, digits, an
// optional fraction and an optional exponent. It refuses what ParseFloat
// would also take (hex, "Inf", "NaN", underscores, a leading plus) so that
// a value means one thing. Numbers compare as IEEE-754 doubles.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// parseDate accepts RFC 3339 times (with an offset or Z, optional fraction)
// and plain dates, which mean midnight UTC.
func parseDate(s string) (time.Time, bool) {
	if len(s) == len("2006-01-02") {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// parseIPOrCIDR accepts an address (a /32 or /128 block) or a CIDR block.
// Bits below the mask are ignored, as in the CIDR notation of the docs.
// IPv4-mapped IPv6 addresses are unmapped so that ::ffff:10.0.0.1 and
// 10.0.0.1 are the same address.
func parseIPOrCIDR(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		a := p.Addr()
		bits := p.Bits()
		if a.Is4In6() {
			if bits < 96 {
				return netip.Prefix{}, false
			}
			a, bits = a.Unmap(), bits-96
		}
		return netip.PrefixFrom(a, bits).Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
