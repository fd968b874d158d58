package plant

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ColumnProfile is what Learn measures of one column of the host table,
// mapped or not, from aggregates: counts, never values, except the values of
// a low-cardinality column that at least LearnOptions.MinValueCount rows
// share.
type ColumnProfile struct {
	// Name is the column as the database spells it; Type its declared type.
	Name, Type string
	// Role is the seed part the Mapping puts there ("email", "given",
	// "family", "full", "phone", "ticket", "created", "extra"), or "" for
	// a column the Mapping leaves out.
	Role string
	// NotNull, HasDefault and AutoID are what the schema says: the column
	// refuses NULL, has a default, or is numbered by the database (a rowid
	// alias, serial or identity column).
	NotNull, HasDefault, AutoID bool
	// Rows is how many rows were profiled; Nulls how many hold NULL and
	// Blanks how many hold text that is empty or only spaces.
	Rows, Nulls, Blanks int
	// Distinct is the number of distinct non-NULL values.
	Distinct int
	// MaxLen is the longest value, in characters of its text form.
	MaxLen int
	// Values holds, for a low-cardinality column (at most
	// LearnOptions.MaxValues distinct values) or a column of towns (see
	// Filler), each value held by at least MinValueCount rows, most
	// frequent first; Other counts the non-empty
	// rows holding a value not listed. Nil for other columns.
	Values []ValueCount
	Other  int
}

// ValueCount is one value of a low-cardinality column and how many rows hold it.
type ValueCount struct {
	Value string
	Count int
}

// EmptyRate is the share of rows where the column is NULL or blank.
func (c ColumnProfile) EmptyRate() float64 {
	if c.Rows == 0 {
		return 0
	}
	return float64(c.Nulls+c.Blanks) / float64(c.Rows)
}

// Filled reports whether the host fills the column in any profiled row.
func (c ColumnProfile) Filled() bool { return c.Rows > c.Nulls+c.Blanks }

// EmptyPattern is one combination of empty columns and how many rows have
// exactly that combination: the columns listed are NULL or blank, every
// other column that is ever empty is filled. Together the patterns of a
// Shape cover every profiled row.
type EmptyPattern struct {
	Columns []string // sorted by table order; nil: no column empty
	Rows    int
}

// maxPatternColumns bounds the columns whose joint emptiness Learn tracks:
// one bit each in a 64-bit integer computed by the database.
const maxPatternColumns = 62

// profileColumns measures every column of the table with aggregate queries
// over src (the table, or a random sample of it), and the joint pattern of
// empty columns.
func profileColumns(ctx context.Context, p *prepared, src string, opts LearnOptions) ([]ColumnProfile, []EmptyPattern, error) {
	t := p.t
	roles := map[*column]string{}
	for _, mc := range p.cols {
		roles[mc.col] = roleName(mc.role)
	}
	cols := make([]ColumnProfile, len(t.columns))
	var exprs []string
	for i := range t.columns {
		c := &t.columns[i]
		cols[i] = ColumnProfile{Name: c.name, Type: c.declared, Role: roles[c], NotNull: c.notNull,
			HasDefault: c.hasDefault, AutoID: c.autoID}
		q, txt := quote(c.name), textOf(p.d, c)
		exprs = append(exprs,
			"COUNT(*) - COUNT("+q+")",
			"COALESCE(SUM(CASE WHEN "+q+" IS NOT NULL AND TRIM("+txt+") = '' THEN 1 ELSE 0 END), 0)",
			"COUNT(DISTINCT "+txt+")",
			"COALESCE(MAX(LENGTH("+txt+")), 0)")
	}
	query := "SELECT COUNT(*), " + strings.Join(exprs, ", ") + " FROM " + src
	vals := make([]int64, 1+len(exprs))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := p.q.QueryRowContext(ctx, query).Scan(ptrs...); err != nil {
		return nil, nil, fmt.Errorf("plant: profiling the columns of %q: %w", t.name, err)
	}
	rows := int(vals[0])
	for i := range cols {
		v := vals[1+4*i:]
		cols[i].Rows, cols[i].Nulls, cols[i].Blanks = rows, int(v[0]), int(v[1])
		cols[i].Distinct, cols[i].MaxLen = int(v[2]), int(v[3])
	}

	for i := range cols {
		c := &cols[i]
		limit := opts.MaxValues
		switch {
		case lowCardinality(*c, opts):
		case placeColumn(*c):
			limit = maxPlacesListed // a city held by several rows is a category too
		default:
			continue
		}
		if err := profileValues(ctx, p, src, &t.columns[i], c, opts, limit); err != nil {
			return nil, nil, err
		}
	}
	patterns, err := profileEmpties(ctx, p, src, cols)
	if err != nil {
		return nil, nil, err
	}
	return cols, patterns, nil
}

// lowCardinality reports whether Learn lists a column's values: few
// distinct values, shared by many rows, in a column that does not identify a
// person (names, addresses, numbers and tickets never qualify).
func lowCardinality(c ColumnProfile, opts LearnOptions) bool {
	switch c.Role {
	case "email", "given", "family", "full", "phone", "ticket", "created":
		return false
	}
	filled := c.Rows - c.Nulls - c.Blanks
	return c.Distinct > 0 && c.Distinct <= opts.MaxValues && filled >= opts.MinValueCount && c.MaxLen <= maxListedValueLen
}

