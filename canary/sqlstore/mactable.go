package sqlstore

import "encoding/binary"

// macTable maps MACs to seqs in one flat array with linear probing. MACs are
// HMAC outputs, uniform without the key, so their first bytes serve as the
// hash: no hashing, and an insert or a lookup costs one cache miss, where a Go
// map of 16-byte keys costs a hash and a probe of its control words. Loading
// a million seeds' index is mostly these inserts.
//
// A slot with seq 0 is empty (seqs start at 1). Not safe for concurrent use:
// index locks it.
type macTable struct {
	slots []macSlot
	n     int
}

type macSlot struct {
	k   mac
	seq int64
}

func newMACTable(n int) macTable {
	size := 16
	for size*3 < n*4 { // at most three quarters full
		size *= 2
	}
	return macTable{slots: make([]macSlot, size)}
}

func (t *macTable) home(k mac) int {
	return int(binary.LittleEndian.Uint64(k[:8]) & uint64(len(t.slots)-1))
}

// get returns the seq stored under k.
func (t *macTable) get(k mac) (int64, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.seq == 0 {
			return 0, false
		}
		if s.k == k {
			return s.seq, true
		}
	}
}

// put stores seq under k, replacing what was there.
func (t *macTable) put(k mac, seq int64) {
	t.claim(k, seq).seq = seq
}

// putNew stores seq under k unless k is there: then it returns the seq
// stored and false. One probe where get and put would take two.
func (t *macTable) putNew(k mac, seq int64) (int64, bool) {
	n := t.n
	s := t.claim(k, seq)
	return s.seq, t.n > n
}

// claim returns k's slot, first storing seq there (and counting it) when k
// is not in the table. It grows the table first, so that a slot is free.
func (t *macTable) claim(k mac, seq int64) *macSlot {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.seq == 0 {
			*s = macSlot{k, seq}
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
	mask := len(t.slots) - 1
	i := t.home(k)
	for ; ; i = (i + 1) & mask {
		if t.slots[i].seq == 0 {
			return
		}
		if t.slots[i].k == k {
			break
		}
	}
	for j := (i + 1) & mask; t.slots[j].seq != 0; j = (j + 1) & mask {
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

func (t *macTable) grow() {
	old := t.slots
	*t = newMACTable(max(2*len(old), 16) * 3 / 4)
	for _, s := range old {
		if s.seq != 0 {
			t.put(s.k, s.seq)
		}
	}
}

func (t *macTable) len() int { return t.n }
