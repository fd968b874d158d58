package sqlstore

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	forEngine(t, func(t *testing.T, e engine) {
		opts := e.fresh(t)
		s := open(t, opts)
		_, saved, err := s.Settings(ctx)
		require.NoError(t, err)
		assert.False(t, saved, "a new registry has none")

		want := Settings{DotInsensitiveDomains: []string{"mail.example", "post.example"}}
		require.NoError(t, s.SaveSettings(ctx, want))
		other := open(t, opts)
		got, saved, err := other.Settings(ctx)
		require.NoError(t, err)
		assert.True(t, saved)
		assert.Equal(t, want, got, "another process reads what one saved")

		var raw []byte
		require.NoError(t, s.db.QueryRow(`SELECT value FROM honeyseed_meta WHERE name = 'settings'`).Scan(&raw))
		assert.False(t, bytes.Contains(raw, []byte("mail.example")), "sealed: a dump names no seed domain")

		require.NoError(t, s.SaveSettings(ctx, Settings{}))
		got, saved, err = s.Settings(ctx)
		require.NoError(t, err)
		assert.True(t, saved, "saved empty is still saved")
		assert.Empty(t, got.DotInsensitiveDomains)

		require.NoError(t, s.SaveSettings(ctx, want))
		newSecret := NewSecret()
		require.NoError(t, s.Rotate(ctx, newSecret))
		got, _, err = s.Settings(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got, "rotation re-seals the settings")
		assert.ErrorIs(t, other.SaveSettings(ctx, Settings{}), ErrWrongSecret, "a process still on the old secret cannot overwrite them")
	})
}

func TestSettingsEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want bool
		why  string
	}{
		{nil, nil, true, "both empty"},
		{nil, []string{}, true, "nil and empty"},
		{[]string{"a.example", "b.example"}, []string{"b.example", "a.example"}, true, "order does not matter"},
		{[]string{"a.example"}, []string{"a.example", "a.example"}, true, "nor repeats"},
		{[]string{"a.example"}, []string{"b.example"}, false, "another domain"},
		{[]string{"a.example"}, nil, false, "one empty"},
	} {
		assert.Equal(t, tc.want, Settings{DotInsensitiveDomains: tc.a}.Equal(Settings{DotInsensitiveDomains: tc.b}), tc.why)
	}
}
