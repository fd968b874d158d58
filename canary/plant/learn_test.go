package plant

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// The known shape of the host that TestLearn builds: names from small lists,
// addresses on reserved domains in a 50/30/20 pattern mix, NANP fictional
// numbers written "(NNN) 555-01XX", tickets "SR-" and seven digits rising
// with time, sign-ups on weekdays between 09:00 and 18:00 with peaks at 10
// and 14.
var (
	knownGiven   = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Caleb"}
	knownFamily  = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris"}
	knownDomains = []string{"home.example", "isp.example.net", "family.example.org"}
	knownHours   = map[int]float64{9: 2, 10: 4, 11: 3, 12: 1, 13: 2, 14: 4, 15: 3, 16: 2, 17: 1}
	knownFrom    = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	knownTo      = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
)

const (
	knownTicketBase = 2_300_000
	knownTicketStep = 997
)

// fillKnown adds n rows of the known shape to customersDDL.
func fillKnown(t *testing.T, h *host, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	created := make([]time.Time, 0, n)
	for len(created) < n {
		day := knownFrom.AddDate(0, 0, r.IntN(int(knownTo.Sub(knownFrom).Hours()/24)))
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		created = append(created, day.Add(time.Duration(pickHour(r))*time.Hour+time.Duration(r.IntN(3600))*time.Second))
	}
	sort.Slice(created, func(i, j int) bool { return created[i].Before(created[j]) })

	tx, err := h.db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	used := map[string]bool{}
	for i, at := range created {
		var given, family, local string
		for {
			given, family = knownGiven[r.IntN(len(knownGiven))], knownFamily[r.IntN(len(knownFamily))]
			g, f := strings.ToLower(given), strings.ToLower(family)
			switch x := r.IntN(10); {
			case x < 5:
				local = g + "." + f
			case x < 8:
				local = g[:1] + f
			default:
				local = fmt.Sprintf("%s%02d", g, 60+r.IntN(40))
			}
			if !used[local] {
				used[local] = true
				break
			}
		}
		var phone any
		if r.IntN(10) > 0 {
			phone = fmt.Sprintf("(%d) 555-01%02d", 201+r.IntN(700), r.IntN(100))
		}
		_, err := tx.Exec(h.q("INSERT INTO customers (first_name, last_name, email, phone, ticket_ref, created_at, city) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			given, family, local+"@"+knownDomains[i%len(knownDomains)], phone,
			fmt.Sprintf("SR-%07d", knownTicketBase+i*knownTicketStep), hostTime(h, at), "Springfield")
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
}

func pickHour(r *rand.Rand) int {
	total := 0.0
	for _, w := range knownHours {
		total += w
	}
	x := r.Float64() * total
	for h := 0; h < 24; h++ {
		if x < knownHours[h] {
			return h
		}
		x -= knownHours[h]
	}
	return 17
}

func knownMapping() Mapping {
	m := customersMapping()
	m.PhoneFormat, m.Extra = "", nil // to be learned; extras are not learned
	return m
}

func TestLearnAndApply(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		h.exec(t, customersDDL)
		const n = 400
		fillKnown(t, h, n)
		m := knownMapping()
		shape, err := Learn(t.Context(), h.db, m, LearnOptions{})
		require.NoError(t, err)

		// What was learned is the shape that was built.
		assert.Equal(t, n, shape.Rows)
		assert.InDelta(t, 0.9*n, shape.Phones, 0.05*n)
		assert.Equal(t, National, shape.PhoneFormat, "(NNN) NNN-NNNN is the US national style")
		assert.Equal(t, 1.0, shape.PhoneShare)
		assert.Equal(t, "US", shape.PhoneRegion)
		assert.Equal(t, "SR-#######", shape.TicketFormat)
		maxTicket := uint64(knownTicketBase + (n-1)*knownTicketStep)
		assert.GreaterOrEqual(t, shape.TicketMin, uint64(knownTicketBase))
		assert.LessOrEqual(t, shape.TicketMax, maxTicket)
		assert.Greater(t, shape.TicketMax-shape.TicketMin, uint64(0.9*float64(maxTicket-knownTicketBase)), "the central 98%% is most of the range")
		assert.InDelta(t, 1.0/knownTicketStep, shape.TicketDensity, 0.0003, "one number in %d is taken", knownTicketStep)
		assert.False(t, shape.CreatedFrom.Before(knownFrom))
		assert.True(t, shape.CreatedTo.Before(knownTo))
		for hr, share := range shape.CreatedHours {
			if knownHours[hr] == 0 {
				assert.Zero(t, share, "no sign-up at %02d:00", hr)
			}
		}
		assert.InDelta(t, 4.0/22, shape.CreatedHours[10], 0.06, "the 10:00 peak")
		assert.Zero(t, shape.CreatedWeekdays[time.Saturday]+shape.CreatedWeekdays[time.Sunday], "no weekend sign-ups")
		if h.dialect == SQLite {
			assert.Equal(t, DefaultTextLayout, shape.CreatedLayout, "SQLite stores the text the host wrote")
		} else {
			assert.Empty(t, shape.CreatedLayout, "a native timestamp needs no layout")
		}
		assert.Equal(t, shape.Emails, shape.EmailsClassified, "with names, every address of the mix is classified")
		assert.InDelta(t, 0.5, shape.EmailPatterns[canary.GivenDotFamily], 0.08)
		assert.InDelta(t, 0.3, shape.EmailPatterns[canary.InitialFamily], 0.08)
		assert.InDelta(t, 0.2, shape.EmailPatterns[canary.GivenDigits], 0.07)
		assert.Len(t, shape.EmailDomains, 3)

		// The shape holds aggregates, not rows: names only as the counts of
		// those several rows share, never beside another part of a row.
		names := shape.Names
		shape.Names = canary.HostNames{}
		dump := fmt.Sprintf("%#v", shape)
		for _, name := range append(slices.Clone(knownGiven), knownFamily...) {
			assert.NotContains(t, strings.ToLower(dump), strings.ToLower(name), "no name of the host in the shape but in Names")
		}
		shape.Names = names
		assert.Equal(t, 400, names.Rows)
		require.NotEmpty(t, names.Given)
		require.NotEmpty(t, names.Family)
		for _, nc := range slices.Concat(names.Given, names.Family) {
			assert.GreaterOrEqual(t, nc.Rows, 3, "%s: a name fewer rows share is not listed", nc.Name)
		}
		assert.NotRegexp(t, `555.?01\d\d`, dump, "no phone number of the host in the shape")
		// A category every row shares is listed, as a count; nothing else of a row is.
		city, ok := shape.Column("city")
		require.True(t, ok)
		assert.Equal(t, []ValueCount{{"Springfield", 400}}, city.Values, "a value 400 rows share is a category")
		assert.Equal(t, 1, strings.Count(dump, "Springfield"), "only as a listed value")

		// Seeds generated with the applied config follow the host.
		cfg := canary.DemoConfig()
		cfg.Seed = [32]byte{42}
		cfg.Now = func() time.Time { return knownTo.AddDate(0, 1, 0) }
		cfg.PhonePool = canary.FictionalPhones("US", 300) // the operator's numbers, for a US host
		cfg.Region = ""
		applied := shape.Apply(cfg)
		assert.Equal(t, "US", applied.Region)
		assert.Equal(t, cfg.EmailDomains, applied.EmailDomains, "Apply never touches where seeds are reached")
		gen, err := canary.NewGenerator(applied)
		require.NoError(t, err)
		const k = 300
		seeds, err := gen.Generate("support-db/learned", k+20)
		require.NoError(t, err)
		// Tickets inside the live range can be real customers': drop those
		// before registering anything, as the package doc says.
		clash, err := Conflicts(t.Context(), h.db, m, seeds)
		require.NoError(t, err)
		seeds = slices.DeleteFunc(seeds, func(s canary.Seed) bool {
			return slices.ContainsFunc(clash, func(c canary.Seed) bool { return c.ID == s.ID })
		})[:k]

		planted := shape.ApplyMapping(m)
		ticketRe := regexp.MustCompile(`^SR-\d{7}$`)
		phoneRe := regexp.MustCompile(`^\(\d{3}\) \d{3}-\d{4}$`)
		hours := map[int]int{}
		patterns := map[canary.EmailPattern]int{}
		noPhone := 0
		for _, s := range seeds {
			require.Regexp(t, ticketRe, s.Ticket)
			_, num, ok := ticketShape(s.Ticket)
			require.True(t, ok)
			assert.True(t, num >= shape.TicketMin && num <= shape.TicketMax, "ticket %s inside the live range [%d, %d]", s.Ticket, shape.TicketMin, shape.TicketMax)
			if s.Phone == "" {
				noPhone++ // Apply gave the Config the host's share without a phone
			} else {
				phone, err := planted.PhoneFormat.Format(s.Phone)
				require.NoError(t, err)
				assert.Regexp(t, phoneRe, phone)
			}
			assert.False(t, s.CreatedAt.Before(shape.CreatedFrom) || s.CreatedAt.After(shape.CreatedTo), "CreatedAt %v in the host's range", s.CreatedAt)
			assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, s.CreatedAt.Weekday())
			assert.NotZero(t, knownHours[s.CreatedAt.Hour()], "created at %02d:00, when the host never is", s.CreatedAt.Hour())
			hours[s.CreatedAt.Hour()]++
			domain := s.Email[strings.LastIndexByte(s.Email, '@')+1:]
			assert.Contains(t, cfg.EmailDomains, domain, "seeds use the operator's domains, never the host's")
			local, _, _ := strings.Cut(s.Email, "@")
			nf, _ := newNameForms(s.Name.Given, s.Name.Family, "")
			if p, ok := classifyLocal(local, nf); ok {
				patterns[p]++
			}
		}
		assert.InDelta(t, shape.CreatedHours[10], float64(hours[10])/k, 0.07, "the seeds' 10:00 share follows the host's")
		assert.InDelta(t, shape.CreatedHours[14], float64(hours[14])/k, 0.07, "and the 14:00 one")
		assert.InDelta(t, shape.EmailPatterns[canary.GivenDotFamily], float64(patterns[canary.GivenDotFamily])/k, 0.1)
		assert.InDelta(t, shape.EmailPatterns[canary.InitialFamily], float64(patterns[canary.InitialFamily])/k, 0.1)
		assert.InDelta(t, 1-shape.PhoneRate(), float64(noPhone)/k, 0.05, "seeds without a phone as often as the host's rows")
		assert.Zero(t, patterns[canary.GivenUnderFamily], "a pattern the host never uses stays unused")

		// And they go in, and read back.
		require.NoError(t, Insert(t.Context(), h.db, planted, seeds))
		r, err := Check(t.Context(), h.db, planted, seeds)
		require.NoError(t, err)
		assert.Len(t, r.OK, k)
	})
}

