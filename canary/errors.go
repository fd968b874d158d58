package canary

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them, so callers
// branch with errors.Is; messages read like: canary: invalid phone number "+1 555": too short.
var (
	// ErrInvalidConfig: a Config field is missing or unusable. The message names the field.
	ErrInvalidConfig = errors.New("canary: invalid config")
	// ErrInvalidEmail: the text is not an email address.
	ErrInvalidEmail = errors.New("canary: invalid email address")
	// ErrInvalidPhone: the text is not a phone number.
	ErrInvalidPhone = errors.New("canary: invalid phone number")
	// ErrInvalidTicket: the text is not a ticket reference.
	ErrInvalidTicket = errors.New("canary: invalid ticket reference")
	// ErrInvalidSeed: a seed lacks what a registry needs (ID, placement, a value to trip on).
	ErrInvalidSeed = errors.New("canary: invalid seed")
	// ErrInvalidInput: any other malformed input (an unknown field or channel name, a bad event).
	ErrInvalidInput = errors.New("canary: invalid input")
	// ErrDuplicate: a seed's ID, email or ticket is already registered.
	ErrDuplicate = errors.New("canary: duplicate seed")
	// ErrNotFound: no seed has that ID.
	ErrNotFound = errors.New("canary: seed not found")
	// ErrUnsupportedField: the operation does not apply to that field (names are never looked up).
	ErrUnsupportedField = errors.New("canary: unsupported field")
	// ErrClosed: the value was used after Close.
	ErrClosed = errors.New("canary: closed")
	// ErrSinkPermanent: a Sink's target refuses in a way retrying will not fix.
	// Sinks wrap it; the Watcher keeps retrying at MaxBackoff but reports the sink.
	ErrSinkPermanent = errors.New("canary: sink refuses permanently")
	// ErrPoolExhausted: the generator cannot draw another unique value (too few phone numbers for
	// the rules, or a ticket range too narrow).
	ErrPoolExhausted = errors.New("canary: pool exhausted")
)

// CapacityError says a Generate call asks for more than is left, found before
// any work is done: "canary: 1000000 seeds need 1000000 ticket numbers; the
// range TM-10400000..TM-10999999 has 583211 free". It wraps ErrPoolExhausted.
type CapacityError struct {
	Seeds    int    // seeds asked for
	Need     uint64 // how many of Resource they need
	Resource string // "ticket numbers", "phone numbers", "mailboxes"
	Where    string // what holds them: "the range TM-10400000..TM-10999999"
	Free     uint64 // how many of Resource are free there
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("canary: %d seeds need %d %s; %s has %d free", e.Seeds, e.Need, e.Resource, e.Where, e.Free)
}

// Unwrap lets errors.Is(err, ErrPoolExhausted) hold.
func (e *CapacityError) Unwrap() error { return ErrPoolExhausted }
