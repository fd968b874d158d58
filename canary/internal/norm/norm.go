// Package norm is the one normalization per field (email, phone, ticket,
// name) and the lookup-key derivation, used when a seed is registered, when
// the generator checks uniqueness, and when text is matched, so that what was
// planted and what is seen compare equal. Package canary's Normalize*
// functions wrap it with typed errors; the registries (MemoryRegistry,
// sqlstore) and the matcher call it directly.
//
// The functions report why a value is not one as a reason string rather than
// an error, so that the matcher's miss path does not allocate; callers wrap
// the reason in their own sentinel error.
package norm

import (
	"fmt"
	"iter"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"
	unorm "golang.org/x/text/unicode/norm"

	"github.com/honeyseed/honeyseed/canary/internal/fold"
)

// Limits on what the normalizers accept. Longer input is not a value of that kind.
const (
	MaxEmailLen  = 254 // RFC 5321 path limit
	MaxLocalLen  = 64
	MaxPhoneLen  = 64 // room for separators, a "tel:" prefix and an extension
	MaxTicketLen = 40
)

// AppendEmail appends the canonical form of the address s to dst: the address
// alone (display names, angle brackets, "mailto:" and surrounding punctuation
// removed), NFKC-normalized, with look-alike characters from other scripts
// folded to Latin and invisible characters dropped, lower-cased, without a
// "+tag", and with the domain in IDNA ASCII form. For gmail.com and
// googlemail.com, whose mailboxes ignore dots, the dots of the local part are
// removed too. It reports why s is not an address instead of an error so that
// the matcher's miss path does not allocate; on failure dst is returned as given.
func AppendEmail(dst []byte, s string) ([]byte, string) {
	s = unwrapAddress(s)
	if len(s) > 4*MaxEmailLen {
		return dst, "too long"
	}
	ascii := IsASCII(s) // ASCII is valid UTF-8 and folds to itself
	if !ascii {
		if !utf8.ValidString(s) {
			return dst, "not valid UTF-8"
		}
		s = FoldText(s)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return dst, "no @"
	}
	local, domain := s[:at], s[at+1:]
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	switch {
	case local == "":
		return dst, "empty local part"
	case len(local) > MaxLocalLen:
		return dst, "local part too long"
	case domain == "":
		return dst, "empty domain"
	}
	if strings.HasPrefix(local, `"`) && strings.HasSuffix(local, `"`) && len(local) > 1 {
		if local = local[1 : len(local)-1]; local == "" {
			return dst, "empty local part" // `""@`, which folding can make of full-width quotes
		}
	}
	// Copied, then lowered and checked in place: one append, not one a byte.
	start := len(dst)
	dst = append(dst, local...)
	for b, i := dst[start:], 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
				return dst[:start], "invalid character in local part"
			}
			i += n
			continue
		}
		if b[i] = localLower[c]; b[i] == 0 {
			return dst[:start], "invalid character in local part"
		}
		i++
	}
	if dst[start] == '.' || dst[len(dst)-1] == '.' {
		return dst[:start], "local part starts or ends with a dot"
	}
	localEnd := len(dst)
	dst = append(dst, '@')
	var reason string
	dst, reason = appendDomain(dst, domain, ascii)
	if reason != "" {
		return dst[:start], reason
	}
	if MailboxDomain(string(dst[localEnd+1:])) == "gmail.com" {
		addr := string(dst[start:localEnd]) + "@gmail.com"
		dst = AppendEmailKey(dst[:start], addr)
	}
	return dst, ""
}

// domainAliases pairs a domain with the one its mailboxes are:
// googlemail.com with gmail.com, whose mailboxes are Gmail's own. A list,
// not a map: AppendEmail reads it for every address.
var domainAliases = [...]struct{ alias, to string }{{"googlemail.com", "gmail.com"}}

// MailboxDomain returns the domain an address at the normalized domain d
// is keyed under: the domain d is an alias of, else d itself.
func MailboxDomain(d string) string {
	for _, a := range domainAliases {
		if d == a.alias {
			return a.to
		}
	}
	return d
}

