// Package canary makes canary customer records ("seeds"), plants them in the
// copies of a support or CRM database, and catches the first contact with one:
// the proof that a copy leaked, which copy, and since when.
//
// An insider who exports customer rows and sells them cannot tell the seeds
// from real customers. The buyers then email, call or text every row; the
// seeds' addresses and numbers lead back to the operator, so the first scam
// message that reaches one raises an alert naming the seed, the placement it
// was planted in, and the window in which the data must have left.
//
// # Getting started
//
//	reg := canary.NewMemoryRegistry()         // or sqlstore.Open for a durable, blinded one
//	gen, _ := canary.NewGenerator(canary.DemoConfig())
//	seeds, _ := gen.Generate("support-db/eu", 50)
//	_ = reg.Add(ctx, seeds...)                 // register before planting
//	// ... plant seeds in the host database (package plant) ...
//	m, _ := canary.NewMatcher(reg)
//	hits, _ := m.Match(ctx, canary.Event{Channel: canary.ChannelSMS, To: "+1 (415) 555-0132", Body: text})
//
// For production, a [Config] names the email domains and phone numbers the
// operator owns and answers; [DemoConfig] uses only reserved domains and
// numbers reserved for fiction, and is safe in tests and demos.
//
// To run it as a service, a watch.Watcher (package watch) takes events from
// the receivers in package inbound (SMTP, Twilio, SendGrid, Mailgun, Postmark,
// signed JSON), records an [Alert] in an outbox before acknowledging, and
// delivers it to [Sink] values (package sink: slog, JSON lines, webhook,
// Slack, syslog).
// [Matcher.Scan] searches a leaked dump of any size, and [Attribute] ranks the
// placements that could have leaked the tripped seeds.
//
// # Seeds
//
// [Generator] draws names by real population frequencies (US, GB, ES), a
// birth year that fits the given name, an email local part in the mix of
// patterns real people use, on the configured domains only, a phone number
// from the configured pool only, a ticket reference in the host's format and
// live range, and a creation time spread like the host's real sign-ups.
// Every email and ticket is unique; a phone number may be shared by a few
// seeds, but only within one placement and never by two seeds with a common
// name word, so a call still names the placement and a name in the text
// names the seed.
//
// Owned mailboxes at the big providers ([Config.Mailboxes]) are the one kind
// of address that is both safe and indistinguishable from a real customer's:
// each exact address the operator created is given to one seed, ever, with a
// name and birth decade its local part fits ("mkelly1987": a Kelly born in
// 1987 whose given name starts with M, drawn by real frequency). The
// generator never makes up an address at a public provider. How each is read
// lives in the serve config (inbound.IMAPMailbox, same address).
//
// A Generate call that asks for more than is left (ticket numbers in the
// range, phone numbers of the pool, free mailboxes) fails at once with a
// [CapacityError] carrying the numbers. A placement's phone numbers return
// to the pool [Config.PhoneQuarantine] (default 90 days) after its seeds on
// them are retired.
//
// # Matching
//
// One normalization per field is used both when registering and when
// matching ([NormalizeEmail], [NormalizePhone], [NormalizeTicket],
// [NormalizeName]): case, display names, mailto links, plus-tags, IDN
// domains, NFKC and look-alike characters from other scripts for addresses;
// any common national or international format for phone numbers (E.164 via
// libphonenumber); separators and case for tickets. Every [Hit] says which
// field matched, the raw text seen, where, and how sure it is ([Exact],
// [Likely], [Ambiguous]). Names alone never make a hit. Values no seed has
// give no hit and no error.
//
// Values sit among other values in real text, and the matcher reads them
// there: a number beside other groups of digits ("call +1 (702) 555-0128
// 24/7", "Unit 5 702 555 0128", a dump row with a street number) is found by
// trying every window of whole digit groups, longest first; a group glued to
// letters ("ID4155550132", "9am") is part of a word, not of a number; a "+"
// with a space after it is read as if it were not there ("+ 503.555.0166" is
// a Portland number, "+503 555 0166" one in El Salvador). A ticket is found
// in every separator form [NormalizeTicket] drops, spaces and colons included
// ("TM 10424187", "TM: 10424187", "TM-1042 4187"), but only up to a word's
// end ("TM-10424187X" is another reference).
//
// A phone number shared by several seeds names one of them only on evidence
// that names it alone, found in the subject and body (Match) or on the same
// line (Scan): its full name, given and family names side by side in either
// order, beats anything weaker; failing that, both its names apart, or one
// name no other candidate has with no other candidate named at all. Another
// person's full name beside the name found ("Mary Johnson" for the seed Mary
// Yee) blocks a partial match. Otherwise the hit is Ambiguous and lists every
// candidate, best evidence first.
//
// # Performance
//
// A registry the matcher knows the shape of lets it drop, before any
// normalization, the candidates no seed could be: addresses on domains no
// seed uses (or of a length none has; the domain is read before the local
// part), digit runs whose digits so far end in no registered number's last
// six (a suffix table, asked once a run, whatever the number's writing),
// windows whose first six digits after "+" start no registered number and
// ticket-shaped runs whose first four characters start no ticket (prefix
// tables; all kept in memory beside the secret, one read each, no hash), and
// numbers, tickets and addresses its keyed filter has never seen
// ([MemoryRegistry]'s Bloom filter of 16 bits a key; package sqlstore's
// filter of tags keyed by its secret, probed from the Shape without a lock
// or an HMAC). On CPUs with AVX2, a text of 256 bytes or more is first
// classed 64 bytes a word into masks (digit, phone separator, letter, ticket
// separator; a nibble-table shuffle, about 18 GB/s), and the digit runs are
// found, measured and turned away from those masks: a run that is one short
// group (an id, an amount, a ticket's digits) costs no call, one whose
// digits end no registered number's last six costs a few bit operations, and
// the groups of a run already read are not visited. Short texts (an event's
// lines) and other CPUs read eight bytes at a time; both loops are checked
// against a byte-at-a-time reference. A scan reads its input in cores of 256
// KiB straight into the job buffer (only the contexts either side are
// copied), so a core stays in cache from the read to the last pass over it.
// A Watcher hit is built from the Matcher's own scratch hits
// ([Matcher.MatchFunc]) in the scratch's [Attributor] and an append-only
// arena: it allocates nothing of its own. The benchmarks run the real paths,
// each with its reference in the same run; cpu-ns/B and cpu-ns/op are the
// process's CPU time (grep's included), steadier than wall time on a shared
// machine:
//
//	go test ./canary/cmd/honeyseed -run '^$' -bench ScanCLI -benchtime 3x  # 'honeyseed scan' on a sealed SQLite registry; grep -F -f
//	go test ./canary/internal/find -run '^$' -bench FindAll -cpu 1       # the engine alone on one core, Shapes of 40 and 1M seeds
//	go test -run X -bench BenchmarkScanDump -benchtime 2x ./canary/       # Matcher.Scan on a MemoryRegistry; grep -F -f
//	go test -run X -bench BenchmarkWatcher1M -benchtime 100000x ./canary/watch/  # Watcher without the alert write; the Matcher alone
//	go test ./canary/inbound -run '^$' -bench DurableSMTPStorm -benchtime 5x     # 20 SMTP clients; two writes a repeat; the in-memory outbox
//	HONEYSEED_BENCH_SEEDS=1000000 go test ./canary/sqlstore -run '^$' -bench Open/sqlite -benchtime 3x
//
// Measured on the 2-core machine on 2026-12-02, in runs that alternated
// these binaries with the round before's (commit bb042be, "earlier"),
// three rounds each; the best of three is given, and a line's figures
// come from one run (128 MiB dumps with a seed row in every 200; "scan" is
// the command's scan on an open registry, "cli" the whole command, opening
// it included; grep gets every registered address). The machine is a
// shared VM: a run may take up to 1.7 times as long as the one before it,
// so compare within a line:
//
//	ScanCLI SQL INSERTs, 40 seeds   scan 1445 MB/s 1.35 cpu-ns/B, cli 1317   grep -F -f 1604 MB/s 0.63   earlier scan 1019 MB/s 1.91 (grep 1443)
//	ScanCLI CSV export, 40 seeds    scan 1190 MB/s 1.64 cpu-ns/B, cli 1097   grep -F -f 1010 MB/s 1.00   earlier scan 939 MB/s 2.06 (grep 865)
//	ScanCLI SQL INSERTs, 1M seeds   scan 842 MB/s 2.28 cpu-ns/B, cli 156     grep -F -f 13 MB/s 78 cpu-ns/B (once)
//	ScanCLI CSV export, 1M seeds    scan 878 MB/s 2.15 cpu-ns/B, cli 195     grep -F -f 13 MB/s 76 cpu-ns/B (once)
//	FindAll SQL, one core           min 1.17, median 1.21 cpu-ns/B      earlier 1.28, 1.34
//	FindAll CSV, one core           min 1.36, median 1.42 cpu-ns/B      earlier 1.54, 1.64
//	Open, 1M seeds (sqlite)         0.38 s, 1.04-1.07 CPU-s, 88 heap bytes a seed
//	Open, 10M seeds (sqlite)        6.6 s, 9.6 CPU-s, 87 heap bytes a seed, 1.5 GB RSS (an earlier round's run)
//	Durable SMTP storm, SQLite      2651-2826 msgs/s         the same store in two writes a repeat 1920-2108, in-memory 8980-9199
//
// Since those runs (commits 78d8e75, 74e718f), a phone-shaped run none of
// whose groups starts like a registered number (mayRead, from its digit
// mask) skips the reading of its windows, and a run's last three digits are
// asked of a 1,000-bit table before its last six are read. Counted with
// callgrind on FindAll's 16 MiB dumps (instructions, repeatable on a shared
// machine): SQL at 40 seeds 600M -> 555M (-7%), CSV at 40 seeds 692M ->
// 676M from the second change alone, SQL at 1M seeds 708M -> 629M (-11%).
// ScanCLI after them, two runs of -benchtime 5x on 2026-12-03 (scan; grep
// -F -f in the same run):
//
//	ScanCLI SQL INSERTs, 40 seeds   scan 1252-1416 MB/s 1.38-1.54 cpu-ns/B   grep -F -f 1789 MB/s 0.57
//	ScanCLI CSV export, 40 seeds    scan 995-1158 MB/s 1.68-1.95 cpu-ns/B    grep -F -f 1085 MB/s 0.93
//	ScanCLI SQL INSERTs, 1M seeds   scan 1027-1272 MB/s 1.48-1.84 cpu-ns/B   grep -F -f 29 MB/s 34 cpu-ns/B
//	ScanCLI CSV export, 1M seeds    scan 956-978 MB/s 1.99-2.04 cpu-ns/B     grep -F -f 28 MB/s 36 cpu-ns/B
//
// The Watcher's hit path (-benchtime 400000x -count 3 on a quiet machine;
// wall ns/op, then cpu-ns/op; "earlier" alternated with these, loaded):
//
//	Watcher, email hit, 1M seeds              1.30-1.33 µs (cpu 1.32-1.38), 0 allocs   MatchFunc alone 0.39-0.41 µs   earlier 1.45-1.63 µs
//	Watcher, SMS to a shared number           2.01-2.13 µs (cpu 2.07-2.20), 0 allocs   MatchFunc alone 0.95-1.01 µs   earlier 2.45-2.57 µs
//	Watcher, SMS to a number of one seed's    1.14-1.15 µs (cpu 1.16-1.17), 0 allocs   MatchFunc alone 0.30-0.35 µs
//	Watcher, SMS miss                         0.15-0.22 µs                             libphonenumber's Parse of the number 10.5-10.7 µs
//
// The goals not yet met: a scan of SQL INSERTs never slower than
// grep -F -f with few seeds (CSV is ahead of it; SQL is at 0.8 to 0.9 of
// grep's speed: about 0.2 CPU-ns a byte is the read from the page cache,
// which mapping the file does not save on this VM, and the rest the visits
// to phone-shaped runs, their last six digits, and the lookups of the
// strangers' 555-01xx numbers, which share the seeds' suffixes); 1 GB/s with
// a million seeds on every dump (SQL reaches it, CSV is at 0.96-0.98: each
// candidate then passes the shape and asks the keyed filter); and a Watcher email hit under 500 ns or an SMS hit to a shared
// number under 2 µs (at the edge: one run gave 1.94-1.96). MatchFunc alone
// takes about 400 ns of an email hit; of the Watcher's own share, the SHA-1
// alert ID (input fixed by the ID rule) is about a quarter, the attribution
// (its window's two times among it) another, the excerpts, the arena copy
// and the sender's key the rest. An SMS to a number four seeds share hashes
// four IDs and resolves the number by the names in the text; one to a seed's
// own number takes 1.15 µs.
//
// # Threat model
//
// The adversary is an insider with read access to the host database, and
// possibly to the honeyseed registry's storage, who wants to sell customer
// rows without being caught. The design denies them three things:
//
//   - Telling seeds apart: seeds follow real name, address and timing
//     distributions (package plant can learn the host's own), so no column
//     marks them.
//   - Learning which rows are seeds from honeyseed itself: a persisted
//     registry (package sqlstore) stores only keyed HMAC lookup keys and
//     AES-GCM sealed seeds. Without the secret, a dump of it reveals no seed
//     value. Keep the secret away from the people the canaries watch.
//   - Denying the leak: each placement gets its own seeds, so a contact
//     names the copy that left.
//
// Out of scope: an insider who can read the secret or the process memory of
// the matcher; an adversary who only sells rows that were never contacted;
// buyers who never contact anyone. Seeds must only ever use domains and
// numbers the operator controls: a seed address that reaches a stranger would
// send scammers to them, so [NewGenerator] refuses public mailbox providers
// as EmailDomains (an address there is used only when listed exactly in
// Mailboxes) and a config with no domain and no mailbox.
//
// # Concurrency
//
// [MemoryRegistry], [Matcher], [Generator] and watch.Watcher are safe for
// concurrent use. Adding seeds never blocks matching for longer than the
// publication of a prepared batch of 4,096.
//
// # Package map
//
// This package is the vocabulary: [Seed], [Name], [Event], [Hit], [Alert],
// [Field], [Channel], [Confidence], [Registry], [Sink], [EventHandler], the
// errors, the Normalize functions, [Config] and [DemoConfig], and the thin
// public [Generator], [Matcher], [MemoryRegistry] and [Attribute]. The
// machinery lives in internal packages: internal/norm holds the one
// normalization and lookup-key rule per field, internal/find the matcher's
// candidate search, internal/memindex MemoryRegistry's table and arenas.
// Package watch is the delivery pipeline (Watcher, Outbox, grouping).
//
// # Names in the core API
//
// The names and meanings of the core API in the design are kept. Additions:
// [Hit.Confidence], [Hit.Candidates] and where a hit was seen as fields
// ([Hit.Part], [Hit.Offset], [Hit.Line]; [Hit.Evidence] says it in words),
// [Event.ID], [Event.Header], [Event.Envelope] and [Event.Remote],
// [Seed.Validate], [Alert.Clone], [Matcher.Regions], and [Registry.Lookup]
// refusing [FieldName] with [ErrUnsupportedField], because names are neither
// unique nor blinded-indexable. [Seed.RetiredAt] is new: Retire sets it and
// leaves ExpiresAt, the planned end, alone ([Seed.EndedAt] is whichever comes
// first, [Seed.RetiredBy] tells a hit on a retired seed, which
// [Alert.RetiredSeeds] lists). [Attributor] is [Attribute] with its memory
// reused from one alert to the next, for a caller that attributes many.
package canary
