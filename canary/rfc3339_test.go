package canary

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendRFC3339 checks the hand-written formatter against time's own,
// at the edges of its digits and at random times in and out of its years
// and zones.
func TestAppendRFC3339(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 10, 1, 9, 5, 7, 123, time.FixedZone("", 5*3600+1800)),
	}
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("", 13*3600+2700)}
	for range 100_000 {
		sec := r.Int64N(400_000_000_000) - 100_000_000_000 // years around -1200 to 14600
		times = append(times, time.Unix(sec, r.Int64N(1e9)).In(zones[r.IntN(len(zones))]))
	}
	for _, tm := range times {
		want := tm.UTC().Format(time.RFC3339)
		if got := string(appendRFC3339([]byte("x"), tm)); got != "x"+want {
			t.Fatalf("appendRFC3339(%v) = %q, want %q", tm, got, "x"+want)
		}
	}
}
