package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/store"
)

// auditLog group-commits audit records: Append queues, one goroutine
// writes batches in single transactions.
type auditLog struct {
	db       *DB
	interval time.Duration
	batch    int

	queue chan store.AuditRecord
	flush chan chan error
	done  chan struct{}

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

func newAuditLog(db *DB, opts Options) *auditLog {
	a := &auditLog{
		db:       db,
		interval: opts.AuditInterval,
		batch:    opts.AuditBatch,
		queue:    make(chan store.AuditRecord, opts.AuditBuffer),
		flush:    make(chan chan error),
		done:     make(chan struct{}),
		closed:   make(chan struct{}),
	}
	go a.run()
	return a
}

// errAuditClosed is returned by Flush after Close.
var errAuditClosed = errors.New("audit log is closed")

// Append queues a record. It blocks when AuditBuffer records are waiting:
// audit records are never dropped. After Close it does nothing.
func (a *auditLog) Append(r store.AuditRecord) {
	select {
	case <-a.closed:
		return
	default:
	}
	select {
	case a.queue <- r:
	case <-a.closed:
	}
}

// Flush writes every record appended before the call.
func (a *auditLog) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case a.flush <- reply:
	case <-a.closed:
		return errAuditClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *auditLog) close() error {
	a.closeOnce.Do(func() {
		close(a.closed)
		<-a.done
	})
	return a.closeErr
}

func (a *auditLog) run() {
	defer close(a.done)
	ticker := time.NewTicker(a.interval)
	defer ticker.Stop()
	var pending []store.AuditRecord
	write := func() error {
		// Take whatever else is queued, so a flush covers every record
		// appended before it.
		for {
			select {
			case r := <-a.queue:
				pending = append(pending, r)
				continue
			default:
			}
			break
		}
		if len(pending) == 0 {
			return nil
		}
		err := a.write(pending)
		pending = pending[:0]
		return err
	}
	for {
		select {
		case r := <-a.queue:
			pending = append(pending, r)
			if len(pending) >= a.batch {
				write() //nolint:errcheck // a failed batch is retried by no one; see write
			}
		case <-ticker.C:
			write() //nolint:errcheck
		case reply := <-a.flush:
			reply <- write()
		case <-a.closed:
			a.closeErr = write()
			return
		}
	}
}

// write stores a batch in one transaction. A failure is returned to a
// waiting Flush; the batch is not kept, so that a broken database cannot
// grow the queue without bound (the error also reaches the server log
// through Flush at shutdown).
func (a *auditLog) write(recs []store.AuditRecord) error {
	return withRetry(func() error {
		return a.db.update(context.Background(), func(t *txn) error {
			// Prepared once per batch: compiling the INSERT for every
			// record cost more than executing it (docs/benchmarks.md).
			stmt, err := t.tx.PrepareContext(t.ctx, `INSERT INTO audit (time, request_id, event, caller_account, caller, access_key_id,
				source_ip, action, resource, resource_account, decision, deciding, error_code, nonce, signed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return mapError(err)
			}
			defer stmt.Close()
			for _, r := range recs {
				if _, err := stmt.ExecContext(t.ctx, toNanos(r.Time), r.RequestID, r.Event, r.CallerAccount, r.Caller, r.AccessKeyID,
					r.SourceIP, r.Action, r.Resource, r.ResourceAccount, r.Decision, r.Deciding, r.ErrorCode,
					r.Nonce, toNanos(r.SignedAt)); err != nil {
					return mapError(err)
				}
			}
			return nil
		})
	})
}

// Query returns records after seq, oldest first.
func (a *auditLog) Query(ctx context.Context, account string, after int64, limit int) ([]store.AuditRecord, error) {
	var out []store.AuditRecord
	err := a.db.View(ctx, func(r store.Reader) error {
		t := r.(*txn)
		var rows *sql.Rows
		var err error
		const cols = `seq, time, request_id, event, caller_account, caller, access_key_id, source_ip, action,
			resource, resource_account, decision, deciding, error_code, nonce, signed_at`
		if account == "" {
			rows, err = t.query(`SELECT `+cols+` FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
		} else {
			rows, err = t.query(`SELECT `+cols+` FROM audit WHERE seq > ? AND (caller_account = ? OR resource_account = ?)
				ORDER BY seq LIMIT ?`, after, account, account, limit)
		}
		out, err = collect(rows, err, func(s scanner) (store.AuditRecord, error) {
			var r store.AuditRecord
			var ts, signed int64
			err := s.Scan(&r.Seq, &ts, &r.RequestID, &r.Event, &r.CallerAccount, &r.Caller, &r.AccessKeyID, &r.SourceIP,
				&r.Action, &r.Resource, &r.ResourceAccount, &r.Decision, &r.Deciding, &r.ErrorCode, &r.Nonce, &signed)
			r.Time, r.SignedAt = fromNanos(ts), fromNanos(signed)
			return r, err
		})
		return err
	})
	return out, err
}

// Prune deletes records older than before.
func (a *auditLog) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := a.db.update(ctx, func(t *txn) error {
		res, err := t.exec(`DELETE FROM audit WHERE time < ?`, toNanos(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
