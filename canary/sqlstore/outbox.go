package sqlstore

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// The outbox half of a Store: alerts sealed like seeds and found by the MAC of
// their ID, and one delivery row per alert and sink until the sink has it.

// errKeysChanged says the key check in the database is not the one the
// transaction started with.
var errKeysChanged = errors.New("sqlstore: keys changed")

// outboxWrite runs fn in a write transaction that first takes the key-check
// row (FOR SHARE on PostgreSQL), so that a concurrent Rotate, which updates
// that row, either waits for fn's transaction or has committed before it reads.
// When this process rotated meanwhile, fn runs again with the new keys.
// The outbox's write statements, prepared once by Open (see stmt).
const (
	sqlInsertAlert    = `INSERT INTO honeyseed_alerts (id_mac, sealed) VALUES (?, ?) ON CONFLICT (id_mac) DO NOTHING RETURNING seq`
	sqlInsertDelivery = `INSERT INTO honeyseed_deliveries (alert_seq, sink, next_at) VALUES (?, ?, ?) ON CONFLICT (alert_seq, sink) DO NOTHING`
	sqlUpdateAlert    = `UPDATE honeyseed_alerts SET sealed = ? WHERE seq = ?`
)

func (s *Store) sqlKeyCheck() string {
	q := `SELECT value FROM honeyseed_meta WHERE name = 'key_check'`
	if s.dialect.postgres {
		q += " FOR SHARE"
	}
	return q
}

func (s *Store) sqlSelectAlert() string {
	return s.dialect.q(`SELECT seq, sealed FROM honeyseed_alerts WHERE id_mac = ?`) + s.dialect.forUpdate()
}

func (s *Store) outboxQueries() []string {
	return []string{s.sqlKeyCheck(), s.dialect.q(sqlInsertAlert), s.dialect.q(sqlInsertDelivery), s.sqlSelectAlert(), s.dialect.q(sqlUpdateAlert)}
}

func (s *Store) outboxWrite(ctx context.Context, op string, fn func(tx *sql.Tx, ks *keySet) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	for {
		ks := s.idx.keySet()
		err := s.write(ctx, op, nil, func(tx *sql.Tx, _ *sql.Conn) error {
			var check []byte
			st, err := s.stmt(ctx, tx, s.sqlKeyCheck())
			if err != nil {
				return dbError(op, err)
			}
			if err := st.QueryRowContext(ctx).Scan(&check); err != nil {
				return dbError(op, err)
			}
			if !hmac.Equal(check, ks.check) {
				return errKeysChanged
			}
			return fn(tx, ks)
		})
		if !errors.Is(err, errKeysChanged) {
			return err
		}
		if s.idx.keySet() == ks {
			return s.rotatedElsewhere()
		}
	}
}

// Record implements watch.Outbox. On SQLite, Records and Updates that arrive
// while another is being written are committed together in the next
// transaction (see groupCommit). On PostgreSQL, processes recording one alert
// ID at once are ordered by the unique ID column: one inserts, the others wait
// for it, then read what it stored.
func (s *Store) Record(ctx context.Context, a canary.Alert, sinks []string) (canary.Alert, bool, error) {
	if a.ID == uuid.Nil {
		return canary.Alert{}, false, fmt.Errorf("sqlstore: %w: alert has no ID", canary.ErrInvalidInput)
	}
	fresh := a.Clone()
	fresh.Count = max(fresh.Count, 1)
	plain, err := encodeAlert(fresh)
	if err != nil {
		return canary.Alert{}, false, err
	}
	var (
		created bool
		stored  canary.Alert
	)
	err = s.groupWrite(ctx, "recording alert", func(ctx context.Context, tx *sql.Tx, ks *keySet) error {
		created, stored = false, fresh
		idm := ks.idMAC(domainAlertID, a.ID)
		var seq int64
		ins, err := s.stmt(ctx, tx, s.dialect.q(sqlInsertAlert))
		if err != nil {
			return dbError("recording alert", err)
		}
		err = ins.QueryRowContext(ctx, idm[:], ks.seal(nil, kindAlert, idm, "", plain)).Scan(&seq)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, stored, err = s.lockAlert(ctx, tx, ks, idm)
			return err
		case err != nil:
			return dbError("recording alert", err)
		}
		created = true
		return s.enqueue(ctx, tx, "recording alert", seq, sinks, a.FirstSeen)
	})
	if err != nil {
		return canary.Alert{}, false, err
	}
	return stored, created, nil
}

