package pgfront

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/hologres/pgcluster"
)

var _ Clusters = (*pgcluster.Manager)(nil)

func TestManager(t *testing.T) {
	requireCluster(t)
	e := newEnv(t)
	admin(t, "postgres", `CREATE ROLE `+quoteIdent(e.a.ID)+` LOGIN `+tenantAttributes)
	t.Cleanup(func() { dropTestRoles(t, e.a.ID) })
	m, err := NewManager(ManagerOptions{Resolver: resolver{e}, Clusters: cluster, Now: e.now,
		Lookup: func(ctx context.Context, id string) (string, string, error) { return "cn-hangzhou", e.a.ID, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := m.Serve(context.Background(), clusterID, port); err != nil {
		t.Fatal(err)
	}
	f := &front{env: e, port: port, addr: l.Addr().String()}
	c := f.mustConnect(t, e.aKey.ID, e.aKey.Secret, "postgres")
	if got := scalar(t, c, `SELECT current_user`); got != e.a.ID {
		t.Fatal(got)
	}
	if n := len(m.Front(clusterID).Sessions()); n != 1 {
		t.Fatalf("%d sessions", n)
	}
	// Serving again replaces the front end (and ends its sessions).
	if err := m.Serve(context.Background(), clusterID, port); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Fatal("the session of the replaced front end survived")
	}
	f.mustConnect(t, e.aKey.ID, e.aKey.Secret, "postgres")
	m.Stop(clusterID)
	if _, err := f.connect(t, e.aKey.ID, e.aKey.Secret, "postgres"); err == nil {
		t.Fatal("connected to a stopped front end")
	}
}

// TestNoGoroutineLeak: after Close, nothing of the front end runs.
func TestNoGoroutineLeak(t *testing.T) {
	f := newFront(t)
	for range 3 {
		c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
		scalar(t, c, `SELECT 'x'`)
	}
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	c.PgConn().Conn().Write(queryMsg("SELECT pg_sleep(60)"))
	f.connect(t, f.aKey.ID, "wrong", "postgres") //nolint:errcheck
	f.srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var leaked []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "hologres/pgfront.(*") && !strings.Contains(g, "TestNoGoroutineLeak") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
