// Package names draws realistic given names, family names and birth years for
// canary customer records, following the real frequency of names in the
// United States ("US"), Great Britain ("GB") and Spain ("ES").
//
// The frequency tables are embedded (data/*.tsv.gz) and built by the program
// in ./gen from public statistics; see SOURCES.md for sources, licences and
// the attribution the data requires. Each table keeps the most frequent
// names, enough to cover 95% of its population mass; the rarest 5% are left
// out, so shares drawn here are those of the published tables scaled by about
// 1/0.95. Names are stored in natural case ("García", "O'Brien", "McDonald",
// "María del Carmen", "De La Fuente") and returned as stored: the functions
// here do not allocate, except Family for "ES", which joins two surnames
// (FamilyParts returns them apart, without allocating).
//
// Tables are decompressed on first use, one table at a time, and are safe
// for concurrent use.
//
// # United States
//
// Given names come from the Social Security Administration's baby names,
// summed by birth decade 1930s to 2000s; births before 1930 use the 1930s
// table and births from 2010 the 2000s table. Family names come from the
// Census 2000 surname list.
//
// # Great Britain
//
// Given names come from the baby-name registers of England and Wales (ONS),
// Scotland (NRS) and Northern Ireland (NISRA), mixed by population share
// (89%, 8% and 3%) within each birth decade. The registers start late:
// England and Wales in 1996, Scotland in 1974, Northern Ireland in 1997. So
// the 1990s and 2000s use all three nations, but the 1980s use Scotland's
// 1980s names alone, and the 1970s and every earlier birth year use
// Scotland's 1974-79 names alone. Older British customers therefore get
// names of the 1970s, and Scottish ones at that; BirthYear keeps GB birth
// years from 1964 on to limit the stretch.
//
// There is no open table of British surnames. GB family names are an
// approximation made from the US Census 2000 list: surnames held mostly by
// people of Hispanic or of Asian and Pacific Islander origin
// (pcthispanic+pctapi >= 50%) are dropped and the rest weighted by the
// number of their non-Hispanic White holders (count x pctwhite). This gives
// Smith, Johnson, Brown, Miller, Jones, Williams first: British in
// character, but with American frequencies (Miller and Davis rank higher
// than in Britain, Davies and Evans lower).
//
// # Spain
//
// Given names and surnames come from the INE's tables of names and surnames
// in the population register (frequency of at least 20). The given-name
// table has no birth years, only each name's mean age; the generator weights
// a name for a birth decade by its count times a Gaussian (sigma 12 years)
// of the gap between that mean age and the age people born in the decade
// had in 2012, the year of the data. First and second surnames are drawn
// independently from their own columns. The INE writes names without
// accents; the generator restores them from a hand-written word list and
// safe stress rules (-ción, patronymics in -ez, surnames in -ón), so common
// names are accented and some rare ones are left without their accent.
package names

//go:generate go run ./gen -src ../../../../shared/data/names

