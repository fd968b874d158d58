package inbound

import (
	"context"
	"sync"
	"time"
)

// probeLimits are the settings of the probe brake, from SMTPConfig.
type probeLimits struct {
	free            int           // unknown recipients a connection names before replies slow down
	perConn         int           // unknown recipients after which a connection is closed
	perClient       int           // unknown recipients a client may name within window
	window          time.Duration // of perClient
	delay, maxDelay time.Duration // the first delay, and the longest
}

// maxTrackedClients bounds the clients the probe brake remembers.
const maxTrackedClients = 1 << 16

// probeBrake slows down and then stops clients that name unknown recipients,
// so that the server answers "is this address a seed?" no faster than mail
// to it would. Every reply of a suspect connection is delayed the same,
// whatever its answer, and decided before the lookup, so that the delay
// itself says nothing. It is safe for concurrent use.
type probeBrake struct {
	limits probeLimits
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error

	mu      sync.Mutex
	clients map[string]*probeWindow
}

// probeWindow counts one client's unknown recipients in a fixed window.
type probeWindow struct {
	start   time.Time
	unknown int
}

func newProbeBrake(l probeLimits, now func() time.Time, sleep func(context.Context, time.Duration) error) *probeBrake {
	if sleep == nil {
		sleep = sleepCtx
	}
	return &probeBrake{limits: l, now: now, sleep: sleep, clients: make(map[string]*probeWindow)}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errProbing sends a suspect client away; it is a 421, so a real sender
// retries later.
var errProbing = smtpErr(421, 4, 7, 0, "Too many unknown recipients, try again later")

// before runs ahead of each RCPT lookup on connection c: it returns nil to
// go on, after a delay once c has named more than free unknown recipients,
// or errProbing (after the longest delay) once c or its client is past its
// limit, with c set to close after the reply.
func (b *probeBrake) before(ctx context.Context, c *smtpConn) error {
	if c == nil {
		return nil
	}
	l := b.limits
	n := c.unknownCount()
	if (l.perConn > 0 && n >= l.perConn) || b.overBudget(c.client) {
		b.sleep(ctx, l.maxDelay)
		c.closeAfterReply()
		return errProbing
	}
	if l.free < 0 || n <= l.free {
		return nil
	}
	d := l.delay
	for i := l.free + 1; i < n && d < l.maxDelay; i++ {
		d *= 2
	}
	if err := b.sleep(ctx, min(d, l.maxDelay)); err != nil {
		return errShuttingDown
	}
	return nil
}

// unknown counts an unknown recipient named on c.
func (b *probeBrake) unknown(c *smtpConn) {
	if c == nil {
		return
	}
	c.addUnknown()
	if b.limits.perClient <= 0 {
		return
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.clients[c.client]
	if w == nil || now.Sub(w.start) >= b.limits.window || now.Before(w.start) {
		if w == nil && len(b.clients) >= maxTrackedClients {
			b.pruneLocked(now)
		}
		w = &probeWindow{start: now}
		b.clients[c.client] = w
	}
	w.unknown++
}

// overBudget reports whether client has named its share of unknown
// recipients in the current window.
func (b *probeBrake) overBudget(client string) bool {
	if b.limits.perClient <= 0 {
		return false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.clients[client]
	return w != nil && now.Sub(w.start) < b.limits.window && w.unknown >= b.limits.perClient
}

// pruneLocked forgets the clients whose window has ended and, if that frees
// nothing, the first ones the map yields: the bound holds under a flood of
// addresses, at the cost of forgetting some.
func (b *probeBrake) pruneLocked(now time.Time) {
	for k, w := range b.clients {
		if now.Sub(w.start) >= b.limits.window {
			delete(b.clients, k)
		}
	}
	for k := range b.clients {
		if len(b.clients) < maxTrackedClients {
			break
		}
		delete(b.clients, k)
	}
}
