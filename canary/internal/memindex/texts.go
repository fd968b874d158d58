package memindex

import "unsafe"

// This is the one file of the package that uses unsafe. The contract it
// relies on: bytes once written to an arena are never written again (arenas
// only grow, within their capacity, and a full one is left as is), so a string
// that views them stays valid and immutable for the life of the Texts.

// TextFields is how many strings a record holds.
const TextFields = 5

// TextRef locates a record's strings in its chunk's arena.
type TextRef struct {
	off  uint32 // in the arena
	lens [TextFields]uint16
}

// Texts stores the strings of records by ordinal, in fixed chunks of byte
// arenas: no string header and no allocation per field, and a growing store
// never holds a half-empty doubled array. Callers serialize Append against
// readers; String needs only that the ordinal was appended.
type Texts struct {
	arenas [][]byte
	refs   [][]TextRef
	n      int
}

// PublishBatch is how many prepared entries an in-memory registry index
// publishes per hold of its write lock (MemoryRegistry, sqlstore's index): a
// large load then delays concurrent lookups by about a millisecond at a time.
const PublishBatch = 4096

// Chunk is how many records share one arena.
const Chunk = 4096

// MaxText bounds each string: lengths are stored in 16 bits.
const MaxText = 1<<16 - 1

// Len returns the number of records appended.
func (t *Texts) Len() int { return t.n }

// Append stores the strings of the next ordinal, each at most MaxText bytes
// (longer ones are cut), and returns that ordinal.
func (t *Texts) Append(text [TextFields]string) uint32 {
	if t.n%Chunk == 0 {
		t.arenas = append(t.arenas, make([]byte, 0, 64*Chunk))
		t.refs = append(t.refs, make([]TextRef, 0, Chunk))
	}
	last := len(t.arenas) - 1
	ref := TextRef{off: uint32(len(t.arenas[last]))}
	for k, s := range text {
		s = s[:min(len(s), MaxText)]
		ref.lens[k] = uint16(len(s))
		// An append past capacity moves the arena: the old bytes stay put
		// and keep backing the strings already handed out.
		t.arenas[last] = append(t.arenas[last], s...)
	}
	t.refs[last] = append(t.refs[last], ref)
	t.n++
	return uint32(t.n - 1)
}

// String returns string k of ordinal o. It views the arena, which is never
// written over, so the string stays valid and immutable.
func (t *Texts) String(o uint32, k int) string {
	ref := &t.refs[o/Chunk][o%Chunk]
	off := int(ref.off)
	for _, n := range ref.lens[:k] {
		off += int(n)
	}
	n := int(ref.lens[k])
	if n == 0 {
		return ""
	}
	return unsafe.String(&t.arenas[o/Chunk][off], n)
}

// All returns the strings of ordinal o, as String would one by one: for
// a reader that wants a whole record, one lookup of its place.
func (t *Texts) All(o uint32) (out [TextFields]string) {
	ref := &t.refs[o/Chunk][o%Chunk]
	arena := t.arenas[o/Chunk]
	off := int(ref.off)
	for k, n := range ref.lens {
		if n > 0 {
			out[k] = unsafe.String(&arena[off], int(n))
		}
		off += int(n)
	}
	return out
}
