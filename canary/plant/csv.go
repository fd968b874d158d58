package plant

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/honeyseed/honeyseed/canary"
)

// CSVFormat is the user-import file format of a support or CRM tool, for
// SaaS hosts that take a file rather than SQL.
type CSVFormat uint8

// The formats. Each writes a header row with the column names the tool's
// importer maps by itself, then one row per seed.
const (
	// CSVZendesk: Zendesk Support's bulk user import (Admin Center, Data
	// importer, or the legacy Bulk actions page). Columns name, email, phone,
	// in the order Zendesk lists its user fields; with Fields, "details" (the
	// city: Zendesk's free text for an address) and "organization" (the
	// company; Zendesk needs the organization to exist before the import).
	// Phones default to E.164, the form Zendesk's phone field keeps.
	CSVZendesk CSVFormat = iota + 1
	// CSVSalesforce: Salesforce's Data Import Wizard for contacts, with the
	// labels of its "Field Mapping for Other Data Sources" table: First Name,
	// Last Name, Email, Business Phone; with Fields, Account Name, Mailing
	// City, Mailing Zip/Postal Code. Salesforce stores phones as text as
	// given, so they default to the international form ("+1 415-555-0132").
	CSVSalesforce
	// CSVHubSpot: HubSpot's contact import, with the default contact
	// properties' labels: First Name, Last Name, Email, Phone Number; with
	// Fields, Company Name, City, Postal Code. HubSpot's phone validation
	// expects E.164, the default.
	CSVHubSpot
	// CSVPlain: every part of the seed under plain names: given_name,
	// family_name, email, phone, ticket, created_at (RFC 3339, UTC), then
	// the Fields by their own names.
	CSVPlain
)

var csvFormatNames = [...]string{CSVZendesk: "zendesk", CSVSalesforce: "salesforce", CSVHubSpot: "hubspot", CSVPlain: "plain"}

func (f CSVFormat) String() string {
	if int(f) < len(csvFormatNames) && csvFormatNames[f] != "" {
		return csvFormatNames[f]
	}
	return fmt.Sprintf("CSVFormat(%d)", uint8(f))
}

// ParseCSVFormat reads a format name: "zendesk", "salesforce", "hubspot" or
// "plain", in any case. Anything else is an error wrapping ErrInvalidInput.
func ParseCSVFormat(name string) (CSVFormat, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range csvFormatNames {
		if s != "" && s == n {
			return CSVFormat(i), nil
		}
	}
	if len(name) > 40 {
		name = name[:40] + "…"
	}
	return 0, fmt.Errorf("%w: unknown CSV format %q: known formats are zendesk, salesforce, hubspot and plain", ErrInvalidInput, name)
}

// MarshalText encodes f as its name.
func (f CSVFormat) MarshalText() ([]byte, error) {
	if int(f) >= len(csvFormatNames) || csvFormatNames[f] == "" {
		return nil, fmt.Errorf("%w: unknown CSV format %d", ErrInvalidInput, uint8(f))
	}
	return []byte(csvFormatNames[f]), nil
}

