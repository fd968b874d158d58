package canary_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

func TestAttributeSinglePlacement(t *testing.T) {
	a, b := canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "support-db/eu")
	c := canarytest.Seed(3, "export/2026-11")
	contact := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	got := canary.Attribute([]canary.Seed{a, b, a}, contact, canary.AttributeOptions{})
	require.Len(t, got, 1, "only the placement holding the tripped seeds is a suspect; repeats count once")
	assert.Equal(t, "support-db/eu", got[0].Placement)
	assert.InDelta(t, 1, got[0].Score, 1e-9)
	assert.Equal(t, b.PlantedAt, got[0].After, "after the latest planting")
	assert.Equal(t, contact, got[0].Before, "before the first contact")
	assert.Len(t, got[0].Seeds, 2)
	_ = c
}

// Two exports share the same seed; one of them also holds a seed only it had.
// The model puts the most blame on the copy that explains every tripped seed.
func TestAttributeSharedSeedsGuiltModel(t *testing.T) {
	shared := canarytest.Seed(1, "crm")
	only := canarytest.Seed(2, "crm")
	holders := map[string][]string{
		shared.Email: {"export/team-a", "export/team-b"},
		only.Email:   {"export/team-b"},
	}
	opts := canary.AttributeOptions{Holders: func(s canary.Seed) []string { return holders[s.Email] }}
	got := canary.Attribute([]canary.Seed{shared, only}, shared.PlantedAt.Add(30*24*time.Hour), opts)
	require.Len(t, got, 2)
	assert.Equal(t, "export/team-b", got[0].Placement)
	// Guilt: team-b = 1-(1-1/2)(1-1) = 1; team-a = 1/2. Seeds explained:
	// team-b 1/2+1 = 3/2, team-a 1/2. Raw 3/2 and 1/4; normalized 6/7 and 1/7.
	assert.InDelta(t, 6.0/7, got[0].Score, 1e-9)
	assert.InDelta(t, 1.0/7, got[1].Score, 1e-9)
	assert.Contains(t, strings.Join(got[1].Reasons, "; "), "also held by other placements")
}

// Unguessable seeds make every holder surely guilty; the placement holding 3
// of the 4 tripped seeds must still outrank the one holding 1.
func TestAttributeScoreFollowsTheShareOfTrippedSeeds(t *testing.T) {
	var tripped []canary.Seed
	for i := range 3 {
		tripped = append(tripped, canarytest.Seed(i+1, "support-db/eu"))
	}
	tripped = append(tripped, canarytest.Seed(4, "export/2026-11"))
	got := canary.Attribute(tripped, tripped[0].PlantedAt.Add(30*24*time.Hour), canary.AttributeOptions{})
	require.Len(t, got, 2)
	assert.Equal(t, "support-db/eu", got[0].Placement)
	assert.InDelta(t, 0.75, got[0].Score, 1e-9, "3 of 4")
	assert.InDelta(t, 0.25, got[1].Score, 1e-9, "1 of 4")
}

func TestAttributeImpossibleWindow(t *testing.T) {
	early := canarytest.Seed(1, "a")
	late := canarytest.Seed(2, "b")
	contact := early.PlantedAt.Add(time.Hour)
	late.PlantedAt = contact.Add(24 * time.Hour) // planted after the scam call
	got := canary.Attribute([]canary.Seed{early, late}, contact, canary.AttributeOptions{})
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].Placement)
	assert.InDelta(t, 1, got[0].Score, 1e-9)
	assert.Equal(t, "b", got[1].Placement)
	assert.Zero(t, got[1].Score)
	assert.Contains(t, strings.Join(got[1].Reasons, "; "), "cannot be the source")
}

func TestAttributeExpiryBoundsWindow(t *testing.T) {
	s := canarytest.Seed(1, "a")
	s.ExpiresAt = s.PlantedAt.Add(48 * time.Hour)
	got := canary.Attribute([]canary.Seed{s}, s.PlantedAt.Add(90*24*time.Hour), canary.AttributeOptions{})
	require.Len(t, got, 1)
	assert.Equal(t, s.ExpiresAt, got[0].Before, "the data left while the seed was planted")
	assert.Nil(t, canary.Attribute(nil, time.Now(), canary.AttributeOptions{}))
}

