package sqlstore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// lockSeeds is what registry writers lock on PostgreSQL: one table is enough to
// order them, since only they write the seed tables.
var lockSeeds = []string{"honeyseed_seeds"}

// sealedSeed is a seed ready for its row: validated, blinded and sealed.
type sealedSeed struct {
	id     uuid.UUID
	idMAC  mac
	n      int
	keys   [3]mac // keys[:n]: MACs of the lookup keys from norm.SeedKeys
	tags   [3]uint64
	fields [3]canary.Field
	shape  [3]norm.Key // what each key adds to the Shape (see shapeKey)
	args   [4]any      // id_mac, keys, sealed, tags: boxed by the sealing workers, not the inserter
}

func (ks *keySet) sealSeed(s canary.Seed, buf *[]byte) (sealedSeed, error) {
	if err := s.Validate(); err != nil {
		return sealedSeed{}, fmt.Errorf("sqlstore: %w", err)
	}
	keys, _, _ := norm.SeedKeys(s.Email, s.Phone, s.Ticket) // valid: Validate normalized them
	r := sealedSeed{id: s.ID, idMAC: ks.idMAC(domainSeedID, s.ID)}
	for _, k := range keys {
		f := canary.Field(k.Field)
		var ok bool
		if r.keys[r.n], ok = ks.keyMAC(f, k.Value); !ok {
			return sealedSeed{}, fmt.Errorf("sqlstore: %w: seed %s: %s of %d bytes", canary.ErrInvalidSeed, s.ID, f, len(k.Value))
		}
		r.tags[r.n], _ = ks.tag(f, k.Value)
		r.fields[r.n], r.shape[r.n] = f, shapeKey(k)
		r.n++
	}
	*buf = appendSeed((*buf)[:0], s)
	// One allocation holds the three columns the row needs.
	cols := make([]byte, 0, r.n*(len(mac{})+8)+len(*buf)+ks.aead.Overhead())
	cols = r.appendKeys(cols)
	nkeys := len(cols)
	cols = appendTags(cols, r.tags[:r.n])
	ntags := len(cols)
	cols = ks.seal(cols, kindSeed, r.idMAC, "", *buf)
	r.args = [4]any{r.idMAC[:], cols[:nkeys:nkeys], cols[ntags:], cols[nkeys:ntags:ntags]}
	return r, nil
}

// appendTags appends the tags column: 8 bytes each, little-endian, sorted
// like the keys so that their order says nothing.
func appendTags(b []byte, tags []uint64) []byte {
	sorted := slices.Clone(tags)
	slices.Sort(sorted)
	for _, t := range sorted {
		b = binary.LittleEndian.AppendUint64(b, t)
	}
	return b
}

// appendKeys appends the keys column: the MACs sorted, so that their order
// does not say which field each blinds.
func (r *sealedSeed) appendKeys(b []byte) []byte {
	sorted := r.keys
	slices.SortFunc(sorted[:r.n], func(a, b mac) int { return bytes.Compare(a[:], b[:]) })
	for _, k := range sorted[:r.n] {
		b = append(b, k[:]...)
	}
	return b
}

// sealChunk is how many seeds one worker validates and seals at a time.
const sealChunk = 512

type sealedChunk struct {
	rows []sealedSeed
	err  error
	done chan struct{}
}

// sealAhead is how many chunks per core sealing may run ahead of the
// inserts: enough to keep every core busy, few enough that a batch of ten
// million seeds is never sealed whole in memory.
const sealAhead = 4

