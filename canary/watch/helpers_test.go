package watch_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// matchFixture is a matcher over canarytest.MatchSeeds.
func matchFixture(t *testing.T) (*canary.Matcher, []canary.Seed) {
	t.Helper()
	seeds := canarytest.MatchSeeds()
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(context.Background(), seeds...))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	return m, seeds
}

func TestMemoryOutboxConformance(t *testing.T) {
	canarytest.TestOutbox(t, func(*testing.T) watch.Outbox { return watch.NewMemoryOutbox() })
}
