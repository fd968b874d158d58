package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// recordingSink keeps what it was sent, deduplicating by alert ID as the Sink
// contract asks, and fails while fail > 0.
type recordingSink struct {
	mu    sync.Mutex
	fail  int
	sends int
	got   map[uuid.UUID]canary.Alert
	order []uuid.UUID
}

func (s *recordingSink) Send(_ context.Context, a canary.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends++
	if s.fail > 0 {
		s.fail--
		return errors.New("target down")
	}
	if s.got == nil {
		s.got = map[uuid.UUID]canary.Alert{}
	}
	if _, dup := s.got[a.ID]; !dup {
		s.order = append(s.order, a.ID)
	}
	s.got[a.ID] = a
	return nil
}

func (s *recordingSink) alerts() []canary.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]canary.Alert, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.got[id])
	}
	return out
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func watchFixture(t *testing.T, sink canary.Sink, mod func(*watch.Config)) (*watch.Watcher, []canary.Seed, *fakeClock, watch.Outbox) {
	t.Helper()
	m, seeds := matchFixture(t)
	clock := &fakeClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	out := watch.NewMemoryOutbox()
	cfg := watch.Config{
		Matcher:    m,
		Outbox:     out,
		Sinks:      map[string]canary.Sink{"rec": sink},
		OwnDomains: []string{"shop.example"},
		OwnNumbers: []string{"+1 212 555 0111"},
		Now:        clock.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	w, err := watch.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w, seeds, clock, out
}

// sendScamMail has w handle a scam mail to seed s, the ticket of s in its
// body after prefix, delivers it to sink and returns the alert sink got.
func sendScamMail(t *testing.T, w *watch.Watcher, sink *recordingSink, s canary.Seed, at time.Time, prefix string) canary.Alert {
	t.Helper()
	ctx := context.Background()
	ev := canary.Event{
		Channel: canary.ChannelEmail, From: "refunds@scam.example", To: s.Email,
		Subject: "Your refund", Body: prefix + "reply to claim ticket " + s.Ticket + " today",
		At: at, Source: "smtp", ID: "<m1@scam.example>",
	}
	require.NoError(t, w.HandleEvent(ctx, ev))
	require.Equal(t, 1, w.Flush(ctx))
	got := sink.alerts()
	require.Len(t, got, 1)
	return got[0]
}

func TestWatcherAlertsOnceWithEvidence(t *testing.T) {
	sink := &recordingSink{}
	w, seeds, clock, _ := watchFixture(t, sink, nil)
	ctx := context.Background()
	a := sendScamMail(t, w, sink, seeds[1], clock.Now(), strings.Repeat("Dear customer, ", 20))
	assert.Equal(t, "refunds@scam.example", a.Sender, "the scammer's address is kept")
	assert.Equal(t, canary.ChannelEmail, a.Channel)
	assert.Equal(t, []uuid.UUID{seeds[1].ID}, []uuid.UUID{a.Seeds[0].ID})
	assert.Equal(t, 1, a.Count)
	require.NotEmpty(t, a.Attribution)
	assert.Equal(t, "crm/eu", a.Attribution[0].Placement)
	require.Len(t, a.Evidence, 2)
	assert.Equal(t, "to: "+seeds[1].Email, a.Evidence[0])
	assert.Contains(t, a.Evidence[1], seeds[1].Ticket)
	assert.Less(t, len(a.Evidence[1]), 2*60+40, "an excerpt, never the body")

	// A stranger's mail makes no alert.
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, To: "someone@mail.example", Body: "hi"}))
	assert.Zero(t, w.Flush(ctx))
}

