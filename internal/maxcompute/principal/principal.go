// Package principal parses MaxCompute principal names
// (reference/maxcompute.md §1.1):
//
//	ALIYUN$<account>                   an Alibaba Cloud account
//	RAM$<account>:<user>               a RAM user of <account>
//	RAM$<account>:role/<role>          a RAM role of <account>
//
// where <account> is a UID or an account name. The provider prefix is
// case-insensitive. Parse only checks the syntax; the caller resolves the
// account, user or role and writes the canonical form with Canonical.
package principal

import (
	"fmt"
	"strings"
)

// Kind is what a principal names.
type Kind uint8

const (
	Account Kind = iota + 1
	User
	Role
)

func (k Kind) String() string {
	switch k {
	case Account:
		return "account"
	case User:
		return "user"
	case Role:
		return "role"
	}
	return "unknown"
}

// Name is a parsed principal.
type Name struct {
	Kind Kind
	// Account is the UID or the account name as written.
	Account string
	// Name is the RAM user or role name (empty for Account).
	Name string
}

// Error explains why a principal cannot be parsed.
type Error struct {
	Text   string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("Invalid account Name %s: %s", e.Text, e.Reason) }

// MaxLength bounds a principal's text.
const MaxLength = 256

// Parse parses a principal name.
func Parse(text string) (Name, error) {
	fail := func(reason string) (Name, error) { return Name{}, &Error{Text: clip(text), Reason: reason} }
	if len(text) > MaxLength {
		return fail(fmt.Sprintf("longer than %d characters", MaxLength))
	}
	provider, rest, ok := strings.Cut(text, "$")
	if !ok {
		return fail("expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<account>:role/<role>")
	}
	switch strings.ToUpper(provider) {
	case "ALIYUN":
		if !validAccount(rest) {
			return fail("the account must be a UID or an account name")
		}
		return Name{Kind: Account, Account: rest}, nil
	case "RAM":
		account, who, ok := strings.Cut(rest, ":")
		if !ok || !validAccount(account) {
			return fail("expected RAM$<account UID or name>:<user> or RAM$<account>:role/<role>")
		}
		if role, ok := strings.CutPrefix(who, "role/"); ok {
			if !validRAMName(role, ".@-") {
				return fail("a role name is 1 to 64 letters, digits and . @ -")
			}
			return Name{Kind: Role, Account: account, Name: role}, nil
		}
		if !validRAMName(who, "._@-") {
			return fail("a RAM user name is 1 to 64 letters, digits and . _ @ -")
		}
		return Name{Kind: User, Account: account, Name: who}, nil
	}
	return fail(fmt.Sprintf("lack of account provider %q: use ALIYUN or RAM", clip(provider)))
}

// Canonical writes a principal with the account's UID and the RAM user or
// role name as stored: ALIYUN$<uid>, RAM$<uid>:<user>, RAM$<uid>:role/<role>.
func Canonical(kind Kind, uid, name string) string {
	switch kind {
	case Account:
		return "ALIYUN$" + uid
	case User:
		return "RAM$" + uid + ":" + name
	}
	return "RAM$" + uid + ":role/" + name
}

// Key is the case-insensitive identity of a canonical principal: RAM user
// and role names are case-insensitive.
func Key(canonical string) string { return strings.ToLower(canonical) }

func validAccount(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validRAMName(s, extra string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
