package inbound

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestPublicURL(t *testing.T) {
	const proxy, stranger = "10.1.2.3:4711", "198.51.100.7:4711"
	trusted := []string{"10.0.0.0/8", "2001:db8::1"}
	for _, tc := range []struct {
		why     string
		base    string
		trusted []string
		remote  string
		tls     bool
		uri     string
		header  http.Header
		want    string
	}{
		{why: "no base, no proxy: the request as seen", remote: stranger, uri: "/twilio/sms?x=1",
			want: "http://hooks.test/twilio/sms?x=1"},
		{why: "no base, over TLS", remote: stranger, tls: true, uri: "/twilio/voice",
			want: "https://hooks.test/twilio/voice"},
		{why: "the base replaces scheme and host; the path is the endpoint's own", base: "https://hooks.example.com", remote: stranger, uri: "/twilio/voice",
			want: "https://hooks.example.com/twilio/voice"},
		{why: "a base with a path prefix a proxy strips", base: "https://gw.example.com/canary/", remote: stranger, uri: "/twilio/sms?a=b",
			want: "https://gw.example.com/canary/twilio/sms?a=b"},
		{why: "the path stays as the client escaped it", base: "https://hooks.example.com", remote: stranger, uri: "/twilio/s%6Ds",
			want: "https://hooks.example.com/twilio/s%6Ds"},
		{why: "forwarding headers from an untrusted peer are ignored", base: "https://hooks.example.com", trusted: trusted, remote: stranger, uri: "/twilio/sms",
			header: http.Header{"X-Forwarded-Proto": {"http"}, "X-Forwarded-Host": {"evil.example"}},
			want:   "https://hooks.example.com/twilio/sms"},
		{why: "forwarding headers are ignored when no proxy is trusted", remote: proxy, uri: "/twilio/sms",
			header: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"hooks.example.com"}},
			want:   "http://hooks.test/twilio/sms"},
		{why: "a trusted proxy's X-Forwarded-Proto and -Host", trusted: trusted, remote: proxy, uri: "/twilio/sms",
			header: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"hooks.example.com"}},
			want:   "https://hooks.example.com/twilio/sms"},
		{why: "a trusted proxy's headers win over the base", base: "https://old.example.com", trusted: trusted, remote: proxy, uri: "/twilio/sms",
			header: http.Header{"X-Forwarded-Host": {"hooks.example.com:8443"}},
			want:   "https://hooks.example.com:8443/twilio/sms"},
		{why: "of an X-Forwarded list, the value the peer set", trusted: trusted, remote: proxy, uri: "/v",
			header: http.Header{"X-Forwarded-Proto": {"http, https"}},
			want:   "https://hooks.test/v"},
		{why: "IPv6 proxy, trusted as a single address", trusted: trusted, remote: "[2001:db8::1]:80", uri: "/v",
			header: http.Header{"X-Forwarded-Proto": {"https"}},
			want:   "https://hooks.test/v"},
		{why: "a malformed forwarded host is ignored", base: "https://hooks.example.com", trusted: trusted, remote: proxy, uri: "/v",
			header: http.Header{"X-Forwarded-Host": {"evil.example/path?"}, "X-Forwarded-Proto": {"gopher"}},
			want:   "https://hooks.example.com/v"},
		{why: "Forwarded wins over X-Forwarded-*", trusted: trusted, remote: proxy, uri: "/v",
			header: http.Header{"Forwarded": {`for=192.0.2.60;proto=https;host="hooks.example.com"`}, "X-Forwarded-Host": {"other.example"}},
			want:   "https://hooks.example.com/v"},
		{why: "Forwarded chain: the outermost element of trusted proxies", trusted: trusted, remote: proxy, uri: "/v",
			header: http.Header{"Forwarded": {`for=192.0.2.60;proto=https;host=edge.example.com, for=10.9.9.9;proto=http;host=inner.internal`}},
			want:   "https://edge.example.com/v"},
		{why: "Forwarded chain broken by an untrusted hop: the element the untrusted hop cannot have written", trusted: trusted, remote: proxy, uri: "/v",
			header: http.Header{"Forwarded": {"for=10.0.0.5;host=forged.example", "for=203.0.113.9;proto=https;host=edge.example.com"}},
			want:   "https://edge.example.com/v"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			o := Options{PublicBase: tc.base, TrustedProxies: tc.trusted}
			p, err := newPublicURLs("test", &o)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, tc.uri, nil)
			r.Host = "hooks.test"
			r.RemoteAddr = tc.remote
			if !tc.tls {
				r.TLS = nil
			} else {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.header {
				r.Header[k] = v
			}
			assert.Equal(t, tc.want, p.of(r))
		})
	}
}

func TestPublicURLConfig(t *testing.T) {
	for _, o := range []Options{
		{PublicBase: "hooks.example.com"},
		{PublicBase: "ftp://hooks.example.com"},
		{PublicBase: "https://hooks.example.com/?q=1"},
		{PublicBase: "https://user:pw@hooks.example.com"},
		{TrustedProxies: []string{"10.0.0.0/33"}},
		{TrustedProxies: []string{"proxy.internal"}},
	} {
		_, err := newPublicURLs("twilio-sms", &o)
		assert.ErrorIs(t, err, canary.ErrInvalidConfig, "%+v", o)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "inbound: "), err.Error())
		}
	}
}

