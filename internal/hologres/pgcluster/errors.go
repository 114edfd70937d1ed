package pgcluster

import (
	"errors"
	"fmt"
)

// Sentinels. Test with errors.Is.
var (
	// ErrNoPostgres: no usable PostgreSQL server binaries were found
	// (NewManager). The error says what to install.
	ErrNoPostgres = errors.New("no PostgreSQL server binaries")
	// ErrExists: Create was called for a cluster that already exists.
	ErrExists = errors.New("cluster already exists")
	// ErrNotFound: Start was called for a cluster that was never created,
	// or whose creation did not finish.
	ErrNotFound = errors.New("no such cluster")
	// ErrNotRunning: AdminConn was called for a cluster that is not
	// Running.
	ErrNotRunning = errors.New("cluster is not running")
	// ErrUnsafe: a running cluster failed a hardening check (Verify). Start
	// stops such a cluster and marks it Failed; it is never restarted
	// automatically.
	ErrUnsafe = errors.New("cluster failed a hardening check")
	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("cluster manager closed")
	// ErrInUse: another Manager (in this process or another) holds the
	// base directory.
	ErrInUse = errors.New("cluster base directory in use")
)

// UnsafeError names the hardening check a cluster failed and what was
// found. It wraps ErrUnsafe.
type UnsafeError struct {
	Cluster string
	Check   string // e.g. "listen_addresses", "privileged roles"
	Found   string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("cluster %s failed the hardening check %q: %s; localyun refuses to run it",
		e.Cluster, e.Check, e.Found)
}

func (e *UnsafeError) Unwrap() error { return ErrUnsafe }

// NotRunningError says which cluster is not running, its status and, when
// it failed, why. It wraps ErrNotRunning.
type NotRunningError struct {
	Cluster string
	Status  Status
	Reason  string
}

func (e *NotRunningError) Error() string {
	s := fmt.Sprintf("cluster %s is %s", e.Cluster, e.Status)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func (e *NotRunningError) Unwrap() error { return ErrNotRunning }
