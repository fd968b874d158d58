package plant

import (
	"maps"
	"slices"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// Shape is what Learn infers about the host's rows: formats, ranges and
// mixes, counted over a sample. It holds aggregates only, never a row: no
// name, address or number of a real customer is in it, except the ticket
// numbers at the edges of the live range (TicketMin, TicketMax) and email
// domains that at least 5 sampled rows and 1% share.
type Shape struct {
	// Rows is how many rows were read.
	Rows int

	// Phones is how many phone values read as numbers; PhoneFormat is the
	// way most of them are written (a named style when one explains at least
	// as many as the most common pattern), PhoneShare the share it explains,
	// PhoneRegion the country most numbers belong to. Seed numbers come from
	// Config.PhonePool whatever the host holds: a pool of this region is what
	// lets them pass for the host's.
	Phones      int
	PhoneFormat PhoneFormat
	PhoneShare  float64
	PhoneRegion string
	// PhoneFormats is the host's mix of ways of writing numbers: each
	// pattern at least LearnOptions.MinValueCount rows and 1% of the phones
	// share, with its share of the phones.
	PhoneFormats map[PhoneFormat]float64
	// PhoneAreas is the share of the host's numbers in each area ("+1 415":
	// country code and area code), for the areas at least
	// LearnOptions.MinValueCount rows share: where to hold owned numbers,
	// since a seed's place follows its number's area.
	PhoneAreas map[string]float64

	// Tickets is how many ticket values read as references; TicketFormat is
	// the most common format ("TM-########"), TicketShare its share, and
	// TicketMin and TicketMax the central 98% of its numbers: the live range.
	// TicketDensity estimates the share of the numbers in that range the
	// host already uses: near 1 (sequential numbering), seed tickets inside
	// the range will mostly collide with real ones (see Conflicts).
	Tickets              int
	TicketFormat         string
	TicketShare          float64
	TicketMin, TicketMax uint64
	TicketDensity        float64

	// Created is how many creation times were read; CreatedFrom and
	// CreatedTo bound their central 98%, CreatedHours and CreatedWeekdays
	// (Sunday first) are the shares falling in each local hour and weekday of
	// CreatedZone (Mapping.Zone). CreatedLayout is how the host writes them
	// when it stores text or numbers (see Mapping.CreatedLayout); "" for
	// native timestamps.
	Created         int
	CreatedFrom     time.Time
	CreatedTo       time.Time
	CreatedHours    [24]float64
	CreatedWeekdays [7]float64
	CreatedZone     *time.Location
	CreatedLayout   string

	// Emails is how many addresses were read, EmailsClassified how many of
	// them fit a canary.EmailPattern (judged against the row's name when the
	// mapping has name columns, else by shape alone), and EmailPatterns the
	// shares of each pattern among those.
	Emails           int
	EmailsClassified int
	EmailPatterns    map[canary.EmailPattern]float64

	// EmailDomains is the share of each domain among the addresses, for
	// information only: seeds always use Config.EmailDomains, domains the
	// operator owns, never the host's.
	EmailDomains map[string]float64

	// Total is how many rows the table held.
	Total int
	// Columns profiles every column of the table, mapped or not, in table
	// order; EmptyPatterns counts the rows by which columns they leave empty
	// together, most common first. See Filler, which plants the columns the
	// Mapping leaves out as the host fills them.
	Columns       []ColumnProfile
	EmptyPatterns []EmptyPattern
	// Order says whether ids, creation times and tickets follow each other,
	// and the gaps between neighbours; Arrival how many rows the host takes
	// a day and a month.
	Order   OrderProfile
	Arrival ArrivalProfile
	// Domains is the spread of the host's addresses over domains, Sharing
	// how its rows share phone numbers, Messiness how untidy its names and
	// addresses are.
	Domains   DomainProfile
	Sharing   PhoneSharing
	Messiness Messiness
	// Names are the host's commonest given and family names, each held by
	// at least LearnOptions.MinNameCount rows, with their counts: Apply
	// gives them to the Generator, so seeds' names repeat as often among
	// the table's rows as real customers' do.
	Names canary.HostNames
}

// PhoneRate is the share of rows with a phone number; 0 when the Mapping
// has no phone column.
func (s Shape) PhoneRate() float64 {
	for _, c := range s.Columns {
		if c.Role == "phone" && c.Rows > 0 {
			return 1 - c.EmptyRate()
		}
	}
	return 0
}

// Apply returns cfg with the learned parts filled in: TicketFormat,
// TicketMin and TicketMax (unless cfg.NoTickets), CreatedFrom, CreatedTo,
// CreatedHours, CreatedWeekdays and CreatedZone, EmailPatterns (with the
// host's share of handles, Messiness.Handle, as canary.Handle), Region
// when cfg has none and the host's phones are of a region the Generator has
// names for, Phoneless (the host's share of rows without a phone) when cfg
// has none, Households when most of the host's shared numbers are
// households, and PhoneShare, when cfg has none, to the host's own rows per
// number (1 where few share), so seeds share numbers no more than the
// host's rows do; HostNames, when cfg has none, to the host's commonest
// names; and MailboxShare, when cfg has none and both Mailboxes and
// EmailDomains, to the host's share of addresses at the big providers
// (Domains.Big), so seeds sit at mailboxes as often as customers sit at
// the big providers. Parts not learned keep cfg's values. Apply never touches
// EmailDomains, PhonePool or PhoneRegion: where seeds can be reached stays
// the operator's choice.
func (s Shape) Apply(cfg canary.Config) canary.Config {
	if s.TicketFormat != "" && !cfg.NoTickets {
		cfg.TicketFormat, cfg.TicketMin, cfg.TicketMax = s.TicketFormat, s.TicketMin, s.TicketMax
	}
	if s.CreatedFrom.Before(s.CreatedTo) {
		cfg.CreatedFrom, cfg.CreatedTo = s.CreatedFrom, s.CreatedTo
		cfg.CreatedHours, cfg.CreatedWeekdays = s.CreatedHours, s.CreatedWeekdays
		cfg.CreatedZone = s.CreatedZone
	}
	if len(s.EmailPatterns) > 0 {
		cfg.EmailPatterns = s.emailMix()
	}
	if cfg.Region == "" && slices.Contains(names.Regions(), s.PhoneRegion) {
		cfg.Region = s.PhoneRegion
	}
	if cfg.Phoneless == 0 && s.hasPhoneColumn() {
		cfg.Phoneless = 1 - s.PhoneRate()
	}
	if s.Sharing.Shared > 0 && s.Sharing.HouseholdShare() >= 0.5 {
		cfg.Households = true
	}
	if cfg.PhoneShare == 0 && s.Sharing.WithPhone > 0 {
		cfg.PhoneShare = s.Sharing.seedsPerNumber()
	}
	if cfg.HostNames.Rows == 0 && s.Names.Rows > 0 {
		cfg.HostNames = canary.HostNames{Rows: s.Names.Rows, Given: slices.Clone(s.Names.Given), Family: slices.Clone(s.Names.Family),
			GivenTail: slices.Clone(s.Names.GivenTail), FamilyTail: slices.Clone(s.Names.FamilyTail)}
	}
	if cfg.MailboxShare == 0 && len(cfg.Mailboxes) > 0 && len(cfg.EmailDomains) > 0 && s.Domains.Addresses > 0 {
		cfg.MailboxShare = s.Domains.Big
	}
	return cfg
}

// ApplyMapping returns m with the host's phone format and creation-time
// layout filled in where m leaves them empty; with the phone format, the
// host's mix of formats (PhoneFormats) when it writes numbers more than
// one way; and the host's share of names written with a middle initial
// (MiddleInitials, MiddleInitialDot) when m sets none.
func (s Shape) ApplyMapping(m Mapping) Mapping {
	if m.PhoneFormat == "" {
		m.PhoneFormat = s.PhoneFormat
		if m.PhoneFormats == nil && len(s.PhoneFormats) > 1 {
			m.PhoneFormats = maps.Clone(s.PhoneFormats)
		}
	}
	if m.CreatedLayout == "" {
		m.CreatedLayout = s.CreatedLayout
	}
	if m.MiddleInitials == 0 && s.Messiness.MiddleInitial > 0 {
		m.MiddleInitials, m.MiddleInitialDot = s.Messiness.MiddleInitial, s.Messiness.MiddleInitialDot
	}
	return m
}

// emailMix is the host's mix of local-part patterns, nil when not learned:
// EmailPatterns is of the addresses that spell a name, and the host's
// handles ("sunnyfox87", Messiness.Handle) are the rest, which seeds take
// as often.
func (s Shape) emailMix() map[canary.EmailPattern]float64 {
	if len(s.EmailPatterns) == 0 {
		return nil
	}
	mix := maps.Clone(s.EmailPatterns)
	if h := s.Messiness.Handle; h > 0 && h < 1 && mix[canary.Handle] == 0 {
		for p, w := range mix {
			mix[p] = w * (1 - h)
		}
		mix[canary.Handle] = h
	}
	return mix
}
