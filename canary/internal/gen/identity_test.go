package gen

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/honeyseed/honeyseed/canary/internal/names"
)

func TestParseLocal(t *testing.T) {
	const now = 2026
	cases := []struct {
		local, region string
		want          Fit
		why           string
	}{
		{"mkelly1987", "US", Fit{Initial: 'm', Family: "Kelly", Born: 1987}, "initial, family, four-digit year"},
		{"sarah.connor", "US", Fit{Given: "Sarah", Sex: names.Female, Family: "Connor"}, "given dot family"},
		{"bluesky77", "US", Fit{Born: 1977}, "a handle: no name, two digits read as a year"},
		{"sarahconnor", "US", Fit{Given: "Sarah", Sex: names.Female, Family: "Connor"}, "given and family run together"},
		{"j.smith", "US", Fit{Initial: 'j', Family: "Smith"}, "initial dot family"},
		{"smithj", "US", Fit{Initial: 'j', Family: "Smith"}, "family then initial"},
		{"michael87", "US", Fit{Given: "Michael", Sex: names.Male, Born: 1987}, "given and a two-digit year"},
		{"michael4412", "US", Fit{Given: "Michael", Sex: names.Male}, "four digits that are no adult's birth year"},
		{"smith_michael", "US", Fit{Given: "Michael", Sex: names.Male, Family: "Smith"}, "family underscore given"},
		{"obrien.k", "US", Fit{Initial: 'k', Family: "O'Brien"}, "the tables' spelling of the family name"},
		{"MKelly1987+shop", "US", Fit{Initial: 'm', Family: "Kelly", Born: 1987}, "case and a +tag ignored"},
		{"mgarcia85", "ES", Fit{Initial: 'm', Family: "García", Born: 1985}, "Spanish accents restored from the tables"},
		{"x9", "US", Fit{}, "nothing to read"},
		{"", "US", Fit{}, "empty"},
		{"michael2010", "US", Fit{Given: "Michael", Sex: names.Male}, "a year too recent for an adult is no birth year"},
		{"smith.michael", "US", Fit{Given: "Michael", Sex: names.Male, Family: "Smith"}, "both orders are names: the commoner reading"},
	}
	for _, c := range cases {
		t.Run(c.local, func(t *testing.T) {
			assert.Equal(t, c.want, ParseLocal(Names{Region: c.region}, c.local, now), c.why)
		})
	}
}

func TestFitDrawKeepsWhatTheLocalPartSays(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := ParseLocal(Names{Region: "US"}, "mkelly1987", 2026)
	counts := map[string]int{}
	for range 2000 {
		given, family, born := f.Draw(r, Names{Region: "US"}, 2026)
		assert.True(t, strings.HasPrefix(given, "M"), given)
		assert.Equal(t, "Kelly", family)
		assert.Equal(t, 1987, born)
		counts[given]++
	}
	// Drawn by frequency among M names: the commonest of 1980s America lead.
	assert.Greater(t, counts["Michael"]+counts["Matthew"]+counts["Melissa"]+counts["Michelle"], counts["Moshe"]+counts["Marlo"]+100)

	h := ParseLocal(Names{Region: "US"}, "bluesky77", 2026)
	_, _, born := h.Draw(r, Names{Region: "US"}, 2026)
	assert.Equal(t, 1977, born, "a handle keeps its year")
}

func FuzzParseLocal(f *testing.F) {
	for _, s := range []string{"mkelly1987", "sarah.connor", "bluesky77", "a.b.c", "+", "..", "ñandú_ó", "99", "\xff"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	f.Fuzz(func(t *testing.T, local string) {
		fit := ParseLocal(Names{Region: "US"}, local, 2026)
		if fit.Born != 0 && (fit.Born < 2026-maxAge || fit.Born > 2026-minAge) {
			t.Fatalf("%q: birth year %d out of the adult range", local, fit.Born)
		}
		if fit.Initial != 0 && fit.Family == "" {
			t.Fatalf("%q: an initial without a family name: %+v", local, fit)
		}
		given, family, _ := fit.Draw(r, Names{Region: "US"}, 2026)
		if given == "" || family == "" || !utf8.ValidString(given+family) {
			t.Fatalf("%q: drew %q %q", local, given, family)
		}
	})
}
