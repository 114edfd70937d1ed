package sqlparse

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/maxcompute/sqlast"
)

var fuzzSeeds = []string{
	"add user `RAM$account-b:role/testRole`;",
	"list users;",
	"show grants for `RAM$account-b:role/testRole`;",
	"grant Select on table sale_detail to user `RAM$account-b:role/testRole`;",
	"grant CreateInstance on project p to user `RAM$1234567890123456:role/testRole`;",
	"add user ALIYUN$test_user@aliyun.com comment 'x';",
	"remove user RAM$bob@aliyun.com:Allen",
	"add user RAM$account-b:role/testRole",
	"list roles; list accountproviders",
	`create role r privilegeproperties("type"="admin")`,
	"drop role r", "desc role r", "whoami", "clear expired grants", "add accountprovider ram", "remove accountprovider aliyun",
	"grant a, b to ALIYUN$1", "revoke a from `RAM$1:role/x`",
	`grant Describe on table t_app_* to role r privilegeproperties("policy"="true", "allow"="false", "expires"="3")`,
	"revoke Select on table p.t from user ALIYUN$1",
	"show grants for role r on type table", "show grants", "show acl for p.* on type project",
	"create table if not exists p.`s`.t (a bigint not null comment 'c', m map<string,array<struct<x:int>>>) comment 'c' partitioned by (pt string) lifecycle 3",
	"create table t like u lifecycle 1", "create table t lifecycle 2 as select * from u",
	"drop table if exists t", "alter table t add if not exists partition (pt='1') partition (pt=2)",
	"alter table t drop partition (pt='1'), partition (pt=-3Y)",
	"insert overwrite table t partition (pt='1', r) (a, b) select a, b, r from u",
	"insert into t values (1, 'a', null, true, 1.5e3, 3.5BD, 2S, 1Y, 1L, 3.14F), (date '2026-01-01', datetime '2026-01-01 00:00:00', timestamp '2026-01-01 00:00:00.5', -1, 'x\\n\\001\\u4e2d', \"q\\\"\", '', 0, 0, 0)",
	"select distinct a.*, b.x as y, count(distinct c), count(*) from a left outer join (select 1 x) b on a.id = b.x and not a.y like 'x%' " +
		"where a.z between 1 and 2 or a.w not in (select w from v) and exists (select 1) group by a.k having sum(a.v) > 0 order by 1 desc limit 5",
	"select case when a = 1 then 'x' when a is not null then cast(a as string) else 'z' end || '!' from t union all select if(a, b, c) from u",
	"select -a * (b + c) % 3 / 2 - 1 from t cross join u, v",
	"select a from t where a rlike '^x' and b not rlike 'y' and c not between 1 and 2",
	"show tables in p like 'x*'", "show partitions t partition (pt='1')", "describe extended p.t partition (pt='1')",
	"-- comment\nselect /* hint */ 1 -- end\n;", "select '中文', `列` from `表`",
	"select ((((1))))", "select not not not a", "select - - - 1",
	"select a frm t", "select 'unterminated", "select `x", "select 1 /* open", "select 1; select 2", "", ";",
	"select a = b = c", "select '\\uD83D\\uDE00'", "select 9223372036854775808, 128Y, 32768S",
}

// FuzzParse feeds arbitrary text to Parse and IsSecurityText. Neither may
// panic; a refusal is a *ParseError placed inside the text with a bounded
// message; an accepted statement routes as its node says, and its
// canonical form (format) parses back to the same canonical form.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := Parse(s)
		sec := IsSecurityText(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || st != nil {
				t.Fatalf("Parse(%q) = %v, %v (%T)", s, st, err, err)
			}
			checkErrorPosition(t, s, pe)
			return
		}
		if sec != sqlast.IsSecurity(st) {
			t.Fatalf("IsSecurityText(%q) = %v, but Parse gives %T", s, sec, st)
		}
		text := format(st)
		st2, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", s, text, err)
		}
		if text2 := format(st2); text2 != text {
			t.Fatalf("Parse(%q):\nformat  %s\nagain   %s", s, text, text2)
		}
	})
}

// checkErrorPosition checks that a parse error points into the text (or
// just after it) and that its message is short.
func checkErrorPosition(t *testing.T, s string, pe *ParseError) {
	t.Helper()
	if pe.Message == "" || len(pe.Message) > 600 {
		t.Fatalf("Parse(%q): message of %d bytes: %v", s, len(pe.Message), pe)
	}
	lines := strings.Split(s, "\n")
	if pe.Line < 1 || pe.Line > len(lines) || pe.Col < 1 {
		t.Fatalf("Parse(%q): error at %d,%d of %d lines: %v", s, pe.Line, pe.Col, len(lines), pe)
	}
	if n := utf8.RuneCountInString(lines[pe.Line-1]); pe.Col > n+1 {
		t.Fatalf("Parse(%q): error at column %d of a line of %d characters: %v", s, pe.Col, n, pe)
	}
}

// FuzzSplit checks that Split never panics and that its pieces cover the
// script (checkCover); each piece then goes through IsSecurityText and
// Parse, which must not panic.
func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("a; b;")
	f.Add("select 'a;b', \"c\\\";d\", `e``;f` -- g;\n/* h; */ ; \xff;")
	f.Fuzz(func(t *testing.T, s string) {
		pieces, err := Split(s)
		if err != nil {
			t.Fatalf("Split: %v", err)
		}
		checkCover(t, s, pieces)
		for _, pc := range pieces {
			_ = IsSecurityText(pc.Text)
			if _, err := Parse(pc.Text); err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q): %v", pc.Text, err)
				}
			}
		}
	})
}
