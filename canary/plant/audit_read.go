package plant

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxCell bounds one value a row reader keeps: longer text is cut there.
// No tell needs more, and a hostile export cannot fill memory one cell at a
// time.
const maxCell = 4 << 10

// ReadRows reads a sample of the table m names, every column, as the insider
// exporting it would see it: up to limit rows (default 10,000), drawn at
// random when the table holds more. Values become text (see Row): numbers
// in decimal, times in RFC 3339 UTC, bytes as they are, anything longer
// than 4 KiB cut. It only reads.
func ReadRows(ctx context.Context, db *sql.DB, m Mapping, limit int) ([]Row, error) {
	if limit <= 0 {
		limit = 10_000
	}
	limit = min(limit, maxAuditRows)
	p, err := prepareWith(ctx, db, db, m, false)
	if err != nil {
		return nil, err
	}
	var total int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+p.t.qualified()).Scan(&total); err != nil {
		return nil, fmt.Errorf("plant: counting the rows of %q: %w", p.t.name, err)
	}
	names := make([]string, len(p.t.columns))
	exprs := make([]string, len(p.t.columns))
	for i, c := range p.t.columns {
		names[i], exprs[i] = c.name, quote(c.name)
		if p.d == SQLite && c.kind == kindTimeText {
			exprs[i] = "CAST(" + exprs[i] + " AS TEXT)" // the text as stored, not the driver's reading
		}
	}
	query := "SELECT " + strings.Join(exprs, ", ") + " FROM " + p.t.qualified()
	if total > limit {
		query += " ORDER BY random()"
	}
	query += " LIMIT " + p.d.placeholder(1)
	rows, err := db.QueryContext(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("plant: reading %q: %w", p.t.name, err)
	}
	defer rows.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []Row
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("plant: reading %q: %w", p.t.name, err)
		}
		out = append(out, rowOf(names, vals))
		clear(vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("plant: reading %q: %w", p.t.name, err)
	}
	return out, nil
}

// rowOf makes a Row of scanned values.
func rowOf(names []string, vals []any) Row {
	r := make(Row, len(names))
	for i, n := range names {
		r[n] = cellText(vals[i])
	}
	return r
}

// cellText writes a value from a driver (or a rendered seed) as the text an
// export shows; NULL stays NULL.
func cellText(v any) sql.NullString {
	var s string
	switch v := v.(type) {
	case nil:
		return sql.NullString{}
	case string:
		s = v
	case []byte:
		s = string(v[:min(len(v), maxCell)])
	case int64:
		s = strconv.FormatInt(v, 10)
	case int:
		s = strconv.Itoa(v)
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		s = v.UTC().Format(time.RFC3339Nano)
	default:
		s = fmt.Sprint(v)
	}
	return sql.NullString{String: s[:min(len(s), maxCell)], Valid: true}
}

// CSVRowOptions tunes ReadCSVRows. The zero value reads an export where an
// empty cell is NULL, as most tools write one.
type CSVRowOptions struct {
	// Null is the cell text that means NULL ("\N", "NULL"); with Null set,
	// an empty cell is the empty string. Default: empty cells are NULL.
	Null string
	// Comma is the field separator. Default ','.
	Comma rune
	// MaxBytes bounds the input read. Default 256 MiB.
	MaxBytes int64
}

// ReadCSVRows reads an export in CSV: a header row naming the columns, then
// one row per record, at most 1,000,000. Values longer than 4 KiB are cut.
// Errors wrap ErrInvalidInput: no header, an empty or repeated column name,
// a row with another number of fields, a malformed quote, input over
// MaxBytes.
func ReadCSVRows(r io.Reader, opts CSVRowOptions) ([]Row, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 20
	}
	lr := &io.LimitedReader{R: r, N: opts.MaxBytes + 1}
	cr := csv.NewReader(lr)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.ReuseRecord = true
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: CSV export: no header row", ErrInvalidInput)
	case err != nil:
		return nil, fmt.Errorf("%w: CSV export: %w", ErrInvalidInput, err)
	}
	names := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" || len(h) > maxIdentLen*4 || seen[h] {
			return nil, fmt.Errorf("%w: CSV export: column %d has an empty, overlong or repeated name", ErrInvalidInput, i+1)
		}
		seen[h] = true
		names[i] = h
	}
	var out []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: CSV export: %w", ErrInvalidInput, err)
		}
		if len(out) == maxAuditRows {
			return nil, fmt.Errorf("%w: CSV export: more than %d rows", ErrInvalidInput, maxAuditRows)
		}
		row := make(Row, len(names))
		for i, v := range rec {
			if (opts.Null == "" && v == "") || (opts.Null != "" && v == opts.Null) {
				row[names[i]] = sql.NullString{}
				continue
			}
			row[names[i]] = sql.NullString{String: v[:min(len(v), maxCell)], Valid: true}
		}
		out = append(out, row)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: CSV export: longer than %d bytes", ErrInvalidInput, opts.MaxBytes)
	}
	return out, nil
}
