package plant

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// Report is the outcome of Check: every seed checked is in exactly one list.
type Report struct {
	OK      []canary.Seed // present and unchanged
	Missing []canary.Seed // no row has its email (nor, when mapped, its ticket)
	Altered []Alteration  // a row is there, but some mapped column changed
}

// Clean reports whether every seed is present and unchanged.
func (r Report) Clean() bool { return len(r.Missing) == 0 && len(r.Altered) == 0 }

// Alteration is a planted seed whose row was edited.
type Alteration struct {
	Seed    canary.Seed
	Changes []Change
}

// Change is one column of an altered row.
type Change struct {
	Column string
	Want   string // as planted
	Got    string // as found; "" for NULL
}

// maxRowsPerSeed bounds the rows Check reads for one seed.
const maxRowsPerSeed = 16

// Check finds each planted seed's row in the host table and verifies that
// the columns m maps still hold what Insert wrote. A deleted canary, or one
// whose email, phone or name was edited, is what an insider covering their
// tracks leaves behind: Check reports it rather than failing.
//
// A row is found by its email as planted, then by its email in any case,
// then, when the mapping has a ticket column, by the ticket (so a row whose
// email was changed is reported as altered, not missing). Values are
// compared as the matcher compares them: emails, phones, names and tickets
// normalized (a host that reformats a number has not altered it), creation
// times as instants at the precision of the column, other columns as text
// with surrounding blanks ignored. Check only reads.
//
// The error is for what stops the check as a whole (no table, no column, a
// dropped connection); seeds is checked with the same Mapping that planted
// them.
func Check(ctx context.Context, db *sql.DB, m Mapping, seeds []canary.Seed) (Report, error) {
	var r Report
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return r, err
	}
	exprs := make([]string, len(p.cols))
	for i, mc := range p.cols {
		exprs[i] = quote(mc.col.name)
		if p.d == SQLite && mc.role == roleCreated {
			exprs[i] = "CAST(" + exprs[i] + " AS TEXT)"
		}
	}
	base := "SELECT " + strings.Join(exprs, ", ") + " FROM " + p.t.qualified() + " WHERE "
	limit := " LIMIT " + strconv.Itoa(maxRowsPerSeed)
	email := quote(p.col(roleEmail).name)
	lookups := []struct {
		where string
		arg   func(canary.Seed) (any, bool)
	}{
		{email + " = " + p.d.placeholder(1), func(s canary.Seed) (any, bool) { return s.Email, true }},
		{"lower(" + email + ") = " + p.d.placeholder(1), func(s canary.Seed) (any, bool) { return strings.ToLower(s.Email), true }},
	}
	if c := p.col(roleTicket); c != nil {
		lookups = append(lookups, struct {
			where string
			arg   func(canary.Seed) (any, bool)
		}{quote(c.name) + " = " + p.d.placeholder(1), func(s canary.Seed) (any, bool) {
			v, err := fit(c, s.Ticket)
			return v, err == nil && s.Ticket != ""
		}})
	}

	for _, s := range seeds {
		want, err := p.render(s)
		if err != nil {
			return r, err
		}
		var best []Change
		found := false
		for _, lk := range lookups {
			arg, ok := lk.arg(s)
			if !ok {
				continue
			}
			rows, err := p.fetch(ctx, db, base+lk.where+limit, arg)
			if err != nil {
				return r, fmt.Errorf("plant: looking for seed %s: %w", s.ID, err)
			}
			for _, got := range rows {
				changes := p.compare(s, want, got)
				if !found || len(changes) < len(best) {
					best, found = changes, true
				}
			}
			if found {
				break
			}
		}
		switch s := s.Clone(); {
		case !found:
			r.Missing = append(r.Missing, s)
		case len(best) == 0:
			r.OK = append(r.OK, s)
		default:
			r.Altered = append(r.Altered, Alteration{Seed: s, Changes: best})
		}
	}
	return r, nil
}

// fetch reads the mapped columns of the rows query selects.
func (p *prepared) fetch(ctx context.Context, db *sql.DB, query string, arg any) ([][]any, error) {
	rows, err := db.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(p.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// compare returns the mapped columns whose value in got differs from what s planted.
func (p *prepared) compare(s canary.Seed, want, got []any) []Change {
	var changes []Change
	for i, mc := range p.cols {
		if !p.same(mc, s, want[i], got[i]) {
			changes = append(changes, Change{Column: mc.col.name, Want: display(want[i]), Got: display(got[i])})
		}
	}
	return changes
}

// same reports whether got still holds what want planted in mc.
func (p *prepared) same(mc mapped, s canary.Seed, want, got any) bool {
	g := display(got)
	if want == nil || display(want) == "" {
		return g == ""
	}
	switch mc.role {
	case roleEmail:
		a, errA := canary.NormalizeEmail(s.Email)
		b, errB := canary.NormalizeEmail(g)
		return errA == nil && errB == nil && a == b
	case roleGiven, roleFamily, roleFull:
		return canary.NormalizeName(display(want)) == canary.NormalizeName(g)
	case rolePhone:
		e164, err := canary.NormalizePhone(g, phoneRegion(s.Phone))
		return err == nil && e164 == s.Phone
	case roleTicket:
		a, errA := canary.NormalizeTicket(s.Ticket)
		b, errB := canary.NormalizeTicket(g)
		return errA == nil && errB == nil && a == b || display(want) == g
	case roleCreated:
		return p.sameTime(mc.col, s.CreatedAt, got)
	}
	return display(want) == g
}

// sameTime compares a planted creation time with what the column holds, at
// the precision the column keeps.
func (p *prepared) sameTime(c *column, want time.Time, got any) bool {
	switch g := got.(type) {
	case time.Time:
		if c.kind == kindLocalTime {
			g = time.Date(g.Year(), g.Month(), g.Day(), g.Hour(), g.Minute(), g.Second(), g.Nanosecond(), p.m.Zone)
		}
		if c.declared == "date" {
			return g.Format(time.DateOnly) == want.In(p.m.Zone).Format(time.DateOnly)
		}
		return g.Truncate(time.Microsecond).Equal(want.Truncate(time.Microsecond))
	case nil:
		return false
	}
	return display(p.timeValue(c, want)) == display(got)
}

// display writes a value as text for comparison and for the report.
func display(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case []byte:
		return strings.TrimSpace(string(v))
	case bool:
		if v {
			return "1"
		}
		return "0"
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return strings.TrimSpace(fmt.Sprint(v))
}