// RecordFold implements watch.Folder: Record, and the fold of a repeat in
// the same transaction, under the row lock, with its update's deliveries.
func (s *Store) RecordFold(ctx context.Context, a canary.Alert, sinks []string,
	fold func(stored canary.Alert) (canary.Alert, []string, bool)) (canary.Alert, bool, bool, error) {
	if a.ID == uuid.Nil {
		return canary.Alert{}, false, false, fmt.Errorf("sqlstore: %w: alert has no ID", canary.ErrInvalidInput)
	}
	fresh := a.Clone()
	fresh.Count = max(fresh.Count, 1)
	plain, err := encodeAlert(fresh)
	if err != nil {
		return canary.Alert{}, false, false, err
	}
	var (
		created, folded bool
		stored          canary.Alert
	)
	err = s.groupWrite(ctx, "recording alert", func(ctx context.Context, tx *sql.Tx, ks *keySet) error {
		created, folded, stored = false, false, fresh
		idm := ks.idMAC(domainAlertID, a.ID)
		ins, err := s.stmt(ctx, tx, s.dialect.q(sqlInsertAlert))
		if err != nil {
			return dbError("recording alert", err)
		}
		var seq int64
		err = ins.QueryRowContext(ctx, idm[:], ks.seal(nil, kindAlert, idm, "", plain)).Scan(&seq)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var have canary.Alert
			if seq, have, err = s.lockAlert(ctx, tx, ks, idm); err != nil {
				return err
			}
			stored = have
			next, requeue, ok := fold(have)
			if !ok {
				return nil
			}
			np, err := encodeAlert(next)
			if err != nil {
				return err
			}
			if err := s.rewrite(ctx, tx, ks, idm, seq, np, requeue, next.LastSeen); err != nil {
				return err
			}
			stored, folded = next, true
			return nil
		case err != nil:
			return dbError("recording alert", err)
		}
		created = true
		return s.enqueue(ctx, tx, "recording alert", seq, sinks, a.FirstSeen)
	})
	if err != nil {
		return canary.Alert{}, false, false, err
	}
	return stored, created, folded, nil
}

// rewrite replaces the sealed alert seq (ID MAC idm) by plain, and
// enqueues its update for sinks, due at due.
func (s *Store) rewrite(ctx context.Context, tx *sql.Tx, ks *keySet, idm mac, seq int64, plain []byte, sinks []string, due time.Time) error {
	upd, err := s.stmt(ctx, tx, s.dialect.q(sqlUpdateAlert))
	if err != nil {
		return dbError("updating alert", err)
	}
	if _, err := upd.ExecContext(ctx, ks.seal(nil, kindAlert, idm, "", plain), seq); err != nil {
		return dbError("updating alert", err)
	}
	return s.enqueue(ctx, tx, "updating alert", seq, sinks, due)
}

// enqueue adds a pending delivery of alert seq, due at due, for each sink.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, op string, seq int64, sinks []string, due time.Time) error {
	if len(sinks) == 0 {
		return nil
	}
	del, err := s.stmt(ctx, tx, s.dialect.q(sqlInsertDelivery))
	if err != nil {
		return dbError(op, err)
	}
	for _, sink := range sinks {
		if _, err := del.ExecContext(ctx, seq, sink, unixNano(due)); err != nil {
			return dbError(op, err)
		}
	}
	return nil
}

