package token

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewKeyringRefuses(t *testing.T) {
	t1 := t0.Add(time.Hour)
	cases := []struct {
		name    string
		master  []byte
		records []KeyRecord
		opts    Options
		msg     string
	}{
		{"short master", testMaster[:MinMasterSecretLength-1], InitialKeys(t0), Options{}, "at least 32"},
		{"no master", nil, InitialKeys(t0), Options{}, "at least 32"},
		{"no records", testMaster, nil, Options{}, "InitialKeys"},
		{"short grace", testMaster, InitialKeys(t0), Options{Grace: DefaultGrace - time.Second}, "grace"},
		{"negative grace", testMaster, InitialKeys(t0), Options{Grace: -time.Hour}, "grace"},
		{"id zero", testMaster, []KeyRecord{{ID: 0, CreatedAt: t0}}, Options{}, "id 0"},
		{"duplicate id", testMaster, []KeyRecord{{ID: 3, CreatedAt: t0}, {ID: 3, CreatedAt: t0, RetiredAt: t1}}, Options{}, "twice"},
		{"no CreatedAt", testMaster, []KeyRecord{{ID: 1}}, Options{}, "CreatedAt"},
		{"retired before created", testMaster, []KeyRecord{{ID: 1, CreatedAt: t1, RetiredAt: t0}, {ID: 2, CreatedAt: t1}}, Options{}, "before"},
		{"two current", testMaster, []KeyRecord{{ID: 1, CreatedAt: t0}, {ID: 2, CreatedAt: t1}}, Options{}, "both current"},
		{"none current", testMaster, []KeyRecord{{ID: 1, CreatedAt: t0, RetiredAt: t1}}, Options{}, "every key is retired"},
	}
	for _, tc := range cases {
		k, err := NewKeyring(tc.master, tc.records, tc.opts)
		if k != nil || !errors.Is(err, ErrInvalidKeyring) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, %v; want ErrInvalidKeyring mentioning %q", tc.name, k, err, tc.msg)
		}
	}
	if k, err := NewKeyring(testMaster, InitialKeys(t0), Options{Grace: 2 * DefaultGrace}); err != nil || k.Grace() != 2*DefaultGrace {
		t.Errorf("longer grace: %v", err)
	}
	if k := mustKeyring(t, testMaster, InitialKeys(t0)); k.Grace() != DefaultGrace {
		t.Errorf("default grace %v", k.Grace())
	}
}

func TestNewKeyringKeepsNoReference(t *testing.T) {
	master := slices.Clone(testMaster)
	records := InitialKeys(t0)
	k := mustKeyring(t, master, records)
	tok := mint(t, k, testClaims()["user"], t0)
	for i := range master {
		master[i] = 0
	}
	records[0].ID = 9
	if _, err := k.Verify(tok, testAK, t0); err != nil {
		t.Errorf("Keyring changed with its inputs: %v", err)
	}
}

func TestRotate(t *testing.T) {
	k1 := mustKeyring(t, testMaster, InitialKeys(t0))
	c := testClaims()["role-session"]
	old := mint(t, k1, c, t0)

	t1 := t0.Add(30 * time.Minute)
	recs, err := k1.Rotate(t1)
	if err != nil {
		t.Fatal(err)
	}
	wantRecs := []KeyRecord{{ID: 1, CreatedAt: t0, RetiredAt: t1}, {ID: 2, CreatedAt: t1}}
	if !slices.Equal(recs, wantRecs) {
		t.Fatalf("Rotate: %+v, want %+v", recs, wantRecs)
	}
	k2 := mustKeyring(t, testMaster, recs)
	if _, err := k2.Verify(old, testAK, t1); err != nil {
		t.Errorf("token from the retired key: %v", err)
	}
	c.Expiration = t1.Add(time.Hour)
	tok := mint(t, k2, c, t1)
	if id := binary.BigEndian.Uint32(decodeRaw(t, tok)[1:headerLength]); id != 2 {
		t.Errorf("new token signed with key %d, want 2", id)
	}
	_, err = k1.Verify(tok, testAK, t1)
	wantErr(t, "the old keyring on a new token", err, ErrMalformed)

	// Rebuilt from persisted records, in any order, a keyring signs and
	// verifies the same way.
	slices.Reverse(recs)
	k2b := mustKeyring(t, testMaster, recs)
	if tok2 := mint(t, k2b, c, t1); tok2 != tok {
		t.Errorf("keyring rebuilt from the records signs differently")
	}

	// A second rotation inside the grace keeps key 1; one after its grace
	// drops it.
	t2 := t1.Add(time.Hour)
	recs, err = k2.Rotate(t2)
	if err != nil {
		t.Fatal(err)
	}
	if ids := recordIDs(recs); !slices.Equal(ids, []uint32{1, 2, 3}) {
		t.Errorf("second rotation kept keys %v, want [1 2 3]", ids)
	}
	k3 := mustKeyring(t, testMaster, recs)
	t3 := t1.Add(DefaultGrace)
	recs, err = k3.Rotate(t3)
	if err != nil {
		t.Fatal(err)
	}
	if ids := recordIDs(recs); !slices.Equal(ids, []uint32{2, 3, 4}) {
		t.Errorf("rotation after key 1's grace kept keys %v, want [2 3 4]", ids)
	}

	if _, err := k3.Rotate(t2.Add(-time.Second)); !errors.Is(err, ErrInvalidKeyring) {
		t.Errorf("rotating before the current key was created: %v", err)
	}
	full := mustKeyring(t, testMaster, []KeyRecord{{ID: math.MaxUint32, CreatedAt: t0}})
	if _, err := full.Rotate(t1); !errors.Is(err, ErrInvalidKeyring) {
		t.Errorf("rotating past the last id: %v", err)
	}
}

func recordIDs(recs []KeyRecord) []uint32 {
	var ids []uint32
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestDerivationMatchesHKDF checks the hand-written HKDF steps against
// crypto/hkdf.
func TestDerivationMatchesHKDF(t *testing.T) {
	prk, err := hkdf.Extract(sha256.New, testMaster, []byte(hkdfSalt))
	if err != nil {
		t.Fatal(err)
	}
	if got := extract(testMaster); string(got[:]) != string(prk) {
		t.Errorf("extract differs from hkdf.Extract")
	}
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	macKey, err := hkdf.Expand(sha256.New, prk, labelTokenMAC+"\x00\x00\x00\x05", sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.macKey(5); string(got[:]) != string(macKey) {
		t.Errorf("macKey differs from hkdf.Expand")
	}
	okm, err := hkdf.Expand(sha256.New, prk, labelSecret+testAK, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(appendBase62(nil, [32]byte(okm), SecretLength)); got != k.SecretFor(testAK) {
		t.Errorf("SecretFor differs from hkdf.Expand")
	}
	if string(k.keys[0].mac[:]) == string(testMaster[:32]) || k.macKey(1) == k.macKey(2) {
		t.Errorf("MAC keys are not derived per id")
	}
}
