package inbound_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// BenchmarkDurableSMTPStorm runs TestDurableSMTPStorm's traffic (20 SMTP
// clients, three in four messages to a seed) through the deployed pipeline:
// SMTP receiver -> Watcher -> outbox, with the SQLite outbox and, as the
// references in the same run, the SQLite outbox writing a repeat in two
// steps (Record, then Update) and the in-memory one. The registry is the
// SQLite store in all, so only the outbox differs.
//
//	go test ./canary/inbound -run '^$' -bench DurableSMTPStorm -benchtime 5x
func BenchmarkDurableSMTPStorm(b *testing.B) {
	const perOp = 2000
	for _, tc := range []struct {
		name   string
		outbox func(*testing.B, watch.Outbox) watch.Outbox
	}{
		{"outbox=sqlite", func(_ *testing.B, store watch.Outbox) watch.Outbox { return store }},
		// The same store seen as an Outbox alone: a repeat takes a Record
		// and an Update, not one RecordFold.
		{"outbox=sqlite-two-writes", func(_ *testing.B, store watch.Outbox) watch.Outbox { return struct{ watch.Outbox }{store} }},
		{"outbox=memory", func(*testing.B, watch.Outbox) watch.Outbox { return watch.NewMemoryOutbox() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			store := openStore(b, b.TempDir())
			defer store.Close()
			seeds := stormSeedList()
			require.NoError(b, store.Add(context.Background(), seeds...))
			m, err := canary.NewMatcher(store)
			require.NoError(b, err)
			w, err := watch.New(watch.Config{Matcher: m, Outbox: tc.outbox(b, store), Sinks: map[string]canary.Sink{"count": &countingSink{}},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(b, err)
			w.Start()
			defer w.Close()
			// The storm's clients share one address and name unknown
			// recipients on purpose: no tarpit, as in TestDurableSMTPStorm,
			// and room for one storm's connections while the last one's close.
			srv, err := inbound.NewSMTPServer(inbound.SMTPConfig{Addr: "127.0.0.1:0", Domain: "mx.mail.example", Registry: store, Handler: w,
				TarpitAfter: -1, MaxUnknownRecipients: -1, MaxUnknownPerIP: -1, MaxConnectionsPerIP: 4 * stormClients,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(b, err)
			addr := serve(b, srv)
			sent := 0
			for b.Loop() {
				storm(b, addr, seeds, sent, perOp)
				sent += perOp
			}
			b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
