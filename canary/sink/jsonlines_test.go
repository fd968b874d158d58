package sink_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestOpenJSONLinesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	j, err := sink.OpenJSONLines(path, sink.JSONLinesOptions{})
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "alerts name seeds: owner only")
	require.NoError(t, j.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail)))
	require.NoError(t, j.Close())
	require.NoError(t, j.Close(), "Close is idempotent")
	assert.ErrorIs(t, j.Send(context.Background(), canarytest.AlertFor(2, canary.ChannelEmail)), canary.ErrClosed)
	assert.Len(t, receiptsFromLines(t, readFile(t, path)), 1)
}

// After a restart the dispatcher may resend an alert whose delivery it never
// recorded; the file already has it, and gets it once.
func TestOpenJSONLinesRemembersAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	first, second := canarytest.AlertFor(1, canary.ChannelEmail), canarytest.AlertFor(2, canary.ChannelSMS)

	j, err := sink.OpenJSONLines(path, sink.JSONLinesOptions{})
	require.NoError(t, err)
	require.NoError(t, j.Send(ctx, first))
	require.NoError(t, j.Close())

	j, err = sink.OpenJSONLines(path, sink.JSONLinesOptions{NoSync: true})
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, j.Send(ctx, first), "a resend after the restart")
	require.NoError(t, j.Send(ctx, second))
	got := receiptsFromLines(t, readFile(t, path))
	require.Len(t, got, 2)
	assert.Equal(t, first.ID, got[0].ID)
	assert.Equal(t, second.ID, got[1].ID)
}

// A crash in the middle of a line leaves it cut short; the next line must not
// be glued to it.
func TestOpenJSONLinesAfterTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"event":{"id":"cut sh`), 0o600))
	j, err := sink.OpenJSONLines(path, sink.JSONLinesOptions{})
	require.NoError(t, err)
	defer j.Close()
	a := canarytest.AlertFor(1, canary.ChannelEmail)
	require.NoError(t, j.Send(context.Background(), a))
	lines := bytes.Split(bytes.TrimSuffix(readFile(t, path), []byte("\n")), []byte("\n"))
	require.Len(t, lines, 2)
	assert.Equal(t, a.ID, receiptFromECS(t, lines[1]).ID, "the new line stands alone")
}

// failingWriter fails its first write after writing part of it.
type failingWriter struct {
	bytes.Buffer
	failed bool
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if !w.failed {
		w.failed = true
		w.Buffer.Write(p[:10])
		return 10, errors.New("disk full")
	}
	return w.Buffer.Write(p)
}

func TestJSONLinesWriteFailure(t *testing.T) {
	var w failingWriter
	j := sink.NewJSONLines(&w, sink.JSONLinesOptions{})
	a := canarytest.AlertFor(1, canary.ChannelEmail)
	err := j.Send(context.Background(), a)
	assert.ErrorContains(t, err, "sink: json lines: disk full")
	require.NoError(t, j.Send(context.Background(), a), "the retry writes, as the failure was not remembered as sent")
	lines := bytes.Split(bytes.TrimSuffix(w.Bytes(), []byte("\n")), []byte("\n"))
	require.Len(t, lines, 2, "the torn first attempt and the retry, on separate lines")
	assert.Equal(t, a.ID, receiptFromECS(t, lines[1]).ID)
}

func TestJSONLinesKeepsCallersWriter(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	j := sink.NewJSONLines(f, sink.JSONLinesOptions{})
	require.NoError(t, j.Close())
	_, err = f.WriteString("still open\n")
	assert.NoError(t, err, "Close leaves a writer given to NewJSONLines open")
}

func BenchmarkJSONLinesSend(b *testing.B) {
	j := sink.NewJSONLines(io.Discard, sink.JSONLinesOptions{RecentIDs: -1})
	a := canarytest.AlertFor(1, canary.ChannelEmail, canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "export/2026-11-crm"))
	ctx := context.Background()
	for b.Loop() {
		if err := j.Send(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}
