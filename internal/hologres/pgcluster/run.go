package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// run is one postgres process.
type run struct {
	cmd     *exec.Cmd
	pid     int
	started time.Time
	logs    *logSink
	exited  chan struct{} // closed once the process has been reaped

	// Guarded by Manager.mu.
	stopping bool  // the Manager asked it to stop
	finished bool  // reaped; exitErr is set
	exitErr  error // from Wait
}

// Start starts a created cluster and returns once it accepts connections
// over its socket and has passed the hardening checks (Verify), or within
// StartTimeout with an error, the status then Failed with the reason.
// Starting a Running cluster does nothing. ctx bounds the wait, not the
// server, which runs until Stop, Delete or Close (or until localyun dies:
// postgres gets SIGINT then).
//
// postgres is a direct child, in its own process group. A postmaster left
// running on the data directory by an earlier localyun that died (found
// through postmaster.pid, and confirmed by its working directory) is shut
// down (SIGINT, then SIGQUIT and SIGKILL as in Stop) and any process left
// in the data directory killed, before the new one starts: the Manager
// never adopts a server it did not start, since it could not reap or
// supervise it.
func (m *Manager) Start(ctx context.Context, id string) error {
	c, err := m.acquire(id)
	if err != nil {
		return err
	}
	defer c.op.Unlock()
	m.mu.Lock()
	running := c.status == Running
	c.cancelRestartLocked()
	c.restarts = 0
	m.mu.Unlock()
	if running {
		return nil
	}
	if m.diskStatus(id) == Absent {
		return fmt.Errorf("start cluster %s: %w (or its creation did not finish): create it first", id, ErrNotFound)
	}
	if err := m.startLocked(ctx, c); err != nil {
		m.setStatus(c, Failed, err.Error())
		return err
	}
	return nil
}

// startLocked starts postgres, waits for it and verifies it. On error
// postgres is stopped again and the caller sets the status. c.op is held.
func (m *Manager) startLocked(ctx context.Context, c *cluster) error {
	id := c.id
	m.setStatus(c, Starting, "")
	ctx, cancel := context.WithTimeout(ctx, m.o.StartTimeout)
	defer cancel()
	if err := m.clearStale(ctx, id); err != nil {
		return fmt.Errorf("start cluster %s: %w", id, err)
	}
	sock := m.SocketDir(id)
	if err := os.RemoveAll(sock); err != nil {
		return fmt.Errorf("start cluster %s: clear its socket directory: %w", id, err)
	}
	if err := m.mkdirOwned(sock); err != nil {
		return fmt.Errorf("start cluster %s: create its socket directory: %w", id, err)
	}
	if err := m.writeConf(id); err != nil {
		return fmt.Errorf("start cluster %s: %w", id, err)
	}
	r, err := m.spawnPostgres(c)
	if err != nil {
		return fmt.Errorf("start cluster %s: %w", id, err)
	}
	conn, err := m.waitReady(ctx, id, r)
	if err == nil {
		err = m.verify(ctx, id, conn)
		conn.Close(context.Background()) //nolint:errcheck // a local socket
	}
	if err == nil {
		m.mu.Lock()
		if r.finished {
			err = fmt.Errorf("postgres exited right after starting (%v); last log lines: %s", r.exitErr, r.logs.tailText(5))
		} else {
			c.status, c.reason = Running, ""
		}
		m.mu.Unlock()
	}
	if err != nil {
		if serr := m.stopRun(context.Background(), c, r); serr != nil {
			err = errors.Join(err, serr)
		}
		return fmt.Errorf("start cluster %s: %w", id, err)
	}
	m.log.Info("PostgreSQL cluster Running", "cluster", id, "pid", r.pid, "socket", sock)
	if m.o.OnStatus != nil {
		m.o.OnStatus(id, Running, "")
	}
	return nil
}

