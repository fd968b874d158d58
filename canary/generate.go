package canary

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary/internal/gen"
	"github.com/honeyseed/honeyseed/canary/internal/names"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
	"github.com/honeyseed/honeyseed/canary/internal/places"
)

// Generator makes seeds. It is safe for concurrent use; calls are serialized,
// because each draw depends on what was drawn before (uniqueness, phone sharing).
type Generator struct {
	cfg     Config
	domains []string // normalized, in Config order

	mu        sync.Mutex
	rng       *rand.Rand
	domainBag []int // a shuffled round of domain indexes, consumed from the end
	hash      maphash.Seed
	emails    map[uint64]struct{} // hashes of the lookup keys handed out
	tickets   map[uint64]struct{} // hashes of the normalized tickets handed out
	numbers   []*poolNumber
	held      map[string][]*poolNumber // numbers each placement holds
	nextFree  int                      // numbers before it are all claimed
	locals    gen.LocalParts
	created   gen.CreatedTable
	tx        gen.Tx
	key       []byte   // scratch
	wbuf      []byte   // scratch
	words     []uint64 // scratch
}

// poolNumber is one number of Config.PhonePool and who holds it.
type poolNumber struct {
	e164      string
	placement string   // "" while unclaimed
	uses      int      // seeds holding it
	words     []uint64 // hashes of the normalized name words of those seeds: a few, so a slice
	family    string   // the first seed's family name: a household's, with Config.Households
}

// maxAttempts bounds the redraws for one unique value before giving up with ErrPoolExhausted.
const maxAttempts = 64

// NewGenerator checks cfg and returns a Generator for it. Errors wrap
// ErrInvalidConfig and name the field at fault.
func NewGenerator(cfg Config) (*Generator, error) {
	c, domains, err := cfg.validated()
	if err != nil {
		return nil, err
	}
	g := &Generator{
		cfg:       c,
		domains:   domains,
		domainBag: make([]int, 0, len(domains)),
		hash:      maphash.MakeSeed(),
		emails:    make(map[uint64]struct{}, 1024),
		tickets:   make(map[uint64]struct{}, 1024),
		held:      make(map[string][]*poolNumber),
	}
	seed := c.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("canary: reading randomness: %w", err)
		}
	}
	g.rng = rand.New(rand.NewChaCha8(seed))
	g.created = gen.NewCreatedTable(c.CreatedHours, c.CreatedWeekdays, c.CreatedFrom, c.CreatedTo, c.CreatedZone)

	for p := GivenDotFamily; p <= InitialFamilyDigits; p++ {
		if w := c.EmailPatterns[p]; w > 0 {
			total := w
			if n := len(g.locals.Weights); n > 0 {
				total += g.locals.Weights[n-1]
			}
			g.locals.Patterns = append(g.locals.Patterns, gen.Pattern(p))
			g.locals.Weights = append(g.locals.Weights, total)
		}
	}

	seen := make(map[string]int)
	for i, raw := range c.PhonePool {
		e164 := raw
		var err error
		if !norm.CanonicalE164(raw) {
			e164, err = NormalizePhone(raw, c.PhoneRegion)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: PhonePool[%d]: %w", ErrInvalidConfig, i, err)
		}
		if j, dup := seen[e164]; dup {
			return nil, fmt.Errorf("%w: PhonePool[%d]: %q is PhonePool[%d] again", ErrInvalidConfig, i, raw, j)
		}
		seen[e164] = i
		g.numbers = append(g.numbers, &poolNumber{e164: e164})
	}
	// Claim numbers in random order: a run of consecutive numbers across new
	// customers would be a tell. Numbers of the names' own country go first: a
	// Spanish name with a British number would be another.
	g.rng.Shuffle(len(g.numbers), func(i, j int) { g.numbers[i], g.numbers[j] = g.numbers[j], g.numbers[i] })
	home := "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(c.Region))
	slices.SortStableFunc(g.numbers, func(a, b *poolNumber) int {
		ah, bh := strings.HasPrefix(a.e164, home), strings.HasPrefix(b.e164, home)
		switch {
		case ah && !bh:
			return -1
		case bh && !ah:
			return 1
		}
		return 0
	})
	if err := g.loadClaims(context.Background()); err != nil {
		return nil, err
	}
	return g, nil
}

