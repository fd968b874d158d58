package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/watch"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenEvents are events of every kind a hit takes through the Watcher,
// each with why it is here: the alerts they record are pinned byte for byte,
// so a faster hit path records what the plain one did.
func goldenEvents(seeds []canary.Seed, at time.Time) []struct {
	why string
	ev  canary.Event
} {
	formatted := func(e164 string) string { return "(" + e164[2:5] + ") " + e164[5:8] + "-" + e164[8:] }
	return []struct {
		why string
		ev  canary.Event
	}{
		{"a mail to one seed, the sender with a display name and capitals", canary.Event{Channel: canary.ChannelEmail,
			From: `"Refund Desk" <Help@Refund-Desk.example>`, To: seeds[1].Email, Subject: "Your refund", At: at, Source: "smtp", ID: "<m1@refund-desk.example>"}},
		{"the same mail redelivered: folded, counted once", canary.Event{Channel: canary.ChannelEmail,
			From: "help@refund-desk.example", To: seeds[1].Email, Subject: "Your refund", At: at.Add(time.Minute), Source: "smtp", ID: "<m1@refund-desk.example>"}},
		{"a repeat from the same sender, other formatting: folded with a new hit", canary.Event{Channel: canary.ChannelEmail,
			From: "HELP@refund-desk.example", To: seeds[1].Email, Body: "ticket " + seeds[1].Ticket, At: at.Add(2 * time.Minute), Source: "smtp", ID: "<m2@refund-desk.example>"}},
		{"a mail to a seed in display-name form, with a +tag, and a long subject cut on a rune", canary.Event{Channel: canary.ChannelEmail,
			From: "x@scam.example", To: `"Ann" <` + strings.Replace(seeds[0].Email, "@", "+promo@", 1) + `>`,
			Subject: strings.Repeat("é", 150), At: at.Add(3 * time.Minute), Source: "smtp"}},
		{"a mail whose To is no seed but whose body names three, one of them twice", canary.Event{Channel: canary.ChannelEmail,
			From: "lists@scam.example", To: "buyer@scam.example", At: at.Add(4 * time.Minute), Source: "smtp",
			Body: strings.Repeat("x", 100) + " " + seeds[2].Email + ", " + seeds[5].Ticket + " and again " + seeds[2].Email + " call " + formatted(seeds[1].Phone)}},
		{"an SMS to a formatted shared number, the name naming one seed", canary.Event{Channel: canary.ChannelSMS,
			From: "+447700900001", To: formatted(seeds[3].Phone), Body: "Hello Maria, call us back", At: at.Add(5 * time.Minute), Source: "twilio", ID: "SM1"}},
		{"an SMS to a shared number that names no one: ambiguous", canary.Event{Channel: canary.ChannelSMS,
			From: "+1 (202) 555-0142", To: seeds[3].Phone, Body: "Your parcel is waiting", At: at.Add(6 * time.Minute), Source: "twilio", ID: "SM2"}},
		{"a call from a national number to a GB seed", canary.Event{Channel: canary.ChannelCall,
			From: "202-555-0143", To: "07700 900123", At: at.Add(7 * time.Minute), Source: "twilio"}},
		{"a sender that is neither address nor number", canary.Event{Channel: canary.ChannelText,
			From: "  Some Chat User ", Body: "see " + seeds[4].Email, At: at.Add(8 * time.Minute), Source: "chat"}},
		{"a body with invalid UTF-8 around the hit", canary.Event{Channel: canary.ChannelEmail,
			From: "z@scam.example", To: "y@scam.example", Body: "\xff\xfe broken " + seeds[0].Ticket + " \xc3", At: at.Add(9 * time.Minute), Source: "smtp"}},
		{"own traffic, authenticated: suppressed", canary.Event{Channel: canary.ChannelEmail,
			From: "news@mail.shop.example", To: seeds[0].Email, At: at.Add(10 * time.Minute), Source: "smtp",
			Auth: []canary.SenderAuth{{Domain: "mail.shop.example", Method: "dkim d=shop.example"}}}},
		{"a retired seed, an expired one and one planted after the contact", canary.Event{Channel: canary.ChannelEmail,
			From: "x@scam.example", To: seeds[6].Email, Body: seeds[7].Ticket + " " + seeds[8].Ticket, At: at.Add(11 * time.Minute), Source: "smtp"}},
		{"seeds of two placements", canary.Event{Channel: canary.ChannelEmail,
			From: "x@scam.example", To: seeds[9].Email, Body: "also " + seeds[2].Ticket, At: at.Add(12 * time.Minute), Source: "smtp", Remote: "192.0.2.7"}},
	}
}

// goldenSeeds are canarytest.MatchSeeds and four more: one retired, one
// expired, one planted after the events, one of another placement with fields.
func goldenSeeds(at time.Time) []canary.Seed {
	seeds := canarytest.MatchSeeds()
	for i := 6; i < 10; i++ {
		seeds = append(seeds, canarytest.Seed(i, "crm/eu"))
	}
	seeds[7].ExpiresAt = at.Add(-24 * time.Hour)
	seeds[8].PlantedAt = at.Add(24 * time.Hour)
	seeds[9].Placement, seeds[9].Fields = "export/2026-11", map[string]string{"city": "Springfield", "company": "Lee Holdings"}
	return seeds
}

// TestWatcherAlertsGolden records the golden events, with the default
// attribution and with copies held by other placements, and compares every
// stored alert with testdata.
func TestWatcherAlertsGolden(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		file string
		attr canary.AttributeOptions
	}{
		{"alerts.json", canary.AttributeOptions{}},
		{"alerts-holders.json", canary.AttributeOptions{Guess: 0.1, Holders: func(s canary.Seed) []string {
			return []string{s.Placement, "backup/nightly"}
		}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ctx := context.Background()
			seeds := goldenSeeds(at)
			reg := canary.NewMemoryRegistry()
			require.NoError(t, reg.Add(ctx, seeds...))
			require.NoError(t, reg.Retire(ctx, seeds[6].ID, at.Add(-time.Hour)))
			m, err := canary.NewMatcher(reg)
			require.NoError(t, err)
			out := watch.NewMemoryOutbox()
			w, err := watch.New(watch.Config{Matcher: m, Outbox: out, OwnDomains: []string{"shop.example"},
				Sinks: map[string]canary.Sink{"rec": &recordingSink{}}, Attribution: tc.attr,
				Now: func() time.Time { return at }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(t, err)
			defer w.Close()
			for _, e := range goldenEvents(seeds, at) {
				require.NoError(t, w.HandleEvent(ctx, e.ev), e.why)
			}
			var alerts []canary.Alert
			for a, err := range out.Alerts(ctx) {
				require.NoError(t, err)
				alerts = append(alerts, a)
			}
			require.Equal(t, len(goldenEvents(seeds, at))-2, len(alerts), "two events fold into the first alert")
			ids := map[uuid.UUID]bool{}
			for _, a := range alerts {
				ids[a.ID] = true
			}
			require.Len(t, ids, len(alerts))
			b, err := json.MarshalIndent(alerts, "", "  ")
			require.NoError(t, err)
			golden(t, tc.file, append(b, '\n'))
		})
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	if !bytes.Equal(want, got) {
		assert.Equal(t, string(want), string(got), "%s differs; if the change is meant, run go test -update", path)
	}
}
