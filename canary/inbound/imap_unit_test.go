package inbound

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestIMAPConfigErrors(t *testing.T) {
	ok := IMAPMailbox{Address: "ann.lee1@mail.example", Host: "imap.mail.example", Credential: CredentialRef{Env: "X"}}
	with := func(f func(*IMAPMailbox)) IMAPMailbox {
		m := ok
		f(&m)
		return m
	}
	for _, tc := range []struct {
		why  string
		mb   IMAPMailbox
		want string // "" means valid
	}{
		{"the minimal mailbox is valid", ok, ""},
		{"an address is required", with(func(m *IMAPMailbox) { m.Address = "" }), "address"},
		{"a host is required", with(func(m *IMAPMailbox) { m.Host = "" }), "host"},
		{"plaintext must be allowed explicitly", with(func(m *IMAPMailbox) { m.TLS = IMAPPlaintext; m.Host = "127.0.0.1" }), "allow_plaintext"},
		{"plaintext only to loopback, even when allowed", with(func(m *IMAPMailbox) { m.TLS = IMAPPlaintext; m.AllowPlaintext = true }), "loopback"},
		{"plaintext to ::1 when allowed", with(func(m *IMAPMailbox) { m.TLS = IMAPPlaintext; m.AllowPlaintext = true; m.Host = "::1" }), ""},
		{"unknown TLS mode", with(func(m *IMAPMailbox) { m.TLS = "ssl" }), "TLS mode"},
		{"unknown auth", with(func(m *IMAPMailbox) { m.Auth = "cram-md5" }), "auth"},
		{"a credential is required", with(func(m *IMAPMailbox) { m.Credential = CredentialRef{} }), "credential"},
		{"one credential source, not two", with(func(m *IMAPMailbox) { m.Credential.File = "/x" }), "credential"},
		{"moving into the watched folder", with(func(m *IMAPMailbox) { m.MoveTo = "INBOX" }), "move_to"},
		{"port out of range", with(func(m *IMAPMailbox) { m.Port = 70000 }), "port"},
	} {
		_, err := NewIMAP(IMAPConfig{Mailboxes: []IMAPMailbox{tc.mb}, Handler: &recorder{}})
		if tc.want == "" {
			assert.NoError(t, err, tc.why)
			continue
		}
		if assert.Error(t, err, tc.why) {
			assert.ErrorIs(t, err, canary.ErrInvalidConfig, tc.why)
			assert.Contains(t, err.Error(), tc.want, tc.why)
			assert.True(t, strings.HasPrefix(err.Error(), "inbound: "), tc.why)
		}
	}
	_, err := NewIMAP(IMAPConfig{Mailboxes: []IMAPMailbox{ok, with(func(m *IMAPMailbox) { m.Address = "Ann.Lee1@MAIL.example" })}, Handler: &recorder{}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "the same mailbox twice")
	_, err = NewIMAP(IMAPConfig{Mailboxes: []IMAPMailbox{ok}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "no handler")
	_, err = NewIMAP(IMAPConfig{Handler: &recorder{}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "no mailbox")
}

func TestIMAPConfigDefaults(t *testing.T) {
	w, err := NewIMAP(IMAPConfig{Mailboxes: []IMAPMailbox{
		{Address: "Ann.Lee1@Mail.Example", Host: "imap.mail.example", Credential: CredentialRef{Env: "X"}},
		{Address: "ann.lee2@mail.example", Host: "imap.mail.example", TLS: IMAPStartTLS, Credential: CredentialRef{File: "/x"}},
	}, Handler: &recorder{}})
	require.NoError(t, err)
	a, b := w.cfg.Mailboxes[0], w.cfg.Mailboxes[1]
	assert.Equal(t, "ann.lee1@mail.example", a.Address, "normalized")
	assert.Equal(t, a.Address, a.User, "the user is the address")
	assert.Equal(t, 993, a.Port)
	assert.Equal(t, IMAPTLS, a.TLS)
	assert.Equal(t, IMAPAuthPlain, a.Auth)
	assert.Equal(t, "INBOX", a.Folder)
	assert.Equal(t, 143, b.Port)
	assert.Equal(t, defaultIdleTimeout, w.cfg.IdleTimeout)
	assert.IsType(t, &MemoryIMAPCheckpoints{}, w.cfg.Checkpoints)
	st := w.Status()
	require.Len(t, st, 2)
	assert.False(t, st[0].Connected)
	st[0].Address = "changed"
	assert.Equal(t, "ann.lee1@mail.example", w.Status()[0].Address, "Status returns a copy")
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close is idempotent")
	w.Start() // after Close: does nothing
	require.NoError(t, w.Close())
}

func TestCredentialRef(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	t.Setenv("HONEYSEED_TEST_CRED", "app-password")
	t.Setenv("HONEYSEED_TEST_EMPTY", "")
	for _, tc := range []struct {
		why  string
		ref  CredentialRef
		want Secret // "" means ErrNoCredential
	}{
		{"from the environment", CredentialRef{Env: "HONEYSEED_TEST_CRED"}, "app-password"},
		{"an empty variable is no credential", CredentialRef{Env: "HONEYSEED_TEST_EMPTY"}, ""},
		{"an unset variable is no credential", CredentialRef{Env: "HONEYSEED_TEST_UNSET_VARIABLE"}, ""},
		{"from a file, final newline dropped", CredentialRef{File: write("token", "ya29.token\r\n")}, "ya29.token"},
		{"a missing file", CredentialRef{File: filepath.Join(dir, "missing")}, ""},
		{"an empty file", CredentialRef{File: write("empty", "\n")}, ""},
		{"a file too large to be a token", CredentialRef{File: write("big", strings.Repeat("x", maxCredentialBytes+1))}, ""},
	} {
		got, err := tc.ref.read()
		if tc.want == "" {
			assert.ErrorIs(t, err, ErrNoCredential, tc.why)
			continue
		}
		require.NoError(t, err, tc.why)
		assert.Equal(t, tc.want, got, tc.why)
	}

	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	secret, err := CredentialRef{Env: "HONEYSEED_TEST_CRED"}.read()
	require.NoError(t, err)
	log.Info("x", "ref", CredentialRef{Env: "HONEYSEED_TEST_CRED"}, "secret", secret)
	assert.Contains(t, buf.String(), "env:HONEYSEED_TEST_CRED")
	assert.NotContains(t, buf.String(), "app-password")
}

func TestXOAUTH2Client(t *testing.T) {
	c := &xoauth2Client{user: "ann.lee1@mail.example", token: "ya29.abc"}
	mech, ir, err := c.Start()
	require.NoError(t, err)
	assert.Equal(t, "XOAUTH2", mech)
	assert.Equal(t, "user=ann.lee1@mail.example\x01auth=Bearer ya29.abc\x01\x01", string(ir), "the framing Google and Microsoft document")

	// The failure report is a base64 JSON challenge (go-imap decodes it);
	// the answer is empty, and the reason is kept.
	resp, err := c.Next([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	require.NoError(t, err)
	assert.Empty(t, resp)
	assert.Equal(t, "status 401, scope https://mail.google.com/", c.failure)
	_, err = c.Next([]byte("\xff not json " + strings.Repeat("x", 1000)))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(c.failure), maxXOAUTH2Failure, "a server's reason is bounded")

	_, _, err = (&xoauth2Client{user: "a\x01b", token: "t"}).Start()
	assert.Error(t, err, "a separator in the user would change the message")
}

func TestBackoff(t *testing.T) {
	for n := 1; n < 40; n++ {
		d := backoff(time.Second, time.Minute, n)
		full := min(time.Second<<min(n-1, 20), time.Minute)
		assert.GreaterOrEqual(t, d, full/2, "failure %d", n)
		assert.LessOrEqual(t, d, full, "failure %d", n)
	}
}

// TestIMAPEventBadInput: what a mailbox may hold, however broken, becomes a
// bounded event to the mailbox, with notes where it could not be read.
func TestIMAPEventBadInput(t *testing.T) {
	lim := messageLimits{header: headerLimits{bytes: 4 << 10, fields: 32}, body: 4 << 10}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		why  string
		raw  string
		note string // a note the event must carry; "" for none required
	}{
		{"no header at all", "just text, no header\r\n", ""},
		{"invalid UTF-8 in header and body", "Subject: \xff\xfe refund\r\nFrom: \xc3(@scam.example\r\n\r\nbody \xff\xff\r\n", ""},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n", "boundary"},
		{"multipart cut off", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi", ""},
		{"bad base64", "Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64***\r\n", "base64"},
		{"a header too large", "Subject: x\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 200)+"\r\n", 100) + "\r\nbody", "limit"},
		{"a body too large", "Subject: x\r\n\r\n" + strings.Repeat("long body ", 2000), "too long"},
		{"empty", "", ""},
	} {
		ev := imapEvent([]byte(tc.raw), "ann.lee1@mail.example", at, lim, nil)
		assertBounded(t, ev, lim.body, lim.header.bytes, lim.header.fields)
		assert.Equal(t, "imap", ev.Source, tc.why)
		assert.Equal(t, []string{"ann.lee1@mail.example"}, ev.Envelope, tc.why)
		assert.NotEmpty(t, ev.To, "%s: To says who was reached", tc.why)
		assert.NotEmpty(t, ev.ID, "%s: a digest when there is no Message-ID", tc.why)
		assert.Equal(t, at, ev.At, tc.why)
		if tc.note != "" {
			assert.True(t, hasNote(ev, tc.note), "%s: notes %v", tc.why, ev.Header[NoteHeader])
		}
	}
	a := imapEvent([]byte("Subject: x\r\n\r\nsame"), "ann.lee1@mail.example", at, lim, nil)
	b := imapEvent([]byte("Subject: x\r\n\r\nsame"), "ann.lee1@mail.example", at, lim, nil)
	assert.Equal(t, a.ID, b.ID, "a message read twice has the same digest")
}

func FuzzIMAPEvent(f *testing.F) {
	f.Add([]byte(fakeMessage))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n"))
	f.Add([]byte("Subject: =?utf-8?B?w6k=?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9=\r\n"))
	f.Add([]byte("\xff\xfe\x00\r\n\r\n"))
	lim := messageLimits{header: headerLimits{bytes: 2 << 10, fields: 16}, body: 2 << 10}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := imapEvent(raw, "ann.lee1@mail.example", time.Unix(0, 0), lim, nil)
		assertBounded(t, ev, lim.body, lim.header.bytes, lim.header.fields)
		if ev.Source != "imap" || ev.ID == "" || ev.To == "" || len(ev.Envelope) != 1 {
			t.Fatalf("event lacks what every IMAP event has: %+v", ev)
		}
	})
}
