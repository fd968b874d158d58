package inbound

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// pipeline is the deployed path minus the sinks: IMAP watcher -> Watcher ->
// outbox.
type pipeline struct {
	reg    canary.Registry
	outbox watch.Outbox
	w      *watch.Watcher
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// testLogger logs to the test at warn level, so a failure shows why.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newPipeline builds a Watcher over reg with outbox (nil: in memory).
func newPipeline(t testing.TB, reg canary.Registry, outbox watch.Outbox) *pipeline {
	t.Helper()
	if outbox == nil {
		outbox = watch.NewMemoryOutbox()
	}
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	w, err := watch.New(watch.Config{Matcher: m, Outbox: outbox, Logger: quietLog})
	require.NoError(t, err)
	return &pipeline{reg: reg, outbox: outbox, w: w}
}

// counted returns, per event ID, how many alerts name it, and the sum of the
// alerts' counts.
func (p *pipeline) counted(t testing.TB) (map[string]int, int) {
	t.Helper()
	ids := map[string]int{}
	total := 0
	for a, err := range p.outbox.Alerts(context.Background()) {
		require.NoError(t, err)
		total += a.Count
		for _, id := range a.EventIDs {
			ids[id]++
		}
	}
	return ids, total
}

// assertExactlyOnce checks that every message in want is in exactly one
// alert, and counted once.
func (p *pipeline) assertExactlyOnce(t testing.TB, want []string) {
	t.Helper()
	ids, total := p.counted(t)
	for _, id := range want {
		assert.Equal(t, 1, ids[id], "message %s in exactly one alert", id)
	}
	assert.Len(t, ids, len(want), "no alert names a message not sent")
	assert.Equal(t, len(want), total, "every message counted once")
}

// waitCounted waits until n messages are counted in alerts.
func (p *pipeline) waitCounted(t testing.TB, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, total := p.counted(t)
		return total >= n
	}, 60*time.Second, 10*time.Millisecond, "%d messages become alerts", n)
}

// scamMessage is a message to address with a Message-ID naming k.
func scamMessage(address string, k int, from string) ([]byte, string) {
	id := fmt.Sprintf("<%d.%d@scam.example>", os.Getpid(), k)
	return []byte(fmt.Sprintf("From: Support <%s>\r\nTo: <%s>\r\nSubject: Your refund %d\r\nMessage-ID: %s\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nCall us today about case %d.\r\n",
		from, address, k, id, k)), id
}

// startIMAP starts a watcher over cfg and closes it at the end of the test.
func startIMAP(t testing.TB, cfg IMAPConfig) *IMAP {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	cfg.MinBackoff = orDefault(cfg.MinBackoff, 20*time.Millisecond)
	cfg.MaxBackoff = orDefault(cfg.MaxBackoff, 200*time.Millisecond)
	w, err := NewIMAP(cfg)
	require.NoError(t, err)
	w.Start()
	t.Cleanup(func() { require.NoError(t, w.Close()) })
	return w
}

// waitStatus waits until mailbox i's status satisfies ok.
func waitStatus(t testing.TB, w *IMAP, i int, what string, ok func(IMAPStatus) bool) IMAPStatus {
	t.Helper()
	var st IMAPStatus
	require.Eventually(t, func() bool {
		st = w.Status()[i]
		return ok(st)
	}, 30*time.Second, 5*time.Millisecond, "mailbox status: %s; last: %+v", what, &st)
	return st
}

// seedMailbox returns a fresh seed in reg with a Dovecot mailbox at its address.
func seedMailbox(t testing.TB, d *dovecot, reg canary.Registry, noIdle bool) (canary.Seed, testMailbox) {
	t.Helper()
	s, mb := d.newMailbox(t, noIdle)
	require.NoError(t, reg.Add(context.Background(), s))
	return s, mb
}

// TestIMAPDeliversEveryMessageOnce: messages appended while the watcher
// runs, IDLE and polling, each become exactly one alert.
func TestIMAPDeliversEveryMessageOnce(t *testing.T) {
	d := testDovecot(t)
	for _, tc := range []struct {
		name   string
		noIdle bool
		mode   string
	}{
		{"idle", false, "idle"},
		{"poll", true, "poll"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := canary.NewMemoryRegistry()
			seed, mb := seedMailbox(t, d, reg, tc.noIdle)
			p := newPipeline(t, reg, nil)
			w := startIMAP(t, IMAPConfig{
				Mailboxes:    []IMAPMailbox{d.config(t, mb, IMAPPlaintext)},
				Handler:      p.w,
				PollInterval: 50 * time.Millisecond,
			})
			st := waitStatus(t, w, 0, "waiting "+tc.mode, func(s IMAPStatus) bool { return s.Mode == tc.mode })
			assert.True(t, st.Connected)
			c := d.client(t, mb.Address)
			var want []string
			for k := range 12 {
				raw, id := scamMessage(seed.Email, k, fmt.Sprintf("agent%d@scam.example", k%3))
				appendMessage(t, c, "INBOX", raw, time.Time{})
				want = append(want, id)
			}
			p.waitCounted(t, len(want))
			p.assertExactlyOnce(t, want)
			st = waitStatus(t, w, 0, "all seen", func(s IMAPStatus) bool { return s.Messages == 12 })
			assert.EqualValues(t, 12, st.LastUID)
			assert.NotZero(t, st.UIDValidity)
			assert.False(t, st.LastContact.IsZero())
			assert.Empty(t, st.LastError)
		})
	}
}

