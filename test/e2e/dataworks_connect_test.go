package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	dw "github.com/aliyun/alibaba-cloud-sdk-go/services/dataworks-public"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"
)

// This file plays both seed paths from scratch against a real `localyun
// serve`, with the official SDKs: account B creates testRole with the
// seed's trust policy (the DataWorks service principal of account A only),
// grants it the MaxCompute project (`add user`, `grant Select`) or the
// Hologres instance (the custom hologram:* policy, CREATE USER "v4_<RoleId>"
// and GRANT); account A creates a workspace and the cross-account data
// sources, tests them on its default resource group (both API versions)
// and previews rows (API and CLI). Before each of B's steps, the test
// fails with the state and the message of the state table. Account C's
// DataWorks cannot use B's role (the confused deputy).

// seedTrust is examples/seed/trust-policy.json for account a.
func seedTrust(a string) string {
	return `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` + a +
		`@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
}

// connectivity runs TestDataSourceConnectivity and returns Connectivity.
func connectivity(t *testing.T, c *openapi.Client, ws, ds int64, group string) map[string]any {
	t.Helper()
	res := mustDW24(t, c, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(ws), "DataSourceId": itoa(ds), "ResourceGroupId": group})
	cn, _ := res["Connectivity"].(map[string]any)
	return cn
}

// wantState checks a test's state, the code of its last step and that its
// message (the last step's, for Connectable) says every part.
func wantState(t *testing.T, cn map[string]any, state, step string, parts ...string) {
	t.Helper()
	logs, _ := cn["DetailLogs"].([]any)
	if len(logs) == 0 {
		t.Fatalf("no DetailLogs: %v", cn)
	}
	last, _ := logs[len(logs)-1].(map[string]any)
	msg, _ := cn["ConnectMessage"].(string)
	if state == "Connectable" {
		msg, _ = last["Message"].(string)
	}
	if cn["ConnectState"] != state || last["Code"] != step {
		t.Fatalf("want %s at %s, got %v at %v: %v", state, step, cn["ConnectState"], last["Code"], cn)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%s message %q does not say %q", state, msg, p)
		}
	}
}

// preview calls PreviewDataSourceTable.
func preview(c *openapi.Client, ws int64, ds, table string) (map[string]any, error) {
	res, err := dw24(c, "PreviewDataSourceTable", map[string]string{"ProjectId": itoa(ws), "DataSourceName": ds, "TableName": table, "Limit": "5"})
	if err != nil {
		return nil, err
	}
	d, _ := res["Data"].(map[string]any)
	return d, nil
}

// daraSays checks a darabonba error's code and that its message or body
// says every part.
func daraSays(t *testing.T, err error, code string, status int, parts ...string) {
	t.Helper()
	ce := daraError(t, err, code, status)
	var body struct{ Recommend string }
	_ = json.Unmarshal([]byte(dara.StringValue(ce.Data)), &body)
	text := dara.StringValue(ce.Message) + " " + body.Recommend
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s does not say %q: %s", code, p, text)
		}
	}
}

func TestDataWorksConnectivityMaxCompute(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b, c := s.CreateAccount("dwc-a"), s.CreateAccount("dwc-b"), s.CreateAccount("dwc-c")
	ramB := s.RAM(b.Creds())
	principal := "`RAM$" + b.AccountID + ":role/testRole`"

	// Account B: the role with the seed's trust policy, and the project.
	createRole(t, ramB, "testRole", seedTrust(a.AccountID))
	createRole(t, ramB, "ramOnly", trustRAM("acs:ram::"+a.AccountID+":root"))
	cp := maxcompute.CreateCreateProjectRequest()
	cp.ProjectName, cp.OdpsRegionId, cp.OdpsSpecificationType, cp.OrderType = "b_sales_prj", "cn-hangzhou", "OdpsStandard", "PayAsYouGo"
	must(s.MaxCompute(b.Creds()).CreateProject(cp))(t)
	owner := cliRunner{s: s, c: b.Creds(), project: "b_sales_prj"}
	mustRun(t, owner, "CREATE TABLE sale_detail (shop_name STRING, customer_id STRING, total_price DOUBLE);")
	mustRun(t, owner, "INSERT INTO sale_detail VALUES ('s1','c1',100.1), ('s2',NULL,100.2);")
	mustRun(t, owner, "CREATE TABLE secret_table (x BIGINT);")

	// Account A: a workspace and the cross-account data source.
	a24 := s.Dara(t, a.Creds(), "")
	a20 := s.DataWorks(a.Creds())
	ws := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_ws", "DisplayName": "A"})["Id"])
	def := "Serverless_res_group_" + a.AccountID + "_1"
	props := func(project, role string) string {
		return `{"envType":"Prod","regionId":"cn-hangzhou","project":"` + project + `","endpointMode":"SelfAdaption","authType":"RamRole",` +
			`"crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"` + role + `"}`
	}
	newSource := func(name, project, role string) int64 {
		return id64(mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": name, "Type": "maxcompute",
			"ConnectionProperties": props(project, role)})["Id"])
	}
	src := newSource("b_sales", "b_sales_prj", "testRole")

	t.Run("role missing", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, newSource("no_role", "b_sales_prj", "noSuchRole"), def), "ConfigError", "assume_role",
			"account "+b.AccountID+" has no RAM role noSuchRole", a.AccountID+"@engine.dataworks.aliyuncs.com", "EntityNotExist.Role")
	})
	t.Run("trust policy does not name the DataWorks principal", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, newSource("ram_only", "b_sales_prj", "ramOnly"), def), "ConfigError", "assume_role",
			`"Principal": {"Service": ["`+a.AccountID+`@engine.dataworks.aliyuncs.com"]}`, "NoPermission")
	})
	t.Run("project missing", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, newSource("no_prj", "no_such_prj", "testRole"), def), "ConfigError", "resolve_endpoint",
			"account "+b.AccountID+" has no MaxCompute project no_such_prj", "ODPS-0420111")
	})
	t.Run("project in another region", func(t *testing.T) {
		sh := maxcompute.CreateCreateProjectRequest()
		sh.ProjectName, sh.OdpsRegionId, sh.OdpsSpecificationType, sh.OrderType = "b_sh_prj", "cn-shanghai", "OdpsStandard", "PayAsYouGo"
		must(s.MaxCompute(b.Creds()).CreateProject(sh))(t)
		wantState(t, connectivity(t, a24, ws, newSource("wrong_region", "b_sh_prj", "testRole"), def), "ConfigError", "resolve_endpoint",
			"is in cn-shanghai, not cn-hangzhou: set regionId to cn-shanghai")
	})
	t.Run("role not a project member", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, src, def), "ConfigError", "check_privilege",
			"add user "+principal+";", "ODPS-0420095")
		_, err := preview(a24, ws, "b_sales", "sale_detail")
		daraSays(t, err, "ODPS-0420095", 403, "add user "+principal+";")
	})
	t.Run("group not associated", func(t *testing.T) {
		g := mustDW24(t, a24, "CreateResourceGroup", map[string]string{"Name": "etl", "PaymentType": "PostPaid", "ClientToken": "etl-1"})
		gid, _ := g["ResourceGroupOrder"].(map[string]any)["Id"].(string)
		if gid == "" {
			t.Fatalf("CreateResourceGroup: %v", g)
		}
		cn := connectivity(t, a24, ws, src, gid)
		wantState(t, cn, "ConfigError", "validate_input_parameters", "is not associated with workspace "+itoa(ws))
	})

	// B adds the role to the project: Connectable, with a warning until a
	// table is granted.
	mustRun(t, owner, "add user "+principal+";")
	t.Run("reads no table", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege",
			"warning: it can read no table", "grant Select on table <table> to user "+principal+";")
	})
	mustRun(t, owner, "grant Select on table sale_detail to user "+principal+";")
	cn := connectivity(t, a24, ws, src, def)
	wantState(t, cn, "Connectable", "check_privilege", "Select on tables: sale_detail")
	var codes []string
	for _, l := range cn["DetailLogs"].([]any) {
		codes = append(codes, l.(map[string]any)["Code"].(string))
	}
	if strings.Join(codes, ",") != "validate_input_parameters,assume_role,resolve_endpoint,authenticate,check_privilege" || cn["ConnectMessage"] != "" {
		t.Fatalf("the steps: %v", cn)
	}

	// 2020: TestNetworkConnection, and ConnectStatus in the list.
	tn := dw.CreateTestNetworkConnectionRequest()
	tn.ProjectId, tn.DatasourceName, tn.EnvType, tn.ResourceGroup = requests.NewInteger64(ws), "b_sales", "1", "S_res_group_"+a.AccountID+"_1"
	if tested := must(a20.TestNetworkConnection(tn))(t); !tested.TaskList.ConnectStatus {
		t.Fatalf("TestNetworkConnection: %s", tested.GetHttpContentString())
	}
	l := dw.CreateListDataSourcesRequest()
	l.ProjectId, l.PageSize, l.Name = requests.NewInteger64(ws), requests.NewInteger(50), "b_sales"
	for _, d := range must(a20.ListDataSources(l))(t).Data.DataSources {
		if d.Name == "b_sales" && d.ConnectStatus != 1 {
			t.Fatalf("ConnectStatus after a Connectable test: %+v", d)
		}
	}

	// Preview: the API and the CLI.
	d, err := preview(a24, ws, "b_sales", "sale_detail")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(d)
	if string(raw) != `{"Columns":[{"Name":"shop_name","Type":"string"},{"Name":"customer_id","Type":"string"},{"Name":"total_price","Type":"double"}],`+
		`"DataSourceName":"b_sales","Rows":[["s1","c1","100.1"],["s2",null,"100.2"]],"TableName":"sale_detail"}` {
		t.Fatalf("PreviewDataSourceTable: %s", raw)
	}
	_, err = preview(a24, ws, "b_sales", "secret_table")
	daraSays(t, err, "ODPS-0130013", 403, "grant Select on table secret_table to user "+principal+";")
	out, code, errOut := s.dwCLI(a.Creds(), "preview", "--workspace", itoa(ws), "--datasource", "b_sales", "--table", "sale_detail", "--limit", "1")
	if code != 0 || !strings.Contains(out, "shop_name") || !strings.Contains(out, "s1") || strings.Contains(out, "s2") {
		t.Fatalf("dataworks preview: exit %d %q %s", code, out, errOut)
	}
	out, code, _ = s.dwCLI(a.Creds(), "preview", "--workspace", itoa(ws), "--datasource", "b_sales", "--table", "sale_detail", "--json")
	if code != 0 || !strings.Contains(out, `["s2",null,"100.2"]`) {
		t.Fatalf("dataworks preview --json: exit %d %q", code, out)
	}
	_, code, errOut = s.dwCLI(a.Creds(), "preview", "--workspace", itoa(ws), "--datasource", "b_sales", "--table", "secret_table")
	if code != 1 || !strings.Contains(errOut, "ODPS-0130013") || !strings.Contains(errOut, "grant Select on table secret_table") {
		t.Fatalf("dataworks preview of a table not granted: exit %d %s", code, errOut)
	}
	_, code, _ = s.dwCLI(a.Creds(), "preview", "--workspace", itoa(ws), "--datasource", "b_sales", "--table", "t", "--limit", "0")
	if code != 2 {
		t.Fatalf("--limit 0: exit %d", code)
	}

	// The confused deputy: C's DataWorks names B's role and project.
	t.Run("confused deputy", func(t *testing.T) {
		c24 := s.Dara(t, c.Creds(), "")
		wsC := id64(mustDW24(t, c24, "CreateProject", map[string]string{"Name": "c_ws", "DisplayName": "C"})["Id"])
		dsC := id64(mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(wsC), "Name": "b_sales", "Type": "maxcompute",
			"ConnectionProperties": props("b_sales_prj", "testRole")})["Id"])
		wantState(t, connectivity(t, c24, wsC, dsC, "Serverless_res_group_"+c.AccountID+"_1"), "ConfigError", "assume_role",
			"does not let DataWorks of account "+c.AccountID, "NoPermission")
		_, err := preview(c24, wsC, "b_sales", "sale_detail")
		daraSays(t, err, "NoPermission", 403, c.AccountID+"@engine.dataworks.aliyuncs.com")
		audit := s.AuditJSON(c.AccountID)
		if !strings.Contains(audit, `"caller":"`+c.AccountID+`@engine.dataworks.aliyuncs.com"`) || !strings.Contains(audit, `"action":"sts:AssumeRole"`) ||
			!strings.Contains(audit, `"resource":"acs:ram::`+b.AccountID+`:role/testrole"`) {
			t.Errorf("the audit trail does not show C's refused DataWorks principal:\n%s", audit)
		}
		// A's group does not exist for C.
		_, err = dw24(c24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(wsC), "DataSourceId": itoa(dsC), "ResourceGroupId": def})
		daraError(t, err, "Invalid.ResourceGroup.NotExists", 404)
	})
}

