package plant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestGapsMass(t *testing.T) {
	steps := make([]float64, 0, 100)
	for i := range 100 {
		steps = append(steps, float64(1+i%4)) // 1, 2, 3, 4 as often
	}
	g := newGaps(steps)
	cases := []struct {
		k        float64
		min, max float64
		why      string
	}{
		{0, 0, 0.01, "no step of 0 was seen"},
		{1, 0.1, 0.3, "a quarter of the steps are 1"},
		{2, 0.15, 0.35, "a quarter are 2"},
		{3, 0.15, 0.35, "a quarter are 3"},
		{9, 0, 0.01, "none is 9"},
	}
	for _, c := range cases {
		m := g.mass(c.k)
		assert.True(t, m >= c.min && m <= c.max, "mass(%v) = %.3f: %s", c.k, m, c.why)
	}
	assert.Positive(t, Gaps(nil).mass(3), "never quite 0, even with nothing measured")
	assert.Equal(t, 1.0, g.cdf(4))
	assert.Equal(t, 0.0, g.cdf(0.5))
}

func TestPickSlot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	// 40 rows whose tickets step by 4 to 8, one id gap between rows 30 and
	// 31 and another between 34 and 35.
	var rows []gapRow
	id, ticket := int64(100), uint64(5000)
	for i := range 40 {
		id++
		if i == 31 || i == 35 {
			id += 2
		}
		ticket += 4 + uint64(r.IntN(5))
		rows = append(rows, gapRow{id: id, at: base.Add(time.Duration(i) * time.Hour), ticket: ticket, hasTicket: true})
	}
	for range 200 {
		k, in, ok, err := pickSlot(rows, true, nil, r, nil)
		require.NoError(t, err)
		require.True(t, ok)
		require.True(t, k == 31 || k == 35, "one of the two gaps: %d", k)
		lo, hi := rows[k-1], rows[k]
		assert.True(t, in.id > lo.id && in.id < hi.id, "an unused id between its neighbours'")
		assert.True(t, in.at.After(lo.at) && in.at.Before(hi.at), "a time between theirs")
		assert.True(t, in.ticket > lo.ticket && in.ticket < hi.ticket, "a ticket between theirs")
	}

	_, _, ok, err := pickSlot(rows, true, nil, r, func(gapRow) (bool, error) { return false, nil })
	require.NoError(t, err)
	assert.False(t, ok, "every gap turned down: no slot")
	boom := errors.New("boom")
	_, _, _, err = pickSlot(rows, true, nil, r, func(gapRow) (bool, error) { return false, boom })
	assert.ErrorIs(t, err, boom)
	k, _, ok, err := pickSlot(rows, false, nil, r, nil)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 35, k, "without tickets, the newest gap")
	_, _, ok, _ = pickSlot(rows[:30], true, nil, r, nil)
	assert.False(t, ok, "no id gap: no slot")
}

// TestSplitFollowsTheHostsSteps checks that a seed splitting a wide step
// takes steps the host makes: with steps of 1 to 3 and a gap 6 wide, the
// seed's own step and the next row's are each 1 to 5, and mostly 2 to 4
// (two steps of the host's), not anywhere in the gap.
func TestSplitFollowsTheHostsSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var host []float64
	for i := range 60 {
		host = append(host, float64(1+i%3))
	}
	g := newGaps(host)
	lo := gapRow{id: 1, at: time.Unix(0, 0), ticket: 100, hasTicket: true}
	hi := gapRow{id: 3, at: time.Unix(3600, 0), ticket: 106, hasTicket: true}
	counts := map[uint64]int{}
	for range 2000 {
		sp := splitWeights(hi.ticket-lo.ticket, g)
		in := between(lo, hi, &sp, r)
		require.True(t, in.ticket > 100 && in.ticket < 106)
		counts[in.ticket-100]++
	}
	assert.Greater(t, counts[2]+counts[3]+counts[4], 1800, "splits into two of the host's steps: %v", counts)
	assert.Less(t, splitWeights(2, g).gapWeight(g), splitWeights(4, g).gapWeight(g), "a step two host steps make often is worth more than one they seldom make")
}

