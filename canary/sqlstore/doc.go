// Package sqlstore keeps canary seeds and alerts in SQL, blinded: a
// [canary.Registry] and [watch.Outbox] on SQLite (embedded, pure Go, the
// default) or PostgreSQL (for several matcher processes sharing one registry).
//
// A [Store] is both. Lookups that find nothing, the matcher's usual answer,
// are served from memory without touching the database or allocating: a
// Bloom filter of keyed 64-bit tags turns away almost all of them for the
// price of one SipHash, and the few it admits pay for the HMAC and the index
// of keyed MACs behind it; a hit reads and opens one row. The store is also a
// [canary.Shaper], so the matcher skips, before normalizing them, the
// candidates in a dump that cannot be seeds.
//
// # The filter and the shape
//
// Each seed row carries, beside the HMACs of its lookup keys, their tags:
// SipHash-2-4 of the same input under a 128-bit key derived from the secret
// with HKDF. Open builds the filter from the tags column and the index from
// the MAC columns without opening a single sealed seed; Add, and the refresh
// that picks up other processes' seeds, extend both. Memory keeps no copy of
// the tags: when the seeds added outgrow the filter, it is rebuilt twice as
// large from the tags the database holds. Like the MACs, the tags reveal
// nothing without the secret, and the filter, built from them and kept in
// memory only, reveals no more.
//
// The [canary.Shape] (the seeds' email domains, the lengths and first and
// last six digits of their phone numbers, the lengths and first four
// characters of their tickets) is kept as one sealed row beside the seeds,
// widened by every Add that adds to it, and held in memory in clear once
// opened, beside the secret: it names the operator's own domains, its owned
// numbers (a NANP number's first and last six digits are all of it) and the
// format of its tickets, no seed's other values, and a dump of the database
// without the secret learns nothing of it but its padded size. With it a scan
// turns away the digit runs of a dump that end in no registered number's
// digits, or that no registered number or ticket starts with (ids, dates,
// the host's own numbers), with a table read or two, before any hash.
//
// A database written before the tags existed (schema version 1) is completed
// by its first Open with this version, which opens every seed once; one whose
// shape row predates the last digits (schema 5 and before) has that row
// rewritten from its seeds by its first Open, which opens every seed once too.
// Upgrade every process that shares a registry at once: an older one still
// running fails its next refresh (ErrCorrupt, "shape") once a newer one has
// rewritten the row, and an older binary refuses to open it (ErrSchemaTooNew).
//
// # Starting
//
// Open creates the database file on first use, migrates its schema and
// loads the index. A Store also keeps the checkpoints of an inbound.IMAP
// watcher (it implements inbound.IMAPCheckpoints):
//
//	store, err := sqlstore.Open(ctx, sqlstore.Options{
//		Path:    "/var/lib/honeyseed/registry.db",
//		KeyFile: "/etc/honeyseed/registry.key", // created with a new secret if missing
//	})
//	if err != nil { ... }
//	defer store.Close()
//	err = store.Add(ctx, seeds...)
//	matcher, err := canary.NewMatcher(store)
//
// [Store.AddWithOptions] is Add with a Progress callback, told how many seeds
// of a large batch are written so far; the batch still commits whole or not
// at all.
//
// For PostgreSQL set Driver to "pgx" and DSN to a connection URL; a
// search_path parameter in the URL selects the schema. The tables are named
// honeyseed_*. Keep the registry out of the database it watches: blinding
// hides which rows are canaries, but the tables still say canaries exist.
//
// # What a copy of the database reveals
//
// The store is built for the insider the canaries are meant to catch: someone
// who can read, dump or copy its database but does not hold the secret.
// Every seed is sealed with AES-256-GCM, its ID bound as additional data so a
// sealed row cannot be moved to another; alerts, which quote seeds, are sealed
// the same way, and so is a sink's last error. Lookup keys (the normalized
// email, phone number and ticket, see [canary.Seed.Keys]) and IDs are stored
// only as HMAC-SHA256 values, truncated to 128 bits, with the field in the MAC
// input. No email, phone number, name, ticket, placement, extra field or ID
// is in the tables in clear; a test writes ten thousand seeds and searches the
// raw file, the WAL and every column of every table for each of them.
//
// What a copy does reveal:
//   - how many seeds and alerts there are, and in what order they were added
//     (rows are numbered);
//   - when: file and WAL timestamps, and the ordering of rows, tell when batches
//     were added (the packed index rows of honeyseed_index, one per 512 seeds
//     of a batch, show where batches begin); delivery rows carry their next
//     attempt time in clear;
//   - structure: how many lookup keys each seed has (one to three, so which
//     seeds have a phone number or ticket), and which seeds share a phone
//     number (their rows carry the same MAC and the same tag);
//   - the sink names of pending deliveries and their attempt counts;
//   - the size class of each sealed record, not its length: seeds are padded
//     to 256 bytes, or the next power of two for a seed with large extra
//     fields, and alerts to 1 KiB or the next power of two, so the length of a
//     placement name, a customer name or an address does not show (records
//     sealed before padding keep their lengths until [Store.Rotate] re-seals them);
//   - for each mailbox an inbound.IMAP watcher reads, keyed by the HMAC of its
//     address and folder, the folder's UIDVALIDITY and the last UID read
//     (about how many messages some mailbox received).
//
// Row counts, key counts, delivery times and alert counts stay visible
// because hiding them would cost what the store is for: rows must be found
// by seq to poll, keys by MAC to look up, deliveries by time to retry. None
// of them is a value a host row holds, so none narrows down which rows are
// canaries beyond "a seed with a phone number and a ticket".
//
// Without the secret none of this says which customer rows of the host are
// canaries: the MACs cannot be computed, nor tested against guesses, without
// the key. With the secret and a copy, everything can be read: guard the
// secret as you would the host database's own credentials, and never store
// it in the database or beside its backups.
//
// # The secret
//
// One secret of 32 random bytes yields, through HKDF-SHA256, the HMAC key for
// lookup keys and IDs, the AES-256-GCM sealing key, and a key-check value kept
// in the database so that a wrong secret fails [Open] with [ErrWrongSecret]
// rather than finding nothing. Open takes it from [Options].Secret, else from
// $HONEYSEED_SECRET (64 hex digits or base64), else from [Options].KeyFile,
// which it creates with a fresh secret (mode 0600) if it does not exist and
// refuses if group or others may read it. [NewSecret] makes one;
// [ParseSecret] decodes the text forms. A [Secret] prints and marshals as
// REDACTED.
//
// To rotate the secret (after someone who knew it leaves, or on a schedule):
//
//  1. Make a new secret with [NewSecret] and keep it beside the old one: the
//     old one stays where it is read from until the rotation has committed.
//  2. Stop every other process using the database, or accept that they fail
//     with ErrWrongSecret from their next refresh until restarted.
//  3. In one process, opened with the old secret, call [Store.Rotate] with the
//     new one. It re-seals every seed, alert and delivery error and recomputes
//     every MAC in one transaction: if it fails, nothing changed and the old
//     secret is still the one.
//  4. Put the new secret where the old one was read from (the option,
//     $HONEYSEED_SECRET or the key file), start the other processes, and
//     destroy the old secret.
//
// Copies and backups taken before the rotation still open with the old secret.
//
// # Several processes
//
// Stores in several processes may share one database. Each keeps its own
// index and picks up what others changed by polling every
// [Options].RefreshInterval (one second by default): seeds added appear in
// its lookups, retirements replace its cached copies, and a rotated secret
// makes it fail. Between polls a Lookup may miss a seed another process has
// just added; [Store.Get] refreshes on a miss, and [Store.Refresh] polls at
// once. Writers are ordered by the database (SQLite's write lock; on
// PostgreSQL a table lock for seeds and row locks for alerts), and [Store.Add]
// checks duplicates against every committed seed, whoever added it. On SQLite
// all processes must reach the file through a local file system (WAL mode
// needs shared memory); use PostgreSQL for matchers on several machines.
//
// # Replay memory
//
// [Store.Replay] is an inbound.ReplayStore: the webhook handlers of every
// receiver on the database claim each delivery's key there (a Mailgun token,
// a webhook-id, a Twilio SID), so that a replay is refused after a restart
// and by another receiver. A claim is one INSERT ... ON CONFLICT statement,
// atomic under concurrency on both engines. Keys are stored as HMACs under
// the lookup key, with the time they may be forgotten, in clear; expired rows
// are deleted as claims come in. A copy of the table tells how many webhook
// deliveries were accepted recently and when they expire (so roughly when
// they came), not from whom or to which seed. [Store.Rotate] empties it, as
// the MACs change with the key: replays of deliveries accepted before a
// rotation are then accepted again, with their carrier IDs in Event.ID.
//
// # Performance
//
// The benchmarks in this package and in inbound run the real paths, each with
// its reference in the same run (HONEYSEED_BENCH_SEEDS=1000000 for a million
// seeds; HONEYSEED_BENCH_DIR keeps the million-seed SQLite fixture between
// runs, as building it takes minutes):
//
//	go test ./canary/sqlstore -run '^$' -bench 'Open/sqlite' -benchtime 3x
//	go test ./canary/sqlstore -run '^$' -bench 'LookupEmail/sqlite' -benchtime 20000x
//	go test ./canary/sqlstore -run '^$' -bench ScanRegistry -benchtime 3x
//	go test ./canary/inbound -run '^$' -bench DurableSMTPStorm -benchtime 5x
//
// | benchmark                 | measures                                   | reference in the run         |
// | ------------------------- | ------------------------------------------ | ---------------------------- |
// | Open/sqlite               | wall and CPU time to load the index        | (the same before this change) |
// | LookupEmail/sqlite/miss   | a value no seed has: tag, filter, no HMAC  | hit, hit-cached              |
// | ScanRegistry              | a 64 MiB SQL dump through a Matcher        | the same seeds in MemoryRegistry |
// | DurableSMTPStorm          | 20 SMTP clients, alerts durable on SQLite  | the in-memory outbox         |
//
// Open reads the packed index rows (one per 512 seeds of a batch) rather
// than the seed rows, opens no sealed seed, and fills flat tables and the
// filter as it reads, the keys on one goroutine and the IDs and the filter on
// another, holding no copy of the entries in between. A table slot is a MAC
// and a 32-bit row number, 20 bytes, in tables sized four fifths full, and a
// run of 32 inserts takes its cache misses at once rather than one after
// another. Open's heap is about 87 bytes a seed, at 1M as at 10M: 25 for
// the IDs, 50 for two keys, 6 for the filter, the rest the lists of seeds
// that share a phone number. On the shared two-core machine (load average
// 1-2), with the previous version in the same run: a million seeds opened in
// 0.27-0.40 s and 0.50-0.53 CPU-seconds (the previous 0.41-0.43 s and
// 0.74-0.78, at 191 bytes a seed), ten million in 6.6 s, 9.6 CPU-seconds and
// 1.5 GB peak resident (the previous 11.6 s, 18.2, 160 bytes a seed and
// 4.6 GB; runs at load 4-8 gave 4.8-8.4 s against 14.1-20.2), most of it
// the cache misses of some 50M random inserts:
// HONEYSEED_BENCH_SEEDS=10000000 with -benchtime 2x measures it.
//
// A Lookup that finds nothing costs one SipHash and one filter probe
// and allocates nothing; one in two hundred misses pays for the HMAC as well.
// A hit reads one row (tens of microseconds on SQLite, about 150 on
// PostgreSQL) unless the seed is cached: 31 µs at 1M seeds over 20,000
// lookups, where -benchtime 1x or 3x reports 86-282 µs, the cold first
// lookup (statement prepared, index pages read) divided by a handful. The
// store's Shape carries the same filter, so a scan asks it for every
// candidate without the read lock or the Lookup. Add seals and writes 90–120 thousand
// seeds a second on SQLite and 105–120 thousand on PostgreSQL (binary COPY).
// It seals at most four chunks of 512 a core ahead of its inserts, keeps no
// sealed row it has written past its first 64 chunks, and grows the index
// once for the batch: the benchmark that makes the ten-million-seed fixture,
// the seeds themselves in memory, peaked at 9.7 GB resident (2m39s) where it
// had peaked at 19.1 GB (3m10s).
//
// # Durability of alerts
//
// Record and Update return only once the alert is committed and synced
// (SQLite's synchronous=FULL in WAL mode, PostgreSQL's default commit): an
// acknowledged alert survives a crash or a power loss. On SQLite, writes that
// arrive while another is being committed wait and then share the next
// transaction and its one sync, each in its own savepoint (group commit), so
// that a storm of mail from many senders costs a sync per batch rather than
// per message.
//
// # Differences from the in-memory implementations
//
// Times come back in UTC (the instant is kept, the location is not). An alert
// travels through JSON, so anything of it that encoding/json cannot round-trip
// is lost. Add seals its batch in parallel and holds the write lock for the
// whole batch: on SQLite, an alert recorded during a large Add waits for it.
package sqlstore
