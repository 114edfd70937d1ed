// Package storetest is the conformance suite every store.Store backend
// passes. A backend's test calls Run with a function that opens a fresh,
// empty store; every subtest gets its own store and runs in parallel.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/store"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Accounts", testAccounts},
		{"Users", testUsers},
		{"AccessKeys", testAccessKeys},
		{"Roles", testRoles},
		{"Policies", testPolicies},
		{"Attachments", testAttachments},
		{"Meta", testMeta},
		{"Rollback", testRollback},
		{"Paging", testPaging},
		{"Audit", testAudit},
		{"Projects", testProjects},
		{"Instances", testInstances},
		{"Workspaces", testWorkspaces},
		{"DataSources", testDataSources},
		{"DataSourcePaging", testDataSourcePaging},
		{"ResourceGroups", testResourceGroups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
)

const acct = "1000000000000001"

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Reader) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func wantErr(t *testing.T, err, sentinel error, what string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: got %v, want %v", what, err, sentinel)
	}
}

func equal[T comparable](t *testing.T, got, want T, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func withAccount(t *testing.T, s store.Store, id, name string) {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return tx.CreateAccount(store.Account{ID: id, Name: name, CreatedAt: t0}) })
}

func testAccounts(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateAccount(store.Account{ID: "2", Name: "alpha", CreatedAt: t0}) })
	wantErr(t, err, store.ErrExists, "duplicate name")
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateAccount(store.Account{ID: acct, Name: "other", CreatedAt: t0})
	})
	wantErr(t, err, store.ErrExists, "duplicate id")
	view(t, s, func(r store.Reader) error {
		a, err := r.GetAccount(acct)
		if err != nil {
			return err
		}
		equal(t, a.Name, "alpha", "name")
		equal(t, a.CreatedAt.Equal(t0), true, "created")
		b, err := r.GetAccountByName("alpha")
		if err != nil {
			return err
		}
		equal(t, b.ID, acct, "by name")
		_, err = r.GetAccount("nope")
		wantErr(t, err, store.ErrNotFound, "missing account")
		_, err = r.GetAccountByName("Alpha")
		wantErr(t, err, store.ErrNotFound, "account names are exact")
		list, err := r.ListAccounts()
		equal(t, len(list), 1, "accounts")
		return err
	})
}

func testUsers(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	u := store.User{Account: acct, ID: "200000000000001", Name: "Alice", DisplayName: "A", Email: "a@example.com", CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
	err := s.Update(ctx, func(tx store.Tx) error {
		dup := u
		dup.ID, dup.Name = "200000000000002", "alice"
		return tx.CreateUser(dup)
	})
	wantErr(t, err, store.ErrExists, "user names are case-insensitive")
	view(t, s, func(r store.Reader) error {
		got, err := r.GetUser(acct, "ALICE")
		if err != nil {
			return err
		}
		equal(t, got.Name, "Alice", "stored name keeps its case")
		equal(t, got.Email, "a@example.com", "email")
		_, err = r.GetUser("9", "alice")
		wantErr(t, err, store.ErrNotFound, "other account")
		byID, err := r.GetUserByID(acct, u.ID)
		if err != nil {
			return err
		}
		equal(t, byID.Name, "Alice", "user by id")
		_, err = r.GetUserByID("9", u.ID)
		wantErr(t, err, store.ErrNotFound, "user id of another account")
		_, err = r.GetUserByID(acct, "Alice")
		wantErr(t, err, store.ErrNotFound, "a name is no user id")
		return nil
	})
	u.DisplayName, u.UpdatedAt = "B", t0.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateUser(u) })
	view(t, s, func(r store.Reader) error {
		got, err := r.GetUser(acct, "alice")
		equal(t, got.DisplayName, "B", "updated")
		equal(t, got.UpdatedAt.Equal(t0.Add(time.Hour)), true, "updated at")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteUser(acct, "alice") })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteUser(acct, "alice") }), store.ErrNotFound, "delete twice")
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(u) }), store.ErrNotFound, "update deleted")
}

