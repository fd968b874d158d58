package fold

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

func TestSkeleton(t *testing.T) {
	tests := []struct {
		in, want, why string
	}{
		{"jessica", "jessica", "plain ASCII is returned as is"},
		{"jessicа", "jessica", "Cyrillic а at the end"},
		{"раypal", "paypal", "Cyrillic р and а"},
		{"jo\u200bhn", "john", "zero-width space dropped"},
		{"ma\u00adry", "mary", "soft hyphen dropped"},
		{"αlex", "alex", "Greek alpha"},
		{"josé", "josé", "accents are not confusables: José is a different spelling, kept"},
		{"müller", "müller", "umlaut kept"},
		{"ѕmіth", "smith", "Cyrillic dze and i"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Skeleton(tt.in), tt.why)
	}
}

// Every mapped rune is non-ASCII and maps to a printable lower-case ASCII letter or digit,
// so the table can only make values converge on what the generator plants.
func TestTableTargets(t *testing.T) {
	for r, c := range confusables {
		assert.Greater(t, r, rune(unicode.MaxASCII), "rune %q", r)
		assert.True(t, (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'), "rune %q maps to %q", r, c)
		assert.False(t, Has(string(c)), "target %q must be stable", c)
		assert.Equal(t, string(c), Skeleton(string(r)))
	}
	assert.False(t, Has(strings.Repeat("plain", 10)))
}
