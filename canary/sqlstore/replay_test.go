package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/inbound"
)

var _ inbound.ReplayStore = (*Replay)(nil)

var replayT0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func replayRows(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_replay`).Scan(&n))
	return n
}

func TestReplayClaim(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		r := open(t, e.fresh(t)).Replay()
		until := replayT0.Add(time.Hour)

		ok, err := r.Claim(ctx, "mailgun\x00tok1", replayT0, until)
		require.NoError(t, err)
		assert.True(t, ok, "first sight")
		ok, err = r.Claim(ctx, "mailgun\x00tok1", replayT0.Add(time.Minute), until)
		require.NoError(t, err)
		assert.False(t, ok, "a replay within the retention")
		ok, err = r.Claim(ctx, "webhook\x00tok1", replayT0, until)
		require.NoError(t, err)
		assert.True(t, ok, "another handler's key of the same text is another key")

		require.NoError(t, r.Release(ctx, "mailgun\x00tok1"))
		ok, err = r.Claim(ctx, "mailgun\x00tok1", replayT0, until)
		require.NoError(t, err)
		assert.True(t, ok, "a released key may be claimed again")

		ok, err = r.Claim(ctx, "mailgun\x00tok1", until, until.Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, ok, "an expired key is taken over")
		ok, err = r.Claim(ctx, "mailgun\x00tok1", until.Add(time.Minute), until.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, ok, "with its new expiry")
	})
}

func TestReplaySurvivesRestart(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		opts := e.fresh(t)
		s, err := Open(ctx, opts)
		require.NoError(t, err)
		ok, err := s.Replay().Claim(ctx, "webhook\x00msg_1", replayT0, replayT0.Add(72*time.Hour))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, s.Close())

		again := open(t, opts)
		ok, err = again.Replay().Claim(ctx, "webhook\x00msg_1", replayT0.Add(2*time.Hour), replayT0.Add(74*time.Hour))
		require.NoError(t, err)
		assert.False(t, ok, "a replay after a restart is refused")
	})
}

// TestReplaySharedAndAtomic races claims of the same keys from two Stores on
// one database: each key is won exactly once.
func TestReplaySharedAndAtomic(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		opts := e.fresh(t)
		stores := []*Store{open(t, opts), open(t, opts)}
		const keys, workers = 100, 8
		wins := make([]int, keys)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				r := stores[w%2].Replay()
				for k := range keys {
					ok, err := r.Claim(ctx, fmt.Sprintf("twilio-sms\x00SM%d", k), replayT0, replayT0.Add(time.Hour))
					if !assert.NoError(t, err) {
						return
					}
					if ok {
						mu.Lock()
						wins[k]++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		for k, n := range wins {
			assert.Equal(t, 1, n, "key %d", k)
		}
	})
}

func TestReplayPrunesAndBlinds(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.fresh(t))
		r := s.Replay()
		for i := range 10 {
			_, err := r.Claim(ctx, fmt.Sprintf("mailgun\x00secret-token-%d", i), replayT0, replayT0.Add(time.Hour))
			require.NoError(t, err)
		}
		assert.Equal(t, 10, replayRows(t, s))

		rows, err := s.db.Query(`SELECT key_mac FROM honeyseed_replay`)
		require.NoError(t, err)
		for rows.Next() {
			var b []byte
			require.NoError(t, rows.Scan(&b))
			assert.Len(t, b, len(mac{}))
			assert.False(t, bytes.Contains(b, []byte("secret-token")), "keys are stored as MACs")
		}
		require.NoError(t, rows.Err())

		later := replayT0.Add(2 * time.Hour)
		_, err = r.Claim(ctx, "mailgun\x00fresh", later, later.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 1, replayRows(t, s), "expired rows are pruned")
	})
}

func TestReplayForgottenOnRotate(t *testing.T) {
	ctx := context.Background()
	s := open(t, freshSQLite(t))
	_, err := s.Replay().Claim(ctx, "mailgun\x00tok", replayT0, replayT0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.Rotate(ctx, testSecret("b")))
	assert.Equal(t, 0, replayRows(t, s), "MACs under the old keys are dropped")
}
