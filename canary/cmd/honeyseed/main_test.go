package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/plant"
)

// newRegistry runs 'honeyseed init' in a new directory and returns the
// flags naming its registry and key.
func newRegistry(t *testing.T) (dir string, reg []string) {
	t.Helper()
	t.Setenv("HONEYSEED_SECRET", "")
	t.Setenv(postgresEnv, "")
	dir = t.TempDir()
	reg = []string{"-registry", filepath.Join(dir, "reg.db"), "-key", filepath.Join(dir, "reg.key")}
	_, err := runCLI(t, append([]string{"init"}, reg...)...)
	require.NoError(t, err)
	return dir, reg
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := execute(context.Background(), args, &out, &errOut)
	return out.String(), err
}

// TestExitCodes: 0 on success and for -h, 1 when the command fails, 2 for a
// usage error; an error is printed once, to stderr.
func TestExitCodes(t *testing.T) {
	_, reg := newRegistry(t)
	for _, tc := range []struct {
		args      []string
		code      int
		stdout    string // a part of what is printed there
		stderrErr bool   // an error line on stderr
		why       string
	}{
		{[]string{"-h"}, exitOK, "commands:", false, "help lists the commands"},
		{[]string{"scan", "-h"}, exitOK, "-registry", false, "a command's -h lists its flags"},
		{nil, exitUsage, "", true, "no command"},
		{[]string{"frobnicate"}, exitUsage, "", true, "unknown command"},
		{[]string{"scan", "-nosuchflag"}, exitUsage, "", true, "unknown flag"},
		{append([]string{"retire", "-id", "not-a-uuid"}, reg...), exitUsage, "", true, "a flag value that does not parse"},
		{append([]string{"retire", "-id", "5b0c6f4e-3c1a-4f7e-9a55-1d2f3e4a5b6c"}, reg...), exitError, "", true, "a command that fails: no such seed"},
		{append([]string{"alerts"}, reg...), exitOK, "", false, "success"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errOut)
		assert.Equal(t, tc.code, code, tc.why)
		assert.Contains(t, out.String(), tc.stdout, tc.why)
		if tc.stderrErr {
			assert.Equal(t, 1, strings.Count(errOut.String(), "honeyseed: "), "%s: one error line on stderr: %q", tc.why, errOut.String())
		} else {
			assert.NotContains(t, errOut.String(), "honeyseed: ", tc.why)
		}
	}
}

