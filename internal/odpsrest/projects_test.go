package odpsrest_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestProjects(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateProject(bg, e.a.ID, "proj_of_a", "cn-shanghai", ""); err != nil {
		t.Fatal(err)
	}
	t.Run("list: the caller's account's projects", func(t *testing.T) {
		var out struct {
			Projects []struct {
				Name, Owner, Region, State, CreationTime string
			} `xml:"Project"`
			Marker   string
			MaxItems int
		}
		e.get(e.keyB, "/projects", "").ok(t, 200).decode(t, &out)
		if len(out.Projects) != 1 || out.Projects[0].Name != "sale_project" || out.Projects[0].Owner != "ALIYUN$"+e.b.ID ||
			out.Projects[0].Region != "cn-hangzhou" || out.Projects[0].State != "AVAILABLE" {
			t.Fatalf("projects of B: %+v", out)
		}
		if _, err := time.Parse(time.RFC1123, out.Projects[0].CreationTime); err != nil {
			t.Fatalf("CreationTime %q: %v", out.Projects[0].CreationTime, err)
		}
		out.Projects = nil
		e.get(e.keyA, "/projects", "name=proj").ok(t, 200).decode(t, &out)
		if len(out.Projects) != 1 || out.Projects[0].Name != "proj_of_a" {
			t.Fatalf("projects of A: %+v", out)
		}
		out.Projects = nil
		e.get(e.keyA, "/projects", "name=zzz").ok(t, 200).decode(t, &out)
		if len(out.Projects) != 0 {
			t.Fatalf("prefix filter: %+v", out)
		}
	})
	t.Run("get: headers, members only", func(t *testing.T) {
		r := e.get(e.keyB, "/projects/sale_project", "").ok(t, 200)
		if r.Header.Get("x-odps-owner") != "ALIYUN$"+e.b.ID || r.Header.Get("x-odps-creation-time") == "" || r.Header.Get("Last-Modified") == "" {
			t.Fatalf("headers: %v", r.Header)
		}
		var p struct {
			XMLName                    xml.Name `xml:"Project"`
			Name, Type, Comment, State string
			Region                     string
			Properties                 []struct{ Name, Value string } `xml:"Properties>Property"`
		}
		r.decode(t, &p)
		if p.Name != "sale_project" || p.Type != "managed" || p.State != "AVAILABLE" || p.Comment != "the seed's project" || len(p.Properties) == 0 {
			t.Fatalf("project: %+v", p)
		}
		e.get(e.keyA, "/projects/sale_project", "").wantError(t, 403, "NoPermission", "ODPS-0420095: Access Denied - You don't exist in project sale_project.")
		e.get(e.role, "/projects/sale_project", "").wantError(t, 403, "NoPermission", "You don't exist in project sale_project", "add user `RAM$"+e.b.ID+":role/testRole`")
		e.get(e.keyB, "/projects/no_such", "").wantError(t, 404, "NoSuchProject")
	})
	t.Run("put: no properties", func(t *testing.T) {
		e.send(e.keyB, req{method: "PUT", path: "/projects/sale_project", body: "<BodyModel><Name>sale_project</Name><Properties></Properties></BodyModel>"}).ok(t, 200)
		e.send(e.keyB, req{method: "PUT", path: "/projects/sale_project",
			body: "<BodyModel><Name>sale_project</Name><Properties><Property><Name>odps.x</Name><Value>1</Value></Property></Properties></BodyModel>"}).
			wantError(t, 501, "NotSupported", "odps.x")
	})
}

