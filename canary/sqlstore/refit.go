package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"

	"github.com/honeyseed/honeyseed/canary/internal/filter"
)

// refitFilterLocked rebuilds the filter, sized for twice what it will hold,
// when more tags than it was sized for are in it or are about to be (more,
// for a batch on its way): an over-full filter turns away fewer misses (it
// never turns away a key). The tags come from the database, which keeps them
// in the packed index rows and the seed rows' tags column, rather than from a
// copy in memory: that would cost 8 bytes a key for a rebuild needed once
// each time the registry doubles.
//
// The caller holds syncMu, with no batch pending, so no tag is indexed
// meanwhile; rows q sees that the index has not picked up yet only make the
// filter admit a little more.
func (s *Store) refitFilterLocked(ctx context.Context, q querier, more int) error {
	n, limit := s.idx.filterLoad()
	if n+more <= limit {
		return nil
	}
	f := filter.NewBloom(2 * (n + more))
	if err := s.eachTag(ctx, q, f.Add); err != nil {
		return err
	}
	s.idx.setFilter(f)
	return nil
}

// eachTag calls fn with the tag of every key of every seed row that has
// tags: from the packed index rows while they cover the rows in order, then
// from the rows after them.
func (s *Store) eachTag(ctx context.Context, q querier, fn func(uint64)) error {
	var after int64
	rows, err := q.QueryContext(ctx, `SELECT lo, hi, packed FROM honeyseed_index ORDER BY lo`)
	if err != nil {
		return dbError("refitting the filter", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			lo, hi int64
			packed sql.RawBytes
		)
		if err := rows.Scan(&lo, &hi, &packed); err != nil {
			return dbError("refitting the filter", err)
		}
		if lo > after+1 {
			break // a gap: the seed rows from here on
		}
		if err := checkPacked(lo, hi, packed); err != nil {
			return err
		}
		walkPacked(lo, after, packed, func(_ int64, e packedEntry) {
			for i := range e.keyCount() {
				fn(e.tag(i))
			}
		})
		after = max(after, hi)
	}
	if err := rows.Err(); err != nil {
		return dbError("refitting the filter", err)
	}
	rows.Close()
	rest, err := q.QueryContext(ctx, s.dialect.q(`SELECT seq, tags FROM honeyseed_seeds WHERE seq > ? AND tags IS NOT NULL ORDER BY seq`), after)
	if err != nil {
		return dbError("refitting the filter", err)
	}
	defer rest.Close()
	for rest.Next() {
		var (
			seq  int64
			tags sql.RawBytes
		)
		if err := rest.Scan(&seq, &tags); err != nil {
			return dbError("refitting the filter", err)
		}
		if len(tags)%8 != 0 {
			return fmt.Errorf("%w: refitting the filter: seed row %d has malformed tags", ErrCorrupt, seq)
		}
		for i := 0; i < len(tags); i += 8 {
			fn(binary.LittleEndian.Uint64(tags[i:]))
		}
	}
	if err := rest.Err(); err != nil {
		return dbError("refitting the filter", err)
	}
	return nil
}
