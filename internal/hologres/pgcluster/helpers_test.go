package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// requirePostgres skips the test when the machine has no PostgreSQL server
// programs.
func requirePostgres(t *testing.T) {
	t.Helper()
	if _, err := findBinDir(""); err != nil {
		t.Skipf("skipping: these tests run real PostgreSQL clusters and %v", err)
	}
}

// reachableTempDir is a fresh temporary directory that the run-as user can
// reach when the tests run as root (t.TempDir's parents are 0700).
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// recorder collects OnStatus events.
type recorder struct {
	mu     sync.Mutex
	events []event
	signal chan struct{}
}

type event struct {
	id     string
	status Status
	reason string
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) on(id string, s Status, reason string) {
	r.mu.Lock()
	r.events = append(r.events, event{id, s, reason})
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// mark is the number of events so far, for waitFor.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// waitFor waits for an event with status s for id after event number
// from, and returns its reason.
func (r *recorder) waitFor(t *testing.T, from int, id string, s Status, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for _, e := range r.events[from:] {
			if e.id == id && e.status == s {
				r.mu.Unlock()
				return e.reason
			}
		}
		seen := fmt.Sprint(r.events[from:])
		r.mu.Unlock()
		select {
		case <-r.signal:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s event for %s within %s; events: %s", s, id, timeout, seen)
		}
	}
}

// statuses lists the statuses of id's events after event number from.
func (r *recorder) statuses(from int, id string) []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Status
	for _, e := range r.events[from:] {
		if e.id == id {
			out = append(out, e.status)
		}
	}
	return out
}

// lockedBuffer collects a Manager's log, shown when a test fails.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testLogger is a logger whose output the test prints when it fails (or
// with -v).
func testLogger(t *testing.T) *slog.Logger {
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() || testing.Verbose() {
			t.Logf("manager log:\n%s", buf)
		}
	})
	return slog.New(slog.NewTextHandler(buf, nil))
}

func testOptions(t *testing.T, base string, rec *recorder) Options {
	o := Options{
		Logger:         testLogger(t),
		BaseDir:        base,
		StartTimeout:   30 * time.Second,
		StopTimeout:    10 * time.Second,
		RestartBackoff: 100 * time.Millisecond,
	}
	if rec != nil {
		o.OnStatus = rec.on
	}
	return o
}

func newManager(t *testing.T, o Options) *Manager {
	t.Helper()
	m, err := NewManager(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

// pidOf is the pid of a cluster's running postmaster, or 0.
func (m *Manager) pidOf(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.clusters[id]; c != nil && c.run != nil && !c.run.finished {
		return c.run.pid
	}
	return 0
}

func wantStatus(t *testing.T, m *Manager, id string, want Status) string {
	t.Helper()
	got, reason := m.Status(id)
	if got != want {
		t.Fatalf("Status(%s) = %s (%q), want %s", id, got, reason, want)
	}
	return reason
}

func query1(t *testing.T, m *Manager, id, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := m.AdminConn(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func exec1(t *testing.T, m *Manager, id string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := m.AdminConn(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

func waitGone(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after %s", pid, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wantErrIs(t *testing.T, err, target error, contains ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}