func TestGenerateScanAlertsRetire(t *testing.T) {
	dir, reg := newRegistry(t)

	out, err := runCLI(t, append([]string{"generate", "-demo", "-placement", "export/2026-11", "-n", "5"}, reg...)...)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5)
	var seed struct {
		ID, Email, Phone, Ticket, Placement string
	}
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &seed))
	assert.Equal(t, "export/2026-11", seed.Placement)
	info, err := os.Stat(filepath.Join(dir, "reg.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the key file is private")

	dump := filepath.Join(dir, "dump.csv")
	require.NoError(t, os.WriteFile(dump, []byte(fmt.Sprintf("name,email\nReal,real@customer.example\nX,%s\n", strings.ToUpper(seed.Email))), 0o600))
	out, err = runCLI(t, append([]string{"scan"}, append(reg, dump)...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "seed "+seed.ID+" of export/2026-11")
	assert.Contains(t, out, "export/2026-11                 score 1.00")

	// The same dump gzipped, under a name that does not say so.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write([]byte(fmt.Sprintf("name,email\nX,%s\n", seed.Email)))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	packed := filepath.Join(dir, "export.csv")
	require.NoError(t, os.WriteFile(packed, gz.Bytes(), 0o600))
	out, err = runCLI(t, append([]string{"scan"}, append(reg, packed)...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "seed "+seed.ID+" of export/2026-11", "a compressed dump is read by its content")

	out, err = runCLI(t, append([]string{"retire", "-id", seed.ID}, reg...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "retired "+seed.ID)

	out, err = runCLI(t, append([]string{"alerts"}, reg...)...)
	require.NoError(t, err)
	assert.Empty(t, out, "no alerts recorded yet")
}

func TestCLIRejectsBadInput(t *testing.T) {
	dir, reg := newRegistry(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		append([]string{"generate", "-demo"}, reg...),           // no placement
		append([]string{"generate", "-placement", "p"}, reg...), // no config
		append([]string{"generate", "-placement", "p", "-demo", "-seed", "zz"}, reg...),
		append([]string{"retire", "-id", "not-a-uuid"}, reg...),
		append([]string{"scan"}, reg...),  // nothing to scan
		append([]string{"serve"}, reg...), // no config
	} {
		_, err := runCLI(t, args...)
		assert.Error(t, err, "%q", args)
	}
	cfg := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"email_domains": ["gmail.com"]}`), 0o600))
	_, err := runCLI(t, append([]string{"generate", "-placement", "p", "-config", cfg}, reg...)...)
	assert.ErrorContains(t, err, "public mailbox provider", "a config that would mail strangers is refused")
}

func TestPlantAndCSV(t *testing.T) {
	dir, reg := newRegistry(t)
	hostPath := filepath.Join(dir, "host.db")
	host, err := sql.Open("sqlite", hostPath)
	require.NoError(t, err)
	_, err = host.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT UNIQUE, phone TEXT, ticket TEXT, created_at TIMESTAMP)`)
	require.NoError(t, err)
	for i := range 60 {
		_, err := host.Exec(`INSERT INTO customers (full_name, email, phone, ticket, created_at) VALUES (?, ?, ?, ?, ?)`,
			fmt.Sprintf("Real Person%d", i), fmt.Sprintf("real%d@customer.example", i), fmt.Sprintf("(212) 555-01%02d", i),
			fmt.Sprintf("CS-%07d", 4_200_000+i*11), time.Date(2026, 1, 1+i%28, 10, 0, 0, 0, time.UTC))
		require.NoError(t, err)
	}
	plantArgs := append([]string{"plant", "-demo", "-placement", "support-db/eu", "-n", "6", "-db", "sqlite:" + hostPath,
		"-table", "customers", "-map", "email=email,name=full_name,phone=phone,ticket=ticket,created=created_at"}, reg...)
	_, err = runCLI(t, plantArgs...)
	require.ErrorIs(t, err, plant.ErrTooFewDomains, "every real address is at one provider: seeds on the demo's own domains would stand out")
	assert.ErrorContains(t, err, "6 seeds need at least 6 owned mailboxes at the big providers")
	out, err := runCLI(t, append(plantArgs, "-force")...)
	require.NoError(t, err)
	assert.Contains(t, out, "planted 6 seeds for support-db/eu")
	var n int
	require.NoError(t, host.QueryRow(`SELECT count(*) FROM customers WHERE email NOT LIKE '%@customer.example'`).Scan(&n))
	assert.Equal(t, 6, n)
	require.NoError(t, host.QueryRow(`SELECT count(*) FROM customers WHERE ticket LIKE 'CS-%' AND phone LIKE '(%) %-%'`).Scan(&n))
	assert.Equal(t, 66, n, "seeds take the host's ticket and phone formats")
	host.Close()

	out, err = runCLI(t, append([]string{"csv", "-demo", "-placement", "export/hubspot", "-n", "3", "-format", "hubspot"}, reg...)...)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "First Name,Last Name,Email,Phone Number"), out)
	assert.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 4)

	_, err = runCLI(t, append([]string{"plant", "-demo", "-placement", "p", "-db", "sqlite:" + hostPath, "-table", "nope"}, reg...)...)
	assert.ErrorIs(t, err, plant.ErrNoTable)
}

