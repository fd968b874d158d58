package plant

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// fakeClock is a Clock the test moves by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	asked   chan struct{} // a token each time After is called
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, asked: make(chan struct{}, 64)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	c.asked <- struct{}{}
	return ch
}

// set moves the clock to t and wakes the waiters due by then.
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	c.waiters = kept
}

// wakeNext moves the clock to the earliest waiter's time.
func (c *fakeClock) wakeNext() {
	c.mu.Lock()
	var next time.Time
	for i, w := range c.waiters {
		if i == 0 || w.at.Before(next) {
			next = w.at
		}
	}
	c.mu.Unlock()
	c.set(next)
}

func newDripHost(t *testing.T) (*host, *canary.MemoryRegistry) {
	t.Helper()
	h := newSQLite(t)
	newCustomers(t, h)
	return h, canary.NewMemoryRegistry()
}

func TestDripperPlantsWhenDue(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(6)
	plan, err := Schedule(seeds, monday, 3*24*time.Hour, ScheduleOptions{Seed: [32]byte{9}})
	require.NoError(t, err)
	clock := newFakeClock(monday)
	var log bytes.Buffer
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}, plan)
	require.NoError(t, err)

	planted, err := d.Step(t.Context())
	require.NoError(t, err)
	assert.Empty(t, planted, "nothing is due at the start")
	assert.Zero(t, reg.Len(), "and nothing is registered early")

	clock.set(plan[2].At)
	assert.Len(t, d.Due(clock.Now()), 3)
	planted, err = d.Step(t.Context())
	require.NoError(t, err)
	require.Len(t, planted, 3)
	assert.Equal(t, 3, d.Pending())
	assert.Equal(t, 3+3, count(t, h, "customers"))
	for _, s := range planted {
		got, err := reg.Get(t.Context(), s.ID)
		require.NoError(t, err)
		assert.Equal(t, plan[2].At, got.PlantedAt, "PlantedAt is the real time it went in, not its slot")
		assert.True(t, got.Active(clock.Now()))
	}

	clock.set(monday.AddDate(0, 0, 30))
	planted, err = d.Step(t.Context())
	require.NoError(t, err)
	assert.Len(t, planted, 3)
	assert.Zero(t, d.Pending())
	_, ok := d.Next()
	assert.False(t, ok)

	r, err := Check(t.Context(), h.db, customersMapping(), seeds)
	require.NoError(t, err)
	assert.True(t, r.Clean())
	for _, s := range seeds {
		assert.NotContains(t, log.String(), s.Email, "the log names seeds by ID only")
		assert.Contains(t, log.String(), s.ID.String())
	}
}

func TestDripperRetiresASeedTheHostRefuses(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(3)
	seeds[1].Fields["city"] = "Forbidden" // the host's CHECK refuses it
	clock := newFakeClock(monday)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: clock}, allAt(seeds, monday))
	require.NoError(t, err)

	planted, err := d.Step(t.Context())
	assert.Len(t, planted, 2, "the others still go in")
	var pe *PlantError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, ErrConstraint)
	assert.Equal(t, seeds[1].ID, pe.Seed.ID)
	assert.True(t, pe.Registered && pe.Retired, pe.Error())

	got, err := reg.Get(t.Context(), seeds[1].ID)
	require.NoError(t, err)
	assert.Equal(t, got.PlantedAt, got.RetiredAt, "retired the moment it was registered")
	assert.False(t, got.Active(got.PlantedAt), "so it never counts as planted")
	assert.False(t, got.Active(got.PlantedAt.AddDate(1, 0, 0)))
	assert.Equal(t, 3+2, count(t, h, "customers"))
	assert.Zero(t, d.Pending(), "a refused seed is not retried: its values stay reserved")
}

func TestDripperWhenTheRegistryRefuses(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(2)
	require.NoError(t, reg.Add(t.Context(), seeds[0])) // registered by someone else already
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: newFakeClock(monday)}, allAt(seeds, monday))
	require.NoError(t, err)
	planted, err := d.Step(t.Context())
	assert.Len(t, planted, 1)
	var pe *PlantError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, canary.ErrDuplicate)
	assert.False(t, pe.Registered)
	assert.Equal(t, 3+1, count(t, h, "customers"), "a seed that could not be registered is not planted")
}

// flakyRegistry cancels the plant right after registering, and can fail to retire.
type flakyRegistry struct {
	*canary.MemoryRegistry
	afterAdd  func()
	retireErr error
}

