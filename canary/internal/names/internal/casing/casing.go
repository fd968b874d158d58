// Package casing turns the upper-case names of the source tables into the
// natural spelling people write: "GARCIA" becomes "García", "OBRIEN" becomes
// "O'Brien", "MUÑOZ DE LEON" becomes "Muñoz de León".
//
// It is used by the table generator (../../gen) only; nothing in it runs when
// the names package samples. It lives in its own package so that the names
// package's tests can check it without the generator's input files.
package casing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says whether a Spanish name is a given name or a surname; some
// accent rules are only safe for surnames.
type Kind uint8

const (
	// Surname is a family name (apellido).
	Surname Kind = iota
	// Given is a given name (nombre).
	Given
)

// particles are the Spanish (and Portuguese) linking words written in lower
// case inside a compound name: "Muñoz de León", "María del Carmen",
// "Ortega y Gasset", "Pereira da Silva". At the start of a name they keep a
// capital ("De La Fuente", "Del Río", "Da Silva").
var particles = map[string]bool{
	"DE": true, "DEL": true, "LA": true, "LAS": true, "LOS": true, "Y": true,
	"DA": true, "DAS": true, "DO": true, "DOS": true,
}

// Spanish converts an upper-case name from the INE tables ("MARIA DEL
// CARMEN", "MUÑOZ DE LEON", "O'BRIEN", "FRANCESC D'ASSIS") to natural case,
// restoring the acute accents that the INE tables leave out where the word
// list in accents.go or a safe stress rule knows them. Words it cannot place
// an accent on are left without one, which is how many Spanish databases
// store them anyway.
func Spanish(upper string, kind Kind) string {
	words := strings.Fields(upper)
	catalan := false
	if kind == Given {
		for _, w := range words {
			if catalanMarkers[w] {
				catalan = true
				break
			}
		}
	}
	out := make([]string, len(words))
	leading := true // still inside the run of particles that opens the name
	for i, w := range words {
		if particles[w] {
			if leading {
				out[i] = capitalize(strings.ToLower(w))
			} else {
				out[i] = strings.ToLower(w)
			}
			continue
		}
		out[i] = spanishWord(w, kind, catalan, !leading)
		leading = false
	}
	return strings.Join(out, " ")
}

// Inner rewrites a Spanish surname for use after another name: the particles
// that open it go to lower case ("De La Fuente" becomes "de la Fuente"), as
// in "García de la Fuente".
func Inner(name string) string {
	words := strings.Split(name, " ")
	for i, w := range words {
		if !particles[strings.ToUpper(w)] {
			break
		}
		words[i] = strings.ToLower(w)
	}
	return strings.Join(words, " ")
}

// spanishWord cases one word, which may hold hyphens ("SANCHEZ-CAMARA") and
// an elided article ("D'ASSIS", "O'BRIEN", "M'HAMED"). inner is true when
// the word follows another word of the same name.
func spanishWord(w string, kind Kind, catalan, inner bool) string {
	if strings.Contains(w, "-") {
		parts := strings.Split(w, "-")
		for i, p := range parts {
			parts[i] = spanishWord(p, kind, catalan, inner || i > 0)
		}
		return strings.Join(parts, "-")
	}
	if pre, rest, ok := strings.Cut(w, "'"); ok && rest != "" {
		if pre == "D" && inner {
			return "d'" + capitalize(strings.ToLower(rest)) // Francesc d'Assis
		}
		// O'Brien, D'Angelo, M'Hamed: not Spanish words, so no accent rules.
		return capitalize(strings.ToLower(pre)) + "'" + capitalize(strings.ToLower(rest))
	}
	return capitalize(accentSpanish(w, kind, catalan))
}

