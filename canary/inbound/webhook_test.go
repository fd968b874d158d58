package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// The reference vector of Standard Webhooks: the TestWebhookSign case of the
// specification's reference library (standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go), shared by its other libraries' tests.
const (
	swSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swTimestamp = "1614265330"
	swPayload   = `{"test": 2432232314}`
	swSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestVerifyWebhookReferenceVector(t *testing.T) {
	key, err := webhookKey(swSecret)
	require.NoError(t, err)
	unprefixed, err := webhookKey(Secret(strings.TrimPrefix(swSecret, "whsec_")))
	require.NoError(t, err)
	assert.Equal(t, key, unprefixed, "the whsec_ prefix is optional")

	const other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	for _, tc := range []struct {
		id, ts, body, sigs string
		want               bool
		why                string
	}{
		{swID, swTimestamp, swPayload, swSignature, true, "the reference vector"},
		{swID, swTimestamp, swPayload, other + " v2," + swSignature[3:] + " " + swSignature + " " + other, true, "one valid among several, as in key rotation"},
		{swID, swTimestamp, swPayload, "v2," + swSignature[3:], false, "only v1 is HMAC"},
		{swID, swTimestamp, swPayload, other, false, "another signature"},
		{swID, swTimestamp, `{"test": 2432232315}`, swSignature, false, "a changed body"},
		{swID, "1614265331", swPayload, swSignature, false, "a changed timestamp"},
		{"msg_other", swTimestamp, swPayload, swSignature, false, "a changed id"},
		{swID, swTimestamp, swPayload, swSignature[3:], false, "no version"},
		{swID, swTimestamp, swPayload, "", false, "none"},
	} {
		assert.Equal(t, tc.want, verifyWebhook(key, tc.id, tc.ts, []byte(tc.body), tc.sigs), tc.why)
	}
}

func TestWebhookKey(t *testing.T) {
	for _, tc := range []struct{ secret, why string }{
		{"", "empty"},
		{"whsec_", "prefix only"},
		{"whsec_not base64!", "not base64"},
		{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16)), "16 bytes: under the 24 the specification requires"},
	} {
		_, err := webhookKey(Secret(tc.secret))
		assert.ErrorIs(t, err, canary.ErrInvalidConfig, tc.why)
	}
}

// swSign signs as a Standard Webhooks sender does, independently of the code
// under test.
func swSign(t testing.TB, secret, id string, ts time.Time, body string) http.Header {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	sec := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + sec + "." + body))
	return http.Header{
		"Webhook-Id":        {id},
		"Webhook-Timestamp": {sec},
		"Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))},
	}
}

