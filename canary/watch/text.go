package watch

import "unsafe"

// textArena makes the strings of alerts from few allocations: each string
// views bytes of a chunk that is only ever appended to, never written where
// a string views it, so the strings are as immutable as any (the one use of
// unsafe in this package). A chunk holds the text of a few dozen alerts and
// lives while any of their strings does; a long text gets an allocation of
// its own, so that it pins no chunk. Not safe for concurrent use: each
// alertScratch has its own.
type textArena struct {
	chunk []byte
}

// Chunk sizes: the text of a one-hit alert is about a hundred bytes.
const (
	arenaChunk   = 4 << 10
	arenaMaxText = arenaChunk / 8
)

// string returns b as a string that shares no memory with b.
func (t *textArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaMaxText {
		return string(b)
	}
	if len(b) > cap(t.chunk)-len(t.chunk) {
		t.chunk = make([]byte, 0, arenaChunk)
	}
	n := len(t.chunk)
	t.chunk = append(t.chunk, b...)
	return unsafe.String(&t.chunk[n], len(b))
}
