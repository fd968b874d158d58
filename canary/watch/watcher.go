package watch

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Config configures a Watcher. Matcher is required; every other field has a
// documented default.
type Config struct {
	// Matcher finds the seeds an event touches. Required.
	Matcher *canary.Matcher

	// Outbox keeps alerts until every sink has them. Default: a MemoryOutbox,
	// which loses undelivered alerts on a crash; use sqlstore for durability.
	Outbox Outbox

	// Sinks receive alerts, by name. The names identify deliveries in the
	// outbox, so keep them stable across restarts.
	Sinks map[string]canary.Sink

	// OwnDomains and OwnNumbers are the operator's own senders (tests, the
	// operator's own campaigns). An event raises a suppressed alert, recorded
	// but not paged, only when its receiver authenticated the sender as one
	// of them (canary.Event.Auth: a DKIM signature aligned with From, a
	// trusted Authentication-Results, an authenticated channel); a subdomain
	// of an own domain counts as own. A sender that only claims an own
	// address or number is alerted on like any other: scammers forge them.
	// Numbers may be national, read in the Matcher's regions
	// (canary.WithRegions).
	OwnDomains []string
	OwnNumbers []string
	// SuppressedSinks names the sinks, among Sinks, that receive suppressed
	// alerts too, marked Suppressed with SuppressedBy (an audit log, say).
	// The others never see them. Default: none.
	SuppressedSinks []string

	// GroupWindow joins repeats of one seed set, channel and sender into one
	// alert with a count. Windows are fixed: [t.Truncate(GroupWindow), +GroupWindow).
	// Default one hour.
	GroupWindow time.Duration

	// Updates says when a grouped repeat is sent to the sinks again, as an
	// update of the same alert. Default: at the 10th, 100th, 1000th… event
	// and at least hourly while repeats keep coming (see Updates).
	Updates Updates

	// MinBackoff and MaxBackoff bound the retry delay of a failing sink, which
	// doubles from MinBackoff. Defaults 1s and 5m. A sink failing FailingAfter
	// times in a row (default 5) is reported in Health and logged at error
	// level on every further failure; it keeps being retried.
	MinBackoff, MaxBackoff time.Duration
	FailingAfter           int

	// SendTimeout bounds one Send. Default 10s.
	SendTimeout time.Duration

	// PollInterval is how often the dispatcher looks for due deliveries when
	// nothing wakes it. Default 1s.
	PollInterval time.Duration

	// Logger receives the Watcher's own diagnostics. Default slog.Default().
	Logger *slog.Logger

	// Now is the clock. Default time.Now.
	Now func() time.Time

	// Attribution tunes the attribution attached to each alert.
	Attribution canary.AttributeOptions
}

// Watcher is the pipeline: Event -> Match -> Alert -> Outbox -> Sinks.
//
// HandleEvent records an alert durably before returning, so a receiver may
// acknowledge the message once it returns nil. A dispatcher goroutine, started
// by Start, delivers recorded alerts to every sink with retries; after a crash,
// undelivered alerts in a durable outbox are sent when a Watcher starts again.
// A Watcher is safe for concurrent use. Close stops the dispatcher.
type Watcher struct {
	cfg       Config
	regions   []string // the Matcher's, default first: how national numbers are read
	sinkNames []string
	// suppressedSinks receive suppressed alerts (Config.SuppressedSinks).
	suppressedSinks []string
	ownDomains      map[string]bool
	ownNumbers      map[string]bool

	wake      chan struct{}
	startOnce sync.Once
	running   bool // set inside startOnce
	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}

	mu     sync.Mutex
	health map[string]*SinkHealth

	// trailing holds the alerts whose latest fold here reached no sink,
	// until they are quiet for Updates.Quiet (see Updates).
	trailMu  sync.Mutex
	trailing map[uuid.UUID]heldFold
}

// heldFold is an alert whose count the sinks lack.
type heldFold struct {
	revision int       // the alert's Revision after the fold
	at       time.Time // when it was folded, by Config.Now
	sinks    []string
}

// SinkHealth is what the dispatcher knows of one sink.
type SinkHealth struct {
	Sink        string
	Delivered   int       // alerts delivered since start
	Failures    int       // failed attempts in a row
	LastError   string    // why the last attempt failed
	LastSuccess time.Time // zero: none since start
	Failing     bool      // Failures reached FailingAfter
}

var _ canary.EventHandler = (*Watcher)(nil)

