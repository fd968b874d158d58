package inbound_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/sink"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// The pipeline as deployed: SMTP receiver -> Watcher -> SQLite outbox -> sink.

const (
	stormSeeds   = 50
	stormClients = 20
)

func openStore(t testing.TB, dir string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{
		Path: filepath.Join(dir, "registry.db"), KeyFile: filepath.Join(dir, "registry.key"),
	})
	require.NoError(t, err)
	return st
}

func stormSeedList() []canary.Seed {
	out := make([]canary.Seed, stormSeeds)
	for i := range out {
		out[i] = canarytest.Seed(i, fmt.Sprintf("placement-%d", i%5))
	}
	return out
}

// countingSink dedupes by alert ID, as the Sink contract asks, and counts.
type countingSink struct {
	mu   sync.Mutex
	seen map[uuid.UUID]int
}

func (s *countingSink) Send(_ context.Context, a canary.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[uuid.UUID]int{}
	}
	s.seen[a.ID]++
	return nil
}

// TestDurableSMTPStorm: 10,000 messages from 20 clients, three in four to
// seeds, through a Watcher whose outbox is SQLite. Every message to a seed is
// counted in exactly one alert, grouped by seed and sender; none is lost.
func TestDurableSMTPStorm(t *testing.T) {
	messages := 10_000
	if testing.Short() || inbound.RaceEnabled {
		messages = 2_000 // the full storm runs without -race; see the figures in the log
	}
	dir := t.TempDir()
	store := openStore(t, dir)
	defer store.Close()
	ctx := context.Background()
	seeds := stormSeedList()
	require.NoError(t, store.Add(ctx, seeds...))
	m, err := canary.NewMatcher(store)
	require.NoError(t, err)
	snk := &countingSink{}
	w, err := watch.New(watch.Config{Matcher: m, Outbox: store, Sinks: map[string]canary.Sink{"count": snk},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	w.Start()
	defer w.Close()
	// A quarter of the storm goes to strangers: the probe brake is off.
	srv, err := inbound.NewSMTPServer(inbound.SMTPConfig{Addr: "127.0.0.1:0", Domain: "mx.mail.example", Registry: store, Handler: w,
		TarpitAfter: -1, MaxUnknownRecipients: -1, MaxUnknownPerIP: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	addr := serve(t, srv)

	start := time.Now()
	accepted := storm(t, addr, seeds, 0, messages)
	elapsed := time.Since(start)
	t.Logf("%d messages (%d accepted) in %v: %.0f msgs/s with durable alerts on SQLite", messages, accepted, elapsed, float64(messages)/elapsed.Seconds())

	total, alerts := 0, 0
	eventIDs := map[string]bool{}
	for a, err := range store.Alerts(ctx) {
		require.NoError(t, err)
		alerts++
		total += a.Count
		for _, id := range a.EventIDs {
			assert.False(t, eventIDs[id], "message %s counted in two alerts", id)
			eventIDs[id] = true
		}
	}
	assert.EqualValues(t, accepted, total, "every accepted message is counted, once")
	assert.Len(t, eventIDs, int(accepted), "and named by its Message-ID")
	assert.LessOrEqual(t, alerts, stormClients*stormSeeds, "grouped by seed and sender")
	require.Eventually(t, func() bool {
		snk.mu.Lock()
		defer snk.mu.Unlock()
		return len(snk.seen) == alerts
	}, 30*time.Second, 20*time.Millisecond, "every alert reaches the sink")
}

// storm sends messages [first, first+n) from stormClients SMTP clients, three
// in four to a seed and the rest refused at RCPT, and returns how many were
// accepted.
func storm(t testing.TB, addr string, seeds []canary.Seed, first, n int) int64 {
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for k := range stormClients {
		wg.Go(func() {
			c, err := smtp.Dial(addr)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			// assert, not require: FailNow must not run outside the test's goroutine.
			for i := first + k; i < first+n; i += stormClients {
				if !assert.NoError(t, c.Mail(fmt.Sprintf("storm%d@scam.example", k))) {
					return
				}
				if i%4 == 3 {
					assert.Error(t, c.Rcpt(fmt.Sprintf("stranger%d@mail.example", i)))
					if !assert.NoError(t, c.Reset()) {
						return
					}
					continue
				}
				if !assert.NoError(t, c.Rcpt(seeds[i%stormSeeds].Email)) {
					return
				}
				wc, err := c.Data()
				if !assert.NoError(t, err) {
					return
				}
				fmt.Fprintf(wc, "Message-ID: <%d@storm.example>\r\nSubject: refund %d\r\n\r\nCall now.\r\n", i, i)
				if assert.NoError(t, wc.Close()) {
					accepted.Add(1)
				}
			}
			assert.NoError(t, c.Quit())
		})
	}
	wg.Wait()
	return accepted.Load()
}

func serve(t testing.TB, srv *inbound.SMTPServer) string {
	t.Helper()
	go srv.ListenAndServe()
	t.Cleanup(func() { srv.Close() })
	require.Eventually(t, func() bool { return srv.Addr() != nil }, 5*time.Second, 5*time.Millisecond)
	return srv.Addr().String()
}

// TestCrashReceiverMidStorm kills a receiver process (this test binary, run
// as a child) in the middle of a storm and starts it again: every message the
// receiver acknowledged has its alert delivered exactly once to an idempotent
// sink (JSON lines, which remembers what it wrote), and the messages it did not
// acknowledge were refused or cut off, never acknowledged.
func TestCrashReceiverMidStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	dir := t.TempDir()
	store := openStore(t, dir)
	seeds := stormSeedList()
	require.NoError(t, store.Add(context.Background(), seeds...))
	require.NoError(t, store.Close())

	var acked sync.Map // Message-ID -> true
	child := startChild(t, dir)
	addr := child.addr
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for k := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// One sender per message: each acknowledged message is its own alert.
				id := fmt.Sprintf("<%d.%d@crash.example>", k, i)
				msg := fmt.Sprintf("Message-ID: %s\r\nSubject: x\r\n\r\nhello\r\n", id)
				err := smtp.SendMail(addr, nil, fmt.Sprintf("s%d.%d@scam.example", k, i), []string{seeds[(k+i)%stormSeeds].Email}, []byte(msg))
				sent.Add(1)
				if err == nil {
					acked.Store(id, true)
				}
			}
		})
	}
	// Let the storm run, then kill the receiver without warning.
	require.Eventually(t, func() bool { return sent.Load() > 200 }, 60*time.Second, 10*time.Millisecond)
	require.NoError(t, child.cmd.Process.Kill())
	child.cmd.Wait()
	time.Sleep(100 * time.Millisecond) // clients now fail: nothing is acknowledged
	close(stop)
	wg.Wait()

	// Restart it; it delivers what the first process recorded but did not deliver.
	again := startChild(t, dir)
	n := 0
	acked.Range(func(_, _ any) bool { n++; return true })
	require.Positive(t, n)
	lines := func() map[string]int {
		delivered := map[string]int{}
		f, err := os.Open(filepath.Join(dir, "alerts.jsonl"))
		if err != nil {
			return delivered
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var doc struct {
				Honeyseed struct {
					EventIDs []string `json:"event_ids"`
				} `json:"honeyseed"`
			}
			if json.Unmarshal(sc.Bytes(), &doc) != nil {
				continue // a line cut short by the kill
			}
			for _, id := range doc.Honeyseed.EventIDs {
				delivered[id]++
			}
		}
		return delivered
	}
	require.Eventually(t, func() bool {
		d := lines()
		ok := true
		acked.Range(func(k, _ any) bool { ok = d[k.(string)] >= 1; return ok })
		return ok
	}, 60*time.Second, 50*time.Millisecond, "every acknowledged message's alert is delivered after the restart")
	require.NoError(t, again.cmd.Process.Signal(os.Interrupt))
	again.cmd.Wait()
	for id, c := range lines() {
		assert.Equal(t, 1, c, "alert for %s delivered exactly once", id)
	}
	t.Logf("%d messages sent, %d acknowledged before the kill; all delivered once", sent.Load(), n)
}

