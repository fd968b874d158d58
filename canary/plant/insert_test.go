package plant

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/honeyseed/honeyseed/canary"
)

func TestInsertPlantsRowsAndNothingElse(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		before := snapshot(t, h, "customers")
		seeds := testSeeds(5)
		require.NoError(t, Insert(t.Context(), h.db, customersMapping(), seeds))

		after := snapshot(t, h, "customers")
		require.Len(t, after, len(before)+5)
		assert.Equal(t, before, after[:len(before)], "the host's own rows are untouched")

		for _, s := range seeds {
			var given, family, phone, ticket, city, source string
			err := h.db.QueryRow(h.q("SELECT first_name, last_name, phone, ticket_ref, city, source FROM customers WHERE email = ?"), s.Email).
				Scan(&given, &family, &phone, &ticket, &city, &source)
			require.NoError(t, err)
			want, err := National.Format(s.Phone)
			require.NoError(t, err)
			assert.Equal(t, []string{s.Name.Given, s.Name.Family, want, s.Ticket, s.Fields["city"], "import"},
				[]string{given, family, phone, ticket, city, source})
		}
		r, err := Check(t.Context(), h.db, customersMapping(), seeds)
		require.NoError(t, err)
		assert.Len(t, r.OK, 5, "what Insert wrote, Check reads back as unchanged: %+v", r)
	})
}

// q rewrites '?' placeholders for the host's dialect.
func (h *host) q(query string) string {
	if h.dialect != PostgreSQL {
		return query
	}
	n := 0
	return replaceMarks(query, func() string { n++; return h.dialect.placeholder(n) })
}

func TestInsertBadInput(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		h.exec(t, "CREATE TABLE strict_customers (id {id}, email TEXT NOT NULL, loyalty_tier TEXT NOT NULL, visits INTEGER)")
		existing := testSeeds(1)[0]
		existing.Email, existing.Ticket = "planted.before@mail.example", "TM-77777777"
		require.NoError(t, Insert(t.Context(), h.db, customersMapping(), []canary.Seed{existing}))

		withMapping := func(f func(*Mapping)) Mapping { m := customersMapping(); f(&m); return m }
		seeds := testSeeds(3)
		for _, tc := range []struct {
			name  string
			m     Mapping
			seeds []canary.Seed
			want  error
			why   string
		}{
			{"no table", withMapping(func(m *Mapping) { m.Table = "customerz" }), seeds, ErrNoTable,
				"a misspelt table is found before anything is written"},
			{"no column", withMapping(func(m *Mapping) { m.Phone = "phone_number" }), seeds, ErrNoColumn,
				"a misspelt column likewise"},
			{"injection in a column", withMapping(func(m *Mapping) { m.Ticket = `ticket_ref") VALUES ('x'); DROP TABLE customers; --` }), seeds, ErrNoColumn,
				"a hostile column name is only ever a quoted identifier, and no column has it"},
			{"injection in the table", withMapping(func(m *Mapping) { m.Table = `customers"; DROP TABLE customers; --` }), seeds, ErrNoTable,
				"the table name reaches introspection as a bound parameter"},
			{"control character", withMapping(func(m *Mapping) { m.Email = "email\x00" }), seeds, ErrMapping,
				"names with control characters are refused outright"},
			{"no email column", withMapping(func(m *Mapping) { m.Email = "" }), seeds, ErrMapping,
				"Check needs the email to find the rows again"},
			{"mapped twice", withMapping(func(m *Mapping) { m.FullName = "FIRST_NAME" }), seeds, ErrMapping,
				"two parts in one column would overwrite each other"},
			{"bad template", withMapping(func(m *Mapping) { m.Extra[0].Template = "{{.Fields.city" }), seeds, ErrMapping,
				"a template that does not parse"},
			{"missing field", withMapping(func(m *Mapping) { m.Extra[0].Template = "{{.Fields.county}}" }), seeds, ErrMapping,
				"a missing map key is an error, not <no value>"},
			{"too long", withMapping(func(m *Mapping) {
				m.Ticket = ""
				m.Extra = append(m.Extra, Extra{Column: "ticket_ref", Value: strings.Repeat("9", 21)})
			}), seeds, ErrValueDoesNotFit,
				"21 characters do not fit VARCHAR(20)"},
			{"phone pattern of another country", withMapping(func(m *Mapping) { m.PhoneFormat = "0NNNN NNNNNN" }), seeds, ErrValueDoesNotFit,
				"a US number written in a GB pattern would not read back as itself"},
			{"unmapped NOT NULL", Mapping{Table: "strict_customers", Email: "email"}, seeds, ErrValueDoesNotFit,
				"loyalty_tier is NOT NULL without a default"},
			{"not an integer", Mapping{Table: "strict_customers", Email: "email", Ticket: "visits",
				Extra: []Extra{{Column: "loyalty_tier", Value: "gold"}}}, seeds, ErrValueDoesNotFit,
				"a ticket reference with letters in an INTEGER column"},
			{"duplicate in the batch", customersMapping(), []canary.Seed{seeds[0], seeds[1], seeds[0]}, ErrDuplicate,
				"one seed twice in a call"},
			{"already planted", customersMapping(), []canary.Seed{seeds[0], existing}, ErrDuplicate,
				"the second seed's email is in the table: planting it again would add a row"},
			{"ticket of a real customer", customersMapping(), []canary.Seed{seeds[0], withTicket(seeds[1], "TM-10400002")}, ErrDuplicate,
				"a canary sharing a real ticket would point alerts at that customer"},
			{"seed without email", customersMapping(), []canary.Seed{seeds[0], withEmail(seeds[1], "")}, ErrInvalidInput,
				"Check could never find it"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, h, "customers")
				err := Insert(t.Context(), h.db, tc.m, tc.seeds)
				require.ErrorIs(t, err, tc.want, tc.why)
				assert.True(t, strings.HasPrefix(err.Error(), "plant: "), "message %q starts with the package", err)
				assert.Equal(t, before, snapshot(t, h, "customers"), "host unchanged: %s", tc.why)
				assert.Zero(t, count(t, h, "strict_customers"))
			})
		}
	})
}

