package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

const slackPath = "/services/T000/B000/XXXXXXXXXXXXXXXX" // a Slack webhook's path is its secret

func slackSend(t *testing.T, a canary.Alert) []byte {
	t.Helper()
	rec := newRecorder(t, http.StatusOK, "ok")
	s, err := sink.NewSlack(rec.URL+slackPath, sink.SlackOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), a))
	require.Len(t, rec.Requests(), 1)
	assert.Equal(t, slackPath, rec.Requests()[0].Path)
	return rec.Requests()[0].Body
}

// texts returns every text of a Slack message, the fallback and each block's.
func texts(t *testing.T, body []byte) []string {
	t.Helper()
	type text struct{ Text string }
	var m struct {
		Text   string
		Blocks []struct {
			Text     *text
			Fields   []text
			Elements []text
		}
	}
	require.NoError(t, json.Unmarshal(body, &m))
	out := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil {
			out = append(out, b.Text.Text)
		}
		for _, f := range append(b.Fields, b.Elements...) {
			out = append(out, f.Text)
		}
	}
	return out
}

func TestSlackEscapesSender(t *testing.T) {
	a := canarytest.AlertFor(1, canary.ChannelEmail)
	a.Sender = "<!channel> <https://refund.example/login|Reset your password> `x` & *urgent*\n<@U024BE7LH>"
	for _, txt := range texts(t, slackSend(t, a)) {
		assert.NotContains(t, txt, "<!channel>", "no @channel from the scammer")
		assert.NotContains(t, txt, "<https://", "no link from the scammer")
		assert.NotContains(t, txt, "<@U", "no mention from the scammer")
	}
	assert.Contains(t, strings.Join(texts(t, slackSend(t, a)), "\n"), "&lt;!channel&gt;", "the sender is shown, escaped")
}

// A chat channel is the widest audience an alert has: it must not learn what
// canary values look like.
func TestSlackNamesNoPlantedValue(t *testing.T) {
	s1, s2 := canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "support-db/eu")
	for _, ch := range []canary.Channel{canary.ChannelEmail, canary.ChannelSMS, canary.ChannelText} {
		body := string(slackSend(t, canarytest.AlertFor(1, ch, s1, s2)))
		for _, s := range []canary.Seed{s1, s2} {
			for _, v := range []string{s.Email, s.Phone, s.Ticket, s.Name.Family} {
				assert.NotContains(t, body, v, "%s alert", ch)
			}
		}
	}
}

func TestSlackBounded(t *testing.T) {
	a := canarytest.AlertFor(1, canary.ChannelSMS)
	a.Sender = strings.Repeat("+1 202 555 0147 ", 500)
	for i := range 30 {
		a.Seeds = append(a.Seeds, canarytest.Seed(100+i, fmt.Sprintf("export/%s-%02d", strings.Repeat("x", 40), i)))
	}
	a.Attribution[0].Placement = strings.Repeat("p", 400)
	body := slackSend(t, a)
	assert.Less(t, len(body), 8000)
	for i, txt := range texts(t, body) {
		limit := 500
		if i == 0 {
			limit = 1000
		}
		assert.LessOrEqual(t, len(txt), limit, "%.40q", txt)
	}
	assert.Contains(t, string(body), "and 26 more", "31 placements named as 5 and a count")
}

func TestSlackStatus(t *testing.T) {
	for _, tc := range []struct {
		status     int
		header     string
		answer     string
		permanent  bool
		retryAfter time.Duration
		why        string
	}{
		{http.StatusTooManyRequests, "30", "rate_limited", false, 30 * time.Second, "Slack rate limits with Retry-After"},
		{http.StatusNotFound, "", "no_service", true, 0, "the webhook was removed"},
		{http.StatusForbidden, "", "invalid_token", true, 0, "the webhook was revoked"},
		{http.StatusGone, "", "channel_is_archived", true, 0, "the channel was archived"},
		{http.StatusBadRequest, "", "invalid_payload", true, 0, "Slack refuses the message: resending it will not help"},
		{http.StatusInternalServerError, "", "rollup_error", false, 0, "Slack's own failure passes"},
	} {
		rec := newRecorderWith(t, tc.status, tc.answer, map[string]string{"Retry-After": tc.header})
		s, err := sink.NewSlack(rec.URL+slackPath, sink.SlackOptions{})
		require.NoError(t, err)
		err = s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
		var he *sink.HTTPError
		require.ErrorAs(t, err, &he, tc.why)
		assert.Equal(t, tc.retryAfter, he.RetryAfter, tc.why)
		assert.Equal(t, tc.permanent, errors.Is(err, sink.ErrPermanent), tc.why)
		assert.Contains(t, err.Error(), tc.answer, tc.why)
		assert.NotContains(t, err.Error(), "XXXXXXXX", "%s: the webhook's secret path", tc.why)
	}
}

func TestSlackErrorHidesURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	s, err := sink.NewSlack("http://"+addr+slackPath, sink.SlackOptions{})
	require.NoError(t, err)
	err = s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sink: slack: POST http://"+addr)
	assert.NotContains(t, err.Error(), "XXXXXXXX", "the webhook's secret path stays out of logs and the outbox")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", s, s, s), "XXXXXXXX", "printing the sink shows no URL either")
}

func TestNewSlackConfig(t *testing.T) {
	for _, tc := range []struct {
		url string
		why string
	}{
		{"hooks.slack.com/services/T000/B000/XXXXXXXX", "no scheme"},
		{"http://hooks.slack.example/services/T000/B000/XXXXXXXX", "plain http off loopback"},
		{"https://", "no host"},
	} {
		_, err := sink.NewSlack(tc.url, sink.SlackOptions{})
		assert.ErrorIs(t, err, sink.ErrInvalidConfig, tc.why)
		if err != nil {
			assert.NotContains(t, err.Error(), "XXXXXXXX", tc.why)
		}
	}
}
