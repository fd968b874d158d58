package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// IMAP checkpoints: how far an inbound.IMAP watcher got in each mailbox, so
// that a restarted watcher neither misses nor re-reads a message. A row is
// keyed by the HMAC of the watcher's mailbox key (address and folder), so the
// table names no mailbox; its two numbers say only how many messages some
// mailbox received. After Rotate the rows no longer match and each mailbox
// is read again once, which raises no new alert (see inbound's package doc).

// domainIMAPMailbox is the MAC input domain of a mailbox key.
const domainIMAPMailbox byte = 0x12

// mailboxMAC returns the MAC a mailbox's checkpoint is stored under.
func (ks *keySet) mailboxMAC(mailbox string) mac {
	m := ks.macs.Get().(*macer)
	m.h.Reset()
	m.buf[0], m.n = domainIMAPMailbox, 1
	m.write(mailbox)
	out := m.result()
	ks.macs.Put(m)
	return out
}

const sqlSaveCheckpoint = `INSERT INTO honeyseed_imap_checkpoints (mailbox_mac, uid_validity, last_uid) VALUES (?, ?, ?)
ON CONFLICT (mailbox_mac) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid`

// LoadIMAPCheckpoint implements inbound.IMAPCheckpoints: the UIDVALIDITY and
// last UID saved for mailbox, or zeros.
func (s *Store) LoadIMAPCheckpoint(ctx context.Context, mailbox string) (uint32, uint32, error) {
	type cp struct{ validity, uid int64 }
	v, err := readWithKeys(s, ctx, func(ks *keySet) (cp, error) {
		k := ks.mailboxMAC(mailbox)
		var c cp
		err := s.db.QueryRowContext(ctx, s.dialect.q(`SELECT uid_validity, last_uid FROM honeyseed_imap_checkpoints WHERE mailbox_mac = ?`), k[:]).
			Scan(&c.validity, &c.uid)
		if errors.Is(err, sql.ErrNoRows) {
			return cp{}, nil
		}
		if err != nil {
			return cp{}, dbError("loading IMAP checkpoint", err)
		}
		return c, nil
	})
	if err != nil {
		return 0, 0, err
	}
	return uint32(v.validity), uint32(v.uid), nil
}

// SaveIMAPCheckpoint implements inbound.IMAPCheckpoints. It returns once the
// checkpoint is committed.
func (s *Store) SaveIMAPCheckpoint(ctx context.Context, mailbox string, uidValidity, uid uint32) error {
	return s.outboxWrite(ctx, "saving IMAP checkpoint", func(tx *sql.Tx, ks *keySet) error {
		k := ks.mailboxMAC(mailbox)
		if _, err := tx.ExecContext(ctx, s.dialect.q(sqlSaveCheckpoint), k[:], int64(uidValidity), int64(uid)); err != nil {
			return dbError("saving IMAP checkpoint", err)
		}
		return nil
	})
}
