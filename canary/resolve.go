package canary

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/honeyseed/honeyseed/canary/internal/names"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Shared numbers: a number that several seeds hold names one of them only on
// evidence that names it alone (DESIGN invariant 6). The evidence is the
// names in the text around the number: the line in a dump, the subject and
// body of a message. From strongest to weakest:
//
//   - its full name, given and family names side by side in either order
//     ("Mary Yee", "Yee, Mary", "'Mary','Yee'"), with a middle initial allowed;
//   - both its names, apart;
//   - one of its names that no other candidate has;
//   - one of its names that another candidate has too.
//
// A full name side by side beats everything weaker; both names apart, or one
// name, resolve only when no other candidate has as much, and when no other
// person's full name stands beside that name ("Mary Johnson" names a
// stranger, not the seed Mary Yee). Names alone never make a hit: they only
// choose among the seeds a number already names.

// Evidence scores, from none to a full name.
const (
	evNone = iota
	evSharedName
	evOwnName
	evBothNames
	evFullName
)

// textWord is one word of a name context.
type textWord struct {
	w     string // NormalizeName form
	upper bool   // written with a capital: a name, if anything
	gap   gap    // what separates it from the word before
}

// gap classifies what stands between two words.
type gap uint8

const (
	gapTight gap = iota // spaces, hyphens, dots, underscores: one phrase ("Mary Yee", "mary.yee")
	gapList             // commas, quotes, tabs, brackets: fields of one record ("Yee, Mary", "'Mary','Yee'")
	gapBreak            // line and sentence ends: unrelated words
)

// nameContext is the text around a shared number, as words.
type nameContext struct {
	words []textWord
	index map[string][]int // word positions, for long texts

	// The candidates' names, as words (candidateNames).
	nameWords []string
	names     []candidateName
}

// newNameContext splits text into words as NormalizeName would, noting how
// each was written and what separates it from the one before. ASCII words
// stay views of text, compared without regard to case, so a line costs one
// allocation, not one per word.
func newNameContext(text string) *nameContext {
	c := &nameContext{words: make([]textWord, 0, len(text)/6+1)}
	c.add(text, gapTight)
	c.indexWords()
	return c
}

// reset makes c the context of texts, read as one text with a line break
// between each and the next, in c's own memory: the Matcher keeps one per
// finder.
func (c *nameContext) reset(texts ...string) {
	// The words view the last event's text and seeds.
	clear(c.words)
	clear(c.nameWords)
	clear(c.names)
	c.words, c.index, c.nameWords, c.names = c.words[:0], nil, c.nameWords[:0], c.names[:0]
	g := gapTight
	for _, t := range texts {
		c.add(t, g)
		g = gapBreak
	}
	c.indexWords()
}

// add appends the words of text, the first separated from the words before
// by at least gap g.
func (c *nameContext) add(text string, g gap) {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		word := r < utf8.RuneSelf && nameByte[r] // most text: no call
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
			word = isWordRune(r)
		}
		if !word {
			g = max(g, gapOf(text, i, r))
			i += size
			continue
		}
		j, ascii := i+size, r < utf8.RuneSelf
		for j < len(text) {
			if c := text[j]; c < utf8.RuneSelf {
				if !nameByte[c] {
					break
				}
				j++
				continue
			}
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r2) {
				break
			}
			ascii = false
			j += s2
		}
		tok := text[i:j]
		var upper bool
		if c := tok[0]; c < utf8.RuneSelf && c != '\'' {
			upper = c >= 'A' && c <= 'Z' // most words: no quote to trim, no rune to decode
		} else {
			tok = strings.TrimLeft(tok, "'’")
			first, _ := utf8.DecodeRuneInString(tok)
			upper = unicode.IsUpper(first)
		}
		if ascii {
			// An apostrophe belongs to a name inside it (O'Brien), not at its edges.
			if w := strings.TrimRight(tok, "'"); w != "" {
				c.words = append(c.words, textWord{w: w, upper: upper, gap: g})
				g = gapTight
			}
		} else {
			for _, w := range strings.Fields(norm.Name(tok)) {
				c.words = append(c.words, textWord{w: w, upper: upper, gap: g})
				g = gapTight
			}
		}
		i = j
	}
}

// indexWords indexes the words of a long context by their lower-case form.
func (c *nameContext) indexWords() {
	if len(c.words) > 64 {
		c.index = map[string][]int{}
		for k, w := range c.words {
			key := strings.ToLower(w.w)
			c.index[key] = append(c.index[key], k)
		}
	}
}

// sameWord compares a word of a context with a word of a name, both in
// NormalizeName form but for ASCII case.
func sameWord(a, b string) bool { return len(a) == len(b) && strings.EqualFold(a, b) }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return nameByte[r]
	}
	return r == '’' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// nameByte marks the ASCII bytes of a word: letters, digits, apostrophes.
