package inbound

import (
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSMTPLoad sends a storm of mail from concurrent clients, a quarter of it
// to strangers: every message to a seed must give exactly one event, and every
// stranger must be refused.
func TestSMTPLoad(t *testing.T) {
	const clients = 20
	messages := 10_000
	if testing.Short() {
		messages = 1_000
	}
	reg, s := seeds(t, 50)
	rec := &recorder{}
	// A quarter of the storm goes to strangers: the probe brake is off.
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec,
		TarpitAfter: -1, MaxUnknownRecipients: -1, MaxUnknownPerIP: -1})

	var accepted, refused atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			c, err := smtp.Dial(addr)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			if !assert.NoError(t, c.Hello("load.example")) {
				return
			}
			for i := k; i < messages; i += clients {
				if !assert.NoError(t, c.Mail("storm@scam.example")) {
					return
				}
				if i%4 == 3 {
					err := c.Rcpt(fmt.Sprintf("stranger%d@mail.example", i))
					if assert.Equal(t, 550, smtpCode(err), "message %d", i) {
						refused.Add(1)
					}
					if !assert.NoError(t, c.Reset()) {
						return
					}
					continue
				}
				if !assert.NoError(t, c.Rcpt(s[i%len(s)].Email)) {
					return
				}
				w, err := c.Data()
				if !assert.NoError(t, err) {
					return
				}
				fmt.Fprintf(w, "Message-ID: <%d@load.example>\r\nSubject: storm %d\r\n\r\nCall +1 202 555 0100 now.\r\n", i, i)
				if assert.NoError(t, w.Close(), "message %d", i) {
					accepted.Add(1)
				}
			}
			assert.NoError(t, c.Quit())
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	wantAccepted := messages - messages/4
	assert.EqualValues(t, wantAccepted, accepted.Load())
	assert.EqualValues(t, messages/4, refused.Load())
	evs := rec.all()
	require.Len(t, evs, wantAccepted, "one event per accepted message")
	ids := make(map[string]bool, len(evs))
	for _, ev := range evs {
		assert.False(t, ids[ev.ID], "event %s recorded twice", ev.ID)
		ids[ev.ID] = true
	}
	for i := range messages {
		if i%4 != 3 {
			assert.True(t, ids[fmt.Sprintf("<%d@load.example>", i)], "message %d has no event", i)
		}
	}
	t.Logf("%d messages from %d clients in %v: %.0f msgs/s", messages, clients, elapsed.Round(time.Millisecond), float64(messages)/elapsed.Seconds())
}

// BenchmarkSMTPDeliver measures whole SMTP transactions to a seed over
// loopback (MAIL, RCPT, DATA, parse, hand-over), one connection per worker.
func BenchmarkSMTPDeliver(b *testing.B) {
	reg, s := seeds(b, 50)
	rec := &recorder{}
	addr, _ := startSMTP(b, SMTPConfig{Registry: reg, Handler: rec})
	msg := []byte("From: Support <help@scam.example>\r\nTo: " + s[0].Email + "\r\n" +
		"Subject: =?UTF-8?Q?Your_refund_=E2=82=AC299?=\r\nMessage-ID: <bench@scam.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Dear Ann, your ticket " + s[0].Ticket + " needs a fee of =E2=82=AC299. Call +1 202 555 0100.\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>Dear Ann, call now.</p>\r\n--b--\r\n")
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := smtp.Dial(addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		if err := c.Hello("bench.example"); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			if err := send(c, s[0].Email, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func send(c *smtp.Client, to string, msg []byte) error {
	if err := c.Mail("help@scam.example"); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// BenchmarkSMTPDeliverLarge measures one client sending 1 MiB messages over
// loopback: the cost of reading DATA, which the server does byte by byte to
// see bare-LF ends.
func BenchmarkSMTPDeliverLarge(b *testing.B) {
	reg, s := seeds(b, 1)
	addr, _ := startSMTP(b, SMTPConfig{Registry: reg, Handler: &recorder{}})
	msg := []byte("Subject: large\r\n\r\n" + strings.Repeat("call +1 202 555 0100 about ticket TM-10424187 now\r\n", 1<<20/52))
	c, err := smtp.Dial(addr)
	require.NoError(b, err)
	defer c.Close()
	require.NoError(b, c.Hello("bench.example"))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := send(c, s[0].Email, msg); err != nil {
			b.Fatal(err)
		}
	}
}
