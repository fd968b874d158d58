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
	"golang.org/x/sync/semaphore"

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

	// ReadTimeout bounds the wait for each command (default 1 min).
	// DataTimeout bounds the whole of a message's data (default 10 min), and
	// DataIdleTimeout each wait for more of it (default 1 min), so that a slow
	// but steady sender gets through and a stalled one does not hold its
	// place. While more than three quarters of MaxConnections are in use,
	// every wait is cut to 10 s. WriteTimeout bounds each reply (default 1 min).
	ReadTimeout, DataTimeout, DataIdleTimeout, WriteTimeout time.Duration
	// HandleTimeout bounds each registry lookup, each HandleEvent call and
	// each wait for in-flight budget (default 30 s); when it runs out the
	// client is told to try again later.
	HandleTimeout time.Duration

	// MaxConnections bounds the connections served at once (default 256),
	// and MaxConnectionsPerIP those from one client: an IPv4 address, or an
	// IPv6 /64 (default 20). A connection past either is answered 421 and
	// closed at once. Negative means no limit.
	MaxConnections, MaxConnectionsPerIP int
	// MaxInFlightBytes bounds the message data all sessions hold in memory at
	// once (default 32 MiB, and never less than MaxMessageBytes). Data that
	// arrives while it is spent goes to a temporary file in SpoolDir ("" is
	// os.TempDir()), and its message is handled once the budget has room for
	// it; one that finds no room within HandleTimeout is answered 452 4.3.1,
	// so the sender retries. Parsing and matching a message take a few times
	// its size on top, so peak memory is a small multiple of the budget.
	MaxInFlightBytes int64
	SpoolDir         string

	// Probing. A connection may name TarpitAfter unknown recipients (default
	// 5) at full speed; after that every RCPT reply, for a seed or not, waits
	// TarpitDelay (default 1 s), doubling with each further unknown one up to
	// TarpitMaxDelay (default 30 s). Once it has named MaxUnknownRecipients
	// (default 20), its next RCPT is answered 421 and the connection closed.
	// A client (as for MaxConnectionsPerIP) that names MaxUnknownPerIP unknown
	// recipients (default 60) within UnknownWindow (default 1 h) has every
	// RCPT answered 421, after TarpitMaxDelay, until the window ends. A
	// negative count means no limit.
	TarpitAfter, MaxUnknownRecipients, MaxUnknownPerIP int
	TarpitDelay, TarpitMaxDelay, UnknownWindow         time.Duration

	// TLSConfig, when set, enables STARTTLS; see CertReloader.
	TLSConfig *tls.Config
	// Auth says how each message's sender is authenticated (DKIM, trusted
	// Authentication-Results) for Event.Auth; the zero value verifies DKIM.
	Auth MailAuth
	// Logger receives refused recipients and handler failures; nil discards.
	Logger *slog.Logger
	// Now returns the arrival time of a message, and is the clock of
	// UnknownWindow; nil means time.Now.
	Now func() time.Time

	// sleep waits out a tarpit delay; nil means a timer. Tests replace it.
	sleep func(context.Context, time.Duration) error
}

