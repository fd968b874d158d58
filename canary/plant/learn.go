package plant

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary"
)

// LearnOptions bounds what Learn reads. The zero value is ready to use.
type LearnOptions struct {
	// SampleSize is how many rows Learn reads at most, drawn at random
	// (ORDER BY random()) when the table holds more. Default 10,000; at most
	// 1,000,000.
	SampleSize int
	// PhoneRegion is the ISO 3166 region of host numbers written in national
	// form ("(415) 555-0132"). Default "US".
	PhoneRegion string
	// MinValues is how many values of a part (phones, tickets, creation
	// times, classified emails) Learn needs before it reports that part;
	// with fewer the part stays zero and Apply leaves the Config's own.
	// Default 20.
	MinValues int
	// ProfileRows bounds the rows the per-column aggregates (null rates,
	// distinct counts, value frequencies, empty patterns, domains, shared
	// numbers) run over: a table holding more is profiled over a random
	// sample of this many. Default 200,000.
	ProfileRows int
	// OrderRows is how many of the newest rows (by id) Learn reads to see
	// whether creation times and tickets follow the ids. Default 5,000.
	OrderRows int
	// MaxValues is the most distinct values a column may have for Learn to
	// list them (ColumnProfile.Values). Default 100 (enough for US states).
	MaxValues int
	// MinValueCount is how many rows must share a value for Learn to list
	// it: rarer values could name a customer. Default 5.
	MinValueCount int
	// MinNameCount is how many rows must share a given or family name for
	// Learn to list it (Shape.Names). A name alone names nobody, and one
	// that two rows share points at neither; the lower it is, the closer
	// seeds' names follow the host's: with 3, a seed's rare surname was the
	// table's only one where the host's rare surnames come in pairs as
	// often as alone, and the audit's classifier read it. Default 2; 1 is
	// taken as 2, so that no name held by a single row is ever listed.
	MinNameCount int
}

// Learn reads a sample of the host table that m maps and infers its Shape:
// how the host writes phone numbers, its ticket format and live range, how
// its creation times spread over the years, the hours and the weekdays, and
// the mix of email patterns. Rows are read one at a time into counters and
// dropped; the Shape keeps no row. Learn only reads.
func Learn(ctx context.Context, db *sql.DB, m Mapping, opts LearnOptions) (Shape, error) {
	if opts.SampleSize <= 0 {
		opts.SampleSize = 10_000
	}
	opts.SampleSize = min(opts.SampleSize, 1_000_000)
	if opts.PhoneRegion == "" {
		opts.PhoneRegion = "US"
	}
	if opts.MinValues <= 0 {
		opts.MinValues = 20
	}
	if opts.ProfileRows <= 0 {
		opts.ProfileRows = 200_000
	}
	if opts.OrderRows <= 0 {
		opts.OrderRows = 5_000
	}
	opts.OrderRows = min(opts.OrderRows, 1_000_000)
	if opts.MaxValues <= 0 {
		opts.MaxValues = 100
	}
	if opts.MinValueCount <= 0 {
		opts.MinValueCount = 5
	}
	if opts.MinNameCount <= 1 {
		opts.MinNameCount = 2
	}
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return Shape{}, err
	}

	roles := []role{roleEmail, roleGiven, roleFamily, roleFull, rolePhone, roleTicket, roleCreated}
	var exprs []string
	var read []role
	for _, r := range roles {
		c := p.col(r)
		if c == nil {
			continue
		}
		e := quote(c.name)
		if p.d == SQLite && r == roleCreated {
			e = "CAST(" + e + " AS TEXT)" // the text as stored, not the driver's reading of it
		}
		exprs = append(exprs, e)
		read = append(read, r)
	}
	var total int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+p.t.qualified()).Scan(&total); err != nil {
		return Shape{}, fmt.Errorf("plant: counting the rows of %q: %w", p.t.name, err)
	}
	query := "SELECT " + strings.Join(exprs, ", ") + " FROM " + p.t.qualified()
	if total > opts.SampleSize {
		query += " ORDER BY random()"
	}
	query += " LIMIT " + p.d.placeholder(1)
	rows, err := db.QueryContext(ctx, query, opts.SampleSize)
	if err != nil {
		return Shape{}, fmt.Errorf("plant: sampling %q: %w", p.t.name, err)
	}
	defer rows.Close()

	l := newLearner(p, opts)
	l.total = total
	l.s.Total = total
	vals := make([]any, len(read))
	ptrs := make([]any, len(read))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return Shape{}, fmt.Errorf("plant: sampling %q: %w", p.t.name, err)
		}
		l.row(read, vals)
		clear(vals)
	}
	if err := rows.Err(); err != nil {
		return Shape{}, fmt.Errorf("plant: sampling %q: %w", p.t.name, err)
	}
	rows.Close()
	s := l.shape()
	if err := profileHost(ctx, p, &s, total, opts); err != nil {
		return Shape{}, err
	}
	return s, nil
}

