package plant

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// AuditPlan is the dry run of planting plan into the table m maps: it reads
// a sample of the host (ReadRows, opts.SampleSize rows), renders
// every seed as Insert would write it, with the values the database would
// add (the next ids of an auto-assigned key, spaced by the host's own rate
// of new ids over the plan's times; literal column defaults; the planting
// time for CURRENT_TIMESTAMP), and audits those rows against the sample.
// It writes nothing.
//
// Where ids are assigned by the database and the host's creation times
// follow them, the simulation runs the drip as a Dripper would: the real
// customers arrive by the host's own gaps in time, ids (deleted rows
// included) and tickets, numbered by a host that knows nothing of the
// seeds; each seed goes into a gap among the newest ids when there is one,
// else after the newest row with the next ticket. The real rows are copies
// of sampled rows with the ids, times and tickets they would take: a seed's
// neighbours in the tells of order (spacing, id windows, order of ids,
// times and tickets, ticket steps, periodicity), never scored. Without
// them a drip's seeds would sit next to one another in the export, as a
// batch Insert does put them.
func AuditPlan(ctx context.Context, db *sql.DB, m Mapping, plan []Planned, opts AuditOptions) (*AuditReport, error) {
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return nil, err
	}
	host, err := ReadRows(ctx, db, m, opts.SampleSize)
	if err != nil {
		return nil, err
	}
	defaults, err := columnDefaults(ctx, db, p)
	if err != nil {
		return nil, err
	}
	plan = slices.Clone(plan)
	slices.SortStableFunc(plan, func(a, b Planned) int { return a.At.Compare(b.At) })

	idCol := ""
	for _, d := range defaults {
		if d.kind == defaultID {
			idCol = d.column
		}
	}
	r := rand.New(rand.NewPCG(uint64(len(host)), uint64(len(plan))))
	var (
		ids []int64
		ph  []Row // the real rows expected between the seeds
		of  []int
		sim *dripSim
	)
	if sh := opts.Shape; idCol != "" && len(host) > 0 && sh != nil && sh.Order.Ordered() && p.m.CreatedAt != "" {
		if sim, err = p.simulateDrip(ctx, db, host, plan, idCol, sh, opts.HostTickets, r); err != nil {
			return nil, err
		}
	}
	if sim != nil {
		plan, ids = sim.plan, sim.ids
		if ph, of, err = p.phantomRows(host, sim, idCol, opts.Shape, r); err != nil {
			return nil, err
		}
	} else {
		if ids, err = p.nextIDs(ctx, db, idCol, host, plan); err != nil {
			return nil, err
		}
		if plan, err = p.timelyPlan(ctx, db, opts.Shape, plan, ids, r); err != nil {
			return nil, err
		}
	}
	seeds := make([]Row, 0, len(plan))
	for k, pl := range plan {
		vals, err := p.render(pl.Seed)
		if err != nil {
			return nil, err
		}
		row := make(Row, len(p.t.columns))
		for _, d := range defaults {
			switch d.kind {
			case defaultNull:
				row[d.column] = sql.NullString{}
			case defaultLiteral:
				row[d.column] = sql.NullString{String: d.value, Valid: true}
			case defaultID:
				row[d.column] = cellText(ids[k])
			case defaultNow:
				if p.d == SQLite {
					row[d.column] = cellText(pl.At.UTC().Format(DefaultTextLayout))
				} else {
					row[d.column] = cellText(pl.At)
				}
			case defaultOther:
				// An expression the simulation cannot run: it takes a real
				// row's value, as near as it can tell what the host would write.
				if len(host) > 0 {
					row[d.column] = host[r.IntN(len(host))][d.column]
				}
			}
		}
		for i, mc := range p.cols {
			row[mc.col.name] = cellText(p.simulated(mc.col, vals[i]))
		}
		seeds = append(seeds, row)
	}
	opts.Columns = auditColumnsOf(m, opts.Columns, idCol)
	return audit(host, seeds, ph, of, opts)
}

