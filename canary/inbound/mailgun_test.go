package inbound

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestVerifyMailgun(t *testing.T) {
	// Token and timestamp are those of Mailgun's "Securing Webhooks" page
	// (documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks).
	// The page shows no signing key, and its signature is redacted, so the
	// expected value was computed with an independent implementation:
	//   printf '%s' 1770920772e0b5477167110d68991efc6b9f89f0a11066af27834600e123 |
	//     openssl dgst -sha256 -hmac key-honeyseed-test
	const (
		key   = "key-honeyseed-test"
		ts    = "1770920772"
		token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
		sig   = "bce9ca1ab2a9a8e40a80acc5d08349ef4c65f8aee09d0808ab617ae8c8aa1857"
	)
	for _, tc := range []struct {
		key, ts, token, sig string
		want                bool
		why                 string
	}{
		{key, ts, token, sig, true, "the vector"},
		{key, ts, token, strings.ToUpper(sig), true, "hex in upper case"},
		{key, "1770920773", token, sig, false, "another timestamp"},
		{key, ts, token + "x", sig, false, "another token"},
		{"key-other", ts, token, sig, false, "another key"},
		{key, ts, token, sig[:62], false, "truncated"},
		{key, ts, token, "", false, "no signature"},
		{key, "", "", hmacHex(key, ""), false, "empty timestamp and token are refused, not signed"},
	} {
		assert.Equal(t, tc.want, verifyMailgun(Secret(tc.key), tc.ts, tc.token, tc.sig), tc.why)
	}
}

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// mailgunForm returns a route post signed at ts with token.
func mailgunForm(key string, ts time.Time, token string, fields url.Values) url.Values {
	form := url.Values{}
	for k, v := range fields {
		form[k] = v
	}
	sec := strconv.FormatInt(ts.Unix(), 10)
	form.Set("timestamp", sec)
	form.Set("token", token)
	form.Set("signature", hmacHex(key, sec+token))
	return form
}

func multipartBody(t testing.TB, form url.Values) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	fw, err := w.CreateFormFile("attachment-1", "invoice.pdf")
	require.NoError(t, err)
	fw.Write([]byte("%PDF-1.4 not evidence"))
	require.NoError(t, w.Close())
	return b.String(), w.FormDataContentType()
}

