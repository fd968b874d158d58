package find

// Byte classes for the digit loop, one bit a byte: the loop reads whole
// 64-byte words of text as four masks, so that finding runs, measuring
// groups and asking what stands beside them are bit operations, not loads.
// Each class is a union of product sets {c : c&15 in L, c>>4 in H}, so that
// a byte's classes are lowNibble[c&15] & highNibble[c>>4]: the form a vector
// shuffle looks up 32 bytes at a time (classify_amd64.s).
const (
	classDigit     = 1 << 0             // '0'-'9'
	classPhoneSep  = 1<<1 | 1<<2        // phoneSep: " ()-./" and tab
	classAlpha     = 1<<3 | 1<<4        // ASCII letters
	classTicketSep = 1<<5 | 1<<6 | 1<<7 // ticketSep: " #-./" and "_", ":"
	wordBytes      = 64                 // bytes a mask word covers
	maskKinds      = 4                  // digit, phoneSep, alpha, ticketSep masks a word
)

// The class bits of each nibble; see the classes above.
var lowNibble, highNibble = func() (lo, hi [16]byte) {
	set := func(bit byte, his []byte, los ...byte) {
		for _, h := range his {
			hi[h] |= bit
		}
		for _, l := range los {
			lo[l] |= bit
		}
	}
	set(1<<0, []byte{3}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)                         // digits
	set(1<<1, []byte{2}, 0, 8, 9, 0xd, 0xe, 0xf)                               // ' ' ( ) - . /
	set(1<<2, []byte{0}, 9)                                                    // tab
	set(1<<3, []byte{4, 6}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) // A-O a-o
	set(1<<4, []byte{5, 7}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)                  // P-Z p-z
	set(1<<5, []byte{2}, 0, 3, 0xd, 0xe, 0xf)                                  // ' ' # - . /
	set(1<<6, []byte{5}, 0xf)                                                  // _
	set(1<<7, []byte{3}, 0xa)                                                  // :
	return lo, hi
}()

// classOf returns the class bits of c.
func classOf(c byte) byte { return lowNibble[c&15] & highNibble[c>>4] }

// classifyGeneric writes the masks of the len(dst)/maskKinds words of src,
// which holds that many whole words: dst[4w+0] digits, +1 phone separators,
// +2 letters, +3 ticket separators; bit j of each is byte 64w+j.
func classifyGeneric(src []byte, dst []uint64) {
	for w := 0; w < len(dst)/maskKinds; w++ {
		var d, s, a, t uint64
		for j, c := range src[w*wordBytes : (w+1)*wordBytes] {
			k := classOf(c)
			bit := uint64(1) << j
			if k&classDigit != 0 {
				d |= bit
			}
			if k&classPhoneSep != 0 {
				s |= bit
			}
			if k&classAlpha != 0 {
				a |= bit
			}
			if k&classTicketSep != 0 {
				t |= bit
			}
		}
		dst[w*maskKinds], dst[w*maskKinds+1], dst[w*maskKinds+2], dst[w*maskKinds+3] = d, s, a, t
	}
}

// classifyWords writes the masks of the words of text from base on, n of
// them, into dst; bytes past the end of text count as no class.
func classifyWords(text []byte, base, n int, dst []uint64) {
	whole := min(n, (len(text)-base)/wordBytes)
	if whole > 0 {
		classify(text[base:base+whole*wordBytes], dst[:whole*maskKinds])
	}
	if whole < n {
		var pad [wordBytes]byte
		copy(pad[:], text[base+whole*wordBytes:])
		classify(pad[:], dst[whole*maskKinds:(whole+1)*maskKinds])
		clear(dst[(whole+1)*maskKinds : n*maskKinds])
	}
}
