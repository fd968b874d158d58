package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Replay is the store's memory of accepted webhook deliveries, an
// inbound.ReplayStore: every receiver process on one database shares it, and
// it survives restarts. Keys are stored as HMACs, with the time they may be
// forgotten; expired rows are pruned as claims come in. A Rotate forgets
// them all, since their MACs change with the keys. It is safe for concurrent
// use.
type Replay struct {
	s *Store

	mu        sync.Mutex
	lastPrune time.Time
}

// replayPruneEvery is how often, by the claims' clock, expired rows are deleted.
const replayPruneEvery = time.Minute

// Replay returns the store's replay memory, for inbound.Options.Replay.
func (s *Store) Replay() *Replay {
	s.replayOnce.Do(func() { s.replay = &Replay{s: s} })
	return s.replay
}

// Claim records key until the given time and reports true, or reports false
// when it is recorded until after now. Of concurrent claims of one key, from
// any process, exactly one wins: the insert and the take-over of an expired
// row are one statement.
func (r *Replay) Claim(ctx context.Context, key string, now, until time.Time) (bool, error) {
	s := r.s
	if err := s.usable(); err != nil {
		return false, err
	}
	r.maybePrune(ctx, now)
	m := s.idx.keySet().replayMAC(key)
	if !s.dialect.postgres {
		s.txMu.Lock()
		defer s.txMu.Unlock()
	}
	res, err := s.db.ExecContext(ctx, s.dialect.q(`INSERT INTO honeyseed_replay (key_mac, until_ns) VALUES (?, ?)
ON CONFLICT (key_mac) DO UPDATE SET until_ns = excluded.until_ns WHERE honeyseed_replay.until_ns <= ?`),
		m[:], unixNano(until), unixNano(now))
	if err != nil {
		return false, dbError("claiming replay key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError("claiming replay key", err)
	}
	return n == 1, nil
}

// Release forgets key.
func (r *Replay) Release(ctx context.Context, key string) error {
	s := r.s
	if err := s.usable(); err != nil {
		return err
	}
	m := s.idx.keySet().replayMAC(key)
	if !s.dialect.postgres {
		s.txMu.Lock()
		defer s.txMu.Unlock()
	}
	if _, err := s.db.ExecContext(ctx, s.dialect.q(`DELETE FROM honeyseed_replay WHERE key_mac = ?`), m[:]); err != nil {
		return dbError("releasing replay key", err)
	}
	return nil
}

// maybePrune deletes the expired rows, at most once per replayPruneEvery. A
// failure is left for the next time: pruning only saves space.
func (r *Replay) maybePrune(ctx context.Context, now time.Time) {
	r.mu.Lock()
	due := now.Sub(r.lastPrune) >= replayPruneEvery || now.Before(r.lastPrune)
	if due {
		r.lastPrune = now
	}
	r.mu.Unlock()
	if !due {
		return
	}
	s := r.s
	if !s.dialect.postgres {
		s.txMu.Lock()
		defer s.txMu.Unlock()
	}
	s.db.ExecContext(ctx, s.dialect.q(`DELETE FROM honeyseed_replay WHERE until_ns <= ?`), unixNano(now))
}