// profileHost adds to s what the database counts over the whole table (or a
// random sample of ProfileRows): every column, the empty patterns, domains,
// shared numbers, and the order of ids, times and tickets.
func profileHost(ctx context.Context, p *prepared, s *Shape, total int, opts LearnOptions) error {
	src := p.t.qualified()
	if total > opts.ProfileRows {
		src = "(SELECT * FROM " + src + " ORDER BY random() LIMIT " + strconv.Itoa(opts.ProfileRows) + ") s"
	}
	var err error
	if s.Columns, s.EmptyPatterns, err = profileColumns(ctx, p, src, opts); err != nil {
		return err
	}
	if s.Domains, err = profileDomains(ctx, p, src); err != nil {
		return err
	}
	if s.Sharing, err = profilePhones(ctx, p, src); err != nil {
		return err
	}
	if s.Names, err = profileNames(ctx, p, src, s.PhoneRegion, opts); err != nil {
		return err
	}
	s.Order, err = profileOrder(ctx, p, opts.OrderRows, s.TicketFormat)
	return err
}

// learner counts shapes over the sample.
type learner struct {
	p     *prepared
	opts  LearnOptions
	total int // rows in the table
	s     Shape

	phoneStyles   map[PhoneFormat]int
	phoneAreas    map[string]int
	phonePatterns map[PhoneFormat]int
	phoneRegions  map[string]int

	ticketFormats map[string]int
	ticketNumbers map[string][]uint64 // per format, for the quantiles; dropped with the learner

	created       []int64 // Unix seconds, for the quantiles
	hours         [24]int
	weekdays      [7]int
	layouts       map[string]int
	emailPatterns map[canary.EmailPattern]int
	domains       map[string]int
	mess          messCounter
}

func newLearner(p *prepared, opts LearnOptions) *learner {
	return &learner{
		p: p, opts: opts,
		phoneStyles: map[PhoneFormat]int{}, phoneAreas: map[string]int{}, phonePatterns: map[PhoneFormat]int{}, phoneRegions: map[string]int{},
		ticketFormats: map[string]int{}, ticketNumbers: map[string][]uint64{},
		layouts: map[string]int{}, emailPatterns: map[canary.EmailPattern]int{}, domains: map[string]int{},
	}
}

// row counts one sampled row; vals follow roles.
func (l *learner) row(roles []role, vals []any) {
	l.s.Rows++
	var email, given, family, full string
	for i, r := range roles {
		v := vals[i]
		switch r {
		case roleEmail:
			email = text(v)
		case roleGiven:
			given = text(v)
		case roleFamily:
			family = text(v)
		case roleFull:
			full = text(v)
		case rolePhone:
			l.phone(text(v))
		case roleTicket:
			l.ticket(text(v))
		case roleCreated:
			l.createdAt(v)
		}
	}
	if given != "" || family != "" || full != "" {
		l.mess.name(given, family, full)
	}
	if email != "" {
		l.email(email, given, family, full)
	}
}

// text reads a scanned value as a string; "" for NULL and non-text values.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case []byte:
		return strings.TrimSpace(string(v))
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

