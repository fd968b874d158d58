package dump

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The testdata files were made from plain.sql by the command-line tools
// (gzip -9 -n, zstd -19, bzip2 -9, xz -9); twice.sql.gz is two gzip members
// one after the other, as pigz and cat make; renamed.csv is plain.sql.gz under
// a name that says otherwise.
func TestNewReader(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("testdata", "plain.sql"))
	require.NoError(t, err)
	tests := []struct {
		file   string
		format Format
		want   []byte
		reason string
	}{
		{"plain.sql", Plain, plain, "no magic: read as it is"},
		{"plain.sql.gz", Gzip, plain, "gzip magic 1f 8b 08"},
		{"plain.sql.zst", Zstd, plain, "zstd frame magic"},
		{"plain.sql.bz2", Bzip2, plain, "BZh9 and the block magic"},
		{"plain.sql.xz", Xz, plain, "xz stream magic"},
		{"twice.sql.gz", Gzip, append(bytes.Clone(plain), plain...), "concatenated members are all read"},
		{"renamed.csv", Gzip, plain, "the content decides, not the name"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			defer f.Close()
			r, format, err := NewReader(f)
			require.NoError(t, err)
			defer r.Close()
			assert.Equal(t, tt.format, format, tt.reason)
			got, err := io.ReadAll(r)
			require.NoError(t, err, tt.reason)
			assert.Equal(t, string(tt.want), string(got), tt.reason)
		})
	}
}

func TestNewReaderPlainLookalikes(t *testing.T) {
	tests := []struct {
		in     string
		reason string
	}{
		{"", "empty input is an empty plain dump"},
		{"\x1f", "one byte of the gzip magic"},
		{"BZh9 is how the row starts", "bzip2's header without its block magic"},
		{"\xfd7zX", "a prefix of xz's magic"},
		{"id,email\n1,a@mail.example\n", "a CSV"},
	}
	for _, tt := range tests {
		r, format, err := NewReader(bytes.NewReader([]byte(tt.in)))
		require.NoError(t, err, tt.reason)
		assert.Equal(t, Plain, format, tt.reason)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, tt.in, string(got), tt.reason)
	}
}

func TestNewReaderCorrupt(t *testing.T) {
	for _, file := range []string{"plain.sql.gz", "plain.sql.zst", "plain.sql.bz2", "plain.sql.xz"} {
		whole, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		flipped := bytes.Clone(whole)
		flipped[len(flipped)/2] ^= 0x55
		damaged := map[string][]byte{
			"truncated":     whole[:len(whole)/2],
			"flipped byte":  flipped,
			"last byte cut": whole[:len(whole)-1],
		}
		for how, data := range damaged {
			t.Run(file+"/"+how, func(t *testing.T) {
				r, _, err := NewReader(bytes.NewReader(data))
				if err == nil {
					_, err = io.ReadAll(r)
					r.Close()
				}
				require.Error(t, err, "a damaged stream must not read as complete")
				assert.ErrorIs(t, err, ErrCorrupt)
			})
		}
	}
}

func TestNewReaderSourceError(t *testing.T) {
	whole, err := os.ReadFile(filepath.Join("testdata", "plain.sql.xz"))
	require.NoError(t, err)
	disk := errors.New("disk on fire")
	src := io.MultiReader(bytes.NewReader(whole[:40]), iotest.ErrReader(disk))
	r, _, err := NewReader(src)
	if err == nil {
		_, err = io.ReadAll(r)
	}
	require.Error(t, err)
	assert.ErrorIs(t, err, disk, "a failing source is reported as itself")
	assert.NotErrorIs(t, err, ErrCorrupt, "and not as damage in the stream")
}

func FuzzNewReader(f *testing.F) {
	for _, file := range []string{"plain.sql", "plain.sql.gz", "plain.sql.zst", "plain.sql.bz2", "plain.sql.xz"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, format, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		defer r.Close()
		got, err := io.ReadAll(io.LimitReader(r, 16<<20))
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
		if format == Plain && !bytes.Equal(got, data) {
			t.Fatalf("plain input read back changed")
		}
	})
}
