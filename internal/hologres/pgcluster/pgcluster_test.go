package pgcluster

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const testID = "hgpostcn-cn-test0000000001"

// TestLifecycle creates, starts, uses, stops, restarts and deletes one
// cluster under a ~200-byte base directory, and checks its hardening.
func TestLifecycle(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	base := reachableTempDir(t)
	for len(base) < 190 {
		base = filepath.Join(base, strings.Repeat("long", 10))
	}
	rec := newRecorder()
	m := newManager(t, testOptions(t, base, rec))
	if len(m.socketPath(testID)) > 107 || len(filepath.Join(m.dataDir(testID), "postmaster.pid")) < 200 {
		t.Fatalf("socket %s (%d bytes), data %s", m.socketPath(testID), len(m.socketPath(testID)), m.dataDir(testID))
	}

	wantStatus(t, m, testID, Absent)
	wantErrIs(t, m.Start(ctx, testID), ErrNotFound, "create it first")
	from := rec.mark()
	if err := m.Create(ctx, testID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m, testID, Stopped)
	if got := rec.statuses(from, testID); !slices.Equal(got, []Status{Creating, Stopped}) {
		t.Errorf("Create went through %v", got)
	}
	wantErrIs(t, m.Create(ctx, testID), ErrExists)
	fi, err := os.Stat(m.dataDir(testID))
	if err != nil || fi.Mode().Perm() != 0o700 || ownerOf(fi) != m.uid {
		t.Fatalf("data directory: %v, %v", fi.Mode(), err)
	}
	_, err = m.AdminConn(ctx, testID, "")
	var nre *NotRunningError
	if !errors.As(err, &nre) || nre.Status != Stopped {
		t.Fatalf("AdminConn on a stopped cluster: %v", err)
	}

	from = rec.mark()
	if err := m.Start(ctx, testID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m, testID, Running)
	if got := rec.statuses(from, testID); !slices.Equal(got, []Status{Starting, Running}) {
		t.Errorf("Start went through %v", got)
	}
	if err := m.Start(ctx, testID); err != nil { // already running
		t.Fatal(err)
	}
	pid := m.pidOf(testID)

	t.Run("connect", func(t *testing.T) {
		if got := query1(t, m, testID, "SELECT current_user"); got != AdminRole {
			t.Errorf("current_user = %q", got)
		}
		if got := query1(t, m, testID, "SELECT current_setting('server_encoding') || ' ' || current_setting('lc_collate')"); got != "UTF8 C.UTF-8" {
			t.Errorf("encoding and locale = %q", got)
		}
		if got := query1(t, m, testID, "SHOW max_connections"); got != strconv.Itoa(MaxConnections) {
			t.Errorf("max_connections = %s", got)
		}
		// A tenant role connects with the DSN and is what it says.
		exec1(t, m, testID, `CREATE ROLE tenant LOGIN`, `CREATE TABLE kept (v int)`, `INSERT INTO kept VALUES (42)`)
		conn, err := pgx.Connect(ctx, m.DSN(testID, "tenant", "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var who string
		if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != "tenant" {
			t.Errorf("current_user = %q, %v", who, err)
		}
		if _, err := conn.Exec(ctx, "SELECT * FROM kept"); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("tenant read an ungranted table: %v", err)
		}
	})

	t.Run("no TCP listener", func(t *testing.T) {
		if got := query1(t, m, testID, "SHOW listen_addresses"); got != "" {
			t.Errorf("listen_addresses = %q", got)
		}
		listening := tcpListenInodes(t)
		for _, ino := range socketInodes(pid) {
			if listening[ino] {
				t.Errorf("postmaster %d listens on TCP (socket inode %s)", pid, ino)
			}
		}
		if c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second); err == nil {
			c.Close()
			t.Logf("something listens on 127.0.0.1:5432, and it is not the cluster (checked above)")
		}
		fi, err := os.Lstat(m.SocketDir(testID))
		if err != nil || fi.Mode().Perm() != 0o700 || !fi.IsDir() || ownerOf(fi) != m.uid {
			t.Errorf("socket directory %s: %v %v", m.SocketDir(testID), fi.Mode(), err)
		}
	})

	// Another user of the machine cannot reach the socket: a trust login
	// over it would make them any role, superuser included.
	t.Run("another user cannot connect", func(t *testing.T) {
		psql, err := exec.LookPath("psql")
		runuser, err2 := exec.LookPath("runuser")
		if os.Geteuid() != 0 || err != nil || err2 != nil {
			t.Skip("skipping: needs root, runuser and psql to act as another user")
		}
		cmd := exec.Command(runuser, "-u", "nobody", "--", psql, "-X", "-h", m.SocketDir(testID), "-p", strconv.Itoa(m.Port()),
			"-U", "postgres", "-d", "postgres", "-c", "SELECT 1")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Permission denied") || !strings.Contains(string(out), ".s.PGSQL") {
			t.Fatalf("user nobody over the socket: %v\n%s", err, out)
		}
	})

	t.Run("runs as the run-as user in its own process group", func(t *testing.T) {
		want := os.Geteuid()
		if want == 0 {
			pg, err := user.Lookup("postgres")
			if err != nil {
				t.Fatal(err) // NewManager would have failed
			}
			want, _ = strconv.Atoi(pg.Uid)
		}
		if uid := procUID(pid); uid != want {
			t.Errorf("postmaster runs as uid %d, want %d", uid, want)
		}
		if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
			t.Errorf("postmaster's process group = %d (%v), want its own (%d)", pgid, err, pid)
		}
		if os.Geteuid() != 0 {
			return // no other user to try the socket as
		}
		// Another unprivileged user cannot reach the socket.
		if _, err := exec.LookPath("psql"); err != nil {
			t.Skip("no psql")
		}
		out, err := exec.Command("su", "-s", "/bin/sh", "nobody", "-c",
			"psql -X -h "+m.SocketDir(testID)+" -p 5432 -U "+AdminRole+" -d postgres -c 'SELECT 1'").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Permission denied") || !strings.Contains(string(out), ".s.PGSQL") {
			t.Errorf("user nobody connected, or failed for another reason: %v: %s", err, out)
		}
	})

	t.Run("stop and start again", func(t *testing.T) {
		from := rec.mark()
		if err := m.Stop(ctx, testID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, m, testID, Stopped)
		waitGone(t, pid, time.Second)
		if _, err := os.Stat(m.SocketDir(testID)); !os.IsNotExist(err) {
			t.Errorf("socket directory left after Stop: %v", err)
		}
		if err := m.Stop(ctx, testID); err != nil { // already stopped
			t.Fatal(err)
		}
		if err := m.Start(ctx, testID); err != nil {
			t.Fatal(err)
		}
		if got := query1(t, m, testID, "SELECT v::text FROM kept"); got != "42" {
			t.Errorf("data after restart = %q", got)
		}
		if got := rec.statuses(from, testID); !slices.Equal(got, []Status{Stopped, Stopped, Starting, Running}) {
			t.Errorf("went through %v", got)
		}
		if log, err := os.ReadFile(m.LogPath(testID)); err != nil || !strings.Contains(string(log), "database system is ready") {
			t.Errorf("server log: %v\n%s", err, log)
		}
	})

	t.Run("hardening fails closed", func(t *testing.T) {
		if err := m.Verify(ctx, testID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ grant, revoke, check string }{
			{`GRANT pg_execute_server_program TO tenant`, `REVOKE pg_execute_server_program FROM tenant`, "dangerous role memberships"},
			{`GRANT ` + AdminRole + ` TO tenant`, `REVOKE ` + AdminRole + ` FROM tenant`, "dangerous role memberships"},
			{`GRANT EXECUTE ON FUNCTION pg_read_file(text) TO tenant`, `REVOKE EXECUTE ON FUNCTION pg_read_file(text) FROM tenant`, "superuser functions"},
			{`ALTER ROLE tenant CREATEROLE`, `ALTER ROLE tenant NOCREATEROLE`, "privileged roles"},
		} {
			exec1(t, m, testID, c.grant)
			err := m.Verify(ctx, testID)
			var ue *UnsafeError
			if !errors.As(err, &ue) || ue.Check != c.check || !strings.Contains(ue.Found, "tenant") {
				t.Errorf("after %s: Verify = %v", c.grant, err)
			}
			exec1(t, m, testID, c.revoke)
		}
		if err := m.Verify(ctx, testID); err != nil {
			t.Fatal(err)
		}

		// A superuser other than the admin: the next start refuses the
		// cluster and leaves it stopped.
		exec1(t, m, testID, `CREATE ROLE evil SUPERUSER LOGIN`)
		if err := m.Stop(ctx, testID); err != nil {
			t.Fatal(err)
		}
		err := m.Start(ctx, testID)
		wantErrIs(t, err, ErrUnsafe, "evil")
		reason := wantStatus(t, m, testID, Failed)
		if !strings.Contains(reason, "evil") {
			t.Errorf("reason %q does not name the role", reason)
		}
		if m.pidOf(testID) != 0 || len(procsInDir(m.dataDir(testID))) != 0 {
			t.Errorf("an unsafe cluster is still running")
		}
	})

	from = rec.mark()
	if err := m.Delete(ctx, testID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m, testID, Absent)
	if got := rec.statuses(from, testID); !slices.Equal(got, []Status{Absent}) {
		t.Errorf("Delete went through %v", got)
	}
	for _, d := range []string{m.clusterDir(testID), m.SocketDir(testID)} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left after Delete: %v", d, err)
		}
	}
	if err := m.Delete(ctx, testID); err != nil { // already gone
		t.Fatal(err)
	}
}

