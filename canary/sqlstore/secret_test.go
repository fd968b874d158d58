package sqlstore

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeHex(s Secret) string { return hex.EncodeToString(s) }

func TestParseSecret(t *testing.T) {
	want := testSecret("parse")
	for _, tc := range []struct {
		text string
		ok   bool
		why  string
	}{
		{hex.EncodeToString(want), true, "hex"},
		{strings.ToUpper(hex.EncodeToString(want)), true, "upper-case hex"},
		{base64.StdEncoding.EncodeToString(want), true, "base64"},
		{base64.RawStdEncoding.EncodeToString(want), true, "base64 without padding"},
		{base64.URLEncoding.EncodeToString(want), true, "URL-safe base64"},
		{" \t" + hex.EncodeToString(want) + "\n", true, "surrounding space"},
		{"", false, "empty"},
		{hex.EncodeToString(want[:16]), false, "16 bytes"},
		{base64.StdEncoding.EncodeToString(append(want, 0)), false, "33 bytes"},
		{strings.Repeat("z", 64), false, "64 characters, not hex, 48 bytes of base64"},
		{strings.Repeat("!", 44), false, "not base64"},
		{strings.Repeat("A", 10000), false, "very long"},
	} {
		got, err := ParseSecret(tc.text)
		if !tc.ok {
			assert.ErrorIs(t, err, ErrInvalidSecret, tc.why)
			continue
		}
		require.NoError(t, err, tc.why)
		assert.True(t, bytes.Equal(want, got), tc.why)
	}
}

func FuzzParseSecret(f *testing.F) {
	s := testSecret("fuzz")
	f.Add(hex.EncodeToString(s))
	f.Add(base64.StdEncoding.EncodeToString(s))
	f.Add(base64.RawURLEncoding.EncodeToString(s))
	f.Add("")
	f.Add("=")
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ParseSecret(text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sqlstore: ") || (len(text) >= 8 && strings.Contains(err.Error(), text)) {
				t.Fatalf("error %q: wrong prefix or quotes the input", err)
			}
			return
		}
		if len(got) != SecretSize {
			t.Fatalf("ParseSecret(%q) gave %d bytes", text, len(got))
		}
	})
}

func TestSecretDoesNotPrint(t *testing.T) {
	s := testSecret("print")
	printed := fmt.Sprintf("%v %s %x %X %+v %#v %q %d %+v", s, s, s, s, s, s, s, s, Options{Secret: s})
	assert.NotContains(t, printed, hex.EncodeToString(s)[:8])
	assert.NotContains(t, printed, fmt.Sprint(int(s[0]))+" ")
	assert.Contains(t, printed, "REDACTED")

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("opening", "secret", s, "opts", Options{Secret: s})
	assert.NotContains(t, buf.String(), hex.EncodeToString(s)[:8])
	assert.NotContains(t, buf.String(), base64.StdEncoding.EncodeToString(s)[:8])
}
