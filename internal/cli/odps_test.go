package cli

import (
	"strings"
	"testing"
)

func TestODPSEndpoint(t *testing.T) {
	t.Setenv("LOCALYUN_ENDPOINT", "")
	for _, tc := range []struct {
		flag, env, root, path string
		bad                   bool
	}{
		{flag: "", root: "http://127.0.0.1:18080", path: "/odps/api"},
		{flag: "", env: "127.0.0.1:9000", root: "http://127.0.0.1:9000", path: "/odps/api"},
		{flag: "http://localhost:1/", root: "http://localhost:1", path: "/odps/api"},
		{flag: "https://h:2/odps/api", root: "https://h:2", path: "/odps/api"},
		{flag: "http://h:3/api/", root: "http://h:3", path: "/api"},
		{flag: "ftp://h:3", bad: true},
		{flag: "http://h:3/?x=1", bad: true},
		{flag: "http://user:pw@h:3", bad: true},
	} {
		t.Setenv("LOCALYUN_ENDPOINT", tc.env)
		f := odpsFlags{endpoint: tc.flag}
		root, path, err := f.parseEndpoint()
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted", tc.flag)
			}
			continue
		}
		if err != nil || root != tc.root || path != tc.path {
			t.Errorf("%q (env %q): %q %q %v", tc.flag, tc.env, root, path, err)
		}
	}
}

func TestFormatTable(t *testing.T) {
	got := formatTable([][]string{{"id", "name"}, {"1", "ab"}, {"22", `\N`}, {"3", "日本"}})
	want := "+----+------+\n| id | name |\n+----+------+\n| 1  | ab   |\n| 22 | NULL |\n| 3  | 日本   |\n+----+------+"
	if got != want {
		t.Fatalf("\n%s\nwant:\n%s", got, want)
	}
}

func TestODPSUsage(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"odps", "-e", "list users"}, "--project is required"},
		{[]string{"odps", "-p", "p"}, "give statements with -e"},
		{[]string{"odps", "-p", "p", "-e", "x", "-f", "y"}, "not both"},
		{[]string{"odps", "-p", "p", "-e", "x", "--format", "json"}, "--format"},
		{[]string{"odps", "-p", "p", "-e", "list users"}, "no credentials"},
		{[]string{"odps", "-p", "p", "-e", "list users", "--access-key-id", "a", "--access-key-secret", "b", "--signature-version", "3"}, "--signature-version 3"},
		{[]string{"odps", "-p", "p", "-e", " ; ", "--access-key-id", "a", "--access-key-secret", "b"}, "no statement"},
		{[]string{"odps", "create-project"}, "accepts 1 arg"},
		{[]string{"odps", "create-project", "p"}, "no credentials"},
	} {
		code, _, stderr := run(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.msg)
		}
	}
	// No server: exit 1 with a message that says so.
	code, _, stderr := run(t, "", "odps", "--endpoint", "http://127.0.0.1:1", "-p", "p", "-e", "list users", "--access-key-id", "a", "--access-key-secret", "b")
	if code != ExitFailed || !strings.Contains(stderr, "cannot reach the ODPS endpoint http://127.0.0.1:1/odps/api") {
		t.Errorf("no server: %d %q", code, stderr)
	}
}
