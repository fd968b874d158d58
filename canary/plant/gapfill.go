package plant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// gapRows is how many of the newest rows a drip looks through for a gap in
// the ids to plant a seed in: recent ones only (about three weeks of a
// table taking two or three rows a day), so that a seed seldom appears
// among rows an earlier export already held.
const gapRows = 50

// slot is a place for a seed between two of the host's newest rows whose
// ids are not consecutive (a deleted row, a rolled-back insert): the seed
// takes an id, a creation time and a ticket between theirs, so it breaks
// no order, and no later real row can take a smaller ticket.
type slot struct {
	id      int64
	created time.Time
	ticket  string // "" when the host's tickets do not follow its ids
}

// findSlot looks through the newest gapRows rows for a gap in the ids with
// room in the creation times (and in the ticket numbers, when tickets
// follow the ids) and returns a slot in the newest such gap; ok is false
// when there is none.
func findSlot(ctx context.Context, q queryer, p *prepared, sh *Shape, r *rand.Rand) (slot, bool, error) {
	id, err := p.idColumn()
	if err != nil || id == nil || !id.autoID || id.alwaysID {
		return slot{}, false, err
	}
	created := p.col(roleCreated)
	if created == nil {
		return slot{}, false, nil
	}
	ce := quote(created.name)
	if p.d == SQLite {
		ce = "CAST(" + ce + " AS TEXT)"
	}
	te := "NULL"
	ticket := p.col(roleTicket)
	useTickets := ticket != nil && sh.Order.TicketsOrdered() && sh.TicketFormat != ""
	if useTickets {
		te = "CAST(" + quote(ticket.name) + " AS TEXT)"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+quote(id.name)+", "+ce+", "+te+" FROM "+p.t.qualified()+
		" WHERE "+quote(id.name)+" IS NOT NULL ORDER BY "+quote(id.name)+" DESC LIMIT "+p.d.placeholder(1), gapRows)
	if err != nil {
		return slot{}, false, fmt.Errorf("plant: reading the newest rows of %q: %w", p.t.name, err)
	}
	defer rows.Close()
	var newest []gapRow
	layouts := map[string]int{}
	for rows.Next() {
		var iv, cv, tv any
		if err := rows.Scan(&iv, &cv, &tv); err != nil {
			return slot{}, false, fmt.Errorf("plant: reading the newest rows of %q: %w", p.t.name, err)
		}
		n, ok := number(iv)
		if !ok || n != float64(int64(n)) {
			return slot{}, false, nil // ids that are not integers: nothing to fill
		}
		rw := gapRow{id: int64(n), at: parseCreated(p, cv, layouts)}
		if s := text(tv); s != "" {
			f, tn, ok := ticketShape(s)
			rw.ticket, rw.hasTicket = tn, ok && f == sh.TicketFormat
		}
		newest = append(newest, rw)
	}
	if err := rows.Err(); err != nil {
		return slot{}, false, fmt.Errorf("plant: reading the newest rows of %q: %w", p.t.name, err)
	}
	rows.Close()
	slices.Reverse(newest) // oldest first, as pickSlot reads them
	_, in, ok, err := pickSlot(newest, useTickets, sh.Order.TicketGaps, r, func(in gapRow) (bool, error) {
		if !useTickets {
			return true, nil
		}
		// An older row may hold the number (tickets reissued, imported):
		// a shared ticket would point alerts at a real customer.
		err := p.refuseExisting(ctx, q, canary.Seed{Ticket: canary.FormatTicket(sh.TicketFormat, in.ticket)})
		if errors.Is(err, ErrDuplicate) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil || !ok {
		return slot{}, false, err
	}
	sl := slot{id: in.id, created: in.at}
	if useTickets {
		sl.ticket = canary.FormatTicket(sh.TicketFormat, in.ticket)
	}
	return sl, true, nil
}

// gapRow is a row as a gap is looked for next to it: its id, creation time
// and ticket number.
type gapRow struct {
	id        int64
	at        time.Time
	ticket    uint64
	hasTicket bool
}

// pickSlot chooses the gap between two consecutive rows of rows (oldest
// first) that a seed goes into, and returns the index k of the later row
// of the pair and the seed's row; ok is false when no gap has room, or
// usable (nil: any) turns down the row drawn for every gap that has.
//
// Without tickets it takes the newest gap. With tickets, a seed in a gap
// splits one real ticket step s in two, its own step a and the next
// row's s-a: the gap is drawn with a weight, and a from the host's gaps
// (see splitWeights), so that the two steps look like two the host made,
// not like halves of one. The host's steps are read off rows themselves
// when they hold enough, else g.
func pickSlot(rows []gapRow, tickets bool, g Gaps, r *rand.Rand, usable func(gapRow) (bool, error)) (k int, in gapRow, ok bool, err error) {
	if tickets {
		// Steps grow as a host's support does: the rows' own steps say
		// what a step is now better than the whole table's.
		var steps []float64
		for k := 1; k < len(rows); k++ {
			if lo, hi := rows[k-1], rows[k]; lo.hasTicket && hi.hasTicket && hi.ticket > lo.ticket {
				steps = append(steps, float64(hi.ticket-lo.ticket))
			}
		}
		if len(steps) >= minLocalSteps {
			g = newGaps(steps)
		}
	}
	type gap struct {
		k     int
		split *split // nil without tickets
	}
	var gaps []gap
	for k := 1; k < len(rows); k++ {
		if !room(rows[k-1], rows[k], tickets) {
			continue
		}
		gp := gap{k: k}
		if tickets {
			sp := splitWeights(rows[k].ticket-rows[k-1].ticket, g)
			gp.split = &sp
		}
		gaps = append(gaps, gp)
	}
	for len(gaps) > 0 {
		c := len(gaps) - 1 // without tickets: the newest gap
		if tickets {
			c = drawIndex(len(gaps), func(i int) float64 { return gaps[i].split.gapWeight(g) }, r)
		}
		k := gaps[c].k
		in := between(rows[k-1], rows[k], gaps[c].split, r)
		if usable != nil {
			ok, err := usable(in)
			if err != nil {
				return 0, gapRow{}, false, err
			}
			if !ok {
				gaps = slices.Delete(gaps, c, c+1)
				continue
			}
		}
		return k, in, true, nil
	}
	return 0, gapRow{}, false, nil
}

// drawIndex returns an index below n drawn by weight (none negative, some
// positive).
func drawIndex(n int, weight func(int) float64, r *rand.Rand) int {
	var total float64
	for i := range n {
		total += weight(i)
	}
	x, i := r.Float64()*total, 0
	for ; i < n-1 && x >= weight(i); i++ {
		x -= weight(i)
	}
	return i
}

// room reports whether a seed fits between the consecutive rows lo and hi:
// an unused id, a creation time and (with tickets) a ticket number strictly
// between theirs.
func room(lo, hi gapRow, tickets bool) bool {
	if hi.id-lo.id < 2 || lo.at.IsZero() || hi.at.IsZero() || hi.at.Sub(lo.at) < 2*time.Second {
		return false
	}
	return !tickets || (hi.hasTicket && lo.hasTicket && hi.ticket >= lo.ticket+2)
}

// between returns a row for a seed in the gap between lo and hi, which
// have room (see room): an id and a creation time drawn at random between
// theirs, and, given the split of their ticket step (nil: no ticket), a
// ticket drawn by it.
func between(lo, hi gapRow, sp *split, r *rand.Rand) gapRow {
	in := gapRow{
		id: lo.id + 1 + r.Int64N(hi.id-lo.id-1),
		at: lo.at.Add(time.Second + time.Duration(r.Int64N(int64(hi.at.Sub(lo.at)-time.Second)))).Truncate(time.Microsecond),
	}
	if sp != nil {
		b := drawIndex(len(sp.w), func(i int) float64 { return sp.w[i] }, r)
		a := 1 + uint64(b)*sp.width
		a += uint64(r.Int64N(int64(min(sp.width, sp.step-a))))
		in.ticket, in.hasTicket = lo.ticket+a, true
	}
	return in
}

// minLocalSteps is how many ticket steps among the newest rows pickSlot
// needs to weigh a split by them rather than by the learned ones.
const minLocalSteps = 20

// maxSplits bounds how many ways of splitting a ticket step are weighed
// one by one; a wider step is weighed in as many bands.
const maxSplits = 512

// split weighs the ways a seed can split a ticket step between its real
// neighbours into its own step a and the next row's step-a: w[b] weighs
// the a in [1+b·width, 1+(b+1)·width), and total is their sum.
type split struct {
	step, width uint64
	w           []float64
	total       float64
}

// splitWeights weighs the ways of splitting step (at least 2) by how often
// the host makes each of the two steps (g's mass at a and at step-a).
func splitWeights(step uint64, g Gaps) split {
	ways := step - 1
	sp := split{step: step, width: (ways + maxSplits - 1) / maxSplits}
	sp.w = make([]float64, (ways+sp.width-1)/sp.width)
	for b := range sp.w {
		first := 1 + uint64(b)*sp.width
		n := min(sp.width, step-first)
		a := first + n/2
		sp.w[b] = float64(n) * g.mass(float64(a)) * g.mass(float64(step-a))
		sp.total += sp.w[b]
	}
	return sp
}

// gapWeight is how much the gap whose step this splits is worth to a
// seed: the chance of two host steps summing to it over the chance of one
// such step. Drawing gaps by it leaves the seed's step and the next row's
// distributed as two independent steps of the host's.
func (sp split) gapWeight(g Gaps) float64 {
	return sp.total / g.mass(float64(sp.step))
}

// holdRows is how many of the host's new rows a seed that found no gap
// may wait for one, where its tickets follow its ids: an appended seed
// takes a ticket the host's next real row, numbered without knowing of it,
// overtakes about half the time. Waiting for gapRows rows finds a gap
// where about 3% of the host's ids are skipped four times in five.
const holdRows = gapRows

// holding says how a seed that found no gap waits for one: it tries again
// every retry, for at most limit after it fell due; ok is false when it
// should not wait (no tickets to keep in order, no rate learned, or a host
// whose ids never skip).
func holding(sh *Shape, tickets bool) (retry, limit time.Duration, ok bool) {
	if sh == nil || !tickets || sh.Arrival.PerDay <= 0 {
		return 0, 0, false
	}
	if g := sh.Order.IDGaps; len(g) == 0 || g[len(g)-1] <= 1 {
		return 0, 0, false
	}
	retry = time.Duration(float64(24*time.Hour) / sh.Arrival.PerDay)
	return retry, holdRows * retry, true
}
