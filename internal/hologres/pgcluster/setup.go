package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	lockFile   = "localyun-pgcluster.lock"
	markerFile = "cluster.created"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// checkID accepts ids of letters, digits, '_' and '-' (not first), at most
// MaxIDLen bytes: they are directory names and part of socket paths.
func checkID(id string) error {
	if len(id) > MaxIDLen || !idPattern.MatchString(id) {
		return fmt.Errorf("invalid cluster id %q: use 1 to %d letters, digits, '_' and '-', starting with a letter or digit", id, MaxIDLen)
	}
	return nil
}

// resolveUser decides whom the clusters run as.
func (m *Manager) resolveUser() error {
	if os.Geteuid() != 0 {
		me, err := user.Current()
		if err != nil {
			return fmt.Errorf("look up the current user: %w", err)
		}
		if m.o.RunAs != "" && m.o.RunAs != me.Username && m.o.RunAs != me.Uid {
			return fmt.Errorf("the PostgreSQL clusters cannot run as user %q: only root can run them as another user; localyun runs as %s, so leave the run-as user (--pg-user) unset", m.o.RunAs, me.Username)
		}
		m.runUser, m.uid, m.gid = me.Username, os.Geteuid(), os.Getegid()
		return nil
	}
	name := m.o.RunAs
	if name == "" {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("localyun runs as root and PostgreSQL refuses to run as root, so the clusters run as an unprivileged user, but user %q does not exist (%v): create one, e.g. `useradd --system --user-group --no-create-home --shell /usr/sbin/nologin %s`, or name an existing one with --pg-user", name, err, name)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("user %q has a non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	if uid == 0 {
		return fmt.Errorf("the PostgreSQL clusters cannot run as %q: it is root (uid 0), and PostgreSQL refuses to run as root; name an unprivileged user with --pg-user", name)
	}
	m.runUser, m.uid, m.gid = name, uid, gid
	m.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	return nil
}

const installHint = "install them with `apt-get install postgresql` on Debian or Ubuntu, or pass the directory that holds postgres and initdb with --pg-bin DIR"

// findBinDir locates postgres and initdb (see Options.BinDir).
func findBinDir(given string) (string, error) {
	has := func(dir string) bool {
		for _, p := range []string{"postgres", "initdb"} {
			fi, err := os.Stat(filepath.Join(dir, p))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if given != "" {
		abs, err := filepath.Abs(given)
		if err == nil && has(abs) {
			return abs, nil
		}
		return "", fmt.Errorf("%w in %s (no executable postgres and initdb there): %s", ErrNoPostgres, given, installHint)
	}
	var looked []string
	if pgc, err := exec.LookPath("pg_config"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, pgc, "--bindir").Output()
		cancel()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
			if has(dir) {
				return dir, nil
			}
			looked = append(looked, "`pg_config --bindir` ("+dir+")")
		}
	} else {
		looked = append(looked, "pg_config (not on PATH)")
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if dir, err := filepath.Abs(filepath.Dir(p)); err == nil && has(dir) {
			return dir, nil
		}
		looked = append(looked, "the directory of "+p)
	} else {
		looked = append(looked, "postgres on PATH")
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOfDir(b) - versionOfDir(a) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	looked = append(looked, "/usr/lib/postgresql/*/bin")
	return "", fmt.Errorf("%w found (looked at %s): %s", ErrNoPostgres, strings.Join(looked, ", "), installHint)
}

func versionOfDir(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

var versionPattern = regexp.MustCompile(`\(PostgreSQL\) ([0-9]+)(\.[0-9]+)?`)

// parseVersion reads "postgres (PostgreSQL) 15.18 (Debian ...)".
func parseVersion(out string) (version string, major int, ok bool) {
	sm := versionPattern.FindStringSubmatch(out)
	if sm == nil {
		return "", 0, false
	}
	major, err := strconv.Atoi(sm[1])
	return sm[1] + sm[2], major, err == nil
}

// asOther reports whether the clusters run as a user other than the
// process's.
func (m *Manager) asOther() bool { return m.cred != nil }

// chown gives path to the run-as user (a no-op when that is us).
func (m *Manager) chown(path string) error {
	if !m.asOther() {
		return nil
	}
	return os.Lchown(path, m.uid, m.gid)
}

// mkdirOwned creates dir (0700) for the run-as user; an existing one is
// taken over.
func (m *Manager) mkdirOwned(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	return m.chown(dir)
}

func ownerOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func groupOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Gid)
	}
	return -1
}

