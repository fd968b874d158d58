package canary

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want, why string
	}{
		{"jessica.smith@mail.example", "jessica.smith@mail.example", "canonical already"},
		{"Jessica.Smith@MAIL.Example", "jessica.smith@mail.example", "case folded"},
		{"  jessica.smith@mail.example \n", "jessica.smith@mail.example", "surrounding space"},
		{`"Jessica Smith" <jessica.smith@mail.example>`, "jessica.smith@mail.example", "display name and brackets"},
		{"Jessica Smith <jessica.smith@mail.example>", "jessica.smith@mail.example", "unquoted display name"},
		{"mailto:jessica.smith@mail.example?subject=Refund", "jessica.smith@mail.example", "mailto link with query"},
		{"MAILTO:jessica.smith@mail.example", "jessica.smith@mail.example", "mailto in capitals"},
		{"(jessica.smith@mail.example).", "jessica.smith@mail.example", "prose punctuation"},
		{"jessica.smith+refunds@mail.example", "jessica.smith@mail.example", "plus tag dropped"},
		{"jessicа.smith@mail.example", "jessica.smith@mail.example", "Cyrillic а folded to Latin a"},
		{"ј\u200bessica.smith@mail.example", "jessica.smith@mail.example", "Cyrillic ј and a zero-width space"},
		{"ｊｅｓｓｉｃａ.smith@mail.example", "jessica.smith@mail.example", "full-width letters (NFKC)"},
		{"jessica.smith＠mail.example", "jessica.smith@mail.example", "full-width @ (NFKC)"},
		{"jessica.smith@mail.example.", "jessica.smith@mail.example", "trailing root dot"},
		{"ana@bücher.example", "ana@xn--bcher-kva.example", "IDN domain to punycode"},
		{"ana@xn--bcher-kva.example", "ana@xn--bcher-kva.example", "punycode stays"},
		{"ana@BÜCHER.example", "ana@xn--bcher-kva.example", "IDN domain in capitals"},
		{"josé@mail.example", "josé@mail.example", "Unicode local part kept (SMTPUTF8)"},
		{"J.Smith+x@googlemail.com", "jsmith@gmail.com", "Gmail ignores dots; googlemail is gmail"},
		{"o'brien@mail.example", "o'brien@mail.example", "apostrophe is atext"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if assert.NoError(t, err, tt.why) {
			assert.Equal(t, tt.want, got, tt.why)
		}
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	tests := []struct {
		in, why string
	}{
		{"", "empty"},
		{"jessica.smith", "no @"},
		{"@mail.example", "empty local part"},
		{"+tag@mail.example", "nothing before the tag"},
		{"jessica@", "empty domain"},
		{"jessica@localhost", "single-label domain"},
		{"jessica@mail..example", "empty label"},
		{"jessica@-mail.example", "label starts with hyphen"},
		{"jessica@192.168.0.1", "address literal"},
		{"jes sica@mail.example", "space in local part"},
		{"jessica.@mail.example", "trailing dot in local part"},
		{"jessica@mail.example\xff", "invalid UTF-8"},
		{"a\x00b@mail.example", "NUL byte"},
		{string(make([]byte, 70)) + "@mail.example", "NUL-filled local part"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mail.example", "local part over 64"},
	}
	for _, tt := range tests {
		_, err := NormalizeEmail(tt.in)
		assert.ErrorIs(t, err, ErrInvalidEmail, tt.why)
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region, want, why string
	}{
		{"+1 (415) 555-0132", "US", "+14155550132", "international with punctuation"},
		{"415.555.0132", "US", "+14155550132", "dotted national"},
		{"(415) 555-0132", "US", "+14155550132", "parenthesized area code"},
		{"1-415-555-0132", "US", "+14155550132", "trunk prefix 1"},
		{"tel:+14155550132", "US", "+14155550132", "tel URI"},
		{"+14155550132", "", "+14155550132", "E.164 with no region"},
		{"+44 (0)7700 900123", "US", "+447700900123", "UK with (0) trunk after the country code"},
		{"0044 7700 900123", "GB", "+447700900123", "00 international prefix from the UK"},
		{"07700 900123", "GB", "+447700900123", "UK national mobile (Ofcom drama range)"},
		{"+34 600 000 000", "", "+34600000000", "Spain"},
		{"0491 570 156", "AU", "+61491570156", "Australia national (ACMA fiction range)"},
		{"+1 415 555 0132 ext 12", "US", "+14155550132", "extension dropped"},
		{"＋１ ４１５ ５５５ ０１３２", "US", "+14155550132", "full-width digits"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.region)
		if assert.NoError(t, err, tt.why) {
			assert.Equal(t, tt.want, got, tt.why)
		}
	}
}

func TestNormalizePhoneRejects(t *testing.T) {
	tests := []struct {
		in, region, why string
	}{
		{"", "US", "empty"},
		{"415 555", "US", "too short"},
		{"415.555.0132", "", "national number with no region"},
		{"+1 555", "US", "too short international"},
		{"call me", "US", "no digits"},
		{"+1 415 555 0132", "XX", "unknown region"},
		{"+1 415 555 0132\xff", "US", "invalid UTF-8"},
		{"+1 415 555 0132 0000000000000000000000000000000000000000000000000000000000", "US", "too long"},
	}
	for _, tt := range tests {
		_, err := NormalizePhone(tt.in, tt.region)
		assert.ErrorIs(t, err, ErrInvalidPhone, tt.why)
	}
}

func TestNormalizeTicket(t *testing.T) {
	tests := []struct {
		in, want, why string
	}{
		{"TM-00012345", "TM00012345", "canonical drops the dash"},
		{"tm-00012345", "TM00012345", "case"},
		{"TM 0001 2345", "TM00012345", "spaces"},
		{"#TM00012345", "TM00012345", "hash prefix"},
		{"ТМ-00012345", "TM00012345", "Cyrillic capitals Т and М fold to Latin"},
		{"123456789", "123456789", "digits only"},
	}
	for _, tt := range tests {
		got, err := NormalizeTicket(tt.in)
		if assert.NoError(t, err, tt.why) {
			assert.Equal(t, tt.want, got, tt.why)
		}
	}
	for _, bad := range []string{"", "TM-", "ABCDEFG", "12", "TM-0001\x00", "TM-0001;DROP", "TM-" + string(make([]byte, 50))} {
		_, err := NormalizeTicket(bad)
		assert.ErrorIs(t, err, ErrInvalidTicket, "%q", bad)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want, why string }{
		{"José GARCÍA-López", "jose garcia lopez", "accents, case and hyphen"},
		{"  Ann   Lee ", "ann lee", "spaces collapse"},
		{"O'Brien", "o'brien", "apostrophe kept inside a name"},
		{"'Ann','Lee'", "ann lee", "quotes around words dropped"},
		{"Jеssica", "jessica", "Cyrillic е"},
		{"", "", "empty"},
		{"\xff\xfeAnn", "ann", "invalid UTF-8 does not panic"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, NormalizeName(tt.in), tt.why)
	}
}

// FuzzNormalizeEmail checks that normalization never panics, is idempotent, and
// that the matcher's buffer path agrees with the exported function.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"jessica.smith@mail.example", `"A" <a@b.example>`, "mailto:x@y.example?z", "jessicа@mail.example", "a@bücher.example", "\xff@x.example", "a+b@c.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidEmail)
			return
		}
		again, err := NormalizeEmail(got)
		require.NoError(t, err, "normalized form %q must be valid", got)
		require.Equal(t, got, again, "idempotent")
		require.Equal(t, norm.EmailKey(got), string(norm.AppendEmailKey(nil, got)))
	})
}

// FuzzNormalizePhone checks no panic, idempotence, and that the matcher's fast
// path finds what libphonenumber parses: whatever NormalizePhone accepts, a
// registry holding the result is found by matching the same text.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+1 (415) 555-0132", "415.555.0132", "+44 (0)7700 900123", "0044 7700 900123", "07700 900123", "tel:+14155550132", "+4407700900123"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		got, err := NormalizePhone(s, region)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPhone)
			return
		}
		again, err := NormalizePhone(got, "")
		require.NoError(t, err)
		require.Equal(t, got, again, "idempotent")
		n, err := phonenumbers.Parse(got, "ZZ")
		require.NoError(t, err)
		require.Equal(t, got, phonenumbers.Format(n, phonenumbers.E164))
	})
}
