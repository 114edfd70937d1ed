package sqlparse

import (
	"reflect"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// The seed's MaxCompute statements, verbatim, with the account name and the
// UID forms and in both cases (seed/000_105a8b4d1569186a.txt).
func TestSeedStatements(t *testing.T) {
	runCanonical(t, []canonical{
		{"add user `RAM$account-b:role/testRole`;", "ADD USER `RAM$account-b:role/testRole`"},
		{"list users;", "LIST USERS"},
		{"show grants for `RAM$account-b:role/testRole`;", "SHOW GRANTS FOR USER `RAM$account-b:role/testRole`"},
		{"grant Select on table sale_detail to user `RAM$account-b:role/testRole`;",
			"GRANT Select ON table sale_detail TO USER `RAM$account-b:role/testRole`"},
		{"grant CreateInstance on project seed_project to user `RAM$account-b:role/testRole`;",
			"GRANT CreateInstance ON project seed_project TO USER `RAM$account-b:role/testRole`"},
		{"add user `RAM$1234567890123456:role/testRole`;", "ADD USER `RAM$1234567890123456:role/testRole`"},
		{"show grants for `RAM$1234567890123456:role/testRole`;", "SHOW GRANTS FOR USER `RAM$1234567890123456:role/testRole`"},
		{"grant Select on table sale_detail to user `RAM$1234567890123456:role/testRole`;",
			"GRANT Select ON table sale_detail TO USER `RAM$1234567890123456:role/testRole`"},
		{"grant CreateInstance on project p1 to user `RAM$1234567890123456:role/testRole`;",
			"GRANT CreateInstance ON project p1 TO USER `RAM$1234567890123456:role/testRole`"},
		{"ADD USER `ram$ACCOUNT-B:ROLE/TESTROLE`;", "ADD USER `ram$ACCOUNT-B:ROLE/TESTROLE`"},
		{"LIST USERS;", "LIST USERS"},
		{"SHOW GRANTS FOR `RAM$account-b:role/testRole`;", "SHOW GRANTS FOR USER `RAM$account-b:role/testRole`"},
		{"GRANT SELECT ON TABLE sale_detail TO USER `RAM$account-b:role/testRole`;",
			"GRANT SELECT ON table sale_detail TO USER `RAM$account-b:role/testRole`"},
		{"GRANT CREATEINSTANCE ON PROJECT P1 TO USER `RAM$account-b:role/testRole`;",
			"GRANT CREATEINSTANCE ON project P1 TO USER `RAM$account-b:role/testRole`"},
		{"-- Add the RAM role to the MaxCompute project\nadd user `RAM$account-b:role/testRole`;",
			"ADD USER `RAM$account-b:role/testRole`"},
	})
}

func TestSeedAST(t *testing.T) {
	st := mustParse(t, "grant Select on table sale_detail to user `RAM$account-b:role/testRole`;")
	want := &sqlast.GrantPrivileges{
		Node:       sqlast.Node{P: sqlast.Pos{Line: 1, Col: 1}},
		Actions:    []sqlast.Ident{{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 7}}, Name: "Select"}},
		ObjectType: sqlast.ObjTable,
		ObjectName: "sale_detail",
		Grantee: sqlast.Grantee{Principal: &sqlast.Principal{
			Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 43}}, Text: "RAM$account-b:role/testRole"}},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("got  %#v\nwant %#v", st, want)
	}
	st = mustParse(t, "  add user ALIYUN$test_user@aliyun.com comment 'it\\'s';")
	want2 := &sqlast.AddUser{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 3}},
		Principal: sqlast.Principal{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 12}}, Text: "ALIYUN$test_user@aliyun.com"}, Comment: "it's"}
	if !reflect.DeepEqual(st, want2) {
		t.Fatalf("got  %#v\nwant %#v", st, want2)
	}
}

