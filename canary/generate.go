package canary

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"hash/maphash"
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
	names     gen.Names  // where names are drawn from
	onMail    int        // seeds of the current call still to put on mailboxes (MailboxShare)
	mailboxes []*mailbox // Config.Mailboxes
	freeMail  int        // mailboxes no seed has
	regTicket int        // registered tickets in the range; -1 until counted
	tt        ticketTry
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

// mailbox is one of Config.Mailboxes.
type mailbox struct {
	addr string  // normalized
	fit  gen.Fit // what its local part says of its holder
	used bool    // a seed has it, here or in the registry
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
		regTicket: -1,
	}
	g.tt.g = g
	seed := c.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("canary: reading randomness: %w", err)
		}
	}
	g.rng = rand.New(rand.NewChaCha8(seed))
	g.names = gen.NewNames(c.Region, c.HostNames.Rows, c.HostNames.Given, c.HostNames.Family, c.HostNames.GivenTail, c.HostNames.FamilyTail)
	g.created = gen.NewCreatedTable(c.CreatedHours, c.CreatedWeekdays, c.CreatedFrom, c.CreatedTo, c.CreatedZone)

	g.locals = gen.NewLocalParts(func(p gen.Pattern) float64 { return c.EmailPatterns[EmailPattern(p)] })

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
	for _, m := range c.Mailboxes {
		local, _, _ := strings.Cut(m, "@")
		mb := &mailbox{addr: m, fit: gen.ParseLocal(g.names, local, c.Now().Year())}
		if mb.used = g.registered(FieldEmail, m) || c.Exclude != nil && c.Exclude(FieldEmail, m); !mb.used {
			g.freeMail++
		}
		g.mailboxes = append(g.mailboxes, mb)
	}
	return g, nil
}

