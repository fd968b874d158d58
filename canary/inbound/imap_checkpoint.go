package inbound

import (
	"context"
	"sync"
)

// IMAPCheckpoints keeps how far an [IMAP] watcher got in each mailbox: the
// folder's UIDVALIDITY and the UID of the last message whose event was
// recorded. sqlstore.Store implements it in the registry's database.
//
// Implementations are safe for concurrent use. mailbox is an opaque key the
// watcher derives from the mailbox's address and folder; an implementation
// that persists it should blind it. LoadIMAPCheckpoint returns zeros and nil
// for a mailbox never saved. SaveIMAPCheckpoint returns only once the
// checkpoint is durable: the watcher relies on it to not hand a message over
// twice after a restart.
type IMAPCheckpoints interface {
	LoadIMAPCheckpoint(ctx context.Context, mailbox string) (uidValidity, uid uint32, err error)
	SaveIMAPCheckpoint(ctx context.Context, mailbox string, uidValidity, uid uint32) error
}

// MemoryIMAPCheckpoints keeps checkpoints in memory, for tests and for a
// watcher that may rescan its mailboxes when it restarts.
type MemoryIMAPCheckpoints struct {
	mu sync.Mutex
	m  map[string][2]uint32
}

var _ IMAPCheckpoints = (*MemoryIMAPCheckpoints)(nil)

// NewMemoryIMAPCheckpoints returns an empty set of checkpoints.
func NewMemoryIMAPCheckpoints() *MemoryIMAPCheckpoints {
	return &MemoryIMAPCheckpoints{m: map[string][2]uint32{}}
}

func (c *MemoryIMAPCheckpoints) LoadIMAPCheckpoint(_ context.Context, mailbox string) (uint32, uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.m[mailbox]
	return v[0], v[1], nil
}

func (c *MemoryIMAPCheckpoints) SaveIMAPCheckpoint(_ context.Context, mailbox string, uidValidity, uid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[mailbox] = [2]uint32{uidValidity, uid}
	return nil
}