// loadClaims learns from Config.Registry which placement holds each pool number.
func (g *Generator) loadClaims(ctx context.Context) error {
	if g.cfg.Registry == nil {
		return nil
	}
	for _, n := range g.numbers {
		held, err := g.cfg.Registry.Lookup(ctx, FieldPhone, n.e164)
		if err != nil {
			return fmt.Errorf("canary: reading phone claims from the registry: %w", err)
		}
		for _, s := range held {
			if n.placement == "" {
				g.held[s.Placement] = append(g.held[s.Placement], n)
			}
			n.placement = s.Placement
			if n.uses == 0 {
				n.family = s.Name.Family
			}
			n.uses++
			for _, w := range g.numberWords(s.Name) {
				n.words = append(n.words, w)
			}
		}
	}
	return nil
}

// Generate returns n new seeds for placement. They are unique among themselves,
// among everything this Generator made, and (with Config.Registry) among what is
// registered. Generate does not register them: Add them to a Registry before
// planting, so that a planted seed is always one the Matcher knows.
//
// PlantedAt is set to Now; planting code that plants later overwrites it.
func (g *Generator) Generate(placement string, n int) ([]Seed, error) {
	switch {
	case placement == "":
		return nil, fmt.Errorf("%w: empty placement", ErrInvalidInput)
	case n < 0:
		return nil, fmt.Errorf("%w: negative count %d", ErrInvalidInput, n)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	// Claims are made in place and undone if the call fails, so a failed
	// Generate leaves the Generator as it was.
	tx := &g.tx // reused: its logs keep their capacity between calls
	tx.Reset()
	if err := g.claimNumbers(tx, placement, n); err != nil {
		tx.Rollback()
		return nil, err
	}
	out := make([]Seed, 0, n)
	for range n {
		s, err := g.one(tx, placement)
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// claimNumbers gives placement enough numbers for n more seeds at PhoneShare
// each, as far as the pool allows, so that seeds spread evenly over them.
func (g *Generator) claimNumbers(tx *gen.Tx, placement string, n int) error {
	if len(g.numbers) == 0 || n == 0 {
		return nil
	}
	uses := 0
	for _, p := range g.held[placement] {
		uses += p.uses
	}
	want := (uses+n+g.cfg.PhoneShare-1)/g.cfg.PhoneShare - len(g.held[placement])
	if uses+n >= 2 && len(g.held[placement])+want < 2 {
		want = 2 - len(g.held[placement]) // round robin over two: neighbours never share
	}
	for ; want > 0 && g.nextFree < len(g.numbers); g.nextFree++ {
		p := g.numbers[g.nextFree]
		if p.placement != "" {
			continue
		}
		g.claim(tx, p, placement)
		want--
	}
	if len(g.held[placement]) == 0 {
		return fmt.Errorf("%w: every number of PhonePool is held by another placement", ErrPoolExhausted)
	}
	return nil
}

func (g *Generator) claim(tx *gen.Tx, p *poolNumber, placement string) {
	p.placement = placement
	g.held[placement] = append(g.held[placement], p)
	free := g.nextFree
	tx.OnRollback(func() {
		p.placement = ""
		g.held[placement] = g.held[placement][:len(g.held[placement])-1]
		g.nextFree = min(g.nextFree, free)
	})
}

func (g *Generator) one(tx *gen.Tx, placement string) (Seed, error) {
	c := &g.cfg
	r := g.rng
	id, err := g.newID()
	if err != nil {
		return Seed{}, err
	}
	s := Seed{ID: id, Placement: placement, PlantedAt: c.Now()}
	var phone *poolNumber
	var words []uint64
	// Draw only when a share is asked for, so configs without one draw as before.
	wantPhone := len(g.numbers) > 0 && (c.Phoneless == 0 || r.Float64() >= c.Phoneless)
	for attempt := 0; ; attempt++ {
		if attempt == maxAttempts {
			return Seed{}, fmt.Errorf("%w: no unique name and address after %d draws", ErrPoolExhausted, maxAttempts)
		}
		sex := names.Female
		if r.IntN(100) >= 51 {
			sex = names.Male
		}
		born := names.BirthYear(r, c.Region, c.Now().Year())
		s.Name = Name{Given: names.Given(r, c.Region, sex, born), Family: names.Family(r, c.Region)}
		if wantPhone {
			words = g.numberWords(s.Name)
			if phone = g.pickNumber(placement, words); phone == nil {
				continue // every number of this placement has a seed of that name: redraw
			}
			if c.Households && phone.uses > 0 {
				s.Name.Family = phone.family // a household: one family name, different given names
			}
		}
		email, ok := g.email(tx, s.Name, born)
		if !ok {
			continue
		}
		s.Email = email
		break
	}
	if phone != nil {
		s.Phone = phone.e164
		if phone.uses == 0 {
			phone.family = s.Name.Family
		}
		g.use(tx, phone, words)
	}
	s.CreatedAt = g.created.Draw(g.rng, g.cfg.CreatedFrom, g.cfg.CreatedTo)
	if !c.NoTickets {
		t, err := g.ticket(tx, s.CreatedAt)
		if err != nil {
			return Seed{}, err
		}
		s.Ticket = t
	}
	if len(c.Fields) > 0 {
		s.Fields = make(map[string]string, len(c.Fields))
		pl := g.place(s.Phone)
		for _, f := range c.Fields {
			switch f {
			case "city":
				s.Fields[f] = pl.Name
			case "postcode":
				s.Fields[f] = pl.Postcode(r)
			case "state":
				s.Fields[f] = pl.State()
			case "company":
				s.Fields[f] = places.Company(r, c.Region, firstWord(s.Name.Family))
			}
		}
	}
	return s, nil
}

// pickNumber chooses the number for a seed named name: one of the
// placement's least used numbers, drawn at random (a rotation in planting
// order would be a tell), that has no seed with a word of that name, under
// PhoneShare while any number is. It returns nil when no number fits this
// name, and the caller draws another.
func (g *Generator) pickNumber(placement string, words []uint64) *poolNumber {
	held := g.held[placement]
	if len(held) == 0 {
		return nil
	}
	start := g.rng.IntN(len(held))
	var best *poolNumber
	for i := range held {
		p := held[(start+i)%len(held)]
		if sharesWord(p.words, words) {
			continue
		}
		if best == nil || p.uses < best.uses {
			best = p
		}
	}
	return best
}

// numberWords returns the name words a seed sharing a number must not share
// with the number's other seeds: every word, or with Households the given
// name's alone (the family name is shared on purpose).
func (g *Generator) numberWords(n Name) []uint64 {
	if g.cfg.Households {
		return g.nameWords(Name{Given: n.Given})
	}
	return g.nameWords(n)
}

// place draws a seed's place: in its number's area where the number has one
// in the Generator's region, else by population anywhere in the region.
func (g *Generator) place(phone string) places.Place {
	if phone != "" {
		if p, ok := places.ForNumber(g.rng, phone); ok && p.Region == g.cfg.Region {
			return p
		}
	}
	p, _ := places.Draw(g.rng, g.cfg.Region, "")
	return p
}

// use records that a seed whose name has words took p.
func (g *Generator) use(tx *gen.Tx, p *poolNumber, words []uint64) {
	tx.Use(&p.uses, &p.words, words)
}

func sharesWord(have, words []uint64) bool {
	for _, w := range words {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// nameWords hashes the words by which an SMS could address the seed, in
// NormalizeName's form (the Matcher resolves shared numbers by those words). A
// hash collision only makes a number look taken: the generator draws again.
// The result is scratch, valid until the next call.
func (g *Generator) nameWords(n Name) []uint64 {
	var words []byte
	if norm.IsASCII(n.Given) && norm.IsASCII(n.Family) {
		g.wbuf = norm.AppendASCIIName(g.wbuf[:0], n.Given)
		g.wbuf = norm.AppendASCIIName(append(g.wbuf, ' '), n.Family)
		words = g.wbuf
	} else {
		words = []byte(norm.Name(n.Given + " " + n.Family))
	}
	g.words = g.words[:0]
	for len(words) > 0 {
		i := bytes.IndexByte(words, ' ')
		if i < 0 {
			i = len(words)
		}
		if i > 0 {
			g.words = append(g.words, maphash.Bytes(g.hash, words[:i]))
		}
		words = words[min(i+1, len(words)):]
	}
	return g.words
}

// email draws an address for name on the next domain and claims it. It reports
// false when a few patterns in a row were taken, so the caller redraws the name.
func (g *Generator) email(tx *gen.Tx, name Name, born int) (string, bool) {
	domain := g.domains[g.nextDomain()]
	for range 6 {
		local := g.locals.Draw(g.rng, name.Given, name.Family, born)
		if len(local) == 0 || len(local) > norm.MaxLocalLen || local[0] == '.' || local[len(local)-1] == '.' {
			continue
		}
		// localPart writes only lower-case letters, digits, dots and underscores,
		// and the domain is normalized, so the address is already canonical.
		local = append(append(local, '@'), domain...)
		g.key = norm.AppendEmailKey(g.key[:0], stringOf(local))
		h := maphash.Bytes(g.hash, g.key)
		if _, dup := g.emails[h]; dup {
			continue
		}
		addr := string(local)
		if g.registered(FieldEmail, addr) || g.cfg.Exclude != nil && g.cfg.Exclude(FieldEmail, addr) {
			continue
		}
		tx.ClaimSet(g.emails, h)
		return addr, true
	}
	return "", false
}

// registered reports whether the registry holds value, when there is one.
func (g *Generator) registered(f Field, value string) bool {
	if g.cfg.Registry == nil {
		return false
	}
	found, err := g.cfg.Registry.Lookup(context.Background(), f, value)
	return err != nil || len(found) > 0 // when in doubt, draw another
}

// nextDomain spreads seeds evenly over the domains, in a fresh random order each round.
func (g *Generator) nextDomain() int {
	if len(g.domainBag) == 0 {
		g.domainBag = g.domainBag[:len(g.domains)]
		for i := range g.domainBag {
			g.domainBag[i] = i
		}
		g.rng.Shuffle(len(g.domainBag), func(i, j int) { g.domainBag[i], g.domainBag[j] = g.domainBag[j], g.domainBag[i] })
	}
	i := g.domainBag[len(g.domainBag)-1]
	g.domainBag = g.domainBag[:len(g.domainBag)-1]
	return i
}

// ticket draws a reference whose number follows the creation time through the
// live range, as a host's sequential ticket numbers do, with some jitter.
func (g *Generator) ticket(tx *gen.Tx, created time.Time) (string, error) {
	c := &g.cfg
	lo, hi := c.TicketMin, c.TicketMax
	width := hi - lo
	frac := float64(created.Sub(c.CreatedFrom)) / float64(c.CreatedTo.Sub(c.CreatedFrom))
	center := float64(lo) + math.Max(0, math.Min(1, frac))*float64(width)
	jitter := math.Max(1, float64(width)*0.01)
	for range maxAttempts {
		// Keep the window inside the range: clamping draws to an edge would pile
		// them onto one number.
		var n uint64
		if 2*jitter >= float64(width) {
			n = lo + g.rng.Uint64N(width+1)
		} else {
			mid := math.Max(float64(lo)+jitter, math.Min(float64(hi)-jitter, center))
			n = uint64(math.Round(mid + (g.rng.Float64()*2-1)*jitter))
		}
		t, free, err := g.tryTicket(tx, n)
		if err != nil || free {
			return t, err
		}
		jitter *= 2 // crowded: widen the search
	}
	// A crowded range: walk it from a random point, as far as a bound allows.
	if width < 1<<20 {
		start := g.rng.Uint64N(width + 1)
		for k := uint64(0); k <= width; k++ {
			t, free, err := g.tryTicket(tx, lo+(start+k)%(width+1))
			if err != nil || free {
				return t, err
			}
		}
	}
	return "", fmt.Errorf("%w: no free ticket number in [%d, %d]", ErrPoolExhausted, lo, hi)
}

// tryTicket claims ticket number n if no seed and no host record has it.
func (g *Generator) tryTicket(tx *gen.Tx, n uint64) (string, bool, error) {
	c := &g.cfg
	t := FormatTicket(c.TicketFormat, n)
	var reason string
	g.key, reason = norm.AppendTicket(g.key[:0], t)
	if reason != "" {
		return "", false, fmt.Errorf("%w: TicketFormat %q gives %q: %s", ErrInvalidConfig, c.TicketFormat, t, reason)
	}
	h := maphash.Bytes(g.hash, g.key)
	if _, dup := g.tickets[h]; dup {
		return "", false, nil
	}
	if g.registered(FieldTicket, string(g.key)) || c.Exclude != nil && c.Exclude(FieldTicket, t) {
		return "", false, nil
	}
	tx.ClaimSet(g.tickets, h)
	return t, true, nil
}

// FormatTicket writes n into the '#'s of format, zero-padded, as the Generator
// does: FormatTicket("TM-########", 10400132) is "TM-10400132".
func FormatTicket(format string, n uint64) string {
	b := []byte(format)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '#' {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	return string(b)
}

// newID draws an ID. A reproducible stream can repeat IDs that an earlier run
// with the same Config.Seed registered, so those are checked; crypto-random
// ones cannot collide.
func (g *Generator) newID() (uuid.UUID, error) {
	for range maxAttempts {
		id := g.uuid()
		if g.cfg.Registry == nil || g.cfg.Seed == ([32]byte{}) {
			return id, nil
		}
		_, err := g.cfg.Registry.Get(context.Background(), id)
		if errors.Is(err, ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return uuid.Nil, fmt.Errorf("canary: checking IDs against the registry: %w", err)
		}
	}
	return uuid.Nil, fmt.Errorf("%w: no free ID", ErrPoolExhausted)
}

// uuid makes a version 4 UUID from the generator's stream, so reproducible runs
// give reproducible IDs.
func (g *Generator) uuid() uuid.UUID {
	var u uuid.UUID
	a, b := g.rng.Uint64(), g.rng.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}
