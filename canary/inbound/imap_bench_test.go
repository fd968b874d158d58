package inbound

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// timedHandler notes when each event's alert became durable.
type timedHandler struct {
	next canary.EventHandler
	mu   sync.Mutex
	at   map[string]time.Time
}

func (h *timedHandler) HandleEvent(ctx context.Context, ev canary.Event) error {
	if err := h.next.HandleEvent(ctx, ev); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.at[ev.ID]; !ok {
		h.at[ev.ID] = time.Now()
	}
	return nil
}

func (h *timedHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.at)
}

// TestIMAPThroughputReport measures, against the test Dovecot, messages per
// second from APPEND to a durable alert (SQLite outbox and checkpoints), and
// the latency from APPEND to alert with IDLE, beside two references taken in
// the same run: Dovecot's APPEND rate alone, and go-imap fetching the same
// messages with no parsing or alerting. It logs the figures and asserts only
// that every message became one alert: times are not asserted.
func TestIMAPThroughputReport(t *testing.T) {
	if raceEnabled {
		t.Skip("measures without the race detector; .ci/run runs it so")
	}
	d := testDovecot(t)
	const burst, paced = 300, 100
	store := openTestStore(t, t.TempDir())
	defer store.Close()
	seed, mb := d.newMailbox(t, false)
	require.NoError(t, store.Add(context.Background(), seed))
	p := newPipeline(t, store, store)
	h := &timedHandler{next: p.w, at: map[string]time.Time{}}
	c := d.client(t, mb.Address)

	// Reference 1: APPEND alone, to another folder nobody watches.
	require.NoError(t, c.Create("Reference", nil).Wait())
	start := time.Now()
	for k := range burst {
		raw, _ := scamMessage(seed.Email, 100000+k, "ref@scam.example")
		appendMessage(t, c, "Reference", raw, time.Time{})
	}
	appendRate := float64(burst) / time.Since(start).Seconds()

	// Reference 2: go-imap fetching those messages whole, one command each as
	// the watcher does, with no parsing or alerting.
	r := d.client(t, mb.Address)
	_, err := r.Select("Reference", nil).Wait()
	require.NoError(t, err)
	start = time.Now()
	for uid := range burst {
		_, err := r.Fetch(imap.UIDSetNum(imap.UID(uid+1)), &imap.FetchOptions{UID: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		require.NoError(t, err)
	}
	fetchRate := float64(burst) / time.Since(start).Seconds()

	// Reference 3: how soon Dovecot announces a message to a plain go-imap
	// client in IDLE (Dovecot batches change notifications).
	idleLat := idleReference(t, d, mb.Address, c, 20)

	// Backlog: messages waiting when the watcher starts, read as fast as it
	// can: APPEND is slower than the watcher, so a burst while it runs would
	// measure APPEND.
	appended := map[string]time.Time{}
	var want []string
	for k := range burst {
		raw, id := scamMessage(seed.Email, k, fmt.Sprintf("bench%d@scam.example", k%10))
		appendMessage(t, c, "INBOX", raw, time.Time{})
		want = append(want, id)
	}
	start = time.Now()
	w := startIMAP(t, IMAPConfig{Mailboxes: []IMAPMailbox{d.config(t, mb, IMAPPlaintext)}, Handler: h, Checkpoints: store})
	require.Eventually(t, func() bool { return h.count() == burst }, 120*time.Second, 5*time.Millisecond)
	burstRate := float64(burst) / time.Since(start).Seconds()
	waitStatus(t, w, 0, "idle", func(s IMAPStatus) bool { return s.Mode == "idle" })

	// Paced: one message every 20 ms, so each latency is IDLE's, not a queue's.
	for k := burst; k < burst+paced; k++ {
		raw, id := scamMessage(seed.Email, k, fmt.Sprintf("bench%d@scam.example", k%10))
		appended[id] = time.Now()
		appendMessage(t, c, "INBOX", raw, time.Time{})
		want = append(want, id)
		time.Sleep(20 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return h.count() == burst+paced }, 120*time.Second, 5*time.Millisecond)
	var lat []time.Duration
	h.mu.Lock()
	for _, id := range want[burst:] {
		lat = append(lat, h.at[id].Sub(appended[id]))
	}
	h.mu.Unlock()
	slices.Sort(lat)
	p.assertExactlyOnce(t, want)
	t.Logf("IMAP (Dovecot on loopback, SQLite durable outbox, race=%v; the machine is shared, figures are noisy):", raceEnabled)
	t.Logf("  reference: APPEND alone %.0f msgs/s; go-imap fetch alone %.0f msgs/s", appendRate, fetchRate)
	t.Logf("  reference: APPEND -> EXISTS seen by a bare go-imap client in IDLE, %d paced: p50 %v, max %v",
		len(idleLat), idleLat[len(idleLat)/2].Round(time.Microsecond), idleLat[len(idleLat)-1].Round(time.Microsecond))
	t.Logf("  watcher: backlog of %d read to durable alerts (login to last alert): %.0f msgs/s", burst, burstRate)
	t.Logf("  APPEND -> durable alert with IDLE, %d paced: p50 %v, p99 %v, max %v", paced,
		lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
}

// idleReference measures, n times, the delay from an APPEND returning to a
// bare go-imap client in IDLE on that folder hearing of the new message.
func idleReference(t *testing.T, d *dovecot, address string, c *imapclient.Client, n int) []time.Duration {
	t.Helper()
	require.NoError(t, c.Create("IdleReference", nil).Wait())
	exists := make(chan time.Time, n)
	r, err := imapclient.DialInsecure(fmt.Sprintf("127.0.0.1:%d", d.imapPort), &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: func(m *imapclient.UnilateralDataMailbox) {
			if m.NumMessages != nil {
				exists <- time.Now()
			}
		}},
	})
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.Login(address, d.users[address]).Wait())
	_, err = r.Select("IdleReference", nil).Wait()
	require.NoError(t, err)
	idle, err := r.Idle()
	require.NoError(t, err)
	var lat []time.Duration
	for k := range n {
		raw, _ := scamMessage("ref@mail.example", 200000+k, "ref@scam.example")
		appendMessage(t, c, "IdleReference", raw, time.Time{})
		done := time.Now()
		select {
		case at := <-exists:
			lat = append(lat, at.Sub(done))
		case <-time.After(10 * time.Second):
			t.Fatal("no EXISTS within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, idle.Close())
	slices.Sort(lat)
	return lat
}
