package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// blindSeed returns a seed whose every value is long and distinctive enough
// that finding it in a database file cannot be chance (names of three letters
// would be), so the blinding test can search for each one.
func blindSeed(i int) canary.Seed {
	given := []string{"Annabelle", "Rosalind", "Theodora", "Maximilian", "Guinevere", "Bartholomew", "Clementine", "Evangeline"}[i%8]
	family := []string{"Whitlock", "Fairbairn", "Ravenscroft", "Pemberton", "Ashworth", "Blackwood", "Harrowgate", "Lindqvist"}[i/8%8] + letters(i)
	created := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return canary.Seed{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "blind-%d", i)),
		Placement: fmt.Sprintf("zendesk-prod/region-%02d", i%7),
		Name:      canary.Name{Given: given, Family: family},
		Email:     fmt.Sprintf("%s.%s%d@canary-mail.example", strings.ToLower(given), strings.ToLower(family), i),
		Phone:     fmt.Sprintf("+1%03d55501%02d", 201+i/100, i%100),
		Ticket:    fmt.Sprintf("TM-%08d", 30000000+i),
		Fields:    map[string]string{"city": []string{"Huddersfield", "Kirkcudbright", "Llandudno Junction"}[i%3], "company": fmt.Sprintf("Quixotic Widgets %05d", i)},
		CreatedAt: created,
		PlantedAt: created.Add(72 * time.Hour),
	}
}

// letters spells i in base 26, three letters, so that family names are distinct.
func letters(i int) string {
	return string([]byte{byte('a' + i/676%26), byte('a' + i/26%26), byte('a' + i%26)})
}

// needles are the forms in which a seed's values could betray it: as planted,
// normalized, and the ways a phone number and ticket are commonly written.
func needles(s canary.Seed) []string {
	national := strings.TrimPrefix(s.Phone, "+1")
	out := []string{
		s.Email, strings.ReplaceAll(strings.Split(s.Email, "@")[0], ".", ""),
		s.Phone, strings.TrimPrefix(s.Phone, "+"), national,
		fmt.Sprintf("(%s) %s-%s", national[:3], national[3:6], national[6:]),
		fmt.Sprintf("%s-%s-%s", national[:3], national[3:6], national[6:]),
		s.Ticket, strings.ReplaceAll(s.Ticket, "-", ""),
		s.Name.Given, s.Name.Family, s.Name.String(),
		s.Placement,
	}
	for _, v := range s.Fields {
		out = append(out, v)
	}
	return out
}

// fillForBlinding writes 10k seeds and some alerts that quote them, including
// a failed delivery whose error names a seed's address.
func fillForBlinding(t *testing.T, s *Store) []canary.Seed {
	ctx := context.Background()
	seeds := make([]canary.Seed, 10_000)
	for i := range seeds {
		seeds[i] = blindSeed(i)
	}
	require.NoError(t, s.Add(ctx, seeds...))
	require.NoError(t, s.Retire(ctx, seeds[5].ID, seeds[5].PlantedAt.Add(time.Hour)))
	for i := range 10 {
		sd := seeds[i]
		a := canary.Alert{
			ID: uuid.New(), Channel: canary.ChannelEmail, Source: "smtp", Sender: "refunds@scam.example",
			Seeds:     []canary.Seed{sd},
			Hits:      []canary.Hit{{Seed: sd, Field: canary.FieldEmail, Value: sd.Email, Evidence: "to", Part: "to", Confidence: canary.Exact}},
			FirstSeen: time.Now(), LastSeen: time.Now(), Count: 1,
			Evidence: []string{"Dear " + sd.Name.String() + ", about ticket " + sd.Ticket + " call " + sd.Phone},
			EventIDs: []string{fmt.Sprintf("<%d@scam.example>", i)},
		}
		_, err := watch.Record(ctx, s, a, []string{"webhook"})
		require.NoError(t, err)
		require.NoError(t, s.Failed(ctx, a.ID, "webhook", time.Now().Add(time.Minute), "HTTP 400: bad recipient "+sd.Email))
	}
	return seeds
}

func assertBlind(t *testing.T, what string, dump []byte, seeds []canary.Seed) {
	t.Helper()
	require.NotEmpty(t, dump)
	var all []string
	for _, s := range seeds {
		all = append(all, needles(s)...)
	}
	found := findAny(asciiLower(dump), all)
	for i, n := range found {
		if i == 10 {
			break
		}
		t.Errorf("%s holds %q in clear", what, n)
	}
	assert.Empty(t, found, "values of seeds found in %s", what)
	// The search must be able to fail: a value written in clear is found.
	require.Equal(t, []string{seeds[0].Email}, findAny(asciiLower(append(dump, seeds[0].Email...)), []string{seeds[0].Email}))
}

// findAny returns the needles (case-insensitive, at least 4 bytes) that occur
// in hay, which must be lower case. Needles are indexed by their first four
// bytes, so the haystack is read once.
func findAny(hay []byte, needles []string) []string {
	byPrefix := make(map[[4]byte][]string)
	for _, n := range needles {
		n := string(asciiLower([]byte(n)))
		byPrefix[[4]byte([]byte(n[:4]))] = append(byPrefix[[4]byte([]byte(n[:4]))], n)
	}
	seen := make(map[string]bool)
	var found []string
	for i := 0; i+4 <= len(hay); i++ {
		for _, n := range byPrefix[[4]byte(hay[i:i+4])] {
			if !seen[n] && bytes.HasPrefix(hay[i:], []byte(n)) {
				seen[n] = true
				found = append(found, n)
			}
		}
	}
	return found
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func TestBlindedAtRestSQLite(t *testing.T) {
	opts := freshSQLite(t)
	s := open(t, opts)
	seeds := fillForBlinding(t, s)

	files := func() []byte {
		var all []byte
		for _, suffix := range []string{"", "-wal", "-journal"} {
			b, err := os.ReadFile(opts.Path + suffix)
			if err == nil {
				all = append(all, b...)
			}
		}
		return all
	}
	assertBlind(t, "the database file and its WAL", files(), seeds)
	_, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	require.NoError(t, err)
	assertBlind(t, "the checkpointed database file", files(), seeds)
	assertBlind(t, "every column of every table", selectEverything(t, s.db, `SELECT name FROM sqlite_schema WHERE type = 'table'`), seeds)
}

func TestBlindedAtRestPostgres(t *testing.T) {
	opts := freshPostgres(t)
	s := open(t, opts)
	seeds := fillForBlinding(t, s)
	tables := fmt.Sprintf(`SELECT table_name FROM information_schema.tables WHERE table_schema = '%s'`, schemaOf(t, opts))
	assertBlind(t, "every column of every table", selectEverything(t, s.db, tables), seeds)
}

// selectEverything is a pg_dump of the data: every column of every row of the
// tables listTables names, as the driver returns them (bytea as raw bytes).
func selectEverything(t *testing.T, db *sql.DB, listTables string) []byte {
	t.Helper()
	var tables []string
	rows, err := db.Query(listTables)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.GreaterOrEqual(t, len(tables), 5, "all the store's tables")
	var dump bytes.Buffer
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			require.NoError(t, rows.Scan(ptrs...))
			for _, v := range vals {
				dump.Write(v)
				dump.WriteByte(0)
			}
		}
		require.NoError(t, rows.Err())
	}
	return dump.Bytes()
}