// prepareBaseDir creates BaseDir for the run-as user and locks it.
func (m *Manager) prepareBaseDir() error {
	base := m.o.BaseDir
	parentMode := fs.FileMode(0o700)
	if m.asOther() {
		parentMode = 0o755 // the run-as user must traverse the parents we create
	}
	if err := os.MkdirAll(filepath.Dir(base), parentMode); err != nil {
		return fmt.Errorf("create the parent of the cluster base directory: %w", err)
	}
	if err := os.Mkdir(base, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the cluster base directory: %w", err)
	}
	fi, err := os.Stat(base)
	if err != nil {
		return fmt.Errorf("cluster base directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cluster base directory %s exists and is not a directory: choose another (--pg-dir)", base)
	}
	switch owner := ownerOf(fi); owner {
	case m.uid:
	case os.Geteuid():
		if err := m.chown(base); err != nil {
			return fmt.Errorf("give the cluster base directory %s to user %s: %w", base, m.runUser, err)
		}
	default:
		return fmt.Errorf("cluster base directory %s belongs to uid %d, not to %s (uid %d) who runs the clusters: choose another (--pg-dir) or run `chown %d %s`",
			base, owner, m.runUser, m.uid, m.uid, base)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(base, 0o700); err != nil {
			return fmt.Errorf("cluster base directory: %w", err)
		}
	}
	if m.baseDir, err = filepath.EvalSymlinks(base); err != nil {
		return fmt.Errorf("cluster base directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(m.baseDir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cluster base directory lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%w: another localyun server manages the PostgreSQL clusters in %s: stop it, or choose another directory (--pg-dir)", ErrInUse, m.baseDir)
		}
		return fmt.Errorf("lock the cluster base directory %s: %w", m.baseDir, err)
	}
	m.lock = lock
	return nil
}

var socketBasePattern = regexp.MustCompile(`^/[A-Za-z0-9/._-]*$`)

// prepareSocketBase creates SocketBase, refusing one that someone else
// owns (it usually lives in /tmp, where anyone could create it first).
func (m *Manager) prepareSocketBase() error {
	sb := filepath.Clean(m.o.SocketBase)
	m.o.SocketBase = sb
	if !socketBasePattern.MatchString(sb) {
		return fmt.Errorf("socket directory %q must be an absolute path of letters, digits and /._- (--pg-socket-dir)", sb)
	}
	if len(sb) > MaxSocketBaseLen {
		return fmt.Errorf("socket directory %s is %d bytes long; at most %d are allowed, so that socket paths stay within the 107 bytes of a unix socket address: choose a shorter one (--pg-socket-dir)", sb, len(sb), MaxSocketBaseLen)
	}
	want := fs.FileMode(0o700)
	if m.asOther() {
		want = 0o711 // the run-as user traverses it to its own socket directories
	}
	if err := os.MkdirAll(filepath.Dir(sb), 0o755); err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	if err := os.Mkdir(sb, want); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("socket directory: %w", err)
	}
	fi, err := os.Lstat(sb)
	if err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	if !fi.IsDir() || ownerOf(fi) != os.Geteuid() {
		return fmt.Errorf("socket directory %s is not a directory of uid %d (it is %s, owned by uid %d): someone else may have created it; remove it or choose another (--pg-socket-dir)",
			sb, os.Geteuid(), fi.Mode().Type(), ownerOf(fi))
	}
	if fi.Mode().Perm() != want {
		if err := os.Chmod(sb, want); err != nil {
			return fmt.Errorf("socket directory: %w", err)
		}
	}
	return nil
}

