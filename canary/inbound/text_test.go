package inbound

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want, why string }{
		{"<p>a</p><p>b</p>", "a\n\nb", "paragraphs are separated by a blank line"},
		{"x<br>y<BR/>z", "x\ny\nz", "line breaks in any case"},
		{"He<b>l</b>lo", "Hello", "inline tags join"},
		{"<style>p{}</style><SCRIPT>alert('<p>')</script>text", "text", "script and style content dropped"},
		{"a <!-- <p>hidden</p> --> b", "a b", "comments dropped"},
		{`<a href="x>y" title='>'>link</a>`, "link", "'>' inside quoted attributes"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2", "a lone '<' is text"},
		{"caf&eacute; &#8364;5 &amp;&nbsp;co", "café €5 & co", "entities, named and numeric; nbsp as space"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc", "cells spaced, rows on lines"},
		{"<p>unclosed <b", "unclosed", "an unterminated tag is dropped"},
		{"<script>never closed", "", "an unterminated script drops the rest"},
		{"<html><head><title>T</title><body>text", "text", "</head> and </body> may be left out"},
	} {
		assert.Equal(t, tc.want, htmlToText(tc.in), tc.why)
	}
}

func TestDecodeTransfer(t *testing.T) {
	for _, tc := range []struct {
		in, cte, want string
		note          bool
		why           string
	}{
		{"aGVsbG8=", "base64", "hello", false, "plain base64"},
		{"aGVs\r\nbG8=", "BASE64", "hello", false, "wrapped, any case"},
		{"aGVs bG8", "base64", "hello", false, "spaces and missing padding tolerated"},
		{"aGVs*bG8=", "base64", "hello", true, "junk dropped, noted"},
		{"caf=C3=A9=\r\nbar", "quoted-printable", "caf\u00e9bar", false, "soft break"},
		{"bad =ZZ here", "quoted-printable", "bad =ZZ here", false, "a bad escape is kept literally"},
		{"ctl\x01 =41 and\x7f more", "quoted-printable", "ctl A and more", true, "control characters dropped, the rest decoded"},
		{"x=\ry", "quoted-printable", "x=\ry", true, "what the reader refuses is kept as sent"},
		{"as is", "8bit", "as is", false, "identity"},
		{"as is", "x-uuencode", "as is", true, "unknown encoding kept, noted"},
	} {
		got, note := decodeTransfer([]byte(tc.in), tc.cte)
		assert.Equal(t, tc.want, string(got), tc.why)
		assert.Equal(t, tc.note, note != "", tc.why)
	}
}

func TestDecodeCharsetAndWords(t *testing.T) {
	s, note := decodeCharset([]byte("f\xfcr"), "ISO-8859-1")
	assert.Equal(t, "für", s)
	assert.Empty(t, note)
	s, note = decodeCharset([]byte{0x1b, '$', 'B', 0x46, 0x7c, 0x4b, 0x5c, 0x1b, '(', 'B'}, "iso-2022-jp")
	assert.Equal(t, "日本", s, "stateful encodings too")
	assert.Empty(t, note)
	s, note = decodeCharset([]byte("x\xff"), "no-such-charset")
	assert.Equal(t, "x\uFFFD", s)
	assert.NotEmpty(t, note)

	s, note = decodeWords("=?KOI8-R?B?8NLJ18XU?= world")
	assert.Equal(t, "Привет world", s)
	assert.Empty(t, note)
	s, note = decodeWords("=?no-such?Q?x?=")
	assert.Equal(t, "=?no-such?Q?x?=", s, "kept encoded")
	assert.NotEmpty(t, note)
}

func TestClip(t *testing.T) {
	s, cut := clip("aé", 2)
	assert.Equal(t, "a", s, "never splits a rune")
	assert.True(t, cut)
	s, cut = clip("abc", 3)
	assert.Equal(t, "abc", s)
	assert.False(t, cut)
}
