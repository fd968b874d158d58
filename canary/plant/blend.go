package plant

import (
	crand "crypto/rand"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/honeyseed/honeyseed/canary"
)

// DomainShortageError is a config whose owned addresses are too few for the
// seeds asked: too few mailboxes at the big providers, where most of the
// host's customers are, or too few owned domains, so that each would hold
// more addresses than the host's own small domains do. A domain nobody else
// uses, repeated, points at the seeds, and so does a batch of seeds all at
// small domains in a table whose customers are mostly at the big providers.
type DomainShortageError struct {
	Seeds int // seeds asked for
	// NeedMailboxes and HaveMailboxes count owned mailboxes at the big
	// providers (or at domains holding at least 1% of the host's addresses);
	// BigShare is the host's share of addresses there.
	NeedMailboxes, HaveMailboxes int
	BigShare                     float64
	Need                         int // owned domains the seeds not on mailboxes need
	Have                         int // owned domains the config lists
	PerDomain                    int // the most addresses one of the host's small domains holds (95th percentile)
}

func (e *DomainShortageError) Error() string {
	var parts []string
	if e.HaveMailboxes < e.NeedMailboxes {
		parts = append(parts, fmt.Sprintf("%d owned mailboxes at the big providers, where %.0f%% of this table's addresses are; the config has %d",
			e.NeedMailboxes, 100*e.BigShare, e.HaveMailboxes))
	}
	if e.Have < e.Need {
		parts = append(parts, fmt.Sprintf("%d owned domains or mailboxes for this table (its small domains hold at most %d addresses each); the config has %d",
			e.Need, e.PerDomain, e.Have))
	}
	return fmt.Sprintf("plant: %d seeds need at least %s", e.Seeds, strings.Join(parts, "; and "))
}

// Unwrap makes the error match ErrTooFewDomains.
func (e *DomainShortageError) Unwrap() error { return ErrTooFewDomains }

// mailboxSlack is how far below the host's share of big-provider addresses
// the seeds' share may fall: the domain-frequency tell's AUC moves by half
// the gap, so 0.15 costs at most 0.075 of the audit's margin.
const mailboxSlack = 0.15

// AddressNeeds is what n seeds need of a config to hide among a host's
// addresses ([Shape.Needs]).
type AddressNeeds struct {
	// Mailboxes is how many go on owned mailboxes at the big providers: the
	// host's share of addresses there (Domains.Big) times the seeds, as
	// Shape.Apply's MailboxShare puts them. MinMailboxes is the fewest that
	// still hide them: the share less a margin of 0.15.
	Mailboxes, MinMailboxes int
	// Domains is how many owned domains the other seeds need, at most
	// Domains.MaxPerSmallDomain each.
	Domains int
}

// Needs returns what n seeds need on this host: owned mailboxes at the big
// providers (canary.Config.Mailboxes; ProposeMailboxes proposes them) for
// the host's share of addresses there, and owned domains for the rest.
func (s Shape) Needs(n int) AddressNeeds {
	if n <= 0 {
		return AddressNeeds{}
	}
	return s.needs(n, int(math.Round(s.Domains.Big*float64(n))))
}

// needs is Needs when onMail of the n seeds go on mailboxes.
func (s Shape) needs(n, onMail int) AddressNeeds {
	per := s.Domains.MaxPerSmallDomain()
	return AddressNeeds{
		Mailboxes:    int(math.Round(s.Domains.Big * float64(n))),
		MinMailboxes: int(math.Ceil(float64(n) * max(0, s.Domains.Big-mailboxSlack))),
		Domains:      (n - onMail + per - 1) / per,
	}
}

// DomainsNeeded returns how many owned domains n seeds need when none is on
// a mailbox, so that none holds more of them than the host's small domains
// hold addresses (Domains.MaxPerSmallDomain).
func (s Shape) DomainsNeeded(n int) int { return s.needs(n, 0).Domains }

