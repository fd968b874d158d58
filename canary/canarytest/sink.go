package canarytest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// Receipt is what a sink's target received for one alert, as a SinkHarness
// reads it back from the target's own format.
type Receipt struct {
	ID         uuid.UUID
	Channel    canary.Channel
	Sender     string
	Count      int
	Placements []string // the placements of the seeds it names, in any order
}

// SinkHarness connects TestSink to a Sink and to the target it delivers to.
type SinkHarness struct {
	// New returns a fresh sink for one subtest and a function that returns what
	// its target has received so far, in order of arrival. TestSink calls
	// received repeatedly, and while deliveries are still arriving at a target
	// that receives asynchronously (a UDP listener), so it must be safe for that.
	New func(t *testing.T) (s canary.Sink, received func() []Receipt)

	// Idempotent says that the target gets each alert once, however many times
	// Send is called with its ID: the sink or the target deduplicates by
	// Alert.ID. Without it, TestSink checks at-least-once delivery only.
	Idempotent bool
}

// awaitLimit bounds how long TestSink waits for an asynchronous target; it is
// a failure deadline, not a measurement.
const awaitLimit = 10 * time.Second

// TestSink runs the Sink contract against the sink h makes: every alert is
// delivered with its ID, channel, sender, count and the placements of its
// seeds; a repeated ID is delivered once when h.Idempotent; concurrent Sends
// are safe; a canceled context gives an error wrapping context.Canceled and
// does not spend the alert; and the sink keeps nothing of an alert after Send
// returns. Run it with -race.
func TestSink(t *testing.T, h SinkHarness) {
	t.Helper()
	ctx := context.Background()

	t.Run("DeliversEveryChannel", func(t *testing.T) {
		s, received := h.New(t)
		for _, tc := range []struct {
			a   canary.Alert
			why string
		}{
			{AlertFor(1, canary.ChannelEmail, Seed(1, "support-db/eu"), Seed(2, "export/2026-11-crm")), "mail to seeds of two placements"},
			{AlertFor(2, canary.ChannelSMS, Seed(3, "support-db/us")), "an SMS names the sender's number"},
			{AlertFor(3, canary.ChannelCall, Seed(4, "support-db/us")), "a call"},
			{AlertFor(4, canary.ChannelText, Seed(5, "export/2026-11-crm")), "a seed found in a dump has no sender"},
		} {
			require.NoError(t, s.Send(ctx, tc.a), tc.why)
			got := awaitReceipt(t, received, tc.a.ID)
			assertReceipt(t, tc.a, got, tc.why)
		}
	})

	t.Run("RepeatedIDDeliveredOnce", func(t *testing.T) {
		s, received := h.New(t)
		a := AlertFor(10, canary.ChannelEmail, Seed(10, "support-db/eu"))
		require.NoError(t, s.Send(ctx, a))
		again := a.Clone()
		again.Count++ // a redelivery may carry a grown group
		require.NoError(t, s.Send(ctx, again))
		fence := AlertFor(11, canary.ChannelSMS, Seed(11, "support-db/eu"))
		require.NoError(t, s.Send(ctx, fence))
		got := await(t, received, func(rs []Receipt) bool { return slices.ContainsFunc(rs, hasID(fence.ID)) })
		n := countID(got, a.ID)
		if h.Idempotent {
			assert.Equal(t, 1, n, "an idempotent sink delivers one alert ID once")
		} else {
			assert.GreaterOrEqual(t, n, 1, "at least once")
		}
	})

	t.Run("ConcurrentSends", func(t *testing.T) {
		s, received := h.New(t)
		const alerts = 24
		var want []uuid.UUID
		var wg sync.WaitGroup
		for i := range alerts {
			a := AlertFor(100+i, canary.Channel(1+i%4), Seed(100+i, fmt.Sprintf("crm/%d", i%3)))
			want = append(want, a.ID)
			for range 2 { // every alert twice at once: the repeat must not slip through
				wg.Go(func() { assert.NoError(t, s.Send(ctx, a.Clone())) })
			}
		}
		wg.Wait()
		got := await(t, received, func(rs []Receipt) bool {
			return !slices.ContainsFunc(want, func(id uuid.UUID) bool { return countID(rs, id) == 0 })
		})
		for _, id := range want {
			if h.Idempotent {
				assert.Equal(t, 1, countID(got, id), "alert %s", id)
			}
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s, received := h.New(t)
		a := AlertFor(20, canary.ChannelCall, Seed(20, "support-db/eu"))
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Send(canceled, a)
		require.Error(t, err, "Send with a canceled context")
		assert.ErrorIs(t, err, context.Canceled)
		require.NoError(t, s.Send(ctx, a), "the canceled attempt must not count as delivered")
		got := awaitReceipt(t, received, a.ID)
		assertReceipt(t, a, got, "delivered after a canceled attempt")
	})

	t.Run("KeepsNothingOfTheAlert", func(t *testing.T) {
		s, received := h.New(t)
		a := AlertFor(30, canary.ChannelEmail, Seed(30, "support-db/eu"), Seed(31, "support-db/us"))
		want := a.Clone()
		require.NoError(t, s.Send(ctx, a))
		for i := range a.Seeds {
			a.Seeds[i].Placement = "changed/after-send"
		}
		for i := range a.Hits {
			a.Hits[i].Seed.Placement = "changed/after-send"
		}
		for i := range a.Attribution {
			a.Attribution[i].Placement = "changed/after-send"
		}
		got := awaitReceipt(t, received, a.ID)
		assertReceipt(t, want, got, "what the caller changes after Send is not delivered")
	})
}

// AlertFor returns a valid alert for tests, distinct for each i: a contact on
// channel ch touching seeds (Seed(i, "support-db/eu") when none), with one hit
// per seed, a count of 3, fixed UTC times, an evidence excerpt and an
// attribution that ranks the seeds' placements. Senders use reserved domains
// and NANP's fictional 555-01XX numbers.
func AlertFor(i int, ch canary.Channel, seeds ...canary.Seed) canary.Alert {
	if len(seeds) == 0 {
		seeds = []canary.Seed{Seed(i, "support-db/eu")}
	}
	first := time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	a := canary.Alert{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "canarytest-sink-alert-%d", i)), // not Alert(i)'s ID
		Channel:   ch,
		FirstSeen: first,
		LastSeen:  first.Add(20 * time.Minute),
		Count:     3,
		Evidence:  []string{"Your refund of $499.99 is waiting: call +1 202 555 0147 and quote ticket TM-10000001"},
		EventIDs:  []string{fmt.Sprintf("<refund-%d@fraud.example>", i)},
	}
	field, value, evidence, part, line, offset := canary.FieldTicket, func(s canary.Seed) string { return s.Ticket }, "line 3 byte 120", "", 3, int64(120)
	switch ch {
	case canary.ChannelEmail:
		a.Source, a.Sender = "smtp", fmt.Sprintf("refunds%d@fraud.example", i)
		field, value, evidence, part, line, offset = canary.FieldEmail, func(s canary.Seed) string { return s.Email }, "to", "to", 0, 0
	case canary.ChannelSMS, canary.ChannelCall:
		a.Source, a.Sender = "twilio", fmt.Sprintf("+1202555%04d", 100+i%100)
		field, value, evidence, part, line, offset = canary.FieldPhone, func(s canary.Seed) string { return s.Phone }, "to", "to", 0, 0
	default:
		a.Source = "scan:dump.sql"
	}
	for _, s := range seeds {
		a.Seeds = append(a.Seeds, s.Clone())
		a.Hits = append(a.Hits, canary.Hit{Seed: s.Clone(), Field: field, Value: value(s), Evidence: evidence, Confidence: canary.Exact,
			Part: part, Line: line, Offset: offset})
	}
	a.Attribution = sinkSuspects(a)
	return a
}

