package e2e

import (
	"strings"
	"testing"
)

// TestDataWorksGroupStop: an operator stops a resource group with
// `localyun dataworks group stop`; a connectivity test on it is Unsupport
// and says how to start it again; once started, the group takes tests
// again.
func TestDataWorksGroupStop(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	a := s.CreateAccount("dw-stop-a")
	a24 := s.Dara(t, a.Creds(), "")
	ws := id64(mustDW24(t, a24, "CreateProject", map[string]string{"Name": "stop_ws", "DisplayName": "stop"})["Id"])
	def := "Serverless_res_group_" + a.AccountID + "_1"
	ds := id64(mustDW24(t, a24, "CreateDataSource", map[string]string{"ProjectId": itoa(ws), "Name": "own", "Type": "maxcompute",
		"ConnectionProperties": `{"envType":"Prod","project":"nothing_here","authType":"Executor"}`})["Id"])
	test := func() map[string]any {
		return mustDW24(t, a24, "TestDataSourceConnectivity", map[string]string{"ProjectId": itoa(ws), "DataSourceId": itoa(ds), "ResourceGroupId": def})["Connectivity"].(map[string]any)
	}
	status := func() string {
		return mustDW24(t, a24, "GetResourceGroup", map[string]string{"Id": def})["ResourceGroup"].(map[string]any)["Status"].(string)
	}

	if out := s.Run("dataworks", "group", "stop", "--group", def); !strings.Contains(out, def+" is Stop") {
		t.Fatalf("group stop: %q", out)
	}
	if st := status(); st != "Stop" {
		t.Fatalf("GetResourceGroup after stop: status %s", st)
	}
	cn := test()
	msg, _ := cn["ConnectMessage"].(string)
	if cn["ConnectState"] != "Unsupport" || !strings.Contains(msg, "takes no work") || !strings.Contains(msg, "localyun dataworks group start --group "+def) {
		t.Fatalf("a test on a stopped group: %v", cn)
	}

	if out := s.Run("dataworks", "group", "start", "--group", def); !strings.Contains(out, def+" is Normal") {
		t.Fatalf("group start: %q", out)
	}
	if st := status(); st != "Normal" {
		t.Fatalf("GetResourceGroup after start: status %s", st)
	}
	if cn := test(); strings.Contains(cn["ConnectMessage"].(string), "takes no work") {
		t.Fatalf("the started group still refuses: %v", cn)
	}

	// Unknown groups and missing flags are refused, and change nothing.
	if _, code, errOut := s.Exec("dataworks", "group", "stop", "--group", "Serverless_res_group_nope"); code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("stopping an unknown group: exit %d %q", code, errOut)
	}
	if _, code, errOut := s.Exec("dataworks", "group", "stop"); code != 2 || !strings.Contains(errOut, `"group" not set`) {
		t.Fatalf("no --group: exit %d %q", code, errOut)
	}
	if st := status(); st != "Normal" {
		t.Fatalf("refused calls changed the group: %s", st)
	}
}
