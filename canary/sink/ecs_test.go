package sink

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

func TestDocumentFields(t *testing.T) {
	suppressed := canarytest.AlertFor(5, canary.ChannelEmail)
	suppressed.Suppressed, suppressed.SuppressedBy = true, "own domain corp.example"
	hostile := canarytest.AlertFor(6, canary.ChannelSMS)
	hostile.Sender = "+1202555\x1b[2J\n0142" + strings.Repeat("9", 1000) + "\xff"
	noAttribution := canarytest.AlertFor(7, canary.ChannelCall)
	noAttribution.Attribution = nil

	for _, tc := range []struct {
		a    canary.Alert
		want map[string]any // dotted path: value
		gone []string       // dotted paths that must be absent
		why  string
	}{
		{canarytest.AlertFor(1, canary.ChannelEmail), map[string]any{
			"event.kind": "alert", "event.category": []any{"intrusion_detection"}, "event.type": []any{"info"},
			"event.action": "canary-contact", "event.provider": "smtp", "event.duration": float64(20 * 60e9),
			"email.from.address": []any{"refunds1@fraud.example"}, "email.to.address": []any{"ann.lee1@mail.example"},
			"email.direction": "inbound", "honeyseed.channel": "email", "honeyseed.count": float64(3),
			"honeyseed.suppressed": false, "ecs.version": ECSVersion,
		}, []string{"source", "labels"}, "mail: the sender and recipients go in ECS email fields"},
		{canarytest.AlertFor(2, canary.ChannelSMS), map[string]any{
			"source.address": "+12025550102", "event.action": "canary-contact", "event.provider": "twilio",
		}, []string{"email"}, "SMS: the sender's number is the source address"},
		{canarytest.AlertFor(3, canary.ChannelText), map[string]any{
			"event.action": "canary-exposed", "event.provider": "scan:dump.sql",
		}, []string{"email", "source"}, "a seed found in a dump was exposed, not contacted, and has no sender"},
		{suppressed, map[string]any{
			"honeyseed.suppressed": true, "honeyseed.suppressed_by": "own domain corp.example",
		}, nil, "own traffic stays recognisable as such"},
		{noAttribution, map[string]any{"honeyseed.channel": "call"}, []string{"honeyseed.attribution"}, "no attribution yet"},
	} {
		doc := decode(t, NewDocument(tc.a, nil))
		for path, want := range tc.want {
			got, ok := lookup(doc, path)
			if assert.True(t, ok, "%s missing: %s", path, tc.why) {
				assert.Equal(t, want, got, "%s: %s", path, tc.why)
			}
		}
		for _, path := range tc.gone {
			_, ok := lookup(doc, path)
			assert.False(t, ok, "%s present: %s", path, tc.why)
		}
		assert.Equal(t, tc.a.ID.String(), must(lookup(doc, "event.id")), tc.why)
	}

	t.Run("RetiredSeedMarked", func(t *testing.T) {
		a := canarytest.AlertFor(9, canary.ChannelEmail)
		retiredAt := a.FirstSeen.Add(-24 * time.Hour)
		a.Seeds[0].RetiredAt = retiredAt
		a.RetiredSeeds = []uuid.UUID{a.Seeds[0].ID}
		d := NewDocument(a, nil)
		seeds := must(lookup(decode(t, d), "honeyseed.seeds")).([]any)
		require.NotEmpty(t, seeds)
		first := seeds[0].(map[string]any)
		assert.Equal(t, true, first["retired"], "the SOC sees the hit was on a retired seed")
		assert.Equal(t, retiredAt.UTC().Format(time.RFC3339), first["retired_at"])
		assert.Contains(t, d.doc.Message, "1 of them retired before the hit")

		plain := decode(t, NewDocument(canarytest.AlertFor(9, canary.ChannelEmail), nil))
		assert.NotContains(t, must(lookup(plain, "honeyseed.seeds")).([]any)[0].(map[string]any), "retired", "no mark on a planted seed")
	})

	t.Run("BadScoreStillEncodes", func(t *testing.T) {
		a := canarytest.AlertFor(8, canary.ChannelEmail)
		a.Attribution[0].Score = math.NaN()
		doc := decode(t, NewDocument(a, nil))
		assert.Equal(t, float64(0), must(lookup(doc, "honeyseed.attribution")).([]any)[0].(map[string]any)["score"],
			"JSON has no NaN: a broken score must not make the alert undeliverable")
	})

	t.Run("HostileSenderBounded", func(t *testing.T) {
		d := NewDocument(hostile, nil)
		addr := d.doc.Source.Address
		assert.LessOrEqual(t, len(addr), maxSender, "sender clipped")
		assert.True(t, utf8.ValidString(addr), "invalid UTF-8 replaced")
		assert.NotContains(t, d.doc.Message, "\n", "the summary stays on one line")
		assert.NotContains(t, d.doc.Message, "\x1b", "no terminal escapes in the summary")
	})
}

