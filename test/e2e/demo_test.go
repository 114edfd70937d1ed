package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// This file runs `localyun demo`, the built binary, as a user would: the
// whole seed, then the seed with one step broken on purpose, each of which
// must fail at the step where a user would see it, with the message that
// says what to fix.

// summaryLine matches a row of the demo's summary table.
var summaryLine = regexp.MustCompile(`(?m)^(\d+\.\d+) ([a-z-]+)\s+(\S)\s+.*\s(ok|FAIL|SKIPPED)$`)

// runDemo runs `localyun demo` with its own Hologres ports and returns
// stdout, the exit status and stderr.
func runDemo(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"demo", "--holo-ports", nextHoloPorts()}, args...)...)
	cmd.Env = os.Environ()
	return runCmd(t, cmd)
}

// demoResults returns the step keys of the summary and their outcome.
func demoResults(t *testing.T, out string) map[string]string {
	t.Helper()
	_, summary, ok := strings.Cut(out, "\nSummary\n")
	if !ok {
		t.Fatalf("no summary:\n%s", out)
	}
	res := map[string]string{}
	for _, m := range summaryLine.FindAllStringSubmatch(summary, -1) {
		res[m[2]] = m[4]
	}
	if len(res) < 20 {
		t.Fatalf("summary has %d steps:\n%s", len(res), summary)
	}
	return res
}

func TestDemo(t *testing.T) {
	t.Parallel()
	start := time.Now()
	out, code, errOut := runDemo(t)
	t.Logf("localyun demo: exit %d in %s", code, time.Since(start).Round(time.Second))
	for key, outcome := range demoResults(t, out) {
		if outcome != "ok" {
			t.Errorf("step %s: %s", key, outcome)
		}
	}
	if code != 0 || t.Failed() {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "26 of 26 steps behaved as the seed says") {
		t.Errorf("no success line:\n%s", out)
	}
	for _, want := range []string{
		"add user `RAM$account-b:role/testRole`;", "list users;", "show grants for `RAM$account-b:role/testRole`;",
		"grant Select on table sale_detail to user `RAM$account-b:role/testRole`;", `CREATE USER "v4_`,
		"@engine.dataworks.aliyuncs.com", "hologram:ListWarehouses", `"crossAccountRoleName":"testRole"`,
		"Invalid.ComputeResource.DataSyncOnly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo does not show %q", want)
		}
	}
	// The temporary data directory is gone.
	if m := regexp.MustCompile(`data directory (\S+) `).FindStringSubmatch(out); m == nil {
		t.Errorf("the demo does not name its data directory")
	} else if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Errorf("%s is left behind: %v", filepath.Dir(m[1]), err)
	}
}

// TestDemoBreaks breaks one seed step at a time: the demo fails at the
// step where a user would see the mistake, with what to do.
func TestDemoBreaks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		brk, step string
		want      []string
	}{
		{"trust", "2.5 test-maxcompute", []string{"ConfigError", "trust policy of role testRole", `@engine.dataworks.aliyuncs.com"]}`}},
		{"add-user", "1.6 list-users", []string{"not a user of project b_sales", "add user `RAM$account-b:role/testRole`;"}},
		{"create-user", "1.13 holo-grant", []string{"does not exist (SQLSTATE 42704)", `run CREATE USER "v4_`}},
		{"role-arn", "2.2 ds-maxcompute", []string{"InvalidParameter.ConnectionProperties", "crossAccountRoleName takes the role's name", `"crossAccountRoleName": "testrole"`}},
		{"hologram-policy", "2.6 test-hologres", []string{"ConfigError", "hologram:GetInstance", "attaches to it a policy allowing"}},
	} {
		t.Run(tc.brk, func(t *testing.T) {
			t.Parallel()
			out, code, errOut := runDemo(t, "--break", tc.brk)
			if code != 1 || !strings.Contains(errOut, "(first: "+tc.step+")") {
				t.Fatalf("exit %d, %s; want 1 and first failure %s\n%s", code, errOut, tc.step, out)
			}
			_, first, _ := strings.Cut(out, "First failure: step "+tc.step+":\n")
			for _, w := range tc.want {
				if !strings.Contains(first, w) {
					t.Errorf("first failure lacks %q:\n%s", w, first)
				}
			}
		})
	}
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--data-dir", full}, "not empty"},
		{[]string{"demo", "--break", "nope"}, "--break \"nope\": use one of trust, add-user"},
		{[]string{"demo", "--holo-ports", "9-1"}, "--holo-ports"},
	} {
		_, code, errOut := runCmd(t, exec.Command(binary, tc.args...))
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestDemoKeep: with --keep the server stays up for the user, who can use
// the admin commands on its data directory; Ctrl-C stops it cleanly and
// removes the temporary directory.
func TestDemoKeep(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "demo", "--keep", "--holo-ports", nextHoloPorts())
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill() //nolint:errcheck // after a failure only
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(out.String(), "The server keeps running") {
		if time.Now().After(deadline) {
			t.Fatalf("no connection help after 3 minutes:\n%s", out.String())
		}
		select {
		case err := <-done:
			t.Fatalf("the demo exited: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	m := regexp.MustCompile(`localyun audit tail --data-dir (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no data directory in the help:\n%s", out.String())
	}
	dataDir := m[1]
	list, code, errOut := runCmd(t, exec.Command(binary, "account", "list", "--data-dir", dataDir))
	if code != 0 || !strings.Contains(list, "account-b") {
		t.Fatalf("account list on the kept server: exit %d %s %s", code, list, errOut)
	}
	for _, want := range []string{"psql \"host=127.0.0.1 port=", "localyun odps --endpoint http://", "ALIBABA_CLOUD_ACCESS_KEY_ID="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the help lacks %q", want)
		}
	}
	cmd.Process.Signal(os.Interrupt) //nolint:errcheck
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after Ctrl-C: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop within 60 s of Ctrl-C")
	}
	if _, err := os.Stat(filepath.Dir(dataDir)); !os.IsNotExist(err) {
		t.Errorf("%s is left behind: %v", filepath.Dir(dataDir), err)
	}
}
