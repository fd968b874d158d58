package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
