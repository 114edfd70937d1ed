package odpsrest_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/odpsrest"
)

func TestUsersAndRoles(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
	e.securityOK(e.keyB, "create role reader;")
	e.securityOK(e.keyB, "grant reader to `"+e.rolePrincipal+"`;")
	roleDisplay := "RAM$" + e.b.ID + ":role/testRole"

	type user struct {
		ID, DisplayName, Comment string
		Roles                    []string `xml:"Roles>Role"`
	}
	var users struct {
		User []user
	}
	e.get(e.keyB, p+"/users", "").ok(t, 200).decode(t, &users)
	if len(users.User) != 2 || users.User[0].DisplayName != "ALIYUN$"+e.b.ID || users.User[0].ID != e.b.ID ||
		users.User[1].DisplayName != roleDisplay || users.User[1].ID == roleDisplay {
		t.Fatalf("users: %+v", users)
	}
	roleID := users.User[1].ID
	// One user by id, by display name (escaped: it holds a "/"), with
	// ?type=displayname, in any case.
	for _, q := range []struct{ name, query string }{
		{roleID, ""}, {roleDisplay, "type=displayname"}, {strings.ToLower(roleDisplay), ""}, {"RAM$" + e.b.ID + ":role/TESTROLE", "type=displayname"},
	} {
		var u user
		e.get(e.role, p+"/users/"+url.PathEscape(q.name), q.query).ok(t, 200).decode(t, &u)
		if u.ID != roleID || u.DisplayName != roleDisplay || len(u.Roles) != 1 || u.Roles[0] != "reader" {
			t.Fatalf("user %s: %+v", q.name, u)
		}
	}
	e.get(e.keyB, p+"/users/"+url.PathEscape("RAM$"+e.b.ID+":role/nobody"), "").wantError(t, 404, "NoSuchObject", "is not a user of project sale_project")
	var roles struct {
		Role []struct{ Name, Type string }
	}
	e.get(e.keyB, p+"/users/"+url.PathEscape(roleDisplay), "roles&type=displayname").ok(t, 200).decode(t, &roles)
	if len(roles.Role) != 1 || roles.Role[0].Name != "reader" || roles.Role[0].Type != "resource" {
		t.Fatalf("roles of the user: %+v", roles)
	}
	roles.Role = nil
	e.get(e.role, p+"/roles", "").ok(t, 200).decode(t, &roles)
	if len(roles.Role) != 3 || roles.Role[0].Name != "admin" || roles.Role[1].Name != "super_administrator" || roles.Role[2].Name != "reader" {
		t.Fatalf("roles: %+v", roles)
	}
	var role struct{ Name, Type string }
	e.get(e.keyB, p+"/roles/READER", "").ok(t, 200).decode(t, &role)
	if role.Name != "reader" {
		t.Fatalf("role: %+v", role)
	}
	e.get(e.keyB, p+"/roles/nope", "").wantError(t, 404, "NoSuchObject", "create role nope")
	// ?users (Java) and ?usesrs (the Go SDK's spelling).
	for _, flag := range []string{"users", "usesrs"} {
		users.User = nil
		e.get(e.keyB, p+"/roles/reader", flag).ok(t, 200).decode(t, &users)
		if len(users.User) != 1 || users.User[0].DisplayName != roleDisplay || users.User[0].ID != roleID {
			t.Fatalf("?%s: %+v", flag, users)
		}
	}
	// Members only.
	e.get(e.keyA, p+"/users", "").wantError(t, 403, "NoPermission", "You don't exist")
	e.get(e.keyA, p+"/roles", "").wantError(t, 403, "NoPermission", "You don't exist")
}

