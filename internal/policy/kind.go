package policy

import "fmt"

// Kind says what a document is for. The grammar differs by kind: trust
// policies have a Principal and no Resource, resource policies have both,
// identity and session policies have a Resource and no Principal.
type Kind uint8

const (
	// Identity policies are attached to RAM users and roles (custom and
	// system policies).
	Identity Kind = iota + 1
	// Trust is a role's AssumeRolePolicyDocument.
	Trust
	// Session is the Policy parameter of AssumeRole; it narrows the role.
	Session
	// Resource policies name both Principal and Resource, as MaxCompute
	// project and role policies do.
	Resource
)

// String returns the name used in flags, JSON output and messages.
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Trust:
		return "trust"
	case Session:
		return "session"
	case Resource:
		return "resource"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{Identity, Trust, Session, Resource} {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown policy kind %q: use identity, trust, session or resource", s)
}

func (k Kind) valid() bool { return k >= Identity && k <= Resource }

// Limits bound what Parse accepts. The zero value of a field means "use the
// default for the kind"; see DefaultLimits.
type Limits struct {
	// MaxLength is the document's length in characters (Unicode code
	// points), whitespace included.
	MaxLength int
	// MaxStatements bounds the number of statements.
	MaxStatements int
	// MaxPatternLength bounds, in characters, every Action, Resource and
	// Principal value and every condition value.
	MaxPatternLength int
}

// Default limits. The lengths are Alibaba's (reference/ram-sts.md §2.6 and
// the table); statements and patterns are localyun's own bounds, set
// well above anything a document within the length limit can need, so that
// raising MaxLength still leaves evaluation cost bounded.
const (
	DefaultMaxIdentityLength = 6144
	DefaultMaxTrustLength    = 4096
	DefaultMaxSessionLength  = 2048
	DefaultMaxStatements     = 256
	DefaultMaxPatternLength  = 2048
)

// DefaultLimits returns the limits Parse applies to a kind when none are given.
func DefaultLimits(k Kind) Limits {
	l := Limits{MaxStatements: DefaultMaxStatements, MaxPatternLength: DefaultMaxPatternLength}
	switch k {
	case Trust:
		l.MaxLength = DefaultMaxTrustLength
	case Session:
		l.MaxLength = DefaultMaxSessionLength
	default:
		l.MaxLength = DefaultMaxIdentityLength
	}
	return l
}

func (l Limits) withDefaults(k Kind) Limits {
	d := DefaultLimits(k)
	if l.MaxLength > 0 {
		d.MaxLength = l.MaxLength
	}
	if l.MaxStatements > 0 {
		d.MaxStatements = l.MaxStatements
	}
	if l.MaxPatternLength > 0 {
		d.MaxPatternLength = l.MaxPatternLength
	}
	return d
}