func TestServeConfigErrors(t *testing.T) {
	dir, reg := newRegistry(t)
	for _, tc := range []struct{ cfg, want string }{
		{`{"smtp": {"addr": ""}}`, "configure smtp.addr, http.addr, imap mailboxes"},
		{`{"http": {"addr": "127.0.0.1:0"}}`, "no provider secret"},
		{`{"http": {"addr": "127.0.0.1:0"}, "twilio_auth_token_env": "HONEYSEED_TEST_UNSET_VAR"}`, "which is empty"},
		{`{"sinks": {"x": {"type": "carrier-pigeon"}}, "smtp": {"addr": "127.0.0.1:0"}}`, "unknown type"},
		{`{"smtpp": {}}`, "unknown field"},
		{`{"smtp": {"addr": "127.0.0.1:0", "data_timeout": "ten minutes"}}`, "smtp.data_timeout"},
		{`{"smtp": {"addr": "127.0.0.1:0", "unknown_window": "1 hour"}}`, "smtp.unknown_window"},
		{`{"http": {"addr": ":0"}, "webhook_secret_env": "HOME"}`, "refusing plain HTTP"},
		{`{"http": {"addr": "0.0.0.0:0"}, "tls": {"cert_file": "/nonexistent/cert.pem", "key_file": "/nonexistent/key.pem"}}`, "no usable certificate"},
		{`{"smtp": {"addr": "127.0.0.1:0"}, "suppressed_sinks": ["nowhere"]}`, "SuppressedSinks"},
	} {
		p := filepath.Join(dir, "serve.json")
		require.NoError(t, os.WriteFile(p, []byte(tc.cfg), 0o600))
		_, err := runCLI(t, append([]string{"serve", "-config", p}, reg...)...)
		assert.ErrorContains(t, err, tc.want, tc.cfg)
	}
}