func TestWebhookHandler(t *testing.T) {
	clock := newClock(time.Unix(1614265330, 0))
	rec := &recorder{}
	h, err := NewWebhookHandler(WebhookConfig{Secret: swSecret, Options: Options{Handler: rec, Now: clock.Now, MaxBodyBytes: 8 << 10}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	now := clock.Now()
	const event = `{"channel":"sms","from":"+447700900123","to":"+12015550101",` +
		`"body":"Your bank card is blocked","source":"pbx gateway","header":{"X-Carrier":["Example Mobile"]},"envelope":["+12015550101"]}`

	t.Run("the reference vector is verified, then its body refused", func(t *testing.T) {
		// The signature is right, so what follows is about the body: it is no event.
		header := http.Header{"Webhook-Id": {swID}, "Webhook-Timestamp": {swTimestamp}, "Webhook-Signature": {swSignature}}
		status, _ := post(t, srv.URL, "application/json", swPayload, header)
		assert.Equal(t, http.StatusBadRequest, status)
	})

	t.Run("valid", func(t *testing.T) {
		status, _ := post(t, srv.URL, "application/json", event, swSign(t, swSecret, "msg_1", now, event))
		require.Equal(t, http.StatusOK, status)
		ev := rec.take()[0]
		assert.Equal(t, canary.ChannelSMS, ev.Channel)
		assert.Equal(t, "+447700900123", ev.From)
		assert.Equal(t, "+12015550101", ev.To)
		assert.Equal(t, "Your bank card is blocked", ev.Body)
		assert.Equal(t, "webhook:pbx gateway", ev.Source)
		assert.Equal(t, "msg_1", ev.ID, "the webhook-id when the body has none")
		assert.Equal(t, now, ev.At)
		assert.Equal(t, []string{"Example Mobile"}, ev.Header["X-Carrier"])
		assert.Equal(t, []string{"+12015550101"}, ev.Envelope)
	})

	for _, tc := range []struct {
		name   string
		body   string
		header http.Header
		want   int
	}{
		{"replayed id", event, swSign(t, swSecret, "msg_1", now, event), http.StatusForbidden},
		{"wrong secret", event, swSign(t, "whsec_"+base64.StdEncoding.EncodeToString([]byte("another-secret-of-24-bytes")), "msg_2", now, event), http.StatusForbidden},
		{"stale", event, swSign(t, swSecret, "msg_3", now.Add(-5*time.Minute-time.Second), event), http.StatusForbidden},
		{"from the future", event, swSign(t, swSecret, "msg_4", now.Add(5*time.Minute+time.Second), event), http.StatusForbidden},
		{"no headers", event, nil, http.StatusForbidden},
		{"dot in id", event, swSign(t, swSecret, "msg.5", now, event), http.StatusForbidden},
		{"malformed JSON", `{"channel":`, swSign(t, swSecret, "msg_6", now, `{"channel":`), http.StatusBadRequest},
		{"unknown channel", `{"channel":"fax","to":"x"}`, swSign(t, swSecret, "msg_7", now, `{"channel":"fax","to":"x"}`), http.StatusBadRequest},
		{"nothing to match", `{"channel":"text"}`, swSign(t, swSecret, "msg_8", now, `{"channel":"text"}`), http.StatusBadRequest},
		{"oversized", strings.Repeat(" ", 9<<10), swSign(t, swSecret, "msg_9", now, strings.Repeat(" ", 9<<10)), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, srv.URL, "application/json", tc.body, tc.header)
			assert.Equal(t, tc.want, status)
			assert.Equal(t, http.StatusText(tc.want)+"\n", body)
			assert.Empty(t, rec.take())
		})
	}

	t.Run("a failed delivery can be retried with its id", func(t *testing.T) {
		rec.setFailing(true)
		status, _ := post(t, srv.URL, "application/json", event, swSign(t, swSecret, "msg_10", now, event))
		assert.Equal(t, http.StatusServiceUnavailable, status)
		rec.setFailing(false)
		// A retry keeps the id and signs a new timestamp.
		status, _ = post(t, srv.URL, "application/json", event, swSign(t, swSecret, "msg_10", now.Add(5*time.Second), event))
		assert.Equal(t, http.StatusOK, status)
		assert.Len(t, rec.take(), 1)
	})

	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
}

// FuzzWebhook posts arbitrary bodies and ids, correctly signed: the handler
// answers 200, 400 or 403 (a malformed id), and bounds what it records.
func FuzzWebhook(f *testing.F) {
	f.Add("msg_1", `{"channel":"email","from":"a@scam.example","to":"b@mail.example","subject":"s","body":"b"}`)
	f.Add("msg_2", `{"channel":"call","to":"+12015550101","header":{"":[""]},"envelope":["","\u0000"]}`)
	f.Add("msg_3", `{"channel":"text","body":"x","at":"2026-11-20T10:00:00Z","source":"`+strings.Repeat("s", 100)+`"}`)
	f.Add("m.4", `[]`)
	now := time.Unix(1614265330, 0)
	rec := &recorder{}
	h, err := NewWebhookHandler(WebhookConfig{Secret: swSecret, Options: Options{
		Handler: rec, Now: func() time.Time { return now }, MaxBodyBytes: 64 << 10, MaxHeaderBytes: 1024, MaxHeaderFields: 10,
	}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, id, body string) {
		header := swSign(t, swSecret, id, now, body)
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge}, w.Code)
		for _, ev := range rec.take() {
			assertBounded(t, ev, 64<<10, 1024, 10)
		}
	})
}

// TestWebhookSenderAuth checks that the "auth" of a post becomes Event.Auth
// only when the endpoint is configured as an authenticated channel.
func TestWebhookSenderAuth(t *testing.T) {
	const event = `{"channel":"call","from":"+12025550143","to":"+12015550101",` +
		`"auth":[{"number":"+12025550143","method":"internal extension 143"},{}]}`
	for _, tc := range []struct {
		why   string
		trust bool
		want  []canary.SenderAuth
	}{
		{"an authenticated channel vouches for its caller", true,
			[]canary.SenderAuth{{Number: "+12025550143", Method: "webhook: internal extension 143"}}},
		{"by default the claim is ignored", false, nil},
	} {
		t.Run(tc.why, func(t *testing.T) {
			clock := newClock(time.Unix(1614265330, 0))
			rec := &recorder{}
			h, err := NewWebhookHandler(WebhookConfig{Secret: swSecret, TrustSenderAuth: tc.trust, Options: Options{Handler: rec, Now: clock.Now}})
			require.NoError(t, err)
			srv := httptest.NewServer(h)
			defer srv.Close()
			status, _ := post(t, srv.URL, "application/json", event, swSign(t, swSecret, "msg_auth", clock.Now(), event))
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, tc.want, rec.only(t).Auth)
		})
	}
}
