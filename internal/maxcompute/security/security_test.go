package security

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/maxcompute/principal"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

const (
	uidB = "2000000000000002" // owner of the project
	uidA = "1000000000000001"
)

var (
	owner    = "ALIYUN$" + uidB
	testRole = "RAM$" + uidB + ":role/testRole"
	t0       = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
)

// env resolves principals the way the service does: account names
// account-a and account-b, users alice (B) and bob (A), role testRole of B
// and role other of A.
func env(caller string) Env {
	return Env{
		Caller: caller, Now: t0, SourceIP: "127.0.0.1",
		ResolvePrincipal: func(text string) (Resolved, error) {
			n, err := principal.Parse(text)
			if err != nil {
				return Resolved{}, err
			}
			uid := map[string]string{"account-a": uidA, "account-b": uidB, uidA: uidA, uidB: uidB}[strings.ToLower(n.Account)]
			if uid == "" {
				return Resolved{}, invalid("Invalid account Name %s", text)
			}
			switch {
			case n.Kind == principal.Role && strings.EqualFold(n.Name, "testRole") && uid == uidB:
				return Resolved{principal.Canonical(n.Kind, uid, "testRole"), n.Kind, uid}, nil
			case n.Kind == principal.Role && strings.EqualFold(n.Name, "other") && uid == uidA:
				return Resolved{principal.Canonical(n.Kind, uid, "other"), n.Kind, uid}, nil
			case n.Kind == principal.User && n.Name == "alice" && uid == uidB,
				n.Kind == principal.User && n.Name == "bob" && uid == uidA:
				return Resolved{principal.Canonical(n.Kind, uid, n.Name), n.Kind, uid}, nil
			case n.Kind == principal.Account:
				return Resolved{principal.Canonical(n.Kind, uid, ""), n.Kind, uid}, nil
			}
			return Resolved{}, invalid("Invalid account Name %s", text)
		},
		ResolveObject: func(objType, name string) (Object, string, error) {
			switch {
			case objType == "project" && name == "sale_project":
				return Object{Type: "project", Name: "sale_project"}, "", nil
			case objType == "table" && (name == "sale_detail" || name == "other_table"):
				return Object{Type: "table", Name: name, ID: "tbl-" + name}, owner, nil
			}
			return Object{}, "", invalid("table %s does not exist", name)
		},
	}
}

func apply(t *testing.T, st *State, caller string, stmt sqlast.Statement) (string, error) {
	t.Helper()
	out, _, err := Apply(st, env(caller), stmt)
	return out, err
}

func mustApply(t *testing.T, st *State, caller string, stmt sqlast.Statement) string {
	t.Helper()
	out, err := apply(t, st, caller, stmt)
	if err != nil {
		t.Fatalf("%T: %v", stmt, err)
	}
	return out
}

func wantError(t *testing.T, err error, code, contains string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code || !strings.Contains(e.Error(), contains) {
		t.Fatalf("got %v, want %s containing %q", err, code, contains)
	}
}

func p(text string) sqlast.Principal { return sqlast.Principal{Text: text} }

func grant(actions []string, objType sqlast.ObjectType, name string, to sqlast.Grantee, props ...sqlast.Property) *sqlast.GrantPrivileges {
	g := &sqlast.GrantPrivileges{ObjectType: objType, ObjectName: name, Grantee: to, Properties: props}
	for _, a := range actions {
		g.Actions = append(g.Actions, sqlast.Ident{Name: a})
	}
	return g
}

func user(text string) sqlast.Grantee {
	pr := p(text)
	return sqlast.Grantee{Principal: &pr}
}

func check(t *testing.T, st *State, who, action string, obj Object) Decision {
	t.Helper()
	snap, err := Compile(st)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Check(Request{Principal: who, Action: action, Object: obj, Now: t0})
}

