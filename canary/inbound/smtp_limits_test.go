package inbound

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// rawClient speaks SMTP line by line over TCP, to send what net/smtp will not.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	// A safety net so that a broken server fails the test instead of hanging
	// it; no assertion depends on it.
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// reply reads one reply, multi-line or not, and returns its last line, or ""
// when the server closed the connection.
func (c *rawClient) reply() string {
	c.t.Helper()
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return ""
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.conn, s)
	require.NoError(c.t, err)
}

// cmd sends one command line and returns the reply.
func (c *rawClient) cmd(line string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.reply()
}

// greet reads the greeting and says EHLO.
func (c *rawClient) greet() {
	c.t.Helper()
	require.True(c.t, strings.HasPrefix(c.reply(), "220"))
	require.True(c.t, strings.HasPrefix(c.cmd("EHLO client.example"), "250"))
}

// closed reports whether the server has closed the connection.
func (c *rawClient) closed() bool {
	_, err := c.r.ReadByte()
	return err != nil
}

func TestSMTPDataTimeoutIsTemporaryAndRecorded(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, DataIdleTimeout: 200 * time.Millisecond})
	c := dialRaw(t, addr)
	c.greet()
	require.True(t, strings.HasPrefix(c.cmd("MAIL FROM:<x@scam.example>"), "250"))
	require.True(t, strings.HasPrefix(c.cmd("RCPT TO:<"+s[0].Email+">"), "250"))
	require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
	c.send("Message-ID: <slow@scam.example>\r\nSubject: slow refund\r\n\r\nCall +1 202 555 0100\r\n")
	// ... and then nothing, past the idle time-out.

	got := c.reply()
	assert.True(t, strings.HasPrefix(got, "421 4.4.2 "), "a time-out is temporary: %q", got)
	assert.NotContains(t, got, "127.0.0.1", "no internal address")
	assert.NotContains(t, got, "timeout", "no internal cause")
	assert.True(t, c.closed(), "the stream is not trusted after a cut message")

	ev := rec.only(t)
	assert.Equal(t, "<slow@scam.example>", ev.ID, "what arrived is recorded")
	assert.Equal(t, "slow refund", ev.Subject)
	assert.Equal(t, []string{s[0].Email}, ev.Envelope)
	assert.True(t, hasNote(ev, "timed out"), "notes: %v", ev.Header[NoteHeader])
}

func TestSMTPDataTimeoutWithStoreDownStillTemporary(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	rec.setFailing(true)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, DataTimeout: 200 * time.Millisecond})
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	c.cmd("RCPT TO:<" + s[0].Email + ">")
	require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
	c.send("Subject: slow\r\n\r\n")
	got := c.reply()
	assert.True(t, strings.HasPrefix(got, "421 "), "%q", got)
	assert.NotContains(t, got, errStoreDown.Error())
	assert.Empty(t, rec.all())
}

func TestSMTPClientGoneMidDataIsRecorded(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	c.cmd("RCPT TO:<" + s[0].Email + ">")
	require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
	c.send("Message-ID: <gone@scam.example>\r\nSubject: cut\r\n\r\nhalf a mess")
	c.conn.Close()
	require.Eventually(t, func() bool { return len(rec.all()) == 1 }, 10*time.Second, 5*time.Millisecond)
	ev := rec.only(t)
	assert.Equal(t, "<gone@scam.example>", ev.ID)
	assert.True(t, hasNote(ev, "broken off"), "notes: %v", ev.Header[NoteHeader])
}

func TestSMTPBareLFEndOfData(t *testing.T) {
	for _, tc := range []struct {
		name, data, body, why string
	}{
		{"lf-dot-lf", "Subject: bare\n\nCall now.\n.\n", "Call now.\n", "all bare LFs"},
		{"lf-dot-crlf", "Subject: bare\r\n\r\nCall now.\n.\r\n", "Call now.\n", "a bare LF before the dot"},
		{"crlf-text-lf-dot-lf", "Subject: bare\r\n\r\nCall now.\r\n\n.\n", "Call now.\r\n\n", "CRLF lines, then a bare-LF dot line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, s := seeds(t, 1)
			rec := &recorder{}
			// The read time-outs are the defaults: a prompt reply cannot come from them.
			addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
			c := dialRaw(t, addr)
			c.greet()
			c.cmd("MAIL FROM:<x@scam.example>")
			c.cmd("RCPT TO:<" + s[0].Email + ">")
			require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
			c.send(tc.data)
			got := c.reply()
			assert.True(t, strings.HasPrefix(got, "250"), "%s: %q", tc.why, got)
			assert.True(t, c.closed(), "%s: no command is taken after a bare-LF end", tc.why)

			ev := rec.only(t)
			assert.Equal(t, "bare", ev.Subject, tc.why)
			assert.Equal(t, tc.body, ev.Body, tc.why)
			assert.True(t, hasNote(ev, "bare LF"), tc.why)
		})
	}
}

