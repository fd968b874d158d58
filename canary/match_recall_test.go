package canary_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// Numbers, tickets and addresses in real messages and rows sit beside other
// values: street numbers, hours, amounts, dates, ids. These tests plant each
// seed value in such company, in every format the matcher reads, and check
// that Match and Scan both find it, and that its neighbours are not read as
// it.

// recallFixture registers seeds with NANP fiction numbers in three area
// codes, two Ofcom drama numbers (a mobile and a London line) and tickets in
// two formats.
func recallFixture(t *testing.T, opts ...canary.MatcherOption) (*canary.Matcher, map[string]canary.Seed) {
	t.Helper()
	byName := map[string]canary.Seed{}
	for i, v := range []struct{ key, phone, ticket string }{
		{"lv", "+17025550128", "TM-10424187"},
		{"houston", "+17135550108", "TM-10424188"},
		{"portland", "+15035550166", "CS-4204065"},
		{"mobile", "+447700900123", "TM-10555001"},
		{"london", "+442079460123", "CS-4204066"},
	} {
		s := canarytest.Seed(100+i, "crm/eu")
		s.Phone, s.Ticket = v.phone, v.ticket
		byName[v.key] = s
	}
	reg := canary.NewMemoryRegistry()
	for _, s := range byName {
		require.NoError(t, reg.Add(context.Background(), s))
	}
	m, err := canary.NewMatcher(reg, opts...)
	require.NoError(t, err)
	return m, byName
}

// matchAndScan runs text through Match (as an SMS body) and Scan.
func matchAndScan(t *testing.T, m *canary.Matcher, text string) (matched, scanned []canary.Hit) {
	t.Helper()
	matched, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelSMS, Body: text})
	require.NoError(t, err)
	return matched, scanAll(t, m, strings.NewReader(text))
}

type recallCase struct {
	text  string
	seed  string // recallFixture key
	value string // the raw text the hit quotes
	conf  canary.Confidence
	why   string
}

func checkRecall(t *testing.T, m *canary.Matcher, seeds map[string]canary.Seed, field canary.Field, tests []recallCase) {
	t.Helper()
	for _, tt := range tests {
		matched, scanned := matchAndScan(t, m, tt.text)
		for _, run := range []struct {
			name string
			hits []canary.Hit
		}{{"Match", matched}, {"Scan", scanned}} {
			var got []canary.Hit
			for _, h := range run.hits {
				if h.Field == field {
					got = append(got, h)
				}
			}
			if !assert.Len(t, got, 1, "%s %q: %s: want one %s hit, got %+v", run.name, tt.text, tt.why, field, got) {
				continue
			}
			assert.Equal(t, seeds[tt.seed].ID, got[0].Seed.ID, "%s %q: %s", run.name, tt.text, tt.why)
			assert.Equal(t, tt.value, got[0].Value, "%s %q: %s", run.name, tt.text, tt.why)
			assert.Equal(t, tt.conf, got[0].Confidence, "%s %q: %s", run.name, tt.text, tt.why)
		}
	}
}

func checkNoHit(t *testing.T, m *canary.Matcher, field canary.Field, tests []struct{ text, why string }) {
	t.Helper()
	for _, tt := range tests {
		matched, scanned := matchAndScan(t, m, tt.text)
		for _, h := range append(matched, scanned...) {
			assert.NotEqual(t, field, h.Field, "%q: %s: got %+v", tt.text, tt.why, h)
		}
	}
}