// sealAll validates and seals seeds on every core, chunk by chunk, so that the
// caller can insert the first chunks while later ones are sealed. The caller
// receives from ahead once it has inserted a chunk: sealing stays that many
// chunks ahead. wait returns once no worker reads seeds any more; cancel ctx
// first.
func (ks *keySet) sealAll(ctx context.Context, seeds []canary.Seed) (chunks []*sealedChunk, ahead <-chan struct{}, wait func()) {
	chunks = make([]*sealedChunk, (len(seeds)+sealChunk-1)/sealChunk)
	for i := range chunks {
		chunks[i] = &sealedChunk{done: make(chan struct{})}
	}
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		tokens = make(chan struct{}, sealAhead*runtime.GOMAXPROCS(0))
	)
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			var buf []byte
			for {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done(): // the inserter stopped waiting
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(chunks) {
					return
				}
				c := chunks[i]
				if err := ctx.Err(); err != nil {
					c.err = fmt.Errorf("sqlstore: adding seeds: %w", err)
				}
				part := seeds[i*sealChunk : min(len(seeds), (i+1)*sealChunk)]
				c.rows = make([]sealedSeed, len(part))
				for j := 0; j < len(part) && c.err == nil; j++ {
					c.rows[j], c.err = ks.sealSeed(part[j], &buf)
				}
				close(c.done)
			}
		})
	}
	return chunks, tokens, wg.Wait
}

// testHookChunkInserted, when set by a test, runs after each chunk of Add's
// inserts, inside the transaction.
var testHookChunkInserted func()

// Add implements canary.Registry. The batch goes in one transaction; seeds are
// sealed in parallel while earlier ones are inserted. Duplicates are checked
// against every seed in the database, including those other processes added
// since the last refresh.
func (s *Store) Add(ctx context.Context, seeds ...canary.Seed) error {
	return s.AddWithOptions(ctx, AddOptions{}, seeds...)
}

// AddOptions configures [Store.AddWithOptions]. The zero value adds as
// [Store.Add] does.
type AddOptions struct {
	// Progress, if set, is told how many seeds of the batch have been
	// written so far, for a progress display: an increasing count, the last
	// call with len(seeds) once every row is written and before the commit.
	// The rows it counts are inside the batch's transaction: if the Add
	// fails, none of them is kept, whatever Progress was told. It is called
	// on the goroutine that called AddWithOptions, with the store's write
	// locks held, so it must return quickly and must not call the Store.
	Progress func(done int)
}

// AddWithOptions is [Store.Add] with options: it is as atomic, the whole
// batch or nothing, and reports its progress to opts.Progress.
func (s *Store) AddWithOptions(ctx context.Context, opts AddOptions, seeds ...canary.Seed) error {
	progress := opts.Progress
	if progress == nil {
		progress = func(int) {}
	}
	if err := s.usable(); err != nil {
		return err
	}
	if len(seeds) == 0 {
		return nil
	}
	s.regMu.Lock()
	defer s.regMu.Unlock()
	ks := s.idx.keySet() // under regMu: Rotate cannot swap it mid-batch
	ctx, cancel := context.WithCancel(ctx)
	chunks, ahead, wait := ks.sealAll(ctx, seeds)
	defer wait()
	defer cancel() // runs first: remaining chunks stop early on error

	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	var base int64 // the seq before the batch's first
	reserved := 0  // seeds of the batch pending in the index
	var shapeAdded []norm.Key
	rowsKept := true // every reserved chunk still has its rows, for abandon
	err := s.write(ctx, "adding seeds", lockSeeds, func(tx *sql.Tx, conn *sql.Conn) error {
		if err := s.catchUpLocked(ctx, tx); err != nil {
			return err
		}
		base = s.idx.visibleSeq()
		if base+int64(len(seeds)) > maxSeq {
			return fmt.Errorf("sqlstore: %w: a registry holds at most %d seeds; it has %d, and the batch %d", canary.ErrInvalidInput, int64(maxSeq), base, len(seeds))
		}
		// Room in the filter for the batch's tags, at most three a seed, so
		// that it stays as selective while the batch goes in.
		if err := s.refitFilterLocked(ctx, tx, 3*len(seeds)); err != nil {
			return err
		}
		s.idx.roomFor(len(seeds))
		var ins rowWriter = &seedInserter{ctx: ctx, tx: tx, d: s.dialect}
		if s.dialect.postgres {
			ins = &seedCopier{ctx: ctx, conn: conn}
		}
		defer ins.close()
		for ci, c := range chunks {
			select {
			case <-c.done:
			case <-ctx.Done():
				return fmt.Errorf("sqlstore: adding seeds: %w", ctx.Err())
			}
			if c.err != nil {
				return c.err
			}
			n, err := s.reserve(ctx, tx, c.rows, base+int64(ci*sealChunk), seeds)
			reserved += n
			if err != nil {
				return err
			}
			for j := range c.rows {
				if err := ins.add(base+int64(ci*sealChunk+j)+1, &c.rows[j]); err != nil {
					return err
				}
				c.rows[j].args = [4]any{} // the inserter holds them until flushed
			}
			if err := s.writePacked(ctx, tx, "adding seeds", sealedEntries(base+int64(ci*sealChunk)+1, c.rows)); err != nil {
				return err
			}
			shapeAdded = s.shapeAddedLocked(shapeAdded, c.rows)
			if ci >= keepRowsChunks {
				// A large batch keeps no rows it has written, so that its
				// memory stays that of the chunks in flight; abandon then
				// sweeps the index instead.
				c.rows, rowsKept = nil, false
			}
			<-ahead
			if testHookChunkInserted != nil {
				testHookChunkInserted()
			}
			if done := (ci + 1) * sealChunk; done < len(seeds) {
				progress(done) // the last count waits for the flush
			}
		}
		if err := ins.flush(); err != nil {
			return err
		}
		progress(len(seeds))
		var err error
		shapeAdded, err = s.widenShapeLocked(ctx, tx, ks, shapeAdded)
		return err
	})
	if err != nil {
		s.abandon(chunks, base, reserved, rowsKept)
		return err
	}
	s.idx.commit(base + int64(len(seeds)))
	s.commitShapeLocked(shapeAdded)
	return nil
}