// TestCrash kills postgres behind the Manager's back: the cluster is
// Failed with the reason, then restarted; with restarts off it stays
// Failed until started.
func TestCrash(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	base := reachableTempDir(t)
	rec := newRecorder()
	m := newManager(t, testOptions(t, base, rec))
	const id = "crash"
	if err := m.Create(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	// A session busy computing: its backend does not notice the death of
	// the postmaster, and holds the shared memory, so the restart must
	// kill it.
	conn, err := m.AdminConn(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SET statement_timeout = '30s'; DO $$ BEGIN LOOP END LOOP; END $$")
		busy <- err
	}()
	time.Sleep(200 * time.Millisecond)

	pid := m.pidOf(id)
	from := rec.mark()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	reason := rec.waitFor(t, from, id, Failed, 10*time.Second)
	for _, want := range []string{"exited unexpectedly", "signal: killed", "last log lines", "restarting in 100ms (attempt 1 of 5)"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q does not say %q", reason, want)
		}
	}
	rec.waitFor(t, from, id, Running, 30*time.Second)
	if got := rec.statuses(from, id); !slices.Equal(got, []Status{Failed, Starting, Running}) {
		t.Errorf("went through %v", got)
	}
	if p := m.pidOf(id); p == 0 || p == pid {
		t.Errorf("pid after restart = %d (was %d)", p, pid)
	}
	select {
	case err := <-busy:
		if err == nil {
			t.Error("the busy session went on")
		}
	case <-time.After(5 * time.Second):
		t.Error("the busy session of the killed postmaster is still running")
	}
	if got := query1(t, m, id, "SELECT 'ok'"); got != "ok" {
		t.Errorf("after restart: %q", got)
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, m.Start(ctx, id), ErrClosed)

	// Restarts off.
	o := testOptions(t, base, rec)
	o.RestartLimit = -1
	m2 := newManager(t, o)
	if err := m2.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	pid = m2.pidOf(id)
	from = rec.mark()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	reason = rec.waitFor(t, from, id, Failed, 10*time.Second)
	if strings.Contains(reason, "restarting") {
		t.Errorf("reason %q with restarts off", reason)
	}
	time.Sleep(300 * time.Millisecond)
	wantStatus(t, m2, id, Failed)
	if err := m2.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m2, id, Running)
	if err := m2.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Restarts that keep failing stop after RestartLimit attempts.
	o = testOptions(t, base, rec)
	o.RestartLimit, o.RestartBackoff = 2, 10*time.Millisecond
	m3 := newManager(t, o)
	if err := m3.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	autoConf := filepath.Join(m3.dataDir(id), "postgresql.auto.conf")
	good, err := os.ReadFile(autoConf)
	if err != nil {
		t.Fatal(err)
	}
	if err := m3.writeFile(autoConf, []byte("this is not = a setting =\n")); err != nil {
		t.Fatal(err)
	}
	from = rec.mark()
	if err := syscall.Kill(m3.pidOf(id), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, reason := m3.Status(id); st == Failed && strings.Contains(reason, "not restarted: 2 restarts in a row failed") {
			if !strings.Contains(reason, "restart failed") || !strings.Contains(reason, "postgresql.auto.conf") {
				t.Errorf("reason %q", reason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final failure; events %v", rec.statuses(from, id))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := rec.statuses(from, id); !slices.Equal(got, []Status{Failed, Starting, Failed, Starting, Failed}) {
		t.Errorf("went through %v", got)
	}
	if err := m3.writeFile(autoConf, good); err != nil {
		t.Fatal(err)
	}
	if err := m3.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// TestStalePostmaster: a postmaster left running on the data directory
// (its localyun died and it survived) is shut down and replaced by a child
// of ours; a postmaster.pid naming an unrelated live process is ignored.
func TestStalePostmaster(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	base := reachableTempDir(t)
	const id = "stale"
	m := newManager(t, testOptions(t, base, nil))
	if err := m.Create(ctx, id); err != nil {
		t.Fatal(err)
	}
	// Start a postmaster as an earlier localyun would have, but detached
	// from us: its own session, no parent-death signal.
	if err := m.mkdirOwned(m.SocketDir(id)); err != nil {
		t.Fatal(err)
	}
	orphan := exec.Command(filepath.Join(m.bin, "postgres"), append([]string{"-D", m.dataDir(id)}, m.securityArgs(id)...)...)
	orphan.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: m.cred}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- orphan.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := m.connect(ctx, id, AdminRole, "postgres")
		if err == nil {
			conn.Close(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hand-started postmaster did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := m.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waitErr:
	case <-time.After(time.Second):
		t.Fatalf("the stale postmaster %d still runs", orphan.Process.Pid)
	}
	if p := m.pidOf(id); p == 0 || p == orphan.Process.Pid {
		t.Fatalf("pid = %d", p)
	}
	wantStatus(t, m, id, Running)

	// postmaster.pid naming a live process that is not a postmaster of
	// this directory (a reused pid): PostgreSQL alone would refuse to
	// start; the Manager removes the file and leaves the process alone.
	if err := m.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }() //nolint:errcheck // cleanup
	pidFile := filepath.Join(m.dataDir(id), "postmaster.pid")
	stale := strconv.Itoa(sleeper.Process.Pid) + "\n" + m.dataDir(id) + "\n1700000000\n5432\n" + m.SocketDir(id) + "\n\n  5432001  0\nready\n"
	if err := m.writeFile(pidFile, []byte(stale)); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if !alive(sleeper.Process.Pid) {
		t.Error("the unrelated process was killed")
	}
}

// TestParentDeath: a process that started a cluster is killed; its
// postgres goes away (parent-death signal), and a new Manager starts the
// cluster again.
func TestParentDeath(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	base := reachableTempDir(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PGCLUSTER_HELPER=start", "PGCLUSTER_BASE="+base)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	line := strings.TrimSpace(string(buf[:n]))
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "PID "))
	if err != nil || !alive(pid) {
		cmd.Process.Kill() //nolint:errcheck // cleanup
		cmd.Wait()         //nolint:errcheck // cleanup
		t.Fatalf("helper said %q", line)
	}
	pgid, _ := syscall.Getpgid(pid)
	helperPgid, _ := syscall.Getpgid(cmd.Process.Pid)
	if pgid != pid || pgid == helperPgid {
		t.Errorf("postmaster process group %d, helper's %d: want the postmaster's own", pgid, helperPgid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() //nolint:errcheck // killed
	waitGone(t, pid, 20*time.Second)

	m := newManager(t, testOptions(t, base, nil))
	if err := m.Start(context.Background(), "orphan"); err != nil {
		t.Fatal(err)
	}
}

// TestNotRoot runs a cluster as an ordinary user: the test binary runs
// itself as postgres. Only root can do this.
func TestNotRoot(t *testing.T) {
	requirePostgres(t)
	if os.Geteuid() != 0 {
		t.Skip("the tests run as an ordinary user already")
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Skip("no postgres user")
	}
	t.Parallel()
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir := reachableTempDir(t)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "pgcluster.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperProcess$")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PGCLUSTER_HELPER=notroot", "PGCLUSTER_BASE=" + filepath.Join(dir, "clusters")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as postgres: %v\n%s", err, out)
	}
}