func TestLearnSamples(t *testing.T) {
	h := newSQLite(t)
	h.exec(t, customersDDL)
	fillKnown(t, h, 400)
	shape, err := Learn(t.Context(), h.db, knownMapping(), LearnOptions{SampleSize: 100})
	require.NoError(t, err)
	assert.Equal(t, 100, shape.Rows, "a table larger than the sample is sampled")
	assert.Equal(t, "SR-#######", shape.TicketFormat)
}

func TestLearnTooFewRowsChangesNothing(t *testing.T) {
	h := newSQLite(t)
	newCustomers(t, h) // three rows
	shape, err := Learn(t.Context(), h.db, knownMapping(), LearnOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, shape.Rows)
	assert.Empty(t, shape.TicketFormat)
	assert.Empty(t, shape.PhoneFormat)
	assert.Nil(t, shape.EmailPatterns)
	cfg := canary.DemoConfig()
	got := shape.Apply(cfg)
	assert.Equal(t, cfg.TicketFormat, got.TicketFormat)
	assert.Equal(t, cfg.CreatedHours, got.CreatedHours)
	assert.Equal(t, cfg.EmailPatterns, got.EmailPatterns)
	assert.Equal(t, knownMapping(), shape.ApplyMapping(knownMapping()))
}

func TestLearnEmptyTableAndBadMapping(t *testing.T) {
	h := newSQLite(t)
	h.exec(t, customersDDL)
	shape, err := Learn(t.Context(), h.db, knownMapping(), LearnOptions{})
	require.NoError(t, err)
	assert.Zero(t, shape.Rows)

	m := knownMapping()
	m.Table = "nope"
	_, err = Learn(t.Context(), h.db, m, LearnOptions{})
	assert.ErrorIs(t, err, ErrNoTable)
	m = knownMapping()
	m.CreatedAt = "signed_up"
	_, err = Learn(t.Context(), h.db, m, LearnOptions{})
	assert.ErrorIs(t, err, ErrNoColumn)
}

