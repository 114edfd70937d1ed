package maxcompute

import (
	"context"
	"strings"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/security"
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

// CheckPermission answers /projects/{p}/auth: may the caller perform action
// on an object of the project? It reports the decision without failing.
func (s *Service) CheckPermission(ctx context.Context, caller *iam.Identity, project, objType, name, action string, meta Meta) (bool, string, error) {
	a, err := s.access(ctx, caller, project, meta)
	if err != nil {
		return false, "", err
	}
	canonical := security.CanonicalAction(objType, action)
	if canonical == "" {
		return false, "unknown action " + action + " on " + objType, nil
	}
	obj := a.projectObject()
	creator := ""
	if objType == "table" {
		t, err := s.Table(ctx, a.project.Name, name)
		if err != nil {
			return false, err.Error(), nil
		}
		obj, creator = tableObject(t), t.Owner
	}
	if err := a.check(canonical, obj, creator); err != nil {
		return false, err.Error(), nil
	}
	return true, "", nil
}

// Whoami is the caller's principal in MaxCompute terms.
func Whoami(caller *iam.Identity) (string, string, error) {
	who, err := PrincipalOf(caller)
	return who, CallerID(caller), err
}
