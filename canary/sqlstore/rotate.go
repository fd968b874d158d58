package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/honeyseed/honeyseed/canary"
)

// rotatePage is how many rows Rotate reads before re-writing them.
const rotatePage = 1024

// Rotate re-keys the store to newSecret in one transaction: every seed and
// alert is opened with the old keys and sealed with the new, every MAC is
// recomputed, and the key check is replaced. Until it commits nothing changes;
// after, the old secret opens nothing.
//
// Other processes using the database fail with ErrWrongSecret from their next
// refresh on, until they reopen the store with the new secret. The package doc
// gives the procedure.
func (s *Store) Rotate(ctx context.Context, newSecret Secret) error {
	if err := s.usable(); err != nil {
		return err
	}
	nks, err := deriveKeys(newSecret)
	if err != nil {
		return err
	}
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	old := s.idx.keySet()
	fresh := newIndex(nks)
	fresh.growFor(s.idx.len())
	// Meta first: outbox writers take its key-check row before the alert
	// tables, and the same order keeps the two from deadlocking.
	lock := []string{"honeyseed_meta", "honeyseed_seeds", "honeyseed_alerts", "honeyseed_deliveries"}
	err = s.write(ctx, "rotating secret", lock, func(tx *sql.Tx, _ *sql.Conn) error {
		if err := s.catchUpLocked(ctx, tx); err != nil {
			return err
		}
		if err := s.rotateSeeds(ctx, tx, old, nks, fresh); err != nil {
			return err
		}
		if len(s.shapeKeys) > 0 {
			if err := s.writeShape(ctx, tx, nks, slices.Collect(maps.Keys(s.shapeKeys))); err != nil {
				return err
			}
		}
		if err := s.rotateAlerts(ctx, tx, old, nks); err != nil {
			return err
		}
		if err := s.rotateDeliveries(ctx, tx, old, nks); err != nil {
			return err
		}
		if err := s.rotateSettings(ctx, tx, old, nks); err != nil {
			return err
		}
		// Replay keys are MACs under the old keys, and cannot be re-keyed.
		if _, err := tx.ExecContext(ctx, `DELETE FROM honeyseed_replay`); err != nil {
			return dbError("rotating secret", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_meta SET value = ? WHERE name = 'key_check'`), nks.check); err != nil {
			return dbError("rotating secret", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.idx.replace(fresh)
	s.cache.clear()
	// The rotation stands whatever this read does; the next refresh tries again.
	s.refitFilterLocked(ctx, s.db, 0)
	return nil
}

func (s *Store) rotateSeeds(ctx context.Context, tx *sql.Tx, old, nks *keySet, fresh *index) error {
	update, err := tx.PrepareContext(ctx, s.dialect.q(`UPDATE honeyseed_seeds SET id_mac = ?, keys = ?, sealed = ?, tags = ? WHERE seq = ?`))
	if err != nil {
		return dbError("rotating secret", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM honeyseed_index`); err != nil {
		return dbError("rotating secret", err)
	}
	defer update.Close()
	var buf []byte
	for after := int64(0); ; {
		seeds, seqs, err := s.rotationPage(ctx, tx, old, after)
		if err != nil {
			return err
		}
		entries := make([]entry, len(seeds))
		for i, sd := range seeds {
			r, err := nks.sealSeed(sd, &buf)
			if err != nil {
				return fmt.Errorf("%w (rotating secret: the seed no longer validates)", err)
			}
			if _, err := update.ExecContext(ctx, r.args[0], r.args[1], r.args[2], r.args[3], seqs[i]); err != nil {
				return dbError("rotating secret", err)
			}
			entries[i] = entry{seq: seqs[i], id: r.idMAC, keys: r.keys[:r.n], tags: r.tags[:r.n]}
		}
		if err := s.writePacked(ctx, tx, "rotating secret", entries); err != nil {
			return err
		}
		fresh.publish(entries)
		if len(seeds) < rotatePage {
			return nil
		}
		after = seqs[len(seqs)-1]
	}
}

func (s *Store) rotationPage(ctx context.Context, tx *sql.Tx, old *keySet, after int64) ([]canary.Seed, []int64, error) {
	rows, err := tx.QueryContext(ctx, s.dialect.q(`SELECT seq, id_mac, sealed FROM honeyseed_seeds WHERE seq > ? ORDER BY seq LIMIT ?`), after, rotatePage)
	if err != nil {
		return nil, nil, dbError("rotating secret", err)
	}
	defer rows.Close()
	var (
		seeds []canary.Seed
		seqs  []int64
	)
	for rows.Next() {
		var (
			seq         int64
			idm, sealed sql.RawBytes
		)
		if err := rows.Scan(&seq, &idm, &sealed); err != nil {
			return nil, nil, dbError("rotating secret", err)
		}
		sd, err := openSeed(old, seq, idm, sealed)
		if err != nil {
			return nil, nil, err
		}
		seeds, seqs = append(seeds, sd), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, dbError("rotating secret", err)
	}
	return seeds, seqs, nil
}

func (s *Store) rotateAlerts(ctx context.Context, tx *sql.Tx, old, nks *keySet) error {
	type row struct {
		seq         int64
		idm, sealed []byte
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, s.dialect.q(`SELECT seq, id_mac, sealed FROM honeyseed_alerts WHERE seq > ? ORDER BY seq LIMIT ?`), after, rotatePage)
		if err != nil {
			return dbError("rotating secret", err)
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.seq, &r.idm, &r.sealed); err != nil {
				rows.Close()
				return dbError("rotating secret", err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbError("rotating secret", err)
		}
		for _, r := range page {
			if len(r.idm) != len(mac{}) {
				return fmt.Errorf("%w: rotating secret: malformed alert ID MAC", ErrCorrupt)
			}
			a, err := openAlert(old, mac(r.idm), r.sealed)
			if err != nil {
				return err
			}
			plain, err := encodeAlert(a)
			if err != nil {
				return err
			}
			idm := nks.idMAC(domainAlertID, a.ID)
			if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_alerts SET id_mac = ?, sealed = ? WHERE seq = ?`),
				idm[:], nks.seal(nil, kindAlert, idm, "", plain), r.seq); err != nil {
				return dbError("rotating secret", err)
			}
		}
		if len(page) < rotatePage {
			return nil
		}
		after = page[len(page)-1].seq
	}
}

func (s *Store) rotateDeliveries(ctx context.Context, tx *sql.Tx, old, nks *keySet) error {
	// Only failed deliveries carry a sealed error, and they are few.
	rows, err := tx.QueryContext(ctx, `SELECT seq, alert_seq, sink, last_error FROM honeyseed_deliveries WHERE last_error IS NOT NULL`)
	if err != nil {
		return dbError("rotating secret", err)
	}
	type row struct {
		seq, alertSeq int64
		sink          string
		lastErr       []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.alertSeq, &r.sink, &r.lastErr); err != nil {
			rows.Close()
			return dbError("rotating secret", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dbError("rotating secret", err)
	}
	for _, r := range all {
		ad := lastErrorAD(r.alertSeq, r.sink)
		plain, err := old.open(kindLastError, mac{}, ad, r.lastErr)
		if err != nil {
			return fmt.Errorf("%w (rotating secret)", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_deliveries SET last_error = ? WHERE seq = ?`), nks.seal(nil, kindLastError, mac{}, ad, plain), r.seq); err != nil {
			return dbError("rotating secret", err)
		}
	}
	return nil
}