var (
	saleDetail = Object{Type: "table", Name: "sale_detail", ID: "tbl-sale_detail"}
	project    = Object{Type: "project", Name: "sale_project"}
)

// TestSeedStatements plays the seed's MaxCompute statements, with the
// account name form, and checks what they allow.
func TestSeedStatements(t *testing.T) {
	st := New("sale_project", uidB)
	if d := check(t, st, testRole, "Select", saleDetail); !d.NotMember {
		t.Fatalf("before add user: %+v", d)
	}
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$account-b:role/testRole")})
	if out := mustApply(t, st, owner, &sqlast.ListUsers{}); out != owner+"\n"+testRole {
		t.Fatalf("list users:\n%s", out)
	}
	if out := mustApply(t, st, owner, &sqlast.ShowGrants{Principal: ptr(p("RAM$" + uidB + ":role/TESTROLE"))}); out != "[roles]" {
		t.Fatalf("show grants of a new member:\n%q", out)
	}
	if d := check(t, st, testRole, "Select", saleDetail); d.Allowed || d.NotMember || d.Code != CodeNoPrivilege {
		t.Fatalf("a new member has no privileges: %+v", d)
	}
	mustApply(t, st, owner, grant([]string{"select"}, sqlast.ObjTable, "sale_detail", user("RAM$account-b:role/testRole")))
	if d := check(t, st, testRole, "Select", saleDetail); !d.Allowed || d.Via != "ACL user" {
		t.Fatalf("after grant Select: %+v", d)
	}
	if d := check(t, st, testRole, "CreateInstance", project); d.Allowed {
		t.Fatal("Select alone does not allow CreateInstance")
	}
	out := mustApply(t, st, owner, &sqlast.ShowGrants{Principal: ptr(p("RAM$account-b:role/testRole"))})
	want := "[roles]\n\nAuthorization Type: ACL\n[user/" + testRole + "]\nA       projects/sale_project/tables/sale_detail: Select"
	if out != want {
		t.Fatalf("show grants:\n%s\nwant:\n%s", out, want)
	}
	// A re-created table (another id) does not inherit the grant.
	if d := check(t, st, testRole, "Select", Object{Type: "table", Name: "sale_detail", ID: "tbl-2"}); d.Allowed {
		t.Fatal("a grant follows the object, not its name")
	}
	// Revoking takes effect at once; removing the user too.
	mustApply(t, st, owner, &sqlast.GrantPrivileges{Revoke: true, Actions: []sqlast.Ident{{Name: "Select"}}, ObjectType: sqlast.ObjTable, ObjectName: "sale_detail", Grantee: user(testRole)})
	if d := check(t, st, testRole, "Select", saleDetail); d.Allowed {
		t.Fatal("revoked")
	}
	mustApply(t, st, owner, grant([]string{"Select"}, sqlast.ObjTable, "sale_detail", user(testRole)))
	mustApply(t, st, owner, &sqlast.RemoveUser{Principal: p(testRole)})
	if d := check(t, st, testRole, "Select", saleDetail); !d.NotMember {
		t.Fatal("removed")
	}
	// Added again, it gets its grant back (as on the real service).
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p(testRole)})
	if d := check(t, st, testRole, "Select", saleDetail); !d.Allowed {
		t.Fatal("re-added")
	}
}

func ptr[T any](v T) *T { return &v }

