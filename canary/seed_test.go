package canary_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/honeyseed/honeyseed/canary"
)

func TestSeedLifetime(t *testing.T) {
	planted := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		why               string
		expires, retired  time.Duration // after planted; 0: unset
		at                time.Duration
		active, retiredBy bool
		ended             time.Duration // 0: never
	}{
		{"planted, no end", 0, 0, 10 * day, true, false, 0},
		{"before planting", 0, 0, -day, false, false, 0},
		{"expired as planned", 5 * day, 0, 6 * day, false, false, 5 * day},
		{"retired", 0, 5 * day, 6 * day, false, true, 5 * day},
		{"at the retirement itself", 0, 5 * day, 5 * day, false, true, 5 * day},
		{"before the retirement", 0, 5 * day, 4 * day, true, false, 5 * day},
		{"retired before its planned expiry", 30 * day, 5 * day, 6 * day, false, true, 5 * day},
		{"expired before it was retired", 3 * day, 5 * day, 4 * day, false, false, 3 * day},
	} {
		s := canary.Seed{PlantedAt: planted}
		if tc.expires != 0 {
			s.ExpiresAt = planted.Add(tc.expires)
		}
		if tc.retired != 0 {
			s.RetiredAt = planted.Add(tc.retired)
		}
		at := planted.Add(tc.at)
		assert.Equal(t, tc.active, s.Active(at), "Active: %s", tc.why)
		assert.Equal(t, tc.retiredBy, s.RetiredBy(at), "RetiredBy: %s", tc.why)
		if tc.ended == 0 {
			assert.True(t, s.EndedAt().IsZero(), "EndedAt: %s", tc.why)
		} else {
			assert.Equal(t, planted.Add(tc.ended), s.EndedAt(), "EndedAt: %s", tc.why)
		}
	}
}
