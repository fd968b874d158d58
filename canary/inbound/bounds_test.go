package inbound

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hugeBody is how much a hostile sender pushes in these tests: 50 MB, or
// 12 MB under -short (still past every default limit).
func hugeBody() int64 {
	if testing.Short() {
		return 12 << 20
	}
	return 50 << 20
}

// smtpLimit is the message size limit of TestSMTPHugeMessage. Under the race
// detector it shrinks with the message, which still overruns it eightfold.
func smtpLimit() (limit, sent int64) {
	if raceEnabled {
		return 256 << 10, 2 << 20
	}
	return defaultMaxMessageBytes, hugeBody()
}

// repeat yields n bytes of line, over and over, without holding them.
type repeat struct {
	line string
	n    int64
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	written := 0
	for written < len(p) && r.n > 0 {
		c := copy(p[written:], r.line[r.off:])
		c = int(min(int64(c), r.n))
		written += c
		r.n -= int64(c)
		r.off = (r.off + c) % len(r.line)
	}
	return written, nil
}

func TestSMTPHugeMessage(t *testing.T) {
	reg, s := seeds(t, 1)
	rec := &recorder{}
	limit, sent := smtpLimit()
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, MaxMessageBytes: limit})
	c := dial(t, addr)
	require.NoError(t, c.Mail("x@scam.example"))
	require.NoError(t, c.Rcpt(s[0].Email))
	w, err := c.Data()
	require.NoError(t, err)
	_, err = io.WriteString(w, "Subject: huge\r\n\r\n")
	require.NoError(t, err)
	_, err = io.Copy(w, &repeat{line: "call +1 202 555 0100 now, call now, call now\r\n", n: sent})
	require.NoError(t, err, "the server reads it all, keeping only the first MaxMessageBytes")
	err = w.Close()
	assert.Equal(t, 552, smtpCode(err))

	ev := rec.only(t)
	assert.Equal(t, "huge", ev.Subject)
	assert.LessOrEqual(t, int64(len(ev.Body)), limit)
	assert.True(t, hasNote(ev, "larger than"))
}

// countingReader counts what a handler reads of a body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestHTTPHugeBodies posts 50 MB to every handler, authenticated where the
// check comes before the body: each refuses with 413 having read little more
// than its limit.
func TestHTTPHugeBodies(t *testing.T) {
	now := time.Unix(1614265330, 0)
	opts := Options{Handler: &recorder{}, Now: func() time.Time { return now }}
	mk := func(h http.Handler, err error) http.Handler {
		require.NoError(t, err)
		return h
	}
	for _, tc := range []struct {
		name    string
		h       http.Handler
		ctype   string
		limit   int64
		prepare func(r *http.Request)
	}{
		{"twilio", mk(NewTwilioSMSHandler(TwilioConfig{AuthToken: "t", Options: opts})), formType, defaultMaxBodyBytes,
			func(r *http.Request) { r.Header.Set("X-Twilio-Signature", "x") }},
		{"mailgun", mk(NewMailgunHandler(MailgunConfig{SigningKey: "k", Options: opts})), formType, defaultMaxEmailBodyBytes, nil},
		{"sendgrid", mk(NewSendGridHandler(SendGridConfig{Token: "t", Options: opts})), "multipart/form-data; boundary=b", defaultMaxEmailBodyBytes,
			func(r *http.Request) { r.URL.RawQuery = "token=t" }},
		{"postmark", mk(NewPostmarkHandler(PostmarkConfig{Username: "u", Password: "p", Options: opts})), "application/json", defaultMaxEmailBodyBytes,
			func(r *http.Request) { r.SetBasicAuth("u", "p") }},
		{"webhook", mk(NewWebhookHandler(WebhookConfig{Secret: swSecret, Options: opts})), "application/json", defaultMaxBodyBytes,
			func(r *http.Request) {
				r.Header.Set("webhook-id", "msg_1")
				r.Header.Set("webhook-timestamp", "1614265330")
				r.Header.Set("webhook-signature", "v1,x")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := "text=" + strings.Repeat("x", 1000)
			if strings.HasPrefix(tc.ctype, "multipart/") {
				line = "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" + strings.Repeat("x", 1000) + "\r\n"
			}
			body := &countingReader{r: &repeat{line: line, n: hugeBody()}}
			req := httptest.NewRequest(http.MethodPost, "/hook", body)
			req.Header.Set("Content-Type", tc.ctype)
			if tc.prepare != nil {
				tc.prepare(req)
			}
			w := httptest.NewRecorder()
			tc.h.ServeHTTP(w, req)
			assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
			assert.LessOrEqual(t, body.n, tc.limit+64<<10, "work is bounded by the limit, not the input")
		})
	}
}