func (l *learner) phone(v string) {
	if v == "" {
		return
	}
	e164, pattern, style, ok := phoneShape(v, l.opts.PhoneRegion)
	if !ok {
		return
	}
	l.s.Phones++
	l.phonePatterns[pattern]++
	if style != "" {
		l.phoneStyles[style]++
	}
	if region := phoneRegion(e164); region != "" {
		l.phoneRegions[region]++
	}
	if area := phoneArea(e164); area != "" {
		l.phoneAreas[area]++
	}
}

// phoneArea returns the country calling code and the national destination
// code (the area code) of an E.164 number: "+1 415", "+44 20"; "" when the
// number has none.
func phoneArea(e164 string) string {
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return ""
	}
	n := phonenumbers.GetLengthOfNationalDestinationCode(num)
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if n <= 0 || n > len(nsn) {
		return ""
	}
	return "+" + strconv.Itoa(int(num.GetCountryCode())) + " " + nsn[:n]
}

func (l *learner) ticket(v string) {
	if v == "" {
		return
	}
	format, n, ok := ticketShape(v)
	if !ok {
		return
	}
	l.s.Tickets++
	l.ticketFormats[format]++
	l.ticketNumbers[format] = append(l.ticketNumbers[format], n)
}

// createdAt reads one creation time: a time from the driver, Unix seconds or
// milliseconds, or text in one of the layouts hosts commonly use.
func (l *learner) createdAt(v any) {
	t := parseCreated(l.p, v, l.layouts)
	if t.IsZero() {
		return
	}
	l.s.Created++
	l.created = append(l.created, t.Unix())
	local := t.In(l.p.m.Zone)
	l.hours[local.Hour()]++
	l.weekdays[local.Weekday()]++
}

// parseCreated reads one creation time: a time from the driver, Unix
// seconds or milliseconds, or text in one of the layouts hosts commonly
// use, counting the layout it found in layouts. Zero when it is none.
func parseCreated(p *prepared, v any, layouts map[string]int) time.Time {
	zone := p.m.Zone
	switch v := v.(type) {
	case time.Time:
		if c := p.col(roleCreated); c != nil && c.kind == kindLocalTime {
			// The driver reads a wall clock as UTC: it is the host's zone's.
			return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), zone)
		}
		return v
	case int64:
		return unixTime(v, layouts)
	case []byte:
		return parseText(string(v), zone, layouts)
	case string:
		return parseText(v, zone, layouts)
	}
	return time.Time{}
}

// unixTime reads n as Unix seconds, or milliseconds when it is too large to
// be seconds of this era.
func unixTime(n int64, layouts map[string]int) time.Time {
	switch {
	case n <= 0:
		return time.Time{}
	case n > 1e11:
		layouts[CreatedUnixMilli]++
		return time.UnixMilli(n)
	}
	layouts[CreatedUnix]++
	return time.Unix(n, 0)
}

// textLayouts are the layouts Learn recognizes, most specific first. Only a
// layout that writes the value back exactly is counted, so the layout Apply
// hands to Insert reproduces the host's text to the character.
var textLayouts = []string{
	DefaultTextLayout,
	"2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05.000000",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05 -0700 MST", // Go's time.String, as some drivers store it
	"2006-01-02 15:04:05.999999999 -0700 MST",
	time.RFC3339,
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.000Z",
	"2006-01-02 15:04",
	"01/02/2006 15:04:05",
	"01/02/2006 15:04",
	"1/2/2006 3:04 PM", // Salesforce's report export, en_US
	"1/2/2006, 3:04 PM",
	"02/01/2006 15:04", // en_GB
	"2006-01-02",
}

func parseText(s string, zone *time.Location, layouts map[string]int) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return unixTime(n, layouts) // SQLite's CAST of an integer column
	}
	for _, layout := range textLayouts {
		t, err := time.ParseInLocation(layout, s, zone)
		if err == nil && t.Format(layout) == s {
			layouts[layout]++
			return t
		}
	}
	return time.Time{}
}

func (l *learner) email(addr, given, family, full string) {
	local, domain, ok := emailLocal(addr)
	if !ok {
		return
	}
	l.s.Emails++
	l.domains[domain]++
	var p canary.EmailPattern
	nf, named := newNameForms(given, family, full)
	l.mess.email(strings.TrimSpace(addr), local, nf, named)
	if named {
		p, ok = classifyLocal(local, nf)
	} else {
		p, ok = classifyShape(local)
	}
	if ok {
		l.s.EmailsClassified++
		l.emailPatterns[p]++
	}
}