// TestIMAPTLS: implicit TLS and STARTTLS verify the server against the named
// CA, and refuse a server the system roots do not know.
func TestIMAPTLS(t *testing.T) {
	d := testDovecot(t)
	for _, tc := range []struct {
		name   string
		mode   IMAPTLSMode
		noCA   bool
		failed string // the error the status must show; "" means it works
	}{
		{"implicit TLS with the test CA", IMAPTLS, false, ""},
		{"STARTTLS with the test CA", IMAPStartTLS, false, ""},
		{"implicit TLS, system roots: certificate refused", IMAPTLS, true, "certificate"},
		{"STARTTLS, system roots: certificate refused", IMAPStartTLS, true, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := canary.NewMemoryRegistry()
			seed, mb := seedMailbox(t, d, reg, false)
			p := newPipeline(t, reg, nil)
			cfg := d.config(t, mb, tc.mode)
			if tc.noCA {
				cfg.CAFile = ""
			}
			w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{cfg}, Handler: p.w, Logger: quietLog})
			if tc.failed != "" {
				st := waitStatus(t, w, 0, "failed", func(s IMAPStatus) bool { return s.LastError != "" })
				assert.Contains(t, st.LastError, tc.failed)
				assert.False(t, st.Connected)
				return
			}
			waitStatus(t, w, 0, "idle", func(s IMAPStatus) bool { return s.Mode == "idle" })
			raw, id := scamMessage(seed.Email, 1, "tls@scam.example")
			appendMessage(t, d.client(t, mb.Address), "INBOX", raw, time.Time{})
			p.waitCounted(t, 1)
			p.assertExactlyOnce(t, []string{id})
		})
	}
}

