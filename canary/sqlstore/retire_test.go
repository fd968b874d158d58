package sqlstore

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// encodeSeedV2 is the record older code wrote: no RetiredAt.
func encodeSeedV2(s canary.Seed) []byte {
	body := appendSeedBodyV2(nil, s)
	b := binary.LittleEndian.AppendUint32([]byte{seedEncodingV2}, uint32(len(body)))
	b = append(b, body...)
	return append(b, make([]byte, padSize(len(b), minSeedClass)-len(b))...)
}

// A database of schema 4, where Retire stored the time in ExpiresAt, opens
// with each retired seed's time in RetiredAt, and nothing else changed.
func TestMigrationMovesRetirementToRetiredAt(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		retired, planned, planted := canarytest.Seed(1, "crm/eu"), canarytest.Seed(2, "crm/eu"), canarytest.Seed(3, "crm/eu")
		planned.ExpiresAt = planned.PlantedAt.Add(365 * 24 * time.Hour)
		require.NoError(t, s.Add(ctx, retired, planned, planted))

		// Retire as schema 4 did: ExpiresAt overwritten, the seed re-sealed
		// in the old encoding, the change logged.
		at := retired.PlantedAt.Add(90 * 24 * time.Hour).UTC()
		ks := s.idx.keySet()
		idm := ks.idMAC(domainSeedID, retired.ID)
		seq, ok := s.idx.seqOfID(idm)
		require.True(t, ok)
		old := retired
		old.ExpiresAt = at
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE honeyseed_seeds SET sealed = ? WHERE seq = ?`, []any{ks.seal(nil, kindSeed, idm, "", encodeSeedV2(old)), seq}},
			{`INSERT INTO honeyseed_seed_changes (rev, seq) VALUES (?, ?)`, []any{1, seq}},
			{`UPDATE honeyseed_schema_version SET version = 4`, nil},
		} {
			_, err := s.db.ExecContext(ctx, s.dialect.q(q.sql), q.args...)
			require.NoError(t, err, q.sql)
		}
		require.NoError(t, s.Close())

		s = open(t, opts)
		got, err := s.Get(ctx, retired.ID)
		require.NoError(t, err)
		assert.True(t, at.Equal(got.RetiredAt), "RetiredAt %v, want the time schema 4 kept in ExpiresAt (%v)", got.RetiredAt, at)
		assert.True(t, at.Equal(got.ExpiresAt), "ExpiresAt keeps it: the planned expiry was overwritten")
		for _, sd := range []canary.Seed{planned, planted} {
			got, err := s.Get(ctx, sd.ID)
			require.NoError(t, err)
			assert.True(t, got.RetiredAt.IsZero(), "seed %s was never retired: an ExpiresAt alone is a planned expiry", sd.Ticket)
			canarytest.AssertSeedEqual(t, sd, got)
		}
		var marks int
		require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_meta WHERE name = 'retired_at'`).Scan(&marks))
		assert.Zero(t, marks, "done once")

		// Retire now sets RetiredAt and leaves the planned expiry.
		at2 := at.Add(time.Hour)
		require.NoError(t, s.Retire(ctx, planned.ID, at2))
		require.NoError(t, s.Close())
		s = open(t, opts)
		got, err = s.Get(ctx, planned.ID)
		require.NoError(t, err)
		assert.True(t, at2.Equal(got.RetiredAt))
		assert.True(t, planned.ExpiresAt.Equal(got.ExpiresAt))
		got, err = s.Get(ctx, retired.ID)
		require.NoError(t, err)
		assert.True(t, at.Equal(got.RetiredAt), "a second Open leaves it")
	})
}