func TestMatchPhoneBesideDigits(t *testing.T) {

	m, seeds := recallFixture(t)
	checkRecall(t, m, seeds, canary.FieldPhone, []recallCase{
		// United States, the default region.
		{"call +1 (702) 555-0128 24/7", "lv", "+1 (702) 555-0128", canary.Exact, "hours after an international number"},
		{"+17025550128 9am", "lv", "+17025550128", canary.Exact, "E.164 then a time glued to letters"},
		{"+1-702-555-0128 x12", "lv", "+1-702-555-0128", canary.Exact, "extension"},
		{"tel:+17025550128,12", "lv", "+17025550128", canary.Exact, "tel URI then a comma and digits"},
		{"0 713.555.0108 A", "houston", "713.555.0108", canary.Likely, "a lone digit before a dotted national number"},
		{"Jane Doe (702) 555-0128 12 Main St", "lv", "(702) 555-0128", canary.Likely, "dump line: street number after the phone"},
		{"Unit 5 702 555 0128", "lv", "702 555 0128", canary.Likely, "unit number before"},
		{"Apt 4B 702-555-0128", "lv", "702-555-0128", canary.Likely, "flat number glued to a letter before"},
		{"Total 12.50 702.555.0128", "lv", "702.555.0128", canary.Likely, "amount before, same separator"},
		{"2026-12-01 702-555-0128 10:30", "lv", "702-555-0128", canary.Likely, "date before, time after"},
		{"ID: 702 555 0128 12/01/2026 09:30", "lv", "702 555 0128", canary.Likely, "date with slashes after"},
		{"1 702 555 0128 $45.00", "lv", "1 702 555 0128", canary.Likely, "trunk 1, then an amount"},
		{"17025550128 12", "lv", "17025550128", canary.Likely, "trunk 1 without separators, then a number"},
		{"Room 12 7135550108 3", "houston", "7135550108", canary.Likely, "bare digits between small numbers"},
		{"+ 503.555.0166", "portland", "+ 503.555.0166", canary.Likely, "a loose plus before a national number: the region's reading, not El Salvador"},
		{"Hi 00 702 555 0128", "lv", "702 555 0128", canary.Likely, "00 that is not an international prefix here"},
		{"001 702 555 0128 ok", "lv", "001 702 555 0128", canary.Exact, "00 international prefix"},
		{"011 1 702 555 0128 ok", "lv", "011 1 702 555 0128", canary.Exact, "NANP 011 international prefix"},
		// Great Britain: national with its trunk 0, or international.
		{"ring 07700 900123 24/7", "mobile", "07700 900123", canary.Likely, "GB mobile, hours after"},
		{"+44 7700 900123 2nd floor", "mobile", "+44 7700 900123", canary.Exact, "GB international, an ordinal after"},
		{"+44 (0)20 7946 0123 ext 12", "london", "+44 (0)20 7946 0123", canary.Exact, "GB with (0)"},
		{"0044 20 7946 0123 10:00", "london", "0044 20 7946 0123", canary.Exact, "00 prefix, then a time"},
		{"Flat 12 020 7946 0123", "london", "020 7946 0123", canary.Likely, "flat number before a London number"},
		{"44 7700 900123 £20", "mobile", "44 7700 900123", canary.Likely, "international without +, then an amount"},
	})
	checkNoHit(t, m, canary.FieldPhone, []struct{ text, why string }{
		{"ID7025550128", "glued to an identifier"},
		{"7025550128am", "glued to letters after"},
		{"97025550128", "an extra leading digit"},
		{"70255501289", "an extra trailing digit"},
		{"+503 555 0166", "a tight plus: El Salvador, not Portland"},
		{"+7025550128", "a tight plus: not NANP"},
		{"order 7025550128999 shipped", "inside a longer number"},
	})
}

func TestMatchPhoneOtherRegions(t *testing.T) {

	// A Spanish operator reads national numbers as Spanish: other countries'
	// numbers are recognised written internationally, or with their trunk
	// prefix when their region is listed.
	m, seeds := recallFixture(t, canary.WithRegions("ES", "GB", "US"))
	checkRecall(t, m, seeds, canary.FieldPhone, []recallCase{
		{"Llame al +44 7700 900 123, C/ Mayor 12, 28013 Madrid", "mobile", "+44 7700 900 123", canary.Exact, "Spanish address after"},
		{"tel. 0044 7700 900123 de 9 a 14 h", "mobile", "0044 7700 900123", canary.Exact, "00 prefix, office hours after"},
		{"+1 702 555 0128 - 3 x 12,50 €", "lv", "+1 702 555 0128", canary.Exact, "US international, an amount after"},
		{"07700 900123 28013", "mobile", "07700 900123", canary.Likely, "GB trunk, a postcode after"},
		{"1 702 555 0128 28013", "lv", "1 702 555 0128", canary.Likely, "US trunk, a postcode after"},
	})
	checkNoHit(t, m, canary.FieldPhone, []struct{ text, why string }{
		{"702 555 0128", "a US national number without trunk is not Spanish"},
	})
}

