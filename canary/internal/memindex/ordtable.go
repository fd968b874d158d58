// Package memindex holds the machinery of canary.MemoryRegistry: an
// open-addressing table of record ordinals (OrdTable) and an append-only
// arena of record text (Texts). It knows nothing of seeds: the registry
// hashes keys, confirms candidates against its records, and says which
// strings a record has.
package memindex

// OrdTable maps keys to record ordinals in 8 bytes a slot: open addressing,
// linear probing, each slot the low 32 bits of the key's hash and the ordinal
// plus one (zero: empty). Hashes are only 32 bits, so several keys can share
// one; lookups confirm a candidate with the caller's check of the record.
// Growing needs no key: the stored bits place an entry again.
type OrdTable struct {
	slots []uint64
	n     int
}

const minSize = 1 << 10

// Probe walks the ordinals stored under hash h: Next returns each in turn,
// and false at the end of the Probe run. It lets callers confirm candidates
// without a closure, so their keys can stay on the stack.
type Probe struct {
	slots     []uint64
	i, tag, m uint32
}

func (t *OrdTable) Probe(h uint64) Probe {
	if len(t.slots) == 0 {
		return Probe{}
	}
	m := uint32(len(t.slots) - 1)
	return Probe{slots: t.slots, i: uint32(h) & m, tag: uint32(h), m: m}
}

func (p *Probe) Next() (uint32, bool) {
	for p.slots != nil {
		s := p.slots[p.i]
		if s == 0 {
			return 0, false
		}
		p.i = (p.i + 1) & p.m
		if uint32(s>>32) == p.tag {
			return uint32(s) - 1, true
		}
	}
	return 0, false
}

// Insert adds ordinal o under hash h. The caller has made sure no record
// with the same key is in the table.
func (t *OrdTable) Insert(h uint64, o uint32) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.place(uint64(uint32(h))<<32 | uint64(o+1))
	t.n++
}

func (t *OrdTable) place(s uint64) {
	mask := uint32(len(t.slots) - 1)
	for i := uint32(s>>32) & mask; ; i = (i + 1) & mask {
		if t.slots[i] == 0 {
			t.slots[i] = s
			return
		}
	}
}

func (t *OrdTable) grow() {
	old := t.slots
	t.slots = make([]uint64, max(minSize, 2*len(old)))
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}
