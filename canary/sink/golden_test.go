package sink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Bounds for waiting on asynchronous targets: failure deadlines, not measurements.
const (
	awaitLimit = 10 * time.Second
	tick       = 2 * time.Millisecond
)

// goldenAlert is a mail to two seeds of two placements, one of them also hit
// ambiguously by a shared phone number in the body.
func goldenAlert() canary.Alert {
	s1, s2, s3 := canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "export/2026-11-crm"), canarytest.Seed(3, "support-db/eu")
	a := canarytest.AlertFor(1, canary.ChannelEmail, s1, s2)
	a.Hits = append(a.Hits, canary.Hit{
		Seed: s1, Field: canary.FieldPhone, Value: "(201) 555-0101", Evidence: "body@88", Part: "body", Offset: 88,
		Confidence: canary.Ambiguous, Candidates: []canary.Seed{s1, s3},
	})
	return a
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "%s differs; if the change is meant, run go test -update", path)
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, b, "", "  "))
	return append(out.Bytes(), '\n')
}

func TestDocumentGolden(t *testing.T) {
	b, err := sink.NewDocument(goldenAlert(), map[string]string{"env": "test"}).MarshalJSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), "\n", "one line")
	golden(t, "alert.ecs.json", indent(t, b))
}

func TestSlackGolden(t *testing.T) {
	rec := newRecorder(t, http.StatusOK, "ok")
	s, err := sink.NewSlack(rec.URL+"/services/T000/B000/XXXXXXXX", sink.SlackOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), goldenAlert()))
	require.Len(t, rec.Requests(), 1)
	golden(t, "slack.json", indent(t, rec.Requests()[0].Body))
}

// goldenUpdate is goldenAlert sent again as its second update, as package
// watch sends a grouped repeat: same ID, more events, a higher revision.
func goldenUpdate() canary.Alert {
	a := goldenAlert()
	a.Count, a.Revision = 100, 2
	a.LastSeen = a.LastSeen.Add(3 * time.Hour)
	a.RevisedAt = a.LastSeen
	return a
}

func TestUpdateGolden(t *testing.T) {
	b, err := sink.NewDocument(goldenUpdate(), map[string]string{"env": "test"}).MarshalJSON()
	require.NoError(t, err)
	golden(t, "update.ecs.json", indent(t, b))

	rec := newRecorder(t, http.StatusOK, "ok")
	s, err := sink.NewSlack(rec.URL+"/services/T000/B000/XXXXXXXX", sink.SlackOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), goldenUpdate()))
	require.Len(t, rec.Requests(), 1)
	golden(t, "slack-update.json", indent(t, rec.Requests()[0].Body))
}
