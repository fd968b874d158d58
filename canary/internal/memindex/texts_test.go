package memindex

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTextsStayValid checks the arena contract: strings handed out keep their
// bytes while many more records are appended, across chunks and across an
// arena growing past its first capacity.
func TestTextsStayValid(t *testing.T) {
	var tx Texts
	var held []string
	want := func(o int) [TextFields]string {
		return [TextFields]string{fmt.Sprint("given", o), "", strings.Repeat("x", o%300), fmt.Sprint("+1", o), "T"}
	}
	for o := range 3 * Chunk {
		got := tx.Append(want(o))
		if got != uint32(o) {
			t.Fatalf("Append gave ordinal %d, want %d", got, o)
		}
		held = append(held, tx.String(got, 2))
	}
	assert.Equal(t, 3*Chunk, tx.Len())
	// One assertion per kind of check: the race detector makes a call per
	// string slow.
	wrong, moved := 0, 0
	for o := range 3 * Chunk {
		w := want(o)
		for k := range TextFields {
			if tx.String(uint32(o), k) != w[k] {
				wrong++
			}
		}
		if tx.All(uint32(o)) != w {
			wrong++
		}
		if held[o] != w[2] {
			moved++
		}
	}
	assert.Zero(t, wrong, "strings read back differ from those appended")
	assert.Zero(t, moved, "strings handed out before later appends changed")
}
