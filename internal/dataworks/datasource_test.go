package dataworks

import (
	"bytes"
	"strings"
	"testing"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

const (
	crossMC   = `{"envType":"Prod","regionId":"cn-hangzhou","project":"b_prj","endpointMode":"SelfAdaption","authType":"RamRole","crossAccountOwnerId":"2000000000000002","crossAccountRoleName":"testRole"}`
	crossHolo = `{"envType":"Dev","regionId":"cn-hangzhou","instanceId":"holo_b","database":"b_db","authType":"RamRole","crossAccountOwnerId":"2000000000000002","crossAccountRoleName":"testRole"}`
)

func TestDataSourceValidation(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace(rootA, "ws_std", WorkspaceStandard)
	basic := f.workspace(rootA, "ws_basic", WorkspaceBasic)
	const code = "InvalidParameter.ConnectionProperties"
	for _, tc := range []struct {
		name, typ, props string
		workspace        int64
		code             string
		want             []string
	}{
		{"missing project", "maxcompute", `{"envType":"Prod","authType":"PrimaryAccount"}`, 0, code, []string{"project is required"}},
		{"missing instanceId", "hologres", `{"envType":"Prod","database":"d","authType":"PrimaryAccount"}`, 0, code, []string{"instanceId is required"}},
		{"missing database", "hologres", `{"envType":"Prod","instanceId":"holo_a","authType":"PrimaryAccount"}`, 0, code, []string{"database is required"}},
		{"role ARN instead of name", "maxcompute", strings.Replace(crossMC, `"testRole"`, `"acs:ram::2000000000000002:role/testRole"`, 1), 0, code,
			[]string{"crossAccountRoleName takes the role's name, e.g. testRole, not acs:ram::2000000000000002:role/testRole"}},
		{"unknown region", "maxcompute", strings.Replace(crossMC, "cn-hangzhou", "mars-north-1", 1), 0, code, []string{"regionId mars-north-1 is not a region"}},
		{"owner is the workspace owner", "maxcompute", strings.Replace(crossMC, uidB, uidA, 1), 0, code, []string{"use the same-account mode"}},
		{"owner not a UID", "maxcompute", strings.Replace(crossMC, uidB, "beta", 1), 0, code, []string{"is not an account UID"}},
		{"role name without owner", "maxcompute", `{"envType":"Prod","project":"b_prj","authType":"RamRole","crossAccountRoleName":"testRole"}`, 0, code, []string{"crossAccountOwnerId is required"}},
		{"owner without role name", "maxcompute", `{"envType":"Prod","project":"b_prj","authType":"RamRole","crossAccountOwnerId":"2000000000000002"}`, 0, code, []string{"crossAccountRoleName is required"}},
		{"cross-account with another authType", "maxcompute", strings.Replace(crossMC, `"RamRole"`, `"PrimaryAccount"`, 1), 0, code, []string{"uses authType RamRole"}},
		{"cross-account with authIdentity", "maxcompute", strings.Replace(crossMC, `"authType"`, `"authIdentity":"300000000000000002","authType"`, 1), 0, code, []string{"authIdentity is for the same-account mode"}},
		{"cross-account with an AccessKey", "maxcompute", strings.Replace(crossMC, `"authType"`, `"accessId":"x","accessKey":"y","authType"`, 1), 0, code, []string{"no AccessKey"}},
		{"SubAccount without authIdentity", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount"}`, 0, code,
			[]string{"authIdentity is required with authType SubAccount"}},
		{"SubAccount naming the user", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount","authIdentity":"Alice"}`, 0, code,
			[]string{"authIdentity takes the RAM user's UserId, not its name", `"authIdentity": "200000000000000001"`}},
		{"SubAccount of an unknown user", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount","authIdentity":"299"}`, 0, code,
			[]string{"authIdentity 299 is not the UserId of a RAM user of account " + uidA}},
		{"same-account RamRole with an AccessKey", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"300000000000000001","accessId":"x","accessKey":"y"}`, 0, code,
			[]string{"accessId and accessKey go only with authType Ak, not RamRole"}},
		{"SubAccount with an AccessKey", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount","authIdentity":"200000000000000001","accessKey":"y"}`, 0, code,
			[]string{"accessId and accessKey go only with authType Ak, not SubAccount"}},
		{"PrimaryAccount with an AccessKey", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount","accessId":"x","accessKey":"y"}`, 0, code,
			[]string{"accessId and accessKey go only with authType Ak, not PrimaryAccount"}},
		{"same-account authIdentity of another account (ARN)", "maxcompute",
			`{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"acs:ram::2000000000000002:role/testRole"}`, 0, code,
			[]string{"names a role of account 2000000000000002", `"crossAccountOwnerId": "2000000000000002"`}},
		{"same-account authIdentity of another account (RoleId)", "maxcompute",
			`{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"300000000000000002"}`, 0, code,
			[]string{"is not the RoleId of a role of account " + uidA}},
		{"same-account authIdentity as own ARN", "maxcompute",
			`{"envType":"Prod","project":"a_prj","authType":"RamRole","authIdentity":"acs:ram::1000000000000001:role/etl-role"}`, 0, code,
			[]string{"takes the role's RoleId", "300000000000000001"}},
		{"same-account RamRole without authIdentity", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"RamRole"}`, 0, code, []string{"authIdentity is required"}},
		{"SubAccount with a user name", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount","authIdentity":"alice"}`, 0, code, []string{"200000000000000001"}},
		{"SubAccount with another user", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"SubAccount","authIdentity":"42"}`, 0, code, []string{"not the UserId"}},
		{"authIdentity with PrimaryAccount", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount","authIdentity":"1"}`, 0, code, []string{"authIdentity goes only with"}},
		{"unknown authType", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"HadoopUser"}`, 0, code, []string{"HadoopUser"}},
		{"no authType", "maxcompute", `{"envType":"Prod","project":"a_prj"}`, 0, code, []string{"authType is required"}},
		{"Ak without the key", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"Ak","accessId":"x"}`, 0, code, []string{"accessKey is required"}},
		{"masked secret on create", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"Ak","accessId":"x","accessKey":"******"}`, 0, code, []string{"the mask"}},
		{"no envType", "maxcompute", `{"project":"a_prj","authType":"PrimaryAccount"}`, 0, code, []string{"envType is required"}},
		{"bad envType", "maxcompute", `{"envType":"Test","project":"a_prj","authType":"PrimaryAccount"}`, 0, code, []string{"not an environment"}},
		{"Dev in a basic workspace", "maxcompute", `{"envType":"Dev","project":"a_prj","authType":"PrimaryAccount"}`, basic.ID, code, []string{"basic mode"}},
		{"bad project name", "maxcompute", `{"envType":"Prod","project":"a-prj","authType":"PrimaryAccount"}`, 0, code, []string{"not a MaxCompute project name"}},
		{"hologres keys on maxcompute", "maxcompute", `{"envType":"Prod","project":"a_prj","database":"d","authType":"PrimaryAccount"}`, 0, code, []string{"belong to hologres"}},
		{"project on hologres", "hologres", `{"envType":"Prod","instanceId":"i","database":"d","project":"p1x","authType":"PrimaryAccount"}`, 0, code, []string{"belongs to maxcompute"}},
		{"Custom endpoint without endpoint", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount","endpointMode":"Custom"}`, 0, code, []string{"endpoint is required"}},
		{"bad securityProtocol", "hologres", `{"envType":"Prod","instanceId":"i","database":"d","authType":"PrimaryAccount","securityProtocol":"tls"}`, 0, code, []string{"securityProtocol"}},
		{"malformed JSON", "maxcompute", `{"envType":"Prod",`, 0, code, []string{"not valid JSON"}},
		{"wrong JSON type", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"RamRole","crossAccountOwnerId":2000000000000002,"crossAccountRoleName":"r"}`, 0, code,
			[]string{"crossAccountOwnerId must be a JSON string, not a number"}},
		{"unknown type", "mysql", crossMC, 0, "InvalidParameter.Type", []string{"maxcompute and hologres"}},
		{"unknown workspace", "maxcompute", crossMC, 99, CodeProjectNotExists, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wsID := ws.ID
			if tc.workspace != 0 {
				wsID = tc.workspace
			}
			_, err := f.svc.CreateDataSource(ctx, rootA, DataSourceInput{Workspace: wsID, Name: "src", Type: tc.typ, Properties: tc.props})
			wantCode(t, err, tc.code, tc.want...)
			if n := f.count(ws.ID) + f.count(basic.ID); n != 0 {
				t.Fatalf("%d records stored after a refused create", n)
			}
		})
	}
	// Names.
	for _, name := range []string{"", "1abc", "_abc", "my-src", "a b", strings.Repeat("a", 256)} {
		_, err := f.svc.CreateDataSource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: name, Type: "maxcompute", Properties: crossMC})
		wantCode(t, err, "InvalidParameter.Name")
	}
	// Another account's workspace does not exist for the caller.
	_, err := f.svc.CreateDataSource(ctx, rootC, DataSourceInput{Workspace: ws.ID, Name: "src", Type: "maxcompute", Properties: crossMC})
	wantCode(t, err, CodeProjectNotExists)
	if n := f.count(ws.ID); n != 0 {
		t.Fatalf("%d records stored", n)
	}
	// Duplicates: the same name and environment, case-insensitively.
	f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "Src", Type: "maxcompute", Properties: crossMC})
	_, err = f.svc.CreateDataSource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "src", Type: "hologres", Properties: strings.Replace(crossHolo, "Dev", "Prod", 1)})
	wantCode(t, err, CodeConnectionExists, "Prod data source named src")
	_, err = f.svc.CreateDataSource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "src", Type: "hologres", Properties: crossHolo})
	wantCode(t, err, "InvalidParameter.Type", "Src is a maxcompute data source")
	f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "src", Type: "maxcompute", Properties: strings.Replace(crossMC, "Prod", "Dev", 1)})
	if n := f.count(ws.ID); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
}

func TestDataSourceLifecycle(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace(rootA, "ws_std", WorkspaceStandard)
	mc := f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "b_sales", Type: "MaxCompute", Properties: crossMC, Description: "B's sales"})
	if mc.ID < firstDataSourceID || mc.Env != EnvProd || mc.Mode != ModeURL || !mc.CrossAccount() || mc.ResourceOwner() != uidB ||
		mc.QualifiedName() != uidB+":cn-hangzhou:odps:b_prj" || mc.Type != TypeMaxCompute {
		t.Fatalf("created: %+v", mc)
	}
	holo := f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "b_holo", Type: "hologres", Properties: crossHolo})
	if holo.Mode != ModeInstance || holo.Props.SecurityProtocol != "authTypeNone" || holo.QualifiedName() != uidB+":cn-hangzhou:holo:holo_b:b_db" {
		t.Fatalf("created: %+v", holo)
	}
	// Same account, with the 2020 spellings: EnvType outside the document,
	// the legacy numeric authType with an AccessKey pair, no regionId.
	ak := f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "a_ak", Type: "maxcompute", Env: EnvDev, Legacy: true, Param: "Content",
		Properties: `{"accessId":"LTAIxxxx","accessKey":"s3cr3t-value","authType":2,"endpoint":"http://service.odps.aliyun.com/api","project":"a_prj","tag":"public"}`})
	if ak.CrossAccount() || ak.Props.AuthType != "Ak" || ak.Props.AccessKey != Mask || ak.Props.RegionID != "cn-hangzhou" || ak.Env != EnvDev {
		t.Fatalf("legacy: %+v", ak.Props)
	}
	_, err := f.svc.CreateDataSource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "a_num", Type: "maxcompute", Env: EnvDev, Legacy: true, Param: "Content",
		Properties: `{"authType":2,"endpoint":"http://service.odps.aliyun.com/api","project":"a_prj"}`})
	wantCode(t, err, "InvalidParameter.Content", "authType 2 is a number", "only with an AccessKey pair")
	role := f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "a_role", Type: "maxcompute",
		Properties: `{"envType":"prod","project":"a_prj","authType":"ramrole","authIdentity":"300000000000000001"}`})
	if role.Props.AuthType != "RamRole" || role.Props.EnvType != "Prod" || role.CrossAccount() {
		t.Fatalf("same-account role: %+v", role.Props)
	}

	// Secrets are masked on every read and sealed in the store.
	got := must(f.svc.GetDataSource(ctx, rootA, ak.ID))(t)
	if got.Props.AccessKey != Mask || strings.Contains(got.Props.String(), "s3cr3t") {
		t.Fatalf("GetDataSource leaks: %s", got.Props)
	}
	var raw store.DataSource
	_ = f.db.View(ctx, func(r store.Reader) (err error) { raw, err = r.GetDataSource(ak.ID); return err })
	if bytes.Contains(raw.Properties, []byte("s3cr3t")) || bytes.Contains(raw.Secrets, []byte("s3cr3t")) || len(raw.Secrets) == 0 {
		t.Fatalf("stored in the clear: %s / %x", raw.Properties, raw.Secrets)
	}
	revealed := must(f.svc.Reveal(ctx, ak.ID))(t)
	if revealed.Props.AccessKey != "s3cr3t-value" || revealed.Owner != uidA {
		t.Fatalf("Reveal: %+v", revealed)
	}
	// Another account sees nothing.
	_, err = f.svc.GetDataSource(ctx, rootC, ak.ID)
	wantCode(t, err, CodeConnectionNotExists)

	// Update: a masked secret keeps its value; the environment cannot change.
	desc := "rotated"
	upd := must(f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: ak.ID, Workspace: ws.ID, Properties: got.Props.String(), Description: &desc}))(t)
	if upd.Description != "rotated" || upd.Props.AccessKey != Mask {
		t.Fatalf("update: %+v", upd)
	}
	if r := must(f.svc.Reveal(ctx, ak.ID))(t); r.Props.AccessKey != "s3cr3t-value" {
		t.Fatalf("masked secret not kept: %q", r.Props.AccessKey)
	}
	_, err = f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: ak.ID, Properties: strings.Replace(got.Props.String(), `"Dev"`, `"Prod"`, 1)})
	wantCode(t, err, "InvalidParameter.ConnectionProperties", "cannot change")
	_, err = f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: ak.ID, Env: EnvProd, Properties: got.Props.String()})
	wantCode(t, err, "InvalidParameter.EnvType", "cannot change")
	_, err = f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: mc.ID, Properties: `{"envType":"Prod","project":"b_prj","authType":"RamRole","crossAccountOwnerId":"2000000000000002","crossAccountRoleName":"acs:ram::2000000000000002:role/testRole"}`})
	wantCode(t, err, "InvalidParameter.ConnectionProperties", "takes the role's name")
	_, err = f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: mc.ID, Properties: `{"envType":"Prod","project":"b_prj","authType":"Ak","accessId":"x","accessKey":"******"}`})
	wantCode(t, err, "InvalidParameter.ConnectionProperties", "no stored accessKey")
	if r := must(f.svc.GetDataSource(ctx, rootA, mc.ID))(t); r.Props.CrossAccountRoleName != "testRole" {
		t.Fatalf("a refused update changed the record: %+v", r.Props)
	}
	// Move to a new role.
	upd = must(f.svc.UpdateDataSource(ctx, rootA, DataSourceUpdate{ID: mc.ID, Properties: strings.Replace(crossMC, "testRole", "otherRole", 1)}))(t)
	if upd.Props.CrossAccountRoleName != "otherRole" || upd.CreatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("update: %+v", upd)
	}

	// Lists.
	page := must(f.svc.ListDataSources(ctx, rootA, Query{Workspace: ws.ID, GroupByName: true, Size: 10, SortBy: "Name"}))(t)
	if page.Total != 4 || len(page.Items) != 4 || page.Items[0].Name != "a_ak" {
		t.Fatalf("list: %+v", page)
	}
	page = must(f.svc.ListDataSources(ctx, rootA, Query{Workspace: ws.ID, Types: []string{TypeHologres}, Size: 10}))(t)
	if page.Total != 1 || page.Items[0].ID != holo.ID {
		t.Fatalf("list hologres: %+v", page)
	}
	byName := must(f.svc.GetDataSourceByName(ctx, rootA, ws.ID, "B_SALES", EnvProd))(t)
	if byName.ID != mc.ID {
		t.Fatalf("by name: %+v", byName)
	}
	_, err = f.svc.ListDataSources(ctx, rootA, Query{Workspace: ws.ID, Size: 101})
	wantCode(t, err, "InvalidParameter.PageSize")

	// Delete.
	_, err = f.svc.GetDataSource(ctx, rootA, 12345)
	wantCode(t, err, CodeConnectionNotExists)
	wantCode(t, f.svc.DeleteDataSource(ctx, rootC, 0, mc.ID), CodeConnectionNotExists)
	wantCode(t, f.svc.DeleteDataSource(ctx, rootA, ws.ID+1000, mc.ID), CodeConnectionNotExists)
	if err := f.svc.DeleteDataSource(ctx, rootA, ws.ID, mc.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.DeleteDataSource(ctx, rootA, 0, mc.ID), CodeConnectionNotExists)
	if n := f.count(ws.ID); n != 3 {
		t.Fatalf("%d records after delete", n)
	}
}

func TestDataSourceActors(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace(rootA, "ws_basic", "")
	alice := &iam.Identity{Kind: iam.User, Account: uidA, UserName: "alice", UserID: "200000000000000001"}
	d := f.create(alice, DataSourceInput{Workspace: ws.ID, Name: "x", Type: "maxcompute", Properties: crossMC})
	if d.CreateUser != "200000000000000001" || d.ModifyUser != d.CreateUser {
		t.Fatalf("actors: %+v", d)
	}
	sess := &iam.Identity{Kind: iam.RoleSession, Account: uidA, RoleName: "etl-role", RoleID: "300000000000000001", SessionName: "s"}
	u := must(f.svc.UpdateDataSource(ctx, sess, DataSourceUpdate{ID: d.ID, Properties: crossMC}))(t)
	if u.ModifyUser != "300000000000000001" || u.CreateUser != "200000000000000001" {
		t.Fatalf("actors after update: %+v", u)
	}
}
