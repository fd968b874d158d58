package sink

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// SlackOptions configures a Slack sink. The zero value is ready to use.
type SlackOptions struct {
	// Client sends the requests; nil means http.DefaultClient. It is copied,
	// never changed, and the copy does not follow redirects.
	Client *http.Client
	// Timeout bounds one attempt; 0 means 10 seconds.
	Timeout time.Duration
	// AllowHTTP permits a plain http:// URL to a host other than loopback, for
	// a relay inside a trusted network.
	AllowHTTP bool
	// RecentIDs is how many sent alert IDs are remembered, so that a repeated
	// Send posts once and nobody is paged twice; 0 means 4096, negative turns
	// deduplication off.
	RecentIDs int
}

// Bounds on the parts of a Slack message (Slack's own limits are 150 for a
// header, 2000 for a field and 3000 for text).
const (
	maxSlackHeader  = 150
	maxSlackField   = 500
	maxSlackSummary = 1000
)

// Slack posts each alert to a Slack incoming webhook as a short Block Kit
// message: placement, channel, sender, the seeds by field, the count and the
// likeliest leak, with the alert ID in the footer. It names no planted value:
// a chat channel is the widest audience an alert has, and a canary's address
// shown there teaches any insider reading it what canaries look like. The SIEM
// documents of the other sinks carry the values.
//
// A 429 gives an *HTTPError with RetryAfter from Slack's Retry-After header.
// Slack's answers for a malformed, revoked or archived webhook (400, 403, 404,
// 410) are permanent.
type Slack struct {
	post  *poster // its URL is the webhook's secret
	dedup *dedup
}

var _ canary.Sink = (*Slack)(nil)

// NewSlack returns a sink that posts to the incoming webhook url
// ("https://hooks.slack.com/services/..."). The URL is a secret: anyone who
// has it can post to the channel, so error messages name only its host.
func NewSlack(url string, opts SlackOptions) (*Slack, error) {
	p, err := newPoster("slack", url, opts.Client, cmp.Or(opts.Timeout, 10*time.Second), opts.AllowHTTP)
	if err != nil {
		return nil, err
	}
	p.permanent = func(status int) bool {
		switch status {
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
			return true
		}
		return false
	}
	return &Slack{post: p, dedup: newDedup("slack", opts.RecentIDs)}, nil
}

// Send implements canary.Sink.
func (s *Slack) Send(ctx context.Context, a canary.Alert) error {
	return s.dedup.send(ctx, MessageID(a), func() error {
		body, err := json.Marshal(slackMessageFor(a))
		if err != nil {
			return fmt.Errorf("sink: slack: %w", err)
		}
		return s.post.post(ctx, body, make(http.Header))
	})
}

type slackMessage struct {
	Text   string       `json:"text"` // the notification, and the fallback where blocks do not show
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	BlockID  string      `json:"block_id,omitempty"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"` // "plain_text" or "mrkdwn"
	Text string `json:"text"`
}

func slackMessageFor(a canary.Alert) slackMessage {
	doc := NewDocument(a, nil).doc
	h := doc.Honeyseed
	title := "Canary tripped"
	if a.Suppressed {
		title = "Canary touched by own traffic"
	}
	switch {
	case len(a.Attribution) > 0:
		title += ": " + a.Attribution[0].Placement
	case len(h.Placement) > 0:
		title += ": " + list(h.Placement, 1)
	}
	sender := "unknown"
	if a.Sender != "" {
		sender = "`" + strings.ReplaceAll(slackEscape(clip(a.Sender, maxSender)), "`", "'") + "`"
	}
	fields := []slackText{
		slackField("Placement", slackEscape(list(h.Placement, maxListed))),
		slackField("Channel", h.Channel),
		slackField("Sender", sender),
		slackField("Events", fmt.Sprintf("%d, %s to %s", h.Count, slackTime(a.FirstSeen), slackTime(a.LastSeen))),
		slackField("Seeds", slackSeeds(h.Seeds)),
	}
	if len(a.Attribution) > 0 {
		top := a.Attribution[0]
		fields = append(fields, slackField("Likely leak", fmt.Sprintf("%s (%.0f%%): left after %s, before %s",
			slackEscape(top.Placement), 100*top.Score, slackTime(top.After), slackTime(top.Before))))
	}
	footer := fmt.Sprintf("alert %s via %s", a.ID, slackEscape(cmp.Or(a.Source, "unknown")))
	if a.Revision > 0 {
		footer += fmt.Sprintf(", update %d", a.Revision)
	}
	if a.Suppressed {
		footer += " · suppressed: " + slackEscape(a.SuppressedBy)
	}
	return slackMessage{
		Text: clip(slackEscape(doc.Message), maxSlackSummary),
		Blocks: []slackBlock{
			{Type: "header", Text: &slackText{Type: "plain_text", Text: clip(printable([]byte(title)), maxSlackHeader)}},
			{Type: "section", BlockID: a.ID.String(), Fields: fields},
			{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: clip(footer, maxSlackField)}}},
		},
	}
}

func slackField(name, value string) slackText {
	return slackText{Type: "mrkdwn", Text: clip("*"+name+"*\n"+value, maxSlackField)}
}

// slackSeeds counts the seeds and the fields that matched them, never their values.
func slackSeeds(seeds []seedDoc) string {
	var fields []string
	counts := make(map[string]int)
	for _, s := range seeds {
		for _, m := range s.Matches {
			if counts[m.Field] == 0 {
				fields = append(fields, m.Field)
			}
			counts[m.Field]++
		}
	}
	out := plural(len(seeds), "seed")
	for i, f := range fields {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		out += fmt.Sprintf("%s%s ×%d", sep, f, counts[f])
	}
	return out
}

func slackTime(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// slackEscape escapes what Slack reads as markup in text (&, <, >), so that a
// sender cannot post a link, a mention or @channel, and replaces control
// characters.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(printable([]byte(s)))
}
