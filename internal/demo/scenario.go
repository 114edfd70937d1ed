package demo

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/jackc/pgx/v5/pgconn"
)

// The names the scenario uses: the seed's where it gives one.
const (
	roleName       = "testRole" // the seed's
	mcProject      = "b_sales"
	mcTable        = "sale_detail"
	holoInstance   = "b_holo"
	holoDatabase   = "b_sales"
	holoTable      = "sale_detail"
	holoPolicyName = "HologresDataSourceAccess"
	workspaceA     = "a_workspace"
	workspaceC     = "c_workspace"
	dsMaxCompute   = "b_maxcompute"
	dsHologres     = "b_hologres"
	previewRows    = 3
)

// breakText says what each break does, printed at the start.
var breakText = map[Break]string{
	BreakTrust:          "step 1.2 is left out: testRole keeps the trust policy it was created with (account A's root), without the seed's statement for A's DataWorks.",
	BreakAddUser:        "`add user` is left out: testRole is never a user of the MaxCompute project.",
	BreakCreateUser:     "`CREATE USER \"v4_<RoleId>\"` is left out: testRole is never a Hologres database user.",
	BreakRoleARN:        "account A gives testRole's ARN as crossAccountRoleName, instead of its name.",
	BreakHologramPolicy: "the seed's hologram:* policy is never attached to testRole.",
}

// SeedTrustPolicy is the seed's trust policy (examples/seed/trust-policy.json)
// for account A's UID.
func SeedTrustPolicy(accountA string) string {
	return `{
  "Statement": [
    {
      "Action": "sts:AssumeRole",
      "Effect": "Allow",
      "Principal": {
        "Service": [
          "` + accountA + `@engine.dataworks.aliyuncs.com"
        ]
      }
    }
  ],
  "Version": "1"
}`
}

// accountTrustPolicy is what the console writes for "Principal type:
// Alibaba Cloud Account" with account A's UID.
func accountTrustPolicy(accountA string) string {
	return `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + accountA + `:root"]}}],"Version":"1"}`
}

// SeedHologresPolicy is the seed's custom policy for Hologres.
const SeedHologresPolicy = `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "hologram:GetInstance",
        "hologram:DescribeInstance",
        "hologram:ListDatabases",
        "hologram:ListWarehouses",
        "hologram:ListInstances"
      ],
      "Resource": "*"
    }
  ]
}`

// scenario is the state the steps share.
type scenario struct {
	env    Env
	o      Options
	report *Report

	a, b, c      *clients
	roleID       string
	holoEndpoint string
	workspaceA   int64
	workspaceC   int64
	groupA       string
	dataSources  map[string]int64 // name -> id, in A's workspace
}

// principal is how the seed names the role in MaxCompute statements.
func (sc *scenario) principal() string {
	return "`RAM$" + sc.b.acct.Name + ":role/" + roleName + "`"
}