func TestWatcherGroupsRepeats(t *testing.T) {
	sink := &recordingSink{}
	w, seeds, clock, out := watchFixture(t, sink, nil)
	ctx := context.Background()
	send := func(id, from string) {
		require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelSMS, From: from, To: seeds[1].Phone, At: clock.Now(), ID: id}))
	}
	send("SM1", "+1 202 555 0142")
	clock.Advance(10 * time.Minute)
	send("SM2", "+12025550142")    // same sender, other formatting
	send("SM2", "+12025550142")    // a provider's redelivery of SM2
	send("SM3", "+1 202 555 0143") // another sender: another alert
	w.Flush(ctx)
	var alerts []canary.Alert
	for a, err := range out.Alerts(ctx) {
		require.NoError(t, err)
		alerts = append(alerts, a)
	}
	require.Len(t, alerts, 2)
	assert.Equal(t, 2, alerts[0].Count, "two messages from one sender, the redelivery counted once")
	assert.Equal(t, []string{"SM1", "SM2"}, alerts[0].EventIDs)
	assert.Equal(t, 1, alerts[1].Count)
	assert.Len(t, sink.alerts(), 2, "sinks hear of each group once")
	assert.Equal(t, 2, sink.sends)

	clock.Advance(2 * time.Hour)
	send("SM4", "+1 202 555 0142")
	w.Flush(ctx)
	assert.Len(t, sink.alerts(), 3, "after the window a repeat is a new alert")
}

func TestWatcherSuppressesOnlyAuthenticatedOwnTraffic(t *testing.T) {
	sink, audit := &recordingSink{}, &recordingSink{}
	w, seeds, clock, out := watchFixture(t, sink, func(c *watch.Config) {
		c.Sinks["audit"] = audit
		c.SuppressedSinks = []string{"audit"}
	})
	ctx := context.Background()
	dkim := []canary.SenderAuth{{Domain: "mail.shop.example", Method: "dkim d=shop.example"}}
	for _, tc := range []struct {
		why  string
		ev   canary.Event
		want string // SuppressedBy; "" pages
	}{
		{"a claimed own address alone pages",
			canary.Event{Channel: canary.ChannelEmail, From: "Shop <news@mail.shop.example>", To: seeds[1].Email}, ""},
		{"a claimed own number alone pages",
			canary.Event{Channel: canary.ChannelSMS, From: "+12125550111", To: seeds[1].Phone}, ""},
		{"an Authentication-Results header the receiver did not vouch for pages",
			canary.Event{Channel: canary.ChannelEmail, From: "support@shop.example", To: seeds[2].Email,
				Header: map[string][]string{"Authentication-Results": {"mx.shop.example; dmarc=pass header.from=shop.example"}}}, ""},
		{"an authenticated stranger's domain pages",
			canary.Event{Channel: canary.ChannelEmail, From: "x@scam.example", To: seeds[2].Email, Body: seeds[1].Ticket,
				Auth: []canary.SenderAuth{{Domain: "scam.example", Method: "dkim d=scam.example"}}}, ""},
		{"a subdomain of an own domain, authenticated, is suppressed",
			canary.Event{Channel: canary.ChannelEmail, From: "news@mail.shop.example", To: seeds[0].Email, Auth: dkim},
			"authenticated own domain mail.shop.example (dkim d=shop.example)"},
		{"an own number an authenticated channel vouches for is suppressed",
			canary.Event{Channel: canary.ChannelCall, From: "+12125550111", To: seeds[0].Phone,
				Auth: []canary.SenderAuth{{Number: "+1 212 555 0111", Method: "pbx"}}},
			"authenticated own number +12125550111 (pbx)"},
	} {
		tc.ev.At = clock.Now()
		require.NoError(t, w.HandleEvent(ctx, tc.ev), tc.why)
	}
	w.Flush(ctx)
	var by []string
	for a, err := range out.Alerts(ctx) {
		require.NoError(t, err)
		by = append(by, a.SuppressedBy)
		assert.Equal(t, a.SuppressedBy != "", a.Suppressed)
	}
	assert.Equal(t, []string{"", "", "", "",
		"authenticated own domain mail.shop.example (dkim d=shop.example)",
		"authenticated own number +12125550111 (pbx)"}, by, "recorded, suppressed or not")
	assert.Len(t, sink.alerts(), 4, "every unauthenticated claim paged")
	for _, a := range sink.alerts() {
		assert.False(t, a.Suppressed)
	}
	got := audit.alerts()
	require.Len(t, got, 6, "the audit sink asked for suppressed alerts too")
	var marked int
	for _, a := range got {
		if a.Suppressed {
			marked++
		}
	}
	assert.Equal(t, 2, marked, "marked suppressed")

	m, _ := matchFixture(t)
	_, err := watch.New(watch.Config{Matcher: m, SuppressedSinks: []string{"nowhere"}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

// TestWatcherReadsNumbersInTheMatchersRegions: own numbers and senders in
// national form are read in the Matcher's regions, the default first.
func TestWatcherReadsNumbersInTheMatchersRegions(t *testing.T) {
	_, seeds := matchFixture(t)
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(context.Background(), seeds...))
	m, err := canary.NewMatcher(reg, canary.WithRegions("GB", "US"))
	require.NoError(t, err)
	assert.Equal(t, []string{"GB", "US"}, m.Regions())
	out := watch.NewMemoryOutbox()
	w, err := watch.New(watch.Config{Matcher: m, Outbox: out, OwnNumbers: []string{"07700 900456"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelSMS, From: "+44 7700 900456", To: seeds[1].Phone,
		Auth: []canary.SenderAuth{{Number: "07700 900456", Method: "pbx"}}}))
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelSMS, From: "(0)7700 900457", To: seeds[1].Phone,
		Auth: []canary.SenderAuth{{Number: "(0)7700 900457", Method: "pbx"}}}))
	var by []string
	for a, err := range out.Alerts(ctx) {
		require.NoError(t, err)
		by = append(by, a.SuppressedBy)
	}
	assert.Equal(t, []string{"authenticated own number +447700900456 (pbx)", ""}, by, "a national own number, read in GB; another sender is not suppressed")

	_, err = watch.New(watch.Config{Matcher: m, OwnNumbers: []string{"not a number"}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

func TestWatcherRetriesAndReportsFailingSink(t *testing.T) {
	sink := &recordingSink{fail: 6}
	w, seeds, clock, _ := watchFixture(t, sink, func(c *watch.Config) { c.FailingAfter = 3 })
	ctx := context.Background()
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, To: seeds[1].Email, At: clock.Now()}))
	for i := range 6 {
		assert.Zero(t, w.Flush(ctx), "attempt %d fails", i+1)
		assert.Zero(t, w.Flush(ctx), "not due again before the backoff")
		clock.Advance(10 * time.Minute)
	}
	h := w.Health()
	require.Len(t, h, 1)
	assert.True(t, h[0].Failing, "six failures in a row are reported")
	assert.Equal(t, "target down", h[0].LastError)
	assert.Equal(t, 1, w.Flush(ctx))
	assert.Len(t, sink.alerts(), 1, "delivered once it recovers")
	assert.False(t, w.Health()[0].Failing)
	assert.Equal(t, 7, sink.sends)
}