// reserve adds the rows of one chunk, whose first seq is after+1, to the index
// as pending, and returns how many it added. It stops at a row whose ID,
// email or ticket is already registered or earlier in the batch. Phone numbers
// may be shared.
func (s *Store) reserve(ctx context.Context, tx *sql.Tx, rows []sealedSeed, after int64, seeds []canary.Seed) (int, error) {
	s.idx.mu.Lock()
	visible := s.idx.visible
	var (
		j     int
		clash int64
		field canary.Field
	)
	for j = range rows {
		if clash, field = s.idx.reserveLocked(after+int64(j)+1, &rows[j]); clash != 0 {
			break
		}
	}
	s.idx.mu.Unlock()
	if clash == 0 {
		return len(rows), nil
	}
	r := &rows[j]
	what := "ID"
	if field != 0 {
		what = field.String()
	}
	switch {
	case clash > visible: // pending: an earlier seed of this batch
		return j, fmt.Errorf("sqlstore: %w: seeds %s and %s of the batch have the same %s", canary.ErrDuplicate, seeds[clash-visible-1].ID, r.id, what)
	case field == 0:
		return j, fmt.Errorf("sqlstore: %w: ID %s already registered", canary.ErrDuplicate, r.id)
	}
	return j, fmt.Errorf("sqlstore: %w: seed %s has the %s of seed %s", canary.ErrDuplicate, r.id, what, s.describeSeq(ctx, tx, clash))
}

// keepRowsChunks is how many chunks of a batch keep their sealed rows once
// written, so that a failed batch of up to that many is taken out of the
// index row by row; a larger one is swept out of it, which costs about what
// writing that many rows did.
var keepRowsChunks = 64

// abandon removes a failed batch's pending entries from the index: from
// their rows, if the chunks kept them, else by sweeping the index.
func (s *Store) abandon(chunks []*sealedChunk, base int64, reserved int, rowsKept bool) {
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	if !rowsKept {
		s.idx.abandonAfterLocked(base)
		return
	}
	for i := reserved - 1; i >= 0; i-- {
		s.idx.abandonLocked(base+int64(i)+1, &chunks[i/sealChunk].rows[i%sealChunk])
	}
}

