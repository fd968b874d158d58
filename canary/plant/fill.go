package plant

import (
	"cmp"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/places"
)

// FillOptions tunes a Filler. The zero value is ready to use.
type FillOptions struct {
	// Region is the country of the places the Filler writes into city,
	// state and postcode columns ("US", "GB", "ES"). Default: the host's
	// phone region (Shape.PhoneRegion), else "US".
	Region string
	// Seed makes the draws reproducible. Zero: crypto-random.
	Seed [32]byte
}

// UnfilledReason says why a Filler leaves a column the host fills empty.
type UnfilledReason uint8

// The reasons.
const (
	// UnfilledFreeText: the column holds values of its own in most rows
	// (notes, addresses, account numbers) that Learn does not copy and the
	// Filler cannot make up.
	UnfilledFreeText UnfilledReason = iota + 1
	// UnfilledNoPlace: a place column (a county, say) of a region whose
	// tables do not hold that level.
	UnfilledNoPlace
)

func (r UnfilledReason) String() string {
	switch r {
	case UnfilledFreeText:
		return "free text the host fills and the filler cannot make up"
	case UnfilledNoPlace:
		return "a place level the place tables do not hold"
	}
	return fmt.Sprintf("UnfilledReason(%d)", uint8(r))
}

// Unfilled is a column the host fills that seeds will leave empty: a tell
// for anyone comparing them to their neighbours. Map it (Mapping.Extra) to
// fill it.
type Unfilled struct {
	Column string
	// EmptyRate is how often the host leaves it empty: the lower, the more
	// an empty seed stands out.
	EmptyRate float64
	Reason    UnfilledReason
}

// fillKind is how a Filler fills one column.
type fillKind uint8

const (
	fillCategory fillKind = iota + 1 // a value of the host's, by its frequency
	fillCity
	fillState
	fillPostcode
	fillCompany
	fillTime // a time at or after the seed's creation
)

type fillColumn struct {
	name  string
	kind  fillKind
	blank float64 // the share of the host's empties written as "" rather than NULL
	col   ColumnProfile
	cum   []int // fillCategory: cumulative counts of col.Values
	names bool  // fillState: the host writes state names, not codes
}

// Filler fills the columns of the host that a Mapping leaves out, the way
// the host fills them: which columns are empty together, at the host's
// rates (Shape.EmptyPatterns); categories by the host's own frequencies;
// city, state and postcode columns with a place that agrees with itself and
// with the seed's phone number where the number has an area (else drawn by
// population within the host's spread of states); company columns with a
// small-business name; further time columns with a time after the seed's
// creation. It never fills a column the database numbers or one the host
// always leaves empty, and reports (Unfilled) the columns it cannot fill.
//
// The values go into each seed's Fields under the column's name, so the
// registry keeps what was planted and Check can verify it; Mapping returns
// the Mapping with an Extra for each column. A Filler is not safe for
// concurrent use.
type Filler struct {
	m        Mapping
	cols     []fillColumn
	unfilled []Unfilled
	patterns []EmptyPattern
	phoneCol string
	region   string
	states   []ValueCount // the host's state values, for places by its spread
	cities   []ValueCount // the host's listed city values, for places as its rows hold them
	listed   int          // the host's rows in a listed city
	cityRest int          // the host's rows in a city not listed
	// townsByArea caches, by area code, the listed cities it serves.
	townsByArea map[string]areaTowns
	layout      string // how further time columns are written
	r           *rand.Rand
}

// NewFiller returns a Filler for the columns of s (as Learn profiled the
// host table m maps) that m leaves out.
func NewFiller(s Shape, m Mapping, opts FillOptions) (*Filler, error) {
	if len(s.Columns) == 0 {
		return nil, fmt.Errorf("%w: the Shape profiles no column: learn it with Learn or LearnCSV", ErrInvalidInput)
	}
	f := &Filler{m: m, region: opts.Region, patterns: s.EmptyPatterns, layout: s.CreatedLayout}
	if f.layout == "" {
		f.layout = DefaultTextLayout
	}
	if f.region == "" {
		f.region = s.PhoneRegion
	}
	if places.Count(f.region) == 0 {
		f.region = "US"
	}
	seed := opts.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	f.r = rand.New(rand.NewChaCha8(seed))
	mapped := map[string]bool{}
	for _, n := range []string{m.Email, m.GivenName, m.FamilyName, m.FullName, m.Phone, m.Ticket, m.CreatedAt} {
		if n != "" {
			mapped[strings.ToLower(n)] = true
		}
	}
	for _, e := range m.Extra {
		mapped[strings.ToLower(e.Column)] = true
	}
	for _, c := range s.Columns {
		if c.Role == "phone" {
			f.phoneCol = c.Name
		}
		if c.Role != "" || mapped[strings.ToLower(c.Name)] || c.AutoID || !c.Filled() {
			continue
		}
		fc := fillColumn{name: c.Name, col: c, blank: float64(c.Blanks) / float64(c.Blanks+c.Nulls)}
		if c.NotNull || c.Blanks+c.Nulls == 0 {
			fc.blank = 1
		}
		kind, reason := classifyColumn(c, f.region)
		switch {
		case kind == 0 && c.HasDefault:
			continue // the database's default is what the host's own rows get
		case kind == 0:
			f.unfilled = append(f.unfilled, Unfilled{Column: c.Name, EmptyRate: c.EmptyRate(), Reason: reason})
			continue
		}
		fc.kind = kind
		if c.Values != nil {
			total := 0
			for _, v := range c.Values {
				total += v.Count
				fc.cum = append(fc.cum, total)
			}
		}
		if kind == fillCity && c.Values != nil {
			f.cities, f.cityRest = c.Values, c.Other
			f.townsByArea = map[string]areaTowns{}
			for _, v := range c.Values {
				f.listed += v.Count
			}
		}
		if kind == fillState {
			f.states = c.Values
			for _, v := range c.Values {
				if len(v.Value) > 2 {
					fc.names = true
				}
			}
			if c.Values == nil && c.MaxLen > 2 {
				fc.names = true
			}
		}
		f.cols = append(f.cols, fc)
		f.m.Extra = append(f.m.Extra, Extra{Column: c.Name, Field: c.Name})
	}
	return f, nil
}

