package canary

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// keyFilter answers "could a registry hold this lookup key?" in a few
// nanoseconds, without a lock: most digit runs in a dump have the shape of a
// number or a ticket (dates, amounts, the host's own tickets), and the filter
// spares each of them the registry lookup. It is a blocked Bloom filter: each
// key sets two bits of one 64-bit word chosen by a keyed hash, so a "no" is
// certain and a "maybe" is wrong for about 2% of keys not held, at 16 bits a
// key. Bits are only ever set, with atomic ORs, so a filter can be shared by
// every published Shape; a filter that fills up is replaced by a larger one.
type keyFilter struct {
	seed  maphash.Seed
	words []atomic.Uint64
	shift uint // 64 - log2(len(words))
	limit int  // keys it holds at its rated false-positive rate
	n     int  // keys added; the registry's writer alone touches it
}

const filterBitsPerKey = 16

func newKeyFilter(keys int) *keyFilter {
	n := max(1024, keys*filterBitsPerKey/64)
	n = 1 << bits.Len(uint(n-1)) // a power of two
	return &keyFilter{
		seed:  maphash.MakeSeed(),
		words: make([]atomic.Uint64, n),
		shift: uint(64 - bits.TrailingZeros(uint(n))),
		limit: n * 64 / filterBitsPerKey,
	}
}

func (k *keyFilter) locate(key []byte) (word, mask uint64) {
	h := maphash.Bytes(k.seed, key)
	return h >> k.shift, 1<<(h&63) | 1<<(h>>6&63)
}

// add sets key's bits. Only the registry's writer calls it.
func (k *keyFilter) add(key []byte) {
	w, m := k.locate(key)
	k.words[w].Or(m)
	k.n++
}

// has reports whether key may have been added.
func (k *keyFilter) has(key []byte) bool {
	w, m := k.locate(key)
	return k.words[w].Load()&m == m
}

// mayHold reports whether the registry could hold a phone number or ticket
// with this lookup key: false only when its filter says no.
func (sh *Shape) mayHold(f Field, key []byte) bool {
	var k *keyFilter
	switch f {
	case FieldPhone:
		k = sh.phones
	case FieldTicket:
		k = sh.tickets
	}
	return k == nil || k.has(key)
}

// withFilters returns sh with filters that admit the phone numbers and
// tickets of keys too, besides everything r holds: their bits are set in the
// current filters, or, when those would fill up, in larger ones built from
// every record and published with the returned Shape. The caller holds
// addMu, so r's records do not change meanwhile.
func (r *MemoryRegistry) withFilters(sh *Shape, keys [][]Key) *Shape {
	if sh == nil {
		return nil
	}
	var phones, tickets int
	for _, ks := range keys {
		for _, k := range ks {
			switch k.Field {
			case FieldPhone:
				phones++
			case FieldTicket:
				tickets++
			}
		}
	}
	out := *sh
	grow := func(cur *keyFilter, adding int, refill func(*keyFilter)) *keyFilter {
		if cur != nil && cur.n+adding <= cur.limit {
			return cur
		}
		held := 0
		if cur != nil {
			held = cur.n
		}
		next := newKeyFilter(2 * (held + adding))
		r.mu.RLock()
		refill(next)
		r.mu.RUnlock()
		return next
	}
	out.phones = grow(sh.phones, phones, func(k *keyFilter) {
		for p := range r.phone {
			k.add([]byte(p))
		}
	})
	out.tickets = grow(sh.tickets, tickets, func(k *keyFilter) {
		var buf [128]byte
		for o := range uint32(r.recs.len()) {
			if t := r.ticketKey(buf[:0], o); len(t) > 0 {
				k.add(t)
			}
		}
	})
	for _, ks := range keys {
		for _, k := range ks {
			switch k.Field {
			case FieldPhone:
				out.phones.add([]byte(k.Value))
			case FieldTicket:
				out.tickets.add([]byte(k.Value))
			}
		}
	}
	if out.phones == sh.phones && out.tickets == sh.tickets {
		return sh
	}
	return &out
}