func (sc *scenario) steps() ([]step, []section) {
	sections := []section{
		{"accounts", "Prerequisites: two Alibaba Cloud accounts (and a third, C, for the confused deputy)"},
		{"create-role", "Step 1 (account B): create a RAM role and configure the trust policy"},
		{"mc-project", "Step 1 (account B), for MaxCompute: grant the RAM role access to the project"},
		{"holo-instance", "Step 1 (account B), for Hologres: grant the RAM role access to the database"},
		{"workspace", "Step 2 (account A): add the cross-account data sources in DataWorks"},
		{"bind-maxcompute", "Limitation: cross-account data sources cannot be used for data development"},
		{"c-workspace", "The confused deputy: account C names B's role"},
	}
	steps := []step{
		{id: "0.1", key: "accounts", who: "-", seed: "Two Alibaba Cloud accounts: Account A (the DataWorks operator) and Account B (the resource owner); and C.",
			expect: "created", run: sc.accounts},
		{id: "1.1", key: "create-role", who: "B", seed: "Create a RAM role with Account A as the trusted Alibaba Cloud account (role name testRole).",
			expect: "created", needs: []string{"accounts"}, run: sc.createRole},
		{id: "1.2", key: "trust-policy", who: "B", seed: "Update the trust policy to allow the DataWorks service of Account A to assume this role.",
			expect: "updated", needs: []string{"create-role"}, run: sc.trustPolicy},
		{id: "1.3", key: "mc-project", who: "B", seed: "The target resource created in Account B: a MaxCompute project.",
			expect: "created", needs: []string{"accounts"}, run: sc.mcProject},
		{id: "1.4", key: "mc-table", who: "B", seed: "Connect to the project (SQL) and put sample rows in a table.",
			expect: "3 rows", needs: []string{"mc-project"}, run: sc.mcTable},
		{id: "1.5", key: "add-user", who: "B", seed: "Add the RAM role to the MaxCompute project.",
			expect: "OK", needs: []string{"mc-project", "create-role"}, run: sc.addUser},
		{id: "1.6", key: "list-users", who: "B", seed: "View all users in the project.",
			expect: "lists the role", needs: []string{"mc-project"}, run: sc.listUsers},
		{id: "1.7", key: "show-grants", who: "B", seed: "Check the permissions granted to the role.",
			expect: "answered", needs: []string{"mc-project"}, run: sc.showGrants},
		{id: "1.8", key: "grant-select", who: "B", seed: "Grant SELECT permission, for Account A to query the table.",
			expect: "OK", needs: []string{"mc-table"}, run: sc.grantSelect},
		{id: "1.9", key: "holo-instance", who: "B", seed: "The target resource created in Account B: a Hologres instance.",
			expect: "Running", needs: []string{"accounts"}, run: sc.holoInstance},
		{id: "1.10", key: "holo-policy", who: "B", seed: "Create the custom policy (hologram:GetInstance, ...) and attach it to the RAM role.",
			expect: "attached", needs: []string{"create-role"}, run: sc.holoPolicy},
		{id: "1.11", key: "holo-database", who: "B", seed: "Open the instance (HoloWeb) and put sample rows in a database.",
			expect: "3 rows", needs: []string{"holo-instance"}, run: sc.holoDatabase},
		{id: "1.12", key: "create-user", who: "B", seed: "Security Center > User Management: add the RAM role as a database user.",
			expect: "CREATE ROLE", needs: []string{"holo-instance", "create-role"}, run: sc.createUser},
		{id: "1.13", key: "holo-grant", who: "B", seed: "Security Center > Database Authorization: grant the role database-level permissions.",
			expect: "GRANT", needs: []string{"holo-database"}, run: sc.holoGrant},
		{id: "2.1", key: "workspace", who: "A", seed: "Log in to DataWorks with Account A and select the target workspace (A creates one).",
			expect: "created", needs: []string{"accounts"}, run: sc.workspace},
		{id: "2.2", key: "ds-maxcompute", who: "A", seed: "Add Data Source > MaxCompute: Another Alibaba Cloud Account, region, UID of Account B, project, RAM role testRole.",
			expect: "created", needs: []string{"workspace", "mc-project"}, run: sc.dataSource("maxcompute")},
		{id: "2.3", key: "ds-hologres", who: "A", seed: "Add Data Source > Hologres: Another Alibaba Cloud Account, region, UID of Account B, instance and database, RAM role testRole.",
			expect: "created", needs: []string{"workspace", "holo-instance"}, run: sc.dataSource("hologres")},
		{id: "2.4", key: "resource-group", who: "A", seed: "Select a resource group.",
			expect: "the default group", needs: []string{"workspace"}, run: sc.resourceGroup},
		{id: "2.5", key: "test-maxcompute", who: "A", seed: "Test the connectivity of the MaxCompute data source.",
			expect: "Connectable", needs: []string{"ds-maxcompute", "resource-group"}, run: sc.testConnectivity(dsMaxCompute)},
		{id: "2.6", key: "test-hologres", who: "A", seed: "Test the connectivity of the Hologres data source.",
			expect: "Connectable", needs: []string{"ds-hologres", "resource-group"}, run: sc.testConnectivity(dsHologres)},
		{id: "2.7", key: "preview-maxcompute", who: "A", seed: "What's next: read the data through the data source (preview a few rows of the MaxCompute table).",
			expect: "3 rows", needs: []string{"ds-maxcompute"}, run: sc.preview(dsMaxCompute, mcTable)},
		{id: "2.8", key: "preview-hologres", who: "A", seed: "What's next: preview a few rows of the Hologres table.",
			expect: "3 rows", needs: []string{"ds-hologres"}, run: sc.preview(dsHologres, "public."+holoTable)},
		{id: "2.9", key: "bind-maxcompute", who: "A", seed: "Add the MaxCompute data source as a compute engine: refused (data synchronization only).",
			expect: "refused", needs: []string{"ds-maxcompute"}, run: sc.bind("maxcompute")},
		{id: "2.10", key: "bind-hologres", who: "A", seed: "Add the Hologres data source as a compute engine: refused (data synchronization only).",
			expect: "refused", needs: []string{"ds-hologres"}, run: sc.bind("hologres")},
		{id: "3.1", key: "c-workspace", who: "C", seed: "Account C creates a workspace of its own.",
			expect: "created", needs: []string{"accounts"}, run: sc.workspaceOfC},
		{id: "3.2", key: "c-refused", who: "C", seed: "Account C adds B's project with B's testRole and tests it: its DataWorks may not assume the role.",
			expect: "refused", needs: []string{"c-workspace", "trust-policy", "mc-project"}, run: sc.confusedDeputy},
	}
	return steps, sections
}

