package sqlstore

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table agrees with a Go map through inserts, replacements, growth and
// deletions that leave probe chains to be repaired; a table of 16 slots
// makes long chains and wrap-around common.
func TestMACTable(t *testing.T) {
	for _, size := range []int{0, 10, 5000} {
		tab := newMACTable(size)
		ref := map[mac]int64{}
		keys := make([]mac, 3000)
		for i := range keys {
			rand.Read(keys[i][:])
			if i%7 == 0 && i > 0 {
				keys[i] = keys[i-1]
				keys[i][0] ^= 0x80 // another key with the same home in a small table
			}
		}
		for i, k := range keys {
			tab.put(k, int64(i+1))
			ref[k] = int64(i + 1)
			if i%3 == 2 {
				d := keys[i/2]
				tab.delete(d)
				delete(ref, d)
			}
		}
		require.Equal(t, len(ref), tab.len(), "size %d", size)
		for _, k := range keys {
			want, inRef := ref[k]
			got, ok := tab.get(k)
			assert.Equal(t, inRef, ok)
			assert.Equal(t, want, got)
		}
		var missing mac
		rand.Read(missing[:])
		_, ok := tab.get(missing)
		assert.False(t, ok, "a key never added is not found")
	}
}

// deleteAbove leaves exactly the entries at or below its seq, in a table of
// 16 slots (where the shifts of a deletion wrap around the end) as in larger
// ones.
func TestMACTableDeleteAbove(t *testing.T) {
	for _, n := range []int{12, 14, 1000} {
		for _, above := range []int64{0, int64(n) / 3, int64(n)} {
			tab := newMACTable(0)
			keys := make([]mac, n)
			for i := range keys {
				rand.Read(keys[i][:])
				tab.put(keys[i], int64(i+1))
			}
			tab.deleteAbove(above)
			assert.Equal(t, int(above), tab.len(), "%d entries, above %d", n, above)
			for i, k := range keys {
				seq, ok := tab.get(k)
				assert.Equal(t, int64(i+1) <= above, ok, "%d entries, above %d: entry %d", n, above, i+1)
				if ok {
					assert.Equal(t, int64(i+1), seq)
				}
			}
		}
	}
}

// reserve makes room for its entries at once: filling the table up to them
// grows it no more, and what it held is still there.
func TestMACTableReserve(t *testing.T) {
	tab := newMACTable(0)
	keys := make([]mac, 5000)
	for i := range keys {
		rand.Read(keys[i][:])
	}
	for i, k := range keys[:100] {
		tab.put(k, int64(i+1))
	}
	tab.reserve(len(keys))
	size := len(tab.slots)
	assert.Equal(t, tableSize(len(keys)), size)
	for i, k := range keys[100:] {
		tab.put(k, int64(i+101))
	}
	assert.Equal(t, size, len(tab.slots), "no growth up to the reserved count")
	for i, k := range keys {
		seq, ok := tab.get(k)
		require.True(t, ok)
		assert.Equal(t, int64(i+1), seq)
	}
	tab.reserve(10)
	assert.Equal(t, size, len(tab.slots), "a table with room is left alone")
}
