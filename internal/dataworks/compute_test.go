package dataworks

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestComputeBinding(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace(rootA, "ws_std", WorkspaceStandard)
	for _, tc := range []struct {
		name, typ, props string
		why              string
	}{
		{"cross-account MaxCompute", "maxcompute", crossMC, "(cross-account)"},
		{"cross-account Hologres", "hologres", crossHolo, "(cross-account)"},
		{"cross-region", "maxcompute", `{"envType":"Prod","regionId":"cn-shanghai","project":"a_sh_prj","authType":"PrimaryAccount"}`, "(cross-region)"},
		{"AccessKey", "maxcompute", `{"envType":"Prod","project":"a_prj","authType":"Ak","accessId":"x","accessKey":"y"}`, "(AccessKey data source)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine", Type: tc.typ, Properties: tc.props})
			wantCode(t, err, CodeComputeDataSyncOnly, "serve data synchronization only", tc.why, "Data Integration")
		})
	}
	// Same account and region, but no such project or instance.
	_, err := f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine", Type: "maxcompute",
		Properties: `{"envType":"Prod","project":"nope_prj","authType":"PrimaryAccount"}`})
	wantCode(t, err, "InvalidParameter.ConnectionProperties", "no MaxCompute project nope_prj")
	_, err = f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine", Type: "hologres",
		Properties: `{"envType":"Prod","instanceId":"holo_b","database":"d","authType":"PrimaryAccount"}`})
	wantCode(t, err, "InvalidParameter.ConnectionProperties", "no Hologres instance holo_b")

	// Accepted and recorded.
	mc := must(f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine", Type: "maxcompute",
		Properties: `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount"}`}))(t)
	dev := must(f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine", Type: "maxcompute",
		Properties: `{"envType":"Dev","project":"a_prj","authType":"Executor"}`}))(t)
	holo := must(f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "holo_engine", Type: "hologres",
		Properties: `{"EnvType":"Prod","InstanceId":"holo_a","Database":"db1","AuthType":"RamRole","AuthIdentity":"300000000000000001"}`}))(t)
	second := must(f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "engine2", Type: "maxcompute",
		Properties: `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount"}`}))(t)
	_, err = f.svc.BindComputeResource(ctx, rootA, DataSourceInput{Workspace: ws.ID, Name: "ENGINE", Type: "maxcompute",
		Properties: `{"envType":"Prod","project":"a_prj","authType":"PrimaryAccount"}`})
	wantCode(t, err, CodeComputeExists)
	if got := must(f.svc.GetComputeResource(ctx, rootA, ws.ID, mc.ID))(t); !got.Default {
		t.Fatalf("the first maxcompute Prod resource is the default: %+v", got)
	}
	if got := must(f.svc.GetComputeResource(ctx, rootA, 0, second.ID))(t); got.Default {
		t.Fatalf("the second is not: %+v", got)
	}
	page := must(f.svc.ListComputeResources(ctx, rootA, Query{Workspace: ws.ID, GroupByName: true, Size: 10, SortBy: "Id"}))(t)
	if page.Total != 3 || len(page.Items) != 4 || !page.Items[0].Default || !page.Items[1].Default || page.Items[0].ID != dev.ID || !page.Items[2].Default {
		t.Fatalf("list: %+v", page)
	}
	_ = holo
	// Compute resources and data sources are apart.
	_, err = f.svc.GetDataSource(ctx, rootA, mc.ID)
	wantCode(t, err, CodeConnectionNotExists)
	if f.count(ws.ID) != 0 {
		t.Fatal("a compute resource counted as a data source")
	}
	// Updates are checked again.
	_, err = f.svc.UpdateComputeResource(ctx, rootA, DataSourceUpdate{ID: mc.ID, Properties: strings.Replace(crossMC, "b_prj", "a_prj", 1)})
	wantCode(t, err, CodeComputeDataSyncOnly)
	if err := f.svc.DeleteComputeResource(ctx, rootA, ws.ID, mc.ID); err != nil {
		t.Fatal(err)
	}
	if got := must(f.svc.GetComputeResource(ctx, rootA, 0, second.ID))(t); !got.Default {
		t.Fatalf("after the default is unbound the next one is: %+v", got)
	}
}

