package names

import "sync"

// GivenForm returns the given name of the region's tables whose letters,
// lower-cased and without accents or other characters, are key ("sarah" gives
// "Sarah"; "mariacarmen" gives "María Carmen"), and the sex most of its
// holders have. ok is false when no given name has those letters.
func GivenForm(region, key string) (name string, sex Sex, ok bool) {
	f := formsOf(region)
	if f == nil {
		return "", 0, false
	}
	e, ok := f.given[key]
	return e.name, e.sex, ok
}

// FamilyForm is GivenForm for family names ("obrien" gives "O'Brien"); the
// most frequent spelling wins when several share the letters.
func FamilyForm(region, key string) (string, bool) {
	f := formsOf(region)
	if f == nil {
		return "", false
	}
	e, ok := f.family[key]
	return e.name, ok
}

// LetterKey is the key GivenForm and FamilyForm take: the ASCII letters of s,
// lower-cased, accents dropped.
func LetterKey(s string) string {
	s = fold(s)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	return string(b)
}

type form struct {
	name   string
	sex    Sex
	weight uint64
}

type forms struct {
	given, family map[string]form
}

var (
	formsMu  sync.Mutex
	formsMap = map[string]*forms{}
)

// formsOf builds a region's letter-key maps on first use.
func formsOf(region string) *forms {
	g := lookup(region)
	if g == nil {
		return nil
	}
	formsMu.Lock()
	defer formsMu.Unlock()
	if f := formsMap[region]; f != nil {
		return f
	}
	f := &forms{given: map[string]form{}, family: map[string]form{}}
	// A name's weight per sex, summed over decades, decides its sex and which
	// spelling of the same letters wins.
	weights := map[string][2]uint64{}
	for s, t := range g.given {
		t.load()
		for i := range t.cols {
			c := &t.cols[i]
			prev := uint32(0)
			for _, e := range c.entries {
				w := weights[c.name(e)]
				w[s] += uint64(e.cum - prev)
				weights[c.name(e)] = w
				prev = e.cum
			}
		}
	}
	for name, w := range weights {
		sex, total := Female, w[0]+w[1]
		if w[1] > w[0] {
			sex = Male
		}
		k := LetterKey(name)
		if old, ok := f.given[k]; !ok || total > old.weight || total == old.weight && name < old.name {
			f.given[k] = form{name: name, sex: sex, weight: total}
		}
	}
	for _, c := range []colRef{g.family, g.second} {
		if c.t == nil {
			continue
		}
		col := c.col()
		prev := uint32(0)
		for _, e := range col.entries {
			name, w := col.name(e), uint64(e.cum-prev)
			prev = e.cum
			k := LetterKey(name)
			if old, ok := f.family[k]; !ok || w > old.weight || w == old.weight && name < old.name {
				f.family[k] = form{name: name, weight: w}
			}
		}
	}
	formsMap[region] = f
	return f
}
