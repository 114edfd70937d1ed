package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	dw "github.com/aliyun/alibaba-cloud-sdk-go/services/dataworks-public"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"
)

// TestDataWorksResourceGroups: the default serverless group comes with an
// account's first workspace and serves every new one; groups are created,
// listed, read, associated and dissociated through both versions; a group
// serves only its own account's workspaces; connectivity tests run on an
// associated group and answer from the (not yet wired) connector.
func TestDataWorksResourceGroups(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, c := s.CreateAccount("dw-rg-a"), s.CreateAccount("dw-rg-c")
	a24, c24 := s.Dara(t, a.Creds(), ""), s.Dara(t, c.Creds(), "")
	c20 := s.DataWorks(a.Creds())
	ws1 := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_one", "DisplayName": "one"})["Id"])
	ws2 := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_two", "DisplayName": "two", "DevEnvironmentEnabled": "true"})["Id"])
	wsC := id64(mustDW24(t, c24, "CreateProject", map[string]string{"Name": "c_one", "DisplayName": "C"})["Id"])
	def := "Serverless_res_group_" + a.AccountID + "_1"

	// The default group, in both versions.
	list := mustDW24(t, a24, "ListResourceGroups", nil)
	checkShape(t, "ListResourceGroups 2024", list, shape{"RequestId": "s", "Success": "b", "PagingInfo": "o"})
	pi := checkShape(t, "PagingInfo", list["PagingInfo"], shape{"PageNumber": "n", "PageSize": "n", "TotalCount": "n", "ResourceGroupList": "a"})
	groups := pi["ResourceGroupList"].([]any)
	if len(groups) != 1 {
		t.Fatalf("A's groups: %v", list)
	}
	g := checkShape(t, "ResourceGroupList item", groups[0], group2024Shape)
	if g["Id"] != def || g["ResourceGroupType"] != "CommonV2" || g["Status"] != "Normal" || g["DefaultVswicthId"] == nil || g["CreateUser"] != a.AccountID {
		t.Fatalf("the default group: %v", g)
	}
	got := mustDW24(t, a24, "GetResourceGroup", map[string]string{"Id": def})
	if gg := checkShape(t, "GetResourceGroup.ResourceGroup", got["ResourceGroup"], group2024Shape); gg["DefaultVswitchId"] == nil || gg["Id"] != def {
		t.Fatalf("GetResourceGroup: %v", got)
	}
	assoc := mustDW24(t, a24, "ListResourceGroupAssociateProjects", map[string]string{"ResourceGroupId": def})
	checkShape(t, "ListResourceGroupAssociateProjects", assoc, shape{"RequestId": "s", "Success": "b", "ProjectIdList": "a"})
	if fmt.Sprint(assoc["ProjectIdList"]) != fmt.Sprintf("[%d %d]", ws1, ws2) {
		t.Fatalf("the default group serves %v, want both workspaces", assoc["ProjectIdList"])
	}
	lr := dw.CreateListResourceGroupsRequest()
	lr.ResourceGroupType = requests.NewInteger(4)
	listed := must(c20.ListResourceGroups(lr))(t)
	raw := checkShape(t, "ListResourceGroups 2020", body(t, listed.GetHttpContentString()), shape{"RequestId": "s", "HttpStatusCode": "n", "Success": "b", "Data": "a"})
	if len(listed.Data) != 1 || listed.Data[0].Identifier != "S_res_group_"+a.AccountID+"_1" || !listed.Data[0].IsDefault || listed.Data[0].Status != 0 ||
		listed.Data[0].ResourceGroupType != "4" {
		t.Fatalf("ListResourceGroups 2020: %s", listed.GetHttpContentString())
	}
	checkShape(t, "ListResourceGroups 2020 item", raw["Data"].([]any)[0], group2020Shape)
	lr.ResourceGroupType = requests.NewInteger(2)
	if l := must(c20.ListResourceGroups(lr))(t); len(l.Data) != 0 {
		t.Fatalf("serverless groups listed as MaxCompute groups: %s", l.GetHttpContentString())
	}

	// A new group, associated and dissociated.
	created := mustDW24(t, a24, "CreateResourceGroup", map[string]string{"Name": "etl_group", "PaymentType": "PostPaid", "ClientToken": "tok-1",
		"VpcId": "vpc-local", "VswitchId": "vsw-local", "Remark": "for etl"})
	order := checkShape(t, "CreateResourceGroup.ResourceGroupOrder", created["ResourceGroupOrder"], shape{"Id": "s", "OrderId": "n", "OrderInstanceId": "s"})
	etl := order["Id"].(string)
	if etl != "Serverless_res_group_"+a.AccountID+"_2" {
		t.Fatalf("CreateResourceGroup: %v", created)
	}
	again := mustDW24(t, a24, "CreateResourceGroup", map[string]string{"Name": "etl_group", "PaymentType": "PostPaid", "ClientToken": "tok-1"})
	if again["ResourceGroupOrder"].(map[string]any)["Id"] != etl {
		t.Fatalf("the same ClientToken made another group: %v", again)
	}
	res := mustDW24(t, a24, "AssociateProjectToResourceGroup", map[string]string{"ProjectId": itoa(ws2), "ResourceGroupId": etl})
	checkShape(t, "AssociateProjectToResourceGroup", res, shape{"RequestId": "s", "Success": "b"})
	_, err := dw24(a24, "AssociateProjectToResourceGroup", map[string]string{"ProjectId": itoa(ws2), "ResourceGroupId": etl})
	daraError(t, err, "Invalid.ResourceGroup.AlreadyAssociated", 409)
	forWS := mustDW24(t, a24, "ListResourceGroups", map[string]string{"ProjectId": itoa(ws2), "SortBy": "Id Desc"})["PagingInfo"].(map[string]any)["ResourceGroupList"].([]any)
	if len(forWS) != 2 || forWS[0].(map[string]any)["Id"] != etl {
		t.Fatalf("the groups of workspace %d: %v", ws2, forWS)
	}
	if byName := mustDW24(t, a24, "ListResourceGroups", map[string]string{"Name": "ETL", "Statuses": `["Normal"]`, "ResourceGroupTypes": `["CommonV2"]`}); fmt.Sprint(byName["PagingInfo"].(map[string]any)["TotalCount"]) != "1" {
		t.Fatalf("ListResourceGroups by name: %v", byName)
	}
	_, err = dw24(a24, "ListResourceGroups", map[string]string{"SortBy": "Colour Asc"})
	daraError(t, err, "InvalidParameter.SortBy", 400)
	_, err = dw24(a24, "ListResourceGroups", map[string]string{"Statuses": "Normal"})
	daraError(t, err, "InvalidParameter.Statuses", 400)

	// A group serves only its own account's workspaces.
	_, err = dw24(c24, "AssociateProjectToResourceGroup", map[string]string{"ProjectId": itoa(wsC), "ResourceGroupId": def})
	ce := daraError(t, err, "NoPermission", 403)
	if !strings.Contains(dara.StringValue(ce.Data), "resourcegroup/"+def+" belongs to account "+a.AccountID) {
		t.Errorf("the denial: %s", dara.StringValue(ce.Data))
	}
	_, err = dw24(a24, "AssociateProjectToResourceGroup", map[string]string{"ProjectId": itoa(wsC), "ResourceGroupId": def})
	daraError(t, err, "Invalid.ResourceGroup.AccountMismatch", 403)
	_, err = dw24(c24, "ListResourceGroupAssociateProjects", map[string]string{"ResourceGroupId": def})
	daraError(t, err, "NoPermission", 403)
	_, err = dw24(c24, "GetResourceGroup", map[string]string{"Id": def})
	daraError(t, err, "NoPermission", 403)
	_, err = dw24(a24, "GetResourceGroup", map[string]string{"Id": "Serverless_res_group_nope"})
	daraError(t, err, "Invalid.ResourceGroup.NotExists", 404)
	if cg := mustDW24(t, c24, "ListResourceGroupAssociateProjects", map[string]string{"ResourceGroupId": "Serverless_res_group_" + c.AccountID + "_1"}); fmt.Sprint(cg["ProjectIdList"]) != fmt.Sprintf("[%d]", wsC) {
		t.Fatalf("C's default group: %v", cg)
	}

	// A data source tested on an associated group runs on the group: C
	// has no role testRole, so the test stops at assume_role.
	dsID := id64(mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws2), "Name": "b_sales", "Type": "maxcompute",
		"ConnectionProperties": `{"envType":"Prod","project":"b_sales","authType":"RamRole","crossAccountOwnerId":"` + c.AccountID + `","crossAccountRoleName":"testRole"}`})["Id"])
	conn := mustDW24(t, a24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(ws2), "DataSourceId": itoa(dsID), "ResourceGroupId": etl})
	cn := checkShape(t, "TestDataSourceConnectivity.Connectivity", conn["Connectivity"], shape{"ConnectMessage": "s", "ConnectState": "s", "DetailLogs": "a"})
	logs := cn["DetailLogs"].([]any)
	if cn["ConnectState"] != "ConfigError" || !strings.Contains(cn["ConnectMessage"].(string), "has no RAM role testRole") || len(logs) != 2 ||
		checkShape(t, "DetailLogs item", logs[0], shape{"Code": "s", "Message": "s", "StartTime": "n", "EndTime": "n"})["Code"] != "validate_input_parameters" {
		t.Fatalf("TestDataSourceConnectivity: %v", conn)
	}
	tn := dw.CreateTestNetworkConnectionRequest()
	tn.ProjectId, tn.DatasourceName, tn.EnvType, tn.ResourceGroup = requests.NewInteger64(ws2), "b_sales", "1", "S_res_group_"+a.AccountID+"_1"
	tested := must(c20.TestNetworkConnection(tn))(t)
	tl := checkShape(t, "TestNetworkConnection", body(t, tested.GetHttpContentString()), shape{"RequestId": "s", "Success": "b", "TaskList": "o"})
	checkShape(t, "TaskList", tl["TaskList"], shape{"ConnectStatus": "b", "ConnectMessage": "s"})
	if tested.TaskList.ConnectStatus || !strings.Contains(tested.TaskList.ConnectMessage, "EntityNotExist.Role") {
		t.Fatalf("TestNetworkConnection: %s", tested.GetHttpContentString())
	}
	tn.EnvType = "2"
	sdkError(t, errOf(c20.TestNetworkConnection(tn)), "InvalidParameter.EnvType", 400)
	// A group that does not serve the workspace: ConfigError, saying so.
	res = mustDW24(t, a24, "DissociateProjectFromResourceGroup", map[string]string{"ProjectId": itoa(ws2), "ResourceGroupId": etl})
	checkShape(t, "DissociateProjectFromResourceGroup", res, shape{"RequestId": "s", "Success": "b"})
	_, err = dw24(a24, "DissociateProjectFromResourceGroup", map[string]string{"ProjectId": itoa(ws2), "ResourceGroupId": etl})
	daraError(t, err, "Invalid.ResourceGroup.NotAssociated", 404)
	conn = mustDW24(t, a24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(ws2), "DataSourceId": itoa(dsID), "ResourceGroupId": etl})
	if cn := conn["Connectivity"].(map[string]any); cn["ConnectState"] != "ConfigError" || !strings.Contains(cn["ConnectMessage"].(string), "is not associated with workspace") {
		t.Fatalf("a group that does not serve the workspace: %v", conn)
	}
	// Account C cannot test A's data source, nor on A's group.
	_, err = dw24(c24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(ws2), "DataSourceId": itoa(dsID), "ResourceGroupId": def})
	daraError(t, err, "NoPermission", 403)
	_, err = dw24(c24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(wsC), "DataSourceId": itoa(dsID), "ResourceGroupId": def})
	daraError(t, err, "Invalid.Tenant.ConnectionNotExists", 404)
}

