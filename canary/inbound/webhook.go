package inbound

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/stdwebhook"
)

// WebhookConfig configures the generic JSON endpoint.
type WebhookConfig struct {
	// Secret is the endpoint's signing secret as Standard Webhooks serializes
	// it: "whsec_" and the base64 of at least 24 random bytes (the prefix may
	// be left out). Required.
	Secret Secret
	// Tolerance is how far webhook-timestamp may be from now (default 5 min).
	// Each webhook-id is accepted once, and remembered for 72 hours, past the
	// retry schedules of Standard Webhooks senders, which resend the same id.
	Tolerance time.Duration
	// ReplayCacheSize bounds the webhook-ids remembered in memory when
	// Options.Replay is nil (default 65536).
	ReplayCacheSize int
	// TrustSenderAuth makes this an authenticated channel: the "auth" list
	// of a posted event, sender identities its caller verified (a PBX that
	// knows a call came from an internal extension, a gateway that checked
	// DKIM), becomes Event.Auth, each Method prefixed "webhook: ". Only the
	// holder of the secret can post, so turn it on when every holder is
	// the operator's own system. Off, "auth" is ignored.
	TrustSenderAuth bool
	Options
}

// Limits of the Standard Webhooks headers.
const (
	maxWebhookID    = 256 // bytes: ids are remembered
	maxWebhookSigs  = 16  // signatures tried per request
	maxSourceLength = 64
)

// NewWebhookHandler returns a handler for events posted as JSON and signed the
// Standard Webhooks way (webhook-id, webhook-timestamp and webhook-signature
// headers; "v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the
// secret; several space-separated signatures allowed, for key rotation). It
// is the way in for any channel without a handler of its own: a chat bridge,
// a phone system, a script feeding pastes.
//
// The body is one event:
//
//	{"channel": "sms", "from": "+447700900123", "to": "+12025550123",
//	 "subject": "", "body": "…", "at": "2026-11-20T10:00:00Z",
//	 "source": "pbx", "id": "…", "header": {"K": ["v"]}, "envelope": ["…"],
//	 "auth": [{"number": "+12025550143", "method": "internal extension"}]}
//
// channel ("email", "sms", "call" or "text") is required, and so is one of
// from, to or body; at defaults to the arrival time, id to the webhook-id.
// Source is "webhook", or "webhook:" and the given source.
func NewWebhookHandler(cfg WebhookConfig) (http.Handler, error) {
	const name = "webhook"
	key, err := webhookKey(cfg.Secret)
	if err != nil {
		return nil, err
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = defaultReplayWindow
	}
	if err := cfg.Options.setDefaults(name, defaultMaxBodyBytes); err != nil {
		return nil, err
	}
	seen := newClaimer(&cfg.Options, name, cfg.ReplayCacheSize)
	retain := max(webhookRetention, 2*cfg.Tolerance)
	e := &endpoint{name: name, opts: cfg.Options}
	e.accept = func(r *http.Request) (canary.Event, func(), error) {
		id := r.Header.Get("webhook-id")
		ts := r.Header.Get("webhook-timestamp")
		sigs := r.Header.Get("webhook-signature")
		switch {
		case id == "" || ts == "" || sigs == "":
			return canary.Event{}, nil, refuse(http.StatusForbidden, "missing webhook-id, webhook-timestamp or webhook-signature")
		case len(id) > maxWebhookID || strings.ContainsAny(id, ". \t"):
			// The specification forbids "." in the id: it delimits the signed content.
			return canary.Event{}, nil, refuse(http.StatusForbidden, "webhook-id is malformed")
		}
		now := e.opts.Now()
		at, err := unixInWindow(ts, now, cfg.Tolerance)
		if err != nil {
			return canary.Event{}, nil, err
		}
		body, err := readBody(r)
		if err != nil {
			return canary.Event{}, nil, err
		}
		if !verifyWebhook(key, id, ts, body, sigs) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "no webhook-signature matches")
		}
		ev, err := webhookEvent(body, &e.opts, cfg.TrustSenderAuth)
		if err != nil {
			return canary.Event{}, nil, err
		}
		if ev.ID == "" {
			ev.ID = validUTF8(id)
		}
		undo, err := seen.claim(r.Context(), id, now, at.Add(retain))
		if err != nil {
			return canary.Event{}, nil, err
		}
		return ev, undo, nil
	}
	return e, nil
}

