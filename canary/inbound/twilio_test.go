package inbound

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// TestVerifyTwilioDocumentedVectors checks the signature scheme against the
// examples Twilio publishes. Their URL and numbers are copied as published:
// they are only signed here, never contacted.
func TestVerifyTwilioDocumentedVectors(t *testing.T) {
	// Twilio's "Webhooks security" guide
	// (https://www.twilio.com/docs/usage/webhooks/webhooks-security), worked example:
	// auth token 12345, a <Gather> POST to https://mycompany.com/myapp.php?foo=1&bar=2.
	docs := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+12349013030"},
		"Digits":  {"1234"},
		"From":    {"+12349013030"},
		"To":      {"+18005551212"},
	}
	// The same example in twilio-php's docs/usage/validation.rst (older caller number).
	php := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
	tampered := url.Values{}
	for k, v := range docs {
		tampered[k] = v
	}
	tampered.Set("Digits", "9999")
	const docsURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	for _, tc := range []struct {
		token, url string
		form       url.Values
		sig        string
		want       bool
		why        string
	}{
		{"12345", docsURL, docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", true, "Twilio docs vector"},
		{"12345", docsURL, php, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true, "twilio-php docs vector"},
		{"12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", true, "signed without the default port, configured with it"},
		{"12345", docsURL, tampered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", false, "a changed parameter"},
		{"12345", "https://mycompany.com/myapp.php?foo=1&bar=3", docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", false, "a changed query"},
		{"12345", "http://mycompany.com/myapp.php?foo=1&bar=2", docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", false, "another scheme, as a TLS-terminating proxy shows it"},
		{"54321", docsURL, docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", false, "another auth token"},
		{"12345", docsURL, docs, "0/KCTR6DLpKmkAf8muzZqo1nDgQ", false, "truncated signature"},
		{"12345", docsURL, docs, "not base64!", false, "garbage"},
		{"12345", docsURL, docs, "", false, "empty"},
	} {
		assert.Equal(t, tc.want, verifyTwilio(Secret(tc.token), tc.url, tc.form, tc.sig), tc.why)
	}
}

// twilioSign signs a form as the documentation describes, independently of
// the code under test: URL, then each name and value sorted by name (and the
// values of a repeated name sorted, as Twilio's libraries do).
func twilioSign(token, rawURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := rawURL
	for _, k := range keys {
		values := append([]string(nil), form[k]...)
		sort.Strings(values)
		for _, v := range values {
			s += k + v
		}
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// post sends a POST with body and headers and returns the status and body.
func post(t testing.TB, u, contentType, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

const formType = "application/x-www-form-urlencoded"

func TestTwilioSMSHandler(t *testing.T) {
	rec := &recorder{}
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", Options: Options{Handler: rec, MaxBodyBytes: 4 << 10}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := srv.URL + "/twilio/sms?account=eu"
	form := url.Values{
		"MessageSid":  {"SM0123456789abcdef0123456789abcdef"},
		"From":        {"+447700900123"},
		"To":          {"+12015550101"},
		"Body":        {"Your parcel is held. Pay the fee: https://scam.example/p"},
		"FromCountry": {"GB"},
	}
	signed := http.Header{"X-Twilio-Signature": {twilioSign("tok", u, form)}}

	status, body := post(t, u, formType, form.Encode(), signed)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response/>`, body)
	ev := rec.only(t)
	assert.Equal(t, canary.ChannelSMS, ev.Channel)
	assert.Equal(t, "+447700900123", ev.From)
	assert.Equal(t, "+12015550101", ev.To)
	assert.Equal(t, form.Get("Body"), ev.Body)
	assert.Equal(t, "SM0123456789abcdef0123456789abcdef", ev.ID)
	assert.Equal(t, "twilio", ev.Source)
	assert.Equal(t, "127.0.0.1", ev.Remote)
	assert.False(t, ev.At.IsZero())

	for _, tc := range []struct {
		name   string
		method string
		ctype  string
		body   string
		header http.Header
		status int
	}{
		{"no signature", http.MethodPost, formType, form.Encode(), nil, http.StatusForbidden},
		{"wrong signature", http.MethodPost, formType, form.Encode(), http.Header{"X-Twilio-Signature": {twilioSign("other", u, form)}}, http.StatusForbidden},
		{"changed body", http.MethodPost, formType, strings.Replace(form.Encode(), "held", "free", 1), signed, http.StatusForbidden},
		{"GET", http.MethodGet, formType, "", signed, http.StatusMethodNotAllowed},
		{"not a form", http.MethodPost, "application/json", "{}", signed, http.StatusUnsupportedMediaType},
		{"malformed form", http.MethodPost, formType, "a=%zz", signed, http.StatusBadRequest},
		{"oversized", http.MethodPost, formType, "Body=" + strings.Repeat("x", 8<<10), signed, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, u, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header = tc.header.Clone()
			if req.Header == nil {
				req.Header = http.Header{}
			}
			req.Header.Set("Content-Type", tc.ctype)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, http.StatusText(tc.status)+"\n", string(b), "the caller learns the status only")
			if tc.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", resp.Header.Get("Allow"))
			}
		})
	}
	assert.Len(t, rec.all(), 1, "no refused request gave an event")

	status, _ = post(t, u, formType, form.Encode(), signed)
	assert.Equal(t, http.StatusForbidden, status, "a replay of a recorded message")
	assert.Len(t, rec.all(), 1)

	rec.setFailing(true)
	form.Set("MessageSid", "SM11111111111111111111111111111111")
	signed = http.Header{"X-Twilio-Signature": {twilioSign("tok", u, form)}}
	status, _ = post(t, u, formType, form.Encode(), signed)
	assert.Equal(t, http.StatusServiceUnavailable, status, "not recorded: Twilio must retry")
	assert.Len(t, rec.all(), 1)
	rec.setFailing(false)
	status, _ = post(t, u, formType, form.Encode(), signed)
	assert.Equal(t, http.StatusOK, status, "the retry of a message not recorded is no replay")
	assert.Len(t, rec.all(), 2)
}

func TestTwilioBehindProxy(t *testing.T) {
	// A proxy terminates TLS and forwards to a private address: the handler
	// sees http://127.0.0.1:port/sms, Twilio signed the public URL.
	const public = "https://hooks.example.com/twilio/sms"
	rec := &recorder{}
	h, err := NewTwilioVoiceHandler(TwilioConfig{AuthToken: "tok", PublicURL: public, Options: Options{Handler: rec}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	form := url.Values{"CallSid": {"CA42"}, "From": {"+12025550143"}, "To": {"+12015550101"}, "CallStatus": {"ringing"}}

	status, _ := post(t, srv.URL+"/sms", formType, form.Encode(), http.Header{"X-Twilio-Signature": {twilioSign("tok", public, form)}})
	require.Equal(t, http.StatusOK, status)
	ev := rec.only(t)
	assert.Equal(t, canary.ChannelCall, ev.Channel)
	assert.Equal(t, "CA42", ev.ID)
	assert.Equal(t, "+12025550143", ev.From)

	status, _ = post(t, srv.URL+"/sms", formType, form.Encode(), http.Header{"X-Twilio-Signature": {twilioSign("tok", srv.URL+"/sms", form)}})
	assert.Equal(t, http.StatusForbidden, status, "a signature over the URL the handler sees is not Twilio's")
}

func TestTwilioConfig(t *testing.T) {
	rec := &recorder{}
	for _, cfg := range []TwilioConfig{
		{Options: Options{Handler: rec}},
		{AuthToken: "t"},
		{AuthToken: "t", PublicURL: "/relative", Options: Options{Handler: rec}},
	} {
		_, err := NewTwilioSMSHandler(cfg)
		assert.ErrorIs(t, err, canary.ErrInvalidConfig)
		assert.True(t, strings.HasPrefix(err.Error(), "inbound: "), err.Error())
	}
}

func TestPortVariants(t *testing.T) {
	assert.Equal(t, []string{"https://a.example/x?y=1", "https://a.example:443/x?y=1"}, portVariants("https://a.example/x?y=1"))
	assert.Equal(t, []string{"http://a.example:8080", "http://a.example"}, portVariants("http://a.example:8080"))
	assert.Equal(t, []string{"https://[2001:db8::1]", "https://[2001:db8::1]:443"}, portVariants("https://[2001:db8::1]"))
	assert.Equal(t, []string{"nonsense"}, portVariants("nonsense"))
}

// FuzzTwilioForm posts arbitrary form bodies, correctly signed, to the SMS
// handler: it must answer 200 or 400, and any event must be bounded.
func FuzzTwilioForm(f *testing.F) {
	f.Add("MessageSid=SM1&From=%2B447700900123&To=%2B12015550101&Body=hi")
	f.Add("To=x&Body=%FF%FE&Body=second")
	f.Add("To=&From=")
	f.Add("a=%zz")
	const u = "https://hooks.example.com/sms"
	rec := &recorder{}
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", PublicURL: u, Options: Options{Handler: rec, MaxBodyBytes: 64 << 10}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body string) {
		form, _ := url.ParseQuery(body)
		req := httptest.NewRequest(http.MethodPost, u, strings.NewReader(body))
		req.Header.Set("Content-Type", formType)
		req.Header.Set("X-Twilio-Signature", twilioSign("tok", u, form))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, w.Code)
		for _, ev := range rec.take() {
			assertBounded(t, ev, 64<<10, 0, 0)
		}
	})
}