// UnmarshalText decodes a format name, as ParseCSVFormat does.
func (f *CSVFormat) UnmarshalText(b []byte) error {
	v, err := ParseCSVFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// CSVOptions tunes WriteCSV. The zero value writes the format's own columns.
type CSVOptions struct {
	// PhoneFormat overrides the format's default way of writing phones.
	PhoneFormat PhoneFormat
	// Fields lists the seed's extra fields to add as columns: "city",
	// "company", "postcode", under the names the format gives them. A field a
	// format has no column for is an error wrapping ErrInvalidInput.
	Fields []string
	// TicketColumn, when set, adds Seed.Ticket under that header, for a
	// tool whose real records carry a reference there ("external_id" in
	// Zendesk, a custom field elsewhere). Leave it empty when real records
	// have none: a column only canaries fill would single them out. CSVPlain
	// always has a "ticket" column.
	TicketColumn string
	// CRLF ends lines with "\r\n" (RFC 4180, what Excel writes) instead of "\n".
	CRLF bool
	// Host, when set, is the tool's own export of its records (ReadCSVRows):
	// the seeds' rows are audited against it before anything is written, and
	// a failed audit is an *AuditError unless Force is set. Audit tunes it.
	Host  []Row
	Audit AuditOptions
	Force bool
	// Columns adds further columns, each written from the seed's Fields
	// under its own header: the columns a Filler fills for a host learned
	// with LearnCSV (use Filler.Columns). A seed without the field gets an
	// empty cell.
	Columns []string
}

// csvColumn is one column of a format: its header and how a seed fills it.
type csvColumn struct {
	header string
	value  func(s canary.Seed, phone PhoneFormat) (string, error)
	phone  bool // holds a phone number: exempt from the formula guard, see guard
}

// csvLayout describes a format.
type csvLayout struct {
	columns []csvColumn
	fields  map[string]string // seed field -> header
	phone   PhoneFormat
	order   []string // headers in the order the tool wants them, when it cares
}

// The ways a column of a format is filled from a seed.
func cellGiven(s canary.Seed, _ PhoneFormat) (string, error)  { return s.Name.Given, nil }
func cellFamily(s canary.Seed, _ PhoneFormat) (string, error) { return s.Name.Family, nil }
func cellName(s canary.Seed, _ PhoneFormat) (string, error)   { return s.Name.String(), nil }
func cellEmail(s canary.Seed, _ PhoneFormat) (string, error)  { return s.Email, nil }
func cellTicket(s canary.Seed, _ PhoneFormat) (string, error) { return s.Ticket, nil }

func cellCreated(s canary.Seed, _ PhoneFormat) (string, error) {
	if s.CreatedAt.IsZero() {
		return "", nil
	}
	return s.CreatedAt.UTC().Format(time.RFC3339), nil
}

func cellPhone(s canary.Seed, f PhoneFormat) (string, error) {
	if s.Phone == "" {
		return "", nil
	}
	return f.Format(s.Phone)
}

var csvLayouts = map[CSVFormat]csvLayout{
	CSVZendesk: {
		columns: []csvColumn{{"name", cellName, false}, {"email", cellEmail, false}, {"phone", cellPhone, true}},
		fields:  map[string]string{"city": "details", "company": "organization"},
		phone:   E164,
		// Zendesk's legacy importer wants its columns in the order of its field table.
		order: []string{"name", "email", "external_id", "details", "notes", "phone", "shared_phone_number", "role", "restriction", "organization", "tags", "brand"},
	},
	CSVSalesforce: {
		columns: []csvColumn{{"First Name", cellGiven, false}, {"Last Name", cellFamily, false}, {"Email", cellEmail, false}, {"Business Phone", cellPhone, true}},
		fields:  map[string]string{"company": "Account Name", "city": "Mailing City", "postcode": "Mailing Zip/Postal Code"},
		phone:   International,
	},
	CSVHubSpot: {
		columns: []csvColumn{{"First Name", cellGiven, false}, {"Last Name", cellFamily, false}, {"Email", cellEmail, false}, {"Phone Number", cellPhone, true}},
		fields:  map[string]string{"company": "Company Name", "city": "City", "postcode": "Postal Code"},
		phone:   E164,
	},
	CSVPlain: {
		columns: []csvColumn{
			{"given_name", cellGiven, false}, {"family_name", cellFamily, false}, {"email", cellEmail, false},
			{"phone", cellPhone, true}, {"ticket", cellTicket, false}, {"created_at", cellCreated, false},
		},
		fields: map[string]string{"city": "city", "company": "company", "postcode": "postcode"},
		phone:  E164,
	},
}

// WriteCSV writes seeds as an import file of format f: a header row, then
// one row per seed, quoted by encoding/csv.
//
// Every cell that a spreadsheet would run as a formula, one starting with
// '=', '+', '-', '@', a tab or a carriage return (after any spaces), gets a
// leading apostrophe, which spreadsheets read as "this is text" (OWASP's
// advice against CSV injection). Seeds never need it (names come from the
// name tables, addresses from the operator's domains) but templates and
// fields could carry one. Phone cells are the exception: a number starting
// with '+' is how the tools want it, and the apostrophe would become part of
// the stored number. A phone cell is written only when it holds nothing but
// digits and " +-()./" (which no formula can be made of) and is refused
// otherwise. Do not round-trip the file through a spreadsheet: it would
// read "+14155550132" as a number and drop the '+'.
//
// Nothing is written unless every seed renders: an error leaves w untouched.
func WriteCSV(w io.Writer, f CSVFormat, seeds []canary.Seed, opts CSVOptions) error {
	layout, ok := csvLayouts[f]
	if !ok {
		return fmt.Errorf("%w: unknown CSV format %d", ErrInvalidInput, uint8(f))
	}
	cols, err := layout.columnsFor(f, opts)
	if err != nil {
		return err
	}
	pf := layout.phone
	if opts.PhoneFormat != "" {
		if pf, err = ParsePhoneFormat(string(opts.PhoneFormat)); err != nil {
			return err
		}
	}
	records := make([][]string, 0, len(seeds)+1)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.header
	}
	records = append(records, header)
	for _, s := range seeds {
		rec := make([]string, len(cols))
		for i, c := range cols {
			v, err := c.value(s, pf)
			if err != nil {
				return fmt.Errorf("%w (seed %s, column %q)", err, s.ID, c.header)
			}
			if rec[i], err = guard(v, c.phone); err != nil {
				return fmt.Errorf("%w (seed %s, column %q)", err, s.ID, c.header)
			}
		}
		records = append(records, rec)
	}
	if err := auditCSV(records, opts); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = opts.CRLF
	if err := cw.WriteAll(records); err != nil {
		return fmt.Errorf("plant: writing CSV: %w", err)
	}
	return nil
}