func TestPlantAudit(t *testing.T) {
	dir, reg := newRegistry(t)
	hostPath := filepath.Join(dir, "host.db")
	host, err := sql.Open("sqlite", hostPath)
	require.NoError(t, err)
	defer host.Close()
	_, err = host.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT UNIQUE, plan TEXT NOT NULL DEFAULT '')`)
	require.NoError(t, err)
	var export strings.Builder
	export.WriteString("First Name,Last Name,Email,Business Phone\n")
	for i := range 150 {
		_, err := host.Exec(`INSERT INTO customers (full_name, email, plan) VALUES (?, ?, ?)`,
			fmt.Sprintf("Real Person%d", i), fmt.Sprintf("real%d@customer.example", i), []string{"annual", "monthly"}[i%2])
		require.NoError(t, err)
		fmt.Fprintf(&export, "Real,Person%d,real%d@customer.example,\n", i, i)
	}
	count := func() (n int) {
		require.NoError(t, host.QueryRow(`SELECT count(*) FROM customers`).Scan(&n))
		return n
	}
	args := append([]string{"plant", "-demo", "-placement", "support-db/eu", "-n", "20", "-db", "sqlite:" + hostPath,
		"-table", "customers", "-map", "email=email,name=full_name"}, reg...)

	// Every real address is at one provider, and the demo's domains are
	// nobody's: the dry run says how many mailboxes would hide the seeds,
	// and the audit picks them out.
	out, err := runCLI(t, append(args, "-audit")...)
	assert.ErrorIs(t, err, plant.ErrAuditFailed, "a failed dry run is the command's failure")
	assert.Contains(t, out, "20 seeds need at least 17 owned mailboxes at the big providers")
	assert.Contains(t, out, "plant audit: 20 seeds against 150 host rows: FAILED")
	assert.Contains(t, out, "email domain frequency")
	assert.Equal(t, 150, count(), "a dry run plants nothing")

	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitError, run(context.Background(), args, &stdout, &stderr), "too few owned mailboxes refuses")
	assert.Contains(t, stderr.String(), "20 seeds need at least 17 owned mailboxes", "with the numbers")
	assert.Equal(t, 150, count())

	out, err = runCLI(t, append(args, "-force")...)
	require.NoError(t, err)
	assert.Contains(t, out, "planted 20 seeds for support-db/eu")
	assert.Contains(t, out, "audit failed, planted by -force")
	assert.Equal(t, 170, count())
	var blank int
	require.NoError(t, host.QueryRow(`SELECT count(*) FROM customers WHERE plan = ''`).Scan(&blank))
	assert.Zero(t, blank, "the seeds fill plan, a column the mapping leaves out, as the host does")

	_, err = runCLI(t, append(args, "-audit", "-force")...)
	var ue *usageError
	assert.ErrorAs(t, err, &ue)

	exportPath := filepath.Join(dir, "export.csv")
	require.NoError(t, os.WriteFile(exportPath, []byte(export.String()), 0o600))
	csvArgs := append([]string{"csv", "-demo", "-placement", "export/sf", "-n", "20", "-format", "salesforce", "-host", exportPath}, reg...)
	out, err = runCLI(t, csvArgs...)
	assert.ErrorIs(t, err, plant.ErrTooFewDomains, "every address of the export is at one provider, the demo's domains are nobody's")
	assert.Empty(t, out, "nothing written")
	out, err = runCLI(t, append(csvArgs, "-force")...)
	require.NoError(t, err, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 21)
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		assert.Empty(t, f[len(f)-1], "fitted to the export, whose rows hold no phone: %s", l)
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
		why  string
	}{
		{"127.0.0.1:8080", true, "IPv4 loopback"},
		{"[::1]:8080", true, "IPv6 loopback"},
		{"localhost:8080", true, "the loopback name"},
		{":8080", false, "every interface"},
		{"0.0.0.0:8080", false, "every IPv4 interface"},
		{"192.0.2.10:8080", false, "a routable address"},
		{"hooks.example.com:443", false, "a name that may resolve anywhere"},
		{"127.0.0.1", false, "no port: not a listen address"},
	} {
		assert.Equal(t, tc.want, isLoopbackAddr(tc.addr), tc.why)
	}
}

// TestPlantDrip: -drip with -audit audits the plan a drip at the host's
// own rate would follow, and plants nothing. (A drip itself runs for as
// long as the host's rate asks, at the hours its rows come in: plant's
// tests run the Dripper on a clock of their own.)
func TestPlantDrip(t *testing.T) {
	dir, reg := newRegistry(t)
	hostPath := filepath.Join(dir, "host.db")
	host, err := sql.Open("sqlite", hostPath)
	require.NoError(t, err)
	defer host.Close()
	_, err = host.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT UNIQUE, created_at TEXT)`)
	require.NoError(t, err)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 { // each at a family's own domain: the demo's owned domains hide among them
		_, err := host.Exec(`INSERT INTO customers (full_name, email, created_at) VALUES (?, ?, ?)`,
			fmt.Sprintf("Real Person%d", i), fmt.Sprintf("real@family%d.example", i),
			start.Add(time.Duration(i)*97*time.Minute).Format("2006-01-02 15:04:05"))
		require.NoError(t, err)
	}
	args := append([]string{"plant", "-demo", "-placement", "support-db/eu", "-n", "3", "-db", "sqlite:" + hostPath,
		"-table", "customers", "-map", "email=email,name=full_name,created=created_at", "-drip", "-audit"}, reg...)
	_, err = runCLI(t, append(args[:len(args):len(args)], "-force")...)
	var ue *usageError
	require.ErrorAs(t, err, &ue, "-audit and -force do not go together")
	out, err := runCLI(t, args...)
	require.NoError(t, err, out)
	// 3 seeds at 2% of the host's 10 to 15 new rows a day: ten days or more.
	assert.Regexp(t, `drip of 3 seeds over [2-4][0-9][0-9]h`, out)
	assert.Contains(t, out, "plant audit: 3 seeds against 300 host rows")
	var n int
	require.NoError(t, host.QueryRow(`SELECT count(*) FROM customers`).Scan(&n))
	assert.Equal(t, 300, n, "a dry run plants nothing")

	noDrip := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-drip" })
	_, err = runCLI(t, append(noDrip, "-ticket-query", "SELECT 'CS-1'")...)
	require.ErrorAs(t, err, &ue, "-ticket-query needs -drip")
}

// TestHostTickets: -ticket-query's value is each seed's ticket, as the
// host's own numbering hands it out, and a query that gives none fails.
func TestHostTickets(t *testing.T) {
	host, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "host.db"))
	require.NoError(t, err)
	defer host.Close()
	_, err = host.Exec(`CREATE TABLE ticket_seq (n INTEGER NOT NULL); INSERT INTO ticket_seq VALUES (4200017)`)
	require.NoError(t, err)
	next := hostTickets(host, `UPDATE ticket_seq SET n = n + 1 RETURNING 'CS-' || printf('%07d', n)`)
	for _, want := range []string{"CS-4200018", "CS-4200019"} {
		got, err := next(t.Context())
		require.NoError(t, err)
		assert.Equal(t, want, got, "the host's next number, each call")
	}
	for _, q := range []string{`SELECT NULL`, `SELECT '  '`, `SELECT n FROM ticket_seq WHERE n < 0`, `SELECT nonsense(`} {
		_, err := hostTickets(host, q)(t.Context())
		assert.Error(t, err, q)
	}
}
