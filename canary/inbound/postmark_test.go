package inbound

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// postmarkJSON is shaped like the example in Postmark's inbound webhook
// documentation, with reserved names and addresses.
const postmarkJSON = `{
  "FromName": "Tech Support",
  "MessageStream": "inbound",
  "From": "support@scam.example",
  "FromFull": {"Email": "support@scam.example", "Name": "Tech Support", "MailboxHash": ""},
  "To": "\"Ann Lee\" <ann.lee0@mail.example>",
  "ToFull": [{"Email": "ann.lee0@mail.example", "Name": "Ann Lee", "MailboxHash": ""}],
  "Cc": "",
  "CcFull": [],
  "OriginalRecipient": "ann.lee0@mail.example",
  "Subject": "Security alert on your account",
  "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
  "ReplyTo": "",
  "MailboxHash": "",
  "Date": "Thu, 19 Nov 2026 09:00:00 +0000",
  "TextBody": "",
  "HtmlBody": "<p>Call <b>+1 202 555 0100</b> about ticket TM-10000000.</p>",
  "StrippedTextReply": "",
  "Tag": "",
  "Headers": [
    {"Name": "X-Spam-Status", "Value": "No"},
    {"Name": "Message-ID", "Value": "<pm-1@scam.example>"}
  ],
  "Attachments": [{"Name": "a.pdf", "Content": "JVBERi0=", "ContentType": "application/pdf", "ContentLength": 5}]
}`

func TestPostmarkHandler(t *testing.T) {
	rec := &recorder{}
	h, err := NewPostmarkHandler(PostmarkConfig{Username: "pm", Password: "s3cret", Options: Options{Handler: rec, MaxBodyBytes: 16 << 10}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/postmark")
	u.User = url.UserPassword("pm", "s3cret")

	status, _ := post(t, u.String(), "application/json", postmarkJSON, nil)
	require.Equal(t, http.StatusOK, status)
	ev := rec.only(t)
	assert.Equal(t, canary.ChannelEmail, ev.Channel)
	assert.Equal(t, "support@scam.example", ev.From)
	assert.Equal(t, "ann.lee0@mail.example", ev.To)
	assert.Equal(t, "Security alert on your account", ev.Subject)
	assert.Equal(t, "Call +1 202 555 0100 about ticket TM-10000000.", ev.Body, "HTML rendered when there is no text")
	assert.Equal(t, "73e6d360-66eb-11e1-8e72-a8904824019b", ev.ID, "Postmark's ID, stable across its retries")
	assert.Equal(t, []string{"ann.lee0@mail.example"}, ev.Envelope)
	assert.Equal(t, []string{"No"}, ev.Header["X-Spam-Status"])
	assert.Equal(t, []string{"Thu, 19 Nov 2026 09:00:00 +0000"}, ev.Header["Date"])
	assert.Equal(t, "postmark", ev.Source)

	wrong, _ := url.Parse(u.String())
	wrong.User = url.UserPassword("pm", "s3cre")
	for _, tc := range []struct {
		name, url, body string
		want            int
	}{
		{"no credentials", srv.URL + "/postmark", postmarkJSON, http.StatusForbidden},
		{"wrong password", wrong.String(), postmarkJSON, http.StatusForbidden},
		{"malformed JSON", u.String(), `{"From": `, http.StatusBadRequest},
		{"wrong types", u.String(), `{"ToFull": "ann"}`, http.StatusBadRequest},
		{"no recipient", u.String(), `{"From": "a@scam.example", "TextBody": "x"}`, http.StatusBadRequest},
		{"oversized", u.String(), `{"TextBody": "` + strings.Repeat("x", 20<<10) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _ := post(t, tc.url, "application/json", tc.body, nil)
			assert.Equal(t, tc.want, status)
		})
	}
	assert.Len(t, rec.all(), 1, "no refused post gave an event")
}

func TestPostmarkConfig(t *testing.T) {
	_, err := NewPostmarkHandler(PostmarkConfig{Username: "u", Options: Options{Handler: &recorder{}}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "a password is required")
}

// FuzzPostmarkJSON posts arbitrary JSON with valid credentials.
func FuzzPostmarkJSON(f *testing.F) {
	f.Add([]byte(postmarkJSON))
	f.Add([]byte(`{"To":"a","Headers":[{"Name":"","Value":"\ud800"}]}`))
	f.Add([]byte(`{"ToFull":[{"Email":"` + strings.Repeat("a", 100) + `"}],"TextBody":"\u0000"}`))
	rec := &recorder{}
	h, err := NewPostmarkHandler(PostmarkConfig{Username: "u", Password: "p", Options: Options{Handler: rec, MaxBodyBytes: 64 << 10, MaxHeaderBytes: 1024, MaxHeaderFields: 10}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/postmark", strings.NewReader(string(body)))
		req.SetBasicAuth("u", "p")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, w.Code)
		for _, ev := range rec.take() {
			assertBounded(t, ev, 64<<10, 1024, 10)
		}
	})
}