func TestCheckPermission(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	e.sqlOK(e.keyB, "create table t1 (x bigint);")
	e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
	e.securityOK(e.keyB, "grant Select on table t1 to user `"+e.rolePrincipal+"`;")
	type auth struct{ Result, Message string }
	check := func(c resp) auth {
		t.Helper()
		var a auth
		c.ok(t, 200).decode(t, &a)
		return a
	}
	if a := check(e.get(e.role, p+"/auth", "type=Table&name=t1&grantee=Select")); a.Result != "Allow" || a.Message != "" {
		t.Fatalf("v0 select: %+v", a)
	}
	if a := check(e.get(e.role, p+"/auth", "type=Table&name=t1&grantee=Drop")); a.Result != "Deny" || !strings.Contains(a.Message, "odps:Drop") {
		t.Fatalf("v0 drop: %+v", a)
	}
	if a := check(e.get(e.role, p+"/auth", "type=Project&name=sale_project&grantee=CreateInstance")); a.Result != "Deny" || !strings.Contains(a.Message, "odps:CreateInstance") {
		t.Fatalf("v0 project: %+v", a)
	}
	v1 := func(perms string) auth {
		return check(e.send(e.role, req{method: "POST", path: p + "/auth", body: perms, header: map[string]string{"Content-Type": "application/json"}}))
	}
	if a := v1(`[{"Action":"Select","Resource":"/projects/sale_project/tables/t1"}]`); a.Result != "Allow" {
		t.Fatalf("v1: %+v", a)
	}
	if a := v1(`[{"Action":"Select","Resource":"/projects/sale_project/tables/t1"},{"Action":"Update","Resource":"/projects/sale_project/tables/t1"}]`); a.Result != "Deny" {
		t.Fatalf("v1 two: %+v", a)
	}
	// The Go SDK's instance resource is a function path: lenient, denied.
	if a := v1(`[{"Action":"Read","Resource":"/projects/sale_project/registration/functions/sale_project"}]`); a.Result != "Deny" {
		t.Fatalf("v1 function: %+v", a)
	}
	if a := check(e.get(e.keyA, p+"/auth", "type=Table&name=t1&grantee=Select")); a.Result != "Deny" || !strings.Contains(a.Message, "You don't exist") {
		t.Fatalf("non-member: %+v", a)
	}
	if a := check(e.get(e.role, p+"/auth", "type=Table&name=nope&grantee=Select")); a.Result != "Deny" || !strings.Contains(a.Message, "ODPS-0130131") {
		t.Fatalf("missing table: %+v", a)
	}
	e.send(e.role, req{method: "POST", path: p + "/auth", body: `[{"Action":"Select","Resource":"/projects/other/tables/t1"}]`}).wantError(t, 400, "InvalidArgument", "another project")
	e.send(e.role, req{method: "POST", path: p + "/auth", body: `{}`}).wantError(t, 400, "InvalidArgument")
	e.get(e.role, p+"/auth", "type=Table").wantError(t, 400, "InvalidArgument")
	e.get(e.role, "/projects/nope/auth", "type=Table&name=t&grantee=Select").wantError(t, 404, "NoSuchProject")
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	t.Run("sync", func(t *testing.T) {
		if out := e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`"); out != "" {
			t.Fatalf("OK is an empty result, got %q", out)
		}
		who := e.securityOK(e.role, "whoami;")
		var w map[string]string
		if err := json.Unmarshal([]byte(who), &w); err != nil || w["DisplayName"] != "RAM$"+e.b.ID+":role/testRole" || w["ID"] == "" {
			t.Fatalf("whoami: %q %v", who, err)
		}
		// ResponseInJsonFormat: JSON, as pyodps loads it.
		var out struct{ Result string }
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: authorizationBody("list users", true)}).ok(t, 200).decode(t, &out)
		var j map[string]string
		if err := json.Unmarshal([]byte(out.Result), &j); err != nil || !strings.Contains(j["result"], "testRole") {
			t.Fatalf("JSON list users: %q", out.Result)
		}
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: authorizationBody("show grants for `"+e.rolePrincipal+"`", true)}).ok(t, 200).decode(t, &out)
		var g struct{ Roles []string }
		if err := json.Unmarshal([]byte(out.Result), &g); err != nil || g.Roles == nil {
			t.Fatalf("JSON show grants: %q", out.Result)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		e.security(e.keyB, "select * from t;").wantError(t, 400, "InvalidArgument", "not a security statement", "/instances")
		e.security(e.keyB, "grant Select on table\n  nope to").wantError(t, 400, "ParseError", "ODPS-0130161:[2,")
		e.security(e.keyB, "add user `RAM$account-b:role/nobody`;").wantError(t, 400, "InvalidArgument", "has no RAM role \"nobody\"")
		e.security(e.keyB, "add user ALIYUN$no-such-account;").wantError(t, 400, "InvalidArgument", "there is no account")
		e.security(e.keyB, "add user `RAM$account-a:alice`;").wantError(t, 400, "InvalidArgument", "RAM users from other Alibaba Cloud accounts cannot be added")
		e.security(e.keyB, "grant Select on table missing to user `"+e.rolePrincipal+"`;").wantError(t, 404, "NoSuchTable", "ODPS-0130131")
		e.security(e.keyB, "grant Select on table other_project.t1 to user `"+e.rolePrincipal+"`;").wantError(t, 400, "InvalidArgument", "another project")
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: "<Authorization><Query></Query></Authorization>"}).wantError(t, 400, "InvalidArgument", "empty")
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: "<Authorization><Query>list users</Query><Settings>nope</Settings></Authorization>"}).
			wantError(t, 400, "InvalidArgument", "Settings")
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", query: "sign_bearer_token", body: "{}"}).wantError(t, 501, "NotSupported")
		e.security(e.keyA, "list users;").wantError(t, 403, "NoPermission", "You don't exist")
		e.send(e.keyB, req{method: "POST", path: "/projects/nope/authorization", body: authorizationBody("list users", false)}).wantError(t, 404, "NoSuchProject")
	})
}

func TestAuthorizationAsync(t *testing.T) {
	e := newEnv(t, func(o *odpsrest.Options) { o.AsyncAuthorization = true })
	p := "/projects/sale_project"
	submit := func(query string) string {
		t.Helper()
		var out struct{ Result string }
		e.send(e.keyB, req{method: "POST", path: p + "/authorization", body: authorizationBody(query, false)}).ok(t, 201).decode(t, &out)
		if out.Result == "" {
			t.Fatal("an asynchronous answer carries the query id in Result")
		}
		return out.Result
	}
	poll := func(id string) (string, string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var q struct {
				Result, Status string
			}
			e.get(e.keyB, p+"/authorization/"+id, "").ok(t, 200).decode(t, &q)
			if q.Status != "Running" {
				return q.Status, q.Result
			}
			if time.Now().After(deadline) {
				t.Fatal("still running")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Exactly Terminated and Failed: the Go SDK compares them as written.
	if st, res := poll(submit("add user `" + e.rolePrincipal + "`;")); st != "Terminated" || res != "" {
		t.Fatalf("add user: %s %q", st, res)
	}
	if st, res := poll(submit("list users;")); st != "Terminated" || !strings.Contains(res, "testRole") {
		t.Fatalf("list users: %s %q", st, res)
	}
	if st, res := poll(submit("add user `RAM$account-b:role/nobody`;")); st != "Failed" || !strings.Contains(res, "ODPS-0420411") {
		t.Fatalf("failed statement: %s %q", st, res)
	}
	id := submit("list roles;")
	e.get(e.keyA, p+"/authorization/"+id, "").wantError(t, 404, "NoSuchObject")
	e.get(e.keyB, p+"/authorization/20990101000000000abcdefghij", "").wantError(t, 404, "NoSuchObject")
}
