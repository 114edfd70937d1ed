package maxcompute

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/mcdb"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

func ok() *Result { return &Result{Text: "OK"} }

// columns validates column definitions and converts them.
func columnsOf(defs []sqlast.ColumnDef, partition bool) ([]catalog.Column, error) {
	out := make([]catalog.Column, 0, len(defs))
	for _, d := range defs {
		if why := catalog.ValidName(d.Name.Name); why != "" {
			return nil, semanticError(d.P, "invalid column name %s: %s", d.Name.Name, why)
		}
		if _, err := catalog.DuckDBType(d.Type); err != nil {
			return nil, semanticError(d.P, "column %s: %v", d.Name.Name, err)
		}
		if partition && !slices.Contains(catalog.PartitionKeyTypes, d.Type.Name) {
			return nil, semanticError(d.P, "partition column %s has type %s; partition columns are %s",
				d.Name.Name, catalog.TypeString(d.Type), strings.ToLower(strings.Join(catalog.PartitionKeyTypes, ", ")))
		}
		out = append(out, catalog.Column{Name: d.Name.Name, Type: d.Type, Comment: d.Comment, NotNull: d.NotNull})
	}
	return out, nil
}

// dataTableDDL is the CREATE TABLE of a table's data: its columns, then
// its partition keys; VARCHAR(n) and CHAR(n) lengths are checked.
func dataTableDDL(t *catalog.Table) (string, error) {
	var cols []string
	for _, c := range append(slices.Clone(t.Columns), t.PartitionKeys...) {
		typ, err := catalog.DuckDBType(c.Type)
		if err != nil {
			return "", err
		}
		def := catalog.DataColumn(c.Name) + " " + typ
		if c.NotNull {
			def += " NOT NULL"
		}
		if (c.Type.Name == "VARCHAR" || c.Type.Name == "CHAR") && len(c.Type.Params) == 1 {
			def += fmt.Sprintf(" CHECK (length(%s) <= %d)", catalog.DataColumn(c.Name), c.Type.Params[0])
		}
		cols = append(cols, def)
	}
	return "CREATE TABLE " + catalog.Quote(catalog.DataTable(t.ID)) + " (" + strings.Join(cols, ", ") + ")", nil
}

