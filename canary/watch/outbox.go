package watch

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// Outbox keeps alerts durably until every sink has them (invariant 7): a Watcher
// records an alert before any sink runs, and a dispatcher works through what is due.
//
// An Outbox stores and returns; it holds no grouping policy. Repeats of an
// alert are folded by this package ([Record]) with Record and Update.
// Implementations are safe for concurrent use, including by several processes
// sharing one database. The package canarytest has a conformance test.
//
// Record, Update and RecordFold (Folder) copy what they store: they neither
// write to the alert they are given nor keep it, or any slice or map it
// holds, once they return. A Watcher builds its next alert in the same
// memory, and the seeds in it may share their Fields maps with the registry
// (canary.Matcher.MatchFunc).
type Outbox interface {
	// Record stores a new alert (Count at least 1), durably when it returns nil,
	// with a pending delivery, due at a.FirstSeen, for every sink in sinks
	// (for a suppressed alert the Watcher names only the sinks that asked
	// for those); it returns a copy of what it stored and true. If an
	// alert with a.ID is already stored, Record stores nothing and returns that
	// alert and false. An alert without ID is refused with an error wrapping
	// canary.ErrInvalidInput.
	Record(ctx context.Context, a canary.Alert, sinks []string) (stored canary.Alert, created bool, err error)

	// Update replaces the stored alert with ID a.ID by a, if the stored alert's
	// Count is still ifCount, and reports whether it did. Count is the alert's
	// revision: every fold of a repeat raises it, so a false says another
	// writer folded meanwhile. An unknown ID gives an error wrapping
	// canary.ErrNotFound.
	//
	// With sinks, the update is enqueued again in the same step: every sink in sinks gets a pending delivery due at a.LastSeen,
	// so that an update is never lost to a crash between the fold and its
	// delivery. A delivery still pending keeps its attempts and next attempt,
	// and carries the alert as stored when it goes. Without sinks, Update adds
	// no delivery.
	Update(ctx context.Context, a canary.Alert, ifCount int, sinks []string) (bool, error)

	// Due returns up to limit pending deliveries whose next attempt is at or
	// before now, oldest first, each with the alert as stored now.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)

	// Delivered marks the delivery of alert id to sink done, the alert having
	// been sent at revision (its Revision as Due returned it). If the alert
	// was enqueued again meanwhile (its stored Revision is higher), the
	// delivery stays pending for the newer revision. Marking a delivery that is
	// already done, or unknown, is not an error.
	Delivered(ctx context.Context, id uuid.UUID, sink string, revision int) error

	// Failed records a failed attempt: the attempt count, when to try next, and
	// why. An unknown or finished delivery gives an error wrapping canary.ErrNotFound.
	Failed(ctx context.Context, id uuid.UUID, sink string, next time.Time, cause string) error

	// Alert returns the alert with that ID, or an error wrapping canary.ErrNotFound.
	Alert(ctx context.Context, id uuid.UUID) (canary.Alert, error)

	// Alerts yields every recorded alert, suppressed ones included, oldest first.
	Alerts(ctx context.Context) iter.Seq2[canary.Alert, error]
}

// Folder is an Outbox that records a repeat in one step: when an alert
// with a.ID is stored, RecordFold calls fold with it and stores what fold
// returns, with an update enqueued for the sinks it names, in the same
// write (and transaction) as the attempt to record a; Record then Update
// take two. fold must be a pure function of the stored alert: a write
// that is retried calls it again. Record uses it when the Outbox has it.
type Folder interface {
	// RecordFold is Record, and, when an alert with a.ID is stored, fold's
	// alert replaces it where fold returns ok, with a pending delivery for
	// every sink in requeue due at its LastSeen (Update's). stored is what
	// is stored when it returns; folded reports whether fold's alert was.
	RecordFold(ctx context.Context, a canary.Alert, sinks []string,
		fold func(stored canary.Alert) (next canary.Alert, requeue []string, ok bool)) (stored canary.Alert, created, folded bool, err error)
}

// Delivery is one alert waiting for one sink.
type Delivery struct {
	Alert     canary.Alert
	Sink      string
	Attempts  int       // failed attempts so far
	NextAt    time.Time // when it is due
	LastError string    // why the last attempt failed
}

// MemoryOutbox is an Outbox in memory, for tests and for deployments that accept
// losing undelivered alerts on a crash. It is not durable.
type MemoryOutbox struct {
	mu         sync.Mutex
	alerts     map[uuid.UUID]*canary.Alert
	order      []uuid.UUID
	deliveries map[deliveryKey]*Delivery
	queue      []deliveryKey // in the order created
}

