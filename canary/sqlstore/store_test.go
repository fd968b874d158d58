package sqlstore

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/internal/filter"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
	"github.com/honeyseed/honeyseed/canary/watch"
)

func TestTwoStoresShareDatabase(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		a, b := open(t, opts), open(t, opts)
		s1, s2 := canarytest.Seed(1, "crm/eu"), canarytest.Seed(2, "crm/eu")
		require.NoError(t, a.Add(ctx, s1))
		email := mustEmail(t, s1.Email)

		got, err := b.Lookup(ctx, canary.FieldEmail, email)
		require.NoError(t, err)
		assert.Empty(t, got, "b has not refreshed yet: a miss never reaches the database")
		require.NoError(t, b.Refresh(ctx))
		got, err = b.Lookup(ctx, canary.FieldEmail, email)
		require.NoError(t, err)
		require.Len(t, got, 1, "found after a refresh")
		canarytest.AssertSeedEqual(t, s1, got[0])

		// b's cached copy must not outlive a retirement made through a.
		at := s1.PlantedAt.Add(30 * 24 * time.Hour)
		require.NoError(t, a.Retire(ctx, s1.ID, at))
		require.NoError(t, b.Refresh(ctx))
		got, err = b.Lookup(ctx, canary.FieldEmail, email)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.True(t, at.Equal(got[0].RetiredAt), "retirement propagated: RetiredAt %v", got[0].RetiredAt)

		// Duplicates are checked against the database, not b's index.
		dup := s2
		dup.Email = s1.Email
		require.NoError(t, a.Add(ctx, s2))
		assert.ErrorIs(t, b.Add(ctx, canarytest.Seed(3, "crm/eu"), func() canary.Seed { d := canarytest.Seed(4, "crm/eu"); d.Ticket = s2.Ticket; return d }()), canary.ErrDuplicate,
			"s2's ticket, added by a since b's last refresh")
		require.NoError(t, b.Add(ctx, canarytest.Seed(5, "crm/eu")))
		require.NoError(t, a.Refresh(ctx))
		assert.Equal(t, 3, a.Len())
		assert.Equal(t, 3, b.Len())

		// Get refreshes on a miss, so an ID added elsewhere is found at once.
		s6 := canarytest.Seed(6, "crm/eu")
		require.NoError(t, a.Add(ctx, s6))
		gotSeed, err := b.Get(ctx, s6.ID)
		require.NoError(t, err)
		assert.Equal(t, s6.ID, gotSeed.ID)
	})
}

func TestRecordFromTwoStores(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		stores := []*Store{open(t, opts), open(t, opts)}
		const each = 6
		var (
			wg      sync.WaitGroup
			created atomic.Int32
		)
		for i, s := range stores {
			for w := range each {
				wg.Go(func() {
					a := canarytest.Alert(1)
					a.EventIDs = []string{fmt.Sprintf("<p%d-w%d@scam.example>", i, w)}
					c, err := watch.Record(ctx, s, a, []string{"slack"})
					assert.NoError(t, err)
					if c {
						created.Add(1)
					}
				})
			}
		}
		wg.Wait()
		assert.Equal(t, int32(1), created.Load(), "one process creates the alert, the others merge")
		got, err := stores[1].Alert(ctx, canarytest.Alert(1).ID)
		require.NoError(t, err)
		assert.Equal(t, 2*each, got.Count, "no merge lost")
		due, err := stores[0].Due(ctx, got.LastSeen.Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Len(t, due, 1)
	})
}

func TestRefresherPicksUpOtherStores(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		writer := open(t, opts)
		opts.RefreshInterval = 10 * time.Millisecond
		reader := open(t, opts)
		s := canarytest.Seed(1, "crm/eu")
		require.NoError(t, writer.Add(ctx, s))
		assert.Eventually(t, func() bool {
			got, err := reader.Lookup(ctx, canary.FieldTicket, mustTicket(t, s.Ticket))
			return err == nil && len(got) == 1
		}, 10*time.Second, 5*time.Millisecond, "the refresher indexes seeds another store added")
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		var want []canary.Seed
		for i := range 600 { // more than a page of Seeds and an insert statement
			want = append(want, canarytest.Seed(i, "crm/eu"))
		}
		require.NoError(t, s.Add(ctx, want...))
		_, err := watch.Record(ctx, s, canarytest.Alert(1), []string{"log"})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close twice")
		_, err = s.Lookup(ctx, canary.FieldEmail, "x@y.example")
		assert.ErrorIs(t, err, canary.ErrClosed)

		s = open(t, opts)
		assert.Equal(t, len(want), s.Len())
		i := 0
		for got, err := range s.Seeds(ctx) {
			require.NoError(t, err)
			canarytest.AssertSeedEqual(t, want[i], got)
			i++
		}
		assert.Equal(t, len(want), i)
		got, err := s.Lookup(ctx, canary.FieldPhone, want[599].Phone)
		require.NoError(t, err)
		require.NotEmpty(t, got)
		_, err = s.Alert(ctx, canarytest.Alert(1).ID)
		assert.NoError(t, err)
	})
}

