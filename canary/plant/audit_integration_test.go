package plant

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// auditKnownFailures are the tells the current planting does not yet pass
// against the realistic host, each with the reason. The integration test
// asserts the threshold on every other tell, and fails when one of these
// starts passing, so that this list only ever shrinks and stays true.
// A tell named here with the prefix "value frequency: " or "value shape: "
// is a column's.
var auditKnownFailures = map[string]string{
	"ticket step":       "a seed numbered by honeyseed goes into an id gap, where it splits one of the host's ticket steps in two: its own step is short, as two steps that sum to one are",
	"ticket step after": "the row after a seed in a gap takes the other part of the split step, short too",
	"classifier":        "every other tell passes on its own, but the ticket steps and a dozen tells between 0.55 and 0.63 add up",
}

// The host table of the integration test.
const auditHostDDL = `CREATE TABLE customers (
	id {id},
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE,
	phone TEXT,
	ticket TEXT,
	created_at {ts} NOT NULL,
	city TEXT,
	state TEXT,
	product TEXT,
	plan TEXT
)`

// insertHostRows writes rows; withID keeps their ids (the history), else
// the database assigns them (customers arriving now).
func insertHostRows(t *testing.T, h *host, rows []hostRow, withID bool) {
	t.Helper()
	tx, err := h.db.Begin()
	require.NoError(t, err)
	cols := "first_name, last_name, email, phone, ticket, created_at, city, state, product, plan"
	marks := "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
	if withID {
		cols, marks = "id, "+cols, "?, "+marks
	}
	q := "INSERT INTO customers (" + cols + ") VALUES (" + marks + ")"
	if h.dialect == PostgreSQL {
		n := 0
		q = replaceMarks(q, func() string { n++; return fmt.Sprintf("$%d", n) })
	}
	stmt, err := tx.Prepare(q)
	require.NoError(t, err)
	for _, r := range rows {
		args := []any{r.first, r.last, r.email, nullIfEmpty(r.phone), r.ticket, hostTime(h, r.created),
			nullIfEmpty(r.city), nullIfEmpty(r.state), nullIfEmpty(r.product), nullIfEmpty(r.plan)}
		if withID {
			args = append([]any{r.id}, args...)
		}
		_, err := stmt.Exec(args...)
		require.NoError(t, err)
	}
	require.NoError(t, stmt.Close())
	require.NoError(t, tx.Commit())
	if withID && h.dialect == PostgreSQL {
		_, err := h.db.Exec(`SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))`)
		require.NoError(t, err)
	}
}

// exportCSV dumps the table as an insider would: every column, in id
// order, NULL as an empty cell, times as the driver gives them.
func exportCSV(t *testing.T, h *host) []byte {
	t.Helper()
	rows, err := h.db.Query("SELECT * FROM customers ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	require.NoError(t, w.Write(cols))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		require.NoError(t, rows.Scan(ptrs...))
		rec := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
			case time.Time:
				rec[i] = v.UTC().Format("2006-01-02 15:04:05")
			case []byte:
				rec[i] = string(v)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		require.NoError(t, w.Write(rec))
	}
	require.NoError(t, rows.Err())
	w.Flush()
	require.NoError(t, w.Error())
	return buf.Bytes()
}

// TestAuditRealisticHost plants 30 canaries into a realistic 3,000-row
// support table exactly as the package documentation's "Planting so they
// cannot be told apart" says (Learn, CheckDomains, the shape applied,
// Generate, Blend, a Filler, ScheduleSpan and Schedule at the host's rate,
// a Dripper given the Shape) while real customers keep arriving, exports
// the table as the insider would, and audits the export.
//
// The host's tickets come from its help desk, which numbers every ticket,
// not only a customer's first: the Dripper is given DripConfig.Tickets to
// open the seeds' there, as the package doc says to.
func TestAuditRealisticHost(t *testing.T) {
	auditRealisticHost(t, true, nil)
}

// TestAuditRealisticHostOwnTickets is TestAuditRealisticHost with the
// seeds numbered by the Dripper, as when the help desk cannot open them a
// ticket: every seed goes into a gap among the newest ids, but the ticket
// steps still show it (auditKnownFailures).
func TestAuditRealisticHostOwnTickets(t *testing.T) {
	auditRealisticHost(t, false, auditKnownFailures)
}

