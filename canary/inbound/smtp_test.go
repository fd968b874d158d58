package inbound

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

var arrival = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// startSMTP serves cfg on a loopback port until the test ends, and returns
// the address. Registry and Handler default to three seeds and rec.
func startSMTP(t testing.TB, cfg SMTPConfig) (string, *SMTPServer) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return arrival }
	}
	srv, err := NewSMTPServer(cfg)
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.ErrorIs(t, <-done, ErrServerClosed)
	})
	return l.Addr().String(), srv
}

// dial opens an SMTP session that has said EHLO.
func dial(t testing.TB, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Hello("client.example"))
	return c
}

// deliver sends msg from one session and returns the reply to the end of DATA.
func deliver(t testing.TB, c *smtp.Client, from string, to []string, msg string) error {
	t.Helper()
	require.NoError(t, c.Mail(from))
	for _, r := range to {
		require.NoError(t, c.Rcpt(r))
	}
	w, err := c.Data()
	require.NoError(t, err)
	_, err = w.Write([]byte(msg))
	require.NoError(t, err)
	return w.Close()
}

// smtpCode returns the reply code of an error from net/smtp, or 0.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestSMTPAcceptsSeedRecipient(t *testing.T) {
	reg, s := seeds(t, 3)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})

	msg := "From: \"Support Desk\" <help@scam.example>\r\n" +
		"To: Ann Lee <" + s[1].Email + ">\r\n" +
		"Subject: Your refund of $299\r\n" +
		"Message-ID: <refund-1@scam.example>\r\n" +
		"Date: Thu, 19 Nov 2026 09:00:00 +0000\r\n" +
		"\r\n" +
		"Dear Ann, about ticket " + s[1].Ticket + ", call us back.\r\n"
	// Upper case and a plus tag still name the seed: the recipient is normalized.
	rcpt := strings.ToUpper(strings.Replace(s[1].Email, "@", "+urgent@", 1))
	err := smtp.SendMail(addr, nil, "bounce@scam.example", []string{rcpt}, []byte(msg))
	require.NoError(t, err)

	ev := rec.only(t)
	assert.Equal(t, canary.ChannelEmail, ev.Channel)
	assert.Equal(t, "help@scam.example", ev.From)
	assert.Equal(t, s[1].Email, ev.To)
	assert.Equal(t, "Your refund of $299", ev.Subject)
	assert.Equal(t, "Dear Ann, about ticket "+s[1].Ticket+", call us back.\r\n", ev.Body)
	assert.Equal(t, "<refund-1@scam.example>", ev.ID)
	assert.Equal(t, "smtp", ev.Source)
	assert.Equal(t, "127.0.0.1", ev.Remote)
	assert.Equal(t, arrival, ev.At, "At is the arrival time, not the Date header")
	assert.Equal(t, []string{rcpt}, ev.Envelope)
	assert.Equal(t, []string{"<bounce@scam.example>"}, ev.Header["Return-Path"])
	assert.Equal(t, []string{"Thu, 19 Nov 2026 09:00:00 +0000"}, ev.Header["Date"])
	assert.NotContains(t, ev.Header, NoteHeader, "a clean message has no notes")
}

func TestSMTPRefusesUnknownRecipient(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
	c := dial(t, addr)
	require.NoError(t, c.Mail("x@scam.example"))

	for _, tc := range []struct{ rcpt, why string }{
		{"nobody@mail.example", "an address on a canary domain that is no seed"},
		{"ann.lee0@other.example", "a seed's local part on another domain"},
		{"root@localhost", "an address NormalizeEmail refuses"},
	} {
		err := c.Rcpt(tc.rcpt)
		assert.Equal(t, 550, smtpCode(err), tc.why)
		assert.Contains(t, err.Error(), "5.1.1", tc.why)
	}
	require.NoError(t, c.Rcpt(s[0].Email), "a seed is still accepted in the same transaction")
	w, err := c.Data()
	require.NoError(t, err)
	fmt.Fprint(w, "Subject: hi\r\n\r\nhello\r\n")
	require.NoError(t, w.Close())

	ev := rec.only(t)
	assert.Equal(t, []string{s[0].Email}, ev.Envelope, "refused recipients are not in the envelope")
}

func TestSMTPRefusesTooManyRecipients(t *testing.T) {
	reg, s := seeds(t, 3)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, MaxRecipients: 2})
	c := dial(t, addr)
	require.NoError(t, c.Mail("x@scam.example"))
	require.NoError(t, c.Rcpt(s[0].Email))
	require.NoError(t, c.Rcpt(s[1].Email))
	err := c.Rcpt(s[2].Email)
	assert.Equal(t, 452, smtpCode(err))
	assert.Empty(t, rec.all())
}

