package connectivity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
)

// MaxCompute is what the connector needs of package maxcompute; every
// decision is the project's own model, audited by it.
type MaxCompute interface {
	GetProject(ctx context.Context, name string) (maxcompute.ProjectInfo, error)
	ProjectFor(ctx context.Context, caller *iam.Identity, project string, meta maxcompute.Meta) (maxcompute.ProjectInfo, error)
	Privileges(ctx context.Context, caller *iam.Identity, project string, actions []string, maxTables int, meta maxcompute.Meta) (maxcompute.Privileges, error)
	ReadTable(ctx context.Context, caller *iam.Identity, project, table string, partition []string, limit int, meta maxcompute.Meta) (*maxcompute.Result, *catalog.Table, error)
}

// projectActions are the project privileges a test reports.
var projectActions = []string{"List", "CreateTable", "CreateInstance"}

// maxTablesChecked bounds the tables whose Select privilege one test
// checks (one audit record covers them all).
const maxTablesChecked = 200

// resolve fills who.id from the STS credentials (authenticate).
func (c *Connector) resolve(ctx context.Context, who *identity) *failure {
	if who.id != nil {
		return nil
	}
	id, _, err := c.sts.Resolve(ctx, who.creds.AccessKeyID, who.creds.Token)
	if err != nil {
		e := apierr.As(err)
		if e == nil {
			e = apierr.Internal(err)
		}
		return &failure{step: StepAuthenticate, state: dataworks.ConfigError, err: e,
			msg: fmt.Sprintf("the STS credentials of %s were refused (%s: %s): test again, and check that the role still exists", who.what, e.Code, e.Message)}
	}
	who.id = id
	return nil
}

func (c *Connector) mcProject(ctx context.Context, ds dataworks.DataSource) (maxcompute.ProjectInfo, *failure) {
	name, owner, reg := ds.Props.Project, ds.ResourceOwner(), region(ds)
	p, err := c.mc.GetProject(ctx, name)
	missing := func(code, text string) *failure {
		return &failure{step: StepResolve, state: dataworks.ConfigError, err: apierr.New(404, code, text),
			msg: fmt.Sprintf("account %s has no MaxCompute project %s in %s: create it, or correct project and regionId (%s)", owner, name, reg, text)}
	}
	if e := apierr.As(err); e != nil && errors.Is(err, maxcompute.ErrNoSuchProject) {
		return p, missing(e.Code, e.Message)
	}
	if err != nil {
		return p, &failure{step: StepResolve, state: dataworks.Unreachable, msg: "MaxCompute did not answer: " + err.Error()}
	}
	if p.Owner != owner {
		// A project of another account is, to this data source, missing.
		return p, missing("NoSuchProject", fmt.Sprintf("ODPS-0420111: Project not found - '%s'.", name))
	}
	if p.Region != reg {
		return p, &failure{step: StepResolve, state: dataworks.ConfigError, err: apierr.New(404, "NoSuchProject", "ODPS-0420111: Project not found - '"+name+"'."),
			msg: fmt.Sprintf("MaxCompute project %s of account %s is in %s, not %s: set regionId to %s", name, owner, p.Region, reg, p.Region)}
	}
	return p, nil
}

