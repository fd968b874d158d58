package plant

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestPhoneFormat(t *testing.T) {
	for _, tc := range []struct {
		f    PhoneFormat
		e164 string
		want string
		why  string
	}{
		{"", "+14155550132", "+14155550132", "the zero value is E.164"},
		{E164, "+447700900123", "+447700900123", "E.164 for any country"},
		{International, "+14155550132", "+1 415-555-0132", "libphonenumber's international form"},
		{National, "+14155550132", "(415) 555-0132", "the US national form"},
		{National, "+447700900123", "07700 900123", "the GB national form, trunk prefix included"},
		{RFC3966, "+442079460123", "tel:+44-20-7946-0123", "a tel: URI"},
		{"(NNN) NNN-NNNN", "+12125550150", "(212) 555-0150", "a learned US pattern"},
		{"+1 NNN.NNN.NNNN", "+12125550150", "+1 212.555.0150", "a pattern with the country code as a literal"},
		{"1-NNN-NNN-NNNN", "+13125550199", "1-312-555-0199", "NANP's trunk 1 as a literal"},
		{"0NNNN NNNNNN", "+447700900001", "07700 900001", "a GB mobile pattern"},
		{"+44 (0)NNNN NNNNNN", "+447700900001", "+44 (0)7700 900001", "the GB (0) habit reads back too"},
	} {
		got, err := tc.f.Format(tc.e164)
		require.NoError(t, err, tc.why)
		assert.Equal(t, tc.want, got, tc.why)
	}
}

func TestPhoneFormatRefusesWhatDoesNotReadBack(t *testing.T) {
	for _, tc := range []struct {
		f    PhoneFormat
		e164 string
		want error
		why  string
	}{
		{"(NNN) NNN-NNNN", "+447700900123", ErrValueDoesNotFit, "a GB number in a US pattern would read back as a US number"},
		{"0NNNN NNNNNN", "+12125550150", ErrValueDoesNotFit, "and a US one in a GB pattern as a GB one"},
		{"NNN-NNNN", "+12125550150", ErrValueDoesNotFit, "a pattern too short for the number drops its area code"},
		{"NNNNNNNNNNNNNN", "+12125550150", ErrValueDoesNotFit, "too many N's for a US number"},
		{"44 NNNNNNNNNN", "+12125550150", ErrValueDoesNotFit, "literal digits of another country"},
		{"(NNN) NNN-NNNN ext", "+12125550150", ErrInvalidInput, "letters other than N are not a pattern"},
		{National, "2125550150", canary.ErrInvalidPhone, "the number must be E.164"},
	} {
		_, err := tc.f.Format(tc.e164)
		assert.ErrorIs(t, err, tc.want, tc.why)
	}
}

func TestParsePhoneFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PhoneFormat
		err  bool
	}{
		{"", E164, false},
		{"e164", E164, false},
		{" national ", National, false},
		{"International", International, false},
		{"(NNN) NNN-NNNN", "(NNN) NNN-NNNN", false},
		{"NNN", "", true},
		{"(nnn) nnn-nnnn", "", true},
		{"=HYPERLINK(1)", "", true},
	} {
		got, err := ParsePhoneFormat(tc.in)
		if tc.err {
			assert.ErrorIs(t, err, ErrInvalidInput, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestPhoneShape(t *testing.T) {
	for _, tc := range []struct {
		value, region string
		pattern       PhoneFormat
		style         PhoneFormat
		ok            bool
		why           string
	}{
		{"(415) 555-0132", "US", "(NNN) NNN-NNNN", National, true, "US national"},
		{"+1 415-555-0132", "US", "+1 NNN-NNN-NNNN", International, true, "international"},
		{"+14155550132", "", "+1NNNNNNNNNN", E164, true, "E.164 needs no region"},
		{"415.555.0132", "US", "NNN.NNN.NNNN", "", true, "a house style no library names"},
		{"07700 900123", "GB", "0NNNN NNNNNN", National, true, "GB mobile"},
		{"+44 (0)7700 900123", "GB", "+44 (0)NNNN NNNNNN", "", true, "the (0) habit"},
		{"415-555-0132 ext. 7", "US", "", "", false, "an extension is not a pattern"},
		{"call me", "US", "", "", false, "not a number"},
		{"", "US", "", "", false, "empty"},
	} {
		_, pattern, style, ok := phoneShape(tc.value, tc.region)
		assert.Equal(t, tc.ok, ok, tc.why)
		assert.Equal(t, tc.pattern, pattern, tc.why)
		assert.Equal(t, tc.style, style, tc.why)
	}
}

// FuzzPhoneShape feeds host phone values (outside input) to the pattern
// inference: it must not panic, and a pattern it learns must write the
// number exactly as the host did, through the same Format that Insert uses.
func FuzzPhoneShape(f *testing.F) {
	for _, s := range []string{"(415) 555-0132", "+1 415-555-0132", "07700 900123", "+44 (0)20 7946 0123",
		"1-800-555-0199", "+61 491 570 156", "tel:+1-415-555-0132", "0044 7700 900123", "+", "(((", "9999999999999999"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, value, region string) {
		if len(region) != 2 {
			region = "US"
		}
		e164, pattern, style, ok := phoneShape(value, region)
		if !ok {
			return
		}
		if got, err := pattern.Format(e164); err != nil || got != strings.TrimSpace(value) {
			t.Fatalf("pattern %q of %q writes %s as %q, %v", pattern, value, e164, got, err)
		}
		if style != "" {
			if _, err := style.Format(e164); err != nil {
				t.Fatalf("style %s of %q cannot write %s: %v", style, value, e164, err)
			}
		}
	})
}
