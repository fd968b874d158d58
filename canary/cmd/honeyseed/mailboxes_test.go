package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/internal/gen"
)

const planSeed = "0101010101010101010101010101010101010101010101010101010101010101"

func TestMailboxesPlan(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCode("mailboxes", "plan", "-n", "20", "-provider", "gmail.com", "-seed", planSeed)
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 21, "a header and 20 proposals")
	seen := map[string]bool{}
	named := 0
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 4, l)
		local, domain, ok := strings.Cut(f[0], "@")
		require.True(t, ok, l)
		assert.Equal(t, "gmail.com", domain)
		assert.False(t, seen[local], "%s proposed twice", local)
		seen[local] = true
		assert.True(t, len(local) >= 6 && !strings.ContainsAny(local, "_-"), "%s: Gmail would refuse it", local)
		if fit := gen.ParseLocal(gen.Names{Region: "US"}, local, 2026); !fit.Handle() {
			named++
		}
	}
	assert.Greater(t, named, 15, "the proposals spell the names they come with")
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	assert.Empty(t, entries, "plan writes nothing: no registry, no key, no mailbox file")

	_, again, _ := runCode("mailboxes", "plan", "-n", "20", "-provider", "gmail.com", "-seed", planSeed)
	assert.Equal(t, out, again, "reproducible with -seed")
}

func TestMailboxesUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		why  string
	}{
		{[]string{"mailboxes"}, exitUsage, "no subcommand"},
		{[]string{"mailboxes", "list"}, exitUsage, "unknown subcommand"},
		{[]string{"mailboxes", "plan", "-n", "3"}, exitUsage, "no provider"},
		{[]string{"mailboxes", "plan", "-provider", "gmail.com", "-n", "0"}, exitUsage, "nothing to plan"},
		{[]string{"mailboxes", "plan", "-h"}, exitOK, "help"},
		{[]string{"mailboxes", "add"}, exitUsage, "no address"},
	}
	for _, c := range cases {
		code, _, errOut := runCode(c.args...)
		assert.Equal(t, c.code, code, "%s: %s", c.why, errOut)
	}
}

