package plant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dialect is the SQL spoken by the host database.
type Dialect uint8

// The dialects. The zero value asks Insert, Learn and Check to tell the
// dialect from the driver, or failing that by asking the server.
const (
	DetectDialect Dialect = iota
	SQLite                // modernc.org/sqlite, mattn/go-sqlite3: '?' placeholders
	PostgreSQL            // pgx's database/sql driver, lib/pq: '$1' placeholders
)

func (d Dialect) String() string {
	switch d {
	case DetectDialect:
		return "detect"
	case SQLite:
		return "sqlite"
	case PostgreSQL:
		return "postgresql"
	}
	return fmt.Sprintf("Dialect(%d)", uint8(d))
}

// detect tells the dialect of db: from the driver's type when it is a known
// one, else by asking the server for a function only one dialect has.
func detect(ctx context.Context, db *sql.DB) (Dialect, error) {
	switch fmt.Sprintf("%T", db.Driver()) {
	case "*sqlite.Driver", "*sqlite3.SQLiteDriver":
		return SQLite, nil
	case "*stdlib.Driver", "*pq.Driver":
		return PostgreSQL, nil
	}
	var v string
	errLite := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
	if errLite == nil {
		return SQLite, nil
	}
	errPG := db.QueryRowContext(ctx, "SELECT current_setting('server_version')").Scan(&v)
	if errPG == nil {
		return PostgreSQL, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("plant: telling the SQL dialect: %w", err)
	}
	return 0, fmt.Errorf("%w: driver %T answers neither as SQLite nor as PostgreSQL: %w",
		ErrDialect, db.Driver(), errors.Join(errLite, errPG))
}

