// Command gen builds the embedded place tables of package places from the
// GeoNames and ZIP code files described in ../SOURCES.md.
//
// It is run by go generate from the package directory:
//
//	go run ./gen -src ../../../../shared/data/places
//
// and writes one gzip-compressed, tab-separated file per region into ./data
// (us.tsv.gz, gb.tsv.gz, es.tsv.gz) with the header
// "name<TAB>admin1<TAB>admin2<TAB>population<TAB>areacodes<TAB>postcodes"
// and one line per place, most populous first. Area codes and postcodes are
// lists separated by spaces. A last file, areas.tsv.gz, maps each area code
// to the admin area it serves ("US<TAB>305<TAB>FL"), for numbers whose area
// no listed place claims.
//
// The output depends only on the input files and the flags: running the
// generator twice gives identical bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

func main() {
	src := flag.String("src", "../../../../shared/data/places", "directory holding the source TSV files")
	out := flag.String("out", "data", "directory to write the table files to")
	minPop := flag.Int("min-pop", 1000, "weight given to a place GeoNames lists without a population")
	near := flag.Float64("near-km", 40, "a place without an area code of its own takes that of the nearest place within this distance")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("places/gen: ")
	g := &gen{src: *src, out: *out, minPop: *minPop, nearKm: *near}
	if err := g.run(); err != nil {
		log.Fatal(err)
	}
}

type gen struct {
	src, out string
	minPop   int
	nearKm   float64
	areas    [][3]string // region, area code, admin: for areas.tsv
}

// place is one row of an output table.
type place struct {
	name, admin1, admin2 string
	pop                  int
	lat, lon             float64
	areas                []string
	postcodes            []string
}

func (g *gen) run() error {
	if err := os.MkdirAll(g.out, 0o755); err != nil {
		return err
	}
	us, err := g.readPlaces("us_places_geonames.tsv")
	if err != nil {
		return err
	}
	if err := g.usZips(us); err != nil {
		return err
	}
	g.usAreas(us)
	if err := g.write("us.tsv.gz", us); err != nil {
		return err
	}

	gb, err := g.readPlaces("gb_places_geonames.tsv")
	if err != nil {
		return err
	}
	g.gbAreas(gb)
	g.gbPostcodes(gb)
	if err := g.write("gb.tsv.gz", gb); err != nil {
		return err
	}

	es, err := g.readPlaces("es_places_geonames.tsv")
	if err != nil {
		return err
	}
	g.esProvinces(es)
	if err := g.write("es.tsv.gz", es); err != nil {
		return err
	}
	return g.writeAreas()
}

// renames give a few places the name their residents, the post and the
// phone geocoder use, where GeoNames spells it otherwise.
var renames = map[string]string{
	"New York City\x00NY":       "New York",
	"Washington, D.C.\x00DC":    "Washington",
	"Kingston upon Hull\x00ENG": "Hull",
	"Enfield Town\x00ENG":       "Enfield",
}

// readPlaces reads a GeoNames extract: name, admin1, population, lat, lon, feature.
func (g *gen) readPlaces(file string) ([]*place, error) {
	rows, err := readTSV(filepath.Join(g.src, file), 6)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*place
	for _, r := range rows {
		pop, err1 := strconv.Atoi(r[2])
		lat, err2 := strconv.ParseFloat(r[3], 64)
		lon, err3 := strconv.ParseFloat(r[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%s: bad row %q", file, r)
		}
		if r[5] == "PPLX" || r[5] == "PPLQ" || r[5] == "PPLH" {
			continue // sections of cities and abandoned places: nobody writes them as their town
		}
		name := strings.TrimSpace(r[0])
		if n, ok := renames[name+"\x00"+r[1]]; ok {
			name = n
		}
		if name == "" || strings.ContainsAny(name, "\t\n") {
			continue
		}
		key := strings.ToLower(name) + "\x00" + r[1]
		if seen[key] {
			continue // two places of one name in one admin area: keep the first, the writer cannot tell them apart
		}
		seen[key] = true
		out = append(out, &place{name: name, admin1: r[1], pop: max(pop, g.minPop), lat: lat, lon: lon})
	}
	slices.SortStableFunc(out, func(a, b *place) int {
		if a.pop != b.pop {
			return b.pop - a.pop
		}
		return strings.Compare(a.name+a.admin1, b.name+b.admin1)
	})
	return out, nil
}

func readTSV(path string, cols int) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < cols {
			return nil, fmt.Errorf("%s: %d columns in %q", path, len(f), sc.Text())
		}
		out = append(out, f)
	}
	return out, sc.Err()
}

