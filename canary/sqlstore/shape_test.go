package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// randomNumber returns a random possible number of the matcher's default
// regions: NANP (+1, ten digits) or a GB mobile (+447, ten digits national).
func randomNumber(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return fmt.Sprintf("+447%09d", r.IntN(1_000_000_000))
	}
	return fmt.Sprintf("+1%d%02d%d%06d", 2+r.IntN(8), r.IntN(100), 2+r.IntN(8), r.IntN(1_000_000))
}

// formatNumber writes e164 as people write it, at random: national or
// international, grouped by any of the separators the matcher reads.
func formatNumber(r *rand.Rand, e164 string) string {
	if strings.HasPrefix(e164, "+1") {
		a, b, c := e164[2:5], e164[5:8], e164[8:]
		forms := []string{
			"(" + a + ") " + b + "-" + c, a + "-" + b + "-" + c, a + "." + b + "." + c, a + " " + b + " " + c,
			a + b + c, "+1 " + a + " " + b + " " + c, "+1-" + a + "-" + b + "-" + c, "1 (" + a + ") " + b + "-" + c,
			e164, "001 " + a + " " + b + " " + c, "+1 (" + a + ") " + b + c, a + "/" + b + "-" + c,
		}
		return forms[r.IntN(len(forms))]
	}
	nat := e164[3:]
	forms := []string{
		"0" + nat[:4] + " " + nat[4:], "+44 " + nat[:4] + " " + nat[4:], "+44 (0)" + nat[:4] + " " + nat[4:],
		"0044 " + nat[:4] + " " + nat[4:], e164, "0" + nat[:4] + "-" + nat[4:7] + "-" + nat[7:], "+44" + nat,
	}
	return forms[r.IntN(len(forms))]
}

// Text a number may stand in: after words, ids and dates, inside SQL and CSV.
var numberContexts = [][2]string{
	{"call me on ", " after 5pm"},
	{"INSERT INTO t VALUES (1042,'Ann','", "','2024-05-01 12:34:56');"},
	{"100231,Ann,Lee,", ",2025-11-03,TM-20000001\n"},
	{"tel:", ""},
	{"Unit 5 ", " 24/7"},
	{"phone\t", "\t3"},
}

// The Shape built from the stand-ins of the shape row never turns away a
// registered number, whatever its formatting and the text around it: random
// numbers are registered, the store is reopened (its Shape then comes from the
// sealed row alone), and every number, written at random, is found.
func TestShapeNeverDropsARegisteredNumber(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("random seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	opts := freshSQLite(t)
	a := open(t, opts)
	seeds := addRandomNumbers(t, r, a, 400)
	require.NoError(t, a.Close())
	assertFindsEveryNumber(t, r, open(t, opts), seeds)
}

// addRandomNumbers adds n seeds with random numbers to s.
func addRandomNumbers(t *testing.T, r *rand.Rand, s *Store, n int) []canary.Seed {
	var seeds []canary.Seed
	for i := range n {
		sd := canarytest.Seed(i, "crm/eu")
		sd.Phone = randomNumber(r)
		seeds = append(seeds, sd)
	}
	require.NoError(t, s.Add(context.Background(), seeds...))
	return seeds
}

func assertFindsEveryNumber(t *testing.T, r *rand.Rand, s *Store, seeds []canary.Seed) {
	t.Helper()
	ctx := context.Background()
	m, err := canary.NewMatcher(s, canary.WithRegions("US", "GB"))
	require.NoError(t, err)
	for _, sd := range seeds {
		around := numberContexts[r.IntN(len(numberContexts))]
		body := around[0] + formatNumber(r, sd.Phone) + around[1]
		hits, err := m.Match(ctx, canary.Event{Channel: canary.ChannelText, Body: body})
		require.NoError(t, err)
		assert.True(t, slices.ContainsFunc(hits, func(h canary.Hit) bool {
			return h.Field == canary.FieldPhone && (h.Seed.ID == sd.ID || slices.ContainsFunc(h.Candidates, func(c canary.Seed) bool { return c.ID == sd.ID }))
		}), "%s in %q", sd.Phone, body)
	}
}

// A store written before the stand-ins kept prefixes holds coarse ones
// (two digits of a number, one character of a ticket, zeros after). Open
// reads them as known that far, refines the row from the seeds, and then
// holds the Shape a new store would, and finds every number.
func TestOpenRefinesCoarseShape(t *testing.T) {
	testOpenRefinesShape(t, freshSQLite(t), func(k norm.Key) norm.Key {
		switch k.Field {
		case norm.FieldPhone:
			k.Value = k.Value[:3] + strings.Repeat("0", len(k.Value)-3)
		case norm.FieldTicket:
			k.Value = k.Value[:1] + strings.Repeat("0", len(k.Value)-1)
		default:
			k = shapeKey(k)
		}
		return k
	})
}

// A store written before the stand-ins kept the last digits of a number
// (encoding 1: '*' from the seventh digit on) admits every last digit until
// Open rewrites its row, which then gives the Shape a new store has.
func TestOpenRefinesShapeWithoutLastDigits(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		testOpenRefinesShape(t, e.fresh(t), func(k norm.Key) norm.Key {
			if k.Field == norm.FieldPhone {
				return norm.Key{Field: k.Field, Value: padStandIn(k.Value, 7)}
			}
			return shapeKey(k)
		})
	})
}