func TestSMTPTooLargeIsRefusedButRecorded(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, MaxMessageBytes: 4 << 10})
	c := dial(t, addr)
	msg := "From: x@scam.example\r\nSubject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 4<<10)
	err := deliver(t, c, "x@scam.example", []string{s[0].Email}, msg)
	assert.Equal(t, 552, smtpCode(err), "too big is refused")

	// The recipient is a seed: the contact is recorded from what arrived.
	ev := rec.only(t)
	assert.Equal(t, "big", ev.Subject)
	assert.True(t, hasNote(ev, "larger than"), "notes: %v", ev.Header[NoteHeader])
	assert.LessOrEqual(t, len(ev.Body), 4<<10)

	// The session stays usable for the next message.
	require.NoError(t, c.Reset())
	require.NoError(t, deliver(t, c, "x@scam.example", []string{s[0].Email}, "Subject: small\r\n\r\nhi\r\n"))
	assert.Len(t, rec.all(), 2)
}

func TestSMTPHandlerFailureIsNotAcknowledged(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	rec.setFailing(true)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
	c := dial(t, addr)
	msg := "Message-ID: <a@scam.example>\r\nSubject: hi\r\n\r\nhello\r\n"

	err := deliver(t, c, "x@scam.example", []string{s[0].Email}, msg)
	assert.Equal(t, 451, smtpCode(err), "temporary failure: the sender must retry")
	assert.NotContains(t, err.Error(), errStoreDown.Error(), "the cause stays inside")
	assert.Empty(t, rec.all())

	rec.setFailing(false)
	require.NoError(t, deliver(t, c, "x@scam.example", []string{s[0].Email}, msg), "the retry is accepted")
	assert.Equal(t, "<a@scam.example>", rec.only(t).ID)
}

func TestSMTPLongLineIsRefusedButRecorded(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, MaxLineBytes: 1000})
	c := dial(t, addr)
	msg := "Subject: long\r\n\r\nstart\r\n" + strings.Repeat("x", 5000) + "\r\n"
	err := deliver(t, c, "x@scam.example", []string{s[0].Email}, msg)
	assert.Equal(t, 500, smtpCode(err))
	// go-smtp drops the buffer that held the long line, so little of the
	// message may be left; the contact itself is still recorded.
	ev := rec.only(t)
	assert.Equal(t, []string{s[0].Email}, ev.Envelope)
	assert.True(t, hasNote(ev, "line longer than"))
}

