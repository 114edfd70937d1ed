package gateway

import (
	"sync"
	"time"

	"github.com/localyun/localyun/internal/apierr"
)

// ReplayGuard remembers the nonces of verified requests until their
// timestamps leave the signature window, so that no signed request can be
// played twice. Each AccessKey may hold at most Cap nonces at once: a key
// at the cap is refused with Throttling until old nonces expire. Nothing is
// ever evicted early, because an evicted nonce could be replayed.
type ReplayGuard struct {
	window time.Duration
	cap    int

	mu   sync.Mutex
	keys map[string]*nonceSet
}

type nonceSet struct {
	seen map[string]time.Time // nonce -> forget after
	// queue holds the nonces in arrival order; forget times grow with
	// arrival closely enough (timestamps within the window) that the
	// front is pruned first, and anything out of order waits for its turn.
	queue []nonceEntry
	head  int // queue[:head] is already pruned
}

type nonceEntry struct {
	nonce  string
	forget time.Time
}

// NewReplayGuard makes a guard for a signature window and a per-key cap.
func NewReplayGuard(window time.Duration, capPerKey int) *ReplayGuard {
	return &ReplayGuard{window: window, cap: capPerKey, keys: map[string]*nonceSet{}}
}

// Check records the nonce of a verified request signed at ts, received at
// now, and refuses one that was seen before (SignatureNonceUsed) or a key
// at its cap (Throttling).
func (g *ReplayGuard) Check(accessKeyID, nonce string, ts, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	set := g.keys[accessKeyID]
	if set == nil {
		set = &nonceSet{seen: map[string]time.Time{}}
		g.keys[accessKeyID] = set
	}
	set.prune(now)
	if _, used := set.seen[nonce]; used {
		return apierr.New(400, "SignatureNonceUsed", "Specified signature nonce was used already.").
			WithRecommend("every request needs a fresh SignatureNonce (x-acs-signature-nonce), retries included")
	}
	if len(set.seen) >= g.cap {
		return apierr.New(400, "Throttling", "Request was denied due to request throttling.").
			WithRecommend("AccessKey %s sent more than %d requests within the %s signature window; slow down or use more AccessKeys", accessKeyID, g.cap, g.window)
	}
	forget := ts.Add(g.window)
	set.seen[nonce] = forget
	set.queue = append(set.queue, nonceEntry{nonce, forget})
	return nil
}

// Restore records a nonce known from before a restart (from the audit
// trail), ignoring the cap.
func (g *ReplayGuard) Restore(accessKeyID, nonce string, ts time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	set := g.keys[accessKeyID]
	if set == nil {
		set = &nonceSet{seen: map[string]time.Time{}}
		g.keys[accessKeyID] = set
	}
	forget := ts.Add(g.window)
	set.seen[nonce] = forget
	set.queue = append(set.queue, nonceEntry{nonce, forget})
}

// prune forgets nonces whose timestamps have left the window. The queue
// is compacted only when most of it is spent, so pruning costs O(1)
// amortized per nonce.
func (s *nonceSet) prune(now time.Time) {
	for s.head < len(s.queue) && now.After(s.queue[s.head].forget) {
		e := s.queue[s.head]
		if s.seen[e.nonce] == e.forget {
			delete(s.seen, e.nonce)
		}
		s.queue[s.head] = nonceEntry{}
		s.head++
	}
	if s.head > 1024 && s.head > len(s.queue)/2 {
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
}

// Sweep forgets expired nonces of every key and drops empty sets; the
// server calls it periodically so idle keys do not keep memory.
func (g *ReplayGuard) Sweep(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, set := range g.keys {
		// An out-of-order entry may sit behind a later one; a full pass
		// here catches what prune's front-only walk leaves.
		for n, forget := range set.seen {
			if now.After(forget) {
				delete(set.seen, n)
			}
		}
		if len(set.seen) == 0 {
			delete(g.keys, id)
			continue
		}
		set.prune(now)
	}
}
