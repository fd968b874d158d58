package canary_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// The fuzz targets here hold the matcher to its two promises on arbitrary
// text: a seed value written in any supported format, set off from the text
// around it by a delimiter, is always found (recall), and a hit always quotes
// a form of the value of the seed it names (so a value no seed has never hits).

var (
	fuzzOnce    sync.Once
	fuzzMatcher *canary.Matcher
	fuzzSeeds   []canary.Seed
)

// fuzzFixture is one registry for every run: US and GB numbers (two seeds
// share one), tickets in three formats, addresses on four domains.
func fuzzFixture(t *testing.T) (*canary.Matcher, []canary.Seed) {
	fuzzOnce.Do(func() {
		for i, v := range []struct{ given, family, email, phone, ticket string }{
			{"Ann", "Lee", "ann.lee@mail.example", "+17025550128", "TM-10424187"},
			{"María", "García López", "maria.garcia-lopez@inbox.example", "+447700900123", "CS-4204065"},
			{"Dmitri", "Kovacs", "dmitri_k1987@post.example.net", "+442079460123", "TM-10555001"},
			{"Grace", "Ho", "Grace.Ho@webmail.example.org", "+15035550166", "SR-00012345"},
			{"Bo", "Nilsen", "bo@mail.example", "+17135550108", "TM-10600000"},
			{"Cyrus", "Webb", "c.webb.77@mail.example", "+17135550108", "AB1234"},
		} {
			s := canarytest.Seed(900+i, "crm/fuzz")
			s.Name = canary.Name{Given: v.given, Family: v.family}
			s.Email, s.Phone, s.Ticket = v.email, v.phone, v.ticket
			fuzzSeeds = append(fuzzSeeds, s)
		}
		reg := canary.NewMemoryRegistry()
		if err := reg.Add(context.Background(), fuzzSeeds...); err != nil {
			panic(err)
		}
		m, err := canary.NewMatcher(reg)
		if err != nil {
			panic(err)
		}
		fuzzMatcher = m
	})
	return fuzzMatcher, fuzzSeeds
}

// fuzzDelims set a planted value off from the text around it.
var fuzzDelims = []string{" ", "\n", ",", ";", "'", "\"", "<", ">", "\t", "|", "(", ")", "\r\n", ": ", "=", "  "}

// emailForms writes an address as people and tools do.
func emailForms(addr string) []string {
	local, domain, _ := strings.Cut(addr, "@")
	return []string{
		addr,
		strings.ToUpper(addr),
		local + "+news@" + domain,
		"mailto:" + addr,
		"Ann Lee <" + addr + ">",
		`"Lee, Ann" <` + strings.ToUpper(local) + "@" + domain + ">",
		url.PathEscape(local) + "%40" + domain,
		addr + ".",
		strings.Replace(addr, "a", "а", 1), // Cyrillic а
	}
}

// phoneForms writes an E.164 NANP or GB number in the formats of its country
// and internationally.
func phoneForms(e164 string) []string {
	var cc, n string
	if strings.HasPrefix(e164, "+1") {
		cc, n = "1", e164[2:]
		a, b, c := n[:3], n[3:6], n[6:]
		return []string{
			e164, "+1 " + a + " " + b + " " + c, "+1 (" + a + ") " + b + "-" + c, "(" + a + ") " + b + "-" + c,
			a + "-" + b + "-" + c, a + "." + b + "." + c, "1-" + a + "-" + b + "-" + c, n, cc + n,
			"tel:" + e164, "001 " + a + " " + b + " " + c, "011 1 " + a + " " + b + " " + c,
			"+1." + a + "." + b + "." + c, "+ 1 " + a + " " + b + " " + c, "+" + cc + "-" + n,
		}
	}
	cc, n = "44", e164[3:]
	var a, b string
	if n[0] == '7' {
		a, b = n[:4], n[4:]
	} else {
		a, b = n[:2], n[2:6]+" "+n[6:]
	}
	return []string{
		e164, "+44 " + a + " " + b, "0" + a + " " + b, "0" + n, "+44 (0)" + a + " " + b, "0044 " + a + " " + b,
		cc + n, "(0" + a + ") " + b, "tel:" + e164, "+44-" + a + "-" + strings.ReplaceAll(b, " ", "-"),
	}
}