func TestMatchTicketSeparators(t *testing.T) {

	m, seeds := recallFixture(t)
	checkRecall(t, m, seeds, canary.FieldTicket, []recallCase{
		{"TM-10424187", "lv", "TM-10424187", canary.Exact, "as planted"},
		{"TM 10424187", "lv", "TM 10424187", canary.Exact, "space"},
		{"TM: 10424187", "lv", "TM: 10424187", canary.Exact, "colon and space"},
		{"TM:10424187", "lv", "TM:10424187", canary.Exact, "colon"},
		{"TM-1042 4187", "lv", "TM-1042 4187", canary.Exact, "digits grouped with a space"},
		{"TM#10424187", "lv", "TM#10424187", canary.Exact, "hash"},
		{"#TM-10424187", "lv", "TM-10424187", canary.Exact, "hash before"},
		{"TM10424187", "lv", "TM10424187", canary.Exact, "no separator"},
		{"tm-10424187", "lv", "tm-10424187", canary.Exact, "lower case"},
		{"TM - 10424187", "lv", "TM - 10424187", canary.Exact, "spaced dash"},
		{"TM_10424187", "lv", "TM_10424187", canary.Exact, "underscore"},
		{"TM/10424187", "lv", "TM/10424187", canary.Exact, "slash"},
		{"TM.10424187", "lv", "TM.10424187", canary.Exact, "dot"},
		{"Ticket TM 10424187 opened 2026-11-03", "lv", "TM 10424187", canary.Exact, "prose with a date after"},
		{"your case (TM: 10424187) is closed", "lv", "TM: 10424187", canary.Exact, "in parentheses"},
		{"ref TM-1042-4187, 12 items", "lv", "TM-1042-4187", canary.Exact, "dashed groups, a count after"},
		{"TM 1042 4187 24/7", "lv", "TM 1042 4187", canary.Exact, "grouped, hours after"},
		{"TM 10424187.", "lv", "TM 10424187", canary.Exact, "end of a sentence"},
		{"(7,'TM 10424187','2026-11-03 10:00:00')", "lv", "TM 10424187", canary.Exact, "SQL row"},
		{"7,TM: 10424187,2026-11-03", "lv", "TM: 10424187", canary.Exact, "CSV row"},
		{"Ticket#CS-4204065 12 Main St", "portland", "CS-4204065", canary.Exact, "another format, street after"},
		{"CS 420 4065", "portland", "CS 420 4065", canary.Exact, "another format, grouped"},
	})
	checkNoHit(t, m, canary.FieldTicket, []struct{ text, why string }{
		{"TM 104241870", "an extra digit"},
		{"TM 10424187X", "glued to a letter"},
		{"XTM 10424187", "another prefix"},
		{"ATM 10424187", "a word ending in the prefix"},
		{"TM 1042418", "a digit short"},
		{"10424187", "no prefix"},
		{"TM 10424189", "a neighbouring number"},
		{"TM\n10424187", "split across lines"},
		{"TM;10424187", "a separator NormalizeTicket keeps"},
	})
}

// sharedFixture registers 76 seeds on one number, as DemoConfig shares its
// pool at 100k seeds, with names that overlap as real households and a
// registry fed from several generators can: two Marys, a given name that is
// also a city (Austin) and a family name that is also a company word
// (Holland).
func sharedFixture(t *testing.T) (*canary.Matcher, map[string]canary.Seed, []canary.Seed) {
	t.Helper()
	given := []string{"Mary", "Mary", "Deborah", "Austin", "Kevin", "Linda", "Omar", "Grace"}
	family := []string{"Yee", "Smith", "Quint", "Reyes", "Holland", "Okafor", "Brandt", "Ferris"}
	var all []canary.Seed
	named := map[string]canary.Seed{}
	for i := range 76 {
		s := canarytest.Seed(500+i, "crm/us")
		s.Phone = "+17025550177"
		if i < len(given) {
			s.Name = canary.Name{Given: given[i], Family: family[i]}
			named[s.Name.String()] = s
		} else {
			// Names no text below mentions, each word its own.
			s.Name = canary.Name{Given: fmt.Sprintf("Given%02d", i), Family: fmt.Sprintf("Family%02d", i)}
		}
		all = append(all, s)
	}
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(context.Background(), all...))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	return m, named, all
}

