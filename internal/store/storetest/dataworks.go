package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/store"
)

const acct2 = "2000000000000002"

func withWorkspace(t *testing.T, s store.Store, id int64, owner, name string) store.Workspace {
	t.Helper()
	w := store.Workspace{ID: id, Name: name, DisplayName: name, Owner: owner, Region: "cn-hangzhou", Mode: "standard",
		Settings: []byte(`{}`), CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateWorkspace(w) })
	return w
}

func testWorkspaces(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	withAccount(t, s, acct2, "beta")
	w := withWorkspace(t, s, 10001, acct, "Sales_WS")
	for _, dup := range []store.Workspace{
		{ID: 10001, Name: "other", Owner: acct, Region: "cn-hangzhou", Mode: "basic", Settings: []byte(`{}`)},
		{ID: 10002, Name: "sales_ws", Owner: acct, Region: "cn-hangzhou", Mode: "basic", Settings: []byte(`{}`)},
	} {
		wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateWorkspace(dup) }), store.ErrExists, "duplicate id or name")
	}
	// The same name in another region or another account is another workspace.
	withWorkspace(t, s, 10003, acct2, "sales_ws")
	update(t, s, func(tx store.Tx) error {
		return tx.CreateWorkspace(store.Workspace{ID: 10004, Name: "Sales_WS", Owner: acct, Region: "cn-shanghai", Mode: "basic", Settings: []byte(`{}`)})
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.GetWorkspace(10001)
		if err != nil {
			return err
		}
		equal(t, got.Name, "Sales_WS", "name keeps its case")
		equal(t, got.Mode, "standard", "mode")
		equal(t, got.CreatedAt, w.CreatedAt, "created")
		byName, err := r.GetWorkspaceByName(acct, "cn-hangzhou", "SALES_ws")
		if err != nil {
			return err
		}
		equal(t, byName.ID, int64(10001), "by name, case-insensitively")
		_, err = r.GetWorkspaceByName(acct, "cn-beijing", "sales_ws")
		wantErr(t, err, store.ErrNotFound, "by name in another region")
		_, err = r.GetWorkspace(99)
		wantErr(t, err, store.ErrNotFound, "unknown id")
		mine, _ := r.ListWorkspaces(acct, "")
		equal(t, len(mine), 2, "workspaces of the owner")
		here, _ := r.ListWorkspaces(acct, "cn-hangzhou")
		equal(t, len(here), 1, "workspaces of the owner in a region")
		all, err := r.ListWorkspaces("", "")
		equal(t, len(all), 3, "all workspaces")
		equal(t, all[0].ID, int64(10001), "by id")
		return err
	})
}

func dataSource(id int64, kind string, ws int64, name, env, typ string, at time.Time) store.DataSource {
	return store.DataSource{ID: id, Kind: kind, Workspace: ws, Name: name, Env: env, Type: typ, Mode: "UrlMode",
		Properties: []byte(`{"project":"p"}`), Description: "d", CreateUser: acct, ModifyUser: acct, CreatedAt: at, UpdatedAt: at}
}