func testAccessKeys(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	root := store.AccessKey{ID: "LTAIroot0000000000000001", Account: acct, Seed: []byte{1, 2, 3}, Status: "Active", CreatedAt: t0}
	user := store.AccessKey{ID: "LTAIuser0000000000000001", Account: acct, User: "Alice", Seed: []byte{4}, Status: "Active", CreatedAt: t0.Add(time.Second)}
	update(t, s, func(tx store.Tx) error { return errors.Join(tx.CreateAccessKey(root), tx.CreateAccessKey(user)) })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateAccessKey(root) }), store.ErrExists, "duplicate key")
	view(t, s, func(r store.Reader) error {
		k, err := r.GetAccessKey(root.ID)
		if err != nil {
			return err
		}
		equal(t, string(k.Seed), string(root.Seed), "seed")
		equal(t, k.User, "", "root key")
		keys, err := r.ListAccessKeys(acct, "alice")
		equal(t, len(keys), 1, "user keys (case-insensitive owner)")
		equal(t, keys[0].ID, user.ID, "user key")
		keys, _ = r.ListAccessKeys(acct, "")
		equal(t, len(keys), 1, "root keys")
		return err
	})
	root.Status = "Inactive"
	update(t, s, func(tx store.Tx) error { return tx.UpdateAccessKey(root) })
	view(t, s, func(r store.Reader) error {
		k, err := r.GetAccessKey(root.ID)
		equal(t, k.Status, "Inactive", "status")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccessKey(root.ID) })
	view(t, s, func(r store.Reader) error {
		_, err := r.GetAccessKey(root.ID)
		wantErr(t, err, store.ErrNotFound, "deleted key")
		return nil
	})
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteAccessKey(root.ID) }), store.ErrNotFound, "delete twice")
}

func testRoles(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	r := store.Role{Account: acct, ID: "300000000000001", Name: "testRole", TrustPolicy: `{"Version":"1"}`, MaxSessionDuration: 3600, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateRole(r) })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		d := r
		d.ID, d.Name = "300000000000002", "TESTROLE"
		return tx.CreateRole(d)
	}), store.ErrExists, "role names are case-insensitive")
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		d := r
		d.Name = "other"
		return tx.CreateRole(d)
	}), store.ErrExists, "role ids are unique")
	r.TrustPolicy, r.MaxSessionDuration = `{"Version":"1","Statement":[]}`, 7200
	update(t, s, func(tx store.Tx) error { return tx.UpdateRole(r) })
	view(t, s, func(rd store.Reader) error {
		got, err := rd.GetRole(acct, "testrole")
		if err != nil {
			return err
		}
		equal(t, got.ID, r.ID, "id")
		equal(t, got.Name, "testRole", "name")
		equal(t, got.TrustPolicy, r.TrustPolicy, "trust policy")
		equal(t, got.MaxSessionDuration, int64(7200), "max session")
		byID, err := rd.GetRoleByID(acct, r.ID)
		if err != nil {
			return err
		}
		equal(t, byID.Name, "testRole", "role by id")
		_, err = rd.GetRoleByID("9", r.ID)
		wantErr(t, err, store.ErrNotFound, "role id of another account")
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteRole(acct, "TestRole") })
	view(t, s, func(rd store.Reader) error {
		_, err := rd.GetRole(acct, "testRole")
		wantErr(t, err, store.ErrNotFound, "deleted role")
		return nil
	})
}

