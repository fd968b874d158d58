package plant

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// DomainProfile is how the host's addresses spread over email domains,
// counted by the database over the whole table (or its profiled sample).
type DomainProfile struct {
	// Addresses is how many rows hold an address with an '@'; Domains how
	// many distinct domains they use.
	Addresses, Domains int
	// Big is the share of addresses at the big providers (gmail.com,
	// outlook.com, yahoo.co.uk, ...: see BigProvider) or at any domain holding
	// at least 1% of the addresses.
	Big float64
	// SmallRepeats[k] is how many of the other (small) domains are used by
	// exactly k+1 addresses, for k < len-1; the last entry counts those used
	// by len or more.
	SmallRepeats []int
}

// smallRepeatBuckets is the length of DomainProfile.SmallRepeats.
const smallRepeatBuckets = 20

// MaxPerSmallDomain returns how many addresses a small domain of the host
// holds at most in all but the top 5% of small domains: a domain of the
// operator's used more often than that stands out among them. At least 1.
func (d DomainProfile) MaxPerSmallDomain() int {
	total := 0
	for _, n := range d.SmallRepeats {
		total += n
	}
	if total == 0 {
		return 1
	}
	seen := 0
	for k, n := range d.SmallRepeats {
		seen += n
		if float64(seen) >= 0.95*float64(total) {
			return k + 1
		}
	}
	return len(d.SmallRepeats)
}

// bigProviders are the mailbox providers most consumers' addresses are at.
var bigProviders = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
	"msn.com", "live.com", "me.com", "mac.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net",
	"protonmail.com", "proton.me", "gmx.com", "mail.com", "ymail.com",
	"yahoo.co.uk", "hotmail.co.uk", "btinternet.com", "sky.com", "virginmedia.com", "live.co.uk", "talktalk.net",
	"yahoo.es", "hotmail.es", "outlook.es", "telefonica.net", "movistar.es",
}

// BigProvider reports whether domain (lower case) is one of the big public
// mailbox providers Learn counts as such.
func BigProvider(domain string) bool { return slices.Contains(bigProviders, domain) }

// domainExpr returns the SQL for the lower-case domain of an address column.
func domainExpr(d Dialect, col string) string {
	e := "LOWER(TRIM(CAST(" + quote(col) + " AS TEXT)))"
	if d == PostgreSQL {
		return "SPLIT_PART(" + e + ", '@', 2)"
	}
	return "SUBSTR(" + e + ", INSTR(" + e + ", '@') + 1)"
}

func profileDomains(ctx context.Context, p *prepared, src string) (DomainProfile, error) {
	var d DomainProfile
	email := p.col(roleEmail)
	if email == nil {
		return d, nil
	}
	dom := domainExpr(p.d, email.name)
	query := "SELECT " + dom + ", COUNT(*) FROM " + src + " WHERE CAST(" + quote(email.name) + " AS TEXT) LIKE '%@%' GROUP BY " + dom
	rows, err := p.q.QueryContext(ctx, query)
	if err != nil {
		return d, fmt.Errorf("plant: counting the email domains of %q: %w", p.t.name, err)
	}
	defer rows.Close()
	type dc struct {
		dom string
		n   int
	}
	var all []dc
	for rows.Next() {
		var v []byte
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return d, fmt.Errorf("plant: counting the email domains of %q: %w", p.t.name, err)
		}
		d.Addresses += n
		d.Domains++
		all = append(all, dc{strings.TrimSpace(string(v)), n})
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("plant: counting the email domains of %q: %w", p.t.name, err)
	}
	d.SmallRepeats = make([]int, smallRepeatBuckets)
	big := 0
	for _, x := range all {
		if BigProvider(x.dom) || float64(x.n) >= 0.01*float64(d.Addresses) && x.n >= 5 {
			big += x.n
			continue
		}
		d.SmallRepeats[min(x.n, smallRepeatBuckets)-1]++
	}
	if d.Addresses > 0 {
		d.Big = float64(big) / float64(d.Addresses)
	}
	return d, nil
}

// PhoneSharing is how the host's rows share phone numbers, counted by the
// database on the numbers as written.
type PhoneSharing struct {
	// WithPhone is how many rows hold a number; Numbers how many distinct
	// numbers they hold.
	WithPhone, Numbers int
	// Shared is how many numbers two or more rows hold, SharedRows how many
	// rows hold those, and Households how many of the shared numbers all
	// their rows agree on the family name (when the Mapping has a family
	// name column; else 0). MaxRows is the most rows on one number.
	Shared, SharedRows, Households, MaxRows int
}

// DuplicateRate is the share of rows with a phone whose number another row holds too.
func (s PhoneSharing) DuplicateRate() float64 {
	if s.WithPhone == 0 {
		return 0
	}
	return float64(s.SharedRows) / float64(s.WithPhone)
}

// seedsPerNumber is how many rows the host's numbers hold on average,
// rounded, at least 1: with a share d of rows on shared numbers of k rows
// each, a number holds 1/((1-d) + d/k) rows.
func (s PhoneSharing) seedsPerNumber() int {
	d := s.DuplicateRate()
	if d <= 0 || s.Shared == 0 {
		return 1
	}
	k := float64(s.SharedRows) / float64(s.Shared)
	return max(1, int(math.Round(1/((1-d)+d/k))))
}

