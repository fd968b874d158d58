package sink

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// defaultRecentIDs is how many sent alert IDs a sink remembers by default.
const defaultRecentIDs = 4096

// dedup delivers each alert ID once among the last few it has delivered: a
// retried Send of an alert that did arrive (the dispatcher crashed or failed to
// record the success) becomes a no-op, and two concurrent Sends of one alert
// reach the target once. It holds only IDs, never alerts.
//
// It covers one process's lifetime. Across restarts, targets dedupe on the ID
// themselves (webhook-id, event.id), and OpenJSONLines reloads the IDs at the
// end of its file.
type dedup struct {
	sink string // for error messages
	max  int    // 0: remember nothing

	mu   sync.Mutex
	ids  map[uuid.UUID]struct{}
	ring []uuid.UUID // remembered IDs in the order sent; the oldest is overwritten first
	next int
	busy map[uuid.UUID]chan struct{} // closed when the send in flight returns
}

// newDedup remembers n IDs: 0 means defaultRecentIDs, negative means none.
func newDedup(sink string, n int) *dedup {
	switch {
	case n == 0:
		n = defaultRecentIDs
	case n < 0:
		n = 0
	}
	return &dedup{sink: sink, max: n, ids: make(map[uuid.UUID]struct{}), busy: make(map[uuid.UUID]chan struct{})}
}

// send calls deliver unless id was delivered lately. While one send of id is
// in flight, another waits for it and then returns nil if it succeeded, or
// tries itself if it failed. deliver runs outside the lock.
func (d *dedup) send(ctx context.Context, id uuid.UUID, deliver func() error) error {
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sink: %s: %w", d.sink, err)
		}
		if d.max == 0 {
			return deliver()
		}
		d.mu.Lock()
		if _, ok := d.ids[id]; ok {
			d.mu.Unlock()
			return nil
		}
		wait, busy := d.busy[id]
		if !busy {
			done := make(chan struct{})
			d.busy[id] = done
			d.mu.Unlock()
			return d.deliver(id, done, deliver)
		}
		d.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
		}
	}
}

func (d *dedup) deliver(id uuid.UUID, done chan struct{}, deliver func() error) error {
	delivered := false // stays false if deliver panics
	defer func() {
		d.mu.Lock()
		delete(d.busy, id)
		if delivered {
			d.addLocked(id)
		}
		d.mu.Unlock()
		close(done)
	}()
	err := deliver()
	delivered = err == nil
	return err
}

// add remembers id as delivered.
func (d *dedup) add(id uuid.UUID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addLocked(id)
}

func (d *dedup) addLocked(id uuid.UUID) {
	if d.max == 0 {
		return
	}
	if _, ok := d.ids[id]; ok {
		return
	}
	if len(d.ring) < d.max {
		d.ring = append(d.ring, id)
	} else {
		delete(d.ids, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % d.max
	}
	d.ids[id] = struct{}{}
}

// MessageID names one message a sink sends of a: the alert ID for its first
// revision, and for each update (Alert.Revision > 0) an ID derived from the
// alert ID and the revision. Receivers dedupe on it (webhook-id, the JSON-lines
// sink's memory), so a retried message is dropped while an update, a new
// message of the same alert, is not; the document carries the alert ID.
func MessageID(a canary.Alert) uuid.UUID {
	return messageID(a.ID, a.Revision)
}

func messageID(id uuid.UUID, revision int) uuid.UUID {
	if revision <= 0 {
		return id
	}
	return uuid.NewSHA1(id, []byte("revision "+strconv.Itoa(revision)))
}
