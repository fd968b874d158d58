package inbound

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"
)

// NoteHeader is the Event.Header key under which receivers record what they
// could not read cleanly ("base64 body is malformed; kept what decoded"). A
// header of that name arriving in a message is dropped, so every note comes
// from the receiver.
const NoteHeader = "X-Honeyseed-Note"

// maxNotes bounds the notes kept for one event; notes repeat little.
const maxNotes = 16

// notes collects what went wrong while reading, each reason once.
type notes []string

func (n *notes) add(reason string) {
	if reason == "" || len(*n) >= maxNotes {
		return
	}
	for _, r := range *n {
		if r == reason {
			return
		}
	}
	*n = append(*n, reason)
}

// headerLimits bounds the header fields an event keeps.
type headerLimits struct {
	bytes  int // names and values, summed
	fields int
}

// keptHeader accumulates header fields as received, within limits. Fields past
// a limit are dropped whole, and counted in a note.
type keptHeader struct {
	lim     headerLimits
	h       map[string][]string
	size    int // bytes kept
	count   int // fields kept
	dropped int
}

func newKeptHeader(lim headerLimits) *keptHeader {
	return &keptHeader{lim: lim, h: make(map[string][]string)}
}

func (k *keptHeader) add(name, value string) {
	key := textproto.CanonicalMIMEHeaderKey(name)
	if key == NoteHeader {
		return
	}
	value = validUTF8(value)
	if k.count >= k.lim.fields || k.size+len(key)+len(value) > k.lim.bytes {
		k.dropped++
		return
	}
	k.size += len(key) + len(value)
	k.count++
	k.h[key] = append(k.h[key], value)
}

// done attaches the notes and returns the header, nil when empty.
func (k *keptHeader) done(n notes) map[string][]string {
	if k.dropped > 0 {
		n.add("header fields past the size or count limit dropped")
	}
	if len(n) > 0 {
		k.h[NoteHeader] = append([]string(nil), n...)
	}
	if len(k.h) == 0 {
		return nil
	}
	return k.h
}

// readHeader splits raw into header fields and body, leniently: a line that is
// not a field ends the header (mailers that forget the empty line), a
// continuation line with nothing to continue is skipped, and bytes that are not
// a header at all make the whole of raw the body. Each field is passed to fn
// unfolded, with its value as sent. It reads each byte once, whatever the input.
func readHeader(raw []byte, fn func(name, value string), n *notes) (body []byte) {
	var name string
	var value []byte
	flush := func() {
		if name != "" {
			fn(name, strings.TrimSpace(string(value)))
		}
		name, value = "", value[:0]
	}
	rest := raw
	first := true
	for len(rest) > 0 {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			flush()
			return next
		case line[0] == ' ' || line[0] == '\t':
			if name == "" {
				n.add("header continuation line without a field skipped")
				break
			}
			value = append(value, ' ')
			value = append(value, bytes.TrimSpace(line)...)
		default:
			colon := bytes.IndexByte(line, ':')
			field := bytes.TrimRight(line[:max(colon, 0)], " \t")
			if colon <= 0 || !validFieldName(field) {
				flush()
				if first {
					n.add("message has no header")
					return raw
				}
				n.add("header not ended by an empty line")
				return rest
			}
			flush()
			name = string(field)
			value = append(value, bytes.TrimSpace(line[colon+1:])...)
		}
		first = false
		rest = next
	}
	flush()
	return nil
}

// validFieldName reports whether b is an RFC 5322 field name: printable ASCII
// other than the colon.
func validFieldName(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return len(b) > 0
}

// addresses returns the bare addresses of an address-list header, or the
// decoded value itself as the one element when it does not parse: what a
// scammer put there is evidence either way.
func addresses(value string, n *notes) []string {
	if value == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := p.ParseList(value)
	if err != nil || len(list) == 0 {
		d, note := decodeWords(value)
		n.add(note)
		return []string{oneLine(d)}
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, validUTF8(a.Address))
	}
	return out
}
