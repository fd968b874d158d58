package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
)

// Limits of the MIME walk. Real mail nests three or four levels and carries a
// few dozen parts; beyond these the rest is skipped with a note.
const (
	maxFieldBytes = 16 << 10 // an address list, subject or ID, after decoding
	maxParts      = 256
	maxDepth      = 16
)

// messageLimits bounds what one parsed message keeps.
type messageLimits struct {
	header headerLimits
	body   int // bytes of text kept as the body
}

// message is what a receiver reads from one RFC 5322 message.
type message struct {
	from    string // the first address of From
	to      string // the addresses of To, joined by ", "
	subject string
	id      string // Message-ID as sent, or a digest of the message when it has none
	header  map[string][]string
	body    string
}

// parseMessage reads a message as well as it can. It never fails: a message
// that reached a seed is evidence however broken it is, so what cannot be read
// is described in notes (see NoteHeader) and the rest is kept. n may already
// hold the caller's notes (a truncated read).
func parseMessage(raw []byte, lim messageLimits, n notes) message {
	kept := newKeptHeader(lim.header)
	f := mailFields{raw: raw}
	var top entityFields
	body := readHeader(raw, func(name, value string) {
		kept.add(name, value)
		top.set(name, value)
		f.set(name, value)
	}, &n)
	w := walker{n: &n}
	w.entity(top, body, 0)
	f.text = w.text()
	return f.message(kept, n, lim)
}

// mailFields are the parts of a message as found, before decoding and bounds:
// from a parsed message, or from the fields of a provider's post.
type mailFields struct {
	from, to, subject, id string // header values as sent (the first of each)
	text                  string // the body as text
	html                  string // an HTML body, rendered when text is blank
	raw                   []byte // what identifies the message when it has no ID
}

// set records the value of a header field that mailFields holds, unless an
// earlier field of that name did.
func (f *mailFields) set(name, value string) {
	var p *string
	switch strings.ToLower(name) {
	case "from":
		p = &f.from
	case "to":
		p = &f.to
	case "subject":
		p = &f.subject
	case "message-id":
		p = &f.id
	default:
		return
	}
	if *p == "" {
		*p = value
	}
}

// message decodes and bounds the fields, and closes the header with the notes.
func (f mailFields) message(kept *keptHeader, n notes, lim messageLimits) message {
	var m message
	if list := addresses(f.from, &n); len(list) > 0 {
		m.from = list[0]
	}
	m.to = strings.Join(addresses(f.to, &n), ", ")
	subject, note := decodeWords(f.subject)
	n.add(note)
	m.subject = oneLine(subject)
	m.id = oneLine(validUTF8(f.id))
	if m.id == "" {
		// A redelivery has the same bytes; another message almost surely not.
		sum := sha256.Sum256(f.raw)
		m.id = "sha256:" + hex.EncodeToString(sum[:16])
	}
	for _, p := range []*string{&m.from, &m.to, &m.subject, &m.id} {
		var cut bool
		if *p, cut = clip(*p, maxFieldBytes); cut {
			n.add("header field too long; cut")
		}
	}
	m.body = validUTF8(f.text)
	if strings.TrimSpace(m.body) == "" && f.html != "" {
		m.body = htmlToText(validUTF8(f.html))
	}
	var cut bool
	if m.body, cut = clip(m.body, lim.body); cut {
		n.add("body text too long; cut")
	}
	m.header = kept.done(n)
	return m
}

// event returns the message as an email event from source.
func (m message) event(source string) canary.Event {
	return canary.Event{
		Channel: canary.ChannelEmail,
		From:    m.from,
		To:      m.to,
		Subject: m.subject,
		Body:    m.body,
		Source:  source,
		ID:      m.id,
		Header:  m.header,
	}
}

// entityFields are the header fields that say how to read a MIME entity.
type entityFields struct {
	contentType, encoding, disposition string
}

func (e *entityFields) set(name, value string) {
	var f *string
	switch strings.ToLower(name) {
	case "content-type":
		f = &e.contentType
	case "content-transfer-encoding":
		f = &e.encoding
	case "content-disposition":
		f = &e.disposition
	default:
		return
	}
	if *f == "" {
		*f = value
	}
}

// walker collects the readable text of a MIME tree.
type walker struct {
	n           *notes
	parts       int
	plain, html []string
}

// text returns the body: the plain-text parts, or when there are none the
// HTML parts rendered as text.
func (w *walker) text() string {
	if len(w.plain) > 0 {
		return strings.Join(w.plain, "\n\n")
	}
	out := make([]string, 0, len(w.html))
	for _, h := range w.html {
		out = append(out, htmlToText(h))
	}
	return strings.Join(out, "\n\n")
}

