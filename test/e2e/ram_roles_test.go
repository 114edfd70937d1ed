package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

var (
	roleIDRE = regexp.MustCompile(`^[1-9][0-9]{14,18}$`)
	userIDRE = regexp.MustCompile(`^[1-9][0-9]{14,18}$`)
)

// roleShape is a Role object of CreateRole, GetRole and UpdateRole.
var roleShape = shape{"RoleId": "s", "RoleName": "s", "Arn": "s", "Description": "s", "AssumeRolePolicyDocument": "s",
	"MaxSessionDuration": "n", "CreateDate": "d", "UpdateDate": "d?"}

// TestRAMRoles drives CreateRole, GetRole, UpdateRole, ListRoles (paged)
// and DeleteRole with the monolithic SDK, checking every field of the
// responses as they are on the wire, then each documented refusal, and
// that a refused call changed nothing.
func TestRAMRoles(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	b := s.CreateAccount("roles-b")
	c := s.RAM(b.Creds())
	trust := trustRAM("acs:ram::" + b.AccountID + ":root")

	// CreateRole, every field.
	cr := ram.CreateCreateRoleRequest()
	cr.RoleName, cr.AssumeRolePolicyDocument, cr.Description = "Reader-1", trust, "reads things"
	cr.MaxSessionDuration = "7200"
	created := must(c.CreateRole(cr))(t)
	raw := body(t, created.GetHttpContentString())
	checkShape(t, "CreateRole", raw, shape{"RequestId": "s", "Role": "o"})
	role := checkShape(t, "CreateRole.Role", raw["Role"], roleShape)
	if raw["RequestId"] != created.RequestId {
		t.Errorf("RequestId: %v", raw["RequestId"])
	}
	r := created.Role
	if !roleIDRE.MatchString(r.RoleId) || r.RoleName != "Reader-1" || r.Arn != "acs:ram::"+b.AccountID+":role/reader-1" ||
		r.Description != "reads things" || r.AssumeRolePolicyDocument != trust || r.MaxSessionDuration != 7200 ||
		role["MaxSessionDuration"] != json.Number("7200") {
		t.Fatalf("CreateRole: %+v", r)
	}

	// GetRole: case-insensitive name, same role, UpdateDate set.
	gr := ram.CreateGetRoleRequest()
	gr.RoleName = "READER-1"
	got := must(c.GetRole(gr))(t)
	checkShape(t, "GetRole", body(t, got.GetHttpContentString()), shape{"RequestId": "s", "Role": "o"})
	checkShape(t, "GetRole.Role", body(t, got.GetHttpContentString())["Role"], roleShape)
	if got.Role.RoleId != r.RoleId || got.Role.RoleName != "Reader-1" || got.Role.CreateDate != r.CreateDate ||
		got.Role.AssumeRolePolicyDocument != trust || got.Role.MaxSessionDuration != 7200 || !dateRE.MatchString(got.Role.UpdateDate) {
		t.Fatalf("GetRole: %+v", got.Role)
	}

	// UpdateRole: each New* parameter.
	newTrust := trustRAM("acs:ram::"+b.AccountID+":root", "acs:ram::"+b.AccountID+":user/alice")
	ur := ram.CreateUpdateRoleRequest()
	ur.RoleName, ur.NewAssumeRolePolicyDocument, ur.NewDescription, ur.NewMaxSessionDuration = "Reader-1", newTrust, "reads more", "43200"
	upd := must(c.UpdateRole(ur))(t)
	checkShape(t, "UpdateRole.Role", body(t, upd.GetHttpContentString())["Role"], roleShape)
	if upd.Role.RoleId != r.RoleId || upd.Role.AssumeRolePolicyDocument != newTrust || upd.Role.Description != "reads more" ||
		upd.Role.MaxSessionDuration != 43200 || upd.Role.UpdateDate < upd.Role.CreateDate {
		t.Fatalf("UpdateRole: %+v", upd.Role)
	}
	got = must(c.GetRole(gr))(t)
	if got.Role.AssumeRolePolicyDocument != newTrust || got.Role.MaxSessionDuration != 43200 || got.Role.Description != "reads more" {
		t.Fatalf("GetRole after UpdateRole: %+v", got.Role)
	}

	// ListRoles, paged by MaxItems with IsTruncated and Marker.
	for i := 2; i <= 5; i++ {
		createRole(t, c, fmt.Sprintf("Reader-%d", i), trust)
	}
	var seen []string
	marker := ""
	for page := 0; ; page++ {
		lr := ram.CreateListRolesRequest()
		lr.MaxItems, lr.Marker = "2", marker
		resp := must(c.ListRoles(lr))(t)
		m := body(t, resp.GetHttpContentString())
		checkShape(t, "ListRoles", m, shape{"RequestId": "s", "IsTruncated": "b", "Marker": "s?", "Roles": "o"})
		items := list(t, m, "Roles", "Role")
		for _, it := range items {
			checkShape(t, "ListRoles.Roles.Role[]", it, shape{"RoleId": "s", "RoleName": "s", "Arn": "s", "Description": "s",
				"MaxSessionDuration": "n", "CreateDate": "d", "UpdateDate": "d?"})
		}
		for _, it := range resp.Roles.Role {
			seen = append(seen, it.RoleName)
		}
		if page < 2 {
			if !resp.IsTruncated || resp.Marker == "" || len(resp.Roles.Role) != 2 {
				t.Fatalf("page %d: IsTruncated %v Marker %q, %d roles", page, resp.IsTruncated, resp.Marker, len(resp.Roles.Role))
			}
		} else {
			if resp.IsTruncated || m["Marker"] != nil || len(resp.Roles.Role) != 1 {
				t.Fatalf("last page: IsTruncated %v Marker %v, %d roles", resp.IsTruncated, m["Marker"], len(resp.Roles.Role))
			}
			break
		}
		marker = resp.Marker
	}
	if strings.Join(sortedCopy(seen), ",") != "Reader-1,Reader-2,Reader-3,Reader-4,Reader-5" || len(seen) != 5 {
		t.Fatalf("ListRoles pages: %v", seen)
	}
	before := roleNames(t, c)

	// Refusals, each changing nothing.
	t.Run("errors", func(t *testing.T) {
		dup := ram.CreateCreateRoleRequest()
		dup.RoleName, dup.AssumeRolePolicyDocument = "READER-1", trust
		msg := sdkError(t, errOf(c.CreateRole(dup)), "EntityAlreadyExists.Role", 409).Message()
		if msg != "The role does already EXIST." {
			t.Errorf("EntityAlreadyExists.Role message %q", msg)
		}

		missing := ram.CreateGetRoleRequest()
		missing.RoleName = "nobody"
		if msg := sdkError(t, errOf(c.GetRole(missing)), "EntityNotExist.Role", 404).Message(); msg != "The role does not exist." {
			t.Errorf("EntityNotExist.Role message %q", msg)
		}
		mu := ram.CreateUpdateRoleRequest()
		mu.RoleName, mu.NewDescription = "nobody", "x"
		sdkError(t, errOf(c.UpdateRole(mu)), "EntityNotExist.Role", 404)
		md := ram.CreateDeleteRoleRequest()
		md.RoleName = "nobody"
		sdkError(t, errOf(c.DeleteRole(md)), "EntityNotExist.Role", 404)

		long := ram.CreateCreateRoleRequest()
		long.RoleName, long.AssumeRolePolicyDocument = strings.Repeat("r", 65), trust
		if msg := sdkError(t, errOf(c.CreateRole(long)), "InvalidParameter.RoleName.Length", 400).Message(); msg != `The parameter - "RoleName" beyond the length limit.` {
			t.Errorf("Length message %q", msg)
		}
		bad := ram.CreateCreateRoleRequest()
		bad.RoleName, bad.AssumeRolePolicyDocument = "bad/name", trust
		if msg := sdkError(t, errOf(c.CreateRole(bad)), "InvalidParameter.RoleName.InvalidChars", 400).Message(); msg != `The parameter - "RoleName" contains invalid chars.` {
			t.Errorf("InvalidChars message %q", msg)
		}
		badGet := ram.CreateGetRoleRequest()
		badGet.RoleName = "bad_name"
		sdkError(t, errOf(c.GetRole(badGet)), "InvalidParameter.RoleName.InvalidChars", 400)

		noTrust := ram.CreateCreateRoleRequest()
		noTrust.RoleName = "no-trust"
		sdkError(t, errOf(c.CreateRole(noTrust)), "MissingParameter", 400)

		malformed := ram.CreateCreateRoleRequest()
		malformed.RoleName = "malformed"
		malformed.AssumeRolePolicyDocument = `{"Version":"1","Statement":[{"Effect":"allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + b.AccountID + `:root"]}}]}`
		if msg := sdkError(t, errOf(c.CreateRole(malformed)), "MalformedPolicyDocument", 400).Message(); !strings.Contains(msg, "Statement[0].Effect") {
			t.Errorf("MalformedPolicyDocument message does not carry the parser's detail: %q", msg)
		}
		notJSON := ram.CreateCreateRoleRequest()
		notJSON.RoleName, notJSON.AssumeRolePolicyDocument = "not-json", `{"Version":"1",`
		sdkError(t, errOf(c.CreateRole(notJSON)), "MalformedPolicyDocument", 400)
		trustLong := ram.CreateCreateRoleRequest()
		trustLong.RoleName, trustLong.AssumeRolePolicyDocument = "trust-long", padPolicy(trust, 4097)
		sdkError(t, errOf(c.CreateRole(trustLong)), "InvalidParameter.AssumeRolePolicyDocument.Length", 400)
		updLong := ram.CreateUpdateRoleRequest()
		updLong.RoleName, updLong.NewAssumeRolePolicyDocument = "Reader-1", padPolicy(trust, 4097)
		sdkError(t, errOf(c.UpdateRole(updLong)), "InvalidParameter.NewAssumeRolePolicyDocument.Length", 400)
		updBad := ram.CreateUpdateRoleRequest()
		updBad.RoleName, updBad.NewAssumeRolePolicyDocument = "Reader-1", `{"Version":"1","Statement":[]`
		sdkError(t, errOf(c.UpdateRole(updBad)), "MalformedPolicyDocument", 400)

		desc := ram.CreateCreateRoleRequest()
		desc.RoleName, desc.AssumeRolePolicyDocument, desc.Description = "desc-long", trust, strings.Repeat("d", 1025)
		sdkError(t, errOf(c.CreateRole(desc)), "InvalidParameter.Description.Length", 400)
		dur := ram.CreateCreateRoleRequest()
		dur.RoleName, dur.AssumeRolePolicyDocument, dur.MaxSessionDuration = "dur", trust, "3599"
		sdkError(t, errOf(c.CreateRole(dur)), "InvalidParameter.MaxSessionDuration", 400)
		newDur := ram.CreateUpdateRoleRequest()
		newDur.RoleName, newDur.NewMaxSessionDuration = "Reader-1", "43201"
		sdkError(t, errOf(c.UpdateRole(newDur)), "InvalidParameter.NewMaxSessionDuration", 400)

		maxItems := ram.CreateListRolesRequest()
		maxItems.MaxItems = "1001"
		sdkError(t, errOf(c.ListRoles(maxItems)), "InvalidParameter.MaxItems", 400)

		// DeleteRole with a policy attached.
		attachToRole(t, c, "Reader-2", "AliyunRAMReadOnlyAccess")
		del := ram.CreateDeleteRoleRequest()
		del.RoleName = "Reader-2"
		if msg := sdkError(t, errOf(c.DeleteRole(del)), "DeleteConflict.Role.Policy", 409).Message(); msg != "The role CAN NOT has any attached policy while deleting the role." {
			t.Errorf("DeleteConflict.Role.Policy message %q", msg)
		}

		if after := roleNames(t, c); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Fatalf("refused calls changed the roles: %v, then %v", before, after)
		}
		got := must(c.GetRole(gr))(t)
		if got.Role.AssumeRolePolicyDocument != newTrust || got.Role.MaxSessionDuration != 43200 || got.Role.Description != "reads more" {
			t.Fatalf("refused updates changed the role: %+v", got.Role)
		}

		// Detached, it goes.
		detachFromRole(t, c, "Reader-2", "AliyunRAMReadOnlyAccess")
		del = ram.CreateDeleteRoleRequest()
		del.RoleName = "reader-2"
		resp := must(c.DeleteRole(del))(t)
		checkShape(t, "DeleteRole", body(t, resp.GetHttpContentString()), shape{"RequestId": "s"})
		if names := roleNames(t, c); len(names) != 4 {
			t.Fatalf("after DeleteRole: %v", names)
		}
		sdkError(t, errOf(c.GetRole(func() *ram.GetRoleRequest { r := ram.CreateGetRoleRequest(); r.RoleName = "Reader-2"; return r }())), "EntityNotExist.Role", 404)
	})

	// Another account sees none of B's roles.
	other := s.CreateAccount("roles-other")
	if names := roleNames(t, s.RAM(other.Creds())); len(names) != 0 {
		t.Fatalf("account %s lists roles of another account: %v", other.AccountID, names)
	}
}

// padPolicy pads a JSON policy with spaces to n characters.
func padPolicy(doc string, n int) string {
	if len(doc) >= n {
		return doc
	}
	return doc[:len(doc)-1] + strings.Repeat(" ", n-len(doc)) + "}"
}
