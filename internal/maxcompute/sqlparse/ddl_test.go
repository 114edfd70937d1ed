package sqlparse

import (
	"reflect"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

func TestDDL(t *testing.T) {
	runCanonical(t, []canonical{
		{"create table t (a bigint)", "CREATE TABLE t (a BIGINT)"},
		// The shape the Go SDK generates (tableschema.ToBaseSQLString).
		{"create table if not exists p1.`sale_detail` (`shop_name` STRING COMMENT 'shop', `total_price` DOUBLE NOT NULL) " +
			"comment 'sales' partitioned by (`sale_date` STRING comment 'day', `region` STRING) lifecycle 10;",
			"CREATE TABLE IF NOT EXISTS p1.sale_detail (shop_name STRING COMMENT 'shop', total_price DOUBLE NOT NULL) " +
				"COMMENT 'sales' PARTITIONED BY (sale_date STRING COMMENT 'day', region STRING) LIFECYCLE 10"},
		{"CREATE TABLE p.`s`.`t` (c1 BIGINT NOT NULL COMMENT 'x')", "CREATE TABLE p.s.t (c1 BIGINT NOT NULL COMMENT 'x')"},
		{"create table t (`select` string, `a b` int)", "CREATE TABLE t (`select` STRING, `a b` INT)"},
		{"create table t like u", "CREATE TABLE t LIKE u"},
		{"create table if not exists t like p.u lifecycle 7", "CREATE TABLE IF NOT EXISTS t LIKE p.u LIFECYCLE 7"},
		{"create table t as select * from u", "CREATE TABLE t AS SELECT * FROM u"},
		{"create table if not exists t lifecycle 1 as select a from u where b > 1", "CREATE TABLE IF NOT EXISTS t LIFECYCLE 1 AS SELECT a FROM u WHERE b > 1"},
		{"drop table t", "DROP TABLE t"},
		{"drop table if exists proj.`t`;", "DROP TABLE IF EXISTS proj.t"},
		{"alter table t add partition (pt='20260101')", "ALTER TABLE t ADD PARTITION (pt='20260101')"},
		{"alter table t add if not exists partition (pt='1', region=\"hz\") partition (pt='2', region='sh')",
			"ALTER TABLE t ADD IF NOT EXISTS PARTITION (pt='1', region='hz') PARTITION (pt='2', region='sh')"},
		{"alter table p.t drop partition (pt=20260101)", "ALTER TABLE p.t DROP PARTITION (pt=20260101)"},
		{"alter table t drop if exists partition (pt='1'), partition (pt = -2), partition (pt=3L)",
			"ALTER TABLE t DROP IF EXISTS PARTITION (pt='1'), PARTITION (pt=-2), PARTITION (pt=3L)"},
		{"show tables", "SHOW TABLES"},
		{"show tables in p1 like 'sale*'", "SHOW TABLES IN p1 LIKE 'sale*'"},
		{"show tables like 'a%'", "SHOW TABLES LIKE 'a%'"},
		{"show partitions t", "SHOW PARTITIONS t"},
		{"show partitions p.t partition (pt='1')", "SHOW PARTITIONS p.t PARTITION (pt='1')"},
		{"desc t", "DESC `t`"},
		{"describe extended p.t partition (pt='1', r='x')", "DESC EXTENDED `p`.`t` PARTITION (pt='1', r='x')"},
		{"desc p.s.t", "DESC `p`.`s`.`t`"},
		{"desc role;", "DESC `role`"},
		{"desc extended", "DESC `extended`"},
		{"desc extended role", "DESC EXTENDED `role`"},
		{"desc project", "DESC `project`"},
		{"desc `role` partition (pt='1')", "DESC `role` PARTITION (pt='1')"},
	})
}

func TestTypes(t *testing.T) {
	types := []struct{ in, want string }{
		{"bigint", "BIGINT"}, {"Double", "DOUBLE"}, {"boolean", "BOOLEAN"}, {"datetime", "DATETIME"}, {"string", "STRING"},
		{"decimal", "DECIMAL"}, {"tinyint", "TINYINT"}, {"smallint", "SMALLINT"}, {"int", "INT"}, {"float", "FLOAT"},
		{"varchar(1)", "VARCHAR(1)"}, {"varchar(65535)", "VARCHAR(65535)"}, {"char(255)", "CHAR(255)"}, {"binary", "BINARY"},
		{"date", "DATE"}, {"timestamp", "TIMESTAMP"}, {"timestamp_ntz", "TIMESTAMP_NTZ"}, {"json", "JSON"},
		{"decimal(38,18)", "DECIMAL(38,18)"}, {"decimal(10)", "DECIMAL(10,0)"}, {"decimal(1,1)", "DECIMAL(1,1)"},
		{"array<bigint>", "ARRAY<BIGINT>"}, {"map<string,array<int>>", "MAP<STRING,ARRAY<INT>>"},
		{"struct<a:int, `b c`:map<string, string>, x:struct<y:date>>", "STRUCT<a:INT,`b c`:MAP<STRING,STRING>,x:STRUCT<y:DATE>>"},
		{"array<array<array<decimal(5,2)>>>", "ARRAY<ARRAY<ARRAY<DECIMAL(5,2)>>>"},
	}
	for _, c := range types {
		t.Run(c.in, func(t *testing.T) {
			st := mustParse(t, "create table t (c "+c.in+")")
			if got := format(st); got != "CREATE TABLE t (c "+c.want+")" {
				t.Fatalf("got %s, want type %s", got, c.want)
			}
			st = mustParse(t, "select cast(x as "+c.in+")")
			if got := format(st); got != "SELECT CAST(x AS "+c.want+")" {
				t.Fatalf("got %s, want type %s", got, c.want)
			}
		})
	}
	st := mustParse(t, "create table t (m map<string, struct<a:int>>, d decimal(10, 2))").(*sqlast.CreateTable)
	want := []sqlast.ColumnDef{
		{Name: sqlast.Ident{Name: "m"}, Type: &sqlast.Type{Name: "MAP", Elem: []*sqlast.Type{{Name: "STRING"},
			{Name: "STRUCT", Fields: []sqlast.Field{{Name: "a", Type: &sqlast.Type{Name: "INT"}}}}}}},
		{Name: sqlast.Ident{Name: "d"}, Type: &sqlast.Type{Name: "DECIMAL", Params: []int{10, 2}}},
	}
	zeroPos(st)
	if !reflect.DeepEqual(st.Columns, want) {
		t.Fatalf("got  %#v\nwant %#v", st.Columns, want)
	}
}

func TestDDLShapes(t *testing.T) {
	st := mustParse(t, "create table if not exists p.s.t (a bigint not null comment 'c') comment 'tc' partitioned by (pt string) lifecycle 37231")
	want := &sqlast.CreateTable{
		Node:        sqlast.Node{P: sqlast.Pos{Line: 1, Col: 1}},
		IfNotExists: true,
		Name:        sqlast.TableName{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 28}}, Project: "p", Schema: "s", Table: "t"},
		Columns: []sqlast.ColumnDef{{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 35}},
			Name: sqlast.Ident{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 35}}, Name: "a"},
			Type: &sqlast.Type{Name: "BIGINT"}, NotNull: true, Comment: "c"}},
		Comment: "tc",
		PartitionBy: []sqlast.ColumnDef{{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 95}},
			Name: sqlast.Ident{Node: sqlast.Node{P: sqlast.Pos{Line: 1, Col: 95}}, Name: "pt"}, Type: &sqlast.Type{Name: "STRING"}}},
		Lifecycle: 37231,
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("got  %#v\nwant %#v", st, want)
	}
	a := zeroPos(mustParse(t, "alter table t drop if exists partition (pt='1', n=-5Y)")).(*sqlast.AlterPartitions)
	wantA := &sqlast.AlterPartitions{Table: sqlast.TableName{Table: "t"}, Drop: true, IfCondition: true,
		Specs: []sqlast.PartitionSpec{{Columns: []sqlast.PartitionValue{
			{Name: sqlast.Ident{Name: "pt"}, Value: &sqlast.Literal{Kind: sqlast.LitString, Value: "1"}},
			{Name: sqlast.Ident{Name: "n"}, Value: &sqlast.Literal{Kind: sqlast.LitTinyint, Value: "-5"}},
		}}}}
	if !reflect.DeepEqual(a, wantA) {
		t.Fatalf("got  %#v\nwant %#v", a, wantA)
	}
	d := mustParse(t, "desc extended t").(*sqlast.Describe)
	if !d.Extended || d.Table.Table != "t" || d.Partition != nil {
		t.Fatalf("got %#v", d)
	}
	if dr, ok := mustParse(t, "desc role r").(*sqlast.DescribeRole); !ok || dr.Name.Name != "r" {
		t.Fatalf("got %#v", dr)
	}
	ct := mustParse(t, "create table t as select 1").(*sqlast.CreateTable)
	if ct.AsSelect == nil || ct.Columns != nil || ct.Like != nil {
		t.Fatalf("got %#v", ct)
	}
}

