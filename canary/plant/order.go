package plant

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// OrderProfile says how the host's row ids, creation times and ticket
// numbers follow each other, read over its newest rows in id order: counts
// and gap quantiles, no row.
type OrderProfile struct {
	// ID is the column the rows were read in order of: Mapping.ID, else the
	// table's database-numbered key. "" when the table has neither (then
	// nothing else here is measured), and for a CSV export that LearnCSV
	// read in file order (then the rest is measured in that order).
	ID string
	// Rows is how many of the newest rows were read.
	Rows int
	// CreatedPairs is how many neighbouring rows (by id) both had a
	// creation time, CreatedInOrder how many of those did not go back in
	// time as the id grew. TicketPairs and TicketsInOrder are the same for
	// ticket numbers (of the host's main ticket format).
	CreatedPairs, CreatedInOrder int
	TicketPairs, TicketsInOrder  int
	// IDGaps, TicketGaps and TimeGaps are the quantiles of the gaps between
	// neighbours: ids, ticket numbers, and seconds between creation times.
	IDGaps, TicketGaps, TimeGaps Gaps
}

// Ordered reports whether the host's creation times (and ticket numbers,
// when it has both) follow its ids in at least 99% of neighbouring rows:
// then a seed must be dated when it is planted and take the next ticket, or
// it would break an order no real row breaks.
func (o OrderProfile) Ordered() bool {
	inOrder := func(n, of int) bool { return of >= 10 && float64(n) >= 0.99*float64(of) }
	if !inOrder(o.CreatedInOrder, o.CreatedPairs) {
		return false
	}
	return o.TicketPairs == 0 || inOrder(o.TicketsInOrder, o.TicketPairs)
}

// TicketsOrdered reports whether ticket numbers follow the ids in at least
// 99% of neighbouring rows.
func (o OrderProfile) TicketsOrdered() bool {
	return o.TicketPairs >= 10 && float64(o.TicketsInOrder) >= 0.99*float64(o.TicketPairs)
}

// Gaps is a distribution of gaps between neighbours, as its quantiles in
// steps of 5% (21 values, from the smallest to the largest). Nil when
// nothing was measured.
type Gaps []float64

// gapQuantiles is how many quantiles a Gaps holds.
const gapQuantiles = 21

// newGaps summarizes gaps (sorted in place).
func newGaps(gaps []float64) Gaps {
	if len(gaps) == 0 {
		return nil
	}
	slices.Sort(gaps)
	g := make(Gaps, gapQuantiles)
	for i := range g {
		g[i] = gaps[min(len(gaps)-1, int(float64(i)/float64(gapQuantiles-1)*float64(len(gaps)-1)+0.5))]
	}
	return g
}

// Draw returns a gap drawn from the distribution: a uniform quantile,
// interpolated between the stored ones. 0 for empty Gaps.
func (g Gaps) Draw(r *rand.Rand) float64 {
	if len(g) == 0 {
		return 0
	}
	if len(g) == 1 {
		return g[0]
	}
	x := r.Float64() * float64(len(g)-1)
	i := int(x)
	if i >= len(g)-1 {
		return g[len(g)-1]
	}
	return g[i] + (x-float64(i))*(g[i+1]-g[i])
}

// Median returns the middle quantile; 0 for empty Gaps.
func (g Gaps) Median() float64 {
	if len(g) == 0 {
		return 0
	}
	return g[len(g)/2]
}

// idColumn returns the column rows are read in order of: m.ID, else the
// one database-numbered column.
func (p *prepared) idColumn() (*column, error) {
	if p.m.ID != "" {
		c, ok := p.t.find(p.m.ID)
		if !ok {
			return nil, fmt.Errorf("%w: table %q has no column %q", ErrNoColumn, p.t.name, p.m.ID)
		}
		return c, nil
	}
	var found *column
	for i := range p.t.columns {
		if c := &p.t.columns[i]; c.autoID {
			if found != nil {
				return nil, nil // two: neither is the row id for sure
			}
			found = c
		}
	}
	return found, nil
}

