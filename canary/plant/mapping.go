package plant

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/honeyseed/honeyseed/canary"
)

// Mapping says where each part of a seed goes in the host table. Only Table
// and Email are required; a part whose column is "" is not planted. Column
// names are compared as the database does (ignoring case when only the case
// differs) and are always quoted in SQL, never spliced in as written.
type Mapping struct {
	// Dialect of the database. Zero: told from the driver or the server.
	Dialect Dialect

	// Schema holds the table: a PostgreSQL schema (default: the connection's
	// current schema) or an attached SQLite database (default: main).
	Schema string
	// Table is the host table, e.g. "customers". Required.
	Table string

	// Email is the column of the address. Required: it is how Check finds a
	// planted row again.
	Email string

	// GivenName and FamilyName take the name in parts; FullName takes
	// "Given Family". Map the parts, the whole, or both, as the host has them.
	GivenName, FamilyName, FullName string
	// MiddleInitials is the share of seeds whose name is written with a
	// middle initial ("John A." in the given-name column, "John A. Smith"
	// in the full-name one), chosen, with the letter, from the seed's ID, so
	// the same seed is always written the same way; MiddleInitialDot is the
	// share of those initials written with a dot. The seed itself keeps
	// its name: the initial is how the row writes it, never what the
	// matcher looks for. Shape.ApplyMapping sets the host's.
	MiddleInitials, MiddleInitialDot float64

	// Phone is the column of the phone number, written in PhoneFormat (default
	// E164; Shape.ApplyMapping sets the host's). A seed without a phone gets
	// NULL there, or "" when the column is NOT NULL.
	Phone       string
	PhoneFormat PhoneFormat
	// PhoneFormats, when set, writes each seed's number in one of several
	// formats, drawn by these weights from the seed's ID (so the same seed
	// is always written the same way): a host whose rows mix "(415)
	// 555-0132" and "415-555-0132" gets seeds mixed alike. It overrides
	// PhoneFormat; Shape.ApplyMapping sets the host's mix.
	PhoneFormats map[PhoneFormat]float64

	// Ticket is the column of the ticket reference, as the seed holds it. An
	// integer column takes a reference made of digits only.
	Ticket string

	// CreatedAt is the column of the record's creation time, written as
	// CreatedLayout says: a Go time layout ("2006-01-02 15:04:05") for text,
	// CreatedUnix or CreatedUnixMilli for numbers. Empty: by the column's type
	// (a time for PostgreSQL timestamps and dates, Unix seconds for integers,
	// text "2006-01-02 15:04:05" otherwise, the form SQLite's CURRENT_TIMESTAMP
	// writes). Shape.ApplyMapping sets the layout the host's text uses.
	CreatedAt     string
	CreatedLayout string

	// Zone is the host's time zone: times written without an offset (text
	// layouts without one, PostgreSQL timestamp without time zone) are its
	// wall-clock times, and Learn counts hours and weekdays in it. Default UTC.
	Zone *time.Location

	// Extra fills further columns with constants, templates or seed fields.
	Extra []Extra

	// ID is the host's row id column, used only to read rows in the order
	// the host added them (Learn's OrderProfile, the next ticket at insert
	// time); it is never written. Default: the table's one column the
	// database numbers (SQLite's INTEGER PRIMARY KEY, a serial or identity
	// column).
	ID string
}

// The CreatedLayout values for numeric timestamps.
const (
	CreatedUnix      = "unix"      // seconds since 1970-01-01 UTC
	CreatedUnixMilli = "unixmilli" // milliseconds since 1970-01-01 UTC
)

// DefaultTextLayout is how a creation time is written to a text column when
// Mapping.CreatedLayout is empty.
const DefaultTextLayout = "2006-01-02 15:04:05"

// Extra fills one more column of each planted row.
type Extra struct {
	// Column is the column's name.
	Column string
	// Template, when set, is a text/template executed over the canary.Seed:
	// "{{.Fields.city}}", "{{.Name.Given | lower}}", "{{date \"2006-01\"
	// .CreatedAt}}". A missing map key is an error, not "<no value>". The
	// functions are lower, upper and date.
	Template string
	// Value is a constant, passed to the driver as it is ("web", true, 3),
	// when Template and Field are empty. Nil writes NULL.
	Value any
	// Field, when set (and Template is not), writes the seed's
	// Fields[Field]: NULL when the seed has no such field, or "" when the
	// column is NOT NULL text. This is how a Filler's values reach their
	// columns.
	Field string
}

