package watch_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// stormFixture runs repeats of one SMS through a Watcher on a fake clock.
type stormFixture struct {
	t     *testing.T
	w     *watch.Watcher
	out   watch.Outbox
	log   *sendLog
	clock *fakeClock
	to    string
	n     int
}

func newStorm(t *testing.T, out watch.Outbox, updates watch.Updates) *stormFixture {
	m, seeds := matchFixture(t)
	f := &stormFixture{t: t, out: out, log: &sendLog{}, clock: &fakeClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}, to: seeds[1].Phone}
	f.start(m, updates)
	return f
}

func (f *stormFixture) start(m *canary.Matcher, updates watch.Updates) {
	w, err := watch.New(watch.Config{
		Matcher: m, Outbox: f.out, Sinks: map[string]canary.Sink{"soc": f.log}, Updates: updates,
		GroupWindow: 24 * time.Hour, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(f.t, err)
	f.w = w
	f.t.Cleanup(func() { w.Close() })
}

// repeat sends k more events of the storm, a second apart, flushing after each.
func (f *stormFixture) repeat(k int) {
	for range k {
		f.n++
		require.NoError(f.t, f.w.HandleEvent(context.Background(), canary.Event{
			Channel: canary.ChannelSMS, Source: "twilio", From: "+12025550142", To: f.to, Body: "your refund is ready",
			At: f.clock.Now(), ID: fmt.Sprintf("SM%04d", f.n),
		}))
		f.clock.Advance(time.Second)
		f.w.Flush(context.Background())
	}
}

// receiver is what a SIEM keeps: per alert ID, the document of the highest Revision.
func receiver(sent []canary.Alert) map[string]canary.Alert {
	kept := map[string]canary.Alert{}
	for _, a := range sent {
		if have, ok := kept[a.ID.String()]; !ok || a.Revision > have.Revision {
			kept[a.ID.String()] = a
		}
	}
	return kept
}

func TestTrailingUpdateSendsTheFinalCount(t *testing.T) {
	ctx := context.Background()
	f := newStorm(t, watch.NewMemoryOutbox(), watch.Updates{Quiet: 5 * time.Minute})
	f.repeat(15)
	require.Equal(t, []int{1, 10}, f.log.counts(), "the alert and the update at the 10th")

	f.clock.Advance(4 * time.Minute)
	f.w.Flush(ctx)
	assert.Equal(t, []int{1, 10}, f.log.counts(), "quiet for less than Quiet: the storm may go on")

	f.clock.Advance(time.Minute)
	f.w.Flush(ctx)
	assert.Equal(t, []int{1, 10, 15}, f.log.counts(), "quiet for Quiet: the last count reaches the sink")
	sent := f.log.all()
	assert.Equal(t, sent[0].ID, sent[2].ID, "a trailing update is the same alert")
	assert.Equal(t, 2, sent[2].Revision)

	f.clock.Advance(time.Hour)
	f.w.Flush(ctx)
	assert.Len(t, f.log.all(), 3, "sent once")

	// A redelivered event adds nothing, so nothing is owed.
	f.n--
	f.repeat(1)
	f.clock.Advance(10 * time.Minute)
	f.w.Flush(ctx)
	assert.Len(t, f.log.all(), 3, "a redelivery owes no update")

	// The storm resumes, over an hour after the last update, so its first
	// repeat is an update (Updates.Every); it stops again, and the two
	// repeats after that go as another trailing update.
	f.repeat(3)
	f.clock.Advance(5 * time.Minute)
	f.w.Flush(ctx)
	assert.Equal(t, []int{1, 10, 15, 16, 18}, f.log.counts())
	kept := receiver(f.log.all())
	require.Len(t, kept, 1, "one case at the receiver")
	stored, err := f.out.Alert(ctx, sent[0].ID)
	require.NoError(t, err)
	for _, a := range kept {
		assert.Equal(t, stored.Count, a.Count, "the receiver holds the stored count")
		assert.Equal(t, stored.Revision, a.Revision)
	}
}

func TestTrailingUpdateOnlyWhenOwed(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		updates watch.Updates
		events  int
		want    []int
		why     string
	}{
		{"stops at a threshold", watch.Updates{}, 10, []int{1, 10}, "the 10th was sent: nothing owed"},
		{"one event", watch.Updates{}, 1, []int{1}, "the alert itself carries the count"},
		{"default quiet", watch.Updates{}, 12, []int{1, 10, 12}, "five minutes by default"},
		{"no trailing", watch.Updates{Quiet: -1}, 12, []int{1, 10}, "a negative Quiet sends none"},
		{"updates off", watch.Updates{Off: true}, 12, []int{1}, "no updates at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newStorm(t, watch.NewMemoryOutbox(), tc.updates)
			f.repeat(tc.events)
			f.clock.Advance(5 * time.Minute)
			f.w.Flush(ctx)
			f.clock.Advance(time.Hour)
			f.w.Flush(ctx)
			assert.Equal(t, tc.want, f.log.counts(), tc.why)
		})
	}
}

// A count held when the Watcher closes is enqueued by Close, in the durable
// outbox, and goes when the next Watcher starts.
func TestTrailingUpdateSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := sqlstore.Options{Path: filepath.Join(dir, "registry.db"), KeyFile: filepath.Join(dir, "registry.key")}
	store, err := sqlstore.Open(ctx, opts)
	require.NoError(t, err)
	f := newStorm(t, store, watch.Updates{})
	f.repeat(12)
	require.Equal(t, []int{1, 10}, f.log.counts())
	require.NoError(t, f.w.Close())
	require.NoError(t, store.Close())

	store, err = sqlstore.Open(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	m, _ := matchFixture(t)
	f.out = store
	f.start(m, watch.Updates{})
	f.w.Flush(ctx)
	assert.Equal(t, []int{1, 10, 12}, f.log.counts(), "the count held at Close reaches the sink after the restart")
	f.clock.Advance(time.Hour)
	f.w.Flush(ctx)
	assert.Len(t, f.log.all(), 3, "and only once")
}

// With trailing updates off, a Watcher holds nothing for them: a long storm
// costs no memory beyond the store.
func TestTrailingOffHoldsNothing(t *testing.T) {
	for _, updates := range []watch.Updates{{Off: true}, {Quiet: -1}} {
		f := newStorm(t, watch.NewMemoryOutbox(), updates)
		f.repeat(12)
		assert.Zero(t, watch.HeldTrailing(f.w), "%+v", updates)
	}
	f := newStorm(t, watch.NewMemoryOutbox(), watch.Updates{})
	f.repeat(12)
	assert.Equal(t, 1, watch.HeldTrailing(f.w), "the default policy holds the storm's alert")
}