func testDataSources(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	withWorkspace(t, s, 10001, acct, "ws")
	withWorkspace(t, s, 10002, acct, "ws2")
	ds := dataSource(1, store.DataSourceKind, 10001, "Odps_Src", "Prod", "maxcompute", t0)
	ds.Secrets = []byte{1, 2, 3}
	update(t, s, func(tx store.Tx) error { return tx.CreateDataSource(ds) })
	for _, dup := range []store.DataSource{
		dataSource(1, store.DataSourceKind, 10001, "x", "Prod", "maxcompute", t0),
		dataSource(2, store.DataSourceKind, 10001, "odps_src", "Prod", "hologres", t0),
	} {
		wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateDataSource(dup) }), store.ErrExists, "duplicate id or name and environment")
	}
	// The other environment, another workspace and a compute resource of
	// the same name are other records.
	update(t, s, func(tx store.Tx) error {
		for _, d := range []store.DataSource{
			dataSource(2, store.DataSourceKind, 10001, "odps_src", "Dev", "maxcompute", t0),
			dataSource(3, store.DataSourceKind, 10002, "odps_src", "Prod", "maxcompute", t0),
			dataSource(4, store.ComputeResourceKind, 10001, "odps_src", "Prod", "maxcompute", t0),
		} {
			if err := tx.CreateDataSource(d); err != nil {
				return err
			}
		}
		return nil
	})
	ds.Properties, ds.Secrets, ds.Description, ds.ModifyUser, ds.UpdatedAt = []byte(`{"project":"q"}`), nil, "new", "u2", t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateDataSource(ds) })
	view(t, s, func(r store.Reader) error {
		got, err := r.GetDataSource(1)
		if err != nil {
			return err
		}
		equal(t, string(got.Properties), `{"project":"q"}`, "properties")
		equal(t, len(got.Secrets), 0, "secrets cleared")
		equal(t, got.Description, "new", "description")
		equal(t, got.ModifyUser, "u2", "modify user")
		equal(t, got.CreateUser, acct, "create user unchanged")
		equal(t, got.Name, "Odps_Src", "name keeps its case")
		equal(t, got.UpdatedAt, t0.Add(time.Minute), "updated")
		byName, err := r.GetDataSourceByName(store.DataSourceKind, 10001, "ODPS_SRC", "Dev")
		if err != nil {
			return err
		}
		equal(t, byName.ID, int64(2), "by name and environment")
		cr, err := r.GetDataSourceByName(store.ComputeResourceKind, 10001, "odps_src", "Prod")
		equal(t, cr.ID, int64(4), "compute resource by name")
		return err
	})
	// The last connectivity test is recorded, and an update clears it.
	update(t, s, func(tx store.Tx) error {
		return tx.SetDataSourceConnectivity(2, "ConfigError", "add the user", t0.Add(2*time.Minute))
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.GetDataSource(2)
		equal(t, got.ConnectState, "ConfigError", "connect state")
		equal(t, got.ConnectMessage, "add the user", "connect message")
		equal(t, got.ConnectTime, t0.Add(2*time.Minute), "connect time")
		untested, _ := r.GetDataSource(3)
		equal(t, untested.ConnectState, "", "never tested")
		equal(t, untested.ConnectTime.IsZero(), true, "never tested: no time")
		return err
	})
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.SetDataSourceConnectivity(99, "Connectable", "", t0) }), store.ErrNotFound, "test result of no record")
	update(t, s, func(tx store.Tx) error {
		d := dataSource(2, store.DataSourceKind, 10001, "odps_src", "Dev", "maxcompute", t0)
		return tx.UpdateDataSource(d)
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.GetDataSource(2)
		equal(t, got.ConnectState, "", "an update clears the test result")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteDataSource(2) })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteDataSource(2) }), store.ErrNotFound, "delete twice")
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateDataSource(dataSource(2, store.DataSourceKind, 10001, "odps_src", "Dev", "maxcompute", t0))
	}), store.ErrNotFound, "update a deleted record")
	view(t, s, func(r store.Reader) error {
		_, err := r.GetDataSource(2)
		wantErr(t, err, store.ErrNotFound, "get a deleted record")
		return nil
	})
}

func testDataSourcePaging(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	withWorkspace(t, s, 10001, acct, "ws")
	// 5 names; names 0, 2 and 4 have Dev and Prod, the others Prod only;
	// odd names are hologres. Created in name order, a minute apart.
	var id int64
	update(t, s, func(tx store.Tx) error {
		for i := range 5 {
			typ := "maxcompute"
			if i%2 == 1 {
				typ = "hologres"
			}
			envs := []string{"Prod"}
			if i%2 == 0 {
				envs = []string{"Prod", "Dev"}
			}
			for _, env := range envs {
				id++
				if err := tx.CreateDataSource(dataSource(id, store.DataSourceKind, 10001, fmt.Sprintf("src_%d", i), env, typ, t0.Add(time.Duration(i)*time.Minute))); err != nil {
					return err
				}
			}
		}
		return tx.CreateDataSource(dataSource(100, store.ComputeResourceKind, 10001, "src_9", "Prod", "maxcompute", t0))
	})
	q := store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001}
	list := func(q store.DataSourceQuery) ([]store.DataSource, int) {
		t.Helper()
		var out []store.DataSource
		var total int
		view(t, s, func(r store.Reader) (err error) {
			out, total, err = r.ListDataSources(q)
			return err
		})
		return out, total
	}
	all, total := list(q)
	equal(t, total, 8, "records")
	equal(t, len(all), 8, "records listed")
	equal(t, all[0].Name, "src_0", "oldest first")

	g := q
	g.GroupByName, g.Desc, g.Limit = true, true, 2
	page, total := list(g)
	equal(t, total, 5, "names")
	equal(t, len(page), 3, "records of the first two names, newest first")
	equal(t, page[0].Name+page[0].Env, "src_4Dev", "Dev before Prod")
	equal(t, page[1].Name+page[1].Env, "src_4Prod", "then Prod")
	equal(t, page[2].Name, "src_3", "second name")
	g.Offset = 4
	page, _ = list(g)
	equal(t, len(page), 2, "last page")
	equal(t, page[0].Name, "src_0", "last name")
	g.Offset = 10
	page, total = list(g)
	equal(t, len(page), 0, "past the end")
	equal(t, total, 5, "names past the end")

	f := store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001, Types: []string{"hologres"}, GroupByName: true, SortBy: "Name"}
	page, total = list(f)
	equal(t, total, 2, "hologres names")
	equal(t, page[0].Name, "src_1", "by name")
	f = store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001, Env: "Dev", NameContains: "SRC_"}
	page, total = list(f)
	equal(t, total, 3, "Dev records whose name contains src_")
	f = store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001, Name: "SRC_2"}
	_, total = list(f)
	equal(t, total, 2, "exact name")
	f = store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001, Types: []string{}}
	_, total = list(f)
	equal(t, total, 0, "an empty type list selects nothing")
	f = store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: 10001, SortBy: "Id", Desc: true, Limit: 3, Offset: 1}
	page, _ = list(f)
	equal(t, page[0].ID, int64(7), "by id, descending, second record")
	f = store.DataSourceQuery{Kind: store.ComputeResourceKind, Workspace: 10001}
	_, total = list(f)
	equal(t, total, 1, "compute resources are apart")
}

