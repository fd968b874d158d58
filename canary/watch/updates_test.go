package watch_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// sendLog keeps every document a sink was sent, in order, as a receiver
// that logs each message would.
type sendLog struct {
	mu   sync.Mutex
	sent []canary.Alert
}

func (s *sendLog) Send(_ context.Context, a canary.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, a.Clone())
	return nil
}

func (s *sendLog) all() []canary.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]canary.Alert(nil), s.sent...)
}

func (s *sendLog) counts() []int {
	var out []int
	for _, a := range s.all() {
		out = append(out, a.Count)
	}
	return out
}

// TestRepeatStormReachesSinkAsUpdates drives a storm of repeats of one mail
// through a Watcher with the SQLite outbox, restarting the store while an
// update is still undelivered, and checks what reaches the sink: the alert at
// 1, 10 and 100 events, then the hourly update, always under one alert ID.
func TestRepeatStormReachesSinkAsUpdates(t *testing.T) {
	ctx := context.Background()
	m, seeds := matchFixture(t)
	dir := t.TempDir()
	opts := sqlstore.Options{Path: filepath.Join(dir, "registry.db"), KeyFile: filepath.Join(dir, "registry.key")}
	clock := &fakeClock{t: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	log := &sendLog{}
	start := func() (*watch.Watcher, *sqlstore.Store) {
		store, err := sqlstore.Open(ctx, opts)
		require.NoError(t, err)
		w, err := watch.New(watch.Config{
			Matcher:     m,
			Outbox:      store,
			Sinks:       map[string]canary.Sink{"soc": log},
			GroupWindow: 24 * time.Hour, // one alert for the whole storm
			Now:         clock.Now,
			Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		require.NoError(t, err)
		return w, store
	}
	n := 0
	repeat := func(w *watch.Watcher) {
		n++
		require.NoError(t, w.HandleEvent(ctx, canary.Event{
			Channel: canary.ChannelEmail, Source: "smtp", From: "refunds@scam.example", To: seeds[1].Email,
			Subject: "Your refund", Body: "ticket " + seeds[1].Ticket, At: clock.Now(), ID: fmt.Sprintf("<storm-%d@scam.example>", n),
		}))
		clock.Advance(time.Second)
	}

	w, store := start()
	for range 99 {
		repeat(w)
		w.Flush(ctx)
	}
	assert.Equal(t, []int{1, 10}, log.counts(), "the alert, then one update at the 10th event")

	// The 100th event enqueues an update; the process dies before sending it.
	repeat(w)
	require.NoError(t, w.Close())
	require.NoError(t, store.Close())
	w, store = start()
	t.Cleanup(func() { w.Close(); store.Close() })
	w.Flush(ctx)
	assert.Equal(t, []int{1, 10, 100}, log.counts(), "the update enqueued before the restart is sent after it")

	for range 20 {
		repeat(w)
		w.Flush(ctx)
	}
	assert.Len(t, log.all(), 3, "no update between 100 and 1000 within the hour")

	clock.Advance(30 * time.Minute)
	repeat(w)
	w.Flush(ctx)
	assert.Len(t, log.all(), 3, "half an hour after the last update: not yet")
	clock.Advance(30 * time.Minute)
	repeat(w)
	w.Flush(ctx)
	assert.Equal(t, []int{1, 10, 100, 122}, log.counts(), "an hour after the last update, a repeat sends one")

	sent := log.all()
	for i, a := range sent {
		assert.Equal(t, sent[0].ID, a.ID, "update %d keeps the alert's ID: a receiver is not paged again", i)
		assert.Equal(t, i, a.Revision, "update %d carries its revision", i)
	}
	stored, err := store.Alert(ctx, sent[0].ID)
	require.NoError(t, err)
	assert.Equal(t, n, stored.Count, "every repeat is counted in the store")
	assert.Equal(t, 3, stored.Revision)
}

func TestUpdatesPolicy(t *testing.T) {
	ctx := context.Background()
	m, seeds := matchFixture(t)
	clock := &fakeClock{t: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name    string
		updates watch.Updates
		want    []int
		reason  string
	}{
		{"default", watch.Updates{}, []int{1, 10}, "powers of ten"},
		{"factor 3", watch.Updates{Factor: 3}, []int{1, 3, 9}, "powers of the factor"},
		{"every 5s", watch.Updates{Every: 5 * time.Second}, []int{1, 6, 10, 15}, "the interval since the last revision, and the 10th event"},
		{"off", watch.Updates{Off: true}, []int{1}, "sinks hear of the group once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &sendLog{}
			w, err := watch.New(watch.Config{
				Matcher: m, Sinks: map[string]canary.Sink{"soc": log}, Updates: tc.updates,
				GroupWindow: 24 * time.Hour, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			require.NoError(t, err)
			for i := range 15 {
				require.NoError(t, w.HandleEvent(ctx, canary.Event{
					Channel: canary.ChannelSMS, From: "+12025550142", To: seeds[1].Phone, At: clock.Now(), ID: fmt.Sprintf("SM%d", i),
				}))
				clock.Advance(time.Second)
				w.Flush(ctx)
			}
			assert.Equal(t, tc.want, log.counts(), tc.reason)
		})
	}
}

func TestSuppressedRepeatsUpdateOnlySinksThatAsk(t *testing.T) {
	ctx := context.Background()
	soc, audit := &sendLog{}, &sendLog{}
	w, seeds, clock, _ := watchFixture(t, soc, func(c *watch.Config) {
		c.Sinks["audit"] = audit
		c.SuppressedSinks = []string{"audit"}
	})
	dkim := []canary.SenderAuth{{Domain: "shop.example", Method: "dkim d=shop.example"}}
	for i := range 12 {
		require.NoError(t, w.HandleEvent(ctx, canary.Event{
			Channel: canary.ChannelEmail, From: "news@shop.example", To: seeds[1].Email, At: clock.Now(), Auth: dkim,
			ID: fmt.Sprintf("<own-%d@shop.example>", i),
		}))
		w.Flush(ctx)
	}
	assert.Empty(t, soc.all(), "the operator's own traffic pages no one, updates included")
	assert.Equal(t, []int{1, 10}, audit.counts(), "a sink that asks for suppressed alerts gets their updates")
	for _, a := range audit.all() {
		assert.True(t, a.Suppressed)
	}
}