// loadClaims learns from Config.Registry which placement holds each pool
// number. A number whose seeds were all retired more than PhoneQuarantine ago
// is free again.
func (g *Generator) loadClaims(ctx context.Context) error {
	if g.cfg.Registry == nil {
		return nil
	}
	now := g.cfg.Now()
	for _, n := range g.numbers {
		held, err := g.cfg.Registry.Lookup(ctx, FieldPhone, n.e164)
		if err != nil {
			return fmt.Errorf("canary: reading phone claims from the registry: %w", err)
		}
		if g.cfg.PhoneQuarantine > 0 && len(held) > 0 && !slices.ContainsFunc(held, func(s Seed) bool {
			end := s.EndedAt() // retired, or expired as planned
			return end.IsZero() || now.Before(end.Add(g.cfg.PhoneQuarantine))
		}) {
			continue
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
	if err := g.checkCapacity(placement, n); err != nil {
		return nil, err
	}
	tx := &g.tx // reused: its logs keep their capacity between calls
	tx.Reset()
	if err := g.claimNumbers(tx, placement, n); err != nil {
		tx.Rollback()
		return nil, err
	}
	g.onMail = min(n, g.freeMail)
	if share := g.cfg.MailboxShare; share > 0 && len(g.domains) > 0 {
		// Round at random, so that small calls get the share on average.
		want := share * float64(n)
		k := int(want)
		if g.rng.Float64() < want-float64(k) {
			k++
		}
		g.onMail = min(k, g.freeMail)
	}
	out := make([]Seed, 0, n)
	for i := range n {
		s, err := g.one(tx, placement, n-i)
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// checkCapacity fails at once, with a CapacityError carrying the numbers,
// when n seeds for placement need more tickets, pool numbers or mailboxes
// than are free: never after minutes of work.
func (g *Generator) checkCapacity(placement string, n int) error {
	c := &g.cfg
	if n == 0 {
		return nil
	}
	if !c.NoTickets {
		size := c.TicketMax - c.TicketMin + 1
		used := uint64(len(g.tickets))
		if g.regTicket < 0 && c.Registry != nil && 4*(used+uint64(n)) > size {
			// Near the range's size: count what the registry holds in it once.
			if err := g.countTickets(); err != nil {
				return err
			}
		}
		used += uint64(max(g.regTicket, 0))
		if free := size - min(used, size); uint64(n) > free {
			return &CapacityError{Seeds: n, Need: uint64(n), Resource: "ticket numbers", Free: free,
				Where: fmt.Sprintf("the range %s..%s", FormatTicket(c.TicketFormat, c.TicketMin), FormatTicket(c.TicketFormat, c.TicketMax))}
		}
	}
	if len(g.numbers) > 0 && len(g.held[placement]) == 0 && !slices.ContainsFunc(g.numbers[g.nextFree:], func(p *poolNumber) bool { return p.placement == "" }) {
		return &CapacityError{Seeds: n, Need: uint64((n + c.PhoneShare - 1) / c.PhoneShare), Resource: "phone numbers", Free: 0,
			Where: fmt.Sprintf("PhonePool (%d numbers, all held by other placements until retired for %v)", len(g.numbers), c.PhoneQuarantine)}
	}
	if len(g.domains) == 0 && n > g.freeMail {
		return &CapacityError{Seeds: n, Need: uint64(n), Resource: "mailboxes", Free: uint64(g.freeMail),
			Where: fmt.Sprintf("Mailboxes (%d, no EmailDomains)", len(g.mailboxes))}
	}
	return nil
}

// countTickets counts the registered seeds whose ticket lies in the range.
func (g *Generator) countTickets() error {
	c := &g.cfg
	count := 0
	for s, err := range c.Registry.Seeds(context.Background()) {
		if err != nil {
			return fmt.Errorf("canary: counting registered tickets: %w", err)
		}
		if t, ok := gen.TicketNumber(c.TicketFormat, s.Ticket); ok && t >= c.TicketMin && t <= c.TicketMax {
			count++
		}
	}
	g.regTicket = count
	return nil
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

// one makes a seed for placement, the first of left still to make in this call.
func (g *Generator) one(tx *gen.Tx, placement string, left int) (Seed, error) {
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
	// onMail of the call's seeds take a mailbox, spread through it at random.
	var mb *mailbox
	if g.onMail > 0 && (len(g.domains) == 0 || r.IntN(left) < g.onMail) {
		mb = g.pickMailbox()
	}
	for attempt := 0; ; attempt++ {
		if attempt == maxAttempts {
			return Seed{}, fmt.Errorf("%w: no unique name and address after %d draws", ErrPoolExhausted, maxAttempts)
		}
		if mb != nil && attempt == maxAttempts/2 && len(g.domains) > 0 {
			mb = nil // its name fits no number of this placement: a domain address instead
		}
		var born int
		src := g.names
		if attempt >= maxAttempts/4 {
			// The host's few names fit no number left (each holds a seed
			// of the name already): the population's, rather than fail.
			src = gen.Names{Region: c.Region}
		}
		if mb != nil {
			s.Name.Given, s.Name.Family, born = mb.fit.Draw(r, src, c.Now().Year())
		} else {
			sex := names.Female
			if r.IntN(100) >= 51 {
				sex = names.Male
			}
			born = names.BirthYear(r, c.Region, c.Now().Year())
			s.Name.Given, _ = src.GivenName(r, sex, born)
			s.Name.Family = src.FamilyName(r)
		}
		if wantPhone {
			words = g.numberWords(s.Name)
			if phone = g.pickNumber(placement, words); phone == nil {
				continue // every number of this placement has a seed of that name: redraw
			}
			if c.Households && phone.uses > 0 && mb == nil { // a mailbox's name stays its own
				s.Name.Family = phone.family // a household: one family name, different given names
			}
		}
		if mb != nil {
			g.onMail--
			g.useMailbox(tx, mb)
			s.Email = mb.addr
			break
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

// pickMailbox returns a free mailbox at random.
func (g *Generator) pickMailbox() *mailbox {
	k := g.rng.IntN(g.freeMail)
	for _, m := range g.mailboxes {
		if !m.used {
			if k == 0 {
				return m
			}
			k--
		}
	}
	return nil
}

// useMailbox gives mb to a seed, for good unless tx rolls back.
func (g *Generator) useMailbox(tx *gen.Tx, mb *mailbox) {
	mb.used = true
	g.freeMail--
	h := maphash.String(g.hash, norm.EmailKey(mb.addr))
	tx.ClaimSet(g.emails, h)
	tx.OnRollback(func() { mb.used = false; g.freeMail++ })
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
// live range, as a host's sequential ticket numbers do (gen.DrawTicket).
func (g *Generator) ticket(tx *gen.Tx, created time.Time) (string, error) {
	c := &g.cfg
	frac := float64(created.Sub(c.CreatedFrom)) / float64(c.CreatedTo.Sub(c.CreatedFrom))
	g.tt.tx, g.tt.t = tx, ""
	free, err := gen.DrawTicket(g.rng, c.TicketMin, c.TicketMax, frac, maxAttempts, &g.tt)
	g.tt.tx = nil
	switch {
	case err != nil:
		return "", err
	case !free:
		return "", fmt.Errorf("%w: no free ticket number in [%d, %d]", ErrPoolExhausted, c.TicketMin, c.TicketMax)
	}
	return g.tt.t, nil
}

// ticketTry claims ticket numbers for Generator.ticket; it lives in the
// Generator so that passing it as an interface allocates nothing.
type ticketTry struct {
	g  *Generator
	tx *gen.Tx
	t  string // the ticket claimed
}

// TryTicket claims ticket number n if no seed and no host record has it.
func (tt *ticketTry) TryTicket(n uint64) (bool, error) {
	g := tt.g
	c := &g.cfg
	t := FormatTicket(c.TicketFormat, n)
	var reason string
	g.key, reason = norm.AppendTicket(g.key[:0], t)
	if reason != "" {
		return false, fmt.Errorf("%w: TicketFormat %q gives %q: %s", ErrInvalidConfig, c.TicketFormat, t, reason)
	}
	h := maphash.Bytes(g.hash, g.key)
	if _, dup := g.tickets[h]; dup {
		return false, nil
	}
	if g.registered(FieldTicket, string(g.key)) || c.Exclude != nil && c.Exclude(FieldTicket, t) {
		return false, nil
	}
	tt.tx.ClaimSet(g.tickets, h)
	tt.t = t
	return true, nil
}

// FormatTicket writes n into the '#'s of format, zero-padded, as the Generator
// does: FormatTicket("TM-########", 10400132) is "TM-10400132".
func FormatTicket(format string, n uint64) string { return gen.FormatTicket(format, n) }

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
