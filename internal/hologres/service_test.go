package hologres

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
)

// These tests drive the instance lifecycle with stand-ins for the cluster
// manager and the front ends, whose failures they choose; the end-to-end
// suite runs the same paths on real PostgreSQL clusters.

type fakeClusters struct {
	mu                  sync.Mutex
	createErr, startErr error
	calls               []string
}

func (f *fakeClusters) record(call, id string) {
	f.mu.Lock()
	f.calls = append(f.calls, call+" "+id)
	f.mu.Unlock()
}

func (f *fakeClusters) Create(_ context.Context, id string) error {
	f.record("create", id)
	return f.createErr
}

func (f *fakeClusters) Start(_ context.Context, id string) error {
	f.record("start", id)
	return f.startErr
}

func (f *fakeClusters) Stop(_ context.Context, id string) error {
	f.record("stop", id)
	return nil
}

func (f *fakeClusters) Delete(_ context.Context, id string) error {
	f.record("delete", id)
	return nil
}

func (f *fakeClusters) AdminConn(context.Context, string, string) (*pgx.Conn, error) {
	return nil, errors.New("no cluster in this test")
}

func (f *fakeClusters) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

type fakeFronts struct {
	mu       sync.Mutex
	serveErr error
	serving  map[string]int
}

func (f *fakeFronts) Serve(_ context.Context, id string, port int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.serveErr != nil {
		return f.serveErr
	}
	f.serving[id] = port
	return nil
}

func (f *fakeFronts) Stop(id string) {
	f.mu.Lock()
	delete(f.serving, id)
	f.mu.Unlock()
}

type fixture struct {
	svc      *Service
	clusters *fakeClusters
	fronts   *fakeFronts
	opts     Options
}

