package canary

import (
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// AttributeOptions tune Attribute. The zero value is the common case: each seed
// is held by its own placement only, and no seed value is guessable.
type AttributeOptions struct {
	// Holders returns every placement that held s: its own, and any copy made
	// from it (an export, a replica handed to a team). Default: s.Placement.
	Holders func(s Seed) []string

	// Guess is the probability that a leaker obtained a seed value without any
	// placement (a guess, another source), from 0 to 1. Default 0: canary
	// values are unique and random enough not to be guessed.
	Guess float64
}

// Attribute ranks the placements that could have leaked the tripped seeds, the
// canary trap: every placement got its own seeds, so the seeds that were
// contacted say which copy of the data left, and when.
//
// Each suspect's Score is its guilt probability in the model of Papadimitriou
// and Garcia-Molina ("Data Leakage Detection", 2011): a tripped seed held by
// k placements was leaked by each with probability (1-Guess)/k, and a placement
// is guilty unless it leaked none of its tripped seeds. That probability is
// weighted by the share of the tripped seeds the placement explains (a seed
// held by k placements counts 1/k to each): with unguessable seeds every
// placement holding one is surely guilty, yet the one holding 3 of 4 tripped
// seeds is the likelier source of a single leak than the one holding 1 of 4.
// Scores are then normalized to sum to 1. The window is when the data must have left: after
// the latest PlantedAt of the tripped seeds it held, and before firstContact
// or the earliest end (EndedAt: retired or expired) among them, whichever is sooner. A placement whose
// window is empty (a seed planted after the first contact) cannot be the
// source and is ranked last with Score 0 and the reason.
func Attribute(tripped []Seed, firstContact time.Time, opts AttributeOptions) []Suspect {
	return attribute(tripped, firstContact, opts, nil)
}

// An Attributor is Attribute with memory reused from one call to the next,
// for a caller that attributes alert after alert and keeps only copies (a
// watch.Watcher attributes every alert it records, and the Outbox copies
// what it stores). The zero value is ready to use. An Attributor is not safe
// for concurrent use.
type Attributor struct {
	// Strings, when set, makes the string of a reason from its bytes, which
	// it must not keep: a caller that holds the text of many alerts in few
	// allocations sets it. Default: string(b).
	Strings func(b []byte) string

	block attribution
	text  []byte // a reason's bytes, for Strings
}

// Attribute is [Attribute] in a's memory: the suspects and their Seeds and
// Reasons slices are valid until the next call, and a caller that keeps
// them copies them ([Alert.Clone]). The reasons themselves are strings of
// their own.
func (a *Attributor) Attribute(tripped []Seed, firstContact time.Time, opts AttributeOptions) []Suspect {
	a.block = attribution{} // the last alert's reasons are not kept alive
	return attribute(tripped, firstContact, opts, a)
}

// attribute is Attribute, in at's memory when at is not nil.
func attribute(tripped []Seed, firstContact time.Time, opts AttributeOptions, at *Attributor) []Suspect {
	if len(tripped) == 0 {
		return nil
	}
	if opts.Holders == nil && len(tripped) <= len(attribution{}.seeds) && onePlacement(tripped) {
		return attributeOne(tripped, firstContact, min(max(opts.Guess, 0), 1), at)
	}
	return attributeAny(tripped, firstContact, opts, at)
}

// onePlacement reports whether every seed has one and the same placement.
func onePlacement(seeds []Seed) bool {
	p := seeds[0].Placement
	for i := 1; i < len(seeds); i++ {
		if seeds[i].Placement != p {
			return false
		}
	}
	return p != ""
}

// attributeOne is attributeAny for the common alert: a few seeds, all of
// one placement, each held by it alone. Its one suspect is built in place,
// with no search of suspects and no sort; TestAttributeOneAsAny checks it
// against the general path.
func attributeOne(tripped []Seed, firstContact time.Time, guess float64, at *Attributor) []Suspect {
	var block *attribution
	if at != nil {
		block = &at.block
	} else {
		block = new(attribution)
	}
	out := block.suspects[:1]
	s := &out[0]
	*s = Suspect{Placement: tripped[0].Placement, Before: firstContact, Seeds: block.seeds[:0], Reasons: block.reasons[:0]}
	innocence, explained := 1.0, 0.0
	for i := range tripped {
		t := &tripped[i]
		if slices.Contains(s.Seeds, t.ID) {
			continue
		}
		s.Seeds = append(s.Seeds, t.ID)
		innocence *= 1 - (1 - guess) // as attributeAny's, which divides by one holder
		explained++
		if t.PlantedAt.After(s.After) {
			s.After = t.PlantedAt
		}
		if end := t.EndedAt(); !end.IsZero() && (s.Before.IsZero() || end.Before(s.Before)) {
			s.Before = end
		}
	}
	s.Score = (1 - innocence) * explained
	s.Reasons = append(s.Reasons, heldReason(len(s.Seeds), len(s.Seeds)))
	empty := !s.Before.IsZero() && !s.After.Before(s.Before)
	if empty {
		s.Score = 0
	}
	if empty || !s.After.IsZero() {
		s.Reasons = append(s.Reasons, windowReason(s, empty, at))
	}
	if s.Score > 0 {
		s.Score /= s.Score // normalized, as attributeAny's: to 1
	}
	return out
}

// windowReason is appendWindowReason's text, made by at's Strings when set.
func windowReason(s *Suspect, empty bool, at *Attributor) string {
	if at != nil && at.Strings != nil {
		// at.text is at's own: its bytes can go to Strings, a stack buffer's cannot.
		at.text = appendWindowReason(at.text[:0], s, empty)
		return at.Strings(at.text)
	}
	var buf [160]byte
	return string(appendWindowReason(buf[:0], s, empty))
}

// attributeAny is attribute for any seeds and options.
func attributeAny(tripped []Seed, firstContact time.Time, opts AttributeOptions, at *Attributor) []Suspect {
	var block *attribution
	if at != nil {
		block = &at.block
	}
	holders := opts.Holders
	if holders == nil {
		holders = func(s Seed) []string { return []string{s.Placement} }
	}
	guess := min(max(opts.Guess, 0), 1)

	type acc struct {
		s         Suspect
		innocence float64 // probability it leaked none of its seeds
		explained float64 // tripped seeds it accounts for, shared ones split
	}
	// A Watcher attributes every alert, of a seed or a few: small inputs
	// are searched in slices, large ones (a scan's) through maps.
	byMap := map[string]int(nil)
	var accBuf [4]acc
	accs := accBuf[:0]
	find := func(p string) int {
		if byMap != nil {
			if i, ok := byMap[p]; ok {
				return i
			}
			return -1
		}
		for i := range accs {
			if accs[i].s.Placement == p {
				return i
			}
		}
		return -1
	}
	var seenMap map[uuid.UUID]bool
	distinct := 0
	firstTime := func(i int) bool {
		if len(tripped) <= 8 {
			for j := range i { // by index: a Seed is large
				if tripped[j].ID == tripped[i].ID {
					return false
				}
			}
			return true
		}
		if seenMap == nil {
			seenMap = make(map[uuid.UUID]bool, len(tripped))
		}
		if seenMap[tripped[i].ID] {
			return false
		}
		seenMap[tripped[i].ID] = true
		return true
	}
	// One placement and a few seeds is the common alert: its suspect, seeds
	// and reasons then share one allocation, or none in an Attributor.
	if opts.Holders != nil || len(tripped) > len(block.seeds) {
		block = nil
	} else if block == nil {
		block = new(attribution)
	}
	var one [1]string // the default holders, without a slice per seed
	for i := range tripped {
		if !firstTime(i) {
			continue
		}
		s := &tripped[i] // a Seed is large: not copied per holder
		distinct++
		var hs []string
		if opts.Holders == nil {
			if one[0] = s.Placement; s.Placement != "" {
				hs = one[:]
			}
		} else {
			hs = dedupe(holders(*s))
		}
		for _, p := range hs {
			i := find(p)
			if i < 0 {
				i = len(accs)
				accs = append(accs, acc{s: Suspect{Placement: p, Before: firstContact}, innocence: 1})
				switch {
				case i == 0 && block != nil:
					accs[i].s.Seeds = block.seeds[:0]
				case i == 0 && opts.Holders == nil:
					// Most alerts trip the seeds of one placement: one slice holds them all.
					accs[i].s.Seeds = make([]uuid.UUID, 0, len(tripped))
				}
				if byMap != nil {
					byMap[p] = i
				} else if len(accs) > 8 {
					byMap = make(map[string]int, 2*len(accs))
					for i, a := range accs {
						byMap[a.s.Placement] = i
					}
				}
			}
			a := &accs[i]
			a.s.Seeds = append(a.s.Seeds, s.ID)
			a.innocence *= 1 - (1-guess)/float64(len(hs))
			a.explained += 1 / float64(len(hs))
			if s.PlantedAt.After(a.s.After) {
				a.s.After = s.PlantedAt
			}
			if end := s.EndedAt(); !end.IsZero() && (a.s.Before.IsZero() || end.Before(a.s.Before)) {
				a.s.Before = end // a copy holding it was taken while it was planted
			}
		}
	}

	total := 0.0
	// At most maxReasons reasons a suspect, all in one backing array.
	var out []Suspect
	var reasons []string
	if block != nil && len(accs) == 1 {
		out, reasons = block.suspects[:0], block.reasons[:]
	} else {
		out, reasons = make([]Suspect, 0, len(accs)), make([]string, maxReasons*len(accs))
	}
	for i, a := range accs {
		p := a.s.Placement
		s := a.s
		s.Reasons = reasons[i*maxReasons : i*maxReasons : (i+1)*maxReasons]
		s.Score = (1 - a.innocence) * a.explained
		s.Reasons = append(s.Reasons, heldReason(len(s.Seeds), distinct))
		// With one holder a seed, the default, no seed is shared.
		if shared := 0; opts.Holders != nil {
			if shared = sharedCount(tripped, holders, p); shared > 0 {
				s.Reasons = append(s.Reasons, strconv.Itoa(shared)+" of them also held by other placements, which share the blame")
			}
		}
		empty := !s.Before.IsZero() && !s.After.Before(s.Before)
		if empty {
			s.Score = 0
		}
		if empty || !s.After.IsZero() {
			s.Reasons = append(s.Reasons, windowReason(&s, empty, at))
		}
		total += s.Score
		out = append(out, s)
	}
	for i := range out {
		if total > 0 {
			out[i].Score /= total
		}
	}
	slices.SortStableFunc(out, func(a, b Suspect) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return len(b.Seeds) - len(a.Seeds)
	})
	return out
}

