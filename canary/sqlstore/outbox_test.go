package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// Concurrent Records and Updates share transactions on SQLite (group
// commit): every alert folded by watch.Record must still be stored once,
// counted once, and its caller told whether it created it; a caller that has
// given up is told so and not stored.
func TestRecordConcurrent(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		s := open(t, e.fresh(t))
		ctx := context.Background()
		const callers, each, ids = 20, 15, 7
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created = map[uuid.UUID]int{}
		)
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					a := canarytest.Alert(i % ids)
					a.EventIDs = []string{fmt.Sprintf("<%d-%d@scam.example>", c, i)}
					ok, err := watch.Record(ctx, s, a, []string{"slog"})
					if !assert.NoError(t, err) {
						return
					}
					if ok {
						mu.Lock()
						created[a.ID]++
						mu.Unlock()
					}
				}
			})
		}
		gone, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err := s.Record(gone, canarytest.Alert(100), []string{"slog"})
		assert.ErrorIs(t, err, context.Canceled)
		wg.Wait()

		total := 0
		for a, err := range s.Alerts(ctx) {
			require.NoError(t, err)
			assert.Equal(t, 1, created[a.ID], "alert %s created once", a.ID)
			assert.Len(t, a.EventIDs, a.Count, "each Record's event is kept")
			total += a.Count
		}
		assert.Equal(t, callers*each, total, "every Record counted once")
		assert.Len(t, created, ids)
		_, err = s.Alert(ctx, canarytest.Alert(100).ID)
		assert.ErrorIs(t, err, canary.ErrNotFound, "the cancelled Record stored nothing")
	})
}

// RecordFold records a new alert as Record does, and folds a repeat in the
// same write: the fold's alert is stored, with deliveries for the sinks it
// names, or nothing when it declines.
func TestRecordFold(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		s := open(t, e.fresh(t))
		ctx := context.Background()
		a := canarytest.Alert(1)
		calls := 0
		fold := func(requeue []string, ok bool) func(canary.Alert) (canary.Alert, []string, bool) {
			return func(stored canary.Alert) (canary.Alert, []string, bool) {
				calls++
				next := stored.Clone()
				next.Count++
				return next, requeue, ok
			}
		}
		stored, created, folded, err := s.RecordFold(ctx, a, []string{"slog"}, fold(nil, true))
		require.NoError(t, err)
		assert.True(t, created)
		assert.False(t, folded)
		assert.Zero(t, calls, "a new alert is not folded")
		assert.Equal(t, 1, stored.Count)

		due, err := s.Due(ctx, a.FirstSeen.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		require.NoError(t, s.Delivered(ctx, a.ID, "slog", due[0].Alert.Revision))

		stored, created, folded, err = s.RecordFold(ctx, a, []string{"slog"}, fold(nil, true))
		require.NoError(t, err)
		assert.False(t, created)
		assert.True(t, folded)
		assert.Equal(t, 2, stored.Count, "the fold is stored")
		due, err = s.Due(ctx, a.LastSeen.Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "a fold held from the sinks enqueues nothing")

		_, _, folded, err = s.RecordFold(ctx, a, []string{"slog"}, fold([]string{"slog"}, true))
		require.NoError(t, err)
		assert.True(t, folded)
		due, err = s.Due(ctx, a.LastSeen.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "an update is enqueued in the same write")
		assert.Equal(t, 3, due[0].Alert.Count)

		_, _, folded, err = s.RecordFold(ctx, a, []string{"slog"}, fold(nil, false))
		require.NoError(t, err)
		assert.False(t, folded, "a declined fold stores nothing")
		got, err := s.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 3, got.Count)
	})
}