func TestLearnTextLayoutsAndNumbers(t *testing.T) {
	h := newSQLite(t)
	h.exec(t, "CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT, joined TEXT, ref INTEGER)")
	for i := range 60 {
		at := time.Date(2025, 1, 1+i%28, 8+i%10, i, 0, 0, time.UTC)
		h.exec(t, "INSERT INTO people (full_name, email, phone, joined, ref) VALUES (?, ?, ?, ?, ?)",
			fmt.Sprintf("Ann Lee%c", 'a'+i%26), fmt.Sprintf("a.lee%c@home.example", 'a'+i%26), fmt.Sprintf("+44 7700 900%03d", i),
			at.Format(time.RFC3339), 5000+i)
	}
	m := Mapping{Table: "people", FullName: "full_name", Email: "email", Phone: "phone", CreatedAt: "joined", Ticket: "ref"}
	shape, err := Learn(t.Context(), h.db, m, LearnOptions{PhoneRegion: "GB"})
	require.NoError(t, err)
	assert.Equal(t, time.RFC3339, shape.CreatedLayout, "the host's own layout, so planted rows match")
	assert.Equal(t, International, shape.PhoneFormat)
	assert.Equal(t, "GB", shape.PhoneRegion)
	assert.Equal(t, "####", shape.TicketFormat, "an integer column's numbers are read as text")
	assert.Equal(t, canary.InitialDotFamily, topPattern(shape.EmailPatterns), "a full name is split into given and family")

	cfg := canary.DemoConfig()
	cfg.Region = ""
	assert.Equal(t, "GB", shape.Apply(cfg).Region)
}

func topPattern(m map[canary.EmailPattern]float64) canary.EmailPattern {
	var best canary.EmailPattern
	for p, w := range m {
		if w > m[best] {
			best = p
		}
	}
	return best
}
