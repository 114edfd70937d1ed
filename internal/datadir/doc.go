// Package datadir is the data directory of a localyun server: one directory,
// private to the user who runs the server, that holds everything the server
// keeps between runs.
//
// Open creates the directory (mode 0700) or tightens an existing one, and
// takes an exclusive lock on it, so at most one server uses a directory at a
// time; Close releases the lock. While the lock is held, the Dir hands out
// the server's secrets and well-known files:
//
//   - MasterKey: 32 random bytes (mode 0600), created on first use, from
//     which the server derives secrets it never stores.
//   - Certificate: a self-signed TLS certificate for the HTTPS listener,
//     renewed before it expires.
//   - WriteAddresses: the addresses the listeners are bound to, which
//     clients and tests read with ReadAddresses to find a server started on
//     port 0.
//   - Path: the location of any other file (database, audit, and the admin
//     socket and token, whose names package admin defines).
//
// Every secret is written atomically (temporary file, fsync, rename, fsync of
// the directory) with mode 0600, and a secret file that group or others may
// read is refused, never silently used.
//
// The package is for Unix systems: it relies on flock(2), file modes and
// owners.
package datadir

// Names of the files in a data directory. Use Dir.Path to locate them.
const (
	// LockFile is locked with flock(2) while a server uses the directory;
	// it holds the server's process id.
	LockFile = "localyun.lock"
	// MasterKeyFile holds the master key (MasterKey).
	MasterKeyFile = "master.key"
	// CertFile and CertKeyFile hold the HTTPS certificate and its private
	// key, in PEM (Certificate).
	CertFile    = "tls.crt"
	CertKeyFile = "tls.key"
	// AddressesFile lists the bound listener addresses (WriteAddresses).
	AddressesFile = "addresses.json"
)
