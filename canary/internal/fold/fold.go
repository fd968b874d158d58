// Package fold maps text that looks alike to one form: characters from other
// scripts that render like Latin letters (Cyrillic "а" for "a"), and characters
// that render as nothing (zero-width joiners, soft hyphens), so that a canary
// value typed or pasted with such tricks still compares equal to the planted one.
//
// The table is a curated subset of Unicode's confusables data (UTS #39), limited
// to single characters that stand for one lower-case ASCII letter or digit in
// email addresses, ticket references and names. Callers apply NFKC and lower-case
// first; the table therefore lists lower-case forms, plus the upper-case forms that
// lower-case to something other than their Latin look-alike.
package fold

import (
	"strings"
	"unicode/utf8"
)

// confusables maps a rune to the ASCII character it is drawn like.
var confusables = map[rune]byte{
	// Cyrillic
	'а': 'a', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i',
	'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'г': 'r',
	'ѕ': 's', 'т': 't', 'ѵ': 'v', 'ԝ': 'w', 'х': 'x', 'у': 'y', 'ү': 'y',
	'Ӏ': 'l', 'ԍ': 'g', 'ɡ': 'g', 'ɑ': 'a',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ϲ': 'c', 'ϳ': 'j', 'ϱ': 'p',
	// Armenian and other Latin look-alikes
	'օ': 'o', 'ս': 'u', 'ց': 'g', 'հ': 'h', 'ո': 'n', 'ı': 'i', 'ȷ': 'j', 'ℓ': 'l', 'ǀ': 'l',
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j',
	'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
}

// invisible reports runes that render as nothing and are dropped.
func invisible(r rune) bool {
	switch r {
	case '\u00ad', // soft hyphen
		'\u034f',                     // combining grapheme joiner
		'\u180e',                     // Mongolian vowel separator
		'\u200b', '\u200c', '\u200d', // zero-width space, non-joiner, joiner
		'\u200e', '\u200f', // direction marks
		'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', // bidi embeddings and overrides
		'\u2060', '\u2061', '\u2062', '\u2063', '\u2064', // word joiner, invisible operators
		'\ufeff': // zero-width no-break space
		return true
	}
	return false
}

// Has reports whether s holds any rune Skeleton would change. It lets callers
// skip the copy on the common all-ASCII path.
func Has(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		if _, ok := confusables[r]; ok || invisible(r) {
			return true
		}
	}
	return false
}

// Skeleton replaces every confusable rune in s with its ASCII look-alike and
// drops invisible runes. Other runes are kept.
func Skeleton(s string) string {
	if !Has(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if c, ok := confusables[r]; ok {
			b.WriteByte(c)
			continue
		}
		if invisible(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