func TestDataWorksConnectivityHologres(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	s := StartHoloServer(t)
	a, b := s.CreateAccount("dwh-a"), s.CreateAccount("dwh-b")
	ramB := s.RAM(b.Creds())
	createRole(t, ramB, "testRole", seedTrust(a.AccountID))
	rid := roleID(t, ramB, "testRole")
	user := `"v4_` + rid + `"`
	id, endpoint := holoInstance(t, s, b.Creds(), "b_holo")
	ownerConn := mustConnect(t, endpoint, akLogin(b.Creds(), "postgres"))
	exec1(t, ownerConn, "CREATE DATABASE b_db")
	exec1(t, ownerConn, "CREATE DATABASE locked_db")
	owner := mustConnect(t, endpoint, akLogin(b.Creds(), "b_db"))
	exec1(t, owner, "create table sales (shop text, total numeric)")
	exec1(t, owner, "insert into sales values ('s1', 100.1), ('s2', NULL)")
	exec1(t, owner, "create table secrets (x int)")

	a24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_holo_ws", "DisplayName": "A"})["Id"])
	def := "Serverless_res_group_" + a.AccountID + "_1"
	newSource := func(name, instance, db string) int64 {
		return id64(mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": name, "Type": "hologres",
			"ConnectionPropertiesMode": "InstanceMode", "ConnectionProperties": `{"envType":"Prod","regionId":"cn-hangzhou","instanceId":"` + instance +
				`","database":"` + db + `","authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"testRole"}`})["Id"])
	}
	src := newSource("b_holo", "b_holo", "b_db")

	t.Run("no hologram policy", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, src, def), "ConfigError", "resolve_endpoint",
			"may not look up Hologres instance b_holo", "hologram:GetInstance", "NoPermission")
	})
	createPolicy(t, ramB, "HologresDataSourceAccess", seedHologresPolicy)
	attachToRole(t, ramB, "testRole", "HologresDataSourceAccess")
	t.Run("instance missing", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, newSource("no_inst", "no_such_instance", "b_db"), def), "ConfigError", "resolve_endpoint",
			"has no Hologres instance no_such_instance", "InstanceNotFound")
	})
	t.Run("role not a database user", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, src, def), "ConfigError", "authenticate", "CREATE USER "+user+";", "28P01")
	})
	exec1(t, ownerConn, "CREATE USER "+user)
	t.Run("database missing", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, newSource("no_db", id, "no_such_db"), def), "ConfigError", "authenticate",
			"database no_such_db does not exist", "3D000")
	})
	t.Run("no CONNECT", func(t *testing.T) {
		exec1(t, ownerConn, "REVOKE CONNECT ON DATABASE locked_db FROM PUBLIC")
		wantState(t, connectivity(t, a24, ws, newSource("locked", id, "locked_db"), def), "ConfigError", "check_privilege",
			"GRANT CONNECT ON DATABASE locked_db TO "+user+";", "42501")
	})
	t.Run("reads no table", func(t *testing.T) {
		wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege", "warning: it can read no table")
		_, err := preview(a24, ws, "b_holo", "sales")
		daraSays(t, err, "42501", 403, `GRANT SELECT ON "sales" TO `+user+";")
	})
	exec1(t, owner, "GRANT SELECT ON sales TO "+user)
	wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege", "SELECT on tables: public.sales")
	d, err := preview(a24, ws, "b_holo", "public.sales")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(d)
	if string(raw) != `{"Columns":[{"Name":"shop","Type":"text"},{"Name":"total","Type":"numeric"}],"DataSourceName":"b_holo",`+
		`"Rows":[["s1","100.1"],["s2",null]],"TableName":"public.sales"}` {
		t.Fatalf("PreviewDataSourceTable: %s", raw)
	}
	out, code, errOut := s.dwCLI(a.Creds(), "preview", "--workspace", itoa(ws), "--datasource", "b_holo", "--table", "sales")
	if code != 0 || !strings.Contains(out, "s2") || !strings.Contains(out, "NULL") {
		t.Fatalf("dataworks preview: exit %d %q %s", code, out, errOut)
	}
	_, err = preview(a24, ws, "b_holo", "secrets")
	daraSays(t, err, "42501", 403, `GRANT SELECT ON "secrets" TO `+user+";")
}

