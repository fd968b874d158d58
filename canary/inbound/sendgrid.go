package inbound

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// SendGridConfig configures the SendGrid Inbound Parse handler.
//
// With a security policy that signs (SendGrid's "Securing your Inbound Parse
// Webhooks"), set PublicKey to the policy's public key: every post must then
// carry a valid ECDSA signature (see SendGridSignatureHeader) and a
// timestamp within ReplayWindow, and each signed post is accepted once.
//
// Without one, Inbound Parse does not sign what it posts. The handler then
// requires a credential that only SendGrid is given, on every request: basic-auth
// credentials written into the destination URL
// (https://user:password@hooks.example.com/sendgrid), which SendGrid sends as
// an Authorization header; a token in the URL, as the query parameter "token"
// or as the last path segment (https://hooks.example.com/sendgrid/<token>);
// or both. Each is compared in constant time. Serve it over HTTPS only, so the
// credential never travels in clear. There is no timestamp to bound replays:
// a replayed post carries the same message, and so the same Event.ID. A
// signing policy and a credential may be used together; each is checked.
type SendGridConfig struct {
	// PublicKey is the signing policy's verification key, base64 of a DER
	// P-256 public key as SendGrid shows it (see ParseSendGridPublicKey).
	// When set, unsigned posts are refused.
	PublicKey string
	// ReplayWindow is how far a signed post's timestamp may be from now
	// (default 5 min); each signed post is accepted once.
	ReplayWindow time.Duration
	// ReplayCacheSize bounds the posts remembered in memory when
	// Options.Replay is nil (default 65536).
	ReplayCacheSize int
	// Username and Password are the basic-auth credentials of the destination
	// URL: both set, or neither (a config with one of them blank is refused);
	// when set, both must match.
	Username, Password Secret
	// Token is a secret in the destination URL; when set, it must match.
	Token Secret
	Options
}

// NewSendGridHandler returns a handler for SendGrid Inbound Parse posts, in
// the default parsed form (fields from, to, subject, text, html, headers,
// envelope, charsets) or with "POST the raw, full MIME message" on (field
// email). Each post becomes an event with Channel canary.ChannelEmail, Source
// "sendgrid", the envelope recipients in Event.Envelope and the sending
// server's sender_ip as Event.Remote.
func NewSendGridHandler(cfg SendGridConfig) (http.Handler, error) {
	const name = "sendgrid"
	basic := cfg.Username != "" || cfg.Password != ""
	switch {
	case basic && (blank(cfg.Username) || blank(cfg.Password)):
		// Half a credential would let in any post that names the other half
		// and leaves this one empty ("user:"): the URL's secret is gone.
		return nil, fmt.Errorf("inbound: %w: %s: SendGridConfig needs both Username and Password, or neither", canary.ErrInvalidConfig, name)
	case cfg.Token != "" && blank(cfg.Token):
		return nil, fmt.Errorf("inbound: %w: %s: SendGridConfig.Token is blank", canary.ErrInvalidConfig, name)
	case !basic && cfg.Token == "" && cfg.PublicKey == "":
		return nil, fmt.Errorf("inbound: %w: %s: SendGridConfig needs PublicKey (a signing policy), or Username and Password, or Token", canary.ErrInvalidConfig, name)
	}
	var key *ecdsa.PublicKey
	if cfg.PublicKey != "" {
		var err error
		if key, err = ParseSendGridPublicKey(cfg.PublicKey); err != nil {
			return nil, fmt.Errorf("inbound: %w: %s: SendGridConfig.PublicKey: %v", canary.ErrInvalidConfig, name, err)
		}
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = defaultReplayWindow
	}
	if err := cfg.Options.setDefaults(name, defaultMaxEmailBodyBytes); err != nil {
		return nil, err
	}
	auth, err := newMailAuth(name, cfg.Auth)
	if err != nil {
		return nil, err
	}
	seen := newClaimer(&cfg.Options, name, cfg.ReplayCacheSize)
	retain := max(sendGridRetention, 2*cfg.ReplayWindow)
	e := &endpoint{name: name, opts: cfg.Options}
	e.accept = func(r *http.Request) (canary.Event, func(), error) {
		if basic && !checkBasicAuth(r, cfg.Username, cfg.Password) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "basic auth does not match")
		}
		if cfg.Token != "" && !hasURLToken(r, cfg.Token) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "URL token does not match")
		}
		var replayKey string
		var at time.Time
		if key != nil {
			// The signature covers the bytes as sent: read them whole
			// (bounded by MaxBodyBytes), check, then parse what was checked.
			body, err := readBody(r)
			if err != nil {
				return canary.Event{}, nil, err
			}
			if err := verifySendGrid(key, r, body); err != nil {
				return canary.Event{}, nil, err
			}
			ts := r.Header.Get(SendGridTimestampHeader)
			if at, err = unixInWindow(ts, e.opts.Now(), cfg.ReplayWindow); err != nil {
				return canary.Event{}, nil, err
			}
			replayKey = sendGridReplayKey(ts, body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		form, err := readForm(r)
		if err != nil {
			return canary.Event{}, nil, err
		}
		ev, err := sendGridEvent(form, &e.opts)
		if err != nil {
			return canary.Event{}, nil, err
		}
		var undo func()
		if replayKey != "" {
			if undo, err = seen.claim(r.Context(), replayKey, e.opts.Now(), at.Add(retain)); err != nil {
				return canary.Event{}, nil, err
			}
		}
		auth.verifyEvent(r.Context(), form.Get("email"), &ev)
		return ev, undo, nil
	}
	return e, nil
}

