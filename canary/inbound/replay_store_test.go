package inbound_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// settableClock is a clock the test moves.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func postForm(t *testing.T, u string, form url.Values, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// twilioSig signs a form the way the Twilio documentation describes.
func twilioSig(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		s += k + form.Get(k)
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func alertCount(t *testing.T, st *sqlstore.Store) (alerts, events int) {
	t.Helper()
	for a, err := range st.Alerts(context.Background()) {
		require.NoError(t, err)
		alerts++
		events += a.Count
	}
	return alerts, events
}

// TestTwilioReplayAcrossRestartRaisesNoAlert records an SMS to a seed through
// a Watcher whose outbox is SQLite, restarts the receiver, and replays the
// same signed request two hours later: it is refused, and no new alert (nor
// a grouped repeat) is raised.
func TestTwilioReplayAcrossRestartRaisesNoAlert(t *testing.T) {
	dir := t.TempDir()
	seed := canarytest.Seed(0, "crm/eu")
	require.NotEmpty(t, seed.Phone)
	clock := &settableClock{now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	const token = "twilio-test-token"

	// receiver starts one receiver process's worth: store, watcher, handler.
	receiver := func() (*sqlstore.Store, *httptest.Server, func()) {
		st := openStore(t, dir)
		m, err := canary.NewMatcher(st)
		require.NoError(t, err)
		w, err := watch.New(watch.Config{Matcher: m, Outbox: st, Now: clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		h, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{AuthToken: token,
			PublicURL: "https://hooks.example.com/twilio/sms",
			Options:   inbound.Options{Handler: w, Now: clock.Now, Replay: st.Replay()}})
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		return st, srv, func() { srv.Close(); w.Close(); st.Close() }
	}

	st, srv, stop := receiver()
	require.NoError(t, st.Add(context.Background(), seed))
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000001"}, "From": {"+12025550143"},
		"To": {seed.Phone}, "Body": {"Your refund is ready"}}
	header := http.Header{"X-Twilio-Signature": {twilioSig(token, "https://hooks.example.com/twilio/sms", form)}}
	require.Equal(t, http.StatusOK, postForm(t, srv.URL, form, header))
	alerts, events := alertCount(t, st)
	require.Equal(t, 1, alerts)
	require.Equal(t, 1, events)
	stop()

	clock.add(2 * time.Hour)
	st, srv, stop = receiver()
	defer stop()
	assert.Equal(t, http.StatusForbidden, postForm(t, srv.URL, form, header), "the replay is refused")
	alerts, events = alertCount(t, st)
	assert.Equal(t, 1, alerts, "no new alert")
	assert.Equal(t, 1, events, "and no repeat counted in the old one")
}

// TestMailgunReplayAfterRestart: two receivers one after the other on one
// SQLite file; a Mailgun post accepted by the first is refused by the second,
// within the timestamp window.
func TestMailgunReplayAfterRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	const key = "mailgun-test-key"
	ts := fmt.Sprint(now.Unix())
	token := "0123456789abcdef0123456789abcdef0123456789abcdef01"
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + token))
	form := url.Values{"timestamp": {ts}, "token": {token}, "signature": {hex.EncodeToString(mac.Sum(nil))},
		"recipient": {"ann@mail.example"}, "sender": {"x@scam.example"}, "subject": {"hi"}, "body-plain": {"hello"}}

	for i, want := range []struct{ status, events int }{{http.StatusOK, 1}, {http.StatusForbidden, 0}} {
		st, err := sqlstore.Open(context.Background(), sqlstore.Options{
			Path: filepath.Join(dir, "registry.db"), KeyFile: filepath.Join(dir, "registry.key"), RefreshInterval: -1})
		require.NoError(t, err)
		rec := &eventCount{}
		h, err := inbound.NewMailgunHandler(inbound.MailgunConfig{SigningKey: key,
			Options: inbound.Options{Handler: rec, Now: func() time.Time { return now.Add(time.Minute) }, Replay: st.Replay()}})
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		assert.Equal(t, want.status, postForm(t, srv.URL, form, http.Header{}), "receiver %d", i)
		assert.Equal(t, want.events, rec.n, "receiver %d: an event only for the first", i)
		srv.Close()
		require.NoError(t, st.Close())
	}
}

type eventCount struct {
	mu sync.Mutex
	n  int
}

func (e *eventCount) HandleEvent(context.Context, canary.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	return nil
}