// TestDataWorksComputeBinding: a workspace binds its own account's
// project, in its region, as a computing resource; cross-account,
// cross-region and AccessKey data sources are refused, through the API
// and `localyun dataworks bind-compute`, because they serve data
// synchronization only.
func TestDataWorksComputeBinding(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a, b := s.CreateAccount("dw-cr-a"), s.CreateAccount("dw-cr-b")
	a24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "a_ws", "DisplayName": "A", "DevEnvironmentEnabled": "true"})["Id"])
	// A's own project, with the MaxCompute SDK.
	mcA := s.MaxCompute(a.Creds())
	cp := maxcompute.CreateCreateProjectRequest()
	cp.ProjectName, cp.OdpsRegionId, cp.OdpsSpecificationType, cp.OrderType = "a_engine", "cn-hangzhou", "OdpsStandard", "PayAsYouGo"
	must(mcA.CreateProject(cp))(t)

	add := func(name, typ, props string) {
		t.Helper()
		mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": name, "Type": typ, "ConnectionProperties": props})
	}
	add("b_sales", "maxcompute", `{"envType":"Prod","project":"b_sales","authType":"RamRole","crossAccountOwnerId":"`+b.AccountID+`","crossAccountRoleName":"testRole"}`)
	add("a_shanghai", "maxcompute", `{"envType":"Prod","regionId":"cn-shanghai","project":"a_engine","authType":"PrimaryAccount"}`)
	add("a_ak", "maxcompute", `{"envType":"Prod","project":"a_engine","authType":"Ak","accessId":"LTAIexample","accessKey":"ak-secret-value-1"}`)
	add("a_engine", "maxcompute", `{"envType":"Prod","project":"a_engine","authType":"PrimaryAccount"}`)
	add("a_engine", "maxcompute", `{"envType":"Dev","project":"a_engine","authType":"Executor"}`)

	for name, why := range map[string]string{"b_sales": "(cross-account)", "a_shanghai": "(cross-region)", "a_ak": "(AccessKey data source)"} {
		out, code, stderr := s.dwCLI(a.Creds(), "bind-compute", "--workspace", itoa(ws), "--datasource", name)
		if code != 1 || !strings.Contains(stderr, "Invalid.ComputeResource.DataSyncOnly") ||
			!strings.Contains(stderr, "cross-account, cross-region and AccessKey data sources serve data synchronization only") || !strings.Contains(stderr, why) {
			t.Errorf("bind-compute %s: %d %q %s", name, code, out, stderr)
		}
	}
	// Through the API too.
	_, err := dw24(a24, "CreateComputeResource", map[string]string{"ProjectId": itoa(ws), "Name": "x", "Type": "hologres",
		"ConnectionProperties": `{"EnvType":"Prod","InstanceId":"holo_b","Database":"d","AuthType":"RamRole","CrossAccountOwnerId":"` + b.AccountID + `","CrossAccountRoleName":"r"}`})
	ce := daraError(t, err, "Invalid.ComputeResource.DataSyncOnly", 400)
	if !strings.Contains(dara.StringValue(ce.Message), "serve data synchronization only") {
		t.Errorf("CreateComputeResource: %v", ce)
	}
	if l := mustDW24(t, a24, "ListComputeResources", map[string]string{"ProjectId": itoa(ws)}); fmt.Sprint(l["PagingInfo"].(map[string]any)["TotalCount"]) != "0" {
		t.Fatalf("a refused binding was recorded: %v", l)
	}

	// Same account, same region: bound, one resource per environment.
	out, code, stderr := s.dwCLI(a.Creds(), "bind-compute", "--workspace", itoa(ws), "--datasource", "a_engine", "--json")
	if code != 0 {
		t.Fatalf("bind-compute a_engine: %d %s", code, stderr)
	}
	var bound struct {
		WorkspaceID string `json:"WorkspaceId"`
		Bound       []struct {
			Env               string
			DataSourceID      int64 `json:"DataSourceId"`
			ComputeResourceID int64 `json:"ComputeResourceId"`
		}
	}
	if err := json.Unmarshal([]byte(out), &bound); err != nil || len(bound.Bound) != 2 || bound.WorkspaceID != itoa(ws) {
		t.Fatalf("bind-compute --json: %q %v", out, err)
	}
	cr := mustDW24(t, a24, "GetComputeResource", map[string]string{"ProjectId": itoa(ws), "Id": itoa(bound.Bound[1].ComputeResourceID)})
	r := checkShape(t, "GetComputeResource.ComputeResource", cr["ComputeResource"], dataSource2024Shape)
	if r["Name"] != "a_engine" || r["WhetherDefault"] != true || r["QualifiedName"] != a.AccountID+":cn-hangzhou:odps:a_engine" {
		t.Fatalf("GetComputeResource: %v", cr)
	}
	lc := mustDW24(t, a24, "ListComputeResources", map[string]string{"ProjectId": itoa(ws)})
	pi := checkShape(t, "ListComputeResources.PagingInfo", lc["PagingInfo"], shape{"ComputeResources": "a", "PageNumber": "n", "PageSize": "n", "TotalCount": "n"})
	entries := pi["ComputeResources"].([]any)
	if len(entries) != 1 || len(checkShape(t, "ComputeResources entry", entries[0], shape{"Name": "s", "Type": "s", "ComputeResource": "a"})["ComputeResource"].([]any)) != 2 {
		t.Fatalf("ListComputeResources: %v", lc)
	}
	if _, code, stderr := s.dwCLI(a.Creds(), "bind-compute", "--workspace", itoa(ws), "--datasource", "a_engine"); code != 1 || !strings.Contains(stderr, "Invalid.ComputeResource.AlreadyExists") {
		t.Fatalf("binding twice: %d %s", code, stderr)
	}
	if _, code, stderr := s.dwCLI(a.Creds(), "bind-compute", "--workspace", itoa(ws), "--datasource", "nope"); code != 1 || !strings.Contains(stderr, "has no data source named nope") {
		t.Fatalf("an unknown data source: %d %s", code, stderr)
	}
	res := mustDW24(t, a24, "UpdateComputeResource", map[string]string{"ProjectId": itoa(ws), "Id": itoa(bound.Bound[1].ComputeResourceID),
		"ConnectionProperties": `{"envType":"Prod","project":"a_engine","authType":"PrimaryAccount"}`, "Description": "engine"})
	checkShape(t, "UpdateComputeResource", res, shape{"RequestId": "s", "Success": "b"})
	res = mustDW24(t, a24, "DeleteComputeResource", map[string]string{"ProjectId": itoa(ws), "Id": itoa(bound.Bound[0].ComputeResourceID)})
	checkShape(t, "DeleteComputeResource", res, shape{"RequestId": "s", "Success": "b"})
	_, err = dw24(a24, "GetComputeResource", map[string]string{"ProjectId": itoa(ws), "Id": itoa(bound.Bound[0].ComputeResourceID)})
	daraError(t, err, "Invalid.ComputeResource.NotExists", 404)
	// Bound again through the API, as the 2024 SDK does it.
	env := bound.Bound[0].Env
	created := mustDW24(t, a24, "CreateComputeResource", map[string]string{"ProjectId": itoa(ws), "Name": "a_engine", "Type": "maxcompute",
		"ConnectionProperties": `{"envType":"` + env + `","project":"a_engine","authType":"Executor"}`})
	again := mustDW24(t, a24, "GetComputeResource", map[string]string{"ProjectId": itoa(ws), "Id": fmt.Sprint(created["Id"])})
	if r := checkShape(t, "GetComputeResource.ComputeResource", again["ComputeResource"], dataSource2024Shape); r["Name"] != "a_engine" {
		t.Fatalf("CreateComputeResource then GetComputeResource: %v %v", created, again)
	}
}
