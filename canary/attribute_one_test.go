package canary

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

// TestAttributeOneAsAny checks the one-placement path against the general
// one on random alerts: repeated seeds, zero and unordered times, retired
// and expired seeds, guesses inside and outside [0, 1], with and without
// an Attributor.
func TestAttributeOneAsAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func() time.Time {
		if rng.IntN(4) == 0 {
			return time.Time{}
		}
		return base.Add(time.Duration(rng.IntN(1000)-500) * time.Hour)
	}
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	guesses := []float64{0, 0.1, 0.5, 1, -1, 2}
	var arena []byte
	owned := &Attributor{Strings: func(b []byte) string { arena = append(arena[:0], b...); return string(arena) }}
	plain := &Attributor{}
	differ := 0
	for n := range 20_000 {
		tripped := make([]Seed, 1+rng.IntN(len(attribution{}.seeds)))
		for i := range tripped {
			tripped[i] = Seed{ID: ids[rng.IntN(len(ids))], Placement: "crm/eu", PlantedAt: at(), ExpiresAt: at(), RetiredAt: at()}
		}
		first := at()
		guess := guesses[rng.IntN(len(guesses))]
		if n%2 == 0 {
			guess = rng.Float64()
		}
		opts := AttributeOptions{Guess: guess}
		for _, a := range []*Attributor{nil, owned, plain} {
			var want, got []Suspect
			if a == nil {
				want, got = attributeAny(tripped, first, opts, nil), attributeOne(tripped, first, min(max(guess, 0), 1), nil)
			} else {
				a.block = attribution{}
				want = cloneSuspects(attributeAny(tripped, first, opts, a))
				a.block = attribution{}
				got = attributeOne(tripped, first, min(max(guess, 0), 1), a)
			}
			if !assert.ObjectsAreEqual(want, got) {
				if differ++; differ <= 3 {
					assert.Equal(t, want, got, "seeds %v, first contact %v, guess %v", tripped, first, guess)
				}
			}
		}
	}
	assert.Zero(t, differ, "alerts attributed differently")
	// The path is taken only where it applies.
	assert.True(t, onePlacement([]Seed{{Placement: "a"}, {Placement: "a"}}))
	assert.False(t, onePlacement([]Seed{{Placement: "a"}, {Placement: "b"}}))
	assert.False(t, onePlacement([]Seed{{}, {}}))
}

func cloneSuspects(s []Suspect) []Suspect {
	out := make([]Suspect, len(s))
	for i := range s {
		out[i] = s[i]
		out[i].Seeds = append([]uuid.UUID(nil), s[i].Seeds...)
		out[i].Reasons = append([]string(nil), s[i].Reasons...)
	}
	return out
}