func auditRealisticHost(t *testing.T, hostTickets bool, known map[string]string) {
	if testing.Short() || raceEnabled {
		t.Skip("plants into and audits a 3,000-row table: run without -short and -race (.ci/run does)")
	}
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		h.exec(t, auditHostDDL)
		from := time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)
		start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // the drip begins
		gen := newHostGen(2026, from)
		insertHostRows(t, h, gen.hostTable(3000, start), true)

		m := Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name", Email: "email",
			Phone: "phone", Ticket: "ticket", CreatedAt: "created_at"}
		shape, err := Learn(ctx, h.db, m, LearnOptions{})
		require.NoError(t, err)
		const n = 30

		// A production-like config: the owned mailboxes at the big
		// providers that Needs asks for, opened as ProposeMailboxes says
		// (at the reserved names standing for the providers here), as many
		// owned domains as the rest need (reserved names here) and owned
		// numbers (fictional ones here).
		cfgExclude, err := Exclude(ctx, h.db, m)
		require.NoError(t, err)
		need := shape.Needs(n)
		t.Logf("%d seeds need %d mailboxes at the big providers (at least %d) and %d owned domains", n, need.Mailboxes, need.MinMailboxes, need.Domains)
		proposed, err := shape.ProposeMailboxes(need.Mailboxes, MailboxOptions{Exclude: cfgExclude, Seed: [32]byte{7}, Now: func() time.Time { return start }})
		require.NoError(t, err)
		var mailboxes []string
		for _, p := range proposed {
			mailboxes = append(mailboxes, p.Address)
		}
		var domains []string
		for i := range need.Domains {
			domains = append(domains, fmt.Sprintf("%s%s%s", hostSmallWords[i%len(hostSmallWords)],
				ownedKinds[i/len(hostSmallWords)%len(ownedKinds)], ownedTLDs[i%len(ownedTLDs)]))
		}
		// Numbers where the host's customers live (Shape.PhoneAreas), about
		// two a seed: lines 196 to 199 of its areas, by their shares.
		pool := poolForAreas(shape.PhoneAreas, 2*n)
		require.GreaterOrEqual(t, len(pool), n, "numbers in the host's areas")
		base := canary.Config{EmailDomains: domains, Mailboxes: mailboxes, PhonePool: pool, Seed: [32]byte{8}, Now: func() time.Time { return start }}
		require.NoError(t, shape.CheckDomains(base, n))
		require.ErrorIs(t, shape.CheckDomains(canary.Config{EmailDomains: domains, PhonePool: pool}, n), ErrTooFewDomains,
			"without the mailboxes, the seeds would stand out at small domains")
		cfg := shape.Apply(base)
		cfg.Exclude = cfgExclude
		g, err := canary.NewGenerator(cfg)
		require.NoError(t, err)
		seeds, err := g.Generate("support-db/us", n)
		require.NoError(t, err)
		seeds, err = shape.Blend(seeds, [32]byte{10})
		require.NoError(t, err)
		f, err := NewFiller(shape, shape.ApplyMapping(m), FillOptions{Seed: [32]byte{11}})
		require.NoError(t, err)
		seeds = f.Fill(seeds)
		assert.Empty(t, f.Unfilled(), "the Filler fills every column the host fills")
		m = f.Mapping()
		clash, err := Conflicts(ctx, h.db, m, seeds)
		require.NoError(t, err)
		require.Empty(t, clash, "Exclude kept the seeds off real customers' values")

		span := ScheduleSpan(len(seeds), shape.Arrival.PerDay, 0)
		require.Positive(t, span, "the host's arrival rate is learned")
		opts := shape.ScheduleOptions()
		opts.Seed = [32]byte{9}
		_, err = Schedule(seeds, start, 14*24*time.Hour, opts)
		require.ErrorIs(t, err, ErrTooFast, "two weeks is too fast for a host taking %.2g rows a day", shape.Arrival.PerDay)
		plan, err := Schedule(seeds, start, span, opts)
		require.NoError(t, err)
		reg := canary.NewMemoryRegistry()

		// Without Force, a failed dry run stops the Dripper before any seed
		// (its clock is before the first one is due, so a passing audit
		// plants nothing either).
		clock := newFakeClock(start)
		var tickets func(context.Context) (string, error)
		if hostTickets {
			tickets = func(context.Context) (string, error) { return gen.openTicket(clock.Now()), nil }
		}
		strict, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Tickets: tickets,
			Clock: newFakeClock(start.Add(-time.Hour))}, plan)
		require.NoError(t, err)
		_, strictErr := strict.Step(ctx)
		dry := strict.AuditReport()
		require.NotNil(t, dry)
		t.Logf("dry run before planting (AuditPlan), drip of %s:\n%s", span.Round(time.Hour), dry)
		assert.Equal(t, !dry.Passed(), errors.Is(strictErr, ErrAuditFailed), "the Dripper refuses exactly when its audit fails")
		if !dry.Passed() {
			var ae *AuditError
			require.ErrorAs(t, strictErr, &ae)
			assert.Same(t, dry, ae.Report)
			assert.Equal(t, 3000, count(t, h, "customers"), "a refused drip writes nothing")
		}

		// Forced, as an operator measuring the gap would: the drip runs over
		// its span while real customers keep signing up at the host's rate.
		// The clock moves from event to event: the next real customer or
		// the next seed due.
		d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Shape: &shape, Tickets: tickets, Clock: clock, Force: true, Seed: [32]byte{12}}, plan)
		require.NoError(t, err)
		nextReal := gen.arrival(start)
		for d.Pending() > 0 {
			due, _ := d.Next()
			if nextReal.Before(due) {
				clock.set(nextReal)
				gen.arrive(t, h, nextReal)
				nextReal = gen.arrival(nextReal)
				continue
			}
			clock.set(due)
			_, err := d.Step(ctx)
			require.NoError(t, err)
		}
		// A few days more of real customers after the last seed.
		for end := clock.Now().Add(7 * 24 * time.Hour); nextReal.Before(end); nextReal = gen.arrival(nextReal) {
			gen.arrive(t, h, nextReal)
		}

		export := exportCSV(t, h)
		if dir := os.Getenv("HONEYSEED_AUDIT_DUMP"); dir != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, h.dialect.String()+".csv"), export, 0o600))
			var list []byte
			for _, s := range seeds {
				list = append(list, s.Email+"\n"...)
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "seeds.txt"), list, 0o600))
		}
		rows, err := ReadCSVRows(bytes.NewReader(export), CSVRowOptions{})
		require.NoError(t, err)
		planted := map[string]bool{}
		for _, s := range seeds {
			planted[s.Email] = true
		}
		var hostRows, seedRows []Row
		for _, r := range rows {
			if planted[r["email"].String] {
				seedRows = append(seedRows, r)
			} else {
				hostRows = append(hostRows, r)
			}
		}
		require.Len(t, seedRows, 30)
		report, err := Audit(hostRows, seedRows, AuditOptions{})
		require.NoError(t, err)
		t.Logf("audit of the insider's export:\n%s", report)
		require.True(t, report.Judged)

		for _, tr := range report.Tells {
			if why, known := known[tr.Name]; known {
				t.Run("known failure/"+tr.Name, func(t *testing.T) {
					assert.Greater(t, tr.Separation, report.MaxTellAUC,
						"now passes: remove it from auditKnownFailures (%s)", why)
				})
				continue
			}
			assert.LessOrEqual(t, tr.Separation, report.MaxTellAUC, "tell %q separates the seeds", tr.Name)
		}
		if why, known := known["classifier"]; known {
			assert.Greater(t, report.Classifier, report.MaxClassifierAUC, "the classifier now passes: remove it from auditKnownFailures (%s)", why)
		} else {
			assert.LessOrEqual(t, report.Classifier, report.MaxClassifierAUC, "the classifier separates the seeds")
		}
		var names []string
		for _, tr := range report.Tells {
			names = append(names, tr.Name)
		}
		for name := range known {
			if name != "classifier" {
				assert.Contains(t, names, name, "a known failure names a tell the audit measures")
			}
		}
		sort.Strings(names)
		assert.Equal(t, len(names), len(report.Tells), strings.Join(names, ", "))
	})
}

