package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

var (
	stsKeyRE = regexp.MustCompile(`^STS\.[0-9A-Za-z]+$`)
	tokenRE  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`) // base64url, no padding
)

// stsFixture is account A with a RAM user alice allowed to assume roles,
// and account B with role app trusting A's root.
type stsFixture struct {
	s       *Server
	a, b, c Account
	alice   Creds
	ramA    *ram.Client
	ramB    *ram.Client
	appArn  string
	appID   string
}

func newSTSFixture(t *testing.T, flags ...string) *stsFixture {
	t.Helper()
	s := StartServer(t, flags...)
	f := &stsFixture{s: s, a: s.CreateAccount("sts-a"), b: s.CreateAccount("sts-b"), c: s.CreateAccount("sts-c")}
	f.ramA, f.ramB = s.RAM(f.a.Creds()), s.RAM(f.b.Creds())
	f.alice = createUserWithKey(t, f.ramA, "alice", "AliyunSTSAssumeRoleAccess")
	role := createRole(t, f.ramB, "App", trustRAM("acs:ram::"+f.a.AccountID+":root"))
	f.appArn, f.appID = role.Role.Arn, role.Role.RoleId
	return f
}

// TestSTSAssumeRole checks AssumeRole and GetCallerIdentity field by field
// for the root, a RAM user and a role session, and each documented
// refusal of AssumeRole.
func TestSTSAssumeRole(t *testing.T) {
	t.Parallel()
	f := newSTSFixture(t)
	s := f.s

	start := time.Now().UTC()
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName, req.DurationSeconds = roleArn(f.b.AccountID, "App"), "alice@ci.example-1", "900"
	req.QueryParams["SourceIdentity"] = "alice-src" // newer clients send it; this SDK has no field
	resp := must(s.STS(f.alice).AssumeRole(req))(t)
	m := body(t, resp.GetHttpContentString())
	checkShape(t, "AssumeRole", m, shape{"RequestId": "s", "AssumedRoleUser": "o", "Credentials": "o", "SourceIdentity": "s?"})
	checkShape(t, "AssumeRole.AssumedRoleUser", m["AssumedRoleUser"], shape{"Arn": "s", "AssumedRoleId": "s"})
	checkShape(t, "AssumeRole.Credentials", m["Credentials"], shape{"AccessKeyId": "s", "AccessKeySecret": "s", "SecurityToken": "s", "Expiration": "d"})
	cr := resp.Credentials
	if !stsKeyRE.MatchString(cr.AccessKeyId) || cr.AccessKeySecret == "" || !tokenRE.MatchString(cr.SecurityToken) {
		t.Fatalf("Credentials: %s", cr.AccessKeyId)
	}
	exp, err := time.Parse("2006-01-02T15:04:05Z", cr.Expiration)
	if err != nil || exp.Before(start.Add(899*time.Second)) || exp.After(time.Now().Add(901*time.Second)) {
		t.Fatalf("Expiration %s for DurationSeconds 900 requested at %s", cr.Expiration, start)
	}
	if resp.AssumedRoleUser.Arn != "acs:ram::"+f.b.AccountID+":role/app/alice@ci.example-1" ||
		resp.AssumedRoleUser.AssumedRoleId != f.appID+":alice@ci.example-1" || m["SourceIdentity"] != "alice-src" {
		t.Fatalf("AssumedRoleUser: %+v, SourceIdentity %v", resp.AssumedRoleUser, m["SourceIdentity"])
	}
	// The default duration is 3600 s.
	_, def := s.AssumeRole(t, f.alice, f.appArn, "default-duration")
	if exp, _ := time.Parse("2006-01-02T15:04:05Z", def.Credentials.Expiration); exp.Sub(start) < 3599*time.Second || exp.Sub(start) > 3700*time.Second {
		t.Errorf("default Expiration %s", def.Credentials.Expiration)
	}

	// GetCallerIdentity for each kind of caller.
	idShape := shape{"RequestId": "s", "IdentityType": "s", "AccountId": "s", "Arn": "s", "PrincipalId": "s", "UserId": "s?", "RoleId": "s?"}
	session := Creds{cr.AccessKeyId, cr.AccessKeySecret, cr.SecurityToken}
	who := s.Who(t, session)
	checkShape(t, "GetCallerIdentity (session)", body(t, who.GetHttpContentString()), idShape)
	if who.IdentityType != "AssumedRoleUser" || who.AccountId != f.b.AccountID || who.RoleId != f.appID || who.UserId != "" ||
		who.PrincipalId != f.appID+":alice@ci.example-1" || who.Arn != "acs:ram::"+f.b.AccountID+":assumed-role/App/alice@ci.example-1" {
		t.Fatalf("GetCallerIdentity (session): %+v", who)
	}
	who = s.Who(t, f.a.Creds())
	checkShape(t, "GetCallerIdentity (root)", body(t, who.GetHttpContentString()), idShape)
	if who.IdentityType != "Account" || who.AccountId != f.a.AccountID || who.Arn != "acs:ram::"+f.a.AccountID+":root" ||
		who.UserId != f.a.AccountID || who.PrincipalId != f.a.AccountID || who.RoleId != "" {
		t.Fatalf("GetCallerIdentity (root): %+v", who)
	}
	who = s.Who(t, f.alice)
	checkShape(t, "GetCallerIdentity (user)", body(t, who.GetHttpContentString()), idShape)
	if who.IdentityType != "RAMUser" || who.AccountId != f.a.AccountID || who.Arn != "acs:ram::"+f.a.AccountID+":user/alice" ||
		!userIDRE.MatchString(who.UserId) || who.PrincipalId != who.UserId {
		t.Fatalf("GetCallerIdentity (user): %+v", who)
	}

	// A role session may assume another role when its role may.
	attachToRole(t, f.ramB, "App", "AliyunSTSAssumeRoleAccess")
	createRole(t, f.ramB, "Next", trustRAM("acs:ram::"+f.b.AccountID+":role/app"))
	next, _ := s.AssumeRole(t, session, roleArn(f.b.AccountID, "Next"), "chained")
	if who := s.Who(t, next); who.Arn != "acs:ram::"+f.b.AccountID+":assumed-role/Next/chained" {
		t.Fatalf("chained session: %+v", who)
	}

	assume := func(caller Creds, set func(*sts.AssumeRoleRequest)) error {
		r := sts.CreateAssumeRoleRequest()
		r.RoleArn, r.RoleSessionName = f.appArn, "s1"
		set(r)
		return errOf(s.STS(caller).AssumeRole(r))
	}
	t.Run("errors", func(t *testing.T) {
		for _, arn := range []string{"acs:ram::" + f.b.AccountID + ":role", "arn:aws:iam::123:role/x", "acs:ram::" + f.b.AccountID + ":user/app", "acs:ram::abc:role/app"} {
			msg := sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleArn = arn }), "InvalidParameter.RoleArn", 400).Message()
			if msg != "The parameter RoleArn is wrongly formed." {
				t.Errorf("InvalidParameter.RoleArn message %q", msg)
			}
		}
		sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleArn = "" }), "MissingParameter", 400)
		for _, name := range []string{"a", strings.Repeat("s", 65), "bad name", "bad/name"} {
			msg := sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = name }), "InvalidParameter.RoleSessionName", 400).Message()
			if msg != "The parameter RoleSessionName is wrongly formed." {
				t.Errorf("InvalidParameter.RoleSessionName message %q", msg)
			}
		}
		if err := assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = strings.Repeat("s", 64) }); err != nil {
			t.Errorf("a 64-character RoleSessionName: %v", err)
		}
		for _, d := range []string{"899", "3601", "0x10"} {
			sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = requests.Integer(d) }), "InvalidParameter.DurationSeconds", 400)
		}
		// DurationSeconds up to the role's MaxSessionDuration.
		ur := ram.CreateUpdateRoleRequest()
		ur.RoleName, ur.NewMaxSessionDuration = "App", "7200"
		must(f.ramB.UpdateRole(ur))(t)
		if err := assume(f.alice, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "7200" }); err != nil {
			t.Errorf("DurationSeconds 7200 with MaxSessionDuration 7200: %v", err)
		}
		sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "7201" }), "InvalidParameter.DurationSeconds", 400)

		for _, p := range []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*"}]}`, `{"Version":"1"`, `[]`,
			`{"Version":"1","Statement":[{"Effect":"Permit","Action":"ram:*","Resource":"*"}]}`} {
			msg := sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.Policy = p }), "InvalidParameter.PolicyGrammar", 400).Message()
			if msg != "The parameter Policy has not passed grammar check." {
				t.Errorf("PolicyGrammar message %q", msg)
			}
		}
		sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.Policy = padPolicy(allow([]string{"ram:GetRole"}), 2049) }), "InvalidParameter.PolicySize", 400)

		msg := sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleArn = roleArn(f.b.AccountID, "Missing") }), "EntityNotExist.Role", 404).Message()
		if msg != "The specified Role not exists." {
			t.Errorf("EntityNotExist.Role message %q", msg)
		}
		sdkError(t, assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleArn = roleArn("1234567890123456", "App") }), "EntityNotExist.Role", 404)

		// The account root never assumes a role, not even one trusting it.
		createRole(t, f.ramB, "Self", trustRAM("acs:ram::"+f.b.AccountID+":root"))
		se := sdkError(t, assume(f.b.Creds(), func(r *sts.AssumeRoleRequest) { r.RoleArn = roleArn(f.b.AccountID, "Self") }), "NoPermission", 403)
		if se.Message() != "You are not authorized to do this action. You should be authorized by RAM." || se.Recommend() == "" {
			t.Errorf("root: %q / %q", se.Message(), se.Recommend())
		}
		sdkError(t, assume(f.a.Creds(), func(*sts.AssumeRoleRequest) {}), "NoPermission", 403)

		// ExternalId: the trust policy's condition decides.
		trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + f.a.AccountID +
			`:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`
		createRole(t, f.ramB, "Ext", trust)
		ext := func(id string) error {
			return assume(f.alice, func(r *sts.AssumeRoleRequest) { r.RoleArn, r.ExternalId = roleArn(f.b.AccountID, "Ext"), id })
		}
		if err := ext("ext-123"); err != nil {
			t.Errorf("the right ExternalId: %v", err)
		}
		sdkError(t, ext("ext-124"), "NoPermission", 403)
		sdkError(t, ext(""), "NoPermission", 403)
		sdkError(t, ext("x"), "InvalidParameter.ExternalId", 400)
	})
}

