package inbound

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
)

// TwilioConfig configures the Twilio SMS and voice handlers.
type TwilioConfig struct {
	// AuthToken is the account's auth token, with which Twilio signs every
	// request (X-Twilio-Signature). Required.
	AuthToken Secret
	// PublicURL, when set, is the one URL this handler is requested at,
	// exactly as configured in the console, query string included, and the
	// signature is checked against it alone. Prefer Options.PublicBase, which
	// gives each endpoint its own URL (base, then the request's path and
	// query), so the SMS and voice handlers share one setting.
	PublicURL string
	Options
}

// NewTwilioSMSHandler returns a handler for Twilio's incoming-message webhook.
// A request with a valid X-Twilio-Signature becomes an event with Channel
// canary.ChannelSMS, Source "twilio", From, To and Body as posted and
// MessageSid as its ID; it is answered with empty TwiML once recorded.
func NewTwilioSMSHandler(cfg TwilioConfig) (http.Handler, error) {
	return newTwilioHandler("twilio-sms", cfg, func(form url.Values) canary.Event {
		return canary.Event{
			Channel: canary.ChannelSMS,
			Body:    validUTF8(form.Get("Body")),
			ID:      firstOf(form, "MessageSid", "SmsSid"),
		}
	})
}

// NewTwilioVoiceHandler returns a handler for Twilio's incoming-call webhook.
// A request with a valid X-Twilio-Signature becomes an event with Channel
// canary.ChannelCall, Source "twilio", From and To as posted and CallSid as
// its ID; it is answered with empty TwiML, which ends the call, once recorded.
func NewTwilioVoiceHandler(cfg TwilioConfig) (http.Handler, error) {
	return newTwilioHandler("twilio-voice", cfg, func(form url.Values) canary.Event {
		return canary.Event{Channel: canary.ChannelCall, ID: firstOf(form, "CallSid")}
	})
}

func newTwilioHandler(name string, cfg TwilioConfig, event func(url.Values) canary.Event) (http.Handler, error) {
	if cfg.AuthToken == "" {
		return nil, fmt.Errorf("inbound: %w: %s: TwilioConfig.AuthToken is empty", canary.ErrInvalidConfig, name)
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("inbound: %w: %s: TwilioConfig.PublicURL %q is not an absolute URL", canary.ErrInvalidConfig, name, cfg.PublicURL)
		}
	}
	if err := cfg.Options.setDefaults(name, defaultMaxBodyBytes); err != nil {
		return nil, err
	}
	// The signature holds no time: a captured request verifies forever, so
	// its SID is what tells a replay.
	seen := newClaimer(&cfg.Options, name, 0)
	urls, err := newPublicURLs(name, &cfg.Options)
	if err != nil {
		return nil, err
	}
	e := &endpoint{name: name, opts: cfg.Options, ok: writeEmptyTwiML}
	e.accept = func(r *http.Request) (canary.Event, func(), error) {
		sig := r.Header.Get("X-Twilio-Signature")
		if sig == "" {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "no X-Twilio-Signature")
		}
		form, err := readForm(r)
		if err != nil {
			return canary.Event{}, nil, err
		}
		u := cfg.PublicURL
		if u == "" {
			u = urls.of(r)
		}
		if !verifyTwilio(cfg.AuthToken, u, form, sig) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "X-Twilio-Signature does not match %q", u)
		}
		ev := event(form)
		ev.From, ev.To = oneLine(validUTF8(form.Get("From"))), oneLine(validUTF8(form.Get("To")))
		ev.Source = "twilio"
		if ev.To == "" {
			return canary.Event{}, nil, refuse(http.StatusBadRequest, "no To")
		}
		if ev.ID == "" {
			return ev, nil, nil
		}
		now := e.opts.Now()
		undo, err := seen.claim(r.Context(), ev.ID, now, now.Add(twilioRetention))
		if err != nil {
			return canary.Event{}, nil, err
		}
		return ev, undo, nil
	}
	return e, nil
}

// firstOf returns the first non-empty value among keys, as one line of valid UTF-8.
func firstOf(form url.Values, keys ...string) string {
	for _, k := range keys {
		if v := form.Get(k); v != "" {
			return oneLine(validUTF8(v))
		}
	}
	return ""
}

func writeEmptyTwiML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response/>`)
}

// verifyTwilio checks an X-Twilio-Signature: base64 of HMAC-SHA1, keyed with
// the auth token, over the URL followed by each POST parameter's name and
// value in sorted order. Twilio's own libraries accept the URL with and
// without its default port, since Twilio's signing has varied there, and
// sort either by name or by name and value together; every combination is
// tried, each compared in constant time.
func verifyTwilio(token Secret, rawURL string, form url.Values, sig string) bool {
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(want) != sha1.Size {
		return false
	}
	ok := false
	for _, u := range portVariants(rawURL) {
		for _, byName := range []bool{true, false} {
			ok = hmac.Equal(twilioMAC(token, u, form, byName), want) || ok
		}
	}
	return ok
}

// TwilioSignature returns the X-Twilio-Signature that Twilio sends with a POST
// of form to rawURL, signed with the account's auth token: for tests, demos and
// tools that replay provider requests to a receiver.
func TwilioSignature(token Secret, rawURL string, form url.Values) string {
	return base64.StdEncoding.EncodeToString(twilioMAC(token, rawURL, form, true))
}

func twilioMAC(token Secret, rawURL string, form url.Values, byName bool) []byte {
	m := hmac.New(sha1.New, []byte(token))
	io.WriteString(m, rawURL)
	if byName {
		for _, k := range slices.Sorted(maps.Keys(form)) {
			for _, v := range slices.Sorted(slices.Values(form[k])) {
				io.WriteString(m, k)
				io.WriteString(m, v)
			}
		}
		return m.Sum(nil)
	}
	pairs := make([]string, 0, len(form))
	for k, vs := range form {
		for _, v := range vs {
			pairs = append(pairs, k+v)
		}
	}
	slices.Sort(pairs)
	for _, p := range pairs {
		io.WriteString(m, p)
	}
	return m.Sum(nil)
}

// portVariants returns rawURL and the same URL without its port, or with its
// scheme's default port when it has none.
func portVariants(rawURL string) []string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return []string{rawURL}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	def := map[string]string{"http": "80", "https": "443"}[strings.ToLower(scheme)]
	if def == "" {
		return []string{rawURL}
	}
	host := authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host = authority[:i]
		return []string{rawURL, scheme + "://" + host + tail}
	}
	return []string{rawURL, scheme + "://" + host + ":" + def + tail}
}
