package inbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/honeyseed/honeyseed/canary"
)

// ErrServerClosed is returned by SMTPServer.Serve and ListenAndServe after Close.
var ErrServerClosed = errors.New("inbound: server closed")

// SMTPConfig configures an SMTPServer. Registry and Handler are required; every
// other field has a safe default.
type SMTPConfig struct {
	// Addr is the TCP address ListenAndServe listens on; "" means ":smtp".
	Addr string
	// Domain is the host name the server greets with; "" means "localhost".
	Domain string

	// Registry decides which recipients exist: RCPT is accepted only for an
	// address whose canary.NormalizeEmail form finds a seed.
	Registry canary.Registry
	// Handler receives one event per accepted message. The server answers 250
	// only after HandleEvent returned nil, and 451 (try again later) otherwise.
	Handler canary.EventHandler

	// MaxMessageBytes bounds a message (default 10 MiB). A larger one is refused
	// with 552, after its first MaxMessageBytes are recorded as an event.
	MaxMessageBytes int64
	// MaxRecipients bounds the recipients of one message (default 50); more are
	// refused with 452.
	MaxRecipients int
	// MaxHeaderBytes and MaxHeaderFields bound the header fields kept in
	// Event.Header (default 64 KiB and 256). From, To, Subject and Message-ID
	// are read wherever they are in the header.
	MaxHeaderBytes  int
	MaxHeaderFields int
	// MaxLineBytes bounds one line, of a command or of a message (default
	// 64 KiB: well past the RFC 5321 limit of 1000, which real mail overruns).
	MaxLineBytes int

	// ReadTimeout bounds the wait for each command and for the whole of a
	// message's data; WriteTimeout bounds each reply (default 2 min and 1 min).
	ReadTimeout, WriteTimeout time.Duration
	// HandleTimeout bounds each registry lookup and each HandleEvent call
	// (default 30 s); when it runs out the client is told to try again later.
	HandleTimeout time.Duration

	// TLSConfig, when set, enables STARTTLS.
	TLSConfig *tls.Config
	// Logger receives refused recipients and handler failures; nil discards.
	Logger *slog.Logger
	// Now returns the arrival time of a message; nil means time.Now.
	Now func() time.Time
}

// Defaults of SMTPConfig.
const (
	defaultMaxMessageBytes = 10 << 20
	defaultMaxRecipients   = 50
	defaultMaxHeaderBytes  = 64 << 10
	defaultMaxHeaderFields = 256
	defaultMaxLineBytes    = 64 << 10
	defaultReadTimeout     = 2 * time.Minute
	defaultWriteTimeout    = time.Minute
	defaultHandleTimeout   = 30 * time.Second
)

func (c *SMTPConfig) setDefaults() error {
	if c.Registry == nil {
		return fmt.Errorf("inbound: %w: SMTPConfig.Registry is nil", canary.ErrInvalidConfig)
	}
	if c.Handler == nil {
		return fmt.Errorf("inbound: %w: SMTPConfig.Handler is nil", canary.ErrInvalidConfig)
	}
	if c.Addr == "" {
		c.Addr = ":smtp"
	}
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = defaultMaxMessageBytes
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = defaultMaxRecipients
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if c.MaxHeaderFields <= 0 {
		c.MaxHeaderFields = defaultMaxHeaderFields
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = defaultMaxLineBytes
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = defaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if c.HandleTimeout <= 0 {
		c.HandleTimeout = defaultHandleTimeout
	}
	if c.Logger == nil {
		c.Logger = discardLogger
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

var discardLogger = slog.New(slog.DiscardHandler)

// SMTPServer receives mail for the canary domains: it accepts recipients that
// are seeds, refuses the others with 550, and turns each message into one
// canary.Event with Source "smtp". It is safe for concurrent use.
type SMTPServer struct {
	cfg    SMTPConfig
	srv    *smtp.Server
	ctx    context.Context // cancelled by Close, ending in-flight handler calls
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	busy      sync.WaitGroup // in-flight lookups and handler calls
}

// NewSMTPServer returns a server configured by cfg. It does not listen until
// ListenAndServe or Serve is called.
func NewSMTPServer(cfg SMTPConfig) (*SMTPServer, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &SMTPServer{cfg: cfg}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = cfg.MaxLineBytes
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.TLSConfig = cfg.TLSConfig
	srv.EnableSMTPUTF8 = true // Rcpt accepts UTF-8 addresses (RFC 6531), so say so
	srv.ErrorLog = log.New(slogWriter{cfg.Logger}, "", 0)
	s.srv = srv
	return s, nil
}

// ListenAndServe listens on cfg.Addr and serves until Close, after which it
// returns ErrServerClosed.
func (s *SMTPServer) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("inbound: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Close, after which it returns
// ErrServerClosed. The server closes l.
func (s *SMTPServer) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()

	err := s.srv.Serve(l)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("inbound: %w", err)
	}
	return nil
}

// Addr returns the address of the most recent listener, or nil before Serve.
func (s *SMTPServer) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[len(s.listeners)-1].Addr()
}

// Close stops the server: it closes the listeners and connections, cancels
// in-flight lookups and handler calls (their messages are answered 451, so the
// senders retry), and waits for those calls to return. Nothing is acknowledged
// after Close returns. Close is idempotent.
func (s *SMTPServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	listeners := s.listeners
	s.mu.Unlock()

	s.cancel()
	err := s.srv.Close()
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	// A listener handed to Serve just before Close may not be known to go-smtp yet.
	for _, l := range listeners {
		l.Close()
	}
	s.busy.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("inbound: %w", err)
	}
	return nil
}