// recorder is a Connector that records what it was given.
type recorder struct {
	calls atomic.Int32
	ds    DataSource
	group string
	table string
	delay time.Duration
}

func (r *recorder) TestConnectivity(ctx context.Context, ds DataSource, groupID string) (Connectivity, error) {
	r.calls.Add(1)
	r.ds, r.group = ds, groupID
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			return Connectivity{}, ctx.Err()
		}
	}
	return Connectivity{State: Connectable, Message: "ignored", Steps: []Step{{Code: "assume_role", Message: "ok"}}}, nil
}

func (r *recorder) PreviewTable(ctx context.Context, ds DataSource, groupID, table string, limit int) (Preview, error) {
	r.calls.Add(1)
	r.ds, r.group, r.table = ds, groupID, table
	v := "v"
	rows := make([][]*string, limit+5) // more than asked: the Service cuts
	for i := range rows {
		rows[i] = []*string{&v, nil}
	}
	return Preview{Columns: []Column{{Name: "a", Type: "STRING"}, {Name: "b", Type: "BIGINT"}}, Rows: rows}, nil
}

func TestConnectivitySeam(t *testing.T) {
	f := newFixture(t)
	// The Service refuses to run without a Connector.
	if _, err := New(Options{Store: f.db, MasterKey: bytes.Repeat([]byte{7}, 32)}); err == nil {
		t.Fatal("New without a Connector")
	}
	def := "Serverless_res_group_" + uidA + "_1"

	rec := &recorder{}
	f2 := newFixture(t, func(o *Options) { o.Connector = rec; o.TestTimeout = 200 * time.Millisecond })
	ws := f2.workspace(rootA, "ws_std", WorkspaceStandard)
	d := f2.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "a_ak", Type: "maxcompute",
		Properties: `{"envType":"Prod","project":"a_prj","authType":"Ak","accessId":"id","accessKey":"the-secret"}`})
	res := must(f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID, "S_res_group_"+uidA+"_1"))(t)
	if res.State != Connectable || res.Message != "" || len(res.Steps) != 2 || res.Steps[1].Code != "assume_role" {
		t.Fatalf("connectable: %+v", res)
	}
	if rec.ds.Props.AccessKey != "the-secret" || rec.ds.Owner != uidA || rec.group != def {
		t.Fatalf("the connector got %+v on %s", rec.ds, rec.group)
	}
	// The result is recorded as the data source's last test.
	if got := must(f2.svc.GetDataSource(ctx, rootA, d.ID))(t); got.ConnectState != Connectable || got.ConnectTime.IsZero() {
		t.Fatalf("recorded: %+v", got)
	}
	byName := must(f2.svc.TestConnectivityByName(ctx, rootA, ws.ID, "A_AK", EnvProd, "S_res_group_"+uidA+"_1"))(t)
	if byName.State != Connectable || rec.calls.Load() != 2 {
		t.Fatalf("by name: %+v", byName)
	}
	_, err := f2.svc.TestConnectivityByName(ctx, rootA, ws.ID, "a_ak", EnvDev, def)
	wantCode(t, err, CodeConnectionNotExists)

	// A group that is not associated with the workspace.
	g := must(f2.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "other", PaymentType: "PostPaid"}))(t)
	res = must(f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID, g.ID))(t)
	if res.State != ConfigError || !strings.Contains(res.Message, "not associated with workspace") || len(res.Steps) != 1 {
		t.Fatalf("not associated: %+v", res)
	}
	if got := must(f2.svc.GetDataSource(ctx, rootA, d.ID))(t); got.ConnectState != ConfigError || !strings.Contains(got.ConnectMessage, "not associated") {
		t.Fatalf("recorded failure: %+v", got)
	}
	// Another account's group, workspace or data source.
	f2.workspace(rootC, "ws_c", "")
	_, err = f2.svc.TestConnectivity(ctx, rootC, ws.ID, d.ID, def)
	wantCode(t, err, CodeProjectNotExists)
	_, err = f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID, "Serverless_res_group_"+uidC+"_1")
	wantCode(t, err, CodeResourceGroupNotExist)
	_, err = f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID+100, def)
	wantCode(t, err, CodeConnectionNotExists)

	// A stopped group.
	if err := f2.svc.SetGroupStatus(ctx, def, GroupStop); err != nil {
		t.Fatal(err)
	}
	res = must(f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID, def))(t)
	if res.State != Unsupport || !strings.Contains(res.Message, "is Stop") {
		t.Fatalf("stopped: %+v", res)
	}
	if err := f2.svc.SetGroupStatus(ctx, def, GroupNormal); err != nil {
		t.Fatal(err)
	}
	// A test that runs out of time is Unreachable.
	rec.delay = time.Second
	res = must(f2.svc.TestConnectivity(ctx, rootA, ws.ID, d.ID, def))(t)
	if res.State != Unreachable || !strings.Contains(res.Message, "did not finish within 200ms") {
		t.Fatalf("timeout: %+v", res)
	}
}