type deliveryKey struct {
	id   uuid.UUID
	sink string
}

var _ Outbox = (*MemoryOutbox)(nil)

// NewMemoryOutbox returns an empty in-memory outbox.
func NewMemoryOutbox() *MemoryOutbox {
	return &MemoryOutbox{alerts: make(map[uuid.UUID]*canary.Alert), deliveries: make(map[deliveryKey]*Delivery)}
}

// Record implements Outbox.
func (o *MemoryOutbox) Record(ctx context.Context, a canary.Alert, sinks []string) (canary.Alert, bool, error) {
	if a.ID == uuid.Nil {
		return canary.Alert{}, false, fmt.Errorf("watch: %w: alert has no ID", canary.ErrInvalidInput)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if have, ok := o.alerts[a.ID]; ok {
		return have.Clone(), false, nil
	}
	c := a.Clone()
	c.Count = max(c.Count, 1)
	o.alerts[a.ID] = &c
	o.order = append(o.order, a.ID)
	o.enqueue(a.ID, sinks, a.FirstSeen)
	return c.Clone(), true, nil
}

// Update implements Outbox.
func (o *MemoryOutbox) Update(ctx context.Context, a canary.Alert, ifCount int, sinks []string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	have, ok := o.alerts[a.ID]
	if !ok {
		return false, fmt.Errorf("watch: %w: alert %s", canary.ErrNotFound, a.ID)
	}
	if have.Count != ifCount {
		return false, nil
	}
	*have = a.Clone()
	o.enqueue(a.ID, sinks, a.LastSeen)
	return true, nil
}

// enqueue adds a delivery of alert id, due at at, for every sink in sinks
// that has none pending. The caller holds o.mu.
func (o *MemoryOutbox) enqueue(id uuid.UUID, sinks []string, at time.Time) {
	for _, s := range sinks {
		k := deliveryKey{id, s}
		if _, ok := o.deliveries[k]; ok {
			continue
		}
		o.deliveries[k] = &Delivery{Sink: s, NextAt: at}
		o.queue = append(o.queue, k)
	}
}

// Due implements Outbox.
func (o *MemoryOutbox) Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Delivery
	for _, k := range o.queue {
		if len(out) >= limit {
			break
		}
		d := o.deliveries[k]
		if d == nil || d.NextAt.After(now) {
			continue
		}
		c := *d
		c.Alert = o.alerts[k.id].Clone()
		out = append(out, c)
	}
	return out, nil
}

// Delivered implements Outbox.
func (o *MemoryOutbox) Delivered(ctx context.Context, id uuid.UUID, sink string, revision int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if a, ok := o.alerts[id]; ok && a.Revision > revision {
		return nil // enqueued again meanwhile: the newer revision is still to go
	}
	k := deliveryKey{id, sink}
	if _, ok := o.deliveries[k]; ok {
		delete(o.deliveries, k)
		o.queue = slices.DeleteFunc(o.queue, func(q deliveryKey) bool { return q == k })
	}
	return nil
}

// Failed implements Outbox.
func (o *MemoryOutbox) Failed(ctx context.Context, id uuid.UUID, sink string, next time.Time, cause string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	d, ok := o.deliveries[deliveryKey{id, sink}]
	if !ok {
		return fmt.Errorf("watch: %w: no pending delivery of alert %s to %q", canary.ErrNotFound, id, sink)
	}
	d.Attempts++
	d.NextAt = next
	d.LastError = cause
	return nil
}

// Alert implements Outbox.
func (o *MemoryOutbox) Alert(ctx context.Context, id uuid.UUID) (canary.Alert, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.alerts[id]
	if !ok {
		return canary.Alert{}, fmt.Errorf("watch: %w: alert %s", canary.ErrNotFound, id)
	}
	return a.Clone(), nil
}

// Alerts implements Outbox.
func (o *MemoryOutbox) Alerts(ctx context.Context) iter.Seq2[canary.Alert, error] {
	return func(yield func(canary.Alert, error) bool) {
		o.mu.Lock()
		snapshot := make([]canary.Alert, len(o.order))
		for i, id := range o.order {
			snapshot[i] = o.alerts[id].Clone()
		}
		o.mu.Unlock()
		for _, a := range snapshot {
			if !yield(a, nil) {
				return
			}
		}
	}
}