func TestMailgunHandler(t *testing.T) {
	const key = "key-honeyseed-test"
	clock := newClock(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	rec := &recorder{}
	h, err := NewMailgunHandler(MailgunConfig{SigningKey: key, Options: Options{Handler: rec, Now: clock.Now, MaxBodyBytes: 64 << 10}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	fields := url.Values{
		"recipient":       {"ann.lee0@mail.example"},
		"sender":          {"bounce@scam.example"},
		"from":            {"Refunds <refunds@scam.example>"},
		"subject":         {"Refund pending"},
		"body-plain":      {"Ticket TM-10000000: call +1 202 555 0100.\n\n> quoted"},
		"stripped-text":   {"Ticket TM-10000000: call +1 202 555 0100."},
		"Message-Id":      {"<mg-1@scam.example>"},
		"message-headers": {`[["Received","from scam.example"],["To","Ann <ann.lee0@mail.example>"],["X-Mailer","spam 1.0"]]`},
	}
	now := clock.Now()

	t.Run("urlencoded", func(t *testing.T) {
		form := mailgunForm(key, now, "token-urlencoded-0000000000000000000000000000000000", fields)
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		require.Equal(t, http.StatusOK, status)
		ev := rec.take()[0]
		assert.Equal(t, canary.ChannelEmail, ev.Channel)
		assert.Equal(t, "refunds@scam.example", ev.From)
		assert.Equal(t, "ann.lee0@mail.example", ev.To)
		assert.Equal(t, "Refund pending", ev.Subject)
		assert.Equal(t, fields.Get("body-plain"), ev.Body, "the full body, quotes included, is evidence")
		assert.Equal(t, "<mg-1@scam.example>", ev.ID)
		assert.Equal(t, []string{"ann.lee0@mail.example"}, ev.Envelope)
		assert.Equal(t, []string{"spam 1.0"}, ev.Header["X-Mailer"])
		assert.Equal(t, []string{"<bounce@scam.example>"}, ev.Header["Return-Path"])
		assert.Equal(t, "mailgun", ev.Source)
	})

	t.Run("multipart", func(t *testing.T) {
		form := mailgunForm(key, now, "token-multipart-00000000000000000000000000000000000", fields)
		body, ctype := multipartBody(t, form)
		status, _ := post(t, srv.URL, ctype, body, nil)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "Refund pending", rec.take()[0].Subject)
	})

	t.Run("raw MIME", func(t *testing.T) {
		form := mailgunForm(key, now, "token-mime-00000000000000000000000000000000000000000", url.Values{
			"recipient": {"ann.lee0@mail.example"},
			"body-mime": {"From: a@scam.example\r\nSubject: =?utf-8?q?raw_=E2=9C=93?=\r\n\r\nraw body\r\n"},
		})
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		require.Equal(t, http.StatusOK, status)
		ev := rec.take()[0]
		assert.Equal(t, "raw ✓", ev.Subject)
		assert.Equal(t, "raw body\r\n", ev.Body)
	})

	for _, tc := range []struct {
		name  string
		form  url.Values
		ctype string
		want  int
	}{
		{"wrong key", mailgunForm("key-other", now, "token-a", fields), formType, http.StatusForbidden},
		{"no signature", func() url.Values { f := mailgunForm(key, now, "token-b", fields); f.Del("signature"); return f }(), formType, http.StatusForbidden},
		{"stale", mailgunForm(key, now.Add(-5*time.Minute-time.Second), "token-c", fields), formType, http.StatusForbidden},
		{"from the future", mailgunForm(key, now.Add(5*time.Minute+time.Second), "token-d", fields), formType, http.StatusForbidden},
		{"replayed token", mailgunForm(key, now, "token-urlencoded-0000000000000000000000000000000000", fields), formType, http.StatusForbidden},
		{"no recipient", mailgunForm(key, now, "token-e", url.Values{"subject": {"x"}}), formType, http.StatusBadRequest},
		{"JSON body", url.Values{}, "application/json", http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _ := post(t, srv.URL, tc.ctype, tc.form.Encode(), nil)
			assert.Equal(t, tc.want, status)
			assert.Empty(t, rec.take())
		})
	}

	t.Run("edge of the window is accepted", func(t *testing.T) {
		form := mailgunForm(key, now.Add(-5*time.Minute), "token-edge", fields)
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusOK, status)
		rec.take()
	})

	t.Run("a failed delivery can be retried with its token", func(t *testing.T) {
		form := mailgunForm(key, now, "token-retry", fields)
		rec.setFailing(true)
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		rec.setFailing(false)
		status, _ = post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusOK, status, "the token was released")
		assert.Len(t, rec.take(), 1)
		status, _ = post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusForbidden, status, "once recorded, it is a replay")
	})

	t.Run("oversized", func(t *testing.T) {
		form := mailgunForm(key, now, "token-big", url.Values{"recipient": {"a@mail.example"}, "body-plain": {strings.Repeat("x", 80<<10)}})
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	})

	t.Run("token remembered only within the window", func(t *testing.T) {
		form := mailgunForm(key, now, "token-later", fields)
		status, _ := post(t, srv.URL, formType, form.Encode(), nil)
		require.Equal(t, http.StatusOK, status)
		clock.set(now.Add(6 * time.Minute))
		defer clock.set(now)
		status, _ = post(t, srv.URL, formType, form.Encode(), nil)
		assert.Equal(t, http.StatusForbidden, status, "refused as stale once the token is forgotten")
		rec.take()
	})
}

func TestMailgunConfig(t *testing.T) {
	_, err := NewMailgunHandler(MailgunConfig{Options: Options{Handler: &recorder{}}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
	_, err = NewMailgunHandler(MailgunConfig{SigningKey: "k"})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

// FuzzMailgunForm posts arbitrary route fields, correctly signed: the handler
// answers 200 or 400 and bounds what it records.
func FuzzMailgunForm(f *testing.F) {
	f.Add("recipient=a%40mail.example&from=x&subject=hi&body-plain=yo")
	f.Add("recipient=a&message-headers=%5B%5B%22To%22%5D%5D")
	f.Add("recipient=a&body-mime=Subject%3A%20x%0D%0A%0D%0Ab")
	f.Add("body-html=%3Cp%3Ex")
	const key = "key-fuzz"
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := &recorder{}
	h, err := NewMailgunHandler(MailgunConfig{SigningKey: key, Options: Options{
		Handler: rec, Now: func() time.Time { return now }, MaxBodyBytes: 64 << 10, MaxHeaderFields: 10, MaxHeaderBytes: 1024,
	}})
	require.NoError(f, err)
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		fields, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		n++
		form := mailgunForm(key, now, fmt.Sprintf("fuzz-token-%d", n), fields)
		req := httptest.NewRequest(http.MethodPost, "/mailgun", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", formType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, w.Code)
		for _, ev := range rec.take() {
			assertBounded(t, ev, 64<<10, 1024, 10)
		}
	})
}
