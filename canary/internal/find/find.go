package find

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"net/url"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Package find is the matcher's engine: it searches text for the three
// shapes a seed value can take (addresses around '@' and "%40", every window
// of whole digit groups of a phone-shaped run read in every E.164 reading,
// ticket-shaped tokens from each word to each word's end), normalizes each
// candidate with package norm, and reports it to the
// caller, which looks it up. The registry decides, so extraction may be
// generous but must not miss a shape. A Shape of what the registry holds
// drops most candidates of a dump before they are normalized.
//
// canary.Matcher wraps it: events, hits, confidence of addresses, names.

const (
	maxLocalScan  = 4 * norm.MaxLocalLen // bytes scanned left of '@' (UTF-8 locals)
	maxDomainScan = 255
	maxRunDigits  = 15 // E.164 maximum
	minRunDigits  = 7
)

// Field and Confidence are numbered as canary's.
type (
	Field      = norm.Field
	Confidence uint8
)

// Confidences a reading can have.
const (
	Exact Confidence = iota + 1
	Likely
)

// Region is a region whose national numbers are read.
type Region struct {
	Code  string // "GB"
	CC    string // country calling code, "44"
	Trunk string // national prefix, "0"
}

// Reporter takes the candidates a Finder reads. normalized is the candidate
// in canonical form (for email, not yet reduced to its lookup key), raw the
// text it was read from at pos; both are valid only during the call.
// Candidate reports whether a seed has it, so that the Finder stops trying
// other readings of the same text.
type Reporter interface {
	Candidate(field Field, normalized, raw []byte, pos int, conf Confidence) bool
}

// Finder holds the settings and scratch state of one search. It is not safe
// for concurrent use; callers pool them.
type Finder struct {
	Regions []Region // the first is the default: its national numbers need no trunk prefix
	Shape   *Shape   // what the registry holds; nil: no filtering
	Report  Reporter

	norm, key []byte
	// findDigits' byte classes: maskWords words of them from text[maskBase].
	masks               []uint64
	maskBase, maskWords int
}

var (
	localByte  [256]bool // may stand in a local part as written in text
	domainByte [256]bool
	ticketSep  [256]bool // the separators NormalizeTicket drops
	ticketLead [256]bool // may stand just before a ticket's first digit: a letter or a separator
	phoneSep   [256]bool // what may stand between the digit groups of a number
	alnum      [256]bool
	alpha      [256]bool // an ASCII letter
	base36Of   [256]byte // base36 of a letter or digit, as a table: ticketFrom reads one a character
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		isAlnum := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		alnum[c] = isAlnum
		alpha[c] = isAlnum && !isDigit(b)
		localByte[c] = norm.IsLocalChar(norm.Lower(b)) || b >= 0x80 || b == '+' // as written: any case, a +tag
		domainByte[c] = isAlnum || b >= 0x80 || b == '-' || b == '.'
		ticketSep[c] = b == '-' || b == '_' || b == '#' || b == '/' || b == '.' || b == ':' || b == ' '
		ticketLead[c] = ticketSep[c] || isAlnum && !isDigit(b)
		phoneSep[c] = b == ' ' || b == '-' || b == '.' || b == '(' || b == ')' || b == '/' || b == '\t'
		if isAlnum {
			base36Of[c] = byte(base36(b))
		}
	}
	// '/', '=', '?', '&' and '%' border addresses in URLs more often than they
	// belong to one; local parts that use them are not generated.
	for _, b := range []byte("/=?&%'{}|`") {
		localByte[b] = false
	}
}

// FindAll reports the candidates whose trigger lies in text[lo:hi]; they may
// read context before lo and after hi.
func (f *Finder) FindAll(text []byte, lo, hi int) {
	if f.Shape == nil || len(f.Shape.EmailDomains) > 0 {
		f.findEmails(text, lo, hi)
	}
	if f.Shape == nil || f.Shape.PhoneLens != 0 || f.Shape.TicketLens != 0 {
		f.findDigits(text, lo, hi)
	}
}

// findEmails looks for addresses around each '@' in text[lo:hi], and around
// each URL-encoded "%40".
func (f *Finder) findEmails(text []byte, lo, hi int) {
	for i := lo; i < hi; {
		j := bytes.IndexByte(text[i:hi], '@')
		if j < 0 {
			break
		}
		at := i + j
		f.emailAt(text, at, at+1)
		i = at + 1
	}
	for i := lo; i < hi; {
		j := bytes.Index(text[i:hi], []byte("%40"))
		if j < 0 {
			break
		}
		at := i + j
		f.encodedEmailAt(text, at)
		i = at + 3
	}
}

// emailAt tries the address whose '@' spans text[at:after]. The domain is
// read first: in a dump most addresses are on domains no seed uses, and
// those cost no scan of their local part.
func (f *Finder) emailAt(text []byte, at, after int) {
	end := after
	var high byte // any byte's high bit: a domain not in ASCII
	for end < len(text) && end-after < maxDomainScan && domainByte[text[end]] {
		high |= text[end]
		end++
	}
	for end > after && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	if end == after {
		return
	}
	ok, checked := f.mayBeDomain(text[after:end], high < 0x80)
	if !ok {
		return
	}
	start := at
	for start > 0 && at-start < maxLocalScan && localByte[text[start-1]] {
		start--
	}
	for start < at && text[start] == '.' {
		start++
	}
	if start == at {
		return
	}
	f.matchEmail(text[start:end], start, stringOf(text[start:end]), checked)
}