// classifyColumn tells how an unmapped column can be filled: its name for
// places, companies and times, else its listed values; 0 and a reason when
// it cannot.
func classifyColumn(c ColumnProfile, region string) (fillKind, UnfilledReason) {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(c.Name))
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(n, w) })
	}
	switch {
	case has("zip", "postcode", "postalcode", "postal"):
		return fillPostcode, 0
	case has("city", "town", "locality"):
		return fillCity, 0
	case has("state", "province"):
		if region == "US" || region == "ES" && has("province") || c.Values != nil {
			return fillState, 0
		}
		return 0, UnfilledNoPlace
	case has("county"):
		if c.Values != nil {
			return fillCategory, 0
		}
		return 0, UnfilledNoPlace
	case has("company", "organization", "organisation", "employer", "business"):
		return fillCompany, 0
	case c.Values != nil:
		return fillCategory, 0
	case strings.HasSuffix(n, "at") && has("updated", "modified", "seen", "login", "changed", "visit"),
		has("timestamp", "datetime"):
		return fillTime, 0
	}
	return 0, UnfilledFreeText
}

// Mapping returns the Mapping the Filler was made with, plus an Extra for
// every column it fills. Plant (Insert, Dripper) with this one.
func (f *Filler) Mapping() Mapping {
	m := f.m
	m.Extra = slices.Clone(f.m.Extra)
	return m
}

// Columns returns the names of the columns the Filler fills, in table
// order: the CSVOptions.Columns of an import file for a host learned with
// LearnCSV.
func (f *Filler) Columns() []string {
	out := make([]string, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.name
	}
	return out
}

// Unfilled returns the columns the host fills that the Filler leaves empty.
func (f *Filler) Unfilled() []Unfilled { return slices.Clone(f.unfilled) }

// Fill returns copies of seeds with Fields set for every column the Filler
// fills: one empty pattern of the host's drawn per seed (among those that
// agree with the seed's own empty parts, such as a missing phone), then a
// value for every column the pattern leaves filled. A column left empty
// holds "" in Fields or is absent (NULL), as often as the host writes its
// empties either way.
func (f *Filler) Fill(seeds []canary.Seed) []canary.Seed {
	out := make([]canary.Seed, len(seeds))
	for i, s := range seeds {
		s = s.Clone()
		if s.Fields == nil {
			s.Fields = map[string]string{}
		}
		empty := f.pattern(s)
		var pl places.Place
		for _, fc := range f.cols {
			if empty[fc.name] {
				if f.r.Float64() < fc.blank {
					s.Fields[fc.name] = ""
				} else {
					delete(s.Fields, fc.name)
				}
				continue
			}
			if pl.IsZero() && (fc.kind == fillCity || fc.kind == fillState || fc.kind == fillPostcode) {
				pl = f.place(s)
			}
			s.Fields[fc.name] = f.value(fc, s, pl)
		}
		if !pl.IsZero() {
			// The generator's own city and postcode fields, if any, must agree too.
			if _, ok := s.Fields["city"]; ok {
				s.Fields["city"] = pl.Name
			}
			if _, ok := s.Fields["postcode"]; ok {
				s.Fields["postcode"] = pl.Postcode(f.r)
			}
		}
		out[i] = s
	}
	return out
}