// maxValueLen bounds any one value written, whatever its column allows.
const maxValueLen = 1 << 16

// role is which part of a seed a mapped column takes.
type role uint8

const (
	roleEmail role = iota + 1
	roleGiven
	roleFamily
	roleFull
	rolePhone
	roleTicket
	roleCreated
	roleExtra
)

// mapped is one column of the mapping, resolved against the host table.
type mapped struct {
	role  role
	col   *column
	tmpl  *template.Template // roleExtra with a template
	field string             // roleExtra from a seed field
	value any                // roleExtra with neither
}

// prepared is a Mapping checked against the host table, ready to render rows.
type prepared struct {
	q      queryer // what prepare read the columns through: the database or the transaction
	d      Dialect
	t      *table
	m      Mapping
	cols   []mapped
	layout string // for roleCreated: a Go layout, CreatedUnix, CreatedUnixMilli, or "" for a time value
}

var templateFuncs = template.FuncMap{
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"date":  func(layout string, t time.Time) string { return t.Format(layout) },
}

// prepare checks m and resolves it against the host table, reading the
// table's columns through q (the database or the transaction about to write).
func prepare(ctx context.Context, db *sql.DB, q queryer, m Mapping) (*prepared, error) {
	return prepareWith(ctx, db, q, m, true)
}

// prepareWith is prepare; forWrite adds the checks only a write needs (every
// NOT NULL column without a default is mapped).
func prepareWith(ctx context.Context, db *sql.DB, q queryer, m Mapping, forWrite bool) (*prepared, error) {
	if m.Table == "" {
		return nil, fmt.Errorf("%w: no table", ErrMapping)
	}
	if m.Email == "" {
		return nil, fmt.Errorf("%w: no email column: Check finds planted rows by email", ErrMapping)
	}
	if m.Zone == nil {
		m.Zone = time.UTC
	}
	if m.PhoneFormat != "" {
		f, err := ParsePhoneFormat(string(m.PhoneFormat))
		if err != nil {
			return nil, fmt.Errorf("%w: PhoneFormat: %w", ErrMapping, err)
		}
		m.PhoneFormat = f
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"MiddleInitials", m.MiddleInitials}, {"MiddleInitialDot", m.MiddleInitialDot}} {
		if !(f.v >= 0 && f.v <= 1) {
			return nil, fmt.Errorf("%w: %s: %v is not a share between 0 and 1", ErrMapping, f.name, f.v)
		}
	}
	if len(m.PhoneFormats) > 0 {
		mix := make(map[PhoneFormat]float64, len(m.PhoneFormats))
		for f, w := range m.PhoneFormats {
			pf, err := ParsePhoneFormat(string(f))
			if err != nil {
				return nil, fmt.Errorf("%w: PhoneFormats: %w", ErrMapping, err)
			}
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("%w: PhoneFormats: %q has weight %v", ErrMapping, f, w)
			}
			mix[pf] += w
		}
		m.PhoneFormats = mix
	}
	type want struct {
		role role
		name string
		ex   *Extra
	}
	wants := []want{{roleEmail, m.Email, nil}}
	for _, w := range []want{
		{roleGiven, m.GivenName, nil}, {roleFamily, m.FamilyName, nil}, {roleFull, m.FullName, nil},
		{rolePhone, m.Phone, nil}, {roleTicket, m.Ticket, nil}, {roleCreated, m.CreatedAt, nil},
	} {
		if w.name != "" {
			wants = append(wants, w)
		}
	}
	for i := range m.Extra {
		wants = append(wants, want{roleExtra, m.Extra[i].Column, &m.Extra[i]})
	}
	for _, w := range wants {
		if err := checkIdent("column", w.name); err != nil {
			return nil, err
		}
	}

	d := m.Dialect
	if d == DetectDialect {
		var err error
		if d, err = detect(ctx, db); err != nil {
			return nil, err
		}
	}
	t, err := introspect(ctx, q, d, m.Schema, m.Table)
	if err != nil {
		return nil, err
	}
	p := &prepared{q: q, d: d, t: t, m: m}
	used := make(map[*column]bool)
	for _, w := range wants {
		c, ok := t.find(w.name)
		if !ok {
			return nil, fmt.Errorf("%w: table %q has no column %q", ErrNoColumn, t.name, w.name)
		}
		if c.generated {
			return nil, fmt.Errorf("%w: column %q is generated by the database", ErrMapping, c.name)
		}
		if used[c] {
			return nil, fmt.Errorf("%w: column %q is mapped twice", ErrMapping, c.name)
		}
		used[c] = true
		mc := mapped{role: w.role, col: c}
		if w.ex != nil {
			if w.ex.Template != "" {
				tm, err := template.New(c.name).Option("missingkey=error").Funcs(templateFuncs).Parse(w.ex.Template)
				if err != nil {
					return nil, fmt.Errorf("%w: column %q: %w", ErrMapping, c.name, err)
				}
				mc.tmpl = tm
			} else if w.ex.Field != "" {
				mc.field = w.ex.Field
			} else {
				mc.value = w.ex.Value
			}
		}
		p.cols = append(p.cols, mc)
	}
	for i := range t.columns {
		if c := &t.columns[i]; forWrite && c.notNull && !c.hasDefault && !c.generated && !used[c] {
			return nil, fmt.Errorf("%w: column %q of %q is NOT NULL, has no default and is not mapped", ErrValueDoesNotFit, c.name, t.name)
		}
	}
	if c := p.col(roleCreated); c != nil {
		p.layout = m.CreatedLayout
		if p.layout == "" {
			switch c.kind {
			case kindTimestamp, kindLocalTime:
			case kindInteger:
				p.layout = CreatedUnix
			default:
				p.layout = DefaultTextLayout
			}
		}
	}
	return p, nil
}

