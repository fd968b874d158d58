package canary

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/names"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func demo(seed byte) Config {
	c := DemoConfig()
	c.Seed = [32]byte{seed}
	c.Now = func() time.Time { return testNow }
	return c
}

func TestGenerateIsSafeAndUnique(t *testing.T) {
	cfg := demo(1)
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	pool := map[string]bool{}
	for _, p := range cfg.PhonePool {
		e, err := NormalizePhone(p, "US")
		require.NoError(t, err)
		pool[e] = true
	}
	emails, tickets, domains := map[string]bool{}, map[string]bool{}, map[string]int{}
	ticketRe := regexp.MustCompile(`^TM-\d{8}$`)
	for _, placement := range []string{"support-db/eu", "support-db/us", "export/2026-11"} {
		seeds, err := g.Generate(placement, 400)
		require.NoError(t, err)
		require.Len(t, seeds, 400)
		for _, s := range seeds {
			e, err := NormalizeEmail(s.Email)
			require.NoError(t, err, s.Email)
			require.Equal(t, s.Email, e, "generated addresses are canonical")
			domain := e[strings.LastIndexByte(e, '@')+1:]
			require.Contains(t, cfg.EmailDomains, domain, "only configured domains")
			domains[domain]++
			key := norm.EmailKey(e)
			assert.False(t, emails[key], "email %s unique, dots ignored", s.Email)
			emails[key] = true
			assert.True(t, pool[s.Phone], "phone %s from the pool", s.Phone)
			assert.Regexp(t, ticketRe, s.Ticket)
			n, _ := NormalizeTicket(s.Ticket)
			assert.False(t, tickets[n], "ticket %s unique", s.Ticket)
			tickets[n] = true
			assert.True(t, s.CreatedAt.Before(testNow.Add(-24*time.Hour)), "CreatedAt %v is never now", s.CreatedAt)
			assert.True(t, s.CreatedAt.After(testNow.AddDate(-2, 0, -2)), "CreatedAt %v within two years", s.CreatedAt)
			assert.True(t, names.KnownGiven("US", s.Name.Given), "given %q from the tables", s.Name.Given)
			assert.True(t, names.KnownFamily("US", s.Name.Family), "family %q from the tables", s.Name.Family)
			assert.NotEmpty(t, s.Fields["city"])
			assert.NotEmpty(t, s.Fields["company"])
			assert.Equal(t, placement, s.Placement)
			assert.Equal(t, testNow, s.PlantedAt)
			err = s.Validate()
			assert.NoError(t, err, "every seed registers")
		}
	}
	for _, d := range cfg.EmailDomains {
		assert.InDelta(t, 1200/len(cfg.EmailDomains), domains[d], 2, "domain %s used evenly", d)
	}
}

// The believability checks: no tell shared by every seed.
func TestGenerateHasNoCommonTell(t *testing.T) {
	g, err := NewGenerator(demo(2))
	require.NoError(t, err)
	seeds, err := g.Generate("crm", 3000)
	require.NoError(t, err)
	digitCounts, shapes := map[int]int{}, map[string]int{}
	trailing := regexp.MustCompile(`\d+$`)
	for _, s := range seeds {
		local := s.Email[:strings.IndexByte(s.Email, '@')]
		digitCounts[len(trailing.FindString(local))]++
		shape := regexp.MustCompile(`[a-z]+`).ReplaceAllString(regexp.MustCompile(`\d+`).ReplaceAllString(local, "9"), "a")
		shapes[shape]++
		ascii := g.locals.ASCII(s.Name.Given + " " + s.Name.Family)
		parts := strings.Fields(ascii)
		assert.True(t, slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(local, p) || strings.HasPrefix(local, p[:1]) }),
			"local part %q comes from the name %q, not random letters", local, s.Name)
	}
	for n, c := range digitCounts {
		assert.Less(t, c, len(seeds)*3/4, "%d trailing digits on %d of %d", n, c, len(seeds))
	}
	assert.GreaterOrEqual(t, len(digitCounts), 4, "digit counts vary: %v", digitCounts)
	for shape, c := range shapes {
		assert.Less(t, c, len(seeds)/2, "local-part shape %q on %d of %d", shape, c, len(seeds))
	}
	assert.GreaterOrEqual(t, len(shapes), 5, "shapes: %v", shapes)

	hours := map[int]int{}
	for _, s := range seeds {
		hours[s.CreatedAt.Hour()]++
	}
	assert.Greater(t, hours[14], 3*hours[3], "more sign-ups in office hours than at night")
}

