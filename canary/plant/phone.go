package plant

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary"
)

// PhoneFormat says how a phone number is written into the host: one of the
// named styles, or a pattern learned from the host's own rows.
//
// A pattern holds one 'N' per digit of the national number, literal digits
// before them (a country code, a trunk prefix, an international prefix) and
// the punctuation " +-()./": "(NNN) NNN-NNNN", "+1 NNN-NNN-NNNN",
// "0NNNN NNNNNN". A number the pattern cannot write is an error wrapping
// ErrValueDoesNotFit: one whose national number has another length, or whose
// country the literal digits do not fit ("(NNN) NNN-NNNN" is no way to write
// a GB number, whose national form needs its trunk 0). Every planted number
// is also parsed back and must give the seed's own, so that what is planted
// is what the Matcher looks for.
type PhoneFormat string

// The named styles, written by libphonenumber (nyaruka/phonenumbers) in the
// number's own country's conventions. The zero value is E164.
const (
	E164          PhoneFormat = "E164"          // +14155550132
	International PhoneFormat = "INTERNATIONAL" // +1 415-555-0132
	National      PhoneFormat = "NATIONAL"      // (415) 555-0132
	RFC3966       PhoneFormat = "RFC3966"       // tel:+1-415-555-0132
)

// patternChars are what a pattern may hold besides 'N' and digits.
const patternChars = " +-()./"

// maxPattern bounds a pattern's length; phone numbers have at most 15 digits.
const maxPattern = 40

// ParsePhoneFormat reads a style name ("E164", "national", ...; case is
// ignored) or a pattern, and reports an error wrapping ErrInvalidInput for
// anything else.
func ParsePhoneFormat(s string) (PhoneFormat, error) {
	switch f := PhoneFormat(strings.ToUpper(strings.TrimSpace(s))); f {
	case "", E164:
		return E164, nil
	case International, National, RFC3966:
		return f, nil
	}
	if err := checkPattern(s); err != nil {
		return "", err
	}
	return PhoneFormat(s), nil
}

func checkPattern(s string) error {
	if len(s) > maxPattern {
		return fmt.Errorf("%w: phone pattern %q: longer than %d bytes", ErrInvalidInput, s[:maxPattern]+"…", maxPattern)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'N':
			n++
		case c >= '0' && c <= '9':
			if n > 0 {
				return fmt.Errorf("%w: phone pattern %q: literal digits must come before the N's", ErrInvalidInput, s)
			}
		case strings.IndexByte(patternChars, c) >= 0:
		default:
			return fmt.Errorf("%w: phone pattern %q: %q is neither N, a digit nor one of %q", ErrInvalidInput, s, c, patternChars)
		}
	}
	if n < 4 || n > 15 {
		return fmt.Errorf("%w: phone pattern %q: needs 4 to 15 N", ErrInvalidInput, s)
	}
	return nil
}

// Format writes the E.164 number e164 in format f, and checks that the
// result reads back as the same number.
func (f PhoneFormat) Format(e164 string) (string, error) {
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil || !strings.HasPrefix(e164, "+") {
		return "", fmt.Errorf("plant: %w: not an E.164 number", canary.ErrInvalidPhone)
	}
	var out string
	switch f {
	case "", E164:
		return phonenumbers.Format(num, phonenumbers.E164), nil
	case International:
		out = phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
	case National:
		out = phonenumbers.Format(num, phonenumbers.NATIONAL)
	case RFC3966:
		out = phonenumbers.Format(num, phonenumbers.RFC3966)
	default:
		if err := checkPattern(string(f)); err != nil {
			return "", err
		}
		if err := fitsPattern(string(f), num); err != nil {
			return "", err
		}
		out = fillPattern(string(f), phonenumbers.GetNationalSignificantNumber(num))
	}
	region := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	if back, err := canary.NormalizePhone(out, region); err != nil || back != e164 {
		// The number itself stays out of the message: errors end up in logs
		// that insiders may read.
		return "", fmt.Errorf("%w: a +%d number with %d digits cannot be written as %q",
			ErrValueDoesNotFit, num.GetCountryCode(), len(e164)-1, f)
	}
	return out, nil
}