func TestPreviewTable(t *testing.T) {
	rec := &recorder{}
	f := newFixture(t, func(o *Options) { o.Connector = rec })
	ws := f.workspace(rootA, "ws_std", WorkspaceStandard)
	f.create(rootA, DataSourceInput{Workspace: ws.ID, Name: "b_sales", Type: "maxcompute", Properties: crossMC})
	def := "Serverless_res_group_" + uidA + "_1"

	// The defaults: Prod, 10 rows, the account's default group.
	p := must(f.svc.PreviewTable(ctx, rootA, PreviewInput{Workspace: ws.ID, DataSource: "B_SALES", Table: "sale_detail"}))(t)
	if len(p.Rows) != DefaultPreviewRows || len(p.Columns) != 2 || rec.group != def || rec.table != "sale_detail" || rec.ds.Env != EnvProd || rec.ds.Owner != uidA {
		t.Fatalf("preview: %d rows on %s of %+v", len(p.Rows), rec.group, rec.ds)
	}
	p = must(f.svc.PreviewTable(ctx, rootA, PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Limit: 3, Group: "S_res_group_" + uidA + "_1"}))(t)
	if len(p.Rows) != 3 {
		t.Fatalf("Limit 3: %d rows", len(p.Rows))
	}
	for _, tc := range []struct {
		in   PreviewInput
		code string
	}{
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Limit: 101}, "InvalidParameter.Limit"},
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Limit: -1}, "InvalidParameter.Limit"},
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: " "}, "InvalidParameter.TableName"},
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Env: "Test"}, "InvalidParameter.EnvType"},
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Env: EnvDev}, CodeConnectionNotExists},
		{PreviewInput{Workspace: ws.ID + 1, DataSource: "b_sales", Table: "t"}, CodeProjectNotExists},
		{PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Group: "Serverless_res_group_" + uidC + "_1"}, CodeResourceGroupNotExist},
	} {
		_, err := f.svc.PreviewTable(ctx, rootA, tc.in)
		wantCode(t, err, tc.code)
	}
	// Another account previews nothing of A's.
	f.workspace(rootC, "ws_c", "")
	_, err := f.svc.PreviewTable(ctx, rootC, PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t"})
	wantCode(t, err, CodeProjectNotExists)
	// A group not associated with the workspace, and a stopped one.
	g := must(f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "other", PaymentType: "PostPaid"}))(t)
	_, err = f.svc.PreviewTable(ctx, rootA, PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t", Group: g.ID})
	wantCode(t, err, CodeAssociationNotExists, "is not associated with workspace")
	if err := f.svc.SetGroupStatus(ctx, def, GroupStop); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.PreviewTable(ctx, rootA, PreviewInput{Workspace: ws.ID, DataSource: "b_sales", Table: "t"})
	wantCode(t, err, CodeResourceGroupStopped, "is Stop")
}
