package inbound

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// sendGridParsed is an Inbound Parse post in the default, parsed form. Its
// text is in ISO-8859-1, as the charsets field says.
var sendGridParsed = url.Values{
	"headers": {"Received: from mx.scam.example by mx.parse.example\r\n" +
		"From: Crédit Service <credit@scam.example>\r\n" +
		"To: ann.lee0@mail.example\r\n" +
		"Subject: Votre dossier\r\n" +
		"Message-ID: <sg-1@scam.example>\r\n"},
	"from":      {"Crédit Service <credit@scam.example>"},
	"to":        {"ann.lee0@mail.example"},
	"subject":   {"Votre dossier"},
	"text":      {"Votre cr\xe9dit est bloqu\xe9. Ticket TM-10000000."},
	"html":      {"<p>ignored when text is there</p>"},
	"envelope":  {`{"to":["ann.lee0@mail.example"],"from":"bounce@scam.example"}`},
	"charsets":  {`{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}`},
	"sender_ip": {"192.0.2.77"},
	"SPF":       {"softfail"},
}

func formBody(t testing.TB, form url.Values) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	require.NoError(t, w.Close())
	return b.String(), w.FormDataContentType()
}

func TestSendGridHandler(t *testing.T) {
	rec := &recorder{}
	h, err := NewSendGridHandler(SendGridConfig{Username: "sg", Password: "pw", Token: "tok-123", Options: Options{Handler: rec, MaxBodyBytes: 64 << 10}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u, err := url.Parse(srv.URL + "/inbound/sendgrid/tok-123")
	require.NoError(t, err)
	u.User = url.UserPassword("sg", "pw") // as written in SendGrid's destination URL

	t.Run("parsed", func(t *testing.T) {
		body, ctype := formBody(t, sendGridParsed)
		status, _ := post(t, u.String(), ctype, body, nil)
		require.Equal(t, http.StatusOK, status)
		ev := rec.take()[0]
		assert.Equal(t, canary.ChannelEmail, ev.Channel)
		assert.Equal(t, "credit@scam.example", ev.From)
		assert.Equal(t, "ann.lee0@mail.example", ev.To)
		assert.Equal(t, "Votre dossier", ev.Subject)
		assert.Equal(t, "Votre crédit est bloqué. Ticket TM-10000000.", ev.Body, "decoded from the charset SendGrid names")
		assert.Equal(t, "<sg-1@scam.example>", ev.ID)
		assert.Equal(t, []string{"ann.lee0@mail.example"}, ev.Envelope)
		assert.Equal(t, "192.0.2.77", ev.Remote, "the sending server, not SendGrid")
		assert.Equal(t, []string{"<bounce@scam.example>"}, ev.Header["Return-Path"])
		assert.Equal(t, []string{"from mx.scam.example by mx.parse.example"}, ev.Header["Received"])
		assert.Equal(t, "sendgrid", ev.Source)
	})

	t.Run("raw", func(t *testing.T) {
		body, ctype := formBody(t, url.Values{
			"email":    {"From: raw@scam.example\r\nTo: ann.lee0@mail.example\r\nSubject: raw\r\nContent-Type: text/html\r\n\r\n<p>Call now</p>\r\n"},
			"envelope": {`{"to":["ann.lee0@mail.example"],"from":"raw@scam.example"}`},
		})
		status, _ := post(t, u.String(), ctype, body, nil)
		require.Equal(t, http.StatusOK, status)
		ev := rec.take()[0]
		assert.Equal(t, "raw@scam.example", ev.From)
		assert.Equal(t, "raw", ev.Subject)
		assert.Equal(t, "Call now", ev.Body)
		assert.Equal(t, "127.0.0.1", ev.Remote, "no sender_ip: the peer")
	})

	body, ctype := formBody(t, sendGridParsed)
	for _, tc := range []struct {
		name string
		url  string
		want int
	}{
		{"no credentials", srv.URL + "/inbound/sendgrid/tok-123", http.StatusForbidden},
		{"wrong password", strings.Replace(u.String(), "pw@", "px@", 1), http.StatusForbidden},
		{"wrong token", strings.Replace(u.String(), "tok-123", "tok-124", 1), http.StatusForbidden},
		{"token in the query instead", strings.Replace(u.String(), "/tok-123", "?token=tok-123", 1), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _ := post(t, tc.url, ctype, body, nil)
			assert.Equal(t, tc.want, status)
			assert.Len(t, rec.take(), map[bool]int{true: 1}[tc.want == http.StatusOK])
		})
	}

	t.Run("no recipient", func(t *testing.T) {
		b, ct := formBody(t, url.Values{"subject": {"x"}})
		status, _ := post(t, u.String(), ct, b, nil)
		assert.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("oversized", func(t *testing.T) {
		b, ct := formBody(t, url.Values{"to": {"a@mail.example"}, "text": {strings.Repeat("x", 80<<10)}})
		status, _ := post(t, u.String(), ct, b, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	})
	t.Run("malformed multipart", func(t *testing.T) {
		status, _ := post(t, u.String(), "multipart/form-data; boundary=zz", "--zz\r\nno header end", nil)
		assert.Equal(t, http.StatusBadRequest, status)
	})
	assert.Empty(t, rec.take())
}

func TestSendGridConfig(t *testing.T) {
	h := Options{Handler: &recorder{}}
	for _, tc := range []struct {
		cfg SendGridConfig
		ok  bool
		why string
	}{
		{SendGridConfig{Options: h}, false, "no credential: an open endpoint is refused"},
		{SendGridConfig{Token: "t"}, false, "no handler"},
		{SendGridConfig{Token: "t", Options: h}, true, "a token alone is enough"},
		{SendGridConfig{Username: "sg", Password: "pw", Options: h}, true, "basic auth alone is enough"},
		{SendGridConfig{Username: "sg", Options: h}, false, "a username with no password would let in posts with \"sg:\""},
		{SendGridConfig{Password: "pw", Options: h}, false, "a password with no username"},
		{SendGridConfig{Username: "sg", Password: " \t", Options: h}, false, "a blank password is no password"},
		{SendGridConfig{Username: " ", Password: "pw", Options: h}, false, "a blank username is no username"},
		{SendGridConfig{Username: "sg", Token: "t", Options: h}, false, "half a credential even beside a token"},
		{SendGridConfig{Token: "  ", Options: h}, false, "a blank token"},
	} {
		_, err := NewSendGridHandler(tc.cfg)
		if tc.ok {
			assert.NoError(t, err, tc.why)
			continue
		}
		assert.ErrorIs(t, err, canary.ErrInvalidConfig, tc.why)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "inbound: "), tc.why)
		}
	}
}

// TestSendGridRefusesEmptyPassword posts with the right username and no
// password, in each way a client can send that.
func TestSendGridRefusesEmptyPassword(t *testing.T) {
	rec := &recorder{}
	h, err := NewSendGridHandler(SendGridConfig{Username: "sg", Password: "pw", Options: Options{Handler: rec}})
	require.NoError(t, err)
	body, ctype := formBody(t, sendGridParsed)
	for _, tc := range []struct{ auth, why string }{
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("sg:")), "user: and an empty password"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("sg")), "no colon at all"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte(":pw")), "an empty username"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte(":")), "both empty"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/sendgrid", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", tc.auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Equal(t, http.StatusForbidden, w.Code, tc.why)
	}
	assert.Empty(t, rec.all())
}

// FuzzSendGridMultipart posts arbitrary multipart bodies with valid
// credentials: the handler answers 200, 400 or 413 and bounds what it records.
func FuzzSendGridMultipart(f *testing.F) {
	body, ctype := formBody(f, sendGridParsed)
	_, boundary, _ := strings.Cut(ctype, "boundary=")
	f.Add([]byte(body))
	raw, _ := formBody(f, url.Values{"email": {"Subject: x\r\n\r\ny"}, "to": {"a@mail.example"}})
	f.Add([]byte(raw))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"charsets\"\r\n\r\n{\"text\":\"utf-16\"}\r\n--" + boundary + "--\r\n"))
	rec := &recorder{}
	h, err := NewSendGridHandler(SendGridConfig{Token: "tok", Options: Options{Handler: rec, MaxBodyBytes: 64 << 10, MaxHeaderBytes: 1024, MaxHeaderFields: 10}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/sendgrid?token=tok", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, w.Code)
		for _, ev := range rec.take() {
			assertBounded(t, ev, 64<<10, 1024, 10)
		}
	})
}
