package canary

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"iter"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/memindex"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Registry stores seeds and finds them by value.
//
// Implementations are safe for concurrent use, and adding seeds never blocks
// lookups for longer than it takes to publish a prepared batch. The package
// canarytest holds a conformance test every implementation should pass.
//
// Seeds stay in a registry once added: Retire marks a seed as no longer planted
// (it sets RetiredAt) but a retired seed is still found, because a copy of the
// data taken while it was planted can surface years later, and its values are
// never handed to another seed.
type Registry interface {
	// Add registers seeds, all or none. A seed whose ID, email or ticket has the
	// lookup key of one already registered, or of another seed in the same call, is
	// refused with an error wrapping ErrDuplicate; an invalid seed with one wrapping
	// ErrInvalidSeed, ErrInvalidEmail, ErrInvalidPhone or ErrInvalidTicket. On
	// error nothing was added. The registry keeps copies: callers may reuse seeds.
	Add(ctx context.Context, seeds ...Seed) error

	// Lookup returns the seeds whose field f has the given normalized value (as
	// returned by NormalizeEmail, NormalizePhone or NormalizeTicket), compared by
	// lookup key: the normalized value, for email without the dots of the local
	// part, so "j.smith@" finds "jsmith@". Several seeds can share a phone number. A value no seed has gives
	// (nil, nil). FieldName gives ErrUnsupportedField: names are not unique and
	// never alert on their own. Implementations must not retain value, and should
	// not allocate when nothing is found: the Matcher calls Lookup for every
	// candidate it sees. The caller owns the returned slice.
	Lookup(ctx context.Context, f Field, value string) ([]Seed, error)

	// Get returns the seed with that ID, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (Seed, error)

	// Seeds yields every seed, retired ones included, in the order added. The
	// sequence reflects the registry at some moment during the call; yielding
	// holds no lock, so the loop body may call the registry.
	Seeds(ctx context.Context) iter.Seq2[Seed, error]

	// Retire sets the seed's RetiredAt to at, leaving ExpiresAt as planned.
	// An unknown ID gives ErrNotFound.
	Retire(ctx context.Context, id uuid.UUID, at time.Time) error
}

// Validate reports whether s is a seed a registry can hold: an ID, a
// placement, a value to trip on, bounded fields and plausible times, and an
// email, phone (E.164, as the Generator emits it) and ticket that normalize.
// The error wraps ErrInvalidSeed, ErrInvalidEmail, ErrInvalidPhone or
// ErrInvalidTicket. Registries call it in Add.
func (s Seed) Validate() error {
	_, err := s.keys()
	return err
}

// keys validates s and returns the keys a registry indexes it under: its
// email, phone and ticket, each normalized and reduced to its lookup key.
func (s Seed) keys() ([]norm.Key, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	keys, field, reason := norm.SeedKeys(s.Email, s.Phone, s.Ticket)
	switch field {
	case norm.FieldEmail:
		return nil, fmt.Errorf("seed %s: %w %q: %s", s.ID, ErrInvalidEmail, norm.Clip(s.Email), reason)
	case norm.FieldPhone:
		return nil, fmt.Errorf("seed %s: %w %q: %s", s.ID, ErrInvalidPhone, norm.Clip(s.Phone), reason)
	case norm.FieldTicket:
		return nil, fmt.Errorf("seed %s: %w %q: %s", s.ID, ErrInvalidTicket, norm.Clip(s.Ticket), reason)
	}
	return keys, nil
}

// MemoryRegistry is a Registry held in memory. The zero value is not usable;
// call NewMemoryRegistry.
//
// It keeps each seed in a compact record, its text in a shared arena, and
// indexes IDs, emails and tickets in open-addressing tables of 8-byte slots
// that a hit confirms against the record: about 200 bytes a seed, and a miss
// costs one hash and a short probe.
type MemoryRegistry struct {
	addMu sync.Mutex // serializes writers so checks and inserts see one state

	mu         sync.RWMutex
	recs       recordChunks      // by ordinal, in the order added
	text       memindex.Texts    // each record's given and family name, email, phone, ticket
	placements []string          // record.placement indexes it
	placeIdx   map[string]uint32 // placement -> index
	hash       maphash.Seed
	byID       memindex.OrdTable // ordinal by ID
	email      memindex.OrdTable // by lookup key of the email: one seed each
	ticket     memindex.OrdTable // by normalized ticket: one seed each
	phone      map[string]uint32 // first ordinal with that number
	next       []uint32          // next ordinal sharing the number, or none
	shape      atomic.Pointer[find.Shape]
}

