package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/filter"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// mac is a truncated HMAC-SHA256: what the tables and the in-memory index hold
// for a lookup key or an ID. 128 bits keep collisions out of reach for any
// registry size and halve the index.
type mac [16]byte

// Domains of the MAC input, one byte before the value, so that an email, a
// ticket and an ID that happen to be the same text never share a MAC. Fields
// use their canary.Field value (1 to 3).
const (
	domainSeedID  byte = 0x10
	domainAlertID byte = 0x11
	domainReplay  byte = 0x12
)

// Kinds of sealed blob, bound as additional data so that one cannot be swapped
// for another.
const (
	kindSeed      byte = 's'
	kindAlert     byte = 'a'
	kindLastError byte = 'e'
)

// HKDF labels. Changing one makes every existing database unreadable.
const (
	labelLookup = "honeyseed/sqlstore/v1 lookup"
	labelSeal   = "honeyseed/sqlstore/v1 seal"
	labelCheck  = "honeyseed/sqlstore/v1 check"
	labelFilter = "honeyseed/sqlstore/v1 filter"
	checkInput  = "honeyseed/sqlstore/v1 key check"
)

// keySet holds the keys derived from one Secret. It is immutable; Rotate
// replaces the whole set.
type keySet struct {
	aead  cipher.AEAD
	check []byte    // HMAC of checkInput: stored in the database to recognise the secret
	macs  sync.Pool // *macer, each keyed with the lookup key
	sip   filter.SipKey
}

// macer is a keyed HMAC with scratch space, pooled so that a Lookup that finds
// nothing allocates nothing.
type macer struct {
	h   hash.Hash
	buf [maxLookupInput]byte // input gathered for h, buf[:n]
	n   int
	sum [sha256.Size]byte
}

// write adds s to the MAC input, feeding h whenever buf fills: replay keys
// and mailbox names may be longer than any lookup key.
func (m *macer) write(s string) {
	for len(s) > 0 {
		if m.n == len(m.buf) {
			m.h.Write(m.buf[:])
			m.n = 0
		}
		c := copy(m.buf[m.n:], s)
		m.n += c
		s = s[c:]
	}
}

func deriveKeys(secret Secret) (*keySet, error) {
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSecret, len(secret), SecretSize)
	}
	lookupKey, err := hkdf.Key(sha256.New, secret, nil, labelLookup, 32)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	sealKey, err := hkdf.Key(sha256.New, secret, nil, labelSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	checkKey, err := hkdf.Key(sha256.New, secret, nil, labelCheck, 32)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	// Random nonces: a store seals far fewer than the 2^32 messages per key this
	// allows, and Rotate starts a new key.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	filterKey, err := hkdf.Key(sha256.New, secret, nil, labelFilter, 16)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deriving keys: %w", err)
	}
	h := hmac.New(sha256.New, checkKey)
	h.Write([]byte(checkInput))
	ks := &keySet{aead: aead, check: h.Sum(nil), sip: filter.NewSipKey(filterKey)}
	ks.macs.New = func() any { return &macer{h: hmac.New(sha256.New, lookupKey)} }
	return ks, nil
}

// LogValue implements slog.LogValuer.
func (*keySet) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// maxLookupInput bounds what a lookup key is hashed as: a field byte and a
// normalized value, of which the longest, an email, has 254 bytes.
const maxLookupInput = 256

// lookupInput writes into buf what a lookup key is hashed as: the field, then
// its lookup key (norm.EmailKey for email, the value itself otherwise), built
// piece by piece so that the miss path allocates nothing. It returns false
// when the input does not fit, which no normalized value's does.
func lookupInput(buf *[maxLookupInput]byte, f canary.Field, normalized string) ([]byte, bool) {
	dst := buf[:1]
	dst[0] = byte(f)
	if f != canary.FieldEmail {
		if len(dst)+len(normalized) > len(buf) {
			return nil, false
		}
		return append(dst, normalized...), true
	}
	for part := range norm.EmailKeyParts(normalized) {
		if len(dst)+len(part) > len(buf) {
			return nil, false
		}
		dst = append(dst, part...)
	}
	return dst, true
}

// keyMAC returns the MAC a seed is indexed under for field f with the given
// normalized value, and false for a value too long to be one (see lookupInput).
func (ks *keySet) keyMAC(f canary.Field, normalized string) (mac, bool) {
	m := ks.macs.Get().(*macer)
	defer ks.macs.Put(m)
	in, ok := lookupInput(&m.buf, f, normalized)
	if !ok {
		return mac{}, false
	}
	m.h.Reset()
	m.n = len(in)
	return m.result(), true
}

// tag returns the filter hash of a lookup key: a keyed SipHash of the same
// input as keyMAC, a tenth of its cost, so that a value the filter does not
// admit never pays for the HMAC. It returns false as keyMAC does.
func (ks *keySet) tag(f canary.Field, normalized string) (uint64, bool) {
	var buf [maxLookupInput]byte
	in, ok := lookupInput(&buf, f, normalized)
	if !ok {
		return 0, false
	}
	return filter.SipHash(ks.sip, in), true
}

// idMAC returns the MAC a seed or alert ID is stored under: IDs may be derived
// from values (a UUIDv5 of an address), so they are blinded too.
func (ks *keySet) idMAC(domain byte, id uuid.UUID) mac {
	m := ks.macs.Get().(*macer)
	m.h.Reset()
	m.buf[0] = domain
	m.n = 1 + copy(m.buf[1:], id[:])
	out := m.result()
	ks.macs.Put(m)
	return out
}

// replayMAC returns the MAC a replay key is stored under: a key may hold a
// provider's message ID, which is none of a reader's business.
func (ks *keySet) replayMAC(key string) mac {
	m := ks.macs.Get().(*macer)
	m.h.Reset()
	m.buf[0], m.n = domainReplay, 1
	m.write(key)
	out := m.result()
	ks.macs.Put(m)
	return out
}

func (m *macer) result() mac {
	m.h.Write(m.buf[:m.n])
	var out mac
	copy(out[:], m.h.Sum(m.sum[:0]))
	return out
}

// seal encrypts plaintext, binding kind and ref (the row's ID MAC) as
// additional data, and appends the result to dst.
func (ks *keySet) seal(dst []byte, kind byte, ref mac, extra string, plaintext []byte) []byte {
	return ks.aead.Seal(dst, nil, plaintext, additionalData(kind, ref, extra))
}

// open reverses seal. Any failure is ErrCorrupt: the key check already proved
// the secret right, so a blob that does not open was damaged or altered.
func (ks *keySet) open(kind byte, ref mac, extra string, sealed []byte) ([]byte, error) {
	b, err := ks.aead.Open(nil, nil, sealed, additionalData(kind, ref, extra))
	if err != nil {
		return nil, fmt.Errorf("%w: a sealed %s does not open with this secret", ErrCorrupt, kindName(kind))
	}
	return b, nil
}

func additionalData(kind byte, ref mac, extra string) []byte {
	ad := make([]byte, 0, 1+len(ref)+len(extra))
	ad = append(ad, kind)
	ad = append(ad, ref[:]...)
	return append(ad, extra...)
}

func kindName(kind byte) string {
	switch kind {
	case kindSeed:
		return "seed"
	case kindAlert:
		return "alert"
	case kindSettings:
		return "settings row"
	}
	return "delivery error"
}
