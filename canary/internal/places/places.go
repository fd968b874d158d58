// Package places draws the places of canary customer records: towns and
// cities weighted by population, their admin areas, postcodes and phone area
// codes, for the United States ("US"), Great Britain ("GB") and Spain ("ES"),
// so that a seed's city, state, postcode and number agree with each other.
//
// The tables are embedded (data/*.tsv.gz) and built by the program in ./gen
// from GeoNames' populated places (population at least 1,000) and the US ZIP
// code list, with area codes from libphonenumber's geocoder; see SOURCES.md
// for sources, licences, the attribution the data requires, and how
// postcodes are approximated where no open list exists. Tables are
// decompressed on first use, one region at a time, and are safe for
// concurrent use.
//
// Start with [Draw] (a place by population), [ForNumber] (a place in a phone
// number's area), [Place.Postcode] and [Fits] (does a number's area code
// agree with a place).
package places

//go:generate go run ./gen -src ../../../../shared/data/places

import (
	"bufio"
	"compress/gzip"
	"embed"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

//go:embed data/*.tsv.gz
var files embed.FS

// Regions returns the supported region codes.
func Regions() []string { return []string{"US", "GB", "ES"} }

// Place is one populated place of a region's table.
type Place struct {
	// Name is the place as its residents and the post write it: "San
	// Francisco", "Hull", "Málaga".
	Name string
	// Admin1 is the first-level area: the US state's postal code ("CA"), the
	// GB nation (ENG, SCT, WLS, NIR), the ES autonomous community
	// ("Andalucía").
	Admin1 string
	// Admin2 is the Spanish province ("Málaga"); "" in the US and GB, whose
	// counties the sources do not give.
	Admin2 string
	// Region is the table's region code.
	Region string
	// Population is GeoNames' figure, at least 1,000.
	Population int

	i int32 // index in the region's table
}

// IsZero reports whether p is the zero Place (no place found).
func (p Place) IsZero() bool { return p.Region == "" }

// AreaCodes returns the phone area codes that serve p, in national
// significant form without the trunk prefix ("415"; "20" and "161" for
// London and Manchester, written 020 and 0161 at home). Nil for Spain and
// for the few places no area code could be tied to. The slice is shared:
// do not modify it.
func (p Place) AreaCodes() []string {
	t := table(p.Region)
	if t == nil || int(p.i) >= len(t.rows) {
		return nil
	}
	return t.rows[p.i].areas
}

// Postcode draws a postcode of p: one of its ZIP codes in the US; its
// outward code and a random inward code in GB ("LS6 2QT"); one of its codes
// in Spain. "" when the table has none for p.
func (p Place) Postcode(r *rand.Rand) string {
	t := table(p.Region)
	if t == nil || int(p.i) >= len(t.rows) {
		return ""
	}
	codes := t.rows[p.i].postcodes
	if len(codes) == 0 {
		return ""
	}
	c := codes[r.IntN(len(codes))]
	if p.Region == "GB" {
		// Royal Mail leaves C, I, K, M, O and V out of inward codes.
		const letters = "ABDEFGHJLNPQRSTUWXYZ"
		return c + " " + string([]byte{'0' + byte(r.IntN(10)), letters[r.IntN(len(letters))], letters[r.IntN(len(letters))]})
	}
	return c
}

// Count returns how many places region's table holds; 0 for an unknown region.
func Count(region string) int {
	if t := table(region); t != nil {
		return len(t.rows)
	}
	return 0
}

// Draw returns a place of region drawn by population, within admin1 area
// admin when admin is not "" (a US state code, a GB nation, an ES
// community). ok is false for an unknown region or admin area.
func Draw(r *rand.Rand, region, admin string) (Place, bool) {
	t := table(region)
	if t == nil {
		return Place{}, false
	}
	s := t.all
	if admin != "" {
		if s = t.byAdmin[admin]; s == nil {
			return Place{}, false
		}
	}
	return t.place(s.draw(r)), true
}

// ForNumber returns a place in the area of e164's area code, drawn by
// population among the places that code serves, or failing those among the
// places of the admin area the code belongs to. ok is false for a number
// that is not a geographic US or GB number (mobiles, numbers for fiction
// with no area, other countries), and for an area code the tables do not
// know.
func ForNumber(r *rand.Rand, e164 string) (Place, bool) {
	region, code := AreaCode(e164)
	if code == "" {
		return Place{}, false
	}
	t := table(region)
	if t == nil {
		return Place{}, false
	}
	if s := t.byArea[code]; s != nil {
		return t.place(s.draw(r)), true
	}
	if admin := areaAdmin(region, code); admin != "" {
		return Draw(r, region, admin)
	}
	return Place{}, false
}

// AreaCode returns the region and geographic area code of an E.164 number
// ("US", "415"; "GB", "161"), or "", "" when it has none.
func AreaCode(e164 string) (region, code string) {
	if !strings.HasPrefix(e164, "+1") && !strings.HasPrefix(e164, "+44") {
		return "", ""
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return "", ""
	}
	region = phonenumbers.GetRegionCodeForNumber(num)
	if region != "US" && region != "GB" {
		return "", ""
	}
	n := phonenumbers.GetLengthOfGeographicalAreaCode(num)
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if n == 0 || n > len(nsn) {
		return "", ""
	}
	return region, nsn[:n]
}

// Fits reports whether e164's area code serves the place named name in
// admin1 area admin of region (admin may be ""; names compare ignoring
// case). A number without a geographic area code fits nowhere.
func Fits(e164, region, name, admin string) bool {
	p, ok := Lookup(region, name, admin)
	if !ok {
		return false
	}
	rg, code := AreaCode(e164)
	if rg != region || code == "" {
		return false
	}
	for _, c := range p.AreaCodes() {
		if c == code {
			return true
		}
	}
	return false
}

// Lookup finds a place by name (ignoring case) in region, within admin1
// area admin when it is not "", else the most populous of the name.
func Lookup(region, name, admin string) (Place, bool) {
	t := table(region)
	if t == nil {
		return Place{}, false
	}
	i, ok := t.byName[strings.ToLower(strings.TrimSpace(name))+"\x00"+admin]
	if !ok {
		return Place{}, false
	}
	return t.place(i), true
}

// City draws a place of region by population and a postcode of it. It
// returns "", "" for an unknown region.
func City(r *rand.Rand, region string) (name, postcode string) {
	p, ok := Draw(r, region, "")
	if !ok {
		return "", ""
	}
	return p.Name, p.Postcode(r)
}

// row is one place as stored.
type row struct {
	name, admin1, admin2 string
	pop                  int
	areas, postcodes     []string
}

// regionTable is one region's places, indexed.
type regionTable struct {
	region  string
	rows    []row
	all     *sampler
	byAdmin map[string]*sampler
	byArea  map[string]*sampler
	byName  map[string]int32 // lower name + "\x00" + admin1, and lower name + "\x00" for the most populous
}

func (t *regionTable) place(i int32) Place {
	r := &t.rows[i]
	return Place{Name: r.name, Admin1: r.admin1, Admin2: r.admin2, Region: t.region, Population: r.pop, i: i}
}

// sampler draws indices by population.
type sampler struct {
	idx []int32
	cum []uint64
}

func (s *sampler) add(i int32, w int) {
	var prev uint64
	if n := len(s.cum); n > 0 {
		prev = s.cum[n-1]
	}
	s.idx = append(s.idx, i)
	s.cum = append(s.cum, prev+uint64(w))
}

func (s *sampler) draw(r *rand.Rand) int32 {
	x := r.Uint64N(s.cum[len(s.cum)-1])
	return s.idx[sort.Search(len(s.cum), func(k int) bool { return s.cum[k] > x })]
}

var (
	loadOnce sync.Map // region -> *regionOnce
	areasMu  sync.Once
	areas    map[string]string // region + "\x00" + code -> admin1
)

type regionOnce struct {
	once sync.Once
	t    *regionTable
}

// table returns region's table, loading it on first use; nil for an unknown region.
func table(region string) *regionTable {
	var file string
	switch region {
	case "US":
		file = "data/us.tsv.gz"
	case "GB":
		file = "data/gb.tsv.gz"
	case "ES":
		file = "data/es.tsv.gz"
	default:
		return nil
	}
	v, _ := loadOnce.LoadOrStore(region, &regionOnce{})
	o := v.(*regionOnce)
	o.once.Do(func() {
		t, err := parse(region, file)
		if err != nil {
			// The tables are embedded and checked by the package tests, so
			// this is a broken build, not bad input.
			panic(fmt.Sprintf("places: embedded table %s: %v", file, err))
		}
		o.t = t
	})
	return o.t
}

func readLines(file string, fn func(f []string) error) error {
	fh, err := files.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		if err := fn(strings.Split(sc.Text(), "\t")); err != nil {
			return err
		}
	}
	return sc.Err()
}