// describeSeq names the seed at seq in an error message: its ID if it opens.
func (s *Store) describeSeq(ctx context.Context, q querier, seq int64) string {
	if sd, err := s.readSeed(ctx, q, s.idx.keySet(), seq, nil); err == nil {
		return sd.ID.String()
	}
	return fmt.Sprintf("in row %d", seq)
}

// rowWriter writes seed rows inside Add's transaction, in batches.
type rowWriter interface {
	add(seq int64, r *sealedSeed) error
	flush() error
	close()
}

// copyRows is how many rows one COPY carries on PostgreSQL.
const copyRows = 4096

// seedCopier writes seed rows with PostgreSQL's binary COPY, which costs the
// server a fraction of what INSERT statements do. It runs on the connection
// of Add's transaction, so the rows are part of it.
type seedCopier struct {
	ctx  context.Context
	conn *sql.Conn
	rows [][]any
}

func (c *seedCopier) add(seq int64, r *sealedSeed) error {
	c.rows = append(c.rows, []any{seq, r.args[0], r.args[1], r.args[2], r.args[3]})
	if len(c.rows) == copyRows {
		return c.flush()
	}
	return nil
}

func (c *seedCopier) flush() error {
	if len(c.rows) == 0 {
		return nil
	}
	err := c.conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx's", dc)
		}
		_, err := pc.Conn().CopyFrom(c.ctx, pgx.Identifier{"honeyseed_seeds"}, []string{"seq", "id_mac", "keys", "sealed", "tags"}, pgx.CopyFromRows(c.rows))
		return err
	})
	clear(c.rows)
	c.rows = c.rows[:0]
	if err != nil {
		return dbError("adding seeds", err)
	}
	return nil
}

func (c *seedCopier) close() {}

// insertRows is how many rows one INSERT statement carries: enough to make the
// per-statement cost small, few enough for both engines' parameter limits.
const insertRows = 256

type seedInserter struct {
	ctx  context.Context
	tx   *sql.Tx
	d    dialect
	full *sql.Stmt
	args []any
	n    int
}

func (in *seedInserter) add(seq int64, r *sealedSeed) error {
	in.args = append(in.args, seq, r.args[0], r.args[1], r.args[2], r.args[3])
	if in.n++; in.n == insertRows {
		return in.flush()
	}
	return nil
}

func (in *seedInserter) flush() error {
	if in.n == 0 {
		return nil
	}
	var err error
	if in.n == insertRows && in.full == nil {
		in.full, err = in.tx.PrepareContext(in.ctx, insertSeedsSQL(in.d, insertRows))
	}
	if err == nil && in.n == insertRows {
		_, err = in.full.ExecContext(in.ctx, in.args...)
	} else if err == nil {
		_, err = in.tx.ExecContext(in.ctx, insertSeedsSQL(in.d, in.n), in.args...)
	}
	clear(in.args)
	in.args, in.n = in.args[:0], 0
	if err != nil {
		return dbError("adding seeds", err)
	}
	return nil
}

func (in *seedInserter) close() {
	if in.full != nil {
		in.full.Close()
	}
}

func insertSeedsSQL(d dialect, rows int) string {
	var b bytes.Buffer
	b.WriteString("INSERT INTO honeyseed_seeds (seq, id_mac, keys, sealed, tags) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?)")
	}
	return d.q(b.String())
}