func TestMailboxesAdd(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mailboxes.json")
	add := func(args ...string) (int, string) {
		code, _, errOut := runCode(append([]string{"mailboxes", "add", "-file", file}, args...)...)
		return code, errOut
	}
	code, errOut := add("-address", "M_Kelly_1987@gmail.com", "-imap-host", "imap.gmail.com", "-password-env", "KELLY_APP_PASSWORD")
	require.Equal(t, exitOK, code, errOut)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"address": "m_kelly_1987@gmail.com"`)
	assert.Contains(t, string(b), `"env": "KELLY_APP_PASSWORD"`, "the credential by name")

	code, errOut = add("-address", "m_kelly_1987@gmail.com", "-imap-host", "imap.gmail.com", "-password-env", "X")
	assert.Equal(t, exitError, code, "a mailbox is recorded once")
	assert.Contains(t, errOut, "already in")

	code, errOut = add("-address", "sarah_connor@gmail.com", "-imap-host", "imap.gmail.com", "-password-env", "abcd efgh ijkl mnop")
	assert.Equal(t, exitError, code, "a password where its variable's name belongs is refused")
	assert.NotContains(t, errOut, "abcd efgh", "and not echoed")
	code, _ = add("-address", "sarah_connor@gmail.com", "-password-env", "SARAH")
	assert.Equal(t, exitError, code, "no IMAP host")

	from := filepath.Join(dir, "more.json")
	require.NoError(t, os.WriteFile(from, []byte(`[
	  {"address": "sarah_connor@gmail.com", "host": "imap.gmail.com", "auth": "xoauth2", "credential": {"file": "/etc/honeyseed/sarah.token"}},
	  {"address": "blue_sky_77@mail.example", "host": "imap.mail.example", "tls": "starttls", "credential": {"env": "BLUE_PW"}}
	]`), 0o600))
	code, errOut = add("-from", from)
	require.Equal(t, exitOK, code, errOut)
	addrs, err := mailboxAddresses(file)
	require.NoError(t, err)
	assert.Equal(t, []string{"m_kelly_1987@gmail.com", "sarah_connor@gmail.com", "blue_sky_77@mail.example"}, addrs)

	// The generator config reads the same file.
	cfgPath := filepath.Join(dir, "gen.json")
	require.NoError(t, os.WriteFile(cfgPath, []byte(`{"email_domains": ["mail.example"], "mailboxes_file": "mailboxes.json", "phone_quarantine": "720h"}`), 0o600))
	cfg, err := loadConfig(cfgPath)
	require.NoError(t, err)
	assert.Equal(t, addrs, cfg.Mailboxes)
	assert.Equal(t, "720h0m0s", cfg.PhoneQuarantine.String())
}

func TestMailboxesPlanLearnsTheHostsMix(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("given_name,family_name,email,phone,ticket,created_at\n")
	i := 0
	for _, given := range []string{"James", "Mary", "John", "Patricia", "Robert", "Linda", "Michael", "Barbara"} {
		for _, family := range []string{"Smith", "Johnson", "Williams", "Brown", "Jones"} {
			i++
			l := strings.ToLower(given + "." + family)
			fmt.Fprintf(&csv, "%s,%s,%s@mail.example,,T-%04d,2025-03-%02dT10:00:00Z\n", given, family, l, i, 1+i%28)
		}
	}
	host := filepath.Join(dir, "export.csv")
	require.NoError(t, os.WriteFile(host, []byte(csv.String()), 0o600))
	code, out, errOut := runCode("mailboxes", "plan", "-n", "10", "-provider", "mail.example", "-host", host, "-seed", planSeed)
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 11)
	for _, l := range lines[1:] {
		local, _, _ := strings.Cut(strings.Fields(l)[0], "@")
		assert.Contains(t, local, ".", "every host address is given.family, so is every proposal: %s", local)
	}

	// Without -provider: at the host's own big providers, named as its rows.
	code, out, errOut = runCode("mailboxes", "plan", "-n", "10", "-host", host, "-seed", planSeed)
	require.Equal(t, exitOK, code, errOut)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 11)
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		assert.True(t, strings.HasSuffix(f[0], "@mail.example"), "the host's provider: %s", l)
		assert.Contains(t, []string{"James", "Mary", "John", "Patricia", "Robert", "Linda", "Michael", "Barbara"}, f[1], "a name the host's rows hold: %s", l)
	}
}

func TestServeMailboxes(t *testing.T) {
	dir := t.TempDir()
	registry := filepath.Join(dir, "reg.db")
	configDir := filepath.Join(dir, "etc")
	require.NoError(t, os.Mkdir(configDir, 0o755))
	configPath := filepath.Join(configDir, "serve.json")
	write := func(path string, addrs ...string) {
		var list []inbound.IMAPMailbox
		for _, a := range addrs {
			list = append(list, inbound.IMAPMailbox{Address: a, Host: "imap.mail.example", Credential: inbound.CredentialRef{Env: "PW"}})
		}
		require.NoError(t, writeMailboxFile(path, list))
	}
	inConfig := []inbound.IMAPMailbox{{Address: "ann@mail.example", Host: "imap.mail.example", Credential: inbound.CredentialRef{Env: "PW"}}}
	addrs := func(list []inbound.IMAPMailbox) []string {
		var out []string
		for _, m := range list {
			out = append(out, m.Address)
		}
		return out
	}

	got, err := serveMailboxes(serveConfig{IMAP: inConfig}, configPath, registry)
	require.NoError(t, err, "no mailbox file beside the registry: only the config's")
	assert.Equal(t, []string{"ann@mail.example"}, addrs(got))

	write(filepath.Join(dir, defaultMailboxFile), "bob@mail.example")
	got, err = serveMailboxes(serveConfig{IMAP: inConfig}, configPath, registry)
	require.NoError(t, err)
	assert.Equal(t, []string{"ann@mail.example", "bob@mail.example"}, addrs(got), "the file beside the registry by default")

	write(filepath.Join(configDir, "owned.json"), "cat@mail.example")
	got, err = serveMailboxes(serveConfig{MailboxesFile: "owned.json"}, configPath, registry)
	require.NoError(t, err)
	assert.Equal(t, []string{"cat@mail.example"}, addrs(got), "a named file, relative to the config, replaces the default")

	_, err = serveMailboxes(serveConfig{MailboxesFile: "missing.json"}, configPath, registry)
	assert.ErrorIs(t, err, os.ErrNotExist, "a named file must exist")

	write(filepath.Join(dir, defaultMailboxFile), "A.nn@Mail.example")
	_, err = serveMailboxes(serveConfig{IMAP: inConfig}, configPath, registry)
	require.Error(t, err, "one mailbox in both places would be read twice")
	assert.Contains(t, err.Error(), "list it once")
}

// TestServeWatchesAddedMailbox: a mailbox recorded by 'mailboxes add' beside
// the registry is watched by serve with no imap entry in its config.
func TestServeWatchesAddedMailbox(t *testing.T) {
	dir, reg := newRegistry(t)
	t.Setenv("HONEYSEED_TEST_IMAP_PW", "pw")
	port := strings.Split(freeAddr(t), ":")[1]
	code, out, stderr := runCode("mailboxes", "add", "-address", "ann@mail.example", "-imap-host", "127.0.0.1", "-port", port,
		"-tls", "starttls", "-password-env", "HONEYSEED_TEST_IMAP_PW", "-registry", reg[1])
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "added ann@mail.example")
	_, err := os.Stat(filepath.Join(dir, defaultMailboxFile))
	require.NoError(t, err, "written beside the registry")

	admin := freeAddr(t)
	_, done := startServe(t, reg, fmt.Sprintf(`{"admin": {"addr": %q}}`, admin))
	code, body := getReady(t, "http://"+admin+"/readyz", done)
	var ready readiness
	require.NoError(t, json.Unmarshal([]byte(body), &ready), body)
	require.Len(t, ready.Mailboxes, 1, "serve watches the added mailbox")
	assert.Equal(t, "ann@mail.example/INBOX", ready.Mailboxes[0].Mailbox)
	assert.Equal(t, http.StatusServiceUnavailable, code, "nothing listens on its port: not ready")
}