func TestWatcherRestartDeliversPending(t *testing.T) {
	down := &recordingSink{fail: 1}
	w, seeds, clock, out := watchFixture(t, down, nil)
	ctx := context.Background()
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, To: seeds[1].Email, At: clock.Now()}))
	w.Flush(ctx)
	require.NoError(t, w.Close())

	// A new process on the same outbox picks the alert up.
	up := &recordingSink{}
	m, _ := matchFixture(t)
	w2, err := watch.New(watch.Config{Matcher: m, Outbox: out, Sinks: map[string]canary.Sink{"rec": up},
		Now: func() time.Time { return clock.Now().Add(time.Hour) }, PollInterval: 5 * time.Millisecond})
	require.NoError(t, err)
	w2.Start()
	w2.Start()
	require.Eventually(t, func() bool { return len(up.alerts()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, w2.Close())
	require.NoError(t, w2.Close(), "Close is idempotent")
}

type failingOutbox struct{ watch.Outbox }

func (failingOutbox) Record(context.Context, canary.Alert, []string) (canary.Alert, bool, error) {
	return canary.Alert{}, false, errors.New("disk full")
}

func TestWatcherOutboxFailureIsReturned(t *testing.T) {
	w, seeds, _, _ := watchFixture(t, &recordingSink{}, func(c *watch.Config) { c.Outbox = failingOutbox{watch.NewMemoryOutbox()} })
	err := w.HandleEvent(context.Background(), canary.Event{Channel: canary.ChannelEmail, To: seeds[1].Email})
	assert.ErrorContains(t, err, "disk full", "the receiver must not acknowledge")
}

func TestNewWatcherRejects(t *testing.T) {
	m, _ := matchFixture(t)
	for _, cfg := range []watch.Config{
		{},
		{Matcher: m, OwnDomains: []string{"not a domain"}},
		{Matcher: m, OwnNumbers: []string{"12"}},
		{Matcher: m, Sinks: map[string]canary.Sink{"": &recordingSink{}}},
		{Matcher: m, MinBackoff: time.Minute, MaxBackoff: time.Second},
	} {
		_, err := watch.New(cfg)
		assert.ErrorIs(t, err, canary.ErrInvalidConfig, fmt.Sprintf("%+v", cfg))
	}
}

type delayErr struct{ d time.Duration }

func (e delayErr) Error() string             { return "busy" }
func (e delayErr) RetryDelay() time.Duration { return e.d }

type errSink struct{ err error }

func (s errSink) Send(context.Context, canary.Alert) error { return s.err }

func TestWatcherHonoursSinkErrorKinds(t *testing.T) {
	ctx := context.Background()
	w, seeds, clock, _ := watchFixture(t, errSink{fmt.Errorf("webhook: 410 Gone: %w", canary.ErrSinkPermanent)}, nil)
	require.NoError(t, w.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, To: seeds[1].Email, At: clock.Now()}))
	w.Flush(ctx)
	assert.True(t, w.Health()[0].Failing, "a permanent refusal is reported at once")

	w2, seeds2, clock2, _ := watchFixture(t, errSink{delayErr{2 * time.Minute}}, nil)
	require.NoError(t, w2.HandleEvent(ctx, canary.Event{Channel: canary.ChannelEmail, To: seeds2[1].Email, At: clock2.Now()}))
	w2.Flush(ctx)
	failures := w2.Health()[0].Failures
	clock2.Advance(time.Minute)
	w2.Flush(ctx)
	assert.Equal(t, failures, w2.Health()[0].Failures, "not retried before the delay the target asked for")
	clock2.Advance(90 * time.Second)
	w2.Flush(ctx)
	assert.Equal(t, failures+1, w2.Health()[0].Failures, "retried after it")
}