func TestSecurityStatements(t *testing.T) {
	runCanonical(t, []canonical{
		// add / remove user, bare and quoted, every principal form of §1.1.
		{"add user ALIYUN$5527000000005788", "ADD USER `ALIYUN$5527000000005788`"},
		{"add user aliyun$test_user@aliyun.com", "ADD USER `aliyun$test_user@aliyun.com`"},
		{"ADD USER ram$bob@aliyun.com:Allen", "ADD USER `ram$bob@aliyun.com:Allen`"},
		{"add user RAM$5527000000005788:276300000001649 comment 'dev team'", "ADD USER `RAM$5527000000005788:276300000001649` COMMENT 'dev team'"},
		{"add user RAM$ram_test_user", "ADD USER `RAM$ram_test_user`"},
		{"add user `ALIYUN$x`--c\n;", "ADD USER `ALIYUN$x`"},
		{"add user RAM$a-b:c-d--comment", "ADD USER `RAM$a-b:c-d`"},
		{"remove user RAM$5527000000005788:Allen;", "REMOVE USER `RAM$5527000000005788:Allen`"},
		{"remove user `RAM$account-b:role/testRole`", "REMOVE USER `RAM$account-b:role/testRole`"},
		{"list roles", "LIST ROLES"},
		{"whoami;", "WHOAMI"},
		{"clear expired grants", "CLEAR EXPIRED GRANTS"},
		{"list accountproviders", "LIST ACCOUNTPROVIDERS"},
		{"add accountprovider ram", "ADD ACCOUNTPROVIDER RAM"},
		{"remove accountprovider Aliyun", "REMOVE ACCOUNTPROVIDER ALIYUN"},
		// roles
		{"create role worker", "CREATE ROLE worker"},
		{`create role admin_role privilegeproperties("type"="admin")`, `CREATE ROLE admin_role PRIVILEGEPROPERTIES("type"="admin")`},
		{`create role r privilegeproperties('TYPE'='Resource')`, "CREATE ROLE r"},
		{"create role `my role`", "CREATE ROLE `my role`"},
		{"drop role worker", "DROP ROLE worker"},
		{"desc role worker", "DESC ROLE worker"},
		{"DESCRIBE ROLE `Worker`", "DESC ROLE Worker"},
		{"grant worker to ALIYUN$1", "GRANT worker TO `ALIYUN$1`"},
		{"grant admin, super_administrator to `RAM$b:role/r`", "GRANT admin, super_administrator TO `RAM$b:role/r`"},
		{"revoke worker from RAM$1:bob", "REVOKE worker FROM `RAM$1:bob`"},
		{"revoke `a`, b from RAM$1:bob", "REVOKE a, b FROM `RAM$1:bob`"},
		// privileges
		{"grant Describe, Select on table p1.t1 to role worker", "GRANT Describe, Select ON table p1.t1 TO ROLE worker"},
		{"grant All on table p.s.t to user ALIYUN$1", "GRANT All ON table p.s.t TO USER `ALIYUN$1`"},
		{"grant Read on function f to user ALIYUN$1", "GRANT Read ON function f TO USER `ALIYUN$1`"},
		{"grant Read, Write on resource r.jar to user ALIYUN$1", "GRANT Read, Write ON resource r.jar TO USER `ALIYUN$1`"},
		{"grant Read on instance i20260101 to user ALIYUN$1", "GRANT Read ON instance i20260101 TO USER `ALIYUN$1`"},
		{"grant List, CreateTable, CreateInstance on project p to user ALIYUN$1", "GRANT List, CreateTable, CreateInstance ON project p TO USER `ALIYUN$1`"},
		{"grant Describe on table t_app_* to role r privilegeproperties(\"policy\"=\"true\", \"allow\"=\"false\")",
			"GRANT Describe ON table t_app_* TO ROLE r PRIVILEGEPROPERTIES(\"policy\"=\"true\", \"allow\"=\"false\")"},
		{"grant Select on table * to role r privilegeproperties('policy'='TRUE')", "GRANT Select ON table * TO ROLE r PRIVILEGEPROPERTIES(\"policy\"=\"TRUE\")"},
		{"grant Select on table *_2026*x1 to role r", "GRANT Select ON table *_2026*x1 TO ROLE r"},
		{"grant Select on table t*2026 to role r", "GRANT Select ON table t*2026 TO ROLE r"},
		{"grant Select on table `my table` to role r", "GRANT Select ON table `my table` TO ROLE r"},
		{"grant Select on table `p`.`t` to role r", "GRANT Select ON table p.t TO ROLE r"},
		{"grant Select on table table to role r", "GRANT Select ON table table TO ROLE r"},
		{`grant Select on table t to user ALIYUN$1 privilegeproperties("conditions"="request:SourceIp in ('10.0.0.1')", "expires"="30")`,
			`GRANT Select ON table t TO USER ` + "`ALIYUN$1`" + ` PRIVILEGEPROPERTIES("conditions"="request:SourceIp in ('10.0.0.1')", "expires"="30")`},
		{"revoke Select on table t from user ALIYUN$1", "REVOKE Select ON table t FROM USER `ALIYUN$1`"},
		{"revoke Select on table t_* from role r privilegeproperties(\"policy\"=\"true\")", "REVOKE Select ON table t_* FROM ROLE r PRIVILEGEPROPERTIES(\"policy\"=\"true\")"},
		{"grant `Select` on table t to role r", "GRANT Select ON table t TO ROLE r"},
		{"grant `Select X` on table t to role r", "GRANT `Select X` ON table t TO ROLE r"},
		// show grants / acl
		{"show grants", "SHOW GRANTS"},
		{"show grants for user ALIYUN$1", "SHOW GRANTS FOR USER `ALIYUN$1`"},
		{"show grants for aliyun$odpstest1@aliyun.com", "SHOW GRANTS FOR USER `aliyun$odpstest1@aliyun.com`"},
		{"show grants for role worker on type table", "SHOW GRANTS FOR ROLE worker ON TYPE table"},
		{"show grants on type Project", "SHOW GRANTS ON TYPE project"},
		{"show acl for t1", "SHOW ACL FOR t1 ON TYPE table"},
		{"show acl for p1 on type project", "SHOW ACL FOR p1 ON TYPE project"},
		{"show acl for p1.t_* on type table;", "SHOW ACL FOR p1.t_* ON TYPE table"},
	})
}

