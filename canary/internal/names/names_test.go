package names

import (
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/names/internal/casing"
)

// tables lists every table.
var tables = []*table{usGivenF, usGivenM, gbGivenF, gbGivenM, esGivenF, esGivenM, census, esFamily1, esFamily2}

func newRand(seed uint64) *rand.Rand {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.New(rand.NewChaCha8(s))
}

func TestSpanishCasing(t *testing.T) {
	cases := []struct {
		in     string
		kind   casing.Kind
		want   string
		reason string
	}{
		{"GARCIA", casing.Surname, "García", "listed word: the INE drops the accent"},
		{"RODRIGUEZ", casing.Surname, "Rodríguez", "-ez patronymic: accent on the second-to-last syllable, silent u in -guez"},
		{"GUTIERREZ", casing.Surname, "Gutiérrez", "-ez rule: accent on the strong vowel of the diphthong ie"},
		{"SUAREZ", casing.Surname, "Suárez", "-ez rule: diphthong ua takes the accent on a"},
		{"SAEZ", casing.Surname, "Sáez", "-ez rule: a-e is a hiatus, so two syllables"},
		{"VAZQUEZ", casing.Surname, "Vázquez", "-ez rule: u of -quez is silent"},
		{"ALVAREZ", casing.Surname, "Álvarez", "stressed on the third-to-last syllable: listed, the rule would be wrong"},
		{"JEREZ", casing.Surname, "Jerez", "stressed on the last syllable: listed as taking no accent"},
		{"MUÑOZ", casing.Surname, "Muñoz", "ñ kept, no accent needed"},
		{"CALDERON", casing.Surname, "Calderón", "-on surnames are stressed on the last syllable"},
		{"LEON", casing.Surname, "León", "e-o hiatus: two syllables, accent on o"},
		{"WILSON", casing.Surname, "Wilson", "foreign -son surname is left alone"},
		{"HAMILTON", casing.Surname, "Hamilton", "foreign -lton surname is left alone"},
		{"PARRAMON", casing.Surname, "Parramon", "Catalan -on surname takes no accent"},
		{"HAFEEZ", casing.Surname, "Hafeez", "foreign -ez surname is left alone"},
		{"DE LA FUENTE", casing.Surname, "De La Fuente", "particles opening a surname keep their capital"},
		{"DEL RIO", casing.Surname, "Del Río", "opening particle, accented noun"},
		{"MUÑOZ DE LEON", casing.Surname, "Muñoz de León", "particle inside a compound surname is lower case"},
		{"ORTEGA Y GASSET", casing.Surname, "Ortega y Gasset", "conjunction y inside a compound is lower case"},
		{"PEREIRA DA SILVA", casing.Surname, "Pereira da Silva", "Portuguese particle inside a compound is lower case"},
		{"SANCHEZ-CAMARA", casing.Surname, "Sánchez-Cámara", "each part of a hyphenated surname is cased and accented"},
		{"O'BRIEN", casing.Surname, "O'Brien", "capital after O'"},
		{"O'HANLON", casing.Surname, "O'Hanlon", "no Spanish accent rule after O'"},
		{"D'ANGELO", casing.Surname, "D'Angelo", "capital after an opening D'"},
		{"N'DIAYE", casing.Surname, "N'Diaye", "capital after N'"},
		{"EXPOSITO", casing.Surname, "Expósito", "listed word"},
		{"JULIA", casing.Surname, "Juliá", "the surname has an accent"},
		{"JULIA", casing.Given, "Julia", "the given name has none"},
		{"MARIA CARMEN", casing.Given, "María Carmen", "compound given name"},
		{"MARIA DEL CARMEN", casing.Given, "María del Carmen", "particle inside a given name is lower case"},
		{"MARIA DE LOS ANGELES", casing.Given, "María de los Ángeles", "particles and a capital accented letter"},
		{"JOSE MARIA", casing.Given, "José María", "both words accented"},
		{"JOSEP MARIA", casing.Given, "Josep Maria", "Catalan compound: Maria takes no accent"},
		{"MARIA DOLORS", casing.Given, "Maria Dolors", "Catalan compound marked by Dolors"},
		{"FRANCESC D'ASSIS", casing.Given, "Francesc d'Assis", "elided Catalan particle inside a name is lower case"},
		{"M'HAMED", casing.Given, "M'Hamed", "capital after M'"},
		{"CONCEPCION", casing.Given, "Concepción", "-ción is always stressed on the last syllable"},
		{"PRESENTACION", casing.Given, "Presentación", "-ción rule on an unlisted name"},
		{"WILSON", casing.Given, "Wilson", "the -on rule is for surnames only"},
		{"LLUISA", casing.Given, "Lluïsa", "Catalan diaeresis"},
		{"XOSE", casing.Given, "Xosé", "Galician spelling"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			assert.Equal(t, c.want, casing.Spanish(c.in, c.kind), c.reason)
		})
	}
}