// HouseholdShare is the share of shared numbers whose rows share a family name.
func (s PhoneSharing) HouseholdShare() float64 {
	if s.Shared == 0 {
		return 0
	}
	return float64(s.Households) / float64(s.Shared)
}

func profilePhones(ctx context.Context, p *prepared, src string) (PhoneSharing, error) {
	var s PhoneSharing
	phone := p.col(rolePhone)
	if phone == nil {
		return s, nil
	}
	ph := "TRIM(CAST(" + quote(phone.name) + " AS TEXT))"
	fam := "NULL"
	if f := p.col(roleFamily); f != nil {
		fam = "LOWER(TRIM(CAST(" + quote(f.name) + " AS TEXT)))"
	}
	query := "SELECT COUNT(*), COALESCE(SUM(n), 0), COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0)," +
		" COALESCE(SUM(CASE WHEN n > 1 THEN n ELSE 0 END), 0)," +
		" COALESCE(SUM(CASE WHEN n > 1 AND nf = 1 AND nfam = n THEN 1 ELSE 0 END), 0), COALESCE(MAX(n), 0)" +
		" FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT " + fam + ") AS nf, COUNT(" + fam + ") AS nfam FROM " + src +
		" WHERE " + quote(phone.name) + " IS NOT NULL AND " + ph + " <> '' GROUP BY " + ph + ") g"
	err := p.q.QueryRowContext(ctx, query).Scan(&s.Numbers, &s.WithPhone, &s.Shared, &s.SharedRows, &s.Households, &s.MaxRows)
	if err != nil {
		return s, fmt.Errorf("plant: counting shared numbers of %q: %w", p.t.name, err)
	}
	if p.col(roleFamily) == nil {
		s.Households = 0
	}
	return s, nil
}

// Messiness is how untidy the host's names and addresses are, counted over
// the sample: the shares of rows (with a name, or an address) showing each
// habit. Seeds that are all tidy stand out among rows that are not.
type Messiness struct {
	// Names is how many rows had a name; AllCaps, LowerCase and
	// MiddleInitial the shares of those written all in capitals ("JOHN
	// SMITH"), all in lower case ("john smith"), or with a middle initial
	// ("John A. Smith", given name "John A").
	Names                             int
	AllCaps, LowerCase, MiddleInitial float64
	// MiddleInitialDot is the share of those middle initials written with
	// a dot ("A." rather than "A").
	MiddleInitialDot float64
	// Emails is how many addresses were read; CapitalEmail the share written
	// with a capital letter ("John.Smith@..."), Handle the share whose local
	// part holds neither the given nor the family name ("bluesky77"; only
	// counted when the Mapping has name columns), HandleDigits the share of
	// those handles ending in digits.
	Emails                             int
	CapitalEmail, Handle, HandleDigits float64
}

// messCounter counts the habits of Messiness.
type messCounter struct {
	names, caps, lower, middle   int
	middleDot                    int
	emails, capEmail             int
	named, handles, handleDigits int
}

func (m *messCounter) name(given, family, full string) {
	n := strings.TrimSpace(given + " " + family)
	if given == "" && family == "" {
		n = strings.TrimSpace(full)
	}
	if n == "" || len(n) > 200 {
		return
	}
	m.names++
	upper, lower := strings.ToUpper(n), strings.ToLower(n)
	switch {
	case n == upper && n != lower:
		m.caps++
	case n == lower && n != upper:
		m.lower++
	}
	initial := func(w string) {
		m.middle++
		if strings.HasSuffix(w, ".") {
			m.middleDot++
		}
	}
	words := strings.Fields(n)
	if given != "" {
		words = strings.Fields(given)
		if len(words) > 1 && isInitial(words[len(words)-1]) {
			initial(words[len(words)-1])
		}
		return
	}
	for _, w := range words[1:max(1, len(words)-1)] {
		if isInitial(w) {
			initial(w)
			break
		}
	}
}

func isInitial(w string) bool {
	w = strings.TrimSuffix(w, ".")
	return len(w) == 1 && (w[0] >= 'A' && w[0] <= 'Z' || w[0] >= 'a' && w[0] <= 'z')
}

func (m *messCounter) email(raw, local string, nf nameForms, named bool) {
	m.emails++
	if strings.ToLower(raw) != raw {
		m.capEmail++
	}
	if !named {
		return
	}
	m.named++
	for _, g := range nf.given {
		if len(g) > 2 && strings.Contains(local, g) {
			return
		}
	}
	for _, f := range nf.families {
		if len(f) > 2 && strings.Contains(local, f) {
			return
		}
	}
	m.handles++
	if _, digits := splitDigits(local); digits {
		m.handleDigits++
	}
}

func (m *messCounter) result() Messiness {
	share := func(n, of int) float64 {
		if of == 0 {
			return 0
		}
		return float64(n) / float64(of)
	}
	return Messiness{
		Names: m.names, AllCaps: share(m.caps, m.names), LowerCase: share(m.lower, m.names),
		MiddleInitial: share(m.middle, m.names), MiddleInitialDot: share(m.middleDot, m.middle),
		Emails: m.emails, CapitalEmail: share(m.capEmail, m.emails),
		Handle: share(m.handles, m.named), HandleDigits: share(m.handleDigits, m.handles),
	}
}