// DomainAliases returns the other domains whose addresses MailboxDomain
// keys under d: googlemail.com for gmail.com, none for the rest.
func DomainAliases(d string) []string {
	var out []string
	for _, a := range domainAliases {
		if a.to == d {
			out = append(out, a.alias)
		}
	}
	return out
}

// AppendDomain appends the lower-case IDNA ASCII form of domain, or reports why
// it is not a domain.
func AppendDomain(dst []byte, domain string) ([]byte, string) {
	return appendDomain(dst, domain, false)
}

// appendDomain is AppendDomain for a domain known to be ASCII when ascii is set.
func appendDomain(dst []byte, domain string, ascii bool) ([]byte, string) {
	domain = strings.TrimSuffix(domain, ".")
	if !ascii && !IsASCII(domain) {
		a, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return dst, "invalid international domain"
		}
		domain = a
	}
	if len(domain) > 253 {
		return dst, "domain too long"
	}
	// Copied, then lowered and checked in place, label by label.
	start := len(dst)
	dst = append(dst, domain...)
	b := dst[start:]
	labels, labelStart := 0, 0
	for i := 0; ; i++ {
		if i == len(b) || b[i] == '.' {
			label := b[labelStart:i]
			if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
				return dst[:start], "invalid domain label"
			}
			labels++
			if i == len(b) {
				break
			}
			labelStart = i + 1
			continue
		}
		if b[i] = domainLower[b[i]]; b[i] == 0 {
			return dst[:start], "invalid character in domain"
		}
	}
	if labels < 2 {
		return dst[:start], "domain has no dot"
	}
	tld := b[labelStart:]
	if allDigits(tld) {
		return dst[:start], "domain is an address literal"
	}
	return dst, ""
}

// unwrapAddress strips what surrounds an address in headers, links and prose:
// `"Ann Lee" <ann@x.example>`, `mailto:ann@x.example?subject=hi`, `(ann@x.example).`.
func unwrapAddress(s string) string {
	// A bare address, as headers mostly hold, has nothing to strip; one that
	// starts with 'm' may be a "mailto:" link.
	if len(s) > 0 && bareEdge(s[0]) && bareEdge(s[len(s)-1]) && Lower(s[0]) != 'm' {
		return s
	}
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			s = s[i+1 : len(s)-1]
		}
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
		if q := strings.IndexByte(s, '?'); q >= 0 {
			s = s[:q]
		}
	}
	lo, hi := 0, len(s)
	for lo < hi && wrapByte[s[lo]] {
		lo++
	}
	for hi > lo && wrapByte[s[hi-1]] {
		hi--
	}
	return s[lo:hi]
}

// bareEdge reports whether c, at an end of a string, leaves it as
// unwrapAddress finds it: ASCII, not space, not what wraps an address.
func bareEdge(c byte) bool { return c > ' ' && c < utf8.RuneSelf && !wrapByte[c] }

// wrapByte marks what surrounds an address in prose and markup.
var wrapByte = func() (t [256]bool) {
	for _, c := range []byte(" \t\r\n\"'()<>[]{},;:!?.") {
		t[c] = true
	}
	return t
}()

// Phone returns the E.164 form ("+14155550132") of a phone number written in
// any common format: "+1 (415) 555-0132", "415.555.0132", "1-415-555-0132",
// "tel:+14155550132", "+44 (0)7700 900123", "0044 7700 900123". region is the
// ISO 3166 code ("US", "GB") for numbers written in national form; "" accepts
// only international forms. Parsing is libphonenumber's (nyaruka/phonenumbers);
// the number must be possible for its country, but need not be in service, so
// ranges reserved for fiction are accepted. It reports why s is not a number
// instead of an error.
func Phone(s, region string) (string, string) {
	if len(s) > MaxPhoneLen {
		return "", "too long"
	}
	if !utf8.ValidString(s) {
		return "", "not valid UTF-8"
	}
	region = strings.ToUpper(region)
	// Only numbers read in a known region, or in none (""), are cached: a
	// hit needs no check of its region.
	key := phoneCacheKey{s, region}
	if e164, ok := phoneCache.get(key); ok {
		return e164, ""
	}
	if region == "" {
		region = "ZZ" // libphonenumber's "unknown region": international forms only
	} else if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", fmt.Sprintf("unknown region %q", region)
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", err.Error()
	}
	if !phonenumbers.IsPossibleNumber(n) {
		return "", "not a possible number for its country"
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if !CanonicalE164(e164) {
		// libphonenumber can format a national number it would parse back
		// differently ("00000000" in AX): such a number has no one form.
		if again, err := phonenumbers.Parse(e164, "ZZ"); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
			return "", "no stable international form"
		}
	}
	phoneCache.put(key, e164)
	return e164, ""
}

