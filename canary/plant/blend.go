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

// DomainShortageError is a config whose owned domains are too few for the
// seeds asked: spread evenly, each domain would hold more addresses than
// the host's own small domains do, and a domain nobody else uses, repeated,
// points at the seeds.
type DomainShortageError struct {
	Seeds     int // seeds asked for
	Need      int // owned domains (or mailboxes) they need
	Have      int // owned domains the config lists
	PerDomain int // the most addresses one of the host's small domains holds (95th percentile)
}

func (e *DomainShortageError) Error() string {
	return fmt.Sprintf("plant: %d seeds need at least %d owned domains or mailboxes for this table (its small domains hold at most %d addresses each); the config has %d",
		e.Seeds, e.Need, e.PerDomain, e.Have)
}

// Unwrap makes the error match ErrTooFewDomains.
func (e *DomainShortageError) Unwrap() error { return ErrTooFewDomains }

// DomainsNeeded returns how many owned domains n seeds need so that none
// holds more of them than the host's small domains hold addresses
// (Domains.MaxPerSmallDomain).
func (s Shape) DomainsNeeded(n int) int {
	per := s.Domains.MaxPerSmallDomain()
	return (n + per - 1) / per
}

// CheckDomains refuses, with a *DomainShortageError (errors.Is
// ErrTooFewDomains) giving the numbers, a config whose EmailDomains are too
// few to spread n seeds so that no owned domain stands out among the host's
// small domains. The Generator uses its domains evenly, so each holds about
// n/len(EmailDomains) seeds. Owned mailboxes at the big providers, once the
// config has them, count as domains of their own.
func (s Shape) CheckDomains(cfg canary.Config, n int) error {
	need := s.DomainsNeeded(n)
	if have := len(cfg.EmailDomains); have < need {
		return &DomainShortageError{Seeds: n, Need: need, Have: have, PerDomain: s.Domains.MaxPerSmallDomain()}
	}
	return nil
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