func TestInnerSurname(t *testing.T) {
	cases := []struct{ in, want, reason string }{
		{"De La Fuente", "de la Fuente", "opening particles go to lower case after another name"},
		{"Del Río", "del Río", "single opening particle"},
		{"Muñoz de León", "Muñoz de León", "no opening particle: unchanged"},
		{"García", "García", "simple surname: unchanged"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, casing.Inner(c.in), c.reason)
	}
}

func TestCensusCasing(t *testing.T) {
	all := []string{"SMITH", "MCDONALD", "MACDONALD", "MCLEOD", "MACLEOD", "MACHADO", "MACKEY", "MCKEY", "MACOMBER", "MCOMBER", "OBRIEN", "ODELL", "DANGELO", "DAVIS", "OSHEA", "OHANLON"}
	c := casing.NewCensus(all, []string{"O'HANLON"})
	cases := []struct{ in, want, reason string }{
		{"SMITH", "Smith", "plain title case"},
		{"MCDONALD", "McDonald", "Mc always takes a capital after it"},
		{"MACDONALD", "MacDonald", "Mac with a Mc twin in the data is a Gaelic patronymic"},
		{"MACLEOD", "MacLeod", "same"},
		{"MACHADO", "Machado", "no MCHADO in the data: Portuguese, not Mac-"},
		{"MACKEY", "Mackey", "root too short: usually written Mackey"},
		{"MACOMBER", "Macomber", "listed plain spelling despite a Mc twin"},
		{"OBRIEN", "O'Brien", "Irish O' restored from the built-in list"},
		{"OHANLON", "O'Hanlon", "O' restored from another source's spelling"},
		{"OSHEA", "O'Shea", "built-in list"},
		{"ODELL", "Odell", "English surname: no apostrophe"},
		{"DANGELO", "D'Angelo", "Italian D' restored"},
		{"DAVIS", "Davis", "not a D' name"},
	}
	for _, x := range cases {
		assert.Equal(t, x.want, c.Name(x.in), x.reason)
	}
}

func TestPublishedCasing(t *testing.T) {
	cases := []struct{ in, want, reason string }{
		{"Mary", "Mary", "already natural"},
		{"Ellie-may", "Ellie-May", "each part of a hyphenated name"},
		{"O'neil", "O'Neil", "capital after O'"},
		{"D'arcy", "D'Arcy", "capital after D'"},
		{"A'isha", "A'isha", "Arabic transliteration kept as published"},
		{"may", "May", "published all in lower case"},
		{"DeShawn", "DeShawn", "inner capital kept"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, casing.Published(c.in), c.reason)
	}
}

