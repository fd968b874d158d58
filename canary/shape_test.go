package canary

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShapeWith(t *testing.T) {
	var sh *Shape
	sh = sh.with([]Key{{FieldEmail, "annlee@mail.example"}, {FieldPhone, "+14155550132"}, {FieldTicket, "TM10400132"}})
	require.NotNil(t, sh)
	assert.True(t, sh.EmailDomains["mail.example"])
	assert.NotZero(t, sh.PhoneLens&(1<<12))
	assert.True(t, sh.PhoneLead[14])
	assert.NotZero(t, sh.TicketLens&(1<<10))
	assert.True(t, sh.TicketFirst['T'])
	same := sh.with([]Key{{FieldEmail, "other@mail.example"}, {FieldPhone, "+14155550199"}})
	assert.Same(t, sh, same, "nothing new: the same Shape, no copy")
	grown := sh.with([]Key{{FieldEmail, "x@inbox.example"}})
	assert.NotSame(t, sh, grown)
	assert.False(t, sh.EmailDomains["inbox.example"], "a published Shape never changes")
	assert.True(t, grown.EmailDomains["inbox.example"] && grown.EmailDomains["mail.example"])

	assert.True(t, sh.admitsTicketTail(10, 't'), "tm-10400132: ten letters and digits, first T in any case")
	assert.False(t, sh.admitsTicketTail(10, 'S'), "SR-1040013: other first letter")
	assert.False(t, sh.admitsTicketTail(8, 'T'), "TM-104001: other length")
}

// noShape hides MemoryRegistry's Shaper: the matcher must find the same hits
// without the filter.
type noShape struct{ Registry }

func TestMatchSameWithAndWithoutShape(t *testing.T) {
	ctx := context.Background()
	reg := NewMemoryRegistry()
	s := Seed{ID: uuid.New(), Placement: "p", Name: Name{"Jessica", "Smith"}, Email: "jessica.smith@mail.example",
		Phone: "+447700900123", Ticket: "TM-10400132"}
	require.NoError(t, reg.Add(ctx, s))
	shaped, err := NewMatcher(reg)
	require.NoError(t, err)
	plain, err := NewMatcher(noShape{reg})
	require.NoError(t, err)
	for _, body := range []string{
		"JESSICA.SMITH+x@Mail.Example, 07700 900123, ticket tm 10400132? no: tm-10400132",
		"mailto:jessica.smith%40mail.example +44 (0)7700 900123",
		"jessica.smith@mail.example.org 0044 7700 900124 TM-10400133",
	} {
		a, err := shaped.Match(ctx, Event{Channel: ChannelText, Body: body})
		require.NoError(t, err)
		b, err := plain.Match(ctx, Event{Channel: ChannelText, Body: body})
		require.NoError(t, err)
		assert.Equal(t, b, a, body)
	}
	empty, err := NewMatcher(NewMemoryRegistry())
	require.NoError(t, err)
	hits, err := empty.Match(ctx, Event{Channel: ChannelText, Body: "jessica.smith@mail.example"})
	require.NoError(t, err)
	assert.Empty(t, hits)
}

func TestShapePhoneMinDigits(t *testing.T) {
	var sh *Shape
	sh = sh.with([]Key{{FieldPhone, "+14155550132"}})
	assert.Equal(t, 10, sh.PhoneMinDigits, "NANP national numbers have ten digits")
	sh = sh.with([]Key{{FieldPhone, "+447700900123"}})
	assert.Equal(t, 9, sh.PhoneMinDigits, "a 44 number, read as if its country code had three digits")
}
