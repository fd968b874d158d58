package canary

import (
	"fmt"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// One normalization per field, used both when a seed is registered and when text
// is matched, so what was planted and what is seen compare equal (invariant 5).
// The rules live in package internal/norm; these wrap them with typed errors.

// NormalizeEmail returns the canonical form of an email address: the address alone
// (display names, angle brackets, "mailto:" and surrounding punctuation removed),
// NFKC-normalized, with look-alike characters from other scripts folded to Latin
// and invisible characters dropped, lower-cased, without a "+tag", and with the
// domain in IDNA ASCII form. For gmail.com and googlemail.com, whose mailboxes
// ignore dots, the dots of the local part are removed too.
//
// The error wraps ErrInvalidEmail.
func NormalizeEmail(s string) (string, error) {
	b, reason := norm.AppendEmail(make([]byte, 0, len(s)), s)
	if reason != "" {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidEmail, norm.Clip(s), reason)
	}
	return string(b), nil
}

// NormalizePhone returns the E.164 form ("+14155550132") of a phone number written
// in any common format: "+1 (415) 555-0132", "415.555.0132", "1-415-555-0132",
// "tel:+14155550132", "+44 (0)7700 900123", "0044 7700 900123". region is the
// ISO 3166 code ("US", "GB") for numbers written in national form; "" accepts only
// international forms. Parsing is libphonenumber's (nyaruka/phonenumbers); the
// number must be possible for its country, but need not be in service, so ranges
// reserved for fiction are accepted.
//
// The error wraps ErrInvalidPhone.
func NormalizePhone(s, region string) (string, error) {
	e164, reason := norm.Phone(s, region)
	if reason != "" {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidPhone, norm.Clip(s), reason)
	}
	return e164, nil
}

// NormalizeTicket returns the canonical form of a ticket reference: look-alikes
// folded, upper case, letters and digits only, so "tm-0001 2345", "TM#00012345"
// and "TM-00012345" compare equal. A reference holds at least one digit and
// between 4 and 40 letters and digits.
//
// The error wraps ErrInvalidTicket.
func NormalizeTicket(s string) (string, error) {
	b, reason := norm.AppendTicket(make([]byte, 0, len(s)), s)
	if reason != "" {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidTicket, norm.Clip(s), reason)
	}
	return string(b), nil
}

// NormalizeName returns the form in which names are compared: NFKC, look-alikes
// folded, accents removed, lower case, words separated by one space. "José
// GARCÍA-López" becomes "jose garcia lopez". It never fails: any text has a form.
func NormalizeName(s string) string { return norm.Name(s) }
