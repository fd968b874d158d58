package canarytest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// TestOutbox runs the watch.Outbox contract against fresh outboxes made by
// newOutbox, one per subtest: storage (Record, Update, deliveries) directly,
// and grouping through watch.Record, which any Outbox must serve alike.
//
//	func TestOutboxConformance(t *testing.T) {
//		canarytest.TestOutbox(t, func(t *testing.T) watch.Outbox { return openStore(t) })
//	}
func TestOutbox(t *testing.T, newOutbox func(t *testing.T) watch.Outbox) {
	t.Helper()
	ctx := context.Background()
	later := alertTime.Add(time.Hour)

	t.Run("RecordRoundTrip", func(t *testing.T) {
		o := newOutbox(t)
		a := fullAlert()
		created, err := watch.Record(ctx, o, a, []string{"log"})
		require.NoError(t, err)
		assert.True(t, created)
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		AssertAlertEqual(t, a, got)
	})

	t.Run("CountIsAtLeastOne", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		a.Count = 0
		_, err := watch.Record(ctx, o, a, nil)
		require.NoError(t, err)
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Count, "an alert stands for at least one event")
	})

	t.Run("NewAlertGetsOneDeliveryPerSink", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, []string{"slack", "webhook"})
		require.NoError(t, err)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 2)
		assert.ElementsMatch(t, []string{"slack", "webhook"}, []string{due[0].Sink, due[1].Sink})
		for _, d := range due {
			assert.Equal(t, 0, d.Attempts, d.Sink)
			assert.Empty(t, d.LastError, d.Sink)
			AssertAlertEqual(t, a, d.Alert)
		}
	})

	t.Run("RecordExistingReturnsStored", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		stored, created, err := o.Record(ctx, a, []string{"slack"})
		require.NoError(t, err)
		require.True(t, created)
		AssertAlertEqual(t, a, stored)
		b := Alert(1)
		b.EventIDs = []string{"<other@scam.example>"}
		stored, created, err = o.Record(ctx, b, []string{"slack", "webhook"})
		require.NoError(t, err)
		assert.False(t, created, "same ID: not stored again")
		AssertAlertEqual(t, a, stored)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Len(t, due, 1, "a second Record adds no delivery")
	})

	t.Run("UpdateIfCount", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, _, err := o.Record(ctx, a, []string{"slack"})
		require.NoError(t, err)
		next := a.Clone()
		next.Count = 2
		next.EventIDs = append(next.EventIDs, "<second@scam.example>")
		ok, err := o.Update(ctx, next, 2, nil)
		require.NoError(t, err)
		assert.False(t, ok, "the stored Count is 1, not 2")
		ok, err = o.Update(ctx, next, 1, nil)
		require.NoError(t, err)
		assert.True(t, ok)
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		AssertAlertEqual(t, next, got)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "Update adds no delivery")
		assert.Equal(t, 2, due[0].Alert.Count, "the delivery carries the alert as stored now")
		unknown := Alert(2)
		_, err = o.Update(ctx, unknown, 1, nil)
		assert.ErrorIs(t, err, canary.ErrNotFound)
	})

	t.Run("UpdateEnqueuesAgain", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, _, err := o.Record(ctx, a, []string{"slack", "webhook"})
		require.NoError(t, err)
		require.NoError(t, o.Delivered(ctx, a.ID, "slack", 0))
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", 0))
		next := a.Clone()
		next.Count, next.Revision, next.LastSeen, next.RevisedAt = 10, 1, later, later
		ok, err := o.Update(ctx, next, 1, []string{"slack", "webhook"})
		require.NoError(t, err)
		require.True(t, ok)
		due, err := o.Due(ctx, later.Add(-time.Nanosecond), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "an update is due at its LastSeen, not before")
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 2, "an update enqueued with sinks is due again for each")
		for _, d := range due {
			assert.Equal(t, a.ID, d.Alert.ID, "an update keeps the alert's ID")
			assert.Equal(t, 1, d.Alert.Revision, d.Sink)
			assert.Equal(t, 10, d.Alert.Count, d.Sink)
		}
		require.NoError(t, o.Delivered(ctx, a.ID, "slack", 1))
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", 1))
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Empty(t, due)
	})

	t.Run("DeliveredKeepsNewerRevision", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, _, err := o.Record(ctx, a, []string{"webhook"})
		require.NoError(t, err)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		// An update lands while revision 0 is on its way to the sink.
		next := a.Clone()
		next.Count, next.Revision, next.LastSeen = 10, 1, later
		ok, err := o.Update(ctx, next, 1, []string{"webhook"})
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", due[0].Alert.Revision))
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "revision 1 is still to be sent after revision 0 was")
		assert.Equal(t, 1, due[0].Alert.Revision)
		assert.Equal(t, 0, due[0].Attempts, "a pending delivery keeps its attempts")
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", 1))
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Empty(t, due)
	})

	t.Run("RepeatsSendUpdates", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, []string{"log"})
		require.NoError(t, err)
		sent := drain(t, o, a.LastSeen)
		require.Len(t, sent, 1)
		var counts []int
		for i := 2; i <= 100; i++ {
			b := Alert(1)
			b.EventIDs = []string{fmt.Sprintf("<repeat-%d@scam.example>", i)}
			b.FirstSeen = a.FirstSeen.Add(time.Duration(i) * time.Second)
			b.LastSeen = b.FirstSeen
			_, err := watch.Record(ctx, o, b, []string{"log"})
			require.NoError(t, err)
			for _, d := range drain(t, o, b.LastSeen) {
				counts = append(counts, d.Alert.Count)
				assert.Equal(t, a.ID, d.Alert.ID)
			}
		}
		assert.Equal(t, []int{10, 100}, counts, "updates at the 10th and 100th event, none between")
	})

	t.Run("MergeGroupsRepeats", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, []string{"slack"})
		require.NoError(t, err)
		b := Alert(1)
		b.FirstSeen, b.LastSeen = later, later
		b.EventIDs = []string{"<repeat@scam.example>"}
		b.Hits[0].Evidence = "body@99"
		b.Evidence = []string{"second excerpt"}
		created, err := watch.Record(ctx, o, b, []string{"slack"})
		require.NoError(t, err)
		assert.False(t, created, "same ID: merged, not new")
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, got.Count)
		assert.True(t, got.FirstSeen.Equal(a.FirstSeen), "FirstSeen stays the first: %v", got.FirstSeen)
		assert.True(t, got.LastSeen.Equal(later), "LastSeen becomes the later: %v", got.LastSeen)
		assert.Equal(t, []string{a.EventIDs[0], b.EventIDs[0]}, got.EventIDs)
		assert.Len(t, got.Hits, 1, "a repeat of the same seed and field adds no hit: the count says how often")
		assert.Equal(t, []string{a.Evidence[0], "second excerpt"}, got.Evidence)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "a merge adds no delivery: sinks hear of a group once")
		assert.Equal(t, 2, due[0].Alert.Count, "the pending delivery carries the grouped alert")
	})

	t.Run("RedeliveryCountsOnce", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, nil)
		require.NoError(t, err)
		again := Alert(1)
		again.LastSeen = later
		created, err := watch.Record(ctx, o, again, nil)
		require.NoError(t, err)
		assert.False(t, created)
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Count, "every event ID was already recorded")
		assert.Len(t, got.Hits, 1)
	})

	t.Run("MergeIsBounded", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, nil)
		require.NoError(t, err)
		flood := Alert(1)
		flood.EventIDs, flood.Hits, flood.Evidence = nil, nil, nil
		for i := range watch.MaxAlertEventIDs + 10 {
			flood.EventIDs = append(flood.EventIDs, fmt.Sprintf("<flood-%d@scam.example>", i))
		}
		for i := range watch.MaxAlertHits + 10 {
			h := a.Hits[0]
			h.Seed = Seed(1000+i, "crm/eu") // a new seed each: a hit worth keeping
			h.Evidence = fmt.Sprintf("body@%d", i)
			flood.Hits = append(flood.Hits, h)
		}
		for i := range watch.MaxAlertEvidence + 10 {
			flood.Evidence = append(flood.Evidence, fmt.Sprintf("excerpt %d", i))
		}
		_, err = watch.Record(ctx, o, flood, nil)
		require.NoError(t, err)
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.Len(t, got.EventIDs, watch.MaxAlertEventIDs)
		assert.Len(t, got.Hits, watch.MaxAlertHits)
		assert.Len(t, got.Evidence, watch.MaxAlertEvidence)
	})

	t.Run("SuppressedRecordedDeliveredOnlyToGivenSinks", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		a.Suppressed, a.SuppressedBy = true, "authenticated own domain host.example (dkim d=host.example)"
		created, err := watch.Record(ctx, o, a, nil)
		require.NoError(t, err)
		assert.True(t, created)
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Empty(t, due, "suppressed alerts are kept, not paged")
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		assert.True(t, got.Suppressed)
		assert.Equal(t, a.SuppressedBy, got.SuppressedBy)
		assert.Equal(t, []uuid.UUID{a.ID}, alertIDs(t, o))

		b := Alert(2)
		b.Suppressed, b.SuppressedBy = true, a.SuppressedBy
		_, err = watch.Record(ctx, o, b, []string{"audit"})
		require.NoError(t, err)
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "a sink that asked for suppressed alerts gets them")
		assert.Equal(t, "audit", due[0].Sink)
		assert.True(t, due[0].Alert.Suppressed, "marked suppressed")
	})

	t.Run("DueOldestFirstWithinLimit", func(t *testing.T) {
		o := newOutbox(t)
		var want []uuid.UUID
		for i := range 3 {
			a := Alert(i)
			_, err := watch.Record(ctx, o, a, []string{"log"})
			require.NoError(t, err)
			want = append(want, a.ID)
		}
		due, err := o.Due(ctx, later, 2)
		require.NoError(t, err)
		assert.Equal(t, want[:2], deliveryIDs(due), "limit 2, oldest first")
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Equal(t, want, deliveryIDs(due))
		due, err = o.Due(ctx, later, 0)
		require.NoError(t, err)
		assert.Empty(t, due, "limit 0")
	})

	t.Run("DeliveredIsIdempotent", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, []string{"slack", "webhook"})
		require.NoError(t, err)
		require.NoError(t, o.Delivered(ctx, a.ID, "slack", 0))
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		assert.Equal(t, "webhook", due[0].Sink)
		assert.NoError(t, o.Delivered(ctx, a.ID, "slack", 0), "marking a finished delivery again")
		assert.NoError(t, o.Delivered(ctx, uuid.New(), "slack", 0), "marking an unknown delivery")
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", 0))
		due, err = o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Empty(t, due)
	})

	t.Run("FailedReschedules", func(t *testing.T) {
		o := newOutbox(t)
		a := Alert(1)
		_, err := watch.Record(ctx, o, a, []string{"webhook"})
		require.NoError(t, err)
		retry := later.Add(time.Hour)
		require.NoError(t, o.Failed(ctx, a.ID, "webhook", retry, "HTTP 503 from hooks.example"))
		due, err := o.Due(ctx, later, 10)
		require.NoError(t, err)
		assert.Empty(t, due, "not due before its next attempt")
		due, err = o.Due(ctx, retry, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "due at its next attempt")
		assert.Equal(t, 1, due[0].Attempts)
		assert.Equal(t, "HTTP 503 from hooks.example", due[0].LastError)
		assert.True(t, retry.Equal(due[0].NextAt), "NextAt %v, want %v", due[0].NextAt, retry)
		require.NoError(t, o.Failed(ctx, a.ID, "webhook", retry, "timeout"))
		due, err = o.Due(ctx, retry, 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		assert.Equal(t, 2, due[0].Attempts)
		assert.Equal(t, "timeout", due[0].LastError)
		assert.ErrorIs(t, o.Failed(ctx, uuid.New(), "webhook", retry, "x"), canary.ErrNotFound, "unknown alert")
		require.NoError(t, o.Delivered(ctx, a.ID, "webhook", 0))
		assert.ErrorIs(t, o.Failed(ctx, a.ID, "webhook", retry, "x"), canary.ErrNotFound, "delivery already done")
	})

	t.Run("UnknownAndInvalid", func(t *testing.T) {
		o := newOutbox(t)
		_, err := o.Alert(ctx, uuid.New())
		assert.ErrorIs(t, err, canary.ErrNotFound)
		a := Alert(1)
		a.ID = uuid.Nil
		_, err = watch.Record(ctx, o, a, []string{"log"})
		assert.ErrorIs(t, err, canary.ErrInvalidInput, "an alert without ID cannot be deduplicated")
		assert.Empty(t, alertIDs(t, o))
	})

	t.Run("AlertsOldestFirst", func(t *testing.T) {
		o := newOutbox(t)
		var want []uuid.UUID
		for i := range 5 {
			a := Alert(i)
			a.Suppressed = i == 2
			_, err := watch.Record(ctx, o, a, []string{"log"})
			require.NoError(t, err)
			want = append(want, a.ID)
		}
		assert.Equal(t, want, alertIDs(t, o), "suppressed ones included")
	})

	t.Run("ResultsAreCopies", func(t *testing.T) {
		o := newOutbox(t)
		a, want := fullAlert(), fullAlert()
		_, err := watch.Record(ctx, o, a, []string{"log"})
		require.NoError(t, err)
		a.Hits[0].Value = "changed by caller after Record"
		a.EventIDs[0] = "changed"
		a.Seeds[0].Fields["city"] = "changed" // the map a.Hits[0].Seed shares
		a.Hits[1].Candidates[1].Fields["company"] = "changed"
		got, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		AssertAlertEqual(t, want, got)
		got.Evidence[0] = "changed by caller after Alert"
		got.Seeds[0].Fields["city"] = "changed"
		got.Hits[0].Seed.Fields["city"] = "changed"
		got.Hits[1].Candidates[1].Fields["company"] = "changed"
		got.Attribution[0].Reasons[0] = "changed"
		again, err := o.Alert(ctx, a.ID)
		require.NoError(t, err)
		AssertAlertEqual(t, want, again)
	})

	t.Run("ConcurrentRecordSameID", func(t *testing.T) {
		o := newOutbox(t)
		const writers = 8
		var (
			wg      sync.WaitGroup
			created atomic.Int32
		)
		for w := range writers {
			wg.Go(func() {
				a := Alert(1)
				a.EventIDs = []string{fmt.Sprintf("<concurrent-%d@scam.example>", w)}
				c, err := watch.Record(ctx, o, a, []string{"slack", "webhook"})
				assert.NoError(t, err)
				if c {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), created.Load(), "exactly one Record creates the alert")
		got, err := o.Alert(ctx, Alert(1).ID)
		require.NoError(t, err)
		assert.Equal(t, writers, got.Count, "every event counted once")
		due, err := o.Due(ctx, later, 100)
		require.NoError(t, err)
		assert.Len(t, due, 2, "one delivery per sink, however many writers raced")
	})
}

var alertTime = time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)

// Alert returns a valid alert for tests, distinct for each i: an email from a
// scammer to the seed Seed(i, "crm/eu"), with one hit, one excerpt and one
// event ID.
func Alert(i int) canary.Alert {
	s := Seed(i, "crm/eu")
	at := alertTime.Add(time.Duration(i) * time.Minute)
	return canary.Alert{
		ID:      uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "canarytest-alert-%d", i)),
		Channel: canary.ChannelEmail,
		Source:  "smtp",
		Sender:  fmt.Sprintf("refunds%d@scam.example", i),
		Seeds:   []canary.Seed{s},
		Hits: []canary.Hit{{
			Seed: s, Field: canary.FieldEmail, Value: s.Email, Evidence: "to", Confidence: canary.Exact, Part: "to",
		}},
		FirstSeen: at,
		LastSeen:  at,
		Count:     1,
		Evidence:  []string{"To: " + s.Email},
		EventIDs:  []string{fmt.Sprintf("<msg-%d@scam.example>", i)},
	}
}

