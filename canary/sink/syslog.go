package sink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Facility is a syslog facility (RFC 5424 section 6.2.1).
type Facility uint8

// Facilities an alert may be logged under. Kernel (0) is not among them: it is
// reserved for the kernel, and is what the zero value would mean.
const (
	FacilityUser     Facility = 1
	FacilityAuth     Facility = 4
	FacilityAuthPriv Facility = 10 // the default: syslog daemons keep it in a file only root reads
	FacilityAudit    Facility = 13
	FacilityLocal0   Facility = 16
	FacilityLocal1   Facility = 17
	FacilityLocal2   Facility = 18
	FacilityLocal3   Facility = 19
	FacilityLocal4   Facility = 20
	FacilityLocal5   Facility = 21
	FacilityLocal6   Facility = 22
	FacilityLocal7   Facility = 23
)

// Severity is a syslog severity (RFC 5424 section 6.2.1).
type Severity uint8

// Severities an alert may carry. Emergency (0) is not among them: it means the
// system is unusable, and syslog daemons broadcast it to every terminal.
const (
	SeverityAlert    Severity = 1 // the default: "action must be taken immediately"
	SeverityCritical Severity = 2
	SeverityError    Severity = 3
	SeverityWarning  Severity = 4
	SeverityNotice   Severity = 5
	SeverityInfo     Severity = 6
	SeverityDebug    Severity = 7
)

// SDID names the structured data element of every message: an enterprise-style
// SD-ID (RFC 5424 section 7.2.2) under 32473, the private enterprise number
// RFC 5612 reserves for documentation, which no registered SD-ID can collide with.
const SDID = "honeyseed@32473"

// Message sizes: 8192 is rsyslog's default limit (Elastic Agent's syslog
// input takes 10 KiB), and a usual alert's document fits it; RFC 5424 makes
// every receiver take 480.
const (
	defaultSyslogSize = 8192
	minSyslogSize     = 480
)

// SyslogOptions configures a Syslog sink. The zero value is ready to use.
type SyslogOptions struct {
	// Facility of the messages; 0 means FacilityAuthPriv.
	Facility Facility
	// Severity of the messages; 0 means SeverityAlert.
	Severity Severity
	// Hostname, AppName and ProcID fill the header; empty means os.Hostname(),
	// "honeyseed" and the process ID. They must be printable ASCII without
	// spaces, at most 255, 48 and 128 bytes.
	Hostname, AppName, ProcID string
	// MaxSize bounds one message, header included, in bytes; 0 means 8192. It
	// must be at least 480. Set 2048 for a receiver that takes only what
	// RFC 5426 asks of UDP receivers.
	MaxSize int
	// Timeout bounds connecting and writing one message; 0 means 10 seconds.
	Timeout time.Duration
	// Dial opens connections; nil means a net.Dialer. Set it to speak TLS
	// (RFC 5425), e.g. with tls.Dialer.DialContext and network "tcp".
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Labels are added to every document as ECS labels, e.g. {"env": "prod"}.
	Labels map[string]string
	// RecentIDs is how many sent alert IDs are remembered, so that a repeated
	// Send writes once; 0 means 4096, negative turns deduplication off.
	RecentIDs int
	// Now gives the header's timestamp; nil means time.Now.
	Now func() time.Time
}

