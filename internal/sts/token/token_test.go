package token

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRoundTripEveryCallerType(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	for name, c := range testClaims() {
		t.Run(name, func(t *testing.T) {
			tok := mint(t, k, c, t0)
			got, err := k.Verify(tok, c.AccessKeyID, t0)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if w := want(c, t0); got != w {
				t.Errorf("Verify returned\n%+v\nwant\n%+v", got, w)
			}
			if got.Caller.Type.String() != name && !strings.HasPrefix(name, got.Caller.Type.String()+"-") {
				t.Errorf("caller type %v for %s", got.Caller.Type, name)
			}
		})
	}
}

func TestMintTimes(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	c := testClaims()["user"]
	shanghai := time.FixedZone("CST", 8*3600)
	now := t0.Add(700 * time.Millisecond).In(shanghai)
	c.Expiration = t0.Add(time.Hour + 900*time.Millisecond).In(shanghai)
	got, err := k.Verify(mint(t, k, c, now), testAK, now)
	if err != nil {
		t.Fatal(err)
	}
	if !got.IssuedAt.Equal(t0) || got.IssuedAt.Location() != time.UTC {
		t.Errorf("IssuedAt %v, want %v in UTC", got.IssuedAt, t0)
	}
	if !got.Expiration.Equal(t0.Add(time.Hour)) || got.Expiration.Location() != time.UTC {
		t.Errorf("Expiration %v, want %v in UTC", got.Expiration, t0.Add(time.Hour))
	}
	if f := got.Expiration.Format("2006-01-02T15:04:05Z"); f != "2026-03-01T09:00:00Z" {
		t.Errorf("Expiration on the wire %s", f)
	}

	// IssuedAt may be given, if it is now.
	c.IssuedAt = t0
	if _, err := k.Mint(c, t0.Add(500*time.Millisecond)); err != nil {
		t.Errorf("Mint with IssuedAt = now: %v", err)
	}
}

func TestMintIsDeterministic(t *testing.T) {
	k1 := mustKeyring(t, testMaster, InitialKeys(t0))
	k2 := mustKeyring(t, testMaster, InitialKeys(t0.Add(time.Hour)))
	c := testClaims()["service"]
	a, b := mint(t, k1, c, t0), mint(t, k2, c, t0)
	if a != b {
		t.Errorf("same master, key id, claims and time gave different tokens")
	}
	c.SessionName += "x"
	if mint(t, k1, c, t0) == a {
		t.Errorf("different claims gave the same token")
	}
}