// accentSpanish returns the lower-case spelling of one upper-case word with
// its accents restored where known.
func accentSpanish(w string, kind Kind, catalan bool) string {
	if catalan {
		if s, ok := catalanWords[w]; ok {
			return s
		}
	}
	byKind := surnameWords
	if kind == Given {
		byKind = givenWords
	}
	if s, ok := byKind[w]; ok {
		return s
	}
	if s, ok := accented[w]; ok {
		return s
	}
	lower := strings.ToLower(w)
	if noAccent[w] {
		return lower
	}
	r := []rune(lower)
	n := len(r)
	switch {
	// Words in -ción/-sión are always stressed on the last syllable.
	case n > 5 && (strings.HasSuffix(lower, "cion") || strings.HasSuffix(lower, "sion")):
		return stressGroup(r, -1)
	// Patronymics in -ez (Rodríguez, Fernández, Suárez, Sáez) are stressed
	// on the second-to-last syllable and so carry an accent; the few
	// exceptions (Álvarez, Íñiguez, Jerez, Valdez) are listed.
	case kind == Surname && n > 3 && strings.HasSuffix(lower, "ez") && !foreign(lower):
		return stressGroup(r, -2)
	// Surnames in -on are stressed on the last syllable (Calderón, Chacón,
	// León) unless they are foreign (Wilson, Hamilton) or Catalan (Parramon).
	case kind == Surname && n > 3 && strings.HasSuffix(lower, "on") && !foreignON(lower):
		return stressGroup(r, -1)
	}
	return lower
}

