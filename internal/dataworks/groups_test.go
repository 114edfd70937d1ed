package dataworks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestWorkspaces(t *testing.T) {
	f := newFixture(t)
	w1 := must(f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "sales", Mode: WorkspaceStandard, Description: "d",
		Tags: []Tag{{Key: "env", Value: "test"}}}))(t)
	if w1.ID != firstWorkspaceID || w1.Region != "cn-hangzhou" || w1.DisplayName != "sales" || w1.Owner != uidA ||
		fmt.Sprint(w1.Envs()) != "[Dev Prod]" || w1.ARN() != "acs:dataworks:cn-hangzhou:"+uidA+":workspace/10001" {
		t.Fatalf("workspace: %+v", w1)
	}
	w2 := f.workspace(rootA, "ops", "")
	if w2.ID != w1.ID+1 || w2.Mode != WorkspaceBasic || fmt.Sprint(w2.Envs()) != "[Prod]" {
		t.Fatalf("second workspace: %+v", w2)
	}
	for _, bad := range []WorkspaceInput{{Name: "ab"}, {Name: "1abc"}, {Name: "a-b-c"}, {Name: strings.Repeat("a", 29)}} {
		_, err := f.svc.CreateWorkspace(ctx, rootA, bad)
		wantCode(t, err, "InvalidParameter.Name", "3 to 28")
	}
	_, err := f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{NameParam: "ProjectIdentifier", Name: "x"})
	wantCode(t, err, "InvalidParameter.ProjectIdentifier")
	_, err = f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "SALES"})
	wantCode(t, err, CodeProjectExists, "SALES")
	_, err = f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "moon", Region: "moon-1"})
	wantCode(t, err, "InvalidParameter.RegionId")
	_, err = f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "moon", Mode: "fancy"})
	wantCode(t, err, "InvalidParameter.ProjectMode")
	// The same name in another region, or in another account.
	sh := must(f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "sales", Region: "cn-shanghai"}))(t)
	wb := f.workspace(rootB, "sales", "")

	got := must(f.svc.GetWorkspace(ctx, rootA, w1.ID))(t)
	if got.Description != "d" || len(got.Tags) != 1 || got.Tags[0].Key != "env" || got.CreateUser != uidA {
		t.Fatalf("get: %+v", got)
	}
	_, err = f.svc.GetWorkspace(ctx, rootA, wb.ID)
	wantCode(t, err, CodeProjectNotExists)
	byName := must(f.svc.GetWorkspaceByName(ctx, rootA, "cn-shanghai", "SALES"))(t)
	if byName.ID != sh.ID {
		t.Fatalf("by name: %+v", byName)
	}
	list := must(f.svc.ListWorkspaces(ctx, rootA, ""))(t)
	if len(list) != 2 || list[0].ID != w1.ID || list[1].ID != w2.ID {
		t.Fatalf("list in the default region: %+v", list)
	}
	if w, ok := f.svc.LookupWorkspace(ctx, wb.ID); !ok || w.Owner != uidB {
		t.Fatalf("lookup: %+v %v", w, ok)
	}

	// The default group: one per account and region, associated with every
	// new workspace there.
	groups := must(f.svc.ListResourceGroups(ctx, rootA, GroupFilter{}))(t)
	if len(groups) != 2 || groups[0].ID != "Serverless_res_group_"+uidA+"_1" || groups[0].Identifier != "S_res_group_"+uidA+"_1" ||
		!groups[0].Default || groups[0].Region != "cn-hangzhou" || groups[1].Region != "cn-shanghai" || groups[0].Status != GroupNormal {
		t.Fatalf("default groups: %+v", groups)
	}
	ws := must(f.svc.GroupWorkspaces(ctx, rootA, groups[0].ID))(t)
	if fmt.Sprint(ws) != fmt.Sprint([]int64{w1.ID, w2.ID}) {
		t.Fatalf("default group's workspaces: %v", ws)
	}
	bGroups := must(f.svc.ListResourceGroups(ctx, rootB, GroupFilter{}))(t)
	if len(bGroups) != 1 || bGroups[0].ID != "Serverless_res_group_"+uidB+"_1" {
		t.Fatalf("B's groups: %+v", bGroups)
	}
}

