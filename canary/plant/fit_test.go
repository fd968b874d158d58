package plant

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// TestDripPlantsInAnIDGap: a seed goes into a gap among the newest ids,
// with a time and a ticket between its neighbours', so no order breaks
// and no later real ticket can be smaller.
func TestDripPlantsInAnIDGap(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		m, shape, base := gapHost(t, h, 60, 50) // ids 51..53 unused: a gap between 50 and 54
		seed := testSeeds(1)[0]
		seed.Phone, seed.Fields = "", nil
		reg := canary.NewMemoryRegistry()
		now := base.Add(100 * time.Hour)
		d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Clock: newFakeClock(now), Force: true}, []Planned{{Seed: seed, At: now}})
		require.NoError(t, err)
		planted, err := d.Step(ctx)
		require.NoError(t, err)
		require.Len(t, planted, 1)

		var id int64
		var ticket, created string
		require.NoError(t, h.db.QueryRow(`SELECT id, ticket, created_at FROM crm WHERE email = `+h.dialect.placeholder(1), seed.Email).Scan(&id, &ticket, &created))
		assert.True(t, id > 50 && id < 54, "in the gap: id %d", id)
		_, n, ok := ticketShape(ticket)
		require.True(t, ok)
		assert.True(t, n > 1500 && n < 1510, "a ticket between its neighbours': %s", ticket)
		at, err := time.Parse(DefaultTextLayout, created)
		require.NoError(t, err)
		assert.True(t, at.After(base.Add(50*time.Hour)) && at.Before(base.Add(51*time.Hour)), "a time between its neighbours': %s", created)
		got, err := reg.Get(ctx, seed.ID)
		require.NoError(t, err)
		assert.Equal(t, ticket, got.Ticket, "registered with the ticket it was planted with")
		assert.Equal(t, now, got.PlantedAt, "planted now, whatever its creation time")

		// A second seed: into what is left of the gap, or, when the first
		// left no room, appended once it has waited for another in vain.
		seed2 := testSeeds(2)[1]
		seed2.Phone, seed2.Fields = "", nil
		clock := newFakeClock(now)
		d2, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Clock: clock, Force: true}, []Planned{{Seed: seed2, At: now}})
		require.NoError(t, err)
		for at := now; d2.Pending() > 0; at, _ = d2.Next() {
			clock.set(at)
			_, err = d2.Step(ctx)
			require.NoError(t, err)
		}
		assert.Equal(t, 62, count(t, h, "crm"))
		// However each went in, ids, times and tickets still follow each other.
		rows, err := h.db.Query(`SELECT ticket, created_at FROM crm ORDER BY id`)
		require.NoError(t, err)
		defer rows.Close()
		var prevT uint64
		var prevAt string
		for rows.Next() {
			require.NoError(t, rows.Scan(&ticket, &created))
			_, n, _ := ticketShape(ticket)
			assert.Greater(t, n, prevT, "tickets in id order")
			assert.Greater(t, created, prevAt, "times in id order")
			prevT, prevAt = n, created
		}
		require.NoError(t, rows.Err())
	})
}

func TestPhoneFormatMix(t *testing.T) {
	p := &prepared{m: Mapping{PhoneFormat: National, PhoneFormats: map[PhoneFormat]float64{National: 0.75, "###-###-####": 0.25}}}
	counts := map[PhoneFormat]int{}
	seeds := testSeeds(2000)
	for _, s := range seeds {
		counts[p.phoneFormat(s)]++
		assert.Equal(t, p.phoneFormat(s), p.phoneFormat(s), "the same seed, the same format")
	}
	assert.InDelta(t, 1500, counts[National], 80)
	assert.InDelta(t, 500, counts["###-###-####"], 80)

	_, err := prepareWith(context.Background(), nil, nil, Mapping{Table: "t", Email: "e", PhoneFormats: map[PhoneFormat]float64{"#": -1}}, false)
	assert.ErrorIs(t, err, ErrMapping, "a bad pattern or weight is refused")
}

