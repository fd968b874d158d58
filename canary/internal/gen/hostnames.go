package gen

import (
	"math"
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
	tail  []float64 // cumulative rows of unlisted names by rarity band (see Band)
	names []string
	cum   []float64      // cumulative row counts, in names' order
	keys  map[string]int // LetterKey of every name listed -> its index
	share float64        // share of the host's rows holding a listed name
}

// NameCount is a name and how many rows hold it.
type NameCount struct {
	Name string
	Rows int
}

// Bands is the number of rarity bands: a name whose share of the
// population is in [10^-(b+1), 10^-b) is in band b, and band Bands-1 also
// holds the names the population tables do not know.
const Bands = 8

// Band returns the rarity band of a population share.
func Band(share float64) int {
	if share <= 0 {
		return Bands - 1
	}
	return min(Bands-1, max(0, int(-math.Log10(share))))
}

// NewNames returns the Names of region drawing from a host's counts of
// given and family names, out of rows rows, and of the rows holding an
// unlisted name by its rarity band (nil: the population's own).
func NewNames(region string, rows int, given, family []NameCount, givenTail, familyTail []int) Names {
	return Names{Region: region, Given: NewHostList(given, givenTail, rows), Family: NewHostList(family, familyTail, rows)}
}

// NewHostList returns the list of names, out of rows rows in all, or nil
// when it lists nothing. Names already listed (by letters, ignoring case and
// accents) add to the first spelling. tail counts the rows holding an
// unlisted name by its rarity band.
func NewHostList(list []NameCount, tail []int, rows int) *HostList {
	h := &HostList{keys: make(map[string]int, len(list))}
	sum := 0.0
	for _, n := range tail[:min(len(tail), Bands)] {
		sum += float64(max(0, n))
		h.tail = append(h.tail, sum)
	}
	if sum == 0 {
		h.tail = nil
	}
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
			h.keys[k] = len(h.names) - 1
		}
		total += nc.Rows
	}
	if len(h.names) == 0 && h.tail == nil || rows <= 0 {
		return nil
	}
	sum = 0.0
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
	_, ok := h.form(names.LetterKey(name))
	return ok
}

// form returns the listed name whose LetterKey is key.
func (h *HostList) form(key string) (string, bool) {
	if h == nil {
		return "", false
	}
	i, ok := h.keys[key]
	if !ok {
		return "", false
	}
	return h.names[i], true
}

// draw returns a listed name by its rows, or "" with the probability of a
// host row holding an unlisted one.
func (h *HostList) draw(r *rand.Rand) string {
	if h == nil || r.Float64() >= h.share {
		return ""
	}
	return h.pick(r)
}

// band draws the rarity band of an unlisted name, as the host's are; -1
// when the host did not say.
func (h *HostList) band(r *rand.Rand) int {
	if h == nil || h.tail == nil {
		return -1
	}
	x := r.Float64() * h.tail[len(h.tail)-1]
	return min(sort.SearchFloat64s(h.tail, x), len(h.tail)-1)
}

// bandTries bounds the population draws looking for a name of a rarity
// band: the rarest bands hold a few percent of the population.
const bandTries = 512

// tailDraw draws population names with draw until one is unlisted and, when
// the host said how rare its unlisted names are, of a band drawn as
// theirs; the nearest band found when none is.
func (h *HostList) tailDraw(r *rand.Rand, draw func() string, share func(string) float64) string {
	want := h.band(r)
	tries := tailTries
	if want >= 0 {
		tries = bandTries
	}
	best, bestOff := "", Bands+1
	for range tries {
		n := draw()
		if h.Has(n) {
			continue
		}
		if want < 0 {
			return n
		}
		b := Band(share(n))
		if want == Bands-1 && b >= Bands-2 {
			b = want // the tables hold no name rarer than their rarest
		}
		if off := abs(b - want); off < bestOff {
			best, bestOff = n, off
			if off == 0 {
				break
			}
		}
	}
	if best == "" {
		return draw()
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
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
	return n.Given.tailDraw(r, func() string { return names.Given(r, n.Region, sex, born) },
		func(g string) float64 { return names.GivenShare(n.Region, g) }), sex
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
	return n.Family.tailDraw(r, func() string { return names.Family(r, n.Region) },
		func(f string) float64 { return names.FamilyShare(n.Region, f) })
}
