package canary

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Registry stores seeds and finds them by value.
//
// Implementations are safe for concurrent use, and adding seeds never blocks
// lookups for longer than it takes to publish a prepared batch. The package
// canarytest holds a conformance test every implementation should pass.
//
// Seeds stay in a registry once added: Retire marks a seed as no longer planted
// (it sets ExpiresAt) but a retired seed is still found, because a copy of the
// data taken while it was planted can surface years later, and its values are
// never handed to another seed.
type Registry interface {
	// Add registers seeds, all or none. A seed whose ID, email or ticket has the
	// LookupKey of one already registered, or of another seed in the same call, is
	// refused with an error wrapping ErrDuplicate; an invalid seed with one wrapping
	// ErrInvalidSeed, ErrInvalidEmail, ErrInvalidPhone or ErrInvalidTicket. On
	// error nothing was added. The registry keeps copies: callers may reuse seeds.
	Add(ctx context.Context, seeds ...Seed) error

	// Lookup returns the seeds whose field f has the given normalized value (as
	// returned by NormalizeEmail, NormalizePhone or NormalizeTicket), compared by
	// LookupKey. Several seeds can share a phone number. A value no seed has gives
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

	// Retire sets the seed's ExpiresAt to at. An unknown ID gives ErrNotFound.
	Retire(ctx context.Context, id uuid.UUID, at time.Time) error
}

// Key is one value a registry indexes a seed under.
type Key struct {
	Field Field
	Value string // LookupKey of the normalized value
}

// Keys validates s and returns the keys a registry indexes it under: its email,
// phone and ticket, each normalized and passed through LookupKey. The phone must
// already be in E.164 form, as the Generator emits it.
func (s Seed) Keys() ([]Key, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	keys := make([]Key, 0, 3)
	if s.Email != "" {
		e, err := NormalizeEmail(s.Email)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.ID, err)
		}
		keys = append(keys, Key{FieldEmail, LookupKey(FieldEmail, e)})
	}
	if s.Phone != "" {
		if !canonicalE164(s.Phone) {
			p, err := NormalizePhone(s.Phone, "")
			if err != nil {
				return nil, fmt.Errorf("seed %s: %w", s.ID, err)
			}
			if p != s.Phone {
				return nil, fmt.Errorf("seed %s: %w %q: not in E.164 form (%s)", s.ID, ErrInvalidPhone, s.Phone, p)
			}
		}
		keys = append(keys, Key{FieldPhone, s.Phone})
	}
	if s.Ticket != "" {
		t, err := NormalizeTicket(s.Ticket)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.ID, err)
		}
		keys = append(keys, Key{FieldTicket, t})
	}
	return keys, nil
}

// MemoryRegistry is a Registry held in memory. The zero value is not usable;
// call NewMemoryRegistry.
type MemoryRegistry struct {
	addMu sync.Mutex // serializes writers so checks and inserts see one state

	mu     sync.RWMutex
	seeds  []Seed               // by ordinal, in the order added
	byID   map[uuid.UUID]uint32 // ordinal
	email  map[string]uint32    // LookupKey of the email: one seed each
	ticket map[string]uint32    // normalized ticket: one seed each
	phone  map[string]uint32    // first ordinal with that number
	next   []uint32             // next ordinal sharing the number, or none
}

const none = ^uint32(0)

var _ Registry = (*MemoryRegistry)(nil)

// NewMemoryRegistry returns an empty in-memory registry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{
		byID:   make(map[uuid.UUID]uint32),
		email:  make(map[string]uint32),
		ticket: make(map[string]uint32),
		phone:  make(map[string]uint32),
	}
}

// Len returns the number of seeds registered.
func (r *MemoryRegistry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.seeds)
}

// publishBatch bounds how long one Add holds the write lock, so that a large
// Add delays concurrent lookups by microseconds, not seconds.
const publishBatch = 4096

