package find

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
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
	fixed := []string{
		"(702) 555-0128, TM-10424187 on 2024-03-04 05:06:07",
		"+44 7700 900123 +1 415 555 0132 0115550100199",
		"1234567890123456789012345678901234567890",
	}
	for n := range 3000 {
		var text []byte
		switch {
		case n < len(fixed):
			text = []byte(fixed[n])
		case n < 60:
			// Long enough for runs across words and the masks' blocks.
			text = make([]byte, 4000+rng.IntN(9000))
			for k := range text {
				text[k] = alphabet[rng.IntN(len(alphabet))]
			}
		default:
			text = make([]byte, 1+rng.IntN(80))
			for k := range text {
				text[k] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		lo, hi := rng.IntN(len(text)/4+1), len(text)-rng.IntN(len(text)/4+1)
		if hi < lo {
			hi = lo
		}
		assertWordwise(t, text, lo, hi)
	}
}

// assertWordwise checks that both word-wise loops (eight bytes and masks of
// 64) report what the byte loop does in text[lo:hi], with no Shape and with
// wideShape.
func assertWordwise(t *testing.T, text []byte, lo, hi int) {
	t.Helper()
	regions := []Region{{Code: "US", CC: "1", Trunk: "1"}, {Code: "GB", CC: "44", Trunk: "0"}}
	for _, sh := range []*Shape{nil, wideShape, seedShape} {
		var want recorder
		(&Finder{Regions: regions, Shape: sh, Report: &want}).findDigitsBytewise(text, lo, hi)
		for name, loop := range map[string]func(*Finder, []byte, int, int){"words": (*Finder).findDigitsWords, "masked": (*Finder).findDigitsMasked} {
			var got recorder
			loop(&Finder{Regions: regions, Shape: sh, Report: &got}, text, lo, hi)
			assert.Equal(t, want.got, got.got, "%s: %q [%d:%d] shape %v", name, text, lo, hi, sh != nil)
		}
	}
}

// wideShape admits most numbers of ten digits or more and most tickets
// that start with T or M, as a store's stand-ins known to a digit or a
// letter do: the shaped loop's shortcuts (groups too short for a number, no
// letter before a ticket) are taken, and what they skip must be nothing the
// Finder would report.
var wideShape = (*Shape)(nil).With([]norm.Key{
	{Field: norm.FieldPhone, Value: "+1**********"}, {Field: norm.FieldPhone, Value: "+44**********"},
	{Field: norm.FieldTicket, Value: "T*********"}, {Field: norm.FieldTicket, Value: "M*******"},
})

// seedShape is the Shape of a few registered numbers and tickets, whose
// suffix, prefix and length gates all turn candidates away, as a real
// registry's do.
var seedShape = func() *Shape {
	var sh *Shape
	for _, v := range [][2]string{{"+14155550132", "TM-10424187"}, {"+12025550101", "TM-10000040"}, {"+447700900123", "SR 4410"}} {
		keys, _, _ := norm.SeedKeys("a@b.example", v[0], v[1])
		sh = sh.With(keys)
	}
	return sh
}()

// The masked loop reports what the byte loop does on texts made of a dump's
// tokens: registered numbers and tickets in their formats, near misses,
// dates, ids and amounts, glued or spaced at random, so that runs cross
// words and blocks and every gate is asked both ways.
func TestFindDigitsMaskedDumpTokens(t *testing.T) {
	tokens := []string{
		"(415) 555-0132", "415-555-0132", "+1 415 555 0132", "4155550132", "+447700900123", "07700 900123",
		"(202) 555-0101", "202.555.0101", "(721) 555-0113", "599-555-0138", "+19375550173", "415 555 0133",
		"TM-10424187", "TM-54366577", "TM 10000040", "SR 4410", "sr-4410", "tm10424187",
		"TM - 10424187", "TM -- 10424187", "SR#_:4410", "Ticket TM-10000040X", "5TM-10424187",
		"2025-10-12 15:27:43", "2026-12-02", "100000", "0", "7", "12.50", "24/7",
		"INSERT INTO `customers` VALUES (", "','", "',", ",'", "');\n", " ", "-", ".", "(", ")", "/", "x", "a", "M", "T",
		"12345678901234567890", "0115550100199",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 400 {
		var text []byte
		for len(text) < 300+rng.IntN(5000) {
			text = append(text, tokens[rng.IntN(len(tokens))]...)
		}
		lo, hi := rng.IntN(len(text)/4+1), len(text)-rng.IntN(len(text)/4+1)
		if n%4 == 0 {
			lo, hi = 0, len(text)
		}
		assertWordwise(t, text, lo, hi)
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
		assertWordwise(t, text, lo, hi)
	})
}

// hitRecorder finds the keys in held, and keeps what it found.
type hitRecorder struct {
	held map[string]bool
	got  []string
}

func (r *hitRecorder) Candidate(field Field, normalized, raw []byte, pos int, conf Confidence) bool {
	if !r.held[string(normalized)] {
		return false
	}
	r.got = append(r.got, fmt.Sprintf("%d %s %q@%d %d", field, normalized, raw, pos, conf))
	return true
}

// suffixNumbers are registered for the suffix gate's tests: NANP, a GB
// mobile, and one too short for its last digits to be read (Niue).
var suffixNumbers = []string{"+14155550132", "+12025550101", "+447700900123", "+6834001"}

// eachDigitLoop runs fn with findDigits taking each of its loops.
func eachDigitLoop(fn func()) {
	defer func(n int) { maskedMinLen = n }(maskedMinLen)
	for _, n := range []int{0, math.MaxInt} {
		maskedMinLen = n
		fn()
	}
}

// findHits returns the hits FindAll reports in text for suffixNumbers, with
// the Shape's suffix and prefix tables asked (and mayRead with them) or not.
func findHits(text []byte, gate bool) []string {
	var keys []norm.Key
	held := map[string]bool{}
	for _, n := range suffixNumbers {
		keys = append(keys, norm.Key{Field: norm.FieldPhone, Value: n})
		held[n] = true
	}
	sh := (*Shape)(nil).With(keys[:3])
	if !gate {
		c := *sh
		c.anySuffix, c.phonePrefix = true, nil
		sh = &c
	}
	r := &hitRecorder{held: held}
	f := Finder{Regions: []Region{{Code: "US", CC: "1", Trunk: "1"}, {Code: "GB", CC: "44", Trunk: "0"}}, Shape: sh, Report: r}
	f.FindAll(text, 0, len(text))
	return r.got
}

// The suffix and prefix gates turn away no number a registry holds, however it is
// written and whatever stands around it: the hits are those found without it.
func TestSuffixGateKeepsEveryHit(t *testing.T) {
	forms := []string{
		"(415) 555-0132", "415-555-0132", "415.555.0132", "+1 415 555 0132", "001 415 555 0132", "011 1 415 555 0132",
		"1 (415) 555-0132", "4155550132", "+14155550132", "202 555 0101 ext 4", "07700 900123", "+44 (0)7700 900123",
		"0044 7700 900123", "+447700900123", "44 7700 900 123", "+44 7700-900-123",
	}
	around := [][2]string{{"", ""}, {"call ", " now"}, {"(1042,'", "','2024-05-01 12:34:56');"}, {"Unit 5 ", " 24/7"}, {"id 12 ", ",7"}}
	eachDigitLoop(func() {
		for _, form := range forms {
			for _, a := range around {
				text := []byte(a[0] + form + a[1])
				gated := findHits(text, true)
				assert.NotEmpty(t, gated, "%q", text)
				assert.Equal(t, findHits(text, false), gated, "%q", text)
			}
		}
		assert.Empty(t, findHits([]byte("(415) 555-0133 and 2024-05-01 12:34:56"), true), "no registered number here")
	})
}

// FuzzSuffixGate: for any text, the hits are those found without the gate.
func FuzzSuffixGate(f *testing.F) {
	f.Add([]byte("(415) 555-0132, TM-10424187 on 2024-03-04 05:06:07"))
	f.Add([]byte("+44 (0)7700 900123 +1 415 555 0132 0114155550132 683 4001"))
	f.Fuzz(func(t *testing.T, text []byte) {
		eachDigitLoop(func() { assert.Equal(t, findHits(text, false), findHits(text, true)) })
	})
}

// admitsSuffixMasked answers from a run's digit mask what admitsPhoneSuffix
// answers of the last digits read from its bytes, for runs of every shape the
// masks hold, against a Shape holding numbers that end like some of them:
// those, others that share only their last three digits, and the rest.
func TestAdmitsSuffixMasked(t *testing.T) {
	const alphabet = "0123456789 -.()/\t"
	rng := rand.New(rand.NewPCG(5, 6))
	type run struct {
		b []byte
		d uint64
	}
	var runs []run
	var keys []norm.Key
	for len(runs) < 20000 {
		b := make([]byte, 1+rng.IntN(64))
		var d uint64
		n := 0
		for k := range b {
			b[k] = alphabet[rng.IntN(len(alphabet))]
			if isDigit(b[k]) {
				d |= 1 << k
				n++
			}
		}
		if n < PhoneSuffixDigits {
			continue
		}
		runs = append(runs, run{b, d})
		switch v := lastDigits(b); rng.IntN(3) {
		case 0: // a number ending like this run
			keys = append(keys, norm.Key{Field: norm.FieldPhone, Value: fmt.Sprintf("+1415%06d", v)})
		case 1: // one that ends in its last three digits alone
			keys = append(keys, norm.Key{Field: norm.FieldPhone, Value: fmt.Sprintf("+1415%06d", (v+1000)%1_000_000)})
		}
	}
	sh := (*Shape)(nil).With(keys)
	var admitted int
	for _, r := range runs {
		want := sh.admitsPhoneSuffix(lastDigits(r.b))
		assert.Equal(t, want, sh.admitsSuffixMasked(r.b, r.d), "%q", r.b)
		if want {
			admitted++
		}
	}
	assert.Greater(t, admitted, len(runs)/5)
	assert.Less(t, admitted, len(runs)*4/5)
}

// callRecorder counts the candidates a Finder reports, and finds none.
type callRecorder struct{ n int }

func (r *callRecorder) Candidate(Field, []byte, []byte, int, Confidence) bool {
	r.n++
	return false
}

// newLeading is d's leading as runMayRead builds it.
func newLeading(d []byte) leading {
	l := leading{d: d[:min(len(d), mayReadDigits)]}
	for j := range l.d {
		l.v[j+1] = l.v[j]*10 + int(d[j]-'0')
	}
	return l
}

// mayRead says no only to windows none of whose readings phoneDigits would
// look up: for digit strings made from registered numbers in every way a
// reading takes them apart (country code, trunk prefix, "00" and "011",
// a trunk "0" after the country code), mutated and cut, and at random,
// a window from its start that phoneDigits reports is one mayRead admits.
func TestMayReadKeepsEveryReading(t *testing.T) {
	numbers := append([]string{"+33612345678", "+4915123456789", "+3519123456", "+12125550100"}, suffixNumbers...)
	var keys []norm.Key
	for _, n := range numbers {
		keys = append(keys, norm.Key{Field: norm.FieldPhone, Value: n})
	}
	r := &callRecorder{}
	f := Finder{Regions: []Region{{Code: "US", CC: "1", Trunk: "1"}, {Code: "GB", CC: "44", Trunk: "0"}, {Code: "FR", CC: "33", Trunk: "0"}},
		Shape: (*Shape)(nil).With(keys), Report: r}
	rng := rand.New(rand.NewPCG(7, 8))
	var admitted, refused int
	for range 200_000 {
		var d []byte
		if rng.IntN(4) == 0 {
			for range 7 + rng.IntN(10) {
				d = append(d, byte('0'+rng.IntN(10)))
			}
		} else {
			n := numbers[rng.IntN(len(numbers))][1:]
			cc := 1 + rng.IntN(3)
			switch rng.IntN(6) {
			case 0:
				d = []byte(n)
			case 1:
				d = []byte("00" + n)
			case 2:
				d = []byte("011" + n)
			case 3:
				d = []byte(n[cc:])
			case 4:
				d = []byte([]string{"0", "1"}[rng.IntN(2)] + n[cc:])
			default:
				d = []byte(n[:cc] + "0" + n[cc:])
			}
			for range rng.IntN(3) {
				d[rng.IntN(len(d))] = byte('0' + rng.IntN(10))
			}
			for range rng.IntN(4) {
				d = append(d, byte('0'+rng.IntN(10)))
			}
		}
		d = d[:min(len(d), maxRunDigits+1)]
		for _, plus := range []plusMark{noPlus, tightPlus, loosePlus} {
			l := newLeading(d)
			may := f.mayRead(&l, plus)
			if may {
				admitted++
			} else {
				refused++
			}
			for w := minRunDigits; w <= len(d); w++ {
				r.n = 0
				f.phoneDigits(d[:w], 0, plus, d[:w])
				if r.n > 0 && !assert.True(t, may, "%s, plus %d: its first %d digits are looked up", d, plus, w) {
					return
				}
			}
		}
	}
	// Both answers are given: the check is no constant.
	assert.Greater(t, refused, admitted/10)
	assert.Greater(t, admitted, refused/10)
}
