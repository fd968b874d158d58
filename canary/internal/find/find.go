package find

import (
	"bytes"
	"encoding/binary"
	"net/url"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Package find is the matcher's engine: it searches text for the three
// shapes a seed value can take (addresses around '@' and "%40", phone-shaped
// digit runs read in every E.164 reading, ticket-shaped tokens and their
// tails), normalizes each candidate with package norm, and reports it to the
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
	maxTicketScan = 2 * norm.MaxTicketLen
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
	// PrecheckDomains checks an address's domain against Shape before
	// normalizing the whole address: a saving in a dump, where most addresses
	// are on domains no seed uses; a cost in an event, which has few.
	PrecheckDomains bool
	Report          Reporter

	norm, digits, key []byte
	groups            []int
	ticketEnd         int
}

var (
	localByte  [256]bool // may stand in a local part as written in text
	domainByte [256]bool
	ticketByte [256]bool // letters, digits and the separators NormalizeTicket drops
	alnum      [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		isAlnum := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		alnum[c] = isAlnum
		localByte[c] = norm.IsLocalChar(norm.Lower(b)) || b >= 0x80 || b == '+' // as written: any case, a +tag
		domainByte[c] = isAlnum || b >= 0x80 || b == '-' || b == '.'
		ticketByte[c] = isAlnum || b == '-' || b == '_' || b == '#' || b == '/' || b == '.' || b == ':'
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

// emailAt tries the address whose '@' spans text[at:after].
func (f *Finder) emailAt(text []byte, at, after int) {
	start := at
	for start > 0 && at-start < maxLocalScan && localByte[text[start-1]] {
		start--
	}
	for start < at && text[start] == '.' {
		start++
	}
	end := after
	for end < len(text) && end-after < maxDomainScan && domainByte[text[end]] {
		end++
	}
	for end > after && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	if start == at || end == after {
		return
	}
	f.tryEmail(text[start:end], start)
}

func (f *Finder) tryEmail(raw []byte, pos int) {
	if f.Shape != nil && f.PrecheckDomains {
		domain := raw[bytes.LastIndexByte(raw, '@')+1:]
		if norm.IsASCII(stringOf(domain)) {
			var reason string
			f.key, reason = norm.AppendDomain(f.key[:0], stringOf(domain))
			if reason != "" || !f.Shape.EmailDomains[string(f.key)] {
				return
			}
		}
	}
	f.matchEmail(raw, pos, stringOf(raw))
}

// matchEmail normalizes addr, the address written as raw, and reports it.
func (f *Finder) matchEmail(raw []byte, pos int, addr string) {
	var reason string
	if f.norm, reason = norm.AppendEmail(f.norm[:0], addr); reason != "" {
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
	f.matchEmail(text[start:end], start, decoded)
}

// findDigits visits each run of digits in text[lo:hi]: the seed of a phone
// number and of a ticket reference.
func (f *Finder) findDigits(text []byte, lo, hi int) {
	f.ticketEnd = 0
	runEnd := 0 // phone runs already read
	tickets := f.Shape == nil || f.Shape.TicketLens != 0
	phones := f.Shape == nil || f.Shape.PhoneLens != 0
	for i := lo; i < hi; i++ {
		// Skip eight bytes at a time while none is a digit.
		for i+8 <= hi && !hasDigit(binary.LittleEndian.Uint64(text[i:])) {
			i += 8
		}
		if i >= hi {
			break
		}
		if c := text[i]; c < '0' || c > '9' {
			continue
		}
		if tickets && i >= f.ticketEnd {
			f.ticketAt(text, i)
		}
		if phones && i >= runEnd {
			runEnd = f.phoneAt(text, i)
		}
		// Skip the rest of this digit run: both readers start at its first digit.
		for i+1 < hi && text[i+1] >= '0' && text[i+1] <= '9' {
			i++
		}
	}
}

// ticketAt tries the ticket-shaped token around the digit at text[i]: the whole
// token, and each tail of it that starts after a separator ("Ticket#TM-0001"
// holds "TM-0001").
func (f *Finder) ticketAt(text []byte, i int) {
	if sh := f.Shape; sh != nil && !sh.ticketDigitFirst && (i == 0 || !ticketByte[text[i-1]]) {
		// The token starts at this digit and every registered ticket starts
		// with a letter: only a tail starting with a letter could be one. A
		// token of digits and separators alone (a date, a time, an id) has
		// none: skip all of it.
		end := i
		for end < len(text) && end-i < maxTicketScan && ticketByte[text[end]] {
			if c := text[end]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
				f.ticketEnd = i + 1
				return
			}
			end++
		}
		f.ticketEnd = end
		return
	}
	start := i
	for start > 0 && i-start < maxTicketScan && ticketByte[text[start-1]] {
		start--
	}
	end := i
	for end < len(text) && end-i < maxTicketScan && ticketByte[text[end]] {
		end++
	}
	f.ticketEnd = end
	for end > start && !alnum[text[end-1]] {
		end--
	}
	// Letters and digits from each position to the end, counted once from the
	// right, so the shape check of every tail is constant time.
	remaining := 0
	if f.Shape != nil {
		for k := start; k < end; k++ {
			if alnum[text[k]] {
				remaining++
			}
		}
	}
	for s := start; s < end; s++ {
		if s > start && alnum[text[s-1]] {
			remaining--
		}
		if s > start && (alnum[text[s-1]] || !alnum[text[s]]) {
			continue // tails start at a letter or digit after a separator
		}
		if f.Shape != nil && !f.Shape.admitsTicketTail(remaining, text[s]) {
			continue
		}
		var reason string
		f.norm, reason = norm.AppendTicket(f.norm[:0], stringOf(text[s:end]))
		if reason != "" {
			continue
		}
		if f.Report.Candidate(norm.FieldTicket, f.norm, text[s:end], s, Exact) {
			return
		}
	}
}

// phoneAt reads the phone-shaped run that contains the digit at text[i] and
// looks up its E.164 readings. It returns where the run ends.
func (f *Finder) phoneAt(text []byte, i int) int {
	start := i
	plus := false
	// What may precede the first digit: "+", "(", "tel:".
	for start > 0 {
		c := text[start-1]
		if c == '+' {
			plus = true
			start--
			break
		}
		if c == '(' || c == ' ' && start-1 > 0 && text[start-2] == '+' {
			start--
			continue
		}
		break
	}
	if start > 0 && alnum[text[start-1]] && !isTelPrefix(text[:start]) {
		return f.skipRun(text, i) // inside an identifier: "ID4155550132"
	}
	if f.Shape != nil {
		// Count the run's digits first: most runs in a dump (ids, dates,
		// times) are too short to be any registered number.
		if end, digits := runDigits(text, i); digits < f.Shape.PhoneMinDigits {
			return end
		}
	}
	f.digits = f.digits[:0]
	groups := f.groups[:0]
	end, seps := i, 0
	for end < len(text) {
		c := text[end]
		if c >= '0' && c <= '9' {
			if seps > 0 || len(f.digits) == 0 {
				groups = append(groups, len(f.digits))
			}
			f.digits = append(f.digits, c)
			seps = 0
			end++
			if len(f.digits) > 4*maxRunDigits {
				break
			}
			continue
		}
		if c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t' {
			seps++
			if seps > 2 {
				break
			}
			end++
			continue
		}
		break
	}
	for end > i && !(text[end-1] >= '0' && text[end-1] <= '9') {
		end--
	}
	f.groups = groups
	if end < len(text) && alnum[text[end]] && text[end] != 'x' && text[end] != 'X' {
		return end // glued to letters: not a number on its own
	}
	n := len(f.digits)
	if n < minRunDigits {
		return end
	}
	if n <= maxRunDigits+1 { // +1: room for a trunk "0" written after the country code
		f.phoneDigits(text[start:end], start, plus, f.digits)
		return end
	}
	// A long run may be several numbers side by side: try each window of whole
	// groups that has the length of a number.
	for a := 0; a < len(groups); a++ {
		for b := a + 1; b <= len(groups); b++ {
			hiDigit := n
			if b < len(groups) {
				hiDigit = groups[b]
			}
			d := hiDigit - groups[a]
			if d > maxRunDigits {
				break
			}
			if d >= minRunDigits {
				f.phoneDigits(text[start:end], start, plus && a == 0, f.digits[groups[a]:hiDigit])
			}
		}
	}
	return end
}

// hasDigit reports whether any byte of x is an ASCII digit, without a branch
// per byte (the "has between" bit trick, exact for all 256 byte values).
func hasDigit(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
		low7 = 0x7f7f7f7f7f7f7f7f
	)
	t := x & low7
	return (ones*(127+'9'+1)-t)&^x&(t+ones*(127-'0'+1))&high != 0
}

