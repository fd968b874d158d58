package filter

import "sync/atomic"

// Bloom is a split-block Bloom filter of 64-bit hashes: each hash picks one
// 256-bit block (one cache line holds two) and sets one bit in each of its
// eight 32-bit words, so a probe reads one block. At the 12 bits a key it is
// sized for, about 0.5% of hashes not added are admitted. It never forgets a
// hash and never denies one that was added.
//
// Add and Full are for its owner alone, before the filter is shared;
// AddShared and Contains may run concurrently with each other (their words
// are read and set atomically), so readers can probe a shared filter
// without a lock.
type Bloom struct {
	blocks   [][8]uint32
	n, limit int // hashes added; how many it was sized for
}

// bitsPerKey sizes the filter: 12 bits a key admit about 0.5% of misses.
const bitsPerKey = 12

// salts spread one 32-bit hash over the eight words of a block (odd
// constants, as in the split-block filters of Apache Parquet).
var salts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// NewBloom returns a filter sized for n hashes. It works with more, admitting
// more misses; Full says when to rebuild it larger.
func NewBloom(n int) *Bloom {
	n = max(n, 1024)
	return &Bloom{blocks: make([][8]uint32, (n*bitsPerKey+255)/256), limit: n}
}

func (b *Bloom) block(h uint64) *[8]uint32 {
	// The high half picks the block (multiply-shift: no modulo, any block count).
	return &b.blocks[(h>>32)*uint64(len(b.blocks))>>32]
}

// Add adds hash h.
func (b *Bloom) Add(h uint64) {
	blk, x := b.block(h), uint32(h)
	for i, s := range salts {
		blk[i] |= 1 << ((x * s) >> 27)
	}
	b.n++
}

// AddShared adds hash h to a filter that readers may be probing.
func (b *Bloom) AddShared(h uint64) {
	blk, x := b.block(h), uint32(h)
	for i, s := range salts {
		atomic.OrUint32(&blk[i], 1<<((x*s)>>27))
	}
	b.n++
}

// Contains reports whether h may have been added: always true if it was.
func (b *Bloom) Contains(h uint64) bool {
	blk, x := b.block(h), uint32(h)
	for i, s := range salts {
		if atomic.LoadUint32(&blk[i])&(1<<((x*s)>>27)) == 0 {
			return false
		}
	}
	return true
}

// Full reports whether more hashes were added than the filter was sized for.
func (b *Bloom) Full() bool { return b.n > b.limit }

// Limit returns how many hashes the filter was sized for.
func (b *Bloom) Limit() int { return b.limit }

// Len returns how many hashes were added.
func (b *Bloom) Len() int { return b.n }

// Bytes returns the memory the filter holds.
func (b *Bloom) Bytes() int { return len(b.blocks) * 32 }
