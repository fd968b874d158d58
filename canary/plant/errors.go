package plant

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error the package returns starts with "plant: " and
// wraps one of these, a canary sentinel, a context error, or the database
// driver's error; branch with errors.Is.
var (
	// ErrNoTable: the mapped table does not exist (or the database user cannot see it).
	ErrNoTable = errors.New("plant: no such table")
	// ErrNoColumn: a mapped column does not exist in the table.
	ErrNoColumn = errors.New("plant: no such column")
	// ErrValueDoesNotFit: a value is longer than its column allows, is not a
	// number where the column holds numbers, cannot be written in the phone
	// format asked for, or a NOT NULL column without a default is left unmapped.
	ErrValueDoesNotFit = errors.New("plant: value does not fit the column")
	// ErrDialect: the database is neither SQLite nor PostgreSQL, or the
	// dialect could not be told.
	ErrDialect = errors.New("plant: unsupported SQL dialect")
	// ErrMapping: the Mapping itself is unusable: no table or email column, an
	// identifier that is not a plain name, a template that does not parse or
	// run, one column mapped twice.
	ErrMapping = errors.New("plant: invalid mapping")
	// ErrDuplicate: a seed is already in the host table (its email or ticket
	// is there), appears twice in one call, or the host refused a row as a
	// duplicate (unique or primary-key constraint).
	ErrDuplicate = errors.New("plant: duplicate")
	// ErrConstraint: the host refused a row for another constraint (a CHECK
	// or a foreign key).
	ErrConstraint = errors.New("plant: rejected by a constraint of the host")
	// ErrTooFast: a Schedule would make seeds more than the allowed share
	// of the host's new rows; the *TooFastError says how long they need.
	ErrTooFast = errors.New("plant: schedule too short for the host's arrival rate")
	// ErrTooFewDomains: a config has too few owned domains for the seeds
	// asked to pass among the host's small domains; the
	// *DomainShortageError gives the numbers.
	ErrTooFewDomains = errors.New("plant: too few owned domains for this table")
	// ErrInvalidInput: any other malformed argument (a CSV format or phone
	// format name, a schedule, a seed without an email).
	ErrInvalidInput = errors.New("plant: invalid input")
)

// classify wraps a driver error from an INSERT with the sentinel that names
// its cause. It probes the errors' methods rather than importing the drivers:
// pgconn.PgError has SQLState, modernc's sqlite.Error has Code (extended
// result codes).
func classify(err error) error {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		switch code := pg.SQLState(); {
		case code == "23505":
			return fmt.Errorf("%w: %w", ErrDuplicate, err)
		case code == "23502", code == "22001", strings.HasPrefix(code, "22"):
			return fmt.Errorf("%w: %w", ErrValueDoesNotFit, err)
		case strings.HasPrefix(code, "23"):
			return fmt.Errorf("%w: %w", ErrConstraint, err)
		}
		return err
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		const (
			constraint        = 19
			constraintNotNull = constraint | 5<<8
			constraintPK      = constraint | 6<<8
			constraintUnique  = constraint | 8<<8
			tooBig            = 18
			mismatch          = 20
		)
		switch code := lite.Code(); {
		case code == constraintUnique, code == constraintPK:
			return fmt.Errorf("%w: %w", ErrDuplicate, err)
		case code == constraintNotNull, code&0xff == tooBig, code&0xff == mismatch:
			return fmt.Errorf("%w: %w", ErrValueDoesNotFit, err)
		case code&0xff == constraint:
			return fmt.Errorf("%w: %w", ErrConstraint, err)
		}
	}
	return err
}