// mayBeDomain reports whether an address on domain, as written, may be
// registered, asking the Shape before the whole address is normalized: most
// addresses of a dump, and the senders of most events, are on domains no
// seed uses. checked is false where it could not tell (no Shape, or a domain
// not in ASCII, whose normalized length differs), for matchEmail to ask once
// the address is normalized. ascii says whether domain is ASCII, as the
// caller's scan for its end saw.
func (f *Finder) mayBeDomain(domain []byte, ascii bool) (ok, checked bool) {
	if f.Shape == nil || !ascii {
		return true, false
	}
	// Normalizing an ASCII domain keeps its length (emailAt trimmed the dot
	// a name may end with), and most differ in it.
	if !f.Shape.admitsDomainLen(len(domain)) {
		return false, true
	}
	var reason string
	f.key, reason = norm.AppendDomain(f.key[:0], stringOf(domain))
	return reason == "" && f.Shape.EmailDomains[string(f.key)], true
}

// matchEmail normalizes addr, the address written as raw, and reports it.
// checked says whether its domain was asked of the Shape already.
func (f *Finder) matchEmail(raw []byte, pos int, addr string, checked bool) {
	var reason string
	if f.norm, reason = norm.AppendEmail(f.norm[:0], addr); reason != "" {
		return
	}
	if sh := f.Shape; sh != nil && (!checked && !sh.EmailDomains[stringOf(f.norm[bytes.LastIndexByte(f.norm, '@')+1:])] || !sh.MayHold(norm.FieldEmail, f.norm)) {
		return
	}
	f.Report.Candidate(norm.FieldEmail, f.norm, raw, pos, Exact)
}

// encodedEmailAt decodes an address written with percent escapes around the
// "%40" at text[at:at+3], as in mailto links and query strings.
func (f *Finder) encodedEmailAt(text []byte, at int) {
	start := at
	for start > 0 && at-start < 3*maxLocalScan && (localByte[text[start-1]] || text[start-1] == '%') {
		start--
	}
	end := at + 3
	for end < len(text) && end-at < 3*maxDomainScan && (domainByte[text[end]] || text[end] == '%') {
		end++
	}
	if start == at || end == at+3 {
		return
	}
	decoded, err := url.PathUnescape(string(text[start:end]))
	if err != nil {
		return
	}
	f.matchEmail(text[start:end], start, decoded, false)
}

// findDigits visits each run of digits in text[lo:hi]: the seed of a phone
// number and of a ticket reference. A digit at lo starts a run whatever
// stands before it. Only the first digit of each run is visited: in a dump,
// digits stand a few bytes apart.
func (f *Finder) findDigits(text []byte, lo, hi int) {
	if useAVX2 && hi-lo >= maskedMinLen {
		f.findDigitsMasked(text, lo, hi)
		return
	}
	f.findDigitsWords(text, lo, hi)
}

// maskedMinLen is the shortest text read as masks: an event's few lines cost
// less to read eight bytes at a time than to classify.
var maskedMinLen = 256

// digitSettings says which runs the digit loops read: tickets (if any is
// registered), phone numbers (likewise) and of at least minPhone digits, and
// whether some ticket may start with a digit (anyTicket). Otherwise a later
// group of a phone-shaped run already read, which has only a digit or a
// separator before it, starts no ticket either, and the loops skip it.
func (f *Finder) digitSettings() (tickets, phones, anyTicket bool, minPhone int) {
	sh := f.Shape
	tickets = sh == nil || sh.TicketLens != 0
	phones = sh == nil || sh.PhoneLens != 0
	anyTicket = tickets && (sh == nil || sh.ticketDigitFirst)
	minPhone = math.MaxInt // without numbers, every run is too short for one
	if phones {
		minPhone = minRunDigits
		if sh != nil {
			minPhone = max(minPhone, sh.PhoneMinDigits)
		}
	}
	return tickets, phones, anyTicket, minPhone
}