// km is the great-circle distance.
func km(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// byName indexes places by lower-case name and admin1 ("" admin: the most
// populous of the name).
func byName(ps []*place) map[string]*place {
	m := map[string]*place{}
	for _, p := range ps { // most populous first: the first one stays
		for _, k := range []string{strings.ToLower(p.name) + "\x00" + p.admin1, strings.ToLower(p.name) + "\x00"} {
			if m[k] == nil {
				m[k] = p
			}
		}
	}
	return m
}

// usZips gives each US place the ZIP codes of its city name and state, and
// a place with none the nearest ZIP code of its state within 15 km.
func (g *gen) usZips(ps []*place) error {
	rows, err := readTSV(filepath.Join(g.src, "us_zipcodes.tsv"), 5)
	if err != nil {
		return err
	}
	idx := byName(ps)
	type zip struct {
		code     string
		lat, lon float64
	}
	byState := map[string][]zip{}
	for _, r := range rows {
		code := r[0]
		if len(code) != 5 || strings.Trim(code, "0123456789") != "" {
			continue
		}
		lat, _ := strconv.ParseFloat(r[3], 64)
		lon, _ := strconv.ParseFloat(r[4], 64)
		byState[r[2]] = append(byState[r[2]], zip{code, lat, lon})
		if p := idx[strings.ToLower(r[1])+"\x00"+r[2]]; p != nil {
			p.postcodes = append(p.postcodes, code)
		}
	}
	missing := 0
	for _, p := range ps {
		if len(p.postcodes) > 0 {
			continue
		}
		best, bestKm := "", 15.0
		for _, z := range byState[p.admin1] {
			if d := km(p.lat, p.lon, z.lat, z.lon); d < bestKm {
				best, bestKm = z.code, d
			}
		}
		if best == "" {
			missing++
			continue
		}
		p.postcodes = []string{best}
	}
	for _, p := range ps {
		slices.Sort(p.postcodes)
		p.postcodes = slices.Compact(p.postcodes)
	}
	log.Printf("US: %d places, %d without a ZIP code", len(ps), missing)
	return nil
}

var usStates = map[string]string{
	"Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
	"Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC", "Washington D.C.": "DC", "Florida": "FL",
	"Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
	"Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI",
	"Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
	"New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
	"North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI",
	"South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
	"Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}

// usAreas asks libphonenumber's geocoder for every NANP exchange of the US
// (NPA-NXX) and gives each place the area codes whose exchanges name it;
// a place named by none takes those of the nearest named place of its state.
func (g *gen) usAreas(ps []*place) {
	idx := byName(ps)
	matched := 0
	for npa := 200; npa <= 999; npa++ {
		type hit struct {
			p    *place
			code string
		}
		var hits []hit
		states := map[string]int{}
		for nxx := 200; nxx <= 999; nxx++ {
			num, err := phonenumbers.Parse(fmt.Sprintf("+1%03d%03d4567", npa, nxx), "")
			if err != nil || phonenumbers.GetRegionCodeForNumber(num) != "US" {
				if nxx == 200 {
					break // the whole NPA is not a US geographic one
				}
				continue
			}
			geo, _ := phonenumbers.GetGeocodingForNumber(num, "en")
			if geo == "Washington D.C." {
				geo = "Washington, DC"
			}
			city, st, ok := strings.Cut(geo, ", ")
			if !ok {
				if s := usStates[geo]; s != "" {
					states[s]++
				}
				continue
			}
			states[st]++
			if p := idx[strings.ToLower(city)+"\x00"+st]; p != nil {
				hits = append(hits, hit{p, strconv.Itoa(npa)})
			}
		}
		// An area code lies in one state; the geocoder names a few exchanges
		// by a neighbouring state's city, which would tie that city to it.
		state, most := "", 0
		for s, n := range states {
			if n > most || n == most && s < state {
				state, most = s, n
			}
		}
		if state == "" {
			continue
		}
		g.areas = append(g.areas, [3]string{"US", strconv.Itoa(npa), state})
		found := false
		for _, h := range hits {
			if h.p.admin1 == state && !slices.Contains(h.p.areas, h.code) {
				h.p.areas = append(h.p.areas, h.code)
				found = true
			}
		}
		if found {
			matched++
		}
	}
	inherited := g.inherit(ps, true)
	log.Printf("US: %d area codes name a listed place; %d places take the codes of a neighbour", matched, inherited)
}

// inherit gives each place without an area code those of the nearest place
// that has one, within g.nearKm (and the same admin1 when sameAdmin).
func (g *gen) inherit(ps []*place, sameAdmin bool) int {
	var named []*place
	for _, p := range ps {
		if len(p.areas) > 0 {
			named = append(named, p)
		}
	}
	n := 0
	for _, p := range ps {
		if len(p.areas) > 0 {
			continue
		}
		var best *place
		bestKm := g.nearKm
		for _, q := range named {
			if sameAdmin && q.admin1 != p.admin1 {
				continue
			}
			if d := km(p.lat, p.lon, q.lat, q.lon); d < bestKm {
				best, bestKm = q, d
			}
		}
		if best != nil {
			p.areas = slices.Clone(best.areas)
			n++
		}
	}
	for _, p := range ps {
		slices.Sort(p.areas)
	}
	return n
}

// gbAreas asks the geocoder for every UK geographic area code (01 and 02
// numbers, codes of two to five digits after the trunk 0) and gives each
// place the codes naming it.
func (g *gen) gbAreas(ps []*place) {
	idx := byName(ps)
	seen := map[string]bool{}
	try := func(nsn string) {
		num, err := phonenumbers.Parse("+44"+nsn, "")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			return
		}
		n := phonenumbers.GetLengthOfGeographicalAreaCode(num)
		if n == 0 {
			return
		}
		code := nsn[:n]
		if seen[code] {
			return
		}
		seen[code] = true
		geo, _ := phonenumbers.GetGeocodingForNumber(num, "en")
		if p := idx[strings.ToLower(geo)+"\x00"]; p != nil && geo != "" {
			p.areas = append(p.areas, code)
			g.areas = append(g.areas, [3]string{"GB", code, p.admin1})
		}
	}
	for p := 20; p <= 29; p++ {
		try(strconv.Itoa(p) + "34567890")
	}
	for p := 1000; p <= 1999; p++ {
		try(strconv.Itoa(p) + "456789")
		for d := 0; d <= 9; d++ {
			try(strconv.Itoa(p) + strconv.Itoa(d) + "45678")
		}
	}
	inherited := g.inherit(ps, false)
	log.Printf("GB: %d area codes name a listed place; %d places take the codes of a neighbour", len(g.areasOf("GB")), inherited)
}

func (g *gen) areasOf(region string) [][3]string {
	var out [][3]string
	for _, a := range g.areas {
		if a[0] == region {
			out = append(out, a)
		}
	}
	return out
}

// gbAreaTowns are the UK postcode areas and the post town each is named
// after (Royal Mail's list). A place takes the area of the nearest of these
// towns; the towns of London's eight central areas are London itself.
var gbAreaTowns = [][2]string{
	{"AB", "Aberdeen"}, {"AL", "St Albans"}, {"B", "Birmingham"}, {"BA", "Bath"}, {"BB", "Blackburn"},
	{"BD", "Bradford"}, {"BH", "Bournemouth"}, {"BL", "Bolton"}, {"BN", "Brighton"}, {"BR", "Bromley"},
	{"BS", "Bristol"}, {"BT", "Belfast"}, {"CA", "Carlisle"}, {"CB", "Cambridge"}, {"CF", "Cardiff"},
	{"CH", "Chester"}, {"CM", "Chelmsford"}, {"CO", "Colchester"}, {"CR", "Croydon"}, {"CT", "Canterbury"},
	{"CV", "Coventry"}, {"CW", "Crewe"}, {"DA", "Dartford"}, {"DD", "Dundee"}, {"DE", "Derby"},
	{"DG", "Dumfries"}, {"DH", "Durham"}, {"DL", "Darlington"}, {"DN", "Doncaster"}, {"DT", "Dorchester"},
	{"DY", "Dudley"}, {"EH", "Edinburgh"}, {"EN", "Enfield"}, {"EX", "Exeter"}, {"FK", "Falkirk"},
	{"FY", "Blackpool"}, {"G", "Glasgow"}, {"GL", "Gloucester"}, {"GU", "Guildford"}, {"HA", "Harrow"},
	{"HD", "Huddersfield"}, {"HG", "Harrogate"}, {"HP", "Hemel Hempstead"}, {"HR", "Hereford"}, {"HS", "Stornoway"},
	{"HU", "Hull"}, {"HX", "Halifax"}, {"IG", "Ilford"}, {"IP", "Ipswich"}, {"IV", "Inverness"},
	{"KA", "Kilmarnock"}, {"KT", "Kingston upon Thames"}, {"KW", "Kirkwall"}, {"KY", "Kirkcaldy"}, {"L", "Liverpool"},
	{"LA", "Lancaster"}, {"LD", "Llandrindod Wells"}, {"LE", "Leicester"}, {"LL", "Llandudno"}, {"LN", "Lincoln"},
	{"LS", "Leeds"}, {"LU", "Luton"}, {"M", "Manchester"}, {"ME", "Rochester"}, {"MK", "Milton Keynes"},
	{"ML", "Motherwell"}, {"NE", "Newcastle upon Tyne"}, {"NG", "Nottingham"}, {"NN", "Northampton"}, {"NP", "Newport"},
	{"NR", "Norwich"}, {"OL", "Oldham"}, {"OX", "Oxford"}, {"PA", "Paisley"}, {"PE", "Peterborough"},
	{"PH", "Perth"}, {"PL", "Plymouth"}, {"PO", "Portsmouth"}, {"PR", "Preston"}, {"RG", "Reading"},
	{"RH", "Redhill"}, {"RM", "Romford"}, {"S", "Sheffield"}, {"SA", "Swansea"}, {"SG", "Stevenage"},
	{"SK", "Stockport"}, {"SL", "Slough"}, {"SM", "Sutton"}, {"SN", "Swindon"}, {"SO", "Southampton"},
	{"SP", "Salisbury"}, {"SR", "Sunderland"}, {"SS", "Southend-on-Sea"}, {"ST", "Stoke-on-Trent"}, {"SY", "Shrewsbury"},
	{"TA", "Taunton"}, {"TD", "Galashiels"}, {"TF", "Telford"}, {"TN", "Tonbridge"}, {"TQ", "Torquay"},
	{"TR", "Truro"}, {"TS", "Middlesbrough"}, {"TW", "Twickenham"}, {"UB", "Southall"}, {"WA", "Warrington"},
	{"WD", "Watford"}, {"WF", "Wakefield"}, {"WN", "Wigan"}, {"WR", "Worcester"}, {"WS", "Walsall"},
	{"WV", "Wolverhampton"}, {"YO", "York"}, {"ZE", "Lerwick"},
}

// londonDistricts are the outward codes of London's central areas.
var londonDistricts = map[string]int{"E": 18, "EC": 4, "N": 22, "NW": 11, "SE": 28, "SW": 20, "W": 14, "WC": 2}

// gbPostcodes gives each place an outward code: the area of the nearest area
// town, and a district number that grows with the distance from that town
// (districts are numbered outward from the post town in most areas). London
// gets every district of its central areas.
func (g *gen) gbPostcodes(ps []*place) {
	idx := byName(ps)
	type town struct {
		area string
		p    *place
	}
	var towns []town
	for _, at := range gbAreaTowns {
		p := idx[strings.ToLower(at[1])+"\x00"]
		if p == nil {
			log.Printf("GB: post town %s (%s) is not among the places", at[1], at[0])
			continue
		}
		towns = append(towns, town{at[0], p})
	}
	members := map[string][]*place{}
	dist := map[*place]float64{}
	for _, p := range ps {
		if p.name == "London" && p.admin1 == "ENG" {
			for _, a := range slices.Sorted(mapsKeys(londonDistricts)) {
				for d := 1; d <= londonDistricts[a]; d++ {
					p.postcodes = append(p.postcodes, a+strconv.Itoa(d))
				}
			}
			continue
		}
		best, bestKm := "", math.Inf(1)
		for _, t := range towns {
			if d := km(p.lat, p.lon, t.p.lat, t.p.lon); d < bestKm {
				best, bestKm = t.area, d
			}
		}
		members[best] = append(members[best], p)
		dist[p] = bestKm
	}
	for area, m := range members {
		slices.SortStableFunc(m, func(a, b *place) int { return cmpFloat(dist[a], dist[b]) })
		k := min(len(m), 30)
		for i, p := range m {
			p.postcodes = []string{area + strconv.Itoa(1+i*k/len(m))}
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// esCommunities names GeoNames' admin1 codes of Spain, and lists the
// provinces of each: postal prefix, name, and the capital's position.
var esCommunities = map[string]struct {
	name      string
	provinces []esProvince
}{
	"51": {"Andalucía", []esProvince{{"04", "Almería", 36.84, -2.46}, {"11", "Cádiz", 36.53, -6.29}, {"14", "Córdoba", 37.89, -4.78}, {"18", "Granada", 37.18, -3.60}, {"21", "Huelva", 37.26, -6.95}, {"23", "Jaén", 37.77, -3.79}, {"29", "Málaga", 36.72, -4.42}, {"41", "Sevilla", 37.39, -5.98}}},
	"52": {"Aragón", []esProvince{{"22", "Huesca", 42.14, -0.41}, {"44", "Teruel", 40.34, -1.11}, {"50", "Zaragoza", 41.65, -0.88}}},
	"34": {"Asturias", []esProvince{{"33", "Asturias", 43.36, -5.85}}},
	"07": {"Illes Balears", []esProvince{{"07", "Illes Balears", 39.57, 2.65}}},
	"53": {"Canarias", []esProvince{{"35", "Las Palmas", 28.10, -15.41}, {"38", "Santa Cruz de Tenerife", 28.47, -16.25}}},
	"39": {"Cantabria", []esProvince{{"39", "Cantabria", 43.46, -3.80}}},
	"54": {"Castilla-La Mancha", []esProvince{{"02", "Albacete", 38.99, -1.86}, {"13", "Ciudad Real", 38.99, -3.93}, {"16", "Cuenca", 40.07, -2.14}, {"19", "Guadalajara", 40.63, -3.17}, {"45", "Toledo", 39.86, -4.03}}},
	"55": {"Castilla y León", []esProvince{{"05", "Ávila", 40.66, -4.70}, {"09", "Burgos", 42.34, -3.70}, {"24", "León", 42.60, -5.57}, {"34", "Palencia", 42.01, -4.53}, {"37", "Salamanca", 40.97, -5.66}, {"40", "Segovia", 40.95, -4.12}, {"42", "Soria", 41.76, -2.47}, {"47", "Valladolid", 41.65, -4.72}, {"49", "Zamora", 41.50, -5.75}}},
	"56": {"Cataluña", []esProvince{{"08", "Barcelona", 41.39, 2.17}, {"17", "Girona", 41.98, 2.82}, {"25", "Lleida", 41.62, 0.62}, {"43", "Tarragona", 41.12, 1.25}}},
	"60": {"Comunidad Valenciana", []esProvince{{"03", "Alicante", 38.35, -0.48}, {"12", "Castellón", 39.99, -0.05}, {"46", "Valencia", 39.47, -0.38}}},
	"57": {"Extremadura", []esProvince{{"06", "Badajoz", 38.88, -6.97}, {"10", "Cáceres", 39.48, -6.37}}},
	"58": {"Galicia", []esProvince{{"15", "A Coruña", 43.37, -8.40}, {"27", "Lugo", 43.01, -7.56}, {"32", "Ourense", 42.34, -7.86}, {"36", "Pontevedra", 42.43, -8.65}}},
	"29": {"Comunidad de Madrid", []esProvince{{"28", "Madrid", 40.42, -3.70}}},
	"31": {"Región de Murcia", []esProvince{{"30", "Murcia", 37.99, -1.13}}},
	"32": {"Navarra", []esProvince{{"31", "Navarra", 42.82, -1.64}}},
	"59": {"País Vasco", []esProvince{{"01", "Álava", 42.85, -2.67}, {"20", "Gipuzkoa", 43.32, -1.98}, {"48", "Bizkaia", 43.26, -2.93}}},
	"27": {"La Rioja", []esProvince{{"26", "La Rioja", 42.47, -2.45}}},
	"CE": {"Ceuta", []esProvince{{"51", "Ceuta", 35.89, -5.32}}},
	"ML": {"Melilla", []esProvince{{"52", "Melilla", 35.29, -2.94}}},
}

type esProvince struct {
	code, name string
	lat, lon   float64
}

// esProvinces names each Spanish place's community (admin1) and province
// (admin2, the one of the nearest provincial capital of its community), and
// gives it postcodes of its province: the capital the first fifty of its
// city codes, every other place one code, numbered outward from the capital.
func (g *gen) esProvinces(ps []*place) {
	members := map[string][]*place{}
	dist := map[*place]float64{}
	for _, p := range ps {
		c, ok := esCommunities[p.admin1]
		if !ok {
			log.Printf("ES: unknown community %q of %s", p.admin1, p.name)
			continue
		}
		best, bestKm := c.provinces[0], math.Inf(1)
		for _, pr := range c.provinces {
			if d := km(p.lat, p.lon, pr.lat, pr.lon); d < bestKm {
				best, bestKm = pr, d
			}
		}
		p.admin1, p.admin2 = c.name, best.name
		members[best.code] = append(members[best.code], p)
		dist[p] = bestKm
	}
	for code, m := range members {
		slices.SortStableFunc(m, func(a, b *place) int { return cmpFloat(dist[a], dist[b]) })
		for i, p := range m {
			if i == 0 && dist[p] < 10 {
				for d := 1; d <= 50; d++ {
					p.postcodes = append(p.postcodes, fmt.Sprintf("%s%03d", code, d))
				}
				continue
			}
			// Spread the rest over 100..899 by rank; a hash of the name breaks
			// the tie between neighbours, so codes do not run in steps of one.
			h := fnv.New32a()
			h.Write([]byte(p.name))
			n := 100 + i*790/len(m) + int(h.Sum32()%10)
			p.postcodes = []string{fmt.Sprintf("%s%03d", code, n)}
		}
	}
}

func (g *gen) write(file string, ps []*place) error {
	var b bytes.Buffer
	b.WriteString("name\tadmin1\tadmin2\tpopulation\tareacodes\tpostcodes\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%d\t%s\t%s\n", p.name, p.admin1, p.admin2, p.pop,
			strings.Join(p.areas, " "), strings.Join(p.postcodes, " "))
	}
	return writeGz(filepath.Join(g.out, file), b.Bytes())
}

func (g *gen) writeAreas() error {
	slices.SortFunc(g.areas, func(a, b [3]string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) })
	g.areas = slices.Compact(g.areas)
	var b bytes.Buffer
	b.WriteString("region\tareacode\tadmin\n")
	for _, a := range g.areas {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", a[0], a[1], a[2])
	}
	return writeGz(filepath.Join(g.out, "areas.tsv.gz"), b.Bytes())
}

// writeGz writes data gzip-compressed, with no name or time in the header,
// so the bytes depend on data alone.
func writeGz(path string, data []byte) error {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
