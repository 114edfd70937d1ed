package token

import (
	"encoding/binary"
	"strconv"
	"time"
	"unicode/utf8"
)

// validate checks what Mint needs of the claims other than their times.
func (c *Claims) validate() error {
	if !validAccessKeyID(c.AccessKeyID) {
		return &ClaimsError{Field: "AccessKeyID", Reason: `must be "STS." followed by ASCII letters and digits, at most ` + strconv.Itoa(maxFieldLength) + " bytes in all"}
	}
	for i, f := range c.fields() {
		if len(*f) > maxFieldLength {
			return &ClaimsError{Field: fieldNames[i], Reason: "is " + strconv.Itoa(len(*f)) + " bytes long; at most " + strconv.Itoa(maxFieldLength) + " are allowed"}
		}
		if !utf8.ValidString(*f) {
			return &ClaimsError{Field: fieldNames[i], Reason: "is not valid UTF-8"}
		}
	}
	for _, req := range [...]struct {
		name, v string
	}{{"AccountID", c.AccountID}, {"RoleID", c.RoleID}, {"RoleName", c.RoleName}, {"SessionName", c.SessionName}, {"Caller.Name", c.Caller.Name}} {
		if req.v == "" {
			return &ClaimsError{Field: req.name, Reason: "is required"}
		}
	}
	typ := c.Caller.Type.String()
	switch c.Caller.Type {
	case CallerUser, CallerRoleSession:
		if c.Caller.Account == "" {
			return &ClaimsError{Field: "Caller.Account", Reason: "is required for a " + typ + " caller"}
		}
		if c.Caller.OnBehalfOf != "" {
			return &ClaimsError{Field: "Caller.OnBehalfOf", Reason: "is only for a service caller"}
		}
	case CallerService:
		if c.Caller.OnBehalfOf == "" {
			return &ClaimsError{Field: "Caller.OnBehalfOf", Reason: "is required for a service caller"}
		}
	default:
		return &ClaimsError{Field: "Caller.Type", Reason: "must be CallerUser, CallerRoleSession or CallerService"}
	}
	if (c.Caller.Type == CallerRoleSession) != (c.Caller.Session != "") {
		if c.Caller.Session == "" {
			return &ClaimsError{Field: "Caller.Session", Reason: "is required for a role-session caller"}
		}
		return &ClaimsError{Field: "Caller.Session", Reason: "is only for a role-session caller"}
	}
	if !utf8.ValidString(c.Policy) {
		return &ClaimsError{Field: "Policy", Reason: "is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(c.Policy); n > MaxPolicyLength {
		return &ClaimsError{Field: "Policy", Reason: "is " + strconv.Itoa(n) + " characters long; at most " + strconv.Itoa(MaxPolicyLength) + " are allowed"}
	}
	return nil
}

// payloadLength is the size of the version 1 payload of c.
func (c *Claims) payloadLength() int {
	n := fixedLength + numFields + 2 + len(c.Policy)
	for _, f := range c.fields() {
		n += len(*f)
	}
	return n
}

// appendPayload appends the version 1 payload of c, issued at Unix second
// issued and valid for life seconds, to dst. c must have passed validate.
func (c *Claims) appendPayload(dst []byte, issued int64, life uint32) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(issued))
	dst = binary.BigEndian.AppendUint32(dst, life)
	dst = append(dst, byte(c.Caller.Type))
	for _, f := range c.fields() {
		dst = append(dst, byte(len(*f)))
		dst = append(dst, *f...)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(c.Policy)))
	return append(dst, c.Policy...)
}

// decodePayload reads the payload of a version 1 token, after the header and
// before the tag. It is called only on authenticated bytes, so it checks
// just enough never to misread or panic: every length, a known caller type,
// a lifetime of at least one second and no trailing bytes. The payload is
// converted to a string once and every claim is a substring of it.
func decodePayload(p []byte) (Claims, bool) {
	d := decoder{s: string(p)}
	issued := int64(d.uint(8))
	life := int64(d.uint(4))
	var c Claims
	c.Caller.Type = CallerType(d.uint(1))
	for _, f := range c.fields() {
		*f = d.take(int(d.uint(1)))
	}
	c.Policy = d.take(int(d.uint(2)))
	if d.bad || d.off != len(d.s) || life < 1 || !c.Caller.Type.valid() {
		return Claims{}, false
	}
	c.IssuedAt = time.Unix(issued, 0).UTC()
	c.Expiration = time.Unix(issued+life, 0).UTC()
	return c, true
}

// decoder reads big-endian integers and byte strings from s. After the first
// short read it returns zero values and sets bad.
type decoder struct {
	s   string
	off int
	bad bool
}

func (d *decoder) take(n int) string {
	if d.bad || n > len(d.s)-d.off {
		d.bad = true
		return ""
	}
	v := d.s[d.off : d.off+n]
	d.off += n
	return v
}

func (d *decoder) uint(n int) uint64 {
	var v uint64
	for _, b := range []byte(d.take(n)) {
		v = v<<8 | uint64(b)
	}
	return v
}
