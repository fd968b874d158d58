package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/internal/find"
)

// The store's Shape admits what MemoryRegistry's does for the same seeds, in
// the process that added them, after a reopen, and in another process after a
// refresh; and it is kept sealed at rest.
func TestShape(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		a, b := open(t, opts), open(t, opts)
		assert.Nil(t, a.Shape(), "an empty store admits nothing")
		mem := canary.NewMemoryRegistry()
		var seeds []canary.Seed
		for i := range 30 {
			s := canarytest.Seed(i, "crm/eu")
			if i%3 == 0 {
				s.Phone = "+447700900123" // another country and length
			}
			if i%5 == 0 {
				s.Email = fmt.Sprintf("someone%d@other.example", i)
			}
			seeds = append(seeds, s)
		}
		require.NoError(t, a.Add(ctx, seeds[:20]...))
		require.NoError(t, mem.Add(ctx, seeds[:20]...))
		assert.Equal(t, unfiltered(mem.Shape()), a.Shape(), "the adding store's shape")

		require.NoError(t, b.Refresh(ctx))
		assert.Equal(t, unfiltered(mem.Shape()), b.Shape(), "another store's, after a refresh")
		require.NoError(t, b.Add(ctx, seeds[20:]...))
		require.NoError(t, mem.Add(ctx, seeds[20:]...))
		require.NoError(t, a.Refresh(ctx))
		assert.Equal(t, unfiltered(mem.Shape()), a.Shape(), "widened by the other store's Add")

		require.NoError(t, a.Close())
		c := open(t, opts)
		assert.Equal(t, unfiltered(mem.Shape()), c.Shape(), "read back at Open")
	})
}

// unfiltered is sh without the keyed filters MemoryRegistry keeps in its
// shape: the store keeps its own filter beside the shape, over blinded tags.
func unfiltered(sh *find.Shape) *find.Shape {
	if sh == nil {
		return nil
	}
	c := *sh
	c.Phones, c.Tickets = nil, nil
	return &c
}

// A Lookup of a value no seed has is turned away by the filter, before any
// HMAC, for all but a small share of values; every seed's keys pass it.
func TestFilterTurnsAwayMisses(t *testing.T) {
	ctx := context.Background()
	opts := freshSQLite(t)
	s := open(t, opts)
	var seeds []canary.Seed
	for i := range 2000 {
		seeds = append(seeds, benchSeed(i))
	}
	require.NoError(t, s.Add(ctx, seeds...))
	for _, reopen := range []bool{false, true} {
		x := s.idx
		admitted := 0
		for i := range 10_000 {
			tag, _ := x.ks.tag(canary.FieldEmail, fmt.Sprintf("nobody%d@mail.example", i))
			if x.filter.Contains(tag) {
				admitted++
			}
		}
		assert.Less(t, admitted, 200, "reopened %v: under 2%% of misses pass the filter", reopen)
		assert.False(t, x.unfiltered)
		for _, sd := range seeds[:100] {
			got, err := s.Lookup(ctx, canary.FieldEmail, mustEmail(t, sd.Email))
			require.NoError(t, err)
			assert.Len(t, got, 1)
		}
		require.NoError(t, s.Close())
		s = open(t, opts)
	}
}

// A database written before seeds carried filter tags (schema version 3), or
// rows an older process wrote since, open: the tags, the packed index and the
// shape row are filled in once, and every seed is still found.
func TestOpenFillsInTags(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		revert []string
	}{
		{"schema 3", []string{`DROP TABLE honeyseed_index`, `ALTER TABLE honeyseed_seeds DROP COLUMN tags`,
			`UPDATE honeyseed_schema_version SET version = 3`, `DELETE FROM honeyseed_meta WHERE name = 'shape'`}},
		{"rows without tags", []string{`DELETE FROM honeyseed_index`, `UPDATE honeyseed_seeds SET tags = NULL`}},
	} {
		forEngine(t, func(t *testing.T, e engine) {
			opts := e.fresh(t)
			s := open(t, opts)
			seeds := []canary.Seed{canarytest.Seed(1, "crm/eu"), canarytest.Seed(2, "crm/eu")}
			require.NoError(t, s.Add(ctx, seeds...))
			want := s.Shape()
			for _, q := range tc.revert {
				_, err := s.db.Exec(q)
				require.NoError(t, err, q)
			}
			require.NoError(t, s.Close())

			s = open(t, opts)
			assert.Equal(t, want, s.Shape(), "%s: the shape is rebuilt from the seeds", tc.name)
			assert.False(t, s.idx.unfiltered, "%s: every row has its tags again", tc.name)
			for _, sd := range seeds {
				ticket, err := canary.NormalizeTicket(sd.Ticket)
				require.NoError(t, err)
				got, err := s.Lookup(ctx, canary.FieldTicket, ticket)
				require.NoError(t, err)
				assert.Len(t, got, 1, "%s: found through the filter", tc.name)
			}
			var missing, packed int
			require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_seeds WHERE tags IS NULL`).Scan(&missing))
			assert.Zero(t, missing, tc.name)
			require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_index`).Scan(&packed))
			assert.NotZero(t, packed, "%s: the next Open reads the packed index", tc.name)
		})
	}
}
