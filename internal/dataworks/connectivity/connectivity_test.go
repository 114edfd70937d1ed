package connectivity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/hologres"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
	"github.com/localyun/localyun/internal/sts"
)

const (
	uidA   = "1000000000000001"
	uidB   = "2000000000000002"
	roleID = "300000000000000002"
)

// fakeSTS assumes the roles in trusts: role ARN -> the service principals
// its trust policy names (as "<uid>@service" or the bare service).
type fakeSTS struct {
	roles map[string][]string
	calls []string // "<onBehalfOf>@<service> <arn> <session>"
}

func (f *fakeSTS) AssumeRoleAsService(ctx context.Context, service, onBehalfOf string, in sts.AssumeRoleInput) (sts.Credentials, error) {
	f.calls = append(f.calls, onBehalfOf+"@"+service+" "+in.RoleArn+" "+in.RoleSessionName)
	trusted, ok := f.roles[in.RoleArn]
	if !ok {
		return sts.Credentials{}, apierr.New(404, "EntityNotExist.Role", "The specified Role not exists.")
	}
	account := strings.Split(in.RoleArn, ":")[3]
	for _, p := range trusted {
		if p == onBehalfOf+"@"+service || p == service && account == onBehalfOf {
			return sts.Credentials{AccessKeyID: "STS.key" + fmt.Sprint(len(f.calls)), AccessKeySecret: "secret", SecurityToken: "token:" + in.RoleArn,
				Expiration: time.Unix(1e9, 0)}, nil
		}
	}
	return sts.Credentials{}, apierr.New(403, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM.")
}

func (f *fakeSTS) Resolve(ctx context.Context, akid, token string) (*iam.Identity, string, error) {
	arn := strings.TrimPrefix(token, "token:")
	parts := strings.Split(arn, ":")
	return &iam.Identity{Kind: iam.RoleSession, Account: parts[3], RoleName: strings.TrimPrefix(parts[4], "role/"), RoleID: roleID,
		SessionName: "s", AccessKeyID: akid}, "secret", nil
}

type fakeIDs struct{}

func (fakeIDs) RoleName(ctx context.Context, account, id string) (string, error) {
	if account == uidA && id == "300000000000000001" {
		return "etl-role", nil
	}
	return "", apierr.New(404, "EntityNotExist.Role", "The specified Role not exists.")
}

func (fakeIDs) User(ctx context.Context, account, id string) (*iam.Identity, error) {
	if id == "200000000000000001" {
		return &iam.Identity{Kind: iam.User, Account: account, UserName: "alice", UserID: id}, nil
	}
	return nil, apierr.New(404, "EntityNotExist.User", "The user does not exist.")
}

func (fakeIDs) AccessKey(ctx context.Context, id, secret string) (*iam.Identity, error) {
	if id == "LTAIgood" && secret == "s3cret" {
		return &iam.Identity{Kind: iam.Root, Account: uidA, AccessKeyID: id}, nil
	}
	return nil, apierr.New(400, "SignatureDoesNotMatch", "The AccessKey secret does not match.")
}

// fakeMC: projects, their members (canonical principals) and the tables
// each member may read.
type fakeMC struct {
	projects map[string]maxcompute.ProjectInfo
	members  map[string]bool     // principal
	selects  map[string][]string // principal -> tables
	tables   []string
}

func (f *fakeMC) GetProject(ctx context.Context, name string) (maxcompute.ProjectInfo, error) {
	p, ok := f.projects[name]
	if !ok {
		return p, maxcompute.NoSuchProject(name)
	}
	return p, nil
}

func (f *fakeMC) who(id *iam.Identity) string { p, _ := maxcompute.PrincipalOf(id); return p }

func (f *fakeMC) ProjectFor(ctx context.Context, id *iam.Identity, project string, meta maxcompute.Meta) (maxcompute.ProjectInfo, error) {
	if !f.members[f.who(id)] {
		return maxcompute.ProjectInfo{}, &maxcompute.StatementError{Text: "ODPS-0420095: Access Denied - You don't exist in project " + project + "."}
	}
	return f.projects[project], nil
}

func (f *fakeMC) Privileges(ctx context.Context, id *iam.Identity, project string, actions []string, maxTables int, meta maxcompute.Meta) (maxcompute.Privileges, error) {
	out := maxcompute.Privileges{Tables: len(f.tables)}
	if slices.Contains(actions, "List") {
		out.Project = []string{"List"}
	}
	for _, t := range f.tables {
		if out.Checked == maxTables {
			break
		}
		out.Checked++
		if f.mayRead(id, t) {
			out.Readable = append(out.Readable, t)
		}
	}
	return out, nil
}

func (f *fakeMC) mayRead(id *iam.Identity, table string) bool {
	return slices.Contains(f.selects[f.who(id)], table)
}

func (f *fakeMC) ReadTable(ctx context.Context, id *iam.Identity, project, table string, partition []string, limit int, meta maxcompute.Meta) (*maxcompute.Result, *catalog.Table, error) {
	if !f.mayRead(id, table) {
		return nil, nil, &maxcompute.StatementError{Text: "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/" + project + "/tables/" + table + "}."}
	}
	v := "s1"
	return &maxcompute.Result{Columns: []string{"shop_name", "total"}, Rows: [][]*string{{&v, nil}, {&v, nil}, {&v, nil}}},
		&catalog.Table{Name: table, Columns: []catalog.Column{{Name: "shop_name", Type: &sqlast.Type{Name: "STRING"}}, {Name: "total", Type: &sqlast.Type{Name: "DOUBLE"}}}}, nil
}

// fakeHolo: instances of account B, the identities allowed
// hologram:GetInstance, and how a login ends.
type fakeHolo struct {
	instances map[string]hologres.Instance // by name
	allowed   map[string]bool              // RoleName allowed GetInstance
	loginErr  error
	tables    []string
	queryErr  error
}

func (f *fakeHolo) Lookup(ctx context.Context, owner, region, idOrName string) (hologres.Instance, error) {
	for _, in := range f.instances {
		if (in.ID == idOrName || in.Name == idOrName) && in.Owner == owner && in.Region == region {
			return in, nil
		}
	}
	return hologres.Instance{}, hologres.NotFound(idOrName)
}

func (f *fakeHolo) Authorize(ctx context.Context, caller *iam.Identity, action string, in hologres.Instance, requestID string) error {
	if caller.Kind == iam.Root && caller.Account == in.Owner || f.allowed[caller.RoleName] {
		return nil
	}
	return apierr.New(403, "NoPermission", "RAM user permission is insufficient, please grant AliyunHologresReadOnlyAccess permission.")
}

func (f *fakeHolo) Login(ctx context.Context, in hologres.Instance, database string, creds Credentials) (Session, error) {
	if f.loginErr != nil {
		return nil, f.loginErr
	}
	return &fakeSession{f}, nil
}

type fakeSession struct{ f *fakeHolo }

func (s *fakeSession) Query(ctx context.Context, sql string, args ...any) ([]dataworks.Column, [][]*string, error) {
	if s.f.queryErr != nil {
		return nil, nil, s.f.queryErr
	}
	var rows [][]*string
	for _, t := range s.f.tables {
		rows = append(rows, []*string{&t})
	}
	return []dataworks.Column{{Name: "t", Type: "text"}}, rows, nil
}

func (s *fakeSession) Close(ctx context.Context) {}

// world is account B as the seed leaves it: testRole trusting A's
// DataWorks, a member of b_prj who reads sale_detail, allowed to look up
// b_holo, whose login succeeds.
type world struct {
	sts  *fakeSTS
	mc   *fakeMC
	holo *fakeHolo
}

const testRoleARN = "acs:ram::" + uidB + ":role/testrole"

func newWorld() *world {
	return &world{
		sts: &fakeSTS{roles: map[string][]string{
			testRoleARN:                                 {uidA + "@" + ServiceName},
			"acs:ram::" + uidA + ":role/etl-role":       {ServiceName},
			"acs:ram::" + uidB + ":role/other-trusting": {"3000000000000003@" + ServiceName},
		}},
		mc: &fakeMC{
			projects: map[string]maxcompute.ProjectInfo{
				"b_prj":      {Name: "b_prj", Owner: uidB, Region: "cn-hangzhou"},
				"b_sh":       {Name: "b_sh", Owner: uidB, Region: "cn-shanghai"},
				"a_prj":      {Name: "a_prj", Owner: uidA, Region: "cn-hangzhou"},
				"elsewhere":  {Name: "elsewhere", Owner: "3000000000000003", Region: "cn-hangzhou"},
				"b_no_grant": {Name: "b_no_grant", Owner: uidB, Region: "cn-hangzhou"},
			},
			members: map[string]bool{"RAM$" + uidB + ":role/testrole": true, "ALIYUN$" + uidA: true, "RAM$" + uidA + ":role/etl-role": true},
			selects: map[string][]string{"RAM$" + uidB + ":role/testrole": {"sale_detail"}, "ALIYUN$" + uidA: {"sale_detail"}},
			tables:  []string{"sale_detail", "secret_table"},
		},
		holo: &fakeHolo{
			instances: map[string]hologres.Instance{
				"b_holo":    {ID: "hgpostcn-cn-b1", Name: "b_holo", Owner: uidB, Region: "cn-hangzhou", Host: "127.0.0.1", Port: 20001, Status: hologres.StatusRunning},
				"b_stopped": {ID: "hgpostcn-cn-b2", Name: "b_stopped", Owner: uidB, Region: "cn-hangzhou", Host: "127.0.0.1", Port: 20002, Status: hologres.StatusStopped},
			},
			allowed: map[string]bool{"testRole": true, "testrole": true},
			tables:  []string{"public.sales"},
		},
	}
}

func (w *world) connector(t *testing.T) *Connector {
	t.Helper()
	c, err := New(Options{STS: w.sts, Identities: fakeIDs{}, MaxCompute: w.mc, Hologres: w.holo})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func crossMC(project, role string) dataworks.DataSource {
	return dataworks.DataSource{ID: 200001, Workspace: 10001, Owner: uidA, Region: "cn-hangzhou", Name: "b_sales", Env: "Prod", Type: dataworks.TypeMaxCompute,
		Props: dataworks.Properties{EnvType: "Prod", RegionID: "cn-hangzhou", Project: project, AuthType: "RamRole", CrossAccountOwnerID: uidB, CrossAccountRoleName: role}}
}

func crossHolo(instance, role string) dataworks.DataSource {
	return dataworks.DataSource{ID: 200003, Workspace: 10001, Owner: uidA, Region: "cn-hangzhou", Name: "b_holo", Env: "Prod", Type: dataworks.TypeHologres,
		Props: dataworks.Properties{EnvType: "Prod", RegionID: "cn-hangzhou", InstanceID: instance, Database: "b_db", AuthType: "RamRole",
			CrossAccountOwnerID: uidB, CrossAccountRoleName: role}}
}

func sameAccount(typ, auth, identity string) dataworks.DataSource {
	d := dataworks.DataSource{ID: 200005, Workspace: 10001, Owner: uidA, Region: "cn-hangzhou", Name: "a_src", Env: "Prod", Type: typ,
		Props: dataworks.Properties{EnvType: "Prod", Project: "a_prj", InstanceID: "b_holo", Database: "db", AuthType: auth, AuthIdentity: identity}}
	if auth == "Ak" {
		d.Props.AccessID, d.Props.AccessKey = "LTAIgood", identity
		d.Props.AuthIdentity = ""
	}
	return d
}

func pgError(code, msg string) error {
	return &pgconn.PgError{Severity: "FATAL", Code: code, Message: msg}
}

// TestStateTable runs every row of the state table of docs/dataworks.md
// that the connector decides.
func TestStateTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ds    dataworks.DataSource
		setup func(*world)
		state dataworks.ConnectState
		step  string   // the last step
		steps int      // how many steps
		want  []string // in the message (the last step's, for Connectable)
	}{
		{"MaxCompute seed", crossMC("b_prj", "testRole"), nil, dataworks.Connectable, StepPrivilege, 4,
			[]string{"RAM$" + uidB + ":role/testrole is a user of project b_prj", "project privileges: List", "Select on tables: sale_detail"}},
		{"MaxCompute reads no table (warning)", crossMC("b_prj", "testRole"), func(w *world) { w.mc.selects = nil }, dataworks.Connectable, StepPrivilege, 4,
			[]string{"warning: it can read no table", "grant Select on table <table> to user `RAM$" + uidB + ":role/testrole`;"}},
		{"role missing", crossMC("b_prj", "noSuchRole"), nil, dataworks.ConfigError, StepAssumeRole, 1,
			[]string{"account " + uidB + " has no RAM role noSuchRole", uidA + "@engine.dataworks.aliyuncs.com", "EntityNotExist.Role"}},
		{"trust policy names another account's DataWorks", crossMC("b_prj", "other-trusting"), nil, dataworks.ConfigError, StepAssumeRole, 1,
			[]string{"does not let DataWorks of account " + uidA, `"Principal": {"Service": ["` + uidA + `@engine.dataworks.aliyuncs.com"]}`, "NoPermission"}},
		{"project missing", crossMC("nope", "testRole"), nil, dataworks.ConfigError, StepResolve, 2,
			[]string{"account " + uidB + " has no MaxCompute project nope in cn-hangzhou", "ODPS-0420111"}},
		{"project of another account", crossMC("elsewhere", "testRole"), nil, dataworks.ConfigError, StepResolve, 2,
			[]string{"has no MaxCompute project elsewhere", "ODPS-0420111"}},
		{"project in another region", crossMC("b_sh", "testRole"), nil, dataworks.ConfigError, StepResolve, 2,
			[]string{"is in cn-shanghai, not cn-hangzhou: set regionId to cn-shanghai"}},
		{"role not a project member", crossMC("b_prj", "testRole"), func(w *world) { w.mc.members = nil }, dataworks.ConfigError, StepPrivilege, 4,
			[]string{"is not a user of MaxCompute project b_prj", "add user `RAM$" + uidB + ":role/testrole`;", "ODPS-0420095"}},
		{"Hologres seed", crossHolo("b_holo", "testRole"), nil, dataworks.Connectable, StepPrivilege, 4,
			[]string{`"v4_` + roleID + `" has CONNECT on database b_db`, "SELECT on tables: public.sales"}},
		{"Hologres by id", crossHolo("hgpostcn-cn-b1", "testRole"), nil, dataworks.Connectable, StepPrivilege, 4, nil},
		{"Hologres reads no table (warning)", crossHolo("b_holo", "testRole"), func(w *world) { w.holo.tables = nil }, dataworks.Connectable, StepPrivilege, 4,
			[]string{"warning: it can read no table", `GRANT SELECT ON <table> TO "v4_` + roleID + `";`}},
		{"no hologram:GetInstance policy", crossHolo("b_holo", "testRole"), func(w *world) { w.holo.allowed = nil }, dataworks.ConfigError, StepResolve, 2,
			[]string{"may not look up Hologres instance b_holo", "hologram:GetInstance", "account " + uidB + " attaches", "NoPermission"}},
		{"no policy, instance missing: the policy first", crossHolo("nope", "testRole"), func(w *world) { w.holo.allowed = nil }, dataworks.ConfigError, StepResolve, 2,
			[]string{"may not look up Hologres instance nope", "NoPermission"}},
		{"instance missing", crossHolo("nope", "testRole"), nil, dataworks.ConfigError, StepResolve, 2,
			[]string{"account " + uidB + " has no Hologres instance nope in cn-hangzhou", "InstanceNotFound"}},
		{"instance not Running", crossHolo("b_stopped", "testRole"), nil, dataworks.Unreachable, StepResolve, 2,
			[]string{"is Stopped, not Running", "IncorrectInstanceStatus"}},
		{"role not a database user", crossHolo("b_holo", "testRole"),
			func(w *world) {
				w.holo.loginErr = pgError("28P01", `password authentication failed for user "STS.key1"`)
			}, dataworks.ConfigError, StepAuthenticate, 3,
			[]string{`CREATE USER "v4_` + roleID + `";`, "SQLSTATE 28P01"}},
		{"database missing", crossHolo("b_holo", "testRole"),
			func(w *world) { w.holo.loginErr = pgError("3D000", `database "b_db" does not exist`) }, dataworks.ConfigError, StepAuthenticate, 3,
			[]string{"database b_db does not exist in Hologres instance hgpostcn-cn-b1", "SQLSTATE 3D000"}},
		{"no CONNECT", crossHolo("b_holo", "testRole"),
			func(w *world) { w.holo.loginErr = pgError("42501", `permission denied for database "b_db"`) }, dataworks.ConfigError, StepPrivilege, 4,
			[]string{`GRANT CONNECT ON DATABASE b_db TO "v4_` + roleID + `";`, "SQLSTATE 42501"}},
		{"front end unreachable", crossHolo("b_holo", "testRole"),
			func(w *world) { w.holo.loginErr = errors.New("dial tcp 127.0.0.1:20001: connect: connection refused") }, dataworks.Unreachable, StepAuthenticate, 3,
			[]string{"could not reach the front end of Hologres instance hgpostcn-cn-b1 at 127.0.0.1:20001"}},
		{"same account: a role", sameAccount(dataworks.TypeMaxCompute, "RamRole", "300000000000000001"), nil, dataworks.Connectable, StepPrivilege, 4,
			[]string{"RAM$" + uidA + ":role/etl-role is a user of project a_prj", "warning: it can read no table"}},
		{"same account: a RoleId that is gone", sameAccount(dataworks.TypeMaxCompute, "RamRole", "399"), nil, dataworks.ConfigError, StepAssumeRole, 1,
			[]string{"authIdentity 399 is not the RoleId of a role of account " + uidA, "EntityNotExist.Role"}},
		{"same account: the owner", sameAccount(dataworks.TypeMaxCompute, "PrimaryAccount", ""), nil, dataworks.Connectable, StepPrivilege, 3,
			[]string{"ALIYUN$" + uidA + " is a user of project a_prj"}},
		{"same account: a RAM user not in the project", sameAccount(dataworks.TypeMaxCompute, "SubAccount", "200000000000000001"), nil, dataworks.ConfigError, StepPrivilege, 3,
			[]string{"add user RAM$" + uidA + ":alice;"}},
		{"same account: a bad AccessKey", sameAccount(dataworks.TypeMaxCompute, "Ak", "wrong"), nil, dataworks.ConfigError, StepAuthenticate, 1,
			[]string{"the AccessKey LTAIgood of the data source is refused", "SignatureDoesNotMatch"}},
		{"same account Hologres without credentials", sameAccount(dataworks.TypeHologres, "PrimaryAccount", ""),
			func(w *world) {
				w.holo.instances["a"] = hologres.Instance{ID: "hgpostcn-cn-a", Name: "b_holo", Owner: uidA, Region: "cn-hangzhou", Status: hologres.StatusRunning}
			},
			dataworks.Unsupport, StepAuthenticate, 2, []string{"use authType RamRole", "or Ak"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			if tc.setup != nil {
				tc.setup(w)
			}
			res, err := w.connector(t).TestConnectivity(context.Background(), tc.ds, "Serverless_res_group_"+uidA+"_1")
			if err != nil {
				t.Fatal(err)
			}
			last := res.Steps[len(res.Steps)-1]
			if res.State != tc.state || last.Code != tc.step || len(res.Steps) != tc.steps {
				t.Fatalf("state %s at %s after %d steps, want %s at %s after %d: %+v", res.State, last.Code, len(res.Steps), tc.state, tc.step, tc.steps, res)
			}
			msg := res.Message
			if res.State == dataworks.Connectable {
				msg = last.Message
				if res.Message != "" {
					t.Fatalf("a Connectable test with a message: %q", res.Message)
				}
			} else if msg != last.Message {
				t.Fatalf("message %q, last step %q", msg, last.Message)
			}
			for _, s := range tc.want {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not say %q", msg, s)
				}
			}
		})
	}
}