// ticketForms writes a ticket with every separator NormalizeTicket drops.
func ticketForms(ticket string) []string {
	cut := strings.IndexAny(ticket, "0123456789")
	letters, digits := strings.TrimRight(ticket[:cut], "-"), ticket[cut:]
	half := len(digits) / 2
	var out []string
	for _, sep := range []string{"-", " ", ": ", ":", "#", "", " - ", "_", "/", ".", "# "} {
		out = append(out, letters+sep+digits)
	}
	return append(out,
		strings.ToLower(letters)+"-"+digits,
		letters+"-"+digits[:half]+" "+digits[half:],
		letters+" "+digits[:half]+"-"+digits[half:],
		"#"+letters+"-"+digits,
	)
}

// forms returns the ways field f of s can be written.
func forms(s canary.Seed, f canary.Field) []string {
	switch f {
	case canary.FieldEmail:
		return emailForms(s.Email)
	case canary.FieldPhone:
		return phoneForms(s.Phone)
	}
	return ticketForms(s.Ticket)
}

var fuzzFields = []canary.Field{canary.FieldEmail, canary.FieldPhone, canary.FieldTicket}

// clipFuzz bounds the text around a planted value, so every run stays well
// inside the matcher's per-event bounds.
func clipFuzz(b []byte) []byte { return b[:min(len(b), 4096)] }

// FuzzPlantedValue plants one seed value, chosen and formatted by the fuzzer,
// in arbitrary text and requires Match and Scan to find that seed.
func FuzzPlantedValue(f *testing.F) {

	f.Add([]byte("call"), uint16(1), uint8(2), uint8(0), []byte("24/7"))
	f.Add([]byte("Jane Doe"), uint16(6+1), uint8(3), uint8(0x00), []byte("12 Main St"))
	f.Add([]byte("0"), uint16(6+2), uint8(5), uint8(0x00), []byte("A"))
	f.Add([]byte("+"), uint16(6+3), uint8(5), uint8(0x00), []byte("9am"))
	f.Add([]byte("INSERT INTO t VALUES (1,"), uint16(12), uint8(1), uint8(0x44), []byte(",'2026-01-02 10:00:00');"))
	f.Add([]byte("ref"), uint16(12+2), uint8(2), uint8(0x00), []byte("opened 2026-11-03"))
	f.Add([]byte("5 6 7 8 9 10 11 12 13 14 15 16 17 18"), uint16(6+4), uint8(1), uint8(0), []byte("19 20"))
	f.Add([]byte{0xff, '@', '%'}, uint16(0), uint8(6), uint8(0x11), []byte{'@', 0})
	f.Fuzz(func(t *testing.T, prefix []byte, pick uint16, format uint8, delims uint8, suffix []byte) {
		m, seeds := fuzzFixture(t)
		s := seeds[int(pick)%len(seeds)]
		field := fuzzFields[int(pick)/len(seeds)%len(fuzzFields)]
		fs := forms(s, field)
		value := fs[int(format)%len(fs)]
		var text bytes.Buffer
		text.Write(clipFuzz(prefix))
		text.WriteString(fuzzDelims[delims&15])
		text.WriteString(value)
		text.WriteString(fuzzDelims[delims>>4])
		text.Write(clipFuzz(suffix))

		found := func(hits []canary.Hit) bool {
			for _, h := range hits {
				if h.Field != field {
					continue
				}
				if h.Seed.ID == s.ID || field == canary.FieldPhone && h.Seed.Phone == s.Phone {
					return true // a shared number may resolve to a co-holder named in the text
				}
			}
			return false
		}
		hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelText, Body: text.String()})
		require.NoError(t, err)
		require.True(t, found(hits), "Match: %s %q planted as %q in %q: hits %+v", field, s.ID, value, text.String(), hits)
		var scanned []canary.Hit
		require.NoError(t, m.Scan(context.Background(), bytes.NewReader(text.Bytes()), func(h canary.Hit) error {
			scanned = append(scanned, h)
			return nil
		}))
		require.True(t, found(scanned), "Scan: %s %q planted as %q in %q: hits %+v", field, s.ID, value, text.String(), scanned)
	})
}

