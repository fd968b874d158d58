package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/sink"
)

// op is one request to testdata/interop.js.
type op map[string]any

// official runs ops through the providers' official libraries and returns
// one result per op.
func official(t *testing.T, ops ...op) []json.RawMessage {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("interop: node not found; install Node.js (Debian: apt-get install -y nodejs npm), then run: cd canary/internal/interop/testdata && npm ci")
	}
	for _, pkg := range []string{"twilio", "standardwebhooks", "@sendgrid/eventwebhook"} {
		if _, err := os.Stat(filepath.Join("testdata", "node_modules", pkg, "package.json")); err != nil {
			t.Skipf("interop: the official %s package is not installed; run: cd canary/internal/interop/testdata && npm ci", pkg)
		}
	}
	in, err := json.Marshal(ops)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.js")
	cmd.Dir = "testdata"
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node interop.js: %s", stderr.String())
	var res []json.RawMessage
	require.NoError(t, json.Unmarshal(out, &res))
	require.Len(t, res, len(ops))
	return res
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	require.NoError(t, json.Unmarshal(raw, &s), string(raw))
	return s
}

func boolean(t *testing.T, raw json.RawMessage) bool {
	t.Helper()
	var b bool
	require.NoError(t, json.Unmarshal(raw, &b), string(raw))
	return b
}

// recorder keeps the events a handler accepted.
type recorder struct {
	mu     sync.Mutex
	events []canary.Event
}

func (r *recorder) HandleEvent(_ context.Context, ev canary.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) take() []canary.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

// params turns a form into the object Twilio's library signs: one value a
// string, several an array.
func params(form url.Values) map[string]any {
	m := map[string]any{}
	for k, vs := range form {
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			m[k] = vs
		}
	}
	return m
}

func postForm(t *testing.T, u string, form url.Values, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestTwilioOfficialSignatures has Twilio's own library sign requests to
// both Twilio handlers, mounted under one public base, and checks that each
// is accepted as signed and refused once tampered with; and that Twilio's
// validator accepts inbound.TwilioSignature.
func TestTwilioOfficialSignatures(t *testing.T) {
	const token, base = "0123456789abcdef0123456789abcdef", "https://hooks.example.com/canary"
	rec := &recorder{}
	opts := inbound.Options{Handler: rec, PublicBase: base}
	sms, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{AuthToken: token, Options: opts})
	require.NoError(t, err)
	voice, err := inbound.NewTwilioVoiceHandler(inbound.TwilioConfig{AuthToken: token, Options: opts})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/twilio/sms", sms)
	mux.Handle("/twilio/voice", voice)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	type request struct {
		why  string
		path string // with query
		form url.Values
	}
	requests := []request{
		{"an SMS", "/twilio/sms", url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "From": {"+447700900123"}, "To": {"+12015550101"}, "Body": {"Your parcel is held: pay the fee"}, "NumMedia": {"0"}}},
		{"an SMS in Unicode with reserved characters", "/twilio/sms", url.Values{"MessageSid": {"SM2"}, "From": {"+447700900123"}, "To": {"+12015550101"}, "Body": {"Zahlung fällig 💶 & sofort: a=b+c?d#e"}}},
		{"a query string on the configured URL", "/twilio/sms?account=eu&note=a%20b", url.Values{"MessageSid": {"SM3"}, "From": {"+12025550143"}, "To": {"+12015550101"}, "Body": {"hi"}}},
		{"a call", "/twilio/voice", url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "From": {"+12025550143"}, "To": {"+12015550101"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}, "Caller": {"+12025550143"}}},
		{"an empty value", "/twilio/voice", url.Values{"CallSid": {"CA2"}, "From": {""}, "To": {"+12015550101"}, "CallerName": {""}}},
	}
	var ops []op
	for _, r := range requests {
		ops = append(ops,
			op{"op": "twilio-sign", "token": token, "url": base + r.path, "params": params(r.form)},
			op{"op": "twilio-validate", "token": token, "url": base + r.path, "params": params(r.form),
				"signature": inbound.TwilioSignature(token, base+r.path, r.form)})
	}
	res := official(t, ops...)
	for i, r := range requests {
		t.Run(r.why, func(t *testing.T) {
			sig := str(t, res[2*i])
			assert.True(t, boolean(t, res[2*i+1]), "Twilio's validator accepts inbound.TwilioSignature")
			signed := http.Header{"X-Twilio-Signature": {sig}}
			assert.Equal(t, http.StatusOK, postForm(t, srv.URL+r.path, r.form, signed), "as Twilio signed it")
			require.Len(t, rec.take(), 1)

			tampered := url.Values{}
			for k, v := range r.form {
				tampered[k] = v
			}
			tampered.Set("To", "+12015550199")
			assert.Equal(t, http.StatusForbidden, postForm(t, srv.URL+r.path, tampered, signed), "a changed parameter")
			other := "/twilio/voice"
			if strings.HasPrefix(r.path, other) {
				other = "/twilio/sms"
			}
			assert.Equal(t, http.StatusForbidden, postForm(t, srv.URL+other, r.form, signed), "replayed to the other endpoint")
			assert.Empty(t, rec.take(), "no tampered request gave an event")
		})
	}
}

