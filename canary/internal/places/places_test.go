package places

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCityFollowsPopulation(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	counts := map[string]int{}
	for range 20000 {
		name, _ := City(r, "US")
		counts[name]++
	}
	assert.Greater(t, counts["New York"], counts["Chicago"], "the largest city is drawn most")
	assert.Greater(t, counts["Chicago"], counts["Boise"])
	assert.Greater(t, counts["Boise"], 0, "small cities still appear")
}

func TestPostcodeShapes(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{2}))
	shapes := map[string]*regexp.Regexp{
		"US": regexp.MustCompile(`^\d{5}$`),
		"GB": regexp.MustCompile(`^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$`),
		"ES": regexp.MustCompile(`^\d{5}$`),
	}
	for region, re := range shapes {
		for range 200 {
			name, pc := City(r, region)
			require.NotEmpty(t, name)
			assert.Regexp(t, re, pc, "%s %s", region, name)
		}
	}
	name, pc := City(r, "FR")
	assert.Empty(t, name+pc, "unknown region")
}

func TestCompany(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{3}))
	for _, region := range []string{"US", "GB", "ES"} {
		c := Company(r, region, "Brennan")
		assert.True(t, strings.Contains(c, "Brennan"), "%s: %q carries the family name", region, c)
	}
	assert.Empty(t, Company(r, "US", ""))
}
