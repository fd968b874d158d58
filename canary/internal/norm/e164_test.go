package norm

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonicalE164(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		why  string
	}{
		{"+14155550132", true, "NANP"},
		{"+447700900123", true, "UK mobile"},
		{"+34600000001", true, "Spain"},
		{"+61491570156", true, "Australia"},
		{"+353209130000", true, "Ireland"},
		{"+4407700900123", false, "UK with trunk 0: the parser strips it"},
		{"+114155550132", false, "NANP with trunk 1"},
		{"+1415555013", false, "too short for NANP"},
		{"+61183212345678", false, "Australian carrier code: left to the parser"},
		{"+390612345678", false, "Italy: not restated here"},
		{"+1 415 555 0132", false, "not bare E.164"},
		{"14155550132", false, "no plus"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CanonicalE164(tt.in), tt.why)
		if tt.want {
			p, reason := Phone(tt.in, "")
			require.Empty(t, reason)
			assert.Equal(t, tt.in, p, "libphonenumber agrees: %s", tt.why)
		}
	}
}

// FuzzCanonicalE164 holds the fast check to libphonenumber: whenever it says
// yes, parsing gives the same string back.
func FuzzCanonicalE164(f *testing.F) {
	for _, s := range []string{"+14155550132", "+447700900123", "+34600000001", "+61491570156", "+353209130000", "+4915112345678", "+33612345678", "+31612345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !CanonicalE164(s) {
			return
		}
		p, reason := Phone(s, "")
		require.Empty(t, reason, s)
		require.Equal(t, s, p)
	})
}

// TestCanonicalE164AgreesWithParser draws random numbers in every country the
// fast check knows and compares with libphonenumber both ways: a yes must be
// the parser's answer, and a parser-canonical number of plausible length should
// mostly be a yes (the fast check may decline, never disagree).
func TestCanonicalE164AgreesWithParser(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{5}))
	yes := 0
	for _, cc := range []string{"1", "44", "34", "33", "49", "31", "61", "353"} {
		for range 1500 {
			n := 6 + r.IntN(9)
			b := []byte("+" + cc)
			for range n {
				b = append(b, byte('0'+r.IntN(10)))
			}
			s := string(b)
			p, reason := Phone(s, "")
			if CanonicalE164(s) {
				yes++
				require.Empty(t, reason, s)
				require.Equal(t, s, p, s)
			}
		}
	}
	assert.Greater(t, yes, 2000, "the fast check answers for most plausible numbers")
}