// TestSTSCrossAccount is the seed's cross-account rule at the API level:
// only callers the trust policy names, who are also allowed
// sts:AssumeRole by their own account, get credentials.
func TestSTSCrossAccount(t *testing.T) {
	t.Parallel()
	f := newSTSFixture(t)
	s := f.s
	cUser := createUserWithKey(t, s.RAM(f.c.Creds()), "carol", "AliyunSTSAssumeRoleAccess")
	aNoPerm := createUserWithKey(t, f.ramA, "mallory")

	s.AssumeRole(t, f.alice, f.appArn, "ok")
	// Account C: its root, or its user allowed to assume roles, never.
	for _, caller := range []Creds{f.c.Creds(), cUser} {
		r := sts.CreateAssumeRoleRequest()
		r.RoleArn, r.RoleSessionName = f.appArn, "c1"
		sdkError(t, errOf(s.STS(caller).AssumeRole(r)), "NoPermission", 403)
	}
	// A user of A without AliyunSTSAssumeRoleAccess, though the trust
	// policy names A's root.
	r := sts.CreateAssumeRoleRequest()
	r.RoleArn, r.RoleSessionName = f.appArn, "m1"
	se := sdkError(t, errOf(s.STS(aNoPerm).AssumeRole(r)), "NoPermission", 403)
	if !strings.Contains(se.Recommend(), "AliyunSTSAssumeRoleAccess") {
		t.Errorf("Recommend does not say what is missing: %q", se.Recommend())
	}
	// Naming the user itself in the trust policy changes nothing: A's own
	// policies must allow too.
	ur := ram.CreateUpdateRoleRequest()
	ur.RoleName, ur.NewAssumeRolePolicyDocument = "App", trustRAM("acs:ram::"+f.a.AccountID+":user/mallory", "acs:ram::"+f.a.AccountID+":user/alice")
	must(f.ramB.UpdateRole(ur))(t)
	sdkError(t, errOf(s.STS(aNoPerm).AssumeRole(r)), "NoPermission", 403)
	s.AssumeRole(t, f.alice, f.appArn, "named")
	// Even a trust policy naming C's user does not let C in through A's name.
	ur.NewAssumeRolePolicyDocument = trustRAM("acs:ram::" + f.a.AccountID + ":root")
	must(f.ramB.UpdateRole(ur))(t)
	r2 := sts.CreateAssumeRoleRequest()
	r2.RoleArn, r2.RoleSessionName = f.appArn, "c2"
	sdkError(t, errOf(s.STS(cUser).AssumeRole(r2)), "NoPermission", 403)
	// A's session in B acts in B: it sees B's roles, not A's or C's.
	sess, _ := s.AssumeRole(t, f.alice, f.appArn, "look")
	attachToRole(t, f.ramB, "App", "AliyunRAMReadOnlyAccess")
	if names := roleNames(t, s.RAM(sess)); strings.Join(names, ",") != "App" {
		t.Fatalf("the session lists %v", names)
	}

	// Every decision is in the audit trail, with the deciding reason.
	audit := s.AuditJSON(f.b.AccountID)
	if !strings.Contains(audit, `"action":"sts:AssumeRole"`) || !strings.Contains(audit, `"decision":"ImplicitDeny"`) || !strings.Contains(audit, `"errorCode":"NoPermission"`) {
		t.Errorf("the audit trail of B lacks the AssumeRole decisions:\n%s", audit)
	}
}

