package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
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
		assert.Equal(t, unfiltered(mem.Shape()), unprobed(a.Shape()), "the adding store's shape")

		require.NoError(t, b.Refresh(ctx))
		assert.Equal(t, unfiltered(mem.Shape()), unprobed(b.Shape()), "another store's, after a refresh")
		require.NoError(t, b.Add(ctx, seeds[20:]...))
		require.NoError(t, mem.Add(ctx, seeds[20:]...))
		require.NoError(t, a.Refresh(ctx))
		assert.Equal(t, unfiltered(mem.Shape()), unprobed(a.Shape()), "widened by the other store's Add")

		require.NoError(t, a.Close())
		c := open(t, opts)
		assert.Equal(t, unfiltered(mem.Shape()), unprobed(c.Shape()), "read back at Open")
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

// unprobed is the store's sh without its probe of the index filter, which
// TestShapeProbe checks.
func unprobed(sh *find.Shape) *find.Shape {
	if sh == nil {
		return nil
	}
	require.NotNil(nil, sh.Keyed, "the store's shape carries its filter")
	c := *sh
	c.Keyed = nil
	return &c
}

// The probe the store puts in its Shape admits every key of every seed, in
// the form the matcher asks for it, and turns away most values no seed has
// without a lock or an HMAC.
func TestShapeProbe(t *testing.T) {
	ctx := context.Background()
	s := open(t, freshSQLite(t))
	var seeds []canary.Seed
	for i := range 200 {
		seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
	}
	require.NoError(t, s.Add(ctx, seeds...))
	sh := s.Shape()
	require.NotNil(t, sh)
	require.NotNil(t, sh.Keyed)
	for _, sd := range seeds {
		email, err := canary.NormalizeEmail(sd.Email)
		require.NoError(t, err)
		assert.True(t, sh.MayHold(find.Field(canary.FieldEmail), []byte(email)), sd.Email)
		// Another way of writing the same mailbox, which Lookup finds, is admitted.
		local, domain, _ := strings.Cut(email, "@")
		dotless := strings.ReplaceAll(local, ".", "") + "@" + domain
		found, err := s.Lookup(ctx, canary.FieldEmail, dotless)
		require.NoError(t, err)
		require.Len(t, found, 1, dotless)
		assert.True(t, sh.MayHold(find.Field(canary.FieldEmail), []byte(dotless)), dotless)
		if sd.Phone != "" {
			assert.True(t, sh.MayHold(find.Field(canary.FieldPhone), []byte(sd.Phone)), sd.Phone)
		}
		ticket, err := canary.NormalizeTicket(sd.Ticket)
		require.NoError(t, err)
		assert.True(t, sh.MayHold(find.Field(canary.FieldTicket), []byte(ticket)), sd.Ticket)
	}
	admitted := 0
	for i := range 10_000 {
		if sh.MayHold(find.Field(canary.FieldPhone), fmt.Appendf(nil, "+1702555%04d", i)) {
			admitted++
		}
	}
	assert.Less(t, admitted, 200, "misses admitted by the probe")
	// A seed added later is admitted by the Shape already published.
	late := canarytest.Seed(1000, "crm/eu")
	require.NoError(t, s.Add(ctx, late))
	ticket, err := canary.NormalizeTicket(late.Ticket)
	require.NoError(t, err)
	assert.True(t, sh.MayHold(find.Field(canary.FieldTicket), []byte(ticket)), "a seed added after the Shape was read")
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
			assert.Equal(t, unprobed(want), unprobed(s.Shape()), "%s: the shape is rebuilt from the seeds", tc.name)
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

// Asking the probe costs no allocation: a scan asks it for most digit runs.
func TestShapeProbeAllocs(t *testing.T) {
	s := open(t, freshSQLite(t))
	require.NoError(t, s.Add(context.Background(), canarytest.Seed(1, "crm/eu")))
	sh := s.Shape()
	require.NotNil(t, sh)
	phone, email := []byte("+17025550128"), []byte("someone@mail.example")
	allocs := testing.AllocsPerRun(100, func() {
		sh.MayHold(find.Field(canary.FieldPhone), phone)
		sh.MayHold(find.Field(canary.FieldEmail), email)
	})
	assert.Zero(t, allocs)
}

// A store whose filter another process's seeds over-fill rebuilds it from
// the database at its refresh: from the packed index rows, and from the seed
// rows after a gap in them (rows an older version wrote). Every key still
// passes, and misses are turned away as before.
func TestFilterRefitsFromDatabase(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		a, b := open(t, opts), open(t, opts)
		var seeds []canary.Seed
		for i := range 9000 {
			seeds = append(seeds, benchSeed(i))
		}
		require.NoError(t, a.Add(ctx, seeds[:100]...))
		prev := a.idx.filter.Limit()
		for _, step := range []struct {
			upTo int
			gap  string // made in the packed index rows before a refreshes
			why  string
		}{
			{3000, "", "tags from the packed index rows"},
			{9000, `DELETE FROM honeyseed_index WHERE lo > 3100`, "and from the seed rows after a gap"},
		} {
			require.NoError(t, b.Add(ctx, seeds[a.Len():step.upTo]...))
			if step.gap != "" {
				_, err := a.db.Exec(step.gap)
				require.NoError(t, err)
			}
			require.NoError(t, a.Refresh(ctx))
			require.Equal(t, step.upTo, a.Len())
			n, limit := a.idx.filterLoad()
			assert.LessOrEqual(t, n, limit, "%s: not over-full", step.why)
			assert.Greater(t, limit, prev, "%s: rebuilt larger", step.why)
			assert.GreaterOrEqual(t, n, 3*step.upTo, "%s: every tag", step.why)
			prev = limit
			for _, sd := range seeds[:step.upTo] {
				keys, _, _ := norm.SeedKeys(sd.Email, sd.Phone, sd.Ticket)
				for _, k := range keys {
					tag, _ := a.idx.ks.tag(canary.Field(k.Field), k.Value)
					require.True(t, a.idx.filter.Contains(tag), "%s: seed %s's %s", step.why, sd.ID, k.Field)
				}
			}
			admitted := 0
			for i := range 10_000 {
				tag, _ := a.idx.ks.tag(canary.FieldEmail, fmt.Sprintf("nobody%d@mail.example", i))
				if a.idx.filter.Contains(tag) {
					admitted++
				}
			}
			assert.Less(t, admitted, 200, "%s: under 2%% of misses pass", step.why)
		}
	})
}
