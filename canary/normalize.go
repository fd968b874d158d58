package canary

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/honeyseed/honeyseed/canary/internal/fold"
)

// One normalization per field, used both when a seed is registered and when text
// is matched, so what was planted and what is seen compare equal (invariant 5).

// Limits on what the normalizers accept. Longer input is not a value of that kind.
const (
	maxEmailLen  = 254 // RFC 5321 path limit
	maxLocalLen  = 64
	maxPhoneLen  = 64 // room for separators, a "tel:" prefix and an extension
	maxTicketLen = 40
)

// NormalizeEmail returns the canonical form of an email address: the address alone
// (display names, angle brackets, "mailto:" and surrounding punctuation removed),
// NFKC-normalized, with look-alike characters from other scripts folded to Latin
// and invisible characters dropped, lower-cased, without a "+tag", and with the
// domain in IDNA ASCII form. For gmail.com and googlemail.com, whose mailboxes
// ignore dots, the dots of the local part are removed too.
//
// The error wraps ErrInvalidEmail.
func NormalizeEmail(s string) (string, error) {
	b, reason := appendEmail(make([]byte, 0, len(s)), s)
	if reason != "" {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidEmail, clip(s), reason)
	}
	return string(b), nil
}

// appendEmail appends the canonical form of s to dst. It reports why s is not an
// address instead of an error so that the matcher's miss path does not allocate.
func appendEmail(dst []byte, s string) ([]byte, string) {
	s = unwrapAddress(s)
	if len(s) > 4*maxEmailLen {
		return dst, "too long"
	}
	if !utf8.ValidString(s) {
		return dst, "not valid UTF-8"
	}
	if !isASCII(s) {
		s = foldText(s)
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
	case len(local) > maxLocalLen:
		return dst, "local part too long"
	case domain == "":
		return dst, "empty domain"
	}
	if strings.HasPrefix(local, `"`) && strings.HasSuffix(local, `"`) && len(local) > 1 {
		local = local[1 : len(local)-1]
	}
	start := len(dst)
	for i := 0; i < len(local); {
		c := local[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(local[i:])
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
				return dst[:start], "invalid character in local part"
			}
			dst = append(dst, local[i:i+n]...)
			i += n
			continue
		}
		c = lower(c)
		if !localChar[c] {
			return dst[:start], "invalid character in local part"
		}
		dst = append(dst, c)
		i++
	}
	if dst[start] == '.' || dst[len(dst)-1] == '.' {
		return dst[:start], "local part starts or ends with a dot"
	}
	localEnd := len(dst)
	dst = append(dst, '@')
	var reason string
	dst, reason = appendDomain(dst, domain)
	if reason != "" {
		return dst[:start], reason
	}
	if d := string(dst[localEnd+1:]); d == "gmail.com" || d == "googlemail.com" {
		dst = dropDots(dst[:localEnd], start)
		dst = append(dst, "@gmail.com"...)
	}
	return dst, ""
}

// appendDomain appends the lower-case IDNA ASCII form of domain.
func appendDomain(dst []byte, domain string) ([]byte, string) {
	domain = strings.TrimSuffix(domain, ".")
	if !isASCII(domain) {
		a, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return dst, "invalid international domain"
		}
		domain = a
	}
	if len(domain) > 253 {
		return dst, "domain too long"
	}
	start := len(dst)
	labels, labelStart := 0, len(dst)
	for i := 0; i <= len(domain); i++ {
		if i == len(domain) || domain[i] == '.' {
			label := dst[labelStart:]
			if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
				return dst[:start], "invalid domain label"
			}
			labels++
			if i < len(domain) {
				dst = append(dst, '.')
				labelStart = len(dst)
			}
			continue
		}
		c := lower(domain[i])
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return dst[:start], "invalid character in domain"
		}
		dst = append(dst, c)
	}
	if labels < 2 {
		return dst[:start], "domain has no dot"
	}
	tld := dst[labelStart:]
	if allDigits(tld) {
		return dst[:start], "domain is an address literal"
	}
	return dst, ""
}

