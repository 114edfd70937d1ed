package maxcompute

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// The translator writes DuckDB SQL from a parsed statement, and only from
// it: every table is resolved to its catalog entry (and listed for
// authorization), every identifier is emitted double-quoted, so it can only
// name a column of a table in scope, every function must be on the
// allow-list, and literals are re-written from their parsed values. No text
// of the user's statement reaches the engine.

// semanticError is MaxCompute's ODPS-0130071 (semantic analysis) error.
func semanticError(pos sqlast.Pos, format string, args ...any) error {
	return &StatementError{Text: fmt.Sprintf("ODPS-0130071:[%d,%d] Semantic analysis exception - %s", pos.Line, pos.Col, fmt.Sprintf(format, args...))}
}

// tableUse is a table a statement touches and the privilege it needs.
type tableUse struct {
	table  *catalog.Table
	action string // Select, Update, Alter, Drop, Describe
}

// translator holds the state of one translation.
type translator struct {
	ctx     context.Context
	s       *Service
	project string
	uses    []tableUse
	b       strings.Builder
	depth   int
}

func (t *translator) write(parts ...string) {
	for _, p := range parts {
		t.b.WriteString(p)
	}
}

// table resolves a table name of the current project; names of other
// projects are refused (cross-project access is a later feature).
func (t *translator) table(n *sqlast.TableName, action string) (*catalog.Table, error) {
	if n.Project != "" && !strings.EqualFold(n.Project, t.project) {
		return nil, semanticError(n.P, "table %s.%s is in another project: localyun runs statements only on tables of the current project %s", n.Project, n.Table, t.project)
	}
	if n.Schema != "" && !strings.EqualFold(n.Schema, "default") {
		return nil, semanticError(n.P, "schema %s does not exist: projects have only the default schema", n.Schema)
	}
	tb, err := t.s.tableOf(t.ctx, t.project, n.Table)
	if err != nil {
		return nil, err
	}
	if tb == nil {
		return nil, &StatementError{Text: fmt.Sprintf("ODPS-0130131:[%d,%d] Table not found - table %s.%s cannot be resolved", n.P.Line, n.P.Col, t.project, n.Table)}
	}
	t.uses = append(t.uses, tableUse{table: tb, action: action})
	return tb, nil
}

// query writes a SELECT (with its UNION chain).
func (t *translator) query(s *sqlast.Select) error {
	t.depth++
	defer func() { t.depth-- }()
	if t.depth > 64 {
		return semanticError(s.P, "queries are nested more than 64 deep")
	}
	t.write("SELECT ")
	if s.Distinct {
		t.write("DISTINCT ")
	}
	for i, item := range s.Items {
		if i > 0 {
			t.write(", ")
		}
		switch {
		case item.Star && item.Table != "":
			t.write(catalog.Quote(strings.ToLower(item.Table)), ".*")
		case item.Star:
			t.write("*")
		default:
			if err := t.expr(item.Expr); err != nil {
				return err
			}
			if item.Alias != "" {
				t.write(" AS ", catalog.Quote(strings.ToLower(item.Alias)))
			}
		}
	}
	if s.From != nil {
		t.write(" FROM ")
		if err := t.source(&s.From.Source); err != nil {
			return err
		}
		for _, j := range s.From.Joins {
			switch j.Kind {
			case sqlast.CrossJoin:
				t.write(" CROSS JOIN ")
			case sqlast.LeftJoin:
				t.write(" LEFT JOIN ")
			case sqlast.RightJoin:
				t.write(" RIGHT JOIN ")
			case sqlast.FullJoin:
				t.write(" FULL JOIN ")
			default:
				t.write(" JOIN ")
			}
			if err := t.source(&j.Source); err != nil {
				return err
			}
			if j.On != nil {
				t.write(" ON ")
				if err := t.expr(j.On); err != nil {
					return err
				}
			}
		}
	}
	if s.Where != nil {
		t.write(" WHERE ")
		if err := t.expr(s.Where); err != nil {
			return err
		}
	}
	if len(s.GroupBy) > 0 {
		t.write(" GROUP BY ")
		if err := t.exprList(s.GroupBy); err != nil {
			return err
		}
	}
	if s.Having != nil {
		t.write(" HAVING ")
		if err := t.expr(s.Having); err != nil {
			return err
		}
	}
	if len(s.OrderBy) > 0 {
		t.write(" ORDER BY ")
		for i, o := range s.OrderBy {
			if i > 0 {
				t.write(", ")
			}
			if err := t.expr(o.Expr); err != nil {
				return err
			}
			if o.Desc {
				t.write(" DESC")
			}
		}
	}
	if s.Limit != nil {
		t.write(" LIMIT ", strconv.FormatInt(*s.Limit, 10))
	}
	if s.Union != nil {
		if s.Union.All {
			t.write(" UNION ALL ")
		} else {
			t.write(" UNION ")
		}
		return t.query(s.Union.Query)
	}
	return nil
}

