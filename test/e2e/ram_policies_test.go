package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

var (
	policyVersionShape = shape{"VersionId": "s", "IsDefaultVersion": "b", "PolicyDocument": "s", "CreateDate": "d"}
	policyListShape    = shape{"PolicyName": "s", "PolicyType": "s", "Description": "s", "DefaultVersion": "s",
		"AttachmentCount": "n", "CreateDate": "d", "UpdateDate": "d?"}
)

// systemPolicies are the system policies issue 3 requires.
var systemPolicies = []string{"AdministratorAccess", "AliyunDataWorksFullAccess", "AliyunHologresFullAccess",
	"AliyunHologresReadOnlyAccess", "AliyunMaxComputeFullAccess", "AliyunRAMFullAccess", "AliyunRAMReadOnlyAccess",
	"AliyunSTSAssumeRoleAccess", "ReadOnlyAccess"}

// TestRAMPolicies drives the policy actions with the monolithic SDK:
// CreatePolicy, GetPolicy, ListPolicies (paged, filtered), the version
// actions, SetDefaultPolicyVersion taking effect on the next request,
// DeletePolicyVersion and DeletePolicy, with their refusals.
func TestRAMPolicies(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	b := s.CreateAccount("policies-b")
	c := s.RAM(b.Creds())

	// System policies are seeded; AliyunSTSAssumeRoleAccess is the real one.
	sys := ram.CreateListPoliciesRequest()
	sys.PolicyType = "System"
	listed := must(c.ListPolicies(sys))(t)
	var names []string
	for _, p := range listed.Policies.Policy {
		names = append(names, p.PolicyName)
		if p.PolicyType != "System" {
			t.Errorf("PolicyType=System lists %s %s", p.PolicyType, p.PolicyName)
		}
	}
	for _, want := range systemPolicies {
		if !strings.Contains(","+strings.Join(names, ",")+",", ","+want+",") {
			t.Errorf("system policy %s is not seeded (have %v)", want, names)
		}
	}
	gsys := ram.CreateGetPolicyRequest()
	gsys.PolicyName, gsys.PolicyType = "AliyunSTSAssumeRoleAccess", "System"
	stsPolicy := must(c.GetPolicy(gsys))(t)
	if stsPolicy.DefaultPolicyVersion.PolicyDocument != `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Resource":"*"}],"Version":"1"}` ||
		stsPolicy.Policy.PolicyType != "System" || stsPolicy.Policy.DefaultVersion != "v1" {
		t.Errorf("AliyunSTSAssumeRoleAccess: %+v", stsPolicy)
	}

	// CreatePolicy.
	v1 := allow([]string{"ram:ListRoles"})
	cp := ram.CreateCreatePolicyRequest()
	cp.PolicyName, cp.PolicyDocument, cp.Description = "Lister", v1, "lists roles"
	created := must(c.CreatePolicy(cp))(t)
	m := body(t, created.GetHttpContentString())
	checkShape(t, "CreatePolicy", m, shape{"RequestId": "s", "Policy": "o"})
	checkShape(t, "CreatePolicy.Policy", m["Policy"], shape{"PolicyName": "s", "PolicyType": "s", "Description": "s",
		"DefaultVersion": "s", "CreateDate": "d"})
	if p := created.Policy; p.PolicyName != "Lister" || p.PolicyType != "Custom" || p.Description != "lists roles" || p.DefaultVersion != "v1" {
		t.Fatalf("CreatePolicy: %+v", p)
	}

	// GetPolicy with its default version (PolicyType optional, Custom).
	gp := ram.CreateGetPolicyRequest()
	gp.PolicyName, gp.PolicyType = "lister", "Custom"
	got := must(c.GetPolicy(gp))(t)
	m = body(t, got.GetHttpContentString())
	checkShape(t, "GetPolicy", m, shape{"RequestId": "s", "Policy": "o", "DefaultPolicyVersion": "o"})
	checkShape(t, "GetPolicy.Policy", m["Policy"], shape{"PolicyName": "s", "PolicyType": "s", "Description": "s",
		"DefaultVersion": "s", "PolicyDocument": "s", "AttachmentCount": "n", "CreateDate": "d", "UpdateDate": "d"})
	checkShape(t, "GetPolicy.DefaultPolicyVersion", m["DefaultPolicyVersion"], policyVersionShape)
	if got.Policy.PolicyName != "Lister" || got.Policy.PolicyDocument != v1 || got.Policy.AttachmentCount != 0 ||
		got.DefaultPolicyVersion.VersionId != "v1" || !got.DefaultPolicyVersion.IsDefaultVersion || got.DefaultPolicyVersion.PolicyDocument != v1 {
		t.Fatalf("GetPolicy: %+v", got)
	}

	// A user with the policy can list roles; AttachmentCount follows.
	alice := createUserWithKey(t, c, "alice", "Lister")
	got = must(c.GetPolicy(gp))(t)
	if got.Policy.AttachmentCount != 1 {
		t.Errorf("AttachmentCount after attaching: %d", got.Policy.AttachmentCount)
	}
	if _, err := s.RAM(alice).ListRoles(ram.CreateListRolesRequest()); err != nil {
		t.Fatalf("alice with Lister v1: %v", err)
	}

	// CreatePolicyVersion (not default), GetPolicyVersion, ListPolicyVersions.
	v2 := allow([]string{"ram:GetRole"})
	cv := ram.CreateCreatePolicyVersionRequest()
	cv.PolicyName, cv.PolicyDocument = "Lister", v2
	ver := must(c.CreatePolicyVersion(cv))(t)
	m = body(t, ver.GetHttpContentString())
	checkShape(t, "CreatePolicyVersion", m, shape{"RequestId": "s", "PolicyVersion": "o"})
	checkShape(t, "CreatePolicyVersion.PolicyVersion", m["PolicyVersion"], policyVersionShape)
	if ver.PolicyVersion.VersionId != "v2" || ver.PolicyVersion.IsDefaultVersion || ver.PolicyVersion.PolicyDocument != v2 {
		t.Fatalf("CreatePolicyVersion: %+v", ver.PolicyVersion)
	}
	gv := ram.CreateGetPolicyVersionRequest()
	gv.PolicyName, gv.PolicyType, gv.VersionId = "Lister", "Custom", "v2"
	gotV := must(c.GetPolicyVersion(gv))(t)
	checkShape(t, "GetPolicyVersion.PolicyVersion", body(t, gotV.GetHttpContentString())["PolicyVersion"], policyVersionShape)
	if gotV.PolicyVersion.VersionId != "v2" || gotV.PolicyVersion.IsDefaultVersion || gotV.PolicyVersion.PolicyDocument != v2 {
		t.Fatalf("GetPolicyVersion: %+v", gotV.PolicyVersion)
	}
	lv := ram.CreateListPolicyVersionsRequest()
	lv.PolicyName, lv.PolicyType = "Lister", "Custom"
	vs := must(c.ListPolicyVersions(lv))(t)
	m = body(t, vs.GetHttpContentString())
	checkShape(t, "ListPolicyVersions", m, shape{"RequestId": "s", "PolicyVersions": "o"})
	for _, it := range list(t, m, "PolicyVersions", "PolicyVersion") {
		checkShape(t, "ListPolicyVersions.PolicyVersions.PolicyVersion[]", it, policyVersionShape)
	}
	if len(vs.PolicyVersions.PolicyVersion) != 2 || vs.PolicyVersions.PolicyVersion[0].VersionId != "v1" || !vs.PolicyVersions.PolicyVersion[0].IsDefaultVersion ||
		vs.PolicyVersions.PolicyVersion[1].VersionId != "v2" || vs.PolicyVersions.PolicyVersion[1].IsDefaultVersion {
		t.Fatalf("ListPolicyVersions: %+v", vs.PolicyVersions)
	}

	// SetDefaultPolicyVersion applies on alice's next request.
	sd := ram.CreateSetDefaultPolicyVersionRequest()
	sd.PolicyName, sd.VersionId = "Lister", "v2"
	checkShape(t, "SetDefaultPolicyVersion", body(t, must(c.SetDefaultPolicyVersion(sd))(t).GetHttpContentString()), shape{"RequestId": "s"})
	se := sdkError(t, errOf(s.RAM(alice).ListRoles(ram.CreateListRolesRequest())), "NoPermission", 403)
	if d := se.AccessDeniedDetail(); d == nil || d["AuthAction"] != "ram:ListRoles" {
		t.Errorf("AccessDeniedDetail: %v", d)
	}
	got = must(c.GetPolicy(gp))(t)
	if got.Policy.DefaultVersion != "v2" || got.DefaultPolicyVersion.VersionId != "v2" || got.Policy.PolicyDocument != v2 {
		t.Fatalf("GetPolicy after SetDefaultPolicyVersion: %+v", got)
	}

	// ListPolicies: all types, paged by 3, every policy once.
	for i := 0; i < 3; i++ {
		createPolicy(t, c, fmt.Sprintf("extra-%d", i), allow([]string{"ram:GetUser"}))
	}
	var all []string
	marker := ""
	for pages := 0; ; pages++ {
		lp := ram.CreateListPoliciesRequest()
		lp.MaxItems, lp.Marker = "3", marker
		resp := must(c.ListPolicies(lp))(t)
		m := body(t, resp.GetHttpContentString())
		checkShape(t, "ListPolicies", m, shape{"RequestId": "s", "IsTruncated": "b", "Marker": "s?", "Policies": "o"})
		for _, it := range list(t, m, "Policies", "Policy") {
			checkShape(t, "ListPolicies.Policies.Policy[]", it, policyListShape)
		}
		if len(resp.Policies.Policy) > 3 || resp.IsTruncated != (m["Marker"] != nil) {
			t.Fatalf("ListPolicies page: %d policies, IsTruncated %v, Marker %v", len(resp.Policies.Policy), resp.IsTruncated, m["Marker"])
		}
		for _, p := range resp.Policies.Policy {
			all = append(all, p.PolicyType+":"+p.PolicyName)
		}
		if !resp.IsTruncated {
			break
		}
		marker = resp.Marker
		if pages > 10 {
			t.Fatal("ListPolicies does not end")
		}
	}
	if want := len(systemPolicies) + 4; len(all) != want || len(dedupe(all)) != want {
		t.Fatalf("ListPolicies pages: %d entries, want %d distinct: %v", len(all), want, all)
	}
	custom := ram.CreateListPoliciesRequest()
	custom.PolicyType = "Custom"
	if n := len(must(c.ListPolicies(custom))(t).Policies.Policy); n != 4 {
		t.Errorf("PolicyType=Custom lists %d policies, want 4", n)
	}

	t.Run("errors", func(t *testing.T) {
		dup := ram.CreateCreatePolicyRequest()
		dup.PolicyName, dup.PolicyDocument = "LISTER", v1
		sdkError(t, errOf(c.CreatePolicy(dup)), "EntityAlreadyExists.Policy", 409)
		dupSys := ram.CreateCreatePolicyRequest()
		dupSys.PolicyName, dupSys.PolicyDocument = "AdministratorAccess", v1
		sdkError(t, errOf(c.CreatePolicy(dupSys)), "EntityAlreadyExists.Policy", 409)
		long := ram.CreateCreatePolicyRequest()
		long.PolicyName, long.PolicyDocument = strings.Repeat("p", 129), v1
		sdkError(t, errOf(c.CreatePolicy(long)), "InvalidParameter.PolicyName.Length", 400)
		chars := ram.CreateCreatePolicyRequest()
		chars.PolicyName, chars.PolicyDocument = "bad_name", v1
		sdkError(t, errOf(c.CreatePolicy(chars)), "InvalidParameter.PolicyName.InvalidChars", 400)
		docLong := ram.CreateCreatePolicyRequest()
		docLong.PolicyName, docLong.PolicyDocument = "doc-long", padPolicy(v1, 6145)
		sdkError(t, errOf(c.CreatePolicy(docLong)), "InvalidParameter.PolicyDocument.Length", 400)
		desc := ram.CreateCreatePolicyRequest()
		desc.PolicyName, desc.PolicyDocument, desc.Description = "desc", v1, strings.Repeat("d", 1025)
		sdkError(t, errOf(c.CreatePolicy(desc)), "InvalidParameter.Description.Length", 400)
		noDoc := ram.CreateCreatePolicyRequest()
		noDoc.PolicyName = "no-doc"
		sdkError(t, errOf(c.CreatePolicy(noDoc)), "MissingParameter", 400)
		for doc, detail := range map[string]string{
			`{"Version":"1","Statement":[{"Effect":"allow","Action":"ram:*","Resource":"*"}]}`:                         `Statement[0].Effect`,
			`{"Version":"2","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*"}]}`:                         `Version`,
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*"}]}`:                                        `Statement[0]`,
			`{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}`:                                          `Statement[0]`,
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*","Principal":{"RAM":"*"}}]}`: `Statement[0].Principal`,
			`not json`: `document`,
		} {
			bad := ram.CreateCreatePolicyRequest()
			bad.PolicyName, bad.PolicyDocument = "malformed", doc
			msg := sdkError(t, errOf(c.CreatePolicy(bad)), "MalformedPolicyDocument", 400).Message()
			if !strings.Contains(msg, detail) {
				t.Errorf("MalformedPolicyDocument for %s: message %q does not name %s", doc, msg, detail)
			}
			badV := ram.CreateCreatePolicyVersionRequest()
			badV.PolicyName, badV.PolicyDocument = "Lister", doc
			sdkError(t, errOf(c.CreatePolicyVersion(badV)), "MalformedPolicyDocument", 400)
		}

		missing := ram.CreateGetPolicyRequest()
		missing.PolicyName, missing.PolicyType = "nothing", "Custom"
		if msg := sdkError(t, errOf(c.GetPolicy(missing)), "EntityNotExist.Policy", 404).Message(); msg != "The policy does not exist." {
			t.Errorf("EntityNotExist.Policy message %q", msg)
		}
		sysAsCustom := ram.CreateGetPolicyRequest()
		sysAsCustom.PolicyName, sysAsCustom.PolicyType = "AdministratorAccess", "Custom"
		sdkError(t, errOf(c.GetPolicy(sysAsCustom)), "EntityNotExist.Policy", 404)
		badType := ram.CreateGetPolicyRequest()
		badType.PolicyName, badType.PolicyType = "Lister", "Managed"
		sdkError(t, errOf(c.GetPolicy(badType)), "InvalidParameter.PolicyType", 400)
		badListType := ram.CreateListPoliciesRequest()
		badListType.PolicyType = "custom"
		sdkError(t, errOf(c.ListPolicies(badListType)), "InvalidParameter.PolicyType", 400)

		for _, id := range []string{"1", "v0", "V2", "v01", "version2"} {
			badV := ram.CreateGetPolicyVersionRequest()
			badV.PolicyName, badV.PolicyType, badV.VersionId = "Lister", "Custom", id
			sdkError(t, errOf(c.GetPolicyVersion(badV)), "InvalidParameter.VersionId.Format", 400)
		}
		badSet := ram.CreateSetDefaultPolicyVersionRequest()
		badSet.PolicyName, badSet.VersionId = "Lister", "2"
		sdkError(t, errOf(c.SetDefaultPolicyVersion(badSet)), "InvalidParameter.VersionId.Format", 400)
		noVer := ram.CreateGetPolicyVersionRequest()
		noVer.PolicyName, noVer.PolicyType, noVer.VersionId = "Lister", "Custom", "v9"
		sdkError(t, errOf(c.GetPolicyVersion(noVer)), "EntityNotExist.Policy.Version", 404)
		noSet := ram.CreateSetDefaultPolicyVersionRequest()
		noSet.PolicyName, noSet.VersionId = "Lister", "v9"
		sdkError(t, errOf(c.SetDefaultPolicyVersion(noSet)), "EntityNotExist.Policy.Version", 404)
		noPolVer := ram.CreateCreatePolicyVersionRequest()
		noPolVer.PolicyName, noPolVer.PolicyDocument = "nothing", v1
		sdkError(t, errOf(c.CreatePolicyVersion(noPolVer)), "EntityNotExist.Policy", 404)
		sysVer := ram.CreateCreatePolicyVersionRequest()
		sysVer.PolicyName, sysVer.PolicyDocument = "AdministratorAccess", v1
		sdkError(t, errOf(c.CreatePolicyVersion(sysVer)), "EntityNotExist.Policy", 404)
		rot := ram.CreateCreatePolicyVersionRequest()
		rot.PolicyName, rot.PolicyDocument, rot.RotateStrategy = "Lister", v1, "Sometimes"
		sdkError(t, errOf(c.CreatePolicyVersion(rot)), "InvalidParameter.RotateStrategy", 400)

		// The default version cannot go.
		delDef := ram.CreateDeletePolicyVersionRequest()
		delDef.PolicyName, delDef.VersionId = "Lister", "v2"
		sdkError(t, errOf(c.DeletePolicyVersion(delDef)), "DeleteConflict.Policy.Version.Default", 409)
		delMissing := ram.CreateDeletePolicyVersionRequest()
		delMissing.PolicyName, delMissing.VersionId = "Lister", "v7"
		sdkError(t, errOf(c.DeletePolicyVersion(delMissing)), "EntityNotExist.Policy.Version", 404)

		// Five versions at most, unless rotated.
		for i := 3; i <= 5; i++ {
			more := ram.CreateCreatePolicyVersionRequest()
			more.PolicyName, more.PolicyDocument = "Lister", v1
			if got := must(c.CreatePolicyVersion(more))(t).PolicyVersion.VersionId; got != fmt.Sprintf("v%d", i) {
				t.Fatalf("version %d is %s", i, got)
			}
		}
		sixth := ram.CreateCreatePolicyVersionRequest()
		sixth.PolicyName, sixth.PolicyDocument = "Lister", v1
		sdkError(t, errOf(c.CreatePolicyVersion(sixth)), "LimitExceeded.Policy.Version", 409)
		if n := len(must(c.ListPolicyVersions(lv))(t).PolicyVersions.PolicyVersion); n != 5 {
			t.Fatalf("after LimitExceeded.Policy.Version: %d versions", n)
		}
		sixth = ram.CreateCreatePolicyVersionRequest()
		sixth.PolicyName, sixth.PolicyDocument, sixth.RotateStrategy = "Lister", v1, "DeleteOldestNonDefaultVersionWhenLimitExceeded"
		if got := must(c.CreatePolicyVersion(sixth))(t).PolicyVersion.VersionId; got != "v6" {
			t.Fatalf("rotated version is %s", got)
		}
		var ids []string
		for _, v := range must(c.ListPolicyVersions(lv))(t).PolicyVersions.PolicyVersion {
			ids = append(ids, v.VersionId)
		}
		if strings.Join(ids, ",") != "v2,v3,v4,v5,v6" {
			t.Fatalf("after rotation: %v (the oldest non-default, v1, goes)", ids)
		}

		// DeletePolicy refuses while attached or with extra versions.
		dp := ram.CreateDeletePolicyRequest()
		dp.PolicyName = "Lister"
		sdkError(t, errOf(c.DeletePolicy(dp)), "DeleteConflict.Policy.User", 409)
		createRole(t, c, "holder", trustRAM("acs:ram::"+b.AccountID+":root"))
		attachToRole(t, c, "holder", "extra-0")
		dp0 := ram.CreateDeletePolicyRequest()
		dp0.PolicyName = "extra-0"
		sdkError(t, errOf(c.DeletePolicy(dp0)), "DeleteConflict.Policy.Role", 409)
		dx := ram.CreateDetachPolicyFromUserRequest()
		dx.UserName, dx.PolicyName, dx.PolicyType = "alice", "Lister", "Custom"
		must(c.DetachPolicyFromUser(dx))(t)
		sdkError(t, errOf(c.DeletePolicy(dp)), "DeleteConflict.Policy.Version", 409)
		dpMissing := ram.CreateDeletePolicyRequest()
		dpMissing.PolicyName = "nothing"
		sdkError(t, errOf(c.DeletePolicy(dpMissing)), "EntityNotExist.Policy", 404)
		dpSys := ram.CreateDeletePolicyRequest()
		dpSys.PolicyName = "AliyunRAMFullAccess"
		sdkError(t, errOf(c.DeletePolicy(dpSys)), "EntityNotExist.Policy", 404)

		// Nothing changed: the versions and default are as they were.
		got := must(c.GetPolicy(gp))(t)
		if got.Policy.DefaultVersion != "v2" || got.Policy.PolicyDocument != v2 {
			t.Fatalf("refusals changed the policy: %+v", got.Policy)
		}

		// Delete the non-default versions, then the policy.
		for _, id := range []string{"v3", "v4", "v5", "v6"} {
			dv := ram.CreateDeletePolicyVersionRequest()
			dv.PolicyName, dv.VersionId = "Lister", id
			checkShape(t, "DeletePolicyVersion", body(t, must(c.DeletePolicyVersion(dv))(t).GetHttpContentString()), shape{"RequestId": "s"})
		}
		checkShape(t, "DeletePolicy", body(t, must(c.DeletePolicy(dp))(t).GetHttpContentString()), shape{"RequestId": "s"})
		sdkError(t, errOf(c.GetPolicy(gp)), "EntityNotExist.Policy", 404)
		if n := len(must(c.ListPolicies(custom))(t).Policies.Policy); n != 3 {
			t.Errorf("after DeletePolicy: %d custom policies", n)
		}
	})
}

func dedupe(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}