func TestGrantShapes(t *testing.T) {
	st := mustParse(t, `grant Describe, Select on table t_app_* to role dev privilegeproperties("Policy"="true", "allow"="true", "conditions"="x", "expires"="7")`)
	zeroPos(st)
	want := &sqlast.GrantPrivileges{
		Actions:    []sqlast.Ident{{Name: "Describe"}, {Name: "Select"}},
		ObjectType: sqlast.ObjTable,
		ObjectName: "t_app_*",
		Grantee:    sqlast.Grantee{Role: &sqlast.Ident{Name: "dev"}},
		Properties: []sqlast.Property{{Key: "policy", Value: "true"}, {Key: "allow", Value: "true"}, {Key: "conditions", Value: "x"}, {Key: "expires", Value: "7"}},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("got  %#v\nwant %#v", st, want)
	}
	st = zeroPos(mustParse(t, "revoke a, `b c` from RAM$1:u")).(sqlast.Statement)
	wantR := &sqlast.RevokeRoles{Roles: []sqlast.Ident{{Name: "a"}, {Name: "b c", Quoted: true}}, Principal: sqlast.Principal{Text: "RAM$1:u"}}
	if !reflect.DeepEqual(st, wantR) {
		t.Fatalf("got  %#v\nwant %#v", st, wantR)
	}
	st = zeroPos(mustParse(t, "show grants for role `r`")).(sqlast.Statement)
	if sg := st.(*sqlast.ShowGrants); sg.Role == nil || sg.Role.Name != "r" || !sg.Role.Quoted || sg.Principal != nil || sg.OnType != "" {
		t.Fatalf("got %#v", sg)
	}
	st = mustParse(t, "create role a privilegeproperties(\"type\"=\"ADMIN\")")
	if !st.(*sqlast.CreateRole).Admin {
		t.Fatal("admin role not admin")
	}
	st = mustParse(t, "add accountprovider RAM")
	if ap := st.(*sqlast.AccountProvider); ap.Op != "add" || ap.Provider != "RAM" {
		t.Fatalf("got %#v", ap)
	}
	st = mustParse(t, "list accountproviders")
	if ap := st.(*sqlast.AccountProvider); ap.Op != "list" || ap.Provider != "" {
		t.Fatalf("got %#v", ap)
	}
	// The position of a bare principal, and of what follows it.
	st = mustParse(t, "add user\n  RAM$1:bob  comment 'c'")
	if u := st.(*sqlast.AddUser); u.Principal.P != (sqlast.Pos{Line: 2, Col: 3}) || u.Comment != "c" {
		t.Fatalf("got %#v", u)
	}
	pe := parseErr(t, "add user\n  RAM$1:bob  comment x")
	if pe.Line != 2 || pe.Col != 22 {
		t.Fatalf("error at %d,%d: %v", pe.Line, pe.Col, pe)
	}
}

