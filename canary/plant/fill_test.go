package plant

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/places"
)

// manySeeds returns n distinct test seeds, a third of them without a phone.
func manySeeds(n int) []canary.Seed {
	out := testSeeds(n)
	for i := range out {
		out[i].Fields = nil
		if i%3 == 0 {
			out[i].Phone = ""
		}
	}
	return out
}

func TestFillerFollowsTheHost(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		newPeople(t, h, true)
		m := profileMapping()
		before, err := Learn(ctx, h.db, m, LearnOptions{MinValues: 5})
		require.NoError(t, err)
		f, err := NewFiller(before, m, FillOptions{Seed: [32]byte{7}})
		require.NoError(t, err)
		assert.Equal(t, []Unfilled{{Column: "notes", EmptyRate: 0, Reason: UnfilledFreeText}}, f.Unfilled(),
			"free text the host always fills is reported")
		fm := f.Mapping()
		assert.Len(t, fm.Extra, 2, "state and product get an Extra each")
		assert.Empty(t, m.Extra, "the caller's Mapping is not changed")

		seeds := f.Fill(manySeeds(400))
		require.Len(t, seeds, 400)
		empty := map[string]int{}
		for _, s := range seeds {
			for _, c := range []string{"state", "product"} {
				if v, ok := s.Fields[c]; !ok || v == "" {
					empty[c]++
				}
			}
			p, geographic := places.ForNumber(nil0(), s.Phone)
			if st := s.Fields["state"]; st != "" && geographic {
				assert.Equal(t, p.Admin1, st, "a seed with a geographic number lives in its number's state")
			}
			if !geographic && s.Fields["state"] != "" {
				assert.Contains(t, []string{"TX", "CA"}, s.Fields["state"], "without a number of the region (none, or +1 204 in Canada), states follow the host's spread")
			}
		}
		// With the planted seeds, the host's own proportions hold.
		require.NoError(t, Insert(ctx, h.db, fm, seeds))
		after, err := Learn(ctx, h.db, m, LearnOptions{MinValues: 5})
		require.NoError(t, err)
		for _, name := range []string{"state", "product"} {
			b, _ := before.Column(name)
			a, _ := after.Column(name)
			assert.InDelta(t, b.EmptyRate(), a.EmptyRate(), 0.06, "%s: empty as often as before", name)
			assert.InDelta(t, float64(b.Blanks)/float64(b.Rows), float64(a.Blanks)/float64(a.Rows), 0.06, "%s: blank, not NULL, as often", name)
		}
		bp, _ := before.Column("product")
		ap, _ := after.Column("product")
		require.Len(t, ap.Values, 2)
		assert.InDelta(t, float64(bp.Values[0].Count)/float64(bp.Rows), float64(ap.Values[0].Count)/float64(ap.Rows), 0.06, "categories at the host's rates")
		together := func(s Shape) float64 {
			n := 0
			for _, p := range s.EmptyPatterns {
				// notes, which seeds leave empty (Unfilled), aside
				if fmt.Sprint(slices.DeleteFunc(slices.Clone(p.Columns), func(c string) bool { return c == "notes" })) == "[phone state product]" {
					n += p.Rows
				}
			}
			return float64(n) / float64(s.Total)
		}
		assert.InDelta(t, together(before), together(after), 0.05, "state and product empty together, with no phone, as often")
		rep, err := Check(ctx, h.db, fm, seeds)
		require.NoError(t, err)
		assert.True(t, rep.Clean(), "filled columns check as planted")
	})
}

func TestFillerLeavesWhatTheDatabaseOwns(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		newCustomers(t, h)
		m := customersMapping()
		m.Extra = nil
		s, err := Learn(ctx, h.db, m, LearnOptions{MinValues: 1})
		require.NoError(t, err)
		f, err := NewFiller(s, m, FillOptions{Seed: [32]byte{1}})
		require.NoError(t, err)
		var filled []string
		for _, e := range f.Mapping().Extra {
			filled = append(filled, e.Column)
		}
		assert.Equal(t, []string{"city"}, filled, "not the id the database numbers, not source with its default")
		assert.Empty(t, f.Unfilled())
		for _, sd := range f.Fill(manySeeds(30)) {
			if c, ok := sd.Fields["city"]; ok {
				_, found := places.Lookup("US", c, "")
				assert.True(t, found, "%q is a place of the tables", c)
			}
		}
	})
}

func TestNewFillerNeedsProfiles(t *testing.T) {
	_, err := NewFiller(Shape{}, Mapping{Table: "t", Email: "e"}, FillOptions{})
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestClassifyColumn(t *testing.T) {
	cases := []struct {
		name   string
		values bool
		region string
		want   fillKind
		reason string
	}{
		{"zip_code", false, "US", fillPostcode, "ZIP"},
		{"Postal Code", false, "GB", fillPostcode, "spaces in the name"},
		{"billing_city", false, "US", fillCity, "a city by any prefix"},
		{"state", false, "US", fillState, "US states come from the place"},
		{"state", false, "GB", 0, "GB has no states in the tables"},
		{"province", false, "ES", fillState, "ES provinces do"},
		{"county", true, "GB", fillCategory, "a listed county is a category"},
		{"county", false, "US", 0, "counties are not in the tables"},
		{"company_name", false, "US", fillCompany, "companies are made up"},
		{"plan", true, "US", fillCategory, "listed values"},
		{"updated_at", false, "US", fillTime, "a further time"},
		{"notes", false, "US", 0, "free text"},
	}
	for _, c := range cases {
		p := ColumnProfile{Name: c.name}
		if c.values {
			p.Values = []ValueCount{{"x", 9}}
		}
		got, _ := classifyColumn(p, c.region)
		assert.Equal(t, c.want, got, c.reason)
	}
}

func nil0() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