func testPolicies(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	sys := store.Policy{Type: store.System, Name: "ReadOnlyAccess", DefaultVersion: "v1", NextVersion: 2, CreatedAt: t0, UpdatedAt: t0}
	custom := store.Policy{Account: acct, Type: store.Custom, Name: "holo", Description: "d", DefaultVersion: "v1", NextVersion: 2, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		return errors.Join(
			tx.CreatePolicy(sys),
			tx.CreatePolicyVersion(store.PolicyVersion{Type: store.System, Policy: sys.Name, ID: "v1", Document: "sys", CreatedAt: t0}),
			tx.CreatePolicy(custom),
			tx.CreatePolicyVersion(store.PolicyVersion{Account: acct, Type: store.Custom, Policy: "holo", ID: "v1", Document: "doc1", CreatedAt: t0}),
		)
	})
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreatePolicy(custom) }), store.ErrExists, "duplicate policy")
	// Versions sort numerically: v10 after v9.
	update(t, s, func(tx store.Tx) error {
		for i := 2; i <= 10; i++ {
			if err := tx.CreatePolicyVersion(store.PolicyVersion{Account: acct, Type: store.Custom, Policy: "HOLO", ID: fmt.Sprintf("v%d", i), Document: "d", CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		p, err := r.GetPolicy(acct, store.System, "readonlyaccess")
		if err != nil {
			return err
		}
		equal(t, p.Name, "ReadOnlyAccess", "system policy from any account")
		_, err = r.GetPolicy(acct, store.Custom, "ReadOnlyAccess")
		wantErr(t, err, store.ErrNotFound, "system policy is not custom")
		_, err = r.GetPolicy("2", store.Custom, "holo")
		wantErr(t, err, store.ErrNotFound, "custom policies are per account")
		v, err := r.GetPolicyVersion(acct, store.Custom, "holo", "v1")
		if err != nil {
			return err
		}
		equal(t, v.Document, "doc1", "version document")
		vs, err := r.ListPolicyVersions(acct, store.Custom, "holo")
		if err != nil {
			return err
		}
		equal(t, len(vs), 10, "versions")
		equal(t, vs[9].ID, "v10", "numeric order")
		_, err = r.GetPolicyVersion(acct, store.Custom, "holo", "v99")
		wantErr(t, err, store.ErrNotFound, "missing version")
		all, err := r.ListPolicies(acct, "", "", 100)
		if err != nil {
			return err
		}
		equal(t, len(all), 2, "all policies")
		equal(t, all[0].Type, store.System, "system first")
		customs, err := r.ListPolicies(acct, store.Custom, "", 100)
		equal(t, len(customs), 1, "custom only")
		next, err := r.ListPolicies(acct, "", store.PolicyListKey(all[0]), 100)
		equal(t, len(next), 1, "page after the system policy")
		equal(t, next[0].Name, "holo", "custom after system")
		return err
	})
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.CreatePolicyVersion(store.PolicyVersion{Account: acct, Type: store.Custom, Policy: "holo", ID: "v3", Document: "x", CreatedAt: t0})
	}), store.ErrExists, "duplicate version")
	update(t, s, func(tx store.Tx) error {
		custom.DefaultVersion, custom.NextVersion = "v2", 11
		return errors.Join(tx.UpdatePolicy(custom), tx.DeletePolicyVersion(acct, store.Custom, "holo", "v1"))
	})
	view(t, s, func(r store.Reader) error {
		p, err := r.GetPolicy(acct, store.Custom, "holo")
		equal(t, p.DefaultVersion, "v2", "default version")
		equal(t, p.NextVersion, 11, "next version")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeletePolicy(acct, store.Custom, "holo") })
	view(t, s, func(r store.Reader) error {
		_, err := r.GetPolicyVersion(acct, store.Custom, "holo", "v2")
		wantErr(t, err, store.ErrNotFound, "versions go with the policy")
		return nil
	})
}

func testAttachments(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	a1 := store.Attachment{Account: acct, Kind: store.RolePrincipal, Principal: "testRole", PolicyType: store.Custom, Policy: "holo", AttachedAt: t0}
	a2 := store.Attachment{Account: acct, Kind: store.RolePrincipal, Principal: "testRole", PolicyType: store.System, Policy: "ReadOnlyAccess", AttachedAt: t0.Add(time.Second)}
	a3 := store.Attachment{Account: acct, Kind: store.UserPrincipal, Principal: "alice", PolicyType: store.Custom, Policy: "holo", AttachedAt: t0}
	update(t, s, func(tx store.Tx) error { return errors.Join(tx.Attach(a1), tx.Attach(a2), tx.Attach(a3)) })
	dup := a1
	dup.Principal, dup.Policy = "TESTROLE", "HOLO"
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.Attach(dup) }), store.ErrExists, "attach twice")
	view(t, s, func(r store.Reader) error {
		list, err := r.ListAttachments(acct, store.RolePrincipal, "testrole")
		if err != nil {
			return err
		}
		equal(t, len(list), 2, "role attachments")
		equal(t, list[0].Policy, "holo", "attachment order")
		equal(t, list[1].PolicyType, store.System, "second")
		ents, err := r.ListPolicyAttachments(acct, store.Custom, "holo")
		equal(t, len(ents), 2, "entities for policy")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.Detach(acct, store.RolePrincipal, "testRole", store.Custom, "holo") })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.Detach(acct, store.RolePrincipal, "testRole", store.Custom, "holo")
	}), store.ErrNotFound, "detach twice")
}

func testMeta(t *testing.T, s store.Store) {
	view(t, s, func(r store.Reader) error {
		_, err := r.GetMeta("k")
		wantErr(t, err, store.ErrNotFound, "unset")
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		return errors.Join(tx.SetMeta("k", []byte("1")), tx.SetMeta("k", []byte("2")))
	})
	view(t, s, func(r store.Reader) error {
		v, err := r.GetMeta("k")
		equal(t, string(v), "2", "overwritten")
		return err
	})
}

// testRollback: an error from the closure discards every write of it.
func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateAccount(store.Account{ID: acct, Name: "alpha", CreatedAt: t0}); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom, "closure error returned")
	view(t, s, func(r store.Reader) error {
		_, err := r.GetAccount(acct)
		wantErr(t, err, store.ErrNotFound, "rolled back")
		return nil
	})
}

