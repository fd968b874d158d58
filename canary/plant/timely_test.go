package plant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestDripperKeepsTheHostsOrder(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		newPeople(t, h, true) // rows a day apart from 2025-01-01, tickets CS-42000xx by 3
		m := profileMapping()
		shape, err := Learn(ctx, h.db, m, LearnOptions{MinValues: 5})
		require.NoError(t, err)
		require.True(t, shape.Order.Ordered())
		require.True(t, shape.Order.TicketsOrdered())

		// Seeds as generated: dated in the host's past, with tickets of another format.
		seeds := testSeeds(3)
		for i := range seeds {
			seeds[i].Fields = nil
		}
		start := time.Date(2025, 2, 10, 9, 0, 0, 0, time.UTC) // after the host's last row
		clock := newFakeClock(start)
		reg := canary.NewMemoryRegistry()
		d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Clock: clock, Shape: &shape},
			[]Planned{{seeds[0], start.Add(time.Hour)}, {seeds[1], start.Add(50 * time.Hour)}, {seeds[2], start.Add(99 * time.Hour)}})
		require.NoError(t, err)

		// Real customers keep signing up between the seeds, numbered by the
		// host after its newest ticket.
		customer := func(at time.Time) {
			var newest string
			require.NoError(t, h.db.QueryRow("SELECT MAX(ticket) FROM people").Scan(&newest))
			var lastTicket int
			_, err := fmt.Sscanf(newest, "CS-%d", &lastTicket)
			require.NoError(t, err)
			lastTicket += 3
			h.exec(t, "INSERT INTO people (given, family, email, ticket, created, state, product, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				"Real", "Customer", fmt.Sprintf("real%d@gmail.com", lastTicket), fmt.Sprintf("CS-%07d", lastTicket),
				hostTime(h, at), "TX", "basic", "note")
		}
		var planted []canary.Seed
		for day := range 5 {
			customer(start.Add(time.Duration(24*day) * time.Hour))
			clock.set(start.Add(time.Duration(24*day+23) * time.Hour))
			got, err := d.Step(ctx)
			require.NoError(t, err)
			planted = append(planted, got...)
		}
		require.Len(t, planted, 3)
		for _, s := range planted {
			assert.True(t, strings.HasPrefix(s.Ticket, "CS-"), "the host's ticket format, not the generator's: %s", s.Ticket)
			assert.True(t, s.CreatedAt.Equal(s.PlantedAt), "dated when planted")
			got, err := reg.Get(ctx, s.ID)
			require.NoError(t, err)
			assert.Equal(t, s.Ticket, got.Ticket, "registered with the ticket it was planted with")
		}
		after, err := Learn(ctx, h.db, m, LearnOptions{MinValues: 5})
		require.NoError(t, err)
		assert.Equal(t, after.Order.CreatedPairs, after.Order.CreatedInOrder, "no seed breaks the id/time order")
		assert.Equal(t, after.Order.TicketPairs, after.Order.TicketsInOrder, "nor the id/ticket order")
	})
}

func TestDripperWithoutShapeKeepsSeedsAsGenerated(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(1)
	clock := newFakeClock(monday)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: clock},
		[]Planned{{seeds[0], monday}})
	require.NoError(t, err)
	got, err := d.Step(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, seeds[0].Ticket, got[0].Ticket)
	assert.True(t, seeds[0].CreatedAt.Equal(got[0].CreatedAt))
}

func TestNextTicketGap(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newPeople(t, h, true)
		p, err := prepareWith(t.Context(), h.db, h.db, profileMapping(), false)
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(1, 1))
		cases := []struct {
			gaps   Gaps
			want   string
			reason string
		}{
			{Gaps{3, 3, 3}, "CS-4200120", "the newest is CS-4200117; a gap of 3"},
			{nil, "CS-4200118", "no gaps learned: the next number"},
			{Gaps{0, 0}, "CS-4200118", "a gap is at least 1"},
		}
		for _, c := range cases {
			got, ok, err := nextTicket(t.Context(), h.db, p, "CS-#######", c.gaps, r)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, c.want, got, c.reason)
		}
		_, ok, err := nextTicket(t.Context(), h.db, p, "TM-########", Gaps{1}, r)
		require.NoError(t, err)
		assert.False(t, ok, "no ticket of that format among the newest rows")
	})
}

