package find

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// KeyFilter answers "could a registry hold this lookup key?" in a few
// nanoseconds, without a lock: most digit runs in a dump have the shape of a
// number or a ticket (dates, amounts, the host's own tickets), and the filter
// spares each of them the registry lookup. It is a blocked Bloom filter: each
// key sets two bits of one 64-bit word chosen by a keyed hash, so a "no" is
// certain and a "maybe" is wrong for about 2% of keys not held, at 16 bits a
// key. Bits are only ever set, with atomic ORs, so a filter can be shared by
// every published Shape; a filter that fills up is replaced by a larger one.
type KeyFilter struct {
	seed  maphash.Seed
	words []atomic.Uint64
	shift uint // 64 - log2(len(words))
	limit int  // keys it holds at its rated false-positive rate
	n     int  // keys added; the registry's writer alone touches it
}

// Full reports whether adding more keys would raise the false-positive rate
// past the rated one.
func (k *KeyFilter) Full(more int) bool { return k.n+more > k.limit }

// Len returns the number of keys added.
func (k *KeyFilter) Len() int { return k.n }

const filterBitsPerKey = 16

func NewKeyFilter(keys int) *KeyFilter {
	n := max(1024, keys*filterBitsPerKey/64)
	n = 1 << bits.Len(uint(n-1)) // a power of two
	return &KeyFilter{
		seed:  maphash.MakeSeed(),
		words: make([]atomic.Uint64, n),
		shift: uint(64 - bits.TrailingZeros(uint(n))),
		limit: n * 64 / filterBitsPerKey,
	}
}

func (k *KeyFilter) locate(key []byte) (word, mask uint64) {
	h := maphash.Bytes(k.seed, key)
	return h >> k.shift, 1<<(h&63) | 1<<(h>>6&63)
}

// Add sets key's bits. Only the registry's writer calls it.
func (k *KeyFilter) Add(key []byte) {
	w, m := k.locate(key)
	k.words[w].Or(m)
	k.n++
}

// Has reports whether key may have been added.
func (k *KeyFilter) Has(key []byte) bool {
	w, m := k.locate(key)
	return k.words[w].Load()&m == m
}

// Prober is a registry's own filter, for a registry that cannot fill a
// KeyFilter because it holds no value in clear (package sqlstore keys its
// filter with its secret). MayHold reports false only for a candidate the
// registry cannot hold: field and normalized as the registry's Lookup takes
// them, normalized valid only during the call. It is called from every
// scanning goroutine at once, so it must not lock.
type Prober interface {
	MayHold(f Field, normalized []byte) bool
}

// MayHold reports whether the registry could hold a value with this
// normalized form: false only when its filter says no.
func (sh *Shape) MayHold(f Field, key []byte) bool {
	var k *KeyFilter
	switch f {
	case norm.FieldPhone:
		k = sh.Phones
	case norm.FieldTicket:
		k = sh.Tickets
	}
	if k != nil {
		return k.Has(key)
	}
	return sh.Keyed == nil || sh.Keyed.MayHold(f, key)
}