// TestDataWorksConnectivityInstanceStopped: B stops its Hologres instance
// (StopInstance, `localyun holo stop-instance`): A's test is Unreachable at
// resolve_endpoint and says B starts it; a login to the stopped instance
// fails; after ResumeInstance the test is Connectable again.
func TestDataWorksConnectivityInstanceStopped(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	s := StartHoloServer(t)
	a, b := s.CreateAccount("dws-a"), s.CreateAccount("dws-b")
	ramB := s.RAM(b.Creds())
	createRole(t, ramB, "testRole", seedTrust(a.AccountID))
	createPolicy(t, ramB, "HologresDataSourceAccess", seedHologresPolicy)
	attachToRole(t, ramB, "testRole", "HologresDataSourceAccess")
	id, endpoint := holoInstance(t, s, b.Creds(), "b_holo")
	// The Security Center step through the OpenAPI this time.
	bHolo := s.Dara(t, b.Creds(), "")
	if res, err := holoROA(bHolo, "CreateUser", "POST", "/api/v1/instances/"+id+"/createUser", map[string]any{"userName": "v4_" + roleID(t, ramB, "testRole")}); err != nil || res["Data"] != true {
		t.Fatalf("CreateUser: %v %v", res, err)
	}

	a24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_stop_ws", "DisplayName": "A"})["Id"])
	def := "Serverless_res_group_" + a.AccountID + "_1"
	src := id64(mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "b_holo", "Type": "hologres",
		"ConnectionPropertiesMode": "InstanceMode", "ConnectionProperties": `{"envType":"Prod","regionId":"cn-hangzhou","instanceId":"b_holo",` +
			`"database":"postgres","authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"testRole"}`})["Id"])
	wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege")

	if res, err := holoROA(bHolo, "StopInstance", "POST", "/api/v1/instances/"+id+"/stop", nil); err != nil || res["Data"] != true {
		t.Fatalf("StopInstance: %v %v", res, err)
	}
	wantState(t, connectivity(t, a24, ws, src, def), "Unreachable", "resolve_endpoint",
		"is Stopped, not Running", "account "+b.AccountID+" starts it", "IncorrectInstanceStatus")
	if _, err := pgConnect(context.Background(), endpoint, akLogin(b.Creds(), "postgres")); err == nil {
		t.Fatal("a login to a stopped instance succeeded")
	}
	// Stopping it again, or by another account, is refused.
	if _, code, errOut := s.apiCLI(b.Creds(), "holo", "stop-instance", id); code != 1 || !strings.Contains(errOut, "IncorrectInstanceStatus") {
		t.Fatalf("stopping a stopped instance: exit %d %s", code, errOut)
	}
	if _, code, errOut := s.apiCLI(a.Creds(), "holo", "resume-instance", id); code != 1 || !strings.Contains(errOut, "NoPermission") {
		t.Fatalf("another account resuming B's instance: exit %d %s", code, errOut)
	}

	if res, err := holoROA(bHolo, "ResumeInstance", "POST", "/api/v1/instances/"+id+"/resume", nil); err != nil || res["Data"] != true {
		t.Fatalf("ResumeInstance: %v %v", res, err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		res, err := holoROA(bHolo, "GetInstance", "GET", "/api/v1/instances/"+id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := res["Instance"].(map[string]any)["InstanceStatus"]; st == "Running" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("after ResumeInstance: %v", st)
		}
	}
	wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege")

	// The CLI stops and resumes it too.
	if out, code, errOut := s.apiCLI(b.Creds(), "holo", "stop-instance", id); code != 0 || !strings.Contains(out, "is Stopped") {
		t.Fatalf("holo stop-instance: exit %d %q %s", code, out, errOut)
	}
	if out, code, errOut := s.apiCLI(b.Creds(), "holo", "resume-instance", id); code != 0 || !strings.Contains(out, "is Running") {
		t.Fatalf("holo resume-instance: exit %d %q %s", code, out, errOut)
	}
	wantState(t, connectivity(t, a24, ws, src, def), "Connectable", "check_privilege")

	// Deleted, the instance is gone for the test as for the API.
	if res, err := holoROA(bHolo, "DeleteInstance", "POST", "/api/v1/instances/"+id+"/delete", nil); err != nil || res["Data"] != true {
		t.Fatalf("DeleteInstance: %v %v", res, err)
	}
	_, err := holoROA(bHolo, "GetInstance", "GET", "/api/v1/instances/"+id, nil)
	daraError(t, err, "InstanceNotFound", 404)
	wantState(t, connectivity(t, a24, ws, src, def), "ConfigError", "resolve_endpoint", "InstanceNotFound")
}