// TestAssumeRoleAsTheOwner: the role is assumed as the workspace owner's
// DataWorks, with the session name of the data source, every time anew.
func TestAssumeRoleAsTheOwner(t *testing.T) {
	w := newWorld()
	c := w.connector(t)
	ds := crossMC("b_prj", "testRole")
	for range 2 {
		if res, _ := c.TestConnectivity(context.Background(), ds, "g"); res.State != dataworks.Connectable {
			t.Fatalf("%+v", res)
		}
	}
	want := uidA + "@" + ServiceName + " " + testRoleARN + " dw-10001-200001"
	if len(w.sts.calls) != 2 || w.sts.calls[0] != want || w.sts.calls[1] != want {
		t.Fatalf("AssumeRole calls: %q", w.sts.calls)
	}
	// The account acted for is ds.Owner: a data source of account C
	// naming B's role is refused, for B's trust policy names A's
	// DataWorks only.
	ds.Owner = "3000000000000003"
	res, _ := c.TestConnectivity(context.Background(), ds, "g")
	if res.State != dataworks.ConfigError || !strings.Contains(res.Message, "does not let DataWorks of account 3000000000000003") {
		t.Fatalf("the confused deputy: %+v", res)
	}
	if got := w.sts.calls[2]; !strings.HasPrefix(got, "3000000000000003@"+ServiceName+" ") {
		t.Fatalf("C's test assumed as %q", got)
	}
}