// ownedKinds name the test operator's owned domains: the host's words, with
// kinds no host domain has, so no real customer holds one.
var ownedKinds = []string{"post", "inbox", "house", "online", "place", "hq"}

// ownedTLDs are reserved names of two labels, as most real domains
// (gmail.com) have: a three-label domain is a shape of its own.
var ownedTLDs = []string{".example", ".test"}

// arrival is the time of the next real customer after t, at the host's
// latest rate, and busier in the day and on weekdays as its history is
// (officeHours): a Poisson process thinned by the hour.
func (g *hostGen) arrival(t time.Time) time.Time {
	const mean = 9 * time.Hour // about 2.7 a day, the table's rate at its end
	for {
		// Candidates at the peak rate; each kept as often as its hour is busy.
		t = t.Add(time.Duration(g.r.ExpFloat64() * float64(mean) * 0.6))
		w := 1.0
		if h := t.Hour(); h < 8 || h > 21 {
			w = 0.2
		}
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.6
		}
		if g.r.Float64() < w {
			return t
		}
	}
}

// poolForAreas holds want fictional numbers (lines 196 to 199) in the
// areas ("+1 415") of a host, each area's share of them as near its share
// of the host's numbers as can be, at most four an area.
func poolForAreas(areas map[string]float64, want int) []string {
	keys := make([]string, 0, len(areas))
	for a := range areas {
		keys = append(keys, a)
	}
	sort.Slice(keys, func(i, j int) bool {
		if areas[keys[i]] != areas[keys[j]] {
			return areas[keys[i]] > areas[keys[j]]
		}
		return keys[i] < keys[j]
	})
	held := map[string]int{}
	var pool []string
	for range want {
		// The next number goes to the area furthest below its share.
		best, gap := "", math.Inf(-1)
		for _, a := range keys {
			if d := areas[a]*float64(want) - float64(held[a]); held[a] < 4 && d > gap {
				best, gap = a, d
			}
		}
		if best == "" {
			break
		}
		pool = append(pool, fmt.Sprintf("%s 555 %04d", best, 196+held[best]))
		held[best]++
	}
	return pool
}

// arrive inserts the real customer created at at, with the id the
// database gives, or now and then (3%, as in the history) one a few past
// it: the ids a deleted row or a rolled-back insert leave unused.
func (g *hostGen) arrive(t *testing.T, h *host, at time.Time) {
	t.Helper()
	row := g.next(at)
	if g.r.Float64() >= 0.03 {
		insertHostRows(t, h, []hostRow{row}, false)
		return
	}
	var top int64
	require.NoError(t, h.db.QueryRow("SELECT max(id) FROM customers").Scan(&top))
	row.id = top + 2 + g.r.Int64N(3)
	insertHostRows(t, h, []hostRow{row}, true)
}
