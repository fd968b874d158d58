package canary

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary/internal/gen"
	"github.com/honeyseed/honeyseed/canary/internal/names"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Config says what seeds a Generator makes. Only EmailDomains (or Mailboxes)
// is required; every other field has a documented default. Use DemoConfig for
// tests and demos.
type Config struct {
	// EmailDomains are domains the operator owns and receives mail for: every
	// seed address not on one of Mailboxes is on one of them, and they are used
	// evenly. Required unless Mailboxes is set. Well-known public mailbox
	// providers (gmail.com, outlook.com, ...) are refused: an address the
	// generator makes up there would belong to a stranger.
	EmailDomains []string

	// Mailboxes are exact addresses the operator created and reads, at any
	// provider, gmail.com included ("m.kelly1987@gmail.com"). Each is given to
	// one seed, ever: one already in Registry (or in Exclude) is skipped. A seed
	// on a mailbox gets a name and birth year its local part fits ("mkelly1987":
	// a Kelly born in 1987 whose given name starts with M). While free ones are
	// left, a call of n seeds puts min(n, free) of them on mailboxes, spread
	// through the batch. How each is read (IMAP host, user, credential) is not
	// here: the serve config's inbound.IMAPMailbox entries name the same
	// addresses. Default none.
	Mailboxes []string

	// MailboxShare is the share of a call's seeds put on Mailboxes while free
	// ones are left, the rest going to EmailDomains: the host's share of
	// addresses at the big providers, where owned mailboxes hide among real
	// customers' (plant's Shape.Apply sets it). Zero: min(n, free) of n
	// seeds, as many as there are free mailboxes. Between 0 and 1.
	MailboxShare float64

	// DotInsensitiveDomains are EmailDomains whose mailboxes ignore dots in the
	// local part, as Gmail does; a contact to "jsmith@" for the seed
	// "j.smith@" there is an Exact hit rather than a Likely one (pass them to
	// the Matcher with WithDotInsensitiveDomains, as the CLI does). For
	// uniqueness the generator and the registries treat every domain so: two
	// seeds never differ only by dots, whatever this says.
	DotInsensitiveDomains []string

	// PhonePool holds numbers the operator owns and answers, in any format
	// (national ones read in PhoneRegion). Seeds take their Phone from it only.
	// Empty: seeds get no phone number.
	PhonePool []string

	// PhoneRegion is the ISO 3166 region for national numbers in PhonePool.
	// Default "US".
	PhoneRegion string

	// PhoneShare is how many seeds of one placement may share one number before
	// the placement claims another from the pool. A number never serves two
	// placements, nor two seeds with the same given or family name (but see
	// Households). Default 4. Which held number a seed gets is drawn at
	// random among the least used, so planting order shows no rotation.
	PhoneShare int

	// PhoneQuarantine is how long after every seed of a placement on a number
	// is retired (Seed.RetiredAt, or a planned ExpiresAt, passed) the number returns to the pool for
	// another placement, so a late scam call still names the old one. Default
	// 90 days; negative: numbers never return.
	PhoneQuarantine time.Duration

	// Phoneless is the share of seeds given no phone number, as the host's
	// rows without one (1 - plant's Shape.PhoneRate()). Default 0: every
	// seed gets a number when PhonePool is set.
	Phoneless float64

	// Households makes seeds that share a number look like the host's
	// shared numbers: a household. A seed given a number another seed
	// holds takes that seed's family name, with a given name none of the
	// number's seeds has, so a given name in an SMS still names the seed.
	// Default false: seeds sharing a number share no name word.
	Households bool

	// Region selects the population names are drawn from: "US", "GB" or "ES".
	// Default "US".
	Region string

	// HostNames are the host table's own commonest names (plant's
	// Shape.Names): seeds take a listed name as often as the host's rows
	// hold one, and a name from Region's population the host does not list
	// otherwise, so that a seed's name is no rarer among the table's rows
	// than a real customer's. Default none: population frequencies alone.
	HostNames HostNames

	// TicketFormat is the host's ticket reference format: each '#' stands for a
	// digit, everything else is literal ("TM-########"). It needs at least four
	// '#'. Default "#########". Empty TicketFormat with NoTickets set: no tickets.
	TicketFormat string
	// TicketMin and TicketMax bound the number drawn into the '#'s, so seeds sit
	// inside the host's live range. Zero: the whole range the format allows.
	TicketMin, TicketMax uint64
	// NoTickets leaves Seed.Ticket empty.
	NoTickets bool

	// CreatedFrom and CreatedTo bound Seed.CreatedAt: seeds look as old as the
	// host's real records. Default: the two years ending a day before Now.
	CreatedFrom, CreatedTo time.Time
	// CreatedHours and CreatedWeekdays weight CreatedAt by local hour of day and
	// by weekday (Sunday first), as a host's sign-ups fall. Zero: office hours on
	// weekdays, fewer at night and weekends. CreatedZone is their time zone
	// (default UTC).
	CreatedHours    [24]float64
	CreatedWeekdays [7]float64
	CreatedZone     *time.Location

	// EmailPatterns weights the local-part patterns. Zero: a mix measured on
	// real customer tables (see DefaultEmailPatterns).
	EmailPatterns map[EmailPattern]float64

	// Fields lists the extra fields every seed gets: "city", "company",
	// "postcode", "state" (a US state's postal code, a Spanish province, a
	// British nation). City, postcode and state agree with each other and,
	// where the seed's number has an area, with the number. Default none.
	Fields []string

	// Registry, when set, is consulted so that emails and tickets are unique
	// across everything registered, and phone numbers already given to a
	// placement stay with it, across Generator values and restarts.
	Registry Registry

	// Exclude, when set, reports values the host already holds: a real
	// customer's ticket number inside the live range, an address a real
	// customer uses. The generator draws again rather than collide. It is
	// given the value as the seed would carry it (field FieldEmail or
	// FieldTicket). package plant builds one from a host table.
	Exclude func(f Field, value string) bool

	// Seed makes generation reproducible: the same Seed and Config give the same
	// seeds. Zero: crypto-random (a ChaCha8 stream keyed from crypto/rand).
	Seed [32]byte

	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// HostNames is how often a host table's commonest names occur: aggregates
// over its rows, each name held by several of them, never a row.
type HostNames struct {
	// Rows is how many rows the counts are out of.
	Rows int
	// Given and Family list names with how many rows hold each, commonest
	// first.
	Given, Family []NameCount
	// GivenTail and FamilyTail count the rows holding a name not listed, by
	// how rare it is in the population: [b] counts shares in
	// [10^-(b+1), 10^-b), the last also names the population tables do not
	// hold (at most 8 entries). A seed's unlisted name is drawn as rare.
	// Nil: as the population's names fall.
	GivenTail, FamilyTail []int
}

// NameCount is a name and how many rows hold it.
type NameCount = gen.NameCount

// EmailPattern is a way people form an email local part.
type EmailPattern uint8

// The local-part patterns, shown for Jessica Smith born 1987. Their numbers
// are the generator's own (internal/gen), so the two cannot drift apart.
const (
	GivenDotFamily       = EmailPattern(gen.GivenDotFamily)       // jessica.smith
	GivenFamily          = EmailPattern(gen.GivenFamily)          // jessicasmith
	InitialFamily        = EmailPattern(gen.InitialFamily)        // jsmith
	GivenUnderFamily     = EmailPattern(gen.GivenUnderFamily)     // jessica_smith
	GivenDigits          = EmailPattern(gen.GivenDigits)          // jessica87, jessica1987, jessica4412
	FamilyInitial        = EmailPattern(gen.FamilyInitial)        // smithj
	GivenDotFamilyDigits = EmailPattern(gen.GivenDotFamilyDigits) // jessica.smith87
	InitialDotFamily     = EmailPattern(gen.InitialDotFamily)     // j.smith
	FamilyGiven          = EmailPattern(gen.FamilyGiven)          // smithjessica, smith.jessica
	GivenInitial         = EmailPattern(gen.GivenInitial)         // jessicas
	InitialFamilyDigits  = EmailPattern(gen.InitialFamilyDigits)  // jsmith1987
	Handle               = EmailPattern(gen.Handle)               // sunnyfox87: a word, not the name
)

// DefaultEmailPatterns is the pattern mix used when Config.EmailPatterns is
// empty. Weights follow the shares seen in consumer address lists: name-based
// forms dominate, a third carry digits, no single form is a majority.
func DefaultEmailPatterns() map[EmailPattern]float64 {
	return map[EmailPattern]float64{
		GivenDotFamily:       0.22,
		GivenFamily:          0.14,
		InitialFamily:        0.12,
		GivenUnderFamily:     0.04,
		GivenDigits:          0.16,
		FamilyInitial:        0.05,
		GivenDotFamilyDigits: 0.09,
		InitialDotFamily:     0.04,
		FamilyGiven:          0.04,
		GivenInitial:         0.03,
		InitialFamilyDigits:  0.07,
	}
}

// DemoConfig returns a Config that is safe anywhere: reserved email domains
// (RFC 2606 and RFC 6761 ".example" names, which never deliver) and phone
// numbers reserved for fiction (NANP 555-0100 to 555-0199 across area codes,
// Ofcom's and ACMA's drama ranges): 1,320 numbers, enough for 5,280 seeds at
// the default PhoneShare.
// It is reproducible when given a Seed; DemoConfig itself leaves Seed zero.
func DemoConfig() Config {
	// NANP sets 555-0100..0199 aside for fiction in every area code; Ofcom and
	// ACMA keep drama ranges too.
	pool := append(FictionalPhones("US", 1200), FictionalPhones("GB", 100)...)
	pool = append(pool, FictionalPhones("AU", 20)...)
	return Config{
		EmailDomains: []string{"mail.example", "inbox.example", "post.example.net", "webmail.example.org"},
		PhonePool:    pool,
		PhoneRegion:  "US",
		Region:       "US",
		TicketFormat: "TM-########",
		TicketMin:    10_400_000,
		TicketMax:    10_999_999,
		Fields:       []string{"city", "company"},
	}
}

// FictionalPhones returns the numbers reserved for drama in a region, for demo
// pools: NANP 555-0100..0199 ("US", per area code given), Ofcom's drama ranges
// ("GB": 07700 900000..900999 mobiles, 020 7946 0000..0999 London), ACMA's
// ("AU": 0491 570 156..159, 02 5550 xxxx), as E.164. n bounds how many.
func FictionalPhones(region string, n int) []string {
	var out []string
	add := func(s string) bool {
		out = append(out, s)
		return len(out) < n
	}
	switch strings.ToUpper(region) {
	case "US":
		for _, npa := range []string{"212", "312", "415", "503", "617", "702", "713", "206", "305", "404", "512", "602"} {
			for line := 100; line < 200; line++ {
				if !add(fmt.Sprintf("+1%s555%04d", npa, line)) {
					return out
				}
			}
		}
	case "GB":
		for i := range 1000 {
			if !add(fmt.Sprintf("+447700900%03d", i)) || !add(fmt.Sprintf("+442079460%03d", i)) {
				return out
			}
		}
	case "AU":
		for i := 156; i <= 159; i++ {
			if !add(fmt.Sprintf("+61491570%03d", i)) {
				return out
			}
		}
		for i := range 10000 {
			if !add(fmt.Sprintf("+6125550%04d", i)) {
				return out
			}
		}
	}
	return out
}

// publicMailboxDomains are providers whose addresses belong to the public: a
// seed there would send scammers to a stranger.
var publicMailboxDomains = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.es", "ymail.com",
	"outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.es", "live.com", "msn.com",
	"icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com",
	"gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com", "yandex.com", "yandex.ru",
	"qq.com", "163.com", "orange.fr", "free.fr", "btinternet.com", "comcast.net",
	"verizon.net", "att.net", "telefonica.net", "fastmail.com", "hey.com", "tutanota.com",
}

