package maxcompute

import (
	"strings"
	"sync"

	"github.com/localyun/localyun/internal/maxcompute/catalog"
	"github.com/localyun/localyun/internal/maxcompute/security"
	"github.com/localyun/localyun/internal/store"
)

// cache keeps each project's record, compiled security model and table
// metadata in memory, so that a statement touches neither the store nor
// the catalog before the engine runs it. One server owns its data
// directory, and every write goes through this service, which calls
// invalidate after the write: a generation counter per project makes sure
// that a value read before a write is never stored after it.
type cache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry // lower-cased project name
}

type cacheEntry struct {
	gen     uint64
	project *store.Project
	snap    *security.Snapshot
	tables  map[string]*catalog.Table // lower-cased table name; a nil value: no such table
}

func newCache() *cache { return &cache{entries: map[string]*cacheEntry{}} }

func (c *cache) entry(project string) *cacheEntry {
	key := strings.ToLower(project)
	e := c.entries[key]
	if e == nil {
		e = &cacheEntry{tables: map[string]*catalog.Table{}}
		c.entries[key] = e
	}
	return e
}

// generation is read before loading a value from storage.
func (c *cache) generation(project string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entry(project).gen
}

// invalidate forgets everything cached of a project. Call it after every
// write to the project's record, failed writes included (invalidateCatalog
// after a write to its catalog only).
func (c *cache) invalidate(project string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(project)
	e.gen++
	e.project, e.snap = nil, nil
	e.tables = map[string]*catalog.Table{}
}

// invalidateCatalog forgets a project's table metadata after a write to
// its catalog (CREATE, DROP, ALTER, INSERT): the project record and its
// compiled security model stay, as no catalog write changes them.
func (c *cache) invalidateCatalog(project string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(project)
	e.gen++
	e.tables = map[string]*catalog.Table{}
}

func (c *cache) project(name string) (*store.Project, *security.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(name)
	return e.project, e.snap
}

func (c *cache) putProject(name string, gen uint64, p store.Project, snap *security.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(name); e.gen == gen {
		e.project, e.snap = &p, snap
	}
}

// table returns a cached table and whether the lookup is cached (a nil
// table then means there is no such table).
func (c *cache) table(project, name string) (*catalog.Table, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.entry(project).tables[strings.ToLower(name)]
	return t, ok
}

func (c *cache) putTable(project string, gen uint64, name string, t *catalog.Table) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(project); e.gen == gen {
		e.tables[strings.ToLower(name)] = t
	}
}