// findDigitsMasked is findDigits on text read as masks of byte classes, 64
// bytes a word (classify): finding runs, measuring groups, asking what
// stands beside them and reading a run whose digits end no registered
// number are bit operations, with no load and no call.
func (f *Finder) findDigitsMasked(text []byte, lo, hi int) {
	runEnd := 0 // phone runs already read
	tickets, phones, anyTicket, minPhone := f.digitSettings()
	// What stands before the word, as the masks' top bits would say it:
	// nothing before lo counts as a digit, and ticketMayStart reads the two
	// bytes before a run whatever they are.
	var prevDigit, prevAlpha, prevSep, prevLead uint64 // prevLead: bit 1 the byte before, bit 0 the one before that
	if lo > 0 {
		c := classOf(text[lo-1])
		prevAlpha, prevSep = b2u(c&classAlpha != 0), b2u(c&classTicketSep != 0)
		prevLead = (prevAlpha | prevSep) << 1
		if lo > 1 && classOf(text[lo-2])&(classAlpha|classTicketSep) != 0 {
			prevLead |= 1
		}
	}
	const blockWords = 64
	if cap(f.masks) < (blockWords+1)*maskKinds {
		f.masks = make([]uint64, (blockWords+1)*maskKinds)
	}
	masks := f.masks[:(blockWords+1)*maskKinds]
	defer func() { f.maskWords = 0 }()
	for base := lo; base < hi; base += blockWords * wordBytes {
		words := min(blockWords, (hi-base+wordBytes-1)/wordBytes)
		// A word of look-ahead, for runDigits to read a run that starts
		// in the block's last word.
		classifyWords(text, base, words+1, masks)
		f.maskBase, f.maskWords = base, words+1
		for w := range words {
			wb := base + w*wordBytes
			d, s, a, t := masks[w*maskKinds], masks[w*maskKinds+1], masks[w*maskKinds+2], masks[w*maskKinds+3]
			lead := a | t
			starts := d &^ (d<<1 | prevDigit)
			// ticketMayStart of every byte: a letter before it, or a
			// separator before it with a letter or separator before that.
			mayTicket := a<<1 | prevAlpha | (t<<1|prevSep)&(lead<<2|prevLead)
			continued := prevDigit != 0 // the word's first group began in the word before
			prevDigit, prevAlpha, prevSep, prevLead = d>>63, a>>63, t>>63, lead>>62
			// The groups are visited by their last digit, and only those
			// that may start a number or a ticket: most groups of a dump
			// (an id, an amount, a time's part) are short, stand before
			// no separator and have no letter before them, and cost no
			// visit. A group that goes on past the word is always
			// visited (bit 63), here if it starts here.
			ends := d &^ (d >> 1)
			visit := ends & (1 << 63)
			if phones {
				// Seven digits or more (minPhone's least): bit i of
				// long is set when bytes i-6..i are all digits.
				long := d & (d << 1)
				long &= long << 2
				long &= long << 3
				visit |= ends & (s>>1 | long)
			}
			switch {
			case anyTicket:
				visit = ends
			case tickets:
				// A group's start plus its digits carries to the byte
				// after its end.
				ts := starts & mayTicket
				visit |= (d + ts) &^ d >> 1
			}
			if !anyTicket && runEnd > wb {
				visit &^= belowBits(runEnd - wb) // the later groups of a run read
			}
			for visit != 0 {
				e := bits.TrailingZeros64(visit)
				visit &= visit - 1
				// The group starts after the last byte before e that
				// is no digit.
				p := 0
				if gaps := ^d & (1<<e - 1); gaps != 0 {
					p = 64 - bits.LeadingZeros64(gaps)
				} else if continued {
					continue // visited in the word before, where it starts
				}
				k := wb + p
				if k >= hi {
					break
				}
				g := e + 1 - p
				var sepAfter bool
				if e < wordBytes-1 {
					sepAfter = s>>(e+1)&1 != 0
				} else { // the group may go on past the word
					g = groupLen(text, k)
					sepAfter = k+g < len(text) && phoneSep[text[k+g]]
				}
				phone := phones && k >= runEnd && (g >= minPhone || sepAfter)
				ticket := tickets && (anyTicket || mayTicket>>p&1 != 0)
				if ticket && !f.ticketAtMasked(text, k, p, a, t, d) {
					f.ticketAt(text, k)
				}
				if phone {
					// A run with too few digits for a number, or whose
					// digits end no registered number, is read from the
					// masks, with no call: what phoneAt would find of it.
					// One that may hold a number is read no second time.
					if end, digits, maybe, ok := f.maskedRun(text, k, w, p, minPhone); !ok {
						runEnd = f.phoneAt(text, k)
					} else if runEnd = end; maybe && f.runMayRead(text, k, w, p, end, minPhone) {
						runEnd = f.phoneRun(text, k, end, digits, minPhone)
					}
				}
				if runEnd > k && !anyTicket {
					visit &^= belowBits(runEnd - wb)
				}
			}
		}
	}
}

// findDigitsWords is findDigits eight bytes at a time, for short texts and
// CPUs without the vector classifier.
func (f *Finder) findDigitsWords(text []byte, lo, hi int) {
	runEnd := 0 // phone runs already read
	tickets, phones, anyTicket, minPhone := f.digitSettings()
	var before uint64 // 0x80 when the byte before the word is a digit of the same visit
	i := lo
	for ; i+8 <= hi; i += 8 {
		m := digitMask(binary.LittleEndian.Uint64(text[i:]))
		starts := m &^ (m<<8 | before)
		before = m >> 56
		for starts != 0 {
			p := bits.TrailingZeros64(starts) >> 3
			k := i + p
			starts &= starts - 1
			// Most runs of a dump are one short group (an id, an amount, a
			// time's part, a ticket's digits): such a run holds no number,
			// and without a ticket before it costs no call.
			g := bits.TrailingZeros64(^(m>>(8*p))&highBits) >> 3
			if g == 8-p { // the group goes on past the word
				g = groupLen(text, k)
			}
			short := g < minPhone && (k+g == len(text) || !phoneSep[text[k+g]])
			ticket := tickets && (anyTicket || ticketMayStart(text, k))
			if (short || k < runEnd) && !ticket {
				continue
			}
			if runEnd = f.digitRun(text, k, runEnd, ticket, phones && !short); runEnd > k && !anyTicket {
				if runEnd > i+8 {
					// The run read goes past this word: go on from its
					// end, as if from a new word there.
					i = runEnd - 8
					before = 0
					if isDigit(text[runEnd-1]) {
						before = 0x80
					}
					break
				}
				starts &^= 1<<(8*(runEnd-i)) - 1 // the run's later groups
			}
		}
	}
	prev := before != 0
	for ; i < hi; i++ {
		d := isDigit(text[i])
		if d && !prev {
			runEnd = f.digitRun(text, i, runEnd, tickets && (anyTicket || ticketMayStart(text, i)), phones)
		}
		prev = d
	}
}