func TestPhoneArea(t *testing.T) {
	cases := []struct{ e164, want string }{
		{"+14155550132", "+1 415"},
		{"+442079460000", "+44 20"},
		{"+447700900123", "+44 7700"},
		{"not a number", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, phoneArea(c.e164), c.e164)
	}
}

func TestApplyAddsTheHostsHandles(t *testing.T) {
	s := Shape{EmailPatterns: map[canary.EmailPattern]float64{canary.GivenDotFamily: 0.6, canary.GivenDigits: 0.4},
		Messiness: Messiness{Handle: 0.2}}
	cfg := s.Apply(canary.Config{EmailDomains: []string{"mail.example"}})
	assert.InDelta(t, 0.2, cfg.EmailPatterns[canary.Handle], 1e-9)
	assert.InDelta(t, 0.48, cfg.EmailPatterns[canary.GivenDotFamily], 1e-9)
	cfg.Seed, cfg.NoTickets = [32]byte{4}, true
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("p", 400)
	require.NoError(t, err)
	handles := 0
	for _, sd := range seeds {
		local, _, _ := strings.Cut(sd.Email, "@")
		given := strings.ToLower(strings.Fields(sd.Name.Given)[0])
		if !strings.Contains(local, given) {
			handles++
		}
	}
	assert.InDelta(t, 80, handles, 25, "a fifth of the addresses spell no name")
}

func TestFillerPutsSeedsInTheHostsTowns(t *testing.T) {
	s := Shape{PhoneRegion: "US", Columns: []ColumnProfile{
		{Name: "email", Role: "email", Rows: 100},
		{Name: "phone", Role: "phone", Rows: 100},
		{Name: "city", Rows: 100, Distinct: 2, MaxLen: 13, Values: []ValueCount{{"San Francisco", 90}, {"Chicago", 10}}},
	}}
	f, err := NewFiller(s, Mapping{Table: "t", Email: "email", Phone: "phone"}, FillOptions{Seed: [32]byte{3}})
	require.NoError(t, err)
	seeds := testSeeds(200)
	for i := range seeds {
		seeds[i].Phone = "+14155550100" // a San Francisco area code
		seeds[i].Fields = nil
	}
	out := f.Fill(seeds)
	sf := 0
	for _, sd := range out {
		if sd.Fields["city"] == "San Francisco" {
			sf++
		}
		assert.NotEqual(t, "Chicago", sd.Fields["city"], "a town the number's area does not serve is never drawn")
	}
	assert.Greater(t, sf, 150, "the host's own town of the area, as often as its rows are in listed towns")
}

