package datadir

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// Dir is an open, locked data directory. Its methods are safe for
// concurrent use.
type Dir struct {
	// Rand supplies the master key and certificate serial numbers; nil
	// means crypto/rand. Set it before the first call that needs it.
	Rand io.Reader

	path string
	lock *os.File

	mu         sync.Mutex // serializes secret creation and Close
	wroteAddrs bool
	closed     bool
}

// Open opens the data directory at path for a server, creating it and any
// missing parents with mode 0700, and locks it until Close.
//
// An existing directory that group or others can access is changed to 0700
// when it belongs to the current user, and refused with a
// *PermissionsError when it belongs to someone else. While another Dir
// holds the lock, in this process or another, Open fails at once with an
// *InUseError (wrapping ErrInUse). An addresses file left by a server that
// stopped without Close is removed, since its listeners are gone.
func Open(path string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("no data directory given: pass --data-dir")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", path, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := secureDir(abs); err != nil {
		return nil, err
	}
	d := &Dir{path: abs}
	if err := d.acquire(); err != nil {
		return nil, err
	}
	if err := os.Remove(d.Path(AddressesFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.lock.Close()
		return nil, fmt.Errorf("remove stale addresses file: %w", err)
	}
	return d, nil
}

// secureDir checks that path is a directory only its owner can reach,
// tightening it to 0700 when the current user owns it.
func secureDir(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s exists and is not a directory: pass another --data-dir", path)
	}
	owner := ownerOf(fi)
	mode := fi.Mode().Perm()
	if err := checkDirMode(path, mode, owner, os.Geteuid()); err != nil {
		return err
	}
	if mode&0o077 != 0 {
		if err := os.Chmod(path, 0o700); err != nil {
			return fmt.Errorf("restrict data directory to its owner: %w", err)
		}
	}
	return nil
}

// checkDirMode refuses a directory that group or others can access when it
// belongs to another user. A directory of ours is fixed by the caller.
func checkDirMode(path string, mode fs.FileMode, owner, me int) error {
	if mode&0o077 != 0 && owner != me {
		return &PermissionsError{Path: path, Mode: mode, Want: 0o700, Owner: owner, Me: me}
	}
	return nil
}

// ownerOf returns the uid that owns fi, or -1 when the system does not say.
func ownerOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// acquire takes the directory lock without waiting and records our pid.
func (d *Dir) acquire() error {
	f, err := os.OpenFile(d.Path(LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
			return &InUseError{Dir: d.path, PID: readPID(f)}
		}
		return fmt.Errorf("lock data directory %s: %w", d.path, err)
	}
	// The pid is only a diagnostic for the next InUseError: failing to
	// write it is not worth refusing to start.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	d.lock = f
	return nil
}

// readPID reads the pid the lock holder wrote, or 0.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(string(bytes.TrimSpace(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Root returns the absolute path of the directory.
func (d *Dir) Root() string { return d.path }

// Path returns the absolute path of the file name in the directory. It
// does not create the file.
func (d *Dir) Path(name string) string { return filepath.Join(d.path, name) }

// Close removes the addresses file this Dir wrote, then releases the lock,
// after which another server may open the directory. Calling Close again
// does nothing.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.wroteAddrs {
		if err := os.Remove(d.Path(AddressesFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	// Closing the descriptor releases the flock. The lock file stays:
	// removing it would let two servers lock two different files.
	if err := d.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("release data directory lock: %w", err))
	}
	return errors.Join(errs...)
}

func (d *Dir) rand() io.Reader {
	if d.Rand != nil {
		return d.Rand
	}
	return rand.Reader
}
