package plant

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary/internal/names"
)

// auditTable is the union of host and seed rows as the insider sees it.
type auditTable struct {
	rows    []Row
	seed    []bool
	columns []string // every column, sorted
	cols    AuditColumns
	opts    AuditOptions

	// phantoms are rows the host is expected to add while seeds go in,
	// each a copy of host row phantomOf[k] with its own id, creation time
	// and ticket (AuditPlan's simulation). They take part in the tells of
	// order alone, and are never scored.
	phantoms  []Row
	phantomOf []int
}

// ordering returns the table the tells of order read: t, with the
// phantoms after its rows when there are any.
func (t *auditTable) ordering() *auditTable {
	if len(t.phantoms) == 0 {
		return t
	}
	o := *t
	o.rows = append(slices.Clip(t.rows), t.phantoms...)
	o.seed = append(slices.Clip(t.seed), make([]bool, len(t.phantoms))...)
	return &o
}

// extend returns score with a phantom's score being its host row's.
func (t *auditTable) extend(score []float64) []float64 {
	if len(t.phantoms) == 0 {
		return score
	}
	out := slices.Grow(slices.Clone(score), len(t.phantoms))
	for _, src := range t.phantomOf {
		out = append(out, score[src])
	}
	return out
}

// tell is one tell's score for every row: higher is odder, as the tell
// sees it.
type tell struct {
	name  string
	score []float64
}

func newAuditTable(host, seeds []Row, opts AuditOptions) *auditTable {
	t := &auditTable{opts: opts}
	t.rows = append(append(make([]Row, 0, len(host)+len(seeds)), host...), seeds...)
	t.seed = make([]bool, len(t.rows))
	for i := len(host); i < len(t.rows); i++ {
		t.seed[i] = true
	}
	seen := map[string]bool{}
	for _, r := range t.rows {
		for c := range r {
			if !seen[c] {
				seen[c] = true
				t.columns = append(t.columns, c)
			}
		}
	}
	slices.Sort(t.columns)
	t.cols = t.guessColumns(opts.Columns)
	return t
}

// phoneHeaders are the names tables and exports give a phone column.
var phoneHeaders = []string{"phone", "phone_number", "mobile", "business phone", "phone number"}

// guessColumns fills the roles left empty from common column names.
func (t *auditTable) guessColumns(c AuditColumns) AuditColumns {
	guess := func(have *string, candidates ...string) {
		if *have != "" {
			return
		}
		for _, want := range candidates {
			for _, col := range t.columns {
				if strings.EqualFold(col, want) {
					*have = col
					return
				}
			}
		}
	}
	guess(&c.ID, "id", "customer_id", "user_id")
	guess(&c.CreatedAt, "created_at", "created", "createdat", "signup_date", "created_on")
	guess(&c.Ticket, "ticket", "ticket_ref", "ticket_id", "ticket_number", "external_id")
	guess(&c.GivenName, "first_name", "given_name", "firstname", "first name")
	guess(&c.FamilyName, "last_name", "family_name", "surname", "lastname", "last name")
	guess(&c.FullName, "name", "full_name")
	guess(&c.Email, "email", "email_address", "mail")
	guess(&c.Phone, phoneHeaders...)
	guess(&c.City, "city", "mailing city")
	guess(&c.State, "state", "region", "province", "county")
	return c
}

// value returns the text of column c in row i, and whether it is not NULL.
func (t *auditTable) value(i int, c string) (string, bool) {
	if c == "" {
		return "", false
	}
	v, ok := t.rows[i][c]
	return v.String, ok && v.Valid
}

// text returns the trimmed value, "" for NULL.
func (t *auditTable) text(i int, c string) string {
	v, _ := t.value(i, c)
	return strings.TrimSpace(v)
}

