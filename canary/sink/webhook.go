package sink

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/stdwebhook"
)

// WebhookOptions configures a Webhook sink. The zero value is ready to use.
type WebhookOptions struct {
	// Client sends the requests; nil means http.DefaultClient. It is copied,
	// never changed, and the copy does not follow redirects.
	Client *http.Client
	// Timeout bounds one attempt; 0 means 30 seconds, the most Standard
	// Webhooks expects a receiver to need.
	Timeout time.Duration
	// PreviousSecret, while the secret is being rotated, is the one being
	// retired: each request carries a signature by both, and a receiver that
	// knows either accepts it.
	PreviousSecret string
	// AllowHTTP permits a plain http:// URL to a host other than loopback. The
	// signature protects integrity, not secrecy, and alerts name seeds.
	AllowHTTP bool
	// Labels are added to every document as ECS labels, e.g. {"env": "prod"}.
	Labels map[string]string
	// RecentIDs is how many sent alert IDs are remembered, so that a repeated
	// Send posts once; 0 means 4096, negative turns deduplication off.
	RecentIDs int
	// Now gives the time for webhook-timestamp; nil means time.Now.
	Now func() time.Time
}

// Webhook POSTs each alert's ECS document as JSON, signed as the Standard
// Webhooks specification says, so that receivers verify it with any of that
// project's libraries:
//
//	webhook-id: <MessageID(alert)>  the same on every retry: receivers dedupe on it;
//	                                an update of the alert is a new message (see MessageID)
//	webhook-timestamp: <unix seconds of this attempt>
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
//
// A 2xx answer is success; anything else is an *HTTPError, permanent for 410
// Gone (the receiver wants no more).
type Webhook struct {
	post   *poster
	keys   *webhookKeys // behind a pointer: printing a Webhook shows an address, not a key
	labels map[string]string
	dedup  *dedup
}

var _ canary.Sink = (*Webhook)(nil)

// webhookKeys holds the decoded signing secrets, current first.
type webhookKeys struct {
	keys [][]byte
}

// LogValue hides the keys from structured logs.
func (*webhookKeys) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// NewWebhook returns a sink that posts to url, signing with secret, given as
// "whsec_" followed by the base64 of 24 to 64 random bytes. Error messages
// never repeat the secret.
func NewWebhook(url, secret string, opts WebhookOptions) (*Webhook, error) {
	p, err := newPoster("webhook", url, opts.Client, cmp.Or(opts.Timeout, 30*time.Second), opts.AllowHTTP)
	if err != nil {
		return nil, err
	}
	p.permanent = func(status int) bool { return status == http.StatusGone }
	if opts.Now != nil {
		p.now = opts.Now
	}
	secrets := []string{secret}
	if opts.PreviousSecret != "" {
		secrets = append(secrets, opts.PreviousSecret)
	}
	keys := &webhookKeys{}
	for _, s := range secrets {
		k, err := parseWebhookSecret(s)
		if err != nil {
			return nil, err
		}
		keys.keys = append(keys.keys, k)
	}
	return &Webhook{post: p, keys: keys, labels: opts.Labels, dedup: newDedup("webhook", opts.RecentIDs)}, nil
}

// parseWebhookSecret decodes "whsec_<base64>". Standard Webhooks asks for 24
// to 64 bytes of secret.
func parseWebhookSecret(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "whsec_") {
		return nil, fmt.Errorf("%w: webhook secret must start with whsec_", ErrInvalidConfig)
	}
	key, err := stdwebhook.Key(s)
	switch {
	case errors.Is(err, stdwebhook.ErrNotBase64):
		return nil, fmt.Errorf("%w: webhook secret is not base64 after whsec_", ErrInvalidConfig)
	case err != nil || len(key) > 64:
		return nil, fmt.Errorf("%w: webhook secret must be 24 to 64 bytes, not %d", ErrInvalidConfig, len(key))
	}
	return key, nil
}

// signature returns the webhook-signature value: one "v1,<base64>" per key,
// space-separated.
func (k *webhookKeys) signature(id string, timestamp int64, body []byte) string {
	sigs := make([]string, len(k.keys))
	ts := strconv.FormatInt(timestamp, 10)
	for i, key := range k.keys {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(stdwebhook.MAC(key, id, ts, body))
	}
	return strings.Join(sigs, " ")
}

// Send implements canary.Sink. Each attempt is signed afresh with the time of
// the attempt, as receivers reject stale timestamps.
func (w *Webhook) Send(ctx context.Context, a canary.Alert) error {
	return w.dedup.send(ctx, MessageID(a), func() error {
		body, err := NewDocument(a, w.labels).MarshalJSON()
		if err != nil {
			return err
		}
		id, ts := MessageID(a).String(), w.post.now().Unix()
		h := make(http.Header)
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		h.Set("webhook-signature", w.keys.signature(id, ts, body))
		return w.post.post(ctx, body, h)
	})
}