// enter registers an in-flight call, unless the server is closed.
func (s *SMTPServer) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.busy.Add(1)
	return true
}

// SMTP replies. Messages say no more than needed: which addresses exist is
// the registry's business.
var (
	errNoSuchUser   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	errTryLater     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down"}
	errLineTooLong  = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Line too long"}
)

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if addr := c.Conn().RemoteAddr(); addr != nil {
		remote = addr.String()
		if host, _, err := net.SplitHostPort(remote); err == nil {
			remote = host
		}
	}
	return &session{srv: s, remote: remote}, nil
}

// session is one SMTP connection's state. go-smtp calls its methods from the
// connection's goroutine only.
type session struct {
	srv        *SMTPServer
	remote     string
	from       string
	recipients []string        // accepted, as the client wrote them
	seen       map[string]bool // normalized forms of recipients
}

func (ss *session) Reset() {
	ss.from, ss.recipients, ss.seen = "", nil, nil
}

func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.srv
	addr, err := canary.NormalizeEmail(to)
	if err != nil {
		s.cfg.Logger.Info("inbound: smtp: recipient refused", "remote", ss.remote, "reason", "not an address")
		return errNoSuchUser
	}
	if !s.enter() {
		return errShuttingDown
	}
	defer s.busy.Done()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.HandleTimeout)
	defer cancel()
	seeds, err := s.cfg.Registry.Lookup(ctx, canary.FieldEmail, addr)
	if err != nil {
		s.cfg.Logger.Error("inbound: smtp: registry lookup failed", "remote", ss.remote, "err", err)
		return errTryLater
	}
	if len(seeds) == 0 {
		// The address is not logged: it is a guess at a seed, or a typo.
		s.cfg.Logger.Info("inbound: smtp: recipient refused", "remote", ss.remote, "reason", "not a seed")
		return errNoSuchUser
	}
	if !ss.seen[addr] {
		if ss.seen == nil {
			ss.seen = make(map[string]bool)
		}
		ss.seen[addr] = true
		ss.recipients = append(ss.recipients, validUTF8(to))
	}
	return nil
}

func (ss *session) Data(r io.Reader) error {
	s := ss.srv
	var buf bytes.Buffer
	_, readErr := buf.ReadFrom(r)
	var n notes
	var reply error
	switch {
	case readErr == nil:
	case errors.Is(readErr, smtp.ErrDataTooLarge):
		// Refused, but the recipient is a seed: record what arrived first.
		n.add(fmt.Sprintf("message larger than %d bytes; cut", s.cfg.MaxMessageBytes))
		reply = smtp.ErrDataTooLarge // go-smtp maps only this exact value to 552
	case errors.Is(readErr, smtp.ErrTooLongLine):
		n.add(fmt.Sprintf("line longer than %d bytes; message cut", s.cfg.MaxLineBytes))
		reply = errLineTooLong
	default:
		// The client went away mid-message and never saw a reply: it will send again.
		return readErr
	}
	if !s.enter() {
		return errShuttingDown
	}
	defer s.busy.Done()

	m := parseMessage(buf.Bytes(), messageLimits{
		header: headerLimits{bytes: s.cfg.MaxHeaderBytes, fields: s.cfg.MaxHeaderFields},
		body:   int(s.cfg.MaxMessageBytes),
	}, n)
	ev := m.event("smtp")
	ev.At = s.cfg.Now()
	ev.Remote = ss.remote
	ev.Envelope = append([]string(nil), ss.recipients...)
	toOrEnvelope(&ev)
	setReturnPath(&ev, ss.from)

	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.HandleTimeout)
	defer cancel()
	if err := s.cfg.Handler.HandleEvent(ctx, ev); err != nil {
		s.cfg.Logger.Error("inbound: smtp: event not recorded; told sender to retry",
			"remote", ss.remote, "id", ev.ID, "err", err)
		return errTryLater
	}
	s.cfg.Logger.Info("inbound: smtp: message accepted", "remote", ss.remote, "id", ev.ID, "recipients", len(ev.Envelope), "bytes", buf.Len())
	return reply
}

// slogWriter carries go-smtp's own error log (connection errors, panics) to
// the configured slog.Logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("inbound: smtp: " + string(bytes.TrimSpace(p)))
	return len(p), nil
}