func TestResourceGroups(t *testing.T) {
	f := newFixture(t)
	wa := f.workspace(rootA, "wsa", "")
	wa2 := f.workspace(rootA, "wsa2", "")
	wsh := must(f.svc.CreateWorkspace(ctx, rootA, WorkspaceInput{Name: "wsh", Region: "cn-shanghai"}))(t)
	wc := f.workspace(rootC, "wsc", "")
	def := "Serverless_res_group_" + uidA + "_1"

	g := must(f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "etl_group", PaymentType: "PostPaid", ClientToken: "tok-1", VpcID: "vpc-1"}))(t)
	if g.ID != "Serverless_res_group_"+uidA+"_3" || g.Default || g.Spec != 2 || g.VpcID != "vpc-1" || g.Type != GroupTypeServerless {
		t.Fatalf("created: %+v", g)
	}
	again := must(f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "etl_group", PaymentType: "PostPaid", ClientToken: "tok-1"}))(t)
	if again.ID != g.ID {
		t.Fatalf("ClientToken: %s, then %s", g.ID, again.ID)
	}
	_, err := f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "9bad", PaymentType: "PostPaid"})
	wantCode(t, err, "InvalidParameter.Name")
	_, err = f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: "ok", PaymentType: "Free"})
	wantCode(t, err, "InvalidParameter.PaymentType")

	if err := f.svc.Associate(ctx, rootA, g.ID, wa.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Associate(ctx, rootA, g.ID, wa.ID), CodeAssociationExists)
	// A group serves only its own account's workspaces, in its region.
	wantCode(t, f.svc.Associate(ctx, rootA, g.ID, wc.ID), CodeResourceGroupAccount, "account "+uidA)
	wantCode(t, f.svc.Associate(ctx, rootC, g.ID, wc.ID), CodeResourceGroupNotExist)
	wantCode(t, f.svc.Associate(ctx, rootA, g.ID, wsh.ID), CodeResourceGroupRegion, "cn-shanghai")
	wantCode(t, f.svc.Associate(ctx, rootA, g.ID, 99), CodeProjectNotExists)
	// By 2020 identifier too.
	if err := f.svc.Associate(ctx, rootA, g.Identifier, wa2.ID); err != nil {
		t.Fatal(err)
	}
	assoc := must(f.svc.GroupWorkspaces(ctx, rootA, g.ID))(t)
	if fmt.Sprint(assoc) != fmt.Sprint([]int64{wa.ID, wa2.ID}) {
		t.Fatalf("associations: %v", assoc)
	}
	groups := must(f.svc.WorkspaceGroups(ctx, rootA, wa.ID))(t)
	if fmt.Sprint(groups) != fmt.Sprint([]string{def, g.ID}) {
		t.Fatalf("groups of the workspace: %v", groups)
	}
	list := must(f.svc.ListResourceGroups(ctx, rootA, GroupFilter{Workspace: wsh.ID}))(t)
	if len(list) != 1 || list[0].Region != "cn-shanghai" {
		t.Fatalf("groups of the Shanghai workspace: %+v", list)
	}
	list = must(f.svc.ListResourceGroups(ctx, rootA, GroupFilter{NameContains: "ETL"}))(t)
	if len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("by name: %+v", list)
	}
	_, err = f.svc.ListResourceGroups(ctx, rootA, GroupFilter{Workspace: wc.ID})
	wantCode(t, err, CodeProjectNotExists)

	if err := f.svc.Dissociate(ctx, rootA, g.ID, wa.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Dissociate(ctx, rootA, g.ID, wa.ID), CodeAssociationNotExists)
	_, err = f.svc.GetResourceGroup(ctx, rootC, g.ID)
	wantCode(t, err, CodeResourceGroupNotExist)
	if got := must(f.svc.GetResourceGroup(ctx, rootA, g.Identifier))(t); got.ID != g.ID {
		t.Fatalf("get by identifier: %+v", got)
	}
}

func TestGroupRun(t *testing.T) {
	g := NewGroup("g", GroupNormal, 2)
	var running, peak atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := g.Run(ctx, func(context.Context) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				<-release
				running.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for g.Busy() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// A caller whose context ends while it waits gives up.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.Run(short, func(context.Context) error { return nil }); err != context.DeadlineExceeded {
		t.Fatalf("waiting past the deadline: %v", err)
	}
	close(release)
	wg.Wait()
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
	// A stopped group refuses work.
	g.setStatus(GroupStop)
	err := g.Run(ctx, func(context.Context) error { t.Fatal("ran on a stopped group"); return nil })
	if !isErr(err, ErrGroupStopped) || !strings.Contains(err.Error(), "resource group g is Stop") {
		t.Fatalf("stopped group: %v", err)
	}
}

func TestSetGroupStatus(t *testing.T) {
	f := newFixture(t)
	f.workspace(rootA, "wsa", "")
	id := "S_res_group_" + uidA + "_1"
	pool := must(f.svc.Pool(ctx, id))(t)
	if pool.Status() != GroupNormal || pool.ID() != "Serverless_res_group_"+uidA+"_1" {
		t.Fatalf("pool: %s %s", pool.ID(), pool.Status())
	}
	if err := f.svc.SetGroupStatus(ctx, id, GroupStop); err != nil {
		t.Fatal(err)
	}
	if pool.Status() != GroupStop || must(f.svc.GetResourceGroup(ctx, rootA, id))(t).Status != GroupStop {
		t.Fatal("status not applied")
	}
	if err := f.svc.SetGroupStatus(ctx, id, "Paused"); err == nil {
		t.Fatal("unknown status accepted")
	}
	wantCode(t, f.svc.SetGroupStatus(ctx, "nope", GroupStop), CodeResourceGroupNotExist)
}

// A pool created while its group is being stopped never keeps the old
// status: the first Pool and SetGroupStatus are serialized.
func TestPoolAndStopRace(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		g := must(f.svc.CreateResourceGroup(ctx, rootA, GroupInput{Name: fmt.Sprintf("race_%d", i), PaymentType: "PostPaid"}))(t)
		var wg sync.WaitGroup
		var pool *Group
		var poolErr, stopErr error
		wg.Add(2)
		go func() { defer wg.Done(); pool, poolErr = f.svc.Pool(ctx, g.ID) }()
		go func() { defer wg.Done(); stopErr = f.svc.SetGroupStatus(ctx, g.ID, GroupStop) }()
		wg.Wait()
		if poolErr != nil || stopErr != nil {
			t.Fatal(poolErr, stopErr)
		}
		if pool.Status() != GroupStop {
			t.Fatalf("group %s: pool %s after a concurrent stop", g.ID, pool.Status())
		}
	}
}
