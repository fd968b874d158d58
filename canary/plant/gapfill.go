package plant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	// Newest first: newest[k] is the later row of the pair (newest[k+1], newest[k]).
	for k := 0; k+1 < len(newest); k++ {
		in, ok := between(newest[k+1], newest[k], useTickets, r)
		if !ok {
			continue
		}
		sl := slot{id: in.id, created: in.at}
		if useTickets {
			sl.ticket = canary.FormatTicket(sh.TicketFormat, in.ticket)
			// An older row may hold the number (tickets reissued, imported):
			// a shared ticket would point alerts at a real customer.
			if err := p.refuseExisting(ctx, q, canary.Seed{Ticket: sl.ticket}); err != nil {
				if errors.Is(err, ErrDuplicate) {
					continue
				}
				return slot{}, false, err
			}
		}
		return sl, true, nil
	}
	return slot{}, false, nil
}

// gapRow is a row as a gap is looked for next to it: its id, creation time
// and ticket number.
type gapRow struct {
	id        int64
	at        time.Time
	ticket    uint64
	hasTicket bool
}

// between returns a row for a seed in the gap between the consecutive rows
// lo and hi: an unused id, a creation time and (with tickets) a ticket
// number strictly between theirs, drawn at random; ok is false when the
// ids, the times or the tickets leave no room.
func between(lo, hi gapRow, tickets bool, r *rand.Rand) (in gapRow, ok bool) {
	if hi.id-lo.id < 2 || lo.at.IsZero() || hi.at.IsZero() || hi.at.Sub(lo.at) < 2*time.Second {
		return gapRow{}, false
	}
	if tickets && (!hi.hasTicket || !lo.hasTicket || hi.ticket < lo.ticket+2) {
		return gapRow{}, false
	}
	in = gapRow{
		id: lo.id + 1 + r.Int64N(hi.id-lo.id-1),
		at: lo.at.Add(time.Second + time.Duration(r.Int64N(int64(hi.at.Sub(lo.at)-time.Second)))).Truncate(time.Microsecond),
	}
	if tickets {
		in.ticket, in.hasTicket = lo.ticket+1+uint64(r.Int64N(int64(hi.ticket-lo.ticket-1))), true
	}
	return in, true
}