func TestSecurityConfiguration(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	get := func() string {
		t.Helper()
		return e.get(e.keyB, p, "security_configuration").ok(t, 200).Body
	}
	cfg := get()
	// ProjectProtection carries Protected both as an attribute (Java) and
	// an element (Go).
	contains(t, cfg, `<ProjectProtection Protected="false"><Protected>false</Protected></ProjectProtection>`,
		"<CheckPermissionUsingAcl>true</CheckPermissionUsingAcl>", "<AllowForeignRoles>true</AllowForeignRoles>")
	// The Go SDK's model reads it.
	var goModel struct {
		CheckPermissionUsingAcl, CheckPermissionUsingPolicy, LabelSecurity bool
		ObjectCreatorHasAccessPermission, ObjectCreatorHasGrantPermission  bool
		ProjectProtection                                                  struct{ Protected, Exceptions string }
	}
	if err := xml.Unmarshal([]byte(cfg), &goModel); err != nil || !goModel.CheckPermissionUsingAcl || goModel.ProjectProtection.Protected != "false" {
		t.Fatalf("Go model: %+v %v", goModel, err)
	}
	e.get(e.keyB, p, "security_configuration_without_exception_policy").ok(t, 200)

	// The Go SDK's PUT: root securityConfigModel, every field as elements.
	goBody := `<securityConfigModel><CheckPermissionUsingAcl>true</CheckPermissionUsingAcl><CheckPermissionUsingPolicy>false</CheckPermissionUsingPolicy>` +
		`<LabelSecurity>false</LabelSecurity><ObjectCreatorHasAccessPermission>true</ObjectCreatorHasAccessPermission>` +
		`<ObjectCreatorHasGrantPermission>true</ObjectCreatorHasGrantPermission><SupportACL>false</SupportACL>` +
		`<ProjectProtection><Protected>true</Protected><Exceptions></Exceptions></ProjectProtection></securityConfigModel>`
	e.send(e.keyB, req{method: "PUT", path: p, query: "security_configuration", body: goBody}).ok(t, 200)
	contains(t, get(), "<CheckPermissionUsingPolicy>false</CheckPermissionUsingPolicy>", `Protected="true"`, "<SupportACL>true</SupportACL>")
	// Java's: the attribute form; unsent elements keep their values.
	javaBody := `<SecurityConfiguration><ProjectProtection Protected="false"/><AllowForeignRoles>false</AllowForeignRoles></SecurityConfiguration>`
	e.send(e.keyB, req{method: "PUT", path: p, query: "security_configuration", body: javaBody}).ok(t, 200)
	contains(t, get(), `Protected="false"`, "<CheckPermissionUsingPolicy>false</CheckPermissionUsingPolicy>", "<AllowForeignRoles>false</AllowForeignRoles>")
	// AllowForeignRoles=false is enforced by add user: testRole is B's
	// own, a role of A is foreign.
	if _, err := e.iam.CreateRole(bg, e.a.ID, iamRole("roleOfA", e.b.ID)); err != nil {
		t.Fatal(err)
	}
	e.security(e.keyB, "add user `RAM$account-a:role/roleOfA`;").wantError(t, 400, "InvalidArgument", "RAM roles of other accounts may not be added")

	// Bad input changes nothing.
	before := get()
	for _, bad := range []struct {
		body, code string
		status     int
	}{
		{`<SecurityConfiguration><CheckPermissionUsingAcl>yes</CheckPermissionUsingAcl></SecurityConfiguration>`, "InvalidArgument", 400},
		{`<SecurityConfiguration><LabelSecurity>true</LabelSecurity></SecurityConfiguration>`, "NotSupported", 501},
		{`<SecurityConfiguration><ProjectProtection Protected="true"><Exceptions>{"Version":"1"}</Exceptions></ProjectProtection></SecurityConfiguration>`, "NotSupported", 501},
		{`not xml`, "InvalidArgument", 400},
	} {
		e.send(e.keyB, req{method: "PUT", path: p, query: "security_configuration", body: bad.body}).wantError(t, bad.status, bad.code)
	}
	if get() != before {
		t.Fatal("a refused PUT changed the configuration")
	}
	// Owner only: not even an admin may change it.
	e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
	e.securityOK(e.keyB, "grant admin to `"+e.rolePrincipal+"`;")
	e.send(e.role, req{method: "PUT", path: p, query: "security_configuration", body: javaBody}).wantError(t, 403, "NoPermission", "Only the project owner")
	e.get(e.role, p, "security_configuration").ok(t, 200)
	e.get(e.keyA, p, "security_configuration").wantError(t, 403, "NoPermission", "You don't exist")
}

