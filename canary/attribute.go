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
	if len(tripped) == 0 {
		return nil
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
	byMap := map[string]*acc(nil)
	var accs []*acc
	find := func(p string) *acc {
		if byMap != nil {
			return byMap[p]
		}
		for _, a := range accs {
			if a.s.Placement == p {
				return a
			}
		}
		return nil
	}
	var seenMap map[uuid.UUID]bool
	distinct := 0
	firstTime := func(i int) bool {
		if len(tripped) <= 8 {
			for _, t := range tripped[:i] {
				if t.ID == tripped[i].ID {
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
	var one [1]string // the default holders, without a slice per seed
	for i, s := range tripped {
		if !firstTime(i) {
			continue
		}
		distinct++
		var hs []string
		if opts.Holders == nil {
			if one[0] = s.Placement; s.Placement != "" {
				hs = one[:]
			}
		} else {
			hs = dedupe(holders(s))
		}
		for _, p := range hs {
			a := find(p)
			if a == nil {
				a = &acc{s: Suspect{Placement: p, Before: firstContact}, innocence: 1}
				accs = append(accs, a)
				if byMap != nil {
					byMap[p] = a
				} else if len(accs) > 8 {
					byMap = make(map[string]*acc, 2*len(accs))
					for _, a := range accs {
						byMap[a.s.Placement] = a
					}
				}
			}
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
	out := make([]Suspect, 0, len(accs))
	for _, a := range accs {
		p := a.s.Placement
		s := a.s
		s.Score = (1 - a.innocence) * a.explained
		n := len(s.Seeds)
		s.Reasons = append(s.Reasons, "held "+strconv.Itoa(n)+" of the "+strconv.Itoa(distinct)+" tripped seeds")
		// With one holder a seed, the default, no seed is shared.
		if shared := 0; opts.Holders != nil {
			if shared = sharedCount(tripped, holders, p); shared > 0 {
				s.Reasons = append(s.Reasons, strconv.Itoa(shared)+" of them also held by other placements, which share the blame")
			}
		}
		if !s.Before.IsZero() && !s.After.Before(s.Before) {
			s.Score = 0
			s.Reasons = append(s.Reasons, "cannot be the source: a seed was planted ("+s.After.UTC().Format(time.RFC3339)+
				") after the first contact or expiry ("+s.Before.UTC().Format(time.RFC3339)+")")
		} else if !s.After.IsZero() {
			s.Reasons = append(s.Reasons, "the data left after "+s.After.UTC().Format(time.RFC3339)+
				" (the latest planting) and before "+s.Before.UTC().Format(time.RFC3339))
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
