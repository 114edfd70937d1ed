// Package sqlast is the syntax tree of the MaxCompute SQL localyun accepts:
// security statements (add user, grant, show grants, ...), DDL, DML,
// queries and metadata commands (reference/maxcompute.md §2.2, §5). The
// parser (package sqlparse) builds it; the analyzer resolves and authorizes
// every object in it; the translator turns it into DuckDB SQL. Nothing here
// is ever sent to DuckDB as text written by a user.
//
// Names are kept as written, with Quoted telling whether they were in
// backticks. Positions are 1-based line and column of the first token, for
// error messages in the ODPS-0130161 form.
package sqlast

// Pos is a position in the statement text.
type Pos struct {
	Line, Col int
}

// Statement is any statement.
type Statement interface {
	Position() Pos
	statement()
}

// Node carries the position of a statement or expression.
type Node struct{ P Pos }

// Position returns where the node starts.
func (n Node) Position() Pos { return n.P }

// Ident is an identifier as written.
type Ident struct {
	Node
	Name   string
	Quoted bool // written in backticks
}

// TableName is [project.[schema.]]table.
type TableName struct {
	Node
	Project string // "" when not given
	Schema  string // "" when not given
	Table   string
}

// Principal is a principal name as written: ALIYUN$<uid>,
// RAM$<owner>:<user>, RAM$<owner>:role/<role>, with the provider's case as
// written. Package principal parses Text.
type Principal struct {
	Node
	Text string
}

// ---- security statements (reference/maxcompute.md §2.2) ----

// AddUser is `add user <principal>`.
type AddUser struct {
	Node
	Principal Principal
	Comment   string
}

// RemoveUser is `remove user <principal>`.
type RemoveUser struct {
	Node
	Principal Principal
}

// ListUsers is `list users`.
type ListUsers struct{ Node }

// ListRoles is `list roles`.
type ListRoles struct{ Node }

// CreateRole is `create role <name> [privilegeproperties("type"="admin"|"resource")]`.
type CreateRole struct {
	Node
	Name  Ident
	Admin bool
}

// DropRole is `drop role <name>`.
type DropRole struct {
	Node
	Name Ident
}

// GrantRoles is `grant <role>[, <role>...] to <principal>`.
type GrantRoles struct {
	Node
	Roles     []Ident
	Principal Principal
}

// RevokeRoles is `revoke <role>[, ...] from <principal>`.
type RevokeRoles struct {
	Node
	Roles     []Ident
	Principal Principal
}

// ObjectType is the object of a privilege.
type ObjectType string

const (
	ObjProject  ObjectType = "project"
	ObjTable    ObjectType = "table"
	ObjFunction ObjectType = "function"
	ObjResource ObjectType = "resource"
	ObjInstance ObjectType = "instance"
)

// Grantee is `user <principal>` or `role <role>`.
type Grantee struct {
	Role      *Ident     // set for role grantees
	Principal *Principal // set for user grantees
}

// GrantPrivileges is
// `grant <action>[, ...] on <objtype> <name> to {user <p>|role <r>} [privilegeproperties(...)]`;
// Revoke is set for `revoke ... from ...`.
type GrantPrivileges struct {
	Node
	Revoke     bool
	Actions    []Ident // Select, Describe, CreateInstance, All, ...
	ObjectType ObjectType
	// ObjectName is the object's name; it may hold wildcards in policy
	// grants (tables/t_app_*).
	ObjectName string
	Grantee    Grantee
	// Properties are the privilegeproperties("k"="v", ...) in order, keys
	// lower-cased: policy, allow, conditions, expires.
	Properties []Property
}

// Property is one privilegeproperties entry.
type Property struct {
	Key, Value string
}

// ShowGrants is `show grants [for [user] <principal> | for role <role>] [on type <objtype>]`.
type ShowGrants struct {
	Node
	Principal *Principal // nil with Role nil: the caller's own grants
	Role      *Ident
	OnType    ObjectType // "" for every type
}

// ShowACL is `show acl for <name> [on type <objtype>]`.
type ShowACL struct {
	Node
	ObjectName string
	ObjectType ObjectType // default table
}

// DescribeRole is `desc[ribe] role <role>`.
type DescribeRole struct {
	Node
	Name Ident
}

// Whoami is `whoami`.
type Whoami struct{ Node }

// AccountProvider is `list accountproviders`, `add accountprovider <p>`
// and `remove accountprovider <p>`.
type AccountProvider struct {
	Node
	Op       string // "list", "add", "remove"
	Provider string // upper-cased: ALIYUN, RAM
}

// ClearExpiredGrants is `clear expired grants`.
type ClearExpiredGrants struct{ Node }

