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
// thing the Shape records (an email domain; a phone number's length, first
// find.PhonePrefixDigits and last find.PhoneSuffixDigits digits; a ticket's
// length and first find.TicketPrefixChars characters). Add extends it in the
// same transaction as the seeds; a refresh that finds new seeds rereads it.
//
// The row is sealed like a seed, so a dump of the database without the
// secret learns from it only its padded size. In memory the Shape is held in
// clear, as MemoryRegistry's is, beside the secret that opens every seed
// (see find.Shape for why that is no secret given away). The stand-ins are
// as many as the distinct numbers of the phone pool, the email domains and
// the few leading characters of a ticket range, whatever the number of seeds.
//
// A stand-in keeps what the Shape keeps and '*' for the rest, its length the
// key's: a number of twelve digits or fewer is kept whole (its first and
// last digits are all of it), so its stand-in is the key. The row's first
// byte says how its stand-ins were made:
//   - shapeEncodingV2 (schema 6 on): as above.
//   - shapeEncodingV1: numbers without their last digits, '*' from the
//     seventh digit on, or, in the oldest stores, padded with zeros after two
//     digits of a number and one character of a ticket (coarseStandIn).
//
// Open rewrites a row of encoding 1 from the seeds once (refineShape), so
// that the prefilter is as sharp as a new store's; until then its Shape
// admits every last digit, and what a coarse stand-in does not say.

// kindShape is the sealed-blob kind of the shape row.
const kindShape byte = 'h'

// The shape row's encodings (its plaintext's first byte).
const (
	shapeEncodingV1 = 1
	shapeEncodingV2 = 2
)

// shapeKey returns the stand-in for k that adds to a Shape what k adds: the
// domain alone for an email, '*' between what a Shape keeps of a phone
// number (its first and last digits) and after what it keeps of a ticket.
func shapeKey(k norm.Key) norm.Key {
	switch k.Field {
	case norm.FieldEmail:
		return norm.Key{Field: k.Field, Value: k.Value[strings.LastIndexByte(k.Value, '@'):]}
	case norm.FieldPhone:
		keep, tail := 1+find.PhonePrefixDigits, find.PhoneSuffixDigits
		if len(k.Value) <= keep+tail {
			return k
		}
		return norm.Key{Field: k.Field, Value: k.Value[:keep] + strings.Repeat("*", len(k.Value)-keep-tail) + k.Value[len(k.Value)-tail:]}
	}
	return norm.Key{Field: k.Field, Value: padStandIn(k.Value, find.TicketPrefixChars)}
}

// padStandIn keeps v's first keep bytes, fewer if needed to leave one '*'.
func padStandIn(v string, keep int) string {
	keep = min(keep, len(v)-1)
	return v[:keep] + strings.Repeat("*", len(v)-keep)
}

// coarseStandIn reports whether k, read from a row of encoding 1, is a
// stand-in of the first kind, padded with zeros, and returns what it says:
// two digits of a number, one character of a ticket.
func coarseStandIn(k norm.Key) (norm.Key, bool) {
	if k.Field == norm.FieldEmail || strings.IndexByte(k.Value, '*') >= 0 {
		return k, false
	}
	if k.Field == norm.FieldPhone {
		return norm.Key{Field: k.Field, Value: padStandIn(k.Value, 3)}, true
	}
	return norm.Key{Field: k.Field, Value: padStandIn(k.Value, 1)}, true
}

// Shape implements find.Shaper: nil until the store has seeds.
func (s *Store) Shape() *find.Shape { return s.shape.Load() }

var _ find.Shaper = (*Store)(nil)

