package sink_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

// Every sink in the package passes the Sink conformance test, each against a
// real target: a slog handler, a file, an HTTP server that verifies
// signatures, and syslog listeners on 127.0.0.1.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(t *testing.T) (canary.Sink, func() []canarytest.Receipt)
	}{
		{"Slog", newSlogHarness},
		{"JSONLines", newJSONLinesHarness},
		{"Webhook", newWebhookHarness},
		{"Slack", newSlackHarness},
		{"SyslogUDP", func(t *testing.T) (canary.Sink, func() []canarytest.Receipt) { return newSyslogHarness(t, "udp") }},
		{"SyslogTCP", func(t *testing.T) (canary.Sink, func() []canarytest.Receipt) { return newSyslogHarness(t, "tcp") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			canarytest.TestSink(t, canarytest.SinkHarness{New: tc.new, Idempotent: true})
		})
	}
}

func newSlogHarness(t *testing.T) (canary.Sink, func() []canarytest.Receipt) {
	var buf lockedBuffer
	s := sink.NewSlog(slog.New(slog.NewJSONHandler(&buf, nil)), sink.SlogOptions{})
	return s, func() []canarytest.Receipt { return receiptsFromLines(t, buf.Bytes()) }
}

func newJSONLinesHarness(t *testing.T) (canary.Sink, func() []canarytest.Receipt) {
	path := t.TempDir() + "/alerts.jsonl"
	s, err := sink.OpenJSONLines(path, sink.JSONLinesOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, func() []canarytest.Receipt { return receiptsFromLines(t, readFile(t, path)) }
}

func newWebhookHarness(t *testing.T) (canary.Sink, func() []canarytest.Receipt) {
	rec := newWebhookReceiver(t, testSecret)
	s, err := sink.NewWebhook(rec.URL, testSecret, sink.WebhookOptions{Now: fixedNow})
	require.NoError(t, err)
	return s, func() []canarytest.Receipt {
		var out []canarytest.Receipt
		for _, b := range rec.Bodies() {
			out = append(out, receiptFromECS(t, b))
		}
		return out
	}
}

func newSlackHarness(t *testing.T) (canary.Sink, func() []canarytest.Receipt) {
	rec := newRecorder(t, http.StatusOK, "ok")
	s, err := sink.NewSlack(rec.URL+"/services/T000/B000/XXXXXXXX", sink.SlackOptions{})
	require.NoError(t, err)
	return s, func() []canarytest.Receipt {
		var out []canarytest.Receipt
		for _, r := range rec.Requests() {
			out = append(out, receiptFromSlack(t, r.Body))
		}
		return out
	}
}

func newSyslogHarness(t *testing.T, network string) (canary.Sink, func() []canarytest.Receipt) {
	l := newSyslogListener(t, network)
	s, err := sink.NewSyslog(network, l.Addr, sink.SyslogOptions{Now: fixedNow})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, func() []canarytest.Receipt {
		var out []canarytest.Receipt
		for _, m := range l.Messages() {
			out = append(out, receiptFromECS(t, []byte(m.Msg)))
		}
		return out
	}
}

// receiptFromECS reads back an ECS document as the conformance test sees it.
func receiptFromECS(t *testing.T, b []byte) canarytest.Receipt {
	t.Helper()
	var d struct {
		Event struct {
			ID uuid.UUID `json:"id"`
		} `json:"event"`
		Email struct {
			From struct {
				Address []string `json:"address"`
			} `json:"from"`
		} `json:"email"`
		Source struct {
			Address string `json:"address"`
		} `json:"source"`
		Honeyseed struct {
			Channel   canary.Channel `json:"channel"`
			Count     int            `json:"count"`
			Placement []string       `json:"placement"`
		} `json:"honeyseed"`
	}
	require.NoError(t, json.Unmarshal(b, &d), "an ECS document: %s", b)
	r := canarytest.Receipt{ID: d.Event.ID, Channel: d.Honeyseed.Channel, Count: d.Honeyseed.Count, Placements: d.Honeyseed.Placement, Sender: d.Source.Address}
	if len(d.Email.From.Address) > 0 {
		r.Sender = d.Email.From.Address[0]
	}
	return r
}

func receiptsFromLines(t *testing.T, b []byte) []canarytest.Receipt {
	t.Helper()
	var out []canarytest.Receipt
	for line := range bytes.Lines(b) {
		out = append(out, receiptFromECS(t, line))
	}
	return out
}

// receiptFromSlack reads back the fields of a Slack message.
func receiptFromSlack(t *testing.T, body []byte) canarytest.Receipt {
	t.Helper()
	var m struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Fields  []struct {
				Text string `json:"text"`
			} `json:"fields"`
		} `json:"blocks"`
	}
	require.NoError(t, json.Unmarshal(body, &m))
	var r canarytest.Receipt
	for _, b := range m.Blocks {
		if b.BlockID == "" {
			continue
		}
		r.ID = uuid.MustParse(b.BlockID)
		for _, f := range b.Fields {
			name, value, _ := strings.Cut(f.Text, "\n")
			switch name {
			case "*Placement*":
				r.Placements = strings.Split(value, ", ")
			case "*Channel*":
				require.NoError(t, r.Channel.UnmarshalText([]byte(value)))
			case "*Sender*":
				if value != "unknown" {
					r.Sender = strings.Trim(value, "`")
				}
			case "*Events*":
				n, _, _ := strings.Cut(value, ",")
				r.Count, _ = strconv.Atoi(n)
			}
		}
	}
	return r
}