// source writes a table (as its data table, aliased by its name or alias)
// or a subquery.
func (t *translator) source(src *sqlast.TableSource) error {
	if src.Subquery != nil {
		t.write("(")
		if err := t.query(src.Subquery); err != nil {
			return err
		}
		t.write(")")
		if src.Alias != "" {
			t.write(" AS ", catalog.Quote(strings.ToLower(src.Alias)))
		}
		return nil
	}
	tb, err := t.table(src.Table, "Select")
	if err != nil {
		return err
	}
	alias := src.Alias
	if alias == "" {
		alias = src.Table.Table
	}
	t.write(catalog.Quote(catalog.DataTable(tb.ID)), " AS ", catalog.Quote(strings.ToLower(alias)))
	return nil
}

func (t *translator) exprList(list []sqlast.Expr) error {
	for i, e := range list {
		if i > 0 {
			t.write(", ")
		}
		if err := t.expr(e); err != nil {
			return err
		}
	}
	return nil
}

var binaryOps = map[string]string{
	"+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "||": "||",
	"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
	"AND": "AND", "OR": "OR", "LIKE": "LIKE", "RLIKE": "RLIKE",
}

// expr writes an expression, parenthesized so precedence is the parse
// tree's.
func (t *translator) expr(e sqlast.Expr) error {
	switch x := e.(type) {
	case *sqlast.Literal:
		return t.literal(x)
	case *sqlast.ColumnRef:
		if x.Qualifier != "" {
			t.write(catalog.Quote(strings.ToLower(x.Qualifier)), ".")
		}
		t.write(catalog.Quote(strings.ToLower(x.Name)))
	case *sqlast.Star:
		t.write("*")
	case *sqlast.Binary:
		op, ok := binaryOps[strings.ToUpper(x.Op)]
		if !ok {
			return semanticError(x.P, "operator %s is not supported", x.Op)
		}
		if op == "RLIKE" {
			// MaxCompute RLIKE is a regular-expression search.
			t.write("regexp_matches(")
			if err := t.expr(x.Left); err != nil {
				return err
			}
			t.write(", ")
			if err := t.expr(x.Right); err != nil {
				return err
			}
			t.write(")")
			return nil
		}
		t.write("(")
		if err := t.expr(x.Left); err != nil {
			return err
		}
		t.write(" ", op, " ")
		if err := t.expr(x.Right); err != nil {
			return err
		}
		t.write(")")
	case *sqlast.Unary:
		switch strings.ToUpper(x.Op) {
		case "NOT":
			t.write("(NOT ")
		case "-":
			t.write("(- ")
		default:
			return semanticError(x.P, "operator %s is not supported", x.Op)
		}
		if err := t.expr(x.X); err != nil {
			return err
		}
		t.write(")")
	case *sqlast.IsNull:
		t.write("(")
		if err := t.expr(x.X); err != nil {
			return err
		}
		if x.Not {
			t.write(" IS NOT NULL)")
		} else {
			t.write(" IS NULL)")
		}
	case *sqlast.In:
		t.write("(")
		if err := t.expr(x.X); err != nil {
			return err
		}
		if x.Not {
			t.write(" NOT")
		}
		t.write(" IN (")
		if x.Subquery != nil {
			if err := t.query(x.Subquery); err != nil {
				return err
			}
		} else if err := t.exprList(x.List); err != nil {
			return err
		}
		t.write("))")
	case *sqlast.Between:
		t.write("(")
		if err := t.expr(x.X); err != nil {
			return err
		}
		if x.Not {
			t.write(" NOT")
		}
		t.write(" BETWEEN ")
		if err := t.expr(x.Lo); err != nil {
			return err
		}
		t.write(" AND ")
		if err := t.expr(x.Hi); err != nil {
			return err
		}
		t.write(")")
	case *sqlast.Case:
		t.write("CASE")
		if x.Operand != nil {
			t.write(" ")
			if err := t.expr(x.Operand); err != nil {
				return err
			}
		}
		for _, w := range x.Whens {
			t.write(" WHEN ")
			if err := t.expr(w.Cond); err != nil {
				return err
			}
			t.write(" THEN ")
			if err := t.expr(w.Result); err != nil {
				return err
			}
		}
		if x.Else != nil {
			t.write(" ELSE ")
			if err := t.expr(x.Else); err != nil {
				return err
			}
		}
		t.write(" END")
	case *sqlast.Cast:
		typ, err := catalog.DuckDBType(x.Type)
		if err != nil {
			return semanticError(x.P, "%v", err)
		}
		t.write("CAST(")
		if err := t.expr(x.X); err != nil {
			return err
		}
		t.write(" AS ", typ, ")")
	case *sqlast.Subquery:
		if x.Exists {
			t.write("EXISTS ")
		}
		t.write("(")
		if err := t.query(x.Query); err != nil {
			return err
		}
		t.write(")")
	case *sqlast.FuncCall:
		return t.call(x)
	default:
		return semanticError(e.Position(), "expression %T is not supported", e)
	}
	return nil
}

