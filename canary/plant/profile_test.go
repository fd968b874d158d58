package plant

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// profileDDL is a host table with columns the Mapping leaves out.
const profileDDL = `CREATE TABLE people (
	id {id},
	given TEXT, family TEXT, email TEXT, phone TEXT, ticket TEXT, created {ts},
	state TEXT, product TEXT, notes TEXT
)`

func profileMapping() Mapping {
	return Mapping{Table: "people", GivenName: "given", FamilyName: "family", Email: "email",
		Phone: "phone", Ticket: "ticket", CreatedAt: "created"}
}

// newPeople fills profileDDL with 40 rows made so that each profile has a
// known answer (see TestLearnProfiles).
func newPeople(t *testing.T, h *host, ordered bool) {
	t.Helper()
	h.exec(t, profileDDL)
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 40 {
		given, family := fmt.Sprintf("Given%c", 'a'+i%26), fmt.Sprintf("Family%c", 'a'+i/2%26)
		switch i {
		case 20:
			given, family = "JOHN", "SMITH"
		case 21:
			given, family = "MARY", "JONES"
		case 22:
			given, family = "lucy", "brown"
		case 23:
			given = "John A"
		}
		email := fmt.Sprintf("%s.%s%d@gmail.com", strings.ToLower(strings.Fields(given)[0]), strings.ToLower(family), i)
		switch {
		case i < 6: // six small domains used once each
			email = fmt.Sprintf("bluesky%d@small%d.example", 70+i, i)
		case i < 10: // one small domain used four times
			email = fmt.Sprintf("%s%d@four.example", strings.ToLower(given), i)
		case i == 24:
			email = "Capital.Letters@gmail.com"
		}
		var phone any
		switch {
		case i < 12: // 30% without a phone
		case i == 12 || i == 13: // a household
			phone = "(212) 555-0150"
		case i == 14 || i == 15: // a number two families share
			phone = "(212) 555-0151"
		default:
			phone = fmt.Sprintf("(212) 555-01%02d", 60+i)
		}
		if i == 13 {
			family = fmt.Sprintf("Family%c", 'a'+12/2%26) // same as row 12
		}
		if i == 15 {
			family = "Otherfamily"
		}
		var state, product any = "TX", "basic"
		switch {
		case i < 5: // state and product empty together
			state, product = nil, nil
		case i < 10:
			product = "" // blank, not NULL
		case i < 25:
			state, product = "CA", "pro"
		case i == 39:
			product = "rare" // one row: not listed
		}
		created := start.Add(time.Duration(i) * 24 * time.Hour)
		if !ordered && i%3 == 0 {
			created = start.Add(time.Duration(40-i) * 24 * time.Hour)
		}
		h.exec(t, "INSERT INTO people (given, family, email, phone, ticket, created, state, product, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			given, family, email, phone, fmt.Sprintf("CS-%07d", 4_200_000+3*i), hostTime(h, created), state, product,
			strings.Repeat("long free text ", 10)+fmt.Sprint(i))
	}
}