func withTicket(s canary.Seed, ticket string) canary.Seed { s.Ticket = ticket; return s }
func withEmail(s canary.Seed, email string) canary.Seed   { s.Email = email; return s }

func TestInsertRollsBackWhenTheThirdRowIsRefused(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		before := snapshot(t, h, "customers")
		seeds := testSeeds(5)
		seeds[2].Fields["city"] = "Forbidden" // the table's CHECK refuses it
		err := Insert(t.Context(), h.db, customersMapping(), seeds)
		require.ErrorIs(t, err, ErrConstraint)
		assert.Contains(t, err.Error(), "3 of 5")
		assert.NotContains(t, err.Error(), seeds[2].Email, "errors name seeds by ID, not by value")
		assert.Equal(t, before, snapshot(t, h, "customers"), "the first two rows were rolled back")
	})
}

func TestInsertRollsBackWhenTheHostRefusesADuplicate(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		// A unique index that the duplicate checks know nothing about.
		h.exec(t, "CREATE UNIQUE INDEX customers_city ON customers (city)")
		before := snapshot(t, h, "customers")
		seeds := testSeeds(5)
		seeds[3].Fields["city"] = seeds[1].Fields["city"]
		err := Insert(t.Context(), h.db, customersMapping(), seeds)
		require.ErrorIs(t, err, ErrDuplicate)
		assert.Equal(t, before, snapshot(t, h, "customers"))
	})
}

// cancelHook lets a SQLite trigger cancel the context of the plant that
// fired it, as a caller giving up mid-way would.
var (
	cancelOnce sync.Once
	cancelMu   sync.Mutex
	cancelFunc context.CancelFunc
)

func TestInsertCancelledMidway(t *testing.T) {
	cancelOnce.Do(func() {
		sqlite.MustRegisterScalarFunction("plant_test_cancel", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
			cancelMu.Lock()
			defer cancelMu.Unlock()
			if cancelFunc != nil {
				cancelFunc()
			}
			return nil, nil
		})
	})
	h := newSQLite(t)
	newCustomers(t, h)
	seeds := testSeeds(5)
	h.exec(t, "CREATE TRIGGER cancel_third BEFORE INSERT ON customers WHEN NEW.email = '"+seeds[2].Email+"' BEGIN SELECT plant_test_cancel(); END")
	before := snapshot(t, h, "customers")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cancelMu.Lock()
	cancelFunc = cancel
	cancelMu.Unlock()
	defer func() { cancelMu.Lock(); cancelFunc = nil; cancelMu.Unlock() }()

	err := Insert(ctx, h.db, customersMapping(), seeds)
	require.Error(t, err)
	t.Log(err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, snapshot(t, h, "customers"), "nothing of the cancelled plant remains")
}

func TestInsertDroppedConnection(t *testing.T) {
	h := newPostgres(t)
	newCustomers(t, h)
	seeds := testSeeds(5)
	// The server ends the planting session itself at the third row: a real
	// dropped connection in the middle of the transaction.
	h.exec(t, `CREATE FUNCTION drop_me() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`)
	h.exec(t, "CREATE TRIGGER drop_third BEFORE INSERT ON customers FOR EACH ROW WHEN (NEW.email = '"+seeds[2].Email+"') EXECUTE FUNCTION drop_me()")
	before := snapshot(t, h, "customers")

	err := Insert(t.Context(), h.db, customersMapping(), seeds)
	require.Error(t, err)
	t.Log(err)
	assert.True(t, strings.HasPrefix(err.Error(), "plant: "), err.Error())

	fresh, err := sql.Open("pgx", h.dsn)
	require.NoError(t, err)
	defer fresh.Close()
	h2 := &host{dialect: PostgreSQL, db: fresh}
	assert.Equal(t, before, snapshot(t, h2, "customers"), "the server rolled back the dropped transaction")
}

