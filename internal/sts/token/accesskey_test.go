package token

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	accessKeyIDPattern = regexp.MustCompile(`^STS\.[0-9A-Za-z]{24}$`)
	secretPattern      = regexp.MustCompile(`^[0-9A-Za-z]{30}$`)
)

func TestNewAccessKeyID(t *testing.T) {
	r := rand.NewChaCha8([32]byte{1})
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 2000 {
		id, err := NewAccessKeyID(r)
		if err != nil {
			t.Fatal(err)
		}
		if !accessKeyIDPattern.MatchString(id) || !validAccessKeyID(id) {
			t.Fatalf("AccessKeyId %q has the wrong form", id)
		}
		if seen[id] {
			t.Fatalf("AccessKeyId %q drawn twice", id)
		}
		seen[id] = true
		for _, c := range id[len(AccessKeyIDPrefix):] {
			chars[c] = true
		}
	}
	if len(chars) != 62 {
		t.Errorf("only %d of the 62 base62 characters appeared", len(chars))
	}

	// Same randomness, same id: the reader is the only source.
	a, _ := NewAccessKeyID(bytes.NewReader(make([]byte, 32)))
	b, _ := NewAccessKeyID(bytes.NewReader(make([]byte, 32)))
	if a != b || a != "STS."+strings.Repeat("0", 24) {
		t.Errorf("zero randomness gave %q and %q", a, b)
	}

	id, err := NewAccessKeyID(bytes.NewReader(make([]byte, 31)))
	if id != "" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short randomness: %q, %v", id, err)
	}
}

func TestSecretFor(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	other := mustKeyring(t, otherMaster, InitialKeys(t0))
	rotated := mustKeyring(t, testMaster, []KeyRecord{{ID: 1, CreatedAt: t0, RetiredAt: t0}, {ID: 2, CreatedAt: t0.Add(time.Hour)}})

	r := rand.NewChaCha8([32]byte{2})
	seen := map[string]string{}
	for range 2000 {
		id, err := NewAccessKeyID(r)
		if err != nil {
			t.Fatal(err)
		}
		s := k.SecretFor(id)
		if !secretPattern.MatchString(s) {
			t.Fatalf("secret of %s has the wrong form", id)
		}
		if k.SecretFor(id) != s {
			t.Fatalf("SecretFor(%s) is not deterministic", id)
		}
		if rotated.SecretFor(id) != s {
			t.Fatalf("SecretFor(%s) changed with key rotation", id)
		}
		if other.SecretFor(id) == s {
			t.Fatalf("SecretFor(%s) is the same under another master secret", id)
		}
		if prev, ok := seen[s]; ok {
			t.Fatalf("%s and %s have the same secret", prev, id)
		}
		seen[s] = id
	}
	// Every byte of the id counts, including the prefix.
	for _, pair := range [][2]string{{testAK, testAK + "A"}, {testAK, "sts." + testAK[4:]}, {"STS.a", "STS.b"}, {"", "STS."}} {
		if k.SecretFor(pair[0]) == k.SecretFor(pair[1]) {
			t.Errorf("%q and %q have the same secret", pair[0], pair[1])
		}
	}
	// The secret is not the token MAC key of any small key id.
	for id := uint32(0); id < 16; id++ {
		m := k.macKey(id)
		if k.SecretFor(testAK) == string(appendBase62(nil, m, SecretLength)) {
			t.Errorf("secret equals MAC key %d", id)
		}
	}
}

// TestAppendBase62 compares the long division with math/big.
func TestAppendBase62(t *testing.T) {
	r := rand.NewChaCha8([32]byte{3})
	sixtyTwo := big.NewInt(62)
	for range 500 {
		var num [32]byte
		r.Read(num[:])
		if r.Uint64()%4 == 0 {
			clear(num[:r.Uint64()%32]) // small numbers too
		}
		n := new(big.Int).SetBytes(num[:])
		var want []byte
		for range 30 {
			var rem big.Int
			n.DivMod(n, sixtyTwo, &rem)
			want = append(want, base62Alphabet[rem.Int64()])
		}
		if got := appendBase62(nil, num, 30); string(got) != string(want) {
			t.Fatalf("appendBase62(%x) = %s, want %s", num, got, want)
		}
	}
}
