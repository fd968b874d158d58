package sink

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDedup(t *testing.T) {
	ctx := context.Background()
	id := func(i byte) uuid.UUID { return uuid.UUID{15: i} }

	t.Run("BoundedOldestForgotten", func(t *testing.T) {
		d := newDedup("test", 3)
		calls := 0
		deliver := func() error { calls++; return nil }
		for i := range byte(4) {
			require.NoError(t, d.send(ctx, id(i), deliver))
		}
		require.NoError(t, d.send(ctx, id(3), deliver))
		assert.Equal(t, 4, calls, "a remembered ID is not delivered again")
		require.NoError(t, d.send(ctx, id(0), deliver))
		assert.Equal(t, 5, calls, "the oldest of 4 IDs was forgotten by a set of 3")
		assert.Len(t, d.ids, 3)
	})

	t.Run("FailureNotRemembered", func(t *testing.T) {
		d := newDedup("test", 0)
		boom := errors.New("boom")
		assert.ErrorIs(t, d.send(ctx, id(1), func() error { return boom }), boom)
		calls := 0
		require.NoError(t, d.send(ctx, id(1), func() error { calls++; return nil }))
		assert.Equal(t, 1, calls, "a failed send is retried for real")
	})

	t.Run("PanicNotRemembered", func(t *testing.T) {
		d := newDedup("test", 0)
		assert.Panics(t, func() { d.send(ctx, id(1), func() error { panic("boom") }) })
		calls := 0
		require.NoError(t, d.send(ctx, id(1), func() error { calls++; return nil }))
		assert.Equal(t, 1, calls, "a panicking send neither counts as delivered nor blocks the ID")
	})

	t.Run("Disabled", func(t *testing.T) {
		d := newDedup("test", -1)
		calls := 0
		for range 3 {
			require.NoError(t, d.send(ctx, id(1), func() error { calls++; return nil }))
		}
		assert.Equal(t, 3, calls)
	})

	t.Run("ConcurrentSameIDOnce", func(t *testing.T) {
		d := newDedup("test", 0)
		var calls atomic.Int32
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				assert.NoError(t, d.send(ctx, id(1), func() error { <-release; calls.Add(1); return nil }))
			})
		}
		close(release)
		wg.Wait()
		assert.Equal(t, int32(1), calls.Load())
	})

	t.Run("WaiterGivesUpOnItsContext", func(t *testing.T) {
		d := newDedup("test", 0)
		started, release := make(chan struct{}), make(chan struct{})
		go d.send(ctx, id(1), func() error { close(started); <-release; return nil })
		<-started
		waiting, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- d.send(waiting, id(1), func() error { return nil }) }()
		cancel()
		err := <-done
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorContains(t, err, "sink: test:")
		close(release)
	})
}