// sinkSuspects ranks the seeds' placements in order of first appearance, with
// scores halving down the list.
func sinkSuspects(a canary.Alert) []canary.Suspect {
	var out []canary.Suspect
	for _, s := range a.Seeds {
		i := slices.IndexFunc(out, func(p canary.Suspect) bool { return p.Placement == s.Placement })
		if i < 0 {
			out = append(out, canary.Suspect{Placement: s.Placement, Before: a.FirstSeen})
			i = len(out) - 1
		}
		out[i].Seeds = append(out[i].Seeds, s.ID)
		if s.PlantedAt.After(out[i].After) { // the latest PlantedAt
			out[i].After = s.PlantedAt
		}
	}
	weight, total := 1.0, 0.0
	for i := range out {
		out[i].Score = weight
		total += weight
		weight /= 2
	}
	for i := range out {
		out[i].Score /= total
		out[i].Reasons = []string{fmt.Sprintf("%d tripped seed(s) planted here", len(out[i].Seeds))}
	}
	return out
}

func assertReceipt(t *testing.T, want canary.Alert, got Receipt, why string) {
	t.Helper()
	assert.Equal(t, want.ID, got.ID, "ID: %s", why)
	assert.Equal(t, want.Channel, got.Channel, "channel: %s", why)
	assert.Equal(t, want.Sender, got.Sender, "sender: %s", why)
	assert.Equal(t, want.Count, got.Count, "count: %s", why)
	var places []string
	for _, s := range want.Seeds {
		if !slices.Contains(places, s.Placement) {
			places = append(places, s.Placement)
		}
	}
	assert.ElementsMatch(t, places, slices.Compact(slices.Sorted(slices.Values(got.Placements))), "placements: %s", why)
}

// await polls received until ok holds, failing the test after awaitLimit.
func await(t *testing.T, received func() []Receipt, ok func([]Receipt) bool) []Receipt {
	t.Helper()
	deadline := time.Now().Add(awaitLimit)
	for {
		got := received()
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "the target did not receive what was sent", "received %d deliveries: %+v", len(got), got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// awaitReceipt waits for the first delivery of alert id and returns it.
func awaitReceipt(t *testing.T, received func() []Receipt, id uuid.UUID) Receipt {
	t.Helper()
	got := await(t, received, func(rs []Receipt) bool { return slices.ContainsFunc(rs, hasID(id)) })
	return got[slices.IndexFunc(got, hasID(id))]
}

func hasID(id uuid.UUID) func(Receipt) bool {
	return func(r Receipt) bool { return r.ID == id }
}

func countID(rs []Receipt, id uuid.UUID) int {
	n := 0
	for _, r := range rs {
		if r.ID == id {
			n++
		}
	}
	return n
}