// TestSMTPBareLFSmuggling sends a second message after a bare-LF end of data,
// as an SMTP smuggling attack does: it must not be taken as a message.
func TestSMTPBareLFSmuggling(t *testing.T) {
	reg, s := seeds(t, 2)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	c.cmd("RCPT TO:<" + s[0].Email + ">")
	require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
	c.send("Subject: first\r\n\r\nhi\n.\nMAIL FROM:<ceo@operator.example>\r\nRCPT TO:<" + s[1].Email + ">\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n")
	assert.True(t, strings.HasPrefix(c.reply(), "250"))
	for !c.closed() {
	}
	ev := rec.only(t)
	assert.Equal(t, "first", ev.Subject)
}

func TestSMTPDotStuffedBareLFIsNotAnEnd(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	c.cmd("RCPT TO:<" + s[0].Email + ">")
	require.True(t, strings.HasPrefix(c.cmd("DATA"), "354"))
	c.send("Subject: stuffed\r\n\r\na\n..\nb\r\n.\r\n")
	assert.True(t, strings.HasPrefix(c.reply(), "250"))
	assert.True(t, strings.HasPrefix(c.cmd("NOOP"), "250"), "a proper end keeps the session")
	ev := rec.only(t)
	assert.Equal(t, "a\n..\nb\r\n", ev.Body, "a stuffed dot after a bare LF is data")
	assert.False(t, hasNote(ev, "bare LF"))
}

func TestSMTPConnectionLimits(t *testing.T) {
	reg, _ := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, MaxConnectionsPerIP: 2, MaxConnections: 10})

	a, b := dialRaw(t, addr), dialRaw(t, addr)
	a.greet()
	b.greet()
	third := dialRaw(t, addr)
	got := third.reply()
	assert.True(t, strings.HasPrefix(got, "421 4.7.0"), "past the per-client limit: %q", got)
	assert.True(t, third.closed())

	// A place frees when a connection ends.
	a.cmd("QUIT")
	require.True(t, a.closed())
	require.Eventually(t, func() bool {
		c := dialRaw(t, addr)
		ok := strings.HasPrefix(c.reply(), "220")
		c.conn.Close()
		return ok
	}, 10*time.Second, 10*time.Millisecond)
}

func TestSMTPTotalConnectionLimit(t *testing.T) {
	reg, _ := seeds(t, 1)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: &recorder{}, MaxConnections: 3, MaxConnectionsPerIP: -1})
	for range 3 {
		dialRaw(t, addr).greet()
	}
	got := dialRaw(t, addr).reply()
	assert.True(t, strings.HasPrefix(got, "421 4.7.0"), "%q", got)
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ addr, want, why string }{
		{"192.0.2.7:25", "192.0.2.7", "IPv4: the address"},
		{"[::ffff:192.0.2.7]:25", "192.0.2.7", "IPv4-mapped IPv6 is the IPv4 client"},
		{"[2001:db8:1:2:3:4:5:6]:25", "2001:db8:1:2::/64", "IPv6: the /64"},
		{"[2001:db8:1:2:ffff::1]:25", "2001:db8:1:2::/64", "another host of the same /64"},
	} {
		ap, err := net.ResolveTCPAddr("tcp", tc.addr)
		require.NoError(t, err)
		assert.Equal(t, tc.want, clientKey(ap), tc.why)
	}
}

// fakeSleeper records tarpit delays instead of waiting them out.
type fakeSleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (f *fakeSleeper) sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays = append(f.delays, d)
	return nil
}

