// Package canarytest holds conformance tests that any implementation of the
// canary package's interfaces should pass, in the spirit of testing/slogtest.
//
//	func TestConformance(t *testing.T) {
//		canarytest.TestRegistry(t, func(t *testing.T) canary.Registry { return openStore(t) })
//	}
package canarytest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// TestRegistry runs the Registry contract against fresh registries made by
// newRegistry, one per subtest.
func TestRegistry(t *testing.T, newRegistry func(t *testing.T) canary.Registry) {
	t.Helper()
	ctx := context.Background()

	t.Run("AddGetRoundTrip", func(t *testing.T) {
		r := newRegistry(t)
		s := Seed(1, "crm/eu")
		s.Fields = map[string]string{"city": "Leeds", "company": "Harbour Logistics"}
		s.ExpiresAt = s.PlantedAt.Add(365 * 24 * time.Hour)
		s.RetiredAt = s.PlantedAt.Add(30 * 24 * time.Hour) // a seed copied from another registry keeps its retirement
		require.NoError(t, r.Add(ctx, s))
		got, err := r.Get(ctx, s.ID)
		require.NoError(t, err)
		AssertSeedEqual(t, s, got)
	})

	t.Run("LookupEachField", func(t *testing.T) {
		r := newRegistry(t)
		a, b := Seed(1, "crm/eu"), Seed(2, "crm/eu")
		require.NoError(t, r.Add(ctx, a, b))
		for _, tc := range []struct {
			f     canary.Field
			value string
			want  canary.Seed
			why   string
		}{
			{canary.FieldEmail, mustEmail(t, a.Email), a, "normalized email"},
			{canary.FieldEmail, mustEmail(t, "  <"+upperLocal(b.Email)+">"), b, "upper case and brackets normalize to the same key"},
			{canary.FieldEmail, mustEmail(t, dotted(a.Email)), a, "dots in the local part share the lookup key"},
			{canary.FieldPhone, a.Phone, a, "E.164 phone"},
			{canary.FieldTicket, mustTicket(t, b.Ticket), b, "normalized ticket"},
		} {
			got, err := r.Lookup(ctx, tc.f, tc.value)
			require.NoError(t, err, tc.why)
			require.Len(t, got, 1, tc.why)
			assert.Equal(t, tc.want.ID, got[0].ID, tc.why)
		}
	})

	t.Run("LookupMiss", func(t *testing.T) {
		r := newRegistry(t)
		require.NoError(t, r.Add(ctx, Seed(1, "crm/eu")))
		for _, tc := range []struct {
			f     canary.Field
			value string
		}{
			{canary.FieldEmail, "nobody@example.org"},
			{canary.FieldPhone, "+12025550100"},
			{canary.FieldTicket, "ZZ99999999"},
			{canary.FieldEmail, ""},
		} {
			got, err := r.Lookup(ctx, tc.f, tc.value)
			assert.NoError(t, err, "%s %q", tc.f, tc.value)
			assert.Empty(t, got, "%s %q", tc.f, tc.value)
		}
		_, err := r.Lookup(ctx, canary.FieldName, "ann lee")
		assert.ErrorIs(t, err, canary.ErrUnsupportedField)
	})

	t.Run("KeysAgreeWithNorm", func(t *testing.T) {
		// A registry compares values by norm's lookup key: a value is found
		// exactly when its key is the planted value's key.
		r := newRegistry(t)
		s := Seed(1, "crm/eu")
		s.Email = "ann.b.lee@mail.example"
		require.NoError(t, r.Add(ctx, s))
		planted := norm.EmailKey(mustEmail(t, s.Email))
		for _, seen := range []string{"ann.b.lee@mail.example", "annblee@mail.example", "a.n.n.b.l.e.e@mail.example",
			"ann.b.lee@mail.example.org", "ann.b.le@mail.example", "ann.b.lee@sub.mail.example"} {
			v := mustEmail(t, seen)
			got, err := r.Lookup(ctx, canary.FieldEmail, v)
			require.NoError(t, err, seen)
			assert.Equal(t, norm.EmailKey(v) == planted, len(got) == 1, "%q found exactly when its key is the planted one", seen)
			dup := Seed(2, "crm/eu")
			dup.Email = seen
			err = r.Add(ctx, dup)
			if norm.EmailKey(v) == planted {
				assert.ErrorIs(t, err, canary.ErrDuplicate, "%q has the planted key", seen)
			} else if assert.NoError(t, err, seen) {
				r = newRegistry(t) // start again without the extra seed
				require.NoError(t, r.Add(ctx, s))
			}
		}
	})

	t.Run("LookupRetainsNoValue", func(t *testing.T) {
		// The Matcher hands Lookup a view of its scratch buffer and writes the
		// buffer again after the call (Registry.Lookup must not retain value):
		// a registry that keeps the value, in its state or its results, fails.
		r := newRegistry(t)
		a, b := Seed(1, "crm/eu"), Seed(2, "crm/eu")
		require.NoError(t, r.Add(ctx, a, b))
		for _, tc := range []struct {
			f      canary.Field
			va, vb string // values of a and b, of one length
		}{
			{canary.FieldEmail, mustEmail(t, a.Email), mustEmail(t, b.Email)},
			{canary.FieldPhone, a.Phone, b.Phone},
			{canary.FieldTicket, mustTicket(t, a.Ticket), mustTicket(t, b.Ticket)},
		} {
			require.Len(t, tc.vb, len(tc.va))
			buf := []byte(tc.va)
			got, err := r.Lookup(ctx, tc.f, view(buf))
			require.NoError(t, err, tc.f)
			require.Len(t, got, 1, tc.f)
			copy(buf, tc.vb) // the matcher reuses its buffer
			AssertSeedEqual(t, a, got[0])
			again, err := r.Lookup(ctx, tc.f, tc.vb)
			require.NoError(t, err)
			if assert.Len(t, again, 1, tc.f) {
				assert.Equal(t, b.ID, again[0].ID, "%s: the value seen before the buffer changed is not remembered", tc.f)
			}
			again, err = r.Lookup(ctx, tc.f, tc.va)
			require.NoError(t, err)
			if assert.Len(t, again, 1, tc.f) {
				assert.Equal(t, a.ID, again[0].ID, tc.f)
			}
		}
	})

	t.Run("SharedPhone", func(t *testing.T) {
		r := newRegistry(t)
		a, b, c := Seed(1, "crm/eu"), Seed(2, "crm/eu"), Seed(3, "crm/eu")
		b.Phone, c.Phone = a.Phone, a.Phone
		require.NoError(t, r.Add(ctx, a, b))
		require.NoError(t, r.Add(ctx, c))
		got, err := r.Lookup(ctx, canary.FieldPhone, a.Phone)
		require.NoError(t, err)
		require.Len(t, got, 3)
		assert.Equal(t, []uuid.UUID{a.ID, b.ID, c.ID}, ids(got), "in the order added")
	})

	t.Run("DuplicatesRefusedWhole", func(t *testing.T) {
		r := newRegistry(t)
		base := Seed(1, "crm/eu")
		require.NoError(t, r.Add(ctx, base))
		sameEmail := Seed(2, "crm/eu")
		sameEmail.Email = upperLocal(base.Email)
		sameTicket := Seed(3, "crm/eu")
		sameTicket.Ticket = base.Ticket
		sameID := Seed(4, "crm/eu")
		sameID.ID = base.ID
		inBatch1, inBatch2 := Seed(5, "crm/eu"), Seed(6, "crm/eu")
		inBatch2.Email = inBatch1.Email
		for _, tc := range []struct {
			batch []canary.Seed
			why   string
		}{
			{[]canary.Seed{Seed(7, "crm/eu"), sameEmail}, "email of a registered seed, in another case"},
			{[]canary.Seed{Seed(8, "crm/eu"), sameTicket}, "ticket of a registered seed"},
			{[]canary.Seed{Seed(9, "crm/eu"), sameID}, "ID of a registered seed"},
			{[]canary.Seed{inBatch1, inBatch2}, "two seeds of one batch share an email"},
		} {
			err := r.Add(ctx, tc.batch...)
			assert.ErrorIs(t, err, canary.ErrDuplicate, tc.why)
			assert.Equal(t, []uuid.UUID{base.ID}, allIDs(t, r), "registry unchanged after: %s", tc.why)
		}
	})

	t.Run("InvalidRefusedWhole", func(t *testing.T) {
		r := newRegistry(t)
		noID := Seed(2, "crm/eu")
		noID.ID = uuid.Nil
		badEmail := Seed(3, "crm/eu")
		badEmail.Email = "not an address"
		badPhone := Seed(4, "crm/eu")
		badPhone.Phone = "+1 415 555 0132" // not E.164
		noPlacement := Seed(5, "")
		for _, tc := range []struct {
			s    canary.Seed
			want error
		}{
			{noID, canary.ErrInvalidSeed},
			{badEmail, canary.ErrInvalidEmail},
			{badPhone, canary.ErrInvalidPhone},
			{noPlacement, canary.ErrInvalidSeed},
		} {
			err := r.Add(ctx, Seed(1, "crm/eu"), tc.s)
			assert.ErrorIs(t, err, tc.want)
			assert.Empty(t, allIDs(t, r), "nothing added when one seed of the batch is bad (%v)", tc.want)
		}
	})

	t.Run("RetireKeepsSeedFindable", func(t *testing.T) {
		r := newRegistry(t)
		s := Seed(1, "crm/eu")
		s.ExpiresAt = s.PlantedAt.Add(365 * 24 * time.Hour)
		require.NoError(t, r.Add(ctx, s))
		at := s.PlantedAt.Add(90 * 24 * time.Hour)
		require.NoError(t, r.Retire(ctx, s.ID, at))
		got, err := r.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.True(t, at.Equal(got.RetiredAt), "RetiredAt %v, want %v", got.RetiredAt, at)
		assert.True(t, s.ExpiresAt.Equal(got.ExpiresAt), "Retire left ExpiresAt %v, want the planned %v", got.ExpiresAt, s.ExpiresAt)
		assert.False(t, got.Active(at), "retired at %v", at)
		assert.True(t, got.Active(at.Add(-time.Second)), "planted until retired")
		var listed canary.Seed
		for sd, err := range r.Seeds(ctx) {
			require.NoError(t, err)
			listed = sd
		}
		assert.True(t, at.Equal(listed.RetiredAt), "Seeds shows the retirement: %v", listed.RetiredAt)
		found, err := r.Lookup(ctx, canary.FieldEmail, mustEmail(t, s.Email))
		require.NoError(t, err)
		assert.Len(t, found, 1, "a retired seed still trips")
		assert.ErrorIs(t, r.Retire(ctx, uuid.New(), at), canary.ErrNotFound)
		_, err = r.Get(ctx, uuid.New())
		assert.ErrorIs(t, err, canary.ErrNotFound)
	})

	t.Run("SeedsInOrderAdded", func(t *testing.T) {
		r := newRegistry(t)
		var want []uuid.UUID
		for i := range 50 {
			s := Seed(i, fmt.Sprintf("p%d", i%3))
			require.NoError(t, r.Add(ctx, s))
			want = append(want, s.ID)
		}
		assert.Equal(t, want, allIDs(t, r))
	})

	t.Run("ResultsAreCopies", func(t *testing.T) {
		r := newRegistry(t)
		s := Seed(1, "crm/eu")
		s.Fields = map[string]string{"city": "Leeds"}
		require.NoError(t, r.Add(ctx, s))
		s.Fields["city"] = "changed by caller after Add"
		got, err := r.Get(ctx, s.ID)
		require.NoError(t, err)
		got.Fields["city"] = "changed by caller after Get"
		again, err := r.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, "Leeds", again.Fields["city"])
	})

	t.Run("ConcurrentAddAndLookup", func(t *testing.T) {
		r := newRegistry(t)
		first := Seed(0, "crm/eu")
		require.NoError(t, r.Add(ctx, first))
		email := mustEmail(t, first.Email)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range 25 {
					assert.NoError(t, r.Add(ctx, Seed(1000*(w+1)+i, "crm/eu")))
				}
			}()
			go func() {
				defer wg.Done()
				for range 100 {
					got, err := r.Lookup(ctx, canary.FieldEmail, email)
					assert.NoError(t, err)
					assert.Len(t, got, 1)
				}
			}()
		}
		wg.Wait()
		assert.Len(t, allIDs(t, r), 101)
	})
}