// testOpenRefinesShape gives a store a shape row of encoding 1 made of the
// stand-ins old makes of its seeds' keys, and checks that Open rewrites it
// into the Shape a new store has, which finds every number, and is read back.
func testOpenRefinesShape(t *testing.T, opts Options, old func(norm.Key) norm.Key) {
	r := rand.New(rand.NewPCG(1, 2))
	a := open(t, opts)
	seeds := addRandomNumbers(t, r, a, 50)
	fine := unprobed(a.Shape())
	var stand []norm.Key
	for _, sd := range seeds {
		keys, _, _ := norm.SeedKeys(sd.Email, sd.Phone, sd.Ticket)
		for _, k := range keys {
			stand = append(stand, old(k))
		}
	}
	slices.SortFunc(stand, func(x, y norm.Key) int { return strings.Compare(x.Value, y.Value) })
	ctx := context.Background()
	tx, err := a.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, a.writeShapeRow(ctx, tx, a.idx.keySet(), encodeShape(shapeEncodingV1, slices.Compact(stand))))
	require.NoError(t, tx.Commit())
	require.NoError(t, a.Close())

	b := open(t, opts)
	assert.False(t, b.coarseShape, "refined at Open")
	assert.Equal(t, fine, unprobed(b.Shape()), "the Shape of a store that always had this version's stand-ins")
	assertFindsEveryNumber(t, r, b, seeds)
	require.NoError(t, b.Close())
	c := open(t, opts)
	assert.False(t, c.coarseShape, "the row was rewritten in encoding 2")
	assert.Equal(t, fine, unprobed(c.Shape()), "the refined row, read back")
}

func TestShapeKey(t *testing.T) {
	for _, tc := range []struct {
		in, want norm.Key
		why      string
	}{
		{norm.Key{Field: norm.FieldPhone, Value: "+14155550132"}, norm.Key{Field: norm.FieldPhone, Value: "+14155550132"}, "a NANP number's first six and last six digits are all of it"},
		{norm.Key{Field: norm.FieldPhone, Value: "+8613912345678"}, norm.Key{Field: norm.FieldPhone, Value: "+861391*345678"}, "first six and last six digits"},
		{norm.Key{Field: norm.FieldPhone, Value: "+1234567"}, norm.Key{Field: norm.FieldPhone, Value: "+1234567"}, "a short number, whole"},
		{norm.Key{Field: norm.FieldTicket, Value: "TM10400132"}, norm.Key{Field: norm.FieldTicket, Value: "TM10******"}, "four characters of a ticket"},
		{norm.Key{Field: norm.FieldTicket, Value: "AB12"}, norm.Key{Field: norm.FieldTicket, Value: "AB1*"}, "a short ticket keeps one '*'"},
		{norm.Key{Field: norm.FieldEmail, Value: "ann@mail.example"}, norm.Key{Field: norm.FieldEmail, Value: "@mail.example"}, "the domain of an address"},
	} {
		got := shapeKey(tc.in)
		assert.Equal(t, tc.want, got, tc.why)
		assert.True(t, validShapeKey(got), tc.why)
		if tc.in.Field != norm.FieldEmail {
			assert.Len(t, got.Value, len(tc.in.Value), "a stand-in has its key's length: %s", tc.why)
		}
	}
}
