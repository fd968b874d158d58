package canary

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Outbox keeps alerts durably until every sink has them (invariant 7): a Watcher
// records an alert before any sink runs, and a dispatcher works through what is due.
//
// Implementations are safe for concurrent use, including by several processes
// sharing one database. The package canarytest has a conformance test.
type Outbox interface {
	// Record stores a, durably when it returns nil. If an alert with a.ID exists,
	// a is merged into it as MergeAlert does: Count grows by a.Count unless every
	// one of a.EventIDs was already recorded (a redelivered message counts once),
	// LastSeen becomes the later time, new hits, evidence and event IDs are
	// appended within the bounds MaxAlertHits, MaxAlertEvidence and MaxAlertEventIDs. created reports
	// whether a was new. Every sink named in sinks gets a pending delivery of a
	// new, unsuppressed alert; a merge adds no delivery (sinks hear of a group once).
	Record(ctx context.Context, a Alert, sinks []string) (created bool, err error)

	// Due returns up to limit pending deliveries whose next attempt is at or
	// before now, oldest first.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)

	// Delivered marks the delivery of alert id to sink done. Marking a delivery
	// that is already done, or unknown, is not an error.
	Delivered(ctx context.Context, id uuid.UUID, sink string) error

	// Failed records a failed attempt: the attempt count, when to try next, and why.
	Failed(ctx context.Context, id uuid.UUID, sink string, next time.Time, cause string) error

	// Alert returns the alert with that ID, or an error wrapping ErrNotFound.
	Alert(ctx context.Context, id uuid.UUID) (Alert, error)

	// Alerts yields every recorded alert, suppressed ones included, oldest first.
	Alerts(ctx context.Context) iter.Seq2[Alert, error]
}

// Bounds on what one grouped alert keeps, so a flood of repeats costs bounded space.
const (
	MaxAlertHits     = 64
	MaxAlertEvidence = 16
	MaxAlertEventIDs = 256
)

// Delivery is one alert waiting for one sink.
type Delivery struct {
	Alert     Alert
	Sink      string
	Attempts  int       // failed attempts so far
	NextAt    time.Time // when it is due
	LastError string    // why the last attempt failed
}

// MergeAlert folds b into a as Outbox.Record describes, and reports whether b
// brought a new event. Hits already present (same seed and field) and
// evidence already kept are not added again. Outbox implementations share it so they merge alike.
func MergeAlert(a *Alert, b Alert) (changed bool) {
	fresh := len(b.EventIDs) == 0
	for _, id := range b.EventIDs {
		if !slices.Contains(a.EventIDs, id) {
			fresh = true
			if len(a.EventIDs) < MaxAlertEventIDs {
				a.EventIDs = append(a.EventIDs, id)
			}
		}
	}
	if !fresh {
		return false
	}
	a.Count += max(b.Count, 1)
	if b.LastSeen.After(a.LastSeen) {
		a.LastSeen = b.LastSeen
	}
	if b.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = b.FirstSeen
	}
	// A repeat adds what is new: a seed or field not hit before, an excerpt
	// not kept yet. The count says how often; the alert stays small.
	for _, h := range b.Hits {
		if len(a.Hits) >= MaxAlertHits {
			break
		}
		if !slices.ContainsFunc(a.Hits, func(x Hit) bool { return x.Seed.ID == h.Seed.ID && x.Field == h.Field }) {
			a.Hits = append(a.Hits, h)
		}
	}
	for _, e := range b.Evidence {
		if len(a.Evidence) >= MaxAlertEvidence {
			break
		}
		if !slices.Contains(a.Evidence, e) {
			a.Evidence = append(a.Evidence, e)
		}
	}
	for _, s := range b.Seeds {
		if !slices.ContainsFunc(a.Seeds, func(x Seed) bool { return x.ID == s.ID }) {
			a.Seeds = append(a.Seeds, s)
		}
	}
	return true
}

// CloneAlert returns a copy of a that shares no slice or map with it.
func CloneAlert(a Alert) Alert {
	a.Seeds = cloneSeeds(a.Seeds)
	a.Hits = slices.Clone(a.Hits)
	for i := range a.Hits {
		a.Hits[i].Seed = a.Hits[i].Seed.Clone()
		a.Hits[i].Candidates = cloneSeeds(a.Hits[i].Candidates)
	}
	a.Evidence = slices.Clone(a.Evidence)
	a.EventIDs = slices.Clone(a.EventIDs)
	a.Attribution = slices.Clone(a.Attribution)
	for i := range a.Attribution {
		a.Attribution[i].Seeds = slices.Clone(a.Attribution[i].Seeds)
		a.Attribution[i].Reasons = slices.Clone(a.Attribution[i].Reasons)
	}
	return a
}

func cloneSeeds(seeds []Seed) []Seed {
	out := slices.Clone(seeds)
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out
}

// MemoryOutbox is an Outbox in memory, for tests and for deployments that accept
// losing undelivered alerts on a crash. It is not durable.
type MemoryOutbox struct {
	mu         sync.Mutex
	alerts     map[uuid.UUID]*Alert
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
	return &MemoryOutbox{alerts: make(map[uuid.UUID]*Alert), deliveries: make(map[deliveryKey]*Delivery)}
}

// Record implements Outbox.
func (o *MemoryOutbox) Record(ctx context.Context, a Alert, sinks []string) (bool, error) {
	if a.ID == uuid.Nil {
		return false, fmt.Errorf("%w: alert has no ID", ErrInvalidInput)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if have, ok := o.alerts[a.ID]; ok {
		MergeAlert(have, CloneAlert(a))
		return false, nil
	}
	c := CloneAlert(a)
	c.Count = max(c.Count, 1)
	o.alerts[a.ID] = &c
	o.order = append(o.order, a.ID)
	if !a.Suppressed {
		for _, s := range sinks {
			k := deliveryKey{a.ID, s}
			o.deliveries[k] = &Delivery{Sink: s, NextAt: a.FirstSeen}
			o.queue = append(o.queue, k)
		}
	}
	return true, nil
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
		c.Alert = CloneAlert(*o.alerts[k.id])
		out = append(out, c)
	}
	return out, nil
}

// Delivered implements Outbox.
func (o *MemoryOutbox) Delivered(ctx context.Context, id uuid.UUID, sink string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
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
		return fmt.Errorf("%w: no pending delivery of alert %s to %q", ErrNotFound, id, sink)
	}
	d.Attempts++
	d.NextAt = next
	d.LastError = cause
	return nil
}

// Alert implements Outbox.
func (o *MemoryOutbox) Alert(ctx context.Context, id uuid.UUID) (Alert, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.alerts[id]
	if !ok {
		return Alert{}, fmt.Errorf("%w: alert %s", ErrNotFound, id)
	}
	return CloneAlert(*a), nil
}

// Alerts implements Outbox.
func (o *MemoryOutbox) Alerts(ctx context.Context) iter.Seq2[Alert, error] {
	return func(yield func(Alert, error) bool) {
		o.mu.Lock()
		snapshot := make([]Alert, len(o.order))
		for i, id := range o.order {
			snapshot[i] = CloneAlert(*o.alerts[id])
		}
		o.mu.Unlock()
		for _, a := range snapshot {
			if !yield(a, nil) {
				return
			}
		}
	}
}