// TestTwilioOfficialBehindProxy has Twilio's library sign the edge URL a
// trusted proxy forwards, and checks the same headers from an untrusted
// peer move nothing.
func TestTwilioOfficialBehindProxy(t *testing.T) {
	const token = "fedcba9876543210fedcba9876543210"
	form := url.Values{"MessageSid": {"SM9"}, "From": {"+447700900123"}, "To": {"+12015550101"}, "Body": {"hello"}}
	res := official(t,
		op{"op": "twilio-sign", "token": token, "url": "https://edge.example.com/twilio/sms", "params": params(form)},
		op{"op": "twilio-sign", "token": token, "url": "https://hooks.example.com/twilio/sms", "params": params(form)})
	edgeSig, baseSig := str(t, res[0]), str(t, res[1])
	fwd := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"edge.example.com"}}

	for _, tc := range []struct {
		why     string
		trusted []string
		sig     string
		want    int
	}{
		{"a trusted proxy forwards the edge URL Twilio signed", []string{"127.0.0.1/32"}, edgeSig, http.StatusOK},
		{"a trusted proxy forwards another host than the signed base", []string{"127.0.0.1/32"}, baseSig, http.StatusForbidden},
		{"an untrusted peer's forwarded host is ignored", []string{"192.0.2.1"}, edgeSig, http.StatusForbidden},
		{"an untrusted peer is checked against the configured base", []string{"192.0.2.1"}, baseSig, http.StatusOK},
	} {
		t.Run(tc.why, func(t *testing.T) {
			h, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{AuthToken: token, Options: inbound.Options{
				Handler: &recorder{}, PublicBase: "https://hooks.example.com", TrustedProxies: tc.trusted,
			}})
			require.NoError(t, err)
			srv := httptest.NewServer(h)
			defer srv.Close()
			header := fwd.Clone()
			header.Set("X-Twilio-Signature", tc.sig)
			assert.Equal(t, tc.want, postForm(t, srv.URL+"/twilio/sms", form, header))
		})
	}
}

