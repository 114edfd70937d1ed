package sts_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
	"github.com/localyun/localyun/internal/sts"
)

var ctx = context.Background()

type env struct {
	db    *sqlite.DB
	iam   *iam.Service
	sts   *sts.Service
	clock time.Time
	a, b  store.Account
}

var master = []byte("0123456789abcdef0123456789abcdef")

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, clock: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	now := func() time.Time { return e.clock }
	e.iam, err = iam.New(ctx, iam.Options{Store: db, MasterKey: master, Now: now, Rand: rand.NewChaCha8([32]byte{2})})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := sts.LoadKeyring(ctx, db, master, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.sts = sts.New(sts.Options{IAM: e.iam, Keyring: kr, Now: now, Rand: rand.NewChaCha8([32]byte{3})})
	e.a, _, _ = e.iam.CreateAccount(ctx, "account-a")
	e.b, _, _ = e.iam.CreateAccount(ctx, "account-b")
	return e
}

func code(err error) string {
	if e := apierr.As(err); e != nil {
		return e.Code
	}
	return ""
}

func TestServiceAssumeRoleAndResolve(t *testing.T) {
	e := newEnv(t)
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + e.a.ID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	if _, err := e.iam.CreateRole(ctx, e.b.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trust}); err != nil {
		t.Fatal(err)
	}
	in := sts.AssumeRoleInput{RoleArn: "acs:ram::" + e.b.ID + ":role/testRole", RoleSessionName: "dw-1-2"}
	cred, err := e.sts.AssumeRoleAsService(ctx, "engine.dataworks.aliyuncs.com", e.a.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	// The confused deputy: DataWorks acting for any other account is refused.
	_, err = e.sts.AssumeRoleAsService(ctx, "engine.dataworks.aliyuncs.com", e.b.ID, in)
	if code(err) != "NoPermission" || !strings.Contains(apierr.As(err).Recommend, e.b.ID+"@engine.dataworks.aliyuncs.com") {
		t.Fatalf("other account: %v", err)
	}
	id, secret, err := e.sts.Resolve(ctx, cred.AccessKeyID, cred.SecurityToken)
	if err != nil || secret != cred.AccessKeySecret || id.Kind != iam.RoleSession || id.Account != e.b.ID || id.RoleName != "testRole" {
		t.Fatalf("resolve: %+v %v", id, err)
	}
	// Rotation: tokens of the retired key keep working.
	if err := e.sts.RotateKeys(ctx, e.db, master); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, cred.SecurityToken); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	// Expiry.
	e.clock = e.clock.Add(time.Hour)
	if _, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, cred.SecurityToken); code(err) != "InvalidSecurityToken.Expired" {
		t.Fatalf("expired: %v", err)
	}
	e.clock = e.clock.Add(-time.Hour)
	// Deleting the role ends the session; re-creating it does not revive it.
	if err := e.iam.DeleteRole(ctx, e.b.ID, "testRole"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.CreateRole(ctx, e.b.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trust}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, cred.SecurityToken); code(err) != "InvalidSecurityToken.Expired" {
		t.Fatalf("re-created role: %v", err)
	}
	if _, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, ""); code(err) != "MissingSecurityToken" {
		t.Fatalf("no token: %v", err)
	}
	if _, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, "garbage"); code(err) != "InvalidSecurityToken.Malformed" {
		t.Fatalf("garbage token: %v", err)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	e := newEnv(t)
	if _, err := e.iam.CreateRole(ctx, e.b.ID, iam.RoleInput{Name: "r", TrustPolicy: `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + e.a.ID + `:root"]}}],"Version":"1"}`}); err != nil {
		t.Fatal(err)
	}
	user := &iam.Identity{Kind: iam.User, Account: e.a.ID, UserName: "u"}
	if _, err := e.iam.CreateUser(ctx, e.a.ID, iam.UserInput{Name: "u"}); err != nil {
		t.Fatal(err)
	}
	arn := "acs:ram::" + e.b.ID + ":role/r"
	for _, tc := range []struct {
		in   sts.AssumeRoleInput
		code string
	}{
		{sts.AssumeRoleInput{RoleArn: "arn:aws:iam::1:role/r", RoleSessionName: "s1"}, "InvalidParameter.RoleArn"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s"}, "InvalidParameter.RoleSessionName"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", DurationSeconds: 100}, "InvalidParameter.DurationSeconds"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", DurationSeconds: 7200}, "InvalidParameter.DurationSeconds"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", Policy: `{"Version":"1"}`}, "InvalidParameter.PolicyGrammar"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", Policy: strings.Repeat(" ", 3000)}, "InvalidParameter.PolicySize"},
		{sts.AssumeRoleInput{RoleArn: "acs:ram::" + e.b.ID + ":role/nope", RoleSessionName: "s1"}, "EntityNotExist.Role"},
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", ExternalID: "x"}, "InvalidParameter.ExternalId"},
		// The user lacks AliyunSTSAssumeRoleAccess.
		{sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1"}, "NoPermission"},
	} {
		if _, err := e.sts.AssumeRole(ctx, user, tc.in); code(err) != tc.code {
			t.Errorf("%+v: got %v, want %s", tc.in, err, tc.code)
		}
	}
	root := &iam.Identity{Kind: iam.Root, Account: e.a.ID}
	if _, err := e.sts.AssumeRole(ctx, root, sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1"}); code(err) != "NoPermission" {
		t.Fatalf("root: %v", err)
	}
	if err := e.iam.Attach(ctx, e.a.ID, store.UserPrincipal, "u", store.System, "AliyunSTSAssumeRoleAccess"); err != nil {
		t.Fatal(err)
	}
	cred, err := e.sts.AssumeRole(ctx, user, sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", DurationSeconds: 900,
		Policy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:Get*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if !cred.Expiration.Equal(e.clock.Add(900*time.Second)) || cred.AssumedRoleARN != arn+"/s1" {
		t.Fatalf("credentials: %+v", cred)
	}
	id, _, err := e.sts.Resolve(ctx, cred.AccessKeyID, cred.SecurityToken)
	if err != nil || id.SessionPolicy == nil {
		t.Fatalf("session policy travels in the token: %+v %v", id, err)
	}
}