// columnsFor returns the columns of the format with the options' additions, in
// the order the tool wants.
func (l csvLayout) columnsFor(f CSVFormat, opts CSVOptions) ([]csvColumn, error) {
	cols := slices.Clone(l.columns)
	for _, name := range opts.Fields {
		header, ok := l.fields[name]
		if !ok {
			return nil, fmt.Errorf("%w: the %s format has no column for the field %q", ErrInvalidInput, f, name)
		}
		cols = append(cols, csvColumn{header: header, value: func(s canary.Seed, _ PhoneFormat) (string, error) {
			return s.Fields[name], nil
		}})
	}
	for _, h := range opts.Columns {
		if g, _ := guard(h, false); g != h || strings.IndexFunc(h, unicode.IsControl) >= 0 || h != strings.TrimSpace(h) || h == "" || len(h) > 100 {
			return nil, fmt.Errorf("%w: column %q is not a plain header", ErrInvalidInput, h)
		}
		cols = append(cols, csvColumn{header: h, value: func(s canary.Seed, _ PhoneFormat) (string, error) {
			return s.Fields[h], nil
		}})
	}
	if opts.TicketColumn != "" && f != CSVPlain {
		h := opts.TicketColumn
		if g, _ := guard(h, false); g != h || strings.IndexFunc(h, unicode.IsControl) >= 0 || h != strings.TrimSpace(h) || len(h) > 100 {
			return nil, fmt.Errorf("%w: TicketColumn %q is not a plain header", ErrInvalidInput, opts.TicketColumn)
		}
		cols = append(cols, csvColumn{header: opts.TicketColumn, value: cellTicket})
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if seen[strings.ToLower(c.header)] {
			return nil, fmt.Errorf("%w: column %q given twice", ErrInvalidInput, c.header)
		}
		seen[strings.ToLower(c.header)] = true
	}
	if l.order != nil {
		rank := func(h string) int {
			if i := slices.Index(l.order, h); i >= 0 {
				return i
			}
			return len(l.order) // custom fields go last, as Zendesk lists them
		}
		slices.SortStableFunc(cols, func(a, b csvColumn) int { return rank(a.header) - rank(b.header) })
	}
	return cols, nil
}

// formulaStarts are the characters after which a spreadsheet reads a cell
// as a formula: OWASP's ASCII four, and the full-width, small and
// mathematical forms that Excel, Calc and Sheets fold to them on input
// (Japanese and Chinese input methods type the full-width ones).
const formulaStarts = "=+-@" + "\uFF1D\uFF0B\uFF0D\uFF20" + "\uFE66\uFE62\uFE63" + "\u2212"

// guard protects a cell against formula injection; see WriteCSV. A cell
// gets the apostrophe when, after any spaces, it starts with a formula
// character, or with anything a spreadsheet may drop or read as a line
// break before looking for one: a tab, CR or LF, VT or FF or another control
// character, a Unicode space (NBSP, U+2003, U+3000, ...), or an invisible
// format character (a byte-order mark, a zero-width space).
func guard(v string, isPhone bool) (string, error) {
	if isPhone {
		body := strings.TrimPrefix(v, "tel:") // RFC3966
		for i := 0; i < len(body); i++ {
			if c := body[i]; !isDigit(c) && strings.IndexByte(patternChars, c) < 0 {
				return "", fmt.Errorf("%w: a phone cell may hold only digits and %q", ErrInvalidInput, patternChars)
			}
		}
		return v, nil
	}
	t := strings.TrimLeft(v, " ")
	if t == "" {
		return v, nil
	}
	r, _ := utf8.DecodeRuneInString(t)
	if strings.ContainsRune(formulaStarts, r) || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
		return "'" + v, nil
	}
	return v, nil
}
