package sqlparse

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// format prints a statement as canonical SQL that Parse reads back to the
// same tree: keywords upper-case, minimal parentheses, names bare where
// they can be. Tests compare trees through it, and FuzzParse checks that
// format(Parse(format(Parse(s)))) == format(Parse(s)).
func format(st sqlast.Statement) string {
	var f formatter
	f.stmt(st)
	return f.String()
}

type formatter struct{ strings.Builder }

func (f *formatter) p(args ...any) {
	for _, a := range args {
		fmt.Fprint(f, a)
	}
}

func isBareWord(s string) bool {
	if s == "" || !isWordStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func backquote(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func ident(s string) string {
	if isBareWord(s) && !isReserved(s) {
		return s
	}
	return backquote(s)
}

func quote(s string, q byte) string {
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == 0:
			b.WriteString(`\000`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func (f *formatter) table(n sqlast.TableName) {
	if n.Project != "" {
		f.p(ident(n.Project), ".")
	}
	if n.Schema != "" {
		f.p(ident(n.Schema), ".")
	}
	f.p(ident(n.Table))
}

func (f *formatter) principal(pr sqlast.Principal) { f.p(backquote(pr.Text)) }

func objectName(s string) string {
	parts := strings.Split(s, ".")
	for i, part := range parts {
		bare := part != "" && (isWordStart(part[0]) || part[0] == '*')
		for j := 0; j < len(part); j++ {
			bare = bare && (isWordByte(part[j]) || part[j] == '*')
		}
		if !bare {
			parts[i] = backquote(part)
		}
	}
	return strings.Join(parts, ".")
}

func (f *formatter) idents(list []sqlast.Ident) {
	for i, id := range list {
		if i > 0 {
			f.p(", ")
		}
		f.p(ident(id.Name))
	}
}

func (f *formatter) props(props []sqlast.Property) {
	if len(props) == 0 {
		return
	}
	f.p(" PRIVILEGEPROPERTIES(")
	for i, q := range props {
		if i > 0 {
			f.p(", ")
		}
		f.p(quote(q.Key, '"'), "=", quote(q.Value, '"'))
	}
	f.p(")")
}

func (f *formatter) stmt(st sqlast.Statement) {
	switch s := st.(type) {
	case *sqlast.AddUser:
		f.p("ADD USER ")
		f.principal(s.Principal)
		if s.Comment != "" {
			f.p(" COMMENT ", quote(s.Comment, '\''))
		}
	case *sqlast.RemoveUser:
		f.p("REMOVE USER ")
		f.principal(s.Principal)
	case *sqlast.ListUsers:
		f.p("LIST USERS")
	case *sqlast.ListRoles:
		f.p("LIST ROLES")
	case *sqlast.CreateRole:
		f.p("CREATE ROLE ", ident(s.Name.Name))
		if s.Admin {
			f.p(` PRIVILEGEPROPERTIES("type"="admin")`)
		}
	case *sqlast.DropRole:
		f.p("DROP ROLE ", ident(s.Name.Name))
	case *sqlast.GrantRoles:
		f.p("GRANT ")
		f.idents(s.Roles)
		f.p(" TO ")
		f.principal(s.Principal)
	case *sqlast.RevokeRoles:
		f.p("REVOKE ")
		f.idents(s.Roles)
		f.p(" FROM ")
		f.principal(s.Principal)
	case *sqlast.GrantPrivileges:
		verb, link := "GRANT ", " TO "
		if s.Revoke {
			verb, link = "REVOKE ", " FROM "
		}
		f.p(verb)
		for i, a := range s.Actions {
			if i > 0 {
				f.p(", ")
			}
			if isBareWord(a.Name) {
				f.p(a.Name)
			} else {
				f.p(backquote(a.Name))
			}
		}
		f.p(" ON ", s.ObjectType, " ", objectName(s.ObjectName), link)
		if s.Grantee.Role != nil {
			f.p("ROLE ", ident(s.Grantee.Role.Name))
		} else {
			f.p("USER ")
			f.principal(*s.Grantee.Principal)
		}
		f.props(s.Properties)
	case *sqlast.ShowGrants:
		f.p("SHOW GRANTS")
		switch {
		case s.Role != nil:
			f.p(" FOR ROLE ", ident(s.Role.Name))
		case s.Principal != nil:
			f.p(" FOR USER ")
			f.principal(*s.Principal)
		}
		if s.OnType != "" {
			f.p(" ON TYPE ", s.OnType)
		}
	case *sqlast.ShowACL:
		f.p("SHOW ACL FOR ", objectName(s.ObjectName), " ON TYPE ", s.ObjectType)
	case *sqlast.DescribeRole:
		f.p("DESC ROLE ", ident(s.Name.Name))
	case *sqlast.Whoami:
		f.p("WHOAMI")
	case *sqlast.AccountProvider:
		if s.Op == "list" {
			f.p("LIST ACCOUNTPROVIDERS")
		} else {
			f.p(strings.ToUpper(s.Op), " ACCOUNTPROVIDER ", s.Provider)
		}
	case *sqlast.ClearExpiredGrants:
		f.p("CLEAR EXPIRED GRANTS")
	case *sqlast.CreateTable:
		f.createTable(s)
	case *sqlast.DropTable:
		f.p("DROP TABLE ")
		if s.IfExists {
			f.p("IF EXISTS ")
		}
		f.table(s.Name)
	case *sqlast.AlterPartitions:
		f.p("ALTER TABLE ")
		f.table(s.Table)
		sep := " PARTITION "
		if s.Drop {
			f.p(" DROP")
			if s.IfCondition {
				f.p(" IF EXISTS")
			}
			for i, spec := range s.Specs {
				if i > 0 {
					f.p(",")
				}
				f.p(sep)
				f.spec(&spec)
			}
		} else {
			f.p(" ADD")
			if s.IfCondition {
				f.p(" IF NOT EXISTS")
			}
			for _, spec := range s.Specs {
				f.p(sep)
				f.spec(&spec)
			}
		}
	case *sqlast.Insert:
		f.p("INSERT ")
		if s.Overwrite {
			f.p("OVERWRITE TABLE ")
		} else {
			f.p("INTO TABLE ")
		}
		f.table(s.Table)
		if s.Partition != nil {
			f.p(" PARTITION ")
			f.spec(s.Partition)
		}
		if len(s.Columns) > 0 {
			f.p(" (")
			f.idents(s.Columns)
			f.p(")")
		}
		if s.Query != nil {
			f.p(" ")
			f.query(s.Query)
		} else {
			f.p(" VALUES ")
			for i, row := range s.Values {
				if i > 0 {
					f.p(", ")
				}
				f.p("(")
				f.exprs(row)
				f.p(")")
			}
		}
	case *sqlast.Select:
		f.query(s)
	case *sqlast.ShowTables:
		f.p("SHOW TABLES")
		if s.Project != "" {
			f.p(" IN ", ident(s.Project))
		}
		if s.Like != "" {
			f.p(" LIKE ", quote(s.Like, '\''))
		}
	case *sqlast.ShowPartitions:
		f.p("SHOW PARTITIONS ")
		f.table(s.Table)
		if s.Partition != nil {
			f.p(" PARTITION ")
			f.spec(s.Partition)
		}
	case *sqlast.Describe:
		f.p("DESC ")
		if s.Extended {
			f.p("EXTENDED ")
		}
		// Always quoted: DESC role x would be DESC ROLE.
		if s.Table.Project != "" {
			f.p(backquote(s.Table.Project), ".")
		}
		if s.Table.Schema != "" {
			f.p(backquote(s.Table.Schema), ".")
		}
		f.p(backquote(s.Table.Table))
		if s.Partition != nil {
			f.p(" PARTITION ")
			f.spec(s.Partition)
		}
	default:
		panic(fmt.Sprintf("format: unknown statement %T", st))
	}
}

func (f *formatter) createTable(s *sqlast.CreateTable) {
	f.p("CREATE TABLE ")
	if s.IfNotExists {
		f.p("IF NOT EXISTS ")
	}
	f.table(s.Name)
	lifecycle := func() {
		if s.Lifecycle != 0 {
			f.p(" LIFECYCLE ", s.Lifecycle)
		}
	}
	switch {
	case s.Like != nil:
		f.p(" LIKE ")
		f.table(*s.Like)
		lifecycle()
	case s.AsSelect != nil:
		lifecycle()
		f.p(" AS ")
		f.query(s.AsSelect)
	default:
		f.p(" (")
		f.columns(s.Columns)
		f.p(")")
		if s.Comment != "" {
			f.p(" COMMENT ", quote(s.Comment, '\''))
		}
		if len(s.PartitionBy) > 0 {
			f.p(" PARTITIONED BY (")
			f.columns(s.PartitionBy)
			f.p(")")
		}
		lifecycle()
	}
}

func (f *formatter) columns(cols []sqlast.ColumnDef) {
	for i, c := range cols {
		if i > 0 {
			f.p(", ")
		}
		f.p(ident(c.Name.Name), " ")
		f.typ(c.Type)
		if c.NotNull {
			f.p(" NOT NULL")
		}
		if c.Comment != "" {
			f.p(" COMMENT ", quote(c.Comment, '\''))
		}
	}
}

func (f *formatter) typ(t *sqlast.Type) {
	f.p(t.Name)
	switch {
	case len(t.Params) > 0:
		f.p("(")
		for i, n := range t.Params {
			if i > 0 {
				f.p(",")
			}
			f.p(n)
		}
		f.p(")")
	case len(t.Elem) > 0:
		f.p("<")
		for i, e := range t.Elem {
			if i > 0 {
				f.p(",")
			}
			f.typ(e)
		}
		f.p(">")
	case len(t.Fields) > 0:
		f.p("<")
		for i, fl := range t.Fields {
			if i > 0 {
				f.p(",")
			}
			f.p(ident(fl.Name), ":")
			f.typ(fl.Type)
		}
		f.p(">")
	}
}

func (f *formatter) spec(s *sqlast.PartitionSpec) {
	f.p("(")
	for i, c := range s.Columns {
		if i > 0 {
			f.p(", ")
		}
		f.p(ident(c.Name.Name))
		if c.Value != nil {
			f.p("=")
			f.expr(c.Value, 0)
		}
	}
	f.p(")")
}

func (f *formatter) query(s *sqlast.Select) {
	f.p("SELECT ")
	if s.Distinct {
		f.p("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			f.p(", ")
		}
		switch {
		case it.Star && it.Table != "":
			f.p(ident(it.Table), ".*")
		case it.Star:
			f.p("*")
		default:
			f.expr(it.Expr, 0)
			if it.Alias != "" {
				f.p(" AS ", ident(it.Alias))
			}
		}
	}
	if s.From != nil {
		f.p(" FROM ")
		f.source(s.From.Source)
		for _, j := range s.From.Joins {
			switch j.Kind {
			case sqlast.InnerJoin:
				f.p(" JOIN ")
			default:
				f.p(" ", j.Kind, " JOIN ")
			}
			f.source(j.Source)
			if j.On != nil {
				f.p(" ON ")
				f.expr(j.On, 0)
			}
		}
	}
	if s.Where != nil {
		f.p(" WHERE ")
		f.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		f.p(" GROUP BY ")
		f.exprs(s.GroupBy)
	}
	if s.Having != nil {
		f.p(" HAVING ")
		f.expr(s.Having, 0)
	}
	for i, o := range s.OrderBy {
		if i == 0 {
			f.p(" ORDER BY ")
		} else {
			f.p(", ")
		}
		f.expr(o.Expr, 0)
		if o.Desc {
			f.p(" DESC")
		}
	}
	if s.Limit != nil {
		f.p(" LIMIT ", *s.Limit)
	}
	if s.Union != nil {
		f.p(" UNION ")
		if s.Union.All {
			f.p("ALL ")
		}
		f.query(s.Union.Query)
	}
}

func (f *formatter) source(ts sqlast.TableSource) {
	if ts.Subquery != nil {
		f.p("(")
		f.query(ts.Subquery)
		f.p(")")
	} else {
		f.table(*ts.Table)
	}
	if ts.Alias != "" {
		f.p(" AS ", ident(ts.Alias))
	}
}

func (f *formatter) exprs(list []sqlast.Expr) {
	for i, e := range list {
		if i > 0 {
			f.p(", ")
		}
		f.expr(e, 0)
	}
}

// Precedence levels, lowest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precConcat
	precAdd
	precMul
	precUnary
	precPrimary
)

var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd,
	"=": precCmp, "<>": precCmp, "<": precCmp, "<=": precCmp, ">": precCmp, ">=": precCmp, "LIKE": precCmp, "RLIKE": precCmp,
	"||": precConcat, "+": precAdd, "-": precAdd, "*": precMul, "/": precMul, "%": precMul,
}

func prec(e sqlast.Expr) int {
	switch x := e.(type) {
	case *sqlast.Binary:
		return binaryPrec[x.Op]
	case *sqlast.Unary:
		if x.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *sqlast.IsNull, *sqlast.In, *sqlast.Between:
		return precCmp
	}
	return precPrimary
}

func literal(l *sqlast.Literal) string {
	switch l.Kind {
	case sqlast.LitNull:
		return "NULL"
	case sqlast.LitBool:
		return strings.ToUpper(l.Value)
	case sqlast.LitInt, sqlast.LitDouble:
		return l.Value
	case sqlast.LitBigint:
		return l.Value + "L"
	case sqlast.LitSmallint:
		return l.Value + "S"
	case sqlast.LitTinyint:
		return l.Value + "Y"
	case sqlast.LitFloat:
		return l.Value + "F"
	case sqlast.LitDecimal:
		return l.Value + "BD"
	case sqlast.LitString:
		return quote(l.Value, '\'')
	}
	return string(l.Kind) + " " + quote(l.Value, '\'')
}

// expr prints e, in parentheses when it binds less tightly than min.
func (f *formatter) expr(e sqlast.Expr, min int) {
	pr := prec(e)
	if pr < min {
		f.p("(")
		defer f.p(")")
	}
	switch x := e.(type) {
	case *sqlast.Literal:
		f.p(literal(x))
	case *sqlast.ColumnRef:
		if x.Qualifier != "" {
			f.p(ident(x.Qualifier), ".")
		}
		f.p(ident(x.Name))
	case *sqlast.Star:
		f.p("*")
	case *sqlast.FuncCall:
		f.p(x.Name, "(")
		if x.Distinct {
			f.p("DISTINCT ")
		}
		f.exprs(x.Args)
		f.p(")")
	case *sqlast.Binary:
		left := pr
		if pr == precCmp {
			left = pr + 1 // comparisons do not chain
		}
		f.expr(x.Left, left)
		f.p(" ", x.Op, " ")
		f.expr(x.Right, pr+1)
	case *sqlast.Unary:
		f.p(x.Op, " ")
		f.expr(x.X, pr)
	case *sqlast.IsNull:
		f.expr(x.X, precConcat)
		f.p(" IS ")
		if x.Not {
			f.p("NOT ")
		}
		f.p("NULL")
	case *sqlast.In:
		f.expr(x.X, precConcat)
		if x.Not {
			f.p(" NOT")
		}
		f.p(" IN (")
		if x.Subquery != nil {
			f.query(x.Subquery)
		} else {
			f.exprs(x.List)
		}
		f.p(")")
	case *sqlast.Between:
		f.expr(x.X, precConcat)
		if x.Not {
			f.p(" NOT")
		}
		f.p(" BETWEEN ")
		f.expr(x.Lo, precConcat)
		f.p(" AND ")
		f.expr(x.Hi, precConcat)
	case *sqlast.Case:
		f.p("CASE")
		if x.Operand != nil {
			f.p(" ")
			f.expr(x.Operand, 0)
		}
		for _, w := range x.Whens {
			f.p(" WHEN ")
			f.expr(w.Cond, 0)
			f.p(" THEN ")
			f.expr(w.Result, 0)
		}
		if x.Else != nil {
			f.p(" ELSE ")
			f.expr(x.Else, 0)
		}
		f.p(" END")
	case *sqlast.Cast:
		f.p("CAST(")
		f.expr(x.X, 0)
		f.p(" AS ")
		f.typ(x.Type)
		f.p(")")
	case *sqlast.Subquery:
		if x.Exists {
			f.p("EXISTS ")
		}
		f.p("(")
		f.query(x.Query)
		f.p(")")
	default:
		panic(fmt.Sprintf("format: unknown expression %T", e))
	}
}

// zeroPos returns a deep copy-free view of v with every sqlast.Pos set to
// zero, for comparing trees regardless of positions. It changes v.
func zeroPos(v any) any {
	walk(reflect.ValueOf(v))
	return v
}

var posType = reflect.TypeOf(sqlast.Pos{})

func walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			walk(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i))
		}
	}
}