// tells computes every tell that the columns allow, and says which could
// not be measured.
func (t *auditTable) tells() (out []tell, skipped []string) {
	n := len(t.rows)
	add := func(name string, score []float64) { out = append(out, tell{name, score}) }
	skip := func(name, why string) { skipped = append(skipped, name+": "+why) }

	add("empty-column pattern", t.rarity(func(i int) string {
		var b strings.Builder
		for _, c := range t.columns {
			switch v, ok := t.value(i, c); {
			case !ok:
				b.WriteByte('N')
			case strings.TrimSpace(v) == "":
				b.WriteByte('E')
			default:
				b.WriteByte('V')
			}
		}
		return b.String()
	}))
	for _, c := range t.columns {
		if t.nearlyUnique(c) {
			continue // every value is rare: nothing to compare, shape says the rest
		}
		add("value frequency: "+c, t.rarity(func(i int) string {
			v, ok := t.value(i, c)
			if !ok {
				return "\x00null"
			}
			return v
		}))
	}
	for _, c := range t.columns {
		add("value shape: "+c, t.rarity(func(i int) string {
			v, ok := t.value(i, c)
			if !ok {
				return "\x00null"
			}
			return valueShape(v)
		}))
	}

	base := len(out) // the tells below feed the id-window suspicion
	if t.cols.Email != "" {
		domains := make([]string, n)
		for i := range n {
			if _, d, ok := strings.Cut(strings.ToLower(t.text(i, t.cols.Email)), "@"); ok {
				domains[i] = d
			}
		}
		counts := countOf(domains)
		freq, cluster := make([]float64, n), make([]float64, n)
		for i, d := range domains {
			if d == "" {
				continue
			}
			c := float64(counts[d])
			freq[i] = -math.Log(c / float64(n))
			if c < 0.01*float64(n) { // a small domain: not a big provider's
				cluster[i] = c
			}
		}
		add("email domain frequency", freq)
		add("email domain clustering", cluster)
	} else {
		skip("email domain", "no email column")
	}

	// The tells of order read the phantoms too: the rows the host adds
	// between seeds are what a seed's neighbours will be. Their scores are
	// cut back to the table's rows.
	o := t.ordering()
	cut := func(score []float64) []float64 { return score[:n:n] }
	ids := o.numbers(t.cols.ID)
	created := o.times(t.cols.CreatedAt)
	ticket := o.numbers(t.cols.Ticket)
	order := rowOrder(ids, created)
	named := func(col, role string) string {
		if col == "" {
			return role
		}
		return col
	}
	idName, createdName, ticketName := named(t.cols.ID, "id"), named(t.cols.CreatedAt, "created_at"), named(t.cols.Ticket, "ticket")
	pairs := []struct {
		name string
		a, b []float64
	}{
		{"order: " + idName + " / " + createdName, ids, created},
		{"order: " + idName + " / " + ticketName, ids, ticket},
		{"order: " + createdName + " / " + ticketName, created, ticket},
	}
	for _, p := range pairs {
		if p.a == nil || p.b == nil {
			skip(p.name, "a column is missing or holds no ordered values")
			continue
		}
		add(p.name, cut(discordance(p.a, p.b, 5)))
	}
	if order != nil && ticket != nil {
		st := steps(order, ticket)
		add("ticket step", cut(st))
		add("ticket step after", cut(after(order, st)))
	} else {
		skip("ticket step", "no id or creation time, or no ticket")
	}
	if order != nil && created != nil {
		add("arrival spacing", cut(spacing(order, created)))
	} else {
		skip("arrival spacing", "no id or creation time")
	}

	family := t.familyNames()
	switch {
	case t.cols.Phone == "":
		skip("phone", "no phone column")
	case t.cols.State == "" && t.cols.City == "":
		add("phone shared across surnames", t.phoneSharing(family))
		skip("area code against place", "no state or city column")
	default:
		add("phone shared across surnames", t.phoneSharing(family))
		add("area code against place", t.areaCodes())
	}
	given := t.givenNames()
	add("casing and handle mix", t.rarity(func(i int) string { return t.style(i, given[i], family[i]) }))
	if t.cols.GivenName != "" || t.cols.FamilyName != "" || t.cols.FullName != "" {
		add("name rarity in the table", t.nameRarityInTable(given, family))
		add("name rarity in the population", t.nameRarityCensus(given, family))
	} else {
		skip("name rarity", "no name column")
	}
	if order != nil {
		add("planting-order periodicity", cut(o.periodicity(order)))
		var around []tell
		for _, b := range slices.Concat(out[:1], out[base:]) {
			around = append(around, tell{b.name, t.extend(b.score)})
		}
		add("id-window clustering", cut(windowSuspicion(around, order, 5)))
	} else {
		skip("planting order", "no id or creation time to order rows by")
	}
	return out, skipped
}

