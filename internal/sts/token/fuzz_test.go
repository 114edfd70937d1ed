package token

import (
	"bytes"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings (seeded with real tokens, which the
// fuzzer then mutates) to Verify at arbitrary times. Verify must never
// panic, must return only its three errors, and must never let a token past
// the MAC (any result but ErrMalformed) unless Mint produced exactly that
// token, in which case the claims must be the minted ones.
func FuzzVerify(f *testing.F) {
	retire := t0.Add(2 * time.Hour)
	stale := mustKeyring(f, testMaster, InitialKeys(t0))
	recs, err := stale.Rotate(retire)
	if err != nil {
		f.Fatal(err)
	}
	k := mustKeyring(f, testMaster, recs)
	other := mustKeyring(f, otherMaster, InitialKeys(t0))

	minted := map[string]Claims{}
	for _, c := range testClaims() {
		for _, signer := range []struct {
			k   *Keyring
			now time.Time
		}{{stale, t0}, {k, retire}} {
			c.Expiration = signer.now.Add(time.Hour)
			tok := mint(f, signer.k, c, signer.now)
			minted[tok] = want(c, signer.now)
			f.Add(tok, int64(0))
			f.Add(tok, int64(3600))
		}
		f.Add(mint(f, other, c, t0), int64(0))
	}
	f.Add("", int64(0))
	f.Add("AQAAAAE", int64(0))

	f.Fuzz(func(t *testing.T, tok string, offset int64) {
		now := t0.Add(time.Duration(offset%(48*3600)) * time.Second)
		got, err := k.Verify(tok, testAK, now)
		switch err {
		case ErrMalformed:
			if got != (Claims{}) {
				t.Fatal("claims returned with ErrMalformed")
			}
			return
		case nil, ErrExpired, ErrMismatch:
		default:
			t.Fatalf("Verify returned %T %v", err, err)
		}
		c, ok := minted[tok]
		if !ok {
			t.Fatalf("Verify let a token Mint did not produce past the MAC (%v)", err)
		}
		if err == nil && got != c {
			t.Fatalf("claims %+v, minted %+v", got, c)
		}
	})
}

// FuzzDecodePayload checks the payload reader on its own, although Verify
// only calls it on authenticated bytes: it must never panic, and whatever
// it accepts must re-encode to the same bytes (one encoding per claims).
func FuzzDecodePayload(f *testing.F) {
	for _, c := range testClaims() {
		f.Add(c.appendPayload(nil, t0.Unix(), 3600))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		c, ok := decodePayload(p)
		if !ok {
			return
		}
		life := c.Expiration.Unix() - c.IssuedAt.Unix()
		if again := c.appendPayload(nil, c.IssuedAt.Unix(), uint32(life)); !bytes.Equal(again, p) {
			t.Fatalf("decoded %x, re-encoded %x", p, again)
		}
	})
}