// fullAlert sets every field, so that a round trip shows what a store drops.
func fullAlert() canary.Alert {
	a := Alert(7)
	other := Seed(8, "export/2026-01")
	other.Phone = a.Seeds[0].Phone
	other.Fields = map[string]string{"company": "Harbour Logistics"}
	other.ExpiresAt = other.PlantedAt.Add(90 * 24 * time.Hour)
	other.RetiredAt = other.PlantedAt.Add(30 * 24 * time.Hour)
	a.Seeds[0].Fields = map[string]string{"city": "Leeds"}
	a.Seeds = append(a.Seeds, other)
	a.RetiredSeeds = []uuid.UUID{other.ID}
	a.Channel = canary.ChannelSMS
	a.Hits = append(a.Hits, canary.Hit{
		Seed: a.Seeds[0], Field: canary.FieldPhone, Value: "(201) 555-0107", Evidence: "body@12", Part: "body", Offset: 12,
		Confidence: canary.Ambiguous, Candidates: []canary.Seed{a.Seeds[0], other},
	})
	a.Hits[0].Seed = a.Seeds[0]
	a.LastSeen = a.FirstSeen.Add(3 * time.Hour).In(time.FixedZone("CET", 3600))
	a.Count = 3
	a.Evidence = append(a.Evidence, "…call (201) 555-0107 about your refund…")
	a.EventIDs = append(a.EventIDs, "SM0123456789abcdef")
	a.SuppressedBy = ""
	a.Attribution = []canary.Suspect{{
		Placement: "crm/eu", Score: 0.75, Seeds: []uuid.UUID{a.Seeds[0].ID},
		After: a.Seeds[0].PlantedAt, Before: a.FirstSeen, Reasons: []string{"both tripped seeds are planted here"},
	}, {
		Placement: "export/2026-01", Score: 0.25, Seeds: []uuid.UUID{other.ID},
		After: other.PlantedAt, Before: a.FirstSeen, Reasons: []string{"shares the phone number"},
	}}
	return a
}

