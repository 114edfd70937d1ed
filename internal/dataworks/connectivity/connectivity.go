// Package connectivity is DataWorks' dataworks.Connector: the
// connectivity tests of data sources and the table preview, run on a
// resource group's workers (reference/dataworks.md §3; docs/dataworks.md
// has the state table).
//
// A test runs, after the service's validate_input_parameters:
//
//   - assume_role: localyun's STS, as the service principal
//     engine.dataworks.aliyuncs.com acting for the workspace owner (always
//     ds.Owner), assumes acs:ram::<crossAccountOwnerId>:role/<name> with
//     the session name dw-<workspaceId>-<dataSourceId>, fresh credentials
//     every time (same-account sources: the role of authIdentity, or the
//     owner's, a RAM user's or an AccessKey's identity, and no step);
//   - resolve_endpoint: the MaxCompute project, or the Hologres instance by
//     id or name, with hologram:GetInstance authorized for the identity as
//     the Hologres OpenAPI authorizes it;
//   - authenticate: the STS credentials resolved back to the role session
//     (MaxCompute), or a real login through the instance's PostgreSQL-wire
//     front end with them (Hologres);
//   - check_privilege: project membership and the effective privileges
//     (MaxCompute), CONNECT on the database and the readable tables
//     (Hologres).
//
// Every failure becomes a state (ConfigError, Unreachable, Unsupport) and a
// message that says what to fix and keeps the underlying code. The
// package depends on narrow interfaces (STS, Identities, MaxCompute,
// Hologres), so tests drive it with fakes; internal/server wires the real
// services.
package connectivity

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/sts"
)

// ServiceName is the service principal every DataWorks component assumes
// roles as.
const ServiceName = "engine.dataworks.aliyuncs.com"

// Step codes, after dataworks.StepValidate.
const (
	StepAssumeRole   = "assume_role"
	StepResolve      = "resolve_endpoint"
	StepAuthenticate = "authenticate"
	StepPrivilege    = "check_privilege"
)

// SessionDuration is how long the credentials of one test or preview
// live: the shortest STS allows. They are never reused.
const SessionDuration = 900

// STS is what the connector needs of package sts.
type STS interface {
	AssumeRoleAsService(ctx context.Context, service, onBehalfOf string, in sts.AssumeRoleInput) (sts.Credentials, error)
	Resolve(ctx context.Context, accessKeyID, securityToken string) (*iam.Identity, string, error)
}

// Identities finds the same-account identities a data source names.
type Identities interface {
	// RoleName returns the name of the role of account with RoleId id; an
	// *apierr.Error (EntityNotExist.Role) when there is none.
	RoleName(ctx context.Context, account, id string) (string, error)
	// User returns the RAM user of account with UserId id; an
	// *apierr.Error (EntityNotExist.User) when there is none.
	User(ctx context.Context, account, id string) (*iam.Identity, error)
	// AccessKey returns the identity of an active AccessKey pair; an
	// *apierr.Error when the id is unknown, the key inactive or the secret
	// wrong.
	AccessKey(ctx context.Context, id, secret string) (*iam.Identity, error)
}

// Credentials are what the identity of a test logs in with: STS
// credentials, an AccessKey pair, or none (an identity resolved in
// process, which reaches MaxCompute but cannot log in to Hologres).
type Credentials struct {
	AccessKeyID, Secret, Token string
}

// Connector is the dataworks.Connector.
type Connector struct {
	sts  STS
	ids  Identities
	mc   MaxCompute
	holo Hologres
	now  func() time.Time
}

var _ dataworks.Connector = (*Connector)(nil)

// Options configure a Connector. Every dependency is required.
type Options struct {
	STS        STS
	Identities Identities
	MaxCompute MaxCompute
	Hologres   Hologres
	Now        func() time.Time
}