// nearlyUnique reports whether more than nine in ten rows hold a value of
// c that no other row holds (ids, addresses, times).
func (t *auditTable) nearlyUnique(c string) bool {
	counts := map[string]int{}
	for i := range t.rows {
		if v, ok := t.value(i, c); ok {
			counts[v]++
		}
	}
	once := 0
	for _, n := range counts {
		if n == 1 {
			once++
		}
	}
	return once*10 > len(t.rows)*9
}

// rarity scores each row by how rare its key is in the table: -log of the
// key's share.
func (t *auditTable) rarity(key func(i int) string) []float64 {
	keys := make([]string, len(t.rows))
	for i := range keys {
		keys[i] = key(i)
	}
	counts := countOf(keys)
	out := make([]float64, len(keys))
	for i, k := range keys {
		out[i] = -math.Log(float64(counts[k]) / float64(len(keys)))
	}
	return out
}

func countOf(keys []string) map[string]int {
	m := make(map[string]int)
	for _, k := range keys {
		m[k]++
	}
	return m
}

// maxShape bounds a value's shape.
const maxShape = 48

// valueShape writes a value's form: each digit as 9, each run of letters as
// one "A", "a" or "Aa" by its case, everything else as itself.
func valueShape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v) && b.Len() < maxShape; {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('9')
			i += size
		case unicode.IsLetter(r):
			j, upper, lower := i, 0, 0
			for j < len(v) {
				r, s := utf8.DecodeRuneInString(v[j:])
				if !unicode.IsLetter(r) {
					break
				}
				if unicode.IsUpper(r) {
					upper++
				} else {
					lower++
				}
				j += s
			}
			switch {
			case lower == 0:
				b.WriteByte('A')
			case upper == 0:
				b.WriteByte('a')
			default:
				b.WriteString("Aa")
			}
			i = j
		default:
			if r == utf8.RuneError {
				b.WriteByte('?')
			} else {
				b.WriteRune(r)
			}
			i += size
		}
	}
	return b.String()
}

// numbers reads column c as numbers: integers, or the digits of a reference
// ("TM-10400001"). nil when the column is absent or mostly not numeric.
func (t *auditTable) numbers(c string) []float64 {
	if c == "" {
		return nil
	}
	out := make([]float64, len(t.rows))
	ok := 0
	for i := range t.rows {
		out[i] = math.NaN()
		v := t.text(i, c)
		var digits []byte
		for j := 0; j < len(v) && len(digits) < 18; j++ {
			if isDigit(v[j]) {
				digits = append(digits, v[j])
			}
		}
		if n, err := strconv.ParseUint(string(digits), 10, 64); err == nil && len(digits) > 0 {
			out[i] = float64(n)
			ok++
		}
	}
	if ok < len(t.rows)/2 {
		return nil
	}
	return out
}

// auditTimeLayouts are the ways exports write a time.
var auditTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04",
	"01/02/2006 15:04:05",
	"01/02/2006 15:04",
	"2006-01-02",
}

// times reads column c as Unix seconds; nil when absent or mostly not times.
func (t *auditTable) times(c string) []float64 {
	if c == "" {
		return nil
	}
	out := make([]float64, len(t.rows))
	ok := 0
	for i := range t.rows {
		out[i] = math.NaN()
		if ts, good := parseAuditTime(t.text(i, c)); good {
			out[i] = float64(ts.UnixNano()) / 1e9
			ok++
		}
	}
	if ok < len(t.rows)/2 {
		return nil
	}
	return out
}

func parseAuditTime(v string) (time.Time, bool) {
	if v == "" || len(v) > 64 {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	for _, l := range auditTimeLayouts {
		if ts, err := time.Parse(l, v); err == nil {
			return ts, true
		}
	}
	return time.Time{}, false
}

// rowOrder returns the row indexes in id order, else in creation order;
// nil when there is neither.
func rowOrder(ids, created []float64) []int {
	key := ids
	if key == nil {
		key = created
	}
	if key == nil {
		return nil
	}
	idx := make([]int, len(key))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpNaN(key[a], key[b]) })
	return idx
}

// cmpNaN orders NaN first.
func cmpNaN(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	return cmp.Compare(a, b)
}