// spawnPostgres starts postgres and the goroutines that log and reap it.
func (m *Manager) spawnPostgres(c *cluster) (*run, error) {
	id := c.id
	logs, err := openLogSink(m.LogPath(id), m.chown)
	if err != nil {
		return nil, fmt.Errorf("open the server log: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		logs.close()
		return nil, err
	}
	args := append([]string{"-D", m.dataDir(id)}, m.securityArgs(id)...)
	// Not bound to a context: the server outlives the call that starts it.
	// SIGINT on localyun's death is a fast shutdown: sessions end, a
	// checkpoint is written, and the postmaster exits.
	cmd := m.command(context.Background(), m.clusterDir(id), "postgres", syscall.SIGINT, args...)
	cmd.Stdout, cmd.Stderr = pw, pw
	err = m.startCmd(cmd)
	pw.Close() // the child has its copy
	if err != nil {
		pr.Close()
		logs.close()
		return nil, fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	r := &run{cmd: cmd, pid: cmd.Process.Pid, started: m.o.Now(), logs: logs, exited: make(chan struct{})}
	m.mu.Lock()
	c.run = r
	m.mu.Unlock()
	logDone := make(chan struct{})
	go func() {
		logs.consume(pr)
		close(logDone)
	}()
	go m.watch(c, r, logDone)
	return r, nil
}

// watch reaps a postgres process and, when it exited on its own while
// Running, marks the cluster Failed with the last lines of its log and
// schedules a restart.
func (m *Manager) watch(c *cluster, r *run, logDone <-chan struct{}) {
	err := r.cmd.Wait()
	// Backends that outlive a killed postmaster hold the pipe; their last
	// words are not waited for long.
	select {
	case <-logDone:
	case <-time.After(200 * time.Millisecond):
	}
	if err == nil {
		err = errors.New("exit status 0")
	}
	m.mu.Lock()
	r.exitErr, r.finished = err, true
	unexpected := c.run == r && !r.stopping && c.status == Running
	var reason string
	if unexpected {
		reason = fmt.Sprintf("postgres (pid %d) exited unexpectedly (%v); last log lines: %s", r.pid, err, r.logs.tailText(5))
		reason += m.scheduleRestartLocked(c, m.o.Now().Sub(r.started))
		c.status, c.reason = Failed, reason
	}
	close(r.exited)
	m.mu.Unlock()
	if unexpected {
		m.notify(c.id, Failed, reason)
	}
}

// scheduleRestartLocked arranges a restart after an unexpected exit or a
// failed restart, and returns what to add to the reason. m.mu is held.
func (m *Manager) scheduleRestartLocked(c *cluster, ranFor time.Duration) string {
	if m.o.RestartLimit < 0 || m.closed {
		return ""
	}
	if ranFor >= stableAfter {
		c.restarts = 0
	}
	if c.restarts >= m.o.RestartLimit {
		return fmt.Sprintf("; not restarted: %d restarts in a row failed", c.restarts)
	}
	c.restarts++
	wait := m.o.RestartBackoff << (c.restarts - 1)
	if wait > maxRestartBackoff || wait <= 0 {
		wait = maxRestartBackoff
	}
	c.cancelRestartLocked()
	gen := c.gen
	c.timer = time.AfterFunc(wait, func() { m.restart(c, gen) })
	return fmt.Sprintf("; restarting in %s (attempt %d of %d)", wait, c.restarts, m.o.RestartLimit)
}

// restart is a scheduled restart; it does nothing when it was cancelled
// (by Start, Stop, Delete or Close) meanwhile.
func (m *Manager) restart(c *cluster, gen int) {
	c.op.Lock()
	defer c.op.Unlock()
	m.mu.Lock()
	ok := !m.closed && c.gen == gen && c.status == Failed && m.clusters[c.id] == c
	m.mu.Unlock()
	if !ok {
		return
	}
	m.log.Info("restarting PostgreSQL cluster", "cluster", c.id)
	err := m.startLocked(context.Background(), c)
	if err == nil {
		return
	}
	m.mu.Lock()
	reason := "restart failed: " + err.Error()
	if !errors.Is(err, ErrUnsafe) {
		reason += m.scheduleRestartLocked(c, 0)
	}
	c.status, c.reason = Failed, reason
	m.mu.Unlock()
	m.notify(c.id, Failed, reason)
}

// waitReady waits until postgres accepts a connection as AdminRole over
// the socket, and returns it.
func (m *Manager) waitReady(ctx context.Context, id string, r *run) (*pgx.Conn, error) {
	sock := m.socketPath(id)
	var lastErr error
	wait := 10 * time.Millisecond
	for {
		if _, err := os.Stat(sock); err == nil {
			cctx, cancel := context.WithTimeout(ctx, connectTimeout)
			conn, err := m.connect(cctx, id, AdminRole, "postgres")
			cancel()
			if err == nil {
				return conn, nil
			}
			lastErr = err
		}
		select {
		case <-r.exited:
			return nil, fmt.Errorf("postgres exited during startup (%v); last log lines: %s", r.exitErr, r.logs.tailText(5))
		case <-ctx.Done():
			why := "no socket yet"
			if lastErr != nil {
				why = lastErr.Error()
			}
			return nil, fmt.Errorf("postgres did not accept connections within %s (%s): %w; last log lines: %s",
				m.o.StartTimeout, why, ctx.Err(), r.logs.tailText(5))
		case <-time.After(wait):
			wait = min(2*wait, 200*time.Millisecond)
		}
	}
}

// Stop shuts a cluster down: a fast shutdown (SIGINT: sessions are ended,
// a checkpoint written), then, after StopTimeout or when ctx ends, an
// immediate shutdown (SIGQUIT) and, 5 s later, SIGKILL. It cancels a
// scheduled restart. The status becomes Stopped (Absent for a cluster
// that does not exist). Stopping a cluster that does not run does nothing
// but that, and succeeds.
func (m *Manager) Stop(ctx context.Context, id string) error {
	c, err := m.acquire(id)
	if err != nil {
		return err
	}
	defer c.op.Unlock()
	if err := m.stopLocked(ctx, c); err != nil {
		return fmt.Errorf("stop cluster %s: %w", id, err)
	}
	m.setStatus(c, m.diskStatus(id), "")
	return nil
}

// stopLocked cancels a pending restart and stops the cluster's postgres,
// if it runs; c.op is held.
func (m *Manager) stopLocked(ctx context.Context, c *cluster) error {
	m.mu.Lock()
	c.cancelRestartLocked()
	r := c.run
	m.mu.Unlock()
	if r == nil {
		return nil
	}
	return m.stopRun(ctx, c, r)
}

// stopRun stops a postgres process we started, waits until it is reaped
// and removes its socket directory. c.op is held.
func (m *Manager) stopRun(ctx context.Context, c *cluster, r *run) error {
	m.mu.Lock()
	r.stopping = true
	finished := r.finished
	m.mu.Unlock()
	if !finished {
		steps := []struct {
			sig  syscall.Signal
			wait time.Duration
		}{{syscall.SIGINT, m.o.StopTimeout}, {syscall.SIGQUIT, quitGrace}, {syscall.SIGKILL, quitGrace}}
		done := false
		for i, s := range steps {
			if i > 0 {
				m.log.Warn("PostgreSQL cluster did not stop in time", "cluster", c.id, "pid", r.pid, "signal", s.sig.String())
			}
			if err := r.cmd.Process.Signal(s.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
				m.log.Warn("signal postgres", "cluster", c.id, "pid", r.pid, "err", err)
			}
			t := time.NewTimer(s.wait)
			var ctxDone <-chan struct{}
			if i == 0 {
				ctxDone = ctx.Done() // the caller's patience ends only the graceful step
			}
			select {
			case <-r.exited:
				done = true
			case <-t.C:
			case <-ctxDone:
			}
			t.Stop()
			if done {
				break
			}
		}
		if !done {
			return fmt.Errorf("postgres (pid %d) did not exit, even after SIGKILL", r.pid)
		}
	}
	os.RemoveAll(m.SocketDir(c.id)) //nolint:errcheck // best effort
	m.mu.Lock()
	if c.run == r {
		c.run = nil
	}
	m.mu.Unlock()
	return nil
}

// clearStale makes sure no process runs in the cluster's data directory
// before a start or a deletion: a postmaster named by postmaster.pid and
// running in the data directory (left by a localyun that died without its
// clusters getting the parent-death signal, or started by hand) is shut
// down like Stop does; processes still in the directory after that
// (backends of a killed postmaster, which hold its shared memory) are
// killed; then a leftover postmaster.pid is removed, since PostgreSQL
// refuses to start while it names a live process, which a reused pid can
// be. The base directory lock ensures no other Manager runs the cluster.
func (m *Manager) clearStale(ctx context.Context, id string) error {
	data, err := filepath.EvalSymlinks(m.dataDir(id))
	if err != nil {
		return nil // no data directory, nothing can run in it
	}
	pidFile := filepath.Join(data, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil // none: postgres removes it at shutdown
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && pid > 0 && alive(pid) && procCwd(pid) == data {
		m.log.Warn("shutting down a postmaster left running by an earlier localyun", "cluster", id, "pid", pid)
		if err := stopForeign(ctx, pid, m.o.StopTimeout); err != nil {
			return fmt.Errorf("the postmaster left running (pid %d) did not stop: %w", pid, err)
		}
	}
	if left := procsInDir(data); len(left) > 0 {
		m.log.Warn("killing processes left in a cluster's data directory", "cluster", id, "pids", left)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // it may have just exited
		}
		deadline := time.Now().Add(quitGrace)
		for len(procsInDir(data)) > 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("processes %v still run in %s after SIGKILL", procsInDir(data), data)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := os.Remove(pidFile); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove a stale %s: %w", pidFile, err)
	}
	return nil
}

// stopForeign stops a process that is not our child (we cannot reap it,
// so we poll for its disappearance): SIGINT, then SIGQUIT, then SIGKILL.
func stopForeign(ctx context.Context, pid int, grace time.Duration) error {
	for i, s := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, grace}, {syscall.SIGQUIT, quitGrace}, {syscall.SIGKILL, quitGrace}} {
		if err := syscall.Kill(pid, s.sig); err != nil {
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return err
		}
		deadline := time.Now().Add(s.wait)
		for alive(pid) && time.Now().Before(deadline) {
			if i == 0 && ctx.Err() != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !alive(pid) {
			return nil
		}
	}
	return errors.New("still alive after SIGKILL")
}
