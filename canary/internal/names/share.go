package names

import "sync"

// GivenShare returns the share of the region's population holding the given
// name, of either sex, averaged over the birth decades; FamilyShare does the
// same for a family name (for "ES", the first surname's column). Both ignore
// case and accents, and return 0 for a name outside the tables: one of the
// rarest 5% the tables leave out, or no name at all. They tell how common a
// name is, as an insider judging a customer row would.
func GivenShare(region, name string) float64 {
	s := sharesFor(region)
	if s == nil {
		return 0
	}
	return s.given[fold(name)]
}

// FamilyShare: see GivenShare.
func FamilyShare(region, name string) float64 {
	s := sharesFor(region)
	if s == nil {
		return 0
	}
	return s.family[fold(name)]
}

// shares holds a region's name shares by folded name.
type shares struct {
	given, family map[string]float64
}

var (
	sharesMu sync.Mutex
	sharesOf = map[*region]*shares{}
)

func sharesFor(code string) *shares {
	g := lookup(code)
	if g == nil {
		return nil
	}
	sharesMu.Lock()
	defer sharesMu.Unlock()
	if s, ok := sharesOf[g]; ok {
		return s
	}
	s := &shares{given: map[string]float64{}, family: map[string]float64{}}
	// Each sex is half the population, each decade column weighs the same.
	for _, t := range g.given {
		t = t.load()
		for i := range t.cols {
			addShares(s.given, &t.cols[i], 0.5/float64(len(t.cols)))
		}
	}
	addShares(s.family, g.family.col(), 1)
	sharesOf[g] = s
	return s
}

// addShares adds each name's share of c, times scale, to m.
func addShares(m map[string]float64, c *column, scale float64) {
	total := float64(c.entries[len(c.entries)-1].cum)
	prev := uint32(0)
	for _, e := range c.entries {
		m[fold(c.name(e))] += float64(e.cum-prev) / total * scale
		prev = e.cum
	}
}
