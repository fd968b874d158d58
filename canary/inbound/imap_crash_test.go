package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

func openTestStore(t testing.TB, dir string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{
		Path: filepath.Join(dir, "registry.db"), KeyFile: filepath.Join(dir, "registry.key"), RefreshInterval: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	return st
}

var _ IMAPCheckpoints = (*sqlstore.Store)(nil)

// TestIMAPCrash kills a watcher process (this test binary, run as a child)
// with SIGKILL while messages arrive, appends more while it is down, and
// starts it again, twice: on one SQLite file holding the registry, the
// outbox and the checkpoints, every message has its alert exactly once.
func TestIMAPCrash(t *testing.T) {
	d := testDovecot(t)
	dir := t.TempDir()
	store := openTestStore(t, dir)
	defer store.Close()
	seed, mb := d.newMailbox(t, false)
	require.NoError(t, store.Add(context.Background(), seed))
	cfg := d.config(t, mb, IMAPStartTLS)
	p := &pipeline{reg: store, outbox: store}

	c := d.client(t, mb.Address)
	var mu sync.Mutex
	var want []string
	var sent atomic.Int64
	// send appends n messages; it runs on the test's goroutine and beside it,
	// so it asserts rather than stops the test.
	send := func(n int) {
		for range n {
			mu.Lock()
			k := len(want)
			raw, id := scamMessage(seed.Email, k, fmt.Sprintf("crash%d@scam.example", k%4))
			want = append(want, id)
			mu.Unlock()
			_, err := tryAppend(c, "INBOX", raw, time.Time{})
			if !assert.NoError(t, err) {
				return
			}
			sent.Add(1)
		}
	}

	child := startIMAPChild(t, dir, cfg)
	for round := range 2 {
		// Kill it mid-stream: messages keep arriving before and after.
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					send(1)
					time.Sleep(2 * time.Millisecond)
				}
			}
		}()
		before := int(sent.Load())
		p.waitCounted(t, before+10)
		require.NoError(t, child.Process.Kill())
		child.Wait()
		close(stop)
		<-done
		send(5) // while it is down
		t.Logf("round %d: killed after %d messages had alerts; %d sent", round, countTotal(t, p), sent.Load())
		child = startIMAPChild(t, dir, cfg)
	}
	n := int(sent.Load())
	p.waitCounted(t, n)
	require.NoError(t, child.Process.Signal(os.Interrupt))
	child.Wait()
	mu.Lock()
	defer mu.Unlock()
	p.assertExactlyOnce(t, want)
	defaulted := cfg
	require.NoError(t, defaulted.setDefaults())
	v, uid, err := store.LoadIMAPCheckpoint(context.Background(), defaulted.key())
	require.NoError(t, err)
	assert.NotZero(t, v)
	assert.EqualValues(t, n, uid, "the checkpoint is at the last message")
}

func countTotal(t testing.TB, p *pipeline) int {
	_, total := p.counted(t)
	return total
}

const crashChildEnv = "HONEYSEED_IMAP_CRASH_CHILD"

// startIMAPChild runs TestIMAPCrashChild over dir, watching mb: the mailbox
// goes to the child as JSON, as a configuration file would give it.
func startIMAPChild(t *testing.T, dir string, mb IMAPMailbox) *exec.Cmd {
	t.Helper()
	js, err := json.Marshal(mb)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestIMAPCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "HONEYSEED_IMAP_CRASH_MAILBOX="+string(js))
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// TestIMAPCrashChild is the watcher process of TestIMAPCrash. It does nothing
// unless the parent starts it.
func TestIMAPCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("run by TestIMAPCrash")
	}
	var mb IMAPMailbox
	require.NoError(t, json.Unmarshal([]byte(os.Getenv("HONEYSEED_IMAP_CRASH_MAILBOX")), &mb))
	store := openTestStore(t, dir)
	defer store.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := newPipeline(t, store, store)
	w, err := NewIMAP(IMAPConfig{Mailboxes: []IMAPMailbox{mb}, Handler: p.w, Checkpoints: store, Logger: log,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	require.NoError(t, err)
	w.Start()
	defer w.Close()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}

// lossyCheckpoints loses the first save, as a crash between recording an
// alert and saving the checkpoint would.
type lossyCheckpoints struct {
	IMAPCheckpoints
	lost atomic.Bool
}

func (l *lossyCheckpoints) SaveIMAPCheckpoint(ctx context.Context, mailbox string, v, uid uint32) error {
	if !l.lost.Swap(true) {
		return errors.New("disk gone")
	}
	return l.IMAPCheckpoints.SaveIMAPCheckpoint(ctx, mailbox, v, uid)
}

// TestIMAPReadTwiceCountedOnce: a message whose alert was recorded but whose
// checkpoint was not is handed over again after the reconnect; the durable
// outbox merges the second reading into the same alert (same arrival time,
// same Message-ID), so it is counted once.
func TestIMAPReadTwiceCountedOnce(t *testing.T) {
	d := testDovecot(t)
	store := openTestStore(t, t.TempDir())
	defer store.Close()
	seed, mb := d.newMailbox(t, false)
	require.NoError(t, store.Add(context.Background(), seed))
	p := newPipeline(t, store, store)
	rec := &recorder{}
	cps := &lossyCheckpoints{IMAPCheckpoints: store}
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{d.config(t, mb, IMAPPlaintext)}, Handler: handlers{p.w, rec}, Checkpoints: cps, Logger: quietLog})
	raw, id := scamMessage(seed.Email, 1, "twice@scam.example")
	appendMessage(t, d.client(t, mb.Address), "INBOX", raw, time.Time{})
	waitStatus(t, w, 0, "checkpointed", func(s IMAPStatus) bool { return s.LastUID == 1 })
	evs := rec.all()
	require.Len(t, evs, 2, "handed over twice")
	assert.Equal(t, evs[0].ID, evs[1].ID)
	assert.True(t, evs[0].At.Equal(evs[1].At), "the arrival time is the server's, the same both times")
	p.assertExactlyOnce(t, []string{id})
}
