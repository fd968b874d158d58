package gen

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTicketNumber(t *testing.T) {
	cases := []struct {
		format, ticket string
		n              uint64
		ok             bool
		why            string
	}{
		{"TM-########", "TM-10400132", 10400132, true, "FormatTicket's own output"},
		{"TM-########", "TM-00000007", 7, true, "zero-padded"},
		{"TM-########", "TX-10400132", 0, false, "another prefix"},
		{"TM-########", "TM-1040013", 0, false, "too short"},
		{"TM-########", "TM-1040013a", 0, false, "a letter where a digit goes"},
		{"####-##", "2024-17", 202417, true, "literals between digits"},
		{"####", "", 0, false, "empty"},
	}
	for _, c := range cases {
		n, ok := TicketNumber(c.format, c.ticket)
		assert.Equal(t, c.ok, ok, c.why)
		assert.Equal(t, c.n, n, c.why)
	}
}

// takenTickets is a TicketTrier over a set of taken numbers.
type takenTickets map[uint64]bool

func (tk takenTickets) TryTicket(n uint64) (bool, error) {
	if tk[n] {
		return false, nil
	}
	tk[n] = true
	return true, nil
}

func TestDrawTicketFillsARangeThenReportsIt(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tk := takenTickets{}
	for range 100 {
		free, err := DrawTicket(r, 1000, 1099, r.Float64(), 64, tk)
		require.NoError(t, err)
		require.True(t, free, "a free number is found while any is left")
	}
	for n := range uint64(100) {
		assert.True(t, tk[1000+n], "every number of the range is drawn once")
	}
	free, err := DrawTicket(r, 1000, 1099, 0.5, 64, tk)
	assert.NoError(t, err)
	assert.False(t, free, "a full range says so")
}
