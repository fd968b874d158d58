package watch

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// Grouping: repeats of one alert (same ID: same seeds, channel, sender and
// window) are folded into the stored alert, so a flood of scam messages is one
// alert with a count. The policy lives here alone; an Outbox only stores.

// Bounds on what one grouped alert keeps, so a flood of repeats costs bounded space.
const (
	MaxAlertHits     = 64
	MaxAlertEvidence = 16
	MaxAlertEventIDs = 256
)

// Updates is the policy by which grouped repeats reach sinks again: an
// update is the same alert (same ID) with its Revision raised, so a receiver
// replaces what it has instead of opening a new case. Updates are rate-limited
// per alert: one at each power of Factor in Count (with the default, the 10th,
// 100th, 1000th… event; the 1st is the alert itself), and one for any repeat
// at least Every after the last revision, so an alert still active is updated
// at least that often. A repeat between those points is counted in the store
// and carried by the next update; when a storm stops between two of them, a
// Watcher sends the count the sinks lack as a trailing update once the alert
// has been quiet for Quiet. The zero value is the default policy.
type Updates struct {
	// Factor is the ratio between the counts that send an update. Default 10.
	Factor int
	// Every is the longest an active alert goes without an update. Default one hour.
	Every time.Duration
	// Quiet is how long an alert goes without a repeat before the Watcher
	// sends a count the sinks do not have yet, as a trailing update (same ID,
	// Revision raised). Default 5 minutes; negative: no trailing update.
	// The Watcher keeps the alerts waiting for one in memory: Close enqueues
	// them at once, so a restart loses none, but a crash loses the
	// trailing update (not the count, which is stored, and goes with the
	// alert's next update).
	Quiet time.Duration
	// Off sends no updates: sinks hear of a group once, as before updates existed.
	Off bool
}

// trails reports whether the policy sends trailing updates.
func (p Updates) trails() bool {
	p = p.withDefaults()
	return !p.Off && p.Quiet > 0
}

func (p Updates) withDefaults() Updates {
	if p.Factor < 2 {
		p.Factor = 10
	}
	if p.Every <= 0 {
		p.Every = time.Hour
	}
	if p.Quiet == 0 {
		p.Quiet = 5 * time.Minute
	}
	return p
}

// due reports whether the fold that took an alert from before to after
// sends an update: Count crossed a power of Factor, or the repeat (at
// after.LastSeen) came Every or more after the last revision.
func (p Updates) due(before, after canary.Alert) bool {
	if p.Off {
		return false
	}
	for t := p.Factor; t <= after.Count; {
		if before.Count < t {
			return true
		}
		if t > math.MaxInt/p.Factor {
			break
		}
		t *= p.Factor
	}
	since := before.RevisedAt
	if since.IsZero() {
		since = before.FirstSeen
	}
	return !after.LastSeen.Before(since.Add(p.Every))
}

// Record stores a in o with the default [Updates] policy; see [Updates.Record].
func Record(ctx context.Context, o Outbox, a canary.Alert, sinks []string) (created bool, err error) {
	return Updates{}.Record(ctx, o, a, sinks)
}

// Record stores a in o, folding it into the alert already stored with its ID:
// Count grows by a.Count unless every one of a.EventIDs was already recorded (a
// redelivered message counts once), FirstSeen and LastSeen widen, and new hits,
// evidence and event IDs are appended within MaxAlertHits, MaxAlertEvidence and
// MaxAlertEventIDs. Every sink in sinks (the Watcher picks them for a
// suppressed alert) gets a pending delivery of a new alert; a fold that p says
// is due raises Revision, sets RevisedAt to the repeat's LastSeen and enqueues a delivery to every sink in
// the same Outbox step (Outbox.Update), so no update is lost to a crash.
// created reports whether a was new. Concurrent writers, in one process or
// several, each have their fold counted: a fold that loses a race is read and
// done again.
func (p Updates) Record(ctx context.Context, o Outbox, a canary.Alert, sinks []string) (created bool, err error) {
	r, err := p.record(ctx, o, a, sinks)
	return r.created, err
}

// recorded is what one Record did.
type recorded struct {
	created bool
	// held: a fold was stored without an update, so the sinks lack its
	// count; revision is the alert's Revision after it. updated: a fold
	// was stored with an update, which carries every count before it.
	held, updated bool
	revision      int
}

