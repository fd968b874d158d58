package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// ErrIMAPServer wraps what an IMAP server did wrong: a refused login or
// command, an answer that does not parse, a connection dropped mid-command.
// The watcher logs it, backs off and reconnects.
var ErrIMAPServer = errors.New("inbound: imap: server error")

// IMAPConfig configures an [IMAP] watcher. Mailboxes and Handler are required;
// every other field has a safe default. The mailbox part is plain data, so a
// configuration file can fill it (see [IMAPMailbox]).
type IMAPConfig struct {
	// Mailboxes are the owned mailboxes to watch, one connection each.
	Mailboxes []IMAPMailbox
	// Handler receives one event per new message. A message's checkpoint is
	// advanced only after HandleEvent returned nil; on an error the watcher
	// reconnects after a backoff and hands the message over again.
	Handler canary.EventHandler
	// Checkpoints keeps, per mailbox, how far the watcher got. Default: in
	// memory, so a restarted process rescans each mailbox; the rescan raises
	// no new alert (see "IMAP watcher" in the package doc), but use a durable
	// store such as sqlstore's in production.
	Checkpoints IMAPCheckpoints

	// PollInterval is how often a mailbox whose server lacks IDLE is checked
	// (default 1 min). IdleTimeout is how long the watcher waits in IDLE
	// before checking anyway, which also proves the connection alive
	// (default 10 min, under the 29 min RFC 2177 allows).
	PollInterval, IdleTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after an
	// error, which doubles from MinBackoff with jitter (default 1 s, 5 min).
	MinBackoff, MaxBackoff time.Duration
	// CommandTimeout bounds each exchange with the server: connecting and
	// logging in, each command, each message fetched (default 2 min).
	CommandTimeout time.Duration
	// HandleTimeout bounds each HandleEvent call (default 30 s).
	HandleTimeout time.Duration

	// MaxMessageBytes bounds a message fetched whole (default 10 MiB). A
	// larger one is not downloaded: its header alone becomes the event, with a
	// note, so a seed it reached still raises an alert. It also bounds the body
	// text kept.
	MaxMessageBytes int64
	// MaxHeaderBytes and MaxHeaderFields bound the header fields kept in
	// Event.Header (default 64 KiB and 256), as for SMTPConfig.
	MaxHeaderBytes  int
	MaxHeaderFields int
	// FetchBatch bounds the new messages listed per round (default 500); a
	// longer backlog is read over several rounds.
	FetchBatch int

	// Logger receives connection state changes and errors; nil discards.
	// Credentials are never logged.
	Logger *slog.Logger
	// Now is the clock, for status times and for messages the server gives no
	// arrival time; nil means time.Now.
	Now func() time.Time
}

// IMAPMailbox is one owned mailbox and how to read it. Its JSON form is what
// an operator writes in a configuration file.
type IMAPMailbox struct {
	// Address is the mailbox's address: the envelope recipient of every
	// message found in it. Required.
	Address string `json:"address"`
	// Host is the IMAP server (imap.gmail.com). Required.
	Host string `json:"host"`
	// Port defaults to 993 with TLS, 143 otherwise.
	Port int `json:"port,omitempty"`
	// TLS is how the connection is secured (default IMAPTLS, implicit TLS).
	TLS IMAPTLSMode `json:"tls,omitempty"`
	// AllowPlaintext must be set for IMAPPlaintext, which is accepted only
	// when Host is a loopback address: a password never crosses a network in
	// clear.
	AllowPlaintext bool `json:"allow_plaintext,omitempty"`
	// CAFile names a PEM file of the CAs that sign the server's certificate.
	// Default: the system's roots. Certificates are always verified.
	CAFile string `json:"ca_file,omitempty"`

	// User is the login name (default Address).
	User string `json:"user,omitempty"`
	// Auth is the login mechanism (default IMAPAuthPlain).
	Auth IMAPAuth `json:"auth,omitempty"`
	// Credential names where the password or OAuth access token is. It is
	// read at every connection, so a token refreshed by another program is
	// picked up, and is never logged.
	Credential CredentialRef `json:"credential"`

	// Folder is watched (default "INBOX").
	Folder string `json:"folder,omitempty"`
	// MoveTo, when set, is the folder each message is moved to once recorded;
	// by default messages are left in place.
	MoveTo string `json:"move_to,omitempty"`
}