// webhookKey decodes a Standard Webhooks secret.
func webhookKey(secret Secret) ([]byte, error) {
	key, err := stdwebhook.Key(string(secret))
	switch {
	case strings.TrimSpace(string(secret)) == "":
		return nil, fmt.Errorf("inbound: %w: WebhookConfig.Secret is empty", canary.ErrInvalidConfig)
	case errors.Is(err, stdwebhook.ErrTooShort):
		return nil, fmt.Errorf("inbound: %w: WebhookConfig.Secret holds %d bytes; Standard Webhooks requires at least %d", canary.ErrInvalidConfig, len(key), stdwebhook.MinKey)
	case err != nil:
		return nil, fmt.Errorf("inbound: %w: WebhookConfig.Secret is not whsec_ and base64", canary.ErrInvalidConfig)
	}
	return key, nil
}

// verifyWebhook reports whether any "v1," signature in sigs is the HMAC-SHA256
// of "id.timestamp.body" under key. Other versions (v1a is asymmetric) are
// skipped.
func verifyWebhook(key []byte, id, ts string, body []byte, sigs string) bool {
	want := stdwebhook.MAC(key, id, ts, body)
	ok := false
	for i, sig := range strings.Fields(sigs) {
		if i == maxWebhookSigs {
			break
		}
		version, b64, found := strings.Cut(sig, ",")
		if !found || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	return ok
}

// webhookBody is the JSON of an event posted to the generic endpoint.
type webhookBody struct {
	Channel  string              `json:"channel"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	Subject  string              `json:"subject"`
	Body     string              `json:"body"`
	At       time.Time           `json:"at"`
	Source   string              `json:"source"`
	ID       string              `json:"id"`
	Header   map[string][]string `json:"header"`
	Envelope []string            `json:"envelope"`
	Auth     []struct {
		Domain string `json:"domain"`
		Number string `json:"number"`
		Method string `json:"method"`
	} `json:"auth"`
}

// maxSenderAuth bounds the identities taken from one post.
const maxSenderAuth = 8

func webhookEvent(body []byte, o *Options, trustAuth bool) (canary.Event, error) {
	var in webhookBody
	if err := json.Unmarshal(body, &in); err != nil {
		return canary.Event{}, refuse(http.StatusBadRequest, "body: %v", err)
	}
	var ch canary.Channel
	if err := ch.UnmarshalText([]byte(in.Channel)); err != nil {
		return canary.Event{}, refuse(http.StatusBadRequest, "channel %q", clipped(in.Channel, 32))
	}
	if in.From == "" && in.To == "" && in.Body == "" {
		return canary.Event{}, refuse(http.StatusBadRequest, "no from, to or body")
	}
	kept := newKeptHeader(o.headerLimits())
	for _, k := range slices.Sorted(maps.Keys(in.Header)) {
		for _, v := range in.Header[k] {
			kept.add(k, v)
		}
	}
	source := "webhook"
	if s := clipped(oneLine(in.Source), maxSourceLength); s != "" {
		source += ":" + s
	}
	text, cut := clip(in.Body, int(o.MaxBodyBytes))
	var n notes
	if cut {
		n.add("body text too long; cut")
	}
	var auth []canary.SenderAuth
	for i, a := range in.Auth {
		if !trustAuth || i == maxSenderAuth {
			break
		}
		if a.Domain != "" || a.Number != "" {
			auth = append(auth, canary.SenderAuth{
				Domain: clipped(oneLine(a.Domain), maxFieldBytes),
				Number: clipped(oneLine(a.Number), maxFieldBytes),
				Method: "webhook: " + clipped(oneLine(a.Method), maxSourceLength),
			})
		}
	}
	// encoding/json already replaced invalid UTF-8 in every string.
	return canary.Event{
		Auth:     auth,
		Channel:  ch,
		From:     clipped(oneLine(in.From), maxFieldBytes),
		To:       clipped(oneLine(in.To), maxFieldBytes),
		Subject:  clipped(oneLine(in.Subject), maxFieldBytes),
		Body:     text,
		At:       in.At,
		Source:   source,
		ID:       clipped(oneLine(in.ID), maxFieldBytes),
		Header:   kept.done(n),
		Envelope: boundedList(in.Envelope),
	}, nil
}

// clipped is clip without the report.
func clipped(s string, max int) string {
	s, _ = clip(s, max)
	return s
}
