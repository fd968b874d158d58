package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		unit        string
		total, done int64
		elapsed     time.Duration
		want        string
	}{
		{"bytes with total: percentage, rate, time left", "bytes", 4 << 30, 1 << 30, 2 * time.Second,
			"scanning dump.sql: 1.0 GiB of 4.0 GiB (25%), 512.0 MiB/s, 6s left"},
		{"no total: no percentage or time left", "bytes", 0, 1536, time.Second,
			"scanning dump.sql: 1.5 KiB, 1.5 KiB/s"},
		{"nothing yet: no rate", "bytes", 100, 0, time.Second,
			"scanning dump.sql: 0 B of 100 B (0%)"},
		{"counted things", "seeds", 1000, 250, 5 * time.Second,
			"scanning dump.sql: 250 seeds of 1000 seeds (25%), 50 seeds/s, 15s left"},
		{"a step that counts nothing", "", 0, 0, 61500 * time.Millisecond,
			"scanning dump.sql: 1m2s"},
		{"done", "seeds", 10, 10, time.Second,
			"scanning dump.sql: 10 seeds of 10 seeds (100%), 10 seeds/s"},
	} {
		p := &progress{label: "scanning dump.sql", unit: tc.unit, total: tc.total, start: start,
			clock: func() time.Time { return start.Add(tc.elapsed) }}
		p.done.Store(tc.done)
		assert.Equal(t, tc.want, p.line(), tc.name)
	}
}

// Nothing but a terminal gets a status line: not a buffer, a file or a pipe.
func TestProgressQuietOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := startProgress(&buf, "scanning", "bytes", 10)
	assert.Nil(t, p)
	p.add(5) // a nil progress does nothing
	p.finish()
	assert.Empty(t, buf.String())

	f, err := os.Create(t.TempDir() + "/log")
	require.NoError(t, err)
	defer f.Close()
	assert.Nil(t, startProgress(f, "scanning", "bytes", 10), "a regular file")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.Nil(t, startProgress(w, "scanning", "bytes", 10), "a pipe")
}

// A batch larger than one part is drawn in parts, each counted as it is
// drawn, and the parts hold no seed twice.
func TestDrawSeedsInParts(t *testing.T) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{7}
	gen, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	p := &progress{unit: "seeds", total: genPart + 5}
	seeds, err := drawSeeds(context.Background(), gen, "export/2026-11", genPart+5, p)
	require.NoError(t, err)
	assert.Len(t, seeds, genPart+5)
	assert.EqualValues(t, genPart+5, p.done.Load(), "every part counted")
	emails, tickets := map[string]bool{}, map[string]bool{}
	for _, s := range seeds {
		emails[s.Email], tickets[s.Ticket] = true, true
	}
	assert.Len(t, emails, len(seeds), "no address twice across parts")
	assert.Len(t, tickets, len(seeds), "no ticket twice across parts")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = drawSeeds(ctx, gen, "export/2026-11", genPart+1, nil)
	assert.ErrorIs(t, err, context.Canceled, "a large batch stops between parts when cancelled")
}

// Registering a batch counts its seeds as they are written, up to the
// whole batch; a batch that fails is neither kept nor counted whole.
func TestAddCounted(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, sqlstore.Options{Path: t.TempDir() + "/registry.db", KeyFile: t.TempDir() + "/registry.key", RefreshInterval: -1})
	require.NoError(t, err)
	defer store.Close()
	gen, err := canary.NewGenerator(canary.DemoConfig())
	require.NoError(t, err)
	seeds, err := gen.Generate("export/2026-11", 2000)
	require.NoError(t, err)

	spoiled := append([]canary.Seed(nil), seeds...)
	spoiled[len(spoiled)-1].ID = spoiled[0].ID
	p := &progress{unit: "seeds", total: int64(len(seeds))}
	assert.ErrorIs(t, addCounted(ctx, store, spoiled, p), canary.ErrDuplicate)
	assert.Less(t, p.done.Load(), int64(len(seeds)), "a failed batch is not counted whole")
	assert.Zero(t, store.Len())

	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p = &progress{label: "registering", unit: "seeds", total: int64(len(seeds)), start: start,
		clock: func() time.Time { return start.Add(time.Second) }}
	require.NoError(t, addCounted(ctx, store, seeds, p))
	assert.Equal(t, "registering: 2000 seeds of 2000 seeds (100%), 2000 seeds/s", p.line())
	assert.Equal(t, len(seeds), store.Len())
}
