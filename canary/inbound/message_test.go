package inbound

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testLimits = messageLimits{
	header: headerLimits{bytes: defaultMaxHeaderBytes, fields: defaultMaxHeaderFields},
	body:   defaultMaxMessageBytes,
}

// TestParseMessageGolden parses the messages in testdata/mime and compares
// the event each gives with its .golden file. go test -run Golden -update
// rewrites them; review the diff.
func TestParseMessageGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "mime", "*.eml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			ev := parseMessage(raw, testLimits, nil).event("smtp")
			got, err := json.MarshalIndent(ev, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".eml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -run Golden -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}

func TestParseMessageLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		lim  messageLimits
		want func(t *testing.T, m message)
	}{{
		name: "body cut on a rune boundary",
		raw:  "Subject: x\r\n\r\n" + strings.Repeat("é", 100),
		lim:  messageLimits{header: testLimits.header, body: 51},
		want: func(t *testing.T, m message) {
			assert.Equal(t, strings.Repeat("é", 25), m.body, "51 bytes would split a rune")
			assert.Contains(t, m.header[NoteHeader], "body text too long; cut")
		},
	}, {
		name: "header bytes bound",
		raw:  "A: " + strings.Repeat("a", 100) + "\r\nB: b\r\nSubject: kept anyway\r\n\r\n",
		lim:  messageLimits{header: headerLimits{bytes: 50, fields: 10}, body: 100},
		want: func(t *testing.T, m message) {
			assert.NotContains(t, m.header, "A", "a field over the remaining budget is dropped whole")
			assert.Equal(t, []string{"b"}, m.header["B"])
			assert.Equal(t, "kept anyway", m.subject)
		},
	}, {
		name: "subject cut",
		raw:  "Subject: " + strings.Repeat("s", 2*maxFieldBytes) + "\r\n\r\n",
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Len(t, m.subject, maxFieldBytes)
		},
	}, {
		name: "deep nesting stops",
		raw:  nested(maxDepth + 5),
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Contains(t, m.header[NoteHeader], "MIME structure too large or too deep; rest skipped")
		},
	}, {
		name: "many parts stop",
		raw: "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
			strings.Repeat("--b\r\n\r\npart\r\n", maxParts+10) + "--b--\r\n",
		lim: testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, maxParts-1, strings.Count(m.body, "part"), "the root counts as a part")
		},
	}, {
		name: "multipart without boundary is text",
		raw:  "Content-Type: multipart/mixed\r\n\r\nwords\r\n",
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, "words\r\n", m.body)
		},
	}, {
		name: "boundary never found keeps the raw text",
		raw:  "Content-Type: multipart/mixed; boundary=nope\r\n\r\nthe scam text\r\n",
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, "the scam text\r\n", m.body)
			assert.Contains(t, m.header[NoteHeader], "no MIME part found; body kept as sent")
		},
	}, {
		name: "forwarded message is read",
		raw: "Content-Type: message/rfc822\r\n\r\n" +
			"Subject: inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n",
		lim: testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, "inner text\r\n", m.body)
		},
	}, {
		name: "bare LF line ends",
		raw:  "From: a@scam.example\nSubject: lf\n\nbody\n",
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, "lf", m.subject)
			assert.Equal(t, "body\n", m.body)
		},
	}, {
		name: "folded header unfolds",
		raw:  "Subject: a long\r\n\tsubject\r\nTo: a@mail.example,\r\n b@mail.example\r\n\r\n",
		lim:  testLimits,
		want: func(t *testing.T, m message) {
			assert.Equal(t, "a long subject", m.subject)
			assert.Equal(t, "a@mail.example, b@mail.example", m.to)
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want(t, parseMessage([]byte(tc.raw), tc.lim, nil))
		})
	}
}

// nested returns a message of n multiparts, each inside the last.
func nested(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n\r\n")
		b.WriteString("--b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	return b.String()
}

// FuzzParseMessage feeds arbitrary bytes to the MIME reader: it must not
// panic, and what it returns must stay within bounds and be valid UTF-8.
func FuzzParseMessage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mime", "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte("Subject: =?utf-8?q?=E2=82?=\r\n\r\n"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--a--"))
	f.Add([]byte("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp5"))
	lim := messageLimits{header: headerLimits{bytes: 2048, fields: 20}, body: 4096}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := parseMessage(raw, lim, nil)
		ev := m.event("smtp")
		assertBounded(t, ev, lim.body, lim.header.bytes, lim.header.fields)
		assert.NotEmpty(t, ev.ID)
	})
}

func FuzzHTMLToText(f *testing.F) {
	f.Add("<p>a &amp; b</p><script>x</script><!-- c -->d<br/>e")
	f.Add("<a href='>'>x</a> < y")
	f.Fuzz(func(t *testing.T, s string) {
		out := htmlToText(s)
		// Entities may grow a little ("&nGt;" is 5 bytes for 6): never by much.
		assert.LessOrEqual(t, len(out), 2*len(s)+1)
		if !bytes.ContainsAny([]byte(s), "<&") {
			assert.Equal(t, tidy(validUTF8(s)), validUTF8(out), "text without markup passes through tidied")
		}
	})
}
