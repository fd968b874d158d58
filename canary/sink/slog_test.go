package sink_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

func TestSlogRecord(t *testing.T) {
	var buf bytes.Buffer
	s := sink.NewSlog(slog.New(slog.NewTextHandler(&buf, nil)), sink.SlogOptions{})
	a := canarytest.AlertFor(2, canary.ChannelSMS)
	require.NoError(t, s.Send(context.Background(), a))
	line := buf.String()
	for _, want := range []string{
		"level=WARN",
		`msg="canary sms from \"+12025550102\" touched 1 seed in support-db/eu (3 events); likely leak: support-db/eu (100%)"`,
		"event.kind=alert",
		"event.id=" + a.ID.String(),
		"source.address=+12025550102",
		"honeyseed.count=3",
	} {
		assert.Contains(t, line, want)
	}
	assert.NotContains(t, line, " message=", "the summary is the record's message, not an attribute")
}

type failingHandler struct{ slog.Handler }

func (failingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (failingHandler) Handle(context.Context, slog.Record) error { return errors.New("log disk full") }

func TestSlogHandlerError(t *testing.T) {
	s := sink.NewSlog(slog.New(failingHandler{slog.DiscardHandler}), sink.SlogOptions{Level: slog.LevelError})
	err := s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
	assert.ErrorContains(t, err, "sink: slog: log disk full", "the handler's error comes back to be retried")
}

func TestSlogLevel(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))
	require.NoError(t, sink.NewSlog(l, sink.SlogOptions{}).Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail)))
	assert.Empty(t, buf.String(), "a handler not enabled at Warn drops the alert")
	require.NoError(t, sink.NewSlog(l, sink.SlogOptions{Level: slog.LevelError}).Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail)))
	assert.Contains(t, buf.String(), "level=ERROR")
}
