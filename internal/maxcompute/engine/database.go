package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// startupConfig is the DuckDB configuration passed when a database is
// opened (the driver's connection-string options, applied before the
// database exists). Settings DuckDB refuses to change at run time go here.
//
// enable_external_access is NOT here: DuckDB refuses to set temp_directory
// once external access is off, and the driver applies these options in Go
// map order, so the two in one connection string fail at random. It is set
// by lockdown, right after opening, before any connection is handed out.
func (e *Engine) startupConfig(name string) url.Values {
	v := url.Values{}
	v.Set("autoinstall_known_extensions", "false")
	v.Set("autoload_known_extensions", "false")
	v.Set("allow_community_extensions", "false")
	v.Set("allow_unsigned_extensions", "false")
	v.Set("allow_persistent_secrets", "false")
	v.Set("memory_limit", e.opts.MemoryLimit)
	v.Set("threads", strconv.Itoa(e.opts.Threads))
	v.Set("temp_directory", e.tempDir(name))
	if e.opts.SpillLimit != "" {
		v.Set("max_temp_directory_size", e.opts.SpillLimit)
	}
	return v
}

func (e *Engine) tempDir(name string) string {
	if e.opts.SpillLimit == "" {
		return ""
	}
	return e.path(name) + ".tmp"
}

// lockdown is run by the first connection of a database, before the driver
// returns it: it turns external access off and locks the configuration, so
// no later statement can change any global setting. Both are global and
// one-way, so later connections need nothing.
var lockdown = []string{
	"SET enable_external_access = false",
	"SET lock_configuration = true",
}

// hardener runs lockdown once per database, from the driver's
// connection-init hook, so no connection of the database exists before it
// has run.
type hardener struct {
	mu   sync.Mutex
	done bool
}

func (h *hardener) init(ex driver.ExecerContext) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return nil
	}
	for _, s := range lockdown {
		if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
			return fmt.Errorf("harden database (%s): %w", s, err)
		}
	}
	h.done = true
	return nil
}

// expectedSettings is what verify reads back from duckdb_settings() after
// opening. A database whose settings differ is closed and refused: the
// engine fails closed if a DuckDB upgrade renames or ignores a setting.
func (e *Engine) expectedSettings(name string) map[string]string {
	return map[string]string{
		"enable_external_access":       "false",
		"lock_configuration":           "true",
		"autoinstall_known_extensions": "false",
		"autoload_known_extensions":    "false",
		"allow_community_extensions":   "false",
		"allow_unsigned_extensions":    "false",
		"allow_persistent_secrets":     "false",
		"threads":                      strconv.Itoa(e.opts.Threads),
		"temp_directory":               e.tempDir(name),
	}
}

// openDB opens (or, with create, creates) the DuckDB file of d, hardens
// and verifies it.
func (e *Engine) openDB(ctx context.Context, d *database, create bool) (*sql.DB, error) {
	_, err := os.Stat(d.path)
	switch {
	case create && err == nil:
		return nil, ErrProjectExists
	case !create && errors.Is(err, fs.ErrNotExist):
		return nil, ErrNoSuchProject
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, errors.New(e.sanitize(err.Error()))
	}
	h := &hardener{}
	connector, err := duckdb.NewConnector(d.path+"?"+e.startupConfig(d.name).Encode(), h.init)
	if err != nil {
		if create {
			e.removeFiles(d.path)
		}
		return nil, e.openError(err)
	}
	db := sql.OpenDB(connector) // db.Close closes the connector
	db.SetMaxOpenConns(e.opts.MaxConns)
	db.SetMaxIdleConns(min(2, e.opts.MaxConns))
	db.SetConnMaxIdleTime(e.opts.IdleClose)
	fail := func(err error) (*sql.DB, error) {
		db.Close()
		if create {
			e.removeFiles(d.path)
		}
		return nil, err
	}
	if err := e.verify(ctx, db, d.name); err != nil {
		return fail(err)
	}
	// DuckDB creates files with the process umask; the directory is 0700
	// anyway, and the database file itself is kept at 0600.
	if err := os.Chmod(d.path, 0o600); err != nil {
		return fail(errors.New(e.sanitize(err.Error())))
	}
	return db, nil
}

func (e *Engine) removeFiles(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
	os.RemoveAll(path + ".tmp")
}

func (e *Engine) openError(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return errors.New(e.sanitize(de.Msg))
	}
	return errors.New(e.sanitize(err.Error()))
}

// verify reads the hardening settings back and refuses a database where
// any differs from expectedSettings.
func (e *Engine) verify(ctx context.Context, db *sql.DB, name string) error {
	want := e.expectedSettings(name)
	rows, err := db.QueryContext(ctx, "SELECT name, value FROM duckdb_settings()")
	if err != nil {
		return e.openError(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var n string
		var v sql.NullString
		if err := rows.Scan(&n, &v); err != nil {
			return e.openError(err)
		}
		if _, ok := want[n]; ok {
			got[n] = v.String
		}
	}
	if err := rows.Err(); err != nil {
		return e.openError(err)
	}
	for _, n := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[n]
		if !ok {
			return fmt.Errorf("%w: DuckDB has no setting %q; refusing to open the database", ErrHardening, n)
		}
		if w := want[n]; g != w {
			return fmt.Errorf("%w: setting %s is %q, want %q; refusing to open the database", ErrHardening, n, e.sanitize(g), e.sanitize(w))
		}
	}
	return nil
}