func TestValidName(t *testing.T) {
	cases := []struct {
		in     string
		want   bool
		reason string
	}{
		{"García", true, "accented letters are letters"},
		{"O'Brien", true, "apostrophe between letters"},
		{"María del Carmen", true, "single spaces"},
		{"Ellie-", false, "ends with a hyphen (truncated source entry)"},
		{"-------", false, "no letters"},
		{"Md.", false, "abbreviation"},
		{"t", false, "single letter"},
		{"de la Fuente", false, "must start with a capital"},
		{"Ana  María", false, "double space"},
		{"\xff\xfe", false, "invalid UTF-8"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, casing.Valid(c.in), c.reason)
	}
}

func TestEmbeddedTables(t *testing.T) {
	var size int64
	require.NoError(t, fs.WalkDir(files, "data", func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			info, err := d.Info()
			require.NoError(t, err)
			size += info.Size()
		}
		return nil
	}))
	assert.Less(t, size, int64(2<<20), "embedded data must stay under 2 MB")

	entries, err := files.ReadDir("data")
	require.NoError(t, err)
	var embedded, used []string
	for _, e := range entries {
		embedded = append(embedded, e.Name())
	}
	for _, tb := range tables {
		used = append(used, tb.file+".tsv.gz")
	}
	assert.ElementsMatch(t, used, embedded, "every embedded file is a table the package uses")

	minNames := map[string]int{
		"us_given_f": 900, "us_given_m": 500, "gb_given_f": 400, "gb_given_m": 150,
		"es_given_f": 600, "es_given_m": 600, "census_family": 50000,
		"es_family_first": 20000, "es_family_second": 12000,
	}
	for _, tb := range tables {
		t.Run(tb.file, func(t *testing.T) {
			require.NotPanics(t, func() { tb.load() })
			require.NotEmpty(t, tb.cols)
			require.Len(t, tb.cols, len(tb.labels))
			if tb.decades != nil {
				for i := 1; i < len(tb.decades); i++ {
					assert.Equal(t, tb.decades[i-1]+10, tb.decades[i], "decades are consecutive")
				}
			}
			for i, c := range tb.cols {
				assert.GreaterOrEqual(t, len(c.entries), minNames[tb.file], "column %s", tb.labels[i])
				seen := map[string]bool{}
				for j, e := range c.entries {
					n := c.name(e)
					assert.True(t, utf8.ValidString(n), "valid UTF-8: %q", n)
					assert.NotEmpty(t, n)
					assert.Equal(t, strings.TrimSpace(n), n, "no outer spaces: %q", n)
					if tb != esFamily2 { // second surnames may open with "de la"
						assert.True(t, casing.Valid(n), "well-formed name: %q", n)
					}
					assert.False(t, seen[n], "duplicate %q", n)
					seen[n] = true
					if j > 0 {
						require.Greater(t, e.cum, c.entries[j-1].cum, "cumulative weights strictly increase (%s)", n)
					} else {
						require.Positive(t, e.cum)
					}
				}
				// The guide table brackets every bucket correctly.
				require.Equal(t, uint32(len(c.entries)-1), c.guide[len(c.guide)-1])
				for k := 0; k+1 < len(c.guide); k++ {
					lo, hi := c.guide[k], c.guide[k+1]
					require.LessOrEqual(t, lo, hi)
					u := uint64(k) << c.shift
					require.Greater(t, uint64(c.entries[lo].cum), u, "guide[%d] reaches past the bucket start", k)
					if lo > 0 {
						require.LessOrEqual(t, uint64(c.entries[lo-1].cum), u, "guide[%d] is the first entry", k)
					}
				}
			}
		})
	}
}

func TestGivenNeverEmpty(t *testing.T) {
	r := newRand(1)
	for _, reg := range Regions() {
		for _, sex := range []Sex{Female, Male, 0, 7} {
			for year := 1880; year <= 2040; year += 3 {
				assert.NotEmpty(t, Given(r, reg, sex, year), "%s %d %d", reg, sex, year)
			}
		}
		assert.NotEmpty(t, Family(r, reg))
	}
	assert.Empty(t, Given(r, "FR", Female, 1980), "unknown region")
	assert.Empty(t, Family(r, "gb"), "region codes are upper case")
	assert.Equal(t, []string{"US", "GB", "ES"}, Regions())
}