// probe runs the programs as the run-as user, from BaseDir and from
// SocketBase: this checks that the user can reach both (the working
// directory is entered after the user switch) and reads the versions.
func (m *Manager) probe() error {
	var versions [2]string
	var majors [2]int
	for i, p := range []struct{ prog, dir string }{{"postgres", m.baseDir}, {"initdb", m.o.SocketBase}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := m.command(ctx, p.dir, p.prog, syscall.SIGKILL, "--version")
		out := &cappedBuffer{max: 4096}
		cmd.Stdout, cmd.Stderr = out, out
		err := m.runCmd(cmd)
		cancel()
		if err != nil {
			if blocker := m.unreachable(p.dir); blocker != "" {
				return fmt.Errorf("the PostgreSQL clusters run as %s (uid %d), who cannot reach %s: %s. As root, keep the clusters and sockets where that user can reach them (localyun's own data directory is private to root): choose another directory (--pg-dir, --pg-socket-dir), or make the parents searchable (chmod o+x)",
					m.runUser, m.uid, p.dir, blocker)
			}
			return fmt.Errorf("run %s --version as %s in %s: %v: %s", filepath.Join(m.bin, p.prog), m.runUser, p.dir, err, out.lastLines(3))
		}
		v, major, ok := parseVersion(string(out.b))
		if !ok {
			return fmt.Errorf("%w: cannot read the version of %s from %q: %s", ErrNoPostgres, filepath.Join(m.bin, p.prog), out.lastLines(1), installHint)
		}
		versions[i], majors[i] = v, major
	}
	if majors[0] < MinMajorVersion {
		return fmt.Errorf("%w: PostgreSQL %s in %s is too old; localyun needs %d or newer: %s", ErrNoPostgres, versions[0], m.bin, MinMajorVersion, installHint)
	}
	if majors[0] != majors[1] {
		return fmt.Errorf("%w: postgres is version %s but initdb is %s in %s: pass a directory with one installation (--pg-bin)", ErrNoPostgres, versions[0], versions[1], m.bin)
	}
	m.version, m.major = versions[0], majors[0]
	return nil
}

// unreachable names the first directory on the way to dir that the
// run-as user may not search, by its mode bits (ACLs are not read), or ""
// when none is found.
func (m *Manager) unreachable(dir string) string {
	var parts []string
	for d := dir; ; d = filepath.Dir(d) {
		parts = append(parts, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for _, d := range slices.Backward(parts) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Sprintf("%s: %v", d, err)
		}
		perm := fi.Mode().Perm()
		var bit fs.FileMode
		switch {
		case ownerOf(fi) == m.uid:
			bit = 0o100
		case groupOf(fi) == m.gid:
			bit = 0o010
		default:
			bit = 0o001
		}
		if perm&bit == 0 {
			return fmt.Sprintf("%s has mode %04o and belongs to uid %d", d, perm, ownerOf(fi))
		}
	}
	return ""
}

// spawnReq asks the spawner thread to start a command.
type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

// spawner starts every child process from one locked OS thread. The
// parent-death signal fires when the thread that forked the child ends,
// not the process (https://go.dev/issue/27505); an ordinary goroutine's
// thread can end while the process lives on, when some goroutine exits
// while locked to it. This thread ends only at Close, after the clusters
// have stopped.
func (m *Manager) spawner() {
	runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
	for {
		select {
		case r := <-m.spawnCh:
			r.done <- r.cmd.Start()
		case <-m.quit:
			return
		}
	}
}

func (m *Manager) startCmd(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	select {
	case m.spawnCh <- spawnReq{cmd, done}:
		return <-done
	case <-m.quit:
		return ErrClosed
	}
}

func (m *Manager) runCmd(cmd *exec.Cmd) error {
	if err := m.startCmd(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}

// command prepares a PostgreSQL program run as the run-as user, in dir,
// with a minimal environment (no PG* variables of ours leak in), killed
// when ctx ends and sent deathSig when localyun dies.
func (m *Manager) command(ctx context.Context, dir, prog string, deathSig syscall.Signal, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(m.bin, prog), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + m.bin + ":/usr/bin:/bin", "LC_ALL=C.UTF-8", "TZ=UTC"}
	cmd.SysProcAttr = sysProcAttr(m.cred, deathSig)
	return cmd
}
