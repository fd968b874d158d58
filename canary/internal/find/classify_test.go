package find

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The nibble tables give each byte exactly the classes of the loop's tables.
func TestClassOf(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		k := classOf(b)
		assert.Equal(t, isDigit(b), k&classDigit != 0, "digit %#x", c)
		assert.Equal(t, phoneSep[c], k&classPhoneSep != 0, "phone separator %#x", c)
		assert.Equal(t, alpha[c], k&classAlpha != 0, "letter %#x", c)
		assert.Equal(t, ticketSep[c], k&classTicketSep != 0, "ticket separator %#x", c)
	}
}

// assertClassify checks classify, and classifyWords at every base, against
// each byte's class.
func assertClassify(t *testing.T, text []byte) {
	t.Helper()
	for base := 0; base <= len(text); base += 1 + len(text)/7 {
		n := (len(text)-base)/wordBytes + 2 // a word or two past the end
		dst := make([]uint64, n*maskKinds)
		for i := range dst {
			dst[i] = 0xdead // overwritten, past the end too
		}
		classifyWords(text, base, n, dst)
		for i := range n * wordBytes {
			var c byte
			if base+i < len(text) {
				c = text[base+i]
			}
			w, bit := i/wordBytes, uint(i%wordBytes)
			k := classOf(c)
			if base+i >= len(text) {
				k = 0
			}
			got := [maskKinds]bool{}
			for m := range maskKinds {
				got[m] = dst[w*maskKinds+m]>>bit&1 != 0
			}
			want := [maskKinds]bool{k&classDigit != 0, k&classPhoneSep != 0, k&classAlpha != 0, k&classTicketSep != 0}
			if !assert.Equal(t, want, got, "byte %d from %d of %d", i, base, len(text)) {
				return
			}
		}
	}
}

func TestClassify(t *testing.T) {
	all := make([]byte, 512)
	for i := range all {
		all[i] = byte(i)
	}
	assertClassify(t, all)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		text := make([]byte, rng.IntN(400))
		for i := range text {
			text[i] = "0123456789 ()-./\t_#:aZ@x\x80\xff"[rng.IntN(26)]
		}
		assertClassify(t, text)
	}
}

// The vector path and the portable one agree, where the CPU has the former.
func TestClassifyPortableAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	text := make([]byte, 64*wordBytes)
	for i := range text {
		text[i] = byte(rng.Uint32())
	}
	want := make([]uint64, 64*maskKinds)
	classifyGeneric(text, want)
	got := make([]uint64, 64*maskKinds)
	classify(text, got)
	require.Len(t, got, len(want))
	assert.Equal(t, want, got)
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte("(702) 555-0128, TM-10424187 on 2024-03-04 05:06:07"))
	f.Fuzz(func(t *testing.T, text []byte) { assertClassify(t, text) })
}
