package canary_test

import (
	"testing"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

func TestMemoryRegistryConformance(t *testing.T) {
	canarytest.TestRegistry(t, func(*testing.T) canary.Registry { return canary.NewMemoryRegistry() })
}