type childProc struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(t *testing.T, dir string) childProc {
	t.Helper()
	addrFile := filepath.Join(dir, "addr")
	os.Remove(addrFile)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "HONEYSEED_CRASH_CHILD="+dir)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var addr string
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(addrFile)
		addr = strings.TrimSpace(string(b))
		return err == nil && strings.HasSuffix(string(b), "\n")
	}, 30*time.Second, 10*time.Millisecond)
	return childProc{cmd, addr}
}

// TestCrashChild is the receiver process of TestCrashReceiverMidStorm. It does
// nothing unless the parent starts it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("HONEYSEED_CRASH_CHILD")
	if dir == "" {
		t.Skip("run by TestCrashReceiverMidStorm")
	}
	store := openStore(t, dir)
	defer store.Close()
	jl, err := sink.OpenJSONLines(filepath.Join(dir, "alerts.jsonl"), sink.JSONLinesOptions{})
	require.NoError(t, err)
	defer jl.Close()
	m, err := canary.NewMatcher(store)
	require.NoError(t, err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := watch.New(watch.Config{Matcher: m, Outbox: store, Sinks: map[string]canary.Sink{"jsonl": jl},
		PollInterval: 20 * time.Millisecond, Logger: quiet})
	require.NoError(t, err)
	w.Start()
	defer w.Close()
	srv, err := inbound.NewSMTPServer(inbound.SMTPConfig{Addr: "127.0.0.1:0", Domain: "mx.mail.example", Registry: store, Handler: w, Logger: quiet})
	require.NoError(t, err)
	go srv.ListenAndServe()
	defer srv.Close()
	require.Eventually(t, func() bool { return srv.Addr() != nil }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "addr"), []byte(srv.Addr().String()+"\n"), 0o600))
	stop := make(chan os.Signal, 1)
	signalNotify(stop)
	<-stop
}
