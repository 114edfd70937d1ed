package token

import (
	"strings"
	"testing"
	"time"
)

// benchClaims are the role-session claims with no session policy and with
// one of the full 2,048 characters.
func benchClaims() map[string]Claims {
	small := testClaims()["role-session"]
	small.Policy = ""
	large := small
	large.Policy = `{"Version":"1","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":"odps:Select","Resource":"acs:odps:*:projects/p/tables/t"},`, 24)
	large.Policy = large.Policy[:MaxPolicyLength]
	return map[string]Claims{"no-policy": small, "policy-2048": large}
}

func BenchmarkMint(b *testing.B) {
	k := mustKeyring(b, testMaster, InitialKeys(t0))
	for _, name := range []string{"no-policy", "policy-2048"} {
		c := benchClaims()[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if tok, err := k.Mint(c, t0); err != nil || tok == "" {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	// A keyring mid-rotation, so the lookup passes a retired key.
	recs, err := mustKeyring(b, testMaster, InitialKeys(t0)).Rotate(t0)
	if err != nil {
		b.Fatal(err)
	}
	k := mustKeyring(b, testMaster, recs)
	now := t0.Add(time.Minute)
	for _, name := range []string{"no-policy", "policy-2048"} {
		c := benchClaims()[name]
		tok := mint(b, k, c, t0)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got, err := k.Verify(tok, testAK, now); err != nil || got.RoleID != c.RoleID {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSecretFor(b *testing.B) {
	k := mustKeyring(b, testMaster, InitialKeys(t0))
	b.ReportAllocs()
	for b.Loop() {
		if len(k.SecretFor(testAK)) != SecretLength {
			b.Fatal("bad secret")
		}
	}
}
