package plant

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/gen"
	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// maxNamesListed bounds the names Learn lists per column: a table's
// commonest names, not a directory of its customers.
const maxNamesListed = 2000

// profileNames counts the host's given and family names, grouped by the
// database on their trimmed text and folded here by letters (case and
// accents aside), keeping those at least opts.MinNameCount rows share:
// aggregates a seed's name is drawn from, none naming a customer. The
// rows holding a rarer name are counted by how rare it is in region's
// population (gen.Band). A host with one column for the whole name (and
// none for its parts) has its first word counted as the given name and its
// last as the family name.
func profileNames(ctx context.Context, p *prepared, src, region string, opts LearnOptions) (canary.HostNames, error) {
	var h canary.HostNames
	if !slices.Contains(names.Regions(), region) {
		region = "US"
	}
	type spelling struct {
		name string
		n    int
	}
	byKey := map[role]map[string][]spelling{roleGiven: {}, roleFamily: {}}
	filled := map[role]int{}
	add := func(r role, v string, n int) {
		if k := names.LetterKey(v); k != "" {
			byKey[r][k] = append(byKey[r][k], spelling{v, n})
		}
	}
	// count groups the rows of column c by its trimmed text and hands each
	// name and its count to each ("" for binary or prose: no name a seed
	// can hold).
	count := func(c *column, each func(v string, n int)) error {
		txt := "TRIM(" + textOf(p.d, c) + ")"
		return groupCounts(ctx, p, "SELECT "+txt+", COUNT(*) FROM "+src+" WHERE "+quote(c.name)+" IS NOT NULL GROUP BY "+txt, "names in", c.name, each)
	}
	for _, r := range []role{roleGiven, roleFamily} {
		if c := p.col(r); c != nil {
			err := count(c, func(v string, n int) {
				filled[r] += n
				if w := strings.Fields(v); r == roleGiven && len(w) > 1 && isInitial(w[len(w)-1]) {
					v = strings.Join(w[:len(w)-1], " ") // "John A.": John, with a middle initial (Messiness)
				}
				add(r, v, n)
			})
			if err != nil {
				return h, err
			}
		}
	}
	if c := p.col(roleFull); c != nil && p.col(roleGiven) == nil && p.col(roleFamily) == nil {
		// One column for the whole name, as seeds are written into it: the
		// first word is the given name, the last the family name.
		err := count(c, func(v string, n int) {
			filled[roleGiven] += n
			filled[roleFamily] += n
			if w := strings.Fields(v); len(w) >= 2 {
				add(roleGiven, w[0], n)
				add(roleFamily, w[len(w)-1], n)
			}
		})
		if err != nil {
			return h, err
		}
	}
	for _, r := range []role{roleGiven, roleFamily} {
		if filled[r] == 0 && len(byKey[r]) == 0 {
			continue
		}
		var list []canary.NameCount
		tail := make([]int, gen.Bands)
		share := names.GivenShare
		if r == roleFamily {
			share = names.FamilyShare
		}
		for _, sp := range byKey[r] {
			// The spelling most rows use, preferring a capitalised one:
			// Blend writes seeds in capitals or lower case at the host's rates.
			best := slices.MinFunc(sp, func(a, b spelling) int {
				if ca, cb := capitalised(a.name), capitalised(b.name); ca && !cb {
					return -1
				} else if cb && !ca {
					return 1
				}
				if a.n != b.n {
					return b.n - a.n
				}
				return strings.Compare(a.name, b.name)
			})
			total := 0
			for _, s := range sp {
				total += s.n
			}
			if total >= opts.MinNameCount {
				list = append(list, canary.NameCount{Name: best.name, Rows: total})
			} else {
				tail[gen.Band(share(region, best.name))] += total
			}
		}
		slices.SortFunc(list, func(a, b canary.NameCount) int {
			if a.Rows != b.Rows {
				return b.Rows - a.Rows
			}
			return strings.Compare(a.Name, b.Name)
		})
		if len(list) > maxNamesListed {
			list = list[:maxNamesListed]
		}
		h.Rows = max(h.Rows, filled[r])
		if r == roleGiven {
			h.Given, h.GivenTail = list, tail
		} else {
			h.Family, h.FamilyTail = list, tail
		}
	}
	if len(h.Given) == 0 && len(h.Family) == 0 {
		return canary.HostNames{}, nil
	}
	return h, nil
}

// capitalised reports whether a name is written as names usually are: its
// first letter a capital and not every letter one.
func capitalised(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(first) && strings.ToUpper(s) != s
}