func newFixture(t *testing.T, portMin, portMax int) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Update(context.Background(), func(tx store.Tx) error {
		for _, id := range []string{"1000000000000001", "1000000000000002", "1000000000000003"} {
			if err := tx.CreateAccount(store.Account{ID: id, Name: "account-" + id, CreatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clusters: &fakeClusters{}, fronts: &fakeFronts{serving: map[string]int{}}}
	f.opts = Options{Store: db, Clusters: f.clusters, Front: f.fronts, PortMin: portMin, PortMax: portMax, Rand: rand.Reader,
		ValidRegion: func(r string) bool { return strings.HasPrefix(r, "cn-") }}
	f.svc = New(f.opts)
	return f
}

// restart builds a new Service on the same store, as a server restart does.
func (f *fixture) restart() {
	f.clusters.calls = nil
	f.svc = New(f.opts)
}

// freePorts returns a range of n consecutive ports nobody listens on now.
func freePorts(t *testing.T, n int) (int, int) {
	t.Helper()
	for base := 20000 + int(time.Now().UnixNano()%20000); base < 65000; base += n {
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base, base + n - 1
		}
	}
	t.Fatal("no free port range")
	return 0, 0
}

func waitStatus(t *testing.T, svc *Service, id, want string) Instance {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		in, err := svc.GetInstance(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Status == want {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s: status %s (%s), want %s", id, in.Status, in.StatusReason, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e := apierr.As(err)
	if e == nil || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

func TestCreateInstanceValidates(t *testing.T) {
	lo, hi := freePorts(t, 4)
	f := newFixture(t, lo, hi)
	ctx := context.Background()
	for _, tc := range []struct{ name, region, code string }{
		{"x", "cn-hangzhou", "InvalidParameter.InstanceName"},
		{"-leading-dash", "cn-hangzhou", "InvalidParameter.InstanceName"},
		{"has space", "cn-hangzhou", "InvalidParameter.InstanceName"},
		{strings.Repeat("a", 65), "cn-hangzhou", "InvalidParameter.InstanceName"},
		{"sales", "mars-1", "InvalidParameter.RegionId"},
	} {
		_, err := f.svc.CreateInstance(ctx, "1000000000000001", tc.name, tc.region)
		wantCode(t, err, tc.code)
	}
	if all, _ := f.svc.ListInstances(ctx, "1000000000000001"); len(all) != 0 {
		t.Fatalf("refused creations stored %d instances", len(all))
	}

	noPG := New(Options{Store: f.opts.Store, PortMin: lo, PortMax: hi})
	_, err := noPG.CreateInstance(ctx, "1000000000000001", "sales", "cn-hangzhou")
	wantCode(t, err, "ServiceUnavailable")
	if !errors.Is(err, ErrNoPostgres) || !strings.Contains(apierr.As(err).Recommend, "apt-get install postgresql") {
		t.Fatalf("without PostgreSQL: %v (recommend %q)", err, apierr.As(err).Recommend)
	}
}

func TestCreateInstancePortsAndNames(t *testing.T) {
	lo, hi := freePorts(t, 3)
	f := newFixture(t, lo, hi)
	ctx := context.Background()

	// A port another program holds is skipped.
	held, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lo)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.CreateInstance(ctx, "1000000000000001", "sales", "cn-hangzhou")
	held.Close()
	if err != nil {
		t.Fatalf("%v (cause %v)", err, errors.Unwrap(err))
	}
	if a.Port != lo+1 || a.Endpoint() != "127.0.0.1:"+strconv.Itoa(lo+1) {
		t.Fatalf("first instance on %s, want port %d (port %d is held)", a.Endpoint(), lo+1, lo)
	}
	if !strings.HasPrefix(a.ID, "hgpostcn-cn-") || len(a.ID) != len("hgpostcn-cn-")+16 {
		t.Fatalf("instance id %q is not in Hologres's shape", a.ID)
	}

	_, err = f.svc.CreateInstance(ctx, "1000000000000001", "sales", "cn-hangzhou")
	wantCode(t, err, "InstanceNameExists")
	// The same name in another region, or of another account, is fine.
	b, err := f.svc.CreateInstance(ctx, "1000000000000001", "sales", "cn-shanghai")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.CreateInstance(ctx, "1000000000000002", "sales", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[int]bool{a.Port: true, b.Port: true, c.Port: true}
	if len(ports) != 3 {
		t.Fatalf("ports %d %d %d are not distinct", a.Port, b.Port, c.Port)
	}
	_, err = f.svc.CreateInstance(ctx, "1000000000000003", "more", "cn-hangzhou")
	wantCode(t, err, "QuotaExceeded.Instance")
	if !strings.Contains(apierr.As(err).Recommend, "--holo-ports") {
		t.Fatalf("exhausted ports: recommend %q does not name --holo-ports", apierr.As(err).Recommend)
	}

	// Lookup by id or name, only within the owner's instances and region.
	for _, tc := range []struct {
		owner, region, key, want string
	}{
		{"1000000000000001", "cn-hangzhou", a.ID, a.ID},
		{"1000000000000001", "cn-hangzhou", "sales", a.ID},
		{"1000000000000001", "cn-shanghai", "sales", b.ID},
		{"1000000000000002", "", "sales", c.ID},
		{"1000000000000002", "", a.ID, ""},
		{"1000000000000001", "cn-beijing", "sales", ""},
	} {
		in, err := f.svc.Lookup(ctx, tc.owner, tc.region, tc.key)
		if tc.want == "" {
			wantCode(t, err, "InstanceNotFound")
			continue
		}
		if err != nil || in.ID != tc.want {
			t.Fatalf("Lookup(%s, %q, %s) = %s, %v; want %s", tc.owner, tc.region, tc.key, in.ID, err, tc.want)
		}
	}
}

func TestInstanceLifecycle(t *testing.T) {
	lo, hi := freePorts(t, 4)
	f := newFixture(t, lo, hi)
	ctx := context.Background()

	// Creating fails at the first step that fails, with the step named.
	f.clusters.createErr = errors.New("initdb: disk full")
	bad, err := f.svc.CreateInstance(ctx, "1000000000000001", "broken", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	if bad.Status != StatusCreating {
		t.Fatalf("status right after CreateInstance: %s, want Creating", bad.Status)
	}
	in := waitStatus(t, f.svc, bad.ID, StatusFailed)
	if in.StatusReason != "creating the PostgreSQL cluster: initdb: disk full" {
		t.Fatalf("reason %q", in.StatusReason)
	}
	f.clusters.createErr = nil

	// With the fake clusters, the bootstrap cannot connect: Failed, with why.
	prep, err := f.svc.CreateInstance(ctx, "1000000000000001", "unprepared", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	in = waitStatus(t, f.svc, prep.ID, StatusFailed)
	if !strings.HasPrefix(in.StatusReason, "preparing the instance: ") {
		t.Fatalf("reason %q", in.StatusReason)
	}

	// A restart brings the existing instances up without creating them
	// again, and serves each front end on the port it was given.
	f.restart()
	if err := f.svc.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{bad.ID, prep.ID} {
		waitStatus(t, f.svc, id, StatusRunning)
		if f.clusters.called("create " + id) {
			t.Fatalf("restart re-created %s", id)
		}
	}
	f.fronts.mu.Lock()
	if f.fronts.serving[prep.ID] != prep.Port {
		t.Fatalf("front end of %s on %d, want its port %d", prep.ID, f.fronts.serving[prep.ID], prep.Port)
	}
	f.fronts.mu.Unlock()

	// A front end that cannot listen fails the instance, naming the port.
	f.restart()
	f.fronts.serveErr = errors.New("address already in use")
	if err := f.svc.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	in = waitStatus(t, f.svc, prep.ID, StatusFailed)
	if want := "serving the front end on port " + strconv.Itoa(prep.Port); !strings.HasPrefix(in.StatusReason, want) {
		t.Fatalf("reason %q, want %q...", in.StatusReason, want)
	}
	f.fronts.serveErr = nil

	// Deleting stops the front end and the cluster and forgets the instance.
	f.restart()
	if err := f.svc.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f.svc, prep.ID, StatusRunning)
	if err := f.svc.DeleteInstance(ctx, prep.ID); err != nil {
		t.Fatal(err)
	}
	if !f.clusters.called("stop "+prep.ID) || !f.clusters.called("delete "+prep.ID) {
		t.Fatalf("delete did not stop and delete the cluster: %v", f.clusters.calls)
	}
	f.fronts.mu.Lock()
	_, serving := f.fronts.serving[prep.ID]
	f.fronts.mu.Unlock()
	if serving {
		t.Fatal("front end still serving a deleted instance")
	}
	_, err = f.svc.GetInstance(ctx, prep.ID)
	wantCode(t, err, "InstanceNotFound")
	wantCode(t, f.svc.DeleteInstance(ctx, prep.ID), "InstanceNotFound")
	// Its port is free for the next instance.
	again, err := f.svc.CreateInstance(ctx, "1000000000000001", "again", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	if again.Port != prep.Port {
		t.Fatalf("new instance on %d, want the freed port %d", again.Port, prep.Port)
	}
}

// failedInstance is an instance whose preparation failed: the stand-in
// cluster gives the bootstrap no connection.
func failedInstance(t *testing.T) (*fixture, Instance) {
	t.Helper()
	lo, hi := freePorts(t, 2)
	f := newFixture(t, lo, hi)
	in, err := f.svc.CreateInstance(context.Background(), "1000000000000001", "sales", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f.svc, in.ID, StatusFailed)
	return f, in
}

func TestStopAndResume(t *testing.T) {
	f, in := failedInstance(t)
	ctx := context.Background()
	wantCode(t, f.svc.StopInstance(ctx, in.ID), "IncorrectInstanceStatus")
	if err := f.svc.ResumeInstance(ctx, in.ID); err != nil {
		t.Fatalf("resuming a Failed instance: %v", err)
	}
	waitStatus(t, f.svc, in.ID, StatusRunning)
	wantCode(t, f.svc.ResumeInstance(ctx, in.ID), "IncorrectInstanceStatus")

	if err := f.svc.StopInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetInstance(ctx, in.ID); got.Status != StatusStopped {
		t.Fatalf("after StopInstance: %s", got.Status)
	}
	f.fronts.mu.Lock()
	_, serving := f.fronts.serving[in.ID]
	f.fronts.mu.Unlock()
	if serving || !f.clusters.called("stop "+in.ID) {
		t.Fatalf("stop left the front end serving (%v) or the cluster running (%v)", serving, f.clusters.calls)
	}
	wantCode(t, f.svc.StopInstance(ctx, in.ID), "IncorrectInstanceStatus")

	// A restart keeps it stopped.
	f.restart()
	if err := f.svc.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetInstance(ctx, in.ID); got.Status != StatusStopped || f.clusters.called("start "+in.ID) {
		t.Fatalf("after a restart: %s, calls %v", got.Status, f.clusters.calls)
	}
	if err := f.svc.ResumeInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f.svc, in.ID, StatusRunning)
	if f.clusters.called("create " + in.ID) {
		t.Fatal("resume re-created the cluster")
	}
	// And a restart after resuming brings it up again.
	f.restart()
	if err := f.svc.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f.svc, in.ID, StatusRunning)

	wantCode(t, f.svc.StopInstance(ctx, "hgpostcn-cn-nope"), "InstanceNotFound")
	wantCode(t, f.svc.ResumeInstance(ctx, "hgpostcn-cn-nope"), "InstanceNotFound")
}

// AddUser refuses names that are no cloud identity's role (before it
// touches the instance) and instances that do not run.
func TestAddUserRefusals(t *testing.T) {
	f, in := failedInstance(t)
	ctx := context.Background()
	for _, name := range []string{"", "localyun_superuser", "postgres", "BASIC$local", "p4_", "v4_12x", `v4_1"; DROP ROLE x; --`} {
		wantCode(t, f.svc.AddUser(ctx, in.ID, name, false), "InvalidParameter.UserName")
	}
	err := f.svc.AddUser(ctx, in.ID, "v4_3000000000000001", false)
	wantCode(t, err, "IncorrectInstanceStatus")
	if !strings.Contains(err.Error(), "preparing the instance") {
		t.Fatalf("the refusal does not say why the instance is not running: %v", err)
	}
	wantCode(t, f.svc.AddUser(ctx, "hgpostcn-cn-nope", "v4_3000000000000001", false), "InstanceNotFound")
}