func TestScheduleFollowsArrivalRate(t *testing.T) {
	seeds := testSeeds(30)
	cases := []struct {
		perDay, share float64
		over          time.Duration
		wantErr       bool
		reason        string
	}{
		{2, 0, 14 * 24 * time.Hour, true, "2 new rows a day: 30 seeds at 2% need 735 days"},
		{2, 0, 740 * 24 * time.Hour, false, "long enough"},
		{1000, 0, 14 * 24 * time.Hour, false, "a busy host hides 30 seeds in two weeks"},
		{2, 0.5, 16 * 24 * time.Hour, false, "a cap of 50% needs only 15 days"},
		{0, 0, 24 * time.Hour, false, "no rate: no limit"},
	}
	for _, c := range cases {
		_, err := Schedule(seeds, monday, c.over, ScheduleOptions{Seed: [32]byte{1}, PerDay: c.perDay, MaxShare: c.share})
		if !c.wantErr {
			assert.NoError(t, err, c.reason)
			continue
		}
		require.ErrorIs(t, err, ErrTooFast, c.reason)
		var tf *TooFastError
		require.True(t, errors.As(err, &tf))
		assert.Equal(t, 30, tf.Seeds)
		assert.Equal(t, ScheduleSpan(30, 2, 0), tf.Need)
		assert.Equal(t, "plant: 30 seeds at most 2% of new rows need 735 days at the host's 2 new rows a day, not 14 days", err.Error())
	}
	_, err := Schedule(seeds, monday, time.Hour, ScheduleOptions{PerDay: -1})
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = Schedule(seeds, monday, time.Hour, ScheduleOptions{MaxShare: 1})
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestScheduleSpan(t *testing.T) {
	cases := []struct {
		n            int
		perDay, cap_ float64
		want         time.Duration
		reason       string
	}{
		{30, 2, 0.02, 735 * 24 * time.Hour, "30·0.98/(0.02·2) days"},
		{30, 2, 0, 735 * 24 * time.Hour, "the default cap is 2%"},
		{10, 100, 0.1, 21*time.Hour + 36*time.Minute, "10·0.9/(0.1·100) = 0.9 days"},
		{30, 0, 0.02, 0, "no rate"},
		{0, 5, 0.02, 0, "no seeds"},
	}
	for _, c := range cases {
		assert.InDelta(t, float64(c.want), float64(ScheduleSpan(c.n, c.perDay, c.cap_)), float64(time.Second), c.reason)
	}
}

func TestBackdateFollowsMonths(t *testing.T) {
	zone := time.UTC
	s := Shape{
		CreatedZone: zone,
		CreatedTo:   time.Date(2025, 3, 31, 0, 0, 0, 0, zone),
		Arrival: ArrivalProfile{Months: []MonthRows{
			{time.Date(2025, 1, 1, 0, 0, 0, 0, zone), 10},
			{time.Date(2025, 2, 1, 0, 0, 0, 0, zone), 0},
			{time.Date(2025, 3, 1, 0, 0, 0, 0, zone), 90},
		}},
	}
	s.CreatedHours[14] = 1
	for d := 1; d <= 5; d++ {
		s.CreatedWeekdays[d] = 1
	}
	out, err := s.Backdate(testSeeds(500), [32]byte{3})
	require.NoError(t, err)
	byMonth := map[time.Month]int{}
	for _, sd := range out {
		at := sd.CreatedAt.In(zone)
		byMonth[at.Month()]++
		assert.Equal(t, 14, at.Hour(), "the host's only hour")
		assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, at.Weekday(), "weekdays only")
		assert.True(t, at.Before(s.CreatedTo), "not after the host's newest")
	}
	assert.Zero(t, byMonth[time.February], "a month without rows gets no seed")
	assert.InDelta(t, 450, byMonth[time.March], 40, "growth: most seeds in the busy month")

	same, err := Shape{}.Backdate(testSeeds(2), [32]byte{})
	require.NoError(t, err)
	assert.Equal(t, testSeeds(2)[1].CreatedAt, same[1].CreatedAt, "no months: unchanged")
}