// discordance scores each row by the share of its k nearest neighbours in
// a's order on each side whose order in b disagrees: 0 where the columns
// follow each other, near 1 for a row dated or numbered out of line.
func discordance(a, b []float64, k int) []float64 {
	idx := make([]int, 0, len(a))
	for i := range a {
		if !math.IsNaN(a[i]) && !math.IsNaN(b[i]) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(a[x], a[y]) })
	out := make([]float64, len(a))
	for p, i := range idx {
		var bad, seen float64
		for q := max(0, p-k); q <= min(len(idx)-1, p+k); q++ {
			j := idx[q]
			if q == p || a[j] == a[i] || b[j] == b[i] {
				continue
			}
			seen++
			if (a[j] < a[i]) != (b[j] < b[i]) {
				bad++
			}
		}
		if seen > 0 {
			out[i] = bad / seen
		}
	}
	return out
}

// stepWindow is how many rows on each side of a row its ticket step is
// compared with.
const stepWindow = 25

// steps scores each row by its ticket step from the previous row in id
// order, over the middle step of the stepWindow rows around it: a seed
// numbered just past the newest ticket, or splitting a real step in two,
// takes a smaller step than the rows of its time do (a negative one when
// overtaken). Steps grow as a host's support does, so a row is compared
// with its own era, and a step is not odd for being recent.
func steps(order []int, ticket []float64) []float64 {
	raw := make([]float64, len(order)) // by position in order
	for p := range raw {
		raw[p] = math.NaN()
		if p > 0 {
			raw[p] = ticket[order[p]] - ticket[order[p-1]]
		}
	}
	out := make([]float64, len(ticket))
	near := make([]float64, 0, 2*stepWindow)
	for p, d := range raw {
		if math.IsNaN(d) {
			continue
		}
		near = near[:0]
		for q := max(0, p-stepWindow); q <= min(len(raw)-1, p+stepWindow); q++ {
			if q != p && !math.IsNaN(raw[q]) {
				near = append(near, math.Abs(raw[q]))
			}
		}
		med := 1.0
		if len(near) > 0 {
			slices.Sort(near)
			med = max(1, near[len(near)/2])
		}
		out[order[p]] = d / med
	}
	return out
}

// after scores each row by the next row's score in id order: a seed placed
// to look ordinary itself may leave its oddness to the row after it.
func after(order []int, score []float64) []float64 {
	out := make([]float64, len(score))
	for p := 0; p+1 < len(order); p++ {
		out[order[p]] = score[order[p+1]]
	}
	return out
}

// spacing scores each row by how far the creation-time gap to its
// neighbours in id order is from the table's usual gap (|log| of the
// ratio, the nearer side): a burst of rows created together, or a row
// whose time jumps away from its neighbours', stands out.
func spacing(order []int, created []float64) []float64 {
	var gaps []float64
	for p := 1; p < len(order); p++ {
		if g := math.Abs(created[order[p]] - created[order[p-1]]); !math.IsNaN(g) {
			gaps = append(gaps, g)
		}
	}
	out := make([]float64, len(created))
	if len(gaps) == 0 {
		return out
	}
	slices.Sort(gaps)
	med := gaps[len(gaps)/2] + 1
	dev := func(p, q int) float64 {
		if q < 0 || q >= len(order) {
			return math.Inf(1)
		}
		g := math.Abs(created[order[p]] - created[order[q]])
		if math.IsNaN(g) {
			return math.Inf(1)
		}
		return math.Abs(math.Log((g + 1) / med))
	}
	for p, i := range order {
		d := min(dev(p, p-1), dev(p, p+1))
		if !math.IsInf(d, 0) {
			out[i] = d
		}
	}
	return out
}

// familyNames returns each row's family name, lower-cased: the family
// column, else the last word of the full name.
func (t *auditTable) familyNames() []string {
	out := make([]string, len(t.rows))
	for i := range out {
		f := t.text(i, t.cols.FamilyName)
		if f == "" {
			if w := strings.Fields(t.text(i, t.cols.FullName)); len(w) > 1 {
				f = w[len(w)-1]
			}
		}
		out[i] = strings.ToLower(f)
	}
	return out
}

// givenNames returns each row's given name as written: the given column,
// else the first word of the full name.
func (t *auditTable) givenNames() []string {
	out := make([]string, len(t.rows))
	for i := range out {
		g := t.text(i, t.cols.GivenName)
		if g == "" {
			if w := strings.Fields(t.text(i, t.cols.FullName)); len(w) > 0 {
				g = w[0]
			}
		}
		out[i] = g
	}
	return out
}

// phoneKey is a number's last ten digits (the national number of a NANP
// number, whatever the format); "" when it has fewer than seven.
func phoneKey(v string) string {
	var d []byte
	for i := 0; i < len(v) && i < 64; i++ {
		if isDigit(v[i]) {
			d = append(d, v[i])
		}
	}
	if len(d) < 7 {
		return ""
	}
	return string(d[max(0, len(d)-10):])
}