func TestGenerateReproducible(t *testing.T) {
	a, err := NewGenerator(demo(7))
	require.NoError(t, err)
	b, err := NewGenerator(demo(7))
	require.NoError(t, err)
	x, err := a.Generate("p", 50)
	require.NoError(t, err)
	y, err := b.Generate("p", 50)
	require.NoError(t, err)
	assert.Equal(t, x, y, "same Config.Seed, same seeds")

	c, err := NewGenerator(demo(8))
	require.NoError(t, err)
	z, err := c.Generate("p", 50)
	require.NoError(t, err)
	assert.NotEqual(t, x[0].Email, z[0].Email)

	random := DemoConfig()
	r1, err := NewGenerator(random)
	require.NoError(t, err)
	r2, err := NewGenerator(random)
	require.NoError(t, err)
	s1, _ := r1.Generate("p", 5)
	s2, _ := r2.Generate("p", 5)
	assert.NotEqual(t, s1[0].ID, s2[0].ID, "a zero Seed is crypto-random")
}

func TestGeneratePhoneSharing(t *testing.T) {
	cfg := demo(3)
	cfg.PhonePool = FictionalPhones("GB", 6)
	cfg.PhoneRegion = "GB"
	cfg.PhoneShare = 3
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	owner := map[string]string{}
	words := map[string]map[string]bool{}
	for _, placement := range []string{"a", "b"} {
		seeds, err := g.Generate(placement, 9)
		require.NoError(t, err)
		perNumber := map[string]int{}
		for _, s := range seeds {
			if o, ok := owner[s.Phone]; ok {
				assert.Equal(t, o, placement, "number %s stays in one placement", s.Phone)
			}
			owner[s.Phone] = placement
			perNumber[s.Phone]++
			if words[s.Phone] == nil {
				words[s.Phone] = map[string]bool{}
			}
			for _, w := range strings.Fields(NormalizeName(s.Name.String())) {
				assert.False(t, words[s.Phone][w], "no two seeds on %s share the name word %q", s.Phone, w)
				words[s.Phone][w] = true
			}
		}
		assert.Len(t, perNumber, 3, "nine seeds over three numbers, shared evenly: %v", perNumber)
		for n, c := range perNumber {
			assert.Equal(t, 3, c, n)
		}
	}
	_, err = g.Generate("c", 1)
	assert.ErrorIs(t, err, ErrPoolExhausted, "every number is held by another placement")
	more, err := g.Generate("a", 3)
	require.NoError(t, err, "a placement may go over PhoneShare on its own numbers")
	for _, s := range more {
		assert.Equal(t, "a", owner[s.Phone])
	}
}

func TestGenerateFailureLeavesGeneratorUnchanged(t *testing.T) {
	cfg := demo(4)
	cfg.PhonePool = FictionalPhones("US", 1)
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	_, err = g.Generate("a", 1)
	require.NoError(t, err)
	_, err = g.Generate("b", 1)
	require.ErrorIs(t, err, ErrPoolExhausted)
	assert.Len(t, g.emails, 1, "the failed call claimed nothing")
}

