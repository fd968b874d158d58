package gen

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTxRollbackUndoesEveryClaim(t *testing.T) {
	set := map[uint64]struct{}{1: {}}
	uses, words := 2, []uint64{7}
	undone := false
	var tx Tx
	tx.ClaimSet(set, 2)
	tx.Use(&uses, &words, []uint64{8, 9})
	tx.OnRollback(func() { undone = true })
	assert.Equal(t, 3, uses)
	assert.Equal(t, []uint64{7, 8, 9}, words)
	tx.Rollback()
	assert.Equal(t, map[uint64]struct{}{1: {}}, set, "the claimed key is released, the older one kept")
	assert.Equal(t, 2, uses)
	assert.Equal(t, []uint64{7}, words)
	assert.True(t, undone)
	tx.Reset()
	tx.Rollback()
	assert.Equal(t, 2, uses, "a reset log undoes nothing")
}

func TestCreatedTableStaysInItsWindow(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		to  time.Time
		why string
	}{
		{from.AddDate(0, 2, 0), "two months"},
		{from.Add(3 * time.Hour), "a window narrower than the weights: the uniform fallback"},
	} {
		tab := NewCreatedTable([24]float64{}, [7]float64{}, from, tc.to, time.UTC)
		r := rand.New(rand.NewPCG(1, 2))
		for range 2000 {
			at := tab.Draw(r, from, tc.to)
			if !assert.True(t, !at.Before(from) && at.Before(tc.to), "%s: %v", tc.why, at) {
				break
			}
		}
	}
}

func TestLocalPartsFollowTheirPattern(t *testing.T) {
	for _, tc := range []struct {
		p    Pattern
		want string
	}{
		{GivenDotFamily, "jessica.smith"},
		{GivenFamily, "jessicasmith"},
		{InitialFamily, "jsmith"},
		{GivenUnderFamily, "jessica_smith"},
		{FamilyInitial, "smithj"},
		{InitialDotFamily, "j.smith"},
		{GivenInitial, "jessicas"},
	} {
		lp := LocalParts{Patterns: []Pattern{tc.p}, Weights: []float64{1}}
		got := lp.Draw(rand.New(rand.NewPCG(3, 4)), "Jéssica", "SMITH", 1987)
		assert.Equal(t, tc.want, string(got), "pattern %d", tc.p)
	}
	lp := LocalParts{Patterns: []Pattern{GivenDotFamily}, Weights: []float64{1}}
	assert.Nil(t, lp.Draw(rand.New(rand.NewPCG(3, 4)), "", "Smith", 1987), "no given name: no local part")
}
