package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Options bounds the engine. Zero fields take the defaults below; negative
// values are refused by Open.
type Options struct {
	// MemoryLimit is DuckDB's memory_limit for each project database, in
	// DuckDB's size syntax ("512MB", "1GiB"). Default "512MB". The engine
	// as a whole can use up to MaxOpen times this.
	MemoryLimit string
	// Threads is DuckDB's thread count for each project database. Default 2.
	Threads int
	// SpillLimit turns spilling on: a query that needs more than
	// MemoryLimit may write temporary files, in
	// "<dir>/<project>.duckdb.tmp", and SpillLimit is passed to DuckDB as
	// max_temp_directory_size (DuckDB size syntax, e.g. "2GB"). Default ""
	// leaves spilling off (temp_directory = ''), so such a query fails with
	// ErrMemoryLimit. It is off by default because DuckDB 1.5.6 does not
	// hold its sort spill files to max_temp_directory_size (measured: 22 MB
	// written under a limit of 0 bytes), so with spilling on a query's disk
	// use has no reliable bound.
	SpillLimit string
	// StatementTimeout bounds each statement, including the wait for a
	// connection and, for Query, reading its rows. Default 60 s.
	StatementTimeout time.Duration
	// TxTimeout bounds a whole Tx, the caller's function included.
	// Default 5 min.
	TxTimeout time.Duration
	// IdleClose closes a database no statement has used for this long; the
	// next statement reopens it. Default 5 min.
	IdleClose time.Duration
	// MaxOpen bounds the open databases. Opening one more closes the least
	// recently used idle one; when all are busy, the open fails with
	// ErrTooManyOpen. Default 32.
	MaxOpen int
	// MaxConns bounds the connections, hence the concurrent statements, of
	// each database; more statements wait (within their time limit).
	// Default 8.
	MaxConns int
	// MaxResultRows is the row limit of Query when the caller passes
	// maxRows <= 0. Default 10,000 (the REST result limit).
	MaxResultRows int
	// MaxResultBytes bounds the estimated size of one Result's values
	// (strings and blobs by length, other values 8 bytes, nested values
	// summed). Reading stops there and sets Truncated. Default 64 MiB.
	MaxResultBytes int64
	// Now is the clock for idle accounting. Default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.MemoryLimit == "" {
		o.MemoryLimit = "512MB"
	}
	if !sizeRE.MatchString(o.MemoryLimit) {
		return o, fmt.Errorf("maxcompute engine: MemoryLimit %q is not a size such as 512MB or 1GiB", o.MemoryLimit)
	}
	if o.SpillLimit != "" && !sizeRE.MatchString(o.SpillLimit) {
		return o, fmt.Errorf("maxcompute engine: SpillLimit %q is not a size such as 2GB or 500MiB", o.SpillLimit)
	}
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"Threads", &o.Threads, 2},
		{"MaxOpen", &o.MaxOpen, 32},
		{"MaxConns", &o.MaxConns, 8},
		{"MaxResultRows", &o.MaxResultRows, 10000},
	}
	for _, f := range ints {
		if *f.v < 0 {
			return o, fmt.Errorf("maxcompute engine: %s must not be negative, got %d", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	durs := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"StatementTimeout", &o.StatementTimeout, 60 * time.Second},
		{"TxTimeout", &o.TxTimeout, 5 * time.Minute},
		{"IdleClose", &o.IdleClose, 5 * time.Minute},
	}
	for _, f := range durs {
		if *f.v < 0 {
			return o, fmt.Errorf("maxcompute engine: %s must not be negative, got %v", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.MaxResultBytes < 0 {
		return o, fmt.Errorf("maxcompute engine: MaxResultBytes must not be negative, got %d", o.MaxResultBytes)
	}
	if o.MaxResultBytes == 0 {
		o.MaxResultBytes = 64 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// sizeRE is the subset of DuckDB's size syntax Options accepts.
var sizeRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)? ?([KMGT]i?B|B|bytes)$`)

// projectRE is the project names the engine accepts: a superset of
// MaxCompute's (3 to 28 characters), and safe as a file name.
var projectRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,127}$`)

// canonical checks a project name and returns its file-name form. Project
// names are case-insensitive, as in the control-plane store.
func canonical(project string) (string, error) {
	if !projectRE.MatchString(project) {
		return "", ErrInvalidProject
	}
	return strings.ToLower(project), nil
}

// Engine runs SQL on one DuckDB database file per MaxCompute project. Its
// methods are safe for concurrent use.
type Engine struct {
	dir      string
	dirForms []string // dir as given and with symlinks resolved, for sanitize
	opts     Options

	mu     sync.Mutex
	cond   *sync.Cond // signalled when a database's active count drops
	dbs    map[string]*database
	closed bool

	locks tableLocks

	stopJanitor chan struct{}
	janitorDone chan struct{}
}

// database is one project's DuckDB database, open, opening or closing.
type database struct {
	name string
	path string

	ready   chan struct{} // closed when opening finished; then err or db is set
	err     error
	db      *sql.DB
	ctx     context.Context // cancelled when the database starts closing
	cancel  context.CancelFunc
	done    chan struct{} // closed when closing finished and the entry left the map
	closing bool          // guarded by Engine.mu: no new users; waits for active == 0
	active  int           // guarded by Engine.mu: operations holding the database

	lastUsed time.Time // guarded by Engine.mu
}

// Open starts an engine on dir, creating it with mode 0700 (and setting an
// existing one to 0700). The path must not contain '?', '#' or '%', which
// the DuckDB driver's connection string cannot carry. Close stops it.
func Open(dir string, opts Options) (*Engine, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("maxcompute engine: no directory given")
	}
	if strings.ContainsAny(dir, "?#%") {
		return nil, fmt.Errorf("maxcompute engine: directory %q contains '?', '#' or '%%', which a DuckDB connection string cannot carry: choose another data directory", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("maxcompute engine: directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("maxcompute engine: create directory: %w", err)
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, fmt.Errorf("maxcompute engine: directory mode: %w", err)
	}
	forms := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		forms = append(forms, real)
	}
	e := &Engine{
		dir:         abs,
		dirForms:    forms,
		opts:        o,
		dbs:         map[string]*database{},
		stopJanitor: make(chan struct{}),
		janitorDone: make(chan struct{}),
	}
	e.cond = sync.NewCond(&e.mu)
	e.locks.m = map[string]*tableLock{}
	go e.janitor()
	return e, nil
}

// Close interrupts running statements, closes every database and stops
// the idle janitor. Later calls return ErrClosed; Close itself may be
// called again and returns nil.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	var closing []*database
	for _, d := range e.dbs {
		if !d.closing {
			d.closing = true
			if d.cancel != nil {
				d.cancel()
			}
			closing = append(closing, d)
		}
	}
	others := make([]*database, 0, len(e.dbs))
	for _, d := range e.dbs {
		others = append(others, d)
	}
	e.mu.Unlock()
	close(e.stopJanitor)
	<-e.janitorDone
	var errs []error
	for _, d := range closing {
		if err := e.finishClose(d, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range others {
		<-d.done
	}
	return errors.Join(errs...)
}

func (e *Engine) path(name string) string { return filepath.Join(e.dir, name+".duckdb") }

// Exists reports whether the project has a database file (and is not being
// dropped). An invalid name does not exist.
func (e *Engine) Exists(project string) bool {
	name, err := canonical(project)
	if err != nil {
		return false
	}
	e.mu.Lock()
	d := e.dbs[name]
	open, closing := d != nil && d.db != nil && !d.closing, d != nil && d.closing
	e.mu.Unlock()
	if open {
		return true
	}
	if closing {
		<-d.done
	}
	_, err = os.Stat(e.path(name))
	return err == nil
}

// Create makes the project's database file ("<dir>/<project>.duckdb",
// mode 0600) and leaves it open. It refuses an existing file with
// ErrProjectExists.
func (e *Engine) Create(ctx context.Context, project string) error {
	d, err := e.acquire(ctx, project, "create", true)
	if err != nil {
		return err
	}
	e.release(d)
	return nil
}

// Drop interrupts the project's running statements, closes its database
// and deletes its files (the database, its WAL and its temporary
// directory). It returns ErrNoSuchProject when there is no file.
func (e *Engine) Drop(ctx context.Context, project string) error {
	name, err := canonical(project)
	if err != nil {
		return &ProjectError{Op: "drop", Project: project, Err: err}
	}
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return &ProjectError{Op: "drop", Project: project, Err: ErrClosed}
		}
		d := e.dbs[name]
		if d != nil && d.closing {
			e.mu.Unlock()
			if err := wait(ctx, d.done); err != nil {
				return &ProjectError{Op: "drop", Project: project, Err: err}
			}
			continue
		}
		if d == nil {
			// Hold a closing entry while deleting, so nobody opens the file.
			d = &database{name: name, path: e.path(name), ready: make(chan struct{}), done: make(chan struct{}), closing: true}
			close(d.ready)
			e.dbs[name] = d
		} else {
			d.closing = true
			if d.cancel != nil {
				d.cancel()
			}
		}
		e.mu.Unlock()
		err := e.finishClose(d, true)
		if errors.Is(err, fs.ErrNotExist) {
			return &ProjectError{Op: "drop", Project: project, Err: ErrNoSuchProject}
		}
		if err != nil {
			return &ProjectError{Op: "drop", Project: project, Err: err}
		}
		return nil
	}
}

// finishClose waits for a closing database's users to leave, closes it,
// optionally deletes its files, and removes the entry. With remove, it
// returns fs.ErrNotExist when the database file did not exist.
func (e *Engine) finishClose(d *database, remove bool) error {
	<-d.ready
	e.mu.Lock()
	for d.active > 0 {
		e.cond.Wait()
	}
	e.mu.Unlock()
	var errs []error
	if d.db != nil {
		if err := d.db.Close(); err != nil {
			errs = append(errs, errors.New(e.sanitize(err.Error())))
		}
	}
	if remove {
		if _, err := os.Stat(d.path); errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fs.ErrNotExist)
		}
		for _, p := range []string{d.path, d.path + ".wal"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, errors.New(e.sanitize(err.Error())))
			}
		}
		if err := os.RemoveAll(d.path + ".tmp"); err != nil {
			errs = append(errs, errors.New(e.sanitize(err.Error())))
		}
	}
	e.mu.Lock()
	if e.dbs[d.name] == d {
		delete(e.dbs, d.name)
	}
	e.mu.Unlock()
	close(d.done)
	return errors.Join(errs...)
}

