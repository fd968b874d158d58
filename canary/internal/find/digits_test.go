package find

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder keeps every candidate a Finder reports, and finds none.
type recorder struct{ got []string }

func (r *recorder) Candidate(field Field, normalized, raw []byte, pos int, conf Confidence) bool {
	r.got = append(r.got, fmt.Sprintf("%d %s %q@%d %d", field, normalized, raw, pos, conf))
	return false
}

// findDigitsBytewise is findDigits as it was written before it classified
// eight bytes at a time: the reference the word-wise loop must agree with.
func (f *Finder) findDigitsBytewise(text []byte, lo, hi int) {
	runEnd := 0
	tickets := f.Shape == nil || f.Shape.TicketLens != 0
	phones := f.Shape == nil || f.Shape.PhoneLens != 0
	for i := lo; i < hi; i++ {
		if c := text[i]; c < '0' || c > '9' {
			continue
		}
		runEnd = f.digitRun(text, i, runEnd, tickets, phones)
		for i+1 < hi && text[i+1] >= '0' && text[i+1] <= '9' {
			i++
		}
	}
}

// The word-wise digit loop reports exactly what the byte loop does, in the
// same order, for texts dense with digits, separators and letters, at every
// alignment of lo and hi.
func TestFindDigitsWordwise(t *testing.T) {
	const alphabet = "0123456789012345678901234567890123456789 -.()/+TMSR#x\n'@ab"
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []Region{{Code: "US", CC: "1", Trunk: "1"}, {Code: "GB", CC: "44", Trunk: "0"}}
	fixed := []string{
		"(702) 555-0128, TM-10424187 on 2024-03-04 05:06:07",
		"+44 7700 900123 +1 415 555 0132 0115550100199",
		"1234567890123456789012345678901234567890",
	}
	for n := range 3000 {
		var text []byte
		if n < len(fixed) {
			text = []byte(fixed[n])
		} else {
			text = make([]byte, 1+rng.IntN(80))
			for k := range text {
				text[k] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		lo, hi := rng.IntN(len(text)/4+1), len(text)-rng.IntN(len(text)/4+1)
		if hi < lo {
			hi = lo
		}
		var a, b recorder
		fa := Finder{Regions: regions, Report: &a}
		fb := Finder{Regions: regions, Report: &b}
		fa.findDigits(text, lo, hi)
		fb.findDigitsBytewise(text, lo, hi)
		assert.Equal(t, b.got, a.got, "%q [%d:%d]", text, lo, hi)
	}
}

// FuzzFindDigitsWordwise: for any text and bounds, the word-wise loop reports
// what the byte loop does.
func FuzzFindDigitsWordwise(f *testing.F) {
	f.Add([]byte("(702) 555-0128, TM-10424187 on 2024-03-04 05:06:07"), 3, 40)
	f.Add([]byte("+44 7700 900123 +1 415 555 0132 0115550100199"), 0, 45)
	f.Fuzz(func(t *testing.T, text []byte, lo, hi int) {
		if lo < 0 || hi > len(text) || lo > hi {
			return
		}
		regions := []Region{{Code: "US", CC: "1", Trunk: "1"}, {Code: "GB", CC: "44", Trunk: "0"}}
		var a, b recorder
		fa := Finder{Regions: regions, Report: &a}
		fb := Finder{Regions: regions, Report: &b}
		fa.findDigits(text, lo, hi)
		fb.findDigitsBytewise(text, lo, hi)
		assert.Equal(t, b.got, a.got)
	})
}