// Lookup implements canary.Registry. A value no seed has is answered from the
// in-memory index, without the database and without allocating; a hit reads
// and opens the seed's row, or takes it from the cache. Seeds added by other
// processes are found once a refresh has indexed them.
func (s *Store) Lookup(ctx context.Context, f canary.Field, value string) ([]canary.Seed, error) {
	switch f {
	case canary.FieldEmail, canary.FieldPhone, canary.FieldTicket:
	default:
		return nil, fmt.Errorf("sqlstore: %w: lookup by %s", canary.ErrUnsupportedField, f)
	}
	if err := s.usable(); err != nil {
		return nil, err
	}
	var buf [4]int64
	ks, k, seqs := s.idx.find(f, value, buf[:0])
	if len(seqs) == 0 {
		return nil, nil
	}
	out := make([]canary.Seed, 0, len(seqs))
	for _, seq := range seqs {
		sd, err := s.seedAt(ctx, ks, seq, &k)
		if err != nil {
			if s.idx.keySet() != ks { // Rotate ran meanwhile: ask again with the new keys
				return s.Lookup(ctx, f, value)
			}
			return nil, s.explain(ctx, err)
		}
		out = append(out, sd)
	}
	return out, nil
}

// Get implements canary.Registry. An ID this store has not indexed yet makes it
// refresh once before answering ErrNotFound, so that a seed another process
// just added is found.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (canary.Seed, error) {
	if err := s.usable(); err != nil {
		return canary.Seed{}, err
	}
	ks := s.idx.keySet()
	idm := ks.idMAC(domainSeedID, id)
	seq, ok := s.idx.seqOfID(idm)
	if !ok {
		if err := s.Refresh(ctx); err != nil {
			return canary.Seed{}, err
		}
		if seq, ok = s.idx.seqOfID(idm); !ok {
			if s.idx.keySet() != ks {
				return s.Get(ctx, id)
			}
			return canary.Seed{}, fmt.Errorf("sqlstore: %w: %s", canary.ErrNotFound, id)
		}
	}
	sd, err := s.seedAt(ctx, ks, seq, nil)
	if err != nil {
		if s.idx.keySet() != ks {
			return s.Get(ctx, id)
		}
		return canary.Seed{}, s.explain(ctx, err)
	}
	return sd, nil
}

// seedAt returns the seed in row seq, from the cache or the database. want, if
// set, is the key the row must carry.
func (s *Store) seedAt(ctx context.Context, ks *keySet, seq int64, want *mac) (canary.Seed, error) {
	if sd, ok := s.cache.get(seq); ok {
		return sd, nil
	}
	epoch := s.cache.snapshot()
	sd, err := s.readSeed(ctx, s.db, ks, seq, want)
	if err != nil {
		return canary.Seed{}, err
	}
	s.cache.put(seq, sd, epoch)
	return sd, nil
}

// readSeed reads and opens row seq.
func (s *Store) readSeed(ctx context.Context, q querier, ks *keySet, seq int64, want *mac) (canary.Seed, error) {
	var idm, keys, sealed []byte
	var err error
	if q == querier(s.db) {
		err = s.bySeq.QueryRowContext(ctx, seq).Scan(&idm, &keys, &sealed)
	} else {
		err = q.QueryRowContext(ctx, s.dialect.q(`SELECT id_mac, keys, sealed FROM honeyseed_seeds WHERE seq = ?`), seq).Scan(&idm, &keys, &sealed)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return canary.Seed{}, fmt.Errorf("%w: indexed seed row %d is missing", ErrCorrupt, seq)
	}
	if err != nil {
		return canary.Seed{}, dbError("reading seed", err)
	}
	if want != nil && !containsMAC(keys, *want) {
		return canary.Seed{}, fmt.Errorf("%w: seed row %d does not carry the key it is indexed under", ErrCorrupt, seq)
	}
	return openSeed(ks, seq, idm, sealed)
}

func openSeed(ks *keySet, seq int64, idm, sealed []byte) (canary.Seed, error) {
	if len(idm) != len(mac{}) {
		return canary.Seed{}, fmt.Errorf("%w: seed row %d has a malformed ID MAC", ErrCorrupt, seq)
	}
	plain, err := ks.open(kindSeed, mac(idm), "", sealed)
	if err != nil {
		return canary.Seed{}, fmt.Errorf("%w (seed row %d)", err, seq)
	}
	sd, err := decodeSeed(plain)
	if err != nil {
		return canary.Seed{}, fmt.Errorf("%w: seed row %d: %v", ErrCorrupt, seq, err)
	}
	if got := ks.idMAC(domainSeedID, sd.ID); !hmac.Equal(got[:], idm) {
		return canary.Seed{}, fmt.Errorf("%w: seed row %d holds the seed of another row", ErrCorrupt, seq)
	}
	return sd, nil
}

