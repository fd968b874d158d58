package find

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHasDigitExhaustive checks the bit trick against a byte loop for every
// byte value in every lane, and for mixed words.
func TestHasDigitExhaustive(t *testing.T) {
	for lane := range 8 {
		for v := range 256 {
			var b [8]byte
			for k := range b {
				b[k] = 'x'
			}
			b[lane] = byte(v)
			want := v >= '0' && v <= '9'
			require.Equal(t, want, hasDigit(binary.LittleEndian.Uint64(b[:])), "byte %#x in lane %d", v, lane)
		}
	}
	for _, s := range []string{"\xff\xfe/:\x80\x00@A", "\xb0\xb9\xba\xaf/::/", "abcdefg5", "9abcdefg"} {
		want := false
		for i := 0; i < 8; i++ {
			want = want || s[i] >= '0' && s[i] <= '9'
		}
		require.Equal(t, want, hasDigit(binary.LittleEndian.Uint64([]byte(s))), "%q", s)
	}
}

// TestDigitMask checks the mask lane by lane against a byte loop, for every
// byte value beside digits and non-digits, so a borrow between lanes shows.
func TestDigitMask(t *testing.T) {
	for lane := range 8 {
		for v := range 256 {
			for _, fill := range []byte{'x', '5', 0xff, 0x00, '/', ':'} {
				var b [8]byte
				for k := range b {
					b[k] = fill
				}
				b[lane] = byte(v)
				var want uint64
				for k, c := range b {
					if c >= '0' && c <= '9' {
						want |= 0x80 << (8 * k)
					}
				}
				require.Equal(t, want, digitMask(binary.LittleEndian.Uint64(b[:])), "byte %#x in lane %d among %#x", v, lane, fill)
			}
		}
	}
}
