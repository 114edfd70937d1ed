package maxcompute_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPrivileges: one snapshot decides the project actions and Select on
// the tables, with one audit record for the whole.
func TestPrivileges(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.must(t, f.ownerB, fmt.Sprintf("CREATE TABLE t%d (x BIGINT)", i))
	}
	roleP := "`RAM$" + f.b.ID + ":role/testRole`"
	actions := []string{"List", "CreateTable", "CreateInstance"}

	for _, asked := range [][]string{actions, nil} {
		_, err := f.svc.Privileges(ctx, f.roleOfB, f.project, asked, 200, f.meta)
		wantErr(t, err, "ODPS-0420095: Access Denied - You don't exist in project sale_project.", "add user "+roleP)
	}

	f.must(t, f.ownerB, "add user "+roleP)
	f.must(t, f.ownerB, "grant Select on table t1 to user "+roleP)
	f.must(t, f.ownerB, "grant Select on table t3 to user "+roleP)
	f.must(t, f.ownerB, "grant List on project sale_project to user "+roleP)
	if err := f.iam.AuditLog().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := f.iam.AuditLog().Query(ctx, "", 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Privileges(ctx, f.roleOfB, f.project, actions, 200, f.meta)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Project, []string{"List"}) || !slices.Equal(p.Readable, []string{"t1", "t3"}) || p.Checked != 5 || p.Tables != 5 {
		t.Fatalf("privileges: %+v", p)
	}
	if err := f.iam.AuditLog().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := f.iam.AuditLog().Query(ctx, "", before[len(before)-1].Seq, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Action != "odps:CheckPrivileges" || !strings.Contains(after[0].Deciding, "Select on 2 of 5 tables") {
		t.Fatalf("audit records of one Privileges call: %+v", after)
	}

	// The limit bounds the tables decided.
	p, err = f.svc.Privileges(ctx, f.roleOfB, f.project, nil, 2, f.meta)
	if err != nil || p.Checked != 2 || !slices.Equal(p.Readable, []string{"t1"}) || len(p.Project) != 0 {
		t.Fatalf("limited to 2 tables: %+v %v", p, err)
	}
	// The owner may do everything.
	p, err = f.svc.Privileges(ctx, f.ownerB, f.project, actions, 200, f.meta)
	if err != nil || len(p.Project) != 3 || len(p.Readable) != 5 {
		t.Fatalf("owner: %+v %v", p, err)
	}
}
