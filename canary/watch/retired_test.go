package watch_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// A hit on a retired seed still alerts, and the alert says which seeds had
// been retired when they were hit, whether the hit opens an alert or is
// folded into one.
func TestAlertNamesRetiredSeeds(t *testing.T) {
	ctx := context.Background()
	seeds := canarytest.MatchSeeds()
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(ctx, seeds...))
	retiredAt := seeds[0].PlantedAt.Add(30 * 24 * time.Hour)
	require.NoError(t, reg.Retire(ctx, seeds[0].ID, retiredAt))
	require.NoError(t, reg.Retire(ctx, seeds[2].ID, retiredAt.Add(48*time.Hour)))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	out := watch.NewMemoryOutbox()
	w, err := watch.New(watch.Config{Matcher: m, Outbox: out, GroupWindow: 24 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)

	mail := func(id string, at time.Time, body string) canary.Alert {
		t.Helper()
		require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, Source: "smtp", ID: id,
			From: "refunds@scam.example", To: "undisclosed@scam.example", Body: body, At: at}))
		var got []canary.Alert
		for a, err := range out.Alerts(ctx) {
			require.NoError(t, err)
			got = append(got, a)
		}
		require.NotEmpty(t, got)
		return got[len(got)-1]
	}
	body := "refund for " + seeds[0].Email + " and " + seeds[1].Email
	before := mail("<a@scam.example>", retiredAt.Add(-time.Hour), body)
	assert.Empty(t, before.RetiredSeeds, "hit before the retirement")

	after := mail("<b@scam.example>", retiredAt.Add(time.Hour), body)
	assert.Equal(t, []uuid.UUID{seeds[0].ID}, after.RetiredSeeds, "only the retired seed is named")
	assert.Len(t, after.Seeds, 2, "a retired seed still trips")

	body2 := body + " cc " + seeds[2].Email
	at := retiredAt.Add(72 * time.Hour)
	first := mail("<c@scam.example>", at, body2)
	assert.ElementsMatch(t, []uuid.UUID{seeds[0].ID, seeds[2].ID}, first.RetiredSeeds)
}