// col returns the column mapped to r, or nil.
func (p *prepared) col(r role) *column {
	for _, c := range p.cols {
		if c.role == r {
			return c.col
		}
	}
	return nil
}

// render returns the values of s for p.cols, each checked against its column.
func (p *prepared) render(s canary.Seed) ([]any, error) {
	if s.Email == "" {
		return nil, fmt.Errorf("%w: seed %s has no email", ErrInvalidInput, s.ID)
	}
	out := make([]any, len(p.cols))
	for i, mc := range p.cols {
		v, err := p.value(mc, s)
		if err == nil {
			v, err = fit(mc.col, v)
		}
		if err != nil {
			return nil, fmt.Errorf("%w (seed %s, column %q)", err, s.ID, mc.col.name)
		}
		out[i] = v
	}
	return out, nil
}

// value is what s plants in mc, before the column's checks. Empty parts are nil.
func (p *prepared) value(mc mapped, s canary.Seed) (any, error) {
	str := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	switch mc.role {
	case roleEmail:
		return s.Email, nil
	case roleGiven:
		if mi := p.middleInitial(s); mi != "" && s.Name.Given != "" {
			return s.Name.Given + " " + mi, nil
		}
		return str(s.Name.Given), nil
	case roleFamily:
		return str(s.Name.Family), nil
	case roleFull:
		if mi := p.middleInitial(s); mi != "" && s.Name.Given != "" && s.Name.Family != "" {
			return s.Name.Given + " " + mi + " " + s.Name.Family, nil
		}
		return str(s.Name.String()), nil
	case rolePhone:
		if s.Phone == "" {
			return nil, nil
		}
		if f := p.phoneFormat(s); f != p.m.PhoneFormat {
			if v, err := f.Format(s.Phone); err == nil {
				return v, nil
			} // a pattern of another country's numbers: the main format
		}
		return p.m.PhoneFormat.Format(s.Phone)
	case roleTicket:
		return str(s.Ticket), nil
	case roleCreated:
		if s.CreatedAt.IsZero() {
			return nil, nil
		}
		return p.timeValue(mc.col, s.CreatedAt), nil
	case roleExtra:
		if mc.field != "" {
			v, ok := s.Fields[mc.field]
			if !ok {
				return nil, nil
			}
			return v, nil
		}
		if mc.tmpl == nil {
			return mc.value, nil
		}
		var b strings.Builder
		if err := mc.tmpl.Execute(&limitedWriter{&b, maxValueLen}, s); err != nil {
			return nil, fmt.Errorf("%w: template: %w", ErrMapping, err)
		}
		return b.String(), nil
	}
	return nil, fmt.Errorf("plant: unknown role %d", mc.role)
}