// literal writes a literal from its parsed value.
func (t *translator) literal(x *sqlast.Literal) error {
	switch x.Kind {
	case sqlast.LitNull:
		t.write("NULL")
	case sqlast.LitBool:
		if strings.EqualFold(x.Value, "true") {
			t.write("TRUE")
		} else {
			t.write("FALSE")
		}
	case sqlast.LitInt, sqlast.LitBigint:
		if _, err := strconv.ParseInt(x.Value, 10, 64); err != nil {
			return semanticError(x.P, "integer %s is out of range", x.Value)
		}
		t.write("CAST(", x.Value, " AS BIGINT)")
	case sqlast.LitSmallint, sqlast.LitTinyint:
		if _, err := strconv.ParseInt(x.Value, 10, 64); err != nil {
			return semanticError(x.P, "integer %s is out of range", x.Value)
		}
		typ := "SMALLINT"
		if x.Kind == sqlast.LitTinyint {
			typ = "TINYINT"
		}
		t.write("CAST(", x.Value, " AS ", typ, ")")
	case sqlast.LitDouble, sqlast.LitFloat, sqlast.LitDecimal:
		if _, err := strconv.ParseFloat(x.Value, 64); err != nil {
			return semanticError(x.P, "number %s is not valid", x.Value)
		}
		typ := map[sqlast.LiteralKind]string{sqlast.LitDouble: "DOUBLE", sqlast.LitFloat: "FLOAT", sqlast.LitDecimal: "DECIMAL(38,18)"}[x.Kind]
		t.write("CAST(", quoteString(x.Value), " AS ", typ, ")")
	case sqlast.LitString:
		t.write(quoteString(x.Value))
	case sqlast.LitDate:
		t.write("CAST(", quoteString(x.Value), " AS DATE)")
	case sqlast.LitDatetime:
		t.write("CAST(", quoteString(x.Value), " AS TIMESTAMP_MS)")
	case sqlast.LitTimestamp:
		t.write("CAST(", quoteString(x.Value), " AS TIMESTAMP_NS)")
	default:
		return semanticError(x.P, "literal %s is not supported", x.Kind)
	}
	return nil
}

// quoteString writes a DuckDB string literal. DuckDB strings have no
// backslash escapes: only the quote is doubled.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// function is an allowed function: its DuckDB name, or a writer for the
// ones that need rewriting, and its arity.
type function struct {
	duck           string
	minArgs, max   int // max -1: any
	aggregate      bool
	write          func(t *translator, args []sqlast.Expr) error
	allowsDistinct bool
}

// functions is filled in init: its writers call back into the translator.
var functions map[string]function

