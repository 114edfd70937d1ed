// Command cross-account performs the seed scenario, the DataWorks page
// "Cross-account authorization (MaxCompute or Hologres)", against a running
// localyun with the official Alibaba Cloud SDK for Go (RAM, STS, MaxCompute,
// and the darabonba client for Hologres and DataWorks 2024-05-18) and pgx
// for Hologres SQL. Copy the parts you need into your own automation.
//
// Account B (the resource owner) creates testRole trusting account A's
// DataWorks, grants it a MaxCompute project and a Hologres database;
// account A (the DataWorks operator) adds both as cross-account data
// sources and tests their connectivity.
//
//	export LOCALYUN_ENDPOINT=127.0.0.1:18080
//	export A_ACCESS_KEY_ID=... A_ACCESS_KEY_SECRET=...   # account A
//	export B_ACCESS_KEY_ID=... B_ACCESS_KEY_SECRET=...   # account B
//	go run ./examples/cross-account
//
// MaxCompute statements have no Go SDK; they run with `localyun odps`
// (-odps-cli, or odpscmd on the real service). The names are flags, so the
// program can run again against the same server with new ones.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/jackc/pgx/v5"
)

const region = "cn-hangzhou"

// account is one account's keys and clients.
type account struct {
	id, secret string
	uid, name  string
	ram        *ram.Client
	dara       *openapi.Client
}