// phoneSharing scores each row by how many other rows hold its number under
// another family name: real shared numbers are households.
func (t *auditTable) phoneSharing(family []string) []float64 {
	byKey := map[string][]int{}
	for i := range t.rows {
		if k := phoneKey(t.text(i, t.cols.Phone)); k != "" {
			byKey[k] = append(byKey[k], i)
		}
	}
	out := make([]float64, len(t.rows))
	for _, rows := range byKey {
		for _, i := range rows {
			for _, j := range rows {
				if j != i && family[j] != family[i] {
					out[i]++
				}
			}
		}
	}
	return out
}

// areaCodes scores 1 a row whose number's area (libphonenumber's geocoding)
// names another state, or city, than the row's; 0 otherwise.
func (t *auditTable) areaCodes() []float64 {
	out := make([]float64, len(t.rows))
	cache := map[string]string{}
	for i := range t.rows {
		v := t.text(i, t.cols.Phone)
		if v == "" || len(v) > 40 {
			continue
		}
		area, ok := cache[v]
		if !ok {
			if num, err := phonenumbers.Parse(v, t.opts.PhoneRegion); err == nil {
				area, _ = phonenumbers.GetGeocodingForNumber(num, "en")
			}
			cache[v] = area
		}
		if area == "" {
			continue
		}
		city, state := splitArea(area)
		if s := t.text(i, t.cols.State); s != "" && state != "" {
			if !strings.EqualFold(stateCode(s), state) {
				out[i] = 1
			}
			continue
		}
		if c := t.text(i, t.cols.City); c != "" && city != "" && !strings.EqualFold(c, city) {
			out[i] = 1
		}
	}
	return out
}

// splitArea reads libphonenumber's "San Francisco, CA", "Texas" or
// "Washington State" as a city and a state code.
func splitArea(area string) (city, state string) {
	if c, s, ok := strings.Cut(area, ", "); ok && len(s) == 2 {
		return c, s
	}
	return "", stateCode(strings.TrimSuffix(area, " State"))
}

// stateCode returns the two-letter code of a US state named in full, or s.
func stateCode(s string) string {
	if c, ok := usStates[strings.ToLower(s)]; ok {
		return c
	}
	return s
}

var usStates = func() map[string]string {
	m := map[string]string{}
	const list = "AL Alabama,AK Alaska,AZ Arizona,AR Arkansas,CA California,CO Colorado,CT Connecticut," +
		"DE Delaware,DC Washington D.C.,DC District of Columbia,FL Florida,GA Georgia,HI Hawaii,ID Idaho," +
		"IL Illinois,IN Indiana,IA Iowa,KS Kansas,KY Kentucky,LA Louisiana,ME Maine,MD Maryland," +
		"MA Massachusetts,MI Michigan,MN Minnesota,MS Mississippi,MO Missouri,MT Montana,NE Nebraska," +
		"NV Nevada,NH New Hampshire,NJ New Jersey,NM New Mexico,NY New York,NC North Carolina," +
		"ND North Dakota,OH Ohio,OK Oklahoma,OR Oregon,PA Pennsylvania,RI Rhode Island,SC South Carolina," +
		"SD South Dakota,TN Tennessee,TX Texas,UT Utah,VT Vermont,VA Virginia,WA Washington,WV West Virginia," +
		"WI Wisconsin,WY Wyoming,PR Puerto Rico"
	for _, e := range strings.Split(list, ",") {
		code, name, _ := strings.Cut(e, " ")
		m[strings.ToLower(name)] = code
	}
	return m
}()

// style is a row's mix of casing and address form: how the given and
// family names are cased, whether the address has capitals, and whether
// its local part is made of the name or is a handle.
func (t *auditTable) style(i int, given, family string) string {
	email := t.text(i, t.cols.Email)
	local, _, _ := strings.Cut(email, "@")
	form := "none"
	if local != "" {
		form = "handle"
		l := lettersOf(strings.ToLower(local))
		g, f := lettersOf(strings.ToLower(given)), lettersOf(family)
		switch {
		case len(f) >= 2 && strings.Contains(l, f), len(g) >= 2 && strings.Contains(l, g):
			form = "name"
		case len(g) >= 1 && len(f) >= 3 && strings.Contains(l, g[:1]+f[:3]):
			form = "name"
		}
	}
	upper := "lower"
	if strings.ToLower(email) != email {
		upper = "capitals"
	}
	return nameCase(given) + "/" + nameCase(family) + "/" + upper + "/" + form
}

func lettersOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// nameCase classifies a name's casing: Title, UPPER, lower, or mixed.
func nameCase(s string) string {
	switch {
	case s == "":
		return "empty"
	case strings.ToUpper(s) == s && strings.ToLower(s) != s:
		return "upper"
	case strings.ToLower(s) == s:
		return "lower"
	}
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsUpper(r) {
		return "title"
	}
	return "mixed"
}

// nameRarityInTable scores a row by how rare its given and family names are
// among the table's rows.
func (t *auditTable) nameRarityInTable(given, family []string) []float64 {
	g := make([]string, len(given))
	for i := range g {
		g[i] = strings.ToLower(given[i])
	}
	cg, cf := countOf(g), countOf(family)
	n := float64(len(g))
	out := make([]float64, len(g))
	for i := range out {
		out[i] = -math.Log(float64(cg[g[i]])/n) - math.Log(float64(cf[family[i]])/n)
	}
	return out
}

// nameRarityCensus scores a row by how rare its names are in the
// population; a name outside the tables counts as one in ten million.
func (t *auditTable) nameRarityCensus(given, family []string) []float64 {
	const floor = 1e-7
	out := make([]float64, len(given))
	for i := range out {
		out[i] = -math.Log(max(names.GivenShare(t.opts.Region, given[i]), floor)) -
			math.Log(max(names.FamilyShare(t.opts.Region, family[i]), floor))
	}
	return out
}

// periodicity scores each row, in id order, by how long the recurrence of
// its email domain and of its phone number has kept one period: values
// handed out in turn come back at a fixed distance, where a real domain,
// even a big provider's, comes back at random ones.
func (t *auditTable) periodicity(order []int) []float64 {
	n := len(t.rows)
	domains := make([]string, n)
	for i := range n {
		if _, d, ok := strings.Cut(strings.ToLower(t.text(i, t.cols.Email)), "@"); ok {
			domains[i] = d
		}
	}
	domain := func(i int) string { return domains[i] }
	phone := func(i int) string { return phoneKey(t.text(i, t.cols.Phone)) }
	out := make([]float64, n)
	for _, key := range []func(int) string{domain, phone} {
		var seq []int // rows holding a key, in id order
		for _, i := range order {
			if key(i) != "" {
				seq = append(seq, i)
			}
		}
		last := map[string]int{} // key -> position in seq of its latest row
		dist := map[string]int{} // key -> its latest recurrence distance
		run := map[string]int{}  // key -> how many recurrences kept that distance
		for p, i := range seq {
			k := key(i)
			if q, ok := last[k]; ok {
				d := p - q
				if dist[k] == d {
					run[k]++
				} else {
					run[k] = 0
				}
				dist[k] = d
				out[i] += float64(run[k])
			}
			last[k] = p
		}
	}
	return out
}

// windowSuspicion scores each row by how odd its k neighbours on each side
// in id order look on the other tells, over how odd the rows of the wider
// era around it (10k on each side) look: seeds planted in one id window
// make each other's neighbourhood odd, while a whole era a tell finds odd
// (recent rows, with the larger ticket steps of a growing help desk) is
// not a cluster. A row's own oddness is left out.
func windowSuspicion(base []tell, order []int, k int) []float64 {
	n := len(order)
	odd := make([]float64, n)
	for _, t := range base {
		r := ranks(t.score)
		for i := range odd {
			odd[i] += r[i] / float64(n*len(base))
		}
	}
	// sum[p] is the oddness of the rows before position p in id order.
	sum := make([]float64, n+1)
	for p, i := range order {
		sum[p+1] = sum[p] + odd[i]
	}
	mean := func(from, to, skip int) float64 { // over positions [from, to], skip left out
		from, to = max(0, from), min(n-1, to)
		m := float64(to - from) // to-from+1 positions less skip
		if m <= 0 {
			return 0
		}
		return (sum[to+1] - sum[from] - odd[order[skip]]) / m
	}
	out := make([]float64, n)
	for p, i := range order {
		out[i] = mean(p-k, p+k, p) - mean(p-10*k, p+10*k, p)
	}
	return out
}
