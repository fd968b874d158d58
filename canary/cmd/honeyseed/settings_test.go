package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// TestServeAndScanAgreeOnDotInsensitiveDomains: the registry's setting is the
// one source both read, so the same dotted variant of a seed address is
// judged alike by a receiver and by a scan, before and after the setting
// changes.
func TestServeAndScanAgreeOnDotInsensitiveDomains(t *testing.T) {
	t.Setenv("HONEYSEED_SECRET", "")
	t.Setenv(postgresEnv, "")
	dir := t.TempDir()
	reg := []string{"-registry", filepath.Join(dir, "reg.db"), "-key", filepath.Join(dir, "reg.key")}
	code, out, stderr := runCode(append([]string{"init", "-dot-insensitive-domains", "Mail.Example"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	code, out, stderr = runCode(append([]string{"settings"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "dot_insensitive_domains: mail.example\n", out, "recorded at init, normalized")

	seed := canarytest.Seed(1, "support-db/eu") // ann.lee1@mail.example
	st := storeFlags{path: reg[1], key: reg[3]}
	store, err := st.open(context.Background())
	require.NoError(t, err)
	require.NoError(t, store.Add(context.Background(), seed))
	require.NoError(t, store.Close())
	variant := strings.Replace(seed.Email, ".", "", 1) // annlee1@mail.example
	dump := filepath.Join(dir, "dump.sql")
	require.NoError(t, os.WriteFile(dump, []byte("INSERT INTO customers VALUES ('"+variant+"');\n"), 0o600))

	scanSays := func() string {
		t.Helper()
		code, out, stderr := runCode(append(append([]string{"scan", "-json"}, reg...), dump)...)
		require.Equal(t, exitOK, code, stderr)
		var hit struct{ Confidence string }
		require.NoError(t, json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &hit), out)
		return hit.Confidence
	}
	serveSays := func(n int) string {
		t.Helper()
		admin := freeAddr(t)
		_, done := startServe(t, reg, fmt.Sprintf(`{"smtp": {"addr": "127.0.0.1:0", "domain": "mx.test"}, "admin": {"addr": %q}}`, admin))
		_, body := getReady(t, "http://"+admin+"/readyz", done)
		var ready readiness
		require.NoError(t, json.Unmarshal([]byte(body), &ready), body)
		require.Len(t, ready.Receivers, 1)
		from := fmt.Sprintf("refunds%d@fraud.example", n) // a new sender: a new alert
		require.NoError(t, smtp.SendMail(ready.Receivers[0].Addr, nil, from, []string{variant},
			[]byte("From: "+from+"\r\nTo: "+variant+"\r\nSubject: refund\r\n\r\nCall us.\r\n")))
		code, out, stderr := runCode(append([]string{"alerts", "-json"}, reg...)...)
		require.Equal(t, exitOK, code, stderr)
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var a canary.Alert
			if err := dec.Decode(&a); errors.Is(err, io.EOF) {
				break
			} else {
				require.NoError(t, err)
			}
			if a.Sender == from {
				for _, h := range a.Hits {
					if h.Part == "to" {
						return h.Confidence.String()
					}
				}
			}
		}
		t.Fatalf("no alert from %s", from)
		return ""
	}

	assert.Equal(t, "exact", scanSays(), "scan: the domain ignores dots")
	assert.Equal(t, "exact", serveSays(1), "serve: the same")

	code, out, stderr = runCode(append([]string{"settings", "-dot-insensitive-domains", ""}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "dot_insensitive_domains: none\n", out)
	assert.Equal(t, "likely", scanSays(), "scan: dots now tell addresses apart")
	assert.Equal(t, "likely", serveSays(2), "serve: the same")
}

// A config that still lists dot_insensitive_domains must say what the
// registry records; otherwise serve and generate refuse, naming the fix.
func TestConfigDotInsensitiveDomainsMustMatchRegistry(t *testing.T) {
	dir, reg := newRegistry(t)
	// gmail.com for owned mailboxes there: the matcher's concern, never a
	// generator's email domain.
	code, _, stderr := runCode(append([]string{"settings", "-dot-insensitive-domains", "mail.example,gmail.com"}, reg...)...)
	require.Equal(t, exitOK, code, stderr)
	for _, tc := range []struct {
		list string
		code int
		want string
		fix  bool // the error says how to record the list
		why  string
	}{
		{`[]`, exitOK, "", false, "none listed: the registry's, among the email domains"},
		{`["MAIL.example"]`, exitOK, "", false, "the registry's list within the email domains, in any case"},
		{`["other.example"]`, exitError, "but the registry records [mail.example]", true, "another list"},
		{`["not a domain!"]`, exitError, "dot_insensitive_domains", false, "not a domain"},
	} {
		cfgPath := filepath.Join(dir, "gen.json")
		require.NoError(t, os.WriteFile(cfgPath, []byte(`{"email_domains": ["mail.example"], "phone_pool": ["+1 201 555 0100"], "dot_insensitive_domains": `+tc.list+`}`), 0o600))
		code, _, stderr := runCode(append([]string{"generate", "-config", cfgPath, "-placement", "p", "-n", "1"}, reg...)...)
		assert.Equal(t, tc.code, code, "%s: %s", tc.why, stderr)
		assert.Contains(t, stderr, tc.want, tc.why)
		if tc.fix {
			assert.Contains(t, stderr, "honeyseed settings -dot-insensitive-domains", "%s: the error says how to fix it", tc.why)
		}
	}

	_, none := newRegistry(t) // init recorded no domain
	p := filepath.Join(t.TempDir(), "serve.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"smtp": {"addr": "127.0.0.1:0"}, "dot_insensitive_domains": ["mail.example"]}`), 0o600))
	code, _, stderr = runCode(append([]string{"serve", "-config", p}, none...)...)
	assert.Equal(t, exitError, code, "serve refuses a list the registry does not hold")
	assert.Contains(t, stderr, "the registry records []")
}