func TestLearnNames(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		h.exec(t, `CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT)`)
		rows := []struct {
			given, family string
			n             int
			why           string
		}{
			{"Mary", "Smith", 6, "listed: six rows"},
			{"MARY", "SMITH", 2, "the same names in capitals: counted with them"},
			{"José", "García", 3, "listed: three rows"},
			{"Zoë", "Quell", 2, "listed: two rows, the threshold"},
			{"Qwzx", "Xyzzyq", 1, "one row: counted in the tail, never listed"},
			{"", "", 1, "blank: neither"},
		}
		id := 0
		for _, r := range rows {
			for range r.n {
				id++
				h.exec(t, fmt.Sprintf(`INSERT INTO people VALUES (%d, '%s', '%s', 'p%d@mail.example')`, id, r.given, r.family, id))
			}
		}
		h.exec(t, fmt.Sprintf(`INSERT INTO people VALUES (%d, NULL, NULL, 'null@mail.example')`, id+1))
		shape, err := Learn(ctx, h.db, Mapping{Table: "people", GivenName: "first_name", FamilyName: "last_name", Email: "email"}, LearnOptions{})
		require.NoError(t, err)
		n := shape.Names
		assert.Equal(t, []canary.NameCount{{Name: "Mary", Rows: 8}, {Name: "José", Rows: 3}, {Name: "Zoë", Rows: 2}}, n.Given, "capitalised spelling, folded counts, commonest first")
		assert.Equal(t, []canary.NameCount{{Name: "Smith", Rows: 8}, {Name: "García", Rows: 3}, {Name: "Quell", Rows: 2}}, n.Family)
		assert.Equal(t, 15, n.Rows, "rows with a name, blanks included, NULL not")
		require.Len(t, n.GivenTail, 8)
		assert.Equal(t, 1, n.GivenTail[7], "a name the census lacks is in the last band")
		assert.Equal(t, 1, n.FamilyTail[7])
		dump := fmt.Sprintf("%#v", shape)
		assert.NotContains(t, strings.ToLower(dump), "qwzx", "a name one row holds is never in the shape")
		one, err := Learn(ctx, h.db, Mapping{Table: "people", GivenName: "first_name", FamilyName: "last_name", Email: "email"}, LearnOptions{MinNameCount: 1})
		require.NoError(t, err)
		assert.NotContains(t, strings.ToLower(fmt.Sprintf("%#v", one)), "qwzx", "not even when asked to list names one row holds")

		cfg := shape.Apply(canary.Config{EmailDomains: []string{"mail.example"}, Seed: [32]byte{1}, NoTickets: true,
			Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
		assert.Equal(t, n.Given, cfg.HostNames.Given, "Apply hands the names to the Generator")
		g, err := canary.NewGenerator(cfg)
		require.NoError(t, err)
		seeds, err := g.Generate("p", 200)
		require.NoError(t, err)
		listed := 0
		for _, s := range seeds {
			if s.Name.Given == "Mary" || s.Name.Given == "José" || s.Name.Given == "Zoë" {
				listed++
			}
		}
		// 13 of 15 rows hold a listed given name.
		assert.InDelta(t, 13.0/15*200, listed, 25, "seeds hold the host's names at its rate")
	})
}

func TestLearnNamesFromFullName(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		h.exec(t, `CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT)`)
		rows := []struct {
			name string
			n    int
			why  string
		}{
			{"Mary Smith", 3, "both parts listed"},
			{"Mary Ann Jones", 1, "a middle name: Mary counted, Jones alone in the tail"},
			{"John  Smith ", 1, "spaces aside: Smith counted"},
			{"Cher", 1, "one word: neither part known"},
		}
		id := 0
		for _, r := range rows {
			for range r.n {
				id++
				h.exec(t, fmt.Sprintf(`INSERT INTO people VALUES (%d, '%s', 'p%d@mail.example')`, id, r.name, id))
			}
		}
		shape, err := Learn(ctx, h.db, Mapping{Table: "people", FullName: "name", Email: "email"}, LearnOptions{})
		require.NoError(t, err)
		assert.Equal(t, []canary.NameCount{{Name: "Mary", Rows: 4}}, shape.Names.Given)
		assert.Equal(t, []canary.NameCount{{Name: "Smith", Rows: 4}}, shape.Names.Family)
		assert.Equal(t, 6, shape.Names.Rows)
		assert.NotContains(t, fmt.Sprintf("%#v", shape.Names), "Jones", "a name one row holds is never listed")
	})
}

