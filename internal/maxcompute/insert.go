package maxcompute

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/mcdb"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// insert runs INSERT INTO|OVERWRITE: Update on the target table, Select on
// every table the source reads. Writing into a partition that does not
// exist creates it; OVERWRITE replaces the rows of the partitions written
// (or of the whole table when it is not partitioned); a dynamic partition
// value that is NULL fails the statement (ODPS-0123031). Everything happens
// in one transaction, with writes to the table serialized.
func (a *access) insert(ctx context.Context, st *sqlast.Insert) (*Result, error) {
	name := a.project.Name
	tr := &translator{ctx: ctx, s: a.s, project: name}
	t, err := tr.table(&st.Table, "Update")
	if err != nil {
		return nil, err
	}
	var static []string
	var dynamic []string
	switch {
	case len(t.PartitionKeys) > 0 && st.Partition == nil:
		return nil, semanticError(st.P, "table %s is partitioned: name the partition, e.g. PARTITION (%s='...')", t.Name, t.PartitionKeys[0].Name)
	case len(t.PartitionKeys) == 0 && st.Partition != nil:
		return nil, semanticError(st.Partition.P, "table %s is not partitioned", t.Name)
	case st.Partition != nil:
		if static, dynamic, err = partitionValues(t, st.Partition, true); err != nil {
			return nil, err
		}
	}
	// Target columns, in the order the source gives them.
	var target []string
	if len(st.Columns) > 0 {
		seen := map[string]bool{}
		for _, c := range st.Columns {
			col, isKey := t.Column(c.Name)
			if col == nil || isKey {
				return nil, semanticError(c.P, "table %s has no column %s", t.Name, c.Name)
			}
			if seen[strings.ToLower(col.Name)] {
				return nil, semanticError(c.P, "column %s is listed twice", c.Name)
			}
			seen[strings.ToLower(col.Name)] = true
			target = append(target, col.Name)
		}
	} else {
		for _, c := range t.Columns {
			target = append(target, c.Name)
		}
	}
	width := len(target) + len(dynamic)

	// The source, as a query with positional columns _c0 ... _cN.
	src := &translator{ctx: ctx, s: a.s, project: name}
	switch {
	case st.Query != nil:
		if err := src.query(st.Query); err != nil {
			return nil, err
		}
	default:
		src.write("VALUES ")
		for i, row := range st.Values {
			if len(row) != width {
				return nil, semanticError(st.P, "row %d has %d values; %s takes %d", i+1, len(row), t.Name, width)
			}
			if i > 0 {
				src.write(", ")
			}
			src.write("(")
			if err := src.exprList(row); err != nil {
				return nil, err
			}
			src.write(")")
		}
	}
	aliases := make([]string, width)
	for i := range aliases {
		aliases[i] = "_c" + strconv.Itoa(i)
	}
	source := "(" + src.b.String() + ") AS _src(" + strings.Join(aliases, ", ") + ")"

	if err := a.check("Update", tableObject(t), t.Owner); err != nil {
		return nil, err
	}
	if err := a.authorizeUses(src.uses); err != nil {
		return nil, err
	}

	// INSERT INTO t_id (target..., keys...) SELECT _c..., static..., dynamic _c...
	var cols, vals []string
	for i, c := range target {
		cols = append(cols, catalog.DataColumn(c))
		vals = append(vals, aliases[i])
	}
	next := len(target)
	for i, k := range t.PartitionKeys {
		cols = append(cols, catalog.DataColumn(k.Name))
		if static[i] != "" {
			typ, _ := catalog.DuckDBType(k.Type)
			vals = append(vals, "CAST("+quoteString(static[i])+" AS "+typ+")")
		} else {
			vals = append(vals, aliases[next])
			next++
		}
	}
	data := catalog.Quote(catalog.DataTable(t.ID))
	insertSQL := "INSERT INTO " + data + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(vals, ", ") + " FROM " + source

	unlock, err := a.s.engine.LockTables(ctx, name, strings.ToLower(t.Name))
	if err != nil {
		return nil, engineError(err)
	}
	defer unlock()
	// The catalog changes: forget what is cached of it.
	defer a.s.cache.invalidateCatalog(name)
	now := a.s.now().UTC()
	var rows int64
	err = a.s.engine.Tx(ctx, name, func(tx mcdb.Tx) error {
		tq := querier(tx)
		// Dynamic partition values may not be NULL.
		for i, d := range dynamic {
			res, err := tx.Query(ctx, "SELECT count(*) FROM "+source+" WHERE "+aliases[len(target)+i]+" IS NULL", 1)
			if err != nil {
				return err
			}
			if toInt64(res.Rows[0][0]) > 0 {
				return &StatementError{Text: fmt.Sprintf("ODPS-0123031:Partition exception - invalid dynamic partition value: %s=NULL", d)}
			}
		}
		if st.Overwrite {
			del := "DELETE FROM " + data
			var args []any
			switch {
			case len(t.PartitionKeys) == 0:
			case len(dynamic) == 0:
				filter, fargs := partitionFilter(t, static)
				del += " WHERE " + filter
				args = fargs
			default:
				// The partitions the source writes to.
				var keyCols, srcCols []string
				for i, k := range t.PartitionKeys {
					keyCols = append(keyCols, catalog.DataColumn(k.Name))
					if static[i] != "" {
						typ, _ := catalog.DuckDBType(k.Type)
						srcCols = append(srcCols, "CAST("+quoteString(static[i])+" AS "+typ+")")
					}
				}
				for i := range dynamic {
					srcCols = append(srcCols, aliases[len(target)+i])
				}
				del += " WHERE (" + strings.Join(keyCols, ", ") + ") IN (SELECT DISTINCT " + strings.Join(srcCols, ", ") + " FROM " + source + ")"
			}
			if _, err := tx.Exec(ctx, del, args...); err != nil {
				return err
			}
		}
		n, err := tx.Exec(ctx, insertSQL)
		if err != nil {
			return err
		}
		rows = n
		// Record the partitions written: the static one, or those the
		// source's dynamic values make (read from the source, not from the
		// whole table, and as the typed columns store them).
		switch {
		case len(t.PartitionKeys) == 0:
		case len(dynamic) == 0:
			if _, err := addPartition(ctx, tq, t, static, now); err != nil {
				return err
			}
		default:
			var keyCols []string
			next := len(target)
			for i, k := range t.PartitionKeys {
				typ, _ := catalog.DuckDBType(k.Type)
				v := quoteString(static[i])
				if static[i] == "" {
					v, next = aliases[next], next+1
				}
				keyCols = append(keyCols, "CAST(CAST("+v+" AS "+typ+") AS VARCHAR)")
			}
			res, err := tx.Query(ctx, "SELECT DISTINCT "+strings.Join(keyCols, ", ")+" FROM "+source, 1<<20)
			if err != nil {
				return err
			}
			for _, row := range res.Rows {
				values := make([]string, len(row))
				for i, v := range row {
					values[i], _ = v.(string)
				}
				if _, err := addPartition(ctx, tq, t, values, now); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `UPDATE _localyun.tables SET modified = ? WHERE id = ?`, now, t.ID)
		return err
	})
	if err != nil {
		return nil, engineError(err)
	}
	return &Result{Text: fmt.Sprintf("OK: %d records inserted into %s", rows, t.Name)}, nil
}