// record is a seed as MemoryRegistry holds it: times as Unix nanoseconds, the
// placement as an index; its text fields are in r.text under the same ordinal.
type record struct {
	id                        uuid.UUID
	placement                 uint32
	fields                    map[string]string
	created, planted, expires int64
	retired                   int64
}

// The text fields of a record, in arena order.
const (
	textGiven = iota
	textFamily
	textEmail
	textPhone
	textTicket
)

const (
	none   = ^uint32(0)
	noTime = math.MinInt64 // a zero time.Time
)

var (
	_ Registry    = (*MemoryRegistry)(nil)
	_ find.Shaper = (*MemoryRegistry)(nil)
)

// Shape summarizes what the registry holds, for the Matcher's prefilter.
func (r *MemoryRegistry) Shape() *find.Shape { return r.shape.Load() }

// NewMemoryRegistry returns an empty in-memory registry.
func NewMemoryRegistry() *MemoryRegistry {
	seed := maphash.MakeSeed()
	return &MemoryRegistry{
		placeIdx: make(map[string]uint32),
		hash:     seed,
		phone:    make(map[string]uint32),
	}
}

// find returns the ordinal of the seed whose field f has lookup key key. A
// hash match is confirmed against the record, so a collision is no hit: for
// an address, by comparing it with normalized (the address key was derived
// from, if known) or its key with key when it was planted in canonical
// form, else by normalizing it again into a stack buffer.
func (r *MemoryRegistry) find(f Field, key []byte, normalized string) (uint32, bool) {
	for p := r.index(f).Probe(maphash.Bytes(r.hash, key)); ; {
		o, ok := p.Next()
		if !ok {
			return 0, false
		}
		if f == FieldEmail && (normalized != "" && r.text.String(o, textEmail) == normalized || r.emailIsKey(o, key)) {
			return o, true
		}
		var buf [128]byte
		var k []byte
		if f == FieldEmail {
			k = r.emailKey(buf[:0], o)
		} else {
			k = r.ticketKey(buf[:0], o)
		}
		if bytes.Equal(k, key) {
			return o, true
		}
	}
}

// findID returns the ordinal of the seed with that ID.
func (r *MemoryRegistry) findID(id uuid.UUID) (uint32, bool) {
	for p := r.byID.Probe(maphash.Bytes(r.hash, id[:])); ; {
		o, ok := p.Next()
		if !ok {
			return 0, false
		}
		if r.recs.at(o).id == id {
			return o, true
		}
	}
}

// emailKey and ticketKey append the lookup keys of a stored record.
func (r *MemoryRegistry) emailKey(dst []byte, o uint32) []byte {
	start := len(dst)
	var buf [128]byte
	n, reason := norm.AppendEmail(buf[:0], r.text.String(o, textEmail))
	if reason != "" {
		return dst[:start]
	}
	return norm.AppendEmailKey(dst, stringOf(n))
}

func (r *MemoryRegistry) ticketKey(dst []byte, o uint32) []byte {
	t, _ := norm.AppendTicket(dst, r.text.String(o, textTicket))
	return t
}

func (r *MemoryRegistry) index(f Field) *memindex.OrdTable {
	if f == FieldEmail {
		return &r.email
	}
	return &r.ticket
}

// emailIsKey reports whether the record's email, as planted, is key once the
// dots of its local part are dropped: true for canonical addresses.
func (r *MemoryRegistry) emailIsKey(o uint32, key []byte) bool {
	var buf [128]byte
	return bytes.Equal(norm.AppendEmailKey(buf[:0], r.text.String(o, textEmail)), key)
}

// recordChunks stores records in fixed chunks, so a growing registry never
// holds a half-empty doubled array.
type recordChunks struct {
	chunks [][]record
	n      int
}

func (c *recordChunks) len() int { return c.n }

