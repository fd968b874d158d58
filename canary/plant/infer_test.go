package plant

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/honeyseed/honeyseed/canary"
)

func TestTicketShape(t *testing.T) {
	for _, tc := range []struct {
		value  string
		format string
		n      uint64
		ok     bool
		why    string
	}{
		{"TM-10456789", "TM-########", 10456789, true, "prefix and digits"},
		{"SR0001234", "SR#######", 1234, true, "leading zeros are digits of the format"},
		{"10456789", "########", 10456789, true, "a bare number"},
		{"CASE-2024-00123", "CASE-2024-#####", 123, true, "the last run of digits is the number"},
		{"INC123456/A", "INC######/A", 123456, true, "a suffix is kept"},
		{"TM-123", "", 0, false, "fewer than four digits is not a format Config takes"},
		{"#123456", "", 0, false, "a literal '#' cannot be written in a TicketFormat"},
		{"TM 12345678901234567890", "", 0, false, "more than 18 digits"},
		{"TM-1234 ☃", "", 0, false, "not a ticket reference"},
		{"no digits", "", 0, false, "no number at all"},
	} {
		format, n, ok := ticketShape(tc.value)
		assert.Equal(t, tc.ok, ok, tc.why)
		assert.Equal(t, tc.format, format, tc.why)
		assert.Equal(t, tc.n, n, tc.why)
	}
}

// FuzzTicketShape: a learned ticket format must write the value back as it was.
func FuzzTicketShape(f *testing.F) {
	for _, s := range []string{"TM-10456789", "SR0001234", "CASE-2024-00123", "#1", "", "00000000000000000000", "INC123456/A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		format, n, ok := ticketShape(value)
		if !ok {
			return
		}
		if got := canary.FormatTicket(format, n); got != value {
			t.Fatalf("format %q of %q writes %d as %q", format, value, n, got)
		}
		// Config.TicketFormat takes it: the Generator checks the format with zeros.
		if _, err := canary.NormalizeTicket(strings.ReplaceAll(format, "#", "0")); err != nil {
			t.Fatalf("format %q of %q is not one the Generator takes: %v", format, value, err)
		}
	})
}

func TestClassifyLocal(t *testing.T) {
	jessica, _ := newNameForms("Jessica", "Smith", "")
	maria, _ := newNameForms("", "", "María José García López")
	for _, tc := range []struct {
		local string
		nf    nameForms
		want  canary.EmailPattern
		ok    bool
	}{
		{"jessica.smith", jessica, canary.GivenDotFamily, true},
		{"jessicasmith", jessica, canary.GivenFamily, true},
		{"jsmith", jessica, canary.InitialFamily, true},
		{"jessica_smith", jessica, canary.GivenUnderFamily, true},
		{"jessica87", jessica, canary.GivenDigits, true},
		{"smithj", jessica, canary.FamilyInitial, true},
		{"jessica.smith1987", jessica, canary.GivenDotFamilyDigits, true},
		{"j.smith", jessica, canary.InitialDotFamily, true},
		{"smith.jessica", jessica, canary.FamilyGiven, true},
		{"jessicas", jessica, canary.GivenInitial, true},
		{"jsmith4412", jessica, canary.InitialFamilyDigits, true},
		{"maria.garcia", maria, canary.GivenDotFamily, true},
		{"mgarcialopez", maria, canary.InitialFamily, true},
		{"support", jessica, 0, false},
		{"jessica123456", jessica, 0, false},
	} {
		got, ok := classifyLocal(tc.local, tc.nf)
		assert.Equal(t, tc.ok, ok, tc.local)
		assert.Equal(t, tc.want, got, tc.local)
	}
}

func TestClassifyShape(t *testing.T) {
	for _, tc := range []struct {
		local string
		want  canary.EmailPattern
		ok    bool
		why   string
	}{
		{"jessica.smith", canary.GivenDotFamily, true, "word.word"},
		{"j.smith", canary.InitialDotFamily, true, "letter.word"},
		{"jessica_smith", canary.GivenUnderFamily, true, "word_word"},
		{"jessica.smith87", canary.GivenDotFamilyDigits, true, "word.word and digits"},
		{"jsmith", 0, false, "initial+family or given+initial: cannot tell"},
		{"jessica87", 0, false, "given+digits or initial+family+digits: cannot tell"},
		{"a.b", 0, false, "too short to be names"},
	} {
		got, ok := classifyShape(tc.local)
		assert.Equal(t, tc.ok, ok, tc.why)
		assert.Equal(t, tc.want, got, tc.why)
	}
}