// libphonenumber's Parse costs tens of microseconds; registries re-check every
// seed's number, and pools are small, so results are memoized in a bounded map.
var phoneCache = &boundedCache[phoneCacheKey, string]{max: 1 << 14}

type phoneCacheKey struct{ s, region string }

type boundedCache[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]V
	max int
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V) // dropping everything keeps the bound without LRU bookkeeping
	}
	c.m[k] = v
}

// AppendTicket appends the canonical form of a ticket reference: look-alikes
// folded, upper case, letters and digits only, so "tm-0001 2345", "TM#00012345"
// and "TM-00012345" compare equal. A reference holds at least one digit and
// between 4 and 40 letters and digits; otherwise it reports why.
func AppendTicket(dst []byte, s string) ([]byte, string) {
	if len(s) > 4*MaxTicketLen {
		return dst, "too long"
	}
	if !utf8.ValidString(s) {
		return dst, "not valid UTF-8"
	}
	if !IsASCII(s) {
		s = FoldText(s)
	}
	start, digits := len(dst), 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z':
		case c == '-' || c == '_' || c == '#' || c == '/' || c == '.' || c == ' ' || c == ':':
			continue
		default:
			return dst[:start], "invalid character"
		}
		dst = append(dst, c)
	}
	switch n := len(dst) - start; {
	case digits == 0:
		return dst[:start], "no digit"
	case n < 4:
		return dst[:start], "too short"
	case n > MaxTicketLen:
		return dst[:start], "too long"
	}
	return dst, ""
}

// Name returns the form in which names are compared: NFKC, look-alikes
// folded, accents removed, lower case, words separated by one space. "José
// GARCÍA-López" becomes "jose garcia lopez". It never fails: any text has a form.
func Name(s string) string {
	if IsASCII(s) {
		return normalizeASCIIName(s)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = FoldText(s)
	var b strings.Builder
	b.Grow(len(s))
	word := func(w string) {
		// An apostrophe belongs to a name inside it (O'Brien), not at its edges ('Ann').
		if w = strings.Trim(w, "'"); w != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
	}
	var cur strings.Builder
	for _, r := range unorm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’':
			if r == '’' {
				r = '\''
			}
			cur.WriteRune(r)
		default:
			word(cur.String())
			cur.Reset()
		}
	}
	word(cur.String())
	return b.String()
}

// normalizeASCIIName is Name for ASCII text, without the Unicode passes.
func normalizeASCIIName(s string) string {
	return string(AppendASCIIName(make([]byte, 0, len(s)), s))
}

// AppendASCIIName appends Name(s) for ASCII s.
func AppendASCIIName(b []byte, s string) []byte {
	base := len(b)
	start := base // of the current word in b
	flush := func() {
		w := b[start:]
		for len(w) > 0 && w[len(w)-1] == '\'' {
			w = w[:len(w)-1]
		}
		lead := 0
		for lead < len(w) && w[lead] == '\'' {
			lead++
		}
		n := copy(b[start:], w[lead:])
		b = b[:start+n]
		if n > 0 {
			b = append(b, ' ')
		}
		start = len(b)
	}
	for i := 0; i < len(s); i++ {
		c := Lower(s[i])
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\'' {
			b = append(b, c)
			continue
		}
		flush()
	}
	flush()
	if len(b) > base {
		b = b[:len(b)-1]
	}
	return b
}

// FoldText applies the steps every text field shares: NFKC (full-width and
// compatibility forms), lower case, then look-alike folding.
func FoldText(s string) string {
	return fold.Skeleton(strings.ToLower(unorm.NFKC.String(s)))
}

