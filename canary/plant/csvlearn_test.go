package plant

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hubspotExport writes n rows the way HubSpot's contact export does, with a
// lifecycle stage column only a third of the rows fill.
func hubspotExport(n int) string {
	var b strings.Builder
	b.WriteString("Record ID,First Name,Last Name,Email,Phone Number,Create Date,Lifecycle Stage\n")
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		phone, stage := "", ""
		if i%2 == 0 {
			phone = fmt.Sprintf("+1212555%04d", 100+i%100)
		}
		if i%3 == 0 {
			stage = [...]string{"lead", "customer"}[i/3%2]
		}
		fmt.Fprintf(&b, "%d,Given%d,Family%d,given%d.family%d@gmail.com,%s,%s,%s\n",
			1000+2*i, i, i, i, i, phone, start.Add(time.Duration(i)*time.Hour).Format("2006-01-02 15:04"), stage)
	}
	return b.String()
}

func TestLearnCSV(t *testing.T) {
	m, err := ExportMapping(CSVHubSpot)
	require.NoError(t, err)
	s, err := LearnCSV(context.Background(), strings.NewReader(hubspotExport(60)), m, LearnOptions{})
	require.NoError(t, err)
	assert.Equal(t, 60, s.Total)
	assert.Len(t, s.Columns, 7, "every column of the export, without the row counter")
	stage, ok := s.Column("Lifecycle Stage")
	require.True(t, ok)
	assert.Equal(t, 40, stage.Nulls, "empty fields read as NULL")
	assert.Equal(t, []ValueCount{{"customer", 10}, {"lead", 10}}, stage.Values)
	assert.InDelta(t, 0.5, s.PhoneRate(), 1e-9)
	assert.Equal(t, "2006-01-02 15:04", s.CreatedLayout, "the export's own layout")
	assert.Equal(t, "Record ID", s.Order.ID)
	assert.True(t, s.Order.Ordered(), "record ids follow creation")
	assert.Equal(t, 2.0, s.Order.IDGaps.Median(), "ids step by 2, read as numbers")
	assert.InDelta(t, 1.0, s.Domains.Big, 1e-9)
}

func TestLearnCSVRefuses(t *testing.T) {
	m, err := ExportMapping(CSVHubSpot)
	require.NoError(t, err)
	cases := []struct {
		name, csv string
		want      error
	}{
		{"empty file", "", ErrInvalidInput},
		{"ragged row", "Email,First Name\na@b.example\n", ErrInvalidInput},
		{"repeated header", "Email,email\na@b.example,x\n", ErrInvalidInput},
		{"empty header", "Email,\na@b.example,x\n", ErrInvalidInput},
		{"control character in a header", "Email,Na\x01me\na@b.example,x\n", ErrInvalidInput},
		{"the row counter's name", "Email,_csv_row\na@b.example,x\n", ErrInvalidInput},
		{"mapped column missing", "Email\na@b.example\n", ErrNoColumn},
		{"field too long", "Email,Record ID,First Name,Last Name,Phone Number,Create Date\n" + strings.Repeat("a", maxCSVField+1) + ",1,a,b,c,d\n", ErrInvalidInput},
	}
	for _, c := range cases {
		_, err := LearnCSV(context.Background(), strings.NewReader(c.csv), m, LearnOptions{})
		assert.ErrorIs(t, err, c.want, c.name)
	}
	_, err = ExportMapping(CSVFormat(99))
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestExportMappings(t *testing.T) {
	for _, f := range []CSVFormat{CSVZendesk, CSVSalesforce, CSVHubSpot, CSVPlain} {
		m, err := ExportMapping(f)
		require.NoError(t, err, f)
		assert.NotEmpty(t, m.Email, f)
		assert.Equal(t, "export", m.Table, f)
	}
}

func FuzzLearnCSV(f *testing.F) {
	f.Add(hubspotExport(5))
	f.Add("Email,Phone Number,Record ID,First Name,Last Name,Create Date\n\"a\"\"b@c\",,x,,,\n")
	f.Add("\ufeffEmail\n\xff\xfe@x\n")
	f.Fuzz(func(t *testing.T, data string) {
		m := Mapping{Email: "Email"}
		s, err := LearnCSV(context.Background(), strings.NewReader(data), m, LearnOptions{})
		if err != nil {
			return // refusing is fine; panicking or hanging is not
		}
		for _, c := range s.Columns {
			assert.LessOrEqual(t, c.Nulls+c.Blanks, c.Rows, c.Name)
		}
	})
}

func TestFillerForACSVImport(t *testing.T) {
	m, err := ExportMapping(CSVHubSpot)
	require.NoError(t, err)
	s, err := LearnCSV(context.Background(), strings.NewReader(hubspotExport(60)), m, LearnOptions{})
	require.NoError(t, err)
	f, err := NewFiller(s, m, FillOptions{Seed: [32]byte{2}})
	require.NoError(t, err)
	require.Equal(t, []string{"Lifecycle Stage"}, f.Columns())
	seeds := f.Fill(manySeeds(90))
	var b strings.Builder
	require.NoError(t, WriteCSV(&b, CSVHubSpot, seeds, CSVOptions{Columns: f.Columns()}))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 91)
	assert.Equal(t, "First Name,Last Name,Email,Phone Number,Lifecycle Stage", lines[0])
	empty := 0
	for _, l := range lines[1:] {
		if strings.HasSuffix(l, ",") {
			empty++
		}
	}
	assert.InDelta(t, 60, empty, 15, "two thirds left empty, as in the export")

	err = WriteCSV(&b, CSVHubSpot, seeds, CSVOptions{Columns: []string{"=cmd"}})
	assert.ErrorIs(t, err, ErrInvalidInput, "a header that is a formula")
	err = WriteCSV(&b, CSVHubSpot, seeds, CSVOptions{Columns: []string{"Email"}})
	assert.ErrorIs(t, err, ErrInvalidInput, "a header given twice")
}

// An export with fewer columns than its format's mapping, and its phone
// under another name, is learned from the columns it has.
func TestLearnExportFitsTheHeader(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Business Phone\n")
	for i := range 40 {
		fmt.Fprintf(&b, "Ann,Lee%d,ann%d@mail.example,(212) 555-01%02d\n", i, i, i)
	}
	shape, err := LearnExport(context.Background(), strings.NewReader(b.String()), CSVSalesforce, LearnOptions{})
	require.NoError(t, err, "no Contact ID, no Phone, no Created Date: learned all the same")
	assert.Equal(t, 40, shape.Phones, "the phones of Business Phone")
	assert.Equal(t, 40, shape.Emails)

	_, err = LearnExport(context.Background(), strings.NewReader(""), CSVSalesforce, LearnOptions{})
	assert.ErrorIs(t, err, ErrInvalidInput, "no header")
}
