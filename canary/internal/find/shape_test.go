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
	assert.True(t, sh.PhoneLead[14])
	assert.NotZero(t, sh.TicketLens&(1<<10))
	assert.True(t, sh.TicketFirst['T'])
	same := sh.With([]norm.Key{{Field: norm.FieldEmail, Value: "other@mail.example"}, {Field: norm.FieldPhone, Value: "+14155550199"}})
	assert.Same(t, sh, same, "nothing new: the same Shape, no copy")
	grown := sh.With([]norm.Key{{Field: norm.FieldEmail, Value: "x@inbox.example"}})
	assert.NotSame(t, sh, grown)
	assert.False(t, sh.EmailDomains["inbox.example"], "a published Shape never changes")
	assert.True(t, grown.EmailDomains["inbox.example"] && grown.EmailDomains["mail.example"])

	assert.True(t, sh.admitsTicketTail(10, 't'), "tm-10400132: ten letters and digits, first T in any case")
	assert.False(t, sh.admitsTicketTail(10, 'S'), "SR-1040013: other first letter")
	assert.False(t, sh.admitsTicketTail(8, 'T'), "TM-104001: other length")
}

func TestShapePhoneMinDigits(t *testing.T) {
	var sh *Shape
	sh = sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+14155550132"}})
	assert.Equal(t, 10, sh.PhoneMinDigits, "NANP national numbers have ten digits")
	sh = sh.With([]norm.Key{{Field: norm.FieldPhone, Value: "+447700900123"}})
	assert.Equal(t, 9, sh.PhoneMinDigits, "a 44 number, read as if its country code had three digits")
}
