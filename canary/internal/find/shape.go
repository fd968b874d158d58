package find

import (
	"maps"
	"strings"
	"sync/atomic"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Shape summarizes the values a registry holds: the email domains, the
// lengths and leading and last digits of its phone numbers, the lengths and
// leading characters of its tickets. A Matcher uses it to drop, before
// normalizing them, the many candidates in a dump that cannot be seeds: most
// digit runs of a dump (ids, dates, amounts, the host's own numbers) end in
// no registered number's last PhoneSuffixDigits digits, or share no prefix
// of PhonePrefixDigits digits with one, and are turned away with a table
// read, no hash and no allocation. A Shape may admit more than the registry
// holds, never less. It is immutable once published, but for its prefix and
// suffix tables, which every Shape derived by With shares and which only
// ever gain bits (atomically, so readers need no lock): a reader may see a
// value admitted a little before its registry holds it, which is allowed.
//
// The prefix and suffix tables name the leading and last digits of the
// operator's own numbers and tickets in clear, as EmailDomains names its
// domains. That is no blinding broken: they live in memory only, beside the
// secret that unseals every seed; what a registry persists of them is sealed
// with the seeds (see package sqlstore). Held in memory they say no more than
// the secret does: the first and last six digits of a number are the owned
// number itself, which every planted row shows an insider anyway, and four
// characters of a ticket its format and range; which seed holds which
// number, and every other value, stays blinded.
type Shape struct {
	EmailDomains map[string]bool // normalized (IDNA ASCII) domains
	// emailDomainLens: bit n, a domain of n bytes, asked before the domain
	// is normalized (an ASCII domain keeps its length).
	emailDomainLens [4]uint64
	PhoneLens       uint32 // bit n: a number of n characters ("+" and digits)
	// PhoneMinDigits is the fewest digits any registered number can be written
	// with: its national number alone.
	PhoneMinDigits int
	TicketLens     uint64    // bit n: a normalized ticket of n characters
	TicketFirst    [256]bool // first character of a normalized ticket

	ticketDigitFirst bool // some ticket starts with a digit

	// phonePrefix: bit v, the PhonePrefixDigits digits after "+" read as the
	// number v; ticketPrefix: the first TicketPrefixChars characters of a
	// normalized ticket in base 36. Shared by every Shape With derives.
	phonePrefix, ticketPrefix *prefixTable
	// phoneSuffix: bit v, the last PhoneSuffixDigits digits of a number read
	// as v. Unlike a prefix they do not depend on how a number is written
	// (with or without its country code or trunk prefix), so the finder asks
	// them once per digit run, before reading any window of it. Shared like
	// the prefix tables. anySuffix: some number's suffix is not known (a
	// stand-in without one) or too short to be read that way, so the table
	// says nothing.
	phoneSuffix *prefixTable
	// phoneEnds: bit v, the last phoneEndDigits digits of a suffix, asked
	// first: a table of 1,000 bits stays in the L1 cache, and most runs of
	// a dump end in digits no small registry's numbers end in.
	phoneEnds *prefixTable
	anySuffix bool

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
			// An address may be written at an alias of its domain
			// (googlemail.com for gmail.com): the alias is admitted too.
			d := k.Value[strings.LastIndexByte(k.Value, '@')+1:]
			for _, d := range append([]string{d}, norm.DomainAliases(d)...) {
				if out == nil || !out.EmailDomains[d] {
					e := edit()
					e.EmailDomains[d] = true
					if len(d) < 256 {
						e.emailDomainLens[len(d)/64] |= 1 << (len(d) % 64)
					}
				}
			}
		case norm.FieldPhone:
			n := len(k.Value)
			// A national number omits the country code: one digit for NANP (1)
			// and Russia (7), at most three for the rest.
			cc := 3
			if k.Value[1] == '1' || k.Value[1] == '7' {
				cc = 1
			}
			national := n - 1 - cc
			if out == nil || out.PhoneLens&(1<<n) == 0 || national < out.PhoneMinDigits || out.phonePrefix == nil {
				e := edit()
				if e.PhoneLens == 0 || national < e.PhoneMinDigits {
					e.PhoneMinDigits = national
				}
				e.PhoneLens |= 1 << n
				if e.phonePrefix == nil {
					e.phonePrefix = newPrefixTable(phonePrefixSize)
				}
			}
			lo, hi := prefixRange(k.Value[1:], PhonePrefixDigits, 10, digitValue)
			out.phonePrefix.set(lo, hi)
			if v, ok := phoneSuffixOf(k.Value); !ok {
				if !out.anySuffix {
					edit().anySuffix = true
				}
			} else if !out.anySuffix {
				if out.phoneSuffix == nil {
					e := edit()
					e.phoneSuffix, e.phoneEnds = newPrefixTable(phoneSuffixSize), newPrefixTable(phoneEndsSize)
				}
				// The end first: a reader that sees the suffix sees its end.
				out.phoneEnds.set(v%phoneEndsSize, v%phoneEndsSize+1)
				out.phoneSuffix.set(v, v+1)
			}
		case norm.FieldTicket:
			n := len(k.Value)
			if out == nil || out.TicketLens&(1<<n) == 0 || !out.TicketFirst[k.Value[0]] || out.ticketPrefix == nil {
				e := edit()
				e.TicketLens |= 1 << n
				e.TicketFirst[k.Value[0]] = true
				e.ticketDigitFirst = e.ticketDigitFirst || k.Value[0] >= '0' && k.Value[0] <= '9'
				if e.ticketPrefix == nil {
					e.ticketPrefix = newPrefixTable(ticketPrefixSize)
				}
			}
			lo, hi := prefixRange(k.Value, TicketPrefixChars, 36, base36)
			out.ticketPrefix.set(lo, hi)
		}
	}
	return out
}