func (sc *scenario) accounts(ctx context.Context, p *printer) (string, error) {
	made := map[string]*clients{}
	for _, name := range []string{"account-a", "account-b", "account-c"} {
		p.command("localyun account create --name " + name + "   (admin socket)")
		a, err := sc.env.CreateAccount(ctx, name)
		if err != nil {
			return "", err
		}
		c, err := newClients(a, sc.env.Endpoint, sc.env.Region)
		if err != nil {
			return "", err
		}
		made[name] = c
		p.note("%s: UID %s, AccessKeyId %s", name, a.ID, a.AccessKeyID)
	}
	sc.a, sc.b, sc.c = made["account-a"], made["account-b"], made["account-c"]
	sc.report.A, sc.report.B, sc.report.C = sc.a.acct, sc.b.acct, sc.c.acct
	return fmt.Sprintf("A %s, B %s, C %s", sc.a.acct.ID, sc.b.acct.ID, sc.c.acct.ID), nil
}

const ramVia = "alibaba-cloud-sdk-go services/ram"

func (sc *scenario) createRole(ctx context.Context, p *printer) (string, error) {
	req := ram.CreateCreateRoleRequest()
	req.RoleName = roleName
	req.AssumeRolePolicyDocument = accountTrustPolicy(sc.a.acct.ID)
	req.Description = "DataWorks of account A reads account B's data"
	p.call("RAM", "2015-05-01", "CreateRole", ramVia+", as account B", map[string]string{
		"RoleName": req.RoleName, "AssumeRolePolicyDocument": req.AssumeRolePolicyDocument, "Description": req.Description})
	resp, err := sc.b.ram.CreateRole(req)
	if err != nil {
		return "", err
	}
	sc.roleID = resp.Role.RoleId
	return fmt.Sprintf("RoleId %s, Arn %s", resp.Role.RoleId, resp.Role.Arn), nil
}

func (sc *scenario) trustPolicy(ctx context.Context, p *printer) (string, error) {
	if sc.o.Break == BreakTrust {
		p.note("BREAK trust: UpdateRole is not sent; the trust policy names account A's root only.")
		return "left out (--break trust)", nil
	}
	req := ram.CreateUpdateRoleRequest()
	req.RoleName = roleName
	req.NewAssumeRolePolicyDocument = SeedTrustPolicy(sc.a.acct.ID)
	p.call("RAM", "2015-05-01", "UpdateRole", ramVia+", as account B", map[string]string{
		"RoleName": req.RoleName, "NewAssumeRolePolicyDocument": req.NewAssumeRolePolicyDocument})
	if _, err := sc.b.ram.UpdateRole(req); err != nil {
		return "", err
	}
	return "trusts " + sc.a.acct.ID + "@engine.dataworks.aliyuncs.com only", nil
}