func TestPreview(t *testing.T) {
	ctx := context.Background()
	w := newWorld()
	c := w.connector(t)
	p, err := c.PreviewTable(ctx, crossMC("b_prj", "testRole"), "g", "sale_detail", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 2 || p.Columns[0] != (dataworks.Column{Name: "shop_name", Type: "string"}) || p.Rows[0][1] != nil || *p.Rows[0][0] != "s1" {
		t.Fatalf("MaxCompute preview: %+v", p)
	}
	wantAPI := func(err error, code string, status int, parts ...string) {
		t.Helper()
		e := apierr.As(err)
		if e == nil || e.Code != code || e.Status != status {
			t.Fatalf("want %s (%d), got %v", code, status, err)
		}
		for _, s := range parts {
			if !strings.Contains(e.Message+" "+e.Recommend, s) {
				t.Errorf("%q %q does not say %q", e.Message, e.Recommend, s)
			}
		}
	}
	_, err = c.PreviewTable(ctx, crossMC("b_prj", "testRole"), "g", "secret_table", 2)
	wantAPI(err, "ODPS-0130013", 403, "grant Select on table secret_table to user `RAM$"+uidB+":role/testrole`;")
	w.mc.members = nil
	_, err = c.PreviewTable(ctx, crossMC("b_prj", "testRole"), "g", "sale_detail", 2)
	wantAPI(err, "ODPS-0420095", 403, "add user `RAM$"+uidB+":role/testrole`;")
	_, err = c.PreviewTable(ctx, crossMC("b_prj", "other-trusting"), "g", "sale_detail", 2)
	wantAPI(err, "NoPermission", 403, uidA+"@engine.dataworks.aliyuncs.com")

	p, err = c.PreviewTable(ctx, crossHolo("b_holo", "testRole"), "g", "public.sales", 5)
	if err != nil || len(p.Rows) != 1 || p.Columns[0].Type != "text" {
		t.Fatalf("Hologres preview: %+v %v", p, err)
	}
	w.holo.queryErr = pgError("42501", "permission denied for table sales")
	_, err = c.PreviewTable(ctx, crossHolo("b_holo", "testRole"), "g", "Sales", 5)
	wantAPI(err, "42501", 403, `GRANT SELECT ON "sales" TO "v4_`+roleID+`";`)
	w.holo.queryErr = pgError("42P01", `relation "nope" does not exist`)
	_, err = c.PreviewTable(ctx, crossHolo("b_holo", "testRole"), "g", "nope", 5)
	wantAPI(err, "42P01", 404)
	_, err = c.PreviewTable(ctx, crossHolo("b_holo", "testRole"), "g", `a.b.c`, 5)
	wantAPI(err, "InvalidParameter.TableName", 400)
}

func TestTableIdent(t *testing.T) {
	for in, want := range map[string]string{
		"sales": `"sales"`, "Sales": `"sales"`, "public.Sales": `"public"."sales"`, `"Mixed"`: `"Mixed"`,
		`s."a""b"`: `"s"."a""b"`, ` public . t `: `"public"."t"`,
	} {
		if got, err := tableIdent(in); err != nil || got != want {
			t.Errorf("tableIdent(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a.b.c", `"open`, "a.", `"a"b`, ".a"} {
		if got, err := tableIdent(bad); err == nil {
			t.Errorf("tableIdent(%q) = %q, want an error", bad, got)
		}
	}
}