func (w *walker) entity(f entityFields, body []byte, depth int) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		w.n.add("MIME structure too large or too deep; rest skipped")
		return
	}
	mediaType, params := mediaType(f.contentType, w.n)
	if isAttachment(f.disposition) {
		return
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		if params["boundary"] == "" {
			w.n.add("multipart without boundary read as text")
			w.plain = append(w.plain, w.decode(body, f.encoding, params["charset"]))
			return
		}
		w.multipart(mediaType, params["boundary"], body, depth)
	case mediaType == "message/rfc822" || mediaType == "message/global":
		b, note := decodeTransfer(body, f.encoding)
		w.n.add(note)
		var inner entityFields
		rest := readHeader(b, func(name, value string) { inner.set(name, value) }, w.n)
		w.entity(inner, rest, depth+1)
	case mediaType == "text/html":
		w.html = append(w.html, w.decode(body, f.encoding, params["charset"]))
	case strings.HasPrefix(mediaType, "text/"):
		w.plain = append(w.plain, w.decode(body, f.encoding, params["charset"]))
	}
}

// multipart walks the parts of a multipart entity. Of alternatives, it keeps
// the last that has plain text and the last that has HTML (the later ones are
// the richer, RFC 2046 5.1.4); of other kinds, every part.
func (w *walker) multipart(mediaType, boundary string, body []byte, depth int) {
	alternative := mediaType == "multipart/alternative"
	var plain, html []string
	read := 0
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.n.add("multipart structure is malformed; rest skipped")
			break
		}
		b, err := io.ReadAll(p)
		if err != nil {
			w.n.add("multipart part is truncated")
		}
		read++
		sub := walker{n: w.n, parts: w.parts}
		sub.entity(entityFields{
			contentType: p.Header.Get("Content-Type"),
			encoding:    p.Header.Get("Content-Transfer-Encoding"),
			disposition: p.Header.Get("Content-Disposition"),
		}, b, depth+1)
		w.parts = sub.parts
		if !alternative {
			w.plain = append(w.plain, sub.plain...)
			w.html = append(w.html, sub.html...)
			continue
		}
		if len(sub.plain) > 0 {
			plain = sub.plain
		}
		if len(sub.html) > 0 {
			html = sub.html
		}
	}
	w.plain = append(w.plain, plain...)
	w.html = append(w.html, html...)
	if read == 0 {
		// Not one part could be read: keep the raw text rather than nothing.
		w.n.add("no MIME part found; body kept as sent")
		w.plain = append(w.plain, validUTF8(string(body)))
	}
}

// decode returns the text of a leaf part as valid UTF-8.
func (w *walker) decode(body []byte, encoding, charset string) string {
	b, note := decodeTransfer(body, encoding)
	w.n.add(note)
	s, note := decodeCharset(b, charset)
	w.n.add(note)
	return s
}

// mediaType parses a Content-Type leniently: a value with bad parameters keeps
// its type, and no value at all means text/plain (RFC 2045 5.2).
func mediaType(v string, n *notes) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		n.add("malformed Content-Type")
		if mt == "" {
			mt, _, _ = strings.Cut(v, ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
		}
	}
	return mt, params
}

func isAttachment(disposition string) bool {
	d, _, _ := strings.Cut(disposition, ";")
	return strings.EqualFold(strings.TrimSpace(d), "attachment")
}

// maxEnvelope bounds the envelope recipients kept, as SMTPConfig.MaxRecipients
// does for SMTP.
const maxEnvelope = 100

// boundedList returns up to maxEnvelope non-empty entries of list, each one
// line of valid UTF-8 within maxFieldBytes.
func boundedList(list []string) []string {
	var out []string
	for _, s := range list {
		if len(out) == maxEnvelope {
			break
		}
		s = clipped(oneLine(validUTF8(s)), maxFieldBytes)
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// setReturnPath records the envelope sender, as a delivering MTA does
// (RFC 5321 4.4), and uses it as the sender when the message names none.
func setReturnPath(ev *canary.Event, sender string) {
	sender = clipped(oneLine(validUTF8(sender)), maxFieldBytes)
	if ev.Header == nil {
		ev.Header = make(map[string][]string, 1)
	}
	ev.Header["Return-Path"] = []string{"<" + strings.Trim(sender, "<>") + ">"}
	if ev.From == "" {
		ev.From = strings.Trim(sender, "<>")
	}
}

// toOrEnvelope makes the envelope recipients the event's To when the message
// names no recipient (Bcc, or no header), so that To always says who was reached.
func toOrEnvelope(ev *canary.Event) {
	if ev.To == "" {
		ev.To = strings.Join(ev.Envelope, ", ")
	}
}

// firstNonBlank returns the first of its arguments that is not blank.
func firstNonBlank(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
