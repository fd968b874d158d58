package sink

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Sentinel errors, for errors.Is. Every error the package returns starts with
// "sink: " and the name of the sink.
var (
	// ErrInvalidConfig: a constructor was given an address, secret or option it
	// cannot use. The message names it.
	ErrInvalidConfig = errors.New("sink: invalid config")

	// ErrPermanent: the target refused the alert in a way that retrying will not
	// fix (a webhook answered 410 Gone, a Slack webhook was revoked). The
	// dispatcher should stop retrying and report the sink to a person.
	// It wraps canary.ErrSinkPermanent, which the Watcher acts on.
	ErrPermanent = fmt.Errorf("sink: permanent failure: %w", canary.ErrSinkPermanent)
)

// MaxRetryAfter caps HTTPError.RetryAfter, so that a target cannot park a
// delivery for days by answering "Retry-After: 9999999".
const MaxRetryAfter = time.Hour

// maxErrorBody bounds how much of a response body an HTTPError repeats.
const maxErrorBody = 256

// HTTPError is a non-2xx answer from a Webhook or Slack target.
//
// It wraps ErrPermanent when the status says that retrying is pointless (410
// Gone for a webhook; 400, 403, 404 and 410 for Slack, which mean a bad or
// revoked webhook). A dispatcher honours RetryAfter when it is set:
//
//	var he *sink.HTTPError
//	if errors.As(err, &he) && he.RetryAfter > 0 {
//		next = now.Add(he.RetryAfter)
//	}
type HTTPError struct {
	Sink       string // "webhook" or "slack"
	StatusCode int
	// RetryAfter is the wait the target asked for in a Retry-After header (on a
	// 429, 503 or any other failure), at most MaxRetryAfter; 0 when it did not say.
	RetryAfter time.Duration
	// Body is the start of the response body: at most 256 bytes, valid UTF-8,
	// control characters replaced, so it is safe to log.
	Body string

	permanent bool
}

// RetryDelay reports RetryAfter to the Watcher, which waits at least that long
// before the next attempt.
func (e *HTTPError) RetryDelay() time.Duration { return e.RetryAfter }

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("sink: %s: %d %s", e.Sink, e.StatusCode, http.StatusText(e.StatusCode))
	if e.permanent {
		msg += " (permanent)"
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Unwrap returns ErrPermanent for a permanent failure, else nil.
func (e *HTTPError) Unwrap() error {
	if e.permanent {
		return ErrPermanent
	}
	return nil
}