func (c *recordChunks) at(o uint32) *record {
	return &c.chunks[o/memindex.Chunk][o%memindex.Chunk]
}

func (c *recordChunks) append(r record) {
	if c.n%memindex.Chunk == 0 {
		c.chunks = append(c.chunks, make([]record, 0, memindex.Chunk))
	}
	last := len(c.chunks) - 1
	c.chunks[last] = append(c.chunks[last], r)
	c.n++
}

func packTime(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func unpackTime(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// seedLocked rebuilds the Seed of ordinal o, its own copy of Fields
// included; the caller holds mu.
func (r *MemoryRegistry) seedLocked(o uint32) Seed {
	var s Seed
	r.sharedSeedLocked(&s, o)
	s.Fields = maps.Clone(s.Fields)
	return s
}

// sharedSeedLocked is seedLocked with the record's own Fields map, which
// is never written after Add: for the Matcher's scratch hits, which are
// read and copied, never changed (Matcher.MatchFunc). It writes into s: a
// Seed is a few hundred bytes, built where it is kept.
func (r *MemoryRegistry) sharedSeedLocked(s *Seed, o uint32) {
	rec := r.recs.at(o)
	text := r.text.All(o)
	*s = Seed{
		ID:        rec.id,
		Placement: r.placements[rec.placement],
		Name:      Name{Given: text[textGiven], Family: text[textFamily]},
		Email:     text[textEmail],
		Phone:     text[textPhone],
		Ticket:    text[textTicket],
		Fields:    rec.fields,
		CreatedAt: unpackTime(rec.created),
		PlantedAt: unpackTime(rec.planted),
		ExpiresAt: unpackTime(rec.expires),
		RetiredAt: unpackTime(rec.retired),
	}
}

// Len returns the number of seeds registered.
func (r *MemoryRegistry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.recs.len()
}

// publishBatch bounds how long one Add holds the write lock, so that a large
// Add delays concurrent lookups by microseconds, not seconds.
const publishBatch = memindex.PublishBatch

// Add implements Registry.
func (r *MemoryRegistry) Add(ctx context.Context, seeds ...Seed) error {
	// Validation and normalization, the costly part, run before any lock.
	keys := make([][]norm.Key, len(seeds))
	batch := make(map[any]uuid.UUID, 3*len(seeds))
	for i, s := range seeds {
		k, err := s.keys()
		if err != nil {
			return err
		}
		if other, dup := batch[s.ID]; dup {
			return fmt.Errorf("%w: ID %s given twice", ErrDuplicate, other)
		}
		batch[s.ID] = s.ID
		for _, key := range k {
			if key.Field == norm.FieldPhone {
				continue
			}
			if other, dup := batch[key]; dup {
				return fmt.Errorf("%w: seeds %s and %s share a %s", ErrDuplicate, other, s.ID, Field(key.Field))
			}
			batch[key] = s.ID
		}
		keys[i] = k
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	r.addMu.Lock()
	defer r.addMu.Unlock()
	r.mu.RLock()
	for i, s := range seeds {
		if _, dup := r.findID(s.ID); dup {
			r.mu.RUnlock()
			return fmt.Errorf("%w: ID %s already registered", ErrDuplicate, s.ID)
		}
		for _, key := range keys[i] {
			if key.Field == norm.FieldPhone {
				continue
			}
			if o, dup := r.find(Field(key.Field), []byte(key.Value), ""); dup {
				r.mu.RUnlock()
				return fmt.Errorf("%w: seed %s has the %s of seed %s", ErrDuplicate, s.ID, Field(key.Field), r.recs.at(o).id)
			}
		}
	}
	r.mu.RUnlock()

	// Past this point nothing can fail: the batch goes in whole. The shape
	// admits the batch before any of it can be found.
	sh := r.shape.Load()
	for _, k := range keys {
		sh = sh.With(k)
	}
	r.shape.Store(r.withFilters(sh, keys))
	for lo := 0; lo < len(seeds); lo += publishBatch {
		hi := min(lo+publishBatch, len(seeds))
		r.mu.Lock()
		for i := lo; i < hi; i++ {
			r.insertLocked(seeds[i], keys[i])
		}
		r.mu.Unlock()
	}
	return nil
}

func (r *MemoryRegistry) insertLocked(s Seed, keys []norm.Key) {
	o := uint32(r.recs.len())
	p, ok := r.placeIdx[s.Placement]
	if !ok {
		p = uint32(len(r.placements))
		r.placements = append(r.placements, s.Placement)
		r.placeIdx[s.Placement] = p
	}
	r.recs.append(record{
		id: s.ID, placement: p,
		fields:  maps.Clone(s.Fields),
		created: packTime(s.CreatedAt), planted: packTime(s.PlantedAt), expires: packTime(s.ExpiresAt),
		retired: packTime(s.RetiredAt),
	})
	r.text.Append([memindex.TextFields]string{s.Name.Given, s.Name.Family, s.Email, s.Phone, s.Ticket}) // Seed.validate bounds each below MaxText
	r.next = append(r.next, none)
	r.byID.Insert(maphash.Bytes(r.hash, s.ID[:]), o)
	for _, k := range keys {
		if k.Field != norm.FieldPhone {
			r.index(Field(k.Field)).Insert(maphash.String(r.hash, k.Value), o)
			continue
		}
		if head, ok := r.phone[k.Value]; ok {
			// Append at the tail so Lookup returns seeds in the order added.
			for r.next[head] != none {
				head = r.next[head]
			}
			r.next[head] = o
		} else {
			r.phone[k.Value] = o
		}
	}
}

// Lookup implements Registry.
func (r *MemoryRegistry) Lookup(ctx context.Context, f Field, value string) ([]Seed, error) {
	switch f {
	case FieldEmail, FieldTicket, FieldPhone:
		return r.appendLookup(nil, f, value, false), nil
	case FieldName:
		return nil, fmt.Errorf("%w: lookup by %s", ErrUnsupportedField, f)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedField, f)
}

// appendLookup appends the seeds Lookup would return to dst, so the Matcher
// can reuse one slice across candidates. With shared, the seeds keep the
// records' own Fields maps (sharedSeedLocked), and the caller must not write them.
func (r *MemoryRegistry) appendLookup(dst []Seed, f Field, value string, shared bool) []Seed {
	var buf [128]byte
	seed := func(dst []Seed, o uint32) []Seed {
		dst = slices.Grow(dst, 1)[:len(dst)+1]
		s := &dst[len(dst)-1]
		r.sharedSeedLocked(s, o)
		if !shared {
			s.Fields = maps.Clone(s.Fields)
		}
		return dst
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if f == FieldPhone {
		for o, ok := r.phone[value]; ok && o != none; o = r.next[o] {
			dst = seed(dst, o)
		}
		return dst
	}
	if f == FieldEmail {
		key := norm.AppendEmailKey(buf[:0], value)
		if o, ok := r.find(f, key, value); ok {
			dst = seed(dst, o)
		}
		return dst
	}
	if o, ok := r.find(f, append(buf[:0], value...), ""); ok {
		dst = seed(dst, o)
	}
	return dst
}

// Get implements Registry.
func (r *MemoryRegistry) Get(ctx context.Context, id uuid.UUID) (Seed, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	o, ok := r.findID(id)
	if !ok {
		return Seed{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return r.seedLocked(o), nil
}

// Seeds implements Registry.
func (r *MemoryRegistry) Seeds(ctx context.Context) iter.Seq2[Seed, error] {
	return func(yield func(Seed, error) bool) {
		r.mu.RLock()
		n := r.recs.len()
		r.mu.RUnlock()
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				yield(Seed{}, err)
				return
			}
			r.mu.RLock()
			s := r.seedLocked(uint32(i))
			r.mu.RUnlock()
			if !yield(s, nil) {
				return
			}
		}
	}
}

// Retire implements Registry.
func (r *MemoryRegistry) Retire(ctx context.Context, id uuid.UUID, at time.Time) error {
	if at.IsZero() || at.Year() < 1900 || at.Year() > 2200 {
		return fmt.Errorf("%w: retirement time %v", ErrInvalidInput, at)
	}
	r.addMu.Lock()
	defer r.addMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.findID(id)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	r.recs.at(o).retired = packTime(at)
	return nil
}