// Update implements watch.Outbox, under a row lock, group-committed on SQLite
// as Record is: the new deliveries of an update are written in the same
// transaction as the alert.
func (s *Store) Update(ctx context.Context, a canary.Alert, ifCount int, sinks []string) (bool, error) {
	plain, err := encodeAlert(a)
	if err != nil {
		return false, err
	}
	var ok bool
	err = s.groupWrite(ctx, "updating alert", func(ctx context.Context, tx *sql.Tx, ks *keySet) error {
		ok = false
		idm := ks.idMAC(domainAlertID, a.ID)
		seq, have, err := s.lockAlert(ctx, tx, ks, idm)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: %w: alert %s", canary.ErrNotFound, a.ID)
		}
		if err != nil || have.Count != ifCount {
			return err
		}
		if err := s.rewrite(ctx, tx, ks, idm, seq, plain, sinks, a.LastSeen); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return ok, err
}

// lockAlert reads the stored alert with ID MAC idm, locking its row. No such
// row gives sql.ErrNoRows.
func (s *Store) lockAlert(ctx context.Context, tx *sql.Tx, ks *keySet, idm mac) (int64, canary.Alert, error) {
	var (
		seq    int64
		sealed []byte
	)
	sel, err := s.stmt(ctx, tx, s.sqlSelectAlert())
	if err != nil {
		return 0, canary.Alert{}, dbError("reading alert", err)
	}
	if err := sel.QueryRowContext(ctx, idm[:]).Scan(&seq, &sealed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, canary.Alert{}, err
		}
		return 0, canary.Alert{}, dbError("reading alert", err)
	}
	a, err := openAlert(ks, idm, sealed)
	return seq, a, err
}

func openAlert(ks *keySet, idm mac, sealed []byte) (canary.Alert, error) {
	plain, err := ks.open(kindAlert, idm, "", sealed)
	if err != nil {
		return canary.Alert{}, err
	}
	a, err := decodeAlert(plain)
	if err != nil {
		return canary.Alert{}, fmt.Errorf("%w: alert: %v", ErrCorrupt, err)
	}
	if got := ks.idMAC(domainAlertID, a.ID); !hmac.Equal(got[:], idm[:]) {
		return canary.Alert{}, fmt.Errorf("%w: alert row holds another alert", ErrCorrupt)
	}
	return a, nil
}

// lastErrorAD binds a delivery's sealed error to its row, by the alert's seq
// (which Rotate does not change) and the sink.
func lastErrorAD(alertSeq int64, sink string) string {
	return strconv.FormatInt(alertSeq, 10) + "\x00" + sink
}

// Due implements watch.Outbox. Deliveries come in the order they were created.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]watch.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	return readWithKeys(s, ctx, func(ks *keySet) ([]watch.Delivery, error) {
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`
SELECT d.alert_seq, d.sink, d.attempts, d.next_at, d.last_error, a.id_mac, a.sealed
FROM honeyseed_deliveries d JOIN honeyseed_alerts a ON a.seq = d.alert_seq
WHERE d.next_at <= ? ORDER BY d.seq LIMIT ?`), unixNano(now), limit)
		if err != nil {
			return nil, dbError("listing due deliveries", err)
		}
		defer rows.Close()
		var out []watch.Delivery
		for rows.Next() {
			var (
				d                    watch.Delivery
				alertSeq, nextAt     int64
				lastErr, idm, sealed []byte
			)
			if err := rows.Scan(&alertSeq, &d.Sink, &d.Attempts, &nextAt, &lastErr, &idm, &sealed); err != nil {
				return nil, dbError("listing due deliveries", err)
			}
			if len(idm) != len(mac{}) {
				return nil, fmt.Errorf("%w: malformed alert ID MAC", ErrCorrupt)
			}
			if d.Alert, err = openAlert(ks, mac(idm), sealed); err != nil {
				return nil, err
			}
			if lastErr != nil {
				b, err := ks.open(kindLastError, mac{}, lastErrorAD(alertSeq, d.Sink), lastErr)
				if err != nil {
					return nil, err
				}
				d.LastError = string(b)
			}
			d.NextAt = fromUnixNano(nextAt)
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return nil, dbError("listing due deliveries", err)
		}
		return out, nil
	})
}

// Delivered implements watch.Outbox. The alert's row is locked and read, so an
// update enqueued meanwhile (a higher Revision) keeps its delivery.
func (s *Store) Delivered(ctx context.Context, id uuid.UUID, sink string, revision int) error {
	return s.outboxWrite(ctx, "marking delivery done", func(tx *sql.Tx, ks *keySet) error {
		idm := ks.idMAC(domainAlertID, id)
		seq, have, err := s.lockAlert(ctx, tx, ks, idm)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if have.Revision > revision {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`DELETE FROM honeyseed_deliveries WHERE alert_seq = ? AND sink = ?`), seq, sink); err != nil {
			return dbError("marking delivery done", err)
		}
		return nil
	})
}

