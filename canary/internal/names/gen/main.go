// Command gen builds the embedded name-frequency tables of package names
// from the source CSV files described in ../SOURCES.md.
//
// It is run by go generate from the package directory:
//
//	go run ./gen -src ../../../../shared/data/names
//
// and writes one gzip-compressed, tab-separated file per table into ./data.
// Each file starts with a header line "name<TAB>label..." naming its weight
// columns (birth decades such as 1930, or "US"/"GB"/"first"/"second"),
// followed by one line per name: the name in natural case and one integer
// weight per column, 0 where the name is not part of that column. Within a
// column only the most frequent names are kept, enough to cover -cover of
// the column's population mass and no more than -max-rows of them.
//
// The output depends only on the input files and the flags: running the
// generator twice gives identical bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/honeyseed/honeyseed/canary/internal/names/internal/casing"
)

type options struct {
	src, out     string
	cover        float64
	maxRows      int
	esSigma      float64
	esRefYear    int
	gbMaxHispAPI float64
	gbMinWhite   float64
	casingReport string
}

func main() {
	var o options
	flag.StringVar(&o.src, "src", "../../../../shared/data/names", "directory holding the source CSV files")
	flag.StringVar(&o.out, "out", "data", "directory to write the table files to")
	flag.Float64Var(&o.cover, "cover", 0.95, "share of each column's population mass to keep, most frequent names first")
	flag.IntVar(&o.maxRows, "max-rows", 80000, "most names kept in one column")
	flag.Float64Var(&o.esSigma, "es-sigma", 12, "spread in years of a Spanish given name's age around its INE mean age")
	flag.IntVar(&o.esRefYear, "es-ref-year", 2012, "year the INE mean ages refer to")
	flag.Float64Var(&o.gbMaxHispAPI, "gb-max-hisp-api", 50, "GB surnames: drop census names whose pcthispanic+pctapi is at least this")
	flag.Float64Var(&o.gbMinWhite, "gb-min-pctwhite", 0, "GB surnames: drop census names whose pctwhite is below this")
	flag.StringVar(&o.casingReport, "casing-report", "", "if set, write every source spelling and its natural-case form to this file, for review")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("names/gen: ")
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// table is a set of weight columns over one list of names.
type table struct {
	file   string
	labels []string
	w      map[string][]float64 // name -> one weight per label
}

func newTable(file string, labels ...string) *table {
	return &table{file: file, labels: labels, w: map[string][]float64{}}
}

func (t *table) add(name string, col int, w float64) {
	ws := t.w[name]
	if ws == nil {
		ws = make([]float64, len(t.labels))
		t.w[name] = ws
	}
	ws[col] += w
}

var casings [][2]string // source spelling, natural case; for -casing-report

func cased(src, natural string) string {
	casings = append(casings, [2]string{src, natural})
	return natural
}

func run(o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	var tables []*table
	for _, build := range []func(options) ([]*table, error){buildUS, buildGB, buildES, buildCensus} {
		ts, err := build(o)
		if err != nil {
			return err
		}
		tables = append(tables, ts...)
	}
	total := 0
	for _, t := range tables {
		n, err := write(o, t)
		if err != nil {
			return fmt.Errorf("%s: %w", t.file, err)
		}
		total += n
	}
	log.Printf("%d tables, %d bytes in %s", len(tables), total, o.out)
	if o.casingReport != "" {
		slices.SortFunc(casings, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		casings = slices.Compact(casings)
		var b bytes.Buffer
		for _, c := range casings {
			fmt.Fprintf(&b, "%s\t%s\n", c[0], c[1])
		}
		return os.WriteFile(o.casingReport, b.Bytes(), 0o644)
	}
	return nil
}

var decades = []string{"1930", "1940", "1950", "1960", "1970", "1980", "1990", "2000"}

// buildUS reads the SSA given names by decade.
func buildUS(o options) ([]*table, error) {
	f, m := newTable("us_given_f", decades...), newTable("us_given_m", decades...)
	err := readCSV(o, "us_ssa_first_names_by_decade.csv", []string{"decade", "sex", "name", "count"}, func(r []string) error {
		col := slices.Index(decades, r[0])
		if col < 0 {
			return fmt.Errorf("unexpected decade %q", r[0])
		}
		t, err := bySex(r[1], f, m)
		if err != nil {
			return err
		}
		n, err := count(r[3])
		if err != nil {
			return err
		}
		name := cased(r[2], casing.Published(r[2]))
		if casing.Valid(name) {
			t.add(name, col, n)
		}
		return nil
	})
	return []*table{f, m}, err
}

// Nation shares of the UK population, used to weight the three registers.
var nationShare = map[string]float64{"EW": 0.89, "SCT": 0.08, "NI": 0.03}

// gbDecades are the birth decades of the GB given-name tables. 1970 and 1980
// have Scottish data only; 1990 and 2000 combine all three nations. The
// names package uses the 1970 column for every earlier birth year.
var gbDecades = []string{"1970", "1980", "1990", "2000"}

// buildGB reads the UK first names by nation and decade and mixes the nations
// by population share: within a decade each nation's counts are turned into
// shares of its own births and weighted by nationShare, renormalised over
// the nations that have data for that decade.
func buildGB(o options) ([]*table, error) {
	type key struct{ nation, decade, sex string }
	counts := map[key]map[string]float64{}
	err := readCSV(o, "uk_first_names_by_decade.csv", []string{"nation", "decade", "sex", "name", "count"}, func(r []string) error {
		if _, ok := nationShare[r[0]]; !ok {
			return fmt.Errorf("unexpected nation %q", r[0])
		}
		n, err := count(r[4])
		if err != nil {
			return err
		}
		name := cased(r[3], casing.Published(r[3]))
		if !casing.Valid(name) {
			return nil
		}
		k := key{r[0], r[1], r[2]}
		if counts[k] == nil {
			counts[k] = map[string]float64{}
		}
		counts[k][name] += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	f, m := newTable("gb_given_f", gbDecades...), newTable("gb_given_m", gbDecades...)
	for col, d := range gbDecades {
		for _, sex := range []string{"F", "M"} {
			t, _ := bySex(sex, f, m)
			shareSum := 0.0
			for nation, share := range nationShare {
				if counts[key{nation, d, sex}] != nil {
					shareSum += share
				}
			}
			if shareSum == 0 {
				return nil, fmt.Errorf("no UK given names for %s %s", d, sex)
			}
			for _, nation := range sortedKeys(nationShare) {
				c := counts[key{nation, d, sex}]
				births := 0.0
				for _, n := range c {
					births += n
				}
				for _, name := range sortedKeys(c) {
					// Weights scaled so that a column sums to about 1e9.
					t.add(name, col, 1e9*nationShare[nation]/shareSum*c[name]/births)
				}
			}
		}
	}
	return []*table{f, m}, nil
}

// buildES reads the INE given names and surnames. A given name's weight for
// a birth decade is its count times a Gaussian of the gap between the age
// people born in that decade had in -es-ref-year and the name's mean age,
// averaged over the ten birth years of the decade.
func buildES(o options) ([]*table, error) {
	f, m := newTable("es_given_f", decades...), newTable("es_given_m", decades...)
	err := readCSV(o, "es_ine_given_names.csv", []string{"name", "sex", "count", "mean_age"}, func(r []string) error {
		t, err := bySex(r[1], f, m)
		if err != nil {
			return err
		}
		n, err := count(r[2])
		if err != nil {
			return err
		}
		meanAge, err := strconv.ParseFloat(r[3], 64)
		if err != nil {
			return err
		}
		name := cased(r[0], casing.Spanish(r[0], casing.Given))
		if !validES(name) {
			return nil
		}
		for col, d := range decades {
			start, _ := strconv.Atoi(d)
			g := 0.0
			for y := start; y < start+10; y++ {
				gap := float64(o.esRefYear-y) - 0.5 - meanAge
				g += math.Exp(-gap * gap / (2 * o.esSigma * o.esSigma))
			}
			t.add(name, col, n*g/10)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	first, second := newTable("es_family_first", "first"), newTable("es_family_second", "second")
	err = readCSV(o, "es_ine_surnames.csv", []string{"name", "count_first_surname", "count_second_surname"}, func(r []string) error {
		name := cased(r[0], casing.Spanish(r[0], casing.Surname))
		if !validES(name) {
			return nil
		}
		n1, err := count(r[1])
		if err != nil {
			return err
		}
		n2, err := count(r[2])
		if err != nil {
			return err
		}
		first.add(name, 0, n1)
		second.add(casing.Inner(name), 0, n2)
		return nil
	})
	return []*table{f, m, first, second}, err
}

// validES accepts a cased INE name if it is Valid and has no one-letter word
// other than the particle "y" and the "O" of "María de la O": INE lists
// abbreviations such as "ANA M" which are not given names.
func validES(name string) bool {
	if !casing.Valid(name) {
		return false
	}
	for _, w := range strings.Fields(name) {
		if len([]rune(w)) == 1 && w != "y" && w != "O" {
			return false
		}
	}
	return true
}

// buildCensus reads the US Census 2000 surnames into two columns: US, by
// count, and GB, an approximation of British surnames (there is no open UK
// surname table): names whose holders are mostly of Hispanic or Asian and
// Pacific Islander origin are dropped and the rest weighted by count times
// pctwhite, i.e. by the number of non-Hispanic White holders.
func buildCensus(o options) ([]*table, error) {
	// Apostrophe spellings (O'BRIEN, D'ANGELO) from the INE surname table
	// tell the caser where the census dropped an apostrophe.
	var apostrophes []string
	err := readCSV(o, "es_ine_surnames.csv", []string{"name"}, func(r []string) error {
		if strings.Contains(r[0], "'") && !strings.Contains(r[0], " ") {
			apostrophes = append(apostrophes, r[0])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	type row struct {
		name                    string
		n, white, hispanic, api float64
	}
	var rows []row
	err = readCSV(o, "us_census2000_surnames.csv", []string{"name", "count", "pctwhite", "pcthispanic", "pctapi"}, func(r []string) error {
		var x row
		x.name = r[0]
		var err error
		for i, p := range []*float64{&x.n, &x.white, &x.hispanic, &x.api} {
			if *p, err = strconv.ParseFloat(r[i+1], 64); err != nil {
				return err
			}
		}
		rows = append(rows, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	all := make([]string, len(rows))
	for i, x := range rows {
		all[i] = x.name
	}
	c := casing.NewCensus(all, apostrophes)
	t := newTable("census_family", "US", "GB")
	for _, x := range rows {
		name := cased(x.name, c.Name(x.name))
		if !casing.Valid(name) {
			continue
		}
		t.add(name, 0, x.n)
		if x.hispanic+x.api < o.gbMaxHispAPI && x.white >= o.gbMinWhite {
			t.add(name, 1, x.n*x.white/100)
		}
	}
	return []*table{t}, nil
}

// write cuts each column of t to its most frequent names and writes the
// table file. It returns the file size.
func write(o options, t *table) (int, error) {
	names := sortedKeys(t.w)
	kept := map[string][]uint32{}
	score := map[string]float64{} // sum over columns of the name's share
	for col, label := range t.labels {
		var sum float64
		for _, n := range names {
			sum += t.w[n][col]
		}
		order := slices.Clone(names)
		slices.SortStableFunc(order, func(a, b string) int {
			wa, wb := t.w[a][col], t.w[b][col]
			switch {
			case wa > wb:
				return -1
			case wa < wb:
				return 1
			}
			return strings.Compare(a, b)
		})
		var cum float64
		var total uint64
		rowsKept := 0
		for _, n := range order {
			w := math.Round(t.w[n][col])
			if w < 1 || cum >= o.cover*sum || rowsKept >= o.maxRows {
				break
			}
			cum += t.w[n][col]
			total += uint64(w)
			rowsKept++
			if kept[n] == nil {
				kept[n] = make([]uint32, len(t.labels))
			}
			kept[n][col] = uint32(w)
			score[n] += t.w[n][col] / sum
		}
		if total >= math.MaxUint32 {
			return 0, fmt.Errorf("column %s: total weight %d does not fit 32 bits", label, total)
		}
		log.Printf("%-17s %-6s %6d names, %5.1f%% of mass", t.file, label, rowsKept, 100*cum/sum)
	}
	rows := sortedKeys(kept)
	slices.SortStableFunc(rows, func(a, b string) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	var text bytes.Buffer
	text.WriteString("name\t" + strings.Join(t.labels, "\t") + "\n")
	for _, n := range rows {
		text.WriteString(n)
		for _, w := range kept[n] {
			text.WriteByte('\t')
			text.WriteString(strconv.FormatUint(uint64(w), 10))
		}
		text.WriteByte('\n')
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(text.Bytes()); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	path := filepath.Join(o.out, t.file+".tsv.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		return 0, err
	}
	log.Printf("%-17s %6d rows, %7d bytes text, %7d bytes gzip", t.file, len(rows), text.Len(), gz.Len())
	return gz.Len(), nil
}

// readCSV calls fn with the named columns of each data row of a source file.
func readCSV(o options, file string, cols []string, fn func([]string) error) error {
	fh, err := os.Open(filepath.Join(o.src, file))
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(bufio.NewReader(fh))
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		if idx[i] = slices.Index(header, c); idx[i] < 0 {
			return fmt.Errorf("%s: no column %q", file, c)
		}
	}
	vals := make([]string, len(cols))
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for i, j := range idx {
			vals[i] = rec[j]
		}
		if err := fn(vals); err != nil {
			return fmt.Errorf("%s:%d: %w", file, line, err)
		}
	}
}

func bySex(sex string, f, m *table) (*table, error) {
	switch sex {
	case "F":
		return f, nil
	case "M":
		return m, nil
	}
	return nil, fmt.Errorf("unexpected sex %q", sex)
}

func count(s string) (float64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	return float64(n), err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
