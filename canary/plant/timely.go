package plant

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// newestTickets is how many of the newest rows nextTicket reads for the
// host's latest ticket number: a few, in case the newest rows lack one.
const newestTickets = 20

// nextTicket reads the host's newest ticket numbers of format (by id,
// through q) and returns the reference that follows them by a gap drawn
// from gaps. ok is false when the host holds no ticket of the format among
// its newest rows.
func nextTicket(ctx context.Context, q queryer, p *prepared, format string, gaps Gaps, r *rand.Rand) (string, bool, error) {
	latest, found, err := newestTicket(ctx, q, p, format)
	if err != nil || !found {
		return "", false, err
	}
	gap := uint64(max(1, math.Round(gaps.Draw(r))))
	return canary.FormatTicket(format, latest+gap), true, nil
}

// newestTicket returns the largest ticket number of format among the
// host's newest rows (by id, through q); found is false when none holds
// one.
func newestTicket(ctx context.Context, q queryer, p *prepared, format string) (latest uint64, found bool, err error) {
	id, err := p.idColumn()
	if err != nil || id == nil {
		return 0, false, err
	}
	ticket := p.col(roleTicket)
	if ticket == nil {
		return 0, false, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT CAST("+quote(ticket.name)+" AS TEXT) FROM "+p.t.qualified()+
		" WHERE "+quote(id.name)+" IS NOT NULL ORDER BY "+quote(id.name)+" DESC LIMIT "+p.d.placeholder(1), newestTickets)
	if err != nil {
		return 0, false, fmt.Errorf("plant: reading the newest tickets of %q: %w", p.t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return 0, false, fmt.Errorf("plant: reading the newest tickets of %q: %w", p.t.name, err)
		}
		if f, n, ok := ticketShape(text(v)); ok && f == format && n >= latest {
			latest, found = n, true
		}
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("plant: reading the newest tickets of %q: %w", p.t.name, err)
	}
	return latest, found, nil
}

// TooFastError is a Schedule that would plant seeds faster than the host
// takes new rows allows: seeds would be more than MaxShare of the rows
// added while they go in. Need is how long the seeds need.
type TooFastError struct {
	Seeds    int
	PerDay   float64 // the host's new rows a day
	MaxShare float64
	Over     time.Duration // asked for
	Need     time.Duration
}

func (e *TooFastError) Error() string {
	return fmt.Sprintf("plant: %d seeds at most %.3g%% of new rows need %s at the host's %.3g new rows a day, not %s",
		e.Seeds, 100*e.MaxShare, days(e.Need), e.PerDay, days(e.Over))
}

// Unwrap makes the error match ErrTooFast.
func (e *TooFastError) Unwrap() error { return ErrTooFast }

func days(d time.Duration) string {
	if d < 48*time.Hour {
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%.0f days", math.Ceil(d.Hours()/24))
}

// DefaultMaxShare is the most of the host's new rows seeds may be in any
// stretch of a schedule, when ScheduleOptions.MaxShare is zero.
const DefaultMaxShare = 0.02

// ScheduleSpan returns how long n seeds need to go in when the host takes
// perDay new rows a day and seeds may be at most maxShare of the rows
// added (0: DefaultMaxShare): n(1-maxShare)/(maxShare·perDay) days. Zero
// when perDay is not positive (nothing to follow).
func ScheduleSpan(n int, perDay, maxShare float64) time.Duration {
	if maxShare <= 0 || maxShare >= 1 {
		maxShare = DefaultMaxShare
	}
	if perDay <= 0 || n <= 0 {
		return 0
	}
	d := float64(n) * (1 - maxShare) / (maxShare * perDay)
	return time.Duration(d * 24 * float64(time.Hour))
}

// ScheduleOptions returns the options for a Schedule that follows the
// host: its busy hours and weekdays in its zone, and its arrival rate.
func (s Shape) ScheduleOptions() ScheduleOptions {
	return ScheduleOptions{Hours: s.CreatedHours, Weekdays: s.CreatedWeekdays, Zone: s.CreatedZone, PerDay: s.Arrival.PerDay}
}

// Backdate returns copies of seeds dated in the host's past the way its own
// rows are: a month drawn by the host's rows in each month (so a growing
// host gets more recent seeds), then a moment of that month weighted by the
// host's hours and weekdays. Use it where the host's creation times do not
// follow its ids (Shape.Order.Ordered is false); where they do, let a
// Dripper with a Shape date each seed when it plants it. Seeds are returned
// unchanged when the Shape has no months. rngSeed zero: crypto-random.
func (s Shape) Backdate(seeds []canary.Seed, rngSeed [32]byte) ([]canary.Seed, error) {
	out := make([]canary.Seed, len(seeds))
	for i, sd := range seeds {
		out[i] = sd.Clone()
	}
	months := s.Arrival.Months
	total := 0.0
	cum := make([]float64, len(months))
	for i, m := range months {
		total += max(0, m.Rows)
		cum[i] = total
	}
	if total <= 0 {
		return out, nil
	}
	if rngSeed == ([32]byte{}) {
		if _, err := crand.Read(rngSeed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	r := rand.New(rand.NewChaCha8(rngSeed))
	zone := s.CreatedZone
	if zone == nil {
		zone = time.UTC
	}
	hours, weekdays := s.CreatedHours, s.CreatedWeekdays
	if hours == ([24]float64{}) {
		for h := range hours {
			hours[h] = 1
		}
	}
	if weekdays == ([7]float64{}) {
		weekdays = [7]float64{1, 1, 1, 1, 1, 1, 1}
	}
	latest := s.CreatedTo
	for i := range out {
		m := months[min(sort.SearchFloat64s(cum, r.Float64()*total), len(months)-1)].Month
		// Rejection: a moment of the month, kept with its hour's and day's weight.
		end := m.AddDate(0, 1, 0)
		if !latest.IsZero() && latest.Before(end) && latest.After(m) {
			end = latest
		}
		var at time.Time
		for try := 0; try < 1000; try++ {
			at = m.Add(time.Duration(r.Int64N(int64(end.Sub(m)))))
			local := at.In(zone)
			w := hours[local.Hour()] * weekdays[local.Weekday()]
			if w > 0 && r.Float64() < w/maxWeight(hours, weekdays) {
				break
			}
		}
		out[i].CreatedAt = at.Truncate(time.Second)
	}
	return out, nil
}

func maxWeight(hours [24]float64, weekdays [7]float64) float64 {
	h, d := 0.0, 0.0
	for _, x := range hours {
		h = max(h, x)
	}
	for _, x := range weekdays {
		d = max(d, x)
	}
	return h * d
}
