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
	if err := checkPacked(lo, hi, b); err != nil {
		return nil, err
	}
	n := max(0, hi-max(lo, after+1)+1)
	out := make([]entry, 0, n)
	keys := make([]mac, 0, 3*n)
	tags := make([]uint64, 0, 3*n)
	walkPacked(lo, after, b, func(seq int64, e packedEntry) {
		k0, t0 := len(keys), len(tags)
		for i := range e.keyCount() {
			keys, tags = append(keys, e.key(i)), append(tags, e.tag(i))
		}
		out = append(out, entry{seq: seq, id: e.id(), keys: keys[k0:len(keys):len(keys)], tags: tags[t0:len(tags):len(tags)]})
	})
	return out, nil
}

// packedEntry is one entry as packEntries writes it: ID MAC, key count, key
// MACs, tags.
type packedEntry []byte

func (e packedEntry) id() mac       { return mac(e) }
func (e packedEntry) keyCount() int { return int(e[len(mac{})]) }
func (e packedEntry) key(i int) mac { return mac(e[len(mac{})+1+i*len(mac{}):]) }
func (e packedEntry) tag(i int) uint64 {
	return binary.LittleEndian.Uint64(e[len(mac{})+1+e.keyCount()*len(mac{})+8*i:])
}

// packedSize is the size of a packed entry of nk keys.
func packedSize(nk int) int { return len(mac{}) + 1 + nk*(len(mac{})+8) }

// checkPacked checks that packed holds the entries of seqs lo..hi as
// packEntries writes them, and that the index can number them.
func checkPacked(lo, hi int64, b []byte) error {
	n := hi - lo + 1
	if lo < 1 || hi > maxSeq || n <= 0 || n > int64(len(b)) {
		return fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
	}
	for range n {
		if len(b) < len(mac{})+1 {
			return fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
		}
		nk := packedEntry(b).keyCount()
		size := packedSize(nk)
		if nk == 0 || nk > 3 || len(b) < size {
			return fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
		}
		b = b[size:]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: index rows %d to %d are malformed", ErrCorrupt, lo, hi)
	}
	return nil
}

// walkPacked calls fn with every entry after skip of a packed row, from seq
// lo, whose structure checkPacked accepted.
func walkPacked(lo, skip int64, b []byte, fn func(seq int64, e packedEntry)) {
	for seq := lo; len(b) > 0; seq++ {
		size := packedSize(packedEntry(b).keyCount())
		if seq > skip {
			fn(seq, packedEntry(b[:size]))
		}
		b = b[size:]
	}
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
