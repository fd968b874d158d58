package canary

import (
	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// withFilters returns sh with filters that admit the phone numbers and
// tickets of keys too, besides everything r holds: their bits are set in the
// current filters, or, when those would fill up, in larger ones built from
// every record and published with the returned Shape. The caller holds
// addMu, so r's records do not change meanwhile.
func (r *MemoryRegistry) withFilters(sh *find.Shape, keys [][]norm.Key) *find.Shape {
	if sh == nil {
		return nil
	}
	var phones, tickets int
	for _, ks := range keys {
		for _, k := range ks {
			switch k.Field {
			case norm.FieldPhone:
				phones++
			case norm.FieldTicket:
				tickets++
			}
		}
	}
	out := *sh
	grow := func(cur *find.KeyFilter, adding int, refill func(*find.KeyFilter)) *find.KeyFilter {
		if cur != nil && !cur.Full(adding) {
			return cur
		}
		held := 0
		if cur != nil {
			held = cur.Len()
		}
		next := find.NewKeyFilter(2 * (held + adding))
		r.mu.RLock()
		refill(next)
		r.mu.RUnlock()
		return next
	}
	out.Phones = grow(sh.Phones, phones, func(k *find.KeyFilter) {
		for p := range r.phone {
			k.Add([]byte(p))
		}
	})
	out.Tickets = grow(sh.Tickets, tickets, func(k *find.KeyFilter) {
		var buf [128]byte
		for o := range uint32(r.recs.len()) {
			if t := r.ticketKey(buf[:0], o); len(t) > 0 {
				k.Add(t)
			}
		}
	})
	for _, ks := range keys {
		for _, k := range ks {
			switch k.Field {
			case norm.FieldPhone:
				out.Phones.Add([]byte(k.Value))
			case norm.FieldTicket:
				out.Tickets.Add([]byte(k.Value))
			}
		}
	}
	if out.Phones == sh.Phones && out.Tickets == sh.Tickets {
		return sh
	}
	return &out
}
