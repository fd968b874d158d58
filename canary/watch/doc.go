// Package watch is the delivery pipeline: Event -> Match -> Alert -> Outbox ->
// Sinks. A [Watcher] is the [canary.EventHandler] the receivers of package
// inbound hand their events to; it records an alert before acknowledging
// (invariant 7), groups repeats, suppresses the operator's own traffic, and a
// dispatcher delivers each alert to every sink with retries and backoff.
//
// # Getting started
//
//	m, _ := canary.NewMatcher(reg)
//	w, _ := watch.New(watch.Config{
//		Matcher: m,
//		Outbox:  store, // a *sqlstore.Store; default an in-memory MemoryOutbox
//		Sinks:   map[string]canary.Sink{"log": sink.NewSlog(logger, sink.SlogOptions{})},
//	})
//	w.Start()
//	defer w.Close()
//	// hand w to inbound.SMTP, inbound.Twilio, ...
//
// # Outboxes and grouping
//
// An [Outbox] stores alerts and their pending deliveries and returns them; it
// holds no policy. [Record] folds a repeat into the stored alert (the grouping
// policy: counts, bounded hits, evidence and event IDs) through the Outbox's
// Record and a conditional Update, so every Outbox groups alike and writers in
// several processes each have their repeat counted. [MemoryOutbox] is the
// in-memory one; package sqlstore has a durable one, and package canarytest a
// conformance test.
//
// # Health
//
// [Watcher.Health] reports each sink's deliveries and failures; a sink failing
// [Config.FailingAfter] times in a row is logged at error level and keeps
// being retried.
package watch