// TestSMTPMessages sends messages in the forms mail takes, well and badly made,
// and checks what the event says of each.
func TestSMTPMessages(t *testing.T) {
	reg, s := seeds(t, 1)
	to := s[0].Email
	for _, tc := range []struct {
		name, msg string
		check     func(t *testing.T, ev canary.Event)
	}{{
		name: "quoted-printable body and encoded-word headers",
		msg: "From: =?UTF-8?B?U8OpcnZpY2UgQ2xpZW50?= <svc@scam.example>\r\n" +
			"Subject: =?ISO-8859-1?Q?Remboursement_imm=E9diat?= =?UTF-8?Q?_=E2=82=AC50?=\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"Bonjour, votre cr=C3=A9dit de 50=E2=82=AC vous attend. Appelez le =\r\n" +
			"+1 202 555 0100.\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "svc@scam.example", ev.From)
			assert.Equal(t, "Remboursement immédiat €50", ev.Subject, "adjacent encoded words join")
			assert.Equal(t, "Bonjour, votre crédit de 50€ vous attend. Appelez le +1 202 555 0100.\r\n", ev.Body, "soft line break removed")
		},
	}, {
		name: "base64 body in a legacy charset",
		msg: "Subject: =?windows-1251?B?0ffl8g==?=\r\n" +
			"Content-Type: text/plain; charset=windows-1251\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" +
			"z/Do4uXyLCDi4Pgg8ffl8iDn4OHr7uro8O7i4O0u\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "Счет", ev.Subject)
			assert.Equal(t, "Привет, ваш счет заблокирован.", ev.Body)
		},
	}, {
		name: "HTML only",
		msg: "Subject: Invoice\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<html><head><style>p{color:red}</style></head><body><p>Dear <b>Ann</b>,</p>" +
			"<p>Your account &amp; ticket are <i>locked</i>.<br>Call&nbsp;now!</p><script>x()</script></body></html>\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "Dear Ann,\n\nYour account & ticket are locked.\nCall now!", ev.Body)
		},
	}, {
		name: "multipart/alternative prefers plain text",
		msg: "Subject: alt\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
			"preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain version\r\n" +
			"--b1\r\nContent-Type: text/html\r\n\r\n<p>html version</p>\r\n--b1--\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "plain version", ev.Body)
		},
	}, {
		name: "nested multipart with attachment",
		msg: "Subject: nested\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
			"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
			"--inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--inner--\r\n" +
			"--outer\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n\r\n%PDF-1.4\r\n--outer--\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "hi", ev.Body, "the HTML of the inner alternative, rendered; the attachment skipped")
		},
	}, {
		name: "malformed MIME keeps what it can",
		msg: "Subject: broken\r\nThis line is no header\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n" +
			"--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y!!bGQ=\r\n" +
			"--zz\r\nContent-Type: text/plain\r\n\r\nunterminated part\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "broken", ev.Subject)
			assert.Contains(t, ev.Body, "This line is no header", "a header ended early makes the rest body")
			assert.NotEmpty(t, ev.Header[NoteHeader])
		},
	}, {
		name: "truncated multipart keeps the parts read",
		msg: "Subject: cut\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n" +
			"--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y!!bGQ=\r\n" +
			"--zz\r\nContent-Type: text/plain\r\n\r\nunterminated part\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Contains(t, ev.Body, "hello world", "junk inside base64 is skipped")
			assert.Contains(t, ev.Body, "unterminated part")
			assert.True(t, hasNote(ev, "base64"), "notes: %v", ev.Header[NoteHeader])
		},
	}, {
		name: "invalid UTF-8 replaced",
		msg:  "Subject: caf\xe9\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nna\xefve \xff\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "caf\uFFFD", ev.Subject)
			assert.Equal(t, "na\uFFFDve \uFFFD\r\n", ev.Body)
		},
	}, {
		name: "header flood is bounded, key fields still read",
		msg:  strings.Repeat("X-Flood: aaaaaaaaaaaaaaaa\r\n", 5000) + "From: late@scam.example\r\nSubject: after the flood\r\n\r\nbody\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "late@scam.example", ev.From)
			assert.Equal(t, "after the flood", ev.Subject)
			assert.Len(t, ev.Header["X-Flood"], defaultMaxHeaderFields)
			assert.True(t, hasNote(ev, "limit"))
		},
	}, {
		name: "no header at all",
		msg:  "just some words\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.Equal(t, "just some words\r\n", ev.Body)
			assert.Equal(t, "x@scam.example", ev.From, "the envelope sender stands in for a missing From")
			assert.True(t, strings.HasPrefix(ev.ID, "sha256:"), "an ID for redelivery even without Message-ID")
		},
	}, {
		name: "forged note header is dropped",
		msg:  NoteHeader + ": all is well\r\nSubject: x\r\n\r\nbody\r\n",
		check: func(t *testing.T, ev canary.Event) {
			assert.NotContains(t, ev.Header, NoteHeader)
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec})
			require.NoError(t, smtp.SendMail(addr, nil, "x@scam.example", []string{to}, []byte(tc.msg)))
			ev := rec.only(t)
			assertBounded(t, ev, defaultMaxMessageBytes, defaultMaxHeaderBytes, defaultMaxHeaderFields)
			tc.check(t, ev)
		})
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := selfSigned(t, "mx.mail.example")
	reg, s := seeds(t, 1)
	rec := &recorder{}
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	c := dial(t, addr)
	ok, _ := c.Extension("STARTTLS")
	require.True(t, ok, "STARTTLS is offered")
	require.NoError(t, c.StartTLS(&tls.Config{ServerName: "mx.mail.example", RootCAs: pool}))
	require.NoError(t, deliver(t, c, "x@scam.example", []string{s[0].Email}, "Subject: over TLS\r\n\r\nhi\r\n"))
	assert.Equal(t, "over TLS", rec.only(t).Subject)
}

// selfSigned returns a certificate for host and a pool that trusts it.
func selfSigned(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestSMTPServerLifecycle(t *testing.T) {
	reg, _ := seeds(t, 1)
	rec := &recorder{}

	_, err := NewSMTPServer(SMTPConfig{Handler: rec})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "no registry")
	_, err = NewSMTPServer(SMTPConfig{Registry: reg})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "no handler")

	srv, err := NewSMTPServer(SMTPConfig{Registry: reg, Handler: rec, Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	assert.Nil(t, srv.Addr(), "no address before serving")
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	require.Eventually(t, func() bool { return srv.Addr() != nil }, 10*time.Second, time.Millisecond)
	c, err := smtp.Dial(srv.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.example"))

	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close(), "Close is idempotent")
	assert.ErrorIs(t, <-done, ErrServerClosed)
	assert.Error(t, c.Mail("x@scam.example"), "open sessions are closed")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.ErrorIs(t, srv.Serve(l), ErrServerClosed, "Serve after Close")
	_, err = net.Dial("tcp", l.Addr().String())
	assert.Error(t, err, "the listener handed to Serve after Close is closed")
}
