package gen

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"

	unorm "golang.org/x/text/unicode/norm"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Pattern is a way people form an email local part, numbered as
// canary.EmailPattern.
type Pattern uint8

// The local-part patterns, shown for Jessica Smith born 1987.
const (
	GivenDotFamily       Pattern = iota + 1 // jessica.smith
	GivenFamily                             // jessicasmith
	InitialFamily                           // jsmith
	GivenUnderFamily                        // jessica_smith
	GivenDigits                             // jessica87, jessica1987, jessica4412
	FamilyInitial                           // smithj
	GivenDotFamilyDigits                    // jessica.smith87
	InitialDotFamily                        // j.smith
	FamilyGiven                             // smithjessica, smith.jessica
	GivenInitial                            // jessicas
	InitialFamilyDigits                     // jsmith1987
	Handle                                  // sunnyfox87: a word and digits, unrelated to the name
)

// LastPattern is the highest Pattern.
const LastPattern = Handle

// NewLocalParts returns the LocalParts drawing each pattern by its weight
// (patterns weighing nothing are never drawn).
func NewLocalParts(weight func(Pattern) float64) LocalParts {
	var lp LocalParts
	total := 0.0
	for p := GivenDotFamily; p <= LastPattern; p++ {
		if w := weight(p); w > 0 {
			total += w
			lp.Patterns = append(lp.Patterns, p)
			lp.Weights = append(lp.Weights, total)
		}
	}
	return lp
}

// LocalParts draws email local parts from a name in a mix of patterns, as
// people form them. It is not safe for concurrent use.
type LocalParts struct {
	Patterns []Pattern
	Weights  []float64 // cumulative, one per pattern

	ascii            map[string]string // ASCII's memo
	lbuf, gbuf, fbuf []byte            // scratch: local part, given name, family name
}

// Draw draws a local part for the name into scratch memory, valid until the
// next call; nil when the name has no letters to build one from.
func (g *LocalParts) Draw(r *rand.Rand, givenName, familyName string, born int) []byte {
	given := g.asciiName(g.gbuf[:0], givenName)
	family := g.asciiName(g.fbuf[:0], familyName)
	g.gbuf, g.fbuf = given, family
	if i := bytes.IndexByte(given, ' '); i > 0 {
		if r.IntN(10) < 6 {
			given = given[:i] // "maria carmen" is mostly "maria"
		} else {
			given = squeeze(given, 0)
		}
	}
	if i := bytes.IndexByte(family, ' '); i > 0 {
		switch x := r.IntN(10); {
		case x < 7:
			family = family[:i] // Spanish: the first surname alone, most often
		case x < 9:
			family = squeeze(family, 0)
		default:
			family = squeeze(family, '.')
		}
	}
	if len(given) == 0 || len(family) == 0 {
		return nil
	}
	gi := given[:1]
	x := r.Float64() * g.Weights[len(g.Weights)-1]
	p := g.Patterns[min(SearchCum(g.Weights, x), len(g.Patterns)-1)]
	b := g.lbuf[:0]
	switch p {
	case GivenDotFamily:
		b = append(append(append(b, given...), '.'), family...)
	case GivenFamily:
		b = append(append(b, given...), family...)
	case InitialFamily:
		b = append(append(b, gi...), family...)
	case GivenUnderFamily:
		b = append(append(append(b, given...), '_'), family...)
	case GivenDigits:
		b = appendDigits(r, append(b, given...), born)
	case FamilyInitial:
		b = append(append(b, family...), gi...)
	case GivenDotFamilyDigits:
		b = appendDigits(r, append(append(append(b, given...), '.'), family...), born)
	case InitialDotFamily:
		b = append(append(append(b, gi...), '.'), family...)
	case FamilyGiven:
		if r.IntN(2) == 0 {
			b = append(append(append(b, family...), '.'), given...)
		} else {
			b = append(append(b, family...), given...)
		}
	case GivenInitial:
		b = append(append(b, given...), family[0])
	case InitialFamilyDigits:
		b = appendDigits(r, append(append(b, gi...), family...), born)
	case Handle:
		b = appendHandle(r, b, born)
	default:
		b = append(append(append(b, given...), '.'), family...)
	}
	g.lbuf = b
	return b
}

// squeeze replaces the spaces of b with sep, or drops them when sep is 0.
func squeeze(b []byte, sep byte) []byte {
	w := 0
	for _, c := range b {
		switch {
		case c != ' ':
			b[w] = c
			w++
		case sep != 0:
			b[w] = sep
			w++
		}
	}
	return b[:w]
}

// appendDigits appends what people add to a name: a birth year in two or four
// digits, or one to four other digits, so no digit count is shared by all.
func appendDigits(r *rand.Rand, b []byte, born int) []byte {
	switch x := r.IntN(100); {
	case x < 35:
		return append(b, byte('0'+born/10%10), byte('0'+born%10))
	case x < 50:
		return strconv.AppendInt(b, int64(born), 10)
	case x < 60:
		return strconv.AppendInt(b, int64(1+r.IntN(9)), 10)
	case x < 82:
		return strconv.AppendInt(b, int64(10+r.IntN(90)), 10)
	case x < 92:
		return strconv.AppendInt(b, int64(100+r.IntN(900)), 10)
	}
	return strconv.AppendInt(b, int64(1000+r.IntN(9000)), 10)
}

// asciiName appends the form of a name people type in an address: ASCII
// letters, lower case, words separated by one space.
func (g *LocalParts) asciiName(dst []byte, s string) []byte {
	if !norm.IsASCII(s) {
		return append(dst, g.ASCII(s)...)
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		switch c := norm.Lower(s[i]); {
		case c >= 'a' && c <= 'z':
			dst = append(dst, c)
		case c == ' ' && len(dst) > start && dst[len(dst)-1] != ' ':
			dst = append(dst, c)
		}
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// ASCII turns a name into what people type in an address: accents dropped,
// letters only, lower case ("María José" -> "maria jose", "O'Brien" -> "obrien").
func (g *LocalParts) ASCII(s string) string {
	if g.ascii == nil {
		g.ascii = map[string]string{}
	}
	if a, ok := g.ascii[s]; ok {
		return a
	}
	var b strings.Builder
	for _, r := range unorm.NFD.String(strings.ToLower(s)) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte(' ')
		case unicode.Is(unicode.Mn, r), r == '\'', r == '-', r == '.', r == '’':
		case r == 'ß':
			b.WriteString("ss")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		}
	}
	a := strings.Join(strings.Fields(b.String()), " ")
	if len(g.ascii) < 1<<16 {
		g.ascii[s] = a
	}
	return a
}