// gapHost makes a table of n rows an hour apart from base, with ids,
// times and tickets in step, whose ids skip three after row skipAfter (a
// gap a deleted row or a rolled-back insert leaves), and learns it.
func gapHost(t *testing.T, h *host, n, skipAfter int) (Mapping, Shape, time.Time) {
	t.Helper()
	idType := "INTEGER PRIMARY KEY"
	if h.dialect == PostgreSQL {
		idType = "BIGSERIAL PRIMARY KEY"
	}
	h.exec(t, `CREATE TABLE crm (id `+idType+`, email TEXT NOT NULL, ticket TEXT, created_at TEXT NOT NULL)`)
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		id := i
		if i > skipAfter {
			id = i + 3
		}
		h.exec(t, fmt.Sprintf(`INSERT INTO crm (id, email, ticket, created_at) VALUES (%d, 'c%d@mail.example', 'CS-%07d', '%s')`,
			id, i, 1000+10*i, base.Add(time.Duration(i)*time.Hour).Format(DefaultTextLayout)))
	}
	if h.dialect == PostgreSQL {
		h.exec(t, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('crm', 'id'), %d)`, n+3))
	}
	m := Mapping{Table: "crm", Email: "email", Ticket: "ticket", CreatedAt: "created_at"}
	shape, err := Learn(context.Background(), h.db, m, LearnOptions{})
	require.NoError(t, err)
	require.True(t, shape.Order.Ordered() && shape.Order.TicketsOrdered(), "ids, times and tickets follow each other")
	return m, shape, base
}

// holdHost is a gapHost of 100 rows whose ids skipped long ago (ids 11
// to 13), so that none of the newest 50 rows leaves a gap; it returns the
// time just after the newest row.
func holdHost(t *testing.T, h *host) (Mapping, Shape, time.Time) {
	t.Helper()
	m, shape, base := gapHost(t, h, 100, 10)
	return m, shape, base.Add(101 * time.Hour)
}

func TestDripHoldsASeedForAGap(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		m, shape, now := holdHost(t, h)
		retry, limit, ok := holding(&shape, true)
		require.True(t, ok, "the host's ids skip at times: a seed may wait for a gap")
		seed := testSeeds(1)[0]
		seed.Phone, seed.Fields = "", nil
		reg := canary.NewMemoryRegistry()
		clock := newFakeClock(now)
		d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Clock: clock, Force: true}, []Planned{{Seed: seed, At: now}})
		require.NoError(t, err)

		planted, err := d.Step(ctx)
		require.NoError(t, err)
		assert.Empty(t, planted, "no gap among the newest rows: held")
		assert.Equal(t, 1, d.Pending())
		next, _ := d.Next()
		assert.Equal(t, now.Add(retry), next, "tried again as often as the host takes a row")
		_, err = reg.Get(ctx, seed.ID)
		assert.ErrorIs(t, err, canary.ErrNotFound, "a held seed is not registered")
		assert.Equal(t, 100, count(t, h, "crm"))

		// A real row arrives past a rolled-back insert (which took id 104
		// from the sequence): the seed goes into the gap it leaves.
		if h.dialect == PostgreSQL {
			h.exec(t, `SELECT setval(pg_get_serial_sequence('crm', 'id'), 105)`)
		}
		h.exec(t, fmt.Sprintf(`INSERT INTO crm (id, email, ticket, created_at) VALUES (105, 'late@mail.example', 'CS-0002020', '%s')`,
			now.Add(retry/2).Format(DefaultTextLayout)))
		clock.set(next)
		planted, err = d.Step(ctx)
		require.NoError(t, err)
		require.Len(t, planted, 1)
		var id int64
		require.NoError(t, h.db.QueryRow(`SELECT id FROM crm WHERE email = `+h.dialect.placeholder(1), seed.Email).Scan(&id))
		assert.Equal(t, int64(104), id, "in the new gap")
		assert.Zero(t, d.Pending())

		// A seed that waits in vain is appended once its time is up.
		seed2 := testSeeds(2)[1]
		seed2.Phone, seed2.Fields = "", nil
		d2, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Clock: clock, Force: true}, []Planned{{Seed: seed2, At: next}})
		require.NoError(t, err)
		for at := next; d2.Pending() > 0; at, _ = d2.Next() {
			require.False(t, at.After(next.Add(limit+retry)), "held no longer than its limit")
			clock.set(at)
			_, err := d2.Step(ctx)
			require.NoError(t, err)
		}
		require.NoError(t, h.db.QueryRow(`SELECT id FROM crm WHERE email = `+h.dialect.placeholder(1), seed2.Email).Scan(&id))
		assert.Equal(t, int64(106), id, "appended after the newest row")
	})
}

func TestDripTakesTheHostsTicket(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		m, shape, now := holdHost(t, h)
		reg := canary.NewMemoryRegistry()
		plant := func(ticket string) (canary.Seed, error) {
			s := testSeeds(3)[len(ticket)%3]
			s.Phone, s.Fields = "", nil
			d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Clock: newFakeClock(now), Force: true,
				Tickets: func(context.Context) (string, error) { return ticket, nil }}, []Planned{{Seed: s, At: now}})
			require.NoError(t, err)
			_, err = d.Step(ctx)
			return s, err
		}

		s, err := plant("CS-0002017")
		require.NoError(t, err)
		var id int64
		var ticket, created string
		require.NoError(t, h.db.QueryRow(`SELECT id, ticket, created_at FROM crm WHERE email = `+h.dialect.placeholder(1), s.Email).Scan(&id, &ticket, &created))
		assert.Equal(t, int64(104), id, "appended after the newest row, not held for a gap")
		assert.Equal(t, "CS-0002017", ticket, "the ticket the host's system opened")
		assert.Equal(t, now.Format(DefaultTextLayout), created, "dated when planted")
		got, err := reg.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, "CS-0002017", got.Ticket, "registered with it")

		var pe *PlantError
		_, err = plant("TK-17")
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, ErrInvalidInput, "not of the host's format")
		assert.False(t, pe.Registered)
		assert.NotContains(t, err.Error(), "TK-17", "errors are logged: no ticket in them")
		_, err = plant("CS-0001050")
		assert.ErrorIs(t, err, ErrDuplicate, "a real customer's ticket")
		assert.Equal(t, 101, count(t, h, "crm"), "nothing else written")
	})
}