// EmailKey returns the key a registry indexes a normalized address under. Keys
// are what registries compare: two values with one key are one seed to them.
// The dots of the local part are dropped, so "j.smith@" and "jsmith@" find the
// same seed (the matcher then says whether the dots differed). Phone numbers
// and tickets are their own keys.
func EmailKey(normalized string) string {
	if !strings.Contains(normalized, ".") {
		return normalized
	}
	return string(AppendEmailKey(make([]byte, 0, len(normalized)), normalized))
}

// AppendEmailKey appends EmailKey(normalized) to dst, for the allocation-free
// miss path.
func AppendEmailKey(dst []byte, normalized string) []byte {
	for part := range EmailKeyParts(normalized) {
		dst = append(dst, part...)
	}
	return dst
}

// EmailKeyParts yields the pieces of normalized that make its EmailKey, in
// order: the local part between its dots, then the '@' and the domain. It is
// the one statement of the dot rule; EmailKey, AppendEmailKey, the gmail rule
// and sqlstore's keyed MAC all use it.
func EmailKeyParts(normalized string) iter.Seq[string] {
	return func(yield func(string) bool) {
		at := strings.LastIndexByte(normalized, '@')
		start := 0
		for i := 0; i < at; i++ {
			if normalized[i] == '.' {
				if i > start && !yield(normalized[start:i]) {
					return
				}
				start = i + 1
			}
		}
		if start < len(normalized) {
			yield(normalized[start:])
		}
	}
}

// localLower maps each ASCII byte to its lower case when that may stand in
// an unquoted local part (localChar), and to 0 when not.
var localLower = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		if l := Lower(byte(c)); localChar[l] {
			t[c] = l
		}
	}
	return t
}()

// domainLower maps each byte that may stand in a domain label to its lower
// case, and every other byte to 0.
var domainLower = func() (t [256]byte) {
	for c := range t {
		if l := Lower(byte(c)); l >= 'a' && l <= 'z' || l >= '0' && l <= '9' || l == '-' {
			t[c] = l
		}
	}
	return t
}()

// localChar marks the ASCII characters allowed in an unquoted local part (RFC 5322 atext and dot).
var localChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*/=?^_`{|}~-." {
		t[c] = true
	}
	return t
}()

// Lower lower-cases an ASCII letter.
// IsLocalChar reports whether c may stand in an unquoted local part as
// NormalizeEmail writes it (lower case). The matcher derives from it what may
// stand in one as written in text.
func IsLocalChar(c byte) bool { return localChar[c] }

func Lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// IsASCII reports whether s is ASCII.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ { // small enough to inline: most values are short
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// Clip bounds user input quoted in an error message.
func Clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

// Field names a matchable field, numbered as canary.Field.
type Field uint8

// The fields a registry indexes.
const (
	FieldEmail Field = iota + 1
	FieldPhone
	FieldTicket
)

// Key is one value a registry indexes a seed under: the lookup key of the
// normalized value (EmailKey for email; phones and tickets are their own).
type Key struct {
	Field Field
	Value string
}

// SeedKeys returns the keys of a seed's email, phone and ticket, each
// normalized; empty ones have none. The phone must already be in E.164 form.
// On failure it reports the field and why.
func SeedKeys(email, phone, ticket string) ([]Key, Field, string) {
	keys := make([]Key, 0, 3)
	if email != "" {
		e, reason := AppendEmail(make([]byte, 0, len(email)), email)
		if reason != "" {
			return nil, FieldEmail, reason
		}
		keys = append(keys, Key{FieldEmail, EmailKey(string(e))})
	}
	if phone != "" {
		if !CanonicalE164(phone) {
			p, reason := Phone(phone, "")
			if reason != "" {
				return nil, FieldPhone, reason
			}
			if p != phone {
				return nil, FieldPhone, fmt.Sprintf("not in E.164 form (%s)", p)
			}
		}
		keys = append(keys, Key{FieldPhone, phone})
	}
	if ticket != "" {
		t, reason := AppendTicket(make([]byte, 0, len(ticket)), ticket)
		if reason != "" {
			return nil, FieldTicket, reason
		}
		keys = append(keys, Key{FieldTicket, string(t)})
	}
	return keys, 0, ""
}
