package odpsrest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/maxcompute"
	"github.com/localyun/localyun/internal/maxcompute/principal"
)

// registry keeps instances and asynchronous authorization queries in
// memory: bounded in count (Options.MaxInstances, the oldest finished
// forgotten first), in running work (MaxRunning, MaxRunningPerUser) and in
// kept result bytes (MaxKeptBytes), and forgotten Options.Retention after
// they finish. Nothing survives a restart.
type registry struct {
	opts Options

	mu        sync.Mutex
	instances map[string]*instance // key(project, id)
	order     []*instance          // creation order
	running   int
	byUser    map[string]int // principal key -> running instances
	kept      int64          // result bytes of finished instances
	auth      map[string]*authQuery
	authOrder []*authQuery
}

func newRegistry(o Options) *registry {
	return &registry{opts: o, instances: map[string]*instance{}, byUser: map[string]int{}, auth: map[string]*authQuery{}}
}

func key(project, id string) string { return strings.ToLower(project) + "/" + id }

// Task statuses (reference/maxcompute.md §4.7; clients compare them
// case-insensitively) and instance statuses.
const (
	taskWaiting   = "Waiting"
	taskRunning   = "Running"
	taskSuccess   = "Success"
	taskFailed    = "Failed"
	taskCancelled = "Cancelled"

	instanceRunning    = "Running"
	instanceTerminated = "Terminated"
)

// instance is a submitted job. Its fields after done is closed, and the
// tasks' fields, are read and written under the registry's lock.
type instance struct {
	id, project string
	// projectOwner is the project owner's UID: the owner may see every
	// instance of its project.
	projectOwner string
	caller       *iam.Identity
	who          string // the creator's canonical principal
	priority     int
	start, end   time.Time
	tasks        []*task
	status       string
	bytes        int64
	done         chan struct{}
	cancel       context.CancelFunc
	terminated   bool // stopped by PUT
}

// task is one SQL task of an instance.
type task struct {
	name     string
	typ      string // the element name: SQL
	query    string
	settings map[string]string
	status   string
	start    time.Time
	end      time.Time
	result   string
	format   string // csv for rows, text otherwise
}

// add registers a new instance, refusing it (409, Retry-After) when too
// many are running, and forgetting expired and, if full, the oldest
// finished ones.
func (g *registry) add(inst *instance, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(now, 1)
	userKey := principal.Key(inst.who)
	switch {
	case g.running >= g.opts.MaxRunning:
		return busy(fmt.Sprintf("%d instances are running on this server, the limit", g.running))
	case g.byUser[userKey] >= g.opts.MaxRunningPerUser:
		return busy(fmt.Sprintf("you have %d instances running, the limit per user", g.byUser[userKey]))
	case len(g.instances) >= g.opts.MaxInstances:
		return busy(fmt.Sprintf("%d instances are kept, the limit, and all are running", len(g.instances)))
	}
	g.instances[key(inst.project, inst.id)] = inst
	g.order = append(g.order, inst)
	g.running++
	g.byUser[userKey]++
	return nil
}

func busy(why string) *Error {
	return &Error{Status: 409, Code: codeConflict, RetryAfter: 1, Message: "Too many instances: " + why + "; try again shortly."}
}

// pruneLocked forgets instances and queries that finished more than the
// retention ago, then the oldest finished instances while the registry,
// with room more, would be over its count limit, or is over its bytes
// limit.
func (g *registry) pruneLocked(now time.Time, room int) {
	cutoff := now.Add(-g.opts.Retention)
	keep := g.order[:0]
	for _, inst := range g.order {
		if inst.status == instanceTerminated && inst.end.Before(cutoff) {
			g.forgetLocked(inst)
			continue
		}
		keep = append(keep, inst)
	}
	clear(g.order[len(keep):])
	g.order = keep
	for len(g.instances)+room > g.opts.MaxInstances || g.kept > g.opts.MaxKeptBytes {
		i := slices.IndexFunc(g.order, func(x *instance) bool { return x.status == instanceTerminated })
		if i < 0 {
			break
		}
		g.forgetLocked(g.order[i])
		g.order = slices.Delete(g.order, i, i+1)
	}
	keepQ := g.authOrder[:0]
	for _, q := range g.authOrder {
		if q.finished && q.end.Before(cutoff) || len(g.auth) > g.opts.MaxInstances && q.finished {
			delete(g.auth, key(q.project, q.id))
			continue
		}
		keepQ = append(keepQ, q)
	}
	clear(g.authOrder[len(keepQ):])
	g.authOrder = keepQ
}