// FuzzRealCustomer plants a value one character away from a seed's (a real
// customer's address, number or ticket) in arbitrary text, and requires every
// hit to quote a form of the value of the seed it names: the stranger's value
// never hits.
func FuzzRealCustomer(f *testing.F) {
	f.Add([]byte("call"), uint16(6+0), uint8(3), uint8(1), uint8(0), []byte("24/7"))
	f.Add([]byte("ticket"), uint16(12+0), uint8(9), uint8(0), uint8(0), []byte("now"))
	f.Add([]byte("to"), uint16(0), uint8(2), uint8(0), uint8(0), []byte(""))
	f.Add([]byte("+1 (702) 555-0128"), uint16(6+1), uint8(4), uint8(4), uint8(0), []byte("x"))
	f.Fuzz(func(t *testing.T, prefix []byte, pick uint16, at, format, delims uint8, suffix []byte) {
		m, seeds := fuzzFixture(t)
		s := seeds[int(pick)%len(seeds)]
		field := fuzzFields[int(pick)/len(seeds)%len(fuzzFields)]
		stranger, ok := nearMiss(s, field, int(at))
		if !ok {
			return
		}
		for _, other := range seeds {
			if sameValue(field, other, stranger) {
				return // the change made another seed's value
			}
		}
		fs := forms(stranger, field)
		var text bytes.Buffer
		text.Write(clipFuzz(prefix))
		text.WriteString(fuzzDelims[delims&15])
		text.WriteString(fs[int(format)%len(fs)])
		text.WriteString(fuzzDelims[delims>>4])
		text.Write(clipFuzz(suffix))

		hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelText, Body: text.String()})
		require.NoError(t, err)
		require.NoError(t, m.Scan(context.Background(), bytes.NewReader(text.Bytes()), func(h canary.Hit) error {
			hits = append(hits, h)
			return nil
		}))
		for _, h := range hits {
			require.True(t, bytes.Contains(text.Bytes(), []byte(h.Value)), "a hit quotes the text: %+v", h)
			require.True(t, quotes(h), "hit %s %q for seed %s (%s %s %s) in %q", h.Field, h.Value, h.Seed.ID, h.Seed.Email, h.Seed.Phone, h.Seed.Ticket, text.String())
		}
	})
}

// nearMiss returns s with one character of field f changed: a digit of the
// number or ticket, a letter of the address's local part.
func nearMiss(s canary.Seed, f canary.Field, at int) (canary.Seed, bool) {
	change := func(v string, ok func(byte) bool, lo, hi int) (string, bool) {
		var idx []int
		for i := lo; i < hi; i++ {
			if ok(v[i]) {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return "", false
		}
		i := idx[at%len(idx)]
		b := []byte(v)
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = '0' + (b[i]-'0'+1+byte(at/len(idx))%9)%10
		} else {
			b[i] = 'a' + (b[i]|0x20-'a'+1+byte(at/len(idx))%25)%26
		}
		return string(b), true
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	letter := func(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
	var ok bool
	switch f {
	case canary.FieldEmail:
		s.Email, ok = change(s.Email, letter, 0, strings.IndexByte(s.Email, '@'))
	case canary.FieldPhone:
		// Keep the country code and the area code's first digit, so the
		// result is still a possible number of the same country.
		s.Phone, ok = change(s.Phone, digit, 4, len(s.Phone))
	case canary.FieldTicket:
		s.Ticket, ok = change(s.Ticket, digit, 0, len(s.Ticket))
	}
	return s, ok
}

// sameValue reports whether a's field f is the value of b's, normalized.
func sameValue(f canary.Field, a, b canary.Seed) bool {
	switch f {
	case canary.FieldEmail:
		x, err1 := canary.NormalizeEmail(a.Email)
		y, err2 := canary.NormalizeEmail(b.Email)
		return err1 == nil && err2 == nil && dotless(x) == dotless(y)
	case canary.FieldPhone:
		return a.Phone == b.Phone
	}
	x, _ := canary.NormalizeTicket(a.Ticket)
	y, _ := canary.NormalizeTicket(b.Ticket)
	return x == y
}

// dotless drops the dots of an address's local part: the registries' lookup
// key, under which "j.smith@" and "jsmith@" are one seed.
func dotless(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	return strings.ReplaceAll(addr[:at+1], ".", "") + addr[at+1:]
}

// quotes reports whether a hit's raw value is a form of its seed's value.
func quotes(h canary.Hit) bool {
	switch h.Field {
	case canary.FieldEmail:
		raw, err := url.PathUnescape(h.Value)
		if err != nil {
			raw = h.Value
		}
		return sameValue(h.Field, canary.Seed{Email: raw}, h.Seed)
	case canary.FieldPhone:
		// Every reading keeps the national number's digits, in order, at the end.
		var digits strings.Builder
		for _, c := range []byte(h.Value) {
			if c >= '0' && c <= '9' {
				digits.WriteByte(c)
			}
		}
		national := h.Seed.Phone[2:]
		if strings.HasPrefix(h.Seed.Phone, "+44") {
			national = h.Seed.Phone[3:]
		}
		return strings.HasSuffix(digits.String(), national)
	case canary.FieldTicket:
		return sameValue(h.Field, canary.Seed{Ticket: h.Value}, h.Seed)
	}
	panic(fmt.Sprintf("unexpected field %s", h.Field))
}
