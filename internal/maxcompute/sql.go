package maxcompute

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/mcdb"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
	"github.com/localyun/localyun/internal/maxcompute/sqlparse"
	"github.com/localyun/localyun/internal/policy"
	"github.com/localyun/localyun/internal/store"
)

// Result is the outcome of a statement: rows for queries, text for the
// rest ("OK", a listing, a description).
type Result struct {
	Columns []string
	// Rows are formatted as MaxCompute prints values; nil is NULL.
	Rows      [][]*string
	Truncated bool
	// Text is the output of statements without rows.
	Text string
	// IsQuery is set for statements that return rows.
	IsQuery bool
}

// CSV writes a query result as the instance result of an SQL task: a
// header, then the rows; NULL is \N.
func (r *Result) CSV() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(r.Columns) //nolint:errcheck // writes to a buffer
	for _, row := range r.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				rec[i] = `\N`
			} else {
				rec[i] = *v
			}
		}
		w.Write(rec) //nolint:errcheck
	}
	w.Flush()
	return b.String()
}

// DefaultResultRows is how many rows an SQL task's result holds (the REST
// result path's documented limit).
const DefaultResultRows = 10000

// Run parses and runs one statement (security statements included, as SQL
// jobs may carry them) as caller in a project.
func (s *Service) Run(ctx context.Context, caller *iam.Identity, project, text string, meta Meta) (*Result, error) {
	stmt, err := sqlparse.Parse(text)
	if err != nil {
		return nil, &StatementError{Text: err.Error()}
	}
	if sqlast.IsSecurity(stmt) {
		out, err := s.ApplySecurity(ctx, caller, project, stmt, meta)
		if err != nil {
			return nil, err
		}
		if out == "" {
			out = "OK"
		}
		return &Result{Text: out}, nil
	}
	return s.RunStatement(ctx, caller, project, stmt, meta)
}

// access is the caller in a project: its principal and the project's
// compiled security model.
type access struct {
	s       *Service
	caller  *iam.Identity
	who     string
	project store.Project
	snap    *security.Snapshot
	meta    Meta
}

func (s *Service) access(ctx context.Context, caller *iam.Identity, project string, meta Meta) (*access, error) {
	who, err := PrincipalOf(caller)
	if err != nil {
		return nil, err
	}
	p, snap, err := s.Project(ctx, project)
	if err != nil {
		return nil, err
	}
	return &access{s: s, caller: caller, who: who, project: p, snap: snap, meta: meta}, nil
}

// check decides an action on an object and audits it; a denial is the
// MaxCompute error with a hint naming the grant to run.
func (a *access) check(action string, obj security.Object, creator string) error {
	now := a.s.now().UTC()
	d := a.decide(action, obj, creator, now)
	p := a.project.Name
	rec := store.AuditRecord{Time: now, RequestID: a.meta.RequestID, Event: "authorize", CallerAccount: a.caller.Account,
		Caller: a.who, AccessKeyID: a.caller.AccessKeyID, SourceIP: a.meta.SourceIP, Action: "odps:" + action,
		Resource: obj.ARN(p), ResourceAccount: a.project.Owner, Decision: "Allow", Deciding: d.Via}
	var err error
	switch {
	case d.Allowed:
	case d.NotMember:
		err = errNotMember(p, a.who)
	case d.Code == security.CodeExplicitlyDeny:
		err = &StatementError{Text: fmt.Sprintf("ODPS-0130013:Authorization exception - Authorization Failed [4011], You have NO privilege 'odps:%s' on {%s}. "+
			"Explicitly denied by policy. Context ID:%s. --->Tips: CurrentProject:%s; Pricipal:%s; Deny: %s",
			action, obj.ARN(p), a.meta.RequestID, p, a.who, d.Via)}
	case obj.Type == "project":
		err = &StatementError{Text: fmt.Sprintf("ODPS-0420095: Access Denied - You have no privilege 'odps:%s' on {%s}. "+
			"Grant it with: grant %s on project %s to user %s;", action, obj.ARN(p), action, p, security.QuotePrincipal(a.who))}
	default:
		err = &StatementError{Text: fmt.Sprintf("ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:%s' on {%s}. "+
			"Grant it with: grant %s on %s %s to user %s;", action, obj.ARN(p), action, obj.Type, obj.Name, security.QuotePrincipal(a.who))}
	}
	if err != nil {
		rec.Decision, rec.ErrorCode = "Deny", errorCode(err)
	}
	a.s.iam.AuditLog().Append(rec)
	return err
}

// decide is the project's decision on an action, unaudited: callers
// audit it (check one by one, Privileges as a whole).
func (a *access) decide(action string, obj security.Object, creator string, now time.Time) security.Decision {
	return a.snap.Check(security.Request{
		Principal: a.who, Action: action, Object: obj, Creator: creator, Now: now,
		Context: policy.Context{
			{Key: policy.KeyCurrentTime, Values: []string{now.Format(time.RFC3339)}},
			{Key: policy.KeySourceIP, Values: []string{a.meta.SourceIP}},
		},
	})
}

// errNotMember is ODPS's refusal of a principal that is not a member of
// project, with the statement that adds it.
func errNotMember(project, who string) *StatementError {
	return &StatementError{Text: fmt.Sprintf("ODPS-0420095: Access Denied - You don't exist in project %s. "+
		"The project owner adds you with: add user %s;", project, security.QuotePrincipal(who))}
}