func testResourceGroups(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	withAccount(t, s, acct2, "beta")
	withWorkspace(t, s, 10001, acct, "ws")
	withWorkspace(t, s, 10002, acct, "ws2")
	g := store.ResourceGroup{ID: "Serverless_res_group_" + acct + "_1", Number: 50001, Owner: acct, Region: "cn-hangzhou", Name: "default",
		Type: "CommonV2", Status: "Normal", Default: true, Settings: []byte(`{}`), CreateUser: acct, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateResourceGroup(g) })
	for _, dup := range []store.ResourceGroup{
		{ID: g.ID, Number: 50002, Owner: acct, Settings: []byte(`{}`)},
		{ID: "other", Number: 50001, Owner: acct, Settings: []byte(`{}`)},
	} {
		wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateResourceGroup(dup) }), store.ErrExists, "duplicate id or number")
	}
	g2 := g
	g2.ID, g2.Number, g2.Owner, g2.Default = "Serverless_res_group_"+acct2+"_1", 50002, acct2, false
	update(t, s, func(tx store.Tx) error { return tx.CreateResourceGroup(g2) })
	g.Status, g.Remark, g.UpdatedAt = "Stop", "stopped", t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateResourceGroup(g) })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateResourceGroup(store.ResourceGroup{ID: "missing", Settings: []byte(`{}`)})
	}), store.ErrNotFound, "update a missing group")

	update(t, s, func(tx store.Tx) error {
		for _, ws := range []int64{10002, 10001} {
			if err := tx.Associate(store.ResourceGroupAssociation{Group: g.ID, Workspace: ws, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.Associate(store.ResourceGroupAssociation{Group: g.ID, Workspace: 10001, CreatedAt: t0})
	}), store.ErrExists, "associate twice")
	view(t, s, func(r store.Reader) error {
		got, err := r.GetResourceGroup(g.ID)
		if err != nil {
			return err
		}
		equal(t, got.Status, "Stop", "status")
		equal(t, got.Remark, "stopped", "remark")
		equal(t, got.Default, true, "default")
		equal(t, got.Number, int64(50001), "number")
		mine, _ := r.ListResourceGroups(acct)
		equal(t, len(mine), 1, "groups of the owner")
		all, _ := r.ListResourceGroups("")
		equal(t, len(all), 2, "all groups")
		ws, _ := r.ListGroupWorkspaces(g.ID)
		equal(t, fmt.Sprint(ws), "[10001 10002]", "workspaces of the group, by id")
		groups, err := r.ListWorkspaceGroups(10001)
		equal(t, fmt.Sprint(groups), "["+g.ID+"]", "groups of the workspace")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.Dissociate(g.ID, 10001) })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.Dissociate(g.ID, 10001) }), store.ErrNotFound, "dissociate twice")
	view(t, s, func(r store.Reader) error {
		ws, err := r.ListGroupWorkspaces(g.ID)
		equal(t, fmt.Sprint(ws), "[10002]", "after dissociate")
		return err
	})
}