func TestInsertIntoAnotherSchema(t *testing.T) {
	h := newPostgres(t)
	newCustomers(t, h)
	plain, err := sql.Open("pgx", strings.TrimSuffix(strings.TrimSuffix(h.dsn, "search_path="+h.schema), "&"))
	require.NoError(t, err)
	defer plain.Close()
	m := customersMapping()
	m.Schema = h.schema
	require.NoError(t, Insert(t.Context(), plain, m, testSeeds(2)))
	assert.Equal(t, 5, count(t, h, "customers"))

	m.Schema = "no_such_schema"
	assert.ErrorIs(t, Insert(t.Context(), plain, m, testSeeds(2)), ErrNoTable)
}

func TestInsertTimeLayouts(t *testing.T) {
	h := newSQLite(t)
	h.exec(t, "CREATE TABLE events (id INTEGER PRIMARY KEY, email TEXT, at_text TEXT, at_unix INTEGER, at_iso DATETIME)")
	s := testSeeds(1)[0]
	s.CreatedAt = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		col, layout string
		zone        *time.Location
		want        string
		why         string
	}{
		{"at_text", "", nil, "2025-03-04 05:06:07", "text columns default to SQLite's own layout"},
		{"at_unix", "", nil, "1741064767", "integer columns default to Unix seconds"},
		{"at_unix", CreatedUnixMilli, nil, "1741064767000", "or milliseconds when asked"},
		{"at_iso", time.RFC3339, nil, "2025-03-04T05:06:07Z", "a learned layout is written as such"},
		{"at_text", "2006-01-02 15:04", time.FixedZone("EST", -5*3600), "2025-03-04 00:06", "in the host's zone"},
	} {
		h.exec(t, "DELETE FROM events")
		m := Mapping{Table: "events", Email: "email", CreatedAt: tc.col, CreatedLayout: tc.layout, Zone: tc.zone}
		require.NoError(t, Insert(t.Context(), h.db, m, []canary.Seed{s}), tc.why)
		var got string
		require.NoError(t, h.db.QueryRow("SELECT CAST("+quote(tc.col)+" AS TEXT) FROM events").Scan(&got))
		assert.Equal(t, tc.want, got, tc.why)
		r, err := Check(t.Context(), h.db, m, []canary.Seed{s})
		require.NoError(t, err)
		assert.Len(t, r.OK, 1, "%s: read back as planted: %+v", tc.why, r)
	}
}

func TestInsertUnknownDialect(t *testing.T) {
	db := sql.OpenDB(nodbDriver{})
	defer db.Close()
	err := Insert(t.Context(), db, customersMapping(), testSeeds(1))
	require.Error(t, err)
	// The driver cannot even begin a transaction, so Insert stops there; the
	// dialect is what Learn and Check hit first.
	_, err = Learn(t.Context(), db, customersMapping(), LearnOptions{})
	assert.ErrorIs(t, err, ErrDialect)
	_, err = Check(t.Context(), db, customersMapping(), testSeeds(1))
	assert.ErrorIs(t, err, ErrDialect)
}

// nodbDriver is a driver no dialect can be told from: every connection fails.
type nodbDriver struct{}

func (nodbDriver) Open(string) (driver.Conn, error)               { return nil, errors.New("nodb: no database here") }
func (d nodbDriver) Connect(context.Context) (driver.Conn, error) { return d.Open("") }
func (d nodbDriver) Driver() driver.Driver                        { return d }

func TestInsertNothing(t *testing.T) {
	assert.NoError(t, Insert(t.Context(), nil, Mapping{}, nil), "no seeds, no work, no database needed")
}

func TestExcludeAsksTheHost(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		seeds := testSeeds(2)
		require.NoError(t, Insert(t.Context(), h.db, customersMapping(), seeds[:1]))
		held, err := Exclude(t.Context(), h.db, customersMapping())
		require.NoError(t, err)
		assert.True(t, held(canary.FieldTicket, seeds[0].Ticket), "a ticket the host holds")
		assert.True(t, held(canary.FieldEmail, seeds[0].Email), "an address the host holds")
		assert.False(t, held(canary.FieldTicket, seeds[1].Ticket), "a free ticket")
		assert.False(t, held(canary.FieldPhone, seeds[0].Phone), "phones may be shared: never excluded")
		_, err = Exclude(t.Context(), h.db, Mapping{Table: "no_such_table", Email: "email"})
		assert.ErrorIs(t, err, ErrNoTable)
	})
}
