package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// tableLocks holds one mutex per (project, table) that someone holds or
// waits for; an entry leaves the map with its last user.
type tableLocks struct {
	mu sync.Mutex
	m  map[string]*tableLock
}

type tableLock struct {
	ch   chan struct{} // holds a token while the lock is taken
	refs int           // holders and waiters; guarded by tableLocks.mu
}

// LockTables takes the write locks of the named tables of a project and
// returns the function that releases them (safe to call more than once).
// Writes to one table must hold its lock: DuckDB lets concurrent
// transactions append to a table, but two that update or delete in the
// same table conflict, and the later commit fails (ErrConflict). Readers
// need no lock.
//
// Names are case-insensitive. Locks are taken in sorted order, so callers
// that lock several tables cannot deadlock each other. LockTables waits
// until it has every lock or ctx ends; then it holds none and returns
// ctx's error. The locks are advisory and per engine: the engine itself
// takes none.
func (e *Engine) LockTables(ctx context.Context, project string, tables ...string) (unlock func(), err error) {
	name, err := canonical(project)
	if err != nil {
		return nil, &ProjectError{Op: "lock", Project: project, Err: err}
	}
	keys := make([]string, len(tables))
	for i, t := range tables {
		keys[i] = name + "\x00" + strings.ToLower(t)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	held := make([]string, 0, len(keys))
	release := func() {
		for _, k := range held {
			e.locks.unlock(k)
		}
	}
	for _, k := range keys {
		if err := e.locks.lock(ctx, k); err != nil {
			release()
			return nil, &ProjectError{Op: "lock", Project: project, Err: err}
		}
		held = append(held, k)
	}
	var once sync.Once
	return func() { once.Do(release) }, nil
}

func (l *tableLocks) lock(ctx context.Context, key string) error {
	l.mu.Lock()
	tl := l.m[key]
	if tl == nil {
		tl = &tableLock{ch: make(chan struct{}, 1)}
		l.m[key] = tl
	}
	tl.refs++
	l.mu.Unlock()
	select {
	case tl.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		l.drop(key, tl)
		return ctx.Err()
	}
}

func (l *tableLocks) unlock(key string) {
	l.mu.Lock()
	tl := l.m[key]
	l.mu.Unlock()
	<-tl.ch
	l.drop(key, tl)
}

func (l *tableLocks) drop(key string, tl *tableLock) {
	l.mu.Lock()
	tl.refs--
	if tl.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}
