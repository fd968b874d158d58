package canary

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Matcher finds seeds in events and text. It is safe for concurrent use and
// keeps no state between calls beyond its options: seeds added to the registry
// are matched from the next call on.
type Matcher struct {
	reg            Registry
	regions        []find.Region // the first is the default for national numbers
	dotInsensitive map[string]bool
	scratch        sync.Pool // *finder
}

// MatcherOption configures a Matcher.
type MatcherOption func(*Matcher) error

// WithRegions sets the regions whose national formats are recognised. The first
// is the default: its national numbers ("(415) 555-0132") are read without a
// trunk prefix; the others only with theirs ("07700 900123" for GB). Default
// "US", "GB".
func WithRegions(regions ...string) MatcherOption {
	return func(m *Matcher) error {
		if len(regions) == 0 {
			return fmt.Errorf("%w: WithRegions needs a region", ErrInvalidConfig)
		}
		m.regions = m.regions[:0]
		for _, r := range regions {
			r = strings.ToUpper(r)
			cc := phonenumbers.GetCountryCodeForRegion(r)
			if cc == 0 {
				return fmt.Errorf("%w: WithRegions: unknown region %q", ErrInvalidConfig, r)
			}
			m.regions = append(m.regions, find.Region{Code: r, CC: fmt.Sprint(cc), Trunk: phonenumbers.GetNddPrefixForRegion(r, true)})
		}
		return nil
	}
}

// WithDotInsensitiveDomains names domains whose mailboxes ignore dots, as in
// Config.DotInsensitiveDomains: an address there that differs from a seed's only
// by dots is an Exact hit, not a Likely one.
func WithDotInsensitiveDomains(domains ...string) MatcherOption {
	return func(m *Matcher) error {
		for _, d := range domains {
			nd, reason := norm.AppendDomain(nil, d)
			if reason != "" {
				return fmt.Errorf("%w: WithDotInsensitiveDomains %q: %s", ErrInvalidConfig, d, reason)
			}
			m.dotInsensitive[string(nd)] = true
		}
		return nil
	}
}

// Regions returns the regions whose national formats the Matcher reads, the
// default first. A watch.Watcher reads senders and own numbers with them, so
// one setting governs every reading of a national number.
func (m *Matcher) Regions() []string {
	out := make([]string, len(m.regions))
	for i, r := range m.regions {
		out[i] = r.Code
	}
	return out
}

// NewMatcher returns a Matcher over reg.
func NewMatcher(reg Registry, opts ...MatcherOption) (*Matcher, error) {
	if reg == nil {
		return nil, fmt.Errorf("%w: NewMatcher: nil registry", ErrInvalidConfig)
	}
	m := &Matcher{reg: reg, dotInsensitive: map[string]bool{}}
	opts = append([]MatcherOption{WithRegions("US", "GB")}, opts...)
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	m.scratch.New = func() any {
		f := &finder{m: m}
		f.fnd.Report = f
		return f
	}
	return m, nil
}

// Bounds on one event, so a hostile message costs bounded work.
const (
	maxEventField = 1 << 20 // bytes of subject or body examined
	maxEventHits  = 1024
)

// Match returns every seed ev touches: as recipient or sender, and any seed
// email, phone number or ticket reference in its subject or body, in any
// formatting. Each seed and field is reported once, from the first place seen
// (to, from, envelope, subject, body). A phone number shared by several seeds
// resolves to one of them only on names in the subject and body that name it
// alone (see the package doc); otherwise the hit is Ambiguous and lists them,
// best evidence first. Names alone never make a hit. An event that touches no
// seed gives no hits and no error.
func (m *Matcher) Match(ctx context.Context, ev Event) ([]Hit, error) {
	var out []Hit
	err := m.MatchFunc(ctx, ev, func(hits []Hit) error {
		out = make([]Hit, len(hits))
		for i, h := range hits {
			h.Candidates = cloneSeeds(h.Candidates)
			if len(h.Candidates) > 0 && h.Candidates[0].ID == h.Seed.ID {
				h.Seed = h.Candidates[0] // the best candidate: one copy serves both
			} else {
				h.Seed = h.Seed.Clone()
			}
			out[i] = h
		}
		return nil
	})
	return out, err
}