func parse(region, file string) (*regionTable, error) {
	t := &regionTable{region: region, all: &sampler{}, byAdmin: map[string]*sampler{},
		byArea: map[string]*sampler{}, byName: map[string]int32{}}
	err := readLines(file, func(f []string) error {
		if len(f) != 6 {
			return fmt.Errorf("%d fields in a row", len(f))
		}
		pop, err := strconv.Atoi(f[3])
		if err != nil || pop <= 0 {
			return fmt.Errorf("population %q", f[3])
		}
		t.rows = append(t.rows, row{name: f[0], admin1: f[1], admin2: f[2], pop: pop,
			areas: strings.Fields(f[4]), postcodes: strings.Fields(f[5])})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range t.rows {
		i := int32(i)
		t.all.add(i, r.pop)
		s := t.byAdmin[r.admin1]
		if s == nil {
			s = &sampler{}
			t.byAdmin[r.admin1] = s
		}
		s.add(i, r.pop)
		for _, a := range r.areas {
			s := t.byArea[a]
			if s == nil {
				s = &sampler{}
				t.byArea[a] = s
			}
			s.add(i, r.pop)
		}
		lower := strings.ToLower(r.name)
		for _, k := range []string{lower + "\x00" + r.admin1, lower + "\x00"} {
			if _, dup := t.byName[k]; !dup { // rows are most populous first
				t.byName[k] = i
			}
		}
	}
	return t, nil
}

// areaAdmin returns the admin1 area an area code belongs to, "" when unknown.
func areaAdmin(region, code string) string {
	areasMu.Do(func() {
		areas = map[string]string{}
		err := readLines("data/areas.tsv.gz", func(f []string) error {
			if len(f) != 3 {
				return fmt.Errorf("%d fields in a row", len(f))
			}
			areas[f[0]+"\x00"+f[1]] = f[2]
			return nil
		})
		if err != nil {
			panic(fmt.Sprintf("places: embedded table areas: %v", err))
		}
	})
	return areas[region+"\x00"+code]
}

// usStates names the US states and DC by postal code.
var usStates = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
	"CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
	"HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
	"KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
	"MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
	"NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
	"ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
	"SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
	"VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}

// StateName returns the name of a US state's postal code ("TX": "Texas"), "" when unknown.
func StateName(code string) string { return usStates[strings.ToUpper(code)] }

// StateCode returns the postal code of a US state named name (ignoring
// case) or given by its code, "" when unknown.
func StateCode(name string) string {
	n := strings.TrimSpace(name)
	if _, ok := usStates[strings.ToUpper(n)]; ok {
		return strings.ToUpper(n)
	}
	for c, s := range usStates {
		if strings.EqualFold(s, n) {
			return c
		}
	}
	return ""
}

// gbNations names GB's admin1 codes.
var gbNations = map[string]string{"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}

// State returns how an address names p's first-level area: a US state's
// postal code ("TX"), a Spanish province ("Málaga"), a British nation
// ("Scotland").
func (p Place) State() string {
	switch p.Region {
	case "GB":
		return gbNations[p.Admin1]
	case "ES":
		if p.Admin2 != "" {
			return p.Admin2
		}
	}
	return p.Admin1
}
