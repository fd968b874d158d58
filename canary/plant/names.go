package plant

import (
	"context"
	"fmt"
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
// population (gen.Band).
func profileNames(ctx context.Context, p *prepared, src, region string, opts LearnOptions) (canary.HostNames, error) {
	var h canary.HostNames
	if !slices.Contains(names.Regions(), region) {
		region = "US"
	}
	for _, r := range []role{roleGiven, roleFamily} {
		c := p.col(r)
		if c == nil {
			continue
		}
		txt := "TRIM(" + textOf(p.d, c) + ")"
		query := "SELECT " + txt + ", COUNT(*) FROM " + src + " WHERE " + quote(c.name) + " IS NOT NULL GROUP BY " + txt
		rows, err := p.q.QueryContext(ctx, query)
		if err != nil {
			return h, fmt.Errorf("plant: counting the names in %q: %w", c.name, err)
		}
		type spelling struct {
			name string
			n    int
		}
		byKey := map[string][]spelling{}
		filled := 0
		for rows.Next() {
			var v []byte
			var n int
			if err := rows.Scan(&v, &n); err != nil {
				rows.Close()
				return h, fmt.Errorf("plant: counting the names in %q: %w", c.name, err)
			}
			filled += n
			if !utf8.Valid(v) || len(v) > maxListedValueLen*4 {
				continue // binary or prose: not a name a seed can hold
			}
			k := names.LetterKey(string(v))
			if k == "" {
				continue
			}
			byKey[k] = append(byKey[k], spelling{string(v), n})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return h, fmt.Errorf("plant: counting the names in %q: %w", c.name, err)
		}
		var list []canary.NameCount
		tail := make([]int, gen.Bands)
		share := names.GivenShare
		if r == roleFamily {
			share = names.FamilyShare
		}
		for _, sp := range byKey {
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
		h.Rows = max(h.Rows, filled)
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