// IMAPTLSMode says how an IMAP connection is secured.
type IMAPTLSMode string

const (
	IMAPTLS       IMAPTLSMode = "tls"       // implicit TLS, port 993 (the default)
	IMAPStartTLS  IMAPTLSMode = "starttls"  // STARTTLS on port 143, required
	IMAPPlaintext IMAPTLSMode = "plaintext" // no TLS: loopback and AllowPlaintext only
)

// IMAPAuth is a login mechanism.
type IMAPAuth string

const (
	// IMAPAuthPlain logs in with a password (for Gmail, Outlook.com and Yahoo
	// an app password): SASL PLAIN where the server offers it, else LOGIN.
	IMAPAuthPlain IMAPAuth = "plain"
	// IMAPAuthLogin logs in with the IMAP LOGIN command and a password.
	IMAPAuthLogin IMAPAuth = "login"
	// IMAPAuthXOAUTH2 logs in with an OAuth 2.0 access token, as Gmail and
	// Microsoft 365 accept (SASL XOAUTH2). Obtaining and refreshing the token
	// is the operator's tooling's job: the watcher reads it from Credential.
	IMAPAuthXOAUTH2 IMAPAuth = "xoauth2"
)

// Defaults of IMAPConfig.
const (
	defaultPollInterval   = time.Minute
	defaultIdleTimeout    = 10 * time.Minute
	defaultMinBackoff     = time.Second
	defaultMaxBackoff     = 5 * time.Minute
	defaultCommandTimeout = 2 * time.Minute
	defaultFetchBatch     = 500
)