func main() {
	endpoint := flag.String("endpoint", envOr("LOCALYUN_ENDPOINT", "127.0.0.1:18080"), "localyun's HTTP host:port")
	odpsCLI := flag.String("odps-cli", "localyun", "the localyun binary, whose `odps` command runs MaxCompute statements")
	role := flag.String("role", "testRole", "name of account B's role")
	project := flag.String("project", "b_sales_example", "account B's MaxCompute project (created)")
	instance := flag.String("instance", "b_holo_example", "account B's Hologres instance name (created)")
	workspace := flag.String("workspace", "a_example", "account A's DataWorks workspace (created)")
	flag.Parse()
	a := newAccount(*endpoint, os.Getenv("A_ACCESS_KEY_ID"), os.Getenv("A_ACCESS_KEY_SECRET"))
	b := newAccount(*endpoint, os.Getenv("B_ACCESS_KEY_ID"), os.Getenv("B_ACCESS_KEY_SECRET"))
	ctx := context.Background()

	// Who are A and B? STS GetCallerIdentity answers with the account UID.
	for _, acct := range []*account{a, b} {
		c, err := sts.NewClientWithOptions(region, sdkConfig(), credentials.NewAccessKeyCredential(acct.id, acct.secret))
		check("STS client", err)
		c.Domain = *endpoint
		who, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		check("GetCallerIdentity", err)
		acct.uid = who.AccountId
	}
	fmt.Printf("account A %s, account B %s\n", a.uid, b.uid)

	// Step 1, account B: the role, trusting account A, then the seed's
	// trust policy: only A's DataWorks may assume it.
	create := ram.CreateCreateRoleRequest()
	create.RoleName = *role
	create.AssumeRolePolicyDocument = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + a.uid + `:root"]}}],"Version":"1"}`
	created, err := b.ram.CreateRole(create)
	check("CreateRole", err)
	update := ram.CreateUpdateRoleRequest()
	update.RoleName = *role
	update.NewAssumeRolePolicyDocument = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["` +
		a.uid + `@engine.dataworks.aliyuncs.com"]}}],"Version":"1"}`
	_, err = b.ram.UpdateRole(update)
	check("UpdateRole", err)
	fmt.Printf("role %s (RoleId %s) trusts %s@engine.dataworks.aliyuncs.com\n", created.Role.Arn, created.Role.RoleId, a.uid)

	// Step 1, MaxCompute: a project, the role added as a user, SELECT on a
	// table. The principal names account B by UID (its name works too).
	mc, err := maxcompute.NewClientWithOptions(region, sdkConfig(), credentials.NewAccessKeyCredential(b.id, b.secret))
	check("MaxCompute client", err)
	mc.Domain = *endpoint
	cp := maxcompute.CreateCreateProjectRequest()
	cp.ProjectName, cp.OdpsRegionId, cp.OdpsSpecificationType, cp.OrderType = *project, region, "OdpsStandard", "PayAsYouGo"
	_, err = mc.CreateProject(cp)
	check("CreateProject (MaxCompute)", err)
	principal := "`RAM$" + b.uid + ":role/" + *role + "`"
	odps(*odpsCLI, *endpoint, b, *project,
		"CREATE TABLE sale_detail (shop_name STRING, total_price DOUBLE);",
		"INSERT INTO sale_detail VALUES ('s1', 100.1), ('s2', 100.2);",
		"add user "+principal+";",
		"list users;",
		"grant Select on table sale_detail to user "+principal+";",
		"show grants for "+principal+";")

	// Step 1, Hologres: an instance, the seed's policy on the role, the
	// role as a database user with SELECT on a table.
	id, pgAddr := createInstance(b, *instance)
	check("CreatePolicy", call(b.ram.CreatePolicy, func(r *ram.CreatePolicyRequest) {
		r.PolicyName, r.PolicyDocument = "HologresDataSourceAccess-"+strings.ReplaceAll(*instance, "_", "-"), `{"Version":"1","Statement":[{"Effect":"Allow","Action":[`+
			`"hologram:GetInstance","hologram:DescribeInstance","hologram:ListDatabases","hologram:ListWarehouses","hologram:ListInstances"],"Resource":"*"}]}`
	}, ram.CreateCreatePolicyRequest()))
	check("AttachPolicyToRole", call(b.ram.AttachPolicyToRole, func(r *ram.AttachPolicyToRoleRequest) {
		r.PolicyType, r.PolicyName, r.RoleName = "Custom", "HologresDataSourceAccess-"+strings.ReplaceAll(*instance, "_", "-"), *role
	}, ram.CreateAttachPolicyToRoleRequest()))
	user := `"v4_` + created.Role.RoleId + `"`
	pgExec(ctx, pgAddr, b, "postgres", "CREATE USER "+user, "CREATE DATABASE sales")
	pgExec(ctx, pgAddr, b, "sales", "CREATE TABLE sale_detail (shop_name text, total_price numeric)",
		"INSERT INTO sale_detail VALUES ('s1', 100.1), ('s2', 100.2)",
		"GRANT CONNECT ON DATABASE sales TO "+user, "GRANT USAGE ON SCHEMA public TO "+user,
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+user)
	fmt.Printf("Hologres instance %s at %s: %s may read sales.public.sale_detail\n", id, pgAddr, user)

	// Step 2, account A: a workspace, the two cross-account data sources,
	// and a connectivity test of each from the default resource group.
	var ws struct {
		ID json.Number `json:"Id"`
	}
	dataWorks(a, "CreateProject", true, map[string]string{"Name": *workspace, "DisplayName": *workspace}, &ws)
	var groups struct {
		PagingInfo struct {
			ResourceGroupList []struct {
				ID string `json:"Id"`
			}
		}
	}
	dataWorks(a, "ListResourceGroups", false, map[string]string{"ProjectId": ws.ID.String()}, &groups)
	if len(groups.PagingInfo.ResourceGroupList) == 0 {
		fail("ListResourceGroups", fmt.Errorf("workspace %s has no resource group", ws.ID))
	}
	group := groups.PagingInfo.ResourceGroupList[0].ID
	cross := `"authType":"RamRole","crossAccountOwnerId":"` + b.uid + `","crossAccountRoleName":"` + *role + `"`
	sources := []struct{ name, typ, mode, props string }{
		{"b_maxcompute", "maxcompute", "UrlMode", `{"envType":"Prod","regionId":"` + region + `","project":"` + *project + `",` + cross + `}`},
		{"b_hologres", "hologres", "InstanceMode", `{"envType":"Prod","regionId":"` + region + `","instanceId":"` + id + `","database":"sales",` + cross + `}`},
	}
	ok := true
	for _, s := range sources {
		var ds struct {
			ID json.Number `json:"Id"`
		}
		dataWorks(a, "CreateDataSource", false, map[string]string{"ProjectId": ws.ID.String(), "Name": s.name, "Type": s.typ,
			"ConnectionPropertiesMode": s.mode, "ConnectionProperties": s.props}, &ds)
		var test struct {
			Connectivity struct {
				ConnectState, ConnectMessage string
				DetailLogs                   []struct{ Code, Message string }
			}
		}
		dataWorks(a, "TestDataSourceConnectivity", false, map[string]string{"ProjectId": ws.ID.String(), "DataSourceId": ds.ID.String(),
			"ResourceGroupId": group}, &test)
		fmt.Printf("data source %s (%s): %s %s\n", s.name, ds.ID, test.Connectivity.ConnectState, test.Connectivity.ConnectMessage)
		for _, l := range test.Connectivity.DetailLogs {
			fmt.Printf("  %s: %s\n", l.Code, l.Message)
		}
		ok = ok && test.Connectivity.ConnectState == "Connectable"
	}
	if !ok {
		fmt.Println("a data source is not Connectable: see the steps above")
		os.Exit(1)
	}
	fmt.Println("both cross-account data sources are Connectable")
}

func newAccount(endpoint, id, secret string) *account {
	if id == "" || secret == "" {
		fail("credentials", fmt.Errorf("set A_ACCESS_KEY_ID, A_ACCESS_KEY_SECRET, B_ACCESS_KEY_ID and B_ACCESS_KEY_SECRET"))
	}
	r, err := ram.NewClientWithOptions(region, sdkConfig(), credentials.NewAccessKeyCredential(id, secret))
	check("RAM client", err)
	r.Domain = endpoint
	d, err := openapi.NewClient(&openapiutil.Config{AccessKeyId: dara.String(id), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(endpoint), Protocol: dara.String("HTTP"), RegionId: dara.String(region)})
	check("darabonba client", err)
	return &account{id: id, secret: secret, ram: r, dara: d}
}

func sdkConfig() *sdk.Config { return sdk.NewConfig().WithTimeout(60 * time.Second) }

// call sends a monolithic SDK request after set fills it in.
func call[Req, Resp any](send func(Req) (Resp, error), set func(Req), req Req) error {
	set(req)
	_, err := send(req)
	return err
}

// dataWorks calls a DataWorks 2024-05-18 action as the generated
// dataworks-public-20240518 client sends it: parameters in a form body or
// in the query.
func dataWorks(acct *account, action string, inBody bool, params map[string]string, out any) {
	req := &openapiutil.OpenApiRequest{}
	if inBody {
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
	method := "POST"
	if action == "ListResourceGroups" {
		method = "GET"
	}
	decode(action, acct, &openapiutil.Params{Action: dara.String(action), Version: dara.String("2024-05-18"), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String(method), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json")}, req, out)
}

// createInstance creates a Hologres instance (2022-06-01, ROA) and waits
// until it runs; it returns its id and front-end address.
func createInstance(b *account, name string) (string, string) {
	roa := func(action, method, path string) *openapiutil.Params {
		return &openapiutil.Params{Action: dara.String(action), Version: dara.String("2022-06-01"), Protocol: dara.String("HTTP"),
			Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"), Style: dara.String("ROA"),
			ReqBodyType: dara.String("json"), BodyType: dara.String("json")}
	}
	var created struct {
		Data struct {
			InstanceID string `json:"InstanceId"`
		}
	}
	decode("CreateInstance", b, roa("CreateInstance", "POST", "/api/v1/instances/create"),
		&openapiutil.OpenApiRequest{Body: map[string]any{"instanceName": name, "regionId": region}}, &created)
	id := created.Data.InstanceID
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var got struct {
			Instance struct {
				InstanceStatus string
				Endpoints      []struct{ Endpoint string }
			}
		}
		decode("GetInstance", b, roa("GetInstance", "GET", "/api/v1/instances/"+id), &openapiutil.OpenApiRequest{}, &got)
		if got.Instance.InstanceStatus == "Running" && len(got.Instance.Endpoints) > 0 {
			return id, got.Instance.Endpoints[0].Endpoint
		}
		if got.Instance.InstanceStatus != "Creating" {
			fail("GetInstance", fmt.Errorf("instance %s is %s", id, got.Instance.InstanceStatus))
		}
	}
	fail("GetInstance", fmt.Errorf("instance %s did not start within 3 minutes", id))
	return "", ""
}

func decode(action string, acct *account, params *openapiutil.Params, req *openapiutil.OpenApiRequest, out any) {
	res, err := acct.dara.CallApi(params, req, &dara.RuntimeOptions{})
	check(action, err)
	raw, err := json.Marshal(res["body"])
	check(action, err)
	check(action, json.Unmarshal(raw, out))
}

// odps runs MaxCompute statements as acct with `localyun odps`.
func odps(cli, endpoint string, acct *account, project string, stmts ...string) {
	cmd := exec.Command(cli, "odps", "--endpoint", "http://"+endpoint, "-p", project, "-e", strings.Join(stmts, "\n"))
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+acct.id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+acct.secret)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	check("localyun odps", cmd.Run())
}

// pgExec runs statements as acct in a database of a Hologres instance: the
// user is the AccessKeyId, the password its secret.
func pgExec(ctx context.Context, addr string, acct *account, database string, stmts ...string) {
	dsn := fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", url.QueryEscape(acct.id), url.QueryEscape(acct.secret), addr, database)
	conn, err := pgx.Connect(ctx, dsn)
	check("connect to Hologres", err)
	defer conn.Close(ctx)
	for _, s := range stmts {
		_, err := conn.Exec(ctx, s)
		check(s, err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func check(what string, err error) {
	if err != nil {
		fail(what, err)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
