package plant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Insert plants seeds into the host table as m maps them, all or none, in one
// transaction that only inserts: no other row is read beyond the duplicate
// checks, none is changed.
//
// Before anything is written it checks that the table and every mapped
// column exist (ErrNoTable, ErrNoColumn), that every value fits its column
// and that no NOT NULL column without a default is left out
// (ErrValueDoesNotFit), and that no seed appears twice in seeds
// (ErrDuplicate). In the transaction, a seed whose email or ticket is already
// in the table is refused with ErrDuplicate: planting it again would add a
// second row, and a ticket shared with a real customer would point alerts at
// them. A row the host refuses (a constraint, a dropped connection, a
// cancelled ctx) rolls everything back: the host table is as it was.
//
// Register the seeds before planting them (see Dripper, which does both and
// records PlantedAt), so that a planted seed is always one the Matcher knows.
func Insert(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed) error {
	if len(seeds) == 0 {
		return nil
	}
	return insertRetried(ctx, db, m, seeds, nil)
}

// insertRetried is insertOnce, tried again when refused as busy: two
// SQLite writers that both read first deadlock on upgrading their locks,
// and one is refused at once as busy; PostgreSQL may likewise abort one of
// two transactions. The whole transaction was rolled back then, so it is
// tried again, for as long as ctx allows.
func insertRetried(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed, ids []int64) error {
	backoff := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := insertOnce(ctx, db, m, seeds, ids)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff + rand.N(backoff)):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// maxAttempts bounds the tries of one Insert refused as busy.
const maxAttempts = 12

// retryable reports whether err is a transient refusal to write: SQLite's
// BUSY or LOCKED, PostgreSQL's serialization failure or deadlock.
func retryable(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "40001" || pg.SQLState() == "40P01"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		const busy, locked = 5, 6
		return lite.Code()&0xff == busy || lite.Code()&0xff == locked
	}
	return false
}

// insertAt is Insert of one seed given its row id (a slot's).
func insertAt(ctx context.Context, db *sql.DB, m Mapping, s canary.Seed, id int64) error {
	return insertRetried(ctx, db, m, []canary.Seed{s}, []int64{id})
}

// insertOnce writes seeds in one transaction; ids, when not nil, are their
// row ids.
func insertOnce(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed, ids []int64) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("plant: beginning the transaction: %w", err)
	}
	defer func() {
		if err != nil {
			// The rollback's own error is moot: an uncommitted transaction on
			// a dropped connection is rolled back by the server.
			_ = tx.Rollback()
		}
	}()
	p, err := prepare(ctx, db, tx, m)
	if err != nil {
		return err
	}
	rows, err := p.renderAll(seeds)
	if err != nil {
		return err
	}
	if err := p.insert(ctx, tx, seeds, rows, ids); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("plant: committing %d seeds: %w", len(seeds), classify(err))
	}
	return nil
}

// renderAll renders every seed and refuses two seeds sharing an email or a
// ticket, before anything is written.
func (p *prepared) renderAll(seeds []canary.Seed) ([][]any, error) {
	rows := make([][]any, len(seeds))
	seen := make(map[string]int, 2*len(seeds))
	for i, s := range seeds {
		row, err := p.render(s)
		if err != nil {
			return nil, err
		}
		rows[i] = row
		keys := []string{"email\x00" + strings.ToLower(s.Email)}
		if s.Ticket != "" && p.col(roleTicket) != nil {
			keys = append(keys, "ticket\x00"+s.Ticket)
		}
		for _, k := range keys {
			if j, dup := seen[k]; dup {
				what, _, _ := strings.Cut(k, "\x00")
				return nil, fmt.Errorf("%w: seeds %s and %s share an %s", ErrDuplicate, seeds[j].ID, s.ID, what)
			}
			seen[k] = i
		}
	}
	return rows, nil
}

// insert writes rows in tx, each after checking that its email and ticket
// are not in the table yet.
func (p *prepared) insert(ctx context.Context, tx *sql.Tx, seeds []canary.Seed, rows [][]any, ids []int64) error {
	names := make([]string, len(p.cols))
	marks := make([]string, len(p.cols))
	for i, mc := range p.cols {
		names[i] = quote(mc.col.name)
		marks[i] = p.d.placeholder(i + 1)
	}
	if ids != nil {
		id, err := p.idColumn()
		if err != nil || id == nil {
			return fmt.Errorf("%w: no id column to give a row id", ErrMapping)
		}
		names = append(names, quote(id.name))
		marks = append(marks, p.d.placeholder(len(marks)+1))
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+p.t.qualified()+" ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")")
	if err != nil {
		return fmt.Errorf("plant: preparing the insert: %w", err)
	}
	defer stmt.Close()
	for i, s := range seeds {
		if err := p.refuseExisting(ctx, tx, s); err != nil {
			return err
		}
		args := rows[i]
		if ids != nil {
			args = append(args[:len(args):len(args)], ids[i])
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("plant: inserting seed %s (%d of %d): %w", s.ID, i+1, len(seeds), classify(err))
		}
	}
	return nil
}

// refuseExisting reports ErrDuplicate when s's email or ticket is already a
// value of its column. Equality is exact, so an index on the column serves.
func (p *prepared) refuseExisting(ctx context.Context, q queryer, s canary.Seed) error {
	checks := []struct {
		role  role
		value string
	}{{roleEmail, s.Email}, {roleTicket, s.Ticket}}
	for _, c := range checks {
		col := p.col(c.role)
		if col == nil || c.value == "" {
			continue
		}
		v, err := fit(col, c.value)
		if err != nil {
			return fmt.Errorf("%w (seed %s, column %q)", err, s.ID, col.name)
		}
		var one int
		err = q.QueryRowContext(ctx, "SELECT 1 FROM "+p.t.qualified()+" WHERE "+quote(col.name)+" = "+p.d.placeholder(1)+" LIMIT 1", v).Scan(&one)
		switch {
		case err == nil:
			return fmt.Errorf("%w: seed %s: its value of column %q is already in %q", ErrDuplicate, s.ID, col.name, p.t.name)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("plant: checking seed %s against the host: %w", s.ID, err)
		}
	}
	return nil
}

// Conflicts returns the seeds whose email or ticket is already in the host
// table: those Insert would refuse with ErrDuplicate. A ticket drawn inside
// the host's live range can be a real customer's; call Conflicts between
// Generate and registering, drop what it returns and generate replacements
// (see Shape.TicketDensity for how crowded the range is). It only reads.
func Conflicts(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed) ([]canary.Seed, error) {
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return nil, err
	}
	var out []canary.Seed
	for _, s := range seeds {
		err := p.refuseExisting(ctx, db, s)
		switch {
		case errors.Is(err, ErrDuplicate):
			out = append(out, s)
		case err != nil:
			return nil, err
		}
	}
	return out, nil
}

// Exclude returns a function for canary.Config.Exclude that asks the host
// table whether a real record already holds an address or ticket, so that the
// Generator draws another value instead of colliding with a customer. It
// queries the table once per value and keeps nothing it reads. A failed query
// counts as held: when in doubt, the Generator draws again.
func Exclude(ctx context.Context, db *sql.DB, m Mapping) (func(canary.Field, string) bool, error) {
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return nil, err
	}
	return func(f canary.Field, v string) bool {
		var s canary.Seed
		switch f {
		case canary.FieldEmail:
			s.Email = v
		case canary.FieldTicket:
			s.Ticket = v
		default:
			return false
		}
		return p.refuseExisting(ctx, db, s) != nil
	}, nil
}