func TestProposeMailboxes(t *testing.T) {
	s := Shape{
		EmailDomains: map[string]float64{"gmail.example": 0.6, "yahoo.example": 0.3, "harbor.example": 0.004},
		Domains:      DomainProfile{Addresses: 1000, Big: 0.9},
		Names:        canary.HostNames{Rows: 100, Given: []canary.NameCount{{Name: "Ann", Rows: 50}}},
	}
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	taken := "ann.smith@gmail.example"
	got, err := s.ProposeMailboxes(300, MailboxOptions{Seed: [32]byte{2}, Now: now, Region: "us",
		Exclude: func(f canary.Field, v string) bool { return f == canary.FieldEmail && v == taken }})
	require.NoError(t, err)
	require.Len(t, got, 300)
	at := map[string]int{}
	seen := map[string]bool{}
	anns := 0
	for _, p := range got {
		local, domain, ok := strings.Cut(p.Address, "@")
		require.True(t, ok)
		at[domain]++
		assert.False(t, seen[p.Address], "unique")
		seen[p.Address] = true
		assert.NotEqual(t, taken, p.Address, "an excluded address is never proposed")
		assert.True(t, ProviderAccepts(domain, local))
		if p.Given == "Ann" {
			anns++
		}
		assert.Positive(t, p.Born)
	}
	assert.Zero(t, at["harbor.example"], "a small domain is nobody's provider")
	assert.InDelta(t, 200, at["gmail.example"], 30, "spread as the host's addresses are")
	assert.InDelta(t, 150, anns, 35, "named as the host's rows are")

	_, err = Shape{}.ProposeMailboxes(3, MailboxOptions{})
	assert.ErrorIs(t, err, ErrInvalidInput, "no provider known")
	_, err = s.ProposeMailboxes(-1, MailboxOptions{})
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestCheckDomainsCountsMailboxes(t *testing.T) {
	s := Shape{
		EmailDomains: map[string]float64{"gmail.example": 0.8},
		Domains:      DomainProfile{Addresses: 1000, Big: 0.9, SmallRepeats: []int{100}},
	}
	need := s.Needs(30)
	assert.Equal(t, AddressNeeds{Mailboxes: 27, MinMailboxes: 23, Domains: 30}, s.needs(30, 0), "no mailbox: one domain a seed")
	assert.Equal(t, AddressNeeds{Mailboxes: 27, MinMailboxes: 23, Domains: 3}, need)
	boxes := func(n int, domain string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("m%d@%s", i, domain))
		}
		return out
	}
	domains := []string{"a.example", "b.example", "c.example", "d.example", "e.example", "f.example", "g.example", "h.example"}
	cases := []struct {
		cfg canary.Config
		ok  bool
		why string
	}{
		{canary.Config{Mailboxes: boxes(27, "gmail.example"), EmailDomains: domains[:3]}, true, "as Needs says"},
		{canary.Config{Mailboxes: boxes(23, "gmail.example"), EmailDomains: domains[:7]}, true, "the fewest mailboxes, more domains for the rest"},
		{canary.Config{Mailboxes: boxes(23, "gmail.example"), EmailDomains: domains[:3]}, false, "too few domains for the seven not on mailboxes"},
		{canary.Config{Mailboxes: boxes(22, "gmail.example"), EmailDomains: domains}, false, "one mailbox short"},
		{canary.Config{Mailboxes: boxes(27, "mine.example"), EmailDomains: domains}, false, "mailboxes at a small domain hide nothing"},
		{canary.Config{Mailboxes: boxes(30, "gmail.example")}, true, "mailboxes only"},
	}
	for _, c := range cases {
		err := s.CheckDomains(c.cfg, 30)
		if c.ok {
			assert.NoError(t, err, c.why)
		} else {
			assert.ErrorIs(t, err, ErrTooFewDomains, c.why)
		}
	}
	err := s.CheckDomains(canary.Config{EmailDomains: domains}, 30)
	assert.EqualError(t, err, "plant: 30 seeds need at least 23 owned mailboxes at the big providers, where 90% of this table's addresses are; the config has 0; and 30 owned domains or mailboxes for this table (its small domains hold at most 1 addresses each); the config has 8")
}