// New checks cfg and returns a Watcher. Call Start to deliver alerts.
func New(cfg Config) (*Watcher, error) {
	if cfg.Matcher == nil {
		return nil, fmt.Errorf("%w: watch.Config.Matcher is required", canary.ErrInvalidConfig)
	}
	if cfg.Outbox == nil {
		cfg.Outbox = NewMemoryOutbox()
	}
	if cfg.GroupWindow <= 0 {
		cfg.GroupWindow = time.Hour
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return nil, fmt.Errorf("%w: watch.Config.MaxBackoff %v is below MinBackoff %v", canary.ErrInvalidConfig, cfg.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.FailingAfter <= 0 {
		cfg.FailingAfter = 5
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 10 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Watcher{
		cfg:        cfg,
		regions:    cfg.Matcher.Regions(),
		ownDomains: map[string]bool{},
		ownNumbers: map[string]bool{},
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		health:     map[string]*SinkHealth{},
		trailing:   map[uuid.UUID]heldFold{},
	}
	for name, s := range cfg.Sinks {
		if name == "" || s == nil {
			return nil, fmt.Errorf("%w: watch.Config.Sinks: empty name or nil sink", canary.ErrInvalidConfig)
		}
		w.sinkNames = append(w.sinkNames, name)
		w.health[name] = &SinkHealth{Sink: name}
	}
	sort.Strings(w.sinkNames)
	for i, name := range cfg.SuppressedSinks {
		if cfg.Sinks[name] == nil {
			return nil, fmt.Errorf("%w: watch.Config.SuppressedSinks[%d] %q is not among Sinks", canary.ErrInvalidConfig, i, name)
		}
		if !slices.Contains(w.suppressedSinks, name) {
			w.suppressedSinks = append(w.suppressedSinks, name)
		}
	}
	sort.Strings(w.suppressedSinks)
	for i, d := range cfg.OwnDomains {
		nd, reason := norm.AppendDomain(nil, strings.TrimSpace(d))
		if reason != "" {
			return nil, fmt.Errorf("%w: watch.Config.OwnDomains[%d] %q: %s", canary.ErrInvalidConfig, i, d, reason)
		}
		w.ownDomains[string(nd)] = true
	}
	for i, n := range cfg.OwnNumbers {
		e, err := w.phone(n)
		if err != nil {
			return nil, fmt.Errorf("%w: watch.Config.OwnNumbers[%d]: %w", canary.ErrInvalidConfig, i, err)
		}
		w.ownNumbers[e] = true
	}
	return w, nil
}

// HandleEvent matches ev and, if it touches seeds, records an alert in the
// outbox before returning. It returns nil for an event that touches no seed.
// An error means nothing was recorded: the receiver should refuse the message
// temporarily so that the sender retries.
func (w *Watcher) HandleEvent(ctx context.Context, ev canary.Event) error {
	if ev.At.IsZero() {
		ev.At = w.cfg.Now()
	}
	// The hits are the Matcher's, lent until raise returns: the alert is
	// built on them and recorded, and the Outbox copies what it stores.
	return w.cfg.Matcher.MatchFunc(ctx, ev, func(hits []canary.Hit) error {
		return w.raise(ctx, &ev, hits)
	})
}

// raise records the alert for the hits of ev.
func (w *Watcher) raise(ctx context.Context, ev *canary.Event, hits []canary.Hit) error {
	b := scratchPool.Get().(*alertScratch)
	defer b.release()
	a := w.alertFor(b, ev, hits)
	sinks := w.sinkNames
	if a.Suppressed {
		sinks = w.suppressedSinks
	}
	r, err := w.cfg.Updates.record(ctx, w.cfg.Outbox, a, sinks)
	if err != nil {
		return fmt.Errorf("watch: recording alert: %w", err)
	}
	// Most hits are new alerts, neither held nor updated: they leave the
	// trailing map alone and need not take its lock.
	if hold := r.held && w.cfg.Updates.trails(); hold || r.updated {
		w.trailMu.Lock()
		if hold {
			w.trailing[a.ID] = heldFold{revision: r.revision, at: w.cfg.Now(), sinks: sinks}
		} else {
			delete(w.trailing, a.ID)
		}
		w.trailMu.Unlock()
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// alertScratch is the memory an alert is built in, reused from one event
// to the next: an Outbox copies what it stores (see Outbox.Record), so the
// alert's slices are free again once it is recorded.
type alertScratch struct {
	seeds    []canary.Seed
	retired  []uuid.UUID
	eventIDs []string
	evidence []string
	text     []byte // the excerpts, before they become one string
	sender   []byte // the sender's key
	name     []byte // what the alert ID hashes
	attr     canary.Attributor
	strings  textArena // the alert's text: excerpts and reasons
}

var scratchPool = sync.Pool{New: func() any {
	b := new(alertScratch)
	b.attr.Strings = b.strings.string
	return b
}}

// maxPooledSeeds bounds the seeds an alertScratch keeps room for.
const maxPooledSeeds = 64

func (b *alertScratch) release() {
	// Seeds and excerpts may hold the event's and the registry's text.
	clear(b.seeds)
	clear(b.evidence)
	clear(b.eventIDs)
	b.seeds, b.retired, b.eventIDs, b.evidence = b.seeds[:0], b.retired[:0], b.eventIDs[:0], b.evidence[:0]
	if cap(b.seeds) > maxPooledSeeds {
		b.seeds, b.retired = nil, nil // a message touching many seeds pins no large buffer
	}
	scratchPool.Put(b)
}

// alertFor builds the alert for ev in b, with an ID that repeats within a
// group window so that repeats, across processes too, merge into one alert.
func (w *Watcher) alertFor(b *alertScratch, ev *canary.Event, hits []canary.Hit) canary.Alert {
	var seeds []canary.Seed
	if len(hits) == 1 && distinct(hits[0].Candidates) {
		// A shared number's candidates are the alert's seeds: lent with
		// the hits, and copied, like them, by the Outbox.
		seeds = hits[0].Candidates
	} else {
		// An event touches one seed or a handful: a slice beats a map.
		// Read in place by index: a Seed is a few hundred bytes, copied
		// only into the alert.
		seeds = b.seeds[:0]
		for i := range hits {
			h := &hits[i]
			if len(h.Candidates) == 0 {
				seeds = appendSeed(seeds, &h.Seed)
			}
			for j := range h.Candidates {
				seeds = appendSeed(seeds, &h.Candidates[j])
			}
		}
		b.seeds = seeds
	}
	b.sender = w.appendSenderKey(b.sender[:0], ev.From)
	var id uuid.UUID
	id, b.name = alertID(b.name[:0], seeds, ev.Channel, b.sender, ev.At.UTC().Truncate(w.cfg.GroupWindow).Unix())
	a := canary.Alert{
		ID:          id,
		Channel:     ev.Channel,
		Source:      ev.Source,
		Sender:      ev.From,
		Subject:     clipUTF8(ev.Subject, 200),
		Remote:      ev.Remote,
		Seeds:       seeds,
		Hits:        hits[:min(len(hits), MaxAlertHits)],
		FirstSeen:   ev.At,
		LastSeen:    ev.At,
		Count:       1,
		Evidence:    b.excerpts(ev, hits),
		Attribution: b.attr.Attribute(seeds, ev.At, w.cfg.Attribution),
	}
	if ev.ID != "" {
		b.eventIDs = append(b.eventIDs[:0], ev.ID)
		a.EventIDs = b.eventIDs
	}
	a.Suppressed, a.SuppressedBy = w.ownTraffic(ev)
	b.retired = retiredBy(b.retired[:0], seeds, ev.At)
	if len(b.retired) > 0 {
		a.RetiredSeeds = b.retired
	}
	return a
}

// appendSeed appends s to seeds unless a seed with its ID is there.
func appendSeed(seeds []canary.Seed, s *canary.Seed) []canary.Seed {
	for i := range seeds {
		if seeds[i].ID == s.ID {
			return seeds
		}
	}
	return append(seeds, *s)
}

// distinct reports whether seeds holds from two to 16 seeds, no ID twice:
// more are left to appendSeed, which also copies them.
func distinct(seeds []canary.Seed) bool {
	if len(seeds) < 2 || len(seeds) > 16 {
		return false
	}
	for i := range seeds {
		for j := range i {
			if seeds[j].ID == seeds[i].ID {
				return false
			}
		}
	}
	return true
}

// retiredBy appends to dst the seeds that had been retired at t.
func retiredBy(dst []uuid.UUID, seeds []canary.Seed, t time.Time) []uuid.UUID {
	for i := range seeds {
		if seeds[i].RetiredBy(t) {
			dst = append(dst, seeds[i].ID)
		}
	}
	return dst
}

// alertNamespace scopes alert IDs (UUID v5) to honeyseed.
var alertNamespace = uuid.MustParse("2b0f5c1e-8a7d-5e4b-9c3a-6f1d2e7a9b40")

// alertID is the UUID v5, in alertNamespace, of the seeds' IDs in order
// joined by commas, the channel, the sender and the group window, joined by
// "|". It must never change: IDs made by older versions, and by other
// processes, merge with it. Built in buf, which it returns for reuse, as
// uuid.NewSHA1 would build it with a string per ID and a hasher per call.
func alertID(buf []byte, seeds []canary.Seed, ch canary.Channel, sender []byte, window int64) (uuid.UUID, []byte) {
	ids := make([]uuid.UUID, 0, 4)
	for i := range seeds {
		ids = append(ids, seeds[i].ID)
	}
	// The canonical strings sort as the bytes do: fixed-width lowercase hex.
	// Most alerts have a seed or a few: an insertion sort, two words an ID.
	if len(ids) > 16 {
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	} else {
		for i := 1; i < len(ids); i++ {
			for j := i; j > 0 && uuidLess(&ids[j], &ids[j-1]); j-- {
				ids[j], ids[j-1] = ids[j-1], ids[j]
			}
		}
	}
	buf = append(buf, alertNamespace[:]...)
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendUUID(buf, id)
	}
	buf = append(buf, '|')
	buf = append(buf, ch.String()...)
	buf = append(buf, '|')
	buf = append(buf, sender...)
	buf = append(buf, '|')
	buf = strconv.AppendInt(buf, window, 10)
	sum := sha1.Sum(buf)
	var u uuid.UUID
	copy(u[:], sum[:])
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u, buf
}

// uuidLess orders UUIDs as bytes.Compare orders their bytes.
func uuidLess(a, b *uuid.UUID) bool {
	be := binary.BigEndian
	if x, y := be.Uint64(a[:8]), be.Uint64(b[:8]); x != y {
		return x < y
	}
	return be.Uint64(a[8:]) < be.Uint64(b[8:])
}

// appendUUID appends id's canonical string, as id.String() gives it,
// written in place: the 36 bytes are made room for once, and each four
// bytes of id become eight hex digits at once (hex8), with no table.
func appendUUID(dst []byte, id uuid.UUID) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 36)[:n+36]
	b := (*[36]byte)(dst[n:])
	be := binary.BigEndian
	be.PutUint64(b[0:8], hex8(be.Uint32(id[0:4])))
	h := hex8(be.Uint32(id[4:8]))
	be.PutUint32(b[9:13], uint32(h>>32))
	be.PutUint32(b[14:18], uint32(h))
	h = hex8(be.Uint32(id[8:12]))
	be.PutUint32(b[19:23], uint32(h>>32))
	be.PutUint32(b[24:28], uint32(h))
	be.PutUint64(b[28:36], hex8(be.Uint32(id[12:16])))
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return dst
}

// hex8 is the lowercase hex of x, most significant digit in the top byte.
func hex8(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff // a byte in each 16-bit lane
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	d := (v>>4)&0x000f000f000f000f<<8 | v&0x000f000f000f000f // a nibble a byte, high first
	// '0'+d, and 'a'-'0'-10 more where d > 9: d+6 carries into bit 4 there.
	letter := (d + 0x0606060606060606) >> 4 & 0x0101010101010101
	return d + 0x3030303030303030 + letter*('a'-'0'-10)
}

// appendSenderKey appends the sender from in a form that ignores formatting.
func (w *Watcher) appendSenderKey(dst []byte, from string) []byte {
	// No address lacks an '@': a number is not first refused, at the cost
	// of an error, as an address.
	if strings.Contains(from, "@") {
		if e, reason := norm.AppendEmail(dst, from); reason == "" {
			return e // NormalizeEmail's form
		}
	}
	if p, err := w.phone(from); err == nil {
		return append(dst, p...)
	}
	return append(dst, strings.ToLower(strings.TrimSpace(from))...)
}

// phone reads a number in international form or national in one of the
// Matcher's regions, the default first.
func (w *Watcher) phone(s string) (string, error) {
	var first error
	for _, r := range w.regions {
		p, err := canary.NormalizePhone(s, r)
		if err == nil {
			return p, nil
		}
		first = cmp.Or(first, err)
	}
	if first == nil {
		return canary.NormalizePhone(s, "")
	}
	return "", first
}

// ownTraffic reports whether ev comes from the operator's own senders, as
// its receiver authenticated them (Event.Auth), and which rule says so. The
// addresses and numbers ev merely claims play no part.
func (w *Watcher) ownTraffic(ev *canary.Event) (bool, string) {
	for _, id := range ev.Auth {
		if id.Domain != "" {
			nd, reason := norm.AppendDomain(nil, strings.TrimSpace(id.Domain))
			if reason != "" {
				continue
			}
			domain := string(nd)
			for d := range w.ownDomains {
				if domain == d || strings.HasSuffix(domain, "."+d) {
					return true, "authenticated own domain " + domain + " (" + id.Method + ")"
				}
			}
		}
		if id.Number != "" {
			if n, err := w.phone(id.Number); err == nil && w.ownNumbers[n] {
				return true, "authenticated own number " + n + " (" + id.Method + ")"
			}
		}
	}
	return false, ""
}

// clipUTF8 cuts s to at most n bytes on a rune boundary.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// excerptRadius bounds the text kept around a hit: enough to read, never the message.
const excerptRadius = 60

// excerpts returns the evidence of the hits, in b: their text is written
// into one buffer and becomes one string, which each excerpt slices.
func (b *alertScratch) excerpts(ev *canary.Event, hits []canary.Hit) []string {
	hits = hits[:min(len(hits), MaxAlertEvidence)]
	var ends [MaxAlertEvidence]int
	b.text = b.text[:0]
	for i, h := range hits {
		text := ""
		switch h.Part {
		case "subject":
			text = ev.Subject
		case "body":
			text = ev.Body
		}
		b.text = append(b.text, h.Evidence...)
		pos := int(h.Offset)
		if text == "" || h.Offset < 0 || h.Offset > int64(len(text)) {
			b.text = append(append(b.text, ": "...), norm.Clip(h.Value)...)
			ends[i] = len(b.text)
			continue
		}
		lo, hi := max(0, pos-excerptRadius), min(len(text), pos+len(h.Value)+excerptRadius)
		for lo > 0 && !utf8.RuneStart(text[lo]) {
			lo++
		}
		for hi < len(text) && !utf8.RuneStart(text[hi]) {
			hi--
		}
		b.text = append(b.text, ": …"...)
		if part := text[lo:hi]; utf8.ValidString(part) {
			b.text = append(b.text, part...)
		} else {
			b.text = append(b.text, strings.ToValidUTF8(part, "")...)
		}
		b.text = append(b.text, "…"...)
		ends[i] = len(b.text)
	}
	all := b.strings.string(b.text)
	out, start := b.evidence[:0], 0
	for _, end := range ends[:len(hits)] {
		out = append(out, all[start:end])
		start = end
	}
	b.evidence = out
	return out
}

// Start runs the dispatcher until Close. Calling it again does nothing.
func (w *Watcher) Start() {
	w.startOnce.Do(func() {
		w.running = true
		go w.dispatch()
	})
}

// Close stops the dispatcher and waits for it. Pending deliveries stay in the
// outbox for the next start, and so do the trailing updates not yet due
// (see Updates), enqueued now. It is safe to call more than once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.stop)
		w.startOnce.Do(func() {}) // a Start after Close does nothing
		if w.running {
			<-w.done
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.SendTimeout)
		defer cancel()
		w.trailQuiet(ctx, true)
	})
	return nil
}