// timelyPlan returns plan as a Dripper given sh would write it: each seed
// dated at its planned time where the host's creation times follow its ids,
// and given the host's next ticket where its tickets do. Between two seeds
// the host's own new rows (the gaps between the seeds' simulated ids) take
// tickets too, each a gap drawn from the learned gaps. plan is returned
// as it is when sh is nil.
func (p *prepared) timelyPlan(ctx context.Context, db *sql.DB, sh *Shape, plan []Planned, ids []int64, r *rand.Rand) ([]Planned, error) {
	if sh == nil {
		return plan, nil
	}
	out := make([]Planned, len(plan))
	for k, pl := range plan {
		out[k] = Planned{Seed: pl.Seed.Clone(), At: pl.At}
		if sh.Order.Ordered() && p.m.CreatedAt != "" {
			out[k].Seed.CreatedAt = pl.At.Truncate(time.Microsecond)
		}
	}
	if !sh.Order.TicketsOrdered() || p.m.Ticket == "" || sh.TicketFormat == "" {
		return out, nil
	}
	first, ok, err := nextTicket(ctx, db, p, sh.TicketFormat, sh.Order.TicketGaps, r)
	if err != nil || !ok {
		return out, err
	}
	_, n, _ := ticketShape(first)
	gap := func() uint64 { return uint64(max(1, math.Round(sh.Order.TicketGaps.Draw(r)))) }
	for k := range out {
		if k > 0 {
			step := int64(1)
			if ids != nil {
				step = max(1, ids[k]-ids[k-1])
			}
			// The host's rows in between take a ticket each, then the seed.
			for range min(step, 10_000) {
				n += gap()
			}
		}
		out[k].Seed.Ticket = canary.FormatTicket(sh.TicketFormat, n)
	}
	return out, nil
}

// simulated turns a rendered value into what the column would read back:
// a time written to SQLite text is read as text; PostgreSQL gives times
// back as times.
func (p *prepared) simulated(c *column, v any) any {
	if t, ok := v.(time.Time); ok && p.d == SQLite {
		return t.UTC().Format(DefaultTextLayout)
	}
	return v
}

// auditColumnsOf fills the audit's column roles from the mapping.
func auditColumnsOf(m Mapping, c AuditColumns, idCol string) AuditColumns {
	set := func(have *string, v string) {
		if *have == "" {
			*have = v
		}
	}
	set(&c.ID, idCol)
	set(&c.CreatedAt, m.CreatedAt)
	set(&c.Ticket, m.Ticket)
	set(&c.GivenName, m.GivenName)
	set(&c.FamilyName, m.FamilyName)
	set(&c.FullName, m.FullName)
	set(&c.Email, m.Email)
	set(&c.Phone, m.Phone)
	return c
}

// nextIDs returns the ids the database would give the plan's rows: after
// the table's largest, spaced by the host's recent rate of ids per second
// over the plan's times, at least one apart. nil when no column is
// auto-assigned.
func (p *prepared) nextIDs(ctx context.Context, db *sql.DB, idCol string, host []Row, plan []Planned) ([]int64, error) {
	if idCol == "" {
		return nil, nil
	}
	var top sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max("+quote(idCol)+") FROM "+p.t.qualified()).Scan(&top); err != nil {
		return nil, fmt.Errorf("plant: reading the largest id of %q: %w", p.t.name, err)
	}
	rate, last := hostRate(host, idCol, p.m.CreatedAt)
	out := make([]int64, len(plan))
	id := top.Int64
	prev := last
	for k, pl := range plan {
		step := int64(1)
		if rate > 0 && !prev.IsZero() && pl.At.After(prev) {
			step = max(1, int64(math.Round(rate*pl.At.Sub(prev).Seconds())))
		}
		id += step
		out[k] = id
		prev = pl.At
	}
	return out, nil
}

