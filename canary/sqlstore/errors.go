package sqlstore

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/honeyseed/honeyseed/canary"
)

// Sentinel errors. Every error the package returns starts with "sqlstore: " and
// wraps one of these, a canary sentinel (ErrDuplicate, ErrNotFound, ErrClosed,
// the validation errors), a context error, or the database driver's error.
var (
	// ErrInvalidSecret: no secret was given, or it is not 32 bytes, or the key
	// file is readable by group or others.
	ErrInvalidSecret = errors.New("sqlstore: invalid secret")
	// ErrWrongSecret: the database was created, or rotated, with another secret.
	ErrWrongSecret = errors.New("sqlstore: wrong secret for this database")
	// ErrSchemaTooNew: the database was migrated by a newer version of this package.
	ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this code")
	// ErrCorrupt: the file is not a database, or a page or sealed row is damaged
	// or was altered without the secret.
	ErrCorrupt = errors.New("sqlstore: database corrupt")
)

var errClosed = fmt.Errorf("sqlstore: store used after Close: %w", canary.ErrClosed)

// dbError wraps an error from database/sql with the operation that failed, and
// classifies SQLite's "not a database" and "malformed" codes as ErrCorrupt.
func dbError(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, op, err)
		}
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}
