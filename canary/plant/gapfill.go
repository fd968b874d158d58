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
	type gap struct {
		k int
		w float64
	}
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
	var gaps []gap
	for k := 1; k < len(rows); k++ {
		if !room(rows[k-1], rows[k], tickets) {
			continue
		}
		w := 1.0
		if tickets {
			w = stepWeight(rows[k].ticket-rows[k-1].ticket, g)
		}
		gaps = append(gaps, gap{k, w})
	}
	for len(gaps) > 0 {
		c := len(gaps) - 1
		if tickets {
			var total float64
			for _, gp := range gaps {
				total += gp.w
			}
			x := r.Float64() * total
			for c = 0; c < len(gaps)-1 && x >= gaps[c].w; c++ {
				x -= gaps[c].w
			}
		}
		k := gaps[c].k
		in := between(rows[k-1], rows[k], tickets, g, r)
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
// theirs, and (with tickets) a ticket step drawn by splitWeights.
func between(lo, hi gapRow, tickets bool, g Gaps, r *rand.Rand) gapRow {
	in := gapRow{
		id: lo.id + 1 + r.Int64N(hi.id-lo.id-1),
		at: lo.at.Add(time.Second + time.Duration(r.Int64N(int64(hi.at.Sub(lo.at)-time.Second)))).Truncate(time.Microsecond),
	}
	if tickets {
		width, w := splitWeights(hi.ticket-lo.ticket, g)
		var total float64
		for _, x := range w {
			total += x
		}
		x, b := r.Float64()*total, 0
		for ; b < len(w)-1 && x >= w[b]; b++ {
			x -= w[b]
		}
		a := 1 + uint64(b)*width
		a += uint64(r.Int64N(int64(min(width, hi.ticket-lo.ticket-a))))
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

// splitWeights weighs the ways a seed can split a ticket step s (at least
// 2) between its real neighbours into its own step a and the next row's
// s-a, by how often the host makes each of the two (g's mass at a and at
// s-a). It returns the width of the bands of a, from a = 1, and each
// band's weight.
func splitWeights(s uint64, g Gaps) (width uint64, w []float64) {
	ways := s - 1
	width = (ways + maxSplits - 1) / maxSplits
	w = make([]float64, (ways+width-1)/width)
	for b := range w {
		first := 1 + uint64(b)*width
		n := min(width, s-first)
		a := first + n/2
		w[b] = float64(n) * g.mass(float64(a)) * g.mass(float64(s-a))
	}
	return width, w
}

// stepWeight is how much a gap whose neighbours' tickets are s apart is
// worth to a seed: the chance of two host steps summing to s over the
// chance of one step of s. Drawing gaps by it leaves the seed's step and
// the next row's distributed as two independent steps of the host's.
func stepWeight(s uint64, g Gaps) float64 {
	_, w := splitWeights(s, g)
	var pair float64
	for _, x := range w {
		pair += x
	}
	return pair / g.mass(float64(s))
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