// DefaultPhoneQuarantine is Config.PhoneQuarantine's default.
const DefaultPhoneQuarantine = 90 * 24 * time.Hour

// knownExtraFields are the names Config.Fields accepts.
var knownExtraFields = []string{"city", "company", "postcode", "state"}

// validated returns a copy of c with defaults applied and every field checked.
// Errors wrap ErrInvalidConfig and name the field.
func (c Config) validated() (Config, []string, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if len(c.EmailDomains) == 0 && len(c.Mailboxes) == 0 {
		return c, nil, bad("EmailDomains", "no domain and no mailbox: seeds need addresses you own")
	}
	c.Mailboxes = slices.Clone(c.Mailboxes)
	for i, m := range c.Mailboxes {
		nm, err := NormalizeEmail(m)
		if err != nil {
			return c, nil, bad(fmt.Sprintf("Mailboxes[%d]", i), "%q: %v", m, err)
		}
		for j := range i {
			if norm.EmailKey(c.Mailboxes[j]) == norm.EmailKey(nm) {
				return c, nil, bad(fmt.Sprintf("Mailboxes[%d]", i), "%q is Mailboxes[%d] again", m, j)
			}
		}
		c.Mailboxes[i] = nm
	}
	if c.PhoneQuarantine == 0 {
		c.PhoneQuarantine = DefaultPhoneQuarantine
	}
	domains := make([]string, 0, len(c.EmailDomains))
	for i, d := range c.EmailDomains {
		nb, reason := norm.AppendDomain(nil, strings.TrimSpace(d))
		if reason != "" {
			return c, nil, bad(fmt.Sprintf("EmailDomains[%d]", i), "%q: %s", d, reason)
		}
		nd := string(nb)
		if slices.Contains(publicMailboxDomains, nd) {
			return c, nil, bad(fmt.Sprintf("EmailDomains[%d]", i), "%q is a public mailbox provider: its addresses belong to strangers", d)
		}
		if slices.Contains(domains, nd) {
			return c, nil, bad(fmt.Sprintf("EmailDomains[%d]", i), "%q given twice", d)
		}
		domains = append(domains, nd)
	}
	for i, d := range c.DotInsensitiveDomains {
		nd, reason := norm.AppendDomain(nil, strings.TrimSpace(d))
		if reason != "" || !slices.Contains(domains, string(nd)) {
			return c, nil, bad(fmt.Sprintf("DotInsensitiveDomains[%d]", i), "%q is not one of EmailDomains", d)
		}
	}
	if c.PhoneRegion == "" {
		c.PhoneRegion = "US"
	}
	if c.PhoneShare == 0 {
		c.PhoneShare = 4
	}
	if c.PhoneShare < 0 {
		return c, nil, bad("PhoneShare", "%d is negative", c.PhoneShare)
	}
	if !(c.Phoneless >= 0 && c.Phoneless <= 1) {
		return c, nil, bad("Phoneless", "%v is not a share between 0 and 1", c.Phoneless)
	}
	if c.Region == "" {
		c.Region = "US"
	}
	c.Region = strings.ToUpper(c.Region)
	if !slices.Contains(names.Regions(), c.Region) {
		return c, nil, bad("Region", "%q: supported regions are US, GB and ES", c.Region)
	}
	if !(c.MailboxShare >= 0 && c.MailboxShare <= 1) {
		return c, nil, bad("MailboxShare", "%v is not a share between 0 and 1", c.MailboxShare)
	}
	if c.HostNames.Rows < 0 {
		return c, nil, bad("HostNames.Rows", "%d is negative", c.HostNames.Rows)
	}
	for _, l := range []struct {
		field string
		list  []NameCount
	}{{"HostNames.Given", c.HostNames.Given}, {"HostNames.Family", c.HostNames.Family}} {
		total := 0
		for i, nc := range l.list {
			if nc.Rows <= 0 || strings.TrimSpace(nc.Name) == "" {
				return c, nil, bad(fmt.Sprintf("%s[%d]", l.field, i), "%q held by %d rows: a name held by at least one row is needed", nc.Name, nc.Rows)
			}
			total += nc.Rows
		}
		if total > c.HostNames.Rows {
			return c, nil, bad(l.field, "names held by %d rows, more than HostNames.Rows (%d)", total, c.HostNames.Rows)
		}
	}
	if c.TicketFormat == "" && !c.NoTickets {
		c.TicketFormat = "#########"
	}
	if !c.NoTickets {
		digits := strings.Count(c.TicketFormat, "#")
		if digits < 4 || digits > 18 {
			return c, nil, bad("TicketFormat", "%q needs 4 to 18 '#' digits", c.TicketFormat)
		}
		if _, reason := norm.AppendTicket(nil, strings.ReplaceAll(c.TicketFormat, "#", "0")); reason != "" {
			return c, nil, bad("TicketFormat", "%q: %s", c.TicketFormat, reason)
		}
		limit := pow10(digits) - 1
		if c.TicketMax == 0 {
			c.TicketMax = limit
		}
		if c.TicketMax > limit || c.TicketMin > c.TicketMax {
			return c, nil, bad("TicketMin/TicketMax", "[%d, %d] does not fit %d digits", c.TicketMin, c.TicketMax, digits)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CreatedZone == nil {
		c.CreatedZone = time.UTC
	}
	if c.CreatedTo.IsZero() {
		c.CreatedTo = c.Now().Add(-24 * time.Hour)
	}
	if c.CreatedFrom.IsZero() {
		c.CreatedFrom = c.CreatedTo.AddDate(-2, 0, 0)
	}
	if !c.CreatedFrom.Before(c.CreatedTo) {
		return c, nil, bad("CreatedFrom", "%v is not before CreatedTo %v", c.CreatedFrom, c.CreatedTo)
	}
	for _, w := range append(c.CreatedHours[:], c.CreatedWeekdays[:]...) {
		if w < 0 {
			return c, nil, bad("CreatedHours/CreatedWeekdays", "negative weight %v", w)
		}
	}
	if len(c.EmailPatterns) == 0 {
		c.EmailPatterns = DefaultEmailPatterns()
	}
	total := 0.0
	for p, w := range c.EmailPatterns {
		if p < GivenDotFamily || p > Handle || w < 0 {
			return c, nil, bad("EmailPatterns", "pattern %d weight %v", p, w)
		}
		total += w
	}
	if total <= 0 {
		return c, nil, bad("EmailPatterns", "all weights are zero")
	}
	for i, f := range c.Fields {
		if !slices.Contains(knownExtraFields, f) {
			return c, nil, bad(fmt.Sprintf("Fields[%d]", i), "%q: known fields are %s", f, strings.Join(knownExtraFields, ", "))
		}
	}
	return c, domains, nil
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
