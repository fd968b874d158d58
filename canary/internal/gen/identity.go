package gen

import (
	"math/rand/v2"
	"strings"

	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// Fit is what a mailbox's local part says about its holder: the parts of a
// name it spells and the birth year its digits suggest. A field left zero is
// not said, and is drawn freely.
type Fit struct {
	Given   string    // the given name spelled out, as the tables write it
	Sex     names.Sex // the sex most holders of Given have
	Initial byte      // the given name's initial when only that is spelled ("mkelly")
	Family  string    // the family name spelled out, as the tables write it
	Born    int       // the birth year the digits give; 0 when they give none
}

// Handle reports whether the local part spells no name ("bluesky77").
func (f Fit) Handle() bool { return f.Given == "" && f.Initial == 0 && f.Family == "" }

// Adults are 18 to 90: two or four digits outside that are no birth year.
const minAge, maxAge = 18, 90

// ParseLocal reads a mailbox's local part in year now, knowing the names of
// src's region and the host's listed ones:
// "mkelly1987" is a Kelly born in 1987 whose given name starts with M,
// "sarah.connor" is Sarah Connor, "bluesky77" a handle of someone born in
// 1977. A "+tag" is ignored. Any text is accepted: what it does not spell is
// left for Draw.
func ParseLocal(src Names, local string, now int) Fit {
	region := src.Region
	local = strings.ToLower(local)
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	var f Fit
	// Trailing digits: a birth year in four digits or two.
	end := len(local)
	for end > 0 && local[end-1] >= '0' && local[end-1] <= '9' {
		end--
	}
	if digits := local[end:]; len(digits) == 2 || len(digits) == 4 {
		y := 0
		for i := 0; i < len(digits); i++ {
			y = y*10 + int(digits[i]-'0')
		}
		if len(digits) == 2 {
			if y+1900 >= now-maxAge && y+1900 <= now-minAge {
				y += 1900
			} else {
				y += 2000
			}
		}
		if y >= now-maxAge && y <= now-minAge {
			f.Born = y
		}
	}
	var words []string
	for _, w := range strings.FieldsFunc(local[:end], func(c rune) bool { return c == '.' || c == '_' || c == '-' }) {
		if k := names.LetterKey(w); k != "" {
			words = append(words, k)
		}
	}
	given := func(k string) bool {
		if len(k) < 2 {
			return false
		}
		n, sex, ok := names.GivenForm(region, k)
		if ok {
			f.Given, f.Sex = n, sex
		} else if n, ok = src.Given.form(k); ok {
			f.Given = n // a host's name the population tables lack
		}
		return ok
	}
	family := func(k string) bool {
		if len(k) < 2 {
			return false
		}
		n, ok := names.FamilyForm(region, k)
		if !ok {
			n, ok = src.Family.form(k) // a host's name the population tables lack
		}
		if ok {
			f.Family = n
		}
		return ok
	}
	switch {
	case len(words) >= 2:
		a, b := words[0], words[len(words)-1]
		// Both orders spell a name ("smith.michael": Smith is a given name too):
		// the commoner reading wins.
		var gf, fg float64
		// A host's name the tables lack counts as a rare one.
		share := func() float64 {
			return max(names.GivenShare(region, f.Given), 1e-7) * max(names.FamilyShare(region, f.Family), 1e-7)
		}
		if given(a) && family(b) {
			gf = share()
		}
		if given(b) && family(a) {
			fg = share()
		}
		f.Given, f.Family, f.Sex = "", "", 0
		switch {
		case gf > 0 && gf >= fg && given(a) && family(b): // sarah.connor
		case fg > 0 && given(b) && family(a): // kelly.sarah
		case len(a) == 1 && family(b): // m.kelly
			f.Initial = a[0]
		case len(b) == 1 && family(a): // kelly.m
			f.Initial = b[0]
		default:
			f = Fit{Born: f.Born}
			given(a)
		}
	case len(words) == 1:
		w := words[0]
		if given(w) { // sarah87
			break
		}
		// A given and a family name run together: the split with the longest
		// given name ("sarahconnor").
		for i := len(w) - 2; i >= 3; i-- {
			if given(w[:i]) && family(w[i:]) {
				return f
			}
			f.Given, f.Family, f.Sex = "", "", 0
		}
		switch {
		case len(w) > 2 && family(w[1:]): // mkelly
			f.Initial = w[0]
		case len(w) > 2 && family(w[:len(w)-1]): // kellym
			f.Initial = w[len(w)-1]
		case family(w): // kelly
		}
		if f.Family == "" {
			f.Given, f.Sex, f.Initial = "", 0, 0
		}
	}
	return f
}

// initialTries bounds the draws for a given name with a set initial; the
// rarest initials in the tables still come up well within it.
const initialTries = 8192

// Draw completes f into a full identity in year now, drawing what f does
// not say from src: a given name with f's initial is drawn from the names
// with that initial, in their proportions.
func (f Fit) Draw(r *rand.Rand, src Names, now int) (given, family string, born int) {
	born = f.Born
	if born == 0 {
		born = names.BirthYear(r, src.Region, now)
	}
	sex := f.Sex
	if sex == 0 {
		sex = names.Female
		if r.IntN(100) >= 51 {
			sex = names.Male
		}
	}
	given = f.Given
	if given == "" {
		if f.Initial != 0 {
			given = src.GivenWithInitial(r, sex, born, f.Initial)
		}
		if given == "" {
			given, _ = src.GivenName(r, sex, born)
		}
	}
	family = f.Family
	if family == "" {
		family = src.FamilyName(r)
	} else if _, second := names.FamilyParts(r, src.Region); second != "" {
		family += " " + second // Spanish: the mailbox spells the first surname
	}
	return given, family, born
}