// TestHelperProcess is not a test: TestParentDeath and TestNotRoot run the
// test binary again with it.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("PGCLUSTER_HELPER")
	if mode == "" {
		return
	}
	ctx := context.Background()
	fail := func(err error) {
		os.Stderr.WriteString("helper: " + err.Error() + "\n")
		os.Exit(2)
	}
	base := os.Getenv("PGCLUSTER_BASE")
	switch mode {
	case "start":
		m, err := NewManager(testOptions(t, base, nil))
		if err != nil {
			fail(err)
		}
		if err := m.Create(ctx, "orphan"); err != nil {
			fail(err)
		}
		if err := m.Start(ctx, "orphan"); err != nil {
			fail(err)
		}
		os.Stdout.WriteString("PID " + strconv.Itoa(m.pidOf("orphan")) + "\n")
		time.Sleep(time.Minute)
		os.Exit(3)
	case "notroot":
		if _, err := NewManager(Options{BaseDir: base, RunAs: "nobody"}); err == nil || !strings.Contains(err.Error(), "only root") {
			fail(errors.New("RunAs another user was accepted: " + errString(err)))
		}
		m, err := NewManager(testOptions(t, base, nil))
		if err != nil {
			fail(err)
		}
		const id = "mine"
		if err := m.Create(ctx, id); err != nil {
			fail(err)
		}
		if err := m.Start(ctx, id); err != nil {
			fail(err)
		}
		if uid := procUID(m.pidOf(id)); uid != os.Getuid() {
			fail(errors.New("postmaster runs as uid " + strconv.Itoa(uid)))
		}
		conn, err := m.AdminConn(ctx, id, "postgres")
		if err != nil {
			fail(err)
		}
		var who string
		if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != AdminRole {
			fail(errors.New("current_user = " + who + " " + errString(err)))
		}
		conn.Close(ctx)
		if err := m.Delete(ctx, id); err != nil {
			fail(err)
		}
		if err := m.Close(ctx); err != nil {
			fail(err)
		}
		os.Exit(0)
	}
	fail(errors.New("unknown helper mode " + mode))
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// tcpListenInodes are the inodes of listening TCP sockets.
func tcpListenInodes(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 9 && fields[3] == "0A" {
				out[fields[9]] = true
			}
		}
	}
	return out
}

// socketInodes are the inodes of a process's open sockets.
func socketInodes(pid int) []string {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		l, err := os.Readlink(filepath.Join(dir, e.Name()))
		if ino, ok := strings.CutPrefix(l, "socket:["); err == nil && ok {
			out = append(out, strings.TrimSuffix(ino, "]"))
		}
	}
	return out
}
