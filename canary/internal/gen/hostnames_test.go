package gen

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/names"
)

func TestHostListDrawsAtTheHostsRate(t *testing.T) {
	src := NewNames("US", 1000, []NameCount{{"Mary", 300}, {"MARY", 100}, {"Zelda", 100}}, nil, nil, nil)
	require.NotNil(t, src.Given)
	assert.InDelta(t, 0.5, src.Given.Share(), 1e-9, "500 of 1,000 rows hold a listed name; spellings fold together")
	assert.True(t, src.Given.Has("mary"))
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const n = 20000
	for range n {
		g, _ := src.GivenName(r, names.Female, 1980)
		counts[g]++
	}
	assert.InDelta(t, 0.4, float64(counts["Mary"])/n, 0.02, "Mary: 400 of 1,000 rows")
	assert.InDelta(t, 0.1, float64(counts["Zelda"])/n, 0.01, "Zelda: 100 of 1,000 rows")
	assert.Zero(t, counts["MARY"], "the first spelling stands for the name")
}

func TestTailDrawFollowsTheHostsRarity(t *testing.T) {
	rare := make([]int, Bands)
	rare[6] = 100 // every unlisted family name of the host is very rare
	src := NewNames("US", 100, nil, nil, nil, rare)
	plain := NewNames("US", 0, nil, nil, nil, nil)
	r := rand.New(rand.NewPCG(3, 4))
	var rareBand, plainBand int
	for range 300 {
		rareBand += Band(names.FamilyShare("US", src.FamilyName(r)))
		plainBand += Band(names.FamilyShare("US", plain.FamilyName(r)))
	}
	assert.Greater(t, rareBand, plainBand+300, "names drawn as rare as the host's are rarer than the population's draws")
	assert.GreaterOrEqual(t, float64(rareBand)/300, 4.5, "mostly at or near the band asked for")
}

func TestBand(t *testing.T) {
	cases := []struct {
		share float64
		want  int
	}{
		{0.5, 0}, {0.01, 2}, {0.009, 2}, {1e-5, 5}, {3e-7, 6}, {1e-9, Bands - 1}, {0, Bands - 1},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Band(c.share), "share %g", c.share)
	}
}

func TestNewHostListEmpty(t *testing.T) {
	assert.Nil(t, NewHostList(nil, nil, 100), "nothing listed, no tail")
	assert.Nil(t, NewHostList([]NameCount{{"Ann", 3}}, nil, 0), "no rows")
	assert.Nil(t, NewHostList([]NameCount{{"  ", 3}, {"Bo", 0}}, nil, 10), "no usable name")
	var h *HostList
	assert.Zero(t, h.Share())
	assert.False(t, h.Has("Ann"))
}

func TestParseLocalKnowsTheHostsNames(t *testing.T) {
	src := NewNames("US", 100, []NameCount{{"Zorbuk", 5}}, []NameCount{{"Kirkwell", 4}}, nil, nil)
	assert.Equal(t, Fit{Given: "Zorbuk", Family: "Kirkwell"}, ParseLocal(src, "zorbuk.kirkwell", 2026),
		"names the population tables lack, listed by the host")
	assert.Equal(t, Fit{Initial: 'm', Family: "Kirkwell", Born: 1987}, ParseLocal(src, "mkirkwell1987", 2026))
	assert.True(t, ParseLocal(Names{Region: "US"}, "zorbuk.kirkwell", 2026).Family == "", "without the host's list, no family name is read")
}
