package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/inbound"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// runCode runs a command line and returns its exit code, stdout and stderr.
func runCode(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRegistryRefusals: only init creates a registry or a key; every other
// command refuses what init did not make, with exit 1 and a clear error.
func TestRegistryRefusals(t *testing.T) {
	dir, reg := newRegistry(t)
	other := t.TempDir()
	missingReg := []string{"-registry", filepath.Join(other, "typo.db"), "-key", filepath.Join(dir, "reg.key")}
	missingKey := []string{"-registry", filepath.Join(dir, "reg.db"), "-key", filepath.Join(other, "gone.key")}
	wrongKeyFile := filepath.Join(other, "wrong.key")
	require.NoError(t, os.WriteFile(wrongKeyFile, []byte(strings.Repeat("ab", 32)), 0o600))
	wrongKey := []string{"-registry", filepath.Join(dir, "reg.db"), "-key", wrongKeyFile}
	dump := filepath.Join(dir, "dump.txt")
	require.NoError(t, os.WriteFile(dump, []byte("nothing here\n"), 0o600))

	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
		why  string
	}{
		{append([]string{"scan"}, append(missingReg, dump)...), exitError, "honeyseed init", "a mistyped -registry is not a new, empty registry"},
		{append([]string{"alerts"}, missingReg...), exitError, "no registry", "alerts too"},
		{append([]string{"status"}, missingReg...), exitError, "no registry", "status too"},
		{append([]string{"generate", "-demo", "-placement", "p"}, missingReg...), exitError, "no registry", "generate does not create one"},
		{append([]string{"alerts"}, missingKey...), exitError, "restore it from your backup", "a missing key beside a registry is never replaced"},
		{append([]string{"alerts"}, wrongKey...), exitError, "does not match", "a key that does not open the registry"},
		{append([]string{"init"}, reg...), exitError, "already exists", "init twice"},
		{append([]string{"alerts", "-postgres", "postgres://u:secret@127.0.0.1/db"}, reg...), exitUsage, "password", "a password on the command line"},
		{append([]string{"alerts", "-postgres", "host=127.0.0.1 password=secret"}, reg...), exitUsage, "password", "key=value form too"},
		{append([]string{"alerts"}, reg...), exitOK, "no alerts recorded", "an empty registry says so"},
	} {
		code, _, stderr := runCode(tc.args...)
		assert.Equal(t, tc.code, code, tc.why)
		assert.Contains(t, stderr, tc.want, tc.why)
	}
	info, err := os.Stat(filepath.Join(dir, "reg.db"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "init makes the registry file private")
	_, err = os.Stat(filepath.Join(other, "typo.db"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no registry was created")
	_, err = os.Stat(filepath.Join(other, "gone.key"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no key was created")
}

func TestScanSaysWhatItRead(t *testing.T) {
	dir, reg := newRegistry(t)
	dump := filepath.Join(dir, "dump.txt")
	require.NoError(t, os.WriteFile(dump, []byte("nothing here\n"), 0o600))
	code, _, stderr := runCode(append([]string{"scan"}, append(reg, dump)...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "scanned "+dump+": 13 bytes, 0 hits, 0 new seeds")
	assert.Contains(t, stderr, "no seed values found in 1 files (0 seeds in the registry)")

	code, out, stderr := runCode(append([]string{"generate", "-demo", "-placement", "export/2026-11", "-n", "1"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	var seed struct{ ID, Email string }
	require.NoError(t, json.Unmarshal([]byte(out), &seed))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintf(zw, "name,email\nX,%s\n", seed.Email)
	require.NoError(t, zw.Close())
	renamed := filepath.Join(dir, "backup.bin") // found renamed: read by content
	require.NoError(t, os.WriteFile(renamed, gz.Bytes(), 0o600))
	code, out, stderr = runCode(append([]string{"scan"}, append(reg, renamed)...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "seed "+seed.ID+" of export/2026-11", "a gzip dump is decompressed")
	assert.Contains(t, stderr, fmt.Sprintf("scanned %s: %d bytes gzip, %d bytes decompressed, 1 hits, 1 new seeds", renamed, gz.Len(), len("name,email\nX,\n")+len(seed.Email)))
}

func TestDSNHasPassword(t *testing.T) {
	for _, tc := range []struct {
		dsn  string
		want bool
		why  string
	}{
		{"postgres://u:pw@h/db", true, "URL user info"},
		{"postgres://u@h/db?password=pw", true, "URL query"},
		{"postgres://u@h/db?sslmode=disable", false, "no password: PGPASSWORD or a passfile gives it"},
		{"host=h user=u password=pw", true, "key=value"},
		{"host=h user=u", false, "key=value without one"},
	} {
		assert.Equal(t, tc.want, dsnHasPassword(tc.dsn), tc.why)
	}
}

// seedStore opens the registry reg names and fills it with seeds and alerts at
// fixed times.
func seedStore(t *testing.T, reg []string) {
	t.Helper()
	st := storeFlags{path: reg[1], key: reg[3]}
	store, err := st.open(context.Background())
	require.NoError(t, err)
	defer store.Close()
	ctx := context.Background()
	var seeds []canary.Seed
	for i := range 6 {
		p := "support-db/eu"
		if i >= 4 {
			p = "export/2026-11-crm"
		}
		seeds = append(seeds, canarytest.Seed(i+1, p))
	}
	require.NoError(t, store.Add(ctx, seeds...))
	require.NoError(t, store.Retire(ctx, seeds[3].ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)))
	retired, err := store.Get(ctx, seeds[3].ID)
	require.NoError(t, err)
	at := time.Date(2025, 5, 2, 8, 0, 0, 0, time.UTC)
	for i, a := range []canary.Alert{
		{Channel: canary.ChannelEmail, Source: "smtp", Sender: "refunds@scam.example", Seeds: seeds[0:2],
			Hits: []canary.Hit{{Seed: seeds[0], Field: canary.FieldEmail, Confidence: canary.Exact}, {Seed: seeds[1], Field: canary.FieldEmail, Confidence: canary.Exact}}},
		{Channel: canary.ChannelSMS, Source: "twilio", Sender: "+12025550147", Seeds: []canary.Seed{retired},
			Hits: []canary.Hit{{Seed: retired, Field: canary.FieldPhone, Confidence: canary.Likely}}},
		{Channel: canary.ChannelEmail, Source: "smtp", Sender: "ops@yourcompany.example", Seeds: seeds[4:5], Suppressed: true, SuppressedBy: "dmarc",
			Hits: []canary.Hit{{Seed: seeds[4], Field: canary.FieldEmail, Confidence: canary.Exact}}},
	} {
		a.ID = uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "alert-%d", i))
		a.Count = 1
		a.FirstSeen = at.Add(time.Duration(i) * 24 * time.Hour)
		a.LastSeen = a.FirstSeen.Add(time.Hour)
		_, _, err := store.Record(ctx, a, []string{"log"})
		require.NoError(t, err)
	}
}

func fixClock(t *testing.T, at time.Time) {
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func TestStatusGolden(t *testing.T) {
	_, reg := newRegistry(t)
	code, out, _ := runCode(append([]string{"status"}, reg...)...)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "no seeds registered", "an empty registry says so")

	seedStore(t, reg)
	fixClock(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	code, out, stderr := runCode(append([]string{"status"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	golden := filepath.Join("testdata", "status.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(out), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), out)
}

func TestAlertsFilters(t *testing.T) {
	_, reg := newRegistry(t)
	seedStore(t, reg)
	fixClock(t, time.Date(2025, 5, 4, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		flags []string
		want  []string // senders, in order
		why   string
	}{
		{nil, []string{"refunds@scam.example", "+12025550147", "ops@yourcompany.example"}, "no filter: all, suppressed included"},
		{[]string{"-since", "2025-05-03T00:00:00Z"}, []string{"+12025550147", "ops@yourcompany.example"}, "since an RFC 3339 time"},
		{[]string{"-since", "24h"}, []string{"ops@yourcompany.example"}, "since a duration ago"},
		{[]string{"-placement", "support-db/eu"}, []string{"refunds@scam.example", "+12025550147"}, "by placement"},
		{[]string{"-confidence", "exact"}, []string{"refunds@scam.example", "ops@yourcompany.example"}, "exact hits only"},
		{[]string{"-confidence", "likely"}, []string{"refunds@scam.example", "+12025550147", "ops@yourcompany.example"}, "likely admits exact"},
		{[]string{"-placement", "nowhere"}, nil, "nothing matches"},
	} {
		code, out, stderr := runCode(append(append([]string{"alerts", "-json"}, tc.flags...), reg...)...)
		require.Equal(t, exitOK, code, stderr)
		var got []string
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var a canary.Alert
			if err := dec.Decode(&a); errors.Is(err, io.EOF) {
				break
			} else {
				require.NoError(t, err)
			}
			got = append(got, a.Sender)
		}
		assert.Equal(t, tc.want, got, tc.why)
		if tc.want == nil {
			assert.Contains(t, stderr, "matches the filters", tc.why)
		}
	}
	code, _, _ := runCode(append([]string{"alerts", "-since", "last tuesday"}, reg...)...)
	assert.Equal(t, exitUsage, code, "a -since that does not parse")
	code, _, _ = runCode(append([]string{"alerts", "-confidence", "sure"}, reg...)...)
	assert.Equal(t, exitUsage, code, "an unknown confidence")

	code, out, _ := runCode(append([]string{"alerts"}, reg...)...)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "retired 2025-04-01T00:00:00Z (hit after retirement)", "the CLI says a hit was on a retired seed")
}

func TestRetireSaysWhen(t *testing.T) {
	_, reg := newRegistry(t)
	seedStore(t, reg)
	fixClock(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	id := canarytest.Seed(1, "support-db/eu").ID.String()
	code, out, stderr := runCode(append([]string{"retire", "-id", id}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "retired "+id+" at 2025-06-01T00:00:00Z")
	st := storeFlags{path: reg[1], key: reg[3]}
	store, err := st.open(context.Background())
	require.NoError(t, err)
	defer store.Close()
	s, err := store.Get(context.Background(), canarytest.Seed(1, "").ID)
	require.NoError(t, err)
	assert.True(t, s.RetiredAt.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)), "stored: %v", s.RetiredAt)
	assert.True(t, s.ExpiresAt.Equal(canarytest.Seed(1, "").ExpiresAt), "the planned expiry is left: %v", s.ExpiresAt)
}

func TestCSVFieldsAndErrors(t *testing.T) {
	_, reg := newRegistry(t)
	code, out, stderr := runCode(append([]string{"csv", "-demo", "-placement", "export/plain", "-n", "3", "-format", "plain", "-fields", "postcode"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	require.True(t, strings.HasSuffix(lines[0], "postcode"), lines[0])
	for _, l := range lines[1:] {
		assert.False(t, strings.HasSuffix(l, ","), "a postcode in every row: %q", l)
	}
	code, _, stderr = runCode(append([]string{"csv", "-demo", "-placement", "p", "-format", "carrier-pigeon"}, reg...)...)
	assert.Equal(t, exitError, code)
	assert.True(t, strings.HasPrefix(stderr, "honeyseed csv: "), stderr)
	assert.NotContains(t, stderr, "plant:")
}

// syncBuffer is a buffer the serve goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe runs 'honeyseed serve' with cfg until the test ends.
func startServe(t *testing.T, reg []string, cfg string) (stderr *syncBuffer, done <-chan int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "serve.json")
	require.NoError(t, os.WriteFile(p, []byte(cfg), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	codes := make(chan int, 1)
	go func() { codes <- run(ctx, append([]string{"serve", "-config", p}, reg...), io.Discard, stderr) }()
	t.Cleanup(func() {
		cancel()
		<-codes
	})
	return stderr, codes
}

// getReady polls url until it answers (serve is starting), then returns the
// status and body.
func getReady(t *testing.T, url string, done <-chan int) (int, string) {
	t.Helper()
	for range 200 {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d", code)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s never answered", url)
	return 0, ""
}

// TestServeHealthAndMetrics runs serve on loopback ports, sends it real mail
// and reads /healthz, /readyz, /metrics and 'status -server' over HTTP.
func TestServeHealthAndMetrics(t *testing.T) {
	dir, reg := newRegistry(t)
	code, out, stderr := runCode(append([]string{"generate", "-demo", "-placement", "export/2026-11", "-n", "2"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	var seed struct{ Email string }
	require.NoError(t, json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &seed))

	admin := freeAddr(t)
	logs, done := startServe(t, reg, fmt.Sprintf(`{"smtp": {"addr": "127.0.0.1:0", "domain": "mx.test"}, "admin": {"addr": %q},
		"sinks": {"file": {"type": "jsonl", "path": %q}}}`, admin, filepath.Join(dir, "alerts.jsonl")))
	base := "http://" + admin

	code, body := getReady(t, base+"/healthz", done)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)

	code, body = getReady(t, base+"/readyz", done)
	require.Equal(t, http.StatusOK, code, body)
	var ready readiness
	require.NoError(t, json.Unmarshal([]byte(body), &ready))
	assert.True(t, ready.Ready)
	require.Len(t, ready.Receivers, 1)
	assert.Equal(t, "smtp", ready.Receivers[0].Name)
	assert.True(t, ready.Receivers[0].Up)
	require.Len(t, ready.Sinks, 1)
	assert.Equal(t, "file", ready.Sinks[0].Sink)

	err := smtp.SendMail(ready.Receivers[0].Addr, nil, "scam@fraud.example", []string{seed.Email},
		[]byte("From: scam@fraud.example\r\nTo: "+seed.Email+"\r\nSubject: refund\r\n\r\nCall us.\r\n"))
	require.NoError(t, err, "the receiver takes mail for a seed")
	err = smtp.SendMail(ready.Receivers[0].Addr, nil, "scam@fraud.example", []string{"nobody@mail.example"}, []byte("Subject: x\r\n\r\nx\r\n"))
	require.Error(t, err, "and refuses anyone else")

	_, metrics := getReady(t, base+"/metrics", done)
	assert.Contains(t, metrics, `honeyseed_events_total{source="smtp"} 1`)
	assert.Contains(t, metrics, `honeyseed_alerts_total{suppressed="false"} 1`)
	assert.Contains(t, metrics, `honeyseed_hits_total 1`)
	assert.Contains(t, metrics, `honeyseed_outbox_backlog{state="pending"}`)

	assert.Contains(t, logs.String(), "inbound: smtp: message accepted")
	assert.Contains(t, logs.String(), `reason="not a seed"`, "refused mail is logged at INFO with the reason")

	code, out, stderr = runCode(append([]string{"status", "-server", base}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "server: ready")
	assert.Contains(t, out, "receiver smtp")
	assert.Contains(t, out, "sink file")
	assert.Regexp(t, `export/2026-11\s+2\s+0\s+1\s+0\s+20`, out, "one of two seeds tripped, with its last contact")
}

// TestServeIMAPState: serve watches a mailbox from its config; a mailbox it
// cannot reach makes /readyz fail and says why in status, /readyz and metrics.
func TestServeIMAPState(t *testing.T) {
	_, reg := newRegistry(t)
	t.Setenv("HONEYSEED_TEST_IMAP_PW", "pw")
	admin := freeAddr(t)
	_, done := startServe(t, reg, fmt.Sprintf(`{"admin": {"addr": %q}, "imap": [{"address": "ann@mail.example", "host": "127.0.0.1",
		"port": %s, "tls": "plaintext", "allow_plaintext": true, "credential": {"env": "HONEYSEED_TEST_IMAP_PW"}}]}`, admin, strings.Split(freeAddr(t), ":")[1]))
	base := "http://" + admin
	var ready readiness
	for range 200 { // until the first connection attempt has failed
		code, body := getReady(t, base+"/readyz", done)
		require.Equal(t, http.StatusServiceUnavailable, code, body)
		require.NoError(t, json.Unmarshal([]byte(body), &ready))
		if len(ready.Mailboxes) == 1 && ready.Mailboxes[0].LastError != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, ready.Mailboxes, 1)
	assert.Equal(t, "ann@mail.example/INBOX", ready.Mailboxes[0].Mailbox)
	assert.False(t, ready.Mailboxes[0].Connected)
	assert.NotEmpty(t, ready.Mailboxes[0].LastError)
	assert.Contains(t, strings.Join(ready.Problems, "; "), "not connected")
	_, metrics := getReady(t, base+"/metrics", done)
	assert.Contains(t, metrics, `honeyseed_imap_connected{mailbox="ann@mail.example/INBOX"} 0`)
	code, out, _ := runCode(append([]string{"status", "-server", base}, reg...)...)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "mailbox ann@mail.example/INBOX DOWN")
}

// TestServeBindFailure: a port already taken fails serve before anything
// says "listening".
func TestServeBindFailure(t *testing.T) {
	_, reg := newRegistry(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	for _, cfg := range []string{
		fmt.Sprintf(`{"smtp": {"addr": %q}}`, ln.Addr().String()),
		fmt.Sprintf(`{"smtp": {"addr": "127.0.0.1:0"}, "admin": {"addr": %q}}`, ln.Addr().String()),
	} {
		p := filepath.Join(t.TempDir(), "serve.json")
		require.NoError(t, os.WriteFile(p, []byte(cfg), 0o600))
		code, _, stderr := runCode(append([]string{"serve", "-config", p}, reg...)...)
		assert.Equal(t, exitError, code, cfg)
		assert.Contains(t, stderr, "address already in use", cfg)
		if strings.Contains(cfg, `"smtp": {"addr": "127.0.0.1:0"}`) {
			continue // the SMTP receiver did listen: only the admin bind failed
		}
		assert.NotContains(t, stderr, "listening", cfg)
	}
	p := filepath.Join(t.TempDir(), "serve.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"smtp": {"addr": "127.0.0.1:0"}}`), 0o600))
	code, _, _ := runCode(append([]string{"serve", "-config", p, "-log-level", "loud"}, reg...)...)
	assert.Equal(t, exitUsage, code, "an unknown log level")
}

// TestSMTPUTF8Advertised: UTF-8 addresses are accepted, so EHLO says so.
func TestSMTPUTF8Advertised(t *testing.T) {
	_, reg := newRegistry(t)
	admin := freeAddr(t)
	_, done := startServe(t, reg, `{"smtp": {"addr": "127.0.0.1:0"}, "admin": {"addr": "`+admin+`"}}`)
	_, body := getReady(t, "http://"+admin+"/readyz", done)
	var ready readiness
	require.NoError(t, json.Unmarshal([]byte(body), &ready))
	require.Len(t, ready.Receivers, 1)
	c, err := smtp.Dial(ready.Receivers[0].Addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.test"))
	ok, _ := c.Extension("SMTPUTF8")
	assert.True(t, ok, "SMTPUTF8 in the EHLO answer")
}

// TestDeployExamplesParse keeps examples/deploy from rotting: its configs
// must load as serve and generate read them.
func TestDeployExamplesParse(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "examples", "deploy")
	cfg, err := readServeConfig(filepath.Join(dir, "serve.json"))
	require.NoError(t, err)
	assert.NotEmpty(t, cfg.SMTP.Addr)
	assert.NotEmpty(t, cfg.Admin.Addr)
	_, err = inbound.NewIMAP(inbound.IMAPConfig{Mailboxes: cfg.IMAP, Handler: nopHandler{}})
	require.NoError(t, err, "the example mailboxes are valid")
	for name, sc := range cfg.Sinks {
		assert.Contains(t, []string{"slog", "jsonl", "webhook", "slack", "syslog"}, sc.Type, name)
	}

	gen, err := loadConfig(filepath.Join(dir, "generate.json"))
	require.NoError(t, err)
	assert.Contains(t, gen.Mailboxes, "j.harlow1987@mail.example", "the owned mailboxes of the example mailbox file")
	_, err = canary.NewGenerator(gen)
	require.NoError(t, err, "the example generator config is valid")

	unit, err := os.ReadFile(filepath.Join(dir, "honeyseed.service"))
	require.NoError(t, err)
	for _, want := range []string{"DynamicUser=yes", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "ProtectSystem=strict", "StateDirectory=honeyseed"} {
		assert.Contains(t, string(unit), want)
	}
}

type nopHandler struct{}

func (nopHandler) HandleEvent(context.Context, canary.Event) error { return nil }

// TestPostgresInitRequired: on PostgreSQL too only init creates the tables,
// and the DSN comes from the environment or a file.
func TestPostgresInitRequired(t *testing.T) {
	dsn := os.Getenv("HONEYSEED_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("HONEYSEED_TEST_POSTGRES is unset: .ci/run starts PostgreSQL and sets it")
	}
	schema := fmt.Sprintf("cli_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	t.Setenv("HONEYSEED_SECRET", strings.Repeat("cd", 32))
	t.Setenv(postgresEnv, u.String())
	code, _, stderr := runCode("alerts")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "no registry at the PostgreSQL database")
	code, _, stderr = runCode("init")
	require.Equal(t, exitOK, code, stderr)
	code, _, stderr = runCode("init")
	assert.Equal(t, exitError, code, "init twice")
	assert.Contains(t, stderr, "already exists")

	t.Setenv(postgresEnv, "")
	dsnFile := filepath.Join(t.TempDir(), "dsn")
	require.NoError(t, os.WriteFile(dsnFile, []byte(u.String()+"\n"), 0o600))
	code, _, stderr = runCode("alerts", "-postgres-file", dsnFile)
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "no alerts recorded")
	t.Setenv("HONEYSEED_SECRET", strings.Repeat("ef", 32))
	code, _, stderr = runCode("alerts", "-postgres-file", dsnFile)
	assert.Equal(t, exitError, code, "a key that does not match")
	assert.Contains(t, stderr, "does not match")
}

// scan -json prints each hit as one object whose keys are in the order of
// their names, as they printed when a hit was encoded from a map: tools that
// read the lines byte for byte see no change.
func TestScanJSONLine(t *testing.T) {
	h := jsonHit{Confidence: canary.Likely, Field: canary.FieldPhone, File: "dump.sql", Placement: "export/2026-11",
		Seed: uuid.MustParse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), Value: "+14155550132", Where: "line 3 byte 17"}
	var a, b bytes.Buffer
	require.NoError(t, json.NewEncoder(&a).Encode(h))
	require.NoError(t, json.NewEncoder(&b).Encode(map[string]any{"file": h.File, "seed": h.Seed, "placement": h.Placement,
		"field": h.Field, "value": h.Value, "where": h.Where, "confidence": h.Confidence}))
	assert.Equal(t, b.String(), a.String())
	assert.Contains(t, a.String(), `"confidence":"likely"`, "the confidence in words")
}
