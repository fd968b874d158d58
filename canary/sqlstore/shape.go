package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// The store's find.Shape, the matcher's prefilter, is built from the keys
// of its seeds, which are sealed. So that Open need not unseal a million
// seeds to build it, the store keeps a summary beside them: one sealed row in
// honeyseed_meta, named "shape", holding a stand-in key for each distinct
// thing the Shape records (an email domain; a phone number's length and first
// two digits; a ticket's length and first character). Add extends it in the
// same transaction as the seeds; a refresh that finds new seeds rereads it.
// In memory the Shape is held in clear, as MemoryRegistry's is: it names the
// operator's own domains and the lengths of values, no seed's value.

// kindShape is the sealed-blob kind of the shape row.
const kindShape byte = 'h'

// shapeEncodingV1 leads the shape row's plaintext.
const shapeEncodingV1 = 1

// shapeKey returns the stand-in for k that adds to a Shape what k adds: the
// domain alone for an email, zeros after what a Shape keeps of a phone
// number or a ticket.
func shapeKey(k norm.Key) norm.Key {
	switch k.Field {
	case norm.FieldEmail:
		return norm.Key{Field: k.Field, Value: k.Value[strings.LastIndexByte(k.Value, '@'):]}
	case norm.FieldPhone:
		return norm.Key{Field: k.Field, Value: k.Value[:3] + strings.Repeat("0", len(k.Value)-3)}
	}
	return norm.Key{Field: k.Field, Value: k.Value[:1] + strings.Repeat("0", len(k.Value)-1)}
}

// Shape implements find.Shaper: nil until the store has seeds.
func (s *Store) Shape() *find.Shape { return s.shape.Load() }

var _ find.Shaper = (*Store)(nil)