func TestGenerateRespectsRegistry(t *testing.T) {
	reg := NewMemoryRegistry()
	cfg := demo(5)
	cfg.Registry = reg
	g1, err := NewGenerator(cfg)
	require.NoError(t, err)
	first, err := g1.Generate("a", 300)
	require.NoError(t, err)
	require.NoError(t, reg.Add(context.Background(), first...))
	// A new generator with the same stream would draw the same values: the
	// registry steers it away from every one of them.
	g2, err := NewGenerator(cfg)
	require.NoError(t, err)
	second, err := g2.Generate("b", 300)
	require.NoError(t, err)
	require.NoError(t, reg.Add(context.Background(), second...), "no duplicate email or ticket")
	held := map[string]bool{}
	for _, s := range first {
		held[s.Phone] = true
	}
	for _, s := range second {
		assert.False(t, held[s.Phone], "placement b takes no number of placement a")
	}
}

func TestGenerateSpanishSeeds(t *testing.T) {
	cfg := demo(6)
	cfg.Region = "ES"
	cfg.PhonePool = []string{"+34 600 000 001", "+34 600 000 002", "+34 600 000 003"}
	cfg.PhoneShare = 40
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("es", 100)
	require.NoError(t, err)
	for _, s := range seeds {
		assert.GreaterOrEqual(t, len(strings.Fields(s.Name.Family)), 2, "two surnames (some compound): %q", s.Name.Family)
		assert.True(t, names.KnownGiven("ES", s.Name.Given), s.Name.Given)
		assert.NotRegexp(t, `[^\x00-\x7f]`, s.Email, "addresses are typed without accents")
	}
}