// TestLogValueMatchesJSON: the slog form of a document is its JSON form, so a
// slog.JSONHandler writes the same document the JSONLines sink does.
func TestLogValueMatchesJSON(t *testing.T) {
	d := NewDocument(canarytest.AlertFor(1, canary.ChannelEmail, canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "export/2026-11-crm")), map[string]string{"env": "test"})
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
			return slog.Attr{}
		}
		return a
	}}))
	l.Info("", "doc", d)
	var logged struct{ Doc map[string]any }
	require.NoError(t, json.Unmarshal(buf.Bytes(), &logged))
	assert.Equal(t, decode(t, d), logged.Doc)

	first := d.LogValue().Group()[0]
	assert.Equal(t, "@timestamp", first.Key, "groups keep the document's order")
}

func decode(t *testing.T, d Document) map[string]any {
	t.Helper()
	b, err := d.MarshalJSON()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// lookup follows a dotted path ("event.kind") through nested objects.
func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for key := range strings.SplitSeq(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

func must(v any, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
		why  string
	}{
		{"short", 10, "short", "fits"},
		{"abcdefghij", 6, "abc…", "cut leaves room for the ellipsis (3 bytes)"},
		{"ééééé", 6, "é…", "never cuts inside a rune"},
		{"a\xffb", 10, "a\uFFFDb", "invalid UTF-8 replaced"},
	} {
		got := clip(tc.in, tc.n)
		assert.Equal(t, tc.want, got, tc.why)
		assert.LessOrEqual(t, len(got), max(tc.n, len(tc.want)), tc.why)
	}
}

func fuzzAlert(sender, placement string) canary.Alert {
	a := canarytest.AlertFor(1, canary.ChannelSMS, canarytest.Seed(1, placement))
	a.Sender = sender
	return a
}

func FuzzDocument(f *testing.F) {
	f.Add("+1 202 555 0142", "support-db/eu")
	f.Add("\xff\x1b[2J\n", "")
	f.Fuzz(func(t *testing.T, sender, placement string) {
		d := NewDocument(fuzzAlert(sender, placement), nil)
		b, err := d.MarshalJSON()
		if assert.NoError(t, err) {
			assert.True(t, json.Valid(b))
			assert.NotContains(t, string(b), "\n", "one line")
		}
		assert.NotContains(t, d.doc.Message, "\n")
		assert.LessOrEqual(t, len(d.doc.Source.Address), maxSender)
	})
}

func TestDocumentMailSubjectAndClient(t *testing.T) {
	a := canarytest.AlertFor(9, canary.ChannelEmail, canarytest.Seed(1, "support-db/eu"))
	a.Subject = "Your refund is ready"
	a.Remote = "192.0.2.10"
	b, err := json.Marshal(NewDocument(a, nil))
	require.NoError(t, err)
	var doc struct {
		Email  struct{ Subject string } `json:"email"`
		Source struct{ IP string }      `json:"source"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, "Your refund is ready", doc.Email.Subject, "ECS email.subject")
	assert.Equal(t, "192.0.2.10", doc.Source.IP, "ECS source.ip: the SMTP client")
}