// TestTwilioOneBaseForEveryEndpoint mounts the SMS and voice handlers behind
// a TLS-terminating proxy, configured with one public base: Twilio signs
// each endpoint's own URL, and both verify.
func TestTwilioOneBaseForEveryEndpoint(t *testing.T) {
	rec := &recorder{}
	opts := Options{Handler: rec, PublicBase: "https://hooks.example.com/canary"}
	sms, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", Options: opts})
	require.NoError(t, err)
	voice, err := NewTwilioVoiceHandler(TwilioConfig{AuthToken: "tok", Options: opts})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/twilio/sms", sms)
	mux.Handle("/twilio/voice", voice)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/twilio/sms", "/twilio/voice"} {
		form := url.Values{"MessageSid": {"SM1"}, "CallSid": {"CA1"}, "From": {"+12025550143"}, "To": {"+12015550101"}}
		public := "https://hooks.example.com/canary" + path
		status, _ := post(t, srv.URL+path, formType, form.Encode(), http.Header{"X-Twilio-Signature": {twilioSign("tok", public, form)}})
		assert.Equal(t, http.StatusOK, status, path)
		other := "https://hooks.example.com/canary/twilio/other"
		status, _ = post(t, srv.URL+path, formType, form.Encode(), http.Header{"X-Twilio-Signature": {twilioSign("tok", other, form)}})
		assert.Equal(t, http.StatusForbidden, status, "%s: a signature for another endpoint", path)
	}
	assert.Len(t, rec.take(), 2)
}

// TestTwilioTrustedProxy checks that forwarding headers decide the URL only
// from a trusted peer: a stranger who sends them cannot move the URL the
// signature is checked against.
func TestTwilioTrustedProxy(t *testing.T) {
	rec := &recorder{}
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", Options: Options{
		Handler: rec, PublicBase: "https://hooks.example.com", TrustedProxies: []string{"127.0.0.0/8"},
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+12025550143"}, "To": {"+12015550101"}}
	fwd := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"edge.example.com"}}

	fwd.Set("X-Twilio-Signature", twilioSign("tok", "https://edge.example.com/twilio/sms", form))
	status, _ := post(t, srv.URL+"/twilio/sms", formType, form.Encode(), fwd)
	assert.Equal(t, http.StatusOK, status, "the trusted proxy's host")
	fwd.Set("X-Twilio-Signature", twilioSign("tok", "https://hooks.example.com/twilio/sms", form))
	status, _ = post(t, srv.URL+"/twilio/sms", formType, form.Encode(), fwd)
	assert.Equal(t, http.StatusForbidden, status, "the trusted proxy said another host")

	untrusted, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", Options: Options{
		Handler: rec, PublicBase: "https://hooks.example.com", TrustedProxies: []string{"192.0.2.0/24"},
	}})
	require.NoError(t, err)
	srv2 := httptest.NewServer(untrusted)
	defer srv2.Close()
	fwd.Set("X-Twilio-Signature", twilioSign("tok", "https://edge.example.com/twilio/sms", form))
	status, _ = post(t, srv2.URL+"/twilio/sms", formType, form.Encode(), fwd)
	assert.Equal(t, http.StatusForbidden, status, "an untrusted peer's host is not believed")
	fwd.Set("X-Twilio-Signature", twilioSign("tok", "https://hooks.example.com/twilio/sms", form))
	status, _ = post(t, srv2.URL+"/twilio/sms", formType, form.Encode(), fwd)
	assert.Equal(t, http.StatusOK, status, "the configured base")
	assert.Len(t, rec.take(), 2)
}

// FuzzForwarded feeds arbitrary Forwarded and X-Forwarded-* values from a
// trusted peer: the URL must keep the endpoint's path, and any host taken
// must be a plain host.
func FuzzForwarded(f *testing.F) {
	f.Add(`for=192.0.2.60;proto=https;host="hooks.example.com"`, "https", "a.example")
	f.Add(`for="[2001:db8::1]:4711";host=[::1]:80, for=10.0.0.1`, "http, https", "b.example:8080")
	f.Add(`"unterminated;host=x\`, "", "x/y")
	o := Options{PublicBase: "https://hooks.example.com", TrustedProxies: []string{"10.0.0.0/8"}}
	p, err := newPublicURLs("fuzz", &o)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, forwarded, proto, host string) {
		r := httptest.NewRequest(http.MethodPost, "/twilio/sms", nil)
		r.RemoteAddr = "10.0.0.1:1"
		r.Header.Set("Forwarded", forwarded)
		r.Header.Set("X-Forwarded-Proto", proto)
		r.Header.Set("X-Forwarded-Host", host)
		got := p.of(r)
		u, err := url.Parse(got)
		require.NoError(t, err, got)
		assert.Equal(t, "/twilio/sms", u.Path, got)
		assert.Contains(t, []string{"http", "https"}, u.Scheme)
	})
}
