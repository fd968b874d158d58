package sqlstore

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// Options configures Open. The zero value is not enough on its own: a store
// needs a place (Path or DSN) and a secret (Secret, $HONEYSEED_SECRET or KeyFile).
type Options struct {
	// Driver is "sqlite" (the default: modernc.org/sqlite, pure Go, one file) or
	// "pgx" (PostgreSQL through github.com/jackc/pgx/v5/stdlib).
	Driver string

	// Path is the SQLite database file, created if missing. Required for "sqlite".
	Path string

	// DSN is the PostgreSQL connection string, required for "pgx", e.g.
	// postgres://honeyseed:pw@127.0.0.1:5432/honeyseed?sslmode=disable. A
	// search_path parameter in it selects the schema the tables go in.
	DSN string

	// Secret is the 32-byte root key. If nil, Open decodes $HONEYSEED_SECRET (hex
	// or base64); if that is unset, it reads KeyFile.
	Secret Secret

	// KeyFile holds the secret (32 raw bytes, or hex or base64 text). If it does
	// not exist, Open creates it with a new random secret and mode 0600. A file
	// that group or others may access is refused.
	KeyFile string

	// RefreshInterval is how often the store picks up seeds added, and retired,
	// by other processes sharing the database. Default 1s; negative: never (one
	// process owns the database). Refresh does it on demand.
	RefreshInterval time.Duration

	// CacheSize bounds the number of opened seeds kept in memory for repeated
	// hits. Default 4096.
	CacheSize int
}

// LogValue implements slog.LogValuer, leaving the secret out.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("driver", orDefault(o.Driver, "sqlite")),
		slog.String("path", o.Path),
		slog.Bool("dsn_set", o.DSN != ""), // a DSN may hold a password
		slog.String("key_file", o.KeyFile),
		slog.Duration("refresh_interval", o.RefreshInterval),
	)
}

const (
	defaultRefreshInterval = time.Second
	defaultCacheSize       = 4096
	sqliteBusyTimeout      = 30 * time.Second // a writer waits this long for another process's write
)