func (sc *scenario) mcProject(ctx context.Context, p *printer) (string, error) {
	req := maxcompute.CreateCreateProjectRequest()
	req.ProjectName, req.OdpsRegionId, req.OdpsSpecificationType, req.OrderType = mcProject, sc.env.Region, "OdpsStandard", "PayAsYouGo"
	p.call("MaxCompute", "2019-06-12", "CreateProject", "alibaba-cloud-sdk-go services/maxcompute, as account B", map[string]string{
		"ProjectName": req.ProjectName, "OdpsRegionId": req.OdpsRegionId, "OdpsSpecificationType": req.OdpsSpecificationType, "OrderType": req.OrderType})
	if _, err := sc.b.maxcompute.CreateProject(req); err != nil {
		return "", err
	}
	sc.report.Project = mcProject
	return "project " + mcProject + " (owner ALIYUN$" + sc.b.acct.ID + ")", nil
}

// odps runs MaxCompute statements as account B, printing each, and returns
// the last one's output.
func (sc *scenario) odps(ctx context.Context, p *printer, stmts ...string) (string, error) {
	c := sc.b.odps(mcProject)
	var out string
	for _, stmt := range stmts {
		p.sql("MaxCompute SQL (ODPS REST "+c.Endpoint()+", project "+mcProject+", as account B)", stmt)
		res, err := c.Run(ctx, stmt, nil)
		if err != nil {
			return "", err
		}
		out = strings.TrimRight(res.Text, "\n")
		if out == "" && res.Security {
			out = "OK" // as odpscmd prints it
		}
		p.note("%s", out)
	}
	return out, nil
}

func (sc *scenario) mcTable(ctx context.Context, p *printer) (string, error) {
	_, err := sc.odps(ctx, p,
		"CREATE TABLE IF NOT EXISTS "+mcTable+" (shop_name STRING, customer_id STRING, total_price DOUBLE);",
		"INSERT INTO "+mcTable+" VALUES ('s1', 'c1', 100.1), ('s2', 'c2', 100.2), ('s3', 'c3', 100.3);",
		"SELECT count(*) AS n FROM "+mcTable+";")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d rows", previewRows), nil
}

func (sc *scenario) addUser(ctx context.Context, p *printer) (string, error) {
	if sc.o.Break == BreakAddUser {
		p.note("BREAK add-user: `add user %s;` is not sent.", sc.principal())
		return "left out (--break add-user)", nil
	}
	return sc.odps(ctx, p, "add user "+sc.principal()+";")
}

func (sc *scenario) listUsers(ctx context.Context, p *printer) (string, error) {
	out, err := sc.odps(ctx, p, "list users;")
	if err != nil {
		return "", err
	}
	want := "RAM$" + sc.b.acct.ID + ":role/" + roleName
	for _, line := range strings.Split(out, "\n") {
		if strings.EqualFold(strings.TrimSpace(line), want) {
			return "lists " + strings.TrimSpace(line), nil
		}
	}
	return "", fmt.Errorf("the role is not a user of project %s: %s is not in the list.\nRun first, in the project: add user %s;",
		mcProject, want, sc.principal())
}

func (sc *scenario) showGrants(ctx context.Context, p *printer) (string, error) {
	out, err := sc.odps(ctx, p, "show grants for "+sc.principal()+";")
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(out, "\n", " "), nil
}

func (sc *scenario) grantSelect(ctx context.Context, p *printer) (string, error) {
	out, err := sc.odps(ctx, p, "grant Select on table "+mcTable+" to user "+sc.principal()+";")
	if err != nil {
		return "", err
	}
	if _, err := sc.odps(ctx, p, "show grants for "+sc.principal()+";"); err != nil {
		return "", err
	}
	return out, nil
}

// instanceView is the part of GetInstance the demo reads.
type instanceView struct {
	Instance struct {
		InstanceID     string `json:"InstanceId"`
		InstanceStatus string
		Endpoints      []struct{ Endpoint string }
	}
}