// belowBits returns a mask of the n low bits, all of them from 64 on.
func belowBits(n int) uint64 {
	if n >= 64 {
		return math.MaxUint64
	}
	return 1<<n - 1
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ticketMayStart reports whether a ticket that starts with a letter may have
// its first digit at text[i]: a letter stands just before it, or a separator
// or two (ticketAt checks the rest). Most digits in a dump follow ',', '(', a
// quote or a digit.
func ticketMayStart(text []byte, i int) bool {
	return i > 0 && (alpha[text[i-1]] || ticketSep[text[i-1]] && i > 1 && ticketLead[text[i-2]])
}

// digitRun reads the tickets (if tickets) and phone numbers (if phones) from
// the digit run that starts at text[i], the numbers unless an earlier run's
// reading reached past i. It returns where phone runs read so far end.
func (f *Finder) digitRun(text []byte, i, runEnd int, tickets, phones bool) int {
	if tickets {
		f.ticketAt(text, i)
	}
	if phones && i >= runEnd {
		runEnd = f.phoneAt(text, i)
	}
	return runEnd
}

// Tickets are written with letters, digits and separators that NormalizeTicket
// drops, a few in a row at most ("TM - 10424187").
const (
	maxTicketSeps  = 3
	maxTicketReach = 4 * norm.MaxTicketLen // bytes before a ticket's first digit
)

// ticketAt tries the tickets whose first digit is the digit run at text[i].
// Each starts at a letter or digit after a separator, at most maxTicketReach
// bytes to the left and with no digit before i, and may end where any word
// ends: "Ticket TM 10424187 opened" holds "TM 10424187", and only a token
// that ends at a word's end is read, so "TM-10424187X" is not "TM-10424187".
// Anchoring each ticket at its first digit reads each once, in Match and in
// every chunk of a Scan.
func (f *Finder) ticketAt(text []byte, i int) {
	sh := f.Shape
	if sh != nil && !sh.ticketDigitFirst {
		// Every registered ticket starts with a letter: a letter must stand
		// before this digit, across a few separators at most. Most digit
		// runs in a dump (ids, dates, amounts) have none.
		k := i
		for k > 0 && i-k < maxTicketSeps && ticketSep[text[k-1]] {
			k--
		}
		if k == 0 || !alnum[text[k-1]] || isDigit(text[k-1]) {
			return
		}
	}
	start := i
	for start > 0 && i-start < maxTicketReach && (ticketSep[text[start-1]] || alnum[text[start-1]] && !isDigit(text[start-1])) {
		start--
	}
	for p := start; p <= i; p++ {
		if !alnum[text[p]] || p > 0 && alnum[text[p-1]] {
			continue // a ticket starts at a word's first letter or digit
		}
		if sh != nil && !sh.TicketFirst[upper(text[p])] {
			continue
		}
		if f.ticketFrom(text, p, i) {
			return
		}
	}
}

// ticketAtMasked is ticketAt for the digit at text[k], bit p of a word whose
// letter, ticket separator and digit masks are a, t and d: the separators
// and letters before the digit, and where words start among them, are read
// from the masks. It reports false, having done nothing, where they would
// have to be read from the word before; ticketAt reads those.
func (f *Finder) ticketAtMasked(text []byte, k, p int, a, t, d uint64) bool {
	below := uint64(1)<<p - 1
	sh := f.Shape
	if sh != nil && !sh.ticketDigitFirst {
		// A letter must stand before the digit, across a few separators
		// at most.
		notSep := ^t & below
		if notSep == 0 {
			return false
		}
		j := 63 - bits.LeadingZeros64(notSep) // the last byte before k that is no separator
		if p-1-j > maxTicketSeps || a>>j&1 == 0 {
			return true
		}
	}
	notLead := ^(a | t) & below
	if notLead == 0 {
		return false
	}
	// The letters and separators just before the digit, as ticketAt's
	// left scan reads them.
	start := max(64-bits.LeadingZeros64(notLead), p-maxTicketReach)
	alnum := a | d
	// A ticket starts at a word's first letter or digit: start-1 is in
	// the word (notLead has a bit below start).
	words := alnum &^ (alnum << 1) & (below<<1 | 1) &^ (uint64(1)<<start - 1)
	for ; words != 0; words &= words - 1 {
		q := k - p + bits.TrailingZeros64(words)
		if sh != nil && !sh.TicketFirst[upper(text[q])] {
			continue
		}
		if f.ticketFrom(text, q, k) {
			break
		}
	}
	return true
}

// ticketFrom looks up each ticket-shaped token that starts at text[p] and
// reaches the digit at text[i], up to each word's end. It reports a hit.
func (f *Finder) ticketFrom(text []byte, p, i int) bool {
	n, seps, prefix := 0, 0, 0
	for q := p; q < len(text); q++ {
		c := text[q]
		if !alnum[c] {
			if !ticketSep[c] || seps == maxTicketSeps {
				return false
			}
			seps++
			continue
		}
		seps = 0
		if n++; n > norm.MaxTicketLen {
			return false
		}
		if n <= TicketPrefixChars && f.Shape != nil {
			// Every longer token from p shares these first characters, and
			// a ticket has at least TicketPrefixChars (norm.AppendTicket).
			if prefix = prefix*36 + int(base36Of[c]); n == TicketPrefixChars && !f.Shape.admitsTicketPrefix(prefix) {
				return false
			}
		}
		if q < i || q+1 < len(text) && alnum[text[q+1]] {
			continue // no digit yet, or not a word's end
		}
		if f.Shape != nil && (f.Shape.TicketLens&(1<<n) == 0) {
			continue
		}
		var reason string
		f.norm, reason = norm.AppendTicket(f.norm[:0], stringOf(text[p:q+1]))
		if reason != "" || f.Shape != nil && !f.Shape.MayHold(norm.FieldTicket, f.norm) {
			continue
		}
		if f.Report.Candidate(norm.FieldTicket, f.norm, text[p:q+1], p, Exact) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// A plus before a number: written tight against it ("+1 415 ...") it makes the
// number international; written loose ("+ 503.555.0166", "+(44) ...") it may
// as well be a stray mark before a national number, so both readings count.
type plusMark uint8

const (
	noPlus plusMark = iota
	tightPlus
	loosePlus
)

// phoneAt reads the run of digit groups that starts at the digit text[i]
// (groups separated by one or two of " -.()/" and tab) and looks up each
// window of whole groups that could be a number: a run holds numbers beside
// other numbers, "+1 (702) 555-0128 24/7", "Unit 5 702 555 0128". Windows are
// tried from each group in turn, longest first; after a hit the next window
// starts after it. A group glued to letters ("ID4155550132", "9am") belongs
// to a word and is no part of a number. It returns where the run ends.
func (f *Finder) phoneAt(text []byte, i int) int {
	minDigits := minRunDigits
	if f.Shape != nil {
		minDigits = max(minDigits, f.Shape.PhoneMinDigits)
	}
	end, digits, maybe := f.runDigits(text, i, minDigits)
	if !maybe {
		// Most runs in a dump (ids, dates, times, amounts) are too short to
		// hold a registered number, or end in no registered number's digits.
		return end
	}
	return f.phoneRun(text, i, end, digits, minDigits)
}

// phoneRun is phoneAt on a run runDigits has read: it ends at end and holds
// digits digits.
func (f *Finder) phoneRun(text []byte, i, end, digits, minDigits int) int {
	lead, plus := phoneLead(text, i)
	glued := i > 0 && alnum[text[i-1]]
	for a := i; ; {
		if digits < minDigits {
			return end // what is left of the run is too short for a number
		}
		aEnd := a
		for aEnd < len(text) && text[aEnd] >= '0' && text[aEnd] <= '9' {
			aEnd++
		}
		if aEnd < len(text) && alnum[text[aEnd]] && text[aEnd] != 'x' && text[aEnd] != 'X' {
			return aEnd // glued to a word: the run ends in it
		}
		next := -1
		if !glued {
			rawStart := a
			if a > 0 && text[a-1] == '(' {
				rawStart = a - 1
			}
			mark := noPlus
			if a == i {
				rawStart, mark = lead, plus
			}
			if hitEnd, hitDigits := f.phoneWindows(text, a, rawStart, mark, minDigits); hitEnd > 0 {
				if next = nextGroup(text, hitEnd); next < 0 {
					return hitEnd
				}
				digits -= hitDigits
			}
		}
		glued = false
		if next < 0 {
			if next = nextGroup(text, aEnd); next < 0 {
				return aEnd
			}
			digits -= aEnd - a
		}
		a = next
	}
}

// phoneLead returns where the number whose first digit is text[i] is written
// from, taking in a "(" and a "+" before it, and how the plus was written.
func phoneLead(text []byte, i int) (int, plusMark) {
	start := i
	for start > 0 && i-start < 3 {
		switch c := text[start-1]; {
		case c == '+':
			if start == i {
				return start - 1, tightPlus
			}
			return start - 1, loosePlus
		case c == '(' || c == ' ' && start >= 2 && (text[start-2] == '+' || text[start-2] == '('):
			start--
			continue
		}
		break
	}
	if i > 0 && text[i-1] == '(' {
		return i - 1, noPlus
	}
	return i, noPlus
}

// phoneWindows collects the groups from the one at text[a] while they fit in
// one number, and looks up the readings of each window of them, longest
// first. It returns the end of the window that hit and its digits, or -1.
func (f *Finder) phoneWindows(text []byte, a, rawStart int, plus plusMark, minDigits int) (int, int) {
	const budget = maxRunDigits + 1 // +1: room for a trunk "0" written after the country code
	var ends, counts [budget]int
	var digits [budget]byte // in registers and on the stack: a dump has a few such runs a row
	k, nd := 0, 0
	for pos := a; pos >= 0 && k < budget; pos = nextGroup(text, ends[k-1]) {
		e := pos
		for e < len(text) && text[e] >= '0' && text[e] <= '9' && nd < budget {
			digits[nd] = text[e]
			nd++
			e++
		}
		if e < len(text) && (text[e] >= '0' && text[e] <= '9' || alnum[text[e]] && text[e] != 'x' && text[e] != 'X') {
			nd -= e - pos
			break // a group too long to fit, or glued to a word
		}
		ends[k], counts[k] = e, nd
		k++
	}
	for b := k; b > 0 && counts[b-1] >= minDigits; b-- {
		if f.phoneDigits(text[rawStart:ends[b-1]], rawStart, plus, digits[:counts[b-1]]) {
			return ends[b-1], counts[b-1]
		}
	}
	return -1, 0
}

// nextGroup returns where the next digit group of a run starts after the
// group ending at text[e], or -1 if the run ends there.
func nextGroup(text []byte, e int) int {
	for j := e; j < len(text) && j-e <= 2; j++ {
		c := text[j]
		if c >= '0' && c <= '9' {
			if j == e {
				return -1
			}
			return j
		}
		if !phoneSep[c] {
			return -1
		}
	}
	return -1
}

// hasDigit reports whether any byte of x is an ASCII digit.
func hasDigit(x uint64) bool { return digitMask(x) != 0 }

// highBits is the high bit of each byte of a word, as digitMask sets them.
const highBits = 0x8080808080808080

// digitMask sets the high bit of each byte of x that is an ASCII digit,
// without a branch per byte (the "has between" bit trick: no byte borrows
// from or carries into its neighbour, so it is exact for all 256 values in
// every lane).
func digitMask(x uint64) uint64 {
	const (
		ones = 0x0101010101010101
		low7 = 0x7f7f7f7f7f7f7f7f
	)
	t := x & low7
	return (ones*(127+'9'+1) - t) &^ x & (t + ones*(127-'0'+1)) & highBits
}

// runDigits counts the digits of the phone-shaped run from text[i], as phoneAt
// reads it, and says where it ends and whether any window of it may be a
// registered number: one of at least minDigits digits whose last digits are a
// registered number's (Shape.admitsPhoneSuffix). Every window ends at a
// group's end, and its last digits are the run's last before that end. The
// run is read from findDigits' masks where they hold it.
func (f *Finder) runDigits(text []byte, i, minDigits int) (end, digits int, maybe bool) {
	if rel := i - f.maskBase; rel >= 0 && rel < (f.maskWords-1)*wordBytes {
		if end, digits, maybe, ok := f.maskedRun(text, i, rel/wordBytes, rel%wordBytes, minDigits); ok {
			return end, digits, maybe
		}
	}
	return f.runDigitsBytewise(text, i, minDigits)
}

// maskedRun is runDigits read from the masks of word w, whose bit p is
// text[i], and of the word after it; ok is false for a run longer than those.
func (f *Finder) maskedRun(text []byte, i, w, p, minDigits int) (end, digits int, maybe, ok bool) {
	// The 64 bytes from i, as digit and separator masks.
	w *= maskKinds
	d, s := f.masks[w]>>p, f.masks[w+1]>>p
	if p > 0 {
		d |= f.masks[w+maskKinds] << (64 - p)
		s |= f.masks[w+maskKinds+1] << (64 - p)
	}
	// The run ends at the first byte that is neither a digit nor a
	// separator, or at a third separator in a row.
	q := bits.TrailingZeros64(^(d | s) | s&(s<<1)&(s<<2))
	if q == 64 {
		return 0, 0, false, false
	}
	d &= 1<<q - 1
	digits = bits.OnesCount64(d)
	sh := f.Shape
	if sh == nil || digits < minDigits {
		return i + q, digits, sh == nil, true
	}
	// The windows that may be numbers end at the group ends with
	// minDigits digits or more up to them. They are asked from the last
	// group's end down, dropping a group each time: most runs of a dump
	// that are long enough (dates with their times, numbers) have one such
	// end, and no end is counted that cannot be one.
	for x := d; ; {
		e := 64 - bits.LeadingZeros64(x) // past the last group's end
		if sh.admitsSuffixMasked(text[i:i+e], x) {
			return i + q, digits, true, true
		}
		gaps := ^x & (1<<e - 1)
		if gaps == 0 {
			break // one group left: the run's first
		}
		x &= 1<<(63-bits.LeadingZeros64(gaps)) - 1 // the groups before the last
		if bits.OnesCount64(x) < minDigits {
			break
		}
	}
	return i + q, digits, false, true
}

// runMayRead reports whether a window of the run maskedRun read from
// text[k] (bit p of word w) to end may be a registered number, asking
// mayRead of the first digits from each group that starts one: most runs
// that end like an owned number (other customers' numbers in the same
// exchange) start like none, and are turned away before phoneRun reads
// their windows. The digits are read by the run's digit mask.
func (f *Finder) runMayRead(text []byte, k, w, p, end, minDigits int) bool {
	if f.Shape == nil || f.Shape.phonePrefix == nil {
		return true
	}
	w *= maskKinds
	d := f.masks[w] >> p
	if p > 0 {
		d |= f.masks[w+maskKinds] << (64 - p)
	}
	d &= belowBits(end - k)
	_, plus := phoneLead(text, k)
	var buf [mayReadDigits]byte
	var l leading
	for starts := d &^ (d << 1); starts != 0; starts &= starts - 1 {
		s := bits.TrailingZeros64(starts)
		rest := d >> s
		if bits.OnesCount64(rest) < minDigits {
			return false // too few digits left for a number
		}
		n := 0
		for ; rest != 0 && n < len(buf); rest &= rest - 1 {
			c := text[k+s+bits.TrailingZeros64(rest)]
			buf[n] = c
			l.v[n+1] = l.v[n]*10 + int(c-'0')
			n++
		}
		l.d = buf[:n]
		mark := noPlus
		if s == 0 {
			mark = plus
		}
		if f.mayRead(&l, mark) {
			return true
		}
	}
	return false
}

// runDigitsBytewise is runDigits read from the text itself.
func (f *Finder) runDigitsBytewise(text []byte, i, minDigits int) (end, digits int, maybe bool) {
	sh := f.Shape
	maybe = sh == nil
	for end = i; ; {
		g := groupLen(text, end)
		end += g
		digits += g
		if !maybe && digits >= minDigits {
			maybe = sh.admitsPhoneSuffix(lastDigits(text[i:end]))
		}
		// One or two separators, then the next group, or the run's end.
		j := end
		for j < len(text) && j-end < 2 && phoneSep[text[j]] {
			j++
		}
		if j == len(text) || !isDigit(text[j]) {
			return j, digits, maybe
		}
		end = j
	}
}

// groupLen returns how many digits stand from text[i] on, eight at a time.
func groupLen(text []byte, i int) int {
	n := i
	for ; n+8 <= len(text); n += 8 {
		if m := digitMask(binary.LittleEndian.Uint64(text[n:])); m != highBits {
			return n - i + bits.TrailingZeros64(^m&highBits)>>3
		}
	}
	for n < len(text) && isDigit(text[n]) {
		n++
	}
	return n - i
}

// lastDigits returns the last PhoneSuffixDigits digits of run, which holds
// at least that many, as a number.
func lastDigits(run []byte) int {
	v, mul := 0, 1
	for p, n := len(run)-1, 0; n < PhoneSuffixDigits; p-- {
		if c := run[p]; isDigit(c) {
			v += int(c-'0') * mul
			mul *= 10
			n++
		}
	}
	return v
}

// admitsSuffixMasked is admitsPhoneSuffix of lastDigits(run), whose digits
// are the bits of d (of which at least PhoneSuffixDigits are below
// len(run)), read from the top bits of d: no byte of the run but its last
// digits is loaded, and the first three of them alone when the table of
// ends rules them out.
func (sh *Shape) admitsSuffixMasked(run []byte, d uint64) bool {
	if sh.anySuffix || sh.phoneSuffix == nil {
		return true
	}
	// Written out, digit by digit: as a loop it was inlined into
	// maskedRun, whose other values pushed its counters to the stack.
	const _ = uint(PhoneSuffixDigits-6) + uint(6-PhoneSuffixDigits) + uint(phoneEndDigits-3) + uint(3-phoneEndDigits)
	p0 := bits.Len64(d) - 1
	d &^= 1 << uint(p0)
	p1 := bits.Len64(d) - 1
	d &^= 1 << uint(p1)
	p2 := bits.Len64(d) - 1
	d &^= 1 << uint(p2)
	end := int(run[p0]-'0') + 10*int(run[p1]-'0') + 100*int(run[p2]-'0')
	if !sh.phoneEnds.has(end) {
		return false
	}
	p3 := bits.Len64(d) - 1
	d &^= 1 << uint(p3)
	p4 := bits.Len64(d) - 1
	d &^= 1 << uint(p4)
	p5 := bits.Len64(d) - 1
	return sh.phoneSuffix.has(end + 1000*int(run[p3]-'0') + 10000*int(run[p4]-'0') + 100000*int(run[p5]-'0'))
}

// phoneDigits looks up the E.164 readings of a window's digits d, and reports
// a hit:
//   - with "+", "00" or "011" before them: international, Exact; a trunk "0"
//     after the country code ("+44 (0)7700 ...") is dropped, as libphonenumber does;
//   - otherwise national in the default region (trunk prefix optional), or in
//     another region when written with its trunk prefix, Likely;
//   - and international written without "+", Likely.
//
// A loose plus counts for nothing: its number is read as if it were not there.
func (f *Finder) phoneDigits(raw []byte, pos int, plus plusMark, d []byte) bool {
	if plus == tightPlus {
		return f.tryInternational(raw, pos, d, Exact)
	}
	switch {
	case bytes.HasPrefix(d, []byte("011")) && f.Regions[0].CC == "1":
		if f.tryInternational(raw, pos, d[3:], Exact) {
			return true
		}
	case bytes.HasPrefix(d, []byte("00")):
		if f.tryInternational(raw, pos, d[2:], Exact) {
			return true
		}
	}
	return f.tryNational(raw, pos, d) || f.tryInternational(raw, pos, d, Likely)
}

// mayRead reports whether a window whose digits start with l.d may be a
// registered number: whether any reading phoneDigits would try of it has a
// registered number's first PhonePrefixDigits digits. l.d is the first
// mayReadDigits digits from a group, or all there are: every window from
// that group starts with them, no reading needs more of them for its
// prefix, and a reading left with fewer digits than a prefix is too short
// to be tried (minRunDigits). So one answer serves every window from the
// group. It is phoneDigits' readings with no lookup and no key built.
func (f *Finder) mayRead(l *leading, plus plusMark) bool {
	sh, d := f.Shape, l.d // runMayRead has seen the Shape's prefix table
	if plus == tightPlus {
		return sh.mayReadInternational(l, 0)
	}
	if len(d) >= 3 && d[0] == '0' && (d[1] == '0' && sh.mayReadInternational(l, 2) ||
		d[1] == '1' && d[2] == '1' && f.Regions[0].CC == "1" && sh.mayReadInternational(l, 3)) {
		return true
	}
	for k, r := range f.Regions {
		t := 0
		if r.Trunk != "" && len(d) >= len(r.Trunk) && string(d[:len(r.Trunk)]) == r.Trunk {
			t = len(r.Trunk)
		} else if k > 0 {
			continue
		}
		if v, ok := l.national(r.CC, t); ok && sh.phonePrefix.has(v) {
			return true
		}
	}
	return sh.mayReadInternational(l, 0)
}

// mayReadInternational is mayRead for tryInternational's readings of the
// digits of l from o on.
func (sh *Shape) mayReadInternational(l *leading, o int) bool {
	if o >= len(l.d) || l.d[o] == '0' {
		return false
	}
	if v, ok := l.prefix(o, -1); ok && sh.phonePrefix.has(v) {
		return true
	}
	for cc := 1; cc <= 3 && o+cc < len(l.d); cc++ {
		if l.d[o+cc] == '0' {
			if v, ok := l.prefix(o, cc); ok && sh.phonePrefix.has(v) {
				return true
			}
		}
	}
	return false
}

// leading is the first digits of a window, with the value of each of their
// beginnings, so that mayRead reads any reading's prefix with arithmetic.
type leading struct {
	d []byte                 // at most mayReadDigits
	v [mayReadDigits + 1]int // v[j]: d[:j] as a number
}

// prefix returns the first PhonePrefixDigits digits from d[o], with d[o+skip]
// dropped (none when skip < 0), as a number, and false if there are fewer.
func (l *leading) prefix(o, skip int) (int, bool) {
	const k = PhonePrefixDigits
	if skip < 0 {
		if len(l.d)-o < k {
			return 0, false
		}
		return l.v[o+k] - l.v[o]*pow10[k], true
	}
	if len(l.d)-o-1 < k {
		return 0, false
	}
	return (l.v[o+skip]-l.v[o]*pow10[skip])*pow10[k-skip] + l.v[o+k+1]%pow10[k-skip], true
}

// national returns the first PhonePrefixDigits digits of "+" cc d[t:].
func (l *leading) national(cc string, t int) (int, bool) {
	const k = PhonePrefixDigits
	c := 0
	for i := range len(cc) {
		c = c*10 + int(cc[i]-'0')
	}
	m := k - len(cc)
	if m < 0 || len(l.d)-t < m {
		return 0, false
	}
	return c*pow10[m] + l.v[t+m] - l.v[t]*pow10[m], true
}

var pow10 = [...]int{1, 10, 100, 1000, 10_000, 100_000, 1_000_000}

// mayReadDigits is as many digits as mayRead reads: a number's prefix after
// "011", with a trunk "0" dropped from it.
const mayReadDigits = 10

// tryNational looks up d as a national number of the default region, or of
// another region when written with its trunk prefix.
func (f *Finder) tryNational(raw []byte, pos int, d []byte) bool {
	for k, r := range f.Regions {
		national := d
		hasTrunk := r.Trunk != "" && len(d) >= len(r.Trunk) && string(d[:len(r.Trunk)]) == r.Trunk
		if hasTrunk {
			national = d[len(r.Trunk):]
		} else if k > 0 {
			continue // another country's number is read only with its trunk prefix
		}
		if f.tryPhone(raw, pos, Likely, r.CC, national, nil) {
			return true
		}
	}
	return false
}

// tryInternational looks up d as a number written after its international
// prefix, with or without a trunk "0" after the country code.
func (f *Finder) tryInternational(raw []byte, pos int, d []byte, conf Confidence) bool {
	if len(d) == 0 || d[0] == '0' {
		return false
	}
	if f.tryPhone(raw, pos, conf, "", d, nil) {
		return true
	}
	for cc := 1; cc <= 3 && cc < len(d); cc++ {
		if d[cc] == '0' && f.tryPhone(raw, pos, conf, "", d[:cc], d[cc+1:]) {
			return true
		}
	}
	return false
}

// tryPhone looks up "+" cc a b, after the shape's cheap checks.
func (f *Finder) tryPhone(raw []byte, pos int, conf Confidence, cc string, a, b []byte) bool {
	n := len(cc) + len(a) + len(b)
	if n < minRunDigits || n > maxRunDigits {
		return false
	}
	// The cheap checks first, on the digits as they are: n >= minRunDigits
	// digits hold a whole prefix.
	if sh := f.Shape; sh != nil && (sh.PhoneLens&(1<<(n+1)) == 0 || !sh.admitsPhone(cc, a, b)) {
		return false
	}
	f.key = append(append(append(append(f.key[:0], '+'), cc...), a...), b...)
	if sh := f.Shape; sh != nil && !sh.MayHold(norm.FieldPhone, f.key) {
		return false
	}
	return f.Report.Candidate(norm.FieldPhone, f.key, raw, pos, conf)
}