// containsMAC reports whether the keys column holds k.
func containsMAC(keys []byte, k mac) bool {
	found := false
	for i := 0; i+len(k) <= len(keys); i += len(k) {
		found = hmac.Equal(keys[i:i+len(k)], k[:]) || found
	}
	return found
}

// seedPageSize is how many rows Seeds reads per query; no connection is held
// while the caller's loop body runs.
const seedPageSize = 256

// Seeds implements canary.Registry. Seeds added while the loop runs may or may
// not be yielded.
func (s *Store) Seeds(ctx context.Context) iter.Seq2[canary.Seed, error] {
	return func(yield func(canary.Seed, error) bool) {
		var after int64
		for {
			if err := s.usable(); err != nil {
				yield(canary.Seed{}, err)
				return
			}
			ks := s.idx.keySet()
			page, last, err := s.seedPage(ctx, ks, after)
			if err != nil && s.idx.keySet() != ks {
				page, last, err = s.seedPage(ctx, s.idx.keySet(), after)
			}
			if err != nil {
				yield(canary.Seed{}, s.explain(ctx, err))
				return
			}
			for _, sd := range page {
				if !yield(sd, nil) {
					return
				}
			}
			if len(page) < seedPageSize {
				return
			}
			after = last
		}
	}
}

func (s *Store) seedPage(ctx context.Context, ks *keySet, after int64) ([]canary.Seed, int64, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT seq, id_mac, sealed FROM honeyseed_seeds WHERE seq > ? ORDER BY seq LIMIT ?`), after, seedPageSize)
	if err != nil {
		return nil, 0, dbError("listing seeds", err)
	}
	defer rows.Close()
	page := make([]canary.Seed, 0, seedPageSize)
	var last int64
	for rows.Next() {
		var idm, sealed sql.RawBytes
		if err := rows.Scan(&last, &idm, &sealed); err != nil {
			return nil, 0, dbError("listing seeds", err)
		}
		sd, err := openSeed(ks, last, idm, sealed)
		if err != nil {
			return nil, 0, err
		}
		page = append(page, sd)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("listing seeds", err)
	}
	return page, last, nil
}

// Retire implements canary.Registry. The seed is re-sealed with its new
// RetiredAt, and the change is logged so that other processes drop their
// cached copy at their next refresh.
func (s *Store) Retire(ctx context.Context, id uuid.UUID, at time.Time) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	ks := s.idx.keySet()
	idm := ks.idMAC(domainSeedID, id)
	var seq int64
	err := s.write(ctx, "retiring seed", lockSeeds, func(tx *sql.Tx, _ *sql.Conn) error {
		if err := s.catchUpLocked(ctx, tx); err != nil {
			return err
		}
		var ok bool
		if seq, ok = s.idx.seqOfID(idm); !ok {
			return fmt.Errorf("sqlstore: %w: %s", canary.ErrNotFound, id)
		}
		sd, err := s.readSeed(ctx, tx, ks, seq, nil)
		if err != nil {
			return err
		}
		sd.RetiredAt = at
		sealed := ks.seal(nil, kindSeed, idm, "", appendSeed(nil, sd))
		if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE honeyseed_seeds SET sealed = ? WHERE seq = ?`), sealed, seq); err != nil {
			return dbError("retiring seed", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO honeyseed_seed_changes (rev, seq) VALUES (?, ?)`), s.rev+1, seq); err != nil {
			return dbError("retiring seed", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.rev++
	s.cache.invalidate(seq)
	return nil
}
