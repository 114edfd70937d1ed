package server

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/dataworksapi"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/hologresapi"
	"github.com/localyun/localyun/internal/maxcomputeapi"
	"github.com/localyun/localyun/internal/ram"
	"github.com/localyun/localyun/internal/stsapi"
)

var update = flag.Bool("update", false, "rewrite docs/api-coverage.md from the action registry")

// TestCoverageTable keeps docs/api-coverage.md equal to what the registry
// declares. Run `go test ./internal/server -run Coverage -update` after
// adding an action.
func TestCoverageTable(t *testing.T) {
	reg := gateway.NewRegistry(ram.Actions(nil), stsapi.Actions(nil), maxcomputeapi.Actions(nil, ""), hologresapi.Actions(nil, ""), dataworksapi.Actions(nil))
	var b strings.Builder
	b.WriteString("# API coverage\n\n")
	b.WriteString("Generated from the gateway's action registry by `go test ./internal/server -run Coverage -update`; a test fails when\n")
	b.WriteString("this file and the registry disagree. Every action listed is served with V1 and V3 signatures, JSON and XML,\n")
	b.WriteString("and authorized with the policy engine: RAM action `<product>:<Action>` on the ARN of the role, policy or user acted on\n(`acs:ram::<uid>:role/<name>`, `...:policy/<name>`, `...:user/<name>`; list actions on `...:role/*` and the like);\n")
	b.WriteString("MaxCompute actions as `odps:<Action>` on `acs:odps:<region>:<owner uid>:project/<name>`. The MaxCompute ODPS REST API\n(statements, tables, instances) is a separate protocol: see [maxcompute.md](maxcompute.md).\n")
	b.WriteString("DataWorks actions, in both API versions, as `dataworks:<Action>` on `acs:dataworks:<region>:<owner uid>:workspace/<id>`\n(`workspace/*` to list and create) or `...:resourcegroup/<id>`: see [dataworks.md](dataworks.md).\n")
	product := ""
	for _, a := range reg.Actions() {
		if a.Product+" "+a.Version != product {
			product = a.Product + " " + a.Version
			fmt.Fprintf(&b, "\n## %s %s\n\n| Action | Supported | Permission checked | Notes |\n|---|---|---|---|\n", a.Product, a.Version)
		}
		perm := "none (decided by the action)"
		if a.Permission != nil {
			perm = "`" + ramProduct(a.Product) + ":" + a.Name + "`"
		}
		if a.Name == "GetCallerIdentity" {
			perm = "none (needs no permission)"
		}
		fmt.Fprintf(&b, "| %s | yes | %s | %s |\n", a.Name, perm, a.Doc)
	}
	got := b.String()
	const path = "../../docs/api-coverage.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("docs/api-coverage.md is out of date: run go test ./internal/server -run Coverage -update")
	}
}

// ramProduct is the RAM service name of a product's actions.
func ramProduct(product string) string {
	if product == "MaxCompute" {
		return "odps"
	}
	return strings.ToLower(product)
}
