package token

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

const (
	// AccessKeyIDPrefix starts every STS AccessKeyId.
	AccessKeyIDPrefix = "STS."
	// AccessKeyIDRandomLength is the number of base62 characters
	// NewAccessKeyID puts after the prefix (about 143 bits).
	AccessKeyIDRandomLength = 24
	// SecretLength is the length of an STS AccessKey secret, in base62
	// characters (about 178 bits).
	SecretLength = 30
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewAccessKeyID returns a fresh STS AccessKeyId, "STS." followed by 24
// base62 characters, drawing 32 bytes from random (crypto/rand.Reader in the
// server, a fixed stream in tests). It fails only if random does.
func NewAccessKeyID(random io.Reader) (string, error) {
	var seed [32]byte
	if _, err := io.ReadFull(random, seed[:]); err != nil {
		return "", fmt.Errorf("sts token: reading randomness for an AccessKeyId: %w", err)
	}
	b := make([]byte, 0, len(AccessKeyIDPrefix)+AccessKeyIDRandomLength)
	b = append(b, AccessKeyIDPrefix...)
	return string(appendBase62(b, seed, AccessKeyIDRandomLength)), nil
}

// SecretFor returns the AccessKey secret of an STS AccessKeyId: 30 base62
// characters derived from the master secret and the id (HKDF-SHA256, with a
// label distinct from the token MAC keys), so no secret is stored anywhere.
// It is deterministic, depends on every byte of the id, and does not check
// the id: for a string AssumeRole never issued it returns a secret nobody
// was given. The same id under another master secret gets an unrelated
// secret. Key rotation does not change it.
func (k *Keyring) SecretFor(accessKeyID string) string {
	info := make([]byte, 0, len(labelSecret)+len(accessKeyID))
	info = append(info, labelSecret...)
	info = append(info, accessKeyID...)
	okm := expand(k.prk[:], info)
	return string(appendBase62(make([]byte, 0, SecretLength), okm, SecretLength))
}

// appendBase62 appends the n least significant base62 digits of num, read as
// a 256-bit big-endian integer, least significant digit first. For a uniform
// num the digits are uniform to within 62^n / 2^256 (2^-113 for n = 24,
// 2^-77 for n = 30), which is why it needs no rejection loop.
func appendBase62(dst []byte, num [sha256.Size]byte, n int) []byte {
	var limbs [sha256.Size / 4]uint64 // 32 bits each, most significant first
	for i := range limbs {
		limbs[i] = uint64(binary.BigEndian.Uint32(num[4*i:]))
	}
	for range n {
		var rem uint64 // < 62, so rem<<32 | limb fits
		for i := range limbs {
			cur := rem<<32 | limbs[i]
			limbs[i] = cur / 62
			rem = cur % 62
		}
		dst = append(dst, base62Alphabet[rem])
	}
	return dst
}

// validAccessKeyID reports whether s is "STS." followed by 1 to
// maxFieldLength-4 ASCII letters and digits.
func validAccessKeyID(s string) bool {
	if len(s) <= len(AccessKeyIDPrefix) || len(s) > maxFieldLength || s[:len(AccessKeyIDPrefix)] != AccessKeyIDPrefix {
		return false
	}
	for i := len(AccessKeyIDPrefix); i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
