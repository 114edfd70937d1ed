package maxcompute

import (
	"context"
	"fmt"
	"strings"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/store"
)

// ReadTable reads up to limit rows of a table (of one partition, when
// values are given), outside SQL: the reader DataWorks uses for previews
// and Data Integration, and later the tunnel. It needs Select on the table
// only, not CreateInstance: no job runs (§3.4). So the seed's
// `add user` + `grant Select` is exactly enough.
func (s *Service) ReadTable(ctx context.Context, caller *iam.Identity, project, table string, partition []string, limit int, meta Meta) (*Result, *catalog.Table, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return nil, nil, err
	}
	if !a.snap.State.IsMember(a.who) {
		return nil, nil, a.check("Select", a.projectObject(), "") // the not-a-member error, audited
	}
	t, err := s.Table(ctx, a.project.Name, table)
	if err != nil {
		return nil, nil, err
	}
	if err := a.check("Select", tableObject(t), t.Owner); err != nil {
		return nil, nil, err
	}
	var cols []string
	for _, c := range append(append([]catalog.Column{}, t.Columns...), t.PartitionKeys...) {
		cols = append(cols, catalog.DataColumn(c.Name))
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + catalog.Quote(catalog.DataTable(t.ID))
	var args []any
	if len(partition) > 0 {
		if len(partition) != len(t.PartitionKeys) {
			return nil, nil, &StatementError{Text: "ODPS-0130071: Semantic analysis exception - a partition of " + t.Name + " names all its partition columns: " + keyNames(t)}
		}
		filter, fargs := partitionFilter(t, partition)
		query += " WHERE " + filter
		args = fargs
	}
	if limit <= 0 || limit > DefaultResultRows {
		limit = DefaultResultRows
	}
	res, err := s.engine.Query(ctx, a.project.Name, query, limit, args...)
	if err != nil {
		return nil, nil, engineError(err)
	}
	return formatResult(res), t, nil
}

// Privileges is what a caller may do in a project: the project actions
// asked about that it may perform, and the tables it may Select.
type Privileges struct {
	Project  []string
	Readable []string // in table-name order
	// Checked is the number of tables decided (at most the limit asked).
	Checked, Tables int
}

// Privileges decides, from one snapshot of the project's security state,
// each of the project actions and Select on up to maxTables tables, for a
// caller that is a member of the project (else ODPS-0420095). It writes one
// audit record for the whole (odps:CheckPrivileges, the counts as its
// reason) rather than one per decision: a DataWorks connectivity test asks
// this of every table.
func (s *Service) Privileges(ctx context.Context, caller *iam.Identity, project string, actions []string, maxTables int, meta Meta) (Privileges, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return Privileges{}, err
	}
	now := s.now().UTC()
	rec := store.AuditRecord{Time: now, RequestID: meta.RequestID, Event: "authorize", CallerAccount: caller.Account, Caller: a.who,
		AccessKeyID: caller.AccessKeyID, SourceIP: meta.SourceIP, Action: "odps:CheckPrivileges",
		Resource: a.projectObject().ARN(a.project.Name), ResourceAccount: a.project.Owner, Decision: "Allow"}
	if a.decide(security.CanonicalAction("project", "List"), a.projectObject(), "", now).NotMember {
		rec.Decision, rec.ErrorCode, rec.Deciding = "Deny", "ODPS-0420095", "not a member of the project"
		s.iam.AuditLog().Append(rec)
		return Privileges{}, errNotMember(a.project.Name, a.who)
	}
	var out Privileges
	for _, act := range actions {
		if a.decide(security.CanonicalAction("project", act), a.projectObject(), "", now).Allowed {
			out.Project = append(out.Project, act)
		}
	}
	tables, err := s.Tables(ctx, a.project.Name)
	if err != nil {
		return Privileges{}, err
	}
	out.Tables = len(tables)
	selectAction := security.CanonicalAction("table", "Select")
	for _, t := range tables {
		if out.Checked == maxTables {
			break
		}
		out.Checked++
		if a.decide(selectAction, tableObject(t), t.Owner, now).Allowed {
			out.Readable = append(out.Readable, t.Name)
		}
	}
	rec.Deciding = fmt.Sprintf("project actions allowed: %d of %d; Select on %d of %d tables checked (%d in the project)",
		len(out.Project), len(actions), len(out.Readable), out.Checked, out.Tables)
	s.iam.AuditLog().Append(rec)
	return out, nil
}