// Defaults of SMTPConfig.
const (
	defaultMaxMessageBytes = 10 << 20
	defaultMaxRecipients   = 50
	defaultMaxHeaderBytes  = 64 << 10
	defaultMaxHeaderFields = 256
	defaultMaxLineBytes    = 64 << 10
	defaultReadTimeout     = time.Minute
	defaultDataTimeout     = 10 * time.Minute
	defaultDataIdleTimeout = time.Minute
	defaultWriteTimeout    = time.Minute
	defaultHandleTimeout   = 30 * time.Second

	defaultMaxConnections      = 256
	defaultMaxConnectionsPerIP = 20
	defaultMaxInFlightBytes    = 32 << 20

	defaultTarpitAfter          = 5
	defaultMaxUnknownRecipients = 20
	defaultMaxUnknownPerIP      = 60
	defaultTarpitDelay          = time.Second
	defaultTarpitMaxDelay       = 30 * time.Second
	defaultUnknownWindow        = time.Hour
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
	if c.DataTimeout <= 0 {
		c.DataTimeout = defaultDataTimeout
	}
	if c.DataIdleTimeout <= 0 {
		c.DataIdleTimeout = defaultDataIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if c.HandleTimeout <= 0 {
		c.HandleTimeout = defaultHandleTimeout
	}
	defaultCount(&c.MaxConnections, defaultMaxConnections)
	defaultCount(&c.MaxConnectionsPerIP, defaultMaxConnectionsPerIP)
	if c.MaxInFlightBytes <= 0 {
		c.MaxInFlightBytes = defaultMaxInFlightBytes
	}
	c.MaxInFlightBytes = max(c.MaxInFlightBytes, c.MaxMessageBytes)
	defaultCount(&c.TarpitAfter, defaultTarpitAfter)
	defaultCount(&c.MaxUnknownRecipients, defaultMaxUnknownRecipients)
	defaultCount(&c.MaxUnknownPerIP, defaultMaxUnknownPerIP)
	if c.TarpitDelay <= 0 {
		c.TarpitDelay = defaultTarpitDelay
	}
	if c.TarpitMaxDelay <= 0 {
		c.TarpitMaxDelay = defaultTarpitMaxDelay
	}
	c.TarpitMaxDelay = max(c.TarpitMaxDelay, c.TarpitDelay)
	if c.UnknownWindow <= 0 {
		c.UnknownWindow = defaultUnknownWindow
	}
	if c.Logger == nil {
		c.Logger = discardLogger
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// defaultCount sets a zero count to its default; a negative one stays, and
// means no limit.
func defaultCount(n *int, def int) {
	if *n == 0 {
		*n = def
	}
}

var discardLogger = slog.New(slog.DiscardHandler)

// SMTPServer receives mail for the canary domains: it accepts recipients that
// are seeds, refuses the others with 550, and turns each message into one
// canary.Event with Source "smtp". It is safe for concurrent use.
type SMTPServer struct {
	cfg    SMTPConfig
	auth   *mailAuth
	srv    *smtp.Server
	ctx    context.Context // cancelled by Close, ending in-flight handler calls
	cancel context.CancelFunc

	conns  *connLimiter
	budget *semaphore.Weighted // in-flight message bytes
	probes *probeBrake

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
	auth, err := newMailAuth("smtp", cfg.Auth)
	if err != nil {
		return nil, err
	}
	s := &SMTPServer{
		cfg:    cfg,
		auth:   auth,
		conns:  newConnLimiter(cfg.MaxConnections, cfg.MaxConnectionsPerIP, cfg.Domain),
		budget: semaphore.NewWeighted(cfg.MaxInFlightBytes),
		probes: newProbeBrake(probeLimits{
			free: cfg.TarpitAfter, perConn: cfg.MaxUnknownRecipients, perClient: cfg.MaxUnknownPerIP,
			window: cfg.UnknownWindow, delay: cfg.TarpitDelay, maxDelay: cfg.TarpitMaxDelay,
		}, cfg.Now, cfg.sleep),
	}
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

	err := s.srv.Serve(&limitedListener{Listener: l, limits: s.conns})
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
// the registry's business, and why something failed is the log's. Every
// failure that is not the sender's is a 4xx, so that the sender retries.
var (
	errNoSuchUser   = smtpErr(550, 5, 1, 1, "No such user here")
	errTryLater     = smtpErr(451, 4, 3, 0, "Temporary failure, try again later")
	errShuttingDown = smtpErr(421, 4, 3, 2, "Service shutting down")
	errLineTooLong  = smtpErr(500, 5, 5, 2, "Line too long")
	errDataTimeout  = smtpErr(421, 4, 4, 2, "Timeout waiting for data, closing connection")
	errDataCut      = smtpErr(421, 4, 4, 0, "Data not received in full, closing connection")
	errNoStorage    = smtpErr(452, 4, 3, 1, "Insufficient system storage, try again later")
)

func smtpErr(code, class, subject, detail int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{class, subject, detail}, Message: msg}
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if addr := c.Conn().RemoteAddr(); addr != nil {
		remote = addr.String()
		if host, _, err := net.SplitHostPort(remote); err == nil {
			remote = host
		}
	}
	return &session{srv: s, conn: c, remote: remote}, nil
}

// session is one SMTP session's state (a connection starts a new one after
// STARTTLS). go-smtp calls its methods from the connection's goroutine only,
// but for Data during BDAT, which runs while no other method does.
type session struct {
	srv        *SMTPServer
	conn       *smtp.Conn
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
	if !s.enter() {
		return errShuttingDown
	}
	defer s.busy.Done()
	c := connOf(ss.conn.Conn())
	if err := s.probes.before(s.ctx, c); err != nil {
		s.cfg.Logger.Warn("inbound: smtp: client sent away for naming unknown recipients", "remote", ss.remote)
		return err
	}
	addr, err := canary.NormalizeEmail(to)
	if err != nil {
		s.cfg.Logger.Info("inbound: smtp: recipient refused", "remote", ss.remote, "reason", "not an address")
		s.probes.unknown(c)
		return errNoSuchUser
	}
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
		s.probes.unknown(c)
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

// Data reads a message and records it. It never returns an error of its own
// making to go-smtp, which would answer it 554 with the error's text: every
// reply is chosen here.
func (ss *session) Data(r io.Reader) error {
	s := ss.srv
	c := connOf(ss.conn.Conn())
	in := &inbox{budget: s.budget, limit: s.cfg.MaxInFlightBytes, dir: s.cfg.SpoolDir}
	defer in.close()
	var readErr error
	if _, chunked := r.(*io.PipeReader); chunked {
		// go-smtp hands BDAT data over through a pipe, DATA data directly.
		readErr = readChunked(r, in)
	} else {
		readErr = readData(r, in, dataDeadlines{
			set:   ss.conn.Conn().SetReadDeadline,
			total: s.cfg.DataTimeout,
			gap:   s.cfg.DataIdleTimeout,
		})
	}
	var n notes
	var reply error
	switch {
	case in.spoolErr != nil:
		s.cfg.Logger.Error("inbound: smtp: message not spooled; told sender to retry", "remote", ss.remote, "err", in.spoolErr)
		return errNoStorage
	case readErr == nil && in.bareLF:
		// A client that ends its data so may send more than the server reads
		// as it meant (SMTP smuggling): take no further command from it.
		// go-smtp reads on to a proper end before it replies: cut that short.
		n.add("data ended with a bare LF; connection closed")
		closeAfterReply(c)
		ss.conn.Conn().SetReadDeadline(time.Now())
	case readErr == nil:
	case errors.Is(readErr, smtp.ErrDataTooLarge):
		// Refused, but the recipient is a seed: record what arrived first.
		n.add(fmt.Sprintf("message larger than %d bytes; cut", s.cfg.MaxMessageBytes))
		reply = smtp.ErrDataTooLarge // go-smtp maps only this exact value to 552
	case errors.Is(readErr, smtp.ErrTooLongLine):
		n.add(fmt.Sprintf("line longer than %d bytes; message cut", s.cfg.MaxLineBytes))
		reply = errLineTooLong
	case isTimeout(readErr):
		// The recipients are seeds and part of the message is here: record
		// it, and have the sender try again for the rest.
		n.add(fmt.Sprintf("data timed out after %d bytes; message cut", in.size))
		reply = errDataTimeout
		closeAfterReply(c)
	default:
		// The client went away or aborted mid-message.
		n.add(fmt.Sprintf("data broken off after %d bytes; message cut", in.size))
		reply = errDataCut
		closeAfterReply(c)
	}
	if !s.enter() {
		return errShuttingDown
	}
	defer s.busy.Done()

	wait, cancelWait := context.WithTimeout(s.ctx, s.cfg.HandleTimeout)
	raw, err := in.bytes(wait)
	cancelWait()
	if err != nil {
		s.cfg.Logger.Error("inbound: smtp: no in-flight budget for a spooled message; told sender to retry",
			"remote", ss.remote, "bytes", in.size, "err", err)
		if s.ctx.Err() != nil {
			return errShuttingDown
		}
		return errNoStorage
	}
	m := parseMessage(raw, messageLimits{
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
	ev.Auth = s.auth.verify(ctx, raw, authFieldsOf(raw))
	if err := s.cfg.Handler.HandleEvent(ctx, ev); err != nil {
		s.cfg.Logger.Error("inbound: smtp: event not recorded; told sender to retry",
			"remote", ss.remote, "id", ev.ID, "err", err)
		if reply == errDataTimeout || reply == errDataCut {
			return reply
		}
		return errTryLater
	}
	s.cfg.Logger.Info("inbound: smtp: message accepted", "remote", ss.remote, "id", ev.ID, "recipients", len(ev.Envelope), "bytes", in.size)
	return reply
}

func closeAfterReply(c *smtpConn) {
	if c != nil {
		c.closeAfterReply()
	}
}

// slogWriter carries go-smtp's own error log (connection errors, panics) to
// the configured slog.Logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("inbound: smtp: " + string(bytes.TrimSpace(p)))
	return len(p), nil
}