// maxPlacesListed bounds the cities Learn lists of a city column, each held
// by at least MinValueCount rows: where the host's customers live, so that
// a Filler puts seeds in the same towns.
const maxPlacesListed = 5000

// placeColumn reports whether an unmapped column holds towns (its name says
// city, town or locality), whose values Learn lists however many there are.
func placeColumn(c ColumnProfile) bool {
	if c.Role != "" && c.Role != "extra" {
		return false
	}
	k, _ := classifyColumn(ColumnProfile{Name: c.Name}, "")
	filled := c.Rows - c.Nulls - c.Blanks
	return k == fillCity && c.Distinct > 0 && c.MaxLen <= maxListedValueLen && filled > 0
}

// maxListedValueLen bounds the values Learn lists: category names, not text.
const maxListedValueLen = 64

// textOf returns an SQL expression for c's value as text.
func textOf(d Dialect, c *column) string {
	q := quote(c.name)
	if d == PostgreSQL && c.declared == "bytea" {
		return "encode(" + q + ", 'hex')"
	}
	return "CAST(" + q + " AS TEXT)"
}

func profileValues(ctx context.Context, p *prepared, src string, col *column, c *ColumnProfile, opts LearnOptions, limit int) error {
	txt := textOf(p.d, col)
	query := "SELECT " + txt + ", COUNT(*) FROM " + src + " WHERE " + quote(col.name) + " IS NOT NULL AND TRIM(" + txt + ") <> ''" +
		" GROUP BY " + txt + " HAVING COUNT(*) >= " + strconv.Itoa(opts.MinValueCount) +
		" ORDER BY COUNT(*) DESC, " + txt + " LIMIT " + strconv.Itoa(limit)
	listed := 0
	err := groupCounts(ctx, p, query, "values of", col.name, func(v string, n int) {
		if v == "" {
			return // binary: not a category a seed can copy
		}
		c.Values = append(c.Values, ValueCount{Value: v, Count: n})
		listed += n
	})
	if err != nil {
		return err
	}
	c.Other = c.Rows - c.Nulls - c.Blanks - listed
	return nil
}

// groupCounts runs query, which selects a value and a count, and hands each
// to each: the value as text, or "" where it is binary or too long to be a
// value a seed could hold. what and col name the column in errors.
func groupCounts(ctx context.Context, p *prepared, query, what, col string, each func(v string, n int)) error {
	rows, err := p.q.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("plant: counting the %s %q: %w", what, col, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v []byte
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return fmt.Errorf("plant: counting the %s %q: %w", what, col, err)
		}
		if !utf8.Valid(v) || len(v) > maxListedValueLen*4 {
			v = nil
		}
		each(string(v), n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("plant: counting the %s %q: %w", what, col, err)
	}
	return nil
}

// profileEmpties counts the rows by which of the ever-empty columns they
// leave empty, one bit per column, grouped by the database.
func profileEmpties(ctx context.Context, p *prepared, src string, cols []ColumnProfile) ([]EmptyPattern, error) {
	var bits []int // column index per bit
	var terms []string
	for i := range cols {
		if cols[i].Nulls+cols[i].Blanks == 0 || len(bits) == maxPatternColumns {
			continue
		}
		c := &p.t.columns[i]
		terms = append(terms, "CASE WHEN "+quote(c.name)+" IS NULL OR TRIM("+textOf(p.d, c)+") = '' THEN CAST("+
			strconv.FormatUint(1<<len(bits), 10)+" AS BIGINT) ELSE 0 END")
		bits = append(bits, i)
	}
	if len(bits) == 0 {
		if cols[0].Rows == 0 {
			return nil, nil
		}
		return []EmptyPattern{{Rows: cols[0].Rows}}, nil
	}
	query := "SELECT m, COUNT(*) FROM (SELECT " + strings.Join(terms, " + ") + " AS m FROM " + src + ") e GROUP BY m ORDER BY COUNT(*) DESC, m"
	rows, err := p.q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("plant: counting empty columns together: %w", err)
	}
	defer rows.Close()
	var out []EmptyPattern
	for rows.Next() {
		var m int64
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			return nil, fmt.Errorf("plant: counting empty columns together: %w", err)
		}
		var names []string
		for b, i := range bits {
			if m&(1<<b) != 0 {
				names = append(names, cols[i].Name)
			}
		}
		out = append(out, EmptyPattern{Columns: names, Rows: n})
	}
	return out, rows.Err()
}

func roleName(r role) string {
	switch r {
	case roleEmail:
		return "email"
	case roleGiven:
		return "given"
	case roleFamily:
		return "family"
	case roleFull:
		return "full"
	case rolePhone:
		return "phone"
	case roleTicket:
		return "ticket"
	case roleCreated:
		return "created"
	case roleExtra:
		return "extra"
	}
	return ""
}

// Column returns the profile of the column named name (compared ignoring
// case), and whether there is one.
func (s Shape) Column(name string) (ColumnProfile, bool) {
	i := slices.IndexFunc(s.Columns, func(c ColumnProfile) bool { return strings.EqualFold(c.Name, name) })
	if i < 0 {
		return ColumnProfile{}, false
	}
	return s.Columns[i], true
}
