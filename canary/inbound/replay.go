package inbound

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// ReplayStore remembers the deliveries a webhook handler accepted (by a
// Mailgun token, a Standard Webhooks webhook-id, a Twilio MessageSid or
// CallSid), so that each is accepted once. Give every handler of every
// receiver process the same store, one that outlives the process
// (sqlstore's Store.Replay), and a replay is refused across restarts and
// receivers; without one, each handler keeps its own in memory.
//
// Implementations must be safe for concurrent use, and Claim atomic: of
// claims of one key racing, in one process or several, exactly one wins.
// Keys are at most a few hundred bytes of text chosen by the provider; an
// implementation that persists them should blind them (sqlstore keeps an
// HMAC).
type ReplayStore interface {
	// Claim records key as seen until the given time and reports true, or
	// reports false if it is already recorded until after now: a replay. An
	// error means neither; the handler answers 503, so the provider retries.
	Claim(ctx context.Context, key string, now, until time.Time) (bool, error)
	// Release forgets key, claimed by a delivery that was then not recorded,
	// so that the provider's retry is not taken for a replay.
	Release(ctx context.Context, key string) error
}

// NewMemoryReplayStore returns a ReplayStore in this process's memory that
// holds at most max keys (default 65536; when full, the oldest is forgotten
// early). It forgets everything when the process ends.
func NewMemoryReplayStore(max int) ReplayStore { return memoryReplay{newReplayCache(max)} }

// memoryReplay is a replayCache as a ReplayStore.
type memoryReplay struct{ c *replayCache }

func (m memoryReplay) Claim(_ context.Context, key string, now, until time.Time) (bool, error) {
	return m.c.reserve(key, now, until), nil
}

func (m memoryReplay) Release(_ context.Context, key string) error {
	m.c.release(key)
	return nil
}

// Retention of accepted delivery keys: at least each provider's retry
// horizon, since a retry of a delivery that was recorded (its reply lost)
// repeats its key and must not become a second event.
const (
	// Mailgun retries a route post for 8 hours; each post has its own token,
	// and its timestamp is refused after the replay window anyway.
	mailgunRetention = 8 * time.Hour
	// Standard Webhooks senders retry with the same webhook-id on a schedule
	// that the specification's example spreads over about 28 hours (Svix:
	// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); three days covers it.
	webhookRetention = 72 * time.Hour
	// Twilio retries on its own only when the URL asks for it (#rc=, within
	// minutes), but its signature holds no time: a captured request can be
	// replayed at any later date. Its SIDs are kept for 30 days.
	twilioRetention = 30 * 24 * time.Hour
)

// claimer is how a handler uses its ReplayStore: keys are prefixed with the
// endpoint's name, so that one store serves every handler.
type claimer struct {
	store ReplayStore
	scope string
	log   *slog.Logger
}

// newClaimer returns the claimer of a handler whose options are set.
func newClaimer(o *Options, scope string, cacheSize int) claimer {
	st := o.Replay
	if st == nil {
		st = NewMemoryReplayStore(cacheSize)
	}
	return claimer{store: st, scope: scope, log: o.Logger}
}

// claim claims id until the given time. It returns the undo that releases
// it, or a refusal: 403 for a replay, 503 when the store failed.
func (c claimer) claim(ctx context.Context, id string, now, until time.Time) (func(), error) {
	key := c.scope + "\x00" + id
	ok, err := c.store.Claim(ctx, key, now, until)
	switch {
	case err != nil:
		return nil, refuse(http.StatusServiceUnavailable, "replay store: %v", err)
	case !ok:
		return nil, refuse(http.StatusForbidden, "%s delivery replayed", c.scope)
	}
	return func() {
		// The request's context may be done by now; the release must still happen.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := c.store.Release(ctx, key); err != nil {
			c.log.Error("inbound: replay store: a delivery not recorded stays claimed; its retry will be refused",
				"endpoint", c.scope, "err", err)
		}
	}, nil
}

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