func TestMatchSharedNumberResolution(t *testing.T) {

	m, named, all := sharedFixture(t)
	tests := []struct {
		text  string
		want  string   // the seed it resolves to; "" for Ambiguous
		first []string // for Ambiguous: the candidates expected first, best evidence first, in any order among equals
		why   string
	}{
		{"Mary Yee (702) 555-0177 Austin TX", "Mary Yee", nil, "a full name beats a shared given name and a city that is another candidate's name"},
		{"Deborah Quint, Holland & Co, 702-555-0177", "Deborah Quint", nil, "a full name beats a company word that is another candidate's family name"},
		{"Hi Deborah, call (702) 555-0177 now", "Deborah Quint", nil, "a given name no other candidate has"},
		{"Mrs QUINT: 702.555.0177", "Deborah Quint", nil, "a family name no other candidate has, any case"},
		{"Deborah Johnson (702) 555-0177", "", []string{"Deborah Quint"}, "another person's full name beside the given name blocks it"},
		{"Johnson, Deborah (702) 555-0177", "", []string{"Deborah Quint"}, "the same, family name first"},
		{"Mary Johnson 702 555 0177", "", []string{"Mary Yee", "Mary Smith"}, "a stranger's full name, and a given name two candidates share"},
		{"Mary 702 555 0177", "", []string{"Mary Yee", "Mary Smith"}, "a given name two candidates share"},
		{"Mary Yee and Kevin Holland at 702 555 0177", "", []string{"Mary Yee", "Kevin Holland"}, "two candidates' full names"},
		{"call 702 555 0177", "", nil, "no name at all"},
	}
	for _, tt := range tests {
		matched, scanned := matchAndScan(t, m, tt.text)
		for _, run := range []struct {
			name string
			hits []canary.Hit
		}{{"Match", matched}, {"Scan", scanned}} {
			var got []canary.Hit
			for _, h := range run.hits {
				if h.Field == canary.FieldPhone {
					got = append(got, h)
				}
			}
			if !assert.Len(t, got, 1, "%s %q: %s", run.name, tt.text, tt.why) {
				continue
			}
			h := got[0]
			if tt.want != "" {
				assert.Equal(t, canary.Likely, h.Confidence, "%s %q: %s", run.name, tt.text, tt.why)
				assert.Equal(t, named[tt.want].ID, h.Seed.ID, "%s %q: %s: got %s", run.name, tt.text, tt.why, h.Seed.Name)
				assert.Empty(t, h.Candidates, "%s %q: a resolved hit lists no candidates", run.name, tt.text)
				continue
			}
			assert.Equal(t, canary.Ambiguous, h.Confidence, "%s %q: %s: got %s", run.name, tt.text, tt.why, h.Seed.Name)
			if !assert.Len(t, h.Candidates, len(all), "%s %q: every candidate is listed", run.name, tt.text) {
				continue
			}
			assert.Equal(t, h.Candidates[0].ID, h.Seed.ID, "%s %q: the hit's seed is the best candidate", run.name, tt.text)
			var lead []string
			for _, c := range h.Candidates[:len(tt.first)] {
				lead = append(lead, c.Name.String())
			}
			assert.ElementsMatch(t, tt.first, lead, "%s %q: %s: best evidence first", run.name, tt.text, tt.why)
			if len(tt.first) == 0 {
				var ids []uuid.UUID
				for _, c := range h.Candidates {
					ids = append(ids, c.ID)
				}
				var want []uuid.UUID
				for _, s := range all {
					want = append(want, s.ID)
				}
				assert.Equal(t, want, ids, "%s %q: with no evidence, candidates stay in registry order", run.name, tt.text)
			}
		}
	}
}

// A seed known by one name has no full name: its name beside any word is
// only a partial match, which another candidate's name makes ambiguous.
func TestMatchSharedNumberOneName(t *testing.T) {
	reg := canary.NewMemoryRegistry()
	prince, other := canarytest.Seed(600, "crm/us"), canarytest.Seed(601, "crm/us")
	prince.Name = canary.Name{Given: "Prince"}
	other.Name = canary.Name{Given: "Odette", Family: "Vance"}
	prince.Phone, other.Phone = "+17025550188", "+17025550188"
	require.NoError(t, reg.Add(context.Background(), prince, other))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	for _, tt := range []struct {
		text string
		want canary.Confidence
		why  string
	}{
		{"Prince Vance 702-555-0188", canary.Ambiguous, "one candidate's given name beside the other's family name"},
		{"Prince Charming 702-555-0188", canary.Likely, "the one name alone, nothing else named"},
	} {
		matched, scanned := matchAndScan(t, m, tt.text)
		for _, hits := range [][]canary.Hit{matched, scanned} {
			require.Len(t, hits, 1, tt.why)
			assert.Equal(t, tt.want, hits[0].Confidence, "%q: %s", tt.text, tt.why)
			assert.Equal(t, prince.ID, hits[0].Seed.ID, "%q: %s", tt.text, tt.why)
		}
	}
}

// In a dump, each shared-number hit is resolved by its own line alone: a
// name on the next row says nothing about this one.
func TestScanSharedNumberByLine(t *testing.T) {

	m, named, _ := sharedFixture(t)
	var dump bytes.Buffer
	dump.WriteString("INSERT INTO customers VALUES\n")
	dump.WriteString("(1,'Deborah','Quint','(702) 555-0177','Holland & Co'),\n")
	dump.WriteString("(2,'Mary','Johnson','(702) 555-0177','Yee Bakery'),\n")
	dump.WriteString("(3,'Kevin','Holland','702-555-0177',NULL);\n")
	hits := scanAll(t, m, &dump)
	require.Len(t, hits, 3)
	assert.Equal(t, named["Deborah Quint"].ID, hits[0].Seed.ID, "own row, full name")
	assert.Equal(t, canary.Ambiguous, hits[1].Confidence, "a stranger's full name: got %s", hits[1].Seed.Name)
	assert.Equal(t, named["Kevin Holland"].ID, hits[2].Seed.ID, "own row, full name")
}
