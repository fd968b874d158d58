package plant

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

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
			{"José", "García", 3, "listed: three rows, the threshold"},
			{"Qwzx", "Xyzzyq", 2, "two rows: counted in the tail, never listed"},
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
		assert.Equal(t, []canary.NameCount{{Name: "Mary", Rows: 8}, {Name: "José", Rows: 3}}, n.Given, "capitalised spelling, folded counts, commonest first")
		assert.Equal(t, []canary.NameCount{{Name: "Smith", Rows: 8}, {Name: "García", Rows: 3}}, n.Family)
		assert.Equal(t, 14, n.Rows, "rows with a name, blanks included, NULL not")
		require.Len(t, n.GivenTail, 8)
		assert.Equal(t, 2, n.GivenTail[7], "a name the census lacks is in the last band")
		assert.Equal(t, 2, n.FamilyTail[7])
		dump := fmt.Sprintf("%#v", shape)
		assert.NotContains(t, strings.ToLower(dump), "qwzx", "a name two rows hold is never in the shape")

		cfg := shape.Apply(canary.Config{EmailDomains: []string{"mail.example"}, Seed: [32]byte{1}, NoTickets: true,
			Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
		assert.Equal(t, n.Given, cfg.HostNames.Given, "Apply hands the names to the Generator")
		g, err := canary.NewGenerator(cfg)
		require.NoError(t, err)
		seeds, err := g.Generate("p", 200)
		require.NoError(t, err)
		listed := 0
		for _, s := range seeds {
			if s.Name.Given == "Mary" || s.Name.Given == "José" {
				listed++
			}
		}
		// 11 of 14 rows hold a listed given name.
		assert.InDelta(t, 11.0/14*200, listed, 25, "seeds hold the host's names at its rate")
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
