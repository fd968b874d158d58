package sqlstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// The plaintext of a sealed seed is a compact binary record rather than JSON:
// Add seals every seed of a batch, and at a million seeds the encoding is a
// visible share of the time. Version 3, written now, is the version byte, the
// body's length (4 bytes, little-endian), the body, and zero bytes up to the
// record's size class (see padSize), so that a sealed seed's length does not
// track the length of its placement, name or fields. Version 2, still read, is
// the same with a body that ends at ExpiresAt (no RetiredAt); version 1 is the
// version byte and that body, unpadded. The body:
//
//	ID (16 bytes)
//	Placement, Name.Given, Name.Family, Email, Phone, Ticket: uvarint length, bytes
//	len(Fields) as uvarint, then key and value of each, sorted by key
//	CreatedAt, PlantedAt, ExpiresAt, RetiredAt (version 3): 0 for the zero
//	time, else 1, then Unix seconds (varint) and nanoseconds (uvarint); they
//	come back in UTC
const (
	seedEncodingV1 = 1
	seedEncodingV2 = 2
	seedEncodingV3 = 3
)

// Size classes of sealed plaintexts: the smallest power of two at least the
// record's length and at least the minimum. A generated seed with a few
// extra fields fits the first class; alerts, JSON with hits, are larger.
const (
	minSeedClass  = 256
	minAlertClass = 1024
)

// padSize returns the size class of a record of n bytes.
func padSize(n, minClass int) int {
	c := minClass
	for c < n {
		c *= 2
	}
	return c
}

// maxEncodedField bounds any one length in a sealed record, so a damaged record
// cannot make the decoder allocate much.
const maxEncodedField = 1 << 20

var errBadRecord = errors.New("malformed record")

func appendSeed(b []byte, s canary.Seed) []byte {
	start := len(b)
	b = append(b, seedEncodingV3, 0, 0, 0, 0)
	b = appendSeedBody(b, s)
	body := len(b) - start - 5
	binary.LittleEndian.PutUint32(b[start+1:], uint32(body))
	return append(b, make([]byte, padSize(len(b)-start, minSeedClass)-(len(b)-start))...)
}

func appendSeedBody(b []byte, s canary.Seed) []byte {
	return appendTime(appendSeedBodyV2(b, s), s.RetiredAt)
}

// appendSeedBodyV2 is the body of versions 1 and 2, which end at ExpiresAt.
func appendSeedBodyV2(b []byte, s canary.Seed) []byte {
	b = append(b, s.ID[:]...)
	for _, v := range [...]string{s.Placement, s.Name.Given, s.Name.Family, s.Email, s.Phone, s.Ticket} {
		b = appendString(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Fields)))
	keys := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, s.Fields[k])
	}
	for _, t := range [...]time.Time{s.CreatedAt, s.PlantedAt, s.ExpiresAt} {
		b = appendTime(b, t)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decodeSeed parses what appendSeed wrote. It never panics on other input.
func decodeSeed(b []byte) (canary.Seed, error) {
	d := decoder{b: b}
	v := d.byte()
	switch v {
	case seedEncodingV1:
	case seedEncodingV2, seedEncodingV3:
		var n uint32
		if l := d.bytes(4); l != nil {
			n = binary.LittleEndian.Uint32(l)
		}
		body := d.bytes(int(min(n, maxEncodedField*16)))
		if d.err != nil || strings.Trim(string(d.b), "\x00") != "" { // padding is zeros
			return canary.Seed{}, errBadRecord
		}
		d.b = body
	default:
		return canary.Seed{}, fmt.Errorf("%w: seed encoding version %d", errBadRecord, v)
	}
	var s canary.Seed
	copy(s.ID[:], d.bytes(len(uuid.UUID{})))
	for _, p := range [...]*string{&s.Placement, &s.Name.Given, &s.Name.Family, &s.Email, &s.Phone, &s.Ticket} {
		*p = d.string()
	}
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.b)) { // each pair takes at least two bytes
			return canary.Seed{}, errBadRecord
		}
		s.Fields = make(map[string]string, n)
		for range n {
			k := d.string()
			s.Fields[k] = d.string()
		}
	}
	for _, p := range [...]*time.Time{&s.CreatedAt, &s.PlantedAt, &s.ExpiresAt} {
		*p = d.time()
	}
	if v >= seedEncodingV3 {
		s.RetiredAt = d.time()
	}
	if d.err != nil || len(d.b) != 0 {
		return canary.Seed{}, errBadRecord
	}
	return s, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errBadRecord
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errBadRecord
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec, n := binary.Varint(d.b)
		if n <= 0 {
			d.err = errBadRecord
			return time.Time{}
		}
		d.b = d.b[n:]
		if nsec := d.uvarint(); nsec < 1e9 {
			return time.Unix(sec, int64(nsec)).UTC()
		}
	}
	d.err = errBadRecord
	return time.Time{}
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > maxEncodedField {
		d.err = errBadRecord
		return ""
	}
	return string(d.bytes(int(n)))
}

// Alerts are sealed as JSON: they are few, and their shape (hits, suspects) is
// richer than a seed's. The JSON is padded with spaces to its size class,
// which decoders skip, so alerts sealed before padding still open.
func encodeAlert(a canary.Alert) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encoding alert %s: %w", a.ID, err)
	}
	return append(b, bytes.Repeat([]byte{' '}, padSize(len(b), minAlertClass)-len(b))...), nil
}

func decodeAlert(b []byte) (canary.Alert, error) {
	var a canary.Alert
	if err := json.Unmarshal(b, &a); err != nil {
		return canary.Alert{}, errBadRecord
	}
	return a, nil
}
