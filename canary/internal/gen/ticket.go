package gen

import (
	"math"
	"math/rand/v2"
)

// FormatTicket writes n into the '#'s of format, zero-padded:
// FormatTicket("TM-########", 10400132) is "TM-10400132".
func FormatTicket(format string, n uint64) string {
	b := []byte(format)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '#' {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	return string(b)
}

// TicketNumber reads back the number FormatTicket wrote into format. ok is
// false when t does not have format's shape.
func TicketNumber(format, t string) (n uint64, ok bool) {
	if len(t) != len(format) {
		return 0, false
	}
	for i := 0; i < len(format); i++ {
		switch c := t[i]; {
		case format[i] == '#' && c >= '0' && c <= '9':
			n = n*10 + uint64(c-'0')
		case format[i] != c:
			return 0, false
		}
	}
	return n, true
}

// TicketTrier claims a ticket number when it is free.
type TicketTrier interface {
	// TryTicket reports whether n was free, and claims it if so.
	TryTicket(n uint64) (bool, error)
}

// DrawTicket draws ticket numbers in [lo, hi] near frac (0 to 1) of the way
// through the range, as a host's sequential numbers follow creation time,
// with jitter widening while numbers are taken; then, for a range under a
// million, walks it from a random point. It reports false when t found no
// free number.
func DrawTicket(r *rand.Rand, lo, hi uint64, frac float64, attempts int, t TicketTrier) (bool, error) {
	width := hi - lo
	center := float64(lo) + math.Max(0, math.Min(1, frac))*float64(width)
	jitter := math.Max(1, float64(width)*0.01)
	for range attempts {
		// Keep the window inside the range: clamping draws to an edge would pile
		// them onto one number.
		var n uint64
		if 2*jitter >= float64(width) {
			n = lo + r.Uint64N(width+1)
		} else {
			mid := math.Max(float64(lo)+jitter, math.Min(float64(hi)-jitter, center))
			n = uint64(math.Round(mid + (r.Float64()*2-1)*jitter))
		}
		if free, err := t.TryTicket(n); err != nil || free {
			return free, err
		}
		jitter *= 2 // crowded: widen the search
	}
	if width < 1<<20 {
		start := r.Uint64N(width + 1)
		for k := uint64(0); k <= width; k++ {
			if free, err := t.TryTicket(lo + (start+k)%(width+1)); err != nil || free {
				return free, err
			}
		}
	}
	return false, nil
}
