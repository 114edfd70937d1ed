package dataworks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// ConnectState is the outcome of a connectivity test (the 2024-05-18
// ConnectState; the 2020-05-18 API reports ConnectStatus =
// State == Connectable).
type ConnectState string

const (
	// Connectable: the network and the configuration are right.
	Connectable ConnectState = "Connectable"
	// ConfigError: reachable, but the configuration is wrong (a role, a
	// trust policy, a grant, a name).
	ConfigError ConnectState = "ConfigError"
	// Unreachable: the resource group cannot reach the endpoint.
	Unreachable ConnectState = "Unreachable"
	// Unsupport: the test cannot run (the group is stopped, or the test
	// is not available).
	Unsupport ConnectState = "Unsupport"
)

// Step is one step of a test, in order (the 2024-05-18 DetailLogs).
type Step struct {
	Code    string // e.g. validate_input_parameters, assume_role
	Message string
	Start   time.Time
	End     time.Time
}

// Connectivity is a test's result. Message is set when the state is not
// Connectable and says what to fix.
type Connectivity struct {
	State   ConnectState
	Message string
	Steps   []Step
}

// StepValidate is the first step of every test, which the Service runs
// itself: the data source, the resource group and their workspace.
const StepValidate = "validate_input_parameters"

// DefaultTestTimeout bounds one connectivity test unless Options say
// otherwise (reference §3.4 recommends 60 s); a test that runs out of time
// is Unreachable.
const DefaultTestTimeout = 60 * time.Second

// Connector tests a data source from a resource group, and reads a
// table's first rows through it. Package dataworks/connectivity
// implements it; the Service requires one.
//
// The Service calls both methods inside the group's worker pool
// (Group.Run), after its own StepValidate step has checked that the data
// source exists in a workspace of the caller's account, that the group
// belongs to that account, is associated with the workspace and is
// Normal. ds carries its secrets (from Reveal) and the workspace owner's
// account (ds.Owner), the account DataWorks acts for: assume roles as
// engine.dataworks.aliyuncs.com on behalf of ds.Owner, never an account
// taken from the request.
type Connector interface {
	// TestConnectivity returns the steps after StepValidate, in order,
	// each with what it did or what to fix; it returns an error only when
	// the test itself could not run (it becomes InternalError).
	TestConnectivity(ctx context.Context, ds DataSource, groupID string) (Connectivity, error)
	// PreviewTable reads up to limit rows of a table of ds's project or
	// database with ds's identity. A refusal is an *apierr.Error that
	// keeps the engine's code (ODPS-0420095, 42501, NoPermission...) and
	// says which grant or statement is missing.
	PreviewTable(ctx context.Context, ds DataSource, groupID, table string, limit int) (Preview, error)
}

// Preview is the first rows of a table: values as text, nil for NULL.
type Preview struct {
	Columns []Column
	Rows    [][]*string
}

// Column is a previewed column: its name and its type as the engine
// names it.
type Column struct {
	Name string
	Type string
}

// TestConnectivity tests one environment of a data source (by id) of a
// workspace of the caller's account from a resource group (by id or
// 2020-05-18 identifier).
func (s *Service) TestConnectivity(ctx context.Context, caller *iam.Identity, workspace, dataSource int64, group string) (Connectivity, error) {
	return s.testConnectivity(ctx, caller, workspace, group, func(r store.Reader) (store.DataSource, error) {
		rec, _, err := ownRecord(r, dataSources, caller, workspace, dataSource)
		return rec, err
	})
}

// TestConnectivityByName is TestConnectivity for the 2020-05-18 API, which
// names the data source by name and environment.
func (s *Service) TestConnectivityByName(ctx context.Context, caller *iam.Identity, workspace int64, name, env, group string) (Connectivity, error) {
	return s.testConnectivity(ctx, caller, workspace, group, func(r store.Reader) (store.DataSource, error) {
		rec, err := r.GetDataSourceByName(store.DataSourceKind, workspace, name, env)
		if errors.Is(err, store.ErrNotFound) {
			return rec, errConnectionNotExists(name + " (" + env + ")")
		}
		return rec, err
	})
}

func (s *Service) testConnectivity(ctx context.Context, caller *iam.Identity, workspace int64, groupID string,
	find func(store.Reader) (store.DataSource, error)) (Connectivity, error) {
	start := s.o.Now()
	var rec store.DataSource
	var g store.ResourceGroup
	associated := false
	err := s.view(ctx, func(r store.Reader) error {
		if _, err := ownWorkspace(r, caller, workspace); err != nil {
			return err
		}
		var err error
		if rec, err = find(r); err != nil {
			return err
		}
		if g, err = ownGroup(r, caller, groupID); err != nil {
			return err
		}
		ids, err := r.ListGroupWorkspaces(g.ID)
		for _, id := range ids {
			associated = associated || id == workspace
		}
		return err
	})
	if err != nil {
		return Connectivity{}, err
	}
	fail := func(state ConnectState, msg string) (Connectivity, error) {
		res := Connectivity{State: state, Message: msg, Steps: []Step{{Code: StepValidate, Message: msg, Start: start, End: s.o.Now()}}}
		return res, s.record(ctx, rec.ID, res)
	}
	if !associated {
		return fail(ConfigError, fmt.Sprintf("resource group %s is not associated with workspace %d: associate it (AssociateProjectToResourceGroup), or test from a group that is",
			g.ID, workspace))
	}
	pool, err := s.Pool(ctx, g.ID)
	if err != nil {
		return Connectivity{}, err
	}
	if st := pool.Status(); st != GroupNormal {
		return fail(Unsupport, (&GroupStoppedError{ID: g.ID, Status: st}).Error())
	}
	ds, err := s.Reveal(ctx, rec.ID)
	if err != nil {
		return Connectivity{}, err
	}
	validated := Step{Code: StepValidate, Message: fmt.Sprintf("data source %s (%s, %s) of workspace %d, resource group %s", ds.Name, ds.Type, ds.Env, workspace, g.ID),
		Start: start, End: s.o.Now()}
	tctx, cancel := context.WithTimeout(ctx, s.o.TestTimeout)
	defer cancel()
	var res Connectivity
	err = pool.Run(tctx, func(ctx context.Context) (err error) {
		res, err = s.o.Connector.TestConnectivity(ctx, ds, g.ID)
		return err
	})
	var stopped *GroupStoppedError
	switch {
	case errors.As(err, &stopped):
		return fail(Unsupport, stopped.Error())
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		msg := fmt.Sprintf("the test did not finish within %s: resource group %s could not reach the %s endpoint in time", s.o.TestTimeout, g.ID, ds.Type)
		res = Connectivity{State: Unreachable, Message: msg, Steps: []Step{validated, {Code: "timeout", Message: msg, Start: validated.End, End: s.o.Now()}}}
		return res, s.record(ctx, rec.ID, res)
	case err != nil:
		return Connectivity{}, internal(err)
	}
	res.Steps = append([]Step{validated}, res.Steps...)
	if res.State == Connectable {
		res.Message = ""
	}
	return res, s.record(ctx, rec.ID, res)
}

// record stores a test's result as the data source's last one (the
// 2020-05-18 ConnectStatus). A data source deleted while it was tested
// has nothing to record.
func (s *Service) record(ctx context.Context, id int64, res Connectivity) error {
	err := s.update(ctx, func(tx store.Tx) error {
		err := tx.SetDataSourceConnectivity(id, string(res.State), res.Message, s.o.Now())
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return err
}
