package inbound

import (
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// connLimiter counts the connections served, in all and per client, and
// hands out the connection-level state the SMTP sessions share.
type connLimiter struct {
	max, perIP int // <= 0: no limit
	domain     string

	mu     sync.Mutex
	total  int
	byAddr map[string]int
}

func newConnLimiter(max, perIP int, domain string) *connLimiter {
	return &connLimiter{max: max, perIP: perIP, domain: domain, byAddr: make(map[string]int)}
}

// admit counts a connection from client, or reports false when a limit is
// reached.
func (l *connLimiter) admit(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.total >= l.max {
		return false
	}
	if l.perIP > 0 && l.byAddr[client] >= l.perIP {
		return false
	}
	l.total++
	l.byAddr[client]++
	return true
}

func (l *connLimiter) leave(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byAddr[client]--; l.byAddr[client] <= 0 {
		delete(l.byAddr, client)
	}
}

// busy reports whether more than three quarters of the connections are in
// use: then every wait is cut short, so that idle clients make room.
func (l *connLimiter) busy() bool {
	if l.max <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total*4 > l.max*3
}

// busyReadTimeout is the longest wait for a client while the server is busy.
const busyReadTimeout = 10 * time.Second

// limitedListener admits connections within the limits and answers the
// others 421 without handing them to go-smtp.
type limitedListener struct {
	net.Listener
	limits *connLimiter
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client := clientKey(c.RemoteAddr())
		if !l.limits.admit(client) {
			go refuseConn(c, l.limits.domain)
			continue
		}
		return &smtpConn{Conn: c, limits: l.limits, client: client}, nil
	}
}

// refuseConn tells a client over the limits to come back later, as RFC 5321
// allows in place of the greeting.
func refuseConn(c net.Conn, domain string) {
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("421 4.7.0 " + domain + " Too many connections, try again later\r\n"))
	c.Close()
}

// clientKey names the client a connection comes from for the per-client
// limits: its IPv4 address, or the /64 of its IPv6 address, since one host
// commonly holds a whole /64.
func clientKey(addr net.Addr) string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return addr.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// smtpConn is one client connection: it releases its place in the limits
// when closed, cuts waits short while the server is busy, can be closed
// right after the next reply, and counts the unknown recipients the client
// named, across RSET and STARTTLS.
type smtpConn struct {
	net.Conn
	limits *connLimiter
	client string
	once   sync.Once

	mu              sync.Mutex
	closeAfterWrite bool
	unknown         int // unknown recipients named on this connection
}

func (c *smtpConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limits.leave(c.client) })
	return err
}

func (c *smtpConn) SetReadDeadline(t time.Time) error {
	if c.limits.busy() {
		if soon := time.Now().Add(busyReadTimeout); t.IsZero() || t.After(soon) {
			t = soon
		}
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *smtpConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	closing := c.closeAfterWrite
	c.mu.Unlock()
	if closing {
		c.Close()
	}
	return n, err
}

// closeAfterReply closes the connection once the next reply is written: the
// stream cannot be trusted after a cut message, and a prober is sent away.
func (c *smtpConn) closeAfterReply() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeAfterWrite = true
}

// addUnknown counts an unknown recipient and returns the count.
func (c *smtpConn) addUnknown() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unknown++
	return c.unknown
}

func (c *smtpConn) unknownCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unknown
}

// connOf finds the smtpConn under a go-smtp connection, under TLS or not.
func connOf(c net.Conn) *smtpConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, _ := c.(*smtpConn)
	return sc
}

// isTimeout reports whether err is a read that ran past its deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
