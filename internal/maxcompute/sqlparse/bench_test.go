package sqlparse

import (
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	cases := map[string]string{
		"grant":  "grant Select on table sale_detail to user `RAM$account-b:role/testRole`;",
		"join3":  "select a.x, b.y, sum(c.z) from p.a a join p.b b on a.id = b.id left join p.c c on c.id = a.id where a.pt = '20260101' and b.k in (1, 2, 3) group by a.x, b.y order by a.x limit 100",
		"insert": "insert into t values " + strings.Repeat("(1, 'abc', 2.5, null), ", 999) + "(1, 'abc', 2.5, null)",
	}
	for name, stmt := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(stmt)))
			for b.Loop() {
				if _, err := Parse(stmt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSplit(b *testing.B) {
	script := strings.Repeat("-- c\nselect 'a;b', `c;d` from t where x = 1; /* x */\n", 1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(script)))
	for b.Loop() {
		if _, err := Split(script); err != nil {
			b.Fatal(err)
		}
	}
}