func TestLearnProfiles(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newPeople(t, h, true)
		s, err := Learn(context.Background(), h.db, profileMapping(), LearnOptions{MinValues: 5})
		require.NoError(t, err)
		col := func(name string) ColumnProfile {
			c, ok := s.Column(name)
			require.True(t, ok, name)
			return c
		}
		require.Len(t, s.Columns, 10, "every column, mapped or not")
		cases := []struct {
			got, want any
			reason    string
		}{
			{col("id").AutoID, true, "the database numbers the id"},
			{col("email").Role, "email", "mapped columns carry their role"},
			{col("state").Role, "", "unmapped columns are profiled too"},
			{col("state").Nulls, 5, "state is NULL in five rows"},
			{col("product").Nulls, 5, "product is NULL in five rows"},
			{col("product").Blanks, 5, "and blank in five more"},
			{col("product").EmptyRate(), 0.25, "empty in 10 of 40"},
			{col("state").Values, []ValueCount{{"TX", 20}, {"CA", 15}}, "a category's values, most frequent first"},
			{col("product").Values, []ValueCount{{"pro", 15}, {"basic", 14}}, "blank rows are empty, not a value"},
			{col("product").Other, 1, "a value one row holds is counted, not listed"},
			{col("notes").Values, []ValueCount(nil), "free text is not a category"},
			{col("email").Values, []ValueCount(nil), "identifying columns are never listed"},
			{col("notes").Distinct, 40, "distinct values"},
			{s.PhoneRate(), 0.7, "28 of 40 rows hold a phone"},
			{s.Sharing.Shared, 2, "two numbers are shared"},
			{s.Sharing.Households, 1, "one of them by one family"},
			{s.Sharing.DuplicateRate(), 4.0 / 28, "four rows of the 28 with phones share a number"},
			{s.Domains.Addresses, 40, "every row has an address"},
			{s.Domains.Big, 30.0 / 40, "30 addresses at gmail.com"},
			{s.Domains.SmallRepeats[0], 6, "six small domains hold one address"},
			{s.Domains.SmallRepeats[3], 1, "one holds four"},
			{s.Domains.MaxPerSmallDomain(), 4, "the top small domain sits at the 95th percentile of seven"},
			{s.Order.ID, "id", "the rowid or identity column"},
			{s.Order.Ordered(), true, "times and tickets follow the ids"},
			{s.Order.TicketGaps.Median(), 3.0, "tickets step by 3"},
			{s.Order.TimeGaps.Median(), 86400.0, "a row a day"},
			{s.Order.IDGaps.Median(), 1.0, "ids step by 1"},
			{len(s.Arrival.Months), 2, "January and the start of February"},
			{s.Arrival.Months[0].Rows, 31.0, "31 rows in January"},
			{s.Arrival.PerDay, 1.0, "one row a day over the last 28 days"},
			{s.Messiness.AllCaps, 2.0 / 40, "two names in capitals"},
			{s.Messiness.LowerCase, 1.0 / 40, "one in lower case"},
			{s.Messiness.MiddleInitial, 1.0 / 40, "one with a middle initial"},
			{s.Messiness.CapitalEmail, 1.0 / 40, "one address with capitals"},
			{s.Messiness.Handle, 7.0 / 40, "six bluesky handles and one capital address unrelated to the name"},
		}
		for _, c := range cases {
			if f, ok := c.want.(float64); ok {
				assert.InDelta(t, f, c.got, 1e-9, c.reason)
				continue
			}
			assert.Equal(t, c.want, c.got, c.reason)
		}
		total := 0
		for _, p := range s.EmptyPatterns {
			total += p.Rows
		}
		assert.Equal(t, 40, total, "the patterns cover every row")
		assert.Contains(t, s.EmptyPatterns, EmptyPattern{Columns: []string{"phone", "state", "product"}, Rows: 5}, "state and product empty together, with no phone")
		assert.Contains(t, s.EmptyPatterns, EmptyPattern{Columns: []string{"phone", "product"}, Rows: 5}, "blank product alone")
	})
}

func TestLearnUnorderedHost(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newPeople(t, h, false)
		s, err := Learn(context.Background(), h.db, profileMapping(), LearnOptions{MinValues: 5})
		require.NoError(t, err)
		assert.False(t, s.Order.Ordered(), "a third of the rows are dated out of id order")
		assert.True(t, s.Order.TicketsOrdered(), "tickets still follow the ids")
		assert.Less(t, s.Order.CreatedInOrder, s.Order.CreatedPairs)
	})
}

func TestLearnWithoutID(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		h.exec(t, "CREATE TABLE flat (email TEXT, created TEXT)")
		h.exec(t, "INSERT INTO flat VALUES ('a@b.example', '2025-01-01 10:00:00')")
		s, err := Learn(context.Background(), h.db, Mapping{Table: "flat", Email: "email", CreatedAt: "created"}, LearnOptions{})
		require.NoError(t, err)
		assert.Empty(t, s.Order.ID, "no column the database numbers: order is not measured")
		assert.False(t, s.Order.Ordered())
		_, err = Learn(context.Background(), h.db, Mapping{Table: "flat", Email: "email", ID: "nope"}, LearnOptions{})
		assert.ErrorIs(t, err, ErrNoColumn, "a named id column must exist")
	})
}

var fuzzDB atomic.Int64