// trailQuiet enqueues the trailing update of every held alert quiet for
// Updates.Quiet, or of every held alert when all is set, and reports how
// many it enqueued. One that fails to enqueue is held for the next try.
func (w *Watcher) trailQuiet(ctx context.Context, all bool) int {
	if !w.cfg.Updates.trails() {
		return 0
	}
	quiet := w.cfg.Updates.withDefaults().Quiet
	now := w.cfg.Now()
	due := map[uuid.UUID]heldFold{}
	w.trailMu.Lock()
	for id, h := range w.trailing {
		if all || now.Sub(h.at) >= quiet {
			due[id] = h
			delete(w.trailing, id)
		}
	}
	w.trailMu.Unlock()
	sent := 0
	for id, h := range due {
		ok, err := trail(ctx, w.cfg.Outbox, id, h.revision, h.sinks)
		if err != nil {
			w.cfg.Logger.Error("watch: enqueueing trailing update", "alert", id, "err", err)
			w.trailMu.Lock()
			if _, newer := w.trailing[id]; !newer {
				w.trailing[id] = h
			}
			w.trailMu.Unlock()
			continue
		}
		if ok {
			sent++
		}
	}
	return sent
}

func (w *Watcher) dispatch() {
	defer close(w.done)
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-w.stop
		cancel()
	}()
	for {
		w.Flush(ctx)
		select {
		case <-w.stop:
			return
		case <-w.wake:
			// Let a burst of alerts land before reading the outbox again: one
			// read then serves many, and a storm does not cost a read per event.
			select {
			case <-w.stop:
				return
			case <-time.After(dispatchBatch):
			}
		case <-t.C:
		}
	}
}

