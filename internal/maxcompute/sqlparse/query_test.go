package sqlparse

import (
	"reflect"
	"testing"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

func TestSelect(t *testing.T) {
	runCanonical(t, []canonical{
		{"select * from t", "SELECT * FROM t"},
		{"SELECT count(*) FROM p.s.t;", "SELECT count(*) FROM p.s.t"},
		{"select 1", "SELECT 1"},
		{"select 1;", "SELECT 1"},
		{"select all a from t", "SELECT a FROM t"},
		{"select distinct a, b from t", "SELECT DISTINCT a, b FROM t"},
		{"select t.*, u.a as x, b y, `c d` `e f` from t", "SELECT t.*, u.a AS x, b AS y, `c d` AS `e f` FROM t"},
		{"select `t`.* from t", "SELECT t.* FROM t"},
		{"select a from t where pt='20260101' and region = 'hz'", "SELECT a FROM t WHERE pt = '20260101' AND region = 'hz'"},
		{"select a, count(distinct b) c from t group by a having count(distinct b) > 1 order by a desc, c asc limit 10",
			"SELECT a, count(DISTINCT b) AS c FROM t GROUP BY a HAVING count(DISTINCT b) > 1 ORDER BY a DESC, c LIMIT 10"},
		{"select a from t order by a", "SELECT a FROM t ORDER BY a"},
		{"select a from t limit 0", "SELECT a FROM t LIMIT 0"},
		{"select a from t tt", "SELECT a FROM t AS tt"},
		{"select a from t as `select`", "SELECT a FROM t AS `select`"},
		{"select x.a from t x join u y on x.id = y.id left join v on v.id = x.id left outer join w on true",
			"SELECT x.a FROM t AS x JOIN u AS y ON x.id = y.id LEFT JOIN v ON v.id = x.id LEFT JOIN w ON TRUE"},
		{"select * from a inner join b on a.k = b.k right outer join c on c.k = a.k full join d on d.k = a.k full outer join e on 1 = 1",
			"SELECT * FROM a JOIN b ON a.k = b.k RIGHT JOIN c ON c.k = a.k FULL JOIN d ON d.k = a.k FULL JOIN e ON 1 = 1"},
		{"select * from a cross join b, c", "SELECT * FROM a CROSS JOIN b CROSS JOIN c"},
		{"select * from (select a from t) s where s.a > 0", "SELECT * FROM (SELECT a FROM t) AS s WHERE s.a > 0"},
		{"select * from (select a from t union all select a from u) s order by a limit 5",
			"SELECT * FROM (SELECT a FROM t UNION ALL SELECT a FROM u) AS s ORDER BY a LIMIT 5"},
		{"select * from (select 1)", "SELECT * FROM (SELECT 1)"},
		{"select a from t union select a from u union all select a from v union distinct select 1",
			"SELECT a FROM t UNION SELECT a FROM u UNION ALL SELECT a FROM v UNION SELECT 1"},
		{"select a from t where a in (select b from u) and exists (select 1 from v where v.x = t.a) and not exists(select 1)",
			"SELECT a FROM t WHERE a IN (SELECT b FROM u) AND EXISTS (SELECT 1 FROM v WHERE v.x = t.a) AND NOT EXISTS (SELECT 1)"},
		{"select (select max(b) from u) m from t", "SELECT (SELECT max(b) FROM u) AS m FROM t"},
		{"select ((select 1))", "SELECT (SELECT 1)"},
		{"select a from t where a not in (1, 2, 3) or b in ('x')", "SELECT a FROM t WHERE a NOT IN (1, 2, 3) OR b IN ('x')"},
		{"select if(a > 1, 'big', 'small'), replace(s, 'a', 'b'), date, timestamp from t",
			"SELECT if(a > 1, 'big', 'small'), replace(s, 'a', 'b'), date, timestamp FROM t"},
		{"select /*+ mapjoin(b) */ a from t -- trailing\n;", "SELECT a FROM t"},
		{"select\n  a\nfrom\n  t\n", "SELECT a FROM t"},
	})
}

func TestInsert(t *testing.T) {
	runCanonical(t, []canonical{
		{"insert into t values (1, 'a'), (2, 'b')", "INSERT INTO TABLE t VALUES (1, 'a'), (2, 'b')"},
		{"insert into table p.t (a, b) values (1, null)", "INSERT INTO TABLE p.t (a, b) VALUES (1, NULL)"},
		{"insert overwrite table t partition (pt='20260101', region='hz') select a, b from u",
			"INSERT OVERWRITE TABLE t PARTITION (pt='20260101', region='hz') SELECT a, b FROM u"},
		{"insert overwrite table t partition (pt) select a, b, pt from u",
			"INSERT OVERWRITE TABLE t PARTITION (pt) SELECT a, b, pt FROM u"},
		{"insert into t partition (pt='1', region) (a) select a, region from u",
			"INSERT INTO TABLE t PARTITION (pt='1', region) (a) SELECT a, region FROM u"},
		{"insert into t values (-1, 1 + 2, concat('a', 'b'), date '2026-11-26', cast('1' as bigint))",
			"INSERT INTO TABLE t VALUES (- 1, 1 + 2, concat('a', 'b'), DATE '2026-11-26', CAST('1' AS BIGINT))"},
		{"insert into t select * from u union all select * from v", "INSERT INTO TABLE t SELECT * FROM u UNION ALL SELECT * FROM v"},
	})
	ins := zeroPos(mustParse(t, "insert overwrite table t partition (pt='x', r) (a) select 1, 2")).(*sqlast.Insert)
	want := &sqlast.Insert{Overwrite: true, Table: sqlast.TableName{Table: "t"},
		Partition: &sqlast.PartitionSpec{Columns: []sqlast.PartitionValue{
			{Name: sqlast.Ident{Name: "pt"}, Value: &sqlast.Literal{Kind: sqlast.LitString, Value: "x"}},
			{Name: sqlast.Ident{Name: "r"}}}},
		Columns: []sqlast.Ident{{Name: "a"}},
		Query: &sqlast.Select{Items: []sqlast.SelectItem{
			{Expr: &sqlast.Literal{Kind: sqlast.LitInt, Value: "1"}}, {Expr: &sqlast.Literal{Kind: sqlast.LitInt, Value: "2"}}}},
	}
	if !reflect.DeepEqual(ins, want) {
		t.Fatalf("got  %#v\nwant %#v", ins, want)
	}
}

func TestSelectShapes(t *testing.T) {
	st := mustParse(t, "select a.x, count(*) from a left join (select 1 y) b on a.x = b.y where a.x between 1 and 2 group by a.x order by a.x desc limit 3")
	s := st.(*sqlast.Select)
	if s.P != (sqlast.Pos{Line: 1, Col: 1}) || len(s.Items) != 2 || s.From == nil || len(s.From.Joins) != 1 {
		t.Fatalf("got %#v", s)
	}
	if c, ok := s.Items[1].Expr.(*sqlast.FuncCall); !ok || c.Name != "count" || len(c.Args) != 1 {
		t.Fatalf("count(*) is %#v", s.Items[1].Expr)
	} else if _, ok := c.Args[0].(*sqlast.Star); !ok {
		t.Fatalf("count(*) argument %#v", c.Args[0])
	}
	j := s.From.Joins[0]
	if j.Kind != sqlast.LeftJoin || j.Source.Subquery == nil || j.Source.Alias != "b" || j.On == nil {
		t.Fatalf("join %#v", j)
	}
	if b, ok := s.Where.(*sqlast.Between); !ok || b.Not || b.P != (sqlast.Pos{Line: 1, Col: 73}) {
		t.Fatalf("where %#v", s.Where)
	}
	if s.Limit == nil || *s.Limit != 3 || !s.OrderBy[0].Desc {
		t.Fatalf("order/limit %#v %v", s.OrderBy, s.Limit)
	}
	u := mustParse(t, "select 1 union all select 2 union select 3").(*sqlast.Select)
	if u.Union == nil || !u.Union.All || u.Union.Query.Union == nil || u.Union.Query.Union.All || u.Union.Query.Union.Query.Union != nil {
		t.Fatalf("union chain %#v", u)
	}
	if f := mustParse(t, "select 1").(*sqlast.Select); f.From != nil {
		t.Fatalf("from %#v", f.From)
	}
}

func TestQueryErrors(t *testing.T) {
	runErrors(t, []errCase{
		{"select * frm t", "ODPS-0130161:[1,10] Parse exception - invalid token 'frm', expect 'FROM'"},
		{"select a frm t", "ODPS-0130161:[1,14] Parse exception - invalid token 't', expect 'FROM'"},
		{"select a, from t", "ODPS-0130161:[1,11] Parse exception - invalid token 'from', expect an expression"},
		{"select", "ODPS-0130161:[1,7] Parse exception - invalid token '<EOF>', expect an expression"},
		{"select a from", "ODPS-0130161:[1,14] Parse exception - invalid token '<EOF>', expect a table name"},
		{"select a from t where", "ODPS-0130161:[1,22] Parse exception - invalid token '<EOF>', expect an expression"},
		{"select a from t grup by a", "ODPS-0130161:[1,22] Parse exception - invalid token 'by', expect one of 'JOIN', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t where a = 1 grup by a", "ODPS-0130161:[1,29] Parse exception - invalid token 'grup', expect one of 'GROUP BY', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t group by a sort by a", "ODPS-0130161:[1,28] Parse exception - invalid token 'sort', expect one of 'HAVING', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t group by a having a > 1 x", "ODPS-0130161:[1,41] Parse exception - invalid token 'x', expect one of 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t order by a nulls first", "ODPS-0130161:[1,28] Parse exception - invalid token 'nulls', expect one of 'LIMIT', 'UNION' or end of statement"},
		{"select a from t limit 1, 2", "ODPS-0130161:[1,24] Parse exception - invalid token ',', expect one of 'UNION' or end of statement"},
		{"select a from t limit -1", "ODPS-0130161:[1,23] Parse exception - invalid token '-', expect a row count"},
		{"select a from t limit 1.0", "ODPS-0130161:[1,23] Parse exception - invalid token '1.0', expect a row count"},
		{"select a from t having a > 1", "ODPS-0130161:[1,17] Parse exception - HAVING without GROUP BY is not supported: use WHERE"},
		{"select a from t group a", "ODPS-0130161:[1,23] Parse exception - invalid token 'a', expect 'BY'"},
		{"select a from t order a", "ODPS-0130161:[1,23] Parse exception - invalid token 'a', expect 'BY'"},
		{"select a from t where a = 1 select", "ODPS-0130161:[1,29] Parse exception - invalid token 'select', expect one of 'GROUP BY', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t order by a union all select a from u", "ODPS-0130161:[1,17] Parse exception - ORDER BY and LIMIT are not allowed in a UNION: wrap the UNION in a subquery, SELECT * FROM (... UNION ALL ...) u ORDER BY ... LIMIT ..."},
		{"select a from t union all select a from u limit 1", "ODPS-0130161:[1,43] Parse exception - ORDER BY and LIMIT are not allowed in a UNION: wrap the UNION in a subquery, SELECT * FROM (... UNION ALL ...) u ORDER BY ... LIMIT ..."},
		{"select a from t union all (select 1)", "ODPS-0130161:[1,27] Parse exception - invalid token '(', expect 'SELECT'"},
		{"select a from t join u", "ODPS-0130161:[1,23] Parse exception - invalid token '<EOF>', expect 'ON'"},
		{"select a from t left semi join u on t.a = u.a", "ODPS-0130161:[1,22] Parse exception - LEFT SEMI JOIN is not supported: use [NOT] EXISTS or [NOT] IN with a subquery"},
		{"select a from t left anti join u on t.a = u.a", "ODPS-0130161:[1,22] Parse exception - LEFT ANTI JOIN is not supported: use [NOT] EXISTS or [NOT] IN with a subquery"},
		{"select a from t left u on x", "ODPS-0130161:[1,22] Parse exception - invalid token 'u', expect 'JOIN'"},
		{"select a from t cross join u on t.a = u.a", "ODPS-0130161:[1,30] Parse exception - invalid token 'on', expect one of 'JOIN', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from t lateral view explode(x) v as y", "ODPS-0130161:[1,17] Parse exception - invalid token 'lateral', expect one of 'JOIN', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT', 'UNION' or end of statement"},
		{"select a from (insert into t values (1))", "ODPS-0130161:[1,16] Parse exception - invalid token 'insert', expect 'SELECT'"},
		{"select a from (select 1", "ODPS-0130161:[1,24] Parse exception - invalid token '<EOF>', expect ')'"},
		{"select a as from t", "ODPS-0130161:[1,13] Parse exception - invalid token 'from', expect an alias name ('from' is a reserved word: quote it in backticks)"},
		{"select a from t where a in ()", "ODPS-0130161:[1,29] Parse exception - invalid token ')', expect an expression"},
		{"select a from t where a in 1", "ODPS-0130161:[1,28] Parse exception - invalid token '1', expect '('"},
		{"select a from t where exists u", "ODPS-0130161:[1,30] Parse exception - invalid token 'u', expect '('"},
		{"select a from t where exists (1)", "ODPS-0130161:[1,31] Parse exception - invalid token '1', expect 'SELECT'"},
		{"select a from t where a in (select 1", "ODPS-0130161:[1,37] Parse exception - invalid token '<EOF>', expect ')'"},
		{"select t.a.b from t", "ODPS-0130161:[1,11] Parse exception - invalid token '.', expect 'FROM'"},
		{"select a. from t", "ODPS-0130161:[1,11] Parse exception - invalid token 'from', expect a column name ('from' is a reserved word: quote it in backticks)"},
		{"select count(*) over (partition by a) from t", "ODPS-0130161:[1,17] Parse exception - window functions (OVER) are not supported"},
		{"select `sum`(1)", "ODPS-0130161:[1,8] Parse exception - invalid token '`sum`': a function name cannot be quoted in backticks"},
		{"select sum(*) from t", "ODPS-0130161:[1,12] Parse exception - invalid token '*', expect an expression"},
		{"select count(distinct *) from t", "ODPS-0130161:[1,23] Parse exception - invalid token '*', expect an expression"},
		{"select f(a b) from t", "ODPS-0130161:[1,12] Parse exception - invalid token 'b', expect ')'"},
		{"insert t values (1)", "ODPS-0130161:[1,8] Parse exception - invalid token 't', expect 'INTO' or 'OVERWRITE'"},
		{"insert into t", "ODPS-0130161:[1,14] Parse exception - invalid token '<EOF>', expect 'VALUES' or 'SELECT'"},
		{"insert into t values 1", "ODPS-0130161:[1,22] Parse exception - invalid token '1', expect '('"},
		{"insert into t values (1), (1, 2)", "ODPS-0130161:[1,27] Parse exception - VALUES row 2 has 2 values, row 1 has 1"},
		{"insert into t (a, b) values (1)", "ODPS-0130161:[1,29] Parse exception - VALUES row 1 has 1 value for 2 columns"},
		{"insert into t () values (1)", "ODPS-0130161:[1,16] Parse exception - invalid token ')', expect a column name"},
		{"insert into t partition (a, b='1') values (1)", "ODPS-0130161:[1,29] Parse exception - static partition column 'b' after a dynamic one: static columns come first"},
		{"insert into t values (1) select", "ODPS-0130161:[1,26] Parse exception - invalid token 'select', expect end of statement"},
		{"with x as (select 1) select * from x", "ODPS-0130161:[1,1] Parse exception - invalid token 'with', expect a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"},
		{"set odps.sql.type.system.odps2=true", "ODPS-0130161:[1,1] Parse exception - invalid token 'set', expect a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"},
		{"(select 1)", "ODPS-0130161:[1,1] Parse exception - invalid token '(', expect a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"},
		{"`select` 1", "ODPS-0130161:[1,1] Parse exception - invalid token '`select`', expect a statement: SELECT, INSERT, CREATE, DROP, ALTER, SHOW, DESC, GRANT, REVOKE, ADD, REMOVE, LIST, WHOAMI or CLEAR"},
	})
}