func (g *registry) forgetLocked(inst *instance) {
	delete(g.instances, key(inst.project, inst.id))
	g.kept -= inst.bytes
}

// get finds an instance the caller may see: its creator, or the project
// owner. Others, like ids that never existed or were forgotten, get nil.
func (g *registry) get(project, id string, caller *iam.Identity, now time.Time) *instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	inst := g.instances[key(project, id)]
	if inst == nil || inst.status == instanceTerminated && inst.end.Before(now.Add(-g.opts.Retention)) {
		return nil
	}
	if !canSee(inst, caller) {
		return nil
	}
	return inst
}

// list returns the instances of a project the caller may see, oldest
// first.
func (g *registry) list(project string, caller *iam.Identity, now time.Time) []*instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(now, 0)
	var out []*instance
	for _, inst := range g.order {
		if strings.EqualFold(inst.project, project) && canSee(inst, caller) {
			out = append(out, inst)
		}
	}
	return out
}

func canSee(inst *instance, caller *iam.Identity) bool {
	if caller.Kind == iam.Root && caller.Account == inst.projectOwner {
		return true
	}
	who, err := maxcompute.PrincipalOf(caller)
	return err == nil && principal.Key(who) == principal.Key(inst.who)
}

// snapshot copies an instance's state for a response.
func (g *registry) snapshot(inst *instance) instanceView {
	g.mu.Lock()
	defer g.mu.Unlock()
	v := instanceView{id: inst.id, who: inst.who, status: inst.status, start: inst.start, end: inst.end}
	for _, t := range inst.tasks {
		v.tasks = append(v.tasks, *t)
	}
	return v
}

// instanceView is a copy of an instance's state.
type instanceView struct {
	id, who, status string
	start, end      time.Time
	tasks           []task
}

// setTask updates a task under the lock.
func (g *registry) setTask(t *task, fn func(*task)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fn(t)
}

// finish marks an instance terminated, frees its running slot and counts
// its result bytes.
func (g *registry) finish(inst *instance, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	inst.status = instanceTerminated
	inst.end = now
	for _, t := range inst.tasks {
		if t.status == taskWaiting || t.status == taskRunning {
			t.status = taskCancelled
			if t.end.IsZero() {
				t.end = now
			}
		}
		inst.bytes += int64(len(t.result))
	}
	g.kept += inst.bytes
	g.running--
	userKey := principal.Key(inst.who)
	if g.byUser[userKey]--; g.byUser[userKey] <= 0 {
		delete(g.byUser, userKey)
	}
	close(inst.done)
	g.pruneLocked(now, 0)
}

// terminate asks a running instance to stop (PUT Status=Terminated).
func (g *registry) terminate(inst *instance) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if inst.status == instanceRunning {
		inst.terminated = true
		inst.cancel()
	}
}

func (g *registry) wasTerminated(inst *instance) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return inst.terminated
}

// authQuery is an authorization statement answered asynchronously.
type authQuery struct {
	id, project string
	caller      *iam.Identity
	done        chan struct{}
	// Set before done is closed.
	finished bool
	result   string
	err      error
	end      time.Time
}

func (g *registry) newAuthQuery(id string, c *call) *authQuery {
	q := &authQuery{id: id, project: c.params["p"], caller: c.caller, done: make(chan struct{})}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(c.now, 0)
	g.auth[key(q.project, q.id)] = q
	g.authOrder = append(g.authOrder, q)
	return q
}

func (g *registry) finishAuthQuery(q *authQuery, result string, err error, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	q.result, q.err, q.end, q.finished = result, err, now, true
	close(q.done)
}

// forgetAuthQuery drops a query answered synchronously.
func (g *registry) forgetAuthQuery(q *authQuery) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.auth, key(q.project, q.id))
	if i := slices.Index(g.authOrder, q); i >= 0 {
		g.authOrder = slices.Delete(g.authOrder, i, i+1)
	}
}

func (g *registry) authQuery(project, id string, now time.Time) *authQuery {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.auth[key(project, id)]
	if q == nil || q.finished && q.end.Before(now.Add(-g.opts.Retention)) {
		return nil
	}
	return q
}

// samePrincipal reports whether two callers are the same project
// principal (STS sessions of one role are one principal).
func samePrincipal(a, b *iam.Identity) bool {
	pa, err1 := maxcompute.PrincipalOf(a)
	pb, err2 := maxcompute.PrincipalOf(b)
	return err1 == nil && err2 == nil && principal.Key(pa) == principal.Key(pb)
}