func (c *IMAPConfig) setDefaults() error {
	if c.Handler == nil {
		return fmt.Errorf("inbound: %w: IMAPConfig.Handler is nil", canary.ErrInvalidConfig)
	}
	if len(c.Mailboxes) == 0 {
		return fmt.Errorf("inbound: %w: IMAPConfig.Mailboxes is empty", canary.ErrInvalidConfig)
	}
	c.Mailboxes = append([]IMAPMailbox(nil), c.Mailboxes...)
	seen := map[string]bool{}
	for i := range c.Mailboxes {
		mb := &c.Mailboxes[i]
		if err := mb.setDefaults(); err != nil {
			return fmt.Errorf("inbound: %w: IMAPConfig.Mailboxes[%d]: %v", canary.ErrInvalidConfig, i, err)
		}
		if seen[mb.key()] {
			return fmt.Errorf("inbound: %w: IMAPConfig.Mailboxes[%d]: %s folder %q listed twice", canary.ErrInvalidConfig, i, mb.Address, mb.Folder)
		}
		seen[mb.key()] = true
	}
	if c.Checkpoints == nil {
		c.Checkpoints = NewMemoryIMAPCheckpoints()
	}
	c.PollInterval = orDefault(c.PollInterval, defaultPollInterval)
	c.IdleTimeout = orDefault(c.IdleTimeout, defaultIdleTimeout)
	c.MinBackoff = orDefault(c.MinBackoff, defaultMinBackoff)
	c.MaxBackoff = max(orDefault(c.MaxBackoff, defaultMaxBackoff), c.MinBackoff)
	c.CommandTimeout = orDefault(c.CommandTimeout, defaultCommandTimeout)
	c.HandleTimeout = orDefault(c.HandleTimeout, defaultHandleTimeout)
	c.MaxMessageBytes = orDefault(c.MaxMessageBytes, defaultMaxMessageBytes)
	c.MaxHeaderBytes = orDefault(c.MaxHeaderBytes, defaultMaxHeaderBytes)
	c.MaxHeaderFields = orDefault(c.MaxHeaderFields, defaultMaxHeaderFields)
	c.FetchBatch = orDefault(c.FetchBatch, defaultFetchBatch)
	if c.Logger == nil {
		c.Logger = discardLogger
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// orDefault returns v, or def when v is zero or negative.
func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (mb *IMAPMailbox) setDefaults() error {
	addr, err := canary.NormalizeEmail(mb.Address)
	if err != nil {
		return fmt.Errorf("address: %v", err)
	}
	mb.Address = addr
	if mb.Host == "" {
		return errors.New("host is required")
	}
	if mb.TLS == "" {
		mb.TLS = IMAPTLS
	}
	switch mb.TLS {
	case IMAPTLS:
		mb.Port = orDefault(mb.Port, 993)
	case IMAPStartTLS:
		mb.Port = orDefault(mb.Port, 143)
	case IMAPPlaintext:
		if !mb.AllowPlaintext {
			return errors.New("plaintext IMAP needs allow_plaintext")
		}
		if !isLoopback(mb.Host) {
			return fmt.Errorf("plaintext IMAP is allowed only to a loopback address, not %q", mb.Host)
		}
		mb.Port = orDefault(mb.Port, 143)
	default:
		return fmt.Errorf("unknown TLS mode %q: want tls, starttls or plaintext", mb.TLS)
	}
	if mb.Port > 65535 {
		return fmt.Errorf("port %d out of range", mb.Port)
	}
	if mb.User == "" {
		mb.User = mb.Address
	}
	if mb.Auth == "" {
		mb.Auth = IMAPAuthPlain
	}
	switch mb.Auth {
	case IMAPAuthPlain, IMAPAuthLogin, IMAPAuthXOAUTH2:
	default:
		return fmt.Errorf("unknown auth %q: want plain, login or xoauth2", mb.Auth)
	}
	if err := mb.Credential.check(); err != nil {
		return err
	}
	if mb.Folder == "" {
		mb.Folder = "INBOX"
	}
	if mb.MoveTo == mb.Folder {
		return errors.New("move_to is the watched folder")
	}
	return nil
}

// key names the mailbox's checkpoint: its address and folder, as UIDs are
// per folder.
func (mb *IMAPMailbox) key() string { return mb.Address + "\x00" + mb.Folder }

func (mb *IMAPMailbox) hostPort() string {
	return net.JoinHostPort(mb.Host, fmt.Sprint(mb.Port))
}

// isLoopback reports whether host is a loopback IP or "localhost". Other names
// are refused rather than resolved: DNS could point them anywhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// IMAPStatus is what the watcher knows of one mailbox.
type IMAPStatus struct {
	Address     string
	Folder      string
	Connected   bool
	Mode        string    // "idle" or "poll" while connected, "" otherwise
	UIDValidity uint32    // of the folder, as last selected
	LastUID     uint32    // the UID of the last message recorded
	Messages    int       // messages handed over since Start
	LastError   string    // why the last connection failed or ended; "" if none
	LastErrorAt time.Time // zero: none
	LastContact time.Time // the last answer from the server; zero: none
}

// IMAP watches owned mailboxes and turns every new message into a
// canary.Event with Source "imap". Create it with [NewIMAP], call Start, and
// Close to stop. It is safe for concurrent use.
type IMAP struct {
	cfg    IMAPConfig
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	startOnce sync.Once
	closeOnce sync.Once

	mu     sync.Mutex
	status []IMAPStatus // by mailbox index
}

// NewIMAP checks cfg and returns a watcher. Nothing connects until Start.
func NewIMAP(cfg IMAPConfig) (*IMAP, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	w := &IMAP{cfg: cfg, status: make([]IMAPStatus, len(cfg.Mailboxes))}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	for i, mb := range cfg.Mailboxes {
		w.status[i] = IMAPStatus{Address: mb.Address, Folder: mb.Folder}
	}
	return w, nil
}

// Start connects to every mailbox, each in its own goroutine, and watches
// them until Close. Starting twice, or after Close, does nothing.
func (w *IMAP) Start() {
	w.startOnce.Do(func() {
		if w.ctx.Err() != nil {
			return
		}
		for i := range w.cfg.Mailboxes {
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.watch(i)
			}()
		}
	})
}

// Close stops every connection and waits for the goroutines to end. A message
// being handed over when Close is called is not checkpointed unless its
// HandleEvent returned nil, so it is handed over again after a restart.
// Close is idempotent.
func (w *IMAP) Close() error {
	w.closeOnce.Do(func() {
		w.startOnce.Do(func() {}) // a later Start does nothing
		w.cancel()
	})
	w.wg.Wait()
	return nil
}

// Status returns a copy of every mailbox's state, in configuration order.
func (w *IMAP) Status() []IMAPStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]IMAPStatus(nil), w.status...)
}

// update changes mailbox i's status under the lock.
func (w *IMAP) update(i int, fn func(s *IMAPStatus)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn(&w.status[i])
}