// timeValue writes t as the mapping's layout, or the column's type, asks.
func (p *prepared) timeValue(c *column, t time.Time) any {
	switch p.layout {
	case "":
		if c.kind == kindLocalTime {
			return t.In(p.m.Zone) // the driver writes its wall clock
		}
		return t
	case CreatedUnix:
		return t.Unix()
	case CreatedUnixMilli:
		return t.UnixMilli()
	}
	return t.In(p.m.Zone).Format(p.layout)
}

// fit checks v against c and converts it to what the column stores.
func fit(c *column, v any) (any, error) {
	s, isString := v.(string)
	switch {
	case v == nil:
		if !c.notNull {
			return nil, nil
		}
		if c.kind == kindText {
			return "", nil
		}
		return nil, fmt.Errorf("%w: no value for NOT NULL column of type %s", ErrValueDoesNotFit, c.declared)
	case !isString:
		return v, nil
	case len(s) > maxValueLen:
		return nil, fmt.Errorf("%w: value longer than %d bytes", ErrValueDoesNotFit, maxValueLen)
	case c.maxLen > 0 && utf8.RuneCountInString(s) > c.maxLen:
		return nil, fmt.Errorf("%w: %d characters for %s", ErrValueDoesNotFit, utf8.RuneCountInString(s), c.declared)
	case c.kind == kindInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: not an integer, for %s", ErrValueDoesNotFit, c.declared)
		}
		return n, nil
	}
	return s, nil
}

// limitedWriter fails a template that writes more than n bytes.
type limitedWriter struct {
	w *strings.Builder
	n int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	if l.w.Len()+len(b) > l.n {
		return 0, fmt.Errorf("%w: template output longer than %d bytes", ErrValueDoesNotFit, l.n)
	}
	return l.w.Write(b)
}

// phoneFormat is the format s's number is written in: PhoneFormat, or one
// of PhoneFormats drawn by weight from the seed's ID.
func (p *prepared) phoneFormat(s canary.Seed) PhoneFormat {
	mix := p.m.PhoneFormats
	if len(mix) == 0 {
		return p.m.PhoneFormat
	}
	formats := slices.Sorted(maps.Keys(mix))
	total := 0.0
	for _, f := range formats {
		total += mix[f]
	}
	if total <= 0 {
		return p.m.PhoneFormat
	}
	// The ID's last eight bytes are random but for the two variant bits.
	x := float64(binary.BigEndian.Uint64(s.ID[8:])<<2>>11) / (1 << 53) * total
	for _, f := range formats {
		if x -= mix[f]; x < 0 {
			return f
		}
	}
	return formats[len(formats)-1]
}

// middleInitials are the letters middle names most often start with, each
// as often as the next: a seed's initial is one of them.
const middleInitials = "AABCDEFGHJJKLLMMNPRSTW"

// middleInitial returns the middle initial the seed's name is written with
// ("A." or "A", in the name's case), or "" for none: drawn from the ID's
// first six bytes (random in every UUID version honeyseed makes), apart
// from the last eight that phoneFormat reads.
func (p *prepared) middleInitial(s canary.Seed) string {
	share := p.m.MiddleInitials
	if share <= 0 {
		return ""
	}
	x := float64(uint64(s.ID[0])<<40|uint64(s.ID[1])<<32|uint64(s.ID[2])<<24|uint64(s.ID[3])<<16|uint64(s.ID[4])<<8|uint64(s.ID[5])) / (1 << 48)
	if x >= share {
		return ""
	}
	// Where x fell below share says which letter and whether a dot, so
	// neither follows from the other.
	y := x / share
	mi := string(middleInitials[int(y*float64(len(middleInitials)))%len(middleInitials)])
	if frac := y*float64(len(middleInitials)) - math.Floor(y*float64(len(middleInitials))); frac < p.m.MiddleInitialDot {
		mi += "."
	}
	if g := s.Name.Given; g != "" && strings.ToLower(g) == g && strings.ToUpper(g) != g {
		mi = strings.ToLower(mi) // all in lower case, as the name is
	}
	return mi
}