// acquire returns the project's open database, opening it (or, with
// create, creating it) if needed, and counts the caller as active until
// release.
func (e *Engine) acquire(ctx context.Context, project, op string, create bool) (*database, error) {
	name, err := canonical(project)
	if err != nil {
		return nil, &ProjectError{Op: op, Project: project, Err: err}
	}
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return nil, &ProjectError{Op: op, Project: project, Err: ErrClosed}
		}
		d := e.dbs[name]
		switch {
		case d != nil && d.closing:
			e.mu.Unlock()
			if err := wait(ctx, d.done); err != nil {
				return nil, &ProjectError{Op: op, Project: project, Err: err}
			}
			continue
		case d != nil:
			if create {
				e.mu.Unlock()
				return nil, &ProjectError{Op: op, Project: project, Err: ErrProjectExists}
			}
			d.active++
			e.mu.Unlock()
			if err := wait(ctx, d.ready); err != nil {
				e.release(d)
				return nil, &ProjectError{Op: op, Project: project, Err: err}
			}
			if d.err != nil {
				e.release(d)
				if errors.Is(d.err, context.Canceled) || errors.Is(d.err, context.DeadlineExceeded) {
					continue // the opener gave up, not the file: try ourselves
				}
				return nil, &ProjectError{Op: op, Project: project, Err: d.err}
			}
			return d, nil
		}
		// Not open: make room, then open it ourselves.
		var evict *database
		if open := e.countOpen(); open >= e.opts.MaxOpen {
			evict = e.leastRecentlyUsedIdle()
			if evict == nil {
				e.mu.Unlock()
				return nil, &LimitError{Project: project, Limit: LimitMaxOpen, Value: fmt.Sprint(e.opts.MaxOpen), Option: "MaxOpen", err: ErrTooManyOpen}
			}
			evict.closing = true
			evict.cancel()
		}
		d = &database{name: name, path: e.path(name), ready: make(chan struct{}), done: make(chan struct{}), active: 1}
		e.dbs[name] = d
		e.mu.Unlock()
		if evict != nil {
			go e.finishClose(evict, false) //nolint:errcheck // an idle close has no caller to tell; the next open reports a broken file
		}
		db, err := e.openDB(ctx, d, create)
		e.mu.Lock()
		if err != nil {
			d.err = err
			d.active--
			if !d.closing { // else the closer (Close or Drop) finishes the entry
				delete(e.dbs, name)
				close(d.done)
			}
		} else {
			d.db = db
			d.ctx, d.cancel = context.WithCancel(context.Background())
			if d.closing { // Close or Drop came while we opened
				d.cancel()
			}
			d.lastUsed = e.opts.Now()
		}
		close(d.ready)
		e.cond.Broadcast()
		e.mu.Unlock()
		if err != nil {
			return nil, &ProjectError{Op: op, Project: project, Err: err}
		}
		return d, nil
	}
}