func TestAddUserRules(t *testing.T) {
	st := New("sale_project", uidB)
	_, err := apply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$account-a:bob")})
	wantError(t, err, "ODPS-0420411", "RAM users from other Alibaba Cloud accounts cannot be added")
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$account-a:role/other")})
	_, err = apply(t, st, owner, &sqlast.AddUser{Principal: p("ram$ACCOUNT-A:role/other")})
	wantError(t, err, "ODPS-0420411", "already exists")
	st.Config.AllowForeignRoles = false
	st2 := New("p2", uidB)
	st2.Config.AllowForeignRoles = false
	_, err = apply(t, st2, owner, &sqlast.AddUser{Principal: p("RAM$account-a:role/other")})
	wantError(t, err, "ODPS-0420411", "AllowForeignRoles")
	_, err = apply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$nobody:role/x")})
	wantError(t, err, "ODPS-0420411", "Invalid account Name")
	// A member without admin rights cannot add users.
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$account-b:alice")})
	_, err = apply(t, st, "RAM$"+uidB+":alice", &sqlast.AddUser{Principal: p("ALIYUN$account-a")})
	wantError(t, err, "ODPS-0420095", "no privilege to add users")
	// Not a member at all.
	_, err = apply(t, st, "RAM$"+uidA+":bob", &sqlast.ListUsers{})
	wantError(t, err, "ODPS-0420095", "You don't exist in project sale_project.")
	// Providers.
	mustApply(t, st, owner, &sqlast.AccountProvider{Op: "remove", Provider: "ram"})
	_, err = apply(t, st, owner, &sqlast.AddUser{Principal: p("RAM$account-b:role/testRole")})
	wantError(t, err, "ODPS-0420411", "lack of account provider")
}

func TestRolesAndAdmins(t *testing.T) {
	st := New("sale_project", uidB)
	alice := "RAM$" + uidB + ":alice"
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p(alice)})
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p(testRole)})
	mustApply(t, st, owner, &sqlast.CreateRole{Name: sqlast.Ident{Name: "dev"}})
	mustApply(t, st, owner, &sqlast.GrantRoles{Roles: []sqlast.Ident{{Name: "DEV"}}, Principal: p(testRole)})
	role := sqlast.Ident{Name: "dev"}
	mustApply(t, st, owner, grant([]string{"Describe", "Select"}, sqlast.ObjTable, "sale_detail", sqlast.Grantee{Role: &role}))
	if d := check(t, st, testRole, "Select", saleDetail); !d.Allowed || d.Via != "ACL role dev" {
		t.Fatalf("via role: %+v", d)
	}
	// Policy grants: a Deny on a wildcard wins over the ACL allow.
	mustApply(t, st, owner, grant([]string{"Select"}, sqlast.ObjTable, "sale_*", sqlast.Grantee{Role: &role},
		sqlast.Property{Key: "policy", Value: "true"}, sqlast.Property{Key: "allow", Value: "false"}))
	if d := check(t, st, testRole, "Select", saleDetail); d.Allowed || d.Code != CodeExplicitlyDeny {
		t.Fatalf("explicit deny: %+v", d)
	}
	out := mustApply(t, st, owner, &sqlast.ShowGrants{Principal: ptr(p(testRole))})
	if !strings.Contains(out, "[roles]\ndev\n") || !strings.Contains(out, "Authorization Type: Policy\n[role/dev]\nD       projects/sale_project/tables/sale_*: Select") {
		t.Fatalf("show grants:\n%s", out)
	}
	// admin: only the owner grants it; it allows everything.
	_, err := apply(t, st, alice, &sqlast.GrantRoles{Roles: []sqlast.Ident{{Name: "admin"}}, Principal: p(alice)})
	wantError(t, err, "ODPS-0420095", "grant roles")
	mustApply(t, st, owner, &sqlast.GrantRoles{Roles: []sqlast.Ident{{Name: "admin"}}, Principal: p(alice)})
	if d := check(t, st, alice, "Drop", saleDetail); !d.Allowed {
		t.Fatal("admin may")
	}
	// An admin may add users but not grant admin.
	mustApply(t, st, alice, &sqlast.AddUser{Principal: p("ALIYUN$account-a")})
	_, err = apply(t, st, alice, &sqlast.GrantRoles{Roles: []sqlast.Ident{{Name: "admin"}}, Principal: p("ALIYUN$account-a")})
	wantError(t, err, "ODPS-0420095", "")
	// Dropping a role in use, removing a user with roles: refused.
	_, err = apply(t, st, owner, &sqlast.DropRole{Name: sqlast.Ident{Name: "dev"}})
	wantError(t, err, "ODPS-0420411", "still has users")
	_, err = apply(t, st, owner, &sqlast.RemoveUser{Principal: p(testRole)})
	wantError(t, err, "ODPS-0420411", "revoke dev from")
	mustApply(t, st, owner, &sqlast.RevokeRoles{Roles: []sqlast.Ident{{Name: "dev"}}, Principal: p(testRole)})
	mustApply(t, st, owner, &sqlast.DropRole{Name: sqlast.Ident{Name: "dev"}})
	if out := mustApply(t, st, owner, &sqlast.ListRoles{}); out != "admin\nsuper_administrator" {
		t.Fatalf("list roles: %q", out)
	}
}

