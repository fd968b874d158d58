package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// packEntries appends the packed form of entries, in seq order with no gap,
// as honeyseed_index holds it: for each, its ID MAC, its key count (one
// byte), its key MACs and its tags (8 bytes each, little-endian).
func packEntries(b []byte, entries []entry) []byte {
	for _, e := range entries {
		b = append(b, e.id[:]...)
		b = append(b, byte(len(e.keys)))
		for _, k := range e.keys {
			b = append(b, k[:]...)
		}
		for _, t := range e.tags {
			b = binary.LittleEndian.AppendUint64(b, t)
		}
	}
	return b
}

// unpackEntries reverses packEntries for the seqs lo..hi, keeping those
// after after. The entries share two allocations, for keys and for tags.
func unpackEntries(lo, hi, after int64, b []byte) ([]entry, error) {
	n := hi - lo + 1
	if lo < 1 || hi > maxSeq || n <= 0 || n > int64(len(b)) {
		return nil, fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
	}
	out := make([]entry, 0, n)
	keys := make([]mac, 0, 3*n)
	tags := make([]uint64, 0, 3*n)
	for seq := lo; seq <= hi; seq++ {
		if len(b) < len(mac{})+1 {
			return nil, fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
		}
		e := entry{seq: seq, id: mac(b)}
		nk := int(b[len(mac{})])
		b = b[len(mac{})+1:]
		if nk == 0 || nk > 3 || len(b) < nk*(len(mac{})+8) {
			return nil, fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
		}
		k0, t0 := len(keys), len(tags)
		for range nk {
			keys = append(keys, mac(b))
			b = b[len(mac{}):]
		}
		for range nk {
			tags = append(tags, binary.LittleEndian.Uint64(b))
			b = b[8:]
		}
		e.keys, e.tags = keys[k0:len(keys):len(keys)], tags[t0:len(tags):len(tags)]
		if seq > after {
			out = append(out, e)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
	}
	return out, nil
}

// sealedEntries returns the index entries of sealed rows whose first seq is lo.
func sealedEntries(lo int64, rows []sealedSeed) []entry {
	out := make([]entry, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = entry{seq: lo + int64(i), id: r.idMAC, keys: r.keys[:r.n], tags: r.tags[:r.n]}
	}
	return out
}

// writePacked stores the entries, which start at seq lo, as one index row.
func (s *Store) writePacked(ctx context.Context, tx *sql.Tx, op string, entries []entry) error {
	if len(entries) == 0 {
		return nil
	}
	lo, hi := entries[0].seq, entries[len(entries)-1].seq
	if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO honeyseed_index (lo, hi, packed) VALUES (?, ?, ?)`), lo, hi, packEntries(nil, entries)); err != nil {
		return dbError(op, err)
	}
	return nil
}

// loadPackedLocked publishes the packed index rows that cover the seqs after
// the last one indexed, in order, and stops at the first gap: the rows after
// it (written by an older version) are read one by one.
func (s *Store) loadPackedLocked(ctx context.Context, q querier) error {
	after := s.idx.visibleSeq()
	rows, err := q.QueryContext(ctx, s.dialect.q(`SELECT lo, hi, packed FROM honeyseed_index WHERE hi > ? ORDER BY lo`), after)
	if err != nil {
		return dbError("loading index", err)
	}
	defer rows.Close()
	// An empty index (Open) is built as the rows are read.
	var b *builder
	if after == 0 {
		b = s.idx.startBuild()
	}
	ok := false
	defer func() {
		if b != nil {
			b.finish(ok)
		}
	}()
	for rows.Next() {
		var (
			lo, hi int64
			packed sql.RawBytes
		)
		if err := rows.Scan(&lo, &hi, &packed); err != nil {
			return dbError("loading index", err)
		}
		if lo > after+1 {
			break // a gap
		}
		if b != nil {
			if err := b.add(lo, hi, after, packed); err != nil {
				return err
			}
		} else {
			entries, err := unpackEntries(lo, hi, after, packed)
			if err != nil {
				return err
			}
			s.idx.publish(entries)
		}
		after = max(after, hi)
	}
	if err := rows.Err(); err != nil {
		return dbError("loading index", err)
	}
	ok = true
	return nil
}
