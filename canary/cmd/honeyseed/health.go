package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// metrics are serve's Prometheus metrics. They are counted where the CLI
// already stands between the pieces: the event handler every receiver calls
// and the outbox the watcher records into, so the library needs no hooks.
type metrics struct {
	reg        *prometheus.Registry
	events     *prometheus.CounterVec // by source
	hits       prometheus.Counter
	alerts     *prometheus.CounterVec // by suppressed
	sinkFailed *prometheus.CounterVec // by sink
}

func newMetrics(store *sqlstore.Store, imap func() []inbound.IMAPStatus) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "honeyseed_events_total",
			Help: "Events handed to the watcher, by receiver."}, []string{"source"}),
		hits: prometheus.NewCounter(prometheus.CounterOpts{Name: "honeyseed_hits_total",
			Help: "Seed hits in events that raised or joined an alert."}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "honeyseed_alerts_total",
			Help: "New alerts recorded; suppressed=\"true\" for the operator's own traffic."}, []string{"suppressed"}),
		sinkFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "honeyseed_sink_failures_total",
			Help: "Failed delivery attempts, by sink."}, []string{"sink"}),
	}
	m.reg.MustRegister(m.events, m.hits, m.alerts, m.sinkFailed,
		&stateCollector{store: store, imap: imap},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.alerts.WithLabelValues("false")
	m.alerts.WithLabelValues("true")
	return m
}

var (
	descBacklog = prometheus.NewDesc("honeyseed_outbox_backlog",
		"Deliveries not yet done; state=\"retrying\" counts those that failed at least once.", []string{"state"}, nil)
	descIMAPConnected = prometheus.NewDesc("honeyseed_imap_connected",
		"1 while the mailbox's connection is up.", []string{"mailbox"}, nil)
	descIMAPLastUID = prometheus.NewDesc("honeyseed_imap_last_uid",
		"The UID of the last message recorded from the mailbox.", []string{"mailbox"}, nil)
	descIMAPMessages = prometheus.NewDesc("honeyseed_imap_messages_total",
		"Messages handed over from the mailbox since start.", []string{"mailbox"}, nil)
)

