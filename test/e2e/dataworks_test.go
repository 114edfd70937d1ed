package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	dw "github.com/aliyun/alibaba-cloud-sdk-go/services/dataworks-public"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

// This file drives DataWorks through both API versions at one endpoint:
// 2020-05-18 with the monolithic SDK's services/dataworks-public, and
// 2024-05-18 with the generic darabonba client, each action sent the way
// the generated dataworks-public-20240518 client sends it (method, query
// or form body). Workspaces, data sources of both types in the
// same-account and cross-account modes, the validation errors (nothing
// stored), masked secrets, resource groups and their associations, the
// connectivity seam, compute-resource binding and the CLI.

const (
	dwV2020 = "2020-05-18"
	dwV2024 = "2024-05-18"
)

// DataWorks returns the monolithic SDK's DataWorks client (2020-05-18).
func (s *Server) DataWorks(c Creds) *dw.Client {
	s.t.Helper()
	client, err := dw.NewClientWithOptions("cn-hangzhou", s.withRecorder(sdkConfig()), c.sdkCredential())
	if err != nil {
		s.t.Fatal(err)
	}
	client.Domain = s.Endpoint()
	return client
}

// dw24Wire is how dataworks-public-20240518 sends each action: its HTTP
// method, and whether the parameters go to a form body or the query.
var dw24Wire = map[string]struct {
	method string
	body   bool
}{
	"CreateProject": {"POST", true}, "GetProject": {"GET", false}, "ListProjects": {"POST", true},
	"CreateDataSource": {"POST", false}, "GetDataSource": {"GET", false}, "ListDataSources": {"GET", false},
	"UpdateDataSource": {"POST", false}, "DeleteDataSource": {"GET", false}, "TestDataSourceConnectivity": {"POST", false},
	"ListResourceGroups": {"GET", false}, "GetResourceGroup": {"GET", false}, "CreateResourceGroup": {"POST", true},
	"AssociateProjectToResourceGroup": {"POST", true}, "DissociateProjectFromResourceGroup": {"POST", true},
	"ListResourceGroupAssociateProjects": {"POST", false},
	"CreateComputeResource":              {"POST", false}, "GetComputeResource": {"POST", false}, "ListComputeResources": {"POST", false},
	"UpdateComputeResource": {"POST", false}, "DeleteComputeResource": {"POST", false},
	"PreviewDataSourceTable": {"POST", false},
}

