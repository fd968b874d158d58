package inbound

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeIMAP is a minimal IMAP server that misbehaves on purpose: enough of
// the protocol to log in, select and list one message, then whatever the
// test's body answer does.
type fakeIMAP struct {
	l     net.Listener
	conns atomic.Int64
	wg    sync.WaitGroup
	// greeting replaces the server's first line when set.
	greeting string
	// silent never answers LOGIN.
	silent bool
	// body answers the fetch of the message's body; tag is the command's.
	// It returns true to hang up.
	body func(w io.Writer, tag string) (hangUp bool)
}

const fakeMessage = "From: <agent@scam.example>\r\nTo: <ann.lee1@mail.example>\r\nSubject: refund\r\nMessage-ID: <fake@scam.example>\r\n\r\nCall now.\r\n"

func startFakeIMAP(t *testing.T, f *fakeIMAP) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.l = l
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.conns.Add(1)
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); f.wg.Wait() })
	return l.Addr().String()
}

func (f *fakeIMAP) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(20 * time.Second))
	w := bufio.NewWriter(c)
	greeting := f.greeting
	if greeting == "" {
		greeting = "* OK [CAPABILITY IMAP4rev1] fake ready"
	}
	fmt.Fprintf(w, "%s\r\n", greeting)
	w.Flush()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		cmd := strings.ToUpper(rest)
		switch {
		case strings.HasPrefix(cmd, "CAPABILITY"):
			fmt.Fprintf(w, "* CAPABILITY IMAP4rev1\r\n%s OK done\r\n", tag)
		case strings.HasPrefix(cmd, "LOGIN"):
			if f.silent {
				io.Copy(io.Discard, r) // hold the connection, say nothing
				return
			}
			fmt.Fprintf(w, "%s OK logged in\r\n", tag)
		case strings.HasPrefix(cmd, "SELECT"):
			fmt.Fprintf(w, "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n%s OK [READ-WRITE] done\r\n", tag)
		case strings.HasPrefix(cmd, "UID FETCH") && strings.Contains(cmd, "BODY"):
			if f.body(w, tag) {
				w.Flush()
				return
			}
		case strings.HasPrefix(cmd, "UID FETCH"):
			fmt.Fprintf(w, "* 1 FETCH (UID 1 RFC822.SIZE %d)\r\n%s OK done\r\n", len(fakeMessage), tag)
		case strings.HasPrefix(cmd, "LOGOUT"):
			fmt.Fprintf(w, "* BYE\r\n%s OK bye\r\n", tag)
			w.Flush()
			return
		default:
			fmt.Fprintf(w, "%s OK\r\n", tag)
		}
		if w.Flush() != nil {
			return
		}
	}
}

// fakeMailbox is the watcher's view of the fake server.
func fakeMailbox(t *testing.T, addr string) IMAPMailbox {
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	t.Setenv("HONEYSEED_TEST_FAKE_IMAP", "secret")
	var p int
	fmt.Sscan(port, &p)
	return IMAPMailbox{Address: "ann.lee1@mail.example", Host: host, Port: p, TLS: IMAPPlaintext, AllowPlaintext: true,
		Credential: CredentialRef{Env: "HONEYSEED_TEST_FAKE_IMAP"}}
}

// TestIMAPBadServer: a server that drops the connection mid-FETCH, answers
// garbage or never answers gets a clear error in the status and the log, a
// reconnect, and no event; nothing panics and Close returns.
func TestIMAPBadServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *fakeIMAP
		want string // in the status's LastError
	}{
		{"drops the connection mid-literal", &fakeIMAP{body: func(w io.Writer, tag string) bool {
			fmt.Fprintf(w, "* 1 FETCH (UID 1 INTERNALDATE \"01-Dec-2026 10:00:00 +0000\" BODY[]<0> {%d}\r\n%s", len(fakeMessage), fakeMessage[:20])
			return true
		}}, "fetch uid 1"},
		{"answers the fetch with garbage", &fakeIMAP{body: func(w io.Writer, tag string) bool {
			fmt.Fprintf(w, "* 1 FETCH (UID 1 \x00\xff\xfe)))((( {nonsense\r\n%s OK\r\n", tag)
			return false
		}}, "fetch uid 1"},
		{"answers the fetch without the body", &fakeIMAP{body: func(w io.Writer, tag string) bool {
			fmt.Fprintf(w, "* 1 FETCH (UID 1 INTERNALDATE \"01-Dec-2026 10:00:00 +0000\")\r\n%s OK done\r\n", tag)
			return false
		}}, "no body"},
		{"answers with a tagged NO", &fakeIMAP{body: func(w io.Writer, tag string) bool {
			fmt.Fprintf(w, "%s NO [SERVERBUG] cannot\r\n", tag)
			return false
		}}, "cannot"},
		{"greets with garbage", &fakeIMAP{greeting: "\x16\x03\x01 this is not IMAP"}, "inbound: imap"},
		{"never answers the login", &fakeIMAP{silent: true}, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startFakeIMAP(t, tc.f)
			rec := &recorder{}
			var logged strings.Builder
			var mu sync.Mutex
			w := startIMAP(t, IMAPConfig{
				Mailboxes: []IMAPMailbox{fakeMailbox(t, addr)}, Handler: rec,
				CommandTimeout: 300 * time.Millisecond, PollInterval: 20 * time.Millisecond,
				Logger: slogTo(lockedWriter{&mu, &logged}),
			})
			st := waitStatus(t, w, 0, "error reported", func(s IMAPStatus) bool { return s.LastError != "" })
			t.Logf("status: %s", st.LastError)
			assert.Contains(t, st.LastError, tc.want)
			assert.False(t, st.LastErrorAt.IsZero())
			require.Eventually(t, func() bool { return tc.f.conns.Load() >= 2 }, 10*time.Second, 5*time.Millisecond, "it reconnects")
			require.NoError(t, w.Close())
			assert.Empty(t, rec.all(), "no event from a message not read whole")
			mu.Lock()
			assert.Contains(t, logged.String(), "reconnecting")
			assert.NotContains(t, logged.String(), "secret", "the credential is never logged")
			mu.Unlock()
		})
	}
}

// TestIMAPLiteralLargerThanAnnounced: a server that announces a small message
// and sends a huge literal costs bounded memory: the event keeps the first
// MaxMessageBytes, with a note.
func TestIMAPLiteralLargerThanAnnounced(t *testing.T) {
	const huge = 8 << 20
	f := &fakeIMAP{body: func(w io.Writer, tag string) bool {
		fmt.Fprintf(w, "* 1 FETCH (UID 1 INTERNALDATE \"01-Dec-2026 10:00:00 +0000\" BODY[]<0> {%d}\r\n%s", huge, fakeMessage)
		io.Copy(w, io.LimitReader(repeatReader('x'), huge-int64(len(fakeMessage))))
		fmt.Fprintf(w, ")\r\n%s OK done\r\n", tag)
		return false
	}}
	addr := startFakeIMAP(t, f)
	rec := &recorder{}
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{fakeMailbox(t, addr)}, Handler: rec, MaxMessageBytes: 64 << 10, PollInterval: time.Hour})
	waitStatus(t, w, 0, "read", func(s IMAPStatus) bool { return s.Messages == 1 })
	ev := rec.only(t)
	assert.True(t, hasNote(ev, "larger than"), "notes: %v", ev.Header[NoteHeader])
	assertBounded(t, ev, 64<<10, defaultMaxHeaderBytes, defaultMaxHeaderFields)
	assert.Equal(t, "<fake@scam.example>", ev.ID)
	assert.Equal(t, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), ev.At.UTC(), "the server's arrival time")
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
