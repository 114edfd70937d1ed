package dataworks

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
)

var ctx = context.Background()

const (
	uidA = "1000000000000001"
	uidB = "2000000000000002"
	uidC = "3000000000000003"
)

var (
	rootA = &iam.Identity{Kind: iam.Root, Account: uidA}
	rootB = &iam.Identity{Kind: iam.Root, Account: uidB}
	rootC = &iam.Identity{Kind: iam.Root, Account: uidC}
)

// fixture is a Service on a fresh SQLite store with accounts A, B and C,
// a role and a user in A, a role in B, A's MaxCompute project a_prj and
// Hologres instance hgpostcn-cn-a (holo_a) in cn-hangzhou.
type fixture struct {
	t     testing.TB
	db    store.Store
	svc   *Service
	clock time.Time
}

func newFixture(t testing.TB, opts ...func(*Options)) *fixture {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "localyun.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, clock: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	t0 := f.clock
	err = db.Update(ctx, func(tx store.Tx) error {
		for i, uid := range []string{uidA, uidB, uidC} {
			if err := tx.CreateAccount(store.Account{ID: uid, Name: []string{"alpha", "beta", "gamma"}[i], CreatedAt: t0}); err != nil {
				return err
			}
		}
		for _, r := range []store.Role{
			{Account: uidA, ID: "300000000000000001", Name: "etl-role", TrustPolicy: "{}", MaxSessionDuration: 3600},
			{Account: uidB, ID: "300000000000000002", Name: "testRole", TrustPolicy: "{}", MaxSessionDuration: 3600},
		} {
			if err := tx.CreateRole(r); err != nil {
				return err
			}
		}
		if err := tx.CreateUser(store.User{Account: uidA, ID: "200000000000000001", Name: "alice"}); err != nil {
			return err
		}
		if err := tx.CreateProject(store.Project{Name: "a_prj", Owner: uidA, Region: "cn-hangzhou", State: []byte(`{}`)}); err != nil {
			return err
		}
		if err := tx.CreateProject(store.Project{Name: "a_sh_prj", Owner: uidA, Region: "cn-shanghai", State: []byte(`{}`)}); err != nil {
			return err
		}
		return tx.CreateInstance(store.Instance{ID: "hgpostcn-cn-a", Name: "holo_a", Owner: uidA, Region: "cn-hangzhou", Port: 18500, State: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Store: db, MasterKey: bytes.Repeat([]byte{7}, 32), DefaultRegion: "cn-hangzhou",
		ValidRegion: func(r string) bool { return r == "cn-hangzhou" || r == "cn-shanghai" },
		Now:         func() time.Time { f.clock = f.clock.Add(time.Second); return f.clock },
		Connector:   &recorder{}}
	for _, fn := range opts {
		fn(&o)
	}
	if f.svc, err = New(o); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) workspace(caller *iam.Identity, name, mode string) Workspace {
	f.t.Helper()
	w, err := f.svc.CreateWorkspace(ctx, caller, WorkspaceInput{Name: name, Mode: mode})
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

func (f *fixture) create(caller *iam.Identity, in DataSourceInput) DataSource {
	f.t.Helper()
	d, err := f.svc.CreateDataSource(ctx, caller, in)
	if err != nil {
		f.t.Fatalf("CreateDataSource %s: %v", in.Properties, err)
	}
	return d
}

// count is how many data source records a workspace holds.
func (f *fixture) count(ws int64) int {
	f.t.Helper()
	var n int
	if err := f.db.View(ctx, func(r store.Reader) (err error) {
		_, n, err = r.ListDataSources(store.DataSourceQuery{Kind: store.DataSourceKind, Workspace: ws})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// wantCode checks an *apierr.Error's code and that its message or
// recommendation contains every part.
func wantCode(t *testing.T, err error, code string, parts ...string) *apierr.Error {
	t.Helper()
	e := apierr.As(err)
	if e == nil {
		t.Fatalf("want %s, got %v", code, err)
	}
	if e.Code != code {
		t.Fatalf("want %s, got %s: %s (%s)", code, e.Code, e.Message, e.Recommend)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message+" "+e.Recommend, p) {
			t.Errorf("%s: %q (%q) does not mention %q", code, e.Message, e.Recommend, p)
		}
	}
	return e
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func isErr(err, target error) bool { return errors.Is(err, target) }