func (r *flakyRegistry) Add(ctx context.Context, seeds ...canary.Seed) error {
	err := r.MemoryRegistry.Add(ctx, seeds...)
	if r.afterAdd != nil {
		r.afterAdd()
	}
	return err
}

func (r *flakyRegistry) Retire(ctx context.Context, id uuid.UUID, at time.Time) error {
	if r.retireErr != nil {
		return r.retireErr
	}
	return r.MemoryRegistry.Retire(ctx, id, at)
}

func TestDripperRetiresEvenWhenCancelled(t *testing.T) {
	h, _ := newDripHost(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reg := &flakyRegistry{MemoryRegistry: canary.NewMemoryRegistry(), afterAdd: cancel}
	seeds := testSeeds(1)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: newFakeClock(monday)}, allAt(seeds, monday))
	require.NoError(t, err)
	_, err = d.Step(ctx)
	var pe *PlantError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, pe.Retired, "the cancelled insert is retired all the same")
	got, err := reg.Get(t.Context(), seeds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, got.PlantedAt, got.RetiredAt)
	assert.Equal(t, 3, count(t, h, "customers"))
}

func TestDripperReportsAFailedRetire(t *testing.T) {
	h, _ := newDripHost(t)
	boom := errors.New("registry down")
	reg := &flakyRegistry{MemoryRegistry: canary.NewMemoryRegistry(), retireErr: boom}
	seeds := testSeeds(1)
	seeds[0].Fields["city"] = "Forbidden"
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: newFakeClock(monday)}, allAt(seeds, monday))
	require.NoError(t, err)
	_, err = d.Step(t.Context())
	var pe *PlantError
	require.ErrorAs(t, err, &pe)
	assert.True(t, pe.Registered)
	assert.False(t, pe.Retired)
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "still registered as planted", "the case to act on says so")
}

func TestDripperRun(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(8)
	plan, err := Schedule(seeds, monday, 5*24*time.Hour, ScheduleOptions{Seed: [32]byte{4}})
	require.NoError(t, err)
	clock := newFakeClock(monday)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: clock}, plan)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- d.Run(t.Context()) }()
	for finished := false; !finished; {
		select {
		case err := <-done:
			require.NoError(t, err)
			finished = true
		case <-clock.asked:
			clock.wakeNext()
		}
	}
	assert.Equal(t, 3+8, count(t, h, "customers"))
	for _, p := range plan {
		got, err := reg.Get(t.Context(), p.Seed.ID)
		require.NoError(t, err)
		assert.Equal(t, p.At, got.PlantedAt, "woken exactly when due")
	}
}

func TestDripperRunStopsWhenCancelled(t *testing.T) {
	h, reg := newDripHost(t)
	clock := newFakeClock(monday)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: clock},
		allAt(testSeeds(2), monday.Add(time.Hour)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-clock.asked // Run is asleep until the plan falls due
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled, "Run returns, leaving no goroutine behind")
	assert.Equal(t, 2, d.Pending(), "nothing was taken")
	assert.Zero(t, reg.Len())
}

func TestDripperConcurrentSteps(t *testing.T) {
	h, reg := newDripHost(t)
	seeds := testSeeds(20)
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: customersMapping(), Registry: reg, Clock: newFakeClock(monday)}, allAt(seeds, monday))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			planted, err := d.Step(t.Context())
			assert.NoError(t, err)
			mu.Lock()
			total += len(planted)
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, 20, total, "every seed planted once")
	assert.Equal(t, 3+20, count(t, h, "customers"))
	assert.Equal(t, 20, reg.Len())
}

func TestNewDripperBadInput(t *testing.T) {
	h, reg := newDripHost(t)
	for _, tc := range []struct {
		cfg  DripConfig
		want error
	}{
		{DripConfig{Mapping: customersMapping(), Registry: reg}, ErrInvalidInput},
		{DripConfig{DB: h.db, Mapping: customersMapping()}, ErrInvalidInput},
		{DripConfig{DB: h.db, Registry: reg}, ErrMapping},
	} {
		_, err := NewDripper(tc.cfg, nil)
		assert.ErrorIs(t, err, tc.want)
	}
}

func allAt(seeds []canary.Seed, at time.Time) []Planned {
	out := make([]Planned, len(seeds))
	for i, s := range seeds {
		out[i] = Planned{Seed: s, At: at}
	}
	return out
}
