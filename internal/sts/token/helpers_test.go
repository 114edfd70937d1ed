package token

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

var (
	testMaster  = []byte("localyun-test-master-secret-0123456789")
	otherMaster = []byte("another-master-secret-of-32-bytes-or-more")
	t0          = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
)

const (
	accountA = "1000000000000001"
	accountB = "1000000000000002"
	testAK   = "STS.L4aBSCSJVMuKg5U1abcdEFGH"
)

func mustKeyring(t testing.TB, master []byte, records []KeyRecord) *Keyring {
	t.Helper()
	k, err := NewKeyring(master, records, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testClaims returns valid claims for each caller type, keyed by name.
func testClaims() map[string]Claims {
	base := Claims{
		AccessKeyID: testAK,
		AccountID:   accountB,
		RoleID:      "344584339364951234",
		RoleName:    "testRole",
		SessionName: "dataworks-conn-test",
		Expiration:  t0.Add(time.Hour),
	}
	user := base
	user.Caller = Caller{Type: CallerUser, Account: accountA, Name: "alice"}
	user.SourceIdentity = "alice@corp"
	session := base
	session.Caller = Caller{Type: CallerRoleSession, Account: accountA, Name: "etl-role", Session: "nightly.job@1"}
	session.Policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"odps:Select","Resource":"acs:odps:*:projects/p/tables/*"}]}`
	service := base
	service.Caller = Caller{Type: CallerService, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: accountA}
	service.Policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:y":"数据"}}}]}`
	serviceWithAccount := service
	serviceWithAccount.Caller.Account = accountA
	serviceWithAccount.Policy = ""
	return map[string]Claims{
		"user":                 user,
		"role-session":         session,
		"service":              service,
		"service-with-account": serviceWithAccount,
	}
}

// want is what Verify returns for claims minted at now.
func want(c Claims, now time.Time) Claims {
	c.IssuedAt = time.Unix(now.Unix(), 0).UTC()
	c.Expiration = time.Unix(c.Expiration.Unix(), 0).UTC()
	return c
}

func mint(t testing.TB, k *Keyring, c Claims, now time.Time) string {
	t.Helper()
	tok, err := k.Mint(c, now)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

func decodeRaw(t testing.TB, tok string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// resign replaces the header of a token with version and key id, and signs
// the result with the MAC key that master derives for id: a token whose MAC
// is right but whose header Verify must still refuse.
func resign(t testing.TB, tok string, master []byte, version byte, id uint32) string {
	t.Helper()
	raw := decodeRaw(t, tok)
	body := raw[:len(raw)-tagLength]
	body[0] = version
	binary.BigEndian.PutUint32(body[1:headerLength], id)
	return sign(master, body)
}

// sign appends the tag that master's MAC key for the id in body's header
// gives, and encodes the result.
func sign(master, body []byte) string {
	id := binary.BigEndian.Uint32(body[1:headerLength])
	signer := key{mac: (&Keyring{prk: extract(master)}).macKey(id)}
	return base64.RawURLEncoding.EncodeToString(signer.tag(body, body))
}

// wantErr fails unless err is exactly target.
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}