// testSecret is the Standard Webhooks documentation's example secret.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var fixedTime = time.Date(2026, 11, 3, 14, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return fixedTime }

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// recorder is an HTTP server on 127.0.0.1 that keeps every request and
// answers with a fixed status and body.
type recorder struct {
	URL  string
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Header http.Header
	Body   []byte
	Path   string
}

func newRecorder(t *testing.T, status int, answer string) *recorder {
	return newRecorderWith(t, status, answer, nil)
}

// newRecorderWith also sets the non-empty headers of header on each answer.
func newRecorderWith(t *testing.T, status int, answer string, header map[string]string) *recorder {
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Header: r.Header.Clone(), Body: body.Bytes(), Path: r.URL.Path})
		rec.mu.Unlock()
		for k, v := range header {
			if v != "" {
				w.Header().Set(k, v)
			}
		}
		w.WriteHeader(status)
		w.Write([]byte(answer))
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (r *recorder) Requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// syslogListener receives syslog messages on 127.0.0.1 over UDP (a datagram
// each) or TCP (octet-counted frames, any number of connections).
type syslogListener struct {
	Addr  string
	mu    sync.Mutex
	msgs  []syslogMsg
	conns []net.Conn
}

func newSyslogListener(t *testing.T, network string) *syslogListener {
	t.Helper()
	l := &syslogListener{}
	keep := func(b []byte) {
		m, err := parseSyslog(b)
		assert.NoError(t, err, "an RFC 5424 message: %q", b)
		l.mu.Lock()
		l.msgs = append(l.msgs, m)
		l.mu.Unlock()
	}
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { pc.Close() })
		l.Addr = pc.LocalAddr().String()
		go func() {
			buf := make([]byte, 64<<10)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				keep(bytes.Clone(buf[:n]))
			}
		}()
		return l
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() {
		ln.Close()
		l.mu.Lock()
		for _, c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
	})
	l.Addr = ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			l.conns = append(l.conns, c)
			l.mu.Unlock()
			go func() {
				r := bufio.NewReader(c)
				for {
					frame, err := readFrame(r)
					if err != nil {
						return
					}
					keep(frame)
				}
			}()
		}
	}()
	return l
}

func (l *syslogListener) Messages() []syslogMsg {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]syslogMsg(nil), l.msgs...)
}

// DropConnections closes every accepted connection, as a restarting server would.
func (l *syslogListener) DropConnections() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}
