package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// MailgunConfig configures the Mailgun routes handler.
type MailgunConfig struct {
	// SigningKey is the domain's HTTP webhook signing key. Required.
	SigningKey Secret
	// ReplayWindow is how far a post's timestamp may be from now (default
	// 5 min). Each token is accepted once, and remembered for 8 hours,
	// Mailgun's retry horizon (longer if the window is).
	ReplayWindow time.Duration
	// ReplayCacheSize bounds the tokens remembered in memory when
	// Options.Replay is nil (default 65536).
	ReplayCacheSize int
	Options
}

const defaultReplayWindow = 5 * time.Minute

// NewMailgunHandler returns a handler for messages a Mailgun route forwards
// (forward("https://...")), posted urlencoded or multipart, parsed (sender,
// recipient, from, subject, body-plain, stripped-text, body-html,
// message-headers) or raw (body-mime, for a URL ending in "mime"). A post is
// accepted only when its signature is the HMAC-SHA256 of timestamp and token
// under the signing key, its timestamp is within the replay window, and its
// token has not been seen in that window. It becomes an event with Channel
// canary.ChannelEmail and Source "mailgun".
func NewMailgunHandler(cfg MailgunConfig) (http.Handler, error) {
	const name = "mailgun"
	if cfg.SigningKey == "" {
		return nil, fmt.Errorf("inbound: %w: %s: MailgunConfig.SigningKey is empty", canary.ErrInvalidConfig, name)
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = defaultReplayWindow
	}
	if err := cfg.Options.setDefaults(name, defaultMaxEmailBodyBytes); err != nil {
		return nil, err
	}
	seen := newClaimer(&cfg.Options, name, cfg.ReplayCacheSize)
	retain := max(mailgunRetention, 2*cfg.ReplayWindow)
	auth, err := newMailAuth(name, cfg.Auth)
	if err != nil {
		return nil, err
	}
	e := &endpoint{name: name, opts: cfg.Options}
	e.accept = func(r *http.Request) (canary.Event, func(), error) {
		form, err := readForm(r)
		if err != nil {
			return canary.Event{}, nil, err
		}
		// Signed fields sit at the top level of a route post; the signature
		// object of event webhooks does not apply to routes.
		ts, token := form.Get("timestamp"), form.Get("token")
		if !verifyMailgun(cfg.SigningKey, ts, token, form.Get("signature")) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "signature does not match")
		}
		now := e.opts.Now()
		at, err := unixInWindow(ts, now, cfg.ReplayWindow)
		if err != nil {
			return canary.Event{}, nil, err
		}
		ev, err := mailgunEvent(form, &e.opts)
		if err != nil {
			return canary.Event{}, nil, err
		}
		undo, err := seen.claim(r.Context(), token, now, at.Add(retain))
		if err != nil {
			return canary.Event{}, nil, err
		}
		auth.verifyEvent(r.Context(), form.Get("body-mime"), &ev)
		return ev, undo, nil
	}
	return e, nil
}

// verifyMailgun checks a Mailgun signature: hex HMAC-SHA256, keyed with the
// signing key, of the timestamp followed by the token.
func verifyMailgun(key Secret, timestamp, token, signature string) bool {
	if timestamp == "" || token == "" {
		return false
	}
	want, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(key))
	io.WriteString(m, timestamp)
	io.WriteString(m, token)
	return hmac.Equal(m.Sum(nil), want)
}

// unixInWindow parses a Unix-seconds timestamp and checks it is within window
// of now, either way: a clock ahead is as suspect as one behind.
func unixInWindow(ts string, now time.Time, window time.Duration) (time.Time, error) {
	sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return time.Time{}, refuse(http.StatusForbidden, "timestamp %q is not Unix seconds", ts)
	}
	at := time.Unix(sec, 0)
	if d := now.Sub(at); d > window || d < -window {
		return time.Time{}, refuse(http.StatusForbidden, "timestamp %s is %s from now, outside the window", at.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	return at, nil
}

// mailgunEvent maps a route post to an event.
func mailgunEvent(form url.Values, o *Options) (canary.Event, error) {
	var n notes
	var m message
	if raw := form.Get("body-mime"); raw != "" {
		m = parseMessage([]byte(raw), o.messageLimits(), n)
	} else {
		headers := form.Get("message-headers")
		kept := newKeptHeader(o.headerLimits())
		f := mailFields{raw: []byte(headers + form.Get("body-plain") + form.Get("body-html"))}
		var pairs [][]string
		if headers != "" {
			if err := json.Unmarshal([]byte(headers), &pairs); err != nil {
				n.add("message-headers is not JSON")
			}
		}
		for _, p := range pairs {
			if len(p) == 2 {
				kept.add(p[0], p[1])
				f.set(p[0], p[1])
			}
		}
		f.from = firstNonBlank(form.Get("from"), form.Get("From"), f.from)
		f.to = firstNonBlank(f.to, form.Get("To"))
		f.subject = firstNonBlank(form.Get("subject"), form.Get("Subject"), f.subject)
		f.id = firstNonBlank(form.Get("Message-Id"), f.id)
		f.text = firstNonBlank(form.Get("body-plain"), form.Get("stripped-text"))
		f.html = firstNonBlank(form.Get("body-html"), form.Get("stripped-html"))
		m = f.message(kept, n, o.messageLimits())
	}
	ev := m.event("mailgun")
	ev.Envelope = boundedList(strings.Split(form.Get("recipient"), ","))
	toOrEnvelope(&ev)
	if sender := form.Get("sender"); sender != "" {
		setReturnPath(&ev, sender)
	}
	if ev.To == "" && len(ev.Envelope) == 0 {
		return canary.Event{}, refuse(http.StatusBadRequest, "no recipient")
	}
	return ev, nil
}