// pattern draws the set of columns a seed leaves empty.
func (f *Filler) pattern(s canary.Seed) map[string]bool {
	if len(f.patterns) == 0 {
		return nil
	}
	noPhone := s.Phone == ""
	fits := func(p EmptyPattern) bool {
		if f.phoneCol == "" {
			return true
		}
		return slices.ContainsFunc(p.Columns, func(c string) bool { return strings.EqualFold(c, f.phoneCol) }) == noPhone
	}
	total := 0
	for _, p := range f.patterns {
		if fits(p) {
			total += p.Rows
		}
	}
	use := fits
	if total == 0 { // no host row is like this seed: draw among them all
		use = func(EmptyPattern) bool { return true }
		for _, p := range f.patterns {
			total += p.Rows
		}
	}
	if total == 0 {
		return nil
	}
	x := f.r.IntN(total)
	for _, p := range f.patterns {
		if !use(p) {
			continue
		}
		if x -= p.Rows; x < 0 {
			m := make(map[string]bool, len(p.Columns))
			for _, c := range p.Columns {
				m[c] = true
			}
			return m
		}
	}
	return nil
}

// place draws the seed's place: in its number's area when it has one of
// the region, else by population within a state drawn by the host's own
// spread of states, else anywhere in the region.
func (f *Filler) place(s canary.Seed) places.Place {
	if s.Phone != "" {
		if p, ok := f.hostCity(s.Phone); ok {
			return p
		}
		if p, ok := places.ForNumber(f.r, s.Phone); ok && p.Region == f.region {
			return p
		}
	}
	if len(f.states) > 0 && f.region == "US" {
		total := 0
		for _, v := range f.states {
			total += v.Count
		}
		x := f.r.IntN(total)
		for _, v := range f.states {
			if x -= v.Count; x < 0 {
				if p, ok := places.Draw(f.r, f.region, places.StateCode(v.Value)); ok {
					return p
				}
				break
			}
		}
	}
	p, _ := places.Draw(f.r, f.region, "")
	return p
}

// hostCity draws, as often as the host's rows are in a listed city, one
// of the host's listed cities that the number's area serves, by how many
// rows it holds: a host whose customers are in its big cities gets seeds
// there too, rather than in every town of the area by population.
func (f *Filler) hostCity(e164 string) (places.Place, bool) {
	if f.listed == 0 || f.r.IntN(f.listed+f.cityRest) >= f.listed {
		return places.Place{}, false
	}
	region, code := places.AreaCode(e164)
	if region != f.region || code == "" {
		return places.Place{}, false
	}
	towns, ok := f.townsByArea[code]
	if !ok {
		towns = f.townsOf(code)
		f.townsByArea[code] = towns
	}
	if len(towns.places) == 0 {
		return places.Place{}, false
	}
	x := f.r.IntN(towns.cum[len(towns.cum)-1])
	i, _ := slices.BinarySearch(towns.cum, x+1)
	return towns.places[i], true
}

// areaTowns are the host's listed cities one area code serves, with their
// cumulative row counts.
type areaTowns struct {
	places []places.Place
	cum    []int
}

// townsOf finds the host's listed cities area code serves: once per code,
// since a Filler fills many seeds from few areas.
func (f *Filler) townsOf(code string) areaTowns {
	var t areaTowns
	total := 0
	for _, v := range f.cities {
		p, ok := places.Lookup(f.region, v.Value, "")
		if !ok || !slices.Contains(p.AreaCodes(), code) {
			continue
		}
		total += v.Count
		t.places, t.cum = append(t.places, p), append(t.cum, total)
	}
	return t
}

func (f *Filler) value(fc fillColumn, s canary.Seed, pl places.Place) string {
	switch fc.kind {
	case fillCity:
		return pl.Name
	case fillState:
		switch {
		case pl.Region == "US" && fc.names:
			return places.StateName(pl.Admin1)
		case pl.Region == "US":
			return pl.Admin1
		case pl.Admin2 != "":
			return pl.Admin2
		}
		return pl.Admin1
	case fillPostcode:
		return pl.Postcode(f.r)
	case fillCompany:
		family := s.Name.Family
		if i := strings.IndexByte(family, ' '); i > 0 {
			family = family[:i]
		}
		return places.Company(f.r, f.region, family)
	case fillTime:
		t := s.CreatedAt
		if t.IsZero() {
			t = time.Now()
		}
		if now := time.Now(); t.Before(now) {
			t = t.Add(time.Duration(f.r.Int64N(int64(min(now.Sub(t), 30*24*time.Hour)) + 1)))
		}
		switch zone := cmp.Or(f.m.Zone, time.UTC); f.layout {
		case CreatedUnix:
			return strconv.FormatInt(t.Unix(), 10)
		case CreatedUnixMilli:
			return strconv.FormatInt(t.UnixMilli(), 10)
		default:
			return t.In(zone).Format(f.layout)
		}
	case fillCategory:
		x := f.r.IntN(fc.cum[len(fc.cum)-1])
		i, _ := slices.BinarySearch(fc.cum, x+1)
		return fc.col.Values[min(i, len(fc.col.Values)-1)].Value
	}
	return ""
}
