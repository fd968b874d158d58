package find

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

func TestShapeWith(t *testing.T) {
	var sh *Shape
	sh = sh.With([]norm.Key{{Field: norm.FieldEmail, Value: "annlee@mail.example"}, {Field: norm.FieldPhone, Value: "+14155550132"}, {Field: norm.FieldTicket, Value: "TM10400132"}})
	require.NotNil(t, sh)
	assert.True(t, sh.EmailDomains["mail.example"])
	assert.NotZero(t, sh.PhoneLens&(1<<12))
	assert.True(t, sh.admitsPhone("1", []byte("415"), []byte("5559999")), "141555: the first six digits of the number")
	assert.False(t, sh.admitsPhone("1", []byte("415"), []byte("4990000")), "141549: no number registered has them")
	assert.NotZero(t, sh.TicketLens&(1<<10))
	assert.True(t, sh.TicketFirst['T'])
	same := sh.With([]norm.Key{{Field: norm.FieldEmail, Value: "other@mail.example"}, {Field: norm.FieldPhone, Value: "+14155550199"}})
	assert.Same(t, sh, same, "nothing new: the same Shape, no copy")
	grown := sh.With([]norm.Key{{Field: norm.FieldEmail, Value: "x@inbox.example"}})
	assert.NotSame(t, sh, grown)
	assert.False(t, sh.EmailDomains["inbox.example"], "a published Shape never changes")
	assert.True(t, grown.EmailDomains["inbox.example"] && grown.EmailDomains["mail.example"])

	assert.True(t, sh.admitsTicketPrefix(ticketPrefix("tm10")), "tm-10400132: its first four characters, in any case")
	assert.False(t, sh.admitsTicketPrefix(ticketPrefix("TM20")), "TM-20400132: another range")
}

func ticketPrefix(s string) int {
	v := 0
	for i := range TicketPrefixChars {
		v = v*36 + base36(s[i])
	}
	return v
}

// A stand-in known to a few characters (the rest '*', as package sqlstore
// keeps them) admits every key that starts with them.
func TestShapeStandIns(t *testing.T) {
	var sh *Shape
	sh = sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+1202*******"}, {Field: norm.FieldTicket, Value: "T*********"}})
	assert.True(t, sh.admitsPhone("", []byte("12029999999"), nil), "120299: starts with 1202")
	assert.True(t, sh.admitsPhone("", []byte("12020000000"), nil), "120200: starts with 1202")
	assert.False(t, sh.admitsPhone("", []byte("12030000000"), nil), "1203: not known")
	assert.True(t, sh.admitsTicketPrefix(ticketPrefix("TZZZ")))
	assert.True(t, sh.admitsTicketPrefix(ticketPrefix("T000")))
	assert.False(t, sh.admitsTicketPrefix(ticketPrefix("S000")))
}

func TestPrefixTableSet(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int
		why    string
	}{
		{0, 1, "one bit"},
		{63, 65, "across a word boundary"},
		{64, 128, "one whole word"},
		{5, 300, "words in full between partial ones"},
	} {
		p := newPrefixTable(512)
		p.set(tc.lo, tc.hi)
		for v := range 512 {
			assert.Equal(t, v >= tc.lo && v < tc.hi, p.has(v), "%s: bit %d", tc.why, v)
		}
	}
}

func TestShapePhoneMinDigits(t *testing.T) {
	var sh *Shape
	sh = sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+14155550132"}})
	assert.Equal(t, 10, sh.PhoneMinDigits, "NANP national numbers have ten digits")
	sh = sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+447700900123"}})
	assert.Equal(t, 9, sh.PhoneMinDigits, "a 44 number, read as if its country code had three digits")
}

func TestShapePhoneSuffix(t *testing.T) {
	sh := (*Shape)(nil).With([]norm.Key{{Field: norm.FieldPhone, Value: "+14155550132"}, {Field: norm.FieldPhone, Value: "+861391*345678"}})
	assert.True(t, sh.admitsPhoneSuffix(550132), "the last six digits of a number")
	assert.True(t, sh.admitsPhoneSuffix(345678), "a stand-in's last six digits")
	assert.False(t, sh.admitsPhoneSuffix(550133), "no number ends so")
	open := sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+141555*****"}})
	assert.True(t, open.admitsPhoneSuffix(550133), "a stand-in without its last digits admits any")
	assert.False(t, sh.admitsPhoneSuffix(550133), "a published Shape never changes")
	short := sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+6834001"}})
	assert.True(t, short.admitsPhoneSuffix(123456), "a number too short to be read by its last digits")
	v, ok := phoneSuffixOf("+14155550132")
	assert.True(t, ok)
	assert.Equal(t, 550132, v)
}