// idTimes returns the sampled rows' ids and creation times, in id order.
func idTimes(host []Row, idCol, createdCol string) []idTime {
	var pts []idTime
	for _, r := range host {
		id, err := strconv.ParseInt(r[idCol].String, 10, 64)
		at, ok := parseAuditTime(strings.TrimSpace(r[createdCol].String))
		if err == nil && ok {
			pts = append(pts, idTime{id, at})
		}
	}
	slices.SortFunc(pts, func(a, b idTime) int { return cmp.Compare(a.id, b.id) })
	return pts
}

type idTime struct {
	id int64
	at time.Time
}

// hostRate estimates new ids per second over the newest fifth of the
// sample, and the newest creation time; 0 when it cannot.
func hostRate(host []Row, idCol, createdCol string) (float64, time.Time) {
	if createdCol == "" {
		return 0, time.Time{}
	}
	pts := idTimes(host, idCol, createdCol)
	if len(pts) < 10 {
		return 0, time.Time{}
	}
	from, to := pts[len(pts)*4/5], pts[len(pts)-1]
	secs := to.at.Sub(from.at).Seconds()
	if secs <= 0 {
		return 0, to.at
	}
	return float64(to.id-from.id) / secs, to.at
}

// arrivalGaps returns the creation-time gaps between sampled rows whose ids
// follow each other, over the newest half of the sample: the host's own
// spacing of new rows.
func arrivalGaps(host []Row, idCol, createdCol string) []time.Duration {
	pts := idTimes(host, idCol, createdCol)
	var out []time.Duration
	for i := max(1, len(pts)/2); i < len(pts); i++ {
		if pts[i].id == pts[i-1].id+1 {
			if g := pts[i].at.Sub(pts[i-1].at); g > 0 {
				out = append(out, g)
			}
		}
	}
	return out
}

// A column's default, as the simulation writes it.
type defaultKind uint8

const (
	defaultNull    defaultKind = iota // no default: NULL
	defaultLiteral                    // a constant
	defaultID                         // an auto-assigned key
	defaultNow                        // the insertion time
	defaultOther                      // an expression
)

type columnDefault struct {
	column string
	kind   defaultKind
	value  string
}

