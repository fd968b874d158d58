// Package stdwebhook holds what both ends of a Standard Webhooks exchange
// share: decoding a "whsec_" secret and the HMAC-SHA256 of
// "id.timestamp.body" that signs a message. package sink signs with it and
// package inbound verifies with it, so the two cannot drift apart.
package stdwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// MinKey is the shortest secret the specification allows, in bytes.
const MinKey = 24

// Errors of Key; callers say which setting was at fault.
var (
	ErrNotBase64 = errors.New("not base64")
	ErrTooShort  = errors.New("too short")
)

// Key decodes a secret: an optional "whsec_" prefix, then base64, padded or
// not, of at least MinKey bytes. A shorter key comes back with ErrTooShort.
func Key(secret string) ([]byte, error) {
	s := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	switch {
	case err != nil || s == "":
		return nil, ErrNotBase64
	case len(key) < MinKey:
		return key, ErrTooShort // the key too, so callers can say how short
	}
	return key, nil
}

// MAC returns the HMAC-SHA256 under key of "id.timestamp.body": the bytes a
// "v1," signature carries in base64.
func MAC(key []byte, id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
