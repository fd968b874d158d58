package watch_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// matchFixture is a matcher over six test seeds: seeds[1] is Jessica Smith,
// seeds[3] and seeds[4] share a number, seeds[5] has a UK number.
func matchFixture(t *testing.T) (*canary.Matcher, []canary.Seed) {
	t.Helper()
	var seeds []canary.Seed
	for i := range 6 {
		seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
	}
	seeds[1].Email, seeds[1].Phone = "jessica.smith@mail.example", "+14155550132"
	seeds[1].Name = canary.Name{Given: "Jessica", Family: "Smith"}
	seeds[3].Name = canary.Name{Given: "Maria", Family: "Lopez"}
	seeds[4].Name = canary.Name{Given: "David", Family: "Okafor"}
	seeds[3].Phone, seeds[4].Phone = "+12125550150", "+12125550150"
	seeds[5].Phone = "+447700900123"
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(context.Background(), seeds...))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	return m, seeds
}

func TestMemoryOutboxConformance(t *testing.T) {
	canarytest.TestOutbox(t, func(*testing.T) watch.Outbox { return watch.NewMemoryOutbox() })
}
