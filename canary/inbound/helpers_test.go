package inbound

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// recorder is an EventHandler that keeps what it is given, or fails while
// failing is set, as a store that is down would.
type recorder struct {
	mu      sync.Mutex
	events  []canary.Event
	failing bool
}

var errStoreDown = errors.New("store down")

func (r *recorder) HandleEvent(_ context.Context, ev canary.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing {
		return errStoreDown
	}
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) setFailing(f bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = f
}

func (r *recorder) all() []canary.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]canary.Event(nil), r.events...)
}

// take returns the events recorded so far and forgets them.
func (r *recorder) take() []canary.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

// only returns the one event recorded, failing the test otherwise.
func (r *recorder) only(t *testing.T) canary.Event {
	t.Helper()
	evs := r.all()
	require.Len(t, evs, 1)
	return evs[0]
}

// seeds returns n test seeds in a fresh registry.
func seeds(t testing.TB, n int) (*canary.MemoryRegistry, []canary.Seed) {
	t.Helper()
	reg := canary.NewMemoryRegistry()
	list := make([]canary.Seed, n)
	for i := range list {
		list[i] = canarytest.Seed(i, "crm/eu")
	}
	require.NoError(t, reg.Add(context.Background(), list...))
	return reg, list
}

// fixedClock is a settable clock for replay windows and arrival times.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *fixedClock { return &fixedClock{now: t} }

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// assertBounded checks what every receiver promises of an event: valid UTF-8
// everywhere, fields and header within their bounds.
func assertBounded(t testing.TB, ev canary.Event, maxBody, maxHeaderBytes, maxHeaderFields int) {
	t.Helper()
	for name, s := range map[string]string{"From": ev.From, "To": ev.To, "Subject": ev.Subject, "ID": ev.ID, "Remote": ev.Remote, "Source": ev.Source} {
		assert.True(t, utf8.ValidString(s), "%s is not valid UTF-8", name)
		assert.LessOrEqual(t, len(s), maxFieldBytes, "%s too long", name)
		assert.NotContains(t, s, "\n", "%s spans lines", name)
	}
	assert.True(t, utf8.ValidString(ev.Body), "Body is not valid UTF-8")
	assert.LessOrEqual(t, len(ev.Body), maxBody, "Body too long")
	size, fields := 0, 0
	for k, vs := range ev.Header {
		assert.True(t, utf8.ValidString(k), "header key %q", k)
		if k == NoteHeader || k == "Return-Path" {
			assert.LessOrEqual(t, len(vs), maxNotes)
			continue
		}
		for _, v := range vs {
			assert.True(t, utf8.ValidString(v), "header %s is not valid UTF-8", k)
			size += len(k) + len(v)
			fields++
		}
	}
	assert.LessOrEqual(t, size, maxHeaderBytes, "header too large")
	assert.LessOrEqual(t, fields, maxHeaderFields, "too many header fields")
	assert.LessOrEqual(t, len(ev.Envelope), max(maxEnvelope, defaultMaxRecipients))
	for _, e := range ev.Envelope {
		assert.True(t, utf8.ValidString(e))
	}
}

// hasNote reports whether ev carries a note containing substr.
func hasNote(ev canary.Event, substr string) bool {
	for _, n := range ev.Header[NoteHeader] {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}