// TestWatcherStoredAlertsStayPut: the memory an alert is built in is reused
// for the next event once the Outbox has its copy; what was stored, and what
// a sink was sent, must not change with it.
func TestWatcherStoredAlertsStayPut(t *testing.T) {
	sink := &recordingSink{}
	w, seeds, clock, out := watchFixture(t, sink, nil)
	ctx := context.Background()
	sent := sendScamMail(t, w, sink, seeds[1], clock.Now(), "")
	stored, err := out.Alert(ctx, sent.ID)
	require.NoError(t, err)
	require.Len(t, stored.Evidence, 2)

	for i := range 3 {
		require.NoError(t, w.HandleEvent(ctx, canary.Event{
			Channel: canary.ChannelSMS, From: fmt.Sprintf("+1 202 555 01%02d", 50+i), To: seeds[3].Phone,
			Body: "Maria, your parcel, ticket " + seeds[2].Ticket + " is held", At: clock.Now(), Source: "twilio", ID: fmt.Sprintf("SM%d", i),
		}))
	}
	again, err := out.Alert(ctx, sent.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, again, "the stored alert")
	assert.Equal(t, stored, sink.alerts()[0], "the alert the sink was sent")
	assert.Equal(t, "to: "+seeds[1].Email, again.Evidence[0])
	assert.Equal(t, []string{"<m1@scam.example>"}, again.EventIDs)
	assert.Equal(t, seeds[1].ID, again.Seeds[0].ID)
}