// TestIMAPAuth: each login mechanism against Dovecot, with the right and a
// wrong credential. Dovecot checks an XOAUTH2 bearer token as the user's
// password, which is enough to test the mechanism's framing and its failure
// exchange (the JSON challenge and the empty answer).
func TestIMAPAuth(t *testing.T) {
	d := testDovecot(t)
	for _, tc := range []struct {
		name  string
		auth  IMAPAuth
		wrong bool
	}{
		{"SASL PLAIN", IMAPAuthPlain, false},
		{"LOGIN command", IMAPAuthLogin, false},
		{"XOAUTH2 bearer token", IMAPAuthXOAUTH2, false},
		{"SASL PLAIN, wrong password", IMAPAuthPlain, true},
		{"XOAUTH2, wrong token: the server's JSON reason is reported", IMAPAuthXOAUTH2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := canary.NewMemoryRegistry()
			seed, mb := seedMailbox(t, d, reg, false)
			cfg := d.config(t, mb, IMAPStartTLS)
			cfg.Auth = tc.auth
			file := filepath.Join(t.TempDir(), "token")
			secret := mb.Password
			if tc.wrong {
				secret = "not-" + secret
			}
			require.NoError(t, os.WriteFile(file, []byte(secret+"\n"), 0o600))
			cfg.Credential = CredentialRef{File: file}
			p := newPipeline(t, reg, nil)
			var logged strings.Builder
			var mu sync.Mutex
			log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
			w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{cfg}, Handler: p.w, Logger: log})
			if tc.wrong {
				st := waitStatus(t, w, 0, "refused", func(s IMAPStatus) bool { return s.LastError != "" })
				assert.Contains(t, st.LastError, "login")
				if tc.auth == IMAPAuthXOAUTH2 {
					assert.Contains(t, st.LastError, "status 401")
				}
				mu.Lock()
				assert.NotContains(t, logged.String(), secret, "the credential is never logged")
				mu.Unlock()
				return
			}
			waitStatus(t, w, 0, "idle", func(s IMAPStatus) bool { return s.Mode == "idle" })
			raw, id := scamMessage(seed.Email, 1, "auth@scam.example")
			appendMessage(t, d.client(t, mb.Address), "INBOX", raw, time.Time{})
			p.waitCounted(t, 1)
			p.assertExactlyOnce(t, []string{id})
			mu.Lock()
			assert.NotContains(t, logged.String(), secret, "the credential is never logged")
			mu.Unlock()
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestIMAPRestart: a watcher restarted over the same checkpoints reads only
// new messages; one restarted without them reads the folder again, and the
// alerts still count each message once.
func TestIMAPRestart(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	seed, mb := seedMailbox(t, d, reg, false)
	p := newPipeline(t, reg, nil)
	cps := NewMemoryIMAPCheckpoints()
	rec := &recorder{}
	both := handlers{rec, p.w}
	cfg := IMAPConfig{Mailboxes: []IMAPMailbox{d.config(t, mb, IMAPPlaintext)}, Handler: both, Checkpoints: cps}
	c := d.client(t, mb.Address)
	var want []string
	send := func(n int) {
		for range n {
			raw, id := scamMessage(seed.Email, len(want), "restart@scam.example")
			appendMessage(t, c, "INBOX", raw, time.Time{})
			want = append(want, id)
		}
	}

	send(3)
	w := startIMAP(t, cfg)
	p.waitCounted(t, 3)
	require.NoError(t, w.Close())
	send(2)
	w = startIMAP(t, cfg)
	p.waitCounted(t, 5)
	require.NoError(t, w.Close())
	assert.Len(t, rec.all(), 5, "with its checkpoint, a restarted watcher reads only what is new")

	cfg.Checkpoints = NewMemoryIMAPCheckpoints()
	w = startIMAP(t, cfg)
	waitStatus(t, w, 0, "read again", func(s IMAPStatus) bool { return s.Messages == 5 })
	assert.Len(t, rec.all(), 10, "without it, the folder is read again")
	p.assertExactlyOnce(t, want)
}

// handlers hands an event to each in turn.
type handlers []canary.EventHandler

func (hs handlers) HandleEvent(ctx context.Context, ev canary.Event) error {
	for _, h := range hs {
		if err := h.HandleEvent(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// TestIMAPHandlerFailure: while the handler fails, nothing is checkpointed;
// once it recovers, every message is recorded, each once.
func TestIMAPHandlerFailure(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	seed, mb := seedMailbox(t, d, reg, false)
	p := newPipeline(t, reg, nil)
	rec := &recorder{}
	rec.setFailing(true)
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{d.config(t, mb, IMAPPlaintext)}, Handler: handlers{rec, p.w}, Logger: quietLog})
	c := d.client(t, mb.Address)
	var want []string
	for k := range 3 {
		raw, id := scamMessage(seed.Email, k, "fail@scam.example")
		appendMessage(t, c, "INBOX", raw, time.Time{})
		want = append(want, id)
	}
	st := waitStatus(t, w, 0, "handler failure reported", func(s IMAPStatus) bool { return strings.Contains(s.LastError, "not recorded") })
	assert.Zero(t, st.LastUID, "nothing checkpointed while the handler fails")
	rec.setFailing(false)
	p.waitCounted(t, 3)
	p.assertExactlyOnce(t, want)
	waitStatus(t, w, 0, "checkpointed", func(s IMAPStatus) bool { return s.LastUID == 3 })
}

// TestIMAPMoveTo: recorded messages move to the configured folder.
func TestIMAPMoveTo(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	seed, mb := seedMailbox(t, d, reg, false)
	c := d.client(t, mb.Address)
	require.NoError(t, c.Create("Seen-by-honeyseed", nil).Wait())
	p := newPipeline(t, reg, nil)
	cfg := d.config(t, mb, IMAPPlaintext)
	cfg.MoveTo = "Seen-by-honeyseed"
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{cfg}, Handler: p.w})
	raw, id := scamMessage(seed.Email, 1, "move@scam.example")
	appendMessage(t, c, "INBOX", raw, time.Time{})
	p.waitCounted(t, 1)
	p.assertExactlyOnce(t, []string{id})
	waitStatus(t, w, 0, "done", func(s IMAPStatus) bool { return s.Messages == 1 })
	require.Eventually(t, func() bool {
		in, err := c.Status("INBOX", &imapStatusMessages).Wait()
		require.NoError(t, err)
		moved, err := c.Status("Seen-by-honeyseed", &imapStatusMessages).Wait()
		require.NoError(t, err)
		return *in.NumMessages == 0 && *moved.NumMessages == 1
	}, 10*time.Second, 10*time.Millisecond, "the message is moved")
}