func (f *fakeSleeper) take() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.delays
	f.delays = nil
	return d
}

func TestSMTPProbeBrakePerConnection(t *testing.T) {
	reg, s := seeds(t, 1)
	sl := &fakeSleeper{}
	clock := newClock(arrival)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: &recorder{}, Now: clock.Now, sleep: sl.sleep,
		TarpitAfter: 2, MaxUnknownRecipients: 6, TarpitDelay: time.Second, TarpitMaxDelay: 4 * time.Second, MaxUnknownPerIP: -1})
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")

	for i := range 2 {
		assert.True(t, strings.HasPrefix(c.cmd(fmt.Sprintf("RCPT TO:<nobody%d@mail.example>", i)), "550"))
	}
	assert.Empty(t, sl.take(), "the first unknown recipients cost nothing: typos happen")

	// From now on every reply waits, a seed's as long as a stranger's.
	assert.True(t, strings.HasPrefix(c.cmd("RCPT TO:<nobody2@mail.example>"), "550"))
	assert.True(t, strings.HasPrefix(c.cmd("RSET"), "250"), "RSET does not clear the count")
	c.cmd("MAIL FROM:<x@scam.example>")
	assert.True(t, strings.HasPrefix(c.cmd("RCPT TO:<"+s[0].Email+">"), "250"))
	for i := 3; i < 6; i++ {
		assert.True(t, strings.HasPrefix(c.cmd(fmt.Sprintf("RCPT TO:<nobody%d@mail.example>", i)), "550"))
	}
	assert.Equal(t, []time.Duration{0, 1 * time.Second, 1 * time.Second, 2 * time.Second, 4 * time.Second}[1:], sl.take(),
		"the delay doubles with each unknown recipient, to the cap, and does not depend on the answer")

	got := c.cmd("RCPT TO:<" + s[0].Email + ">")
	assert.True(t, strings.HasPrefix(got, "421 4.7.0"), "past the limit even a seed is deferred, so the reply tells nothing: %q", got)
	assert.True(t, c.closed())
	assert.Equal(t, []time.Duration{4 * time.Second}, sl.take())
}

func TestSMTPProbeBrakePerClient(t *testing.T) {
	reg, s := seeds(t, 1)
	sl := &fakeSleeper{}
	clock := newClock(arrival)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: &recorder{}, Now: clock.Now, sleep: sl.sleep,
		TarpitAfter: -1, MaxUnknownRecipients: -1, MaxUnknownPerIP: 3, UnknownWindow: time.Hour, TarpitMaxDelay: 5 * time.Second})

	// Three unknown recipients spread over connections use up the budget.
	for i := range 3 {
		c := dialRaw(t, addr)
		c.greet()
		c.cmd("MAIL FROM:<x@scam.example>")
		assert.True(t, strings.HasPrefix(c.cmd(fmt.Sprintf("RCPT TO:<nobody%d@mail.example>", i)), "550"))
		c.cmd("QUIT")
	}
	assert.Empty(t, sl.take())
	c := dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	got := c.cmd("RCPT TO:<" + s[0].Email + ">")
	assert.True(t, strings.HasPrefix(got, "421 4.7.0"), "a client past its budget learns nothing, even of a seed: %q", got)
	assert.Equal(t, []time.Duration{5 * time.Second}, sl.take(), "and waits the longest delay for it")

	// The window ends: the client is served again.
	clock.set(arrival.Add(time.Hour))
	c = dialRaw(t, addr)
	c.greet()
	c.cmd("MAIL FROM:<x@scam.example>")
	assert.True(t, strings.HasPrefix(c.cmd("RCPT TO:<"+s[0].Email+">"), "250"))
	assert.Empty(t, sl.take())
}

