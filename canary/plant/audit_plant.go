package plant

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
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
// The simulation does not invent the real customers who will arrive while
// a drip runs: the seeds sit at the top of the id range with nothing
// between them, as a batch Insert would put them. The id-window tells are
// therefore the harshest they can be.
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
	ids, err := p.nextIDs(ctx, db, idCol, host, plan)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(uint64(len(host)), uint64(len(plan))))
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
	return Audit(host, seeds, opts)
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

// hostRate estimates new ids per second over the newest fifth of the
// sample, and the newest creation time; 0 when it cannot.
func hostRate(host []Row, idCol, createdCol string) (float64, time.Time) {
	if createdCol == "" {
		return 0, time.Time{}
	}
	type point struct {
		id int64
		at time.Time
	}
	var pts []point
	for _, r := range host {
		id, err := strconv.ParseInt(r[idCol].String, 10, 64)
		at, ok := parseAuditTime(strings.TrimSpace(r[createdCol].String))
		if err == nil && ok {
			pts = append(pts, point{id, at})
		}
	}
	if len(pts) < 10 {
		return 0, time.Time{}
	}
	slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.id, b.id) })
	from, to := pts[len(pts)*4/5], pts[len(pts)-1]
	secs := to.at.Sub(from.at).Seconds()
	if secs <= 0 {
		return 0, to.at
	}
	return float64(to.id-from.id) / secs, to.at
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
	r, err := AuditPlan(ctx, d.cfg.DB, d.cfg.Mapping, plan, d.cfg.Audit)
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