func (a *access) projectObject() security.Object {
	return security.Object{Type: "project", Name: a.project.Name}
}

func tableObject(t *catalog.Table) security.Object {
	return security.Object{Type: "table", Name: t.Name, ID: strconv.FormatInt(t.ID, 10)}
}

// RunStatement runs a parsed SQL statement (not a security statement).
// Running SQL needs CreateInstance on the project, and then the privilege
// of every object the statement touches, all checked before the engine
// runs anything (§3.4).
func (s *Service) RunStatement(ctx context.Context, caller *iam.Identity, project string, stmt sqlast.Statement, meta Meta) (*Result, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return nil, err
	}
	if err := a.check("CreateInstance", a.projectObject(), ""); err != nil {
		return nil, err
	}
	name := a.project.Name
	q := s.on(name)
	switch st := stmt.(type) {
	case *sqlast.Select:
		return a.runSelect(ctx, q, st, DefaultResultRows)
	case *sqlast.CreateTable:
		return a.createTable(ctx, st)
	case *sqlast.DropTable:
		return a.dropTable(ctx, st)
	case *sqlast.AlterPartitions:
		return a.alterPartitions(ctx, st)
	case *sqlast.Insert:
		return a.insert(ctx, st)
	case *sqlast.ShowTables:
		return a.showTables(ctx, st)
	case *sqlast.ShowPartitions:
		return a.showPartitions(ctx, st)
	case *sqlast.Describe:
		return a.describe(ctx, st)
	}
	return nil, semanticError(stmt.Position(), "statement %T is not supported", stmt)
}

// Analyze parses a query, resolves and authorizes every object in it as
// RunStatement would, and returns the SQL the engine would run, without
// running it. Benchmarks and diagnostics use it.
func (s *Service) Analyze(ctx context.Context, caller *iam.Identity, project, text string, meta Meta) (string, error) {
	stmt, err := sqlparse.Parse(text)
	if err != nil {
		return "", &StatementError{Text: err.Error()}
	}
	sel, isSelect := stmt.(*sqlast.Select)
	if !isSelect {
		return "", semanticError(stmt.Position(), "only queries can be analyzed")
	}
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return "", err
	}
	if err := a.check("CreateInstance", a.projectObject(), ""); err != nil {
		return "", err
	}
	tr := &translator{ctx: ctx, s: a.s, project: a.project.Name}
	if err := tr.query(sel); err != nil {
		return "", err
	}
	if err := a.authorizeUses(tr.uses); err != nil {
		return "", err
	}
	return tr.b.String(), nil
}

// authorizeUses checks every table a translation touched.
func (a *access) authorizeUses(uses []tableUse) error {
	for _, u := range uses {
		if err := a.check(u.action, tableObject(u.table), u.table.Owner); err != nil {
			return err
		}
	}
	return nil
}

func (a *access) runSelect(ctx context.Context, q querier, st *sqlast.Select, maxRows int) (*Result, error) {
	tr := &translator{ctx: ctx, s: a.s, project: a.project.Name}
	if err := tr.query(st); err != nil {
		return nil, err
	}
	if err := a.authorizeUses(tr.uses); err != nil {
		return nil, err
	}
	res, err := q.Query(ctx, tr.b.String(), maxRows)
	if err != nil {
		return nil, engineError(err)
	}
	return formatResult(res), nil
}

// engineError turns an engine failure of generated SQL into an ODPS error:
// binder errors (a column that does not exist) are the user's, limits are
// reported as such.
func engineError(err error) error {
	msg := err.Error()
	var se *StatementError
	if errors.As(err, &se) || apierr.As(err) != nil {
		return err
	}
	switch {
	case strings.Contains(msg, "Binder Error"), strings.Contains(msg, "Conversion Error"), strings.Contains(msg, "Constraint Error"),
		strings.Contains(msg, "Invalid Input Error"), strings.Contains(msg, "Out of Range Error"), strings.Contains(msg, "Catalog Error"):
		return &StatementError{Text: "ODPS-0130071: Semantic analysis exception - " + msg}
	}
	return &StatementError{Text: "ODPS-0123131: Execution exception - " + msg}
}

func formatResult(res *mcdb.Result) *Result {
	out := &Result{IsQuery: true, Truncated: res.Truncated}
	for _, c := range res.Columns {
		out.Columns = append(out.Columns, c.Name)
	}
	for _, row := range res.Rows {
		vals := make([]*string, len(row))
		for i, v := range row {
			if t, isTime := v.(time.Time); isTime && res.Columns[i].DatabaseType == "DATE" {
				s := t.UTC().Format("2006-01-02")
				vals[i] = &s
				continue
			}
			vals[i] = formatValue(v)
		}
		out.Rows = append(out.Rows, vals)
	}
	return out
}

// formatValue prints a value as MaxCompute does: DATETIME as
// yyyy-mm-dd hh:mi:ss, booleans as true/false.
func formatValue(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		if x.Nanosecond() != 0 {
			s = x.UTC().Format("2006-01-02 15:04:05.999999999")
		} else {
			s = x.UTC().Format("2006-01-02 15:04:05")
		}
	case *big.Int:
		s = x.String()
	case fmt.Stringer:
		s = x.String()
	default:
		if b, err := json.Marshal(x); err == nil {
			s = string(b)
		} else {
			s = fmt.Sprint(x)
		}
	}
	return &s
}