func TestNewGeneratorRejects(t *testing.T) {
	tests := []struct {
		mod   func(*Config)
		field string
	}{
		{func(c *Config) { c.EmailDomains = nil }, "EmailDomains"},
		{func(c *Config) { c.EmailDomains = []string{"mail.example", "gmail.com"} }, "EmailDomains[1]"},
		{func(c *Config) { c.EmailDomains = []string{"not a domain"} }, "EmailDomains[0]"},
		{func(c *Config) { c.EmailDomains = []string{"mail.example", "MAIL.example"} }, "EmailDomains[1]"},
		{func(c *Config) { c.DotInsensitiveDomains = []string{"other.example"} }, "DotInsensitiveDomains[0]"},
		{func(c *Config) { c.PhonePool = []string{"+1 415 555 0100", "555"} }, "PhonePool[1]"},
		{func(c *Config) { c.PhonePool = []string{"+1 415 555 0100", "(415) 555-0100"} }, "PhonePool[1]"},
		{func(c *Config) { c.Region = "FR" }, "Region"},
		{func(c *Config) { c.TicketFormat = "TM-##" }, "TicketFormat"},
		{func(c *Config) { c.TicketFormat = "T;M-#####" }, "TicketFormat"},
		{func(c *Config) { c.TicketMin, c.TicketMax = 9, 3 }, "TicketMin/TicketMax"},
		{func(c *Config) { c.CreatedFrom = testNow; c.CreatedTo = testNow.Add(-time.Hour) }, "CreatedFrom"},
		{func(c *Config) { c.Fields = []string{"ssn"} }, "Fields[0]"},
		{func(c *Config) { c.EmailPatterns = map[EmailPattern]float64{GivenFamily: 0} }, "EmailPatterns"},
		{func(c *Config) { c.PhoneShare = -1 }, "PhoneShare"},
	}
	for _, tt := range tests {
		c := demo(1)
		tt.mod(&c)
		_, err := NewGenerator(c)
		assert.ErrorIs(t, err, ErrInvalidConfig, tt.field)
		if err != nil {
			assert.Contains(t, err.Error(), tt.field, "the error names the field")
		}
	}
	g, err := NewGenerator(demo(1))
	require.NoError(t, err)
	_, err = g.Generate("", 1)
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = g.Generate("p", -1)
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestDemoConfigIsReserved(t *testing.T) {
	c := DemoConfig()
	for _, d := range c.EmailDomains {
		assert.True(t, d == "example" || strings.HasSuffix(d, ".example") || slices.Contains([]string{"example.com", "example.net", "example.org"}, d) ||
			strings.HasSuffix(d, ".example.com") || strings.HasSuffix(d, ".example.net") || strings.HasSuffix(d, ".example.org"),
			"%s is reserved by RFC 2606/6761", d)
	}
	for _, p := range append(c.PhonePool, FictionalPhones("GB", 50)...) {
		assert.True(t, isFictional(t, p), "%s is reserved for fiction", p)
	}
	for _, p := range FictionalPhones("AU", 10) {
		assert.True(t, isFictional(t, p), p)
	}
}

// isFictional knows the ranges regulators set aside for drama.
func isFictional(t *testing.T, p string) bool {
	e, err := NormalizePhone(p, "US")
	require.NoError(t, err)
	switch {
	case strings.HasPrefix(e, "+1"):
		return len(e) == 12 && e[5:9] == "5550" && e[9] == '1' // NPA-555-01XX
	case strings.HasPrefix(e, "+447700900"), strings.HasPrefix(e, "+4420794600"):
		return true
	case strings.HasPrefix(e, "+6149157015") && e[11] >= '6', strings.HasPrefix(e, "+6125550"):
		return true
	}
	return false
}

// BenchmarkGenerate measures whole seeds (name, address, shared number,
// ticket, times, city and company) in batches of 1,000, with DemoConfig's pool
// and sharing rules; a fresh Generator every 4,000 seeds keeps the pool from
// running dry (the reset is not timed).
func BenchmarkGenerate(b *testing.B) {
	cfg := demo(9)
	cfg.PhonePool = FictionalPhones("US", 1000)
	cfg.TicketFormat, cfg.TicketMin, cfg.TicketMax = "TM-##########", 0, 0
	var g *Generator
	made := 0
	b.ReportAllocs()
	const batch = 1000
	for b.Loop() {
		if made%4000 == 0 {
			b.StopTimer()
			var err error
			g, err = NewGenerator(cfg)
			require.NoError(b, err)
			b.StartTimer()
		}
		if _, err := g.Generate("p", batch); err != nil {
			b.Fatal(err)
		}
		made += batch
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/seed")
}

func TestGeneratePrefersNumbersOfTheNamesCountry(t *testing.T) {
	cfg := demo(11)
	cfg.Region = "GB"
	cfg.PhonePool = append(FictionalPhones("US", 40), FictionalPhones("GB", 10)...)
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("uk", 40)
	require.NoError(t, err)
	for _, s := range seeds {
		assert.True(t, strings.HasPrefix(s.Phone, "+44"), "British names get British numbers while there are any: %s", s.Phone)
	}
}

func TestGenerateAvoidsHostValues(t *testing.T) {
	cfg := demo(12)
	cfg.TicketMin, cfg.TicketMax = 10_400_000, 10_400_099 // a narrow live range
	held := map[string]bool{}
	for n := uint64(10_400_000); n < 10_400_090; n++ {
		held[FormatTicket(cfg.TicketFormat, n)] = true // real customers hold most of it
	}
	cfg.Exclude = func(f Field, v string) bool { return f == FieldTicket && held[v] }
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("p", 8)
	require.NoError(t, err)
	for _, s := range seeds {
		assert.False(t, held[s.Ticket], "%s belongs to a real customer", s.Ticket)
	}
	assert.Equal(t, "TM-10400132", FormatTicket("TM-########", 10400132))
}

// A host whose rows all hold one given name gives seeds that name, until
// no number can take another seed of it: then a population name, rather
// than a failed Generate.
func TestGenerateHostNamesFallBack(t *testing.T) {
	cfg := DemoConfig()
	cfg.PhonePool = FictionalPhones("US", 3)
	cfg.PhoneShare = 4
	cfg.NoTickets = true
	cfg.Seed = [32]byte{6}
	cfg.HostNames = HostNames{Rows: 100, Given: []NameCount{{Name: "Real", Rows: 100}}}
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("p", 12)
	require.NoError(t, err)
	reals := 0
	for _, s := range seeds {
		if s.Name.Given == "Real" {
			reals++
		}
	}
	assert.Equal(t, 3, reals, "one seed of the name a number")
}