func (sc *scenario) holoInstance(ctx context.Context, p *printer) (string, error) {
	body := map[string]any{"instanceName": holoInstance, "regionId": sc.env.Region}
	p.call("Hologres", "2022-06-01", "CreateInstance", "darabonba-openapi ROA POST /api/v1/instances/create, as account B",
		map[string]string{"instanceName": holoInstance, "regionId": sc.env.Region})
	var created struct {
		Data struct {
			InstanceID string `json:"InstanceId"`
		}
	}
	if err := sc.b.hologres(ctx, "CreateInstance", "POST", "/api/v1/instances/create", body, &created); err != nil {
		return "", err
	}
	id := created.Data.InstanceID
	sc.report.InstanceID = id
	path := "/api/v1/instances/" + id
	p.call("Hologres", "2022-06-01", "GetInstance", "ROA GET "+path+", until Running", nil)
	deadline := time.Now().Add(sc.o.InstanceTimeout)
	for {
		var got instanceView
		if err := sc.b.hologres(ctx, "GetInstance", "GET", path, nil, &got); err != nil {
			return "", err
		}
		switch st := got.Instance.InstanceStatus; st {
		case "Running":
			if len(got.Instance.Endpoints) == 0 {
				return "", fmt.Errorf("instance %s runs without an endpoint", id)
			}
			sc.holoEndpoint = got.Instance.Endpoints[0].Endpoint
			sc.report.HoloAddress = sc.holoEndpoint
			return fmt.Sprintf("%s Running at %s", id, sc.holoEndpoint), nil
		case "Creating":
		default:
			return "", fmt.Errorf("instance %s is %s, not Running (see the server log)", id, st)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("instance %s is still Creating after %s", id, sc.o.InstanceTimeout)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (sc *scenario) holoPolicy(ctx context.Context, p *printer) (string, error) {
	if sc.o.Break == BreakHologramPolicy {
		p.note("BREAK hologram-policy: CreatePolicy and AttachPolicyToRole are not sent.")
		return "left out (--break hologram-policy)", nil
	}
	create := ram.CreateCreatePolicyRequest()
	create.PolicyName, create.PolicyDocument = holoPolicyName, SeedHologresPolicy
	p.call("RAM", "2015-05-01", "CreatePolicy", ramVia+", as account B", map[string]string{"PolicyName": create.PolicyName, "PolicyDocument": create.PolicyDocument})
	if _, err := sc.b.ram.CreatePolicy(create); err != nil {
		return "", err
	}
	attach := ram.CreateAttachPolicyToRoleRequest()
	attach.PolicyType, attach.PolicyName, attach.RoleName = "Custom", holoPolicyName, roleName
	p.call("RAM", "2015-05-01", "AttachPolicyToRole", ramVia+", as account B", map[string]string{"PolicyType": "Custom", "PolicyName": holoPolicyName, "RoleName": roleName})
	if _, err := sc.b.ram.AttachPolicyToRole(attach); err != nil {
		return "", err
	}
	return holoPolicyName + " attached to " + roleName, nil
}

// holoSQL runs statements as account B in a database of the instance,
// printing each.
func (sc *scenario) holoSQL(ctx context.Context, p *printer, database string, stmts ...string) (string, error) {
	conn, err := sc.b.pg(ctx, sc.holoEndpoint, database)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var tag string
	for _, stmt := range stmts {
		p.sql(fmt.Sprintf("Hologres SQL (pgx, %s, database %s, user = B's AccessKeyId)", sc.holoEndpoint, database), stmt)
		ct, err := conn.Exec(ctx, stmt)
		if err != nil {
			return "", err
		}
		tag = ct.String()
		p.note("%s", tag)
	}
	return tag, nil
}

func (sc *scenario) holoDatabase(ctx context.Context, p *printer) (string, error) {
	if _, err := sc.holoSQL(ctx, p, "postgres", "CREATE DATABASE "+holoDatabase); err != nil {
		return "", err
	}
	sc.report.Database = holoDatabase
	_, err := sc.holoSQL(ctx, p, holoDatabase,
		"CREATE TABLE "+holoTable+" (shop_name text, customer_id text, total_price numeric)",
		"INSERT INTO "+holoTable+" VALUES ('s1', 'c1', 100.1), ('s2', 'c2', 100.2), ('s3', 'c3', 100.3)")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d rows", previewRows), nil
}

func (sc *scenario) roleUser() string { return `"v4_` + sc.roleID + `"` }

func (sc *scenario) createUser(ctx context.Context, p *printer) (string, error) {
	if sc.o.Break == BreakCreateUser {
		p.note("BREAK create-user: `CREATE USER %s` is not sent.", sc.roleUser())
		return "left out (--break create-user)", nil
	}
	return sc.holoSQL(ctx, p, "postgres", "CREATE USER "+sc.roleUser())
}

func (sc *scenario) holoGrant(ctx context.Context, p *printer) (string, error) {
	tag, err := sc.holoSQL(ctx, p, holoDatabase,
		"GRANT CONNECT ON DATABASE "+holoDatabase+" TO "+sc.roleUser(),
		"GRANT USAGE ON SCHEMA public TO "+sc.roleUser(),
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+sc.roleUser())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42704" {
		return "", withHint(err, "testRole is not a database user of the instance yet: run CREATE USER %s first (Security Center > User Management)", sc.roleUser())
	}
	return tag, err
}

const dwVia = "darabonba-openapi CallApi, RPC, V3 signature"

// createWorkspace creates a workspace in basic mode (Prod) for c.
func (sc *scenario) createWorkspace(ctx context.Context, p *printer, c *clients, who, name string) (int64, error) {
	params := map[string]string{"Name": name, "DisplayName": name, "DevEnvironmentEnabled": "false"}
	p.call("DataWorks", dataWorksVersion, "CreateProject", dwVia+", as account "+who, params)
	var out struct {
		ID json.Number `json:"Id"`
	}
	if err := c.dataWorks(ctx, "CreateProject", params, &out); err != nil {
		return 0, err
	}
	return out.ID.Int64()
}

func (sc *scenario) workspace(ctx context.Context, p *printer) (string, error) {
	id, err := sc.createWorkspace(ctx, p, sc.a, "A", workspaceA)
	if err != nil {
		return "", err
	}
	sc.workspaceA, sc.report.Workspace = id, id
	sc.dataSources = map[string]int64{}
	return fmt.Sprintf("workspace %d (%s)", id, workspaceA), nil
}

// properties are the ConnectionProperties of the cross-account data
// source of type typ (maxcompute or hologres) on B's role, as the console
// writes them for "Another Alibaba Cloud Account".
func (sc *scenario) properties(typ, roleName string) string {
	props := [][2]string{{"envType", "Prod"}, {"regionId", sc.env.Region}}
	if typ == "maxcompute" {
		props = append(props, [2]string{"project", mcProject}, [2]string{"endpointMode", "SelfAdaption"})
	} else {
		props = append(props, [2]string{"instanceId", sc.report.InstanceID}, [2]string{"database", holoDatabase},
			[2]string{"securityProtocol", "authTypeNone"})
	}
	props = append(props, [2]string{"authType", "RamRole"}, [2]string{"crossAccountOwnerId", sc.b.acct.ID},
		[2]string{"crossAccountRoleName", roleName})
	var b strings.Builder
	b.WriteString("{")
	for i, kv := range props {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(kv[0])
		v, _ := json.Marshal(kv[1])
		b.Write(k)
		b.WriteString(":")
		b.Write(v)
	}
	b.WriteString("}")
	return b.String()
}

// createDataSource adds a cross-account data source to a workspace.
func (sc *scenario) createDataSource(ctx context.Context, p *printer, c *clients, who string, workspace int64, name, typ, role string) (int64, error) {
	params := map[string]string{"ProjectId": strconv.FormatInt(workspace, 10), "Name": name, "Type": typ,
		"ConnectionPropertiesMode": "UrlMode", "ConnectionProperties": sc.properties(typ, role),
		"Description": "account B's " + typ + " through " + roleName}
	if typ == "hologres" {
		params["ConnectionPropertiesMode"] = "InstanceMode"
	}
	p.call("DataWorks", dataWorksVersion, "CreateDataSource", dwVia+", as account "+who, params)
	var out struct {
		ID json.Number `json:"Id"`
	}
	if err := c.dataWorks(ctx, "CreateDataSource", params, &out); err != nil {
		return 0, err
	}
	return out.ID.Int64()
}

func (sc *scenario) dataSource(typ string) func(context.Context, *printer) (string, error) {
	return func(ctx context.Context, p *printer) (string, error) {
		name := map[string]string{"maxcompute": dsMaxCompute, "hologres": dsHologres}[typ]
		role := roleName
		if sc.o.Break == BreakRoleARN {
			role = "acs:ram::" + sc.b.acct.ID + ":role/" + strings.ToLower(roleName)
			p.note("BREAK role-arn: crossAccountRoleName is the role's ARN, %s.", role)
		}
		id, err := sc.createDataSource(ctx, p, sc.a, "A", sc.workspaceA, name, typ, role)
		if err != nil {
			return "", err
		}
		sc.dataSources[name] = id
		return fmt.Sprintf("data source %d (%s)", id, name), nil
	}
}

// defaultGroup returns the id of the first resource group associated with
// a workspace.
func (sc *scenario) defaultGroup(ctx context.Context, p *printer, c *clients, who string, workspace int64) (string, error) {
	params := map[string]string{"ProjectId": strconv.FormatInt(workspace, 10)}
	p.call("DataWorks", dataWorksVersion, "ListResourceGroups", dwVia+", as account "+who, params)
	var out struct {
		PagingInfo struct {
			ResourceGroupList []struct{ ID, Name, Status string } `json:"ResourceGroupList"`
		}
	}
	if err := c.dataWorks(ctx, "ListResourceGroups", params, &out); err != nil {
		return "", err
	}
	groups := out.PagingInfo.ResourceGroupList
	if len(groups) == 0 {
		return "", fmt.Errorf("no resource group is associated with workspace %d", workspace)
	}
	return groups[0].ID, nil
}

func (sc *scenario) resourceGroup(ctx context.Context, p *printer) (string, error) {
	id, err := sc.defaultGroup(ctx, p, sc.a, "A", sc.workspaceA)
	if err != nil {
		return "", err
	}
	sc.groupA = id
	return id, nil
}

// connectivity is the 2024-05-18 TestDataSourceConnectivity answer.
type connectivity struct {
	Connectivity struct {
		ConnectState   string
		ConnectMessage string
		DetailLogs     []struct{ Code, Message string }
	}
}

// test runs a connectivity test and prints its steps.
func (sc *scenario) test(ctx context.Context, p *printer, c *clients, who string, workspace, dataSource int64, group string) (connectivity, error) {
	params := map[string]string{"ProjectId": strconv.FormatInt(workspace, 10), "DataSourceId": strconv.FormatInt(dataSource, 10), "ResourceGroupId": group}
	p.call("DataWorks", dataWorksVersion, "TestDataSourceConnectivity", dwVia+", as account "+who, params)
	var out connectivity
	if err := c.dataWorks(ctx, "TestDataSourceConnectivity", params, &out); err != nil {
		return out, err
	}
	for _, l := range out.Connectivity.DetailLogs {
		p.note("%s: %s", l.Code, l.Message)
	}
	return out, nil
}

// ErrNotAsSeed is a step whose call succeeded but whose answer is not what
// the seed says.
var ErrNotAsSeed = errors.New("not as the seed says")

func (sc *scenario) testConnectivity(name string) func(context.Context, *printer) (string, error) {
	return func(ctx context.Context, p *printer) (string, error) {
		out, err := sc.test(ctx, p, sc.a, "A", sc.workspaceA, sc.dataSources[name], sc.groupA)
		if err != nil {
			return "", err
		}
		st := out.Connectivity.ConnectState
		if st != "Connectable" {
			return "", fmt.Errorf("ConnectState %s: %s", st, out.Connectivity.ConnectMessage)
		}
		return st, nil
	}
}

// previewAnswer is the PreviewDataSourceTable answer.
type previewAnswer struct {
	Data struct {
		DataSourceName, TableName string
		Columns                   []struct{ Name, Type string }
		Rows                      [][]any
	}
}

func (sc *scenario) preview(name, table string) func(context.Context, *printer) (string, error) {
	return func(ctx context.Context, p *printer) (string, error) {
		params := map[string]string{"ProjectId": strconv.FormatInt(sc.workspaceA, 10), "DataSourceName": name, "EnvType": "Prod",
			"TableName": table, "Limit": strconv.Itoa(previewRows)}
		p.call("DataWorks", dataWorksVersion, "PreviewDataSourceTable", dwVia+", as account A", params)
		var out previewAnswer
		if err := sc.a.dataWorks(ctx, "PreviewDataSourceTable", params, &out); err != nil {
			return "", err
		}
		var b strings.Builder
		w := csv.NewWriter(&b)
		head := make([]string, len(out.Data.Columns))
		for i, c := range out.Data.Columns {
			head[i] = c.Name + " " + c.Type
		}
		w.Write(head) //nolint:errcheck // writes to a strings.Builder
		for _, row := range out.Data.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = fmt.Sprint(v)
			}
			w.Write(rec) //nolint:errcheck // writes to a strings.Builder
		}
		w.Flush()
		p.note("%s", strings.TrimRight(b.String(), "\n"))
		if len(out.Data.Rows) != previewRows {
			return "", fmt.Errorf("%w: %d rows previewed, want %d", ErrNotAsSeed, len(out.Data.Rows), previewRows)
		}
		return fmt.Sprintf("%d rows", len(out.Data.Rows)), nil
	}
}