// CheckDomains refuses, with a *DomainShortageError (errors.Is
// ErrTooFewDomains) giving the numbers, a config whose owned addresses
// cannot hide n seeds among the host's (see Needs): too few Mailboxes at
// the big providers (BigProvider, or a domain holding 1% of the host's
// addresses) for the host's share of addresses there, or too few
// EmailDomains to spread the other seeds so that none stands out among the
// host's small domains. The Generator uses its domains evenly.
func (s Shape) CheckDomains(cfg canary.Config, n int) error {
	if n <= 0 {
		return nil
	}
	big := 0
	for _, m := range cfg.Mailboxes {
		if _, d, ok := strings.Cut(strings.ToLower(strings.TrimSpace(m)), "@"); ok && s.bigDomain(d) {
			big++
		}
	}
	onMail := min(len(cfg.Mailboxes), int(math.Round(s.Domains.Big*float64(n))))
	if len(cfg.EmailDomains) == 0 {
		onMail = n // every seed takes a mailbox; the Generator refuses too few
	}
	need := s.needs(n, onMail)
	if big < need.MinMailboxes || len(cfg.EmailDomains) < need.Domains {
		return &DomainShortageError{Seeds: n, NeedMailboxes: need.MinMailboxes, HaveMailboxes: big, BigShare: s.Domains.Big,
			Need: need.Domains, Have: len(cfg.EmailDomains), PerDomain: s.Domains.MaxPerSmallDomain()}
	}
	return nil
}

// bigDomain reports whether the host counts d as a big provider's.
func (s Shape) bigDomain(d string) bool {
	return BigProvider(d) || s.EmailDomains[d] >= 0.01
}

// Blend returns copies of seeds roughened to the host's habits, as far as
// that never changes how a seed is matched: names written all in capitals
// or all in lower case and addresses with capitals, at the host's rates
// (Shape.Messiness; matching ignores case), and phones dropped from seeds
// at random until the share of seeds with a phone is the host's
// (Shape.PhoneRate; a seed without a phone still has its address). It
// never adds a phone, a domain or a number. Call it after Generate and
// before registering. rngSeed zero: crypto-random.
func (s Shape) Blend(seeds []canary.Seed, rngSeed [32]byte) ([]canary.Seed, error) {
	if rngSeed == ([32]byte{}) {
		if _, err := crand.Read(rngSeed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	r := rand.New(rand.NewChaCha8(rngSeed))
	out := make([]canary.Seed, len(seeds))
	withPhone := 0
	for i, sd := range seeds {
		out[i] = sd.Clone()
		if sd.Phone != "" {
			withPhone++
		}
	}
	// Keep exactly round(rate·n) phones, chosen at random: a share drawn
	// seed by seed would wander from the host's in a small batch.
	if rate := s.PhoneRate(); s.hasPhoneColumn() && withPhone > 0 {
		keep := min(withPhone, int(math.Round(rate*float64(len(seeds)))))
		idx := make([]int, 0, withPhone)
		for i := range out {
			if out[i].Phone != "" {
				idx = append(idx, i)
			}
		}
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for _, i := range idx[keep:] {
			out[i].Phone = ""
		}
	}
	m := s.Messiness
	for i := range out {
		sd := &out[i]
		switch x := r.Float64(); {
		case x < m.AllCaps:
			sd.Name = canary.Name{Given: strings.ToUpper(sd.Name.Given), Family: strings.ToUpper(sd.Name.Family)}
		case x < m.AllCaps+m.LowerCase:
			sd.Name = canary.Name{Given: strings.ToLower(sd.Name.Given), Family: strings.ToLower(sd.Name.Family)}
		}
		if sd.Email != "" && r.Float64() < m.CapitalEmail {
			sd.Email = capitalizeLocal(sd.Email)
		}
	}
	return out, nil
}

// hasPhoneColumn reports whether Learn profiled a phone column.
func (s Shape) hasPhoneColumn() bool {
	for _, c := range s.Columns {
		if c.Role == "phone" {
			return c.Rows > 0
		}
	}
	return false
}

// capitalizeLocal writes each word of an address's local part with a
// capital ("john.smith@x" -> "John.Smith@x"), as people who type their
// address into a form do; the domain stays as it is.
func capitalizeLocal(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return addr
	}
	b := []byte(addr[:at])
	start := true
	for i := 0; i < len(b); {
		rn, size := utf8.DecodeRune(b[i:])
		if start && size == 1 && rn < utf8.RuneSelf && unicode.IsLower(rn) {
			b[i] = byte(unicode.ToUpper(rn))
		}
		start = !unicode.IsLetter(rn)
		i += size
	}
	return string(b) + addr[at:]
}