func TestSecurityErrors(t *testing.T) {
	runErrors(t, []errCase{
		{"add user RAM$account-b:role/testRole;",
			"ODPS-0130161:[1,10] Parse exception - invalid principal 'RAM$account-b:role/testRole': a principal that contains '/' must be quoted in backticks: `RAM$account-b:role/testRole`"},
		{"show grants for RAM$1:role/r",
			"ODPS-0130161:[1,17] Parse exception - invalid principal 'RAM$1:role/r': a principal that contains '/' must be quoted in backticks: `RAM$1:role/r`"},
		{"add user bob", "ODPS-0130161:[1,10] Parse exception - invalid token 'bob', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"add user `bob`", "ODPS-0130161:[1,10] Parse exception - invalid principal 'bob', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"add user 'ALIYUN$1'", "ODPS-0130161:[1,10] Parse exception - invalid token ''ALIYUN$1'', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"add user TAOBAO$x", "ODPS-0130161:[1,10] Parse exception - invalid principal 'TAOBAO$x': the account provider must be ALIYUN or RAM"},
		{"add user RAM$", "ODPS-0130161:[1,10] Parse exception - invalid principal 'RAM$': no name after '$'"},
		{"add user", "ODPS-0130161:[1,9] Parse exception - invalid token '<EOF>', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"add user ALIYUN$1 comment", "ODPS-0130161:[1,26] Parse exception - invalid token '<EOF>', expect a comment string"},
		{"add user RAM$1:b#", "ODPS-0130161:[1,17] Parse exception - invalid character '#'"},
		{"add users x", "ODPS-0130161:[1,5] Parse exception - invalid token 'users', expect 'USER' or 'ACCOUNTPROVIDER'"},
		{"add accountprovider taobao", "ODPS-0130161:[1,21] Parse exception - unsupported account provider 'taobao', expect ALIYUN or RAM"},
		{"add accountprovider 'ram'", "ODPS-0130161:[1,21] Parse exception - invalid token ''ram'', expect an account provider: ALIYUN or RAM"},
		{"list user", "ODPS-0130161:[1,6] Parse exception - invalid token 'user', expect one of 'USERS', 'ROLES', 'ACCOUNTPROVIDERS'"},
		{"list users x", "ODPS-0130161:[1,12] Parse exception - invalid token 'x', expect end of statement"},
		{"list users; list roles;", "ODPS-0130161:[1,13] Parse exception - invalid token 'list', expect end of statement (one statement at a time)"},
		{"list users;;", "ODPS-0130161:[1,12] Parse exception - invalid token ';', expect end of statement (one statement at a time)"},
		{"clear expired", "ODPS-0130161:[1,14] Parse exception - invalid token '<EOF>', expect 'GRANTS'"},
		{"create role select", "ODPS-0130161:[1,13] Parse exception - invalid token 'select', expect a role name ('select' is a reserved word: quote it in backticks)"},
		{`create role r privilegeproperties("type"="super")`, `ODPS-0130161:[1,35] Parse exception - role type 'super' is not supported, expect 'admin' or 'resource'`},
		{`create role r privilegeproperties("policy"="true")`, `ODPS-0130161:[1,35] Parse exception - unsupported privilege property 'policy', expect one of 'type'`},
		{`create role r privilegeproperties(type="admin")`, `ODPS-0130161:[1,35] Parse exception - invalid token 'type', expect a property name in quotes`},
		{`create role r privilegeproperties("type"="admin"`, `ODPS-0130161:[1,49] Parse exception - invalid token '<EOF>', expect ')'`},
		{"drop role", "ODPS-0130161:[1,10] Parse exception - invalid token '<EOF>', expect a role name"},
		{"grant Select on table t to user", "ODPS-0130161:[1,32] Parse exception - invalid token '<EOF>', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"grant Select on package p.x to user ALIYUN$1", "ODPS-0130161:[1,17] Parse exception - unsupported object type 'package', expect one of 'project', 'table', 'function', 'resource', 'instance'"},
		{"grant Select on tables t to user ALIYUN$1", "ODPS-0130161:[1,17] Parse exception - unsupported object type 'tables', expect one of 'project', 'table', 'function', 'resource', 'instance'"},
		{"grant Select on 'table' t to user ALIYUN$1", "ODPS-0130161:[1,17] Parse exception - invalid token ''table'', expect an object type: one of 'project', 'table', 'function', 'resource', 'instance'"},
		{"grant Select on table t to ALIYUN$1", "ODPS-0130161:[1,28] Parse exception - invalid token 'ALIYUN', expect 'USER' or 'ROLE'"},
		{"grant Select on table t user ALIYUN$1", "ODPS-0130161:[1,25] Parse exception - invalid token 'user', expect 'TO'"},
		{"revoke Select on table t to user ALIYUN$1", "ODPS-0130161:[1,26] Parse exception - invalid token 'to', expect 'FROM'"},
		{"grant Select to user ALIYUN$1", "ODPS-0130161:[1,14] Parse exception - invalid token 'to', expect 'ON'"},
		{"grant worker to user ALIYUN$1", "ODPS-0130161:[1,17] Parse exception - invalid token 'user': roles are granted with grant <role> to <principal>, without USER or ROLE"},
		{"revoke worker to ALIYUN$1", "ODPS-0130161:[1,15] Parse exception - invalid token 'to', expect 'ON' or 'FROM'"},
		{"grant worker ALIYUN$1", "ODPS-0130161:[1,14] Parse exception - invalid token 'ALIYUN', expect 'ON' or 'TO'"},
		{"grant , x to ALIYUN$1", "ODPS-0130161:[1,7] Parse exception - invalid token ',', expect a privilege or role name"},
		{"grant Select on table to user ALIYUN$1", "ODPS-0130161:[1,26] Parse exception - invalid token 'user', expect 'TO'"},
		{"grant Select on table `a*` to role r", "ODPS-0130161:[1,23] Parse exception - invalid object name part 'a*': a quoted part cannot contain '.' or '*'"},
		{"grant Select on table a.b.c.d to role r", "ODPS-0130161:[1,28] Parse exception - invalid token '.': an object name has at most three parts"},
		{"grant Select on table a. to role r", "ODPS-0130161:[1,29] Parse exception - invalid token 'role', expect 'TO'"},
		{"grant Select on table (a) to role r", "ODPS-0130161:[1,23] Parse exception - invalid token '(', expect an object name"},
		{`grant Select on table t to user ALIYUN$1 privilegeproperties("policy"="true")`,
			`ODPS-0130161:[1,62] Parse exception - policy grants ("policy"="true") are for roles only: use 'to role <role>'`},
		{`grant Select on table t to role r privilegeproperties("policy"="yes")`,
			`ODPS-0130161:[1,55] Parse exception - privilege property 'policy' is 'yes', expect 'true' or 'false'`},
		{`grant Select on table t to role r privilegeproperties("expires"="soon")`,
			`ODPS-0130161:[1,55] Parse exception - privilege property 'expires' is 'soon', expect a number of days`},
		{`grant Select on table t to role r privilegeproperties("allow"="true", "ALLOW"="true")`,
			`ODPS-0130161:[1,71] Parse exception - privilege property 'allow' given twice`},
		{`grant Select on table t to role r privilegeproperties("type"="admin")`,
			`ODPS-0130161:[1,55] Parse exception - unsupported privilege property 'type', expect one of 'policy', 'allow', 'conditions', 'expires'`},
		{"show grants for", "ODPS-0130161:[1,16] Parse exception - invalid token '<EOF>', expect a principal: ALIYUN$<uid>, RAM$<owner>:<user> or `RAM$<owner>:role/<role>`"},
		{"show grants for role", "ODPS-0130161:[1,21] Parse exception - invalid token '<EOF>', expect a role name"},
		{"show grants on table", "ODPS-0130161:[1,16] Parse exception - invalid token 'table', expect 'TYPE'"},
		{"show grants on type volume", "ODPS-0130161:[1,21] Parse exception - unsupported object type 'volume', expect one of 'project', 'table', 'function', 'resource', 'instance'"},
		{"show acl t", "ODPS-0130161:[1,10] Parse exception - invalid token 't', expect 'FOR'"},
		{"show roles", "ODPS-0130161:[1,6] Parse exception - invalid token 'roles', expect one of 'TABLES', 'PARTITIONS', 'GRANTS', 'ACL'"},
		{"desc role select", "ODPS-0130161:[1,11] Parse exception - invalid token 'select', expect a role name ('select' is a reserved word: quote it in backticks)"},
		{"desc package p.x", "ODPS-0130161:[1,6] Parse exception - DESC PACKAGE is not supported"},
	})
}