func init() {
	functions = map[string]function{
		"count":    {duck: "count", minArgs: 1, max: -1, aggregate: true, allowsDistinct: true},
		"sum":      {duck: "sum", minArgs: 1, max: 1, aggregate: true, allowsDistinct: true},
		"avg":      {duck: "avg", minArgs: 1, max: 1, aggregate: true, allowsDistinct: true},
		"min":      {duck: "min", minArgs: 1, max: 1, aggregate: true},
		"max":      {duck: "max", minArgs: 1, max: 1, aggregate: true},
		"stddev":   {duck: "stddev_pop", minArgs: 1, max: 1, aggregate: true},
		"variance": {duck: "var_pop", minArgs: 1, max: 1, aggregate: true},

		"abs": {duck: "abs", minArgs: 1, max: 1}, "ceil": {duck: "ceil", minArgs: 1, max: 1},
		"floor": {duck: "floor", minArgs: 1, max: 1}, "round": {duck: "round", minArgs: 1, max: 2},
		"sqrt": {duck: "sqrt", minArgs: 1, max: 1}, "exp": {duck: "exp", minArgs: 1, max: 1},
		"ln": {duck: "ln", minArgs: 1, max: 1}, "pow": {duck: "pow", minArgs: 2, max: 2},
		"power": {duck: "pow", minArgs: 2, max: 2}, "rand": {duck: "random", minArgs: 0, max: 0},
		"sign": {duck: "sign", minArgs: 1, max: 1},

		"length": {duck: "length", minArgs: 1, max: 1}, "lower": {duck: "lower", minArgs: 1, max: 1},
		"upper": {duck: "upper", minArgs: 1, max: 1}, "tolower": {duck: "lower", minArgs: 1, max: 1},
		"toupper": {duck: "upper", minArgs: 1, max: 1}, "trim": {duck: "trim", minArgs: 1, max: 1},
		"ltrim": {duck: "ltrim", minArgs: 1, max: 1}, "rtrim": {duck: "rtrim", minArgs: 1, max: 1},
		"substr": {duck: "substr", minArgs: 2, max: 3}, "substring": {duck: "substr", minArgs: 2, max: 3},
		"replace": {duck: "replace", minArgs: 3, max: 3}, "instr": {duck: "instr", minArgs: 2, max: 2},
		"lpad": {duck: "lpad", minArgs: 3, max: 3}, "rpad": {duck: "rpad", minArgs: 3, max: 3},
		"reverse": {duck: "reverse", minArgs: 1, max: 1}, "repeat": {duck: "repeat", minArgs: 2, max: 2},
		"md5": {duck: "md5", minArgs: 1, max: 1}, "concat_ws": {duck: "concat_ws", minArgs: 2, max: -1},
		"split_part":     {duck: "split_part", minArgs: 3, max: 3},
		"regexp_extract": {duck: "regexp_extract", minArgs: 2, max: 3},
		"coalesce":       {duck: "coalesce", minArgs: 1, max: -1}, "nvl": {duck: "coalesce", minArgs: 2, max: 2},
		"nullif": {duck: "nullif", minArgs: 2, max: 2}, "greatest": {duck: "greatest", minArgs: 1, max: -1},
		"least": {duck: "least", minArgs: 1, max: -1},
		"year":  {duck: "year", minArgs: 1, max: 1}, "month": {duck: "month", minArgs: 1, max: 1},
		"day": {duck: "day", minArgs: 1, max: 1}, "hour": {duck: "hour", minArgs: 1, max: 1},
		"minute": {duck: "minute", minArgs: 1, max: 1}, "second": {duck: "second", minArgs: 1, max: 1},

		// MaxCompute's concat is NULL when any argument is NULL, like ||.
		"concat": {minArgs: 1, max: -1, write: func(t *translator, args []sqlast.Expr) error {
			t.write("(")
			for i, a := range args {
				if i > 0 {
					t.write(" || ")
				}
				t.write("CAST(")
				if err := t.expr(a); err != nil {
					return err
				}
				t.write(" AS VARCHAR)")
			}
			t.write(")")
			return nil
		}},
		"if": {minArgs: 3, max: 3, write: func(t *translator, args []sqlast.Expr) error {
			t.write("CASE WHEN ")
			if err := t.expr(args[0]); err != nil {
				return err
			}
			t.write(" THEN ")
			if err := t.expr(args[1]); err != nil {
				return err
			}
			t.write(" ELSE ")
			if err := t.expr(args[2]); err != nil {
				return err
			}
			t.write(" END")
			return nil
		}},
		"getdate": {minArgs: 0, max: 0, write: func(t *translator, _ []sqlast.Expr) error {
			t.write("CAST(current_timestamp AS TIMESTAMP_MS)")
			return nil
		}},
		"now": {minArgs: 0, max: 0, write: func(t *translator, _ []sqlast.Expr) error {
			t.write("CAST(current_timestamp AS TIMESTAMP_MS)")
			return nil
		}},
		"current_date": {minArgs: 0, max: 0, write: func(t *translator, _ []sqlast.Expr) error { t.write("current_date"); return nil }},
		"regexp_replace": {minArgs: 3, max: 3, write: func(t *translator, args []sqlast.Expr) error {
			// MaxCompute replaces every match.
			t.write("regexp_replace(")
			if err := t.exprList(args); err != nil {
				return err
			}
			t.write(", 'g')")
			return nil
		}},
		"datediff": {minArgs: 2, max: 3, write: func(t *translator, args []sqlast.Expr) error {
			unit, err := dateUnit(args, 2)
			if err != nil {
				return err
			}
			t.write("date_diff('", unit, "', ")
			if err := t.expr(args[1]); err != nil {
				return err
			}
			t.write(", ")
			if err := t.expr(args[0]); err != nil {
				return err
			}
			t.write(")")
			return nil
		}},
		"dateadd": {minArgs: 3, max: 3, write: func(t *translator, args []sqlast.Expr) error {
			unit, err := dateUnit(args, 2)
			if err != nil {
				return err
			}
			t.write("(")
			if err := t.expr(args[0]); err != nil {
				return err
			}
			t.write(" + to_", unit, "s(CAST(")
			if err := t.expr(args[1]); err != nil {
				return err
			}
			t.write(" AS BIGINT)))")
			return nil
		}},
		"unix_timestamp": {minArgs: 1, max: 1, write: func(t *translator, args []sqlast.Expr) error {
			t.write("CAST(epoch(")
			if err := t.expr(args[0]); err != nil {
				return err
			}
			t.write(") AS BIGINT)")
			return nil
		}},
		"from_unixtime": {minArgs: 1, max: 1, write: func(t *translator, args []sqlast.Expr) error {
			t.write("CAST(to_timestamp(")
			if err := t.expr(args[0]); err != nil {
				return err
			}
			t.write(") AS TIMESTAMP_MS)")
			return nil
		}},
	}
}

