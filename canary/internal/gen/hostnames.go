package gen

import (
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// HostList is a host table's commonest names of one kind (given or family)
// with how many of its rows hold each. A name drawn for a seed comes from it
// as often as the host's rows hold one of its names, and from the
// population's tail otherwise, so that among the table's rows a seed's name
// is as common as a real customer's: a seed drawn from the census alone
// would hold names the host's rows repeat less.
type HostList struct {
	names []string
	cum   []float64       // cumulative row counts, in names' order
	keys  map[string]bool // LetterKey of every name listed
	share float64         // share of the host's rows holding a listed name
}

// NameCount is a name and how many rows hold it.
type NameCount struct {
	Name string
	Rows int
}

// NewNames returns the Names of region drawing from a host's counts of
// given and family names, out of rows rows.
func NewNames(region string, rows int, given, family []NameCount) Names {
	return Names{Region: region, Given: NewHostList(given, rows), Family: NewHostList(family, rows)}
}

// NewHostList returns the list of names, out of rows rows in all, or nil
// when it lists nothing. Names already listed (by letters, ignoring case and
// accents) add to the first spelling.
func NewHostList(list []NameCount, rows int) *HostList {
	h := &HostList{keys: make(map[string]bool, len(list))}
	total := 0
	index := make(map[string]int, len(list))
	var weights []int
	for _, nc := range list {
		k := names.LetterKey(nc.Name)
		if k == "" || nc.Rows <= 0 {
			continue
		}
		if j, ok := index[k]; ok {
			weights[j] += nc.Rows
		} else {
			index[k] = len(h.names)
			h.names = append(h.names, strings.TrimSpace(nc.Name))
			weights = append(weights, nc.Rows)
			h.keys[k] = true
		}
		total += nc.Rows
	}
	if len(h.names) == 0 || rows <= 0 {
		return nil
	}
	sum := 0.0
	for _, w := range weights {
		sum += float64(w)
		h.cum = append(h.cum, sum)
	}
	h.share = min(1, float64(total)/float64(rows))
	return h
}

// Share is the part of the host's rows holding a listed name.
func (h *HostList) Share() float64 {
	if h == nil {
		return 0
	}
	return h.share
}

// Has reports whether name is listed, ignoring case and accents.
func (h *HostList) Has(name string) bool {
	return h != nil && h.keys[names.LetterKey(name)]
}

// draw returns a listed name by its rows, or "" with the probability of a
// host row holding an unlisted one.
func (h *HostList) draw(r *rand.Rand) string {
	if h == nil || r.Float64() >= h.share {
		return ""
	}
	return h.pick(r)
}

func (h *HostList) pick(r *rand.Rand) string {
	x := r.Float64() * h.cum[len(h.cum)-1]
	return h.names[sort.SearchFloat64s(h.cum, x)%len(h.names)]
}

// tailTries bounds the redraws for a population name the host list does not
// hold: common names are few, so a handful of tries nearly always succeed.
const tailTries = 16

// Names draws seeds' names for a region: from the host's own commonest
// names at the host's rate when Given or Family is set, otherwise (and for
// the rest) from the region's population by real frequency, avoiding the
// listed names so that they are not drawn more often than the host holds
// them. The zero Names of a region draws as the population does.
type Names struct {
	Region        string
	Given, Family *HostList
}

// GivenName draws a given name for a person of sex born in born, and
// returns it with the sex it is drawn for (a listed name takes the sex most
// of its holders have, else sex).
func (n Names) GivenName(r *rand.Rand, sex names.Sex, born int) (string, names.Sex) {
	if g := n.Given.draw(r); g != "" {
		if _, s, ok := names.GivenForm(n.Region, names.LetterKey(g)); ok {
			sex = s
		}
		return g, sex
	}
	var g string
	for range tailTries {
		if g = names.Given(r, n.Region, sex, born); !n.Given.Has(g) {
			break
		}
	}
	return g, sex
}

// GivenWithInitial draws a given name starting with initial (a lower-case
// letter), of either sex in their proportions, or "" when none turns up.
func (n Names) GivenWithInitial(r *rand.Rand, sex names.Sex, born int, initial byte) string {
	if n.Given != nil && r.Float64() < n.Given.share {
		for range initialTries / 64 {
			if g := n.Given.pick(r); strings.HasPrefix(names.LetterKey(g), string(initial)) {
				return g
			}
		}
	}
	for i := 0; i < initialTries; i++ {
		s := sex
		if i%2 == 1 { // either sex, in their proportions
			s = names.Female + names.Male - sex
		}
		if g := names.Given(r, n.Region, s, born); strings.HasPrefix(names.LetterKey(g), string(initial)) {
			return g
		}
	}
	return ""
}

// FamilyName draws a family name.
func (n Names) FamilyName(r *rand.Rand) string {
	if f := n.Family.draw(r); f != "" {
		return f
	}
	var f string
	for range tailTries {
		if f = names.Family(r, n.Region); !n.Family.Has(f) {
			break
		}
	}
	return f
}