// widenShapeLocked writes the shape row in tx when the stand-ins of Add's
// chunks add to it (added, from shapeAddedLocked), and publishes the wider
// Shape at once (admitting more than the registry holds is allowed; less is
// not). It returns what they added, for commitShapeLocked once the
// transaction has committed. The caller holds syncMu.
func (s *Store) widenShapeLocked(ctx context.Context, tx *sql.Tx, ks *keySet, added []norm.Key) ([]norm.Key, error) {
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

// shapeAddedLocked appends to added what rows add to the shape row that
// neither it nor added holds yet.
func (s *Store) shapeAddedLocked(added []norm.Key, rows []sealedSeed) []norm.Key {
	for i := range rows {
		for _, k := range rows[i].shape[:rows[i].n] {
			if !s.shapeKeys[k] && !slices.Contains(added, k) {
				added = append(added, k)
			}
		}
	}
	return added
}

// widenShape publishes the Shape admitting added too, with the index's
// filter in it so that the matcher drops most candidates without a Lookup.
func (s *Store) widenShape(added []norm.Key) {
	s.shape.Store(s.probed(s.shape.Load().With(added)))
}

// probed returns sh with the index's filter in it.
func (s *Store) probed(sh *find.Shape) *find.Shape {
	if sh != nil && sh.Keyed == nil {
		c := *sh
		c.Keyed = (*shapeProbe)(s.idx)
		sh = &c
	}
	return sh
}

// commitShapeLocked records that the shape row now holds added.
func (s *Store) commitShapeLocked(added []norm.Key) {
	for _, k := range added {
		s.shapeKeys[k] = true
	}
}

func (s *Store) writeShape(ctx context.Context, tx *sql.Tx, ks *keySet, keys []norm.Key) error {
	return s.writeShapeRow(ctx, tx, ks, encodeShape(shapeEncodingV2, keys))
}

// encodeShape returns the shape row's plaintext, its stand-ins sorted.
func encodeShape(encoding byte, keys []norm.Key) []byte {
	slices.SortFunc(keys, func(a, b norm.Key) int {
		if a.Field != b.Field {
			return int(a.Field) - int(b.Field)
		}
		return strings.Compare(a.Value, b.Value)
	})
	plain := []byte{encoding}
	plain = binary.AppendUvarint(plain, uint64(len(keys)))
	for _, k := range keys {
		plain = append(plain, byte(k.Field))
		plain = appendString(plain, k.Value)
	}
	return append(plain, make([]byte, padSize(len(plain), minSeedClass)-len(plain))...)
}

func (s *Store) writeShapeRow(ctx context.Context, tx *sql.Tx, ks *keySet, plain []byte) error {
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
	encoding, keys, err := decodeShape(plain)
	if err != nil {
		return false, fmt.Errorf("%w: shape: %v", ErrCorrupt, err)
	}
	if encoding == shapeEncodingV1 {
		s.coarseShape = true // numbers without their last digits: refine
	}
	var added []norm.Key
	for _, k := range keys {
		if encoding == shapeEncodingV1 {
			k, _ = coarseStandIn(k)
		}
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

// decodeShape returns the shape row's encoding and stand-ins.
func decodeShape(b []byte) (byte, []norm.Key, error) {
	d := decoder{b: b}
	encoding := d.byte()
	if encoding != shapeEncodingV1 && encoding != shapeEncodingV2 {
		return 0, nil, errBadRecord
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return 0, nil, errBadRecord
	}
	keys := make([]norm.Key, 0, n)
	for range n {
		k := norm.Key{Field: norm.Field(d.byte()), Value: d.string()}
		if d.err != nil || !validShapeKey(k) {
			return 0, nil, errBadRecord
		}
		keys = append(keys, k)
	}
	if d.err != nil || strings.Trim(string(d.b), "\x00") != "" {
		return 0, nil, errBadRecord
	}
	return encoding, keys, nil
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

// refineShape rewrites a shape row of encoding 1 (numbers without their last
// digits, or coarse stand-ins: see coarseStandIn) from the seeds, opening each once, and publishes the sharper Shape. Until
// it has run the Shape admits what the coarse row says, so a scan meanwhile
// is only slower.
func (s *Store) refineShape(ctx context.Context) error {
	s.syncMu.Lock()
	coarse := s.coarseShape
	s.syncMu.Unlock()
	if !coarse {
		return nil
	}
	ks := s.idx.keySet()
	s.regMu.Lock()
	defer s.regMu.Unlock()
	stand := map[norm.Key]bool{}
	err := s.write(ctx, "refining the shape summary", lockSeeds, func(tx *sql.Tx, _ *sql.Conn) error {
		for after := int64(0); ; {
			page, seqs, err := s.rotationPage(ctx, tx, ks, after)
			if err != nil {
				return err
			}
			for _, sd := range page {
				keys, _, _ := norm.SeedKeys(sd.Email, sd.Phone, sd.Ticket)
				for _, k := range keys {
					stand[shapeKey(k)] = true
				}
			}
			if len(page) < rotatePage {
				break
			}
			after = seqs[len(seqs)-1]
		}
		return s.writeShape(ctx, tx, ks, slices.Collect(maps.Keys(stand)))
	})
	if err != nil {
		return err
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	// A new Shape, not a wider one: the old stand-ins' bits cannot be taken
	// out of the shared prefix tables, nor can "any last digits". It admits every seed: the row
	// was rewritten from all of them under the writers' lock.
	s.shapeKeys = stand
	s.coarseShape = false
	s.shape.Store(s.probed((*find.Shape)(nil).With(slices.Collect(maps.Keys(stand)))))
	return nil
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