func (sc *scenario) bind(typ string) func(context.Context, *printer) (string, error) {
	return func(ctx context.Context, p *printer) (string, error) {
		name := map[string]string{"maxcompute": "a_engine_mc", "hologres": "a_engine_holo"}[typ]
		params := map[string]string{"ProjectId": strconv.FormatInt(sc.workspaceA, 10), "Name": name, "Type": typ,
			"ConnectionPropertiesMode": "UrlMode", "ConnectionProperties": sc.properties(typ, roleName)}
		if typ == "hologres" {
			params["ConnectionPropertiesMode"] = "InstanceMode"
		}
		p.call("DataWorks", dataWorksVersion, "CreateComputeResource", dwVia+", as account A (what `localyun dataworks bind-compute` sends)", params)
		var out struct {
			ID json.Number `json:"Id"`
		}
		err := sc.a.dataWorks(ctx, "CreateComputeResource", params, &out)
		if err == nil {
			return "", fmt.Errorf("%w: the cross-account %s source was bound as compute resource %s", ErrNotAsSeed, typ, out.ID)
		}
		msg := errorText(err)
		if !strings.Contains(msg, "Invalid.ComputeResource.DataSyncOnly") {
			return "", err
		}
		p.note("%s", msg)
		return "refused: " + firstLine(msg), nil
	}
}