func (p Updates) record(ctx context.Context, o Outbox, a canary.Alert, sinks []string) (recorded, error) {
	p = p.withDefaults()
	if f, ok := o.(Folder); ok {
		return p.recordFold(ctx, f, a, sinks)
	}
	stored, created, err := o.Record(ctx, a, sinks)
	r := recorded{created: created}
	for err == nil && !created {
		folded := stored.Clone()
		if !merge(&folded, a.Clone()) {
			return r, nil // a redelivery: nothing new
		}
		var requeue []string
		if p.due(stored, folded) {
			folded.Revision++
			folded.RevisedAt = folded.LastSeen
			requeue = sinks
		}
		var ok bool
		if ok, err = o.Update(ctx, folded, stored.Count, requeue); ok || err != nil {
			r.held, r.updated, r.revision = ok && requeue == nil, ok && requeue != nil, folded.Revision
			break
		}
		if err = ctx.Err(); err != nil {
			break
		}
		stored, err = o.Alert(ctx, a.ID)
	}
	return r, err
}

// recordFold is record in one Outbox step: the fold of a repeat is worked
// out on the stored alert inside the write.
func (p Updates) recordFold(ctx context.Context, f Folder, a canary.Alert, sinks []string) (recorded, error) {
	var (
		revision int
		requeued bool
	)
	_, created, folded, err := f.RecordFold(ctx, a, sinks, func(stored canary.Alert) (canary.Alert, []string, bool) {
		next := stored.Clone()
		if !merge(&next, a.Clone()) {
			return canary.Alert{}, nil, false // a redelivery: nothing new
		}
		var requeue []string
		if p.due(stored, next) {
			next.Revision++
			next.RevisedAt = next.LastSeen
			requeue = sinks
		}
		revision, requeued = next.Revision, requeue != nil
		return next, requeue, true
	})
	r := recorded{created: created}
	if err == nil && folded {
		r.held, r.updated, r.revision = !requeued, requeued, revision
	}
	return r, err
}

// trail enqueues the trailing update of alert id for sinks: the stored
// alert, with its count, at the next Revision. It does nothing when the
// stored Revision is past revision (the one the held fold left): a later
// update carried the count. A fold that races it wins (Update's ifCount),
// and its writer sends or holds that count. It reports whether it enqueued one.
func trail(ctx context.Context, o Outbox, id uuid.UUID, revision int, sinks []string) (bool, error) {
	stored, err := o.Alert(ctx, id)
	if err != nil {
		return false, err
	}
	if stored.Revision != revision {
		return false, nil
	}
	up := stored.Clone()
	up.Revision++
	up.RevisedAt = up.LastSeen
	return o.Update(ctx, up, stored.Count, sinks)
}

// merge folds b into a as Record describes, and reports whether b brought a
// new event. Hits already present (same seed and field) and evidence already
// kept are not added again.
func merge(a *canary.Alert, b canary.Alert) (changed bool) {
	fresh := len(b.EventIDs) == 0
	for _, id := range b.EventIDs {
		if !slices.Contains(a.EventIDs, id) {
			fresh = true
			if len(a.EventIDs) < MaxAlertEventIDs {
				a.EventIDs = append(a.EventIDs, id)
			}
		}
	}
	if !fresh {
		return false
	}
	a.Count += max(b.Count, 1)
	if b.LastSeen.After(a.LastSeen) {
		a.LastSeen = b.LastSeen
	}
	if b.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = b.FirstSeen
	}
	// A repeat adds what is new: a seed or field not hit before, an excerpt
	// not kept yet. The count says how often; the alert stays small.
	for _, h := range b.Hits {
		if len(a.Hits) >= MaxAlertHits {
			break
		}
		if !slices.ContainsFunc(a.Hits, func(x canary.Hit) bool { return x.Seed.ID == h.Seed.ID && x.Field == h.Field }) {
			a.Hits = append(a.Hits, h)
		}
	}
	for _, e := range b.Evidence {
		if len(a.Evidence) >= MaxAlertEvidence {
			break
		}
		if !slices.Contains(a.Evidence, e) {
			a.Evidence = append(a.Evidence, e)
		}
	}
	for _, s := range b.Seeds {
		if !slices.ContainsFunc(a.Seeds, func(x canary.Seed) bool { return x.ID == s.ID }) {
			a.Seeds = append(a.Seeds, s)
		}
	}
	for _, id := range b.RetiredSeeds {
		if !slices.Contains(a.RetiredSeeds, id) {
			a.RetiredSeeds = append(a.RetiredSeeds, id)
		}
	}
	return true
}
