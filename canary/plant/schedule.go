package plant

import (
	"cmp"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Planned is one seed and when to plant it.
type Planned struct {
	Seed canary.Seed
	At   time.Time
}

// ScheduleOptions shapes a Schedule. The zero value plants in office hours
// on weekdays, UTC, with fresh randomness.
type ScheduleOptions struct {
	// Hours weights each local hour of the day, Weekdays each day (Sunday
	// first): seeds go in when the host's real records do. Pass the learned
	// Shape.CreatedHours and Shape.CreatedWeekdays to follow the host. Zero:
	// 08:00 to 18:00, Monday to Friday.
	Hours    [24]float64
	Weekdays [7]float64
	// Zone is where those hours are local. Default UTC.
	Zone *time.Location
	// Seed makes the jitter reproducible. Zero: crypto-random.
	Seed [32]byte
	// PerDay is how many new rows the host takes a day
	// (Shape.Arrival.PerDay; Shape.ScheduleOptions sets it). When it is
	// set, seeds may be at most MaxShare of the rows added while they go in,
	// and Schedule refuses a span too short for that with a *TooFastError
	// saying how long they need (see ScheduleSpan). Zero: no limit.
	PerDay float64
	// MaxShare is that limit. Default DefaultMaxShare (2%).
	MaxShare float64
}

// maxScheduleSpan bounds how far ahead a schedule may reach.
const maxScheduleSpan = 5 * 366 * 24 * time.Hour

// Schedule spreads seeds over [start, start+over), so that no burst of new
// customers appears at one time: the span is cut into len(seeds) slices of
// equal weight, where an hour weighs what Hours and Weekdays give it, and
// each seed falls at a random moment of its own slice. The result follows
// the hour and weekday mix and is sorted by time; seeds keep their order.
//
// With ScheduleOptions.PerDay set, the span must be at least what the
// host's arrival rate asks for (ScheduleSpan), or Schedule fails with a
// *TooFastError (errors.Is ErrTooFast) saying how long the seeds need.
// Since each seed falls in its own slice of equal weight, no stretch of the
// schedule holds a cluster of them.
//
// Other errors wrap ErrInvalidInput: a span that is not positive or is
// longer than five years, negative weights, or weights that leave no hour of
// the span open.
func Schedule(seeds []canary.Seed, start time.Time, over time.Duration, opts ScheduleOptions) ([]Planned, error) {
	switch {
	case over <= 0:
		return nil, fmt.Errorf("%w: schedule span %v is not positive", ErrInvalidInput, over)
	case over > maxScheduleSpan:
		return nil, fmt.Errorf("%w: schedule span %v is longer than five years", ErrInvalidInput, over)
	}
	if opts.PerDay < 0 || opts.PerDay != opts.PerDay || opts.MaxShare < 0 || opts.MaxShare >= 1 {
		return nil, fmt.Errorf("%w: PerDay %v, MaxShare %v", ErrInvalidInput, opts.PerDay, opts.MaxShare)
	}
	if need := ScheduleSpan(len(seeds), opts.PerDay, opts.MaxShare); need > over {
		return nil, &TooFastError{Seeds: len(seeds), PerDay: opts.PerDay, MaxShare: cmp.Or(opts.MaxShare, DefaultMaxShare), Over: over, Need: need}
	}
	hours, days := opts.Hours, opts.Weekdays
	if hours == ([24]float64{}) {
		for h := 8; h < 18; h++ {
			hours[h] = 1
		}
	}
	if days == ([7]float64{}) {
		days = [7]float64{0, 1, 1, 1, 1, 1, 0}
	}
	for _, w := range append(hours[:], days[:]...) {
		if w < 0 || w != w {
			return nil, fmt.Errorf("%w: schedule weight %v", ErrInvalidInput, w)
		}
	}
	zone := opts.Zone
	if zone == nil {
		zone = time.UTC
	}

	// Cut the span at every local hour boundary; each segment weighs its
	// length times its hour's and day's weights.
	type segment struct {
		from time.Time
		len  time.Duration
		cum  float64 // weight of every segment up to and including this one
	}
	var segs []segment
	end := start.Add(over)
	total := 0.0
	for t := start; t.Before(end); {
		local := t.In(zone)
		next := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, zone).Add(time.Hour)
		if !next.After(t) { // a zone transition repeating the hour
			next = t.Add(time.Hour)
		}
		if next.After(end) {
			next = end
		}
		w := hours[local.Hour()] * days[local.Weekday()]
		if w > 0 {
			total += w * next.Sub(t).Hours()
			segs = append(segs, segment{from: t, len: next.Sub(t), cum: total})
		}
		t = next
	}
	if total <= 0 {
		return nil, fmt.Errorf("%w: no open hour between %v and %v", ErrInvalidInput, start, end)
	}

	seed := opts.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	r := rand.New(rand.NewChaCha8(seed))
	out := make([]Planned, len(seeds))
	n := float64(len(seeds))
	for i, s := range seeds {
		x := (float64(i) + r.Float64()) / n * total
		j := sort.Search(len(segs), func(k int) bool { return segs[k].cum > x })
		j = min(j, len(segs)-1)
		seg := segs[j]
		prev := 0.0
		if j > 0 {
			prev = segs[j-1].cum
		}
		frac := (x - prev) / (seg.cum - prev)
		at := seg.from.Add(time.Duration(frac * float64(seg.len)))
		if !at.Before(seg.from.Add(seg.len)) {
			at = seg.from.Add(seg.len - 1)
		}
		out[i] = Planned{Seed: s.Clone(), At: at}
	}
	slices.SortStableFunc(out, func(a, b Planned) int { return a.At.Compare(b.At) })
	return out, nil
}