func (sc *scenario) workspaceOfC(ctx context.Context, p *printer) (string, error) {
	id, err := sc.createWorkspace(ctx, p, sc.c, "C", workspaceC)
	if err != nil {
		return "", err
	}
	sc.workspaceC = id
	return fmt.Sprintf("workspace %d (%s)", id, workspaceC), nil
}

// confusedDeputy: C names B's role in a data source of its own workspace.
// Saving it checks nothing of account B; the test must be refused, since
// the trust policy names A's DataWorks, not C's.
func (sc *scenario) confusedDeputy(ctx context.Context, p *printer) (string, error) {
	id, err := sc.createDataSource(ctx, p, sc.c, "C", sc.workspaceC, "b_sales_of_b", "maxcompute", roleName)
	if err != nil {
		msg := errorText(err)
		p.note("%s", msg)
		return "refused: " + firstLine(msg), nil
	}
	group, err := sc.defaultGroup(ctx, p, sc.c, "C", sc.workspaceC)
	if err != nil {
		return "", err
	}
	out, err := sc.test(ctx, p, sc.c, "C", sc.workspaceC, id, group)
	if err != nil {
		return "", err
	}
	if st := out.Connectivity.ConnectState; st != "ConfigError" {
		return "", fmt.Errorf("%w: ConnectState %s, want ConfigError (B's role must not be assumed for account C): %s",
			ErrNotAsSeed, st, out.Connectivity.ConnectMessage)
	}
	return "refused: ConfigError: " + firstLine(out.Connectivity.ConnectMessage), nil
}