func TestAttributeRetirementBoundsWindow(t *testing.T) {
	s := canarytest.Seed(1, "a")
	s.ExpiresAt = s.PlantedAt.Add(365 * 24 * time.Hour)
	s.RetiredAt = s.PlantedAt.Add(24 * time.Hour)
	got := canary.Attribute([]canary.Seed{s}, s.PlantedAt.Add(90*24*time.Hour), canary.AttributeOptions{})
	require.Len(t, got, 1)
	assert.Equal(t, s.RetiredAt, got[0].Before, "the data left before the seed was taken out of the host")
}

func ExampleAttribute() {
	eu := canarytest.Seed(1, "support-db/eu")
	contact := eu.PlantedAt.Add(72 * time.Hour)
	for _, s := range canary.Attribute([]canary.Seed{eu}, contact, canary.AttributeOptions{}) {
		fmt.Printf("%s %.2f\n", s.Placement, s.Score)
		for _, r := range s.Reasons {
			fmt.Println(" -", r)
		}
	}
	// Output:
	// support-db/eu 1.00
	//  - held 1 of the 1 tripped seeds
	//  - the data left after 2025-03-03T10:30:00Z (the latest planting) and before 2025-03-06T10:30:00Z
}

// Many tripped seeds over many placements, repeats among them, are counted
// as few are: each seed once, each placement once, in the order first seen.
func TestAttributeManySeedsAndPlacements(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var tripped []canary.Seed
	for i := range 30 {
		s := canarytest.Seed(i, fmt.Sprintf("export/%02d", i%12))
		s.PlantedAt = at.Add(-time.Duration(30-i) * time.Hour)
		tripped = append(tripped, s, s) // every seed reported twice
	}
	got := canary.Attribute(tripped, at, canary.AttributeOptions{})
	require.Len(t, got, 12)
	seen := map[string]bool{}
	total := 0
	for _, s := range got {
		assert.False(t, seen[s.Placement], "placement %s listed once", s.Placement)
		seen[s.Placement] = true
		total += len(s.Seeds)
		assert.Contains(t, s.Reasons[0], fmt.Sprintf("of the %d tripped seeds", 30))
	}
	assert.Equal(t, 30, total, "each seed counted once")
	// Six placements hold three seeds, six hold two: the three come first.
	assert.Len(t, got[0].Seeds, 3)
	assert.Len(t, got[11].Seeds, 2)
}

// TestAttributeSmallAlertsAsLarge: a small alert (one placement, a few
// seeds) is attributed in one allocation; the result is the one the general
// path gives, window or none.
func TestAttributeSmallAlertsAsLarge(t *testing.T) {
	contact := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	own := func(s canary.Seed) []string { return []string{s.Placement} } // the default, through the general path
	for n := 1; n <= 6; n++ {
		var tripped []canary.Seed
		for i := range n {
			tripped = append(tripped, canarytest.Seed(i, "support-db/eu"))
		}
		for _, at := range []time.Time{contact, tripped[0].PlantedAt.Add(-time.Hour)} {
			got := canary.Attribute(tripped, at, canary.AttributeOptions{})
			want := canary.Attribute(tripped, at, canary.AttributeOptions{Holders: own})
			require.Equal(t, want, got, "%d seeds, contact %v", n, at)
			assert.Len(t, got, 1)
		}
	}
}

// TestAttributeWindowTimes: the window's times read as time.RFC3339 writes
// them, in UTC, for years of four digits and beyond.
func TestAttributeWindowTimes(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, planted := range []time.Time{
		time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2026, 1, 1, 0, 30, 5, 0, paris), // another day in UTC
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		for _, contact := range []time.Time{
			planted.Add(90 * 24 * time.Hour),
			time.Date(10000, 1, 2, 3, 4, 5, 0, time.UTC), // five digits: formatted by the layout
			time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),    // before the planting: an empty window
		} {
			s := canarytest.Seed(1, "crm")
			s.CreatedAt, s.PlantedAt = planted, planted
			got := canary.Attribute([]canary.Seed{s}, contact, canary.AttributeOptions{})
			require.Len(t, got, 1)
			after, before := planted.UTC().Format(time.RFC3339), contact.UTC().Format(time.RFC3339)
			want := "the data left after " + after + " (the latest planting) and before " + before
			if !contact.After(planted) {
				want = "cannot be the source: a seed was planted (" + after + ") after the first contact or expiry (" + before + ")"
			}
			assert.Equal(t, want, got[0].Reasons[len(got[0].Reasons)-1], "planted %v, contact %v", planted, contact)
		}
	}
}
