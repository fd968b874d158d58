package canary_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func scanAll(t *testing.T, m *canary.Matcher, r io.Reader) []canary.Hit {
	t.Helper()
	var hits []canary.Hit
	require.NoError(t, m.Scan(context.Background(), r, func(h canary.Hit) error {
		hits = append(hits, h)
		return nil
	}))
	return hits
}

func TestScanDump(t *testing.T) {
	m, seeds := matchFixture(t)
	dump := "INSERT INTO customers VALUES\n" +
		"(1,'Real Person','real.person@mail.example','+1 212 555 0100','TM-99999999'),\n" +
		fmt.Sprintf("(2,'Jessica Smith','%s','(415) 555-0132','%s'),\n", seeds[1].Email, seeds[1].Ticket) +
		"(3,'David Okafor','x@y.example','212-555-0150',NULL);\n"
	hits := scanAll(t, m, strings.NewReader(dump))
	got := map[string]string{}
	for _, h := range hits {
		got[h.Field.String()+" "+h.Value] = h.Seed.Name.String() + " | " + h.Evidence
	}
	at := func(s string) int { return strings.Index(dump, s) }
	assert.Equal(t, map[string]string{
		"email " + seeds[1].Email:   fmt.Sprintf("Jessica Smith | line 3 byte %d", at(seeds[1].Email)),
		"phone (415) 555-0132":      fmt.Sprintf("Jessica Smith | line 3 byte %d", at("(415)")),
		"ticket " + seeds[1].Ticket: fmt.Sprintf("Jessica Smith | line 3 byte %d", at(seeds[1].Ticket)),
		"phone 212-555-0150":        fmt.Sprintf("David Okafor | line 4 byte %d", at("212-555-0150")),
	}, got, "the shared number resolves by the name on its line; real rows give nothing")
}

// Values that straddle the boundaries between reads and between chunks are
// found: the stream is fed one byte per Read, and padded so a seed sits across
// the 1 MiB chunk edge.
func TestScanAcrossBoundaries(t *testing.T) {
	m, seeds := matchFixture(t)
	for _, pad := range []int{1<<20 - 10, 1<<20 - 3, 1<<20 + 5, 2<<20 - 14} {
		text := strings.Repeat("z", pad) + " " + seeds[1].Email + " " + strings.Repeat("y", 100)
		hits := scanAll(t, m, iotest.HalfReader(strings.NewReader(text)))
		require.Len(t, hits, 1, "pad %d", pad)
		assert.Equal(t, seeds[1].ID, hits[0].Seed.ID)
		assert.Equal(t, fmt.Sprintf("line 1 byte %d", pad+1), hits[0].Evidence)
		assert.Equal(t, 1, hits[0].Line)
		assert.Equal(t, int64(pad+1), hits[0].Offset)
		assert.Empty(t, hits[0].Part, "a stream has no parts")
	}
	hits := scanAll(t, m, iotest.OneByteReader(strings.NewReader("call +1 415 555 0132 now")))
	require.Len(t, hits, 1)
}

func TestScanEveryOccurrenceInOrder(t *testing.T) {
	m, seeds := matchFixture(t)
	var b bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&b, "%d,%s,%s\n", i, strings.Repeat("filler", 50), seeds[1+i%2].Email)
	}
	hits := scanAll(t, m, &b)
	require.Len(t, hits, 3000)
	for i, h := range hits {
		assert.Equal(t, seeds[1+i%2].ID, h.Seed.ID, "hit %d in stream order", i)
		if !assert.Equal(t, i+1, h.Line, h.Evidence) || !assert.True(t, strings.HasPrefix(h.Evidence, fmt.Sprintf("line %d ", i+1)), h.Evidence) {
			break
		}
	}
}

func TestScanBadInput(t *testing.T) {
	m, _ := matchFixture(t)
	assert.Empty(t, scanAll(t, m, strings.NewReader("")), "empty reader")
	assert.Empty(t, scanAll(t, m, bytes.NewReader(bytes.Repeat([]byte{0, 0xff, '@', '5'}, 1<<19))), "binary junk")
	assert.Empty(t, scanAll(t, m, strings.NewReader(strings.Repeat("9", 3<<20))), "a 3 MB line of digits")

	boom := errors.New("disk gone")
	err := m.Scan(context.Background(), iotest.ErrReader(boom), func(canary.Hit) error { return nil })
	assert.ErrorIs(t, err, boom)

	stop := errors.New("enough")
	_, seeds := matchFixture(t)
	err = m.Scan(context.Background(), strings.NewReader(strings.Repeat(seeds[1].Email+"\n", 10)), func(canary.Hit) error { return stop })
	assert.ErrorIs(t, err, stop, "the callback's error ends the scan")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = m.Scan(ctx, strings.NewReader(strings.Repeat(seeds[1].Email+"\n", 10)), func(canary.Hit) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)

	assert.ErrorIs(t, m.Scan(context.Background(), nil, nil), canary.ErrInvalidInput)
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("jessica.smith@mail.example +1 (415) 555-0132 TM-10000002"))
	f.Add([]byte("%40%40@@@ 00 0044 +++ ((( tel: mailto:"))
	f.Add([]byte{0xff, 0xfe, '@', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _ := matchFixture(t)
		var scanned []canary.Hit
		err := m.Scan(context.Background(), bytes.NewReader(data), func(h canary.Hit) error {
			scanned = append(scanned, h)
			return nil
		})
		require.NoError(t, err)
		for _, h := range scanned {
			require.NotEmpty(t, h.Value)
			require.True(t, bytes.Contains(data, []byte(h.Value)), "a hit's value is text from the input")
		}
		_, err = m.Match(context.Background(), canary.Event{Channel: canary.ChannelText, Body: string(data)})
		require.NoError(t, err)
	})
}

// TestScanFoldsProviderAliases: a dump that writes a Gmail seed's address at
// googlemail.com, without its dots, is found by Scan as by Match: the two
// name one mailbox.
func TestScanFoldsProviderAliases(t *testing.T) {
	reg := canary.NewMemoryRegistry()
	s := canary.Seed{ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte("alias")), Placement: "crm", Name: canary.Name{Given: "Jane", Family: "Roe"}, Email: "jane.roe.canary@gmail.com"}
	require.NoError(t, reg.Add(context.Background(), s))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	for _, written := range []string{"janeroecanary@googlemail.com", "Jane.Roe.Canary@GoogleMail.com", "jane.roe.canary+x@gmail.com"} {
		hits := scanAll(t, m, strings.NewReader("(1,'"+written+"'),\n"))
		require.Len(t, hits, 1, written)
		assert.Equal(t, s.ID, hits[0].Seed.ID, written)
		res, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelEmail, To: written})
		require.NoError(t, err)
		assert.Len(t, res, 1, "Match agrees: %s", written)
	}
}
