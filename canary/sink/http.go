package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// poster POSTs JSON to one URL for the Webhook and Slack sinks.
type poster struct {
	sink      string // "webhook" or "slack"
	url       *url.URL
	client    *http.Client
	timeout   time.Duration
	now       func() time.Time
	permanent func(status int) bool
}

// newPoster checks rawURL and copies client (nil: http.DefaultClient) so that
// it never follows a redirect: a 3xx is a failure, as Standard Webhooks says,
// and the signed alert goes nowhere but where it was configured to.
func newPoster(sink, rawURL string, client *http.Client, timeout time.Duration, allowHTTP bool) (*poster, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		// The URL may hold a secret (a Slack webhook's path is one): do not repeat it.
		return nil, fmt.Errorf("%w: %s: URL must be absolute http(s)", ErrInvalidConfig, sink)
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s: plain http to %s would expose alerts on the wire; use https, or set AllowHTTP", ErrInvalidConfig, sink, u.Host)
	}
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &poster{sink: sink, url: u, client: &c, timeout: timeout, now: time.Now, permanent: func(int) bool { return false }}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// post sends body with header and turns any answer but 2xx into an *HTTPError.
func (p *poster) post(ctx context.Context, body []byte, header http.Header) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sink: %s: %w", p.sink, err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "honeyseed")
	resp, err := p.client.Do(req)
	if err != nil {
		// url.Error repeats the whole URL, secret path and all: name only its host.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("sink: %s: POST %s://%s: %w", p.sink, p.url.Scheme, p.url.Host, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &HTTPError{
		Sink:       p.sink,
		StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), p.now()),
		Body:       printable(snippet),
		permanent:  p.permanent(resp.StatusCode),
	}
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date, into a
// wait between 0 and MaxRetryAfter.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// printable returns b as valid UTF-8 with control characters replaced, so that
// a target's answer cannot forge log lines.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "\uFFFD"))
}
