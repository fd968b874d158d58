package sink_test

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

// syslogMsg is an RFC 5424 message taken apart.
type syslogMsg struct {
	Raw                                              string
	Pri, Version                                     int
	Timestamp, Hostname, AppName, ProcID, MsgID, Msg string
	SD                                               map[string][][2]string // SD-ID: params in order
}

// parseSyslog parses an RFC 5424 message, strictly enough to catch a sink
// that writes a malformed one.
func parseSyslog(b []byte) (syslogMsg, error) {
	m := syslogMsg{Raw: string(b), SD: make(map[string][][2]string)}
	s := string(b)
	pri, rest, ok := strings.Cut(s, ">")
	if !ok || !strings.HasPrefix(pri, "<") {
		return m, errors.New("no PRI")
	}
	var err error
	if m.Pri, err = strconv.Atoi(pri[1:]); err != nil || m.Pri > 191 {
		return m, fmt.Errorf("bad PRI %q", pri)
	}
	parts := strings.SplitN(rest, " ", 7)
	if len(parts) < 7 {
		return m, errors.New("short header")
	}
	if m.Version, err = strconv.Atoi(parts[0]); err != nil || m.Version != 1 {
		return m, fmt.Errorf("version %q", parts[0])
	}
	m.Timestamp, m.Hostname, m.AppName, m.ProcID, m.MsgID = parts[1], parts[2], parts[3], parts[4], parts[5]
	for _, f := range []struct {
		v   string
		max int
	}{{m.Hostname, 255}, {m.AppName, 48}, {m.ProcID, 128}, {m.MsgID, 32}} {
		if f.v == "" || len(f.v) > f.max || strings.ContainsFunc(f.v, func(r rune) bool { return r < 33 || r > 126 }) {
			return m, fmt.Errorf("header field %q", f.v)
		}
	}
	rest = parts[6]
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
	} else {
		for strings.HasPrefix(rest, "[") {
			if rest, err = parseSDElement(rest[1:], m.SD); err != nil {
				return m, err
			}
		}
	}
	if rest != "" {
		if rest[0] != ' ' {
			return m, fmt.Errorf("no space before MSG: %q", rest)
		}
		m.Msg = rest[1:]
	}
	return m, nil
}

// parseSDElement parses one SD-ELEMENT after its "[" and returns what follows its "]".
func parseSDElement(s string, into map[string][][2]string) (string, error) {
	end := strings.IndexAny(s, " ]")
	if end <= 0 || end > 32 {
		return "", errors.New("bad SD-ID")
	}
	id := s[:end]
	s = s[end:]
	var params [][2]string
	for strings.HasPrefix(s, " ") {
		name, rest, ok := strings.Cut(s[1:], `="`)
		if !ok || name == "" || len(name) > 32 {
			return "", fmt.Errorf("bad SD-PARAM in %q", s)
		}
		var v strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' && i+1 < len(rest) && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
				i++
			} else if rest[i] == ']' {
				return "", errors.New("unescaped ] in PARAM-VALUE")
			}
			v.WriteByte(rest[i])
		}
		if i == len(rest) {
			return "", errors.New("unterminated PARAM-VALUE")
		}
		params = append(params, [2]string{name, v.String()})
		s = rest[i+1:]
	}
	if !strings.HasPrefix(s, "]") {
		return "", fmt.Errorf("SD-ELEMENT not closed: %q", s)
	}
	into[id] = params
	return s[1:], nil
}

// readFrame reads one octet-counted frame (RFC 6587 section 3.4.1).
func readFrame(r *bufio.Reader) ([]byte, error) {
	n, err := r.ReadString(' ')
	if err != nil {
		return nil, err
	}
	size, err := strconv.Atoi(strings.TrimSuffix(n, " "))
	if err != nil || size <= 0 {
		return nil, fmt.Errorf("bad frame length %q", n)
	}
	b := make([]byte, size)
	_, err = io.ReadFull(r, b)
	return b, err
}

func param(m syslogMsg, name string) []string {
	var out []string
	for _, p := range m.SD[sink.SDID] {
		if p[0] == name {
			out = append(out, p[1])
		}
	}
	return out
}

func awaitMessages(t *testing.T, l *syslogListener, n int) []syslogMsg {
	t.Helper()
	require.Eventually(t, func() bool { return len(l.Messages()) >= n }, awaitLimit, tick, "%d syslog messages", n)
	return l.Messages()
}