func testPaging(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	update(t, s, func(tx store.Tx) error {
		for i := range 25 {
			name := fmt.Sprintf("Role-%02d", i)
			if err := tx.CreateRole(store.Role{Account: acct, ID: fmt.Sprintf("3%014d", i), Name: name, TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
			if err := tx.CreateUser(store.User{Account: acct, ID: fmt.Sprintf("2%014d", i), Name: name, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		var seen []string
		after := ""
		for {
			page, err := r.ListRoles(acct, after, 10)
			if err != nil {
				return err
			}
			for _, p := range page {
				seen = append(seen, p.Name)
			}
			if len(page) < 10 {
				break
			}
			after = page[len(page)-1].Name
		}
		equal(t, len(seen), 25, "roles over pages")
		equal(t, seen[24], "Role-24", "last role")
		users, err := r.ListUsers(acct, "role-19", 100)
		equal(t, len(users), 5, "users after a marker (case-insensitive)")
		return err
	})
}

func testAudit(t *testing.T, s store.Store) {
	log := s.Audit()
	for i := range 5 {
		log.Append(store.AuditRecord{Time: t0.Add(time.Duration(i) * time.Hour), RequestID: fmt.Sprint(i), Event: "api",
			CallerAccount: "A", ResourceAccount: []string{"A", "B"}[i%2], Action: "ram:GetRole", Decision: "Allow"})
	}
	if err := log.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	all, err := log.Query(ctx, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, len(all), 5, "records")
	equal(t, all[0].RequestID, "0", "oldest first")
	equal(t, all[4].Seq > all[0].Seq, true, "sequence grows")
	b, _ := log.Query(ctx, "B", 0, 100)
	equal(t, len(b), 2, "records involving B as resource owner")
	later, _ := log.Query(ctx, "", all[2].Seq, 100)
	equal(t, len(later), 2, "records after a sequence number")
	n, err := log.Prune(ctx, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, n, int64(2), "pruned")
}

func testProjects(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	withAccount(t, s, "2000000000000002", "beta")
	p := store.Project{Name: "Sale_Project", Owner: acct, Region: "cn-hangzhou", State: []byte(`{"v":1}`), CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateProject(p) })
	dup := p
	dup.Name, dup.Owner = "sale_project", "2000000000000002"
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateProject(dup) }), store.ErrExists, "project names are unique across accounts")
	p.State, p.UpdatedAt = []byte(`{"v":2}`), t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateProject(p) })
	view(t, s, func(r store.Reader) error {
		got, err := r.GetProject("SALE_PROJECT")
		if err != nil {
			return err
		}
		equal(t, got.Name, "Sale_Project", "name keeps its case")
		equal(t, string(got.State), `{"v":2}`, "state")
		mine, err := r.ListProjects(acct)
		equal(t, len(mine), 1, "projects of the owner")
		others, _ := r.ListProjects("2000000000000002")
		equal(t, len(others), 0, "projects of another account")
		all, _ := r.ListProjects("")
		equal(t, len(all), 1, "all projects")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteProject("sale_project") })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteProject("sale_project") }), store.ErrNotFound, "delete twice")
}

func testInstances(t *testing.T, s store.Store) {
	withAccount(t, s, acct, "alpha")
	in := store.Instance{ID: "hgpostcn-cn-abc", Name: "holo1", Owner: acct, Region: "cn-hangzhou", Port: 18500, State: []byte(`{}`), CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.CreateInstance(in) })
	for _, dup := range []store.Instance{
		{ID: "hgpostcn-cn-abc", Name: "x", Owner: acct, Region: "cn-hangzhou", Port: 18501, State: []byte(`{}`)},
		{ID: "hgpostcn-cn-def", Name: "holo1", Owner: acct, Region: "cn-hangzhou", Port: 18502, State: []byte(`{}`)},
		{ID: "hgpostcn-cn-ghi", Name: "y", Owner: acct, Region: "cn-hangzhou", Port: 18500, State: []byte(`{}`)},
	} {
		wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateInstance(dup) }), store.ErrExists, "duplicate id, name or port")
	}
	in.Name, in.State, in.UpdatedAt = "renamed", []byte(`{"s":1}`), t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateInstance(in) })
	view(t, s, func(r store.Reader) error {
		got, err := r.GetInstance("hgpostcn-cn-abc")
		if err != nil {
			return err
		}
		equal(t, got.Name, "renamed", "name")
		equal(t, got.Port, 18500, "port")
		equal(t, string(got.State), `{"s":1}`, "state")
		list, err := r.ListInstances(acct)
		equal(t, len(list), 1, "instances of the owner")
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteInstance("hgpostcn-cn-abc") })
	wantErr(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteInstance("hgpostcn-cn-abc") }), store.ErrNotFound, "delete twice")
}