// dispatchBatch is how long the dispatcher waits after a new alert for others
// to join it: a small delay to an alert, a large saving in a storm.
const dispatchBatch = 25 * time.Millisecond

// Flush enqueues the trailing updates that are due (see Updates), delivers
// every delivery that is due now and returns how many succeeded. The
// dispatcher calls it; tests and one-shot tools may too.
func (w *Watcher) Flush(ctx context.Context) int {
	w.trailQuiet(ctx, false)
	delivered := 0
	for ctx.Err() == nil {
		due, err := w.cfg.Outbox.Due(ctx, w.cfg.Now(), 64)
		if err != nil {
			w.cfg.Logger.Error("watch: reading due deliveries", "err", err)
			return delivered
		}
		if len(due) == 0 {
			return delivered
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		progress := false
		for _, d := range due {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if w.deliver(ctx, d) {
					mu.Lock()
					delivered++
					progress = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if !progress {
			return delivered // everything due failed: wait for the backoff
		}
	}
	return delivered
}

// deliver sends one delivery and records the outcome.
func (w *Watcher) deliver(ctx context.Context, d Delivery) bool {
	sink := w.cfg.Sinks[d.Sink]
	if sink == nil {
		// A sink removed from the config: keep the delivery, say so once per attempt.
		w.failed(ctx, d, fmt.Errorf("no sink named %q is configured", d.Sink))
		return false
	}
	sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err := sink.Send(sctx, d.Alert)
	cancel()
	if err != nil {
		w.failed(ctx, d, err)
		return false
	}
	if err := w.cfg.Outbox.Delivered(ctx, d.Alert.ID, d.Sink, d.Alert.Revision); err != nil {
		// The sink has it; a redelivery after this is absorbed by its idempotency.
		w.cfg.Logger.Error("watch: marking delivery done", "alert", d.Alert.ID, "sink", d.Sink, "err", err)
	}
	w.mu.Lock()
	h := w.health[d.Sink]
	h.Delivered++
	h.Failures, h.Failing, h.LastError = 0, false, ""
	h.LastSuccess = w.cfg.Now()
	w.mu.Unlock()
	return true
}

func (w *Watcher) failed(ctx context.Context, d Delivery, err error) {
	backoff := w.cfg.MinBackoff << min(d.Attempts, 30)
	if backoff <= 0 || backoff > w.cfg.MaxBackoff {
		backoff = w.cfg.MaxBackoff
	}
	var ra interface{ RetryDelay() time.Duration }
	if errors.As(err, &ra) && ra.RetryDelay() > backoff {
		backoff = min(ra.RetryDelay(), w.cfg.MaxBackoff)
	}
	permanent := errors.Is(err, canary.ErrSinkPermanent)
	if permanent {
		backoff = w.cfg.MaxBackoff
	}
	if ferr := w.cfg.Outbox.Failed(ctx, d.Alert.ID, d.Sink, w.cfg.Now().Add(backoff), err.Error()); ferr != nil {
		w.cfg.Logger.Error("watch: recording failed delivery", "alert", d.Alert.ID, "sink", d.Sink, "err", ferr)
	}
	w.mu.Lock()
	h := w.health[d.Sink]
	if h == nil {
		h = &SinkHealth{Sink: d.Sink}
		w.health[d.Sink] = h
	}
	h.Failures++
	h.LastError = err.Error()
	h.Failing = h.Failures >= w.cfg.FailingAfter || permanent
	failing := h.Failing
	w.mu.Unlock()
	level := slog.LevelWarn
	if failing {
		level = slog.LevelError
	}
	w.cfg.Logger.Log(ctx, level, "watch: sink failed; will retry", "sink", d.Sink, "alert", d.Alert.ID,
		"attempt", d.Attempts+1, "retry_in", backoff, "err", err)
}

// Health reports each sink's delivery state, sorted by name.
func (w *Watcher) Health() []SinkHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]SinkHealth, 0, len(w.health))
	for _, h := range w.health {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b SinkHealth) int { return strings.Compare(a.Sink, b.Sink) })
	return out
}