// appendWindowReason appends the reason that gives s's window: when the
// data left, or, for an empty window, why s cannot be the source.
func appendWindowReason(b []byte, s *Suspect, empty bool) []byte {
	if empty {
		b = append(b, "cannot be the source: a seed was planted ("...)
		b = s.After.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, ") after the first contact or expiry ("...)
		b = s.Before.UTC().AppendFormat(b, time.RFC3339)
		return append(b, ')')
	}
	b = append(b, "the data left after "...)
	b = s.After.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, " (the latest planting) and before "...)
	return s.Before.UTC().AppendFormat(b, time.RFC3339)
}

// maxReasons bounds the reasons Attribute gives a suspect: what it held,
// what it shared, and its window.
const maxReasons = 3

// attribution is the memory of a one-suspect attribution of a few seeds.
type attribution struct {
	suspects [1]Suspect
	seeds    [4]uuid.UUID
	reasons  [maxReasons]string
}

// heldReasons are the first reasons of the common small alerts, made once:
// heldReasons[n][m] says a placement held n of m tripped seeds.
var heldReasons = func() (t [9][9]string) {
	for m := 1; m < len(t); m++ {
		for n := 1; n <= m; n++ {
			t[n][m] = heldReasonText(n, m)
		}
	}
	return t
}()

func heldReason(n, m int) string {
	if m < len(heldReasons) && n <= m {
		return heldReasons[n][m]
	}
	return heldReasonText(n, m)
}

func heldReasonText(n, m int) string {
	return "held " + strconv.Itoa(n) + " of the " + strconv.Itoa(m) + " tripped seeds"
}

func sharedCount(tripped []Seed, holders func(Seed) []string, p string) int {
	n := 0
	seen := map[uuid.UUID]bool{}
	for _, s := range tripped {
		if seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		hs := dedupe(holders(s))
		if len(hs) > 1 && slices.Contains(hs, p) {
			n++
		}
	}
	return n
}

func dedupe(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
