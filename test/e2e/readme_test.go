package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeCommands returns the commands of the README's first two sh blocks:
// the set-up command and the test command.
func readmeCommands(t *testing.T) (setup, tests string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if os.IsNotExist(err) && os.Getenv("LOCALYUN_E2E_BINARY") != "" {
		t.Skip("skipping: the compiled suite runs outside the checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for rest := string(data); len(blocks) < 2; {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			t.Fatalf("README.md has %d sh blocks, want the two set-up commands at its top", len(blocks))
		}
		body, tail, _ := strings.Cut(after, "```")
		blocks = append(blocks, strings.TrimSpace(body))
		rest = tail
	}
	return blocks[0], blocks[1]
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestREADMECommands keeps the README's two set-up commands true: the
// first, run from the repository root, brings the machine to the seed demo
// succeeding; the second is the test command CI runs.
func TestREADMECommands(t *testing.T) {
	setup, tests := readmeCommands(t)
	if tests != "go test ./..." {
		t.Fatalf("the README's test command is %q; .ci/run runs go test ./...", tests)
	}
	if strings.Contains(setup, "\n") {
		t.Fatalf("the README's first command is more than one line: %q", setup)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the README's first command builds localyun, and this run has no Go toolchain")
	}
	root := repoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// The demo's own Hologres ports keep it clear of the other tests'.
	cmd := exec.CommandContext(ctx, "bash", "-c", setup+` "$@"`, "readme", "--holo-ports", nextHoloPorts())
	cmd.Dir = root
	start := time.Now()
	out, code, errOut := runCmd(t, cmd)
	t.Logf("%s: exit %d in %s", setup, code, time.Since(start).Round(time.Second))
	if code != 0 || !strings.Contains(out, "steps behaved as the seed says") || strings.Contains(out, "FAIL") {
		t.Fatalf("%s: exit %d\n%s\n%s", setup, code, tail(out, 40), errOut)
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