// ---- DDL ----

// Type is a MaxCompute data type: a name, parameters and, for complex
// types, element types.
type Type struct {
	Name   string  // upper case: BIGINT, DECIMAL, VARCHAR, ARRAY, MAP, STRUCT, ...
	Params []int   // DECIMAL(p,s), VARCHAR(n), CHAR(n)
	Elem   []*Type // ARRAY<e>, MAP<k,v>
	Fields []Field // STRUCT<a:t,...>
}

// Field is a STRUCT field.
type Field struct {
	Name string
	Type *Type
}

// ColumnDef is a column in CREATE TABLE.
type ColumnDef struct {
	Node
	Name    Ident
	Type    *Type
	NotNull bool
	Comment string
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] t (cols) [COMMENT c]
// [PARTITIONED BY (cols)] [LIFECYCLE n], or CREATE TABLE t AS SELECT
// (AsSelect set) and CREATE TABLE t LIKE u (Like set).
type CreateTable struct {
	Node
	IfNotExists bool
	Name        TableName
	Columns     []ColumnDef
	Comment     string
	PartitionBy []ColumnDef
	Lifecycle   int // 0: none
	AsSelect    *Select
	Like        *TableName
}

// DropTable is DROP TABLE [IF EXISTS] t.
type DropTable struct {
	Node
	IfExists bool
	Name     TableName
}

// PartitionSpec is (pt='x', region='y'); a Value of nil is a dynamic
// partition column (PARTITION (pt) in INSERT).
type PartitionSpec struct {
	Node
	Columns []PartitionValue
}

// PartitionValue is one column of a partition spec.
type PartitionValue struct {
	Name  Ident
	Value Expr // a literal, or nil when dynamic
}

// AlterPartitions is ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (...) [...]
// or ALTER TABLE t DROP [IF EXISTS] PARTITION (...) [, ...].
type AlterPartitions struct {
	Node
	Table       TableName
	Drop        bool
	IfCondition bool // IF NOT EXISTS for ADD, IF EXISTS for DROP
	Specs       []PartitionSpec
}

// ---- DML and queries ----

// Insert is INSERT INTO|OVERWRITE [TABLE] t [PARTITION (...)] [(cols)]
// VALUES ... | SELECT ....
type Insert struct {
	Node
	Overwrite bool
	Table     TableName
	Partition *PartitionSpec
	Columns   []Ident
	Values    [][]Expr // set for VALUES
	Query     *Select  // set for SELECT
}

// Select is a query: a SELECT block, or a UNION [ALL] of them.
type Select struct {
	Node
	Distinct bool
	Items    []SelectItem
	From     *FromClause // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	OrderBy  []OrderItem
	Limit    *int64
	// Union chains further blocks: UNION ALL when All.
	Union *Union
}

// Union joins two queries.
type Union struct {
	All   bool
	Query *Select
}

// SelectItem is expr [AS alias], t.* or *.
type SelectItem struct {
	Expr  Expr   // nil for * and t.*
	Star  bool   // * or t.*
	Table string // qualifier of t.*
	Alias string
}

// FromClause is a table or subquery and its joins.
type FromClause struct {
	Source TableSource
	Joins  []Join
}

// TableSource is a table with an alias, or a subquery with an alias.
type TableSource struct {
	Node
	Table    *TableName
	Subquery *Select
	Alias    string
}

// JoinKind is INNER, LEFT, RIGHT, FULL or CROSS.
type JoinKind string

const (
	InnerJoin JoinKind = "INNER"
	LeftJoin  JoinKind = "LEFT"
	RightJoin JoinKind = "RIGHT"
	FullJoin  JoinKind = "FULL"
	CrossJoin JoinKind = "CROSS"
)

// Join is one JOIN clause.
type Join struct {
	Kind   JoinKind
	Source TableSource
	On     Expr // nil for CROSS JOIN
}

// OrderItem is expr [ASC|DESC].
type OrderItem struct {
	Expr Expr
	Desc bool
}

// ---- metadata commands ----

// ShowTables is SHOW TABLES [IN project] [LIKE 'pattern'].
type ShowTables struct {
	Node
	Project string
	Like    string
}

// ShowPartitions is SHOW PARTITIONS t [PARTITION (...)].
type ShowPartitions struct {
	Node
	Table     TableName
	Partition *PartitionSpec
}

// Describe is DESC[RIBE] t [PARTITION (...)] (tables; DESC ROLE is
// DescribeRole).
type Describe struct {
	Node
	Table     TableName
	Partition *PartitionSpec
	Extended  bool
}

// ---- expressions ----

// Expr is any expression.
type Expr interface {
	Position() Pos
	expr()
}