// dw24 calls a 2024-05-18 action with darabonba's CallApi (V3 signature)
// and returns the decoded body (numbers as json.Number).
func dw24(client *openapi.Client, action string, params map[string]string) (map[string]any, error) {
	wire, ok := dw24Wire[action]
	if !ok {
		panic("dw24: unknown action " + action)
	}
	req := &openapiutil.OpenApiRequest{}
	if wire.body {
		body := map[string]any{}
		for k, v := range params {
			body[k] = v
		}
		req.Body = body
	} else {
		q := map[string]*string{}
		for k, v := range params {
			q[k] = dara.String(v)
		}
		req.Query = q
	}
	res, err := client.CallApi(&openapiutil.Params{
		Action: dara.String(action), Version: dara.String(dwV2024), Protocol: dara.String("HTTP"), Pathname: dara.String("/"),
		Method: dara.String(wire.method), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	b, _ := res["body"].(map[string]any)
	return b, nil
}

// mustDW24 is dw24 that fails the test on an error.
func mustDW24(t testing.TB, client *openapi.Client, action string, params map[string]string) map[string]any {
	t.Helper()
	m, err := dw24(client, action, params)
	if err != nil {
		t.Fatalf("%s %v: %v", action, params, err)
	}
	return m
}

func id64(v any) int64 {
	n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// dwCLI runs `localyun dataworks` with credentials in the environment.
func (s *Server) dwCLI(c Creds, args ...string) (string, int, string) {
	s.t.Helper()
	return s.apiCLI(c, "dataworks", args...)
}

// dateRE2020 matches the 2020-05-18 times: "Dec 3, 2019 9:12:20 PM".
var dateRE2020 = regexp.MustCompile(`^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$`)

// Shapes of the responses (checkShape kinds: s string, n number, b bool,
// o object, a array).
var (
	project2020Shape = shape{"Status": "n", "MaxFlowNode": "n", "ProjectId": "n", "IsAllowDownload": "n", "ProjectMode": "n",
		"GmtModified": "s", "ProdStorageQuota": "s", "ProjectDescription": "s", "DevelopmentType": "n", "TablePrivacyMode": "n",
		"DefaultDiResourceGroupIdentifier": "s", "SchedulerMaxRetryTimes": "n", "ProtectedMode": "n", "SchedulerRetryInterval": "n",
		"Appkey": "s", "DevStorageQuota": "s", "ResidentArea": "s", "IsDefault": "n", "Destination": "n", "ProjectName": "s",
		"ProjectIdentifier": "s", "DisableDevelopment": "b", "ProjectOwnerBaseId": "s", "BaseProject": "b", "UseProxyOdpsAccount": "b",
		"GmtCreate": "s", "TenantId": "n", "ResourceManagerResourceGroupId": "s", "EnvTypes": "a", "Tags": "a"}
	projectItem2020Shape = shape{"DisableDevelopment": "b", "IsDefault": "n", "ProjectDescription": "s", "ProjectId": "n",
		"ProjectIdentifier": "s", "ProjectName": "s", "ProjectOwnerBaseId": "s", "ProjectStatus": "n", "ProjectStatusCode": "s",
		"ResourceManagerResourceGroupId": "s", "TablePrivacyMode": "n", "Tags": "a", "UseProxyOdpsAccount": "b"}
	project2024Shape = shape{"AliyunResourceGroupId": "s", "AliyunResourceTags": "a", "Description": "s", "DevEnvironmentEnabled": "b",
		"DevRoleDisabled": "b", "DisplayName": "s", "Id": "n", "Name": "s", "Owner": "s", "PaiTaskEnabled": "b", "Status": "s"}
	dataSource2020Shape = shape{"BindingCalcEngineId": "n", "ConnectStatus": "n", "Content": "s", "DataSourceType": "s",
		"DefaultEngine": "b", "Description": "s", "EnvType": "n", "GmtCreate": "s", "GmtModified": "s", "Id": "n", "Name": "s",
		"Operator": "s", "ProjectId": "n", "Sequence": "n", "Shared": "b", "Status": "n", "SubType": "s", "TenantId": "n"}
	dataSource2024Shape = shape{"ConnectionProperties": "o", "ConnectionPropertiesMode": "s", "CreateTime": "n", "CreateUser": "s",
		"Description": "s", "Id": "n", "ModifyTime": "n", "ModifyUser": "s", "QualifiedName": "s",
		"Name": "s?", "ProjectId": "n?", "Type": "s?", "WhetherDefault": "b?"}
	group2020Shape = shape{"BizExtKey": "s", "Cluster": "s", "CreateTime": "s", "EnableKp": "b", "Id": "n", "Identifier": "s",
		"IsDefault": "b", "Mode": "s", "Name": "s", "ResourceGroupType": "s", "ResourceManagerResourceGroupId": "s", "Sequence": "n",
		"Specs": "o", "Status": "n", "Tags": "a", "TenantId": "n", "UpdateTime": "s"}
	group2024Shape = shape{"AliyunResourceGroupId": "s", "AliyunResourceTags": "a", "CreateTime": "n", "CreateUser": "s",
		"DefaultVpcId": "s", "DefaultVswicthId": "s?", "DefaultVswitchId": "s?", "Id": "s", "Name": "s", "OrderInstanceId": "s",
		"PaymentType": "s", "Remark": "s", "ResourceGroupType": "s", "Spec": "o", "Status": "s"}
)

// TestDataWorksWorkspaces creates workspaces with both versions and the
// CLI, reads each through the other version, and checks the refusals.
func TestDataWorksWorkspaces(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("dw-ws-a"), s.CreateAccount("dw-ws-b")
	c20 := s.DataWorks(a.Creds())
	c24 := s.Dara(t, a.Creds(), "")

	// 2020: standard mode, with tags.
	cp := dw.CreateCreateProjectRequest()
	cp.ProjectName, cp.ProjectIdentifier, cp.ProjectDescription, cp.ProjectMode = "A standard", "a_std", "made by 2020", requests.NewInteger(3)
	cp.Tags = &[]dw.CreateProjectTags{{Key: "env", Value: "test"}}
	created := must(c20.CreateProject(cp))(t)
	raw := checkShape(t, "CreateProject 2020", body(t, created.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "n", "Success": "b", "Data": "n"})
	std := id64(raw["Data"])
	if std < 10001 || !created.Success || created.HttpStatusCode != 200 {
		t.Fatalf("CreateProject: %s", created.GetHttpContentString())
	}
	gp := dw.CreateGetProjectRequest()
	gp.ProjectId = requests.NewInteger64(std)
	got := must(c20.GetProject(gp))(t)
	data := checkShape(t, "GetProject.Data", body(t, got.GetHttpContentString())["Data"], project2020Shape)
	if got.Data.ProjectIdentifier != "a_std" || got.Data.ProjectName != "A standard" || got.Data.ProjectMode != 3 ||
		fmt.Sprint(got.Data.EnvTypes) != "[DEV PROD]" || got.Data.ProjectOwnerBaseId != a.AccountID ||
		got.Data.DefaultDiResourceGroupIdentifier != "S_res_group_"+a.AccountID+"_1" || fmt.Sprint(data["TenantId"]) != a.AccountID ||
		len(got.Data.Tags) != 1 || got.Data.Tags[0].Key != "env" || !dateRE2020.MatchString(got.Data.GmtCreate) {
		t.Fatalf("GetProject: %s", got.GetHttpContentString())
	}
	gp = dw.CreateGetProjectRequest()
	gp.ProjectIdentifier = "A_STD"
	if got := must(c20.GetProject(gp))(t); int64(got.Data.ProjectId) != std {
		t.Fatalf("GetProject by identifier: %s", got.GetHttpContentString())
	}

	// 2024: basic mode; it sees the 2020 workspace and the other way round.
	res := mustDW24(t, c24, "CreateProject", map[string]string{"Name": "a_basic", "DisplayName": "A basic", "Description": "made by 2024",
		"AliyunResourceTags": `[{"Key":"team","Value":"bi"}]`})
	checkShape(t, "CreateProject 2024", res, shape{"RequestId": "s", "Id": "n", "ProjectId": "n"})
	basic := id64(res["Id"])
	if basic != std+1 || id64(res["ProjectId"]) != basic {
		t.Fatalf("CreateProject 2024: %v", res)
	}
	p := checkShape(t, "GetProject 2024", mustDW24(t, c24, "GetProject", map[string]string{"Id": itoa(std)})["Project"], project2024Shape)
	if p["Name"] != "a_std" || p["DevEnvironmentEnabled"] != true || p["Owner"] != a.AccountID || p["Status"] != "Available" || p["Description"] != "made by 2020" {
		t.Fatalf("GetProject 2024 of a 2020 workspace: %v", p)
	}
	gp = dw.CreateGetProjectRequest()
	gp.ProjectId = requests.NewInteger64(basic)
	if got := must(c20.GetProject(gp))(t); got.Data.ProjectMode != 2 || fmt.Sprint(got.Data.EnvTypes) != "[PROD]" || got.Data.ProjectName != "A basic" {
		t.Fatalf("GetProject 2020 of a 2024 workspace: %s", got.GetHttpContentString())
	}
	list := mustDW24(t, c24, "ListProjects", map[string]string{"PageSize": "1", "PageNumber": "2"})
	pi := checkShape(t, "ListProjects.PagingInfo", list["PagingInfo"], shape{"PageNumber": "n", "PageSize": "n", "TotalCount": "n", "Projects": "a"})
	projects := pi["Projects"].([]any)
	if fmt.Sprint(pi["TotalCount"]) != "2" || len(projects) != 1 || checkShape(t, "ListProjects item", projects[0], project2024Shape)["Name"] != "a_basic" {
		t.Fatalf("ListProjects 2024: %v", list)
	}
	for params, want := range map[string]string{
		`{"Names":"[\"A_STD\"]"}`:                       "a_std",
		`{"Ids":"[` + itoa(basic) + `]"}`:               "a_basic",
		`{"DevEnvironmentEnabled":"true"}`:              "a_std",
		`{"AliyunResourceTags":"[{\"Key\":\"team\"}]"}`: "a_basic",
	} {
		var m map[string]string
		if err := json.Unmarshal([]byte(params), &m); err != nil {
			t.Fatal(err)
		}
		projects := mustDW24(t, c24, "ListProjects", m)["PagingInfo"].(map[string]any)["Projects"].([]any)
		if len(projects) != 1 || projects[0].(map[string]any)["Name"] != want {
			t.Errorf("ListProjects %s: %v", params, projects)
		}
	}
	lp := dw.CreateListProjectsRequest()
	lp.PageSize = requests.NewInteger(10)
	listed := must(c20.ListProjects(lp))(t)
	page := checkShape(t, "ListProjects 2020", body(t, listed.GetHttpContentString())["PageResult"], shape{"PageNumber": "n", "PageSize": "n", "TotalCount": "n", "ProjectList": "a"})
	items := page["ProjectList"].([]any)
	checkShape(t, "ProjectList item", items[0], projectItem2020Shape)
	if listed.PageResult.TotalCount != 2 || listed.PageResult.ProjectList[0].ProjectIdentifier != "a_std" || listed.PageResult.ProjectList[1].ProjectStatusCode != "AVAILABLE" {
		t.Fatalf("ListProjects 2020: %s", listed.GetHttpContentString())
	}

	// The CLI: --json prints the id as a JSON string.
	out, code, stderr := s.dwCLI(a.Creds(), "create-workspace", "--name", "a_cli", "--mode", "standard", "--json")
	if code != 0 {
		t.Fatalf("create-workspace: %d %s", code, stderr)
	}
	var printed map[string]any
	if err := json.Unmarshal([]byte(out), &printed); err != nil || len(printed) != 1 {
		t.Fatalf("create-workspace --json: %q %v", out, err)
	}
	cliID, isString := printed["WorkspaceId"].(string)
	if !isString || cliID != itoa(basic+1) {
		t.Fatalf("WorkspaceId: %#v", printed["WorkspaceId"])
	}
	if p := mustDW24(t, c24, "GetProject", map[string]string{"Id": cliID})["Project"].(map[string]any); p["Name"] != "a_cli" || p["DevEnvironmentEnabled"] != true {
		t.Fatalf("the CLI's workspace: %v", p)
	}
	out, code, stderr = s.dwCLI(a.Creds(), "create-workspace", "--name", "a_cli_sh", "--region", "cn-shanghai")
	if code != 0 || !strings.Contains(out, "basic mode (Prod)") || !strings.Contains(out, "Serverless_res_group_"+a.AccountID+"_2") {
		t.Fatalf("create-workspace in cn-shanghai: %d %q %s", code, out, stderr)
	}
	if _, code, stderr = s.dwCLI(a.Creds(), "create-workspace", "--name", "x", "--mode", "fancy"); code != 2 || !strings.Contains(stderr, "basic or standard") {
		t.Fatalf("bad --mode: %d %s", code, stderr)
	}
	if _, code, stderr = s.dwCLI(a.Creds(), "create-workspace", "--name", "a_std"); code != 1 || !strings.Contains(stderr, "Invalid.Tenant.ProjectAlreadyExists") {
		t.Fatalf("a taken name: %d %s", code, stderr)
	}
	if _, code, stderr = s.dwCLI(a.Creds(), "create-workspace", "--name", "9lives"); code != 2 || !strings.Contains(stderr, "InvalidParameter.Name") {
		t.Fatalf("a bad name: %d %s", code, stderr)
	}

	// Refusals.
	cp = dw.CreateCreateProjectRequest()
	cp.ProjectName, cp.ProjectIdentifier = "x", "has-dash"
	sdkError(t, errOf(c20.CreateProject(cp)), "InvalidParameter.ProjectIdentifier", 400)
	cp.ProjectIdentifier = "A_Std"
	sdkError(t, errOf(c20.CreateProject(cp)), "Invalid.Tenant.ProjectAlreadyExists", 409)
	_, err := dw24(c24, "CreateProject", map[string]string{"Name": "ok_name", "DisplayName": "x", "DevEnvironmentEnabled": "maybe"})
	daraError(t, err, "InvalidParameter.DevEnvironmentEnabled", 400)
	_, err = dw24(c24, "GetProject", map[string]string{"Id": "99999"})
	daraError(t, err, "Invalid.Tenant.ProjectNotExists", 404)
	_, err = dw24(c24, "ListProjects", map[string]string{"Ids": "[1,"})
	daraError(t, err, "InvalidParameter.Ids", 400)
	// Another account's workspace: RAM refuses, naming the owner.
	_, err = dw24(s.Dara(t, b.Creds(), ""), "GetProject", map[string]string{"Id": itoa(std)})
	ce := daraError(t, err, "NoPermission", 403)
	if !strings.Contains(dara.StringValue(ce.Message)+dara.StringValue(ce.Data), a.AccountID) {
		t.Errorf("the denial does not name the owner: %v", ce)
	}
	if lb := must(s.DataWorks(b.Creds()).ListProjects(dw.CreateListProjectsRequest()))(t); lb.PageResult.TotalCount != 0 {
		t.Fatalf("B lists A's workspaces: %s", lb.GetHttpContentString())
	}
	// A RAM user needs a dataworks policy.
	ramA := s.RAM(a.Creds())
	alice := createUserWithKey(t, ramA, "alice")
	_, err = dw24(s.Dara(t, alice, ""), "GetProject", map[string]string{"Id": itoa(std)})
	ce = daraError(t, err, "NoPermission", 403)
	if d := ce.AccessDeniedDetail; d == nil || d["AuthAction"] != "dataworks:GetProject" {
		t.Errorf("AccessDeniedDetail: %v", ce.AccessDeniedDetail)
	}
	attachToUser(t, ramA, "alice", "AliyunDataWorksFullAccess")
	if p := mustDW24(t, s.Dara(t, alice, ""), "GetProject", map[string]string{"Id": itoa(std)})["Project"].(map[string]any); p["Name"] != "a_std" {
		t.Fatalf("GetProject as alice: %v", p)
	}
	// Workspace ARNs in the audit trail.
	if audit := s.AuditJSON(a.AccountID); !strings.Contains(audit, `"resource":"acs:dataworks:cn-hangzhou:`+a.AccountID+`:workspace/`+itoa(std)+`"`) ||
		!strings.Contains(audit, `"action":"dataworks:CreateProject"`) {
		t.Errorf("the audit trail lacks the DataWorks calls")
	}
}

// ramRoleID creates a role of an account and returns its RoleId.
func ramRoleID(t testing.TB, c *ram.Client, name, trust string) string {
	t.Helper()
	return createRole(t, c, name, trust).Role.RoleId
}

// dwTotal is how many data source records ListDataSources 2020 counts.
func dwTotal(t testing.TB, c *dw.Client, ws int64) int {
	t.Helper()
	l := dw.CreateListDataSourcesRequest()
	l.ProjectId = requests.NewInteger64(ws)
	return must(c.ListDataSources(l))(t).Data.TotalCount
}

// TestDataWorksDataSources adds MaxCompute and Hologres data sources in
// the same-account and cross-account modes through both versions, reads
// each through the other, updates and deletes them, and looks for their
// secrets in everything the server shows or keeps.
func TestDataWorksDataSources(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("dw-ds-a"), s.CreateAccount("dw-ds-b")
	c20 := s.DataWorks(a.Creds())
	c24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, c24, "CreateProject", map[string]string{"Name": "a_ws", "DisplayName": "A", "DevEnvironmentEnabled": "true"})["Id"])
	roleID := ramRoleID(t, s.RAM(a.Creds()), "etl-role", trustRAM("acs:ram::"+a.AccountID+":root"))
	crossMC := func(env string) string {
		return `{"envType":"` + env + `","regionId":"cn-hangzhou","project":"b_sales","endpointMode":"SelfAdaption","authType":"RamRole",` +
			`"crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"testRole"}`
	}

	// 2020: the cross-account MaxCompute source's Prod record; its Dev
	// record through 2024, under the same name.
	cd := dw.CreateCreateDataSourceRequest()
	cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType = requests.NewInteger64(ws), "b_sales", "odps", requests.NewInteger(1)
	cd.Content, cd.Description = crossMC("Prod"), "B's sales, Prod"
	created := must(c20.CreateDataSource(cd))(t)
	checkShape(t, "CreateDataSource 2020", body(t, created.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "s", "Success": "b", "Data": "n"})
	prodID := created.Data
	res := mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "b_sales", "Type": "maxcompute",
		"ConnectionProperties": crossMC("Dev"), "Description": "B's sales, Dev"})
	checkShape(t, "CreateDataSource 2024", res, shape{"RequestId": "s", "Id": "n"})
	devID := id64(res["Id"])
	// Cross-account Hologres through 2024 (by instance name), through 2020
	// (by instance id, the 2024 keys in Content).
	res = mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "b_holo", "Type": "hologres",
		"ConnectionPropertiesMode": "InstanceMode", "ConnectionProperties": `{"envType":"Prod","regionId":"cn-hangzhou","instanceId":"b_holo_instance","database":"b_db",` +
			`"authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"dw-holo"}`})
	holoID := id64(res["Id"])
	cd = dw.CreateCreateDataSourceRequest()
	cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType = requests.NewInteger64(ws), "b_holo", "holo", requests.NewInteger(0)
	cd.Content = `{"instanceId":"hgpostcn-cn-b123","database":"b_db","authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"dw-holo"}`
	holoDev := must(c20.CreateDataSource(cd))(t).Data
	// Same account: a role of A (authIdentity = its RoleId), and the
	// legacy AccessKey Content of the 2020 documentation, with a secret.
	res = mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "a_role", "Type": "maxcompute",
		"ConnectionProperties": `{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"` + roleID + `"}`})
	roleSrc := id64(res["Id"])
	const secret = "ak-secret-8f3e1c2d9b"
	const password = "pw-7c1d0e5f3a"
	cd = dw.CreateCreateDataSourceRequest()
	cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType = requests.NewInteger64(ws), "a_ak", "odps", requests.NewInteger(1)
	cd.Content = `{"accessId":"LTAI5tExampleId","accessKey":"` + secret + `","authType":2,"endpoint":"http://service.odps.aliyun.com/api","project":"a_prj","tag":"public"}`
	akID := must(c20.CreateDataSource(cd))(t).Data
	res = mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "a_holo_pw", "Type": "hologres",
		"ConnectionProperties": `{"envType":"Prod","instanceId":"holo_a","database":"db1","authType":"PrimaryAccount","username":"u1","password":"` + password + `"}`})
	pwID := id64(res["Id"])

	// 2024 reads what 2020 wrote: ConnectionProperties is an object.
	get := mustDW24(t, c24, "GetDataSource", map[string]string{"Id": itoa(prodID)})
	ds := checkShape(t, "GetDataSource.DataSource", get["DataSource"], dataSource2024Shape)
	props := ds["ConnectionProperties"].(map[string]any)
	if ds["Name"] != "b_sales" || ds["Type"] != "maxcompute" || id64(ds["ProjectId"]) != ws || ds["ConnectionPropertiesMode"] != "UrlMode" ||
		ds["QualifiedName"] != b.AccountID+":cn-hangzhou:odps:b_sales" || props["envType"] != "Prod" || props["crossAccountRoleName"] != "testRole" ||
		props["crossAccountOwnerId"] != b.AccountID || ds["Description"] != "B's sales, Prod" || ds["CreateUser"] != a.AccountID {
		t.Fatalf("GetDataSource of a 2020 record: %v", ds)
	}
	get = mustDW24(t, c24, "GetDataSource", map[string]string{"Id": itoa(holoDev)})
	if p := get["DataSource"].(map[string]any); p["Type"] != "hologres" || p["ConnectionPropertiesMode"] != "InstanceMode" ||
		p["ConnectionProperties"].(map[string]any)["envType"] != "Dev" || p["QualifiedName"] != b.AccountID+":cn-hangzhou:holo:hgpostcn-cn-b123:b_db" {
		t.Fatalf("GetDataSource of a 2020 hologres record: %v", p)
	}
	// Secrets are masked on every read.
	for _, id := range []int64{akID, pwID} {
		p := mustDW24(t, c24, "GetDataSource", map[string]string{"Id": itoa(id)})["DataSource"].(map[string]any)["ConnectionProperties"].(map[string]any)
		if p["accessKey"] != nil && p["accessKey"] != "******" || p["password"] != nil && p["password"] != "******" {
			t.Fatalf("GetDataSource shows a secret: %v", p)
		}
	}

	// 2020 lists what 2024 wrote, one entry per environment.
	l := dw.CreateListDataSourcesRequest()
	l.ProjectId, l.PageSize = requests.NewInteger64(ws), requests.NewInteger(50)
	listed := must(c20.ListDataSources(l))(t)
	lb := checkShape(t, "ListDataSources 2020", body(t, listed.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "n", "Success": "b", "Data": "o"})
	ld := checkShape(t, "ListDataSources.Data", lb["Data"], shape{"PageNumber": "n", "PageSize": "n", "TotalCount": "n", "DataSources": "a"})
	if listed.Data.TotalCount != 7 || len(ld["DataSources"].([]any)) != 7 {
		t.Fatalf("ListDataSources 2020: %s", listed.GetHttpContentString())
	}
	byID := map[int64]map[string]any{}
	for _, item := range ld["DataSources"].([]any) {
		m := checkShape(t, "DataSources item", item, dataSource2020Shape)
		byID[id64(m["Id"])] = m
	}
	if d := byID[devID]; d["DataSourceType"] != "odps" || fmt.Sprint(d["EnvType"]) != "0" || !strings.Contains(d["Content"].(string), `"crossAccountRoleName":"testRole"`) {
		t.Fatalf("the 2024 Dev record in 2020: %v", d)
	}
	if d := byID[holoID]; d["DataSourceType"] != "holo" || fmt.Sprint(d["EnvType"]) != "1" {
		t.Fatalf("the 2024 hologres record in 2020: %v", d)
	}
	if d := byID[akID]; !strings.Contains(d["Content"].(string), `"accessKey":"******"`) || strings.Contains(d["Content"].(string), secret) {
		t.Fatalf("ListDataSources 2020 shows the secret: %v", d)
	}
	l = dw.CreateListDataSourcesRequest()
	l.ProjectId, l.DataSourceType, l.EnvType = requests.NewInteger64(ws), "holo", requests.NewInteger(0)
	if got := must(c20.ListDataSources(l))(t); got.Data.TotalCount != 1 || int64(got.Data.DataSources[0].Id) != holoDev {
		t.Fatalf("ListDataSources 2020 holo Dev: %s", got.GetHttpContentString())
	}

	// 2024 lists grouped by name, each with its environments.
	list := mustDW24(t, c24, "ListDataSources", map[string]string{"ProjectId": itoa(ws), "SortBy": "Name", "Order": "Asc", "PageSize": "100"})
	pi := checkShape(t, "ListDataSources.PagingInfo", list["PagingInfo"], shape{"DataSources": "a", "PageNumber": "n", "PageSize": "n", "TotalCount": "n"})
	groups := pi["DataSources"].([]any)
	var names []string
	for _, g := range groups {
		gm := checkShape(t, "DataSources group", g, shape{"Name": "s", "Type": "s", "DataSource": "a"})
		names = append(names, gm["Name"].(string)+"/"+fmt.Sprint(len(gm["DataSource"].([]any))))
		for _, rec := range gm["DataSource"].([]any) {
			r := checkShape(t, "DataSource record", rec, dataSource2024Shape)
			if r["Name"] != nil || r["Type"] != nil {
				t.Errorf("a grouped record repeats its group's name and type: %v", r)
			}
			if p := r["ConnectionProperties"].(map[string]any); p["accessKey"] != nil && p["accessKey"] != "******" || p["password"] != nil && p["password"] != "******" {
				t.Errorf("ListDataSources 2024 shows a secret: %v", p)
			}
		}
	}
	if fmt.Sprint(names) != "[a_ak/1 a_holo_pw/1 a_role/1 b_holo/2 b_sales/2]" || fmt.Sprint(pi["TotalCount"]) != "5" {
		t.Fatalf("ListDataSources 2024 groups: %v (%v)", names, pi["TotalCount"])
	}
	first := groups[3].(map[string]any)["DataSource"].([]any)[0].(map[string]any)
	if first["ConnectionProperties"].(map[string]any)["envType"] != "Dev" {
		t.Fatalf("Dev comes before Prod: %v", first)
	}
	for params, want := range map[string]string{
		`{"Types":"hologres"}`:                            "[a_holo_pw b_holo]",
		`{"Types":"maxcompute,hologres","EnvType":"Dev"}`: "[b_holo b_sales]",
		`{"Name":"SALES"}`:                                "[b_sales]",
		`{"SortBy":"Id","Order":"Desc","PageSize":"2"}`:   "[a_holo_pw a_ak]",
		`{"Tags":"[\"tag1\"]"}`:                           "[]",
	} {
		var q map[string]string
		if err := json.Unmarshal([]byte(params), &q); err != nil {
			t.Fatal(err)
		}
		q["ProjectId"] = itoa(ws)
		if _, ok := q["SortBy"]; !ok {
			q["SortBy"], q["Order"] = "Name", "Asc"
		}
		var got []string
		for _, g := range mustDW24(t, c24, "ListDataSources", q)["PagingInfo"].(map[string]any)["DataSources"].([]any) {
			got = append(got, g.(map[string]any)["Name"].(string))
		}
		if fmt.Sprint(got) != want && !(want == "[]" && got == nil) {
			t.Errorf("ListDataSources %s: %v, want %s", params, got, want)
		}
	}

	// Updates cross versions: 2020 (PUT) rewrites a 2024 record, 2024
	// rewrites a 2020 record; a masked secret keeps its value.
	ud := dw.CreateUpdateDataSourceRequest()
	ud.DataSourceId, ud.EnvType, ud.Content, ud.Description = requests.NewInteger64(devID), requests.NewInteger(0), strings.Replace(crossMC("Dev"), "testRole", "newRole", 1), "rotated"
	updated := must(c20.UpdateDataSource(ud))(t)
	checkShape(t, "UpdateDataSource 2020", body(t, updated.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "s", "Success": "b", "Data": "b"})
	p24 := mustDW24(t, c24, "GetDataSource", map[string]string{"Id": itoa(devID)})["DataSource"].(map[string]any)
	if p24["ConnectionProperties"].(map[string]any)["crossAccountRoleName"] != "newRole" || p24["Description"] != "rotated" {
		t.Fatalf("after UpdateDataSource 2020: %v", p24)
	}
	akProps := mustDW24(t, c24, "GetDataSource", map[string]string{"Id": itoa(akID)})["DataSource"].(map[string]any)["ConnectionProperties"]
	akDoc, _ := json.Marshal(akProps)
	res = mustDW24(t, c24, "UpdateDataSource", map[string]string{"Id": itoa(akID), "ProjectId": itoa(ws), "ConnectionProperties": string(akDoc), "Description": "same"})
	checkShape(t, "UpdateDataSource 2024", res, shape{"RequestId": "s", "Success": "b"})
	ud = dw.CreateUpdateDataSourceRequest()
	ud.DataSourceId, ud.EnvType, ud.Content = requests.NewInteger64(akID), requests.NewInteger(0), string(akDoc)
	sdkError(t, errOf(c20.UpdateDataSource(ud)), "InvalidParameter.EnvType", 400)
	_, err := dw24(c24, "UpdateDataSource", map[string]string{"Id": itoa(prodID), "ProjectId": itoa(ws), "ConnectionProperties": crossMC("Dev")})
	daraError(t, err, "InvalidParameter.ConnectionProperties", 400)
	_, err = dw24(c24, "UpdateDataSource", map[string]string{"Id": itoa(prodID), "ProjectId": "99999", "ConnectionProperties": crossMC("Prod")})
	daraError(t, err, "Invalid.Tenant.ConnectionNotExists", 404)

	// Deletes: 2024 (GET) and 2020.
	res = mustDW24(t, c24, "DeleteDataSource", map[string]string{"Id": itoa(roleSrc)})
	checkShape(t, "DeleteDataSource 2024", res, shape{"RequestId": "s", "Success": "b"})
	dd := dw.CreateDeleteDataSourceRequest()
	dd.DataSourceId = requests.NewInteger64(holoDev)
	deleted := must(c20.DeleteDataSource(dd))(t)
	checkShape(t, "DeleteDataSource 2020", body(t, deleted.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "s", "Success": "b", "Data": "b"})
	sdkError(t, errOf(c20.DeleteDataSource(dd)), "Invalid.Tenant.ConnectionNotExists", 404)
	_, err = dw24(c24, "GetDataSource", map[string]string{"Id": itoa(roleSrc)})
	daraError(t, err, "Invalid.Tenant.ConnectionNotExists", 404)
	if n := dwTotal(t, c20, ws); n != 5 {
		t.Fatalf("%d records after two deletes", n)
	}

	// Another account sees none of them: RAM refuses by the workspace's
	// owner, and its own workspace has none.
	_, err = dw24(s.Dara(t, b.Creds(), ""), "GetDataSource", map[string]string{"Id": itoa(prodID)})
	daraError(t, err, "NoPermission", 403)
	_, err = dw24(s.Dara(t, b.Creds(), ""), "DeleteDataSource", map[string]string{"Id": itoa(prodID)})
	daraError(t, err, "NoPermission", 403)
	if n := dwTotal(t, c20, ws); n != 5 {
		t.Fatalf("B's refused delete removed a record: %d", n)
	}

	// The secrets appear nowhere the server shows or keeps.
	places := map[string]string{"server log": s.Logs(), "audit trail": s.AuditJSON("")}
	_ = filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			raw, _ := os.ReadFile(path)
			places["file "+filepath.Base(path)] = string(raw)
		}
		return nil
	})
	if places["file localyun.db"] == "" && places["file localyun.db-wal"] == "" {
		t.Fatal("the database was not found")
	}
	for place, text := range places {
		for _, v := range []string{secret, password} {
			if strings.Contains(text, v) {
				t.Errorf("a data source secret appears in the %s", place)
			}
		}
	}
}

