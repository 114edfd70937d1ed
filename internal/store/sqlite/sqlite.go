// Package sqlite is the embedded control-plane store: SQLite (pure Go, no
// cgo) in WAL mode with synchronous writes, one writer connection that
// begins transactions IMMEDIATE, and a pool of readers.
//
// The audit trail is written by group commit: records are buffered and
// written in one transaction every AuditInterval (default 100 ms) or every
// AuditBatch records, whichever comes first, so a crash can lose at most
// the last interval of audit records; Flush and Close write everything.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/localyun/localyun/internal/store"
)

// Options tune a DB. Zero values take the defaults.
type Options struct {
	// Readers is the size of the reader pool (default: 2 × GOMAXPROCS, at least 4).
	Readers int
	// BusyTimeout is how long a connection waits for a lock (default 5 s).
	BusyTimeout time.Duration
	// AuditInterval and AuditBatch bound the group commit of audit records.
	AuditInterval time.Duration
	AuditBatch    int
	// AuditBuffer is how many records may wait for a commit before Append
	// blocks (default 16,384): audit records are never dropped.
	AuditBuffer int
}

// busyRetries bounds how often a transaction that found the database busy
// (beyond BusyTimeout) is retried before the error is returned.
const busyRetries = 3

// DB is a store.Store on one SQLite file.
type DB struct {
	writer *sql.DB
	reader *sql.DB
	audit  *auditLog
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path and migrates its
// schema to the current version.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if opts.Readers <= 0 {
		opts.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.AuditInterval <= 0 {
		opts.AuditInterval = 100 * time.Millisecond
	}
	if opts.AuditBatch <= 0 {
		opts.AuditBatch = 512
	}
	if opts.AuditBuffer <= 0 {
		opts.AuditBuffer = 16384
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(ON)")
		q.Add("_txlock", txlock)
		return "file:" + path + "?" + q.Encode()
	}
	writer, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(opts.Readers)
	reader.SetMaxIdleConns(opts.Readers)
	db := &DB{writer: writer, reader: reader}
	db.audit = newAuditLog(db, opts)
	return db, nil
}

// Close flushes the audit trail and closes the database.
func (db *DB) Close() error {
	err := db.audit.close()
	return errors.Join(err, db.reader.Close(), db.writer.Close())
}

// Audit returns the audit trail.
func (db *DB) Audit() store.AuditLog { return db.audit }

// View runs fn in a read transaction.
func (db *DB) View(ctx context.Context, fn func(store.Reader) error) error {
	return withRetry(func() error {
		tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return mapError(err)
		}
		defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
		return fn(&txn{ctx: ctx, tx: tx})
	})
}

// Update runs fn in a write transaction (BEGIN IMMEDIATE).
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	return withRetry(func() error { return db.update(ctx, func(t *txn) error { return fn(t) }) })
}

func (db *DB) update(ctx context.Context, fn func(*txn) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	if err := fn(&txn{ctx: ctx, tx: tx}); err != nil {
		tx.Rollback() //nolint:errcheck // the closure's error is the one to report
		return err
	}
	return mapError(tx.Commit())
}

// errBusy marks a transaction that failed because the database was locked.
var errBusy = errors.New("database is busy")

func withRetry(fn func() error) error {
	var err error
	for range busyRetries {
		err = fn()
		if !errors.Is(err, errBusy) {
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", busyRetries, err)
}

// mapError turns driver errors into the store's sentinels; it is the only
// place that looks at SQLite error codes.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", errBusy, err)
		}
	}
	return err
}

func isUniqueViolation(err error) bool {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

// nameKey is the case-insensitive key of a user, role or policy name.
func nameKey(name string) string { return strings.ToLower(name) }

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// txn implements store.Tx on a database/sql transaction.
type txn struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(t.ctx, query, args...)
	return res, mapError(err)
}

func (t *txn) query(query string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	return rows, mapError(err)
}

func (t *txn) queryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// mustAffect turns "no row changed" into a NotFoundError.
// execOne runs a statement that must change a row, and reports the kind
// and key of the record as not found when it changed none.
func (t *txn) execOne(kind, key, query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return &store.NotFoundError{Kind: kind, Key: key}
	}
	return nil
}

func notFound(err error, kind, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &store.NotFoundError{Kind: kind, Key: key}
	}
	return mapError(err)
}

// insert runs an INSERT and turns a key collision into an ExistsError.
func (t *txn) insert(kind, key, query string, args ...any) error {
	_, err := t.exec(query, args...)
	if isUniqueViolation(err) {
		return &store.ExistsError{Kind: kind, Key: key}
	}
	return err
}
