package watch

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestTextArenaStringsStayPut: a string from the arena keeps its text while
// the buffer it was made from and the arena itself go on being written,
// across chunks; a long text is a string of its own.
func TestTextArenaStringsStayPut(t *testing.T) {
	var a textArena
	buf := []byte{}
	var got, want []string
	for i := range 3 * arenaChunk / 20 { // enough for three chunks
		buf = fmt.Appendf(buf[:0], "to: ann.lee%d@mail.example", i)
		got, want = append(got, a.string(buf)), append(want, string(buf))
	}
	for i := range buf {
		buf[i] = 'x'
	}
	assert.Equal(t, want, got)
	assert.Empty(t, a.string(nil))

	long := []byte(strings.Repeat("é", arenaMaxText))
	s := a.string(long)
	assert.Equal(t, string(long), s)
	chunk := a.chunk[:cap(a.chunk)]
	at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	lo := uintptr(unsafe.Pointer(&chunk[0]))
	assert.False(t, at >= lo && at < lo+uintptr(len(chunk)), "a long text pins no chunk")
}