// AssertAlertEqual checks that got is want, comparing times as instants and
// treating nil and empty slices and maps alike, as AssertSeedEqual does.
func AssertAlertEqual(t testing.TB, want, got canary.Alert) bool {
	t.Helper()
	return assert.Equal(t, normalAlert(want), normalAlert(got))
}

// normalAlert is a copy of a in a canonical form: times in UTC without
// monotonic readings, empty slices and maps nil.
func normalAlert(a canary.Alert) canary.Alert {
	a = a.Clone()
	a.FirstSeen, a.LastSeen = a.FirstSeen.UTC(), a.LastSeen.UTC()
	a.Seeds = normalSeeds(a.Seeds)
	a.Hits = nilIfEmpty(a.Hits)
	for i := range a.Hits {
		a.Hits[i].Seed = normalSeed(a.Hits[i].Seed)
		a.Hits[i].Candidates = normalSeeds(a.Hits[i].Candidates)
	}
	a.Evidence, a.EventIDs, a.RetiredSeeds = nilIfEmpty(a.Evidence), nilIfEmpty(a.EventIDs), nilIfEmpty(a.RetiredSeeds)
	a.Attribution = nilIfEmpty(a.Attribution)
	for i := range a.Attribution {
		s := &a.Attribution[i]
		s.After, s.Before = s.After.UTC(), s.Before.UTC()
		s.Seeds, s.Reasons = nilIfEmpty(slices.Clone(s.Seeds)), nilIfEmpty(slices.Clone(s.Reasons))
	}
	return a
}

