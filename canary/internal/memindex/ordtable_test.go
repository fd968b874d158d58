package memindex

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOrdTableAgainstMap checks the table against a map on keys whose 32-bit
// hashes collide often (hashes drawn from a small range), through growth.
func TestOrdTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tab OrdTable
	keyHash := map[uint32]uint64{} // ordinal -> hash
	for o := range uint32(20_000) {
		h := uint64(r.Uint32N(15_000)) | uint64(r.Uint32())<<32 // many shared low bits
		keyHash[o] = h
		tab.Insert(h, o)
	}
	for o, h := range keyHash {
		found := false
		for p := tab.Probe(h); ; {
			c, ok := p.Next()
			if !ok {
				break
			}
			assert.Equal(t, uint32(h), uint32(keyHash[c]), "only ordinals with the hash's low bits")
			found = found || c == o
		}
		require.True(t, found, "ordinal %d", o)
	}
	var empty OrdTable
	p := empty.Probe(1)
	_, ok := p.Next()
	assert.False(t, ok)
	assert.LessOrEqual(t, tab.n*4, len(tab.slots)*3, "load factor at most 3/4")
}
