package sqlstore

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

func TestSeedEncodingRoundTrip(t *testing.T) {
	full := canarytest.Seed(3, "crm/eu")
	full.Fields = map[string]string{"city": "Leeds", "company": "Harbour Logistics", "": "empty key", "note": ""}
	full.ExpiresAt = full.PlantedAt.Add(time.Hour).In(time.FixedZone("CET", 3600))
	full.CreatedAt = time.Date(1901, 2, 3, 4, 5, 6, 7, time.UTC) // before 1970, with nanoseconds
	full.RetiredAt = full.PlantedAt.Add(30 * time.Minute)
	for _, tc := range []struct {
		s   canary.Seed
		why string
	}{
		{full, "every field"},
		{canary.Seed{ID: full.ID, Placement: "p", Email: "a@b.example"}, "zero times, no fields"},
		{canary.Seed{ID: full.ID, Placement: "p", Name: canary.Name{Given: "José", Family: "García López"}, Ticket: "TM-1"}, "UTF-8"},
	} {
		got, err := decodeSeed(appendSeed(nil, tc.s))
		require.NoError(t, err, tc.why)
		canarytest.AssertSeedEqual(t, tc.s, got)
	}
}

func FuzzDecodeSeed(f *testing.F) {
	f.Add(appendSeed(nil, canarytest.Seed(1, "crm/eu")))
	s := canarytest.Seed(2, "crm/eu")
	s.Fields = map[string]string{"city": "Leeds"}
	f.Add(appendSeed(nil, s))
	f.Add([]byte{seedEncodingV1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSeed(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to a record that decodes to the same seed.
		again, err := decodeSeed(appendSeed(nil, s))
		if err != nil {
			t.Fatalf("re-encoded seed does not decode: %v", err)
		}
		assert.True(t, canarytest.AssertSeedEqual(t, s, again))
	})
}

func TestAlertEncodingKeepsConfidence(t *testing.T) {
	a := canarytest.Alert(1)
	a.Hits[0].Confidence = canary.Ambiguous
	b, err := encodeAlert(a)
	require.NoError(t, err)
	got, err := decodeAlert(b)
	require.NoError(t, err)
	canarytest.AssertAlertEqual(t, a, got)
	_, err = decodeAlert([]byte("{not json"))
	assert.Error(t, err)
}

// Sealed records are padded to size classes, so that their length does not
// narrow down which host rows a small placement's seeds could be.
func TestSealedSizeClasses(t *testing.T) {
	ks, err := deriveKeys(make(Secret, SecretSize))
	require.NoError(t, err)
	short := canary.Seed{ID: canarytest.Seed(1, "p").ID, Placement: "p", Name: canary.Name{Given: "Al", Family: "Li"}, Email: "al@mail.example"}
	long := canarytest.Seed(2, "support-db/eu-west/2026-11-export-for-the-billing-team")
	long.Fields = map[string]string{"city": "Kingston upon Hull", "company": "Harbour Logistics and Warehousing", "street": "1234 Long Avenue"}
	sealedLen := func(s canary.Seed) int {
		var buf []byte
		r, err := ks.sealSeed(s, &buf)
		require.NoError(t, err)
		return len(r.args[2].([]byte))
	}
	require.Greater(t, len(appendSeedBody(nil, long))-len(appendSeedBody(nil, short)), 100, "the seeds differ in size by far")
	assert.Equal(t, sealedLen(short), sealedLen(long), "two seeds of one class seal to one length")
	assert.Equal(t, minSeedClass+ks.aead.Overhead(), sealedLen(short))

	huge := long
	huge.Fields = map[string]string{"note": string(make([]byte, 300))}
	assert.Equal(t, 2*minSeedClass+ks.aead.Overhead(), sealedLen(huge), "a larger seed takes the next class")

	a, b := canarytest.Alert(1), canarytest.Alert(2)
	a.Hits[0].Value = "x"
	b.Hits[0].Value = strings.Repeat("y", 200)
	ea, err := encodeAlert(a)
	require.NoError(t, err)
	eb, err := encodeAlert(b)
	require.NoError(t, err)
	assert.Equal(t, len(ea), len(eb), "alerts pad to their class too")
}

func TestPadSize(t *testing.T) {
	for _, tc := range []struct {
		n, min, want int
		why          string
	}{
		{0, 256, 256, "an empty record takes the smallest class"},
		{256, 256, 256, "a record of exactly a class fits it"},
		{257, 256, 512, "one byte more takes the next"},
		{5000, 1024, 8192, "classes double"},
	} {
		assert.Equal(t, tc.want, padSize(tc.n, tc.min), tc.why)
	}
}

// Records sealed before padding (version 1, unpadded) and before RetiredAt
// (version 2) still open, with no retirement.
func TestSeedEncodingOlderVersionsStillRead(t *testing.T) {
	s := canarytest.Seed(4, "crm/eu")
	s.ExpiresAt = s.PlantedAt.Add(time.Hour)
	v1 := append([]byte{seedEncodingV1}, appendSeedBodyV2(nil, s)...)
	got, err := decodeSeed(v1)
	require.NoError(t, err)
	canarytest.AssertSeedEqual(t, s, got)

	body := appendSeedBodyV2(nil, s)
	v2 := append([]byte{seedEncodingV2, byte(len(body)), 0, 0, 0}, body...)
	v2 = append(v2, make([]byte, padSize(len(v2), minSeedClass)-len(v2))...)
	got, err = decodeSeed(v2)
	require.NoError(t, err)
	canarytest.AssertSeedEqual(t, s, got)
	assert.True(t, got.RetiredAt.IsZero(), "version 2 holds no retirement")

	v2[0] = seedEncodingV3 // a version-3 body is one time longer: the length no longer fits
	_, err = decodeSeed(v2)
	assert.Error(t, err, "a version-3 record with a version-2 body is refused")

	padded := appendSeed(nil, s)
	padded[len(padded)-1] = 1
	_, err = decodeSeed(padded)
	assert.Error(t, err, "padding that is not zeros is refused")
}
