// Package sqlstore keeps canary seeds and alerts in SQL, blinded: a
// [canary.Registry] and [watch.Outbox] on SQLite (embedded, pure Go, the
// default) or PostgreSQL (for several matcher processes sharing one registry).
//
// A [Store] is both. Lookups that find nothing, the matcher's usual answer,
// are served from an in-memory index of keyed MACs without touching the
// database or allocating; a hit reads and opens one row.
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
//     were added; delivery rows carry their next attempt time in clear;
//   - structure: how many lookup keys each seed has (one to three, so which
//     seeds have a phone number or ticket), and which seeds share a phone
//     number (their rows carry the same MAC);
//   - the sink names of pending deliveries, their attempt counts, and the
//     length of each sealed record;
//   - for each mailbox an inbound.IMAP watcher reads, keyed by the HMAC of its
//     address and folder, the folder's UIDVALIDITY and the last UID read
//     (about how many messages some mailbox received).
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
// On two cores, with a million seeds (the benchmarks in this package,
// HONEYSEED_BENCH_SEEDS=1000000): Add seals and writes 90–120 thousand seeds a
// second on SQLite and 105–120 thousand on PostgreSQL over loopback (binary
// COPY); a Lookup that finds nothing takes about half a microsecond, most of
// it the HMAC, and allocates nothing; a hit reads one row (tens of
// microseconds on SQLite, about 150 on PostgreSQL) unless the seed is cached;
// Open loads the index of a million seeds in two to four seconds, into about
// 120 MB.
//
// # Differences from the in-memory implementations
//
// Times come back in UTC (the instant is kept, the location is not). An alert
// travels through JSON, so anything of it that encoding/json cannot round-trip
// is lost. Add seals its batch in parallel and holds the write lock for the
// whole batch: on SQLite, an alert recorded during a large Add waits for it.
package sqlstore