func TestProbeBrakeStaysBounded(t *testing.T) {
	clock := newClock(arrival)
	b := newProbeBrake(probeLimits{perClient: 5, window: time.Hour}, clock.Now, nil)
	for i := range maxTrackedClients + 100 {
		b.unknown(&smtpConn{client: fmt.Sprint(i)})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.LessOrEqual(t, len(b.clients), maxTrackedClients)
}

// gatedHandler holds the event with subject "first" until gate is closed,
// and records every event in rec.
type gatedHandler struct {
	rec     *recorder
	entered chan struct{}
	gate    chan struct{}
}

func newGated() *gatedHandler {
	return &gatedHandler{rec: &recorder{}, entered: make(chan struct{}), gate: make(chan struct{})}
}

func (g *gatedHandler) HandleEvent(ctx context.Context, ev canary.Event) error {
	if ev.Subject == "first" {
		close(g.entered)
		<-g.gate
	}
	return g.rec.HandleEvent(ctx, ev)
}

// TestSMTPSpoolsPastTheBudget holds a message in a slow handler, with a
// budget of one message: the next one goes to the spool, waits its turn and
// arrives whole.
func TestSMTPSpoolsPastTheBudget(t *testing.T) {
	reg, s := seeds(t, 1)
	h := newGated()
	spool := t.TempDir()
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: h, MaxMessageBytes: 256 << 10, MaxInFlightBytes: 256 << 10, SpoolDir: spool})
	body := strings.Repeat("call +1 202 555 0100 now\r\n", 8<<10) // 208 KiB
	errs := make(chan error, 2)
	go func() {
		errs <- smtp.SendMail(addr, nil, "x@scam.example", []string{s[0].Email}, []byte("Subject: first\r\n\r\n"+body))
	}()
	<-h.entered
	go func() {
		errs <- smtp.SendMail(addr, nil, "x@scam.example", []string{s[0].Email}, []byte("Subject: second\r\n\r\n"+body))
	}()
	require.Eventually(t, func() bool {
		f, _ := os.ReadDir(spool)
		return len(f) == 1
	}, 10*time.Second, 5*time.Millisecond, "the second message is spooled")
	close(h.gate)
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	evs := h.rec.all()
	require.Len(t, evs, 2)
	for _, ev := range evs {
		assert.Equal(t, body, ev.Body, "%s arrives whole", ev.Subject)
	}
	f, _ := os.ReadDir(spool)
	assert.Empty(t, f, "the spool is removed")
}

// TestSMTPNoBudgetIsTemporary: a spooled message that finds no budget within
// HandleTimeout is deferred with 452, not lost.
func TestSMTPNoBudgetIsTemporary(t *testing.T) {
	reg, s := seeds(t, 1)
	h := newGated()
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: h, MaxMessageBytes: 64 << 10, MaxInFlightBytes: 64 << 10,
		SpoolDir: t.TempDir(), HandleTimeout: 50 * time.Millisecond})
	body := strings.Repeat("x", 60<<10) + "\r\n"
	first := make(chan error, 1)
	go func() {
		first <- smtp.SendMail(addr, nil, "x@scam.example", []string{s[0].Email}, []byte("Subject: first\r\n\r\n"+body))
	}()
	<-h.entered
	err := smtp.SendMail(addr, nil, "x@scam.example", []string{s[0].Email}, []byte("Subject: second\r\n\r\n"+body))
	assert.Equal(t, 452, smtpCode(err), "%v", err)
	assert.Contains(t, err.Error(), "4.3.1")
	close(h.gate)
	require.NoError(t, <-first)
	assert.Len(t, h.rec.all(), 1)
}

func TestConnLimiter(t *testing.T) {
	l := newConnLimiter(4, 2, "mx.example")
	assert.True(t, l.admit("192.0.2.1"))
	assert.True(t, l.admit("192.0.2.1"))
	assert.False(t, l.admit("192.0.2.1"), "past the per-client limit")
	assert.True(t, l.admit("192.0.2.2"))
	assert.False(t, l.busy(), "three of four in use is not yet busy")
	assert.True(t, l.admit("192.0.2.3"))
	assert.True(t, l.busy(), "all four in use: waits are cut short")
	assert.False(t, l.admit("192.0.2.4"), "past the total limit")
	l.leave("192.0.2.1")
	assert.True(t, l.admit("192.0.2.4"), "a place freed is taken")
	l.leave("192.0.2.1")
	assert.True(t, l.admit("192.0.2.1"))
	assert.NotContains(t, l.byAddr, "192.0.2.9")

	open := newConnLimiter(-1, -1, "mx.example")
	for range 1000 {
		require.True(t, open.admit("192.0.2.1"), "negative limits are no limits")
	}
	assert.False(t, open.busy())
}
