package plant

import (
	crand "crypto/rand"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/gen"
	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// ProposedMailbox is a mailbox for the operator to open at a provider, and
// the identity to open it under: the seed that later takes the address
// (canary.Config.Mailboxes) is named as its local part says.
type ProposedMailbox struct {
	Address       string
	Given, Family string
	Born          int
}

// MailboxOptions tunes ProposeMailboxes.
type MailboxOptions struct {
	// Providers are the mail domains to propose addresses at, with their
	// weights. Default: the host's big providers in their shares among its
	// addresses (Shape.EmailDomains), so seeds spread over providers as its
	// customers do.
	Providers map[string]float64
	// Region is the population names are drawn from when the host's own
	// names (Shape.Names) are not: "US", "GB" or "ES". Default the host's
	// phone region when names exist for it, else "US".
	Region string
	// Exclude, when set, reports addresses already taken (a host's
	// customers', or mailboxes already proposed): see Exclude.
	Exclude func(f canary.Field, value string) bool
	// Seed makes the proposals reproducible; zero: crypto-random.
	Seed [32]byte
	// Now is the clock, for birth years. Default time.Now.
	Now func() time.Time
}

// ProposeMailboxes proposes n mailboxes for the operator to open, at the
// host's big providers in their shares, named as the host's customers are
// (its commonest names at its rate, the population's otherwise) and with
// local parts in the host's pattern mix (Shape.EmailPatterns). Opened and
// listed in canary.Config.Mailboxes, they let seeds sit at the big
// providers as most real customers do: see CheckDomains for how many a
// table needs. It writes nothing and sends nothing.
func (s Shape) ProposeMailboxes(n int, opts MailboxOptions) ([]ProposedMailbox, error) {
	if n < 0 || n > 100_000 {
		return nil, fmt.Errorf("%w: %d mailboxes: between 0 and 100,000", ErrInvalidInput, n)
	}
	providers := opts.Providers
	if len(providers) == 0 {
		providers = map[string]float64{}
		for d, share := range s.EmailDomains {
			if s.bigDomain(d) {
				providers[d] = share
			}
		}
	}
	if len(providers) == 0 {
		return nil, fmt.Errorf("%w: no provider: the host has no big provider's addresses and MailboxOptions.Providers is empty", ErrInvalidInput)
	}
	domains := slices.Sorted(maps.Keys(providers))
	var cum []float64
	total := 0.0
	for _, d := range domains {
		if w := providers[d]; w > 0 {
			total += w
		}
		cum = append(cum, total)
	}
	if total <= 0 {
		return nil, fmt.Errorf("%w: Providers: no positive weight", ErrInvalidInput)
	}
	region := strings.ToUpper(opts.Region)
	if region == "" {
		region = "US"
		if slices.Contains(names.Regions(), s.PhoneRegion) {
			region = s.PhoneRegion
		}
	}
	if !slices.Contains(names.Regions(), region) {
		return nil, fmt.Errorf("%w: Region %q: US, GB or ES", ErrInvalidInput, opts.Region)
	}
	seed := opts.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	year := now().Year()
	r := rand.New(rand.NewChaCha8(seed))
	patterns := s.emailMix()
	if len(patterns) == 0 {
		patterns = canary.DefaultEmailPatterns()
	}
	lp := gen.NewLocalParts(func(p gen.Pattern) float64 { return patterns[canary.EmailPattern(p)] })
	src := gen.NewNames(region, s.Names.Rows, s.Names.Given, s.Names.Family, s.Names.GivenTail, s.Names.FamilyTail)
	out := make([]ProposedMailbox, 0, n)
	seen := map[string]bool{}
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*n+100 {
			return out, fmt.Errorf("%w: only %d unique addresses found for %d mailboxes", ErrInvalidInput, len(out), n)
		}
		x := r.Float64() * total
		i, _ := slices.BinarySearch(cum, x)
		domain := domains[min(i, len(domains)-1)]
		sex := names.Female
		if r.IntN(100) >= 51 {
			sex = names.Male
		}
		born := names.BirthYear(r, region, year)
		given, _ := src.GivenName(r, sex, born)
		family := src.FamilyName(r)
		local := string(lp.Draw(r, given, family, born))
		addr := local + "@" + domain
		if !ProviderAccepts(domain, local) || seen[addr] || opts.Exclude != nil && opts.Exclude(canary.FieldEmail, addr) {
			continue
		}
		seen[addr] = true
		out = append(out, ProposedMailbox{Address: addr, Given: given, Family: family, Born: born})
	}
	return out, nil
}

// ProviderAccepts reports whether a provider would let an account take
// local as its name: 3 to 30 characters, no dot at either end or two in a
// row, and for Gmail at least 6 characters with neither '_' nor '-'.
func ProviderAccepts(domain, local string) bool {
	if len(local) < 3 || len(local) > 30 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		return len(local) >= 6 && !strings.ContainsAny(local, "_-")
	}
	return true
}