func TestSyslogFormat(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			l := newSyslogListener(t, network)
			s, err := sink.NewSyslog(network, l.Addr, sink.SyslogOptions{Hostname: "mx1.corp.example", ProcID: "4242", Now: fixedNow})
			require.NoError(t, err)
			defer s.Close()
			a := canarytest.AlertFor(1, canary.ChannelEmail, canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "export/2026-11-crm"))
			require.NoError(t, s.Send(context.Background(), a))
			m := awaitMessages(t, l, 1)[0]

			assert.Equal(t, 10*8+1, m.Pri, "authpriv.alert by default")
			assert.Equal(t, "2026-11-03T14:30:00.000000Z", m.Timestamp, "RFC 3339, at most 6 fractional digits")
			assert.Equal(t, []string{"mx1.corp.example", "honeyseed", "4242", "canary-contact"}, []string{m.Hostname, m.AppName, m.ProcID, m.MsgID})
			assert.Equal(t, []string{a.ID.String()}, param(m, "id"))
			assert.Equal(t, []string{"email"}, param(m, "channel"))
			assert.Equal(t, []string{"3"}, param(m, "count"))
			assert.Equal(t, []string{"export/2026-11-crm", "support-db/eu"}, param(m, "placement"))
			assert.Equal(t, []string{a.Sender}, param(m, "sender"))
			want, err := sink.NewDocument(a, nil).MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, string(want), m.Msg, "MSG is the ECS document, without a BOM")
			if network == "udp" {
				golden(t, "syslog.txt", []byte(m.Raw+"\n"))
			}
		})
	}
}

func TestSyslogOptions(t *testing.T) {
	l := newSyslogListener(t, "udp")
	s, err := sink.NewSyslog("udp", l.Addr, sink.SyslogOptions{Facility: sink.FacilityLocal4, Severity: sink.SeverityWarning, AppName: "canary-watch"})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelText)))
	m := awaitMessages(t, l, 1)[0]
	assert.Equal(t, 20*8+4, m.Pri)
	assert.Equal(t, "canary-watch", m.AppName)
	assert.Equal(t, "canary-exposed", m.MsgID)
	assert.Empty(t, param(m, "sender"), "a dump has no sender")
}