func (e *Engine) release(d *database) {
	e.mu.Lock()
	d.active--
	d.lastUsed = e.opts.Now()
	e.cond.Broadcast()
	e.mu.Unlock()
}

// countOpen counts the databases that are open or opening. Caller holds mu.
func (e *Engine) countOpen() int {
	n := 0
	for _, d := range e.dbs {
		if !d.closing {
			n++
		}
	}
	return n
}

// leastRecentlyUsedIdle finds the open database without users that was
// used longest ago, or nil. Caller holds mu.
func (e *Engine) leastRecentlyUsedIdle() *database {
	var best *database
	for _, d := range e.dbs {
		if d.closing || d.active > 0 || d.db == nil {
			continue
		}
		if best == nil || d.lastUsed.Before(best.lastUsed) {
			best = d
		}
	}
	return best
}

// janitor closes idle databases until Close.
func (e *Engine) janitor() {
	defer close(e.janitorDone)
	interval := min(max(e.opts.IdleClose/4, 10*time.Millisecond), time.Minute)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.stopJanitor:
			return
		case <-t.C:
			e.closeIdle()
		}
	}
}

// closeIdle closes the databases idle for IdleClose or longer, and
// returns how many it closed.
func (e *Engine) closeIdle() int {
	now := e.opts.Now()
	e.mu.Lock()
	var idle []*database
	for _, d := range e.dbs {
		if !d.closing && d.active == 0 && d.db != nil && now.Sub(d.lastUsed) >= e.opts.IdleClose {
			d.closing = true
			d.cancel()
			idle = append(idle, d)
		}
	}
	e.mu.Unlock()
	for _, d := range idle {
		_ = e.finishClose(d, false) // nobody to tell; a broken file shows at the next open
	}
	return len(idle)
}

// Stats is a snapshot of the engine's databases, for metrics.
type Stats struct {
	Open   int // databases open or opening
	Active int // operations holding a database
}

// Stats reports the engine's current load.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	var s Stats
	for _, d := range e.dbs {
		if !d.closing {
			s.Open++
		}
		s.Active += d.active
	}
	return s
}

func wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
