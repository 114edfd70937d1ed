package sqlparse

import (
	"math"
	"strconv"
	"strings"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

// DDL and metadata commands, reference/maxcompute.md §5.

// create is CREATE ROLE or CREATE TABLE.
func (p *parser) create() sqlast.Statement {
	n := p.node()
	p.next()
	switch {
	case p.isWord("ROLE"):
		return p.createRole(n)
	case p.isWord("TABLE"):
		return p.createTable(n)
	}
	panic(p.errExpect("'TABLE' or 'ROLE'"))
}

// maxLifecycle is the largest LIFECYCLE MaxCompute documents, in days.
const maxLifecycle = 37231

// createTable is
//
//	CREATE TABLE [IF NOT EXISTS] t (cols) [COMMENT c] [PARTITIONED BY (cols)] [LIFECYCLE n]
//	CREATE TABLE [IF NOT EXISTS] t LIKE u [LIFECYCLE n]
//	CREATE TABLE [IF NOT EXISTS] t [LIFECYCLE n] AS SELECT ...
func (p *parser) createTable(n sqlast.Node) sqlast.Statement {
	p.expectWord("TABLE")
	ct := &sqlast.CreateTable{Node: n}
	if p.acceptWord("IF") {
		p.expectWord("NOT")
		p.expectWord("EXISTS")
		ct.IfNotExists = true
	}
	ct.Name = p.tableName()
	switch {
	case p.acceptOp("("):
		ct.Columns = p.columnDefs(true)
		p.expectOp(")")
		if p.acceptWord("COMMENT") {
			ct.Comment = p.stringLit("a comment string")
		}
		if p.acceptWord("PARTITIONED") {
			p.expectWord("BY")
			p.expectOp("(")
			ct.PartitionBy = p.columnDefs(false)
			p.expectOp(")")
		}
		ct.Lifecycle = p.lifecycle()
	case p.acceptWord("LIKE"):
		like := p.tableName()
		ct.Like = &like
		ct.Lifecycle = p.lifecycle()
	case p.isWord("LIFECYCLE") || p.isWord("AS"):
		ct.Lifecycle = p.lifecycle()
		p.expectWord("AS")
		if !p.isWord("SELECT") {
			panic(p.errExpect("'SELECT'"))
		}
		ct.AsSelect = p.query()
	default:
		panic(p.errExpect("one of '(', 'LIKE', 'AS', 'LIFECYCLE'"))
	}
	return ct
}

// lifecycle reads an optional LIFECYCLE n; 0 when absent.
func (p *parser) lifecycle() int {
	if !p.acceptWord("LIFECYCLE") {
		return 0
	}
	v, at := p.intLit("a number of days")
	if v < 1 || v > maxLifecycle {
		panic(p.errAt(at, "invalid LIFECYCLE %d, expect 1 to %d days", v, maxLifecycle))
	}
	return int(v)
}

// columnDefs reads name TYPE [NOT NULL] [COMMENT 'c'], ...; NOT NULL only
// for data columns.
func (p *parser) columnDefs(data bool) []sqlast.ColumnDef {
	var cols []sqlast.ColumnDef
	for {
		if p.isWord("PRIMARY") && isWordTok(p.peek(1), "KEY") {
			panic(p.errAt(p.tok.pos, "PRIMARY KEY is not supported"))
		}
		cd := sqlast.ColumnDef{Node: p.node(), Name: p.ident("a column name")}
		cd.Type = p.typ()
		if data && p.acceptWord("NOT") {
			p.expectWord("NULL")
			cd.NotNull = true
		}
		if p.acceptWord("COMMENT") {
			cd.Comment = p.stringLit("a comment string")
		}
		cols = append(cols, cd)
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.isOp(")") {
		panic(p.errExpect("',' or ')'"))
	}
	return cols
}

// drop is DROP ROLE r or DROP TABLE [IF EXISTS] t.
func (p *parser) drop() sqlast.Statement {
	n := p.node()
	p.next()
	switch {
	case p.acceptWord("ROLE"):
		return &sqlast.DropRole{Node: n, Name: p.ident("a role name")}
	case p.acceptWord("TABLE"):
		dt := &sqlast.DropTable{Node: n}
		if p.acceptWord("IF") {
			p.expectWord("EXISTS")
			dt.IfExists = true
		}
		dt.Name = p.tableName()
		return dt
	}
	panic(p.errExpect("'TABLE' or 'ROLE'"))
}

// alter is ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (...) [PARTITION (...) ...]
// or ALTER TABLE t DROP [IF EXISTS] PARTITION (...) [, PARTITION (...) ...].
func (p *parser) alter() sqlast.Statement {
	a := &sqlast.AlterPartitions{Node: p.node()}
	p.next()
	p.expectWord("TABLE")
	a.Table = p.tableName()
	switch {
	case p.acceptWord("ADD"):
		if p.acceptWord("IF") {
			p.expectWord("NOT")
			p.expectWord("EXISTS")
			a.IfCondition = true
		}
		p.expectWord("PARTITION")
		a.Specs = append(a.Specs, *p.partitionSpec(false))
		for p.acceptWord("PARTITION") {
			a.Specs = append(a.Specs, *p.partitionSpec(false))
		}
	case p.acceptWord("DROP"):
		a.Drop = true
		if p.acceptWord("IF") {
			p.expectWord("EXISTS")
			a.IfCondition = true
		}
		p.expectWord("PARTITION")
		a.Specs = append(a.Specs, *p.partitionSpec(false))
		for p.acceptOp(",") {
			p.expectWord("PARTITION")
			a.Specs = append(a.Specs, *p.partitionSpec(false))
		}
	default:
		panic(p.errExpect("'ADD' or 'DROP'"))
	}
	return a
}

// partitionSpec reads (pt='x', region='y'); with dynamic, a column without
// a value is a dynamic partition column, and must follow the static ones.
func (p *parser) partitionSpec(dynamic bool) *sqlast.PartitionSpec {
	spec := &sqlast.PartitionSpec{Node: p.node()}
	p.expectOp("(")
	sawDynamic := false
	for {
		pv := sqlast.PartitionValue{Name: p.ident("a partition column name")}
		for _, q := range spec.Columns {
			if strings.EqualFold(q.Name.Name, pv.Name.Name) {
				panic(p.errAt(cursorOf(pv.Name.P), "partition column '%s' given twice", clip(pv.Name.Name)))
			}
		}
		switch {
		case p.acceptOp("="):
			if sawDynamic {
				panic(p.errAt(cursorOf(pv.Name.P), "static partition column '%s' after a dynamic one: static columns come first", clip(pv.Name.Name)))
			}
			pv.Value = p.partitionValue()
		case !dynamic:
			panic(p.errExpect("'='"))
		default:
			sawDynamic = true
		}
		spec.Columns = append(spec.Columns, pv)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return spec
}

func cursorOf(pos sqlast.Pos) cursor { return cursor{line: pos.Line, col: pos.Col} }

// partitionValue is a string or integer literal, the integer possibly
// negative ("-5" in Value).
func (p *parser) partitionValue() sqlast.Expr {
	n := p.node()
	neg := p.isOp("-")
	t := p.tok
	if neg {
		t = *p.peek(1)
	}
	switch {
	case t.kind == tString && !neg:
		p.next()
		return &sqlast.Literal{Node: n, Kind: sqlast.LitString, Value: t.val}
	case t.kind == tNumber && intLimits[t.lit].max != 0:
		if neg {
			p.next()
			p.next()
			return &sqlast.Literal{Node: n, Kind: t.lit, Value: "-" + t.val}
		}
		p.next()
		return &sqlast.Literal{Node: n, Kind: t.lit, Value: t.val}
	}
	panic(p.errExpect("a partition value: a string or integer literal"))
}

// show is SHOW TABLES, SHOW PARTITIONS, SHOW GRANTS and SHOW ACL.
func (p *parser) show() sqlast.Statement {
	n := p.node()
	p.next()
	switch {
	case p.isWord("GRANTS"):
		return p.showGrants(n)
	case p.isWord("ACL"):
		return p.showACL(n)
	case p.acceptWord("TABLES"):
		st := &sqlast.ShowTables{Node: n}
		if p.acceptWord("IN") {
			st.Project = p.ident("a project name").Name
		}
		if p.acceptWord("LIKE") {
			st.Like = p.stringLit("a pattern string")
		}
		return st
	case p.acceptWord("PARTITIONS"):
		sp := &sqlast.ShowPartitions{Node: n, Table: p.tableName()}
		if p.acceptWord("PARTITION") {
			sp.Partition = p.partitionSpec(false)
		}
		return sp
	}
	panic(p.errExpect("one of 'TABLES', 'PARTITIONS', 'GRANTS', 'ACL'"))
}

// describe is DESC[RIBE] ROLE r or DESC[RIBE] [EXTENDED] t [PARTITION (...)].
// DESC ROLE with nothing after it describes a table named role, as odpscmd
// routes it (IsSecurityText).
func (p *parser) describe() sqlast.Statement {
	n := p.node()
	p.next()
	if p.isWord("ROLE") && !isEnd(p.peek(1)) {
		p.next()
		return &sqlast.DescribeRole{Node: n, Name: p.ident("a role name")}
	}
	for _, kind := range []string{"PROJECT", "FUNCTION", "RESOURCE", "INSTANCE", "PACKAGE", "TENANT"} {
		if p.isWord(kind) && isName(p.peek(1)) {
			panic(p.errAt(p.tok.pos, "DESC %s is not supported", kind))
		}
	}
	d := &sqlast.Describe{Node: n}
	if p.isWord("EXTENDED") && isName(p.peek(1)) {
		p.next()
		d.Extended = true
	}
	d.Table = p.tableName()
	if p.acceptWord("PARTITION") {
		d.Partition = p.partitionSpec(false)
	}
	return d
}

// Types.

// simpleTypes are the types without parameters.
var simpleTypes = map[string]bool{
	"TINYINT": true, "SMALLINT": true, "INT": true, "BIGINT": true, "FLOAT": true, "DOUBLE": true,
	"STRING": true, "BINARY": true, "BOOLEAN": true, "DATE": true, "DATETIME": true, "TIMESTAMP": true,
	"TIMESTAMP_NTZ": true, "JSON": true,
}

const typeList = "a type: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, VARCHAR, CHAR, STRING, BINARY, " +
	"BOOLEAN, DATE, DATETIME, TIMESTAMP, TIMESTAMP_NTZ, JSON, ARRAY, MAP or STRUCT"

// typ reads a data type; names are upper-cased.
func (p *parser) typ() *sqlast.Type {
	p.enter()
	defer p.leave()
	if p.tok.kind != tWord {
		panic(p.errExpect(typeList))
	}
	t := &sqlast.Type{Name: strings.ToUpper(p.tok.text)}
	switch {
	case simpleTypes[t.Name]:
		p.next()
	case t.Name == "DECIMAL":
		p.next()
		if p.acceptOp("(") {
			prec, at := p.typeParam()
			if prec < 1 || prec > 38 {
				panic(p.errAt(at, "invalid DECIMAL precision %d, expect 1 to 38", prec))
			}
			scale := int64(0)
			if p.acceptOp(",") {
				scale, at = p.typeParam()
				if scale > prec {
					panic(p.errAt(at, "invalid DECIMAL scale %d, expect 0 to the precision %d", scale, prec))
				}
			}
			p.expectOp(")")
			t.Params = []int{int(prec), int(scale)}
		}
	case t.Name == "VARCHAR" || t.Name == "CHAR":
		p.next()
		p.expectOp("(")
		n, at := p.typeParam()
		limit := int64(65535)
		if t.Name == "CHAR" {
			limit = 255
		}
		if n < 1 || n > limit {
			panic(p.errAt(at, "invalid %s length %d, expect 1 to %d", t.Name, n, limit))
		}
		p.expectOp(")")
		t.Params = []int{int(n)}
	case t.Name == "ARRAY":
		p.next()
		p.expectOp("<")
		t.Elem = []*sqlast.Type{p.typ()}
		p.expectOp(">")
	case t.Name == "MAP":
		p.next()
		p.expectOp("<")
		k := p.typ()
		p.expectOp(",")
		t.Elem = []*sqlast.Type{k, p.typ()}
		p.expectOp(">")
	case t.Name == "STRUCT":
		p.next()
		p.expectOp("<")
		for {
			f := p.ident("a field name")
			for _, g := range t.Fields {
				if strings.EqualFold(g.Name, f.Name) {
					panic(p.errAt(cursorOf(f.P), "STRUCT field '%s' given twice", clip(f.Name)))
				}
			}
			p.expectOp(":")
			t.Fields = append(t.Fields, sqlast.Field{Name: f.Name, Type: p.typ()})
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(">")
	default:
		panic(p.errExpect(typeList))
	}
	return t
}

// typeParam is a type parameter. The lexer bounds integers to 2^63; that
// one value is clamped, and the range check then reports it.
func (p *parser) typeParam() (int64, cursor) {
	at := p.tok.pos
	if p.tok.kind != tNumber || p.tok.lit != sqlast.LitInt {
		panic(p.errExpect("an integer"))
	}
	v, err := strconv.ParseInt(p.tok.val, 10, 64)
	if err != nil {
		v = math.MaxInt64
	}
	p.next()
	return v, at
}