// stateCollector reads, at each scrape, what is state rather than a count:
// the outbox backlog and each mailbox's connection.
type stateCollector struct {
	store *sqlstore.Store
	imap  func() []inbound.IMAPStatus
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBacklog
	ch <- descIMAPConnected
	ch <- descIMAPLastUID
	ch <- descIMAPMessages
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if pending, retrying, err := c.store.Backlog(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(pending), "pending")
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(retrying), "retrying")
	}
	for _, s := range c.imap() {
		name := s.Address + "/" + s.Folder
		ch <- prometheus.MustNewConstMetric(descIMAPConnected, prometheus.GaugeValue, boolFloat(s.Connected), name)
		ch <- prometheus.MustNewConstMetric(descIMAPLastUID, prometheus.GaugeValue, float64(s.LastUID), name)
		ch <- prometheus.MustNewConstMetric(descIMAPMessages, prometheus.CounterValue, float64(s.Messages), name)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// countingHandler counts events on their way to the watcher.
type countingHandler struct {
	next canary.EventHandler
	m    *metrics
}

func (h countingHandler) HandleEvent(ctx context.Context, ev canary.Event) error {
	h.m.events.WithLabelValues(ev.Source).Inc()
	return h.next.HandleEvent(ctx, ev)
}

// countingOutbox counts alerts, hits and sink failures as the watcher records them.
type countingOutbox struct {
	watch.Outbox
	m *metrics
}

func (o countingOutbox) Record(ctx context.Context, a canary.Alert, sinks []string) (canary.Alert, bool, error) {
	stored, created, err := o.Outbox.Record(ctx, a, sinks)
	if err == nil {
		o.m.hits.Add(float64(len(a.Hits)))
		if created {
			o.m.alerts.WithLabelValues(boolLabel(a.Suppressed)).Inc()
		}
	}
	return stored, created, err
}

func (o countingOutbox) Failed(ctx context.Context, id uuid.UUID, sink string, next time.Time, cause string) error {
	o.m.sinkFailed.WithLabelValues(sink).Inc()
	return o.Outbox.Failed(ctx, id, sink, next, cause)
}

func boolLabel(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// readiness is what /readyz reports, and what 'honeyseed status -server' prints.
type readiness struct {
	Ready     bool               `json:"ready"`
	Problems  []string           `json:"problems,omitempty"`
	Receivers []receiverState    `json:"receivers"`
	Sinks     []watch.SinkHealth `json:"sinks"`
	Mailboxes []mailboxState     `json:"mailboxes,omitempty"`
	Backlog   struct {
		Pending  int `json:"pending"`
		Retrying int `json:"retrying"`
	} `json:"outbox_backlog"`
}

type receiverState struct {
	Name string `json:"name"` // smtp, http
	Addr string `json:"addr"`
	Up   bool   `json:"up"`
}

type mailboxState struct {
	Mailbox     string    `json:"mailbox"`
	Connected   bool      `json:"connected"`
	Mode        string    `json:"mode,omitempty"`
	LastUID     uint32    `json:"last_uid"`
	Messages    int       `json:"messages"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	LastContact time.Time `json:"last_contact,omitzero"`
}

// health serves /healthz (the process runs), /readyz (receivers listening,
// the registry answering, no sink failing, every mailbox connected) and /metrics.
type health struct {
	store     *sqlstore.Store
	watcher   *watch.Watcher
	imap      func() []inbound.IMAPStatus
	m         *metrics
	receivers []*receiver
}

// receiver is a listener serve started; up is cleared when it stops.
type receiver struct {
	name, addr string
	up         atomic.Bool
}

func (h *health) state(ctx context.Context) readiness {
	r := readiness{Ready: true, Sinks: h.watcher.Health()}
	problem := func(s string) { r.Ready = false; r.Problems = append(r.Problems, s) }
	for _, rc := range h.receivers {
		up := rc.up.Load()
		r.Receivers = append(r.Receivers, receiverState{rc.name, rc.addr, up})
		if !up {
			problem(rc.name + " receiver is down")
		}
	}
	pending, retrying, err := h.store.Backlog(ctx)
	if err != nil {
		problem("registry: " + err.Error())
	}
	r.Backlog.Pending, r.Backlog.Retrying = pending, retrying
	for _, s := range r.Sinks {
		if s.Failing {
			problem("sink " + s.Sink + " is failing: " + s.LastError)
		}
	}
	for _, s := range h.imap() {
		mb := mailboxState{Mailbox: s.Address + "/" + s.Folder, Connected: s.Connected, Mode: s.Mode, LastUID: s.LastUID,
			Messages: s.Messages, LastError: s.LastError, LastErrorAt: s.LastErrorAt, LastContact: s.LastContact}
		r.Mailboxes = append(r.Mailboxes, mb)
		if !s.Connected {
			problem("mailbox " + mb.Mailbox + " is not connected")
		}
	}
	return r
}

func (h *health) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		st := h.state(ctx)
		w.Header().Set("Content-Type", "application/json")
		if !st.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(st)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.m.reg, promhttp.HandlerOpts{}))
	return mux
}

// add records a listener serve started, up until it stops.
func (h *health) add(name, addr string) *receiver {
	rc := &receiver{name: name, addr: addr}
	rc.up.Store(true)
	h.receivers = append(h.receivers, rc)
	return rc
}

// serveHTTP listens on addr and serves handler; a failed bind is returned
// before anything is logged. stop shuts the server down.
func serveHTTP(addr string, handler http.Handler, errc chan<- error) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if hs.Shutdown(ctx) != nil {
			hs.Close()
		}
	}, nil
}