func TestMintRefuses(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	long := strings.Repeat("a", maxFieldLength+1)
	cases := []struct {
		name  string
		field string
		edit  func(*Claims)
	}{
		{"no access key", "AccessKeyID", func(c *Claims) { c.AccessKeyID = "" }},
		{"permanent access key", "AccessKeyID", func(c *Claims) { c.AccessKeyID = "LTAI5tAbCdEfGhIjKlMnOpQr" }},
		{"bare prefix", "AccessKeyID", func(c *Claims) { c.AccessKeyID = "STS." }},
		{"access key punctuation", "AccessKeyID", func(c *Claims) { c.AccessKeyID = "STS.abc-def" }},
		{"access key too long", "AccessKeyID", func(c *Claims) { c.AccessKeyID = "STS." + long }},
		{"no account", "AccountID", func(c *Claims) { c.AccountID = "" }},
		{"no role id", "RoleID", func(c *Claims) { c.RoleID = "" }},
		{"no role name", "RoleName", func(c *Claims) { c.RoleName = "" }},
		{"no session", "SessionName", func(c *Claims) { c.SessionName = "" }},
		{"session too long", "SessionName", func(c *Claims) { c.SessionName = long }},
		{"role name not UTF-8", "RoleName", func(c *Claims) { c.RoleName = "r\xff" }},
		{"source identity too long", "SourceIdentity", func(c *Claims) { c.SourceIdentity = long }},
		{"no caller type", "Caller.Type", func(c *Claims) { c.Caller.Type = 0 }},
		{"unknown caller type", "Caller.Type", func(c *Claims) { c.Caller.Type = 4 }},
		{"no caller name", "Caller.Name", func(c *Claims) { c.Caller.Name = "" }},
		{"user without account", "Caller.Account", func(c *Claims) { c.Caller.Account = "" }},
		{"user on behalf of", "Caller.OnBehalfOf", func(c *Claims) { c.Caller.OnBehalfOf = accountB }},
		{"user with session", "Caller.Session", func(c *Claims) { c.Caller.Session = "s" }},
		{"role session without session", "Caller.Session", func(c *Claims) { c.Caller.Type = CallerRoleSession }},
		{"service without on-behalf-of", "Caller.OnBehalfOf", func(c *Claims) { c.Caller = Caller{Type: CallerService, Name: "engine.dataworks.aliyuncs.com"} }},
		{"service with session", "Caller.Session", func(c *Claims) {
			c.Caller = Caller{Type: CallerService, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: accountA, Session: "s"}
		}},
		{"policy too long", "Policy", func(c *Claims) { c.Policy = strings.Repeat("é", MaxPolicyLength+1) }},
		{"policy not UTF-8", "Policy", func(c *Claims) { c.Policy = "{\xc3}" }},
		{"no expiration", "Expiration", func(c *Claims) { c.Expiration = time.Time{} }},
		{"expires now", "Expiration", func(c *Claims) { c.Expiration = t0 }},
		{"expires within the second", "Expiration", func(c *Claims) { c.Expiration = t0.Add(999 * time.Millisecond) }},
		{"expired", "Expiration", func(c *Claims) { c.Expiration = t0.Add(-time.Hour) }},
		{"outlives the grace", "Expiration", func(c *Claims) { c.Expiration = t0.Add(DefaultGrace + time.Second) }},
		{"issued at another time", "IssuedAt", func(c *Claims) { c.IssuedAt = t0.Add(-time.Second) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testClaims()["user"]
			tc.edit(&c)
			tok, err := k.Mint(c, t0)
			var ce *ClaimsError
			if !errors.As(err, &ce) {
				t.Fatalf("Mint returned %q, %v; want a *ClaimsError", tok, err)
			}
			if ce.Field != tc.field {
				t.Errorf("error names %s, want %s (%v)", ce.Field, tc.field, err)
			}
			if tok != "" {
				t.Errorf("Mint returned a token with its error")
			}
			if strings.Contains(err.Error(), long) || strings.Contains(err.Error(), "é") {
				t.Errorf("error repeats the value: %.80s", err)
			}
		})
	}

	c := testClaims()["user"]
	c.Expiration = t0.Add(DefaultGrace)
	if _, err := k.Mint(c, t0); err != nil {
		t.Errorf("a lifetime equal to the grace is refused: %v", err)
	}
	c.Policy = strings.Repeat("é", MaxPolicyLength)
	if _, err := k.Mint(c, t0); err != nil {
		t.Errorf("a policy of %d characters is refused: %v", MaxPolicyLength, err)
	}
	if _, err := k.Mint(testClaims()["user"], time.Unix(-1, 0)); err == nil {
		t.Errorf("Mint before 1970 accepted")
	}
}

// TestEveryCharacterFlip replaces each character of a valid token by every
// other byte value in turn: every result must be refused as malformed.
func TestEveryCharacterFlip(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	for name, c := range testClaims() {
		tok := mint(t, k, c, t0)
		b := []byte(tok)
		for i := range b {
			orig := b[i]
			for v := range 256 {
				if byte(v) == orig {
					continue
				}
				b[i] = byte(v)
				if _, err := k.Verify(string(b), testAK, t0); err != ErrMalformed {
					t.Fatalf("%s: character %d set to %q: error %v, want ErrMalformed", name, i, byte(v), err)
				}
			}
			b[i] = orig
		}
	}
}

