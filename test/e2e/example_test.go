package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleCrossAccount builds examples/cross-account and runs it against
// a server with two fresh accounts: both data sources must be Connectable.
func TestExampleCrossAccount(t *testing.T) {
	t.Parallel()
	// The prebuilt-binary run of .ci/run is for a user without the Go
	// toolchain (or its module cache); the first run builds the example.
	if _, err := exec.LookPath("go"); err != nil || os.Getenv("LOCALYUN_E2E_BINARY") != "" {
		t.Skip("the example is built with the Go toolchain, which the prebuilt-binary run does not use")
	}
	example := filepath.Join(t.TempDir(), "cross-account")
	build := exec.Command("go", "build", "-o", example, "github.com/localyun/localyun/examples/cross-account")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the example: %v\n%s", err, out)
	}
	s := StartHoloServer(t)
	a, b := s.CreateAccount("example-a"), s.CreateAccount("example-b")
	cmd := exec.Command(example, "-endpoint", s.Endpoint(), "-odps-cli", binary)
	cmd.Env = append(os.Environ(), "A_ACCESS_KEY_ID="+a.AccessKeyID, "A_ACCESS_KEY_SECRET="+a.AccessKeySecret,
		"B_ACCESS_KEY_ID="+b.AccessKeyID, "B_ACCESS_KEY_SECRET="+b.AccessKeySecret)
	out, code, errOut := runCmd(t, cmd)
	if code != 0 || !strings.Contains(out, "both cross-account data sources are Connectable") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"account A " + a.AccountID + ", account B " + b.AccountID, a.AccountID + "@engine.dataworks.aliyuncs.com",
		"data source b_maxcompute", "data source b_hologres"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