func TestDeterminism(t *testing.T) {
	draw := func(seed uint64) []string {
		r := newRand(seed)
		var out []string
		for i := range 300 {
			reg := Regions()[i%3]
			y := BirthYear(r, reg, 2026)
			out = append(out, Given(r, reg, Sex(1+i%2), y), Family(r, reg), strconv.Itoa(y))
		}
		return out
	}
	assert.Equal(t, draw(42), draw(42), "same seed, same names")
	assert.NotEqual(t, draw(42), draw(43), "another seed, other names")
}

// share counts how often each value comes up in n draws.
func share(n int, draw func() string) map[string]float64 {
	counts := map[string]float64{}
	for range n {
		counts[draw()]++
	}
	for k := range counts {
		counts[k] /= float64(n)
	}
	return counts
}

func top(m map[string]float64) string {
	best, bestV := "", -1.0
	for k, v := range m {
		if v > bestV || (v == bestV && k < best) {
			best, bestV = k, v
		}
	}
	return best
}

func TestUSSurnameFrequency(t *testing.T) {
	const n = 200_000
	r := newRand(7)
	s := share(n, func() string { return Family(r, "US") })
	assert.Equal(t, "Smith", top(s))
	// Census 2000: 2,376,206 Smiths of 242,121,073 (0.981%). The table keeps
	// 95% of the mass, which scales every share by 1/0.95.
	want := 2376206.0 / 242121073 / 0.95
	assert.InDelta(t, want, s["Smith"], want*0.07, "Smith share")
	assert.Greater(t, s["Johnson"], s["Garcia"])
	assert.Greater(t, s["Garcia"], 0.0, "Hispanic surnames are part of the US table")
}

func TestGBSurnames(t *testing.T) {
	r := newRand(8)
	s := share(100_000, func() string { return Family(r, "GB") })
	assert.Equal(t, "Smith", top(s))
	assert.Zero(t, s["Garcia"], "mostly-Hispanic surnames are dropped from the GB approximation")
	assert.Zero(t, s["Nguyen"], "mostly-Asian surnames are dropped")
	assert.Greater(t, s["Jones"], 0.004)
	assert.False(t, KnownFamily("GB", "Garcia"))
	assert.True(t, KnownFamily("US", "Garcia"))
}

func TestGBGivenFromTables(t *testing.T) {
	r := newRand(9)
	for i := range 20_000 {
		year := 1940 + i%70
		n := Given(r, "GB", Sex(1+i%2), year)
		require.True(t, KnownGiven("GB", n), "%q drawn for GB", n)
	}
	// 2000s births: the English and Welsh register dominates.
	s := share(50_000, func() string { return Given(r, "GB", Male, 2003) })
	assert.Contains(t, []string{"Jack", "Thomas", "Joshua", "James"}, top(s))
	// 1970s and earlier: Scottish 1970s names.
	s = share(50_000, func() string { return Given(r, "GB", Male, 1950) })
	assert.Contains(t, []string{"David", "John", "James", "Andrew"}, top(s))
}

func TestUSGivenByDecade(t *testing.T) {
	r := newRand(10)
	old := share(50_000, func() string { return Given(r, "US", Female, 1935) })
	young := share(50_000, func() string { return Given(r, "US", Female, 2005) })
	assert.Equal(t, "Mary", top(old))
	assert.Greater(t, old["Mary"], 5*young["Mary"])
	assert.Greater(t, young["Emily"], 5*old["Emily"])
	before := share(20_000, func() string { return Given(r, "US", Female, 1901) })
	assert.Equal(t, "Mary", top(before), "years before 1930 use the 1930s table")
}