var nameByte = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '\''
	}
	return t
}()

// gapOf classifies the separator rune r at text[i].
func gapOf(text string, i int, r rune) gap {
	switch r {
	case ' ', '-', '_', '\u00a0':
		return gapTight
	case '.', ':':
		// "mary.yee" is one phrase; "Mary. Yee" two sentences.
		if i+1 < len(text) && text[i+1] != ' ' && text[i+1] != '\n' {
			return gapTight
		}
		return gapBreak
	case '\n', '\r', '!', '?', ';':
		return gapBreak
	}
	return gapList
}

// appendFind appends to dst the positions where the word sequence ws starts.
func (c *nameContext) appendFind(dst []int, ws []string) []int {
	if len(ws) == 0 {
		return dst
	}
	if c.index != nil {
		for _, k := range c.index[strings.ToLower(ws[0])] {
			if c.phraseAt(k, ws) {
				dst = append(dst, k)
			}
		}
		return dst
	}
	for k := range c.words {
		// Most words differ from the first in length: no call for them.
		if len(c.words[k].w) == len(ws[0]) && c.phraseAt(k, ws) {
			dst = append(dst, k)
		}
	}
	return dst
}

// phraseAt reports whether ws are the words at k, k+1, ... within one record.
func (c *nameContext) phraseAt(k int, ws []string) bool {
	if k+len(ws) > len(c.words) {
		return false
	}
	for j, w := range ws {
		if !sameWord(c.words[k+j].w, w) || j > 0 && c.words[k+j].gap == gapBreak {
			return false
		}
	}
	return true
}

// candidateName is one candidate's name in NormalizeName form: its given
// names are the words [given, family) of its context's nameWords, its
// family names [family, end). Offsets, not slices: a name is written per
// candidate and holds no pointer.
type candidateName struct {
	given, family, end int32
}

// parts returns n's given and family names as words.
func (c *nameContext) parts(n candidateName) (given, family []string) {
	w := c.nameWords
	return w[n.given:n.family:n.family], w[n.family:n.end:n.end]
}

// candidateNames splits the candidates' names into words as NormalizeName
// would; ASCII words stay views of the names. Words and names go in c's
// memory, reused by every shared number of one context.
func (c *nameContext) candidateNames(seeds []Seed) []candidateName {
	words := c.nameWords[:0]
	out := c.names[:0]
	for i := range seeds {
		n := &seeds[i].Name
		g := len(words)
		words = appendNameWords(words, n.Given)
		f := len(words)
		words = appendNameWords(words, n.Family)
		out = append(out, candidateName{int32(g), int32(f), int32(len(words))})
	}
	c.nameWords, c.names = words, out
	return out
}

// appendNameWords appends the words of one part of a name, as NormalizeName
// would split it; ASCII words stay views of part.
func appendNameWords(words []string, part string) []string {
	start := len(words)
	for k := 0; k < len(part); {
		for k < len(part) && nameClass[part[k]] == classSep {
			k++
		}
		w := k
		for k < len(part) && nameClass[part[k]] == classWord {
			k++
		}
		switch {
		case k < len(part) && nameClass[part[k]] == classOther:
			// Not ASCII: NormalizeName's own split, for the whole part.
			return append(words[:start], strings.Fields(norm.Name(part))...)
		case k == w: // the end of part
		case part[w] == '\'' || part[k-1] == '\'':
			if t := strings.Trim(part[w:k], "'"); t != "" {
				words = append(words, t)
			}
		default:
			words = append(words, part[w:k])
		}
	}
	return words
}

// Byte classes of a name: word bytes (nameByte), ASCII separators, and
// the bytes of other runes.
const (
	classSep = iota
	classWord
	classOther
)

var nameClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = classOther
		case nameByte[c]:
			t[c] = classWord
		}
	}
	return t
}()

func sameWords(a, b []string) bool {
	return slices.EqualFunc(a, b, sameWord)
}

// sharedPart reports whether a candidate other than self has ws as its
// given or family name.
func (c *nameContext) sharedPart(cands []candidateName, self int, ws []string) bool {
	for j, o := range cands {
		if j == self {
			continue
		}
		if given, family := c.parts(o); sameWords(given, ws) || sameWords(family, ws) {
			return true
		}
	}
	return false
}