// Store is a blinded canary.Registry and watch.Outbox on SQLite or PostgreSQL.
// It is safe for concurrent use, and several Stores in several processes may
// share one database. Close it to stop its refresher.
type Store struct {
	db      *sql.DB
	dialect dialect
	idx     *index // with the keys, which Rotate replaces
	cache   *seedCache
	bySeq   *sql.Stmt // the hit path's one query

	stmts map[string]*sql.Stmt // the outbox's queries, prepared by Open
	group groupCommit          // SQLite: concurrent Records share a transaction

	shape     atomic.Pointer[find.Shape] // what the seeds hold, for the matcher's prefilter
	shapeKeys map[norm.Key]bool          // the shape row's stand-ins (see shape.go); guarded by syncMu
	// coarseShape: the shape row was of encoding 1, which Open refines
	// (refineShape); guarded by syncMu.
	coarseShape bool

	// Lock order: regMu, syncMu, then a write transaction (txMu on SQLite).
	// Holding syncMu while waiting for the database's write lock cannot
	// deadlock: the refresher, its only other user, just reads, and neither
	// engine makes a reader wait for a writer.
	regMu  sync.Mutex // serializes this process's registry writers: Add, Retire, Rotate
	syncMu sync.Mutex // guards applying database changes to idx and rev
	txMu   sync.Mutex // SQLite: one write transaction per process, rather than busy-waiting
	rev    int64      // highest honeyseed_seed_changes.rev applied

	replay     *Replay // made by the first call of Replay
	replayOnce sync.Once

	failed atomic.Pointer[error] // sticky: the secret was rotated by another process
	closed atomic.Bool

	stop      context.CancelFunc
	refresher sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var (
	_ canary.Registry = (*Store)(nil)
	_ watch.Outbox    = (*Store)(nil)
)

// Open opens or creates the store the options name, migrates its schema,
// checks the secret, and loads the index of lookup keys. On return the store
// is ready to match.
func Open(ctx context.Context, opts Options) (*Store, error) {
	d, dsn, err := dataSource(opts)
	if err != nil {
		return nil, err
	}
	secret, err := resolveSecret(opts)
	if err != nil {
		return nil, err
	}
	ks, err := deriveKeys(secret)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(d.name, dsn)
	if err != nil {
		return nil, dbError("opening database", err)
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{db: db, dialect: d, idx: newIndex(ks), cache: newSeedCache(max(1, orDefault(opts.CacheSize, defaultCacheSize)/2)), shapeKeys: map[norm.Key]bool{}}
	if err := s.init(ctx, ks); err != nil {
		db.Close()
		return nil, err
	}
	refreshCtx, stop := context.WithCancel(context.Background())
	s.stop = stop
	if interval := opts.RefreshInterval; interval >= 0 {
		s.refresher.Add(1)
		go s.refreshLoop(refreshCtx, orDefault(interval, defaultRefreshInterval))
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, ks *keySet) error {
	if err := migrate(ctx, s.db, s.dialect, ks); err != nil {
		return err
	}
	var err error
	s.bySeq, err = s.db.PrepareContext(ctx, s.dialect.q(`SELECT id_mac, keys, sealed FROM honeyseed_seeds WHERE seq = ?`))
	if err != nil {
		return dbError("opening database", err)
	}
	if err := s.prepareOutbox(ctx); err != nil {
		return err
	}
	// Changes logged before now concern seeds this store has not cached.
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(rev), 0) FROM honeyseed_seed_changes`).Scan(&s.rev); err != nil {
		return dbError("opening database", err)
	}
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	if err := s.fillRetiredAt(ctx); err != nil {
		return err
	}
	if err := s.fillTags(ctx); err != nil {
		return err
	}
	return s.refineShape(ctx)
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func dataSource(opts Options) (dialect, string, error) {
	switch opts.Driver {
	case "", "sqlite":
		if opts.Path == "" {
			return dialect{}, "", errors.New("sqlstore: Options.Path is required for SQLite")
		}
		if opts.DSN != "" {
			return dialect{}, "", errors.New("sqlstore: Options.DSN is for PostgreSQL; SQLite takes Path")
		}
		if strings.HasPrefix(opts.Path, ":memory:") || strings.HasPrefix(opts.Path, "file:") {
			// Each pooled connection would open its own in-memory database.
			return dialect{}, "", fmt.Errorf("sqlstore: Options.Path %q: want a file path (for a registry in memory, use canary.NewMemoryRegistry)", opts.Path)
		}
		// file: URIs let the path hold any character; the pragmas are what the
		// store relies on: WAL so readers never wait for a writer, IMMEDIATE
		// transactions so a writer holds the lock from its first statement, and
		// full sync because Record promises durability.
		escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(opts.Path)
		q := url.Values{"_txlock": {"immediate"}, "_pragma": {
			fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
			"journal_mode(WAL)",
			"synchronous(FULL)",
			"foreign_keys(1)",
		}}
		return sqliteDialect, "file:" + escaped + "?" + q.Encode(), nil
	case "pgx":
		if opts.DSN == "" {
			return dialect{}, "", errors.New("sqlstore: Options.DSN is required for PostgreSQL")
		}
		return postgresDialect, opts.DSN, nil
	}
	return dialect{}, "", fmt.Errorf("sqlstore: unknown driver %q: want \"sqlite\" or \"pgx\"", opts.Driver)
}

// Close stops the refresher and closes the database. It waits for calls in
// progress; later calls fail with an error wrapping canary.ErrClosed. Closing
// twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.stop()
		s.refresher.Wait()
		if s.bySeq != nil {
			s.bySeq.Close()
		}
		for _, st := range s.stmts {
			st.Close()
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = dbError("closing", err)
		}
	})
	return s.closeErr
}

// stmt returns query bound to tx, from the statements Open prepared once:
// preparing is a large part of a small write's cost, and alerts are recorded
// one by one. A query Open did not prepare is prepared on tx's own
// connection: preparing through the pool inside a transaction could wait for
// a connection that every running transaction holds.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// prepareOutbox prepares the outbox's write statements; s.stmts is not
// changed after Open, so reading it needs no lock.
func (s *Store) prepareOutbox(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range s.outboxQueries() {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return dbError("preparing statements", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// usable reports why the store cannot serve calls, if it cannot. It does not
// allocate: Lookup calls it on every candidate.
func (s *Store) usable() error {
	if s.closed.Load() {
		return errClosed
	}
	if err := s.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// Len returns the number of seeds this store has indexed: every seed in the
// database as of its last refresh.
func (s *Store) Len() int { return s.idx.len() }

func (s *Store) refreshLoop(ctx context.Context, interval time.Duration) {
	defer s.refresher.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A failed poll is retried at the next tick; a rotated secret
			// makes the store fail every call, which is how its owner learns.
			s.Refresh(ctx)
		}
	}
}

// Refresh picks up what other processes changed since the last refresh: seeds
// added, seeds retired, and a rotated secret (after which every call fails with
// ErrWrongSecret until the process reopens the store with the new secret). The
// refresher calls it every RefreshInterval.
func (s *Store) Refresh(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.catchUpLocked(ctx, s.db)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// catchUpLocked applies rows committed since the last call. Inside a write
// transaction it sees every committed row, which is how Add checks duplicates
// against seeds added by other processes.
func (s *Store) catchUpLocked(ctx context.Context, q querier) error {
	ks := s.idx.keySet()
	var check []byte
	if err := q.QueryRowContext(ctx, `SELECT value FROM honeyseed_meta WHERE name = 'key_check'`).Scan(&check); err != nil {
		return dbError("refreshing", err)
	}
	if !hmac.Equal(check, ks.check) {
		return s.rotatedElsewhere()
	}

	before := s.idx.visibleSeq()
	if err := s.loadSeedsLocked(ctx, q); err != nil {
		return err
	}
	if s.idx.visibleSeq() != before {
		if _, err := s.loadShapeLocked(ctx, q, ks); err != nil {
			return err
		}
	}

	rows, err := q.QueryContext(ctx, s.dialect.q(`SELECT rev, seq FROM honeyseed_seed_changes WHERE rev > ? ORDER BY rev`), s.rev)
	if err != nil {
		return dbError("refreshing", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rev, seq int64
		if err := rows.Scan(&rev, &seq); err != nil {
			return dbError("refreshing", err)
		}
		s.cache.invalidate(seq)
		s.rev = rev
	}
	if err := rows.Err(); err != nil {
		return dbError("refreshing", err)
	}
	return nil
}

// rotatedElsewhere makes the store fail from now on: another process rotated
// the secret, so every MAC and seal this process makes is wrong.
func (s *Store) rotatedElsewhere() error {
	err := fmt.Errorf("%w: the secret was rotated by another process: reopen with the new secret", ErrWrongSecret)
	s.failed.CompareAndSwap(nil, &err)
	return *s.failed.Load()
}

// explain turns ErrCorrupt from a sealed row into ErrWrongSecret when the row
// does not open because another process rotated the secret.
func (s *Store) explain(ctx context.Context, err error) error {
	if errors.Is(err, ErrCorrupt) {
		if rerr := s.Refresh(ctx); errors.Is(rerr, ErrWrongSecret) {
			return rerr
		}
	}
	return err
}

// loadSeedsLocked indexes the seed rows after the last one indexed: from the
// packed index rows, then from any seed rows they do not cover. Reading rows
// and inserting them in the index run on two goroutines.
func (s *Store) loadSeedsLocked(ctx context.Context, q querier) error {
	after := s.idx.visibleSeq()
	var n int64 // seeds expected, when loading from scratch
	if after == 0 {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM honeyseed_seeds`).Scan(&n); err != nil {
			return dbError("loading index", err)
		}
		s.idx.growFor(int(n))
	}
	if err := s.loadPackedLocked(ctx, q); err != nil {
		return err
	}
	after = s.idx.visibleSeq()
	rows, err := q.QueryContext(ctx, s.dialect.q(`SELECT seq, id_mac, keys, tags FROM honeyseed_seeds WHERE seq > ? ORDER BY seq`), after)
	if err != nil {
		return dbError("loading index", err)
	}
	defer rows.Close()
	batches := make(chan []entry, 2)
	published := make(chan struct{})
	go func() {
		defer close(published)
		for b := range batches {
			s.idx.publish(b)
		}
	}()
	err = scanEntries(rows, batches)
	close(batches)
	<-published
	if err != nil {
		return err
	}
	return s.refitFilterLocked(ctx, q, 0)
}

