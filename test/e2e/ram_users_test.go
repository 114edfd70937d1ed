package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

var (
	userShape   = shape{"UserId": "s", "UserName": "s", "DisplayName": "s", "MobilePhone": "s?", "Email": "s?", "Comments": "s?", "CreateDate": "d", "UpdateDate": "d?"}
	accessKeyRE = regexp.MustCompile(`^LTAI[0-9A-Za-z]{20}$`)
)

// TestRAMUsersAndAccessKeys drives CreateUser, GetUser, ListUsers (paged),
// DeleteUser and the AccessKey actions with the monolithic SDK: a key made
// with CreateAccessKey signs requests, an inactive key is refused, a
// deleted key is unknown, and secrets are shown only once.
func TestRAMUsersAndAccessKeys(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a := s.CreateAccount("users-a")
	c := s.RAM(a.Creds())

	cu := ram.CreateCreateUserRequest()
	cu.UserName, cu.DisplayName, cu.MobilePhone, cu.Email, cu.Comments = "alice", "Alice A.", "86-18600008888", "alice@example.com", "first user"
	created := must(c.CreateUser(cu))(t)
	m := body(t, created.GetHttpContentString())
	checkShape(t, "CreateUser", m, shape{"RequestId": "s", "User": "o"})
	checkShape(t, "CreateUser.User", m["User"], userShape)
	u := created.User
	if !userIDRE.MatchString(u.UserId) || u.UserName != "alice" || u.DisplayName != "Alice A." || u.MobilePhone != "86-18600008888" ||
		u.Email != "alice@example.com" || u.Comments != "first user" {
		t.Fatalf("CreateUser: %+v", u)
	}
	gu := ram.CreateGetUserRequest()
	gu.UserName = "ALICE"
	got := must(c.GetUser(gu))(t)
	checkShape(t, "GetUser.User", body(t, got.GetHttpContentString())["User"], userShape)
	if got.User.UserId != u.UserId || got.User.UserName != "alice" || got.User.CreateDate != u.CreateDate || got.User.Email != u.Email {
		t.Fatalf("GetUser: %+v", got.User)
	}

	// ListUsers, paged.
	for i := 0; i < 4; i++ {
		cu := ram.CreateCreateUserRequest()
		cu.UserName = fmt.Sprintf("user-%d", i)
		if du := must(c.CreateUser(cu))(t).User.DisplayName; du != cu.UserName {
			t.Errorf("DisplayName defaults to the name: %q", du)
		}
	}
	var users []string
	marker := ""
	for page := 0; ; page++ {
		lu := ram.CreateListUsersRequest()
		lu.MaxItems, lu.Marker = "2", marker
		resp := must(c.ListUsers(lu))(t)
		m := body(t, resp.GetHttpContentString())
		checkShape(t, "ListUsers", m, shape{"RequestId": "s", "IsTruncated": "b", "Marker": "s?", "Users": "o"})
		for _, it := range list(t, m, "Users", "User") {
			checkShape(t, "ListUsers.Users.User[]", it, userShape)
		}
		for _, it := range resp.Users.User {
			users = append(users, it.UserName)
		}
		if want := page < 2; resp.IsTruncated != want || (resp.Marker != "") != want {
			t.Fatalf("ListUsers page %d: IsTruncated %v Marker %q", page, resp.IsTruncated, resp.Marker)
		}
		if !resp.IsTruncated {
			break
		}
		marker = resp.Marker
	}
	if strings.Join(sortedCopy(users), ",") != "alice,user-0,user-1,user-2,user-3" {
		t.Fatalf("ListUsers: %v", users)
	}

	// AccessKeys: created for a user, the secret shown once, listed
	// without it.
	ck := ram.CreateCreateAccessKeyRequest()
	ck.UserName = "alice"
	key := must(c.CreateAccessKey(ck))(t)
	m = body(t, key.GetHttpContentString())
	checkShape(t, "CreateAccessKey", m, shape{"RequestId": "s", "AccessKey": "o"})
	checkShape(t, "CreateAccessKey.AccessKey", m["AccessKey"], shape{"AccessKeyId": "s", "AccessKeySecret": "s", "Status": "s", "CreateDate": "d"})
	k := key.AccessKey
	if !accessKeyRE.MatchString(k.AccessKeyId) || len(k.AccessKeySecret) < 30 || k.Status != "Active" {
		t.Fatalf("CreateAccessKey: id %s, status %s, secret of %d characters", k.AccessKeyId, k.Status, len(k.AccessKeySecret))
	}
	alice := Creds{ID: k.AccessKeyId, Secret: k.AccessKeySecret}
	attachToUser(t, c, "alice", "AliyunRAMReadOnlyAccess")
	if who := s.Who(t, alice); who.IdentityType != "RAMUser" || who.UserId != u.UserId || who.Arn != "acs:ram::"+a.AccountID+":user/alice" {
		t.Fatalf("GetCallerIdentity of alice: %+v", who)
	}
	lk := ram.CreateListAccessKeysRequest()
	lk.UserName = "alice"
	keys := must(c.ListAccessKeys(lk))(t)
	m = body(t, keys.GetHttpContentString())
	checkShape(t, "ListAccessKeys", m, shape{"RequestId": "s", "AccessKeys": "o"})
	for _, it := range list(t, m, "AccessKeys", "AccessKey") {
		checkShape(t, "ListAccessKeys.AccessKeys.AccessKey[]", it, shape{"AccessKeyId": "s", "Status": "s", "CreateDate": "d"})
	}
	if len(keys.AccessKeys.AccessKey) != 1 || keys.AccessKeys.AccessKey[0].AccessKeyId != k.AccessKeyId || strings.Contains(keys.GetHttpContentString(), k.AccessKeySecret) {
		t.Fatalf("ListAccessKeys: %s", keys.GetHttpContentString())
	}
	// A RAM user lists its own keys without UserName.
	own := must(s.RAM(alice).ListAccessKeys(ram.CreateListAccessKeysRequest()))(t)
	if len(own.AccessKeys.AccessKey) != 1 || own.AccessKeys.AccessKey[0].AccessKeyId != k.AccessKeyId {
		t.Fatalf("alice's own keys: %+v", own.AccessKeys)
	}
	// The root's keys: CreateAccessKey without UserName.
	rootKey := must(c.CreateAccessKey(ram.CreateCreateAccessKeyRequest()))(t).AccessKey
	rootKeys := must(c.ListAccessKeys(ram.CreateListAccessKeysRequest()))(t).AccessKeys.AccessKey
	if len(rootKeys) != 2 || s.Who(t, Creds{ID: rootKey.AccessKeyId, Secret: rootKey.AccessKeySecret}).IdentityType != "Account" {
		t.Fatalf("root keys: %+v", rootKeys)
	}

	// UpdateAccessKey: Inactive keys are refused at the gateway, then work
	// again.
	setStatus := func(status string) {
		t.Helper()
		uk := ram.CreateUpdateAccessKeyRequest()
		uk.UserName, uk.UserAccessKeyId, uk.Status = "alice", k.AccessKeyId, status
		checkShape(t, "UpdateAccessKey", body(t, must(c.UpdateAccessKey(uk))(t).GetHttpContentString()), shape{"RequestId": "s"})
	}
	setStatus("Inactive")
	sdkError(t, errOf(s.RAM(alice).ListUsers(ram.CreateListUsersRequest())), "InvalidAccessKeyId.Inactive", 400)
	if st := must(c.ListAccessKeys(lk))(t).AccessKeys.AccessKey[0].Status; st != "Inactive" {
		t.Errorf("status after UpdateAccessKey: %s", st)
	}
	setStatus("Active")
	must(s.RAM(alice).ListUsers(ram.CreateListUsersRequest()))(t)

	t.Run("errors", func(t *testing.T) {
		dup := ram.CreateCreateUserRequest()
		dup.UserName = "Alice"
		sdkError(t, errOf(c.CreateUser(dup)), "EntityAlreadyExists.User", 409)
		long := ram.CreateCreateUserRequest()
		long.UserName = strings.Repeat("u", 65)
		sdkError(t, errOf(c.CreateUser(long)), "InvalidParameter.UserName.Length", 400)
		chars := ram.CreateCreateUserRequest()
		chars.UserName = "bad name"
		sdkError(t, errOf(c.CreateUser(chars)), "InvalidParameter.UserName.InvalidChars", 400)
		disp := ram.CreateCreateUserRequest()
		disp.UserName, disp.DisplayName = "disp", strings.Repeat("d", 129)
		sdkError(t, errOf(c.CreateUser(disp)), "InvalidParameter.DisplayName.Length", 400)
		phone := ram.CreateCreateUserRequest()
		phone.UserName, phone.MobilePhone = "phone", "18600008888"
		sdkError(t, errOf(c.CreateUser(phone)), "InvalidParameter.MobilePhone.Format", 400)
		email := ram.CreateCreateUserRequest()
		email.UserName, email.Email = "email", "not-an-email"
		sdkError(t, errOf(c.CreateUser(email)), "InvalidParameter.Email.Format", 400)
		comments := ram.CreateCreateUserRequest()
		comments.UserName, comments.Comments = "comments", strings.Repeat("c", 129)
		sdkError(t, errOf(c.CreateUser(comments)), "InvalidParameter.Comments.Length", 400)
		missing := ram.CreateGetUserRequest()
		missing.UserName = "nobody"
		if msg := sdkError(t, errOf(c.GetUser(missing)), "EntityNotExist.User", 404).Message(); msg != "The user does not exist." {
			t.Errorf("EntityNotExist.User message %q", msg)
		}
		du := ram.CreateDeleteUserRequest()
		du.UserName = "nobody"
		sdkError(t, errOf(c.DeleteUser(du)), "EntityNotExist.User", 404)

		ckMissing := ram.CreateCreateAccessKeyRequest()
		ckMissing.UserName = "nobody"
		sdkError(t, errOf(c.CreateAccessKey(ckMissing)), "EntityNotExist.User", 404)
		must(c.CreateAccessKey(ck))(t) // the second key
		sdkError(t, errOf(c.CreateAccessKey(ck)), "LimitExceeded.User.AccessKey", 409)
		ukBad := ram.CreateUpdateAccessKeyRequest()
		ukBad.UserName, ukBad.UserAccessKeyId, ukBad.Status = "alice", k.AccessKeyId, "Disabled"
		sdkError(t, errOf(c.UpdateAccessKey(ukBad)), "InvalidParameter.Status", 400)
		ukOther := ram.CreateUpdateAccessKeyRequest()
		ukOther.UserName, ukOther.UserAccessKeyId, ukOther.Status = "user-0", k.AccessKeyId, "Inactive"
		sdkError(t, errOf(c.UpdateAccessKey(ukOther)), "EntityNotExist.User.AccessKey", 404)
		dkMissing := ram.CreateDeleteAccessKeyRequest()
		dkMissing.UserName, dkMissing.UserAccessKeyId = "alice", "LTAI00000000000000000000"
		sdkError(t, errOf(c.DeleteAccessKey(dkMissing)), "EntityNotExist.User.AccessKey", 404)
		noStatus := ram.CreateUpdateAccessKeyRequest()
		noStatus.UserName, noStatus.UserAccessKeyId = "alice", k.AccessKeyId
		sdkError(t, errOf(c.UpdateAccessKey(noStatus)), "MissingParameter", 400)

		// A user with keys or policies cannot go.
		del := ram.CreateDeleteUserRequest()
		del.UserName = "alice"
		sdkError(t, errOf(c.DeleteUser(del)), "DeleteConflict.User.AccessKey", 409)
		if st := must(c.ListAccessKeys(lk))(t).AccessKeys.AccessKey; len(st) != 2 || st[0].Status != "Active" && st[1].Status != "Active" {
			t.Fatalf("refusals changed alice's keys: %+v", st)
		}
		for _, kk := range must(c.ListAccessKeys(lk))(t).AccessKeys.AccessKey {
			dk := ram.CreateDeleteAccessKeyRequest()
			dk.UserName, dk.UserAccessKeyId = "alice", kk.AccessKeyId
			checkShape(t, "DeleteAccessKey", body(t, must(c.DeleteAccessKey(dk))(t).GetHttpContentString()), shape{"RequestId": "s"})
		}
		// A deleted key is unknown to the gateway.
		sdkError(t, errOf(s.RAM(alice).ListUsers(ram.CreateListUsersRequest())), "InvalidAccessKeyId.NotFound", 404)
		sdkError(t, errOf(c.DeleteUser(del)), "DeleteConflict.User.Policy", 409)
		dx := ram.CreateDetachPolicyFromUserRequest()
		dx.UserName, dx.PolicyName, dx.PolicyType = "alice", "AliyunRAMReadOnlyAccess", "System"
		must(c.DetachPolicyFromUser(dx))(t)
		checkShape(t, "DeleteUser", body(t, must(c.DeleteUser(del))(t).GetHttpContentString()), shape{"RequestId": "s"})
		sdkError(t, errOf(c.GetUser(gu)), "EntityNotExist.User", 404)
		if n := len(must(c.ListUsers(ram.CreateListUsersRequest()))(t).Users.User); n != 4 {
			t.Fatalf("after DeleteUser: %d users", n)
		}
	})
}

