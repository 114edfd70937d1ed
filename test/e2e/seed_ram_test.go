package e2e

import (
	"errors"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/localyun/localyun/internal/demo"
)

// ramClient is the monolithic SDK's RAM client pointed at the server.
func (s *Server) ramClient(ak, secret string) *ram.Client {
	s.t.Helper()
	c, err := ram.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	if err != nil {
		s.t.Fatal(err)
	}
	c.Domain = s.Endpoint()
	return c
}

func (s *Server) stsClient(ak, secret, token string) *sts.Client {
	s.t.Helper()
	var c *sts.Client
	var err error
	if token != "" {
		c, err = sts.NewClientWithStsToken("cn-hangzhou", ak, secret, token)
	} else {
		c, err = sts.NewClientWithAccessKey("cn-hangzhou", ak, secret)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	c.Domain = s.Endpoint()
	return c
}

// sdkCode returns the error code of a monolithic SDK server error.
func sdkCode(t testing.TB, err error) (code string, status int, msg string) {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("want a server error, got %v", err)
	}
	return se.ErrorCode(), se.HttpStatus(), se.Message()
}

func wantSDKError(t testing.TB, err error, code string, status int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	got, gotStatus, msg := sdkCode(t, err)
	if got != code || gotStatus != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", got, gotStatus, msg, code, status)
	}
	return msg
}

// seedTrustPolicy and seedHologresPolicy are the seed's documents, as the
// demo sends them.
func seedTrustPolicy(accountA string) string { return demo.SeedTrustPolicy(accountA) }

const seedHologresPolicy = demo.SeedHologresPolicy

func trustAccountRoot(account string) string {
	return `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + account + `:root"]}}],"Version":"1"}`
}

// TestSeedStep1 plays the seed's step 1 with the official SDK: account B
// creates testRole trusting account A, replaces its trust policy with the
// seed's, creates the seed's Hologres policy and attaches it. A user of A
// with AliyunSTSAssumeRoleAccess can assume the role only while the trust
// policy names A's root; account C never can.
func TestSeedStep1(t *testing.T) {
	s := StartServer(t)
	a, b, c := s.CreateAccount("account-a"), s.CreateAccount("account-b"), s.CreateAccount("account-c")
	ramB := s.ramClient(b.AccessKeyID, b.AccessKeySecret)

	create := ram.CreateCreateRoleRequest()
	create.Scheme = "http"
	create.RoleName = "testRole"
	create.AssumeRolePolicyDocument = trustAccountRoot(a.AccountID)
	created, err := ramB.CreateRole(create)
	if err != nil {
		t.Fatal(err)
	}
	if created.Role.Arn != "acs:ram::"+b.AccountID+":role/testrole" || created.Role.RoleName != "testRole" || created.Role.MaxSessionDuration != 3600 {
		t.Fatalf("CreateRole: %+v", created.Role)
	}

	// A user of account A with AliyunSTSAssumeRoleAccess.
	ramA := s.ramClient(a.AccessKeyID, a.AccessKeySecret)
	cu := ram.CreateCreateUserRequest()
	cu.Scheme, cu.UserName = "http", "alice"
	if _, err := ramA.CreateUser(cu); err != nil {
		t.Fatal(err)
	}
	ak := ram.CreateCreateAccessKeyRequest()
	ak.Scheme, ak.UserName = "http", "alice"
	key, err := ramA.CreateAccessKey(ak)
	if err != nil {
		t.Fatal(err)
	}
	att := ram.CreateAttachPolicyToUserRequest()
	att.Scheme, att.UserName, att.PolicyType, att.PolicyName = "http", "alice", "System", "AliyunSTSAssumeRoleAccess"
	if _, err := ramA.AttachPolicyToUser(att); err != nil {
		t.Fatal(err)
	}
	alice := s.stsClient(key.AccessKey.AccessKeyId, key.AccessKey.AccessKeySecret, "")
	assume := func(client *sts.Client) (*sts.AssumeRoleResponse, error) {
		req := sts.CreateAssumeRoleRequest()
		req.Scheme = "http"
		req.RoleArn = "acs:ram::" + b.AccountID + ":role/testRole"
		req.RoleSessionName = "alice-session"
		return client.AssumeRole(req)
	}
	resp, err := assume(alice)
	if err != nil {
		t.Fatalf("alice assumes testRole while the trust policy names A's root: %v", err)
	}
	if !strings.HasPrefix(resp.Credentials.AccessKeyId, "STS.") || resp.Credentials.SecurityToken == "" ||
		resp.AssumedRoleUser.Arn != "acs:ram::"+b.AccountID+":role/testrole/alice-session" {
		t.Fatalf("AssumeRole: %+v", resp)
	}
	// The session's identity.
	session := s.stsClient(resp.Credentials.AccessKeyId, resp.Credentials.AccessKeySecret, resp.Credentials.SecurityToken)
	gci := sts.CreateGetCallerIdentityRequest()
	gci.Scheme = "http"
	who, err := session.GetCallerIdentity(gci)
	if err != nil {
		t.Fatal(err)
	}
	if who.IdentityType != "AssumedRoleUser" || who.AccountId != b.AccountID ||
		who.Arn != "acs:ram::"+b.AccountID+":assumed-role/testRole/alice-session" {
		t.Fatalf("GetCallerIdentity: %+v", who)
	}

	// Account C's root may not; a user of C has no trust.
	wantSDKError(t, func() error { _, err := assume(s.stsClient(c.AccessKeyID, c.AccessKeySecret, "")); return err }(), "NoPermission", 403)

	// The seed's trust policy (service principal only).
	upd := ram.CreateUpdateRoleRequest()
	upd.Scheme, upd.RoleName, upd.NewAssumeRolePolicyDocument = "http", "testRole", seedTrustPolicy(a.AccountID)
	if _, err := ramB.UpdateRole(upd); err != nil {
		t.Fatal(err)
	}
	msg := wantSDKError(t, func() error { _, err := assume(alice); return err }(), "NoPermission", 403)
	if !strings.Contains(msg, "You are not authorized to do this action. You should be authorized by RAM.") {
		t.Fatalf("message: %s", msg)
	}

	// The seed's Hologres policy, attached.
	cp := ram.CreateCreatePolicyRequest()
	cp.Scheme, cp.PolicyName, cp.PolicyDocument = "http", "hologres-access", seedHologresPolicy
	if _, err := ramB.CreatePolicy(cp); err != nil {
		t.Fatal(err)
	}
	ap := ram.CreateAttachPolicyToRoleRequest()
	ap.Scheme, ap.RoleName, ap.PolicyType, ap.PolicyName = "http", "testRole", "Custom", "hologres-access"
	if _, err := ramB.AttachPolicyToRole(ap); err != nil {
		t.Fatal(err)
	}
	lp := ram.CreateListPoliciesForRoleRequest()
	lp.Scheme, lp.RoleName = "http", "testRole"
	listed, err := ramB.ListPoliciesForRole(lp)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Policies.Policy) != 1 || listed.Policies.Policy[0].PolicyName != "hologres-access" {
		t.Fatalf("ListPoliciesForRole: %+v", listed.Policies)
	}
	gr := ram.CreateGetRoleRequest()
	gr.Scheme, gr.RoleName = "http", "testrole"
	got, err := ramB.GetRole(gr)
	if err != nil {
		t.Fatal(err)
	}
	if got.Role.AssumeRolePolicyDocument != seedTrustPolicy(a.AccountID) {
		t.Fatalf("the trust policy is stored verbatim: %q", got.Role.AssumeRolePolicyDocument)
	}
}
