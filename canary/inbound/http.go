package inbound

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Options are the settings every webhook handler shares. Handler is required.
type Options struct {
	// Handler receives one event per accepted request. The request is answered
	// 200 only after HandleEvent returned nil, and 503 otherwise, so that the
	// provider retries.
	Handler canary.EventHandler
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	// The default is 1 MiB for Twilio and the JSON endpoint, 10 MiB for the
	// email providers, whose posts carry whole messages.
	MaxBodyBytes int64
	// MaxHeaderBytes and MaxHeaderFields bound the message header fields kept
	// in Event.Header (default 64 KiB and 256).
	MaxHeaderBytes  int
	MaxHeaderFields int
	// Logger learns why a request was refused or not recorded; nil discards.
	// The caller is only ever told the status.
	Logger *slog.Logger
	// Now is the clock for arrival times, timestamps and replay windows; nil
	// means time.Now.
	Now func() time.Time
	// Replay remembers accepted deliveries (see ReplayStore); nil means a
	// cache in memory per handler, which a restart empties.
	Replay ReplayStore

	// PublicBase is the scheme, host and optional path prefix under which
	// the providers reach the handlers, as configured with them, e.g.
	// "https://hooks.canary.example" or "https://gw.example/canary" when a
	// proxy strips "/canary". A handler whose provider signs the URL it
	// requests (Twilio) checks the signature against PublicBase followed by
	// the request's own path and query, so one base serves every endpoint.
	// When empty, the scheme and host come from the request (https when it
	// came over TLS), which is right only without a proxy.
	PublicBase string
	// TrustedProxies lists the IP addresses and CIDR prefixes
	// ("10.0.0.0/8", "::1") of the reverse proxies in front of the
	// handlers. Only a request whose peer is among them has its Forwarded,
	// or X-Forwarded-Proto and X-Forwarded-Host, headers believed: they then
	// replace the scheme and host of PublicBase. From any other peer those
	// headers are ignored, since anyone can send them. Empty: none trusted.
	TrustedProxies []string

	// Auth says how the mail handlers (SendGrid, Mailgun, Postmark)
	// authenticate a message's sender for Event.Auth: DKIM when the post
	// carries the raw message, and Authentication-Results of the provider's
	// authserv-id when listed as trusted. Other handlers ignore it.
	Auth MailAuth
}

const (
	defaultMaxBodyBytes      = 1 << 20
	defaultMaxEmailBodyBytes = 10 << 20
	maxFormFields            = 1000 // far more than any provider sends
)

func (o *Options) setDefaults(name string, maxBody int64) error {
	if o.Handler == nil {
		return fmt.Errorf("inbound: %w: %s: Options.Handler is nil", canary.ErrInvalidConfig, name)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = maxBody
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if o.MaxHeaderFields <= 0 {
		o.MaxHeaderFields = defaultMaxHeaderFields
	}
	if o.Logger == nil {
		o.Logger = discardLogger
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

func (o *Options) headerLimits() headerLimits {
	return headerLimits{bytes: o.MaxHeaderBytes, fields: o.MaxHeaderFields}
}

func (o *Options) messageLimits() messageLimits {
	return messageLimits{header: o.headerLimits(), body: int(o.MaxBodyBytes)}
}

// Secret is a credential in a configuration: an auth token, a signing key, a
// password. It logs as REDACTED.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// endpoint is the request path every webhook handler shares: POST only, a
// bounded body, authentication and parsing by accept, the event handed over,
// and a success reply only once it is recorded.
type endpoint struct {
	name string // for logs: "twilio-sms"
	opts Options
	// accept authenticates and parses a request. Its errors are refusals
	// (see refuse); undo, when not nil, is called if the event is not
	// recorded, so that the provider's retry is not taken for a replay.
	accept func(r *http.Request) (ev canary.Event, undo func(), err error)
	// ok writes the success reply; nil means an empty 200.
	ok func(w http.ResponseWriter)
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		e.refuse(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s", r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, e.opts.MaxBodyBytes)
	ev, undo, err := e.accept(r)
	if err != nil {
		e.refuse(w, r, statusOf(err), err)
		return
	}
	if ev.At.IsZero() {
		ev.At = e.opts.Now()
	}
	if ev.Remote == "" {
		ev.Remote = remoteIP(r.RemoteAddr)
	}
	if err := e.opts.Handler.HandleEvent(r.Context(), ev); err != nil {
		if undo != nil {
			undo()
		}
		e.opts.Logger.Error("inbound: event not recorded; told provider to retry",
			"endpoint", e.name, "remote", r.RemoteAddr, "id", ev.ID, "err", err)
		w.Header().Set("Retry-After", "60")
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	if e.ok != nil {
		e.ok(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (e *endpoint) refuse(w http.ResponseWriter, r *http.Request, status int, cause error) {
	e.opts.Logger.Warn("inbound: request refused",
		"endpoint", e.name, "status", status, "remote", r.RemoteAddr, "err", cause)
	http.Error(w, http.StatusText(status), status)
}

// refusal is an error that says which status the caller gets. Its text is for
// the log only.
type refusal struct {
	status int
	err    error
}

func (r *refusal) Error() string { return "inbound: " + r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refuse(status int, format string, args ...any) error {
	return &refusal{status, fmt.Errorf(format, args...)}
}

func statusOf(err error) int {
	var rf *refusal
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &rf):
		return rf.status
	}
	return http.StatusBadRequest
}

// readBody reads the whole body, which ServeHTTP has bounded.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return b, nil
}

// readForm reads an urlencoded or multipart form body. Of a multipart form it
// keeps the text fields and skips files (attachments): they are not evidence
// a matcher reads, and keeping them would cost memory or disk.
func readForm(r *http.Request) (url.Values, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, refuse(http.StatusUnsupportedMediaType, "content type: %v", err)
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		b, err := readBody(r)
		if err != nil {
			return nil, err
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "form: %v", err)
		}
		return v, nil
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, refuse(http.StatusBadRequest, "multipart form without boundary")
		}
		return readMultipartForm(multipart.NewReader(r.Body, params["boundary"]))
	}
	return nil, refuse(http.StatusUnsupportedMediaType, "content type %q", mt)
}

func readMultipartForm(mr *multipart.Reader) (url.Values, error) {
	v := url.Values{}
	fields := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return v, nil
		}
		if err != nil {
			return nil, fmt.Errorf("multipart form: %w", err)
		}
		name := p.FormName()
		if p.FileName() != "" || name == "" || fields >= maxFormFields {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, fmt.Errorf("multipart form: %w", err)
			}
			continue
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("multipart form: %w", err)
		}
		fields++
		v.Add(name, string(b))
	}
}

// checkBasicAuth reports whether r carries these credentials. Both parts are
// always compared, in constant time, and hashed first so that their lengths
// do not leak either.
func checkBasicAuth(r *http.Request, user, password Secret) bool {
	u, p, ok := r.BasicAuth()
	userOK := equalSecret(u, string(user))
	passOK := equalSecret(p, string(password))
	return ok && userOK && passOK
}

func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