// profileOrder reads the newest rows in id order (n at most) and measures
// how creation times and tickets follow the ids.
func profileOrder(ctx context.Context, p *prepared, n int, ticketFormat string) (OrderProfile, error) {
	var o OrderProfile
	id, err := p.idColumn()
	if err != nil || id == nil {
		return o, err
	}
	o.ID = id.name
	exprs := []string{quote(id.name)}
	created, ticket := p.col(roleCreated), p.col(roleTicket)
	if created != nil {
		e := quote(created.name)
		if p.d == SQLite {
			e = "CAST(" + e + " AS TEXT)"
		}
		exprs = append(exprs, e)
	} else {
		exprs = append(exprs, "NULL")
	}
	if ticket != nil {
		exprs = append(exprs, "CAST("+quote(ticket.name)+" AS TEXT)")
	} else {
		exprs = append(exprs, "NULL")
	}
	query := "SELECT " + exprs[0] + ", " + exprs[1] + ", " + exprs[2] + " FROM " + p.t.qualified() +
		" WHERE " + quote(id.name) + " IS NOT NULL ORDER BY " + quote(id.name) + " DESC LIMIT " + p.d.placeholder(1)
	rows, err := p.q.QueryContext(ctx, query, n)
	if err != nil {
		return o, fmt.Errorf("plant: reading %q in id order: %w", p.t.name, err)
	}
	defer rows.Close()
	var idGaps, ticketGaps, timeGaps []float64
	var prevID float64
	var prevTime time.Time
	var prevTicket uint64
	havePrev, havePrevTime, havePrevTicket := false, false, false
	layouts := map[string]int{}
	for rows.Next() {
		var idv, cv, tv any
		if err := rows.Scan(&idv, &cv, &tv); err != nil {
			return o, fmt.Errorf("plant: reading %q in id order: %w", p.t.name, err)
		}
		o.Rows++
		idNum, isNum := number(idv)
		t := parseCreated(p, cv, layouts)
		var tn uint64
		tok := false
		if s := text(tv); s != "" {
			var f string
			f, tn, tok = ticketShape(s)
			tok = tok && f == ticketFormat
		}
		// Rows come newest first: the previous row is the later one.
		if havePrev && isNum {
			idGaps = append(idGaps, prevID-idNum)
		}
		if !t.IsZero() && havePrevTime && havePrev {
			o.CreatedPairs++
			if !prevTime.Before(t) {
				o.CreatedInOrder++
			}
			timeGaps = append(timeGaps, prevTime.Sub(t).Seconds())
		}
		if tok && havePrevTicket && havePrev {
			o.TicketPairs++
			if prevTicket > tn {
				o.TicketsInOrder++
			}
			ticketGaps = append(ticketGaps, float64(prevTicket)-float64(tn))
		}
		prevID, havePrev = idNum, isNum
		prevTime, havePrevTime = t, !t.IsZero()
		prevTicket, havePrevTicket = tn, tok
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("plant: reading %q in id order: %w", p.t.name, err)
	}
	o.IDGaps, o.TicketGaps, o.TimeGaps = newGaps(idGaps), newGaps(ticketGaps), newGaps(timeGaps)
	return o, nil
}

// number reads an integer-valued id; ok is false for others (uuids, text).
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v)
	case []byte, string:
		s := text(v)
		var n int64
		if _, err := fmt.Sscan(s, &n); err == nil && fmt.Sprint(n) == s {
			return float64(n), true
		}
	}
	return 0, false
}

// ArrivalProfile is how fast the host takes new rows, from the creation
// times of the sample scaled to the table.
type ArrivalProfile struct {
	// PerDay is the host's new rows a day over the last 28 days before its
	// newest creation time.
	PerDay float64
	// Months is the estimated rows created in each calendar month (in
	// Mapping.Zone), oldest first, from the first month with a row to the
	// newest; the newest month is usually partial.
	Months []MonthRows
}

// MonthRows is one month of an ArrivalProfile.
type MonthRows struct {
	Month time.Time // the first instant of the month, in Mapping.Zone
	Rows  float64
}

// arrival estimates the arrival profile from sampled creation times (Unix
// seconds, sorted) that stand for total rows.
func arrival(created []int64, sampled, total int, zone *time.Location) ArrivalProfile {
	var a ArrivalProfile
	if len(created) < 2 || sampled == 0 {
		return a
	}
	scale := float64(max(total, sampled)) / float64(sampled)
	newest := created[len(created)-1]
	const window = 28 * 24 * 3600
	recent := 0
	for _, c := range created {
		if c > newest-window {
			recent++
		}
	}
	a.PerDay = float64(recent) * scale / 28
	counts := map[time.Time]int{}
	for _, c := range created {
		t := time.Unix(c, 0).In(zone)
		counts[time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, zone)]++
	}
	first := time.Unix(created[0], 0).In(zone)
	m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, zone)
	last := time.Unix(newest, 0).In(zone)
	for !m.After(last) && len(a.Months) < 1200 {
		a.Months = append(a.Months, MonthRows{Month: m, Rows: float64(counts[m]) * scale})
		m = m.AddDate(0, 1, 0)
	}
	return a
}

// cdf returns the share of gaps at most x, read off the quantiles with
// straight lines between them.
func (g Gaps) cdf(x float64) float64 {
	n := len(g)
	if n == 0 || x < g[0] {
		return 0
	}
	if x >= g[n-1] {
		return 1
	}
	i := sort.Search(n, func(i int) bool { return g[i] > x }) - 1 // g[i] <= x < g[i+1]
	return (float64(i) + (x-g[i])/(g[i+1]-g[i])) / float64(n-1)
}

// mass returns the share of gaps that round to the whole number k, never
// quite 0: a gap the quantiles missed is rare, not impossible.
func (g Gaps) mass(k float64) float64 {
	return g.cdf(k+0.5) - g.cdf(k-0.5) + 1e-3
}