func TestDDLErrors(t *testing.T) {
	runErrors(t, []errCase{
		{"create table t (a integer)", "ODPS-0130161:[1,19] Parse exception - invalid token 'integer', expect a type: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, VARCHAR, CHAR, STRING, BINARY, BOOLEAN, DATE, DATETIME, TIMESTAMP, TIMESTAMP_NTZ, JSON, ARRAY, MAP or STRUCT"},
		{"create table t (a 'x')", "ODPS-0130161:[1,19] Parse exception - invalid token ''x'', expect a type: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, VARCHAR, CHAR, STRING, BINARY, BOOLEAN, DATE, DATETIME, TIMESTAMP, TIMESTAMP_NTZ, JSON, ARRAY, MAP or STRUCT"},
		{"create table t (a decimal(39,2))", "ODPS-0130161:[1,27] Parse exception - invalid DECIMAL precision 39, expect 1 to 38"},
		{"create table t (a decimal(0))", "ODPS-0130161:[1,27] Parse exception - invalid DECIMAL precision 0, expect 1 to 38"},
		{"create table t (a decimal(5,6))", "ODPS-0130161:[1,29] Parse exception - invalid DECIMAL scale 6, expect 0 to the precision 5"},
		{"create table t (a decimal(5,))", "ODPS-0130161:[1,29] Parse exception - invalid token ')', expect an integer"},
		{"create table t (a decimal(9223372036854775808))", "ODPS-0130161:[1,27] Parse exception - invalid DECIMAL precision 9223372036854775807, expect 1 to 38"},
		{"create table t (a varchar(0))", "ODPS-0130161:[1,27] Parse exception - invalid VARCHAR length 0, expect 1 to 65535"},
		{"create table t (a varchar(65536))", "ODPS-0130161:[1,27] Parse exception - invalid VARCHAR length 65536, expect 1 to 65535"},
		{"create table t (a varchar)", "ODPS-0130161:[1,26] Parse exception - invalid token ')', expect '('"},
		{"create table t (a char(256))", "ODPS-0130161:[1,24] Parse exception - invalid CHAR length 256, expect 1 to 255"},
		{"create table t (a char(1.5))", "ODPS-0130161:[1,24] Parse exception - invalid token '1.5', expect an integer"},
		{"create table t (a array<int)", "ODPS-0130161:[1,28] Parse exception - invalid token ')', expect '>'"},
		{"create table t (a array<>)", "ODPS-0130161:[1,24] Parse exception - invalid token '<>', expect '<'"},
		{"create table t (a map<string>)", "ODPS-0130161:[1,29] Parse exception - invalid token '>', expect ','"},
		{"create table t (a struct<x int>)", "ODPS-0130161:[1,28] Parse exception - invalid token 'int', expect ':'"},
		{"create table t (a struct<x:int, X:int>)", "ODPS-0130161:[1,33] Parse exception - STRUCT field 'X' given twice"},
		{"create table t (a bigint default 1)", "ODPS-0130161:[1,26] Parse exception - invalid token 'default', expect ',' or ')'"},
		{"create table t (a bigint, primary key (a))", "ODPS-0130161:[1,27] Parse exception - PRIMARY KEY is not supported"},
		{"create table t (a bigint not 1)", "ODPS-0130161:[1,30] Parse exception - invalid token '1', expect 'NULL'"},
		{"create table t (a bigint) partitioned by (pt string not null)", "ODPS-0130161:[1,53] Parse exception - invalid token 'not', expect ',' or ')'"},
		{"create table t (a bigint) partitioned (pt string)", "ODPS-0130161:[1,39] Parse exception - invalid token '(', expect 'BY'"},
		{"create table t (a bigint) lifecycle 0", "ODPS-0130161:[1,37] Parse exception - invalid LIFECYCLE 0, expect 1 to 37231 days"},
		{"create table t (a bigint) lifecycle 37232", "ODPS-0130161:[1,37] Parse exception - invalid LIFECYCLE 37232, expect 1 to 37231 days"},
		{"create table t (a bigint) lifecycle 99999999999999999999", "ODPS-0130161:[1,37] Parse exception - integer literal 99999999999999999999 is out of the BIGINT range"},
		{"create table t (a bigint) lifecycle 9223372036854775808", "ODPS-0130161:[1,37] Parse exception - integer 9223372036854775808 is too large"},
		{"create table t (a bigint) lifecycle 1 comment 'x'", "ODPS-0130161:[1,39] Parse exception - invalid token 'comment', expect end of statement"},
		{"create table t ()", "ODPS-0130161:[1,17] Parse exception - invalid token ')', expect a column name"},
		{"create table t (table string)", "ODPS-0130161:[1,17] Parse exception - invalid token 'table', expect a column name ('table' is a reserved word: quote it in backticks)"},
		{"create table t", "ODPS-0130161:[1,15] Parse exception - invalid token '<EOF>', expect one of '(', 'LIKE', 'AS', 'LIFECYCLE'"},
		{"create table t lifecycle 3", "ODPS-0130161:[1,27] Parse exception - invalid token '<EOF>', expect 'AS'"},
		{"create table t as insert", "ODPS-0130161:[1,19] Parse exception - invalid token 'insert', expect 'SELECT'"},
		{"create table if exists t (a int)", "ODPS-0130161:[1,17] Parse exception - invalid token 'exists', expect 'NOT'"},
		{"create view v as select 1", "ODPS-0130161:[1,8] Parse exception - invalid token 'view', expect 'TABLE' or 'ROLE'"},
		{"create table a.b.c.d (x int)", "ODPS-0130161:[1,19] Parse exception - invalid token '.': a table name has at most three parts, project.schema.table"},
		{"drop view v", "ODPS-0130161:[1,6] Parse exception - invalid token 'view', expect 'TABLE' or 'ROLE'"},
		{"drop table if t", "ODPS-0130161:[1,15] Parse exception - invalid token 't', expect 'EXISTS'"},
		{"alter table t rename to u", "ODPS-0130161:[1,15] Parse exception - invalid token 'rename', expect 'ADD' or 'DROP'"},
		{"alter table t add columns (a int)", "ODPS-0130161:[1,19] Parse exception - invalid token 'columns', expect 'PARTITION'"},
		{"alter table t add partition (pt)", "ODPS-0130161:[1,32] Parse exception - invalid token ')', expect '='"},
		{"alter table t add partition (pt='1'), partition (pt='2')", "ODPS-0130161:[1,37] Parse exception - invalid token ',', expect end of statement"},
		{"alter table t drop partition (pt='1') partition (pt='2')", "ODPS-0130161:[1,39] Parse exception - invalid token 'partition', expect end of statement"},
		{"alter table t add partition (pt=1.5)", "ODPS-0130161:[1,33] Parse exception - invalid token '1.5', expect a partition value: a string or integer literal"},
		{"alter table t add partition (pt=-'x')", "ODPS-0130161:[1,33] Parse exception - invalid token '-', expect a partition value: a string or integer literal"},
		{"alter table t add partition (pt='1', PT='2')", "ODPS-0130161:[1,38] Parse exception - partition column 'PT' given twice"},
		{"alter table t add partition ()", "ODPS-0130161:[1,30] Parse exception - invalid token ')', expect a partition column name"},
		{"show tables in 'p'", "ODPS-0130161:[1,16] Parse exception - invalid token ''p'', expect a project name"},
		{"show tables like x", "ODPS-0130161:[1,18] Parse exception - invalid token 'x', expect a pattern string"},
		{"show partitions", "ODPS-0130161:[1,16] Parse exception - invalid token '<EOF>', expect a table name"},
		{"desc", "ODPS-0130161:[1,5] Parse exception - invalid token '<EOF>', expect a table name"},
		{"desc t partition (pt)", "ODPS-0130161:[1,21] Parse exception - invalid token ')', expect '='"},
		{"desc function f", "ODPS-0130161:[1,6] Parse exception - DESC FUNCTION is not supported"},
		{"desc project p", "ODPS-0130161:[1,6] Parse exception - DESC PROJECT is not supported"},
	})
}
