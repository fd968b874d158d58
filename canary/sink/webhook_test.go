package sink_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

// verifyStandardWebhook checks a request as the Standard Webhooks
// specification tells receivers to, written from the spec, not from the sink.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp outside tolerance")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, sig, _ := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no valid signature")
}

func TestVerifierAcceptsSpecVector(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	require.NoError(t, verifyStandardWebhook(testSecret, h, body, time.Unix(1614265330, 0)), "the test's verifier agrees with the spec")
	assert.Error(t, verifyStandardWebhook(testSecret, h, append(body, ' '), time.Unix(1614265330, 0)), "a changed body fails")
}

// webhookReceiver is a receiver on 127.0.0.1 that verifies every request and
// keeps the bodies of the genuine ones; a forged one gets 401.
type webhookReceiver struct {
	URL    string
	mu     sync.Mutex
	bodies [][]byte
	ids    []string
}

func newWebhookReceiver(t *testing.T, secret string) *webhookReceiver {
	rec := &webhookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = verifyStandardWebhook(secret, r.Header, body, fixedTime)
		}
		if !assert.NoError(t, err, "signature") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, body)
		rec.ids = append(rec.ids, r.Header.Get("webhook-id"))
		rec.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (r *webhookReceiver) Bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

func TestWebhookDelivers(t *testing.T) {
	rec := newRecorder(t, http.StatusOK, "")
	w, err := sink.NewWebhook(rec.URL+"/hooks/canary", testSecret, sink.WebhookOptions{Now: fixedNow, Labels: map[string]string{"env": "test"}})
	require.NoError(t, err)
	a := canarytest.AlertFor(1, canary.ChannelEmail)
	require.NoError(t, w.Send(context.Background(), a))

	reqs := rec.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/hooks/canary", r.Path)
	assert.Equal(t, a.ID.String(), r.Header.Get("webhook-id"), "the alert ID, so receivers dedupe retries")
	assert.Equal(t, strconv.FormatInt(fixedTime.Unix(), 10), r.Header.Get("webhook-timestamp"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.NoError(t, verifyStandardWebhook(testSecret, r.Header, r.Body, fixedTime))
	want, err := sink.NewDocument(a, map[string]string{"env": "test"}).MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(r.Body), "the body is the ECS document")
}

func TestWebhookSecretRotation(t *testing.T) {
	const next = "whsec_" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // bytes 0..31
	rec := newRecorder(t, http.StatusOK, "")
	w, err := sink.NewWebhook(rec.URL, next, sink.WebhookOptions{PreviousSecret: testSecret, Now: fixedNow})
	require.NoError(t, err)
	require.NoError(t, w.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelSMS)))
	r := rec.Requests()[0]
	assert.Len(t, strings.Fields(r.Header.Get("webhook-signature")), 2, "signed by both secrets")
	assert.NoError(t, verifyStandardWebhook(next, r.Header, r.Body, fixedTime), "a receiver that has the new secret")
	assert.NoError(t, verifyStandardWebhook(testSecret, r.Header, r.Body, fixedTime), "a receiver that still has the old one")
}

func TestHTTPStatus(t *testing.T) {
	for _, tc := range []struct {
		status     int
		header     map[string]string
		answer     string
		permanent  bool
		retryAfter time.Duration
		why        string
	}{
		{http.StatusInternalServerError, nil, "boom", false, 0, "a server error is retried"},
		{http.StatusGone, nil, "", true, 0, "410 Gone: the receiver wants no more webhooks (Standard Webhooks)"},
		{http.StatusTooManyRequests, map[string]string{"Retry-After": "30"}, "", false, 30 * time.Second, "429 names the wait in seconds"},
		{http.StatusServiceUnavailable, map[string]string{"Retry-After": fixedTime.Add(2 * time.Minute).Format(http.TimeFormat)}, "", false, 2 * time.Minute, "503 names the wait as a date"},
		{http.StatusTooManyRequests, map[string]string{"Retry-After": "99999999"}, "", false, sink.MaxRetryAfter, "a huge wait is capped"},
		{http.StatusTooManyRequests, map[string]string{"Retry-After": "soon"}, "", false, 0, "an unreadable Retry-After is ignored"},
		{http.StatusFound, map[string]string{"Location": "http://127.0.0.1:1/elsewhere"}, "", false, 0, "a redirect is a failure, never followed"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tc.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.answer))
		}))
		w, err := sink.NewWebhook(srv.URL, testSecret, sink.WebhookOptions{Now: fixedNow})
		require.NoError(t, err)
		err = w.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
		srv.Close()

		var he *sink.HTTPError
		require.ErrorAs(t, err, &he, tc.why)
		assert.Equal(t, tc.status, he.StatusCode, tc.why)
		assert.Equal(t, tc.permanent, errors.Is(err, sink.ErrPermanent), tc.why)
		assert.Equal(t, tc.retryAfter, he.RetryAfter, tc.why)
		assert.Equal(t, tc.answer, he.Body, tc.why)
		assert.True(t, strings.HasPrefix(err.Error(), "sink: webhook: "+strconv.Itoa(tc.status)), "%s: %v", tc.why, err)
	}
}

func TestHTTPErrorBodyBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("line one\nFAKE LOG LINE\x1b[31m" + strings.Repeat("x", 100000)))
	}))
	defer srv.Close()
	w, err := sink.NewWebhook(srv.URL, testSecret, sink.WebhookOptions{})
	require.NoError(t, err)
	err = w.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
	var he *sink.HTTPError
	require.ErrorAs(t, err, &he)
	assert.LessOrEqual(t, len(he.Body), 256)
	assert.NotContains(t, err.Error(), "\n", "the answer cannot start a new log line")
	assert.NotContains(t, err.Error(), "\x1b")
}

func TestNewWebhookConfig(t *testing.T) {
	for _, tc := range []struct {
		url, secret string
		opts        sink.WebhookOptions
		why         string
	}{
		{"https://siem.example/hook", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", sink.WebhookOptions{}, "the secret lacks whsec_"},
		{"https://siem.example/hook", "whsec_not base64!", sink.WebhookOptions{}, "not base64"},
		{"https://siem.example/hook", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16)), sink.WebhookOptions{}, "16 bytes is under the 24 the spec asks"},
		{"https://siem.example/hook", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)), sink.WebhookOptions{}, "65 bytes is over the 64 the spec allows"},
		{"https://siem.example/hook", testSecret, sink.WebhookOptions{PreviousSecret: "whsec_short"}, "a bad previous secret"},
		{"ftp://siem.example/hook", testSecret, sink.WebhookOptions{}, "not http(s)"},
		{"/hook", testSecret, sink.WebhookOptions{}, "not absolute"},
		{"http://siem.example/hook", testSecret, sink.WebhookOptions{}, "plain http off loopback"},
	} {
		_, err := sink.NewWebhook(tc.url, tc.secret, tc.opts)
		assert.ErrorIs(t, err, sink.ErrInvalidConfig, tc.why)
		if err != nil {
			assert.NotContains(t, err.Error(), "MfKQ9r8G", "%s: the error repeats no secret", tc.why)
		}
	}
	for _, tc := range []struct {
		url  string
		opts sink.WebhookOptions
		why  string
	}{
		{"https://siem.example/hook", sink.WebhookOptions{}, "https"},
		{"http://127.0.0.1:8080/hook", sink.WebhookOptions{}, "plain http to loopback"},
		{"http://[::1]:8080/hook", sink.WebhookOptions{}, "plain http to IPv6 loopback"},
		{"http://siem.internal.example/hook", sink.WebhookOptions{AllowHTTP: true}, "plain http when allowed"},
	} {
		_, err := sink.NewWebhook(tc.url, testSecret, tc.opts)
		assert.NoError(t, err, tc.why)
	}
}

func TestWebhookHidesSecret(t *testing.T) {
	w, err := sink.NewWebhook("https://siem.example/hook", testSecret, sink.WebhookOptions{})
	require.NoError(t, err)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecret, "whsec_"))
	require.NoError(t, err)
	out := fmt.Sprintf("%v %+v %#v", w, w, w)
	for _, leak := range []string{"MfKQ9r8G", fmt.Sprint(key), fmt.Sprintf("%x", key), fmt.Sprintf("%#v", key)} {
		assert.NotContains(t, out, leak)
	}
}

func TestWebhookLeavesClientAlone(t *testing.T) {
	c := &http.Client{Timeout: time.Second}
	_, err := sink.NewWebhook("https://siem.example/hook", testSecret, sink.WebhookOptions{Client: c})
	require.NoError(t, err)
	assert.Nil(t, c.CheckRedirect, "the caller's client is copied, not changed")
}