// Failed implements watch.Outbox. An unknown or finished delivery gives an
// error wrapping canary.ErrNotFound. The cause is sealed: a sink's error may
// quote what it was sent.
func (s *Store) Failed(ctx context.Context, id uuid.UUID, sink string, next time.Time, cause string) error {
	return s.outboxWrite(ctx, "recording failed delivery", func(tx *sql.Tx, ks *keySet) error {
		idm := ks.idMAC(domainAlertID, id)
		var alertSeq int64
		err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT seq FROM honeyseed_alerts WHERE id_mac = ?`), idm[:]).Scan(&alertSeq)
		if err == nil {
			var res sql.Result
			res, err = tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE alert_seq = ? AND sink = ?`),
				unixNano(next), ks.seal(nil, kindLastError, mac{}, lastErrorAD(alertSeq, sink), []byte(cause)), alertSeq, sink)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					err = sql.ErrNoRows
				}
			}
		}
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: %w: no pending delivery of alert %s to %q", canary.ErrNotFound, id, sink)
		}
		if err != nil {
			return dbError("recording failed delivery", err)
		}
		return nil
	})
}

// Alert implements watch.Outbox.
func (s *Store) Alert(ctx context.Context, id uuid.UUID) (canary.Alert, error) {
	return readWithKeys(s, ctx, func(ks *keySet) (canary.Alert, error) {
		idm := ks.idMAC(domainAlertID, id)
		var sealed []byte
		err := s.db.QueryRowContext(ctx, s.dialect.q(`SELECT sealed FROM honeyseed_alerts WHERE id_mac = ?`), idm[:]).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return canary.Alert{}, fmt.Errorf("sqlstore: %w: alert %s", canary.ErrNotFound, id)
		}
		if err != nil {
			return canary.Alert{}, dbError("reading alert", err)
		}
		return openAlert(ks, idm, sealed)
	})
}

// alertPageSize is how many alerts Alerts reads per query.
const alertPageSize = 64

// Alerts implements watch.Outbox.
func (s *Store) Alerts(ctx context.Context) iter.Seq2[canary.Alert, error] {
	return func(yield func(canary.Alert, error) bool) {
		var after int64
		for {
			type page struct {
				alerts []canary.Alert
				last   int64
			}
			p, err := readWithKeys(s, ctx, func(ks *keySet) (page, error) {
				var p page
				rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT seq, id_mac, sealed FROM honeyseed_alerts WHERE seq > ? ORDER BY seq LIMIT ?`), after, alertPageSize)
				if err != nil {
					return p, dbError("listing alerts", err)
				}
				defer rows.Close()
				for rows.Next() {
					var idm, sealed sql.RawBytes
					if err := rows.Scan(&p.last, &idm, &sealed); err != nil {
						return p, dbError("listing alerts", err)
					}
					if len(idm) != len(mac{}) {
						return p, fmt.Errorf("%w: malformed alert ID MAC", ErrCorrupt)
					}
					a, err := openAlert(ks, mac(idm), sealed)
					if err != nil {
						return p, err
					}
					p.alerts = append(p.alerts, a)
				}
				if err := rows.Err(); err != nil {
					return p, dbError("listing alerts", err)
				}
				return p, nil
			})
			if err != nil {
				yield(canary.Alert{}, err)
				return
			}
			for _, a := range p.alerts {
				if !yield(a, nil) {
					return
				}
			}
			if len(p.alerts) < alertPageSize {
				return
			}
			after = p.last
		}
	}
}

// readWithKeys runs a read with the current keys, again with the new ones if
// this process rotated meanwhile, and explains a row that does not open.
func readWithKeys[T any](s *Store, ctx context.Context, fn func(ks *keySet) (T, error)) (T, error) {
	if err := s.usable(); err != nil {
		var zero T
		return zero, err
	}
	ks := s.idx.keySet()
	v, err := fn(ks)
	if err != nil && s.idx.keySet() != ks {
		v, err = fn(s.idx.keySet())
	}
	if err != nil {
		return v, s.explain(ctx, err)
	}
	return v, nil
}

// unixNano is the next_at column: times are compared in SQL, and instants
// outside 1678–2262 (including the zero time) saturate.
func unixNano(t time.Time) int64 {
	switch {
	case t.IsZero():
		return math.MinInt64
	case t.Year() < 1678:
		return math.MinInt64 + 1
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
