package find

import (
	"maps"
	"strings"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Shape summarizes the values a registry holds: the email domains, the lengths
// and leading digits of its phone numbers, the lengths and first characters of
// its tickets. A Matcher uses it to drop, before normalizing them, the many
// candidates in a dump that cannot be seeds. A Shape may admit more than the
// registry holds, never less. It is immutable once published.
type Shape struct {
	EmailDomains map[string]bool // normalized (IDNA ASCII) domains
	PhoneLens    uint32          // bit n: a number of n characters ("+" and digits)
	PhoneLead    [100]bool       // the two digits after "+"
	// PhoneMinDigits is the fewest digits any registered number can be written
	// with: its national number alone.
	PhoneMinDigits int
	TicketLens     uint64    // bit n: a normalized ticket of n characters
	TicketFirst    [256]bool // first character of a normalized ticket

	ticketDigitFirst bool // some ticket starts with a digit

	// Phones and Tickets, when set, hold every registered number and ticket
	// by lookup key: a keyed filter that rejects most others without a lock.
	Phones, Tickets *KeyFilter
	// Keyed, when set, is the registry's own filter of every lookup key,
	// asked for the fields that have no KeyFilter above.
	Keyed Prober
}

// Shaper is implemented by registries that can describe what they hold (the
// matcher looks for it). Its result must admit every value added before the
// call returns. The type is internal: only registries in this module provide it.
type Shaper interface {
	Shape() *Shape
}

// With returns a copy of sh (or a new Shape) that also admits keys, or sh
// itself when it already does, so registries publish a new Shape only on change.
func (sh *Shape) With(keys []norm.Key) *Shape {
	out := sh
	edit := func() *Shape {
		if out == sh {
			c := &Shape{EmailDomains: map[string]bool{}}
			if sh != nil {
				*c = *sh
				c.EmailDomains = maps.Clone(sh.EmailDomains)
			}
			out = c
		}
		return out
	}
	for _, k := range keys {
		switch k.Field {
		case norm.FieldEmail:
			d := k.Value[strings.LastIndexByte(k.Value, '@')+1:]
			if out == nil || !out.EmailDomains[d] {
				edit().EmailDomains[d] = true
			}
		case norm.FieldPhone:
			n := len(k.Value)
			lead := int(k.Value[1]-'0')*10 + int(k.Value[2]-'0')
			// A national number omits the country code: one digit for NANP (1)
			// and Russia (7), at most three for the rest.
			cc := 3
			if k.Value[1] == '1' || k.Value[1] == '7' {
				cc = 1
			}
			national := n - 1 - cc
			if out == nil || out.PhoneLens&(1<<n) == 0 || !out.PhoneLead[lead] || national < out.PhoneMinDigits {
				e := edit()
				if e.PhoneLens == 0 || national < e.PhoneMinDigits {
					e.PhoneMinDigits = national
				}
				e.PhoneLens |= 1 << n
				e.PhoneLead[lead] = true
			}
		case norm.FieldTicket:
			n := len(k.Value)
			if out == nil || out.TicketLens&(1<<n) == 0 || !out.TicketFirst[k.Value[0]] {
				e := edit()
				e.TicketLens |= 1 << n
				e.TicketFirst[k.Value[0]] = true
				e.ticketDigitFirst = e.ticketDigitFirst || k.Value[0] >= '0' && k.Value[0] <= '9'
			}
		}
	}
	return out
}

// admitsTicketTail reports whether a ticket token as written, of n letters and
// digits starting with first, could normalize to a ticket of the shape.
func (sh *Shape) admitsTicketTail(n int, first byte) bool {
	if first >= 'a' && first <= 'z' {
		first -= 'a' - 'A'
	}
	return n < 64 && sh.TicketLens&(1<<n) != 0 && sh.TicketFirst[first]
}