func TestSpanishGivenByAge(t *testing.T) {
	r := newRand(11)
	older := []string{"María", "Carmen", "Josefa", "Dolores", "Antonia", "Francisca", "Pilar", "Concepción",
		"José", "Antonio", "Manuel", "Francisco", "Juan", "Ramón", "María Carmen"}
	younger := []string{"Lucía", "Paula", "Laura", "Sara", "Alba", "Andrea", "Marta", "Cristina",
		"Alejandro", "Pablo", "Daniel", "David", "Adrián", "Sergio", "Javier", "Álvaro", "Iván"}
	sum := func(m map[string]float64, keys []string) (s float64) {
		for _, k := range keys {
			s += m[k]
		}
		return s
	}
	for _, sex := range []Sex{Female, Male} {
		s45 := share(50_000, func() string { return Given(r, "ES", sex, 1945) })
		s95 := share(50_000, func() string { return Given(r, "ES", sex, 1995) })
		assert.Greater(t, sum(s45, older), 2*sum(s95, older), "sex %d: older names more common for 1945", sex)
		assert.Greater(t, sum(s95, younger), 2*sum(s45, younger), "sex %d: younger names more common for 1995", sex)
	}
}

func TestSpanishFamilyHasTwoSurnames(t *testing.T) {
	r := newRand(12)
	first := map[string]bool{}
	firstCol := esFamily1.load().column("first")
	for _, e := range firstCol.entries {
		first[firstCol.name(e)] = true
	}
	second := map[string]bool{}
	secondCol := esFamily2.load().column("second")
	for _, e := range secondCol.entries {
		second[secondCol.name(e)] = true
	}
	garcia := 0
	const n = 50_000
	for range n {
		f := Family(r, "ES")
		ok := false
		for i := range len(f) {
			if f[i] == ' ' && first[f[:i]] && second[f[i+1:]] {
				ok = true
				break
			}
		}
		require.True(t, ok, "%q is a first surname, a space and a second surname", f)
		require.True(t, KnownFamily("ES", f))
		if strings.HasPrefix(f, "García ") {
			garcia++
		}
	}
	// INE: 1,484,607 of 45,073,479 first surnames are García (3.29%).
	want := 1484607.0 / 45073479 / 0.95
	assert.InDelta(t, want, float64(garcia)/n, want*0.1)
}

func TestFamilyParts(t *testing.T) {
	for _, reg := range Regions() {
		r1, r2 := newRand(15), newRand(15)
		for range 1000 {
			first, second := FamilyParts(r1, reg)
			want := first
			if reg == "ES" {
				require.NotEmpty(t, second)
				want += " " + second
			} else {
				require.Empty(t, second)
			}
			require.Equal(t, Family(r2, reg), want, "FamilyParts and Family use the same randomness")
		}
	}
	r := newRand(16)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { FamilyParts(r, "ES") }))
	first, second := FamilyParts(r, "XX")
	assert.Empty(t, first+second)
}

func TestBirthYear(t *testing.T) {
	r := newRand(13)
	years := map[string]map[int]int{}
	const n = 100_000
	for _, reg := range append(Regions(), "XX") {
		years[reg] = map[int]int{}
		for range n {
			y := BirthYear(r, reg, 2026)
			years[reg][y]++
		}
	}
	within := func(reg string, lo, hi int) {
		for y := range years[reg] {
			require.True(t, y >= lo && y <= hi, "%s: %d outside %d..%d", reg, y, lo, hi)
		}
	}
	within("US", 2026-85, 2026-18)
	within("ES", 2026-85, 2026-18)
	within("GB", 1964, 2026-18)
	within("XX", 2026-85, 2026-18)
	// Flat from 25 to 65: ages 30 and 60 about equally likely.
	assert.InEpsilon(t, float64(years["US"][1996]), float64(years["US"][1966]), 0.15)
	// Tails: 84-year-olds much rarer than 40-year-olds.
	assert.Less(t, years["US"][1942]*4, years["US"][1986])
	// No pile-up where GB years are cut off.
	assert.InEpsilon(t, float64(years["GB"][1965]), float64(years["GB"][1964]), 0.2)
	// Data years out of reach: clamped.
	assert.Equal(t, 2009, BirthYear(r, "US", 2200))
	assert.Equal(t, 1930, BirthYear(r, "US", 1900))
}

