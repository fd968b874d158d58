package inbound

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// Decoding of what mail and webhooks carry: transfer encodings, charsets,
// RFC 2047 words and HTML. Every function here is total: on bad input it keeps
// what it could decode and says why in a note, because the text is evidence
// and the contact happened whatever state the text is in.

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(b []byte, cte string) ([]byte, string) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		return b, ""
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		return decodeQuotedPrintable(b)
	}
	return b, "unknown transfer encoding; body kept as sent"
}

// decodeBase64 decodes leniently: mailers wrap lines, pad in the middle of
// concatenated chunks, or leave junk behind. Everything outside the alphabet
// is dropped and a dangling partial quantum ignored.
func decodeBase64(b []byte) ([]byte, string) {
	clean := make([]byte, 0, len(b))
	junk := false
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=', c == '\r', c == '\n', c == ' ', c == '\t':
		default:
			junk = true
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
		junk = true
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil || junk {
		return out[:n], "base64 body is malformed; kept what decoded"
	}
	return out[:n], ""
}

// decodeQuotedPrintable decodes leniently. The standard reader stops at the
// first control character; those are dropped first, and input it still
// refuses is kept as sent rather than cut.
func decodeQuotedPrintable(b []byte) ([]byte, string) {
	note := ""
	if bytes.ContainsFunc(b, isQPControl) {
		b = bytes.Map(func(r rune) rune {
			if isQPControl(r) {
				return -1
			}
			return r
		}, b)
		note = "control characters dropped from quoted-printable body"
	}
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		return b, "quoted-printable body is malformed; kept as sent"
	}
	return out, note
}

func isQPControl(r rune) bool {
	return r < ' ' && r != '\t' && r != '\r' && r != '\n' || r == 0x7f
}

// decodeCharset converts text in the named charset to valid UTF-8.
func decodeCharset(b []byte, charset string) (string, string) {
	switch strings.ToLower(strings.Trim(charset, " \t\"'")) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return validUTF8(string(b)), ""
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return validUTF8(string(b)), "unknown charset; text read as UTF-8"
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return validUTF8(string(b)), "text does not decode in its charset; read as UTF-8"
	}
	return validUTF8(string(out)), ""
}

// wordDecoder decodes RFC 2047 encoded words in any charset the WHATWG
// encoding index knows, which covers what mail clients send.
var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(charset)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(input), nil
	},
}

// decodeWords decodes the encoded words of a header value; an undecodable
// charset leaves the value as sent.
func decodeWords(s string) (string, string) {
	if !strings.Contains(s, "=?") {
		return validUTF8(s), ""
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return validUTF8(s), "header in an unknown charset; kept encoded"
	}
	return validUTF8(d), ""
}

// htmlToText renders HTML as plain text simply: tags dropped, script and style
// content dropped, block ends as line breaks, entities decoded. It never fails
// and its output is never much longer than its input.
func htmlToText(s string) string {
	var b strings.Builder
	b.Grow(len(s) / 2)
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:lt]))
		s = s[lt:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			s = skipPast(s[4:], "-->")
			continue
		case len(s) > 1 && (s[1] == '!' || s[1] == '?'):
			s = skipPast(s, ">")
			continue
		case len(s) < 2 || !(isLetter(s[1]) || s[1] == '/' && len(s) > 2 && isLetter(s[2])):
			b.WriteByte('<') // a lone "<" is text: "a < b"
			s = s[1:]
			continue
		}
		name, rest := tagName(s[1:])
		s = skipTag(rest)
		switch name {
		case "script", "style", "title": // their end tags are required, unlike </head>
			s = skipClosing(s, name)
		case "br", "p", "/p", "div", "/div", "/tr", "li", "/h1", "/h2", "/h3",
			"/h4", "/h5", "/h6", "hr", "/table", "/ul", "/ol", "blockquote", "/blockquote":
			b.WriteByte('\n')
		case "td", "th":
			b.WriteByte(' ')
		}
	}
	return tidy(b.String())
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tagName returns the lower-case name of the tag at s ("/p" for a closing
// tag) and the rest of s after the name.
func tagName(s string) (string, string) {
	i := 0
	if i < len(s) && s[i] == '/' {
		i++
	}
	for i < len(s) && (isLetter(s[i]) || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return strings.ToLower(s[:i]), s[i:]
}

// skipTag returns s after the ">" that ends the tag, skipping quoted
// attribute values, which may hold ">".
func skipTag(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return s[i+1:]
		}
	}
	return ""
}

// skipClosing returns s after the closing tag of name, case-insensitively.
func skipClosing(s, name string) string {
	closing := "</" + name
	for i := 0; i+len(closing) <= len(s); i++ {
		if s[i] == '<' && strings.EqualFold(s[i:i+len(closing)], closing) {
			return skipTag(s[i+len(closing):])
		}
	}
	return ""
}

func skipPast(s, end string) string {
	if i := strings.Index(s, end); i >= 0 {
		return s[i+len(end):]
	}
	return ""
}

// tidy collapses runs of blanks, trims each line and keeps at most one empty
// line in a row, so that rendered HTML reads like text.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blankLines := 0
	for line := range strings.Lines(s) {
		line = strings.Join(strings.FieldsFunc(line, isBlank), " ")
		if line == "" {
			blankLines++
			if blankLines > 1 || b.Len() == 0 {
				continue
			}
		} else {
			blankLines = 0
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

func isBlank(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' || r == '\f' || r == '\v'
}

// validUTF8 replaces invalid UTF-8 with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// clip returns s cut to at most max bytes on a rune boundary, and whether it cut.
func clip(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max], true
}

// oneLine replaces line breaks with spaces, for fields that are one line by
// nature (an address, a subject) and end up in logs and alerts.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}