func TestMiddleInitials(t *testing.T) {
	seeds := testSeeds(2000)
	p := &prepared{m: Mapping{MiddleInitials: 0.2, MiddleInitialDot: 0.75}}
	with, dotted := 0, 0
	for _, s := range seeds {
		mi := p.middleInitial(s)
		assert.Equal(t, mi, p.middleInitial(s), "the same seed is always written the same way")
		if mi == "" {
			continue
		}
		with++
		require.True(t, isInitial(mi), "%q is an initial", mi)
		if strings.HasSuffix(mi, ".") {
			dotted++
		}
		g, err := p.value(mapped{role: roleGiven}, s)
		require.NoError(t, err)
		assert.Equal(t, s.Name.Given+" "+mi, g, "the given-name column")
		f, err := p.value(mapped{role: roleFull}, s)
		require.NoError(t, err)
		assert.Equal(t, s.Name.Given+" "+mi+" "+s.Name.Family, f, "the full-name column")
		fam, err := p.value(mapped{role: roleFamily}, s)
		require.NoError(t, err)
		assert.Equal(t, s.Name.Family, fam, "the family name as it is")
	}
	assert.InDelta(t, 0.2*2000, with, 60, "the share asked for")
	assert.InDelta(t, 0.75*float64(with), dotted, 40, "dotted as often as asked")
	assert.Empty(t, (&prepared{}).middleInitial(seeds[0]), "none unless asked")

	lower := seeds[1]
	lower.Name.Given = "mary"
	for i := range 64 { // find an ID drawn for an initial
		lower.ID[0] = byte(i)
		if (&prepared{m: Mapping{MiddleInitials: 0.5}}).middleInitial(lower) != "" {
			break
		}
	}
	mi := (&prepared{m: Mapping{MiddleInitials: 0.5}}).middleInitial(lower)
	require.NotEmpty(t, mi)
	assert.Equal(t, strings.ToLower(mi), mi, "in lower case, as the name is")

	h := newSQLite(t)
	h.exec(t, `CREATE TABLE t (email TEXT)`)
	for _, bad := range []Mapping{{MiddleInitials: -0.1}, {MiddleInitials: 1.5}, {MiddleInitialDot: math.NaN()}} {
		bad.Table, bad.Email = "t", "email"
		_, err := prepareWith(t.Context(), h.db, h.db, bad, false)
		assert.ErrorIs(t, err, ErrMapping, "%+v", bad)
	}
}

func TestApplyMappingTakesTheHostsMiddleInitials(t *testing.T) {
	var mc messCounter
	for _, g := range []string{"John A.", "Mary B.", "Ann C", "Tom", "Sue", "Kim", "Lee", "Bo"} {
		mc.name(g, "Smith", "")
	}
	s := Shape{Messiness: mc.result()}
	m := s.ApplyMapping(Mapping{})
	assert.InDelta(t, 3.0/8, m.MiddleInitials, 1e-9, "three of eight names")
	assert.InDelta(t, 2.0/3, m.MiddleInitialDot, 1e-9, "two of three with a dot")
	assert.Equal(t, 0.5, s.ApplyMapping(Mapping{MiddleInitials: 0.5}).MiddleInitials, "the mapping's own share stays")
}

// TestMiddleInitialPlantedAndChecked: a seed written with a middle initial
// goes in so, and Check finds it unchanged.
func TestMiddleInitialPlantedAndChecked(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		h.exec(t, `CREATE TABLE crm (first_name TEXT, last_name TEXT, email TEXT NOT NULL)`)
		m := Mapping{Table: "crm", GivenName: "first_name", FamilyName: "last_name", Email: "email", MiddleInitials: 1}
		seeds := testSeeds(3)
		require.NoError(t, Insert(ctx, h.db, m, seeds))
		var given string
		require.NoError(t, h.db.QueryRow(`SELECT first_name FROM crm WHERE email = `+h.dialect.placeholder(1), seeds[0].Email).Scan(&given))
		w := strings.Fields(given)
		require.Len(t, w, 2, "%q: a given name and an initial", given)
		assert.Equal(t, seeds[0].Name.Given, w[0])
		assert.True(t, isInitial(w[1]))
		rep, err := Check(ctx, h.db, m, seeds)
		require.NoError(t, err)
		assert.True(t, rep.Clean(), "planted as the mapping writes them: %+v", rep)
	})
}
