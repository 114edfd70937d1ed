package odpsrest_test

import (
	"strings"
	"testing"
)

// TestSeedOverREST plays the seed's MaxCompute statements over the ODPS
// API: account B adds its testRole, lists users, shows and grants; a user
// of account A holding STS credentials of the role then reads, and is
// refused with the exact ODPS messages where it has no grant.
func TestSeedOverREST(t *testing.T) {
	e := newEnv(t)
	b, role := e.keyB, e.role
	e.sqlOK(b, "CREATE TABLE IF NOT EXISTS sale_detail (shop_name STRING, customer_id STRING, total_price DOUBLE) PARTITIONED BY (sale_date STRING, region STRING);")
	e.sqlOK(b, "INSERT INTO sale_detail PARTITION (sale_date='2013', region='china') VALUES ('s1','c1',100.1), ('s2','c2',100.2);")
	e.sqlOK(b, "CREATE TABLE secret_table (x BIGINT);")

	// Before add user: not a member, on both paths.
	e.sqlFails(role, "select * from sale_detail;", "ODPS-0420095: Access Denied - You don't exist in project sale_project.")
	e.security(role, "show grants;").wantError(t, 403, "NoPermission", "ODPS-0420095: Access Denied - You don't exist in project sale_project.")

	if out := e.securityOK(b, "add user `"+e.rolePrincipal+"`;"); out != "" {
		t.Fatalf("add user: %q", out)
	}
	users := e.securityOK(b, "list users;")
	if users != "ALIYUN$"+e.b.ID+"\nRAM$"+e.b.ID+":role/testRole" {
		t.Fatalf("list users:\n%s", users)
	}
	if grants := e.securityOK(b, "show grants for `"+e.rolePrincipal+"`;"); grants != "[roles]" {
		t.Fatalf("show grants:\n%q", grants)
	}
	e.securityOK(b, "grant Select on table sale_detail to user `"+e.rolePrincipal+"`;")
	grants := e.securityOK(b, "show grants for `RAM$"+e.b.ID+":role/testRole`;")
	contains(t, grants, "Authorization Type: ACL", "[user/RAM$"+e.b.ID+":role/testRole]", "A       projects/sale_project/tables/sale_detail: Select")

	// Select alone is not enough for SQL.
	e.sqlFails(role, "select * from sale_detail;",
		"ODPS-0420095: Access Denied - You have no privilege 'odps:CreateInstance' on {acs:odps:*:projects/sale_project}.")
	e.securityOK(b, "grant CreateInstance on project sale_project to user `"+e.rolePrincipal+"`;")
	csv := e.sqlOK(role, "select shop_name, total_price from sale_detail where sale_date = '2013' order by shop_name;")
	if csv != "shop_name,total_price\ns1,100.1\ns2,100.2\n" {
		t.Fatalf("select:\n%s", csv)
	}
	e.sqlFails(role, "select * from secret_table;",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/sale_project/tables/secret_table}.")
	e.sqlFails(role, "insert into sale_detail partition (sale_date='2014', region='x') values ('a','b',1.0);",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Update' on {acs:odps:*:projects/sale_project/tables/sale_detail}.")
	e.sqlFails(role, "drop table sale_detail;",
		"ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Drop' on {acs:odps:*:projects/sale_project/tables/sale_detail}.")
	// The role cannot manage the project.
	e.security(role, "grant Select on table secret_table to user `"+e.rolePrincipal+"`;").wantError(t, 403, "NoPermission", "ODPS-0420095")

	// Another session of the same role is the same principal.
	other := e.assumeRole(e.alice, "another-session")
	e.sqlOK(other, "select count(*) from sale_detail;")

	// Revoking takes effect on the next statement, and so does removing.
	e.securityOK(b, "revoke Select on table sale_detail from user `"+e.rolePrincipal+"`;")
	e.sqlFails(role, "select * from sale_detail;", "You have NO privilege 'odps:Select'")
	e.securityOK(b, "grant Select on table sale_detail to user `"+e.rolePrincipal+"`;")
	e.sqlOK(role, "select * from sale_detail;")
	e.securityOK(b, "revoke CreateInstance on project sale_project from user `"+e.rolePrincipal+"`;")
	e.securityOK(b, "remove user `"+e.rolePrincipal+"`;")
	e.sqlFails(role, "select * from sale_detail;", "You don't exist in project sale_project.")
	if users := e.securityOK(b, "list users;"); strings.Contains(users, "testRole") {
		t.Fatalf("after remove user:\n%s", users)
	}
}
