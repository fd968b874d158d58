package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func TestGenerateScanAlertsRetire(t *testing.T) {
	t.Setenv("HONEYSEED_SECRET", "")
	dir := t.TempDir()
	reg := []string{"-registry", filepath.Join(dir, "reg.db"), "-key", filepath.Join(dir, "reg.key")}

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

	out, err = runCLI(t, append([]string{"retire", "-id", seed.ID}, reg...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "retired "+seed.ID)

	out, err = runCLI(t, append([]string{"alerts"}, reg...)...)
	require.NoError(t, err)
	assert.Empty(t, out, "no alerts recorded yet")
}

func TestCLIRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	reg := []string{"-registry", filepath.Join(dir, "reg.db"), "-key", filepath.Join(dir, "reg.key")}
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