func TestKnown(t *testing.T) {
	cases := []struct {
		region, name string
		given, want  bool
		reason       string
	}{
		{"ES", "María", true, true, "exact"},
		{"ES", "MARIA", true, true, "case and accents ignored"},
		{"ES", "josé luis", true, true, "compound given name"},
		{"US", "Mary", true, true, "SSA name"},
		{"GB", "Chloe", true, true, "ONS name"},
		{"US", "Xyzzyq", true, false, "not a name"},
		{"FR", "Marie", true, false, "unknown region"},
		{"US", "o'brien", false, true, "apostrophe restored in the table"},
		{"US", "McDonald", false, true, "Mc name"},
		{"ES", "García López", false, true, "first and second surname"},
		{"ES", "garcia de la fuente", false, true, "second surname with particles"},
		{"ES", "De La Fuente", false, true, "surname on its own"},
		{"ES", "García Xyzzyq", false, false, "second part unknown"},
		{"GB", "Smith", false, true, "GB approximation"},
	}
	for _, c := range cases {
		got := KnownFamily(c.region, c.name)
		if c.given {
			got = KnownGiven(c.region, c.name)
		}
		assert.Equal(t, c.want, got, "%s %q: %s", c.region, c.name, c.reason)
	}
}

func TestNoAllocs(t *testing.T) {
	r := newRand(14)
	for _, reg := range Regions() {
		Given(r, reg, Female, 1980)
		Family(r, reg)
		assert.Zero(t, testing.AllocsPerRun(1000, func() { Given(r, reg, Female, 1980) }), "Given %s", reg)
		assert.Zero(t, testing.AllocsPerRun(1000, func() { BirthYear(r, reg, 2026) }), "BirthYear %s", reg)
		if reg != "ES" {
			assert.Zero(t, testing.AllocsPerRun(1000, func() { Family(r, reg) }), "Family %s", reg)
		}
	}
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { Family(r, "ES") }), 1.0, "ES joins two surnames")
}

func BenchmarkGiven(b *testing.B) {
	for _, reg := range Regions() {
		b.Run(reg, func(b *testing.B) {
			r := newRand(1)
			Given(r, reg, Female, 1980)
			years := []int{1950, 1965, 1980, 1995}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				Given(r, reg, Sex(1+i&1), years[i&3])
			}
		})
	}
}

func BenchmarkFamily(b *testing.B) {
	for _, reg := range Regions() {
		b.Run(reg, func(b *testing.B) {
			r := newRand(1)
			Family(r, reg)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Family(r, reg)
			}
		})
	}
}

func BenchmarkFamilyParts(b *testing.B) {
	r := newRand(1)
	FamilyParts(r, "ES")
	b.ReportAllocs()
	for b.Loop() {
		FamilyParts(r, "ES")
	}
}

func BenchmarkBirthYear(b *testing.B) {
	r := newRand(1)
	b.ReportAllocs()
	for b.Loop() {
		BirthYear(r, "GB", 2026)
	}
}

func TestShares(t *testing.T) {
	smith, rare := FamilyShare("US", "SMITH"), FamilyShare("US", "Zzyzxqv")
	if smith < 0.005 || smith > 0.02 {
		t.Errorf("FamilyShare(US, SMITH) = %v, want about 0.008 (Census 2000)", smith)
	}
	if rare != 0 {
		t.Errorf("FamilyShare of a made-up name = %v, want 0", rare)
	}
	if j, z := GivenShare("US", "james"), GivenShare("US", "Zebedee"); j <= z || j < 0.005 {
		t.Errorf("GivenShare(US): james %v, Zebedee %v: want james common and more common", j, z)
	}
	if GivenShare("XX", "James") != 0 || FamilyShare("XX", "Smith") != 0 {
		t.Error("an unknown region has shares")
	}
}