// TestDataWorksValidation sends every kind of bad data source through both
// versions: each gets its code and a message that says what to change,
// and nothing is stored.
func TestDataWorksValidation(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("dw-val-a"), s.CreateAccount("dw-val-b")
	c20 := s.DataWorks(a.Creds())
	c24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, c24, "CreateProject", map[string]string{"Name": "a_ws", "DisplayName": "A", "DevEnvironmentEnabled": "true"})["Id"])
	basic := id64(mustDW24(t, c24, "CreateProject", map[string]string{"Name": "a_basic", "DisplayName": "A"})["Id"])
	bRole := ramRoleID(t, s.RAM(b.Creds()), "testRole", trustRAM("acs:ram::"+a.AccountID+":root"))
	cross := func(owner, role string) string {
		return `{"envType":"Prod","regionId":"cn-hangzhou","project":"b_sales","authType":"RamRole","crossAccountOwnerId":"` + owner + `","crossAccountRoleName":"` + role + `"}`
	}
	for _, tc := range []struct {
		name, typ, props string
		workspace        int64
		code             string
		status           int
		want             string
	}{
		{"missing project", "maxcompute", `{"envType":"Prod","authType":"PrimaryAccount"}`, ws, "InvalidParameter.%s", 400, "project is required"},
		{"missing instanceId", "hologres", `{"envType":"Prod","database":"d","authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"r"}`, ws, "InvalidParameter.%s", 400, "instanceId is required"},
		{"missing database", "hologres", `{"envType":"Prod","instanceId":"i","authType":"RamRole","crossAccountOwnerId":"` + b.AccountID + `","crossAccountRoleName":"r"}`, ws, "InvalidParameter.%s", 400, "database is required"},
		{"role ARN for a name", "maxcompute", cross(b.AccountID, "acs:ram::"+b.AccountID+":role/testRole"), ws, "InvalidParameter.%s", 400,
			"crossAccountRoleName takes the role's name, e.g. testRole, not acs:ram::" + b.AccountID + ":role/testRole"},
		{"unknown region", "maxcompute", strings.Replace(cross(b.AccountID, "testRole"), "cn-hangzhou", "cn-atlantis", 1), ws, "InvalidParameter.%s", 400, "regionId cn-atlantis is not a region"},
		{"bad name", "maxcompute", cross(b.AccountID, "testRole"), ws, "InvalidParameter.Name", 400, "only letters, digits and underscores"},
		{"owner is the workspace owner", "maxcompute", cross(a.AccountID, "testRole"), ws, "InvalidParameter.%s", 400, "use the same-account mode"},
		{"authIdentity of another account", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"` + bRole + `"}`, ws, "InvalidParameter.%s", 400,
			"is not the RoleId of a role of account " + a.AccountID},
		{"authIdentity ARN of another account", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"acs:ram::` + b.AccountID + `:role/testRole"}`, ws,
			"InvalidParameter.%s", 400, "names a role of account " + b.AccountID},
		{"malformed JSON", "maxcompute", `{"envType":"Prod","project":`, ws, "InvalidParameter.%s", 400, "not valid JSON"},
		{"not an object", "maxcompute", `["a"]`, ws, "InvalidParameter.%s", 400, "not an object"},
		{"wrong JSON type", "maxcompute", `{"envType":"Prod","project":"b_sales","authType":"RamRole","crossAccountOwnerId":` + b.AccountID + `,"crossAccountRoleName":"r"}`, ws,
			"InvalidParameter.%s", 400, "crossAccountOwnerId must be a JSON string, not a number"},
		{"Dev in basic mode", "maxcompute", strings.Replace(cross(b.AccountID, "testRole"), "Prod", "Dev", 1), basic, "InvalidParameter.%s", 400, "basic mode"},
		{"unknown workspace", "maxcompute", cross(b.AccountID, "testRole"), 99999, "Invalid.Tenant.ProjectNotExists", 404, "The project does not exist."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "src"
			if tc.code == "InvalidParameter.Name" {
				name = "my-source"
			}
			// 2024.
			_, err := dw24(c24, "CreateDataSource", map[string]string{"ProjectId": itoa(tc.workspace), "Name": name, "Type": tc.typ, "ConnectionProperties": tc.props})
			ce := daraError(t, err, strings.Replace(tc.code, "%s", "ConnectionProperties", 1), tc.status)
			if msg := dara.StringValue(ce.Message) + dara.StringValue(ce.Data); !strings.Contains(msg, tc.want) {
				t.Errorf("2024: %q does not say %q", msg, tc.want)
			}
			// 2020, the same document as Content.
			cd := dw.CreateCreateDataSourceRequest()
			cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType, cd.Content = requests.NewInteger64(tc.workspace), name, dataworksLegacy(tc.typ), requests.NewInteger(1), tc.props
			if strings.Contains(tc.props, `"Dev"`) {
				cd.EnvType = requests.NewInteger(0)
			}
			se := sdkError(t, errOf(c20.CreateDataSource(cd)), strings.Replace(tc.code, "%s", "Content", 1), tc.status)
			if !strings.Contains(se.Message(), tc.want) {
				t.Errorf("2020: %q does not say %q", se.Message(), tc.want)
			}
			if n := dwTotal(t, c20, ws) + dwTotal(t, c20, basic); n != 0 {
				t.Fatalf("%d records stored after a refused create", n)
			}
		})
	}
	// Wrong parameter types and unknown ids.
	_, err := dw24(c24, "CreateDataSource", map[string]string{"ProjectId": "abc", "Name": "x", "Type": "maxcompute", "ConnectionProperties": "{}"})
	daraError(t, err, "InvalidParameter.ProjectId", 400)
	_, err = dw24(c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "x", "Type": "mysql", "ConnectionProperties": cross(b.AccountID, "testRole")})
	daraError(t, err, "InvalidParameter.Type", 400)
	_, err = dw24(c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "x", "Type": "maxcompute"})
	daraError(t, err, "MissingParameter", 400)
	cd := dw.CreateCreateDataSourceRequest()
	cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType, cd.Content = requests.NewInteger64(ws), "x", "odps", requests.NewInteger(5), cross(b.AccountID, "testRole")
	sdkError(t, errOf(c20.CreateDataSource(cd)), "InvalidParameter.EnvType", 400)
	cd.EnvType, cd.DataSourceType = requests.NewInteger(1), "mysql"
	sdkError(t, errOf(c20.CreateDataSource(cd)), "InvalidParameter.DataSourceType", 400)
	for _, action := range []string{"GetDataSource", "DeleteDataSource"} {
		_, err = dw24(c24, action, map[string]string{"Id": "123456789"})
		daraError(t, err, "Invalid.Tenant.ConnectionNotExists", 404)
	}
	_, err = dw24(c24, "ListDataSources", map[string]string{"ProjectId": itoa(ws), "PageSize": "500"})
	daraError(t, err, "InvalidParameter.PageSize", 400)
	_, err = dw24(c24, "ListDataSources", map[string]string{"ProjectId": itoa(ws), "SortBy": "Size"})
	daraError(t, err, "InvalidParameter.SortBy", 400)
	ud := dw.CreateUpdateDataSourceRequest()
	ud.DataSourceId, ud.EnvType, ud.Content = requests.NewInteger64(123456789), requests.NewInteger(1), cross(b.AccountID, "testRole")
	sdkError(t, errOf(c20.UpdateDataSource(ud)), "Invalid.Tenant.ConnectionNotExists", 404)
	// Duplicates: the same name and environment.
	mustDW24(t, c24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "dup", "Type": "maxcompute", "ConnectionProperties": cross(b.AccountID, "testRole")})
	cd = dw.CreateCreateDataSourceRequest()
	cd.ProjectId, cd.Name, cd.DataSourceType, cd.EnvType, cd.Content = requests.NewInteger64(ws), "DUP", "holo", requests.NewInteger(1),
		`{"instanceId":"i","database":"d","authType":"RamRole","crossAccountOwnerId":"`+b.AccountID+`","crossAccountRoleName":"r"}`
	sdkError(t, errOf(c20.CreateDataSource(cd)), "Invalid.Tenant.ConnectionAlreadyExists", 409)
	if n := dwTotal(t, c20, ws); n != 1 {
		t.Fatalf("%d records, want the first only", n)
	}
}

func dataworksLegacy(typ string) string {
	switch typ {
	case "maxcompute":
		return "odps"
	case "hologres":
		return "holo"
	}
	return typ
}
