package plant

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var monday = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

func TestScheduleSpreadsOverOfficeHours(t *testing.T) {
	seeds := testSeeds(200)
	plan, err := Schedule(seeds, monday, 14*24*time.Hour, ScheduleOptions{Seed: [32]byte{1}})
	require.NoError(t, err)
	require.Len(t, plan, len(seeds))
	perDay := map[string]int{}
	for i, p := range plan {
		assert.Equal(t, seeds[i].ID, p.Seed.ID, "seeds keep their order")
		assert.False(t, p.At.Before(monday) || !p.At.Before(monday.AddDate(0, 0, 14)), "%v inside the span", p.At)
		if i > 0 {
			assert.False(t, p.At.Before(plan[i-1].At), "sorted by time")
		}
		assert.True(t, p.At.Hour() >= 8 && p.At.Hour() < 18, "%v in office hours", p.At)
		assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, p.At.Weekday())
		perDay[p.At.Format(time.DateOnly)]++
	}
	assert.Len(t, perDay, 10, "every working day of the two weeks gets seeds")
	for day, n := range perDay {
		assert.InDelta(t, 20, n, 1, "no burst on %s: one slice of equal weight per seed", day)
	}

	again, err := Schedule(seeds, monday, 14*24*time.Hour, ScheduleOptions{Seed: [32]byte{1}})
	require.NoError(t, err)
	assert.Equal(t, plan, again, "the same Seed gives the same schedule")
	other, err := Schedule(seeds, monday, 14*24*time.Hour, ScheduleOptions{Seed: [32]byte{2}})
	require.NoError(t, err)
	assert.NotEqual(t, plan[0].At, other[0].At, "jitter depends on the Seed")
}

func TestScheduleFollowsWeights(t *testing.T) {
	var hours [24]float64
	hours[9], hours[14] = 3, 1
	zone := time.FixedZone("UTC-5", -5*3600)
	plan, err := Schedule(testSeeds(400), monday, 7*24*time.Hour, ScheduleOptions{
		Hours: hours, Weekdays: [7]float64{1, 1, 1, 1, 1, 1, 1}, Zone: zone, Seed: [32]byte{3},
	})
	require.NoError(t, err)
	n := map[int]int{}
	for _, p := range plan {
		n[p.At.In(zone).Hour()]++
	}
	assert.Equal(t, 400, n[9]+n[14], "only the weighted hours, local to the zone")
	assert.InDelta(t, 300, n[9], 10, "three times the weight, three times the seeds")
}

func TestScheduleBadInput(t *testing.T) {
	var closed [24]float64
	for _, tc := range []struct {
		over time.Duration
		opts ScheduleOptions
		why  string
	}{
		{0, ScheduleOptions{}, "an empty span"},
		{-time.Hour, ScheduleOptions{}, "a negative span"},
		{6 * 366 * 24 * time.Hour, ScheduleOptions{}, "longer than five years"},
		{24 * time.Hour, ScheduleOptions{Weekdays: [7]float64{1, 0, 0, 0, 0, 0, 0}}, "Sundays only, over a Monday"},
		{time.Hour, ScheduleOptions{}, "midnight to one on a Monday is outside office hours"},
		{24 * time.Hour, ScheduleOptions{Hours: closed, Weekdays: [7]float64{-1}}, "a negative weight"},
	} {
		_, err := Schedule(testSeeds(3), monday, tc.over, tc.opts)
		assert.ErrorIs(t, err, ErrInvalidInput, tc.why)
	}
}