const (
	secret         = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	previousSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

// TestStandardWebhooksOfficialSigner has the official standardwebhooks
// library sign events that the webhook handler must accept, and refuse once
// tampered with.
func TestStandardWebhooksOfficialSigner(t *testing.T) {
	rec := &recorder{}
	h, err := inbound.NewWebhookHandler(inbound.WebhookConfig{Secret: secret, Options: inbound.Options{Handler: rec}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	now := time.Now().Unix()
	bodies := []string{
		`{"channel":"sms","from":"+447700900123","to":"+12015550101","body":"Your parcel is held"}`,
		`{"channel":"email","from":"help@scam.example","to":"ann.lee1@mail.example","subject":"Rückerstattung 💶","body":"Rufen Sie an"}`,
		`{"channel":"call","from":"+12025550143","to":"+12015550101","source":"pbx"}`,
	}
	var ops []op
	for i, b := range bodies {
		ops = append(ops, op{"op": "swh-sign", "secret": secret, "id": fmt.Sprintf("msg_%d", i), "timestamp": now, "payload": b})
	}
	res := official(t, ops...)
	send := func(id, body, sig string) int {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now, 10))
		req.Header.Set("webhook-signature", sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, b := range bodies {
		id, sig := fmt.Sprintf("msg_%d", i), str(t, res[i])
		assert.Equal(t, http.StatusForbidden, send(id, strings.Replace(b, `"to"`, `"To"`, 1)+" ", sig), "tampered body: %s", b)
		assert.Equal(t, http.StatusForbidden, send(id+"x", b, sig), "another webhook-id: %s", b)
		assert.Equal(t, http.StatusOK, send(id, b, sig), "as signed: %s", b)
	}
	evs := rec.take()
	require.Len(t, evs, len(bodies))
	assert.Equal(t, "Rückerstattung 💶", evs[1].Subject)
	assert.Equal(t, "webhook:pbx", evs[2].Source)
}

// TestWebhookSinkOfficialVerifier sends alerts through the webhook sink and
// has the official standardwebhooks library verify every delivery, with the
// current secret and, during a rotation, the previous one; a delivery
// changed on the way must fail its check.
func TestWebhookSinkOfficialVerifier(t *testing.T) {
	type delivery struct {
		header http.Header
		body   string
	}
	var mu sync.Mutex
	var got []delivery
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Header.Clone(), string(b)})
		mu.Unlock()
	}))
	defer srv.Close()
	wh, err := sink.NewWebhook(srv.URL, secret, sink.WebhookOptions{PreviousSecret: previousSecret})
	require.NoError(t, err)

	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	seed := canary.Seed{ID: uuid.MustParse("6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"), Placement: "support-db/eu",
		Name: canary.Name{Given: "Ann", Family: "Lee"}, Email: "ann.lee1@mail.example", PlantedAt: at.Add(-24 * time.Hour)}
	alerts := []canary.Alert{
		{ID: uuid.New(), Channel: canary.ChannelEmail, Source: "smtp", Sender: "help@scam.example", Subject: "Refund",
			Seeds: []canary.Seed{seed}, Hits: []canary.Hit{{Seed: seed, Field: canary.FieldEmail, Value: seed.Email, Evidence: "to", Confidence: canary.Exact}},
			FirstSeen: at, LastSeen: at, Count: 1, Evidence: []string{"to: ann.lee1@mail.example"}},
		{ID: uuid.New(), Channel: canary.ChannelSMS, Source: "twilio", Sender: "+447700900123", Subject: "Zahlung fällig 💶 <&>",
			Seeds: []canary.Seed{seed}, FirstSeen: at, LastSeen: at.Add(time.Hour), Count: 3},
	}
	for _, a := range alerts {
		require.NoError(t, wh.Send(context.Background(), a))
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, len(alerts))

	var ops []op
	for _, d := range got {
		headers := map[string]string{
			"webhook-id":        d.header.Get("webhook-id"),
			"webhook-timestamp": d.header.Get("webhook-timestamp"),
			"webhook-signature": d.header.Get("webhook-signature"),
		}
		ops = append(ops,
			op{"op": "swh-verify", "secret": secret, "headers": headers, "payload": d.body},
			op{"op": "swh-verify", "secret": previousSecret, "headers": headers, "payload": d.body},
			op{"op": "swh-verify", "secret": secret, "headers": headers, "payload": strings.Replace(d.body, "support-db", "support-db2", 1)},
			op{"op": "swh-verify", "secret": "whsec_" + strings.Repeat("A", 32), "headers": headers, "payload": d.body})
	}
	res := official(t, ops...)
	for i, a := range alerts {
		assert.Equal(t, got[i].header.Get("webhook-id"), a.ID.String(), "the alert ID is the webhook-id")
		assert.Equal(t, "ok", str(t, res[4*i]), "verified with the current secret")
		assert.Equal(t, "ok", str(t, res[4*i+1]), "verified with the previous secret")
		assert.True(t, strings.HasPrefix(str(t, res[4*i+2]), "refused"), "a changed body")
		assert.True(t, strings.HasPrefix(str(t, res[4*i+3]), "refused"), "another secret")
	}
}
