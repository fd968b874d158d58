package sqlstore

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// macTable maps MACs to seqs in one flat array with linear probing. MACs are
// HMAC outputs, uniform without the key, so their first bytes serve as the
// hash: no hashing, and an insert or a lookup costs one cache miss, where a Go
// map of 16-byte keys costs a hash and a probe of its control words. Loading
// a large store's index is mostly these inserts.
//
// A slot is the MAC and a 32-bit seq, 20 bytes; the table has any number of
// slots (the home slot is a multiply-shift of the hash, not a mask), so one
// sized for the rows it will hold is four fifths full rather than between a
// third and three quarters. A slot with seq 0 is empty (seqs start at 1). Not
// safe for concurrent use: index locks it.
type macTable struct {
	slots []macSlot
	n     int
	sink  uint32 // what warm reads, so that its loads are not optimized away
}

type macSlot struct {
	k   mac
	seq uint32
}

// maxSeq is the highest seq a table holds: four billion seeds.
const maxSeq = math.MaxUint32

// newMACTable returns a table sized for n entries, four fifths full with
// them. It grows past nine tenths.
func newMACTable(n int) macTable {
	return macTable{slots: make([]macSlot, tableSize(n))}
}

func tableSize(n int) int { return max(16, n+n/4+1) }

func (t *macTable) home(k mac) int {
	hi, _ := bits.Mul64(binary.LittleEndian.Uint64(k[:8]), uint64(len(t.slots)))
	return int(hi)
}

func (t *macTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// warmBatch is how many keys warm reads ahead of their inserts.
const warmBatch = 32

// warm reads the home slots of keys, which the caller is about to insert or
// look up. The loads do not depend on each other, so the processor runs them
// at once rather than paying one cache miss after another: loading a large
// index is bound by these misses, one per key in a table of hundreds of
// megabytes.
func (t *macTable) warm(keys []mac) {
	if len(t.slots) == 0 {
		return
	}
	var s uint32
	for i := range keys {
		s |= t.slots[t.home(keys[i])].seq
	}
	t.sink |= s
}

// get returns the seq stored under k.
func (t *macTable) get(k mac) (int64, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	for i := t.home(k); ; i = t.next(i) {
		s := &t.slots[i]
		if s.seq == 0 {
			return 0, false
		}
		if s.k == k {
			return int64(s.seq), true
		}
	}
}

// put stores seq under k, replacing what was there.
func (t *macTable) put(k mac, seq int64) {
	t.claim(k, seq).seq = uint32(seq)
}

// putNew stores seq under k unless k is there: then it returns the seq
// stored and false. One probe where get and put would take two.
func (t *macTable) putNew(k mac, seq int64) (int64, bool) {
	n := t.n
	s := t.claim(k, seq)
	return int64(s.seq), t.n > n
}

// claim returns k's slot, first storing seq (at most maxSeq) there, and
// counting it, when k is not in the table. It grows the table first, so that
// a slot is free.
func (t *macTable) claim(k mac, seq int64) *macSlot {
	if (t.n+1)*10 > len(t.slots)*9 {
		t.grow()
	}
	for i := t.home(k); ; i = t.next(i) {
		s := &t.slots[i]
		if s.seq == 0 {
			*s = macSlot{k, uint32(seq)}
			t.n++
			return s
		}
		if s.k == k {
			return s
		}
	}
}

// delete removes k, shifting back the entries after it so that no probe
// sequence is broken (no tombstones).
func (t *macTable) delete(k mac) {
	if len(t.slots) == 0 {
		return
	}
	i := t.home(k)
	for ; ; i = t.next(i) {
		if t.slots[i].seq == 0 {
			return
		}
		if t.slots[i].k == k {
			break
		}
	}
	for j := t.next(i); t.slots[j].seq != 0; j = t.next(j) {
		h := t.home(t.slots[j].k)
		// The entry at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = macSlot{}
	t.n--
}

// deleteAbove removes every entry whose seq is above seq. A deletion shifts
// later entries back, perhaps across the end of the slots into a part already
// swept, so sweeps repeat until one finds nothing.
func (t *macTable) deleteAbove(seq int64) {
	for swept := true; swept; {
		swept = false
		for i := 0; i < len(t.slots); {
			if s := t.slots[i]; s.seq != 0 && int64(s.seq) > seq {
				t.delete(s.k) // and look at slot i again: another entry may have moved there
				swept = true
				continue
			}
			i++
		}
	}
}

// grow doubles the slots.
func (t *macTable) grow() {
	t.rehash(max(16, 2*len(t.slots)))
}

// reserve makes room for n entries in all, four fifths full with them, if
// they would make the table grow: a large batch then rehashes it once rather
// than at every doubling.
func (t *macTable) reserve(n int) {
	if n*10 > len(t.slots)*9 {
		t.rehash(tableSize(n))
	}
}

func (t *macTable) rehash(slots int) {
	old := t.slots
	*t = macTable{slots: make([]macSlot, slots), sink: t.sink}
	for _, s := range old {
		if s.seq != 0 {
			t.put(s.k, int64(s.seq))
		}
	}
}

func (t *macTable) len() int { return t.n }