// TestSTSSessions: a session's permissions are the role's current policies
// intersected with the session policy, re-read on every request; deleting
// the role ends its sessions at once and re-creating it does not revive
// them.
func TestSTSSessions(t *testing.T) {
	t.Parallel()
	f := newSTSFixture(t)
	s := f.s
	createPolicy(t, f.ramB, "reader", allow([]string{"ram:ListRoles", "ram:GetRole"}))
	attachToRole(t, f.ramB, "App", "reader")

	full, _ := s.AssumeRole(t, f.alice, f.appArn, "full")
	narrow, _ := s.AssumeRole(t, f.alice, f.appArn, "narrow", func(r *sts.AssumeRoleRequest) {
		r.Policy = allow([]string{"ram:GetRole", "ram:CreateRole"})
	})
	gr := ram.CreateGetRoleRequest()
	gr.RoleName = "App"

	// The role's policy allows ListRoles and GetRole, not CreateRole.
	must(s.RAM(full).ListRoles(ram.CreateListRolesRequest()))(t)
	must(s.RAM(full).GetRole(gr))(t)
	cr := ram.CreateCreateRoleRequest()
	cr.RoleName, cr.AssumeRolePolicyDocument = "Made", trustRAM("acs:ram::"+f.b.AccountID+":root")
	se := sdkError(t, errOf(s.RAM(full).CreateRole(cr)), "NoPermission", 403)
	if d := se.AccessDeniedDetail(); d["AuthPrincipalType"] != "AssumedRoleUser" || d["AuthPrincipalOwnerId"] != f.b.AccountID {
		t.Errorf("AccessDeniedDetail of a session: %v", d)
	}
	// The session policy narrows: GetRole yes, ListRoles no, and CreateRole
	// (in the session policy, not the role's) still no.
	must(s.RAM(narrow).GetRole(gr))(t)
	se = sdkError(t, errOf(s.RAM(narrow).ListRoles(ram.CreateListRolesRequest())), "NoPermission", 403)
	if !strings.Contains(se.Recommend(), "session policy") {
		t.Errorf("Recommend does not mention the session policy: %q", se.Recommend())
	}
	sdkError(t, errOf(s.RAM(narrow).CreateRole(cr)), "NoPermission", 403)

	// Detaching takes effect on the next request; attaching again too.
	detachFromRole(t, f.ramB, "App", "reader")
	sdkError(t, errOf(s.RAM(full).ListRoles(ram.CreateListRolesRequest())), "NoPermission", 403)
	sdkError(t, errOf(s.RAM(narrow).GetRole(gr)), "NoPermission", 403)
	attachToRole(t, f.ramB, "App", "reader")
	must(s.RAM(full).ListRoles(ram.CreateListRolesRequest()))(t)

	// Deleting the role ends its sessions at once.
	detachFromRole(t, f.ramB, "App", "reader")
	del := ram.CreateDeleteRoleRequest()
	del.RoleName = "App"
	must(f.ramB.DeleteRole(del))(t)
	for _, c := range []Creds{full, narrow} {
		sdkError(t, errOf(s.STS(c).GetCallerIdentity(sts.CreateGetCallerIdentityRequest())), "InvalidSecurityToken.Expired", 400)
	}
	// A role re-created under the same name does not revive them.
	createRole(t, f.ramB, "App", trustRAM("acs:ram::"+f.a.AccountID+":root"))
	attachToRole(t, f.ramB, "App", "reader")
	se = sdkError(t, errOf(s.RAM(full).ListRoles(ram.CreateListRolesRequest())), "InvalidSecurityToken.Expired", 400)
	if !strings.Contains(se.Recommend(), "deleted") {
		t.Errorf("Recommend: %q", se.Recommend())
	}
	// New sessions of the new role work.
	fresh, _ := s.AssumeRole(t, f.alice, f.appArn, "fresh")
	must(s.RAM(fresh).ListRoles(ram.CreateListRolesRequest()))(t)
}