// placeholder returns the n-th (1-based) bind parameter.
func (d Dialect) placeholder(n int) string {
	if d == PostgreSQL {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// maxIdentLen is PostgreSQL's identifier limit (NAMEDATALEN-1), which it
// enforces by silently truncating; longer names are refused rather than
// risk naming another column.
const maxIdentLen = 63

// checkIdent refuses names that cannot be a column or table a host made on
// purpose: empty, too long, not UTF-8, or holding control characters.
// Names are always quoted as well (see quote); this check keeps error
// messages and logs free of hostile bytes.
func checkIdent(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty %s name", ErrMapping, what)
	case len(name) > maxIdentLen:
		return fmt.Errorf("%w: %s name %q is longer than %d bytes", ErrMapping, what, name[:maxIdentLen]+"…", maxIdentLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %s name %q is not valid UTF-8", ErrMapping, what, name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %s name %q holds a control character", ErrMapping, what, name)
	}
	return nil
}

// quote returns name as a quoted SQL identifier: the one way a name reaches
// SQL text. Both dialects quote with double quotes and escape one by
// doubling it, so no name can end the identifier early.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// table is what introspection learned about the host table.
type table struct {
	schema, name string // as the database spells them; schema "" for SQLite's main
	columns      []column
}

// qualified returns the quoted, schema-qualified table name.
func (t *table) qualified() string {
	if t.schema == "" {
		return quote(t.name)
	}
	return quote(t.schema) + "." + quote(t.name)
}

// find returns the column named name: the exact spelling first, else the one
// column whose name matches ignoring case (SQLite compares names so; in
// PostgreSQL an unquoted name folds to lower case).
func (t *table) find(name string) (*column, bool) {
	var fold *column
	n := 0
	for i := range t.columns {
		c := &t.columns[i]
		if c.name == name {
			return c, true
		}
		if strings.EqualFold(c.name, name) {
			fold = c
			n++
		}
	}
	return fold, n == 1
}

// column describes one column of the host table.
type column struct {
	name       string
	kind       kind
	declared   string // the type as declared, for messages
	notNull    bool
	hasDefault bool // a default, an identity, or SQLite's rowid alias
	maxLen     int  // characters for varchar(n)/char(n); 0: unbounded
	generated  bool
	autoID     bool // the database numbers it: SQLite's rowid alias, a serial or identity column
	alwaysID   bool // an identity column GENERATED ALWAYS: no insert may give its value
}

// kind is how a value is written to a column.
type kind uint8

const (
	kindText      kind = iota // strings as they are
	kindInteger               // integers: digits only
	kindTimestamp             // PostgreSQL timestamp with time zone: time.Time
	kindLocalTime             // PostgreSQL timestamp without time zone or date: wall clock in Mapping.Zone
	kindTimeText              // SQLite DATE/DATETIME/TIMESTAMP: text in a layout
	kindOther                 // anything else (uuid, boolean, numeric, enum): strings the server parses
)

// introspect reads the columns of schema.name. A table with no visible
// column is reported as missing.
func introspect(ctx context.Context, q queryer, d Dialect, schema, name string) (*table, error) {
	if err := checkIdent("table", name); err != nil {
		return nil, err
	}
	if schema != "" {
		if err := checkIdent("schema", schema); err != nil {
			return nil, err
		}
	}
	var (
		t   *table
		err error
	)
	switch d {
	case SQLite:
		t, err = introspectSQLite(ctx, q, schema, name)
	case PostgreSQL:
		t, err = introspectPostgres(ctx, q, schema, name)
	default:
		return nil, fmt.Errorf("%w: %v", ErrDialect, d)
	}
	if err != nil {
		return nil, fmt.Errorf("plant: reading the columns of %q: %w", name, err)
	}
	if len(t.columns) == 0 {
		if schema != "" {
			return nil, fmt.Errorf("%w: %q in schema %q", ErrNoTable, name, schema)
		}
		return nil, fmt.Errorf("%w: %q", ErrNoTable, name)
	}
	return t, nil
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func introspectSQLite(ctx context.Context, q queryer, schema, name string) (*table, error) {
	// The table-valued form of PRAGMA table_info takes the names as bound
	// parameters: nothing of the mapping is spliced into SQL text.
	query := `SELECT name, type, "notnull", dflt_value IS NOT NULL, pk FROM pragma_table_info(?)`
	args := []any{name}
	if schema != "" {
		query = `SELECT name, type, "notnull", dflt_value IS NOT NULL, pk FROM pragma_table_info(?, ?)`
		args = append(args, schema)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &table{schema: schema, name: name}
	var pkInt []int // columns of an INTEGER PRIMARY KEY
	pks := 0
	for rows.Next() {
		var c column
		var pk int
		if err := rows.Scan(&c.name, &c.declared, &c.notNull, &c.hasDefault, &pk); err != nil {
			return nil, err
		}
		c.kind, c.maxLen = sqliteKind(c.declared)
		if pk > 0 {
			pks++
			if strings.EqualFold(strings.TrimSpace(c.declared), "INTEGER") {
				pkInt = append(pkInt, len(t.columns))
			}
		}
		t.columns = append(t.columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if pks == 1 && len(pkInt) == 1 {
		t.columns[pkInt[0]].hasDefault = true // an alias of the rowid: SQLite assigns it
		t.columns[pkInt[0]].autoID = true
	}
	return t, nil
}

var lengthRe = regexp.MustCompile(`\(\s*(\d+)\s*\)`)

// sqliteKind reads a declared type by SQLite's affinity rules, plus the
// date and time names applications use for text timestamps.
func sqliteKind(declared string) (kind, int) {
	u := strings.ToUpper(declared)
	maxLen := 0
	if strings.Contains(u, "CHAR") {
		if m := lengthRe.FindStringSubmatch(u); m != nil {
			maxLen, _ = strconv.Atoi(m[1])
		}
	}
	switch {
	case strings.Contains(u, "INT"):
		return kindInteger, 0
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return kindText, maxLen
	case strings.Contains(u, "DATE"), strings.Contains(u, "TIME"):
		return kindTimeText, 0
	case u == "":
		return kindText, 0
	}
	return kindOther, 0
}

func introspectPostgres(ctx context.Context, q queryer, schema, name string) (*table, error) {
	const query = `SELECT c.table_schema, c.column_name, c.data_type, c.is_nullable = 'NO',
		c.column_default IS NOT NULL OR c.is_identity = 'YES',
		COALESCE(c.character_maximum_length, 0), c.is_generated = 'ALWAYS',
		c.is_identity = 'YES' OR COALESCE(c.column_default LIKE 'nextval(%', false),
		COALESCE(c.identity_generation = 'ALWAYS', false)
	FROM information_schema.columns c
	WHERE c.table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND c.table_name = $2
	ORDER BY c.ordinal_position`
	rows, err := q.QueryContext(ctx, query, schema, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &table{schema: schema, name: name}
	for rows.Next() {
		var c column
		if err := rows.Scan(&t.schema, &c.name, &c.declared, &c.notNull, &c.hasDefault, &c.maxLen, &c.generated, &c.autoID, &c.alwaysID); err != nil {
			return nil, err
		}
		c.kind = postgresKind(c.declared)
		t.columns = append(t.columns, c)
	}
	return t, rows.Err()
}

func postgresKind(dataType string) kind {
	switch dataType {
	case "text", "character varying", "character", "citext":
		return kindText
	case "smallint", "integer", "bigint":
		return kindInteger
	case "timestamp with time zone":
		return kindTimestamp
	case "timestamp without time zone", "date":
		return kindLocalTime
	}
	return kindOther
}