// Literal kinds.
type LiteralKind string

const (
	LitNull      LiteralKind = "NULL"
	LitBool      LiteralKind = "BOOLEAN"
	LitInt       LiteralKind = "INT"      // no suffix: INT in 2.0, BIGINT in 1.0
	LitBigint    LiteralKind = "BIGINT"   // 1L
	LitSmallint  LiteralKind = "SMALLINT" // 1S
	LitTinyint   LiteralKind = "TINYINT"  // 1Y
	LitDouble    LiteralKind = "DOUBLE"   // 1.5, 1e3
	LitFloat     LiteralKind = "FLOAT"    // 3.14F
	LitDecimal   LiteralKind = "DECIMAL"  // 3.5BD
	LitString    LiteralKind = "STRING"
	LitDate      LiteralKind = "DATE"      // DATE '2026-11-26'
	LitDatetime  LiteralKind = "DATETIME"  // DATETIME '2026-11-26 12:00:00'
	LitTimestamp LiteralKind = "TIMESTAMP" // TIMESTAMP '2026-11-26 12:00:00.123'
)

// Literal is a constant. Value is the literal's text: digits for numbers
// (without the suffix), the unescaped string, "true"/"false".
type Literal struct {
	Node
	Kind  LiteralKind
	Value string
}

// ColumnRef is [qualifier.]column.
type ColumnRef struct {
	Node
	Qualifier string // table or alias; "" when not given
	Name      string
}

// Star is * inside count(*).
type Star struct{ Node }

// FuncCall is name([DISTINCT] args...).
type FuncCall struct {
	Node
	Name     string // lower case
	Distinct bool
	Args     []Expr
}

// Binary is left op right, op one of + - * / % || = <> < <= > >= AND OR
// LIKE RLIKE (NOT LIKE is Unary NOT of a LIKE).
type Binary struct {
	Node
	Op          string
	Left, Right Expr
}

// Unary is NOT x or -x.
type Unary struct {
	Node
	Op string // "NOT" or "-"
	X  Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	Node
	X   Expr
	Not bool
}

// In is x [NOT] IN (list) or x [NOT] IN (subquery).
type In struct {
	Node
	X        Expr
	Not      bool
	List     []Expr
	Subquery *Select
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	Node
	X, Lo, Hi Expr
	Not       bool
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Node
	Operand Expr
	Whens   []When
	Else    Expr
}

// When is one WHEN ... THEN ....
type When struct {
	Cond, Result Expr
}

// Cast is CAST(x AS type).
type Cast struct {
	Node
	X    Expr
	Type *Type
}

// Subquery is a scalar subquery or EXISTS (subquery).
type Subquery struct {
	Node
	Exists bool
	Query  *Select
}

func (*AddUser) statement()            {}
func (*RemoveUser) statement()         {}
func (*ListUsers) statement()          {}
func (*ListRoles) statement()          {}
func (*CreateRole) statement()         {}
func (*DropRole) statement()           {}
func (*GrantRoles) statement()         {}
func (*RevokeRoles) statement()        {}
func (*GrantPrivileges) statement()    {}
func (*ShowGrants) statement()         {}
func (*ShowACL) statement()            {}
func (*DescribeRole) statement()       {}
func (*Whoami) statement()             {}
func (*AccountProvider) statement()    {}
func (*ClearExpiredGrants) statement() {}
func (*CreateTable) statement()        {}
func (*DropTable) statement()          {}
func (*AlterPartitions) statement()    {}
func (*Insert) statement()             {}
func (*Select) statement()             {}
func (*ShowTables) statement()         {}
func (*ShowPartitions) statement()     {}
func (*Describe) statement()           {}

func (*Literal) expr()   {}
func (*ColumnRef) expr() {}
func (*Star) expr()      {}
func (*FuncCall) expr()  {}
func (*Binary) expr()    {}
func (*Unary) expr()     {}
func (*IsNull) expr()    {}
func (*In) expr()        {}
func (*Between) expr()   {}
func (*Case) expr()      {}
func (*Cast) expr()      {}
func (*Subquery) expr()  {}

// IsSecurity reports whether a statement is a security statement, which
// odpscmd sends to /projects/{p}/authorization rather than as an SQL job
// (reference/maxcompute.md §2.1).
func IsSecurity(s Statement) bool {
	switch s.(type) {
	case *AddUser, *RemoveUser, *ListUsers, *ListRoles, *CreateRole, *DropRole, *GrantRoles, *RevokeRoles,
		*GrantPrivileges, *ShowGrants, *ShowACL, *DescribeRole, *Whoami, *AccountProvider, *ClearExpiredGrants:
		return true
	}
	return false
}
