package sqlstore

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	mailboxA = "ann.lee1@mail.example\x00INBOX"
	mailboxB = "ann.lee2@mail.example\x00INBOX"
)

func TestIMAPCheckpoints(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		v, uid, err := s.LoadIMAPCheckpoint(ctx, mailboxA)
		require.NoError(t, err)
		assert.Zero(t, v, "a mailbox never saved has no checkpoint")
		assert.Zero(t, uid)

		require.NoError(t, s.SaveIMAPCheckpoint(ctx, mailboxA, 7, 41))
		require.NoError(t, s.SaveIMAPCheckpoint(ctx, mailboxA, 7, 42))
		require.NoError(t, s.SaveIMAPCheckpoint(ctx, mailboxB, 1<<32-1, 1<<32-1))
		v, uid, err = s.LoadIMAPCheckpoint(ctx, mailboxA)
		require.NoError(t, err)
		assert.Equal(t, [2]uint32{7, 42}, [2]uint32{v, uid}, "the last save wins")
		v, uid, err = s.LoadIMAPCheckpoint(ctx, mailboxB)
		require.NoError(t, err)
		assert.Equal(t, [2]uint32{1<<32 - 1, 1<<32 - 1}, [2]uint32{v, uid}, "the full uint32 range round-trips")

		// The table names no mailbox.
		rows, err := s.db.Query(`SELECT mailbox_mac FROM honeyseed_imap_checkpoints`)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			var k []byte
			require.NoError(t, rows.Scan(&k))
			assert.False(t, bytes.Contains(k, []byte("ann.lee")))
			assert.Len(t, k, len(mac{}))
			n++
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, 2, n)

		// Durable across a reopen.
		require.NoError(t, s.Close())
		s = open(t, opts)
		v, uid, err = s.LoadIMAPCheckpoint(ctx, mailboxA)
		require.NoError(t, err)
		assert.Equal(t, [2]uint32{7, 42}, [2]uint32{v, uid})

		// After Rotate the rows no longer match: the watcher reads each folder
		// once more.
		require.NoError(t, s.Rotate(ctx, testSecret("b")))
		v, uid, err = s.LoadIMAPCheckpoint(ctx, mailboxA)
		require.NoError(t, err)
		assert.Zero(t, v+uid)
	})
}

// TestIMAPCheckpointMigration: a database of schema version 1 gains the
// checkpoint table on open.
func TestIMAPCheckpointMigration(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		_, err := s.db.Exec(`DROP TABLE honeyseed_imap_checkpoints`)
		require.NoError(t, err)
		// Later migrations run again from version 1: undo them too.
		for _, q := range []string{`DROP TABLE honeyseed_replay`, `DROP TABLE honeyseed_index`,
			`ALTER TABLE honeyseed_seeds DROP COLUMN tags`, `DELETE FROM honeyseed_meta WHERE name IN ('fill_tags', 'shape')`} {
			_, err = s.db.Exec(q)
			require.NoError(t, err, q)
		}
		_, err = s.db.Exec(`UPDATE honeyseed_schema_version SET version = 1`)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		s = open(t, opts)
		require.NoError(t, s.SaveIMAPCheckpoint(ctx, mailboxA, 3, 4))
		v, uid, err := s.LoadIMAPCheckpoint(ctx, mailboxA)
		require.NoError(t, err)
		assert.Equal(t, [2]uint32{3, 4}, [2]uint32{v, uid})
	})
}

func TestIMAPCheckpointAfterClose(t *testing.T) {
	s := open(t, freshSQLite(t))
	require.NoError(t, s.Close())
	_, _, err := s.LoadIMAPCheckpoint(context.Background(), mailboxA)
	assert.ErrorIs(t, err, errClosed)
	assert.ErrorIs(t, s.SaveIMAPCheckpoint(context.Background(), mailboxA, 1, 1), errClosed)
}
