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
	"unicode"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"
	unorm "golang.org/x/text/unicode/norm"

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
	cursor    map[string]int           // where the next seed of a placement starts looking
	nextFree  int                      // numbers before it are all claimed
	patterns  []EmailPattern
	patternW  []float64 // cumulative
	ascii     map[string]string
	created   createdTable
	tx        genTx
	key       []byte   // scratch
	wbuf      []byte   // scratch
	lbuf      []byte   // scratch: local part
	gbuf      []byte   // scratch: given name
	fbuf      []byte   // scratch: family name
	words     []uint64 // scratch
}

// poolNumber is one number of Config.PhonePool and who holds it.
type poolNumber struct {
	e164      string
	placement string   // "" while unclaimed
	uses      int      // seeds holding it
	words     []uint64 // hashes of the normalized name words of those seeds: a few, so a slice
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
		ascii:     make(map[string]string),
		held:      make(map[string][]*poolNumber),
		cursor:    make(map[string]int),
	}
	seed := c.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("canary: reading randomness: %w", err)
		}
	}
	g.rng = rand.New(rand.NewChaCha8(seed))
	g.created = newCreatedTable(&g.cfg)

	for p := GivenDotFamily; p <= InitialFamilyDigits; p++ {
		if w := c.EmailPatterns[p]; w > 0 {
			total := w
			if n := len(g.patternW); n > 0 {
				total += g.patternW[n-1]
			}
			g.patterns = append(g.patterns, p)
			g.patternW = append(g.patternW, total)
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
			n.uses++
			for _, w := range g.nameWords(s.Name) {
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
	tx.sets, tx.uses, tx.other = tx.sets[:0], tx.uses[:0], tx.other[:0]
	if err := g.claimNumbers(tx, placement, n); err != nil {
		tx.rollback()
		return nil, err
	}
	out := make([]Seed, 0, n)
	for range n {
		s, err := g.one(tx, placement)
		if err != nil {
			tx.rollback()
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// genTx is the undo log of one Generate call.
type genTx struct {
	sets []setClaim
	uses []useClaim

	other []func() // rare claims (a number to a placement)
}

type setClaim struct {
	set map[uint64]struct{}
	key uint64
}

type useClaim struct {
	p     *poolNumber
	words int // len(p.words) before the seed's words were added
}

func (tx *genTx) rollback() {
	for i := len(tx.other) - 1; i >= 0; i-- {
		tx.other[i]()
	}
	for i := len(tx.uses) - 1; i >= 0; i-- {
		u := tx.uses[i]
		u.p.uses--
		u.p.words = u.p.words[:u.words]
	}
	for _, c := range tx.sets {
		delete(c.set, c.key)
	}
}

// claimSet adds key to set, to be removed on rollback.
func (tx *genTx) claimSet(set map[uint64]struct{}, key uint64) {
	set[key] = struct{}{}
	tx.sets = append(tx.sets, setClaim{set, key})
}

// claimNumbers gives placement enough numbers for n more seeds at PhoneShare
// each, as far as the pool allows, so that seeds spread evenly over them.
func (g *Generator) claimNumbers(tx *genTx, placement string, n int) error {
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

func (g *Generator) claim(tx *genTx, p *poolNumber, placement string) {
	p.placement = placement
	g.held[placement] = append(g.held[placement], p)
	free := g.nextFree
	tx.other = append(tx.other, func() {
		p.placement = ""
		g.held[placement] = g.held[placement][:len(g.held[placement])-1]
		g.nextFree = min(g.nextFree, free)
	})
}

func (g *Generator) one(tx *genTx, placement string) (Seed, error) {
	c := &g.cfg
	r := g.rng
	id, err := g.newID()
	if err != nil {
		return Seed{}, err
	}
	s := Seed{ID: id, Placement: placement, PlantedAt: c.Now()}
	var phone *poolNumber
	var words []uint64
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
		if len(g.numbers) > 0 {
			words = g.nameWords(s.Name)
			if phone = g.pickNumber(placement, words); phone == nil {
				continue // every number of this placement has a seed of that name: redraw
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
		g.use(tx, phone, words)
	}
	s.CreatedAt = g.createdAt()
	if !c.NoTickets {
		t, err := g.ticket(tx, s.CreatedAt)
		if err != nil {
			return Seed{}, err
		}
		s.Ticket = t
	}
	if len(c.Fields) > 0 {
		s.Fields = make(map[string]string, len(c.Fields))
		city, postcode := places.City(r, c.Region)
		for _, f := range c.Fields {
			switch f {
			case "city":
				s.Fields[f] = city
			case "postcode":
				s.Fields[f] = postcode
			case "company":
				s.Fields[f] = places.Company(r, c.Region, firstWord(s.Name.Family))
			}
		}
	}
	return s, nil
}

// pickNumber chooses the number for a seed named name: the next of the
// placement's numbers, round robin, that is under PhoneShare and has no seed
// with a word of that name; past PhoneShare only when every number is. It
// returns nil when no number fits this name, and the caller draws another.
func (g *Generator) pickNumber(placement string, words []uint64) *poolNumber {
	held := g.held[placement]
	start := g.cursor[placement]
	var over *poolNumber
	for i := range held {
		p := held[(start+i)%len(held)]
		if sharesWord(p.words, words) {
			continue
		}
		if p.uses < g.cfg.PhoneShare {
			g.cursor[placement] = (start + i + 1) % len(held)
			return p
		}
		if over == nil || p.uses < over.uses {
			over = p
		}
	}
	return over
}

// use records that a seed whose name has words took p.
func (g *Generator) use(tx *genTx, p *poolNumber, words []uint64) {
	tx.uses = append(tx.uses, useClaim{p, len(p.words)})
	p.uses++
	p.words = append(p.words, words...)
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
func (g *Generator) email(tx *genTx, name Name, born int) (string, bool) {
	domain := g.domains[g.nextDomain()]
	for range 6 {
		local := g.localPart(name, born)
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
		tx.claimSet(g.emails, h)
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

// localPart draws a local part for name into scratch memory, valid until the
// next call; nil when the name has no letters to build one from.
func (g *Generator) localPart(name Name, born int) []byte {
	r := g.rng
	given := g.asciiName(g.gbuf[:0], name.Given)
	family := g.asciiName(g.fbuf[:0], name.Family)
	g.gbuf, g.fbuf = given, family
	if i := bytes.IndexByte(given, ' '); i > 0 {
		if r.IntN(10) < 6 {
			given = given[:i] // "maria carmen" is mostly "maria"
		} else {
			given = squeeze(given, 0)
		}
	}
	if i := bytes.IndexByte(family, ' '); i > 0 {
		switch x := r.IntN(10); {
		case x < 7:
			family = family[:i] // Spanish: the first surname alone, most often
		case x < 9:
			family = squeeze(family, 0)
		default:
			family = squeeze(family, '.')
		}
	}
	if len(given) == 0 || len(family) == 0 {
		return nil
	}
	gi := given[:1]
	x := r.Float64() * g.patternW[len(g.patternW)-1]
	p := g.patterns[min(sortSearchFloat(g.patternW, x), len(g.patterns)-1)]
	b := g.lbuf[:0]
	switch p {
	case GivenDotFamily:
		b = append(append(append(b, given...), '.'), family...)
	case GivenFamily:
		b = append(append(b, given...), family...)
	case InitialFamily:
		b = append(append(b, gi...), family...)
	case GivenUnderFamily:
		b = append(append(append(b, given...), '_'), family...)
	case GivenDigits:
		b = g.appendDigits(append(b, given...), born)
	case FamilyInitial:
		b = append(append(b, family...), gi...)
	case GivenDotFamilyDigits:
		b = g.appendDigits(append(append(append(b, given...), '.'), family...), born)
	case InitialDotFamily:
		b = append(append(append(b, gi...), '.'), family...)
	case FamilyGiven:
		if r.IntN(2) == 0 {
			b = append(append(append(b, family...), '.'), given...)
		} else {
			b = append(append(b, family...), given...)
		}
	case GivenInitial:
		b = append(append(b, given...), family[0])
	case InitialFamilyDigits:
		b = g.appendDigits(append(append(b, gi...), family...), born)
	default:
		b = append(append(append(b, given...), '.'), family...)
	}
	g.lbuf = b
	return b
}

// squeeze replaces the spaces of b with sep, or drops them when sep is 0.
func squeeze(b []byte, sep byte) []byte {
	w := 0
	for _, c := range b {
		switch {
		case c != ' ':
			b[w] = c
			w++
		case sep != 0:
			b[w] = sep
			w++
		}
	}
	return b[:w]
}

// appendDigits appends what people add to a name: a birth year in two or four
// digits, or one to four other digits, so no digit count is shared by all.
func (g *Generator) appendDigits(b []byte, born int) []byte {
	r := g.rng
	switch x := r.IntN(100); {
	case x < 35:
		return append(b, byte('0'+born/10%10), byte('0'+born%10))
	case x < 50:
		return strconv.AppendInt(b, int64(born), 10)
	case x < 60:
		return strconv.AppendInt(b, int64(1+r.IntN(9)), 10)
	case x < 82:
		return strconv.AppendInt(b, int64(10+r.IntN(90)), 10)
	case x < 92:
		return strconv.AppendInt(b, int64(100+r.IntN(900)), 10)
	}
	return strconv.AppendInt(b, int64(1000+r.IntN(9000)), 10)
}

// asciiName appends the form of a name people type in an address: ASCII
// letters, lower case, words separated by one space.
func (g *Generator) asciiName(dst []byte, s string) []byte {
	if !norm.IsASCII(s) {
		return append(dst, g.toASCII(s)...)
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		switch c := norm.Lower(s[i]); {
		case c >= 'a' && c <= 'z':
			dst = append(dst, c)
		case c == ' ' && len(dst) > start && dst[len(dst)-1] != ' ':
			dst = append(dst, c)
		}
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// toASCII turns a name into what people type in an address: accents dropped,
// letters only, lower case ("María José" -> "maria jose", "O'Brien" -> "obrien").
func (g *Generator) toASCII(s string) string {
	if a, ok := g.ascii[s]; ok {
		return a
	}
	var b strings.Builder
	for _, r := range unorm.NFD.String(strings.ToLower(s)) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte(' ')
		case unicode.Is(unicode.Mn, r), r == '\'', r == '-', r == '.', r == '’':
		case r == 'ß':
			b.WriteString("ss")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		}
	}
	a := strings.Join(strings.Fields(b.String()), " ")
	if len(g.ascii) < 1<<16 {
		g.ascii[s] = a
	}
	return a
}

// createdTable is what createdAt draws from, computed once per Generator: the
// local midnight of every day in the window with its weekday's weight,
// cumulated, and the hour weights cumulated.
type createdTable struct {
	midnight []int64   // Unix seconds of each day's local midnight
	dayCum   []float64 // cumulative weekday weights of the days
	hourCum  [24]float64
}

func newCreatedTable(c *Config) createdTable {
	hours, days := c.CreatedHours, c.CreatedWeekdays
	if hours == ([24]float64{}) {
		hours = defaultHours
	}
	if days == ([7]float64{}) {
		days = defaultWeekdays
	}
	var t createdTable
	total := 0.0
	for h, w := range hours {
		total += w
		t.hourCum[h] = total
	}
	from := c.CreatedFrom.In(c.CreatedZone)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, c.CreatedZone)
	total = 0
	for k := 0; day.Before(c.CreatedTo) && k < 366*50; k++ {
		total += days[day.Weekday()]
		t.midnight = append(t.midnight, day.Unix())
		t.dayCum = append(t.dayCum, total)
		day = day.AddDate(0, 0, 1)
	}
	return t
}

// createdAt draws a creation time in [CreatedFrom, CreatedTo) weighted by
// weekday and hour as the host's real sign-ups are.
func (g *Generator) createdAt() time.Time {
	c := &g.cfg
	r := g.rng
	t := &g.created
	for range maxAttempts {
		k := sortSearchFloat(t.dayCum, r.Float64()*t.dayCum[len(t.dayCum)-1])
		h := sortSearchFloat(t.hourCum[:], r.Float64()*t.hourCum[23])
		at := time.Unix(t.midnight[min(k, len(t.midnight)-1)]+int64(min(h, 23))*3600+int64(r.IntN(3600)), 0)
		if !at.Before(c.CreatedFrom) && at.Before(c.CreatedTo) {
			return at.UTC()
		}
	}
	// A window too narrow for its weights (a few hours at night): uniform.
	return c.CreatedFrom.Add(time.Duration(r.Int64N(int64(c.CreatedTo.Sub(c.CreatedFrom))))).UTC()
}

var (
	defaultHours = [24]float64{0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.9, 1.3, 1.5, 1.5,
		1.4, 1.4, 1.5, 1.4, 1.3, 1.1, 0.9, 0.8, 0.75, 0.6, 0.45, 0.3}
	defaultWeekdays = [7]float64{0.55, 1, 1, 1, 0.95, 0.9, 0.6}
)

// ticket draws a reference whose number follows the creation time through the
// live range, as a host's sequential ticket numbers do, with some jitter.
func (g *Generator) ticket(tx *genTx, created time.Time) (string, error) {
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
func (g *Generator) tryTicket(tx *genTx, n uint64) (string, bool, error) {
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
	tx.claimSet(g.tickets, h)
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

// sortSearchFloat returns the first index whose cumulative weight exceeds x.
func sortSearchFloat(cum []float64, x float64) int {
	lo, hi := 0, len(cum)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cum[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}