func TestWrongSecret(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		require.NoError(t, s.Add(ctx, canarytest.Seed(1, "crm/eu")))
		require.NoError(t, s.Close())
		opts.Secret = testSecret("b")
		_, err := Open(ctx, opts)
		assert.ErrorIs(t, err, ErrWrongSecret)
		assert.True(t, strings.HasPrefix(err.Error(), "sqlstore: "), err.Error())
	})
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		other := open(t, opts) // another process on the same database
		seeds := []canary.Seed{canarytest.Seed(1, "crm/eu"), canarytest.Seed(2, "crm/eu"), canarytest.Seed(3, "crm/eu")}
		seeds[2].Phone = seeds[1].Phone
		require.NoError(t, s.Add(ctx, seeds...))
		require.NoError(t, s.Retire(ctx, seeds[0].ID, seeds[0].PlantedAt.Add(time.Hour)))
		a := canarytest.Alert(1)
		_, err := watch.Record(ctx, s, a, []string{"webhook"})
		require.NoError(t, err)
		require.NoError(t, s.Failed(ctx, a.ID, "webhook", a.FirstSeen.Add(time.Hour), "HTTP 503"))

		newSecret := testSecret("rotated")
		require.NoError(t, s.Rotate(ctx, newSecret))

		check := func(t *testing.T, s *Store) {
			t.Helper()
			got, err := s.Lookup(ctx, canary.FieldPhone, seeds[1].Phone)
			require.NoError(t, err)
			assert.Len(t, got, 2, "shared phone still finds both")
			got, err = s.Lookup(ctx, canary.FieldEmail, mustEmail(t, seeds[0].Email))
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.False(t, got[0].RetiredAt.IsZero(), "retirement survives rotation")
			_, err = s.Get(ctx, seeds[2].ID)
			assert.NoError(t, err)
			due, err := s.Due(ctx, a.FirstSeen.Add(2*time.Hour), 10)
			require.NoError(t, err)
			require.Len(t, due, 1)
			assert.Equal(t, "HTTP 503", due[0].LastError)
			assert.Equal(t, a.ID, due[0].Alert.ID)
			require.NoError(t, s.Delivered(ctx, a.ID, "webhook", 0))
			_, err = watch.Record(ctx, s, a, []string{"webhook"}) // merges into the re-sealed alert
			require.NoError(t, err)
		}
		t.Run("SameStore", func(t *testing.T) { check(t, s) })

		err = other.Refresh(ctx)
		assert.ErrorIs(t, err, ErrWrongSecret, "a store still on the old secret learns at its next refresh")
		_, err = other.Lookup(ctx, canary.FieldEmail, "nobody@example.org")
		assert.ErrorIs(t, err, ErrWrongSecret, "and fails every call after")

		_, err = Open(ctx, opts)
		assert.ErrorIs(t, err, ErrWrongSecret, "the old secret opens nothing")
		opts.Secret = newSecret
		t.Run("Reopened", func(t *testing.T) {
			r := open(t, opts)
			assert.Equal(t, 3, r.Len())
			got, err := r.Lookup(ctx, canary.FieldTicket, mustTicket(t, seeds[2].Ticket))
			require.NoError(t, err)
			require.Len(t, got, 1)
			canarytest.AssertSeedEqual(t, seeds[2], got[0])
		})
	})
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		_, err := s.db.Exec(`UPDATE honeyseed_schema_version SET version = 99`)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		_, err = Open(ctx, opts)
		assert.ErrorIs(t, err, ErrSchemaTooNew)
		assert.Contains(t, err.Error(), "version 99")
	})
}