// fitsPattern reports whether pattern can write num: one N per digit of its
// national number, and literal digits that are a way to lead into it in its
// country: nothing (where the national form has no trunk prefix, as in
// NANP), the trunk prefix, the country code, the country code and the trunk
// prefix ("+44 (0)"), or an international prefix and the country code.
func fitsPattern(pattern string, num *phonenumbers.PhoneNumber) error {
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	cc := strconv.Itoa(int(num.GetCountryCode()))
	var lead []byte
	n := 0
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == 'N':
			n++
		case isDigit(c):
			lead = append(lead, c)
		}
	}
	if n != len(nsn) {
		return fmt.Errorf("%w: a +%s number has %d national digits, the pattern %q has %d N",
			ErrValueDoesNotFit, cc, len(nsn), pattern, n)
	}
	region := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	trunk := phonenumbers.GetNddPrefixForRegion(region, true)
	national := phonenumbers.NormalizeDigitsOnly(phonenumbers.Format(num, phonenumbers.NATIONAL))
	ok := []string{cc, cc + trunk, "00" + cc, "011" + cc}
	if trunk != "" {
		ok = append(ok, trunk)
	}
	if national == nsn {
		ok = append(ok, "")
	}
	if !slices.Contains(ok, string(lead)) {
		return fmt.Errorf("%w: %q is no way to write a +%s number: it starts with %q", ErrValueDoesNotFit, pattern, cc, lead)
	}
	return nil
}

// fillPattern writes digits into the N's of pattern from the right; N's left
// over when the digits run out stay N.
func fillPattern(pattern, digits string) string {
	b := []byte(pattern)
	j := len(digits) - 1
	for i := len(b) - 1; i >= 0 && j >= 0; i-- {
		if b[i] == 'N' {
			b[i] = digits[j]
			j--
		}
	}
	return string(b)
}

// phoneShape reads one host phone value: its E.164 form, its pattern (the
// digits of the national number turned into N, everything else kept), and
// the named style it is written in, if any. ok is false for a value that is
// not a phone number, holds characters a pattern cannot (letters, "ext."),
// or whose last digits are not its national number (a format that moves
// digits about cannot be learned as a pattern).
func phoneShape(value, region string) (e164 string, pattern PhoneFormat, style PhoneFormat, ok bool) {
	value = strings.TrimSpace(value)
	if len(value) > maxPattern || value == "" {
		return "", "", "", false
	}
	num, err := phonenumbers.Parse(value, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", "", "", false
	}
	// Read the number again from its E.164 form, as Format will: odd inputs
	// (leading zeros) can parse to a national number E.164 does not keep.
	e164 = phonenumbers.Format(num, phonenumbers.E164)
	if num, err = phonenumbers.Parse(e164, "ZZ"); err != nil {
		return "", "", "", false
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	b := []byte(value)
	j := len(nsn) - 1
	for i := len(b) - 1; i >= 0; i-- {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if j >= 0 {
				if c != nsn[j] {
					return "", "", "", false
				}
				b[i] = 'N'
				j--
			}
		case strings.IndexByte(patternChars, c) < 0:
			return "", "", "", false
		}
	}
	if j >= 0 || len(nsn) < 4 {
		return "", "", "", false
	}
	// A pattern is only learned if it writes this very value back.
	if out, err := PhoneFormat(b).Format(e164); err != nil || out != value {
		return "", "", "", false
	}
	for _, s := range styles {
		if phonenumbers.Format(num, s.lib) == value {
			style = s.name
			break
		}
	}
	return e164, PhoneFormat(b), style, true
}

var styles = []struct {
	name PhoneFormat
	lib  phonenumbers.PhoneNumberFormat
}{
	{E164, phonenumbers.E164},
	{International, phonenumbers.INTERNATIONAL},
	{National, phonenumbers.NATIONAL},
	{RFC3966, phonenumbers.RFC3966},
}

// phoneRegion returns the region of an E.164 number: the one it is valid in,
// else the main region of its country code ("US" for +1).
func phoneRegion(e164 string) string {
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForNumber(num); r != "" && r != "ZZ" {
		return r
	}
	return phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
}
