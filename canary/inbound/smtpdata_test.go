package inbound

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"
)

// readAll runs readData over data as go-smtp's reader would hand it over,
// with a budget of budget bytes and a spool in dir.
func readAll(t testing.TB, data []byte, budget int64, dir string) (*inbox, []byte, error) {
	t.Helper()
	in := &inbox{budget: semaphore.NewWeighted(budget), limit: budget, dir: dir}
	err := readData(bytes.NewReader(data), in, dataDeadlines{
		set: func(time.Time) error { return nil }, total: time.Hour, gap: time.Minute,
	})
	got, berr := in.bytes(t.Context())
	require.NoError(t, berr)
	return in, got, err
}

func TestReadDataEnds(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bareLF   bool
		why      string
	}{
		{"Subject: x\r\n\r\nhi\r\n", "Subject: x\r\n\r\nhi\r\n", false, "a proper end is go-smtp's: the data is all there is"},
		{"a\n.\n", "a\n", true, "a bare-LF dot line"},
		{"a\n.\r\n", "a\n", true, "a bare LF, a dot, a CRLF"},
		{"a\n.\nQUIT\r\n", "a\n", true, "what follows a bare-LF end is not data"},
		{"a\n..\nb\n", "a\n..\nb\n", false, "a stuffed dot is data"},
		{"a\n.b\n", "a\n.b\n", false, "a line starting with a dot is data"},
		{"a\r\n\n", "a\r\n\n", false, "CRLF then LF: go-smtp already dropped any dot, so no end can be seen"},
	} {
		in, got, err := readAll(t, []byte(tc.in), 1<<20, t.TempDir())
		require.NoError(t, err, tc.why)
		assert.Equal(t, tc.want, string(got), tc.why)
		assert.Equal(t, tc.bareLF, in.bareLF, tc.why)
		in.close()
	}
}

func TestReadDataSpools(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcde\n"), 3*spoolChunk/16+7)
	in, got, err := readAll(t, data, spoolChunk, dir)
	require.NoError(t, err)
	assert.NotNil(t, in.file, "past the budget the message goes to the spool")
	assert.Equal(t, data, got, "and comes back whole")
	in.close()
	assert.Zero(t, in.held)
}

// FuzzReadData feeds arbitrary data through the DATA reader with a small
// budget: what it keeps is always a prefix of what it read, whole unless it
// saw a bare-LF end, and memory and spool agree.
func FuzzReadData(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\nhi\r\n"), int64(16))
	f.Add([]byte("a\n.\nMAIL FROM:<x@scam.example>\r\n"), int64(1<<20))
	f.Add([]byte("a\n.\r\n"), int64(2))
	f.Add(bytes.Repeat([]byte("\n."), 1000), int64(64))
	f.Fuzz(func(t *testing.T, data []byte, budget int64) {
		budget = max(1, min(budget, 1<<20))
		in, got, err := readAll(t, data, budget, t.TempDir())
		defer in.close()
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(data, got), "what is kept is what was read")
		if !in.bareLF {
			assert.Equal(t, data, got)
			return
		}
		rest := data[len(got):]
		assert.True(t, bytes.HasPrefix(rest, []byte(".\n")) || bytes.HasPrefix(rest, []byte(".\r\n")), "cut at the dot line")
		assert.True(t, bytes.HasSuffix(got, []byte("\n")))
	})
}