// MatchSeeds returns six valid seeds for matcher tests, in placement
// "crm/eu": seeds[1] is Jessica Smith at jessica.smith@mail.example and
// +14155550132; seeds[3] (Maria Lopez) and seeds[4] (David Okafor) share
// +12125550150; seeds[5] has a UK mobile from Ofcom's drama range.
func MatchSeeds() []canary.Seed {
	var seeds []canary.Seed
	for i := range 6 {
		seeds = append(seeds, Seed(i, "crm/eu"))
	}
	seeds[1].Email, seeds[1].Phone = "jessica.smith@mail.example", "+14155550132"
	seeds[1].Name = canary.Name{Given: "Jessica", Family: "Smith"}
	seeds[3].Name = canary.Name{Given: "Maria", Family: "Lopez"}
	seeds[4].Name = canary.Name{Given: "David", Family: "Okafor"}
	seeds[3].Phone, seeds[4].Phone = "+12125550150", "+12125550150"
	seeds[5].Phone = "+447700900123"
	return seeds
}

// Seed returns a valid seed for tests, distinct for each i: a reserved domain,
// a number from NANP's fictional 555-01XX range, a ticket, fixed UTC times.
func Seed(i int, placement string) canary.Seed {
	created := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	return canary.Seed{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "canarytest-%d", i)),
		Placement: placement,
		Name:      canary.Name{Given: "Ann", Family: fmt.Sprintf("Lee%d", i)},
		Email:     fmt.Sprintf("ann.lee%d@mail.example", i),
		Phone:     fmt.Sprintf("+1%03d55501%02d", 201+i/100%700, i%100),
		Ticket:    fmt.Sprintf("TM-%08d", 10000000+i),
		CreatedAt: created,
		PlantedAt: created.Add(48 * time.Hour),
	}
}

