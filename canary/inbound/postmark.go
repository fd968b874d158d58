package inbound

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
)

// PostmarkConfig configures the Postmark inbound handler.
//
// Postmark does not sign inbound posts; it sends the basic-auth credentials
// written into the webhook URL (https://user:password@hooks.example.com/postmark).
// Both are required and compared in constant time. Serve it over HTTPS only.
type PostmarkConfig struct {
	Username, Password Secret
	Options
}

// NewPostmarkHandler returns a handler for Postmark's inbound webhook (JSON).
// A post with the configured credentials becomes an event with Channel
// canary.ChannelEmail, Source "postmark", Postmark's MessageID as its ID and
// OriginalRecipient in Event.Envelope. A refused one gets 403, after which
// Postmark stops retrying; an unrecorded one 503, after which it retries.
func NewPostmarkHandler(cfg PostmarkConfig) (http.Handler, error) {
	const name = "postmark"
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("inbound: %w: %s: PostmarkConfig needs Username and Password: inbound posts are unsigned", canary.ErrInvalidConfig, name)
	}
	if err := cfg.Options.setDefaults(name, defaultMaxEmailBodyBytes); err != nil {
		return nil, err
	}
	auth, err := newMailAuth(name, cfg.Auth)
	if err != nil {
		return nil, err
	}
	e := &endpoint{name: name, opts: cfg.Options}
	e.accept = func(r *http.Request) (canary.Event, func(), error) {
		if !checkBasicAuth(r, cfg.Username, cfg.Password) {
			return canary.Event{}, nil, refuse(http.StatusForbidden, "basic auth does not match")
		}
		body, err := readBody(r)
		if err != nil {
			return canary.Event{}, nil, err
		}
		ev, err := postmarkEvent(body, &e.opts)
		if err != nil {
			return canary.Event{}, nil, err
		}
		auth.verifyEvent(r.Context(), "", &ev)
		return ev, nil, nil
	}
	return e, nil
}

// postmarkInbound is the part of Postmark's inbound JSON that is evidence.
type postmarkInbound struct {
	From              string
	FromFull          postmarkAddress
	To                string
	ToFull            []postmarkAddress
	OriginalRecipient string
	Subject           string
	MessageID         string
	Date              string
	TextBody          string
	HtmlBody          string
	StrippedTextReply string
	Headers           []struct{ Name, Value string }
}

type postmarkAddress struct{ Email, Name string }

func postmarkEvent(body []byte, o *Options) (canary.Event, error) {
	var in postmarkInbound
	if err := json.Unmarshal(body, &in); err != nil {
		return canary.Event{}, refuse(http.StatusBadRequest, "body: %v", err)
	}
	kept := newKeptHeader(o.headerLimits())
	f := mailFields{raw: body}
	for _, h := range in.Headers {
		kept.add(h.Name, h.Value)
		f.set(h.Name, h.Value)
	}
	if in.Date != "" && len(kept.h["Date"]) == 0 {
		kept.add("Date", in.Date)
	}
	to := make([]string, 0, len(in.ToFull))
	for _, a := range in.ToFull {
		if a.Email != "" {
			to = append(to, a.Email)
		}
	}
	f.from = firstNonBlank(in.FromFull.Email, in.From, f.from)
	f.to = firstNonBlank(strings.Join(to, ", "), in.To, f.to)
	f.subject = firstNonBlank(in.Subject, f.subject)
	f.id = firstNonBlank(in.MessageID, f.id) // Postmark's own ID: the same on every retry
	f.text = firstNonBlank(in.TextBody, in.StrippedTextReply)
	f.html = in.HtmlBody
	ev := f.message(kept, nil, o.messageLimits()).event("postmark")
	ev.Envelope = boundedList([]string{in.OriginalRecipient})
	toOrEnvelope(&ev)
	if ev.To == "" && len(ev.Envelope) == 0 {
		return canary.Event{}, refuse(http.StatusBadRequest, "no recipient")
	}
	return ev, nil
}