func TestGrantValidation(t *testing.T) {
	st := New("sale_project", uidB)
	mustApply(t, st, owner, &sqlast.AddUser{Principal: p(testRole)})
	for _, tc := range []struct {
		g    *sqlast.GrantPrivileges
		want string
	}{
		{grant([]string{"Fly"}, sqlast.ObjTable, "sale_detail", user(testRole)), "invalid action Fly"},
		{grant([]string{"Read"}, sqlast.ObjProject, "sale_project", user(testRole)), "cannot be granted"},
		{grant([]string{"Select"}, sqlast.ObjTable, "missing", user(testRole)), "does not exist"},
		{grant([]string{"Select"}, sqlast.ObjTable, "sale_*", user(testRole)), "wildcards need a policy grant"},
		{grant([]string{"Select"}, sqlast.ObjTable, "sale_detail", user("ALIYUN$account-a")), "add it first"},
		{grant([]string{"Select"}, sqlast.ObjTable, "sale_detail", user(testRole), sqlast.Property{Key: "policy", Value: "true"}), "to roles only"},
		{grant([]string{"Select"}, sqlast.ObjTable, "sale_detail", user(testRole), sqlast.Property{Key: "expires", Value: "x"}), "number of days"},
	} {
		_, err := apply(t, st, owner, tc.g)
		wantError(t, err, "ODPS-0420411", tc.want)
	}
	// Expiring grants stop allowing at expiry.
	mustApply(t, st, owner, grant([]string{"Select"}, sqlast.ObjTable, "sale_detail", user(testRole), sqlast.Property{Key: "expires", Value: "1"}))
	snap, _ := Compile(st)
	if !snap.Check(Request{Principal: testRole, Action: "Select", Object: saleDetail, Now: t0.Add(23 * time.Hour)}).Allowed {
		t.Fatal("before expiry")
	}
	if snap.Check(Request{Principal: testRole, Action: "Select", Object: saleDetail, Now: t0.Add(25 * time.Hour)}).Allowed {
		t.Fatal("after expiry")
	}
	// Project-level All covers CreateInstance.
	mustApply(t, st, owner, grant([]string{"All"}, sqlast.ObjProject, "sale_project", user(testRole)))
	if d := check(t, st, testRole, "CreateInstance", project); !d.Allowed {
		t.Fatal("All covers CreateInstance")
	}
	// The state survives encoding.
	data, _ := st.Encode()
	back, err := Decode(data)
	if err != nil || len(back.ACL) != len(st.ACL) || back.Config != st.Config {
		t.Fatalf("round trip: %v", err)
	}
	if s := fmt.Sprint(len(st.Clone().Members)); s != "1" {
		t.Fatal("clone")
	}
}

func TestWhoami(t *testing.T) {
	st := New("sale_project", uidB)
	out := mustApply(t, st, "RAM$"+uidA+":bob", &sqlast.Whoami{})
	if !strings.Contains(out, `"DisplayName":"RAM$`+uidA+`:bob"`) {
		t.Fatalf("whoami: %s", out)
	}
}