// How much of a key the prefix tables keep. Six digits after "+" tell apart
// the area codes and exchanges of one country's numbers, which is where the
// dates and ids of a dump differ from owned numbers; four characters of a
// ticket its format and the leading digits of its range.
const (
	PhonePrefixDigits = 6
	// PhoneSuffixDigits is how many last digits of a number the suffix table
	// keeps: the line number and two more, where owned numbers differ from
	// the dates, amounts and other customers' numbers of a dump.
	PhoneSuffixDigits = 6
	TicketPrefixChars = 4
	phoneEndDigits    = 3 // of a suffix, in the table of ends

	phonePrefixSize  = 1_000_000         // 10^PhonePrefixDigits bits: 125 KiB
	phoneSuffixSize  = 1_000_000         // 10^PhoneSuffixDigits bits
	phoneEndsSize    = 1000              // 10^phoneEndDigits bits
	ticketPrefixSize = 36 * 36 * 36 * 36 // 36^TicketPrefixChars bits: 205 KiB
)

// prefixRange returns the table bits a key admits: those of its first depth
// characters, read in base with value, which returns -1 where the key is
// known no further (a stand-in's padding: every continuation is admitted).
func prefixRange(key string, depth, base int, value func(byte) int) (lo, hi int) {
	v, d := 0, 0
	for ; d < depth && d < len(key); d++ {
		c := value(key[d])
		if c < 0 {
			break
		}
		v = v*base + c
	}
	span := 1
	for ; d < depth; d++ {
		span *= base
	}
	return v * span, (v + 1) * span
}

func digitValue(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return -1
}

// base36 is a normalized ticket's character as a digit: 0-9, then A-Z.
func base36(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z': // as written in text
		return int(c-'a') + 10
	}
	return -1
}

// admitsPhone reports whether "+" cc a b, of at least PhonePrefixDigits
// digits, has the prefix of a registered number.
func (sh *Shape) admitsPhone(cc string, a, b []byte) bool {
	if sh.phonePrefix == nil {
		return true // a Shape built by hand: no table, no information
	}
	v, d := 0, 0
	for i := 0; i < len(cc) && d < PhonePrefixDigits; i, d = i+1, d+1 {
		v = v*10 + int(cc[i]-'0')
	}
	for i := 0; i < len(a) && d < PhonePrefixDigits; i, d = i+1, d+1 {
		v = v*10 + int(a[i]-'0')
	}
	for i := 0; i < len(b) && d < PhonePrefixDigits; i, d = i+1, d+1 {
		v = v*10 + int(b[i]-'0')
	}
	return sh.phonePrefix.has(v)
}

// minSuffixNumber is the fewest digits a number must have for its last
// PhoneSuffixDigits digits to be the last digits of every window it can be
// read from: with at most three of country code, the national part, or what
// follows a trunk "0" dropped after the country code, still holds them.
const minSuffixNumber = PhoneSuffixDigits + 4

// phoneSuffixOf returns the last PhoneSuffixDigits digits of the phone key
// (or stand-in) k as a number, and false when they are not known or the
// number is too short for them to be read from any window (minSuffixNumber).
func phoneSuffixOf(k string) (int, bool) {
	if len(k)-1 < minSuffixNumber {
		return 0, false
	}
	lo, hi := prefixRange(k[len(k)-PhoneSuffixDigits:], PhoneSuffixDigits, 10, digitValue)
	return lo, hi == lo+1 // a range wider than one: a digit not known
}

// admitsPhoneSuffix reports whether a number ending in the PhoneSuffixDigits
// digits v may be registered.
func (sh *Shape) admitsPhoneSuffix(v int) bool {
	return sh.anySuffix || sh.phoneSuffix == nil || sh.phoneSuffix.has(v)
}

// admitsDomainLen reports whether some registered domain has n bytes.
func (sh *Shape) admitsDomainLen(n int) bool {
	return n < 256 && sh.emailDomainLens[n/64]&(1<<(n%64)) != 0
}

// admitsTicketPrefix reports whether a ticket whose first TicketPrefixChars
// letters and digits, in any case, read v in base 36 may be registered.
func (sh *Shape) admitsTicketPrefix(v int) bool {
	return sh.ticketPrefix == nil || sh.ticketPrefix.has(v)
}

// prefixTable is a bitmap that only gains bits, set and read atomically.
type prefixTable struct{ words []atomic.Uint64 }

func newPrefixTable(bits int) *prefixTable {
	return &prefixTable{words: make([]atomic.Uint64, (bits+63)/64)}
}

// set sets bits lo..hi-1.
func (t *prefixTable) set(lo, hi int) {
	for lo < hi {
		w, b := lo/64, lo%64
		n := min(64-b, hi-lo)
		m := ^uint64(0) >> (64 - n) << b
		if t.words[w].Load()&m != m {
			t.words[w].Or(m)
		}
		lo += n
	}
}

func (t *prefixTable) has(v int) bool { return t.words[v/64].Load()&(1<<(v%64)) != 0 }