func TestCorruptFile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"NotADatabase", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("customer export, not a database\n"), 512), 0o600))
		}},
		{"Truncated", func(t *testing.T, path string) {
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(path, info.Size()/2))
		}},
		{"HeaderZeroed", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteAt(make([]byte, 100), 0)
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}},
		{"PagesScrambled", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			for i := 4096 * 2; i < len(b); i += 97 { // leave the header and schema page
				b[i] ^= 0x5a
			}
			require.NoError(t, os.WriteFile(path, b, 0o600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := freshSQLite(t)
			s := open(t, opts)
			var seeds []canary.Seed
			for i := range 2000 {
				seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
			}
			require.NoError(t, s.Add(ctx, seeds...))
			require.NoError(t, s.Close())
			tc.damage(t, opts.Path)

			s, err := Open(ctx, opts)
			if err == nil {
				// Damage the index load did not read surfaces on use.
				defer s.Close()
				for _, sd := range seeds {
					if _, err = s.Get(ctx, sd.ID); err != nil {
						break
					}
				}
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrCorrupt)
			t.Log(err)
		})
	}
}

func TestTamperedRows(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		s := open(t, e.fresh(t))
		a, b := canarytest.Seed(1, "crm/eu"), canarytest.Seed(2, "crm/eu")
		require.NoError(t, s.Add(ctx, a, b))

		// An insider with write access swaps two sealed seeds: each opens only
		// in its own row.
		_, err := s.db.Exec(`UPDATE honeyseed_seeds SET sealed = (SELECT sealed FROM honeyseed_seeds WHERE seq = 2) WHERE seq = 1`)
		require.NoError(t, err)
		_, err = s.Get(ctx, a.ID)
		assert.ErrorIs(t, err, ErrCorrupt)

		// A flipped byte.
		_, err = s.db.Exec(s.dialect.q(`UPDATE honeyseed_seeds SET sealed = ? WHERE seq = 2`), bytes.Repeat([]byte{1}, 80))
		require.NoError(t, err)
		_, err = s.Lookup(ctx, canary.FieldEmail, mustEmail(t, b.Email))
		assert.ErrorIs(t, err, ErrCorrupt)
		for _, err := range s.Seeds(ctx) {
			assert.ErrorIs(t, err, ErrCorrupt)
		}
	})
}

func TestAddCanceledMidwayLeavesNothing(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		require.NoError(t, s.Add(context.Background(), canarytest.Seed(0, "crm/eu")))
		var seeds []canary.Seed
		for i := 1; i <= 4*sealChunk; i++ {
			seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
		}
		ctx, cancel := context.WithCancel(context.Background())
		var chunks atomic.Int32
		testHookChunkInserted = func() {
			if chunks.Add(1) == 2 {
				cancel() // the connection drops after some rows went in
			}
		}
		t.Cleanup(func() { testHookChunkInserted = nil })
		err := s.Add(ctx, seeds...)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.True(t, strings.HasPrefix(err.Error(), "sqlstore: "), err.Error())
		assert.GreaterOrEqual(t, chunks.Load(), int32(2), "canceled after rows were inserted")
		testHookChunkInserted = nil

		var rows int
		require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_seeds`).Scan(&rows))
		assert.Equal(t, 1, rows, "the transaction rolled back whole")
		assert.Equal(t, 1, s.Len())
		got, err := s.Lookup(context.Background(), canary.FieldEmail, mustEmail(t, seeds[0].Email))
		require.NoError(t, err)
		assert.Empty(t, got)
		require.NoError(t, s.Add(context.Background(), seeds...), "the batch goes in on retry")
		assert.Equal(t, 1+len(seeds), open(t, opts).Len())
	})
}

func TestFailedAddLeavesIndexUnchanged(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		s := open(t, e.fresh(t))
		first := canarytest.Seed(0, "crm/eu")
		require.NoError(t, s.Add(ctx, first))
		var seeds []canary.Seed
		for i := 1; i <= 3*sealChunk; i++ {
			sd := canarytest.Seed(i, "crm/eu")
			if i%10 == 0 {
				sd.Phone = first.Phone // shared numbers extend an existing list
			}
			seeds = append(seeds, sd)
		}
		for _, tc := range []struct {
			spoil func(batch []canary.Seed)
			want  error
			why   string
		}{
			{func(b []canary.Seed) { b[len(b)-1].Ticket = b[3].Ticket }, canary.ErrDuplicate, "two seeds of the batch, chunks apart"},
			{func(b []canary.Seed) { b[2*sealChunk+7].Email = upper(first.Email) }, canary.ErrDuplicate, "a registered seed's email, mid-chunk"},
			{func(b []canary.Seed) { b[sealChunk+5].ID = first.ID }, canary.ErrDuplicate, "a registered seed's ID"},
			{func(b []canary.Seed) { b[sealChunk+5].Email = "not an address" }, canary.ErrInvalidEmail, "an invalid seed in the second chunk"},
		} {
			batch := slices.Clone(seeds)
			tc.spoil(batch)
			err := s.Add(ctx, batch...)
			assert.ErrorIs(t, err, tc.want, tc.why)
			assert.Equal(t, 1, s.Len(), tc.why)
			got, err := s.Lookup(ctx, canary.FieldPhone, first.Phone)
			require.NoError(t, err)
			assert.Len(t, got, 1, "pending phone entries removed: %s", tc.why)
			got, err = s.Lookup(ctx, canary.FieldEmail, mustEmail(t, seeds[0].Email))
			require.NoError(t, err)
			assert.Empty(t, got, tc.why)
			var rows int
			require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_seeds`).Scan(&rows))
			assert.Equal(t, 1, rows, tc.why)
		}
		require.NoError(t, s.Add(ctx, seeds...), "the clean batch goes in after the failures")
		got, err := s.Lookup(ctx, canary.FieldPhone, first.Phone)
		require.NoError(t, err)
		want := []uuid.UUID{first.ID}
		for _, sd := range seeds {
			if sd.Phone == first.Phone {
				want = append(want, sd.ID)
			}
		}
		var ids []uuid.UUID
		for _, sd := range got {
			ids = append(ids, sd.ID)
		}
		assert.Equal(t, want, ids, "shared phone, in the order added")
		dup := canarytest.Seed(10_001, "crm/eu")
		dup.Ticket = seeds[7].Ticket
		err = s.Add(ctx, canarytest.Seed(10_000, "crm/eu"), dup)
		assert.ErrorIs(t, err, canary.ErrDuplicate)
		assert.ErrorContains(t, err, seeds[7].ID.String(), "the message names the registered seed")
	})
}

