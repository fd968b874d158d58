package inbound

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReplayCache(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	c := newReplayCache(3)

	assert.True(t, c.reserve("a", t0, t0.Add(time.Minute)), "first sight")
	assert.False(t, c.reserve("a", t0, t0.Add(time.Minute)), "replay")
	c.release("a")
	assert.True(t, c.reserve("a", t0, t0.Add(time.Minute)), "released keys may come again")

	assert.True(t, c.reserve("b", t0, t0.Add(time.Minute)))
	assert.True(t, c.reserve("c", t0, t0.Add(time.Minute)))
	assert.True(t, c.reserve("d", t0, t0.Add(time.Minute)), "full: the oldest is forgotten")
	assert.Equal(t, 3, remembered(c))
	assert.True(t, c.reserve("a", t0, t0.Add(time.Minute)), "a was the oldest")

	later := t0.Add(2 * time.Minute)
	assert.True(t, c.reserve("e", later, later.Add(time.Minute)))
	assert.Equal(t, 1, remembered(c), "expired keys are pruned")
}

func TestReplayCacheStaysBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	c := newReplayCache(100)
	for i := range 10_000 {
		key := fmt.Sprint(i)
		c.reserve(key, t0, t0.Add(time.Hour))
		if i%2 == 0 {
			c.release(key) // failed deliveries leave stale order entries
		}
	}
	assert.LessOrEqual(t, remembered(c), 100)
	c.mu.Lock()
	assert.LessOrEqual(t, len(c.order)-c.head, 200)
	assert.LessOrEqual(t, len(c.order), 400, "the queue is compacted")
	c.mu.Unlock()
}

func TestReplayCacheConcurrent(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	c := newReplayCache(0)
	var wg sync.WaitGroup
	wins := make([]int, 8)
	for g := range wins {
		wg.Go(func() {
			for i := range 500 {
				if c.reserve(fmt.Sprint(i), t0, t0.Add(time.Minute)) {
					wins[g]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, w := range wins {
		total += w
	}
	assert.Equal(t, 500, total, "each key is accepted exactly once")
}

// remembered returns the number of keys c holds.
func remembered(c *replayCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}
