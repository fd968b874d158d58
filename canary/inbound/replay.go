package inbound

import (
	"sync"
	"time"
)

// defaultReplayKeys bounds the keys a replay cache remembers. At the default
// five-minute window it holds more than 200 deliveries a second.
const defaultReplayKeys = 1 << 16

// replayCache remembers the keys of accepted deliveries (a Mailgun token, a
// webhook-id) until their timestamp leaves the acceptance window; after that
// the timestamp check refuses them anyway. It holds at most max keys: when
// full, the oldest is forgotten early. Only signed deliveries are remembered,
// so filling it takes the signing key. It is safe for concurrent use.
type replayCache struct {
	mu    sync.Mutex
	max   int
	until map[string]time.Time // key → when it may be forgotten
	order []replayEntry        // in insertion order, from head
	head  int
}

type replayEntry struct {
	key   string
	until time.Time
}

func newReplayCache(max int) *replayCache {
	if max <= 0 {
		max = defaultReplayKeys
	}
	return &replayCache{max: max, until: make(map[string]time.Time)}
}

// reserve records key until the given time and reports true, or reports
// false when key is already recorded: a replay.
func (c *replayCache) reserve(key string, now, until time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked(now)
	if u, ok := c.until[key]; ok && now.Before(u) {
		return false
	}
	c.until[key] = until
	c.order = append(c.order, replayEntry{key, until})
	// Stale entries of released keys count too, so that the order stays bounded.
	for len(c.until) > c.max || len(c.order)-c.head > 2*c.max {
		c.popLocked()
	}
	return true
}

// release forgets key, so that a delivery that was not recorded can be retried.
func (c *replayCache) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.until, key)
}

// pruneLocked forgets the expired keys at the front of the order. Keys behind
// a longer-lived one wait for it; the bound on size still holds.
func (c *replayCache) pruneLocked(now time.Time) {
	for c.head < len(c.order) && !now.Before(c.order[c.head].until) {
		c.popLocked()
	}
}

func (c *replayCache) popLocked() {
	e := c.order[c.head]
	c.order[c.head] = replayEntry{}
	c.head++
	if u, ok := c.until[e.key]; ok && u.Equal(e.until) {
		delete(c.until, e.key)
	}
	if c.head > len(c.order)/2 && c.head > 64 {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
}