// TestIMAPUIDValidityReset: the folder deleted and created again (new
// UIDVALIDITY) is read from the start; the messages it held before, put back
// as a server migration would (same arrival time), raise no new alert, and
// new ones are counted once.
func TestIMAPUIDValidityReset(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	seed, mb := seedMailbox(t, d, reg, false)
	c := d.client(t, mb.Address)
	const folder = "Canary"
	require.NoError(t, c.Create(folder, nil).Wait())
	p := newPipeline(t, reg, nil)
	cfg := d.config(t, mb, IMAPPlaintext)
	cfg.Folder = folder
	// Nothing announces a folder made anew: the watcher finds out when it
	// selects again after a quiet IdleTimeout.
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{cfg}, Handler: p.w, IdleTimeout: 100 * time.Millisecond})
	first := waitStatus(t, w, 0, "idle", func(s IMAPStatus) bool { return s.Mode == "idle" })

	type sent struct {
		raw []byte
		at  time.Time
	}
	var msgs []sent
	var want []string
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	for k := range 4 {
		raw, id := scamMessage(seed.Email, k, "reset@scam.example")
		appendMessage(t, c, folder, raw, at)
		msgs = append(msgs, sent{raw, at})
		want = append(want, id)
	}
	p.waitCounted(t, 4)

	// Delete and recreate: the watcher's connection loses its folder.
	require.NoError(t, c.Delete(folder).Wait())
	require.NoError(t, c.Create(folder, nil).Wait())
	for _, m := range msgs {
		appendMessage(t, c, folder, m.raw, m.at)
	}
	for k := 4; k < 6; k++ {
		raw, id := scamMessage(seed.Email, k, "reset@scam.example")
		appendMessage(t, c, folder, raw, time.Time{})
		want = append(want, id)
	}
	st := waitStatus(t, w, 0, "new UIDVALIDITY, read again", func(s IMAPStatus) bool {
		return s.UIDValidity != first.UIDValidity && s.LastUID == 6
	})
	assert.NotEqual(t, first.UIDValidity, st.UIDValidity)
	p.waitCounted(t, 6)
	p.assertExactlyOnce(t, want)
}

var imapStatusMessages = imap.StatusOptions{NumMessages: true}

// TestIMAPOversized: a message over MaxMessageBytes is not downloaded; its
// header alone becomes the event, which still raises the alert, with a note.
func TestIMAPOversized(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	seed, mb := seedMailbox(t, d, reg, false)
	rec := &recorder{}
	p := newPipeline(t, reg, nil)
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{d.config(t, mb, IMAPPlaintext)}, Handler: handlers{rec, p.w}, MaxMessageBytes: 64 << 10})
	raw, id := scamMessage(seed.Email, 1, "huge@scam.example")
	raw = append(raw, []byte(strings.Repeat("attachment line of a very large message\r\n", 8<<10))...)
	appendMessage(t, d.client(t, mb.Address), "INBOX", raw, time.Time{})
	p.waitCounted(t, 1)
	p.assertExactlyOnce(t, []string{id})
	waitStatus(t, w, 0, "done", func(s IMAPStatus) bool { return s.Messages == 1 })
	ev := rec.only(t)
	assert.True(t, hasNote(ev, "header only"), "notes: %v", ev.Header[NoteHeader])
	assert.Empty(t, ev.Body, "the body was not downloaded")
	assert.Equal(t, "Your refund 1", ev.Subject)
	assert.Equal(t, []string{seed.Email}, ev.Envelope)
	assert.Equal(t, "imap", ev.Source)
}

// TestIMAPSeveralMailboxes: one watcher, three mailboxes over three kinds of
// connection, each on its own connection and each message counted once.
func TestIMAPSeveralMailboxes(t *testing.T) {
	d := testDovecot(t)
	reg := canary.NewMemoryRegistry()
	p := newPipeline(t, reg, nil)
	var seeds []canary.Seed
	var mbs []IMAPMailbox
	var clients []*imapclient.Client
	for _, k := range []struct {
		noIdle bool
		mode   IMAPTLSMode
	}{{false, IMAPTLS}, {true, IMAPStartTLS}, {false, IMAPPlaintext}} {
		s, mb := seedMailbox(t, d, reg, k.noIdle)
		seeds = append(seeds, s)
		mbs = append(mbs, d.config(t, mb, k.mode))
		clients = append(clients, d.client(t, mb.Address))
	}
	w := startIMAP(t, IMAPConfig{Mailboxes: mbs, Handler: p.w, PollInterval: 50 * time.Millisecond})
	var want []string
	for k := range 9 {
		i := k % 3
		raw, id := scamMessage(seeds[i].Email, k, "multi@scam.example")
		appendMessage(t, clients[i], "INBOX", raw, time.Time{})
		want = append(want, id)
	}
	p.waitCounted(t, len(want))
	p.assertExactlyOnce(t, want)
	for i, mode := range []string{"idle", "poll", "idle"} {
		st := waitStatus(t, w, i, "all read", func(s IMAPStatus) bool { return s.Messages == 3 })
		assert.Equal(t, seeds[i].Email, st.Address)
		assert.Equal(t, mode, st.Mode)
		assert.True(t, st.Connected)
	}
}