// MatchFunc is Match without its copies, for callers that only read the
// hits while they act on them: it calls fn with the hits Match would return
// and returns fn's error, or returns nil without calling fn when ev touches
// no seed. The hits are the Matcher's scratch, valid only until fn returns,
// and their seeds may share their Fields maps with the registry: fn must
// not write them, and copies what it keeps (Seed.Clone, Alert.Clone).
// A watch.Watcher records its alert from within fn, so a hit costs no copy
// of a seed.
func (m *Matcher) MatchFunc(ctx context.Context, ev Event, fn func(hits []Hit) error) error {
	if ev.Channel < ChannelEmail || ev.Channel > ChannelText {
		return fmt.Errorf("%w: event channel %d", ErrInvalidInput, ev.Channel)
	}
	f := m.scratch.Get().(*finder)
	defer m.putFinder(f)
	f.reset(ctx)
	f.once, f.borrow = true, true
	f.scan("to", ev.To, false)
	for _, rcpt := range ev.Envelope {
		f.scan("envelope", rcpt, false)
	}
	f.scan("from", ev.From, false)
	f.scan("subject", ev.Subject, true)
	f.scan("body", ev.Body, true)
	if f.err != nil {
		return f.err
	}
	if len(f.hits) == 0 {
		return nil
	}
	f.resolve(ev)
	return fn(f.hits)
}

func (m *Matcher) putFinder(f *finder) {
	clear(f.hits) // hits may quote the event's text: do not keep it alive
	clear(f.seeds)
	clear(f.cands)
	f.names.reset() // its words view the event's text
	f.hits, f.pos, f.seeds, f.cands = f.hits[:0], f.pos[:0], f.seeds[:0], f.cands[:0]
	f.ctx, f.once, f.borrow = nil, false, false
	m.scratch.Put(f)
}

// finder holds the scratch state of one Match or one scanned chunk: the
// engine (package internal/find) reads candidates, and Candidate looks each
// up and records the hit.
type finder struct {
	m      *Matcher
	fnd    find.Finder
	ctx    context.Context
	err    error
	key    []byte
	pos    []int // buffer position of each hit
	hits   []Hit
	label  string
	offset bool   // label carries "@offset"
	base   int    // stream offset of text[0], for Scan
	once   bool   // report each seed and field once (Match), or every occurrence (Scan)
	view   bool   // the text is an event's string, so hits may quote it without a copy
	seeds  []Seed // scratch for MemoryRegistry lookups
	// borrow: the hits are lent to a MatchFunc callback, never kept, so
	// their seeds share the registry's Fields maps and an Ambiguous hit's
	// candidates lie in cands; otherwise (Scan) each hit owns its seeds.
	borrow bool
	cands  []Seed
	names  nameContext // the event's words, for shared numbers
}

func (f *finder) reset(ctx context.Context) {
	f.ctx, f.err, f.hits, f.pos, f.borrow = ctx, nil, f.hits[:0], f.pos[:0], false
	f.fnd.Regions, f.fnd.Shape = f.m.regions, nil
	if sh, ok := f.m.reg.(find.Shaper); ok {
		f.fnd.Shape = sh.Shape()
		if f.fnd.Shape == nil {
			f.fnd.Shape = &find.Shape{} // an empty registry: nothing can match
		}
	}
}

// Candidate implements find.Reporter: it looks the candidate up and records
// a hit if a seed has it.
func (f *finder) Candidate(field find.Field, normalized, raw []byte, pos int, conf find.Confidence) bool {
	seeds := f.lookup(Field(field), normalized)
	if len(seeds) == 0 {
		return false
	}
	c := Confidence(conf)
	if Field(field) == FieldEmail {
		c = f.emailConfidence(seeds[0], normalized)
	}
	f.add(Field(field), raw, pos, seeds, c)
	return true
}

