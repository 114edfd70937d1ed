package principal

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Name
	}{
		{"ALIYUN$1234567890123456", Name{Kind: Account, Account: "1234567890123456"}},
		{"aliyun$account-b", Name{Kind: Account, Account: "account-b"}},
		{"RAM$account-b:role/testRole", Name{Kind: Role, Account: "account-b", Name: "testRole"}},
		{"ram$2000000000000002:alice", Name{Kind: User, Account: "2000000000000002", Name: "alice"}},
		{"Ram$b:user.name@x-y", Name{Kind: User, Account: "b", Name: "user.name@x-y"}},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "alice", "TAOBAO$x", "ALIYUN$", "ALIYUN$a b", "RAM$b", "RAM$b:", "RAM$b:role/",
		"RAM$b:role/a/b", "RAM$:alice", "RAM$b:al ice", "RAM$b:role/" + strings.Repeat("x", 65), strings.Repeat("x", 300)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if Canonical(Role, "1", "testRole") != "RAM$1:role/testRole" || Canonical(User, "1", "u") != "RAM$1:u" || Canonical(Account, "1", "") != "ALIYUN$1" {
		t.Fatal("canonical forms")
	}
	if Key("RAM$1:role/TestRole") != Key("ram$1:role/testrole") {
		t.Fatal("keys are case-insensitive")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ALIYUN$1", "RAM$b:role/r", "RAM$b:u", "ram$a:role/", "$", "RAM$:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		// Whatever parses writes back to a form that parses the same.
		text := map[Kind]string{Account: "ALIYUN$" + n.Account, User: "RAM$" + n.Account + ":" + n.Name, Role: "RAM$" + n.Account + ":role/" + n.Name}[n.Kind]
		again, err := Parse(text)
		if err != nil || again != n {
			t.Fatalf("%q parsed to %+v, which writes as %q and parses to %+v, %v", s, n, text, again, err)
		}
	})
}