// shape turns the counts into the Shape.
func (l *learner) shape() Shape {
	s := l.s
	need := l.opts.MinValues
	s.CreatedZone = l.p.m.Zone

	if s.Phones >= need {
		pattern, pn := top(l.phonePatterns)
		style, sn := top(l.phoneStyles)
		if sn >= pn {
			s.PhoneFormat, s.PhoneShare = style, float64(sn)/float64(s.Phones)
		} else {
			s.PhoneFormat, s.PhoneShare = pattern, float64(pn)/float64(s.Phones)
		}
		s.PhoneRegion, _ = top(l.phoneRegions)
		for a, n := range l.phoneAreas {
			if n >= l.opts.MinValueCount {
				if s.PhoneAreas == nil {
					s.PhoneAreas = map[string]float64{}
				}
				s.PhoneAreas[a] = float64(n) / float64(s.Phones)
			}
		}
		// The mix: every way of writing that enough rows share to be a
		// habit of the host's, not one customer's.
		least := max(l.opts.MinValueCount, s.Phones/100)
		for f, n := range l.phonePatterns {
			if n >= least {
				if s.PhoneFormats == nil {
					s.PhoneFormats = map[PhoneFormat]float64{}
				}
				s.PhoneFormats[f] = float64(n) / float64(s.Phones)
			}
		}
	}
	if s.Tickets >= need {
		format, n := top(l.ticketFormats)
		nums := l.ticketNumbers[format]
		slices.Sort(nums)
		s.TicketFormat, s.TicketShare = format, float64(n)/float64(s.Tickets)
		s.TicketMin, s.TicketMax = quantile(nums, 0.01), quantile(nums, 0.99)
		inRange := 0
		for _, x := range nums {
			if x >= s.TicketMin && x <= s.TicketMax {
				inRange++
			}
		}
		scale := float64(max(l.total, s.Rows)) / float64(s.Rows) // from the sample to the table
		s.TicketDensity = min(1, float64(inRange)*scale/float64(s.TicketMax-s.TicketMin+1))
	}
	if s.Created >= need {
		slices.Sort(l.created)
		s.CreatedFrom = time.Unix(quantile(l.created, 0.01), 0).UTC()
		s.CreatedTo = time.Unix(quantile(l.created, 0.99), 0).UTC()
		if !s.CreatedFrom.Before(s.CreatedTo) {
			s.CreatedTo = s.CreatedFrom.Add(time.Second)
		}
		for h, n := range l.hours {
			s.CreatedHours[h] = float64(n) / float64(s.Created)
		}
		for d, n := range l.weekdays {
			s.CreatedWeekdays[d] = float64(n) / float64(s.Created)
		}
		if c := l.p.col(roleCreated); c != nil && c.kind != kindTimestamp && c.kind != kindLocalTime {
			s.CreatedLayout, _ = top(l.layouts)
		}
	}
	if s.EmailsClassified >= need {
		s.EmailPatterns = make(map[canary.EmailPattern]float64, len(l.emailPatterns))
		for p, n := range l.emailPatterns {
			s.EmailPatterns[p] = float64(n) / float64(s.EmailsClassified)
		}
	}
	s.Messiness = l.mess.result()
	s.Arrival = arrival(l.created, s.Created, l.total, s.CreatedZone)
	if s.Emails > 0 {
		s.EmailDomains = make(map[string]float64)
		for d, n := range l.domains {
			if share := float64(n) / float64(s.Emails); n >= 5 && share >= 0.01 {
				s.EmailDomains[d] = share
			}
		}
	}
	return s
}

// top returns the most counted key, ties broken by the smaller key so the
// answer does not depend on map order.
func top[K ~string](counts map[K]int) (K, int) {
	var best K
	n := 0
	for k, c := range counts {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return best, n
}

// quantile returns the q-quantile of sorted by the nearest-rank method.
func quantile[T uint64 | int64](sorted []T, q float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)) + 0.5)
	return sorted[max(0, min(i, len(sorted)-1))]
}