// scanEntries reads seed rows into batches of entries.
func scanEntries(rows *sql.Rows, batches chan<- []entry) error {
	var (
		batch []entry
		keys  []mac    // one allocation for the keys of a batch
		tags  []uint64 // and one for their tags
	)
	for rows.Next() {
		if batch == nil {
			batch, keys, tags = make([]entry, 0, publishBatch), make([]mac, 0, 3*publishBatch), make([]uint64, 0, 3*publishBatch)
		}
		var (
			e            entry
			id, key, tag sql.RawBytes
		)
		if err := rows.Scan(&e.seq, &id, &key, &tag); err != nil {
			return dbError("loading index", err)
		}
		if e.seq < 1 || e.seq > maxSeq {
			return fmt.Errorf("%w: loading index: seed row %d is numbered beyond what the index holds", ErrCorrupt, e.seq)
		}
		if len(id) != len(mac{}) || len(key)%len(mac{}) != 0 || len(key) == 0 || tag != nil && len(tag) != len(key)/2 {
			return fmt.Errorf("%w: loading index: seed row %d has malformed MACs", ErrCorrupt, e.seq)
		}
		e.id = mac(id)
		start := len(keys)
		for i := 0; i < len(key); i += len(mac{}) {
			keys = append(keys, mac(key[i:]))
		}
		e.keys = keys[start:len(keys):len(keys)]
		if tag != nil {
			start := len(tags)
			for i := 0; i < len(tag); i += 8 {
				tags = append(tags, binary.LittleEndian.Uint64(tag[i:]))
			}
			e.tags = tags[start:len(tags):len(tags)]
		}
		batch = append(batch, e)
		if len(batch) == publishBatch {
			batches <- batch
			batch = nil
		}
	}
	if err := rows.Err(); err != nil {
		return dbError("loading index", err)
	}
	if len(batch) > 0 {
		batches <- batch
	}
	return nil
}

// write runs fn in a write transaction. On SQLite the transaction is BEGIN
// IMMEDIATE, so it holds the database's write lock from the start; on
// PostgreSQL the tables named in lock are locked IN EXCLUSIVE MODE, which
// orders writers (and so seq values) while readers go on. conn is the
// connection the transaction runs on, for driver-specific calls (COPY).
func (s *Store) write(ctx context.Context, op string, lock []string, fn func(tx *sql.Tx, conn *sql.Conn) error) error {
	if !s.dialect.postgres {
		s.txMu.Lock()
		defer s.txMu.Unlock()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return dbError(op, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return dbError(op, err)
	}
	defer tx.Rollback()
	if s.dialect.postgres && len(lock) > 0 {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+strings.Join(lock, ", ")+" IN EXCLUSIVE MODE"); err != nil {
			return dbError(op, err)
		}
	}
	if err := fn(tx, conn); err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			// database/sql closes the transaction's statements when the
			// context ends; report the cause rather than the symptom.
			return fmt.Errorf("sqlstore: %s: %w", op, cerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError(op, err)
	}
	return nil
}