// emailConfidence compares the address seen, normalized, with the seed's.
func (f *finder) emailConfidence(s Seed, normalized []byte) Confidence {
	if s.Email == string(normalized) { // planted in canonical form, as the Generator does
		return Exact
	}
	var reason string
	f.key, reason = norm.AppendEmail(f.key[:0], s.Email)
	if reason != "" || bytes.Equal(f.key, normalized) {
		return Exact
	}
	// Same lookup key, other dots.
	at := bytes.LastIndexByte(normalized, '@')
	if at >= 0 && f.m.dotInsensitive[string(normalized[at+1:])] {
		return Exact
	}
	return Likely
}

// scan looks for seed values in s. withOffset labels hits "label@offset".
func (f *finder) scan(label, s string, withOffset bool) {
	if s == "" || f.err != nil {
		return
	}
	if len(s) > maxEventField {
		s = s[:maxEventField]
	}
	f.label, f.offset, f.base, f.view = label, withOffset, 0, true
	text := bytesOf(s)
	f.fnd.FindAll(text, 0, len(text))
}

// evidence names where a hit was seen.
func (f *finder) evidence(pos int) string {
	if !f.offset {
		return f.label
	}
	return fmt.Sprintf("%s@%d", f.label, f.base+pos)
}

// add records a hit unless the seed and field were already hit.
func (f *finder) add(field Field, raw []byte, pos int, seeds []Seed, conf Confidence) {
	for _, h := range f.hits {
		if f.once && h.Field == field && sameSeeds(h, seeds) {
			return
		}
	}
	if f.once && len(f.hits) >= maxEventHits {
		return
	}
	var value string
	if f.view {
		value = stringOf(raw) // raw lies in the event's own immutable strings
	} else {
		value = string(raw)
	}
	h := Hit{Seed: seeds[0], Field: field, Value: value, Evidence: f.evidence(pos), Confidence: conf,
		Part: f.label, Offset: int64(f.base + pos)}
	if len(seeds) > 1 {
		// seeds may be the finder's scratch, overwritten by the next lookup.
		h.Confidence = Ambiguous
		if f.borrow {
			n := len(f.cands)
			f.cands = append(f.cands, seeds...)
			h.Candidates = f.cands[n:len(f.cands):len(f.cands)]
		} else {
			h.Candidates = slices.Clone(seeds)
		}
	}
	f.hits = append(f.hits, h)
	f.pos = append(f.pos, pos)
}

func sameSeeds(h Hit, seeds []Seed) bool {
	if len(h.Candidates) == 0 {
		return len(seeds) == 1 && h.Seed.ID == seeds[0].ID
	}
	if len(h.Candidates) != len(seeds) {
		return false
	}
	for i := range seeds {
		if h.Candidates[i].ID != seeds[i].ID {
			return false
		}
	}
	return true
}

// lookup asks the registry for a normalized value held in a scratch buffer.
func (f *finder) lookup(field Field, value []byte) []Seed {
	if f.err != nil || len(value) == 0 {
		return nil
	}
	// The registry contract forbids retaining value, so a view of the buffer
	// avoids a copy per candidate.
	if r, ok := f.m.reg.(*MemoryRegistry); ok {
		f.seeds = r.appendLookup(f.seeds[:0], field, stringOf(value), f.borrow)
		return f.seeds
	}
	seeds, err := f.m.reg.Lookup(f.ctx, field, stringOf(value))
	if err != nil {
		f.err = fmt.Errorf("canary: registry lookup: %w", err)
		return nil
	}
	return seeds
}

// resolve resolves shared phone numbers by the names in the event's
// subject and body, read as one text of at most maxEventField bytes.
func (f *finder) resolve(ev Event) {
	read := false
	for i := range f.hits {
		if h := &f.hits[i]; h.Confidence != Ambiguous || h.Field != FieldPhone {
			continue
		}
		if !read {
			subject := ev.Subject[:min(len(ev.Subject), maxEventField)]
			body := ev.Body[:min(len(ev.Body), max(0, maxEventField-len(subject)-1))]
			f.names.reset(subject, body)
			read = true
		}
		resolveShared(&f.hits[i], &f.names)
	}
}
