package sqlstore

import (
	"testing"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

func TestRegistryConformance(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		canarytest.TestRegistry(t, func(t *testing.T) canary.Registry { return open(t, e.fresh(t)) })
	})
}

func TestOutboxConformance(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		canarytest.TestOutbox(t, func(t *testing.T) watch.Outbox { return open(t, e.fresh(t)) })
	})
}
