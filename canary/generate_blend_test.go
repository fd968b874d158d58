package canary_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/places"
)

func TestGeneratorPhoneless(t *testing.T) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{11}
	cfg.Phoneless = 0.3
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("support-db/test", 1000)
	require.NoError(t, err)
	without := 0
	for _, s := range seeds {
		if s.Phone == "" {
			without++
		}
	}
	assert.InDelta(t, 300, without, 50, "the host's share of rows without a phone")

	for _, bad := range []float64{-0.1, 1.5} {
		cfg.Phoneless = bad
		_, err := canary.NewGenerator(cfg)
		assert.True(t, errors.Is(err, canary.ErrInvalidConfig), "Phoneless %v", bad)
	}
}

func TestGeneratorHouseholds(t *testing.T) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{12}
	cfg.PhonePool = canary.FictionalPhones("US", 3)
	cfg.Households = true
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("support-db/test", 12)
	require.NoError(t, err)
	byNumber := map[string][]canary.Seed{}
	for _, s := range seeds {
		byNumber[s.Phone] = append(byNumber[s.Phone], s)
	}
	require.Len(t, byNumber, 3)
	for number, group := range byNumber {
		given := map[string]bool{}
		for _, s := range group {
			assert.Equal(t, group[0].Name.Family, s.Name.Family, "%s: a household shares its family name", number)
			assert.False(t, given[canary.NormalizeName(s.Name.Given)], "%s: given names differ, so an SMS names the seed", number)
			given[canary.NormalizeName(s.Name.Given)] = true
		}
	}

	cfg.Households = false
	g, err = canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err = g.Generate("support-db/test", 12)
	require.NoError(t, err)
	families := map[string]map[string]bool{}
	for _, s := range seeds {
		if families[s.Phone] == nil {
			families[s.Phone] = map[string]bool{}
		}
		assert.False(t, families[s.Phone][s.Name.Family], "without Households, sharers share no name")
		families[s.Phone][s.Name.Family] = true
	}
}

func TestGeneratorNumbersShowNoRotation(t *testing.T) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{13}
	cfg.PhonePool = canary.FictionalPhones("US", 4)
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("support-db/test", 16)
	require.NoError(t, err)
	periodic := true
	for i := 4; i < len(seeds); i++ {
		if seeds[i].Phone != seeds[i-4].Phone {
			periodic = false
		}
	}
	assert.False(t, periodic, "numbers do not repeat with the pool's period")
	uses := map[string]int{}
	for _, s := range seeds {
		uses[s.Phone]++
	}
	for n, u := range uses {
		assert.Equal(t, 4, u, "%s: still used evenly", n)
	}
}

func TestGeneratorPlacesFitTheNumber(t *testing.T) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{14}
	cfg.Fields = []string{"city", "state", "postcode"}
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("support-db/test", 300)
	require.NoError(t, err)
	fit, geographic := 0, 0
	for _, s := range seeds {
		city, state := s.Fields["city"], s.Fields["state"]
		_, ok := places.Lookup("US", city, state)
		require.True(t, ok, "%s, %s is a place of the tables", city, state)
		if region, code := places.AreaCode(s.Phone); region == "US" && code != "" {
			geographic++
			if places.Fits(s.Phone, "US", city, state) {
				fit++
			}
		}
		assert.Len(t, s.Fields["postcode"], 5, "a ZIP code")
	}
	require.Positive(t, geographic)
	assert.Equal(t, geographic, fit, "every seed with a US area code lives in its area")
}
