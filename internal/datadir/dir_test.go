package datadir

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "data")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Root() != path {
		t.Errorf("Root() = %q, want %q", d.Root(), path)
	}
	wantMode(t, path, 0o700)
	wantMode(t, filepath.Dir(path), 0o700)
	wantMode(t, d.Path(LockFile), 0o600)
	if got := d.Path("localyun.db"); got != filepath.Join(path, "localyun.db") {
		t.Errorf("Path = %q", got)
	}
}

func TestOpenRelativePathIsMadeAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	d, err := Open("data")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !filepath.IsAbs(d.Root()) || !filepath.IsAbs(d.Path(MasterKeyFile)) {
		t.Errorf("Root() = %q, want an absolute path", d.Root())
	}
}

func TestOpenTightensOwnLooseDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	wantMode(t, path, 0o700)
}

func TestCheckDirModeRefusesOthersLooseDirectory(t *testing.T) {
	err := checkDirMode("/srv/data", 0o755, 1234, 1000)
	var pe *PermissionsError
	if !errors.As(err, &pe) || !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want a *PermissionsError", err)
	}
	for _, want := range []string{"/srv/data", "user 1234", "0755", "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := checkDirMode("/srv/data", 0o700, 1234, 1000); err != nil {
		t.Errorf("private directory of another user: %v", err)
	}
	if err := checkDirMode("/srv/data", 0o755, 1000, 1000); err != nil {
		t.Errorf("own loose directory (fixed by the caller): %v", err)
	}
}

// TestOpenRefusesOthersLooseDirectory needs root to give a directory away.
func TestOpenRefusesOthersLooseDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a directory to another user; TestCheckDirModeRefusesOthersLooseDirectory covers the rule")
	}
	path := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err == nil {
		d.Close()
		t.Fatal("Open succeeded on another user's 0755 directory")
	}
	if !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want ErrInsecure", err)
	}
	wantMode(t, path, 0o755) // left alone
}

func TestOpenRefusesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("err = %v, want 'not a directory'", err)
	}
	if _, err := Open(""); err == nil || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("Open(\"\"): err = %v", err)
	}
}

func TestSecondOpenFailsUntilClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	first, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(path)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked directory succeeded")
	}
	var inUse *InUseError
	if !errors.As(err, &inUse) || !errors.Is(err, ErrInUse) {
		t.Fatalf("err = %v, want *InUseError", err)
	}
	if inUse.PID != os.Getpid() {
		t.Errorf("PID = %d, want %d", inUse.PID, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, "another localyun server") || !strings.Contains(msg, path) {
		t.Errorf("error %q should say another localyun server uses %s", msg, path)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	third, err := Open(path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	third.Close()
}

// helperEnv makes the test binary act as another process that opens a
// data directory: see TestHelperProcess.
const helperEnv = "LOCALYUN_DATADIR_TEST_HELPER"

// TestHelperProcess is not a test: run by startHelper in a child process,
// it opens the directory named by helperEnv, prints "locked" or the error,
// and holds the lock until its stdin closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	d, err := Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	d.Close()
	os.Exit(0)
}

// startHelper starts TestHelperProcess on path and returns its first line
// of output and a function that ends it.
func startHelper(t *testing.T, path string) (line string, pid int, stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err = bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper process: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}
}

func TestOpenFailsWhileAnotherProcessHoldsTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")

	// Another process holds the lock: we fail at once, naming its pid.
	line, pid, stop := startHelper(t, path)
	if line != "locked" {
		stop()
		t.Fatalf("helper: %s", line)
	}
	_, err := Open(path)
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != pid {
		stop()
		t.Fatalf("err = %v, want *InUseError with pid %d", err, pid)
	}
	stop()

	// It has exited: the lock is ours; now the other process fails.
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open after the other process exited: %v", err)
	}
	line, _, stop = startHelper(t, path)
	stop()
	if !strings.Contains(line, "another localyun server") {
		t.Errorf("other process: %q, want an in-use error", line)
	}
	d.Close()
}

func TestLongPath(t *testing.T) {
	path := t.TempDir()
	for i := range 6 {
		path = filepath.Join(path, fmt.Sprintf("%02d-%s", i, strings.Repeat("x", 60)))
	}
	if len(path) < 300 {
		t.Fatalf("path is only %d bytes", len(path))
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.MasterKey(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Certificate(nil, testNow); err != nil {
		t.Fatal(err)
	}
	want := Addresses{HTTP: "127.0.0.1:1", Admin: d.Path("admin.sock")}
	if err := d.WriteAddresses(want); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadAddresses(path); err != nil || got != want {
		t.Fatalf("ReadAddresses = %+v, %v", got, err)
	}
}

// TestFileModes checks the mode of every file the package creates, and that
// no temporary file is left behind.
func TestFileModes(t *testing.T) {
	d := open(t)
	if _, err := d.MasterKey(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Certificate([]string{"db.test"}, testNow); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteAddresses(Addresses{HTTP: "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{
		LockFile:      0o600,
		MasterKeyFile: 0o600,
		CertKeyFile:   0o600,
		CertFile:      0o644,
		AddressesFile: 0o600,
	}
	entries, err := os.ReadDir(d.Root())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		mode, ok := want[e.Name()]
		if !ok {
			t.Errorf("unexpected file %s", e.Name())
			continue
		}
		wantMode(t, d.Path(e.Name()), mode)
		delete(want, e.Name())
	}
	for name := range want {
		t.Errorf("%s was not created", name)
	}
	wantMode(t, d.Root(), 0o700)
}