// unwrapAddress strips what surrounds an address in headers, links and prose:
// `"Ann Lee" <ann@x.example>`, `mailto:ann@x.example?subject=hi`, `(ann@x.example).`.
func unwrapAddress(s string) string {
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

// wrapByte marks what surrounds an address in prose and markup.
var wrapByte = func() (t [256]bool) {
	for _, c := range []byte(" \t\r\n\"'()<>[]{},;:!?.") {
		t[c] = true
	}
	return t
}()

// dropDots removes the dots from b[start:].
func dropDots(b []byte, start int) []byte {
	w := start
	for _, c := range b[start:] {
		if c != '.' {
			b[w] = c
			w++
		}
	}
	return b[:w]
}

// NormalizePhone returns the E.164 form ("+14155550132") of a phone number written
// in any common format: "+1 (415) 555-0132", "415.555.0132", "1-415-555-0132",
// "tel:+14155550132", "+44 (0)7700 900123", "0044 7700 900123". region is the
// ISO 3166 code ("US", "GB") for numbers written in national form; "" accepts only
// international forms. Parsing is libphonenumber's (nyaruka/phonenumbers); the
// number must be possible for its country, but need not be in service, so ranges
// reserved for fiction are accepted.
//
// The error wraps ErrInvalidPhone.
func NormalizePhone(s, region string) (string, error) {
	if len(s) > maxPhoneLen {
		return "", fmt.Errorf("%w %q: too long", ErrInvalidPhone, clip(s))
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidPhone, clip(s))
	}
	region = strings.ToUpper(region)
	if region == "" {
		region = "ZZ" // libphonenumber's "unknown region": international forms only
	} else if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", fmt.Errorf("%w %q: unknown region %q", ErrInvalidPhone, s, region)
	}
	key := phoneCacheKey{s, region}
	if e164, ok := phoneCache.get(key); ok {
		return e164, nil
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrInvalidPhone, s, err)
	}
	if !phonenumbers.IsPossibleNumber(n) {
		return "", fmt.Errorf("%w %q: not a possible number for its country", ErrInvalidPhone, s)
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if !canonicalE164(e164) {
		// libphonenumber can format a national number it would parse back
		// differently ("00000000" in AX): such a number has no one form.
		if again, err := phonenumbers.Parse(e164, "ZZ"); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
			return "", fmt.Errorf("%w %q: no stable international form", ErrInvalidPhone, s)
		}
	}
	phoneCache.put(key, e164)
	return e164, nil
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

// NormalizeTicket returns the canonical form of a ticket reference: look-alikes
// folded, upper case, letters and digits only, so "tm-0001 2345", "TM#00012345"
// and "TM-00012345" compare equal. A reference holds at least one digit and
// between 4 and 40 letters and digits.
//
// The error wraps ErrInvalidTicket.
func NormalizeTicket(s string) (string, error) {
	b, reason := appendTicket(make([]byte, 0, len(s)), s)
	if reason != "" {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidTicket, clip(s), reason)
	}
	return string(b), nil
}

func appendTicket(dst []byte, s string) ([]byte, string) {
	if len(s) > 4*maxTicketLen {
		return dst, "too long"
	}
	if !utf8.ValidString(s) {
		return dst, "not valid UTF-8"
	}
	if !isASCII(s) {
		s = foldText(s)
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
	case n > maxTicketLen:
		return dst[:start], "too long"
	}
	return dst, ""
}

// NormalizeName returns the form in which names are compared: NFKC, look-alikes
// folded, accents removed, lower case, words separated by one space. "José
// GARCÍA-López" becomes "jose garcia lopez". It never fails: any text has a form.
func NormalizeName(s string) string {
	if isASCII(s) {
		return normalizeASCIIName(s)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = foldText(s)
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
	for _, r := range norm.NFD.String(s) {
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

// normalizeASCIIName is NormalizeName for ASCII text, without the Unicode passes.
func normalizeASCIIName(s string) string {
	return string(appendASCIIName(make([]byte, 0, len(s)), s))
}

// appendASCIIName appends NormalizeName(s) for ASCII s.
func appendASCIIName(b []byte, s string) []byte {
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
		c := lower(s[i])
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

// foldText applies the steps every text field shares: NFKC (full-width and
// compatibility forms), lower case, then look-alike folding.
func foldText(s string) string {
	return fold.Skeleton(strings.ToLower(norm.NFKC.String(s)))
}

// LookupKey returns the key a registry indexes a normalized value under. Keys are
// what registries compare: two values with one key are one seed to them. For
// email the dots of the local part are dropped, so "j.smith@" and "jsmith@" find
// the same seed (the Matcher then says whether the dots differed); phone numbers
// and tickets are their own keys.
func LookupKey(f Field, normalized string) string {
	if f != FieldEmail || !strings.Contains(normalized, ".") {
		return normalized
	}
	at := strings.LastIndexByte(normalized, '@')
	if at < 0 || !strings.Contains(normalized[:at], ".") {
		return normalized
	}
	return strings.ReplaceAll(normalized[:at], ".", "") + normalized[at:]
}

// appendLookupKey is LookupKey into a buffer, for the allocation-free miss path.
func appendLookupKey(dst []byte, f Field, normalized string) []byte {
	if f != FieldEmail {
		return append(dst, normalized...)
	}
	at := strings.LastIndexByte(normalized, '@')
	for i := 0; i < len(normalized); i++ {
		if c := normalized[i]; c != '.' || i > at {
			dst = append(dst, c)
		}
	}
	return dst
}

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

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
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

// clip bounds user input quoted in an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