// blank reports whether a secret is empty or only white space.
func blank(s Secret) bool { return strings.TrimSpace(string(s)) == "" }

// hasURLToken reports whether the request URL carries token as its "token"
// query parameter or its last path segment. Both are compared, in constant time.
func hasURLToken(r *http.Request, token Secret) bool {
	inQuery := equalSecret(r.URL.Query().Get("token"), string(token))
	inPath := equalSecret(path.Base(r.URL.Path), string(token))
	return inQuery || inPath
}

// sendGridEvent maps an Inbound Parse post to an event.
func sendGridEvent(form url.Values, o *Options) (canary.Event, error) {
	var n notes
	var envelope struct {
		To   []string `json:"to"`
		From string   `json:"from"`
	}
	if s := form.Get("envelope"); s != "" {
		if err := json.Unmarshal([]byte(s), &envelope); err != nil {
			n.add("envelope is not JSON")
		}
	}
	var m message
	if raw := form.Get("email"); raw != "" {
		m = parseMessage([]byte(raw), o.messageLimits(), n)
	} else {
		// Parsed fields come in the charsets SendGrid names in "charsets".
		var charsets map[string]string
		if s := form.Get("charsets"); s != "" {
			if err := json.Unmarshal([]byte(s), &charsets); err != nil {
				n.add("charsets is not JSON")
			}
		}
		field := func(name string) string {
			s, note := decodeCharset([]byte(form.Get(name)), charsets[name])
			n.add(note)
			return s
		}
		headers := form.Get("headers")
		kept := newKeptHeader(o.headerLimits())
		f := mailFields{raw: []byte(headers + form.Get("text") + form.Get("html"))}
		readHeader([]byte(headers), func(name, value string) {
			kept.add(name, value)
			f.set(name, value)
		}, &n)
		// The posted fields say the same as the header, decoded: prefer them.
		f.from = firstNonBlank(field("from"), f.from)
		f.to = firstNonBlank(field("to"), f.to)
		f.subject = firstNonBlank(field("subject"), f.subject)
		f.text, f.html = field("text"), field("html")
		m = f.message(kept, n, o.messageLimits())
	}
	ev := m.event("sendgrid")
	ev.Envelope = boundedList(envelope.To)
	if envelope.From != "" {
		setReturnPath(&ev, envelope.From)
	}
	toOrEnvelope(&ev)
	if ip := net.ParseIP(strings.TrimSpace(form.Get("sender_ip"))); ip != nil {
		ev.Remote = ip.String()
	}
	if ev.To == "" && len(ev.Envelope) == 0 {
		return canary.Event{}, refuse(http.StatusBadRequest, "no recipient")
	}
	return ev, nil
}
