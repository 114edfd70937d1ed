package iam_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
)

var ctx = context.Background()

type fixture struct {
	svc   *iam.Service
	db    *sqlite.DB
	clock time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iam.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	f.svc, err = iam.New(ctx, iam.Options{
		Store:     db,
		MasterKey: []byte("0123456789abcdef0123456789abcdef"),
		Now:       func() time.Time { return f.clock },
		Rand:      rand.NewChaCha8([32]byte{1}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e := apierr.As(err)
	if e == nil || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestAccounts(t *testing.T) {
	f := newFixture(t)
	acct, key, err := f.svc.CreateAccount(ctx, "account-b")
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.ID) != 16 || !strings.HasPrefix(key.ID, "LTAI") || len(key.ID) != 24 || len(key.Secret) != 30 {
		t.Fatalf("account %+v key %s secret length %d", acct, key.ID, len(key.Secret))
	}
	_, _, err = f.svc.CreateAccount(ctx, "account-b")
	wantCode(t, err, "EntityAlreadyExists.Account")
	for _, bad := range []string{"", "1234", "Upper", "with space", strings.Repeat("a", 65)} {
		_, _, err = f.svc.CreateAccount(ctx, bad)
		wantCode(t, err, "InvalidParameter.AccountName")
	}
	cred, err := f.svc.LookupAccessKey(ctx, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cred.Secret != key.Secret || cred.Identity.Kind != iam.Root || cred.Identity.Account != acct.ID || !cred.Active {
		t.Fatalf("credential %+v", cred)
	}
	// The secret is derived, never stored.
	if err := f.db.View(ctx, func(r store.Reader) error {
		k, err := r.GetAccessKey(key.ID)
		if strings.Contains(string(k.Seed), key.Secret) {
			t.Error("secret stored")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.LookupAccessKey(ctx, "LTAInope")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	byName := must[store.Account](t)(f.svc.LookupAccount(ctx, "account-b"))
	byID := must[store.Account](t)(f.svc.LookupAccount(ctx, acct.ID))
	if byName.ID != acct.ID || byID.Name != "account-b" {
		t.Fatal("lookup by name or UID")
	}
}

const seedHologresPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["hologram:GetInstance","hologram:DescribeInstance","hologram:ListDatabases","hologram:ListWarehouses","hologram:ListInstances"],"Resource":"*"}]}`

// TestSeedStep1 plays the seed's step 1 at the domain level and checks the
// permissions that follow from it.
func TestSeedStep1(t *testing.T) {
	f := newFixture(t)
	a, _, _ := f.svc.CreateAccount(ctx, "account-a")
	b, _, _ := f.svc.CreateAccount(ctx, "account-b")
	trustA := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + a.ID + `:root"]}}],"Version":"1"}`
	role := must[store.Role](t)(f.svc.CreateRole(ctx, b.ID, iam.RoleInput{Name: "testRole", TrustPolicy: trustA}))
	if role.MaxSessionDuration != 3600 || len(role.ID) != 19 {
		t.Fatalf("role %+v", role)
	}
	if iam.RoleARN(b.ID, "testRole") != "acs:ram::"+b.ID+":role/testrole" {
		t.Fatal("role ARN carries the lower-cased name")
	}
	seedTrust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + a.ID + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	must[store.Role](t)(f.svc.UpdateRole(ctx, b.ID, "TESTROLE", iam.RoleUpdate{TrustPolicy: &seedTrust}))
	must[store.Policy](t)(f.svc.CreatePolicy(ctx, b.ID, "hologres-access", seedHologresPolicy, ""))
	if err := f.svc.Attach(ctx, b.ID, store.RolePrincipal, "testRole", store.Custom, "hologres-access"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Attach(ctx, b.ID, store.RolePrincipal, "testRole", store.Custom, "hologres-access"), "EntityAlreadyExists.Role.Policy")
	wantCode(t, f.svc.DeleteRole(ctx, b.ID, "testRole"), "DeleteConflict.Role.Policy")
	wantCode(t, f.svc.DeletePolicy(ctx, b.ID, "hologres-access"), "DeleteConflict.Policy.Role")

	session := &iam.Identity{Kind: iam.RoleSession, Account: b.ID, RoleName: "testRole", RoleID: role.ID, SessionName: "s"}
	instance := "acs:hologram:cn-hangzhou:" + b.ID + ":instance/hgpostcn-cn-1"
	if err := f.svc.Authorize(ctx, session, iam.Check{Action: "hologram:GetInstance", Resource: instance}); err != nil {
		t.Fatalf("the seed policy allows GetInstance: %v", err)
	}
	err := f.svc.Authorize(ctx, session, iam.Check{Action: "hologram:DeleteInstance", Resource: instance})
	wantCode(t, err, "NoPermission")
	if e := apierr.As(err); e.Denied == nil || e.Denied.NoPermissionType != "ImplicitDeny" || !strings.Contains(e.Recommend, "role testRole") {
		t.Fatalf("denial detail: %+v", e)
	}
	// Detaching takes effect at once.
	if err := f.svc.Detach(ctx, b.ID, store.RolePrincipal, "testrole", store.Custom, "HOLOGRES-ACCESS"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Authorize(ctx, session, iam.Check{Action: "hologram:GetInstance", Resource: instance}), "NoPermission")
	// The root does anything in its own account, nothing in another.
	root := &iam.Identity{Kind: iam.Root, Account: b.ID}
	if err := f.svc.Authorize(ctx, root, iam.Check{Action: "ram:DeleteRole", Resource: iam.RoleARN(b.ID, "x")}); err != nil {
		t.Fatal(err)
	}
	rootA := &iam.Identity{Kind: iam.Root, Account: a.ID}
	wantCode(t, f.svc.Authorize(ctx, rootA, iam.Check{Action: "ram:DeleteRole", Resource: iam.RoleARN(b.ID, "x"), ResourceAccount: b.ID}), "NoPermission")
	// Every decision is audited.
	if err := f.db.Audit().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	recs, _ := f.db.Audit().Query(ctx, b.ID, 0, 100)
	if len(recs) < 5 {
		t.Fatalf("audit records: %d", len(recs))
	}
}

func TestUsersAndKeys(t *testing.T) {
	f := newFixture(t)
	a, _, _ := f.svc.CreateAccount(ctx, "account-a")
	must[store.User](t)(f.svc.CreateUser(ctx, a.ID, iam.UserInput{Name: "alice"}))
	_, err := f.svc.CreateUser(ctx, a.ID, iam.UserInput{Name: "ALICE"})
	wantCode(t, err, "EntityAlreadyExists.User")
	_, err = f.svc.CreateUser(ctx, a.ID, iam.UserInput{Name: "bad name"})
	wantCode(t, err, "InvalidParameter.UserName.InvalidChars")
	_, err = f.svc.CreateUser(ctx, a.ID, iam.UserInput{Name: strings.Repeat("x", 65)})
	wantCode(t, err, "InvalidParameter.UserName.Length")
	k1 := must[iam.AccessKeySecret](t)(f.svc.CreateAccessKey(ctx, a.ID, "alice"))
	must[iam.AccessKeySecret](t)(f.svc.CreateAccessKey(ctx, a.ID, "alice"))
	_, err = f.svc.CreateAccessKey(ctx, a.ID, "alice")
	wantCode(t, err, "LimitExceeded.User.AccessKey")
	wantCode(t, f.svc.DeleteUser(ctx, a.ID, "alice"), "DeleteConflict.User.AccessKey")

	user := must[iam.Credential](t)(f.svc.LookupAccessKey(ctx, k1.ID)).Identity
	if user.Kind != iam.User || user.UserName != "alice" {
		t.Fatalf("identity %+v", user)
	}
	wantCode(t, f.svc.Authorize(ctx, &user, iam.Check{Action: "ram:ListRoles", Resource: "acs:ram:*:" + a.ID + ":role/*"}), "NoPermission")
	if err := f.svc.Attach(ctx, a.ID, store.UserPrincipal, "alice", store.System, "AliyunRAMReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Authorize(ctx, &user, iam.Check{Action: "ram:ListRoles", Resource: "acs:ram:*:" + a.ID + ":role/*"}); err != nil {
		t.Fatal(err)
	}
	// Deactivating a key shows at once.
	if err := f.svc.UpdateAccessKey(ctx, a.ID, "alice", k1.ID, "Inactive"); err != nil {
		t.Fatal(err)
	}
	if must[iam.Credential](t)(f.svc.LookupAccessKey(ctx, k1.ID)).Active {
		t.Fatal("key still active")
	}
	wantCode(t, f.svc.UpdateAccessKey(ctx, a.ID, "alice", k1.ID, "Off"), "InvalidParameter.Status")
	wantCode(t, f.svc.DeleteAccessKey(ctx, a.ID, "bob", k1.ID), "EntityNotExist.User")
	wantCode(t, f.svc.DeleteAccessKey(ctx, a.ID, "alice", "LTAInope"), "EntityNotExist.User.AccessKey")
}

func TestPolicyVersions(t *testing.T) {
	f := newFixture(t)
	a, _, _ := f.svc.CreateAccount(ctx, "account-a")
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`
	must[store.Policy](t)(f.svc.CreatePolicy(ctx, a.ID, "p1", doc, "d"))
	_, err := f.svc.CreatePolicy(ctx, a.ID, "p2", `{"Version":"1","Statement":[{"Effect":"allow","Action":"ecs:*","Resource":"*"}]}`, "")
	wantCode(t, err, "MalformedPolicyDocument")
	if e := apierr.As(err); !strings.Contains(e.Message, `Statement[0].Effect: must be "Allow" or "Deny", got "allow"`) {
		t.Fatalf("message %q", e.Message)
	}
	_, err = f.svc.CreatePolicy(ctx, a.ID, "p3", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"`+strings.Repeat("x", 6200)+`"}]}`, "")
	wantCode(t, err, "InvalidParameter.PolicyDocument.Length")
	_, err = f.svc.CreatePolicy(ctx, a.ID, "AdministratorAccess", doc, "")
	wantCode(t, err, "EntityAlreadyExists.Policy")
	for i := 2; i <= 5; i++ {
		must[store.PolicyVersion](t)(f.svc.CreatePolicyVersion(ctx, a.ID, "p1", doc, i == 3, ""))
	}
	_, err = f.svc.CreatePolicyVersion(ctx, a.ID, "p1", doc, false, "")
	wantCode(t, err, "LimitExceeded.Policy.Version")
	v := must[store.PolicyVersion](t)(f.svc.CreatePolicyVersion(ctx, a.ID, "p1", doc, false, "DeleteOldestNonDefaultVersionWhenLimitExceeded"))
	if v.ID != "v6" {
		t.Fatalf("version %s", v.ID)
	}
	vs, def, err := f.svc.ListPolicyVersions(ctx, a.ID, store.Custom, "p1")
	if err != nil || def != "v3" || len(vs) != 5 || vs[0].ID != "v2" {
		t.Fatalf("versions %v default %s err %v", vs, def, err)
	}
	wantCode(t, f.svc.DeletePolicyVersion(ctx, a.ID, "p1", "v3"), "DeleteConflict.Policy.Version.Default")
	wantCode(t, f.svc.DeletePolicyVersion(ctx, a.ID, "p1", "3"), "InvalidParameter.VersionId.Format")
	wantCode(t, f.svc.SetDefaultPolicyVersion(ctx, a.ID, "p1", "v9"), "EntityNotExist.Policy.Version")
	wantCode(t, f.svc.DeletePolicy(ctx, a.ID, "p1"), "DeleteConflict.Policy.Version")
	_, _, err = f.svc.GetPolicyVersion(ctx, a.ID, store.System, "ReadOnlyAccess", "v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = iam.ParsePolicyType("custom", true)
	wantCode(t, err, "InvalidParameter.PolicyType")
}
