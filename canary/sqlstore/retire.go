package sqlstore

import (
	"context"
	"database/sql"
)

// Before schema version 5, Retire stored the retirement time in the seed's
// ExpiresAt, and sealed seeds had no RetiredAt. The migration to version 5
// leaves a mark in honeyseed_meta, and fillRetiredAt, run by the Open that
// finds it, copies that time into RetiredAt. Retire was the only change ever
// logged in honeyseed_seed_changes, so the seeds named there are exactly the
// ones retired. ExpiresAt keeps the time too: what was planned before it was
// overwritten is lost, and keeping it keeps every seed as active as it was.

// markRetiredAt is the honeyseed_meta row the migration to version 5 writes.
const markRetiredAt = "retired_at"

// fillRetiredAt moves old retirements to RetiredAt, once: the mark is taken
// in the same transaction, so of several processes opening at once one does
// it. Each seed it re-seals is logged as changed, so that other processes
// drop their cached copy.
func (s *Store) fillRetiredAt(ctx context.Context) error {
	var mark int
	err := s.db.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM honeyseed_meta WHERE name = ?`), markRetiredAt).Scan(&mark)
	if err != nil {
		return dbError("checking retirements", err)
	}
	if mark == 0 {
		return nil
	}
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	ks := s.idx.keySet()
	var changed []int64
	err = s.write(ctx, "moving retirements to RetiredAt", lockSeeds, func(tx *sql.Tx, _ *sql.Conn) error {
		changed = changed[:0]
		res, err := tx.ExecContext(ctx, s.dialect.q(`DELETE FROM honeyseed_meta WHERE name = ?`), markRetiredAt)
		if err != nil {
			return dbError("moving retirements to RetiredAt", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // another process took the mark
		}
		if err := s.catchUpLocked(ctx, tx); err != nil {
			return err
		}
		seqs, err := retiredSeqs(ctx, tx)
		if err != nil {
			return err
		}
		for _, seq := range seqs {
			sd, err := s.readSeed(ctx, tx, ks, seq, nil)
			if err != nil {
				return err
			}
			if !sd.RetiredAt.IsZero() || sd.ExpiresAt.IsZero() {
				continue
			}
			sd.RetiredAt = sd.ExpiresAt
			sealed := ks.seal(nil, kindSeed, ks.idMAC(domainSeedID, sd.ID), "", appendSeed(nil, sd))
			if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_seeds SET sealed = ? WHERE seq = ?`), sealed, seq); err != nil {
				return dbError("moving retirements to RetiredAt", err)
			}
			rev := s.rev + int64(len(changed)) + 1
			if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO honeyseed_seed_changes (rev, seq) VALUES (?, ?)`), rev, seq); err != nil {
				return dbError("moving retirements to RetiredAt", err)
			}
			changed = append(changed, seq)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.rev += int64(len(changed))
	for _, seq := range changed {
		s.cache.invalidate(seq)
	}
	return nil
}

// retiredSeqs lists the seed rows the change log names, each once.
func retiredSeqs(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT seq FROM honeyseed_seed_changes ORDER BY seq`)
	if err != nil {
		return nil, dbError("listing retired seeds", err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, dbError("listing retired seeds", err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("listing retired seeds", err)
	}
	return seqs, nil
}