// AssertSeedEqual checks that got is want, comparing times as instants (stores
// may change a time's location or drop its monotonic reading) and treating nil
// and empty Fields alike.
func AssertSeedEqual(t testing.TB, want, got canary.Seed) bool {
	t.Helper()
	ok := true
	for _, tm := range []struct {
		name      string
		want, got time.Time
	}{
		{"CreatedAt", want.CreatedAt, got.CreatedAt},
		{"PlantedAt", want.PlantedAt, got.PlantedAt},
		{"ExpiresAt", want.ExpiresAt, got.ExpiresAt},
		{"RetiredAt", want.RetiredAt, got.RetiredAt},
	} {
		ok = assert.True(t, tm.want.Equal(tm.got), "%s: want %v, got %v", tm.name, tm.want, tm.got) && ok
	}
	if len(want.Fields) == 0 && len(got.Fields) == 0 {
		want.Fields, got.Fields = nil, nil
	}
	want.CreatedAt, want.PlantedAt, want.ExpiresAt, want.RetiredAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	got.CreatedAt, got.PlantedAt, got.ExpiresAt, got.RetiredAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return assert.Equal(t, want, got) && ok
}

func mustEmail(t *testing.T, s string) string {
	t.Helper()
	e, err := canary.NormalizeEmail(s)
	require.NoError(t, err)
	return e
}

func mustTicket(t *testing.T, s string) string {
	t.Helper()
	v, err := canary.NormalizeTicket(s)
	require.NoError(t, err)
	return v
}

func upperLocal(email string) string {
	b := []byte(email)
	for i := 0; i < len(b) && b[i] != '@'; i++ {
		if b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// dotted is email with the dots of its local part removed: the same lookup key.
func dotted(email string) string { return norm.EmailKey(email) }

func ids(seeds []canary.Seed) []uuid.UUID {
	out := make([]uuid.UUID, len(seeds))
	for i, s := range seeds {
		out[i] = s.ID
	}
	return out
}

func allIDs(t *testing.T, r canary.Registry) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	for s, err := range r.Seeds(context.Background()) {
		require.NoError(t, err)
		out = append(out, s.ID)
	}
	return out
}