// TestRAMAttachments drives AttachPolicyToRole/User, DetachPolicyFromRole/
// User, ListPoliciesForRole/User and ListEntitiesForPolicy, their
// refusals and limits, and the denial a RAM user without permission gets:
// NoPermission with Recommend and AccessDeniedDetail.
func TestRAMAttachments(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a := s.CreateAccount("attach-a")
	c := s.RAM(a.Creds())
	createRole(t, c, "worker", trustRAM("acs:ram::"+a.AccountID+":root"))
	bob := createUserWithKey(t, c, "bob")
	createPolicy(t, c, "role-reader", allow([]string{"ram:GetRole", "ram:ListRoles"}))

	// A RAM user without any policy is refused, and told why.
	se := sdkError(t, errOf(s.RAM(bob).ListRoles(ram.CreateListRolesRequest())), "NoPermission", 403)
	if se.Message() != "You are not authorized to do this action." || !strings.Contains(se.Recommend(), "ram:ListRoles") ||
		!strings.Contains(se.Recommend(), "AttachPolicyToUser") {
		t.Errorf("NoPermission: message %q, Recommend %q", se.Message(), se.Recommend())
	}
	d := se.AccessDeniedDetail()
	checkShape(t, "AccessDeniedDetail", d, shape{"AuthAction": "s", "AuthPrincipalType": "s", "AuthPrincipalOwnerId": "s",
		"AuthPrincipalDisplayName": "s", "PolicyType": "s", "NoPermissionType": "s", "EncodedDiagnosticMessage": "s?"})
	if d["AuthAction"] != "ram:ListRoles" || d["AuthPrincipalType"] != "SubUser" || d["AuthPrincipalOwnerId"] != a.AccountID ||
		d["AuthPrincipalDisplayName"] != "acs:ram::"+a.AccountID+":user/bob" || d["NoPermissionType"] != "ImplicitDeny" {
		t.Errorf("AccessDeniedDetail: %v", d)
	}
	gr := ram.CreateGetRoleRequest()
	gr.RoleName = "worker"
	sdkError(t, errOf(s.RAM(bob).GetRole(gr)), "NoPermission", 403)

	// AttachPolicyToUser: bob may now read roles.
	attachToUser(t, c, "bob", "role-reader")
	attachToUser(t, c, "bob", "AliyunSTSAssumeRoleAccess")
	must(s.RAM(bob).GetRole(gr))(t)
	// ...but not create them.
	crByBob := ram.CreateCreateRoleRequest()
	crByBob.RoleName, crByBob.AssumeRolePolicyDocument = "bobs", trustRAM("acs:ram::"+a.AccountID+":root")
	se = sdkError(t, errOf(s.RAM(bob).CreateRole(crByBob)), "NoPermission", 403)
	if se.AccessDeniedDetail()["AuthAction"] != "ram:CreateRole" || !strings.Contains(se.Recommend(), "acs:ram::"+a.AccountID+":role/bobs") {
		t.Errorf("CreateRole denial: %v / %s", se.AccessDeniedDetail(), se.Recommend())
	}
	// An explicit deny wins and says which statement decided.
	createPolicy(t, c, "deny-worker", `{"Version":"1","Statement":[{"Sid":"no-worker","Effect":"Deny","Action":"ram:GetRole","Resource":"acs:ram:*:*:role/worker"}]}`)
	attachToUser(t, c, "bob", "deny-worker")
	se = sdkError(t, errOf(s.RAM(bob).GetRole(gr)), "NoPermission", 403)
	if d := se.AccessDeniedDetail(); d["NoPermissionType"] != "ExplicitDeny" || !strings.Contains(fmt.Sprint(d["EncodedDiagnosticMessage"]), "no-worker") {
		t.Errorf("explicit deny: %v", d)
	}

	lpu := ram.CreateListPoliciesForUserRequest()
	lpu.UserName = "bob"
	pu := must(c.ListPoliciesForUser(lpu))(t)
	m := body(t, pu.GetHttpContentString())
	checkShape(t, "ListPoliciesForUser", m, shape{"RequestId": "s", "Policies": "o"})
	attachedShape := shape{"PolicyName": "s", "PolicyType": "s", "Description": "s", "DefaultVersion": "s", "AttachDate": "d"}
	for _, it := range list(t, m, "Policies", "Policy") {
		checkShape(t, "ListPoliciesForUser.Policies.Policy[]", it, attachedShape)
	}
	var names []string
	for _, p := range pu.Policies.Policy {
		names = append(names, p.PolicyType+":"+p.PolicyName)
	}
	if strings.Join(names, ",") != "Custom:role-reader,System:AliyunSTSAssumeRoleAccess,Custom:deny-worker" {
		t.Fatalf("ListPoliciesForUser (attachment order): %v", names)
	}

	// Roles.
	attachToRole(t, c, "worker", "role-reader")
	attachToRole(t, c, "worker", "AliyunRAMReadOnlyAccess")
	lpr := ram.CreateListPoliciesForRoleRequest()
	lpr.RoleName = "WORKER"
	pr := must(c.ListPoliciesForRole(lpr))(t)
	m = body(t, pr.GetHttpContentString())
	checkShape(t, "ListPoliciesForRole", m, shape{"RequestId": "s", "Policies": "o"})
	for _, it := range list(t, m, "Policies", "Policy") {
		checkShape(t, "ListPoliciesForRole.Policies.Policy[]", it, attachedShape)
	}
	if len(pr.Policies.Policy) != 2 || pr.Policies.Policy[0].PolicyName != "role-reader" || pr.Policies.Policy[1].PolicyType != "System" ||
		pr.Policies.Policy[0].Description != "" || pr.Policies.Policy[0].DefaultVersion != "v1" {
		t.Fatalf("ListPoliciesForRole: %+v", pr.Policies)
	}

	// ListEntitiesForPolicy.
	le := ram.CreateListEntitiesForPolicyRequest()
	le.PolicyName, le.PolicyType = "role-reader", "Custom"
	ents := must(c.ListEntitiesForPolicy(le))(t)
	m = body(t, ents.GetHttpContentString())
	checkShape(t, "ListEntitiesForPolicy", m, shape{"RequestId": "s", "Roles": "o", "Users": "o", "Groups": "o"})
	for _, it := range list(t, m, "Roles", "Role") {
		checkShape(t, "ListEntitiesForPolicy.Roles.Role[]", it, shape{"RoleId": "s", "RoleName": "s", "Arn": "s", "Description": "s", "AttachDate": "d"})
	}
	for _, it := range list(t, m, "Users", "User") {
		checkShape(t, "ListEntitiesForPolicy.Users.User[]", it, shape{"UserId": "s", "UserName": "s", "DisplayName": "s", "AttachDate": "d"})
	}
	list(t, m, "Groups", "Group")
	gw := must(c.GetRole(gr))(t).Role
	gb := ram.CreateGetUserRequest()
	gb.UserName = "bob"
	bobUser := must(c.GetUser(gb))(t).User
	if len(ents.Roles.Role) != 1 || ents.Roles.Role[0].RoleName != "worker" || ents.Roles.Role[0].Arn != "acs:ram::"+a.AccountID+":role/worker" ||
		ents.Roles.Role[0].RoleId != gw.RoleId || len(ents.Users.User) != 1 || ents.Users.User[0].UserName != "bob" ||
		ents.Users.User[0].UserId != bobUser.UserId || ents.Users.User[0].DisplayName != "bob" {
		t.Fatalf("ListEntitiesForPolicy: %s", ents.GetHttpContentString())
	}

	t.Run("errors", func(t *testing.T) {
		again := ram.CreateAttachPolicyToUserRequest()
		again.UserName, again.PolicyName, again.PolicyType = "bob", "ROLE-READER", "Custom"
		sdkError(t, errOf(c.AttachPolicyToUser(again)), "EntityAlreadyExists.User.Policy", 409)
		againRole := ram.CreateAttachPolicyToRoleRequest()
		againRole.RoleName, againRole.PolicyName, againRole.PolicyType = "worker", "AliyunRAMReadOnlyAccess", "System"
		sdkError(t, errOf(c.AttachPolicyToRole(againRole)), "EntityAlreadyExists.Role.Policy", 409)
		noUser := ram.CreateAttachPolicyToUserRequest()
		noUser.UserName, noUser.PolicyName, noUser.PolicyType = "nobody", "role-reader", "Custom"
		sdkError(t, errOf(c.AttachPolicyToUser(noUser)), "EntityNotExist.User", 404)
		noRole := ram.CreateAttachPolicyToRoleRequest()
		noRole.RoleName, noRole.PolicyName, noRole.PolicyType = "nobody", "role-reader", "Custom"
		sdkError(t, errOf(c.AttachPolicyToRole(noRole)), "EntityNotExist.Role", 404)
		noPol := ram.CreateAttachPolicyToRoleRequest()
		noPol.RoleName, noPol.PolicyName, noPol.PolicyType = "worker", "nothing", "Custom"
		sdkError(t, errOf(c.AttachPolicyToRole(noPol)), "EntityNotExist.Policy", 404)
		wrongType := ram.CreateAttachPolicyToRoleRequest()
		wrongType.RoleName, wrongType.PolicyName, wrongType.PolicyType = "worker", "role-reader", "System"
		sdkError(t, errOf(c.AttachPolicyToRole(wrongType)), "EntityNotExist.Policy", 404)
		badType := ram.CreateAttachPolicyToRoleRequest()
		badType.RoleName, badType.PolicyName, badType.PolicyType = "worker", "role-reader", "Other"
		sdkError(t, errOf(c.AttachPolicyToRole(badType)), "InvalidParameter.PolicyType", 400)
		noType := ram.CreateAttachPolicyToRoleRequest()
		noType.RoleName, noType.PolicyName = "worker", "role-reader"
		sdkError(t, errOf(c.AttachPolicyToRole(noType)), "MissingParameter", 400)
		notAttached := ram.CreateDetachPolicyFromRoleRequest()
		notAttached.RoleName, notAttached.PolicyName, notAttached.PolicyType = "worker", "deny-worker", "Custom"
		sdkError(t, errOf(c.DetachPolicyFromRole(notAttached)), "EntityNotExist.Role.Policy", 404)
		notAttachedU := ram.CreateDetachPolicyFromUserRequest()
		notAttachedU.UserName, notAttachedU.PolicyName, notAttachedU.PolicyType = "bob", "AliyunRAMFullAccess", "System"
		sdkError(t, errOf(c.DetachPolicyFromUser(notAttachedU)), "EntityNotExist.User.Policy", 404)
		lprMissing := ram.CreateListPoliciesForRoleRequest()
		lprMissing.RoleName = "nobody"
		sdkError(t, errOf(c.ListPoliciesForRole(lprMissing)), "EntityNotExist.Role", 404)
		lpuMissing := ram.CreateListPoliciesForUserRequest()
		lpuMissing.UserName = "nobody"
		sdkError(t, errOf(c.ListPoliciesForUser(lpuMissing)), "EntityNotExist.User", 404)
		leMissing := ram.CreateListEntitiesForPolicyRequest()
		leMissing.PolicyName, leMissing.PolicyType = "nothing", "Custom"
		sdkError(t, errOf(c.ListEntitiesForPolicy(leMissing)), "EntityNotExist.Policy", 404)

		// Five custom policies per role, ten per user.
		for i := 0; i < 10; i++ {
			createPolicy(t, c, fmt.Sprintf("p%d", i), allow([]string{"ram:GetUser"}))
		}
		for i := 0; i < 4; i++ {
			attachToRole(t, c, "worker", fmt.Sprintf("p%d", i))
		}
		over := ram.CreateAttachPolicyToRoleRequest()
		over.RoleName, over.PolicyName, over.PolicyType = "worker", "p4", "Custom"
		sdkError(t, errOf(c.AttachPolicyToRole(over)), "LimitExceeded.Role.Policy", 409)
		for i := 0; i < 8; i++ {
			attachToUser(t, c, "bob", fmt.Sprintf("p%d", i))
		}
		overU := ram.CreateAttachPolicyToUserRequest()
		overU.UserName, overU.PolicyName, overU.PolicyType = "bob", "p8", "Custom"
		sdkError(t, errOf(c.AttachPolicyToUser(overU)), "LimitExceeded.User.Policy", 409)

		// Refusals attached nothing.
		if n := len(must(c.ListPoliciesForRole(lpr))(t).Policies.Policy); n != 6 {
			t.Fatalf("worker has %d policies, want 6", n)
		}
		if n := len(must(c.ListPoliciesForUser(lpu))(t).Policies.Policy); n != 11 {
			t.Fatalf("bob has %d policies, want 11", n)
		}

		// Detach takes effect on the next request.
		dx := ram.CreateDetachPolicyFromUserRequest()
		dx.UserName, dx.PolicyName, dx.PolicyType = "bob", "deny-worker", "Custom"
		checkShape(t, "DetachPolicyFromUser", body(t, must(c.DetachPolicyFromUser(dx))(t).GetHttpContentString()), shape{"RequestId": "s"})
		must(s.RAM(bob).GetRole(gr))(t)
		dx.PolicyName = "role-reader"
		must(c.DetachPolicyFromUser(dx))(t)
		sdkError(t, errOf(s.RAM(bob).GetRole(gr)), "NoPermission", 403)
		dr := ram.CreateDetachPolicyFromRoleRequest()
		dr.RoleName, dr.PolicyName, dr.PolicyType = "worker", "role-reader", "Custom"
		checkShape(t, "DetachPolicyFromRole", body(t, must(c.DetachPolicyFromRole(dr))(t).GetHttpContentString()), shape{"RequestId": "s"})
		ents := must(c.ListEntitiesForPolicy(le))(t)
		if len(ents.Roles.Role)+len(ents.Users.User) != 0 {
			t.Fatalf("ListEntitiesForPolicy after detaching: %s", ents.GetHttpContentString())
		}
	})
}