// columnDefaults reads what the database writes into each unmapped column.
func columnDefaults(ctx context.Context, db *sql.DB, p *prepared) ([]columnDefault, error) {
	mapped := map[string]bool{}
	for _, mc := range p.cols {
		mapped[mc.col.name] = true
	}
	var query string
	args := []any{p.t.name}
	switch p.d {
	case SQLite:
		query = `SELECT name, COALESCE(dflt_value, ''), dflt_value IS NULL, pk = 1 AND upper(trim(type)) = 'INTEGER'
			AND (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1 FROM pragma_table_info(?1)`
		if p.t.schema != "" {
			query = strings.ReplaceAll(query, "pragma_table_info(?1)", "pragma_table_info(?1, ?2)")
			args = append(args, p.t.schema)
		}
	default:
		query = `SELECT column_name, COALESCE(column_default, ''), column_default IS NULL AND is_identity = 'NO',
			is_identity = 'YES' OR COALESCE(column_default, '') LIKE 'nextval(%'
			FROM information_schema.columns WHERE table_schema = $2 AND table_name = $1`
		args = append(args, p.t.schema)
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("plant: reading the defaults of %q: %w", p.t.name, err)
	}
	defer rows.Close()
	var out []columnDefault
	for rows.Next() {
		var d columnDefault
		var none, id bool
		var expr string
		if err := rows.Scan(&d.column, &expr, &none, &id); err != nil {
			return nil, fmt.Errorf("plant: reading the defaults of %q: %w", p.t.name, err)
		}
		if mapped[d.column] {
			continue
		}
		switch {
		case id:
			d.kind = defaultID
		case none:
			d.kind = defaultNull
		default:
			d.kind, d.value = parseDefault(expr)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// parseDefault reads a default expression: a quoted string or a number
// (with PostgreSQL's cast), NULL, or the current time.
func parseDefault(expr string) (defaultKind, string) {
	e := strings.TrimSpace(expr)
	if i := strings.LastIndex(e, "::"); i > 0 && !strings.Contains(e[i:], "'") {
		e = e[:i]
	}
	switch u := strings.ToUpper(e); {
	case u == "CURRENT_TIMESTAMP", u == "NOW()", u == "LOCALTIMESTAMP", strings.HasPrefix(u, "CURRENT_TIMESTAMP("):
		return defaultNow, ""
	}
	if strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	switch u := strings.ToUpper(e); {
	case u == "NULL":
		return defaultNull, ""
	case len(e) >= 2 && e[0] == '\'' && e[len(e)-1] == '\'':
		return defaultLiteral, strings.ReplaceAll(e[1:len(e)-1], "''", "'")
	}
	if _, err := strconv.ParseFloat(e, 64); err == nil {
		return defaultLiteral, e
	}
	return defaultOther, ""
}

// PlantOptions tunes Plant. The zero value audits with the defaults and
// refuses on failure.
type PlantOptions struct {
	// Audit tunes the audit run before anything is written.
	Audit AuditOptions
	// Force plants even when the audit fails. The report still comes back.
	Force bool
}

// Plant audits seeds against the host (AuditPlan, as one batch planted
// now) and inserts them (Insert) only when the audit passes or opts.Force
// is set. A failed audit returns an *AuditError wrapping ErrAuditFailed,
// and nothing is written. The report is returned in every case it was
// made.
func Plant(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed, opts PlantOptions) (*AuditReport, error) {
	if len(seeds) == 0 {
		return nil, nil
	}
	now := time.Now()
	plan := make([]Planned, len(seeds))
	for i, s := range seeds {
		plan[i] = Planned{Seed: s, At: now}
	}
	r, err := AuditPlan(ctx, db, m, plan, opts.Audit)
	if err != nil {
		return nil, err
	}
	if !r.Passed() && !opts.Force {
		return r, &AuditError{Report: r}
	}
	return r, Insert(ctx, db, m, seeds)
}

// audit runs the Dripper's audit over its whole plan once, before the first
// seed is planted, and returns its refusal on every later call. It holds
// auditMu, not mu, through the audit's queries, so Due and Pending answer
// meanwhile.
func (d *Dripper) audit(ctx context.Context) error {
	d.auditMu.Lock()
	defer d.auditMu.Unlock()
	if d.audited {
		return d.auditErr
	}
	d.mu.Lock()
	plan := slices.Clone(d.plan[d.next:])
	d.mu.Unlock()
	opts := d.cfg.Audit
	if opts.Shape == nil {
		opts.Shape = d.cfg.Shape
	}
	opts.HostTickets = opts.HostTickets || d.cfg.Tickets != nil
	r, err := AuditPlan(ctx, d.cfg.DB, d.cfg.Mapping, plan, opts)
	if err != nil {
		return err // not audited: the next call tries again
	}
	d.audited, d.report = true, r
	if !r.Passed() && !d.cfg.Force {
		d.auditErr = &AuditError{Report: r}
	}
	return d.auditErr
}

// AuditReport returns the report of the audit the Dripper ran before its
// first seed; nil before that.
func (d *Dripper) AuditReport() *AuditReport {
	d.auditMu.Lock()
	defer d.auditMu.Unlock()
	return d.report
}

// auditCSV audits the seeds' rows of an import file (records, header first)
// against the host's own export, when CSVOptions gives one.
func auditCSV(records [][]string, opts CSVOptions) error {
	if opts.Host == nil {
		return nil
	}
	header := records[0]
	seeds := make([]Row, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := make(Row, len(header))
		for i, v := range rec {
			row[header[i]] = sql.NullString{String: v, Valid: v != ""}
		}
		seeds = append(seeds, row)
	}
	r, err := Audit(opts.Host, seeds, opts.Audit)
	if err != nil {
		return err
	}
	if !r.Passed() && !opts.Force {
		return &AuditError{Report: r}
	}
	return nil
}

// simRow is a row of a simulated drip: a real customer (seed -1) or the
// seed plan[seed]. Its ticket is 0 when none is simulated.
type simRow struct {
	gapRow
	seed int
}

// dripSim is a simulated drip: the plan as the Dripper would write it, the
// seeds' ids, and every row in id order.
type dripSim struct {
	plan []Planned
	ids  []int64
	rows []simRow
}

// simLead is how many real rows the simulation makes arrive before the
// first seed: more than a Dripper looks through for a gap.
const simLead = 2 * gapRows

// simTail is how many real rows arrive after the last seed.
const simTail = 8

// simulateDrip runs plan against a simulated host that keeps taking rows
// (see AuditPlan); nil when the host's newest rows give nothing to start
// from.
func (p *prepared) simulateDrip(ctx context.Context, db *sql.DB, host []Row, plan []Planned, idCol string, sh *Shape, hostTickets bool, r *rand.Rand) (*dripSim, error) {
	var top sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max("+quote(idCol)+") FROM "+p.t.qualified()).Scan(&top); err != nil {
		return nil, fmt.Errorf("plant: reading the largest id of %q: %w", p.t.name, err)
	}
	rate, last := hostRate(host, idCol, p.m.CreatedAt)
	if rate <= 0 || len(plan) == 0 {
		return nil, nil
	}
	tickets := p.m.Ticket != "" && sh.Order.TicketsOrdered() && sh.TicketFormat != ""
	var counter uint64 // the host's own ticket counter
	if tickets {
		latest, ok, err := newestTicket(ctx, db, p, sh.TicketFormat)
		if err != nil {
			return nil, err
		}
		tickets = ok
		counter = latest
	}
	gaps := arrivalGaps(host, idCol, p.m.CreatedAt)
	mean := time.Duration(float64(time.Second) / rate)
	arrival := func() time.Duration {
		if len(gaps) >= 20 {
			return gaps[r.IntN(len(gaps))] // the host's own gaps, nights and bursts included
		}
		return max(time.Second, time.Duration(r.ExpFloat64()*float64(mean)))
	}
	idStep := func() int64 { return max(1, int64(math.Round(sh.Order.IDGaps.Draw(r)))) }
	ticketGap := func() uint64 { return uint64(max(1, math.Round(sh.Order.TicketGaps.Draw(r)))) }

	sim := &dripSim{plan: make([]Planned, len(plan)), ids: make([]int64, len(plan))}
	lastID := top.Int64
	at := plan[0].At.Add(-time.Duration(simLead) * mean)
	if at.Before(last) {
		at = last
	}
	// arrive lets the next real customer in, if it comes before until (zero:
	// whenever), and reports whether it did.
	arrive := func(until time.Time) bool {
		next := at.Add(arrival())
		if !until.IsZero() && !next.Before(until) {
			return false
		}
		at, lastID = next, lastID+idStep()
		if tickets {
			counter += ticketGap()
		}
		return true
	}
	real := func(until time.Time, n int) {
		made := 0
		row := func() bool {
			if n >= 0 && made >= n || !arrive(until) {
				return false
			}
			sim.rows = append(sim.rows, simRow{gapRow: gapRow{id: lastID, at: at, ticket: counter, hasTicket: tickets}, seed: -1})
			made++
			return true
		}
		// Only the rows near a seed are its neighbours: the first simLead
		// rows after the last seed and the last simLead before the next.
		// The long wait between is run through by its ids and tickets
		// alone, with no rows: a row made after it would carry the whole
		// wait's steps as its own.
		for made < simLead && row() {
		}
		if lead := until.Add(-time.Duration(simLead) * mean); !until.IsZero() && at.Before(lead) {
			for arrive(lead) {
			}
		}
		for row() {
		}
	}
	retry, limit, hold := holding(sh, tickets && !hostTickets)
	for k, pl := range plan {
		real(pl.At, -1)
		when := pl.At
		s := pl.Seed.Clone()
		var pos int
		var inGap simRow
		ok := false
		if !hostTickets {
			pos, inGap, ok = sim.slot(tickets, sh.Order.TicketGaps, r)
			// As the Dripper does: no gap, so wait for one as the host adds rows.
			for !ok && hold && when.Sub(pl.At) < limit {
				when = when.Add(retry)
				real(when, -1)
				pos, inGap, ok = sim.slot(tickets, sh.Order.TicketGaps, r)
			}
		}
		row := simRow{gapRow: gapRow{at: when.Truncate(time.Microsecond)}, seed: k}
		if ok {
			row, row.seed = inGap, k
		} else {
			row.hasTicket = tickets
			lastID++
			row.id = lastID
			switch {
			case tickets && hostTickets:
				counter += ticketGap() // the host's own system numbers the seed
				row.ticket = counter
			case tickets:
				// What nextTicket reads: the largest of the newest rows', seeds' included.
				newest := uint64(0)
				for i := max(0, len(sim.rows)-newestTickets); i < len(sim.rows); i++ {
					newest = max(newest, sim.rows[i].ticket)
				}
				row.ticket = newest + ticketGap()
			}
			pos = len(sim.rows)
			// The next real row arrives after the seed, as the host's
			// clock has moved on to it.
			if row.at.After(at) {
				at = row.at
			}
		}
		sim.rows = slices.Insert(sim.rows, pos, row)
		s.CreatedAt = row.at
		if tickets {
			s.Ticket = canary.FormatTicket(sh.TicketFormat, row.ticket)
		}
		sim.plan[k] = Planned{Seed: s, At: when}
		sim.ids[k] = row.id
	}
	real(time.Time{}, simTail)
	return sim, nil
}

// slot is findSlot on the simulation: a row for a seed in a gap among the
// newest gapRows rows, and the position it takes in sim.rows; ok is false
// when there is no gap.
func (sim *dripSim) slot(tickets bool, g Gaps, r *rand.Rand) (pos int, row simRow, ok bool) {
	from := max(0, len(sim.rows)-gapRows)
	window := make([]gapRow, 0, len(sim.rows)-from)
	for _, sr := range sim.rows[from:] {
		window = append(window, sr.gapRow)
	}
	k, in, ok, _ := pickSlot(window, tickets, g, r, nil)
	if !ok {
		return 0, simRow{}, false
	}
	return from + k, simRow{gapRow: in}, true
}

// phantomRows renders the simulation's real rows: each a copy of a random
// sampled row with the id, time and ticket the simulation gave it, and
// which sampled row it copies.
func (p *prepared) phantomRows(host []Row, sim *dripSim, idCol string, sh *Shape, r *rand.Rand) ([]Row, []int, error) {
	var createdCol, ticketCol *mapped
	for i := range p.cols {
		switch p.cols[i].role {
		case roleCreated:
			createdCol = &p.cols[i]
		case roleTicket:
			ticketCol = &p.cols[i]
		}
	}
	var rows []Row
	var of []int
	for _, sr := range sim.rows {
		if sr.seed >= 0 {
			continue
		}
		src := r.IntN(len(host))
		row := maps.Clone(host[src])
		row[idCol] = cellText(sr.id)
		sd := canary.Seed{CreatedAt: sr.at.Truncate(time.Microsecond)}
		if sr.ticket > 0 && ticketCol != nil {
			sd.Ticket = canary.FormatTicket(sh.TicketFormat, sr.ticket)
			v, err := p.value(*ticketCol, sd)
			if err != nil {
				return nil, nil, err
			}
			row[ticketCol.col.name] = cellText(v)
		}
		if createdCol != nil {
			v, err := p.value(*createdCol, sd)
			if err != nil {
				return nil, nil, err
			}
			row[createdCol.col.name] = cellText(p.simulated(createdCol.col, v))
		}
		rows = append(rows, row)
		of = append(of, src)
	}
	return rows, of, nil
}
