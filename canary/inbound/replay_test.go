package inbound

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	st := NewMemoryReplayStore(0)
	ok, err := st.Claim(ctx, "k", t0, t0.Add(time.Hour))
	assert.NoError(t, err)
	assert.True(t, ok, "first sight")
	ok, _ = st.Claim(ctx, "k", t0.Add(59*time.Minute), t0.Add(2*time.Hour))
	assert.False(t, ok, "a replay within the retention")
	assert.NoError(t, st.Release(ctx, "k"))
	ok, _ = st.Claim(ctx, "k", t0, t0.Add(time.Hour))
	assert.True(t, ok, "released")
}

// TestTwilioReplayTwoHoursLater: the default in-memory store keeps a SID for
// Twilio's retention, so a replay hours later is still refused.
func TestTwilioReplayTwoHoursLater(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	rec := &recorder{}
	const u = "https://hooks.example.com/sms"
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", PublicURL: u, Options: Options{Handler: rec, Now: clock.Now}})
	require.NoError(t, err)
	form := url.Values{"MessageSid": {"SM42"}, "From": {"+12025550143"}, "To": {"+12015550101"}, "Body": {"hi"}}
	do := func() int {
		req := httptest.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", formType)
		req.Header.Set("X-Twilio-Signature", twilioSign("tok", u, form))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	require.Equal(t, http.StatusOK, do())
	clock.set(clock.Now().Add(2 * time.Hour))
	assert.Equal(t, http.StatusForbidden, do(), "replayed two hours later")
	assert.Len(t, rec.all(), 1)
}

// remembered returns the number of keys c holds.
func remembered(c *replayCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}

// brokenReplay is a ReplayStore whose database is down.
type brokenReplay struct{}

func (brokenReplay) Claim(context.Context, string, time.Time, time.Time) (bool, error) {
	return false, errStoreDown
}
func (brokenReplay) Release(context.Context, string) error { return errStoreDown }

// TestReplayStoreDownIsTemporary: when the replay store fails, the request
// is answered 503 (the provider retries) and nothing is recorded, since it
// cannot be told from a replay.
func TestReplayStoreDownIsTemporary(t *testing.T) {
	rec := &recorder{}
	const u = "https://hooks.example.com/sms"
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", PublicURL: u, Options: Options{Handler: rec, Replay: brokenReplay{}}})
	require.NoError(t, err)
	form := url.Values{"MessageSid": {"SM43"}, "From": {"+12025550143"}, "To": {"+12015550101"}, "Body": {"hi"}}
	req := httptest.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", formType)
	req.Header.Set("X-Twilio-Signature", twilioSign("tok", u, form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), errStoreDown.Error(), "the cause stays inside")
	assert.Empty(t, rec.all())
}
