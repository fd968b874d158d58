package sink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

// revised is a sent again as update rev with count events.
func revised(a canary.Alert, rev, count int) canary.Alert {
	a = a.Clone()
	a.Revision, a.Count = rev, count
	return a
}

func TestJSONLinesKeepsUpdatesAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	a := canarytest.AlertFor(1, canary.ChannelEmail)

	j, err := sink.OpenJSONLines(path, sink.JSONLinesOptions{})
	require.NoError(t, err)
	require.NoError(t, j.Send(ctx, a))
	require.NoError(t, j.Send(ctx, revised(a, 1, 10)), "an update is a new line, not a repeat")
	require.NoError(t, j.Send(ctx, revised(a, 1, 10)), "a retried update is dropped")
	require.NoError(t, j.Close())

	j, err = sink.OpenJSONLines(path, sink.JSONLinesOptions{NoSync: true})
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, j.Send(ctx, revised(a, 1, 10)), "a retried update after the restart is dropped")
	require.NoError(t, j.Send(ctx, revised(a, 2, 100)))

	var revs, counts []int
	for _, line := range splitLines(readFile(t, path)) {
		var doc struct {
			Event struct {
				ID   string   `json:"id"`
				Type []string `json:"type"`
			} `json:"event"`
			Honeyseed struct {
				Count    int `json:"count"`
				Revision int `json:"revision"`
			} `json:"honeyseed"`
		}
		require.NoError(t, json.Unmarshal(line, &doc))
		assert.Equal(t, a.ID.String(), doc.Event.ID, "every line names the one alert")
		assert.Equal(t, doc.Honeyseed.Revision > 0, len(doc.Event.Type) == 2 && doc.Event.Type[1] == "change", "updates are event.type change")
		revs, counts = append(revs, doc.Honeyseed.Revision), append(counts, doc.Honeyseed.Count)
	}
	assert.Equal(t, []int{0, 1, 2}, revs)
	assert.Equal(t, []int{3, 10, 100}, counts)
}

func TestWebhookUpdateIsANewMessageOfTheSameAlert(t *testing.T) {
	rec := newRecorder(t, http.StatusOK, "")
	w, err := sink.NewWebhook(rec.URL, testSecret, sink.WebhookOptions{Now: fixedNow})
	require.NoError(t, err)
	a := canarytest.AlertFor(1, canary.ChannelSMS)
	ctx := context.Background()
	require.NoError(t, w.Send(ctx, a))
	require.NoError(t, w.Send(ctx, revised(a, 1, 10)))
	require.NoError(t, w.Send(ctx, revised(a, 1, 10)), "a retry of update 1")
	reqs := rec.Requests()
	require.Len(t, reqs, 2, "the retry of an update is not sent twice by one process")
	assert.Equal(t, a.ID.String(), reqs[0].Header.Get("webhook-id"))
	assert.Equal(t, sink.MessageID(revised(a, 1, 10)).String(), reqs[1].Header.Get("webhook-id"))
	assert.NotEqual(t, reqs[0].Header.Get("webhook-id"), reqs[1].Header.Get("webhook-id"),
		"webhook-id names one message: an update is a new one, or receivers would drop it")
	assert.Equal(t, sink.MessageID(revised(a, 1, 99)), sink.MessageID(revised(a, 1, 10)), "the ID follows the revision, not the count")
	for _, r := range reqs {
		assert.NoError(t, verifyStandardWebhook(testSecret, r.Header, r.Body, fixedTime))
		var doc struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &doc))
		assert.Equal(t, a.ID.String(), doc.Event.ID, "the payload names the alert: receivers keep one case")
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}