func upper(email string) string { return strings.ToUpper(email) }

// A failed batch larger than keepRowsChunks keeps no rows to take it out of
// the index by: it is swept out, leaving the index as it was.
func TestFailedLargeAddIsSweptFromIndex(t *testing.T) {
	keep := keepRowsChunks
	keepRowsChunks = 1
	t.Cleanup(func() { keepRowsChunks = keep })
	TestFailedAddLeavesIndexUnchanged(t)
	TestAddCanceledMidwayLeavesNothing(t)
	TestAddProgress(t)
}

// Progress sees increasing counts ending at the batch's size; an Add that
// fails after it was told some, or all, of the rows were written keeps none.
func TestAddProgress(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		s := open(t, e.fresh(t))
		first := canarytest.Seed(0, "crm/eu")
		require.NoError(t, s.Add(context.Background(), first))
		var seeds []canary.Seed
		for i := 1; i <= 3*sealChunk+7; i++ {
			seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
		}
		assertNothingKept := func(why string) {
			t.Helper()
			var rows int
			require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM honeyseed_seeds`).Scan(&rows))
			assert.Equal(t, 1, rows, why)
			assert.Equal(t, 1, s.Len(), why)
			got, err := s.Lookup(context.Background(), canary.FieldEmail, mustEmail(t, seeds[0].Email))
			require.NoError(t, err)
			assert.Empty(t, got, why)
		}

		spoiled := slices.Clone(seeds)
		spoiled[len(spoiled)-1].Email = first.Email
		var told []int
		err := s.AddWithOptions(context.Background(), AddOptions{Progress: func(n int) { told = append(told, n) }}, spoiled...)
		assert.ErrorIs(t, err, canary.ErrDuplicate)
		assert.Equal(t, []int{sealChunk, 2 * sealChunk, 3 * sealChunk}, told, "the chunks before the duplicate")
		assertNothingKept("a duplicate in the last chunk")

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		told = nil
		err = s.AddWithOptions(ctx, AddOptions{Progress: func(n int) {
			if told = append(told, n); n == len(seeds) {
				cancel() // every row written, none committed
			}
		}}, seeds...)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, len(seeds), told[len(told)-1])
		assertNothingKept("canceled before the commit")

		told = nil
		require.NoError(t, s.AddWithOptions(context.Background(), AddOptions{Progress: func(n int) { told = append(told, n) }}, seeds...))
		assert.Equal(t, []int{sealChunk, 2 * sealChunk, 3 * sealChunk, len(seeds)}, told)
		assert.Equal(t, 1+len(seeds), s.Len())
		require.NoError(t, s.AddWithOptions(context.Background(), AddOptions{}, canarytest.Seed(10_000, "crm/eu")), "no Progress: as Add")
	})
}

func TestLookupMissDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, which allocates")
	}
	ctx := context.Background()
	s := open(t, freshSQLite(t))
	require.NoError(t, s.Add(ctx, canarytest.Seed(1, "crm/eu")))
	for _, tc := range []struct {
		f     canary.Field
		value string
	}{
		{canary.FieldEmail, "someone.else@mail.example"},
		{canary.FieldPhone, "+442079460000"},
		{canary.FieldTicket, "TM99999999"},
		{canary.FieldEmail, strings.Repeat("long.", 100) + "@mail.example"},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			if got, err := s.Lookup(ctx, tc.f, tc.value); err != nil || got != nil {
				t.Fatalf("Lookup(%s, %q) = %v, %v", tc.f, tc.value, got, err)
			}
		})
		assert.Zero(t, allocs, "%s %q", tc.f, tc.value)
	}
}

// lookupKeyOf derives the lookup MAC key as deriveKeys does.
func lookupKeyOf(t *testing.T, secret Secret) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, labelLookup, 32)
	require.NoError(t, err)
	return k
}

func TestKeyMACMatchesLookupKey(t *testing.T) {
	ks, err := deriveKeys(testSecret("a"))
	require.NoError(t, err)
	for _, tc := range []struct {
		f     canary.Field
		value string
	}{
		{canary.FieldEmail, "ann.lee@mail.example"},
		{canary.FieldEmail, "a.n.n@sub.mail.example"},
		{canary.FieldEmail, "annlee@mail.example"},
		{canary.FieldEmail, "no-at-sign.here"},
		{canary.FieldEmail, "quoted.dots@x@mail.example"},
		{canary.FieldEmail, strings.Repeat("x.", 200) + "@mail.example"},
		{canary.FieldPhone, "+12015550100"},
		{canary.FieldTicket, "TM10000001"},
		{canary.FieldTicket, "A.B.1"},
	} {
		key := tc.value
		if tc.f == canary.FieldEmail {
			key = norm.EmailKey(tc.value)
		}
		h := hmac.New(sha256.New, lookupKeyOf(t, testSecret("a")))
		h.Write(append([]byte{byte(tc.f)}, key...))
		var want mac
		copy(want[:], h.Sum(nil))
		got, ok := ks.keyMAC(tc.f, tc.value)
		require.True(t, ok)
		assert.Equal(t, want, got, "%s %q: keyMAC is the MAC of norm's lookup key", tc.f, tc.value)
		wantTag := filter.SipHash(ks.sip, append([]byte{byte(tc.f)}, key...))
		gotTag, ok := ks.tag(tc.f, tc.value)
		require.True(t, ok)
		assert.Equal(t, wantTag, gotTag, "%s %q: tag is the SipHash of the same input", tc.f, tc.value)
	}
	email, _ := ks.keyMAC(canary.FieldEmail, "TM10000001")
	ticket, _ := ks.keyMAC(canary.FieldTicket, "TM10000001")
	assert.NotEqual(t, email, ticket, "the field is part of the MAC")
	_, ok := ks.keyMAC(canary.FieldEmail, strings.Repeat("x", 300)+"@mail.example")
	assert.False(t, ok, "a value longer than any normalized one has no MAC")
}

func TestSecretSources(t *testing.T) {
	ctx := context.Background()
	t.Setenv(SecretEnv, "")

	t.Run("NoneIsAnError", func(t *testing.T) {
		_, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "r.db")})
		assert.ErrorIs(t, err, ErrInvalidSecret)
	})
	t.Run("WrongLength", func(t *testing.T) {
		_, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "r.db"), Secret: make(Secret, 16)})
		assert.ErrorIs(t, err, ErrInvalidSecret)
	})
	t.Run("Environment", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.db")
		sec := testSecret("env")
		t.Setenv(SecretEnv, "  "+encodeHex(sec)+"\n")
		s, err := Open(ctx, Options{Path: path, RefreshInterval: -1})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		s, err = Open(ctx, Options{Path: path, Secret: sec, RefreshInterval: -1})
		require.NoError(t, err, "the environment gave the same secret")
		require.NoError(t, s.Close())
		t.Setenv(SecretEnv, "not a secret")
		_, err = Open(ctx, Options{Path: path})
		assert.ErrorIs(t, err, ErrInvalidSecret)
		assert.NotContains(t, err.Error(), "not a secret", "the value is never quoted")
	})
	t.Run("KeyFileCreatedPrivate", func(t *testing.T) {
		dir := t.TempDir()
		opts := Options{Path: filepath.Join(dir, "r.db"), KeyFile: filepath.Join(dir, "key"), RefreshInterval: -1}
		s, err := Open(ctx, opts)
		require.NoError(t, err)
		require.NoError(t, s.Add(ctx, canarytest.Seed(1, "crm/eu")))
		require.NoError(t, s.Close())
		info, err := os.Stat(opts.KeyFile)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		assert.Equal(t, int64(SecretSize), info.Size())
		s, err = Open(ctx, opts)
		require.NoError(t, err, "the key file is read back")
		assert.Equal(t, 1, s.Len())
		require.NoError(t, s.Close())
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			assert.False(t, strings.HasPrefix(e.Name(), ".honeyseed-key-"), "temporary file left behind: %s", e.Name())
		}

		require.NoError(t, os.Chmod(opts.KeyFile, 0o640))
		_, err = Open(ctx, opts)
		assert.ErrorIs(t, err, ErrInvalidSecret, "a key file the group can read is refused")
	})
	t.Run("KeyFileAsText", func(t *testing.T) {
		dir := t.TempDir()
		key := filepath.Join(dir, "key")
		require.NoError(t, os.WriteFile(key, []byte(encodeHex(testSecret("a"))+"\n"), 0o600))
		s, err := Open(ctx, Options{Path: filepath.Join(dir, "r.db"), KeyFile: key, RefreshInterval: -1})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		s, err = Open(ctx, Options{Path: filepath.Join(dir, "r.db"), Secret: testSecret("a"), RefreshInterval: -1})
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
}

func TestOptionsErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		opts Options
		why  string
	}{
		{Options{Secret: testSecret("a")}, "no path"},
		{Options{Driver: "pgx", Secret: testSecret("a")}, "no DSN"},
		{Options{Driver: "mysql", Path: "x", Secret: testSecret("a")}, "unknown driver"},
		{Options{Path: "x", DSN: "postgres://x", Secret: testSecret("a")}, "DSN with SQLite"},
		{Options{Path: ":memory:", Secret: testSecret("a")}, "in-memory SQLite: one database per connection"},
	} {
		_, err := Open(ctx, tc.opts)
		if assert.Error(t, err, tc.why) {
			assert.True(t, strings.HasPrefix(err.Error(), "sqlstore: "), "%s: %v", tc.why, err)
		}
	}
}

func TestPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd?dir#1%")
	require.NoError(t, os.Mkdir(dir, 0o700))
	opts := Options{Path: filepath.Join(dir, "r.db"), Secret: testSecret("a"), RefreshInterval: -1}
	s := open(t, opts)
	require.NoError(t, s.Add(context.Background(), canarytest.Seed(1, "crm/eu")))
	_, err := os.Stat(opts.Path)
	assert.NoError(t, err, "the file is where Path says")
}

func TestStoreIsSafeDuringClose(t *testing.T) {
	s := open(t, freshSQLite(t))
	require.NoError(t, s.Close())
	ctx := context.Background()
	for name, err := range map[string]error{
		"Add":     s.Add(ctx, canarytest.Seed(1, "crm/eu")),
		"Retire":  s.Retire(ctx, uuid.New(), time.Now()),
		"Refresh": s.Refresh(ctx),
		"Rotate":  s.Rotate(ctx, NewSecret()),
		"Failed":  s.Failed(ctx, uuid.New(), "x", time.Now(), "x"),
	} {
		assert.ErrorIs(t, err, canary.ErrClosed, name)
	}
	_, err := s.Get(ctx, uuid.New())
	assert.ErrorIs(t, err, canary.ErrClosed)
	_, err = s.Due(ctx, time.Now(), 1)
	assert.ErrorIs(t, err, canary.ErrClosed)
	for _, err := range s.Seeds(ctx) {
		assert.ErrorIs(t, err, canary.ErrClosed)
	}
	assert.False(t, errors.Is(s.Close(), canary.ErrClosed), "Close again is not an error")
}

func mustEmail(t testing.TB, s string) string {
	t.Helper()
	e, err := canary.NormalizeEmail(s)
	require.NoError(t, err)
	return e
}

func mustTicket(t testing.TB, s string) string {
	t.Helper()
	v, err := canary.NormalizeTicket(s)
	require.NoError(t, err)
	return v
}
