package gen

import (
	"math/rand/v2"
	"time"
)

// drawAttempts bounds the weighted draws before falling back to a uniform one.
const drawAttempts = 64

// CreatedTable is what creation times are drawn from, computed once per generator: the
// local midnight of every day in the window with its weekday's weight,
// cumulated, and the hour weights cumulated.
type CreatedTable struct {
	midnight []int64   // Unix seconds of each day's local midnight
	dayCum   []float64 // cumulative weekday weights of the days
	hourCum  [24]float64
}

// NewCreatedTable builds the table of the window [from, to) in zone, with
// weights by hour and by weekday (Sunday first); zero weights take defaults
// shaped like real sign-ups.
func NewCreatedTable(hours [24]float64, days [7]float64, from, to time.Time, zone *time.Location) CreatedTable {
	if hours == ([24]float64{}) {
		hours = defaultHours
	}
	if days == ([7]float64{}) {
		days = defaultWeekdays
	}
	var t CreatedTable
	total := 0.0
	for h, w := range hours {
		total += w
		t.hourCum[h] = total
	}
	start := from.In(zone)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, zone)
	total = 0
	for k := 0; day.Before(to) && k < 366*50; k++ {
		total += days[day.Weekday()]
		t.midnight = append(t.midnight, day.Unix())
		t.dayCum = append(t.dayCum, total)
		day = day.AddDate(0, 0, 1)
	}
	return t
}

// Draw draws a creation time in [from, to), the table's window, weighted by
// weekday and hour as the host's real sign-ups are.
func (t *CreatedTable) Draw(r *rand.Rand, from, to time.Time) time.Time {
	for range drawAttempts {
		k := SearchCum(t.dayCum, r.Float64()*t.dayCum[len(t.dayCum)-1])
		h := SearchCum(t.hourCum[:], r.Float64()*t.hourCum[23])
		at := time.Unix(t.midnight[min(k, len(t.midnight)-1)]+int64(min(h, 23))*3600+int64(r.IntN(3600)), 0)
		if !at.Before(from) && at.Before(to) {
			return at.UTC()
		}
	}
	// A window too narrow for its weights (a few hours at night): uniform.
	return from.Add(time.Duration(r.Int64N(int64(to.Sub(from))))).UTC()
}

var (
	defaultHours = [24]float64{0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.9, 1.3, 1.5, 1.5,
		1.4, 1.4, 1.5, 1.4, 1.3, 1.1, 0.9, 0.8, 0.75, 0.6, 0.45, 0.3}
	defaultWeekdays = [7]float64{0.55, 1, 1, 1, 0.95, 0.9, 0.6}
)

// SearchCum returns the first index whose cumulative weight exceeds x.
func SearchCum(cum []float64, x float64) int {
	lo, hi := 0, len(cum)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cum[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