func normalSeeds(seeds []canary.Seed) []canary.Seed {
	seeds = nilIfEmpty(slices.Clone(seeds))
	for i := range seeds {
		seeds[i] = normalSeed(seeds[i])
	}
	return seeds
}

func normalSeed(s canary.Seed) canary.Seed {
	s = s.Clone()
	s.CreatedAt, s.PlantedAt, s.ExpiresAt, s.RetiredAt = s.CreatedAt.UTC(), s.PlantedAt.UTC(), s.ExpiresAt.UTC(), s.RetiredAt.UTC()
	if len(s.Fields) == 0 {
		s.Fields = nil
	}
	return s
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func deliveryIDs(ds []watch.Delivery) []uuid.UUID {
	out := make([]uuid.UUID, len(ds))
	for i, d := range ds {
		out[i] = d.Alert.ID
	}
	return out
}

func alertIDs(t *testing.T, o watch.Outbox) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	for a, err := range o.Alerts(context.Background()) {
		require.NoError(t, err)
		out = append(out, a.ID)
	}
	return out
}

// drain returns what is due at now and marks it delivered, as a dispatcher would.
func drain(t *testing.T, o watch.Outbox, now time.Time) []watch.Delivery {
	t.Helper()
	due, err := o.Due(context.Background(), now, 100)
	require.NoError(t, err)
	for _, d := range due {
		require.NoError(t, o.Delivered(context.Background(), d.Alert.ID, d.Sink, d.Alert.Revision))
	}
	return due
}