// New builds a Connector.
func New(o Options) (*Connector, error) {
	if o.STS == nil || o.Identities == nil || o.MaxCompute == nil || o.Hologres == nil {
		return nil, errors.New("connectivity: STS, Identities, MaxCompute and Hologres are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Connector{sts: o.STS, ids: o.Identities, mc: o.MaxCompute, holo: o.Hologres, now: o.Now}, nil
}

// run accumulates the steps of one test.
type run struct {
	c     *Connector
	steps []dataworks.Step
	start time.Time
}

func (r *run) step(code, msg string) {
	end := r.c.now()
	r.steps = append(r.steps, dataworks.Step{Code: code, Message: msg, Start: r.start, End: end})
	r.start = end
}

// fail ends the test at a step.
func (r *run) fail(code string, state dataworks.ConnectState, msg string) dataworks.Connectivity {
	r.step(code, msg)
	return dataworks.Connectivity{State: state, Message: msg, Steps: r.steps}
}

func (r *run) ok() dataworks.Connectivity {
	return dataworks.Connectivity{State: dataworks.Connectable, Steps: r.steps}
}

// identity is who a test or preview acts as.
type identity struct {
	id    *iam.Identity
	creds Credentials
	// what names it in messages: "role testRole of account B (STS session
	// dw-1-2)", "account A", "RAM user alice of account A".
	what string
}

// failure is a step that failed: the state, and the message.
type failure struct {
	step  string
	state dataworks.ConnectState
	msg   string
	err   *apierr.Error // the underlying error, for previews
}

func (f *failure) Error() string { return f.msg }

// apiError turns a failure into the error a preview answers: the
// underlying code and status, the documented text, and what to fix.
func (f *failure) apiError() error {
	if f.err != nil {
		return f.err.WithRecommend("%s", f.msg)
	}
	status := 400
	if f.state == dataworks.Unreachable {
		status = 503
	}
	return apierr.New(status, "Invalid.DataSource."+upperFirst(f.step), f.msg)
}

func upperFirst(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// sessionName is dw-<workspaceId>-<dataSourceId>.
func sessionName(ds dataworks.DataSource) string {
	return "dw-" + strconv.FormatInt(ds.Workspace, 10) + "-" + strconv.FormatInt(ds.ID, 10)
}

// act finds the identity a data source acts as. It records the
// assume_role step when a role is assumed; r may be nil (previews).
func (c *Connector) act(ctx context.Context, r *run, ds dataworks.DataSource) (identity, *failure) {
	p := ds.Props
	if ds.CrossAccount() {
		return c.assume(ctx, r, ds, p.CrossAccountOwnerID, p.CrossAccountRoleName)
	}
	switch p.AuthType {
	case "RamRole":
		name, err := c.ids.RoleName(ctx, ds.Owner, p.AuthIdentity)
		if err != nil {
			return identity{}, roleFailure(ds, err, ds.Owner, p.AuthIdentity)
		}
		return c.assume(ctx, r, ds, ds.Owner, name)
	case "SubAccount":
		id, err := c.ids.User(ctx, ds.Owner, p.AuthIdentity)
		if err != nil {
			return identity{}, c.lookupFailure(err, fmt.Sprintf("authIdentity %s is not a RAM user of account %s any more: set it to the UserId of one of your RAM users", p.AuthIdentity, ds.Owner))
		}
		return identity{id: id, what: "RAM user " + id.UserName + " of account " + ds.Owner}, nil
	case "Ak":
		id, err := c.ids.AccessKey(ctx, p.AccessID, p.AccessKey)
		if err != nil {
			return identity{}, c.lookupFailure(err, fmt.Sprintf("the AccessKey %s of the data source is refused: give an active AccessKey pair in accessId and accessKey", p.AccessID))
		}
		return identity{id: id, creds: Credentials{AccessKeyID: p.AccessID, Secret: p.AccessKey}, what: "the AccessKey " + p.AccessID + " (" + id.ARN() + ")"}, nil
	default:
		// PrimaryAccount, Executor and TaskOwner: the workspace owner's
		// account (localyun's workspaces have no other members).
		return identity{id: &iam.Identity{Kind: iam.Root, Account: ds.Owner}, what: "account " + ds.Owner + " (authType " + p.AuthType + ")"}, nil
	}
}

func (c *Connector) lookupFailure(err error, msg string) *failure {
	e := apierr.As(err)
	if e == nil {
		return &failure{step: StepAuthenticate, state: dataworks.ConfigError, msg: msg + " (" + err.Error() + ")"}
	}
	return &failure{step: StepAuthenticate, state: dataworks.ConfigError, msg: msg + " (" + e.Code + ": " + e.Message + ")", err: e}
}

// roleFailure explains a same-account RoleId that names no role.
func roleFailure(ds dataworks.DataSource, err error, account, id string) *failure {
	e := apierr.As(err)
	if e == nil {
		e = apierr.Internal(err)
	}
	return &failure{step: StepAssumeRole, state: dataworks.ConfigError, err: e,
		msg: fmt.Sprintf("authIdentity %s is not the RoleId of a role of account %s any more: set it to the RoleId of one of your roles (%s: %s)",
			id, account, e.Code, e.Message)}
}

// assume is the assume_role step: the workspace owner's DataWorks assumes
// account's role, with fresh credentials.
func (c *Connector) assume(ctx context.Context, r *run, ds dataworks.DataSource, account, role string) (identity, *failure) {
	arn := "acs:ram::" + account + ":role/" + strings.ToLower(role)
	session := sessionName(ds)
	cred, err := c.sts.AssumeRoleAsService(ctx, ServiceName, ds.Owner, sts.AssumeRoleInput{
		RoleArn: arn, RoleSessionName: session, DurationSeconds: SessionDuration, RequestID: "dataworks-" + session})
	if err != nil {
		return identity{}, assumeFailure(err, ds, account, role, arn)
	}
	if r != nil {
		r.step(StepAssumeRole, fmt.Sprintf("assumed %s as %s@%s (session %s, credentials valid until %s)",
			arn, ds.Owner, ServiceName, session, cred.Expiration.UTC().Format(time.RFC3339)))
	}
	return identity{creds: Credentials{AccessKeyID: cred.AccessKeyID, Secret: cred.AccessKeySecret, Token: cred.SecurityToken},
		what: "role " + role + " of account " + account}, nil
}

// assumeFailure explains a refused AssumeRole.
func assumeFailure(err error, ds dataworks.DataSource, account, role, arn string) *failure {
	e := apierr.As(err)
	if e == nil {
		e = apierr.Internal(err)
	}
	f := &failure{step: StepAssumeRole, state: dataworks.ConfigError, err: e}
	principal := ds.Owner + "@" + ServiceName
	switch e.Code {
	case "EntityNotExist.Role":
		f.msg = fmt.Sprintf("account %s has no RAM role %s: create it in account %s with a trust policy naming the service %s, or correct the role name (%s: %s)",
			account, role, account, principal, e.Code, e.Message)
	case "NoPermission":
		trust := `"Principal": {"Service": ["` + principal + `"]}`
		if account == ds.Owner {
			trust = `"Principal": {"Service": ["` + ServiceName + `"]} (or "` + principal + `")`
		}
		f.msg = fmt.Sprintf("the trust policy of role %s (account %s) does not let DataWorks of account %s assume it: account %s adds %s to a statement allowing sts:AssumeRole (%s: %s)",
			role, account, ds.Owner, account, trust, e.Code, e.Message)
	default:
		f.msg = fmt.Sprintf("assuming %s as %s failed (%s: %s %s)", arn, principal, e.Code, e.Message, e.Recommend)
	}
	return f
}

// TestConnectivity runs the steps after validate_input_parameters.
func (c *Connector) TestConnectivity(ctx context.Context, ds dataworks.DataSource, groupID string) (dataworks.Connectivity, error) {
	r := &run{c: c, start: c.now()}
	who, f := c.act(ctx, r, ds)
	if f != nil {
		return r.fail(f.step, f.state, f.msg), nil
	}
	var err error
	switch ds.Type {
	case dataworks.TypeMaxCompute:
		err = c.testMaxCompute(ctx, r, ds, who)
	case dataworks.TypeHologres:
		err = c.testHologres(ctx, r, ds, who)
	default:
		return r.fail(StepResolve, dataworks.Unsupport, "localyun tests maxcompute and hologres data sources only, not "+ds.Type), nil
	}
	var fl *failure
	if errors.As(err, &fl) {
		return r.fail(fl.step, fl.state, fl.msg), nil
	}
	if err != nil {
		return dataworks.Connectivity{}, err
	}
	return r.ok(), nil
}

// PreviewTable reads a table's first rows as the data source's identity.
func (c *Connector) PreviewTable(ctx context.Context, ds dataworks.DataSource, groupID, table string, limit int) (dataworks.Preview, error) {
	who, f := c.act(ctx, nil, ds)
	if f != nil {
		return dataworks.Preview{}, f.apiError()
	}
	var out dataworks.Preview
	var err error
	switch ds.Type {
	case dataworks.TypeMaxCompute:
		out, err = c.previewMaxCompute(ctx, ds, who, table, limit)
	case dataworks.TypeHologres:
		out, err = c.previewHologres(ctx, ds, who, table, limit)
	default:
		return out, apierr.New(400, "Unsupported.DataSource.Type", "localyun previews maxcompute and hologres data sources only.")
	}
	var fl *failure
	if errors.As(err, &fl) {
		return out, fl.apiError()
	}
	return out, err
}

// region is the data source's region, else its workspace's.
func region(ds dataworks.DataSource) string {
	if ds.Props.RegionID != "" {
		return ds.Props.RegionID
	}
	return ds.Region
}

// listNames writes up to max names, then how many more.
func listNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}