// dateUnit reads the unit argument of datediff and dateadd: 'dd', 'mm',
// 'yyyy', 'hh', 'mi', 'ss' (MaxCompute's names).
func dateUnit(args []sqlast.Expr, i int) (string, error) {
	if len(args) <= i {
		return "day", nil
	}
	lit, ok := args[i].(*sqlast.Literal)
	if !ok || lit.Kind != sqlast.LitString {
		return "", semanticError(args[i].Position(), "the date part must be a string literal such as 'dd'")
	}
	unit, ok := map[string]string{"dd": "day", "day": "day", "mm": "month", "month": "month", "yyyy": "year", "year": "year",
		"hh": "hour", "hour": "hour", "mi": "minute", "ss": "second"}[strings.ToLower(lit.Value)]
	if !ok {
		return "", semanticError(lit.P, "unknown date part %q: use yyyy, mm, dd, hh, mi or ss", lit.Value)
	}
	return unit, nil
}

func (t *translator) call(x *sqlast.FuncCall) error {
	f, ok := functions[strings.ToLower(x.Name)]
	if !ok {
		return semanticError(x.P, "function %s is not supported by localyun (see docs/maxcompute.md for the supported functions)", x.Name)
	}
	if len(x.Args) < f.minArgs || f.max >= 0 && len(x.Args) > f.max {
		return semanticError(x.P, "function %s takes %s arguments, got %d", x.Name, arity(f), len(x.Args))
	}
	if x.Distinct && !f.allowsDistinct {
		return semanticError(x.P, "DISTINCT is not allowed in %s", x.Name)
	}
	if f.write != nil {
		return f.write(t, x.Args)
	}
	t.write(f.duck, "(")
	if x.Distinct {
		t.write("DISTINCT ")
	}
	if err := t.exprList(x.Args); err != nil {
		return err
	}
	t.write(")")
	return nil
}

func arity(f function) string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d", f.minArgs)
	case f.minArgs == f.max:
		return strconv.Itoa(f.max)
	}
	return fmt.Sprintf("%d to %d", f.minArgs, f.max)
}