// runDigits counts the digits of the phone-shaped run from text[i], as phoneAt
// reads it, and says where it ends.
func runDigits(text []byte, i int) (end, digits int) {
	seps := 0
	for end = i; end < len(text); end++ {
		switch c := text[end]; {
		case c >= '0' && c <= '9':
			digits++
			seps = 0
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t':
			if seps++; seps > 2 {
				return end, digits
			}
		default:
			return end, digits
		}
	}
	return end, digits
}

func (f *Finder) skipRun(text []byte, i int) int {
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	return i
}

func isTelPrefix(b []byte) bool {
	n := len(b)
	return n >= 4 && (b[n-1] == ':') && (b[n-4]|0x20) == 't' && (b[n-3]|0x20) == 'e' && (b[n-2]|0x20) == 'l'
}

// phoneDigits looks up the E.164 readings of a run's digits d:
//   - with "+", "00" or "011" before them: international, Exact; a trunk "0"
//     after the country code ("+44 (0)7700 ...") is dropped, as libphonenumber does;
//   - otherwise national in the default region (trunk prefix optional), or in
//     another region when written with its trunk prefix, Likely;
//   - and international written without "+", Likely.
func (f *Finder) phoneDigits(raw []byte, pos int, plus bool, d []byte) {
	if plus {
		f.tryInternational(raw, pos, d, Exact)
		return
	}
	switch {
	case bytes.HasPrefix(d, []byte("011")) && f.Regions[0].CC == "1":
		if f.tryInternational(raw, pos, d[3:], Exact) {
			return
		}
	case bytes.HasPrefix(d, []byte("00")):
		if f.tryInternational(raw, pos, d[2:], Exact) {
			return
		}
	}
	for k, r := range f.Regions {
		national := d
		hasTrunk := r.Trunk != "" && bytes.HasPrefix(d, []byte(r.Trunk))
		if hasTrunk {
			national = d[len(r.Trunk):]
		} else if k > 0 {
			continue // another country's number is read only with its trunk prefix
		}
		if f.tryPhone(raw, pos, Likely, r.CC, national, nil) {
			return
		}
	}
	f.tryInternational(raw, pos, d, Likely)
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
	f.key = append(append(append(append(f.key[:0], '+'), cc...), a...), b...)
	if sh := f.Shape; sh != nil && (sh.PhoneLens&(1<<len(f.key)) == 0 || !sh.PhoneLead[int(f.key[1]-'0')*10+int(f.key[2]-'0')]) {
		return false
	}
	return f.Report.Candidate(norm.FieldPhone, f.key, raw, pos, conf)
}