func (a *access) createTable(ctx context.Context, st *sqlast.CreateTable) (*Result, error) {
	if st.Name.Project != "" && !strings.EqualFold(st.Name.Project, a.project.Name) {
		return nil, semanticError(st.P, "tables are created in the current project %s, not %s", a.project.Name, st.Name.Project)
	}
	if why := catalog.ValidName(st.Name.Table); why != "" {
		return nil, semanticError(st.Name.P, "invalid table name %s: %s", st.Name.Table, why)
	}
	if err := a.check("CreateTable", a.projectObject(), ""); err != nil {
		return nil, err
	}
	now := a.s.now().UTC()
	t := &catalog.Table{Name: st.Name.Table, Comment: st.Comment, Owner: a.who, Lifecycle: st.Lifecycle,
		CreatedAt: now, LastDDLAt: now, ModifiedAt: now}
	var err error

	switch {
	case st.Like != nil:
		src, err := (&translator{ctx: ctx, s: a.s, project: a.project.Name}).table(st.Like, "Describe")
		if err != nil {
			return nil, err
		}
		if err := a.check("Describe", tableObject(src), src.Owner); err != nil {
			return nil, err
		}
		t.Columns, t.PartitionKeys = slices.Clone(src.Columns), slices.Clone(src.PartitionKeys)
	case st.AsSelect != nil:
		return nil, semanticError(st.P, "CREATE TABLE ... AS SELECT is not supported yet: create the table, then INSERT ... SELECT")
	default:
		if t.Columns, err = columnsOf(st.Columns, false); err != nil {
			return nil, err
		}
		if t.PartitionKeys, err = columnsOf(st.PartitionBy, true); err != nil {
			return nil, err
		}
	}
	if len(t.Columns) == 0 {
		return nil, semanticError(st.P, "a table needs at least one column")
	}
	seen := map[string]bool{}
	for _, c := range append(slices.Clone(t.Columns), t.PartitionKeys...) {
		k := strings.ToLower(c.Name)
		if seen[k] {
			return nil, semanticError(st.P, "column %s is defined twice", c.Name)
		}
		seen[k] = true
	}
	unlock, err := a.s.engine.LockTables(ctx, a.project.Name, strings.ToLower(t.Name))
	if err != nil {
		return nil, engineError(err)
	}
	defer unlock()
	// The catalog changes: forget what is cached of it.
	defer a.s.cache.invalidateCatalog(a.project.Name)
	var exists bool
	err = a.s.engine.Tx(ctx, a.project.Name, func(tx mcdb.Tx) error {
		tq := querier(tx)
		existing, err := lookupTable(ctx, tq, t.Name)
		if err != nil {
			return err
		}
		if existing != nil {
			exists = true
			return nil
		}
		res, err := tx.Query(ctx, `SELECT nextval('_localyun.table_ids')`, 1)
		if err != nil {
			return err
		}
		t.ID = toInt64(res.Rows[0][0])
		ddl, err := dataTableDDL(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO _localyun.tables (id, name_key, name, comment, owner, lifecycle, columns, partition_keys, created, last_ddl, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, strings.ToLower(t.Name), t.Name, t.Comment, t.Owner, t.Lifecycle,
			encodeColumns(t.Columns), encodeColumns(t.PartitionKeys), now, now, now)
		return err
	})
	if err != nil {
		return nil, engineError(err)
	}
	if exists && !st.IfNotExists {
		return nil, &StatementError{Text: fmt.Sprintf("ODPS-0130071:[%d,%d] Semantic analysis exception - Table or view already exists - %s.%s",
			st.Name.P.Line, st.Name.P.Col, a.project.Name, st.Name.Table)}
	}
	return ok(), nil
}

func (a *access) dropTable(ctx context.Context, st *sqlast.DropTable) (*Result, error) {
	tr := &translator{ctx: ctx, s: a.s, project: a.project.Name}
	t, err := tr.table(&st.Name, "Drop")
	if err != nil {
		if st.IfExists && isTableNotFound(err) {
			return ok(), nil
		}
		return nil, err
	}
	if err := a.check("Drop", tableObject(t), t.Owner); err != nil {
		return nil, err
	}
	unlock, err := a.s.engine.LockTables(ctx, a.project.Name, strings.ToLower(t.Name))
	if err != nil {
		return nil, engineError(err)
	}
	defer unlock()
	// The catalog changes: forget what is cached of it.
	defer a.s.cache.invalidateCatalog(a.project.Name)
	err = a.s.engine.Tx(ctx, a.project.Name, func(tx mcdb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM _localyun.partitions WHERE table_id = ?`, t.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM _localyun.tables WHERE id = ?`, t.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DROP TABLE `+catalog.Quote(catalog.DataTable(t.ID)))
		return err
	})
	if err != nil {
		return nil, engineError(err)
	}
	return ok(), nil
}

func isTableNotFound(err error) bool {
	se, okType := err.(*StatementError)
	return okType && strings.HasPrefix(se.Text, "ODPS-0130131")
}

// partitionValues reads a static partition spec of a table: every key, in
// key order, each a literal.
func partitionValues(t *catalog.Table, spec *sqlast.PartitionSpec, allowDynamic bool) ([]string, []string, error) {
	if len(t.PartitionKeys) == 0 {
		return nil, nil, semanticError(spec.P, "table %s is not partitioned", t.Name)
	}
	if len(spec.Columns) != len(t.PartitionKeys) {
		return nil, nil, semanticError(spec.P, "a partition of %s names all its partition columns: %s", t.Name, keyNames(t))
	}
	values := make([]string, len(t.PartitionKeys))
	var dynamic []string
	for i, pv := range spec.Columns {
		if !strings.EqualFold(pv.Name.Name, t.PartitionKeys[i].Name) {
			return nil, nil, semanticError(pv.Name.P, "partition column %d of %s is %s, not %s", i+1, t.Name, t.PartitionKeys[i].Name, pv.Name.Name)
		}
		if pv.Value == nil {
			if !allowDynamic {
				return nil, nil, semanticError(pv.Name.P, "partition column %s needs a value", pv.Name.Name)
			}
			dynamic = append(dynamic, t.PartitionKeys[i].Name)
			continue
		}
		if len(dynamic) > 0 {
			return nil, nil, semanticError(pv.Name.P, "static partition columns come before dynamic ones")
		}
		lit, isLit := pv.Value.(*sqlast.Literal)
		if !isLit || lit.Kind == sqlast.LitNull {
			return nil, nil, semanticError(pv.Name.P, "the value of partition column %s must be a literal", pv.Name.Name)
		}
		if strings.ContainsAny(lit.Value, "/=\x00") || lit.Value == "" {
			return nil, nil, semanticError(pv.Name.P, "invalid partition value %q", lit.Value)
		}
		values[i] = lit.Value
	}
	return values, dynamic, nil
}

func keyNames(t *catalog.Table) string {
	var names []string
	for _, k := range t.PartitionKeys {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// partitionFilter is the WHERE condition of one partition's rows.
func partitionFilter(t *catalog.Table, values []string) (string, []any) {
	var conds []string
	var args []any
	for i, k := range t.PartitionKeys {
		if values[i] == "" {
			continue
		}
		conds = append(conds, fmt.Sprintf("CAST(%s AS VARCHAR) = ?", catalog.DataColumn(k.Name)))
		args = append(args, values[i])
	}
	return strings.Join(conds, " AND "), args
}

func (a *access) alterPartitions(ctx context.Context, st *sqlast.AlterPartitions) (*Result, error) {
	t, err := (&translator{ctx: ctx, s: a.s, project: a.project.Name}).table(&st.Table, "Alter")
	if err != nil {
		return nil, err
	}
	if err := a.check("Alter", tableObject(t), t.Owner); err != nil {
		return nil, err
	}
	specs := make([][]string, len(st.Specs))
	for i := range st.Specs {
		if specs[i], _, err = partitionValues(t, &st.Specs[i], false); err != nil {
			return nil, err
		}
	}
	unlock, err := a.s.engine.LockTables(ctx, a.project.Name, strings.ToLower(t.Name))
	if err != nil {
		return nil, engineError(err)
	}
	defer unlock()
	// The catalog changes: forget what is cached of it.
	defer a.s.cache.invalidateCatalog(a.project.Name)
	now := a.s.now().UTC()
	err = a.s.engine.Tx(ctx, a.project.Name, func(tx mcdb.Tx) error {
		tq := querier(tx)
		existing, err := partitionsOf(ctx, tq, t)
		if err != nil {
			return err
		}
		has := func(vals []string) bool {
			return slices.ContainsFunc(existing, func(p catalog.Partition) bool { return slices.Equal(p.Values, vals) })
		}
		for _, vals := range specs {
			switch {
			case !st.Drop && has(vals) && !st.IfCondition:
				return &StatementError{Text: fmt.Sprintf("ODPS-0130071: Semantic analysis exception - Partition already exists - %s", t.Spec(vals))}
			case !st.Drop && !has(vals):
				if _, err := addPartition(ctx, tq, t, vals, now); err != nil {
					return err
				}
			case st.Drop && !has(vals) && !st.IfCondition:
				return &StatementError{Text: fmt.Sprintf("ODPS-0130071: Semantic analysis exception - Partition not found - %s", t.Spec(vals))}
			case st.Drop && has(vals):
				filter, args := partitionFilter(t, vals)
				if _, err := tx.Exec(ctx, `DELETE FROM `+catalog.Quote(catalog.DataTable(t.ID))+` WHERE `+filter, args...); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `DELETE FROM _localyun.partitions WHERE table_id = ? AND spec = ?`, t.ID, t.Spec(vals)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, engineError(err)
	}
	return ok(), nil
}

func (a *access) showTables(ctx context.Context, st *sqlast.ShowTables) (*Result, error) {
	if st.Project != "" && !strings.EqualFold(st.Project, a.project.Name) {
		return nil, semanticError(st.P, "SHOW TABLES lists the current project %s only", a.project.Name)
	}
	if err := a.check("List", a.projectObject(), ""); err != nil {
		return nil, err
	}
	tables, err := a.s.Tables(ctx, a.project.Name)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, t := range tables {
		if st.Like != "" && !likeMatch(st.Like, t.Name) {
			continue
		}
		lines = append(lines, t.Owner+":"+t.Name)
	}
	return &Result{Text: strings.Join(lines, "\n")}, nil
}

// likeMatch is SQL LIKE with % and _, case-insensitive.
func likeMatch(pattern, s string) bool {
	p, v := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(s))
	var m func(i, j int) bool
	memo := map[[2]int]bool{}
	m = func(i, j int) bool {
		if r, ok := memo[[2]int{i, j}]; ok {
			return r
		}
		var r bool
		switch {
		case i == len(p):
			r = j == len(v)
		case p[i] == '%':
			r = m(i+1, j) || j < len(v) && m(i, j+1)
		case j == len(v):
		case p[i] == '_' || p[i] == v[j]:
			r = m(i+1, j+1)
		}
		memo[[2]int{i, j}] = r
		return r
	}
	return m(0, 0)
}

func (a *access) showPartitions(ctx context.Context, st *sqlast.ShowPartitions) (*Result, error) {
	t, err := (&translator{ctx: ctx, s: a.s, project: a.project.Name}).table(&st.Table, "Describe")
	if err != nil {
		return nil, err
	}
	if err := a.check("Describe", tableObject(t), t.Owner); err != nil {
		return nil, err
	}
	parts, err := a.s.Partitions(ctx, a.project.Name, t)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, p := range parts {
		lines = append(lines, t.Spec(p.Values))
	}
	return &Result{Text: strings.Join(lines, "\n")}, nil
}

func (a *access) describe(ctx context.Context, st *sqlast.Describe) (*Result, error) {
	t, err := (&translator{ctx: ctx, s: a.s, project: a.project.Name}).table(&st.Table, "Describe")
	if err != nil {
		return nil, err
	}
	if err := a.check("Describe", tableObject(t), t.Owner); err != nil {
		return nil, err
	}
	var b strings.Builder
	line := strings.Repeat("-", 80)
	fmt.Fprintf(&b, "+%s+\n", line)
	fmt.Fprintf(&b, "| Owner: %-30s | Project: %-28s |\n", t.Owner, a.project.Name)
	fmt.Fprintf(&b, "| TableComment: %-64s |\n", t.Comment)
	fmt.Fprintf(&b, "+%s+\n", line)
	fmt.Fprintf(&b, "| CreateTime: %-66s |\n", t.CreatedAt.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "| LastDDLTime: %-65s |\n", t.LastDDLAt.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "| LastModifiedTime: %-60s |\n", t.ModifiedAt.Format("2006-01-02 15:04:05"))
	if t.Lifecycle > 0 {
		fmt.Fprintf(&b, "| Lifecycle: %-67d |\n", t.Lifecycle)
	}
	fmt.Fprintf(&b, "+%s+\n", line)
	fmt.Fprintf(&b, "| Native Columns: %-62s |\n", "")
	fmt.Fprintf(&b, "+%s+\n", line)
	fmt.Fprintf(&b, "| %-20s | %-20s | %-34s |\n", "Field", "Type", "Comment")
	fmt.Fprintf(&b, "+%s+\n", line)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "| %-20s | %-20s | %-34s |\n", c.Name, catalog.TypeString(c.Type), c.Comment)
	}
	fmt.Fprintf(&b, "+%s+\n", line)
	if len(t.PartitionKeys) > 0 {
		fmt.Fprintf(&b, "| Partition Columns: %-59s |\n", "")
		fmt.Fprintf(&b, "+%s+\n", line)
		for _, c := range t.PartitionKeys {
			fmt.Fprintf(&b, "| %-20s | %-20s | %-34s |\n", c.Name, catalog.TypeString(c.Type), c.Comment)
		}
		fmt.Fprintf(&b, "+%s+\n", line)
	}
	return &Result{Text: strings.TrimRight(b.String(), "\n")}, nil
}
