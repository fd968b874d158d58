package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// Group commit. Every alert the watcher records must be durable before it
// returns (synchronous=FULL: the WAL is synced at each commit), and on SQLite
// one process writes one transaction at a time, so under a storm of mail the
// syncs, not the work, set the pace. Records and Updates that arrive while a
// transaction is being written wait, and the next transaction carries all of
// them, each in its own savepoint: one sync serves them all, each caller
// returns once its own write has committed, and one write that fails leaves
// the others stored. Durability is unchanged: nothing is acknowledged before
// the commit that holds it has been synced.

// maxGroup bounds how many writes one transaction carries.
const maxGroup = 256

// groupOp is one outbox write waiting for, or in, a group commit.
type groupOp struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx, ks *keySet) error
	err  error
	done chan struct{} // closed when err is final
	lead chan struct{} // closed when this caller is to write the next group
}

// groupCommit queues writes while one transaction is being written; whoever
// finds no writer becomes it, and hands the role to the first queued caller
// when its own write is done, so no caller writes for others indefinitely.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupOp
	writing bool
}

// groupWrite runs fn in an outbox write transaction: its own on PostgreSQL,
// a shared one on SQLite. fn must set its results afresh each time it runs:
// after a rotation it runs again.
func (s *Store) groupWrite(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx, ks *keySet) error) error {
	if s.dialect.postgres {
		return s.outboxWrite(ctx, op, func(tx *sql.Tx, ks *keySet) error { return fn(ctx, tx, ks) })
	}
	return s.group.run(s, &groupOp{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan struct{})})
}

func (g *groupCommit) run(s *Store, o *groupOp) error {
	g.mu.Lock()
	g.queue = append(g.queue, o)
	leader := !g.writing
	g.writing = true
	g.mu.Unlock()
	if !leader {
		select {
		case <-o.done:
			return o.err
		case <-o.lead:
		}
	}
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()
		// Written for every caller in it: one caller's cancellation must not
		// undo the others' writes (a cancelled one is skipped, see writeGroup).
		err := s.writeGroup(context.WithoutCancel(o.ctx), batch)
		mine := false
		for _, b := range batch {
			if err != nil {
				b.err = err
			}
			mine = mine || b == o
			if b != o {
				close(b.done)
			}
		}
		if !mine {
			continue // o is further down the queue, and still this caller's to write
		}
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.writing = false
		} else {
			close(g.queue[0].lead)
		}
		g.mu.Unlock()
		return o.err
	}
}

// writeGroup runs the writes of batch in one transaction, each in its own
// savepoint when there are several. The error is the transaction's; each
// write's own is in its err.
func (s *Store) writeGroup(ctx context.Context, batch []*groupOp) error {
	return s.outboxWrite(ctx, "recording alerts", func(tx *sql.Tx, ks *keySet) error {
		for _, o := range batch {
			o.err = nil
			if err := o.ctx.Err(); err != nil {
				o.err = fmt.Errorf("sqlstore: %w", err)
				continue
			}
			if len(batch) == 1 {
				o.err = o.fn(ctx, tx, ks)
				return o.err
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT outbox_write"); err != nil {
				return dbError("recording alerts", err)
			}
			if o.err = o.fn(ctx, tx, ks); o.err != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO outbox_write"); err != nil {
					return dbError("recording alerts", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE outbox_write"); err != nil {
				return dbError("recording alerts", err)
			}
		}
		return nil
	})
}
