package sqlstore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// SecretSize is the length of a Secret in bytes.
const SecretSize = 32

// SecretEnv is the environment variable Open reads a secret from when
// Options.Secret is empty: 32 bytes in hex or base64.
const SecretEnv = "HONEYSEED_SECRET"

// Secret is the root key of a Store: 32 random bytes from which the lookup and
// sealing keys are derived. Whoever holds it and a copy of the database can read
// every seed; whoever loses it loses the registry.
//
// A Secret does not print: fmt, slog and text encoders such as encoding/json
// show it as REDACTED.
type Secret []byte

// NewSecret returns a new random secret.
func NewSecret() Secret {
	s := make(Secret, SecretSize)
	rand.Read(s)
	return s
}

// ParseSecret decodes a secret written as 64 hex digits or as base64 (standard
// or URL alphabet, padded or not). Surrounding space is ignored. The error never
// quotes the input.
func ParseSecret(text string) (Secret, error) {
	text = strings.TrimSpace(text)
	if len(text) > 4*SecretSize {
		return nil, fmt.Errorf("%w: want %d bytes as 64 hex digits or base64 (%d characters given)", ErrInvalidSecret, SecretSize, len(text))
	}
	if len(text) == 2*SecretSize {
		if b, err := hex.DecodeString(text); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil && len(b) == SecretSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: want %d bytes as 64 hex digits or base64 (%d characters given)", ErrInvalidSecret, SecretSize, len(text))
}

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// Format implements fmt.Formatter, so that %v, %x or %s cannot leak the key.
func (Secret) Format(f fmt.State, verb rune) { io.WriteString(f, "REDACTED") }

// MarshalText implements encoding.TextMarshaler: encoders (JSON, YAML) write
// REDACTED, so that dumping a configuration does not leak the key.
func (Secret) MarshalText() ([]byte, error) { return []byte("REDACTED"), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSecret, so that
// a configuration file may carry the secret in hex or base64.
func (s *Secret) UnmarshalText(text []byte) error {
	v, err := ParseSecret(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// resolveSecret picks the secret as Options documents: the option, then the
// environment, then the key file.
func resolveSecret(opts Options) (Secret, error) {
	switch {
	case opts.Secret != nil:
		if len(opts.Secret) != SecretSize {
			return nil, fmt.Errorf("%w: Options.Secret has %d bytes, want %d", ErrInvalidSecret, len(opts.Secret), SecretSize)
		}
		return opts.Secret, nil
	case os.Getenv(SecretEnv) != "":
		s, err := ParseSecret(os.Getenv(SecretEnv))
		if err != nil {
			return nil, fmt.Errorf("%w (from $%s)", err, SecretEnv)
		}
		return s, nil
	case opts.KeyFile != "":
		return loadKeyFile(opts.KeyFile)
	}
	return nil, fmt.Errorf("%w: none given: set Options.Secret, $%s or Options.KeyFile", ErrInvalidSecret, SecretEnv)
}

// maxKeyFile bounds what is read from a key file: a secret in any accepted
// encoding is far shorter.
const maxKeyFile = 1024

// loadKeyFile reads the secret from path, creating the file with a new random
// secret if it does not exist. A file that group or others may read is refused:
// the secret is what keeps the registry from the insiders it watches.
func loadKeyFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSecret, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSecret, err)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: key file %s has mode %v: group and others must have no access (chmod 600)", ErrInvalidSecret, path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSecret, err)
	}
	if len(b) == SecretSize {
		return b, nil
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%w: key file %s is too long", ErrInvalidSecret, path)
	}
	s, err := ParseSecret(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (key file %s)", err, path)
	}
	return s, nil
}

// createKeyFile writes a new secret to a temporary file and links it into place,
// so that two processes starting together agree on one secret and neither reads
// a half-written file.
func createKeyFile(path string) (Secret, error) {
	s := NewSecret()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".honeyseed-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("%w: creating key file: %v", ErrInvalidSecret, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(s)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%w: creating key file: %v", ErrInvalidSecret, err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return loadKeyFile(path) // another process created it first
	} else if err != nil {
		return nil, fmt.Errorf("%w: creating key file: %v", ErrInvalidSecret, err)
	}
	return s, nil
}