// widenShapeLocked writes the shape row in tx when the stand-ins of Add's
// chunks add to it, and publishes the wider Shape at once (admitting more
// than the registry holds is allowed; less is not). It returns what they
// added, for commitShapeLocked once the transaction has committed. The
// caller holds syncMu.
func (s *Store) widenShapeLocked(ctx context.Context, tx *sql.Tx, ks *keySet, chunks []*sealedChunk) ([]norm.Key, error) {
	var added []norm.Key
	for _, c := range chunks {
		for i := range c.rows {
			for _, k := range c.rows[i].shape[:c.rows[i].n] {
				if !s.shapeKeys[k] && !slices.Contains(added, k) {
					added = append(added, k)
				}
			}
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	all := slices.AppendSeq(slices.Clone(added), maps.Keys(s.shapeKeys))
	if err := s.writeShape(ctx, tx, ks, all); err != nil {
		return nil, err
	}
	s.widenShape(added)
	return added, nil
}

// widenShape publishes the Shape admitting added too, with the index's
// filter in it so that the matcher drops most candidates without a Lookup.
func (s *Store) widenShape(added []norm.Key) {
	sh := s.shape.Load().With(added)
	if sh != nil && sh.Keyed == nil {
		c := *sh
		c.Keyed = (*shapeProbe)(s.idx)
		sh = &c
	}
	s.shape.Store(sh)
}

// commitShapeLocked records that the shape row now holds added.
func (s *Store) commitShapeLocked(added []norm.Key) {
	for _, k := range added {
		s.shapeKeys[k] = true
	}
}

func (s *Store) writeShape(ctx context.Context, tx *sql.Tx, ks *keySet, keys []norm.Key) error {
	slices.SortFunc(keys, func(a, b norm.Key) int {
		if a.Field != b.Field {
			return int(a.Field) - int(b.Field)
		}
		return strings.Compare(a.Value, b.Value)
	})
	plain := []byte{shapeEncodingV1}
	plain = binary.AppendUvarint(plain, uint64(len(keys)))
	for _, k := range keys {
		plain = append(plain, byte(k.Field))
		plain = appendString(plain, k.Value)
	}
	plain = append(plain, make([]byte, padSize(len(plain), minSeedClass)-len(plain))...)
	sealed := ks.seal(nil, kindShape, mac{}, "shape", plain)
	q := `INSERT INTO honeyseed_meta (name, value) VALUES ('shape', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	if _, err := tx.ExecContext(ctx, s.dialect.q(q), sealed); err != nil {
		return dbError("storing shape", err)
	}
	return nil
}

// loadShapeLocked rereads the shape row, after other processes added seeds.
// It reports whether there was one. The caller holds syncMu.
func (s *Store) loadShapeLocked(ctx context.Context, q querier, ks *keySet) (bool, error) {
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM honeyseed_meta WHERE name = 'shape'`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbError("reading shape", err)
	}
	plain, err := ks.open(kindShape, mac{}, "shape", sealed)
	if err != nil {
		return false, err
	}
	keys, err := decodeShape(plain)
	if err != nil {
		return false, fmt.Errorf("%w: shape: %v", ErrCorrupt, err)
	}
	var added []norm.Key
	for _, k := range keys {
		if !s.shapeKeys[k] {
			s.shapeKeys[k] = true
			added = append(added, k)
		}
	}
	if len(added) > 0 {
		s.widenShape(added)
	}
	return true, nil
}

func decodeShape(b []byte) ([]norm.Key, error) {
	d := decoder{b: b}
	if d.byte() != shapeEncodingV1 {
		return nil, errBadRecord
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return nil, errBadRecord
	}
	keys := make([]norm.Key, 0, n)
	for range n {
		k := norm.Key{Field: norm.Field(d.byte()), Value: d.string()}
		if d.err != nil || !validShapeKey(k) {
			return nil, errBadRecord
		}
		keys = append(keys, k)
	}
	if d.err != nil || strings.Trim(string(d.b), "\x00") != "" {
		return nil, errBadRecord
	}
	return keys, nil
}

// validShapeKey checks what find.Shape.With relies on.
func validShapeKey(k norm.Key) bool {
	switch k.Field {
	case norm.FieldEmail:
		return strings.HasPrefix(k.Value, "@")
	case norm.FieldPhone:
		return len(k.Value) >= 4 && len(k.Value) < 32 && k.Value[0] == '+' && k.Value[1] >= '0' && k.Value[1] <= '9' && k.Value[2] >= '0' && k.Value[2] <= '9'
	case norm.FieldTicket:
		return len(k.Value) >= 1 && len(k.Value) < 64
	}
	return false
}

// fillTags completes a database written before seeds carried filter tags and
// the shape row: it opens every seed once, in one transaction, to compute
// them. Later Opens read them. A seed that no longer validates keeps no tags,
// which leaves the filter open (see index.unfiltered) rather than hiding it.
//
// It runs when the migration to schema 2 left its mark in honeyseed_meta, or
// when loading the index met a row without tags (written by an older
// process), and reloads the index after.
func (s *Store) fillTags(ctx context.Context) error {
	var mark int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM honeyseed_meta WHERE name = 'fill_tags'`).Scan(&mark)
	if err != nil {
		return dbError("checking filter tags", err)
	}
	if mark == 0 && !s.idx.unfilteredNow() {
		return nil
	}
	ks := s.idx.keySet()
	if err := s.fillTagsWith(ctx, ks); err != nil {
		return err
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.idx.replace(newIndex(ks))
	return s.catchUpLocked(ctx, s.db)
}

func (s *Store) fillTagsWith(ctx context.Context, ks *keySet) error {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	return s.write(ctx, "filling in filter tags", lockSeeds, func(tx *sql.Tx, _ *sql.Conn) error {
		update, err := tx.PrepareContext(ctx, s.dialect.q(`UPDATE honeyseed_seeds SET tags = ? WHERE seq = ?`))
		if err != nil {
			return dbError("filling in filter tags", err)
		}
		defer update.Close()
		if _, err := tx.ExecContext(ctx, `DELETE FROM honeyseed_index`); err != nil {
			return dbError("filling in filter tags", err)
		}
		stand := map[norm.Key]bool{}
		var buf []byte
		for after := int64(0); ; {
			page, seqs, err := s.rotationPage(ctx, tx, ks, after)
			if err != nil {
				return err
			}
			var entries []entry // packed index rows hold no gap
			for i, sd := range page {
				r, err := ks.sealSeed(sd, &buf)
				if err != nil { // no longer validates: no tags, and a gap in the packed rows
					if err := s.writePacked(ctx, tx, "filling in filter tags", entries); err != nil {
						return err
					}
					entries = nil
					continue
				}
				for _, k := range r.shape[:r.n] {
					stand[k] = true
				}
				if _, err := update.ExecContext(ctx, r.args[3], seqs[i]); err != nil {
					return dbError("filling in filter tags", err)
				}
				entries = append(entries, sealedEntries(seqs[i], []sealedSeed{r})...)
			}
			if err := s.writePacked(ctx, tx, "filling in filter tags", entries); err != nil {
				return err
			}
			if len(page) < rotatePage {
				break
			}
			after = seqs[len(seqs)-1]
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM honeyseed_meta WHERE name = 'fill_tags'`); err != nil {
			return dbError("filling in filter tags", err)
		}
		return s.writeShape(ctx, tx, ks, slices.Collect(maps.Keys(stand)))
	})
}