// FuzzLearnOddContents plants odd values (NULLs, binary, huge text, numbers
// in text columns) in every column of a SQLite table and checks that Learn
// reads them without failing and with counts that add up.
func FuzzLearnOddContents(f *testing.F) {
	f.Add([]byte("x@y.example"), []byte("(212) 555-0101"), []byte("CS-0000001"), []byte("2025-01-01 00:00:00"), []byte("TX"), true)
	f.Add([]byte{0xff, 0xfe, 0}, []byte{}, []byte("####"), []byte("13/45/2025"), []byte(strings.Repeat("z", 70000)), false)
	f.Add([]byte("@@@"), []byte("+"), []byte("99999999999999999999999"), []byte("1700000000000"), []byte(" "), true)
	f.Fuzz(func(t *testing.T, email, phone, ticket, created, state []byte, asBlob bool) {
		db, err := sql.Open("sqlite", fmt.Sprintf("file:fuzzlearn%d?mode=memory&cache=shared", fuzzDB.Add(1)))
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`CREATE TABLE h (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, ticket TEXT, created TIMESTAMP, state TEXT, extra BLOB)`)
		require.NoError(t, err)
		val := func(b []byte, i int) any {
			switch {
			case i%4 == 3:
				return nil
			case asBlob:
				return b
			}
			return string(b)
		}
		for i := range 8 {
			_, err = db.Exec("INSERT INTO h (email, phone, ticket, created, state, extra) VALUES (?, ?, ?, ?, ?, ?)",
				val(email, i), val(phone, i+1), val(ticket, i+2), val(created, i), val(state, i+3), val(state, i))
			require.NoError(t, err)
		}
		s, err := Learn(context.Background(), db, Mapping{Table: "h", Email: "email", Phone: "phone", Ticket: "ticket", CreatedAt: "created", FullName: "state"}, LearnOptions{})
		require.NoError(t, err)
		require.Len(t, s.Columns, 7)
		for _, l := range [][]canary.NameCount{s.Names.Given, s.Names.Family} {
			held := 0
			for _, nc := range l {
				assert.GreaterOrEqual(t, nc.Rows, 2, "a listed name is shared by at least two rows")
				held += nc.Rows
			}
			assert.LessOrEqual(t, held, s.Names.Rows, "names held by no more rows than there are")
		}
		rows := 0
		for _, p := range s.EmptyPatterns {
			rows += p.Rows
		}
		assert.Equal(t, 8, rows, "empty patterns cover every row")
		for _, c := range s.Columns {
			assert.LessOrEqual(t, c.Nulls+c.Blanks, c.Rows, c.Name)
			listed := 0
			for _, v := range c.Values {
				assert.GreaterOrEqual(t, v.Count, 5, "a listed value is shared by MinValueCount rows")
				listed += v.Count
			}
			if c.Values != nil {
				assert.Equal(t, c.Rows-c.Nulls-c.Blanks, listed+c.Other, "%s: listed and other add up", c.Name)
			}
		}
	})
}

func TestLearnOddColumnTypes(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ddl := `CREATE TABLE odd (id {id}, email TEXT, payload BLOB, flag BOOLEAN, amount NUMERIC, huge TEXT, meta TEXT)`
		if h.dialect == PostgreSQL {
			ddl = `CREATE TABLE odd (id {id}, email TEXT, payload bytea, flag boolean, amount numeric(10,2), huge text,
				meta jsonb, doc json, tags text[], ref uuid, at timestamp, d date, ip inet)`
		}
		h.exec(t, ddl)
		for i := range 12 {
			var payload any = []byte{0xff, 0x00, byte(i % 2)}
			if i%4 == 0 {
				payload = nil
			}
			huge := strings.Repeat("x", 100_000+i)
			if h.dialect == PostgreSQL {
				h.exec(t, `INSERT INTO odd (email, payload, flag, amount, huge, meta, doc, tags, ref, at, d, ip)
					VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::json, ?::text[], ?::uuid, now(), current_date, '10.0.0.1')`,
					fmt.Sprintf("u%d@x.example", i), payload, i%2 == 0, "12.50", huge, `{"a":1}`, `{"b":[1,2]}`, "{x,y}",
					"6f1c9a4e-2b7d-4c3e-9a8b-1d2e3f4a5b6c")
				continue
			}
			h.exec(t, "INSERT INTO odd (email, payload, flag, amount, huge, meta) VALUES (?, ?, ?, ?, ?, ?)",
				fmt.Sprintf("u%d@x.example", i), payload, i%2 == 0, 12.5, huge, nil)
		}
		s, err := Learn(context.Background(), h.db, Mapping{Table: "odd", Email: "email"}, LearnOptions{})
		require.NoError(t, err)
		payload, ok := s.Column("payload")
		require.True(t, ok)
		assert.Equal(t, 3, payload.Nulls)
		assert.Equal(t, 2, payload.Distinct, "binary values are counted")
		flag, _ := s.Column("flag")
		assert.Len(t, flag.Values, 2, "a boolean is a category")
		huge, _ := s.Column("huge")
		assert.Nil(t, huge.Values, "huge text is never listed")
		assert.GreaterOrEqual(t, huge.MaxLen, 100_000)
		if h.dialect == PostgreSQL {
			meta, _ := s.Column("meta")
			assert.Equal(t, []ValueCount{{`{"a": 1}`, 12}}, meta.Values, "jsonb as text")
			tags, _ := s.Column("tags")
			assert.Equal(t, 0, tags.Nulls)
		}
	})
}
