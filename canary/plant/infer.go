package plant

import (
	"slices"
	"strconv"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
)

// Inference from single host values: each function reads one value and
// returns its shape, never the value itself, so that Learn can count shapes
// without keeping rows.

// ticketShape reads a ticket reference as a Config.TicketFormat (its last run
// of digits turned into '#') and the number in that run. ok is false when
// the run is shorter than 4 or longer than 18 digits (what Config accepts),
// when the rest holds a '#' (which TicketFormat cannot write as a literal),
// or when the value is not a ticket reference to canary.NormalizeTicket.
func ticketShape(v string) (format string, n uint64, ok bool) {
	if len(v) > 40 {
		return "", 0, false
	}
	end := len(v)
	for end > 0 && !isDigit(v[end-1]) {
		end--
	}
	start := end
	for start > 0 && isDigit(v[start-1]) {
		start--
	}
	digits := end - start
	if digits < 4 || digits > 18 || strings.Contains(v, "#") {
		return "", 0, false
	}
	if _, err := canary.NormalizeTicket(v); err != nil {
		return "", 0, false
	}
	n, err := strconv.ParseUint(v[start:end], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return v[:start] + strings.Repeat("#", digits) + v[end:], n, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// emailLocal returns the local part of an address as people compare it:
// lower case, without a "+tag", and the domain; ok is false for text that
// is not an address.
func emailLocal(addr string) (local, domain string, ok bool) {
	norm, err := canary.NormalizeEmail(addr)
	if err != nil {
		return "", "", false
	}
	at := strings.LastIndexByte(norm, '@')
	local, domain = norm[:at], norm[at+1:]
	// NormalizeEmail drops the dots of gmail.com addresses; the pattern is
	// in the address as written, so read the local part from it instead.
	if raw, _, found := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@"); found {
		raw, _, _ = strings.Cut(raw, "+")
		if strings.ReplaceAll(raw, ".", "") == strings.ReplaceAll(local, ".", "") {
			local = raw
		}
	}
	return local, domain, true
}

// nameForms are the ways one person's name appears in addresses: letters
// only, lower case, accents removed.
type nameForms struct {
	given    []string // "maria", "mariacarmen"
	families []string // "garcia", "garcialopez", "garcia.lopez"
}

// newNameForms reads a name from its parts, or from a full name when the
// parts are empty. A full name is read at every split between given and
// family names ("María José García López": maria / jose garcia lopez,
// maria jose / garcia lopez, ...), since compound names go either way.
func newNameForms(given, family, full string) (nameForms, bool) {
	g := strings.Fields(letters(canary.NormalizeName(given)))
	f := strings.Fields(letters(canary.NormalizeName(family)))
	var nf nameForms
	switch {
	case len(g) > 0 && len(f) > 0:
		nf.add(g, f)
	case len(g) == 0 && len(f) == 0:
		w := strings.Fields(letters(canary.NormalizeName(full)))
		if len(w) > 6 {
			return nameForms{}, false
		}
		for k := 1; k < len(w); k++ {
			nf.add(w[:k], w[k:])
		}
	}
	return nf, len(nf.given) > 0
}

// add records the forms of one reading of a name.
func (nf *nameForms) add(g, f []string) {
	forms := func(dst []string, vs ...string) []string {
		for _, v := range vs {
			if !slices.Contains(dst, v) {
				dst = append(dst, v)
			}
		}
		return dst
	}
	nf.given = forms(nf.given, g[0], strings.Join(g, ""))
	nf.families = forms(nf.families, f[0], strings.Join(f, ""), strings.Join(f, "."))
}

// letters keeps a-z and spaces of a normalized name ("o'brien" -> "obrien").
func letters(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c == ' ' {
			b = append(b, c)
		}
	}
	return string(b)
}

// classifyLocal names the pattern of an address's local part, knowing the
// person's name. ok is false when no pattern fits.
func classifyLocal(local string, nf nameForms) (canary.EmailPattern, bool) {
	base, digits := splitDigits(local)
	for _, g := range nf.given {
		i := g[:1]
		for _, f := range nf.families {
			if digits {
				switch base {
				case g:
					return canary.GivenDigits, true
				case g + "." + f:
					return canary.GivenDotFamilyDigits, true
				case i + f:
					return canary.InitialFamilyDigits, true
				}
				continue
			}
			switch local {
			case g + "." + f:
				return canary.GivenDotFamily, true
			case g + f:
				return canary.GivenFamily, true
			case i + f:
				return canary.InitialFamily, true
			case g + "_" + f:
				return canary.GivenUnderFamily, true
			case f + i:
				return canary.FamilyInitial, true
			case i + "." + f:
				return canary.InitialDotFamily, true
			case f + "." + g, f + g:
				return canary.FamilyGiven, true
			case g + f[:1]:
				return canary.GivenInitial, true
			}
		}
	}
	return 0, false
}

// classifyShape names the pattern of a local part without the person's name,
// for the shapes that allow only one reading: "word.word" (given.family),
// "w.word" (initial.family), "word_word", and those with digits after them.
// Letters alone ("jsmith" or "jessicas"?) and letters with digits ("jessica87"
// or "jsmith87"?) are left unclassified.
func classifyShape(local string) (canary.EmailPattern, bool) {
	base, digits := splitDigits(local)
	if a, b, ok := strings.Cut(base, "."); ok && isWord(a) && isWord(b) {
		switch {
		case digits && len(a) > 1:
			return canary.GivenDotFamilyDigits, true
		case digits:
			return 0, false
		case len(a) == 1 && len(b) > 1:
			return canary.InitialDotFamily, true
		case len(a) > 1 && len(b) > 1:
			return canary.GivenDotFamily, true
		}
	}
	if a, b, ok := strings.Cut(base, "_"); ok && !digits && len(a) > 1 && len(b) > 1 && isWord(a) && isWord(b) {
		return canary.GivenUnderFamily, true
	}
	return 0, false
}

// splitDigits cuts one to four trailing digits off s, as the Generator appends them.
func splitDigits(s string) (base string, had bool) {
	end := len(s)
	for end > 0 && isDigit(s[end-1]) {
		end--
	}
	if n := len(s) - end; n == 0 || n > 4 || end == 0 {
		return s, false
	}
	return s[:end], true
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
