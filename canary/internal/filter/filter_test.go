package filter

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The reference vectors of the SipHash paper (Aumasson and Bernstein,
// appendix A): key 00 01 .. 0f, input 00 01 .. (n-1) for n = 0..63. A few of
// them, each a different tail length.
func TestSipHashVectors(t *testing.T) {
	key := make([]byte, 16)
	for i := range key {
		key[i] = byte(i)
	}
	k := NewSipKey(key)
	in := make([]byte, 64)
	for i := range in {
		in[i] = byte(i)
	}
	for _, tc := range []struct {
		n    int
		want string // little-endian output, as the paper prints it
		why  string
	}{
		{0, "310e0edd47db6f72", "empty input: the length block alone"},
		{1, "fd67dc93c539f874", "one byte of tail"},
		{7, "37d1018bf50002ab", "the longest tail"},
		{8, "6224939a79f5f593", "one whole word, empty tail"},
		{15, "e545be4961ca29a1", "a word and the longest tail"},
		{63, "724506eb4c328a95", "the last vector"},
	} {
		var got [8]byte
		binary.LittleEndian.PutUint64(got[:], SipHash(k, in[:tc.n]))
		assert.Equal(t, tc.want, hex.EncodeToString(got[:]), tc.why)
	}
}

func TestBloom(t *testing.T) {
	const n = 100_000
	key := NewSipKey([]byte("0123456789abcdef"))
	b := NewBloom(n)
	var buf [8]byte
	hash := func(i uint64) uint64 {
		binary.LittleEndian.PutUint64(buf[:], i)
		return SipHash(key, buf[:])
	}
	for i := range uint64(n) {
		b.Add(hash(i))
	}
	assert.False(t, b.Full())
	for i := range uint64(n) {
		if !b.Contains(hash(i)) {
			t.Fatalf("hash %d added but not contained", i)
		}
	}
	admitted := 0
	for i := uint64(n); i < 2*n; i++ {
		if b.Contains(hash(i)) {
			admitted++
		}
	}
	assert.Less(t, float64(admitted)/n, 0.01, "false positives at 12 bits a key stay under 1%")
	b.Add(hash(2 * n))
	assert.True(t, b.Full(), "past its size it says so")
}

func BenchmarkBloomContains(b *testing.B) {
	f := NewBloom(3_000_000)
	key := NewSipKey([]byte("0123456789abcdef"))
	for i := range uint64(3_000_000) {
		f.Add(i * 0x9e3779b97f4a7c15)
	}
	in := []byte("ann.lee123456@mail.example")
	b.ReportAllocs()
	for b.Loop() {
		in[3]++
		if f.Contains(SipHash(key, in)) && in[3] == 0 {
			b.Log("admitted")
		}
	}
}