func iamRole(name, trusted string) iamRoleInput {
	return iamRoleInput{Name: name, TrustPolicy: `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + trusted + `:root"]}}],"Version":"1"}`}
}

func TestPolicies(t *testing.T) {
	e := newEnv(t)
	p := "/projects/sale_project"
	if body := e.get(e.keyB, p, "policy").ok(t, 200).Body; body != `{"Statement":[],"Version":"1"}` {
		t.Fatalf("no policy: %s", body)
	}
	doc := `{"Version":"1","Statement":[{"Effect":"Deny","Principal":"*","Action":["odps:Select"],"Resource":["acs:odps:*:projects/sale_project/tables/secret_*"]}]}`
	e.send(e.keyB, req{method: "PUT", path: p, query: "policy", body: doc}).ok(t, 200)
	if body := e.get(e.keyB, p, "policy").ok(t, 200).Body; body != doc {
		t.Fatalf("policy: %s", body)
	}
	// The policy applies: a member with an ACL grant is denied by it.
	e.sqlOK(e.keyB, "create table secret_t (x bigint);")
	e.securityOK(e.keyB, "add user `"+e.rolePrincipal+"`;")
	e.securityOK(e.keyB, "grant CreateInstance on project sale_project to user `"+e.rolePrincipal+"`;")
	e.securityOK(e.keyB, "grant Select on table secret_t to user `"+e.rolePrincipal+"`;")
	e.sqlFails(e.role, "select * from secret_t;", "Authorization Failed [4011]", "Explicitly denied by policy")
	// Invalid documents are refused and change nothing.
	e.send(e.keyB, req{method: "PUT", path: p, query: "policy", body: `{"Version":"1","Statement":[{"Effect":"Maybe"}]}`}).
		wantError(t, 400, "InvalidArgument", "failed to check policy format")
	e.send(e.keyB, req{method: "PUT", path: p, query: "policy", body: `nope`}).wantError(t, 400, "InvalidArgument")
	if body := e.get(e.keyB, p, "policy").ok(t, 200).Body; body != doc {
		t.Fatalf("policy after refused PUTs: %s", body)
	}
	// Members that are not admins may neither read nor write it.
	e.get(e.role, p, "policy").wantError(t, 403, "NoPermission", "read the project policy")
	e.send(e.role, req{method: "PUT", path: p, query: "policy", body: ""}).wantError(t, 403, "NoPermission")
	// An empty document removes it.
	e.send(e.keyB, req{method: "PUT", path: p, query: "policy", body: `{"Statement":[],"Version":"1"}`}).ok(t, 200)
	e.sqlOK(e.role, "select * from secret_t;")

	// Role policies.
	e.securityOK(e.keyB, "create role reader;")
	rp := p + "/roles/reader"
	if body := e.get(e.keyB, rp, "policy").ok(t, 200).Body; body != `{"Statement":[],"Version":"1"}` {
		t.Fatalf("no role policy: %s", body)
	}
	roleDoc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["odps:Describe"],"Resource":["acs:odps:*:projects/sale_project/tables/*"]}]}`
	e.send(e.keyB, req{method: "PUT", path: rp, query: "policy", body: roleDoc}).ok(t, 200)
	if body := e.get(e.keyB, rp, "policy").ok(t, 200).Body; body != roleDoc {
		t.Fatalf("role policy: %s", body)
	}
	e.securityOK(e.keyB, "grant reader to `"+e.rolePrincipal+"`;")
	e.get(e.role, p+"/tables/secret_t", "").ok(t, 200) // Describe through the role's policy
	e.send(e.keyB, req{method: "PUT", path: p + "/roles/admin", query: "policy", body: roleDoc}).wantError(t, 400, "InvalidArgument", "built-in role admin")
	e.send(e.keyB, req{method: "PUT", path: p + "/roles/nope", query: "policy", body: roleDoc}).wantError(t, 404, "NoSuchObject")
	e.send(e.keyB, req{method: "PUT", path: rp, query: "policy", body: `{"Version":"1","Statement":[{"Effect":"Allow"}]}`}).wantError(t, 400, "InvalidArgument")
	if strings.Contains(e.get(e.keyB, rp, "policy").Body, "Effect\":\"Allow\"}") {
		t.Fatal("a refused role policy was stored")
	}
	e.get(e.keyB, p, "security_policy").wantError(t, 501, "NotSupported")
}
