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
// # Updates of grouped alerts
//
// A repeat folded into an alert reaches the sinks again as an update of the
// same alert: same ID, a higher [canary.Alert.Revision], the new Count, hits,
// evidence and LastSeen, so a receiver replaces what it has rather than
// opening a new case. [Updates] (Config.Updates) rate-limits them per alert:
// at the 10th, 100th, 1000th… event (the 1st is the alert itself) and for any
// repeat an hour or more after the last revision, with a fake clock through
// Config.Now in tests. Each update is enqueued in the same Outbox step as its
// fold (Outbox.Update with sinks), and Outbox.Delivered leaves a newer
// revision pending, so no update is lost to a crash or to a send in flight.
// Repeats between those points are counted in the store and carried by the
// next update; when a storm stops between two points, the Watcher sends the
// count the sinks lack as a trailing update once the alert has had no repeat
// for Updates.Quiet (default five minutes), checked by Flush. The sender and the seed set are part of the alert ID, so an
// update brings more events, fields hit and excerpts, never another sender:
// a new sender or seed set is a new alert. With the default one-hour
// GroupWindow a window ends before the hourly update would; a longer window
// makes it matter.
//
// # What a hit costs
//
// A Watcher takes the Matcher's hits as they are ([canary.Matcher.MatchFunc]:
// scratch hits whose seeds share the registry's Fields maps) and builds the
// alert in memory it reuses from one event to the next, because an Outbox
// copies what it stores (see [Outbox]). What an alert must own is made
// fresh: its excerpts, as one string, and its attribution, one allocation
// for a one-placement alert of up to four seeds plus the string of its
// window. Measured with the Matcher alone (Match; MatchFunc, as the Watcher
// calls it) and libphonenumber's parse in the same run, at 1M seeds that
// carry Fields and times as generated ones do, without the alert write:
//
//	go test -run X -bench BenchmarkWatcher1M -benchtime 100000x -count 2 ./canary/watch/
//
// On the shared 2-core machine at load average 5 (2026-12-02), CPU per
// event; before this change, in a run of the same benchmark just after:
//
//	email hit   1.63-1.68 µs, 3 allocs   Match 0.86-0.91 µs, MatchFunc 0.60-0.64 µs   before 2.43-2.56 µs, 18 allocs (Match 0.89-0.93 µs)
//	SMS hit     2.91-3.07 µs, 3 allocs   Match 2.55-5.75 µs, MatchFunc 1.40-1.50 µs   before 5.6-20.5 µs, 35 allocs (Match 3.20-3.25 µs)
//	SMS miss    0.27-0.28 µs             Match 0.27 µs                                libphonenumber Parse 8.9-9.2 µs (before 10.1-10.6)
//
// The rest of an email hit is the Matcher's own search (reading and
// normalizing the addresses, the registry lookup) and, in the Watcher, the
// attribution, the SHA-1 alert ID and the sender's key; on this machine a
// fresh allocation at a 1M-seed heap costs about as much as a lookup.
//
// # Health
//
// [Watcher.Health] reports each sink's deliveries and failures; a sink failing
// [Config.FailingAfter] times in a row is logged at error level and keeps
// being retried.
package watch