// evidence scores what c says for a candidate named n, and reports whether
// another person's full name stands beside the names found.
func (c *nameContext) evidence(cands []candidateName, self int) (score int, blocked bool) {
	given, family := c.parts(cands[self])
	var givenBuf, familyBuf [8]int
	givenAt, familyAt := c.appendFind(givenBuf[:0], given), c.appendFind(familyBuf[:0], family)
	gl, fl := len(given), len(family)
	for _, g := range givenAt {
		if fl == 0 {
			break // a seed with one name has no full name to find
		}
		after := g + gl
		if c.joined(after) && c.phraseAt(after, family) || // Mary Yee
			c.isInitial(after) && c.joined(after) && c.joined(after+1) && c.phraseAt(after+1, family) || // Mary J. Yee
			g >= fl && c.joined(g) && c.phraseAt(g-fl, family) { // Yee, Mary
			return evFullName, false
		}
	}
	switch {
	case len(givenAt) > 0 && len(familyAt) > 0:
		score = evBothNames
	case len(givenAt) > 0 && !c.sharedPart(cands, self, given) || len(familyAt) > 0 && !c.sharedPart(cands, self, family):
		score = evOwnName
	case len(givenAt) > 0 || len(familyAt) > 0:
		score = evSharedName
	default:
		return evNone, false
	}
	for _, g := range givenAt {
		// "Mary Johnson", "Johnson, Mary": a stranger's family name beside the given name.
		blocked = blocked || c.strangerAt(g+len(given), gapList, knownFamily) || c.strangerBefore(g, gapList, knownFamily)
	}
	for _, f := range familyAt {
		// "Mary Yee" for the seed Deborah Yee, "Yee, Mary".
		blocked = blocked || c.strangerBefore(f, gapList, knownGiven) || c.strangerAt(f+len(family), gapList, knownGiven)
	}
	return score, blocked
}

// joined reports whether the word at k belongs to the same record as the
// word before it.
func (c *nameContext) joined(k int) bool {
	return k > 0 && k < len(c.words) && c.words[k].gap != gapBreak
}

// isInitial reports whether the word at k is a single letter.
func (c *nameContext) isInitial(k int) bool {
	return k >= 0 && k < len(c.words) && utf8.RuneCountInString(c.words[k].w) == 1
}

// strangerAt reports whether the word at k, just after a name, is written as a
// name and is one by known(), joined to it by at most gap g.
func (c *nameContext) strangerAt(k int, g gap, known func(string) bool) bool {
	if k >= len(c.words) {
		return false
	}
	w := c.words[k]
	return w.upper && w.gap <= g && known(strings.ToLower(w.w))
}

// strangerBefore is strangerAt for the word before the name at k; a name
// written before another stands apart from it by a list gap ("Johnson, Mary").
func (c *nameContext) strangerBefore(k int, g gap, known func(string) bool) bool {
	if k == 0 {
		return false
	}
	w := c.words[k-1]
	return w.upper && c.words[k].gap == g && known(strings.ToLower(w.w))
}

func knownGiven(w string) bool {
	return names.KnownGiven("US", w) || names.KnownGiven("GB", w) || names.KnownGiven("ES", w)
}

func knownFamily(w string) bool {
	return names.KnownFamily("US", w) || names.KnownFamily("ES", w)
}

// resolveShared resolves an Ambiguous phone hit by the names in c: to the one
// candidate the evidence names alone, or else Ambiguous with the candidates
// ordered best evidence first (registry order among equals). It works on h
// in place: a Hit, with its Seed, is a few hundred bytes.
func resolveShared(h *Hit, c *nameContext) {
	cands := c.candidateNames(h.Candidates)
	var scoreBuf [16]int
	var blockedBuf [16]bool
	scores, blocked := scoreBuf[:0], blockedBuf[:0]
	if len(cands) > len(scoreBuf) {
		scores, blocked = make([]int, 0, len(cands)), make([]bool, 0, len(cands))
	}
	scores, blocked = scores[:len(cands)], blocked[:len(cands)]
	best, atBest, withAny := evNone, 0, 0
	for i := range cands {
		scores[i], blocked[i] = c.evidence(cands, i)
		switch {
		case scores[i] > best:
			best, atBest = scores[i], 1
		case scores[i] == best:
			atBest++
		}
		if scores[i] > evNone {
			withAny++
		}
	}
	winner := -1
	if atBest == 1 {
		for i, s := range scores {
			if s == best {
				winner = i
			}
		}
		switch {
		case best == evFullName:
		case best == evBothNames && !blocked[winner]:
		case best == evOwnName && withAny == 1 && !blocked[winner]:
		default:
			winner = -1
		}
	}
	if winner >= 0 {
		h.Seed, h.Candidates, h.Confidence = h.Candidates[winner], nil, Likely
		return
	}
	// Best evidence first, in place: the hit owns its candidates.
	sortByScore(h.Candidates, scores)
	h.Seed = h.Candidates[0]
}

// sortByScore orders seeds by descending score, stably: an insertion sort,
// since candidate lists are short and mostly in order already.
func sortByScore(seeds []Seed, scores []int) {
	for i := 1; i < len(seeds); i++ {
		for j := i; j > 0 && scores[j] > scores[j-1]; j-- {
			seeds[j], seeds[j-1] = seeds[j-1], seeds[j]
			scores[j], scores[j-1] = scores[j-1], scores[j]
		}
	}
}