// foreign reports whether a word has letter groups that Spanish words do
// not (Hafeez, Washington, Moon), so no Spanish stress rule applies to it.
func foreign(lower string) bool {
	for _, m := range []string{"w", "k", "ss", "tt", "nn", "th", "sh", "ck", "oo", "ee", "ph", "mc", "yt", "dd", "ght", "gton", "lton", "rton", "ston"} {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// foreignON reports whether a word in -on looks English, Nordic or otherwise
// non-Spanish, so the -ón rule must not touch it.
func foreignON(lower string) bool {
	if foreign(lower) {
		return true
	}
	// Johnson, Nelson, Anderson: a consonant before -son.
	if n := len(lower); n > 4 && strings.HasSuffix(lower, "son") && !isVowel(rune(lower[n-4])) {
		return true
	}
	return false
}

// stressGroup puts an acute accent on the vowel group (syllable nucleus)
// numbered from the end: -1 is the last group, -2 the one before. It returns
// the word unchanged when it has too few syllables (monosyllables take no
// accent) or already has an accent.
func stressGroup(r []rune, from int) string {
	for _, c := range r {
		if strings.ContainsRune("áéíóú", c) {
			return string(r)
		}
	}
	groups := vowelGroups(r)
	if len(groups) < 2 || len(groups) < -from {
		return string(r)
	}
	g := groups[len(groups)+from]
	// In a diphthong the accent goes on the strong vowel (a, e, o); in
	// "iu" or "ui" on the second one.
	pos := g[1] - 1
	for i := g[0]; i < g[1]; i++ {
		if isStrong(r[i]) {
			pos = i
			break
		}
	}
	r[pos] = acute[r[pos]]
	return string(r)
}

var acute = map[rune]rune{'a': 'á', 'e': 'é', 'i': 'í', 'o': 'ó', 'u': 'ú'}

func isVowel(c rune) bool  { return strings.ContainsRune("aeiou", c) }
func isStrong(c rune) bool { return c == 'a' || c == 'e' || c == 'o' }

// vowelGroups splits a lower-case Spanish word into syllable nuclei, given
// as [start, end) rune offsets. Two strong vowels side by side are two
// syllables (hiatus: Sá-ez, Le-ón); a weak vowel next to another vowel forms
// a diphthong (Suá-rez, Gutié-rrez). The u of "gue", "gui", "que", "qui"
// is silent and "y" before a vowel is a consonant.
func vowelGroups(r []rune) [][2]int {
	var groups [][2]int
	vowelAt := func(i int) bool {
		c := r[i]
		if c == 'y' {
			return i == len(r)-1 || !isVowel(r[i+1])
		}
		if !isVowel(c) {
			return false
		}
		if c == 'u' && i > 0 && (r[i-1] == 'q' || r[i-1] == 'g') && i+1 < len(r) && (r[i+1] == 'e' || r[i+1] == 'i') {
			return false
		}
		return true
	}
	for i := 0; i < len(r); {
		if !vowelAt(i) {
			i++
			continue
		}
		start := i
		i++
		for i < len(r) && vowelAt(i) && !(isStrong(r[i-1]) && isStrong(r[i])) {
			i++
		}
		groups = append(groups, [2]int{start, i})
	}
	return groups
}

// Census turns the upper-case, punctuation-free surnames of the US Census
// table into natural case: "SMITH" becomes "Smith", "MCDONALD" "McDonald",
// "MACDONALD" "MacDonald", "OBRIEN" "O'Brien", "DANGELO" "D'Angelo".
type Census struct {
	mc         map[string]bool   // roots X such that "MCX" is in the table
	apostrophe map[string]string // "OBRIEN" -> "O'BRIEN"
}

// NewCensus prepares a Census caser. all is every surname of the table (the
// Mac rule needs to know which Mc names exist); withApostrophe lists extra
// upper-case spellings such as "O'BRIEN" seen in other sources (the INE
// table) whose apostrophe the census dropped. A built-in list of Irish O'
// and Italian D' names is always included.
func NewCensus(all []string, withApostrophe []string) *Census {
	c := &Census{mc: map[string]bool{}, apostrophe: map[string]string{}}
	for _, n := range all {
		if len(n) > 3 && strings.HasPrefix(n, "MC") {
			c.mc[n[2:]] = true
		}
	}
	for _, list := range [][]string{withApostrophe, knownApostrophe} {
		for _, n := range list {
			n = strings.ToUpper(n)
			if strings.Count(n, "'") == 1 {
				c.apostrophe[strings.ReplaceAll(n, "'", "")] = n
			}
		}
	}
	return c
}

// Name returns the natural-case form of one census surname.
func (c *Census) Name(upper string) string {
	if a, ok := c.apostrophe[upper]; ok {
		pre, rest, _ := strings.Cut(a, "'")
		return capitalize(strings.ToLower(pre)) + "'" + c.Name(rest)
	}
	lower := strings.ToLower(upper)
	switch {
	case len(upper) > 3 && strings.HasPrefix(upper, "MC"):
		return "Mc" + capitalize(lower[2:])
	// "Mac" takes a capital after it only where the data supports a Gaelic
	// patronymic: the same root also occurs with "Mc" (MacDonald/McDonald,
	// MacLeod/McLeod), the root is not too short (Mackey, Mackie, Macrae stay
	// as they are) and the name is not a known plain spelling (Macomber).
	case len(upper) > 6 && strings.HasPrefix(upper, "MAC") && c.mc[upper[3:]] && !plainMac[upper]:
		return "Mac" + capitalize(lower[3:])
	}
	return capitalize(lower)
}

// plainMac are Mac- surnames that have a Mc- twin in the census table but
// are usually written without an inner capital.
var plainMac = map[string]bool{
	"MACOMBER": true, "MACUMBER": true, "MACKELL": true, "MACKINNEY": true,
	"MACKINS": true, "MACKLEY": true, "MACKLIN": true, "MACKEN": true,
}

// Published tidies a given name from a table that already publishes mixed
// case (SSA, ONS, NRS, NISRA): it capitalizes a name published all in lower
// or all in upper case, each part of a hyphenated name ("Ellie-may" becomes
// "Ellie-May") and the letter after an O' or D' ("O'neil" becomes
// "O'Neil"); everything else is kept as published ("A'isha", "DeShawn").
func Published(s string) string {
	if s == strings.ToLower(s) || s == strings.ToUpper(s) {
		s = strings.ToLower(s)
	}
	r := []rune(s)
	for i := range r {
		switch {
		case i == 0,
			r[i-1] == '-' || r[i-1] == ' ',
			r[i-1] == '\'' && i == 2 && (r[0] == 'O' || r[0] == 'D'):
			r[i] = unicode.ToUpper(r[i])
		}
	}
	return string(r)
}

// Valid reports whether a cased name is fit to emit: valid UTF-8, starting
// with an upper-case letter, made of letters joined by single spaces,
// hyphens or apostrophes, ending with a letter and at least two letters long.
func Valid(s string) bool {
	if !utf8.ValidString(s) || s == "" {
		return false
	}
	letters := 0
	prevSep := true
	for i, c := range s {
		switch {
		case unicode.IsLetter(c):
			if i == 0 && !unicode.IsUpper(c) {
				return false
			}
			letters++
			prevSep = false
		case c == ' ' || c == '-' || c == '\'':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep && letters >= 2
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	c, size := utf8.DecodeRuneInString(s)
	if c == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(c)) + s[size:]
}