// Add implements Registry.
func (r *MemoryRegistry) Add(ctx context.Context, seeds ...Seed) error {
	// Validation and normalization, the costly part, run before any lock.
	prepared := make([]Seed, len(seeds))
	keys := make([][]Key, len(seeds))
	batch := make(map[any]uuid.UUID, 3*len(seeds))
	for i, s := range seeds {
		k, err := s.Keys()
		if err != nil {
			return err
		}
		if other, dup := batch[s.ID]; dup {
			return fmt.Errorf("%w: ID %s given twice", ErrDuplicate, other)
		}
		batch[s.ID] = s.ID
		for _, key := range k {
			if key.Field == FieldPhone {
				continue
			}
			if other, dup := batch[key]; dup {
				return fmt.Errorf("%w: seeds %s and %s share a %s", ErrDuplicate, other, s.ID, key.Field)
			}
			batch[key] = s.ID
		}
		prepared[i], keys[i] = s.Clone(), k
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	r.addMu.Lock()
	defer r.addMu.Unlock()
	r.mu.RLock()
	for _, s := range prepared {
		if _, dup := r.byID[s.ID]; dup {
			r.mu.RUnlock()
			return fmt.Errorf("%w: ID %s already registered", ErrDuplicate, s.ID)
		}
	}
	for i, k := range keys {
		for _, key := range k {
			if key.Field == FieldPhone {
				continue
			}
			if o, dup := r.uniqueIndex(key.Field)[key.Value]; dup {
				r.mu.RUnlock()
				return fmt.Errorf("%w: seed %s has the %s of seed %s", ErrDuplicate, prepared[i].ID, key.Field, r.seeds[o].ID)
			}
		}
	}
	r.mu.RUnlock()

	// Past this point nothing can fail: the batch goes in whole.
	for lo := 0; lo < len(prepared); lo += publishBatch {
		hi := min(lo+publishBatch, len(prepared))
		r.mu.Lock()
		for i := lo; i < hi; i++ {
			r.insertLocked(prepared[i], keys[i])
		}
		r.mu.Unlock()
	}
	return nil
}

func (r *MemoryRegistry) insertLocked(s Seed, keys []Key) {
	o := uint32(len(r.seeds))
	r.seeds = append(r.seeds, s)
	r.next = append(r.next, none)
	r.byID[s.ID] = o
	for _, k := range keys {
		if k.Field != FieldPhone {
			r.uniqueIndex(k.Field)[k.Value] = o
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

// uniqueIndex returns the index of a field whose values belong to one seed each.
func (r *MemoryRegistry) uniqueIndex(f Field) map[string]uint32 {
	if f == FieldEmail {
		return r.email
	}
	return r.ticket
}

// Lookup implements Registry.
func (r *MemoryRegistry) Lookup(ctx context.Context, f Field, value string) ([]Seed, error) {
	var buf [128]byte
	switch f {
	case FieldEmail, FieldTicket:
		key := appendLookupKey(buf[:0], f, value)
		r.mu.RLock()
		defer r.mu.RUnlock()
		o, ok := r.uniqueIndex(f)[string(key)]
		if !ok {
			return nil, nil
		}
		return []Seed{r.seeds[o].Clone()}, nil
	case FieldPhone:
		r.mu.RLock()
		defer r.mu.RUnlock()
		o, ok := r.phone[value]
		if !ok {
			return nil, nil
		}
		var out []Seed
		for ; o != none; o = r.next[o] {
			out = append(out, r.seeds[o].Clone())
		}
		return out, nil
	case FieldName:
		return nil, fmt.Errorf("%w: lookup by %s", ErrUnsupportedField, f)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedField, f)
}

// Get implements Registry.
func (r *MemoryRegistry) Get(ctx context.Context, id uuid.UUID) (Seed, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	o, ok := r.byID[id]
	if !ok {
		return Seed{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return r.seeds[o].Clone(), nil
}

// Seeds implements Registry.
func (r *MemoryRegistry) Seeds(ctx context.Context) iter.Seq2[Seed, error] {
	return func(yield func(Seed, error) bool) {
		r.mu.RLock()
		n := len(r.seeds)
		r.mu.RUnlock()
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				yield(Seed{}, err)
				return
			}
			r.mu.RLock()
			s := r.seeds[i].Clone()
			r.mu.RUnlock()
			if !yield(s, nil) {
				return
			}
		}
	}
}

// Retire implements Registry.
func (r *MemoryRegistry) Retire(ctx context.Context, id uuid.UUID, at time.Time) error {
	r.addMu.Lock()
	defer r.addMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.byID[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	r.seeds[o].ExpiresAt = at
	return nil
}
