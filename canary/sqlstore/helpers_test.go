package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// postgresEnv names the DSN of a PostgreSQL database the tests may create
// schemas in. .ci/run sets it.
const postgresEnv = "HONEYSEED_TEST_POSTGRES"

// testSecret returns a fixed secret per label, so that tests can reopen.
func testSecret(label string) Secret {
	sum := sha256.Sum256([]byte("sqlstore test secret " + label))
	return sum[:]
}

// engine makes fresh databases for tests that run on both SQLite and PostgreSQL.
type engine struct {
	name string
	// fresh returns options naming a new empty database; opening them twice
	// gives two stores on one database.
	fresh func(t testing.TB) Options
}

var engines = []engine{
	{"sqlite", freshSQLite},
	{"postgres", freshPostgres},
}

func freshSQLite(t testing.TB) Options {
	return Options{Path: filepath.Join(t.TempDir(), "registry.db"), Secret: testSecret("a"), RefreshInterval: -1}
}

// freshPostgres creates a schema of its own, dropped when the test ends, and
// returns options whose DSN selects it.
func freshPostgres(t testing.TB) Options {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip("set HONEYSEED_TEST_POSTGRES=postgres://... to run; .ci/run does")
	}
	schema := "hs_test_" + hex.EncodeToString(randomBytes(6))
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", dsn)
		if err == nil {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		}
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Options{Driver: "pgx", DSN: u.String(), Secret: testSecret("a"), RefreshInterval: -1}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func open(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// forEngine runs fn as a subtest per engine.
func forEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { fn(t, e) })
	}
}

// schemaOf returns the PostgreSQL schema a test's options select.
func schemaOf(t testing.TB, opts Options) string {
	u, err := url.Parse(opts.DSN)
	require.NoError(t, err)
	s := u.Query().Get("search_path")
	require.NotEmpty(t, s, fmt.Sprintf("no search_path in %s", opts.DSN))
	return s
}
