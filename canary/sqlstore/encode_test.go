package sqlstore

import (
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
