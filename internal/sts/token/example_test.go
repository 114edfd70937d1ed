package token_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/localyun/localyun/internal/sts/token"
)

// DataWorks, acting for account A, assumes account B's testRole; the
// credentials it gets back are then checked on a later request.
func Example() {
	master := []byte("server master secret, 32 bytes or more, kept 0600")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	kr, err := token.NewKeyring(master, token.InitialKeys(now), token.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}

	// AssumeRole: a fresh AccessKeyId (crypto/rand.Reader in the server),
	// its derived secret, and the signed claims.
	akid, err := token.NewAccessKeyID(bytes.NewReader(bytes.Repeat([]byte{0x5a}, 32)))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := kr.Mint(token.Claims{
		AccessKeyID: akid,
		AccountID:   "1000000000000002",
		RoleID:      "300000000000000001",
		RoleName:    "testRole",
		SessionName: "dataworks-sync",
		Caller:      token.Caller{Type: token.CallerService, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: "1000000000000001"},
		Expiration:  now.Add(time.Hour),
	}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("AccessKeyId:", akid)
	fmt.Println("secret length:", len(kr.SecretFor(akid)))

	// A request signed with those credentials, ten minutes later.
	c, err := kr.Verify(tok, akid, now.Add(10*time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s acting for %s as %s/%s until %s\n", c.Caller.Name, c.Caller.OnBehalfOf,
		c.RoleName, c.SessionName, c.Expiration.Format("2006-01-02T15:04:05Z"))

	// The same token an hour later, and with another AccessKeyId.
	_, err = kr.Verify(tok, akid, now.Add(time.Hour))
	fmt.Println(err.(*token.SecurityTokenError).Code())
	_, err = kr.Verify(tok, "STS.someoneElse", now)
	fmt.Println(err.(*token.SecurityTokenError).Code())
	_, err = kr.Verify(tok[:len(tok)-1], akid, now)
	fmt.Println(err.(*token.SecurityTokenError).Code())
	// Output:
	// AccessKeyId: STS.47f6ZqIK1qAQYSNkVclPdKt8
	// secret length: 30
	// engine.dataworks.aliyuncs.com acting for 1000000000000001 as testRole/dataworks-sync until 2026-03-01T09:00:00Z
	// InvalidSecurityToken.Expired
	// InvalidSecurityToken.MismatchWithAccessKey
	// InvalidSecurityToken.Malformed
}