import (
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:embed data/*.tsv.gz
var files embed.FS

// Regions returns the supported region codes: "US", "GB" and "ES".
func Regions() []string { return []string{"US", "GB", "ES"} }

// Sex of a given name.
type Sex uint8

const (
	// Female given names.
	Female Sex = iota + 1
	// Male given names.
	Male
)

// Given draws a given name for region, sex and birth year, by real
// frequency. r supplies uniform randomness (math/rand/v2). A Sex other than
// Female or Male draws the sex at random, half and half. Returns "" only for
// an unknown region.
func Given(r *rand.Rand, region string, sex Sex, birthYear int) string {
	g := lookup(region)
	if g == nil {
		return ""
	}
	if sex != Female && sex != Male {
		sex = Female + Sex(r.Uint32N(2))
	}
	t := g.given[sex-1].load()
	return t.cols[t.decadeCol(birthYear)].draw(r)
}

// Family draws a family name for region by real frequency. For "ES" it
// returns the two surnames joined by a space ("García López"), the first and
// second drawn from their own columns (count_first_surname and
// count_second_surname); particles opening the second surname are written
// in lower case ("García de la Fuente"). Returns "" for an unknown region.
func Family(r *rand.Rand, region string) string {
	g := lookup(region)
	if g == nil {
		return ""
	}
	first := g.family.col().draw(r)
	if g.second.t == nil {
		return first
	}
	return first + " " + g.second.col().draw(r)
}

// FamilyParts is Family without the join: it returns the family name and,
// for "ES", the second surname separately (second is "" for other regions),
// so that callers building a full name can append them to their own buffer
// without the allocation that Family makes for "ES". It consumes the same
// randomness as Family: for equal r, Family = first + " " + second.
func FamilyParts(r *rand.Rand, region string) (first, second string) {
	g := lookup(region)
	if g == nil {
		return "", ""
	}
	first = g.family.col().draw(r)
	if g.second.t != nil {
		second = g.second.col().draw(r)
	}
	return first, second
}

// BirthYear draws a plausible birth year for an adult customer in year now.
// Ages follow a simple adult distribution over 18 to 85: weight rising from
// one half at 18 to full at 25, flat from 25 to 65, then falling linearly
// to one tenth at 85. The draw is restricted to the birth years the region's
// given-name data serves well, by drawing the age from the distribution
// conditioned on that range (so no year piles up at a boundary):
//
//	US  1930-2009 (SSA decades)
//	GB  1964-2009 (registers from 1974; one decade of extrapolation)
//	ES  1930-2009 (INE mean-age buckets)
//
// Only if now is so far off that no adult age falls in the range is the year
// clamped to it. An unknown region gets the unrestricted distribution.
func BirthYear(r *rand.Rand, region string, now int) int {
	lo, hi := 18, 85
	g := lookup(region)
	if g != nil {
		lo, hi = max(lo, now-g.maxYear), min(hi, now-g.minYear)
		if lo > hi {
			return min(max(now-18, g.minYear), g.maxYear)
		}
	}
	return now - drawAge(r, lo, hi)
}

// KnownGiven reports whether name is a given name in the region's tables,
// of either sex and any birth decade. The comparison ignores case and
// accents ("maria" matches "María").
func KnownGiven(region, name string) bool {
	g := lookup(region)
	if g == nil {
		return false
	}
	g.knownOnce.Do(g.buildKnown)
	_, ok := g.knownGiven[fold(name)]
	return ok
}

// KnownFamily reports whether name is a family name in the region's tables,
// ignoring case and accents. For "ES" it also accepts two known surnames
// joined by a space, as Family returns them ("García de la Fuente").
func KnownFamily(region, name string) bool {
	g := lookup(region)
	if g == nil {
		return false
	}
	g.knownOnce.Do(g.buildKnown)
	key := fold(name)
	if _, ok := g.knownFamily[key]; ok {
		return true
	}
	if g.second.t == nil {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] != ' ' {
			continue
		}
		_, ok1 := g.knownFamily[key[:i]]
		_, ok2 := g.knownFamily[key[i+1:]]
		if ok1 && ok2 {
			return true
		}
	}
	return false
}

// region holds a region's tables.
type region struct {
	given            [2]*table // Female, Male
	family, second   colRef    // second is set for ES only
	minYear, maxYear int

	knownOnce   sync.Once
	knownGiven  map[string]struct{}
	knownFamily map[string]struct{}
}

// colRef names one column of a table.
type colRef struct {
	t     *table
	label string
}

func (c colRef) col() *column { return c.t.load().column(c.label) }

var (
	usGivenF  = &table{file: "us_given_f"}
	usGivenM  = &table{file: "us_given_m"}
	gbGivenF  = &table{file: "gb_given_f"}
	gbGivenM  = &table{file: "gb_given_m"}
	esGivenF  = &table{file: "es_given_f"}
	esGivenM  = &table{file: "es_given_m"}
	census    = &table{file: "census_family"}
	esFamily1 = &table{file: "es_family_first"}
	esFamily2 = &table{file: "es_family_second"}
	regionUS  = &region{given: [2]*table{usGivenF, usGivenM}, family: colRef{census, "US"}, minYear: 1930, maxYear: 2009}
	regionGB  = &region{given: [2]*table{gbGivenF, gbGivenM}, family: colRef{census, "GB"}, minYear: 1964, maxYear: 2009}
	regionES  = &region{given: [2]*table{esGivenF, esGivenM}, family: colRef{esFamily1, "first"}, second: colRef{esFamily2, "second"}, minYear: 1930, maxYear: 2009}
)

func lookup(code string) *region {
	switch code {
	case "US":
		return regionUS
	case "GB":
		return regionGB
	case "ES":
		return regionES
	}
	return nil
}

func (g *region) buildKnown() {
	g.knownGiven = map[string]struct{}{}
	for _, t := range g.given {
		for i := range t.load().cols {
			for _, e := range t.cols[i].entries {
				g.knownGiven[fold(t.cols[i].name(e))] = struct{}{}
			}
		}
	}
	g.knownFamily = map[string]struct{}{}
	for _, c := range []colRef{g.family, g.second} {
		if c.t == nil {
			continue
		}
		col := c.col()
		for _, e := range col.entries {
			g.knownFamily[fold(col.name(e))] = struct{}{}
		}
	}
}

// table is one embedded table file: a list of names with one weight column
// per label (a birth decade, or a name such as "US").
type table struct {
	file string
	once sync.Once

	labels  []string
	decades []int // labels as numbers, when they are decades
	cols    []column
}

// column is one weight column, holding only the names whose weight is not
// zero, in table order: entries[i].cum is the sum of the weights of names
// 0..i. A name and its cumulative weight sit side by side so that a draw
// touches as few cache lines as possible.
//
// A draw takes a uniform u in [0, total) and looks for the first i with
// cum > u. To make that look-up short, guide splits [0, total) into buckets
// of 1<<shift weight units, about as many as there are names; guide[k] is
// the first i with cum > k<<shift, so the answer for u lies between
// guide[u>>shift] and guide[u>>shift+1], usually one or two entries apart.
type column struct {
	entries []entry
	guide   []uint32
	shift   uint
	text    string // the table file; names are slices of it
}

// entry holds its name as a position in column.text rather than as a string:
// tables of pointer-free entries cost the garbage collector nothing to scan.
type entry struct {
	cum uint32
	off uint32
	n   uint32
}

func (c *column) name(e entry) string { return c.text[e.off : e.off+e.n] }

// draw returns a name with probability proportional to its weight.
func (c *column) draw(r *rand.Rand) string {
	u := r.Uint32N(c.entries[len(c.entries)-1].cum)
	k := u >> c.shift
	lo, hi := int(c.guide[k]), int(c.guide[k+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.entries[m].cum > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return c.name(c.entries[lo])
}

// index builds the guide table.
func (c *column) index() {
	n := len(c.entries)
	total := c.entries[n-1].cum
	c.shift = 0
	if b := bits.Len32(total) - bits.Len(uint(n)); b > 0 {
		c.shift = uint(b)
	}
	buckets := int((total-1)>>c.shift) + 1
	c.guide = make([]uint32, buckets+1)
	i := 0
	for k := range buckets {
		for uint64(c.entries[i].cum) <= uint64(k)<<c.shift {
			i++
		}
		c.guide[k] = uint32(i)
	}
	c.guide[buckets] = uint32(n - 1)
}

func (t *table) load() *table {
	t.once.Do(func() {
		if err := t.parse(); err != nil {
			// The tables are embedded and checked by the package tests, so
			// this is a build defect, not a run-time condition.
			panic(fmt.Sprintf("names: embedded table %s: %v", t.file, err))
		}
	})
	return t
}

// column returns the column with the given label.
func (t *table) column(label string) *column {
	for i, l := range t.labels {
		if l == label {
			return &t.cols[i]
		}
	}
	panic("names: table " + t.file + " has no column " + label)
}

// decadeCol returns the index of the column for a birth year: the latest
// decade that starts no later than year, or the first decade if year is
// earlier than all of them.
func (t *table) decadeCol(year int) int {
	for i := len(t.decades) - 1; i > 0; i-- {
		if t.decades[i] <= year {
			return i
		}
	}
	return 0
}

// parse reads the table file: a header "name<TAB>label..." and then
// "name<TAB>weight..." lines, gzip-compressed.
func (t *table) parse() error {
	f, err := files.Open("data/" + t.file + ".tsv.gz")
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	// One string holds the whole file; names are substrings of it.
	text := string(raw)
	header, body, ok := strings.Cut(text, "\n")
	if !ok {
		return fmt.Errorf("no header")
	}
	fields := strings.Split(header, "\t")
	if len(fields) < 2 || fields[0] != "name" {
		return fmt.Errorf("bad header %q", header)
	}
	t.labels = fields[1:]
	t.cols = make([]column, len(t.labels))
	for _, l := range t.labels {
		d, err := strconv.Atoi(l)
		if err != nil {
			t.decades = nil
			break
		}
		t.decades = append(t.decades, d)
	}
	totals := make([]uint64, len(t.labels))
	for i := range t.cols {
		t.cols[i].text = text
	}
	pos := len(header) + 1 // of the current row in text
	for line := 2; body != ""; line++ {
		var row string
		row, body, _ = strings.Cut(body, "\n")
		off := pos
		pos += len(row) + 1
		name, rest, _ := strings.Cut(row, "\t")
		if name == "" {
			return fmt.Errorf("line %d: empty name", line)
		}
		for i := range t.labels {
			var field string
			field, rest, _ = strings.Cut(rest, "\t")
			w, err := strconv.ParseUint(field, 10, 32)
			if err != nil {
				return fmt.Errorf("line %d: %v", line, err)
			}
			if w == 0 {
				continue
			}
			totals[i] += w
			if totals[i] > 1<<32-1 {
				return fmt.Errorf("column %s: total weight overflows", t.labels[i])
			}
			c := &t.cols[i]
			c.entries = append(c.entries, entry{uint32(totals[i]), uint32(off), uint32(len(name))})
		}
		if rest != "" {
			return fmt.Errorf("line %d: too many fields", line)
		}
	}
	for i := range t.cols {
		if len(t.cols[i].entries) == 0 {
			return fmt.Errorf("column %s is empty", t.labels[i])
		}
		t.cols[i].index()
	}
	return nil
}

// Adult age distribution for BirthYear; ageCum[i] is the cumulative weight
// of ages 18..18+i.
const minAge, maxAge = 18, 85

var ageCum = func() (cum [maxAge - minAge + 1]uint32) {
	var total uint32
	for a := minAge; a <= maxAge; a++ {
		var w uint32
		switch {
		case a < 25:
			w = 500 + uint32(a-18)*500/7 // 500 at 18, rising to 1000 at 25
		case a <= 65:
			w = 1000
		default:
			w = 1000 - uint32(a-65)*45 // down to 100 at 85
		}
		total += w
		cum[a-minAge] = total
	}
	return cum
}()

// drawAge draws an age in [lo, hi] (within 18..85) from the adult
// distribution conditioned on that range.
func drawAge(r *rand.Rand, lo, hi int) int {
	var base uint32
	if lo > minAge {
		base = ageCum[lo-minAge-1]
	}
	u := base + r.Uint32N(ageCum[hi-minAge]-base)
	// First age in [lo, hi] whose cumulative weight exceeds u.
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ageCum[m-minAge] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// fold lower-cases s and strips accents, for the Known lookups.
func fold(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Map(func(c rune) rune {
				c = unicode.ToLower(c)
				if f, ok := foldMap[c]; ok {
					return f
				}
				return c
			}, s)
		}
	}
	return strings.ToLower(s)
}

var foldMap = map[rune]rune{
	'á': 'a', 'à': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'í': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i',
	'ó': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o',
	'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u',
	'ñ': 'n', 'ç': 'c', 'ý': 'y', 'ÿ': 'y',
	'’': '\'',
}