func TestSyslogBounded(t *testing.T) {
	hostile := canarytest.AlertFor(2, canary.ChannelSMS)
	hostile.Sender = `+1 202 555 0142 "] [x@1 a="b"] \` + strings.Repeat("z", 2000)
	many := canarytest.AlertFor(3, canary.ChannelEmail)
	for i := range 40 {
		many.Seeds = append(many.Seeds, canarytest.Seed(100+i, fmt.Sprintf("export/batch-%02d", i)))
	}
	for _, tc := range []struct {
		a       canary.Alert
		max     int
		summary bool
		why     string
	}{
		{canarytest.AlertFor(1, canary.ChannelEmail), 0, false, "a usual alert fits the default of 8192 as JSON"},
		{many, 2048, true, "40 seeds do not fit 2048: the summary goes instead"},
		{many, 600, true, "a small limit"},
		{hostile, 480, true, "the smallest limit, with a long sender that tries to close the SD element"},
	} {
		l := newSyslogListener(t, "udp")
		s, err := sink.NewSyslog("udp", l.Addr, sink.SyslogOptions{MaxSize: tc.max, Now: fixedNow})
		require.NoError(t, err)
		require.NoError(t, s.Send(context.Background(), tc.a), tc.why)
		m := awaitMessages(t, l, 1)[0]
		assert.LessOrEqual(t, len(m.Raw), cmp.Or(tc.max, 8192), tc.why)
		assert.Equal(t, []string{tc.a.ID.String()}, param(m, "id"), "%s: the SD always names the alert", tc.why)
		assert.Equal(t, tc.summary, !strings.HasPrefix(m.Msg, "{"), "%s: %q", tc.why, m.Msg)
		if got := param(m, "sender"); len(got) > 0 {
			assert.True(t, strings.HasPrefix(tc.a.Sender, strings.TrimSuffix(got[0], "…")), "%s: the sender survives escaping", tc.why)
		}
		s.Close()
	}
}

// wrappedConn hides a *net.TCPConn, as a TLS connection does.
type wrappedConn struct{ net.Conn }

func TestSyslogTCPReconnects(t *testing.T) {
	for _, tc := range []struct {
		dial func(ctx context.Context, network, addr string) (net.Conn, error)
		why  string
	}{
		{nil, "a plain TCP connection: the socket is peeked"},
		{func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return wrappedConn{c}, err
		}, "a wrapped connection (TLS): a read with a short deadline"},
	} {
		l := newSyslogListener(t, "tcp")
		s, err := sink.NewSyslog("tcp", l.Addr, sink.SyslogOptions{Dial: tc.dial})
		require.NoError(t, err)
		ctx := context.Background()
		require.NoError(t, s.Send(ctx, canarytest.AlertFor(1, canary.ChannelEmail)), tc.why)
		awaitMessages(t, l, 1)
		l.DropConnections() // the server restarts
		for i := 2; i <= 4; i++ {
			require.NoError(t, s.Send(ctx, canarytest.AlertFor(i, canary.ChannelEmail)), "%s: send %d after the drop", tc.why, i)
		}
		got := awaitMessages(t, l, 4)
		assert.Len(t, got, 4, "%s: no message lost in the dead connection", tc.why)
		s.Close()
	}
}

func TestSyslogServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	s, err := sink.NewSyslog("tcp", addr, sink.SyslogOptions{})
	require.NoError(t, err, "the sink connects on first use")
	err = s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
	assert.ErrorContains(t, err, "sink: syslog: connecting to "+addr)
}

func TestSyslogClosed(t *testing.T) {
	l := newSyslogListener(t, "tcp")
	s, err := sink.NewSyslog("tcp", l.Addr, sink.SyslogOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	assert.ErrorIs(t, s.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail)), canary.ErrClosed)
}

func TestNewSyslogConfig(t *testing.T) {
	for _, tc := range []struct {
		network, addr string
		opts          sink.SyslogOptions
		why           string
	}{
		{"unix", "/dev/log", sink.SyslogOptions{}, "only udp and tcp"},
		{"udp", "localhost", sink.SyslogOptions{}, "no port"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{MaxSize: 100}, "under the 480 octets every receiver takes"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{Facility: 24}, "no facility 24"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{Severity: 8}, "no severity 8"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{Hostname: "mail host"}, "a space in the hostname"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{AppName: strings.Repeat("a", 49)}, "APP-NAME is at most 48"},
		{"tcp", "127.0.0.1:514", sink.SyslogOptions{ProcID: "pid\n1"}, "a newline in PROCID"},
	} {
		_, err := sink.NewSyslog(tc.network, tc.addr, tc.opts)
		assert.ErrorIs(t, err, sink.ErrInvalidConfig, tc.why)
	}
}

func FuzzSyslogMessage(f *testing.F) {
	f.Add("refunds@fraud.example", "Your refund is ready", "support-db/eu", 480)
	f.Add(`"] \ [x@1 a="b"]`, "\x00\xff\n", `crm/"eu"]`, 8192)
	f.Fuzz(func(t *testing.T, sender, evidence, placement string, size int) {
		size = 480 + int(uint(size)%8000)
		s, err := sink.NewSyslog("udp", "127.0.0.1:514", sink.SyslogOptions{MaxSize: size, Now: fixedNow})
		require.NoError(t, err)
		a := canarytest.AlertFor(1, canary.ChannelSMS, canarytest.Seed(1, placement))
		a.Sender, a.Evidence = sender, []string{evidence}
		b := sink.FormatSyslog(s, a)
		require.LessOrEqual(t, len(b), size)
		m, err := parseSyslog(b)
		require.NoError(t, err, "%q", b)
		assert.Equal(t, []string{a.ID.String()}, param(m, "id"))
		assert.NotContains(t, string(b), "\n", "one message, one line")
	})
}

func BenchmarkSyslogTCPSend(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
		}
	}()
	s, err := sink.NewSyslog("tcp", ln.Addr().String(), sink.SyslogOptions{RecentIDs: -1})
	require.NoError(b, err)
	defer s.Close()
	a := canarytest.AlertFor(1, canary.ChannelEmail)
	for b.Loop() {
		if err := s.Send(context.Background(), a); err != nil {
			b.Fatal(err)
		}
	}
}
