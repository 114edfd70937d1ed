// Package e2e runs the built localyun binary and talks to it with the
// official clients: the Alibaba Cloud Go SDK (monolithic and darabonba),
// the credential providers, psql and pgx, and Chromium. Nothing of
// localyun is mocked here.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/datadir"
)

// binary is the localyun binary built once for the package.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runProviderHelper())
	}
	// A prebuilt binary lets CI run the compiled suite as a user without
	// the Go toolchain (the unprivileged run of .ci/run).
	binary = os.Getenv("LOCALYUN_E2E_BINARY")
	dir := ""
	if binary == "" {
		var err error
		if dir, err = os.MkdirTemp("", "localyun-e2e-bin-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(dir, "localyun")
		build := exec.Command("go", "build", "-o", binary, "github.com/localyun/localyun/cmd/localyun")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building localyun:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if code == 0 {
		code = checkCoverage()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// Server is a running `localyun serve` on free ports in a temporary data
// directory.
type Server struct {
	t       testing.TB
	DataDir string
	Addrs   datadir.Addresses
	// Started is when the process was started.
	Started time.Time
	cmd     *exec.Cmd
	logs    *syncBuffer
	// secrets are those issued or sent through this server's clients.
	secrets *secretSet
	done    chan error
}

// syncBuffer collects the server's output for the secret-leak checks.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartServer starts a server with extra flags and waits until /readyz
// answers.
func StartServer(t testing.TB, flags ...string) *Server {
	t.Helper()
	return StartServerIn(t, filepath.Join(t.TempDir(), "data"), flags...)
}

// StartServerIn starts a server on an existing (or new) data directory.
func StartServerIn(t testing.TB, dataDir string, flags ...string) *Server {
	t.Helper()
	s := &Server{t: t, DataDir: dataDir, logs: &syncBuffer{}, done: make(chan error, 1), secrets: newSecretSet()}
	args := append([]string{"serve", "--data-dir", s.DataDir, "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--log-level", "debug"}, flags...)
	s.cmd = exec.Command(binary, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	s.Started = time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		addrs, err := datadir.ReadAddresses(s.DataDir)
		if err == nil && addrs.HTTP != "" {
			s.Addrs = addrs
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("localyun serve exited: %v\n%s", err, s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("localyun serve did not start:\n%s", s.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

// Stop sends SIGTERM and waits for a clean exit.
func (s *Server) Stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt) //nolint:errcheck
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("localyun serve did not exit cleanly: %v\n%s", err, s.logs.String())
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill() //nolint:errcheck
		s.t.Errorf("localyun serve did not stop within 15 s")
	}
	s.done <- nil // later Stop calls return at once
}

// Logs returns everything the server printed.
func (s *Server) Logs() string { return s.logs.String() }

// Run runs a localyun client subcommand against this server's data
// directory and returns its stdout, or fails the test.
func (s *Server) Run(args ...string) string {
	s.t.Helper()
	out, code, stderr := s.Exec(args...)
	if code != 0 {
		s.t.Fatalf("localyun %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

// Exec runs a client subcommand and returns stdout, the exit status and
// stderr.
func (s *Server) Exec(args ...string) (string, int, string) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "LOCALYUN_DATA_DIR="+s.DataDir)
	return runCmd(s.t, cmd)
}

// runCmd runs cmd and returns its stdout, exit status and stderr; failing
// to start it fails the test.
func runCmd(t testing.TB, cmd *exec.Cmd) (string, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code, errOut.String()
}

// apiCLI runs a localyun client command that calls the APIs (odps, holo,
// dataworks) with credentials in the environment, as users are told to
// pass them, and returns stdout, the exit status and stderr.
func (s *Server) apiCLI(c Creds, command string, args ...string) (string, int, string) {
	s.t.Helper()
	cmd := exec.Command(binary, append([]string{command, "--endpoint", "http://" + s.Endpoint()}, args...)...)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+c.ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+c.Secret,
		"ALIBABA_CLOUD_SECURITY_TOKEN="+c.Token)
	return runCmd(s.t, cmd)
}

// Account is an account and its root AccessKey.
type Account struct {
	AccountID       string `json:"AccountId"`
	AccountName     string `json:"AccountName"`
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
}

// CreateAccount creates an account through the admin socket.
func (s *Server) CreateAccount(name string) Account {
	s.t.Helper()
	var a Account
	if err := json.Unmarshal([]byte(s.Run("account", "create", "--name", name, "--json")), &a); err != nil {
		s.t.Fatal(err)
	}
	s.secrets.add("root AccessKeySecret", a.AccessKeySecret)
	return a
}

// Endpoint is the HTTP host:port SDKs are pointed at.
func (s *Server) Endpoint() string { return s.Addrs.HTTP }

// AuditJSON returns the audit trail as printed by `localyun audit tail --json`.
func (s *Server) AuditJSON(account string) string {
	args := []string{"audit", "tail", "--json", "--limit", "100000"}
	if account != "" {
		args = append(args, "--account", account)
	}
	return s.Run(args...)
}

var bg = context.Background()