// TestEveryBitFlip flips each bit of the decoded token (header, payload and
// tag) and re-encodes it: the MAC must catch every one.
func TestEveryBitFlip(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	raw := decodeRaw(t, mint(t, k, testClaims()["role-session"], t0))
	for i := range raw {
		for bit := range 8 {
			raw[i] ^= 1 << bit
			if _, err := k.Verify(base64.RawURLEncoding.EncodeToString(raw), testAK, t0); err != ErrMalformed {
				t.Fatalf("byte %d bit %d flipped: error %v, want ErrMalformed", i, bit, err)
			}
			raw[i] ^= 1 << bit
		}
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	tok := mint(t, k, testClaims()["user"], t0)
	for n := range len(tok) {
		if _, err := k.Verify(tok[:n], testAK, t0); err != ErrMalformed {
			t.Fatalf("first %d of %d characters: error %v, want ErrMalformed", n, len(tok), err)
		}
	}
	raw := decodeRaw(t, tok)
	for n := range len(raw) {
		if _, err := k.Verify(base64.RawURLEncoding.EncodeToString(raw[:n]), testAK, t0); err != ErrMalformed {
			t.Fatalf("first %d of %d bytes: error %v, want ErrMalformed", n, len(raw), err)
		}
	}
	for _, suffix := range []string{"A", "AA", "AAA", "AAAA", "=", "==", "\n", "\r\n", " ", "."} {
		if _, err := k.Verify(tok+suffix, testAK, t0); err != ErrMalformed {
			t.Errorf("token + %q: error %v, want ErrMalformed", suffix, err)
		}
	}
	// The decoder skips newlines; Verify must not.
	if _, err := k.Verify(tok[:10]+"\n"+tok[10:], testAK, t0); err != ErrMalformed {
		t.Errorf("token with a newline: error %v, want ErrMalformed", err)
	}
	if _, err := k.Verify(strings.Repeat("A", MaxTokenLength+4), testAK, t0); err != ErrMalformed {
		t.Errorf("over-long token: error %v, want ErrMalformed", err)
	}
}

// TestHeaderUnderValidMAC re-signs tokens with a correctly derived MAC key
// but a header Verify must refuse: the version and key id checks stand on
// their own, not just on the MAC.
func TestHeaderUnderValidMAC(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	tok := mint(t, k, testClaims()["user"], t0)
	if _, err := k.Verify(resign(t, tok, testMaster, version1, 1), testAK, t0); err != nil {
		t.Fatalf("resign helper broken: %v", err)
	}
	for _, v := range []byte{0, 2, 255} {
		wantErr(t, fmt.Sprintf("version %d", v), ignoreClaims(k.Verify(resign(t, tok, testMaster, v, 1), testAK, t0)), ErrMalformed)
	}
	for _, id := range []uint32{0, 2, 1 << 31} {
		wantErr(t, "unknown key id", ignoreClaims(k.Verify(resign(t, tok, testMaster, version1, id), testAK, t0)), ErrMalformed)
	}
}

// TestPayloadUnderValidMAC signs payloads Mint never writes with the right
// key: Verify must refuse them rather than misread them.
func TestPayloadUnderValidMAC(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	c := testClaims()["service"]
	good := c.appendPayload([]byte{version1, 0, 0, 0, 1}, t0.Unix(), 3600)
	if _, err := k.Verify(sign(testMaster, slices.Clone(good)), testAK, t0); err != nil {
		t.Fatalf("sign helper broken: %v", err)
	}
	bad := map[string][]byte{
		"empty payload":       {version1, 0, 0, 0, 1},
		"truncated":           good[:len(good)-1],
		"trailing byte":       append(slices.Clone(good), 0),
		"zero lifetime":       c.appendPayload([]byte{version1, 0, 0, 0, 1}, t0.Unix(), 0),
		"unknown caller type": slices.Concat(good[:headerLength+12], []byte{9}, good[headerLength+13:]),
		"string past the end": slices.Concat(good[:headerLength+13], []byte{255}, good[headerLength+14:]),
	}
	for name, body := range bad {
		_, err := k.Verify(sign(testMaster, slices.Clone(body)), testAK, t0)
		wantErr(t, name, err, ErrMalformed)
	}
}

func ignoreClaims(_ Claims, err error) error { return err }

func TestUnknownKeyAndOtherMaster(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	c := testClaims()["service"]

	later := mustKeyring(t, testMaster, []KeyRecord{{ID: 1, CreatedAt: t0, RetiredAt: t0}, {ID: 7, CreatedAt: t0}})
	_, err := k.Verify(mint(t, later, c, t0), testAK, t0)
	wantErr(t, "token from key 7", err, ErrMalformed)

	other := mustKeyring(t, otherMaster, InitialKeys(t0))
	_, err = k.Verify(mint(t, other, c, t0), testAK, t0)
	wantErr(t, "token from another master secret", err, ErrMalformed)
	_, err = other.Verify(mint(t, k, c, t0), testAK, t0)
	wantErr(t, "token from another master secret", err, ErrMalformed)
}

func TestExpiry(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	c := testClaims()["user"]
	tok := mint(t, k, c, t0)
	exp := c.Expiration
	for _, now := range []time.Time{t0.Add(-time.Hour), t0, exp.Add(-time.Second), exp.Add(-time.Nanosecond)} {
		if _, err := k.Verify(tok, testAK, now); err != nil {
			t.Errorf("at %v (expiry %v): %v", now, exp, err)
		}
	}
	for _, now := range []time.Time{exp, exp.Add(time.Nanosecond), exp.Add(time.Second), exp.Add(365 * 24 * time.Hour)} {
		got, err := k.Verify(tok, testAK, now)
		wantErr(t, "at "+now.String(), err, ErrExpired)
		if got != (Claims{}) {
			t.Errorf("claims returned with an error")
		}
	}
}

func TestMismatchWithAccessKey(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	tok := mint(t, k, testClaims()["user"], t0)
	for _, ak := range []string{"", "STS.other", testAK + "x", strings.ToLower(testAK), "LTAI5tAbCdEfGhIjKlMnOpQr"} {
		got, err := k.Verify(tok, ak, t0)
		wantErr(t, "access key "+ak, err, ErrMismatch)
		if got != (Claims{}) {
			t.Errorf("claims returned with an error")
		}
	}
	// Expiry is checked before the access key.
	_, err := k.Verify(tok, "STS.other", t0.Add(2*time.Hour))
	wantErr(t, "expired and mismatched", err, ErrExpired)
}

func TestRetiredKeyGrace(t *testing.T) {
	retire := t0.Add(24 * time.Hour)
	stale := mustKeyring(t, testMaster, InitialKeys(t0))
	rotated, err := stale.Rotate(retire)
	if err != nil {
		t.Fatal(err)
	}
	k := mustKeyring(t, testMaster, rotated)
	c := testClaims()["user"]

	// Signed before the rotation: valid to its expiry, then expired.
	before := retire.Add(-time.Hour)
	c.Expiration = before.Add(DefaultGrace)
	tok := mint(t, stale, c, before)
	if _, err := k.Verify(tok, testAK, c.Expiration.Add(-time.Second)); err != nil {
		t.Errorf("token from the retired key, inside the grace: %v", err)
	}
	_, err = k.Verify(tok, testAK, c.Expiration)
	wantErr(t, "token from the retired key at its expiry", err, ErrExpired)

	// Signed by a replica that had not yet seen the rotation: the grace
	// ends before the token would expire, and the key stops at the grace.
	after := retire.Add(6 * time.Hour)
	c.Expiration = after.Add(DefaultGrace)
	tok = mint(t, stale, c, after)
	end := retire.Add(DefaultGrace)
	if _, err := k.Verify(tok, testAK, end.Add(-time.Second)); err != nil {
		t.Errorf("one second before the grace ends: %v", err)
	}
	for _, now := range []time.Time{end, end.Add(time.Second)} {
		_, err := k.Verify(tok, testAK, now)
		wantErr(t, "grace over at "+now.String(), err, ErrMalformed)
	}
	// The stale keyring still has the key current, so it still accepts:
	// the grace is a property of the records.
	if _, err := stale.Verify(tok, testAK, end); err != nil {
		t.Errorf("stale keyring: %v", err)
	}
}

// TestURLSafeProperty mints tokens from random claims (any Unicode, any
// length within the limits) and checks every character is URL-safe and the
// claims survive the round trip.
func TestURLSafeProperty(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	r := rand.New(rand.NewPCG(1, 2))
	safe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	randString := func(max int) string {
		var b strings.Builder
		for n := r.IntN(max + 1); b.Len() < n; {
			var c rune
			switch r.IntN(4) {
			case 0:
				c = rune(r.IntN(0x80))
			case 1:
				c = rune(0x80 + r.IntN(0x780))
			case 2:
				c = rune(0x4e00 + r.IntN(0x5000))
			default:
				c = rune(0x10000 + r.IntN(0x10000))
			}
			if b.Len()+utf8.RuneLen(c) > n {
				break
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	for i := range 2000 {
		c := Claims{
			AccessKeyID: "STS." + strings.Repeat("A", 1+r.IntN(30)), AccountID: randString(20) + "1",
			RoleID: randString(20) + "1", RoleName: randString(64) + "r", SessionName: randString(64) + "s",
			Caller:         Caller{Type: CallerType(1 + r.IntN(3)), Account: randString(20) + "a", Name: randString(254) + "n"},
			SourceIdentity: randString(64), Policy: randString(MaxPolicyLength),
		}
		if c.Caller.Type == CallerRoleSession {
			c.Caller.Session = randString(64) + "s"
		}
		if c.Caller.Type == CallerService {
			c.Caller.OnBehalfOf = randString(20) + "o"
		}
		if utf8.RuneCountInString(c.Policy) > MaxPolicyLength {
			c.Policy = string([]rune(c.Policy)[:MaxPolicyLength])
		}
		now := t0.Add(time.Duration(r.Int64N(1<<31)) * time.Second)
		c.Expiration = now.Add(time.Duration(1+r.Int64N(43200)) * time.Second)
		tok, err := k.Mint(c, now)
		if err != nil {
			t.Fatalf("case %d: Mint: %v", i, err)
		}
		if !safe.MatchString(tok) || len(tok) > MaxTokenLength {
			t.Fatalf("case %d: token of %d characters is not URL-safe or too long", i, len(tok))
		}
		got, err := k.Verify(tok, c.AccessKeyID, now)
		if err != nil {
			t.Fatalf("case %d: Verify: %v", i, err)
		}
		if got != want(c, now) {
			t.Fatalf("case %d: round trip changed the claims", i)
		}
	}
}

// TestLargestToken mints the largest claims Mint accepts: the token must fit
// MaxTokenLength, which is what lets Verify refuse longer input unread.
func TestLargestToken(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	long := strings.Repeat("x", maxFieldLength)
	c := Claims{
		AccessKeyID: "STS." + strings.Repeat("Z", maxFieldLength-4), AccountID: long, RoleID: long, RoleName: long,
		SessionName: long, Caller: Caller{Type: CallerRoleSession, Account: long, Name: long, Session: long},
		SourceIdentity: long, Policy: strings.Repeat("\U0001F512", MaxPolicyLength), Expiration: t0.Add(DefaultGrace),
	}
	tok := mint(t, k, c, t0)
	if len(tok) != 14066 || len(tok) > MaxTokenLength {
		t.Errorf("largest token is %d characters; the doc comment says 14,066, within MaxTokenLength %d", len(tok), MaxTokenLength)
	}
	if _, err := k.Verify(tok, c.AccessKeyID, t0); err != nil {
		t.Errorf("largest token: %v", err)
	}
	typical := mint(t, k, testClaims()["user"], t0)
	t.Logf("largest token %d characters; a typical token without a policy %d", len(tok), len(typical))
	if len(typical) < 230 || len(typical) > 270 {
		t.Errorf("typical token is %d characters; the doc comment says about 250", len(typical))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		err  *SecurityTokenError
		code string
	}{{ErrMalformed, CodeMalformed}, {ErrExpired, CodeExpired}, {ErrMismatch, CodeMismatch}} {
		if tc.err.Code() != tc.code || tc.err.Error() == "" || tc.err.Recommend() == "" {
			t.Errorf("%s: code %q message %q recommend %q", tc.code, tc.err.Code(), tc.err.Error(), tc.err.Recommend())
		}
		var target *SecurityTokenError
		if !errors.As(error(tc.err), &target) || target.Code() != tc.code {
			t.Errorf("errors.As on %s", tc.code)
		}
	}
	if errors.Is(ErrExpired, ErrMalformed) || errors.Is(ErrMismatch, ErrExpired) {
		t.Errorf("the errors are not distinct")
	}
}

// TestNoSecretsInErrors collects every error the package returns for bad
// input and checks none repeats the token, the master secret, a secret or
// the MAC.
func TestNoSecretsInErrors(t *testing.T) {
	k := mustKeyring(t, testMaster, InitialKeys(t0))
	tok := mint(t, k, testClaims()["role-session"], t0)
	raw := decodeRaw(t, tok)
	mac := raw[len(raw)-tagLength:]
	secrets := []string{tok, string(testMaster), k.SecretFor(testAK), string(mac),
		base64.RawURLEncoding.EncodeToString(mac), base64.StdEncoding.EncodeToString(testMaster)}

	var errs []error
	for _, v := range []struct {
		tok, ak string
		now     time.Time
	}{{tok[1:], testAK, t0}, {tok, testAK, t0.Add(2 * time.Hour)}, {tok, "STS.x", t0}, {tok + "A", testAK, t0}} {
		_, err := k.Verify(v.tok, v.ak, v.now)
		errs = append(errs, err)
	}
	_, err := NewKeyring(testMaster[:31], InitialKeys(t0), Options{})
	errs = append(errs, err)
	_, err = NewKeyring(testMaster, nil, Options{})
	errs = append(errs, err)
	c := testClaims()["user"]
	c.Policy = strings.Repeat(tok, 10)
	_, err = k.Mint(c, t0)
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %.60q contains a secret", err.Error())
			}
		}
	}
}
