package sqlparse

import (
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

func TestIsSecurityText(t *testing.T) {
	yes := []string{
		"grant Select on table t to user ALIYUN$1", "GRANT admin TO ALIYUN$1", "grantx", "revoke worker from ALIYUN$1",
		"show grants", "show grants for `RAM$1:role/r`", "SHOW ACL FOR t", "show package p", "show label", "show role",
		"show roles", "show principals", "show privileges", "show priv", "show packages",
		"clear expired grants", "CLEAR EXPIRED GRANTS;",
		"list users", "list users;", "LIST ROLES", "list trustedprojects", "list accountproviders", "list groups",
		"list tenant users", "list tenant roles",
		"create role r", "create package p", "create tenant role r",
		"drop role r", "drop package p", "drop tenant role r",
		"add user ALIYUN$1", "add user `RAM$1:role/r`;", "add trustedproject p", "add accountprovider ram", "add group g",
		"add tenant user u", "add tenant role r", "add table t to package p", "add function f to package p",
		"remove user RAM$1:bob", "remove trustedproject p", "remove accountprovider ram", "remove group g",
		"remove tenant user u", "remove tenant role r", "remove table t from package p",
		"alter user u", "alter group g",
		"desc role r", "describe role r", "DESC PACKAGE p", "desc tenant role r",
		"delete package p", "allow project p to install package x", "disallow project p", "install package p.x",
		"uninstall package p.x", "set label 2 to table t", "unset label from user u", "add x, to package",
		"whoami", "whoami;", "WHOAMI -- me",
		"-- comment\n/* block */ list users",
		"list users; select 1",
	}
	for _, s := range yes {
		if !IsSecurityText(s) {
			t.Errorf("IsSecurityText(%q) = false", s)
		}
	}
	no := []string{
		"", ";", "-- only a comment", "select 1", "select grant from t", "insert into t values (1)",
		"create table t (a int)", "drop table t", "alter table t add partition (p='1')", "desc t", "desc role",
		"desc role;", "describe extended role", "desc `role` r", "show tables", "show partitions t", "show create table t",
		"list users x", "list tables", "list tenant", "clear expired", "clear expired grants now",
		"create role", "drop role", "add user", "remove user", "add jar x.jar", "add table t as resource",
		"remove table t from project", "alter table t add columns (a int)", "delete package", "delete from t",
		"allow user", "install jar", "set odps.sql.type.system.odps2=true", "unset x", "whoami x", "who am i",
		"`grant` x", "'grant'", "add tenant user", "create tenant", "desc tenant role",
		"add x to packagex", "remove x to package p",
		"select 1; grant x to y",
	}
	for _, s := range no {
		if IsSecurityText(s) {
			t.Errorf("IsSecurityText(%q) = true", s)
		}
	}
	// Malformed text never panics and still routes on its first words.
	for _, s := range []string{"add user RAM$1:b#'x", "add x /* to package", "grant '", "add ` to package p", "add 1x to package p"} {
		_ = IsSecurityText(s)
	}
	if !IsSecurityText("add 1x to package p") || !IsSecurityText("add # to package p") {
		t.Error("ADD ... TO PACKAGE after a lexical error")
	}
}

// Every statement Parse accepts routes as its node says.
func TestIsSecurityTextAgreesWithParse(t *testing.T) {
	for _, s := range []string{
		"add user ALIYUN$1", "remove user ALIYUN$1", "list users", "list roles", "create role r", "drop role r",
		"grant r to ALIYUN$1", "revoke r from ALIYUN$1", "grant Select on table t to role r", "show grants", "show acl for t",
		"desc role r", "whoami", "list accountproviders", "add accountprovider ram", "remove accountprovider ram",
		"clear expired grants", "create table t (a int)", "drop table t", "alter table t add partition (p='1')",
		"insert into t values (1)", "select 1", "show tables", "show partitions t", "desc t", "desc role", "desc extended role",
	} {
		st := mustParse(t, s)
		if IsSecurityText(s) != sqlast.IsSecurity(st) {
			t.Errorf("%q: IsSecurityText %v, parsed %T", s, IsSecurityText(s), st)
		}
	}
}
