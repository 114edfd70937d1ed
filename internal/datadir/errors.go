package datadir

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinels. Test with errors.Is.
var (
	// ErrInUse: another process (or another Open in this one) holds the
	// directory's lock.
	ErrInUse = errors.New("data directory in use")
	// ErrInsecure: a file or directory is accessible to users other than
	// its owner, or belongs to another user.
	ErrInsecure = errors.New("insecure permissions")
)

// InUseError says which directory is locked and, when the lock file says,
// by which process. It wraps ErrInUse.
type InUseError struct {
	Dir string
	PID int // 0 when unknown
}

func (e *InUseError) Error() string {
	who := "another localyun server"
	if e.PID > 0 {
		who = fmt.Sprintf("another localyun server (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is using the data directory %s: stop it, or pass another --data-dir", who, e.Dir)
}

func (e *InUseError) Unwrap() error { return ErrInUse }

// PermissionsError names a file or directory whose mode or owner is unsafe,
// and says how to fix it. It wraps ErrInsecure.
type PermissionsError struct {
	Path string
	Mode fs.FileMode // permission bits found
	Want fs.FileMode // the most the owner may allow
	// Owner and Me are set when the path belongs to another user.
	Owner, Me int
}

func (e *PermissionsError) Error() string {
	if e.Owner != e.Me {
		return fmt.Sprintf("%s belongs to user %d and has mode %04o, so other users can reach it; localyun (user %d) refuses to use it: pass a --data-dir of your own",
			e.Path, e.Owner, e.Mode, e.Me)
	}
	return fmt.Sprintf("%s has mode %04o, so other users can read it; localyun refuses to use it: run `chmod %o %s` (and replace the secret if someone else may have read it)",
		e.Path, e.Mode, e.Want, e.Path)
}

func (e *PermissionsError) Unwrap() error { return ErrInsecure }
