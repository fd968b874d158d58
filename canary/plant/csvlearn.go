package plant

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	_ "modernc.org/sqlite" // LearnCSV profiles an export in an in-memory SQLite table
)

// Bounds on the export LearnCSV reads.
const (
	maxCSVBytes   = 1 << 30
	maxCSVRows    = 1_000_000
	maxCSVColumns = 256
	maxCSVField   = 64 << 10
)

// csvRowColumn numbers the rows of an export in file order, for the
// OrderProfile when the Mapping names no id column.
const csvRowColumn = "_csv_row"

// ExportMapping returns the Mapping of a support tool's own CSV export of
// its users or contacts, by the headers the tool writes: Zendesk's user
// export (id, name, email, phone, created_at), Salesforce's contact report
// (Contact ID, First Name, Last Name, Email, Phone, Created Date), HubSpot's
// contact export (Record ID, First Name, Last Name, Email, Phone Number,
// Create Date), and the plain format WriteCSV writes. Headers compare
// ignoring case; change the Mapping where an export was set up otherwise.
// Table is "export", the name LearnCSV gives the file.
func ExportMapping(f CSVFormat) (Mapping, error) {
	m := Mapping{Table: "export"}
	switch f {
	case CSVZendesk:
		m.ID, m.FullName, m.Email, m.Phone, m.CreatedAt = "id", "name", "email", "phone", "created_at"
	case CSVSalesforce:
		m.ID, m.GivenName, m.FamilyName, m.Email, m.Phone, m.CreatedAt = "Contact ID", "First Name", "Last Name", "Email", "Phone", "Created Date"
	case CSVHubSpot:
		m.ID, m.GivenName, m.FamilyName, m.Email, m.Phone, m.CreatedAt = "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date"
	case CSVPlain:
		m.GivenName, m.FamilyName, m.Email, m.Phone, m.Ticket, m.CreatedAt = "given_name", "family_name", "email", "phone", "ticket", "created_at"
	default:
		return Mapping{}, fmt.Errorf("%w: unknown CSV format %d", ErrInvalidInput, uint8(f))
	}
	return m, nil
}

// LearnExport is LearnCSV of a tool's own export in format f, mapped by
// ExportMapping as far as the export goes: exports differ in the columns
// they carry, so a mapped column the header lacks is left out, and a phone
// column is looked for under the names exports give it ("Business Phone",
// "Mobile"). r is read from its start and left at its end.
func LearnExport(ctx context.Context, r io.ReadSeeker, f CSVFormat, opts LearnOptions) (Shape, error) {
	m, err := ExportMapping(f)
	if err != nil {
		return Shape{}, err
	}
	header, err := csv.NewReader(r).Read()
	if err != nil {
		return Shape{}, fmt.Errorf("%w: reading the export's header: %w", ErrInvalidInput, err)
	}
	has := func(col string) bool {
		return slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), col) })
	}
	if !has(m.Phone) {
		if i := slices.IndexFunc(phoneHeaders, has); i >= 0 {
			m.Phone = phoneHeaders[i]
		}
	}
	for _, col := range []*string{&m.ID, &m.GivenName, &m.FamilyName, &m.FullName, &m.Phone, &m.Ticket, &m.CreatedAt} {
		if *col != "" && !has(*col) {
			*col = ""
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Shape{}, fmt.Errorf("plant: rereading the export: %w", err)
	}
	return LearnCSV(ctx, r, m, opts)
}

// LearnCSV learns the Shape of a host from a CSV export of it, so that seeds
// bound for a SaaS import (Zendesk, Salesforce, HubSpot) are fitted to that
// tool's own records: the first row names the columns, m maps them as it
// would a table's (see ExportMapping), and the Shape is what Learn gives for
// a table holding the file. Only m.Table is ignored. Rows are in the order
// of the file unless m.ID names an id column.
//
// The file is read once into an in-memory SQLite table that is dropped on
// return; nothing is written anywhere else. Bounds: 1 GiB, 1,000,000 rows,
// 256 columns, 64 KiB a field. A file over them, ragged rows, headers that
// are empty, repeated or not plain names, or a mapped column missing fail
// with ErrInvalidInput, ErrMapping or ErrNoColumn.
func LearnCSV(ctx context.Context, r io.Reader, m Mapping, opts LearnOptions) (Shape, error) {
	cnt := &countingReader{r: io.LimitReader(r, maxCSVBytes+1)}
	cr := csv.NewReader(cnt)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return Shape{}, fmt.Errorf("%w: reading the CSV header: %w", ErrInvalidInput, err)
	}
	header = slices.Clone(header)
	if len(header) > maxCSVColumns {
		return Shape{}, fmt.Errorf("%w: %d CSV columns, at most %d", ErrInvalidInput, len(header), maxCSVColumns)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // Excel's byte-order mark
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if err := checkIdent("CSV column", h); err != nil {
			return Shape{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
		if seen[strings.ToLower(h)] || strings.EqualFold(h, csvRowColumn) {
			return Shape{}, fmt.Errorf("%w: CSV column %q given twice", ErrInvalidInput, h)
		}
		seen[strings.ToLower(h)] = true
	}

	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return Shape{}, fmt.Errorf("plant: opening a scratch database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: the in-memory table lives in it
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	cols := []string{quote(csvRowColumn) + " INTEGER PRIMARY KEY"}
	marks := make([]string, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		kind := "TEXT"
		if m.ID != "" && strings.EqualFold(h, m.ID) {
			kind = "INTEGER" // numeric ids sort as numbers (SQLite keeps non-numbers as text)
		}
		cols = append(cols, quote(h)+" "+kind)
		names[i] = quote(h)
		marks[i] = "?"
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE export ("+strings.Join(cols, ", ")+")"); err != nil {
		return Shape{}, fmt.Errorf("plant: creating the scratch table: %w", err)
	}
	if err := loadCSV(ctx, db, cr, cnt, len(header), "INSERT INTO export ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")"); err != nil {
		return Shape{}, err
	}
	m.Table, m.Schema, m.Dialect = "export", "", SQLite
	if m.ID == "" {
		m.ID = csvRowColumn
	}
	s, err := Learn(ctx, db, m, opts)
	if err != nil {
		return Shape{}, err
	}
	s.Columns = slices.DeleteFunc(s.Columns, func(c ColumnProfile) bool { return c.Name == csvRowColumn })
	if s.Order.ID == csvRowColumn {
		s.Order.ID = ""
	}
	return s, nil
}

func loadCSV(ctx context.Context, db *sql.DB, cr *csv.Reader, cnt *countingReader, width int, insert string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("plant: loading the CSV: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return fmt.Errorf("plant: loading the CSV: %w", err)
	}
	defer stmt.Close()
	args := make([]any, width)
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: CSV row %d: %w", ErrInvalidInput, n, err)
		}
		if n > maxCSVRows {
			return fmt.Errorf("%w: more than %d CSV rows", ErrInvalidInput, maxCSVRows)
		}
		for i, f := range rec {
			if len(f) > maxCSVField {
				return fmt.Errorf("%w: CSV row %d: a field longer than %d bytes", ErrInvalidInput, n, maxCSVField)
			}
			if f == "" {
				args[i] = nil // an export writes NULL as an empty field
			} else {
				args[i] = f
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("plant: loading CSV row %d: %w", n, err)
		}
	}
	// io.LimitReader ends the file at the bound as if it were the end.
	if cnt.n > maxCSVBytes {
		return fmt.Errorf("%w: CSV longer than %d bytes", ErrInvalidInput, maxCSVBytes)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("plant: loading the CSV: %w", err)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
