package sqlstore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Settings are the registry's own settings: what every program reading the
// registry must agree on, recorded once with it (the CLI's init and settings
// commands) rather than repeated in each one's configuration, so that a
// receiver and a scan of the same registry judge a hit alike. They are
// sealed: a seed domain named here is a canary value.
type Settings struct {
	// DotInsensitiveDomains are seed email domains whose mailboxes ignore dots
	// in the local part (canary.WithDotInsensitiveDomains), normalized.
	DotInsensitiveDomains []string `json:"dot_insensitive_domains,omitempty"`
}

// Equal reports whether s and o say the same, whatever the order of their lists.
func (s Settings) Equal(o Settings) bool {
	a, b := slices.Clone(s.DotInsensitiveDomains), slices.Clone(o.DotInsensitiveDomains)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// kindSettings is the sealed-blob kind of the settings row.
const kindSettings byte = 'c'

// maxSettings bounds the sealed settings a store reads.
const maxSettings = 1 << 16

// Settings returns the registry's settings, and whether any were saved: a
// registry made before settings existed has none, which is not the same as
// settings saved empty.
func (s *Store) Settings(ctx context.Context) (Settings, bool, error) {
	type result struct {
		set   Settings
		saved bool
	}
	r, err := readWithKeys(s, ctx, func(ks *keySet) (result, error) {
		var sealed []byte
		err := s.db.QueryRowContext(ctx, `SELECT value FROM honeyseed_meta WHERE name = 'settings'`).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return result{}, nil
		}
		if err != nil {
			return result{}, dbError("reading settings", err)
		}
		set, err := openSettings(ks, sealed)
		return result{set, true}, err
	})
	return r.set, r.saved, err
}

// SaveSettings replaces the registry's settings.
func (s *Store) SaveSettings(ctx context.Context, set Settings) error {
	if err := s.usable(); err != nil {
		return err
	}
	ks := s.idx.keySet()
	return s.write(ctx, "saving settings", []string{"honeyseed_meta"}, func(tx *sql.Tx, _ *sql.Conn) error {
		var check []byte
		if err := tx.QueryRowContext(ctx, `SELECT value FROM honeyseed_meta WHERE name = 'key_check'`).Scan(&check); err != nil {
			return dbError("saving settings", err)
		}
		if !hmac.Equal(check, ks.check) {
			return s.rotatedElsewhere()
		}
		return writeSettings(ctx, tx, s.dialect, ks, set)
	})
}

func writeSettings(ctx context.Context, tx *sql.Tx, d dialect, ks *keySet, set Settings) error {
	plain, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("sqlstore: encoding settings: %w", err)
	}
	// Padded like the other sealed rows, so its length says little of the domains.
	plain = append(plain, bytes.Repeat([]byte{' '}, padSize(len(plain), minSeedClass)-len(plain))...)
	q := `INSERT INTO honeyseed_meta (name, value) VALUES ('settings', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	if _, err := tx.ExecContext(ctx, d.q(q), ks.seal(nil, kindSettings, mac{}, "settings", plain)); err != nil {
		return dbError("saving settings", err)
	}
	return nil
}

func openSettings(ks *keySet, sealed []byte) (Settings, error) {
	if len(sealed) > maxSettings {
		return Settings{}, fmt.Errorf("%w: the settings row holds %d bytes", ErrCorrupt, len(sealed))
	}
	plain, err := ks.open(kindSettings, mac{}, "settings", sealed)
	if err != nil {
		return Settings{}, err
	}
	var set Settings
	if err := json.Unmarshal(plain, &set); err != nil {
		return Settings{}, fmt.Errorf("%w: the settings row: %v", ErrCorrupt, err)
	}
	return set, nil
}

// rotateSettings re-seals the settings row, if any, under nks.
func (s *Store) rotateSettings(ctx context.Context, tx *sql.Tx, old, nks *keySet) error {
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM honeyseed_meta WHERE name = 'settings'`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return dbError("rotating secret", err)
	}
	set, err := openSettings(old, sealed)
	if err != nil {
		return err
	}
	return writeSettings(ctx, tx, s.dialect, nks, set)
}
