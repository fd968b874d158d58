package plant

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchHost is a SQLite table of n rows shaped like profileDDL.
func benchHost(b *testing.B, n int) *sql.DB {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+b.TempDir()+"/bench.db")
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, given TEXT, family TEXT, email TEXT, phone TEXT,
		ticket TEXT, created TIMESTAMP, state TEXT, product TEXT, notes TEXT)`)
	require.NoError(b, err)
	tx, err := db.Begin()
	require.NoError(b, err)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var phone, state any
		if i%10 < 7 {
			phone = fmt.Sprintf("(212) 555-%04d", i%10000)
		}
		if i%20 != 0 {
			state = [...]string{"TX", "CA", "NY", "FL"}[i%4]
		}
		_, err := tx.Exec("INSERT INTO people (given, family, email, phone, ticket, created, state, product, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			fmt.Sprintf("G%d", i%500), fmt.Sprintf("F%d", i%3000), fmt.Sprintf("u%d@d%d.example", i, i%700), phone,
			fmt.Sprintf("CS-%07d", 1_000_000+2*i), start.Add(time.Duration(i)*17*time.Minute).Format(DefaultTextLayout),
			state, [...]string{"basic", "pro"}[i%2], fmt.Sprintf("note %d", i))
		require.NoError(b, err)
	}
	require.NoError(b, tx.Commit())
	return db
}

// BenchmarkLearn profiles a 100,000-row SQLite table; BenchmarkFullScan,
// the reference, reads every row of it once.
func BenchmarkLearn(b *testing.B) {
	db := benchHost(b, 100_000)
	m := profileMapping()
	for b.Loop() {
		_, err := Learn(context.Background(), db, m, LearnOptions{})
		require.NoError(b, err)
	}
}

func BenchmarkFullScan(b *testing.B) {
	db := benchHost(b, 100_000)
	for b.Loop() {
		rows, err := db.Query("SELECT * FROM people")
		require.NoError(b, err)
		vals := make([]any, 10)
		ptrs := make([]any, 10)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			require.NoError(b, rows.Scan(ptrs...))
		}
		require.NoError(b, rows.Err())
		rows.Close()
	}
}
