package sqlstore

import "context"

// Backlog counts the deliveries not yet done: pending is every alert-sink
// pair still waiting, retrying those among them that failed at least once. It
// only reads, for status pages and metrics.
func (s *Store) Backlog(ctx context.Context) (pending, retrying int, err error) {
	if err := s.usable(); err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) FROM honeyseed_deliveries`).Scan(&pending, &retrying)
	if err != nil {
		return 0, 0, dbError("counting deliveries", err)
	}
	return pending, retrying, nil
}