// Syslog sends each alert as one RFC 5424 message over UDP (RFC 5426, one
// datagram each) or TCP (RFC 6587 octet counting: "LEN SP MSG"):
//
//	<81>1 2026-11-03T14:25:00.000000Z mail1 honeyseed 4242 canary-contact [honeyseed@32473 id="…" channel="email" count="3" placement="support-db/eu" sender="refunds@fraud.example"] {"@timestamp":…}
//
// PRI is facility×8+severity (authpriv.alert = 81 by default), MSGID is
// event.action, the structured data element SDID carries the alert's ID,
// channel, count, placements and sender, and MSG is the ECS JSON document.
// MSG goes without RFC 5424's UTF-8 BOM, which JSON parsers reject; JSON is
// UTF-8 by definition (RFC 8259). When the document would make the message
// longer than MaxSize, MSG is the one-line summary instead (cut to fit), and
// the structured data still names the alert.
//
// UDP may lose a message without an error, as UDP does; use TCP where every
// alert must arrive. Over TCP the sink keeps one connection, checks before each
// message that the server has not closed it, and reconnects once when a write
// fails.
type Syslog struct {
	network, addr string
	stream        bool // TCP: octet-counted frames
	dial          func(ctx context.Context, network, address string) (net.Conn, error)
	prival        int
	header        string // " HOSTNAME APP-NAME PROCID "
	maxSize       int
	timeout       time.Duration
	now           func() time.Time
	labels        map[string]string
	dedup         *dedup

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

var _ canary.Sink = (*Syslog)(nil)

// NewSyslog returns a sink that sends to addr ("host:port") over network:
// "udp", "udp4", "udp6", "tcp", "tcp4" or "tcp6". It connects on the first
// Send, so a syslog server that is down at start delays alerts, not startup.
func NewSyslog(network, addr string, opts SyslogOptions) (*Syslog, error) {
	s := &Syslog{
		network: network,
		addr:    addr,
		dial:    opts.Dial,
		maxSize: cmp.Or(opts.MaxSize, defaultSyslogSize),
		timeout: cmp.Or(opts.Timeout, 10*time.Second),
		now:     opts.Now,
		labels:  opts.Labels,
		dedup:   newDedup("syslog", opts.RecentIDs),
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
		s.stream = true
	case "udp", "udp4", "udp6":
	default:
		return nil, fmt.Errorf("%w: syslog: network %q: want udp or tcp", ErrInvalidConfig, network)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%w: syslog: address %q: %v", ErrInvalidConfig, addr, err)
	}
	if s.maxSize < minSyslogSize {
		return nil, fmt.Errorf("%w: syslog: MaxSize %d is under the %d every receiver takes", ErrInvalidConfig, s.maxSize, minSyslogSize)
	}
	facility, severity := cmp.Or(opts.Facility, FacilityAuthPriv), cmp.Or(opts.Severity, SeverityAlert)
	if facility > FacilityLocal7 || severity > SeverityDebug {
		return nil, fmt.Errorf("%w: syslog: facility %d or severity %d out of range", ErrInvalidConfig, facility, severity)
	}
	s.prival = int(facility)*8 + int(severity)
	hostname := opts.Hostname
	if hostname == "" {
		h, _ := os.Hostname()
		hostname = headerField(h, 255) // whatever the OS says, made valid
	}
	fields := []struct {
		name, value string
		max         int
	}{
		{"Hostname", hostname, 255},
		{"AppName", cmp.Or(opts.AppName, "honeyseed"), 48},
		{"ProcID", cmp.Or(opts.ProcID, strconv.Itoa(os.Getpid())), 128},
	}
	for _, f := range fields {
		if f.value != headerField(f.value, f.max) {
			return nil, fmt.Errorf("%w: syslog: %s %q: want 1 to %d printable ASCII characters", ErrInvalidConfig, f.name, f.value, f.max)
		}
		s.header += " " + f.value
	}
	s.header += " "
	if s.dial == nil {
		s.dial = (&net.Dialer{}).DialContext
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// headerField makes s a valid header field: PRINTUSASCII (33 to 126), at most
// n bytes, "-" (NILVALUE) when empty.
func headerField(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 33 || r > 126 {
			return '_'
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n]
	}
	return cmp.Or(s, "-")
}

// Send implements canary.Sink.
func (s *Syslog) Send(ctx context.Context, a canary.Alert) error {
	return s.dedup.send(ctx, MessageID(a), func() error {
		return s.write(ctx, s.format(a))
	})
}

// format returns one RFC 5424 message of at most s.maxSize bytes.
func (s *Syslog) format(a canary.Alert) []byte {
	doc := NewDocument(a, s.labels)
	head := fmt.Sprintf("<%d>1 %s%s%s ", s.prival,
		s.now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"), s.header, doc.doc.Event.Action)
	sd := structuredData(a, doc.doc.Honeyseed, true)
	if len(head)+len(sd) > s.maxSize-1 {
		sd = structuredData(a, doc.doc.Honeyseed, false)
	}
	msg := append([]byte(head), sd...)
	if body, err := doc.MarshalJSON(); err == nil && len(msg)+1+len(body) <= s.maxSize {
		return append(append(msg, ' '), body...)
	}
	if room := s.maxSize - len(msg) - 1; room > len("…") {
		msg = append(append(msg, ' '), clip(doc.doc.Message, room)...)
	}
	return msg
}

// structuredData returns the SD-ELEMENT that names the alert: its ID, channel
// count and revision (updates only), and when full, its placements (at most 5) and sender.
func structuredData(a canary.Alert, h honeyseedFields, full bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s id=\"%s\" channel=\"%s\" count=\"%d\"", SDID, a.ID, sdEscape(h.Channel), h.Count)
	if h.Revision > 0 {
		fmt.Fprintf(&b, " revision=\"%d\"", h.Revision) // an update of alert id: keep the highest
	}
	if full {
		for i, p := range h.Placement {
			if i == maxListed {
				break
			}
			fmt.Fprintf(&b, " placement=\"%s\"", sdEscape(p))
		}
		if a.Sender != "" {
			fmt.Fprintf(&b, " sender=\"%s\"", sdEscape(clip(a.Sender, maxSender)))
		}
		if a.Suppressed {
			b.WriteString(` suppressed="true"`)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// sdEscape escapes a PARAM-VALUE as RFC 5424 section 6.3.3 requires (", \ and ])
// and replaces control characters.
func sdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(printable([]byte(s)))
}

// write sends msg, framed for TCP, connecting first if need be and once more
// if the connection fails.
func (s *Syslog) write(ctx context.Context, msg []byte) error {
	frame := msg
	if s.stream {
		frame = append(strconv.AppendInt(nil, int64(len(msg)), 10), ' ')
		frame = append(frame, msg...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("sink: syslog: %w", canary.ErrClosed)
	}
	var err error
	for range 2 {
		if s.conn != nil && s.stream && !peerOpen(s.conn) {
			s.dropLocked()
		}
		if s.conn == nil {
			if err = s.connectLocked(ctx); err != nil {
				return err
			}
		}
		deadline := time.Now().Add(s.timeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		s.conn.SetWriteDeadline(deadline)
		if _, err = s.conn.Write(frame); err == nil {
			return nil
		}
		s.dropLocked()
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("sink: syslog: writing to %s: %w", s.addr, err)
}

func (s *Syslog) connectLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, err := s.dial(ctx, s.network, s.addr)
	if err != nil {
		return fmt.Errorf("sink: syslog: connecting to %s: %w", s.addr, err)
	}
	s.conn = c
	return nil
}

func (s *Syslog) dropLocked() {
	s.conn.Close()
	s.conn = nil
}

// peerOpen reports whether the server has not closed c. Without this check the
// first message after the server went away would go into a dead connection,
// lost without an error. A syslog server never writes, so a read that finds
// nothing to read finds the connection open, and one that returns has found
// EOF or a reset. Where the socket cannot be read without waiting (TLS, or not
// unix), the read waits up to a millisecond: a deadline already past would
// return before looking at the socket.
func peerOpen(c net.Conn) bool {
	if closed, ok := peekClosed(c); ok {
		return !closed
	}
	if err := c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return false
	}
	var b [1]byte
	_, err := c.Read(b[:])
	c.SetReadDeadline(time.Time{})
	var ne net.Error
	return err == nil || (errors.As(err, &ne) && ne.Timeout())
}

// Close closes the connection. Send after Close returns an error wrapping
// canary.ErrClosed. Close is idempotent.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.conn != nil {
		err := s.conn.Close()
		s.conn = nil
		if err != nil {
			return fmt.Errorf("sink: syslog: %w", err)
		}
	}
	return nil
}
