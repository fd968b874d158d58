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
		assert.Equal(t, uint32(o), got)
		held = append(held, tx.String(got, 2))
	}
	assert.Equal(t, 3*Chunk, tx.Len())
	for o := range 3 * Chunk {
		w := want(o)
		for k := range TextFields {
			if !assert.Equal(t, w[k], tx.String(uint32(o), k), "record %d field %d", o, k) {
				return
			}
		}
		assert.Equal(t, w[2], held[o], "a string handed out before later appends")
	}
}
