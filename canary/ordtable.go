package canary

// ordTable maps keys to record ordinals in 8 bytes a slot: open addressing,
// linear probing, each slot the low 32 bits of the key's hash and the ordinal
// plus one (zero: empty). Hashes are only 32 bits, so several keys can share
// one; lookups confirm a candidate with the caller's check of the record.
// Growing needs no key: the stored bits place an entry again.
type ordTable struct {
	slots []uint64
	n     int
}

const ordTableMinSize = 1 << 10

// probe walks the ordinals stored under hash h: next returns each in turn,
// and false at the end of the probe run. It lets callers confirm candidates
// without a closure, so their keys can stay on the stack.
type probe struct {
	slots     []uint64
	i, tag, m uint32
}

func (t *ordTable) probe(h uint64) probe {
	if len(t.slots) == 0 {
		return probe{}
	}
	m := uint32(len(t.slots) - 1)
	return probe{slots: t.slots, i: uint32(h) & m, tag: uint32(h), m: m}
}

func (p *probe) next() (uint32, bool) {
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

// insert adds ordinal o under hash h. The caller has made sure no record
// with the same key is in the table.
func (t *ordTable) insert(h uint64, o uint32) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.place(uint64(uint32(h))<<32 | uint64(o+1))
	t.n++
}

func (t *ordTable) place(s uint64) {
	mask := uint32(len(t.slots) - 1)
	for i := uint32(s>>32) & mask; ; i = (i + 1) & mask {
		if t.slots[i] == 0 {
			t.slots[i] = s
			return
		}
	}
}

func (t *ordTable) grow() {
	old := t.slots
	t.slots = make([]uint64, max(ordTableMinSize, 2*len(old)))
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}