func (c *Connector) testMaxCompute(ctx context.Context, r *run, ds dataworks.DataSource, who identity) error {
	p, f := c.mcProject(ctx, ds)
	if f != nil {
		return f
	}
	r.step(StepResolve, fmt.Sprintf("MaxCompute project %s of account %s in %s", p.Name, p.Owner, p.Region))
	if f := c.resolve(ctx, &who); f != nil {
		return f
	}
	principal, err := maxcompute.PrincipalOf(who.id)
	if err != nil {
		return &failure{step: StepAuthenticate, state: dataworks.ConfigError, msg: err.Error()}
	}
	r.step(StepAuthenticate, fmt.Sprintf("signed in to MaxCompute as %s (%s)", principal, who.id.ARN()))
	meta := maxcompute.Meta{RequestID: "dataworks-" + sessionName(ds)}
	if _, err := c.mc.ProjectFor(ctx, who.id, p.Name, meta); err != nil {
		return mcDenied(err, who, principal, p.Name, "", true)
	}
	pr, err := c.mc.Privileges(ctx, who.id, p.Name, projectActions, maxTablesChecked, meta)
	if err != nil {
		return mcDenied(err, who, principal, p.Name, "", true)
	}
	privs, readable := pr.Project, pr.Readable
	msg := fmt.Sprintf("%s is a user of project %s; project privileges: %s", principal, p.Name, orNone(privs))
	if len(readable) == 0 {
		msg += fmt.Sprintf("; warning: it can read no table: the project owner grants one with: grant Select on table <table> to user %s;", quote(principal))
	} else {
		msg += "; Select on tables: " + listNames(readable, 20)
	}
	r.step(StepPrivilege, msg)
	return nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// quote writes a principal as MaxCompute statements take it.
func quote(principal string) string {
	if strings.Contains(principal, "/") {
		return "`" + principal + "`"
	}
	return principal
}

// mcDenied explains a refusal of MaxCompute, keeping its ODPS code:
// notMember for the membership check (the only refusal ProjectFor makes),
// else a read of table.
func mcDenied(err error, who identity, principal, project, table string, notMember bool) error {
	var se *maxcompute.StatementError
	if !errors.As(err, &se) {
		if e := apierr.As(err); e != nil {
			return &failure{step: StepPrivilege, state: dataworks.ConfigError, err: e, msg: e.Message + " " + e.Recommend}
		}
		return err
	}
	code, _, _ := strings.Cut(se.Text, ":")
	e := apierr.New(403, code, se.Text)
	var msg string
	switch {
	case notMember:
		msg = fmt.Sprintf("%s is not a user of MaxCompute project %s: the project owner runs add user %s; (and grants what it reads, e.g. grant Select on table <table> to user %s;) (%s)",
			who.what, project, quote(principal), quote(principal), se.Text)
	case table != "":
		msg = fmt.Sprintf("%s may not read %s.%s: the project owner runs grant Select on table %s to user %s; (%s)", who.what, project, table, table, quote(principal), se.Text)
	default:
		msg = fmt.Sprintf("%s is refused in project %s (%s)", who.what, project, se.Text)
	}
	return &failure{step: StepPrivilege, state: dataworks.ConfigError, err: e, msg: msg}
}

func (c *Connector) previewMaxCompute(ctx context.Context, ds dataworks.DataSource, who identity, table string, limit int) (dataworks.Preview, error) {
	var out dataworks.Preview
	p, f := c.mcProject(ctx, ds)
	if f != nil {
		return out, f
	}
	if f := c.resolve(ctx, &who); f != nil {
		return out, f
	}
	principal, err := maxcompute.PrincipalOf(who.id)
	if err != nil {
		return out, err
	}
	meta := maxcompute.Meta{RequestID: "dataworks-" + sessionName(ds)}
	if _, err := c.mc.ProjectFor(ctx, who.id, p.Name, meta); err != nil {
		return out, mcDenied(err, who, principal, p.Name, "", true)
	}
	res, t, err := c.mc.ReadTable(ctx, who.id, p.Name, table, nil, limit, meta)
	if err != nil {
		if e := apierr.As(err); e != nil {
			return out, e // NoSuchTable and the like, as MaxCompute answers them
		}
		return out, mcDenied(err, who, principal, p.Name, table, false)
	}
	types := map[string]string{}
	for _, col := range append(append([]catalog.Column{}, t.Columns...), t.PartitionKeys...) {
		types[strings.ToLower(col.Name)] = catalog.TypeString(col.Type)
	}
	for _, name := range res.Columns {
		out.Columns = append(out.Columns, dataworks.Column{Name: name, Type: types[strings.ToLower(name)]})
	}
	out.Rows = res.Rows
	if len(out.Rows) > limit {
		out.Rows = out.Rows[:limit]
	}
	return out, nil
}
