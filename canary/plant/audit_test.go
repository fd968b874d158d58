package plant

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		name  string
		score []float64
		pos   []bool
		want  float64
	}{
		{"every positive above every negative", []float64{1, 2, 3, 10, 11}, []bool{false, false, false, true, true}, 1},
		{"every positive below: the rule flipped", []float64{10, 11, 1, 2, 3}, []bool{false, false, true, true, true}, 0},
		{"all tied: ties count half", []float64{4, 4, 4, 4}, []bool{true, false, true, false}, 0.5},
		// Pairs (p, n): (2,1) win, (2,2) tie, (2,3) loss, (3,1) win, (3,2) win, (3,3) tie: 3 + 2×0.5 of 6.
		{"wins, ties and losses counted by hand", []float64{2, 3, 1, 2, 3}, []bool{true, true, false, false, false}, 4.0 / 6},
		{"NaN scores count as 0: a tie with 0, a loss to 1", []float64{math.NaN(), 0, 1}, []bool{false, true, false}, 0.25},
		{"no positive: no separation", []float64{1, 2}, []bool{false, false}, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.InDelta(t, c.want, auc(c.score, c.pos), 1e-12)
		})
	}
}

func TestRanksAverageTies(t *testing.T) {
	assert.Equal(t, []float64{1, 3, 3, 3, 5}, ranks([]float64{0, 7, 7, 7, 9}))
}

// syntheticRows makes n rows from one process, so that any split of them
// is indistinguishable: ids in order, a categorical column, an email on one
// of a few providers or a rare domain.
func syntheticRows(r *rand.Rand, n int, firstID int) []Row {
	out := make([]Row, n)
	for i := range out {
		plan := []string{"annual", "monthly", "trial"}[r.IntN(3)]
		domain := []string{"gmail.com", "yahoo.com", "aol.com"}[r.IntN(3)]
		out[i] = Row{
			"id":         {String: fmt.Sprint(firstID + i), Valid: true},
			"plan":       {String: plan, Valid: true},
			"email":      {String: fmt.Sprintf("user%d@%s", firstID+i, domain), Valid: true},
			"first_name": {String: []string{"Mary", "John", "Ann"}[r.IntN(3)], Valid: true},
		}
	}
	return out
}

func TestAuditPerfectTell(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	host := syntheticRows(r, 400, 1)
	seeds := syntheticRows(r, 40, 401)
	for _, s := range seeds {
		delete(s, "plan") // NULL on the seeds only
	}
	rep, err := Audit(host, seeds, AuditOptions{})
	require.NoError(t, err)
	tell, ok := rep.Tell("empty-column pattern")
	require.True(t, ok)
	assert.Equal(t, 1.0, tell.AUC)
	assert.True(t, tell.Over)
	assert.False(t, rep.Passed())
	assert.Greater(t, rep.Classifier, 0.95, "one perfect feature is enough for the classifier")
}

func TestAuditInvertedTellCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	host := syntheticRows(r, 400, 1)
	seeds := syntheticRows(r, 40, 401)
	for i, h := range host { // host rows use a long tail of names; seeds only the common ones
		h["first_name"] = sql.NullString{String: fmt.Sprintf("Name%d", i%200), Valid: true}
	}
	rep, err := Audit(host, seeds, AuditOptions{})
	require.NoError(t, err)
	tell, _ := rep.Tell("value frequency: first_name")
	assert.Less(t, tell.AUC, 0.1, "seeds' names are commoner than the host's: the tell points down")
	assert.InDelta(t, 1-tell.AUC, tell.Separation, 1e-12)
	assert.True(t, tell.Over, "an insider flips the rule")
}

func TestAuditIdenticalDistributions(t *testing.T) {
	if raceEnabled {
		t.Skip("audits a 2,000-row table: run without -race (.ci/run does)")
	}
	// A random tenth of a realistic table, taken as "seeds": nothing tells
	// them apart, so every tell must stay near 0.5.
	rows := hostAsRows(newHostGen(11, time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)).hostTable(2000, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	r := rand.New(rand.NewPCG(5, 6))
	var host, seeds []Row
	for _, row := range rows {
		if r.IntN(10) == 0 {
			seeds = append(seeds, row)
		} else {
			host = append(host, row)
		}
	}
	rep, err := Audit(host, seeds, AuditOptions{})
	require.NoError(t, err)
	t.Logf("\n%s", rep)
	assert.True(t, rep.Passed())
	for _, tell := range rep.Tells {
		assert.InDelta(t, 0.5, tell.AUC, 4*tell.StdErr+1e-9, tell.Name)
	}
	assert.InDelta(t, 0.5, rep.Classifier, 0.1)
	assert.Empty(t, rep.Skipped, "the realistic table has every column a tell needs")
}

// hostAsRows turns generated customers into rows as an export shows them.
func hostAsRows(in []hostRow) []Row {
	out := make([]Row, len(in))
	text := func(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
	for i, h := range in {
		out[i] = Row{
			"id": text(fmt.Sprint(h.id)), "first_name": text(h.first), "last_name": text(h.last),
			"email": text(h.email), "phone": text(h.phone), "ticket": text(h.ticket),
			"created_at": text(h.created.Format(DefaultTextLayout)), "city": text(h.city),
			"state": text(h.state), "product": text(h.product), "plan": text(h.plan),
		}
	}
	return out
}

func TestAuditNotJudged(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	host, seeds := syntheticRows(r, 50, 1), syntheticRows(r, 3, 51)
	for _, s := range seeds {
		delete(s, "plan")
	}
	rep, err := Audit(host, seeds, AuditOptions{})
	require.NoError(t, err)
	assert.False(t, rep.Judged, "3 seeds and 50 host rows are below the defaults")
	assert.True(t, rep.Passed())
	assert.Empty(t, rep.Failed())
	tell, _ := rep.Tell("empty-column pattern")
	assert.Equal(t, 1.0, tell.AUC, "the figures are still reported")

	rep, err = Audit(nil, seeds, AuditOptions{})
	require.NoError(t, err)
	assert.False(t, rep.Judged)
}

func TestAuditThresholds(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	host, seeds := syntheticRows(r, 400, 1), syntheticRows(r, 40, 401)
	for _, s := range seeds[:30] {
		s["plan"] = sql.NullString{String: "lifetime", Valid: true}
	}
	for _, c := range []struct {
		name   string
		opts   AuditOptions
		passed bool
	}{
		{"defaults: 0.65 a tell", AuditOptions{}, false},
		{"a lenient threshold", AuditOptions{MaxTellAUC: 0.95, MaxClassifierAUC: 0.95}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Audit(host, seeds, c.opts)
			require.NoError(t, err)
			assert.Equal(t, c.passed, rep.Passed(), "\n%s", rep)
		})
	}
}

func TestAuditReportGolden(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	host, seeds := syntheticRows(r, 300, 1), syntheticRows(r, 30, 301)
	for i, s := range seeds {
		s["email"] = sql.NullString{String: fmt.Sprintf("seed%d@owned%d.example", i, i%3), Valid: true}
	}
	rep, err := Audit(host, seeds, AuditOptions{})
	require.NoError(t, err)
	got := rep.String()
	path := filepath.Join("testdata", "audit_report.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got)

	err = &AuditError{Report: rep}
	assert.ErrorIs(t, err, ErrAuditFailed)
	assert.Contains(t, err.Error(), "email domain frequency 1.00")
	assert.True(t, strings.HasPrefix(err.Error(), "plant: "))
}

func TestReadCSVRows(t *testing.T) {
	for _, c := range []struct {
		name, in string
		opts     CSVRowOptions
		want     []Row
		err      error
	}{
		{"empty cells are NULL by default", "a,b\n1,\n", CSVRowOptions{}, []Row{{"a": {String: "1", Valid: true}, "b": {}}}, nil},
		{"with a NULL marker, empty cells are empty strings", "a,b\n\\N,\n", CSVRowOptions{Null: `\N`}, []Row{{"a": {}, "b": {String: "", Valid: true}}}, nil},
		{"a byte-order mark before the header is dropped", "\ufeffa\nx\n", CSVRowOptions{}, []Row{{"a": {String: "x", Valid: true}}}, nil},
		{"no header", "", CSVRowOptions{}, nil, ErrInvalidInput},
		{"a repeated column", "a,a\n1,2\n", CSVRowOptions{}, nil, ErrInvalidInput},
		{"a ragged row", "a,b\n1\n", CSVRowOptions{}, nil, ErrInvalidInput},
		{"a broken quote", "a\n\"x\n", CSVRowOptions{}, nil, ErrInvalidInput},
		{"over MaxBytes", "a\n" + strings.Repeat("x", 100) + "\n", CSVRowOptions{MaxBytes: 50}, nil, ErrInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadCSVRows(strings.NewReader(c.in), c.opts)
			if c.err != nil {
				assert.ErrorIs(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct {
		name string
		in   any
		want sql.NullString
	}{
		{"NULL stays NULL", nil, sql.NullString{}},
		{"an empty string is not NULL", "", sql.NullString{Valid: true}},
		{"integers in decimal", int64(-42), sql.NullString{String: "-42", Valid: true}},
		{"times in RFC 3339 UTC", time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), sql.NullString{String: "2026-01-02T02:04:05Z", Valid: true}},
		{"bytes as they are", []byte{0xff, 'a'}, sql.NullString{String: "\xffa", Valid: true}},
		{"huge text is cut", strings.Repeat("x", maxCell+10), sql.NullString{String: strings.Repeat("x", maxCell), Valid: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, cellText(c.in))
		})
	}
}

func TestReadRowsOddContents(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		blob := "BLOB"
		if h.dialect == PostgreSQL {
			blob = "bytea"
		}
		h.exec(t, "CREATE TABLE odd (id {id}, email TEXT, bin "+blob+", note TEXT)")
		h.exec(t, "INSERT INTO odd (email, bin, note) VALUES (?, ?, ?)", "a@b.example", []byte{0, 0xff, 0xfe}, strings.Repeat("é", maxCell))
		h.exec(t, "INSERT INTO odd (email, bin, note) VALUES (?, ?, ?)", "", nil, nil)
		rows, err := ReadRows(context.Background(), h.db, Mapping{Table: "odd", Email: "email"}, 0)
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "\x00\xff\xfe", rows[0]["bin"].String)
		assert.LessOrEqual(t, len(rows[0]["note"].String), maxCell)
		assert.Equal(t, sql.NullString{Valid: true}, rows[1]["email"], "an empty string is not NULL")
		assert.Equal(t, sql.NullString{}, rows[1]["note"])
	})
}

func FuzzReadCSVRows(f *testing.F) {
	f.Add([]byte("id,email,phone\n1,a@b.example,\n2,\"x,\"\"y\",(212) 555-0101\n"))
	f.Add([]byte("\ufeffa\n\x00\xff\n"))
	f.Add([]byte("a,b\n" + strings.Repeat("z", 5000) + ",\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := ReadCSVRows(bytes.NewReader(in), CSVRowOptions{MaxBytes: 1 << 16})
		if err != nil {
			assert.ErrorIs(t, err, ErrInvalidInput)
			return
		}
		for _, r := range rows {
			for _, v := range r {
				assert.LessOrEqual(t, len(v.String), maxCell)
			}
		}
		if len(rows) > 0 {
			rep, err := Audit(rows[:len(rows)/2], rows[len(rows)/2:], AuditOptions{})
			require.NoError(t, err)
			checkReport(t, rep)
		}
	})
}

// FuzzAuditRows audits rows made of arbitrary text in every column a tell
// reads: no panic, every AUC a probability.
func FuzzAuditRows(f *testing.F) {
	f.Add("1", "Ann", "a@b.example", "(212) 555-0101", "2026-01-02 03:04:05", "CS-1", "NY", "\x00\xff")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("99999999999999999999", "ÉLODIE", "@@", "+", "1700000000000", "TM-", "Washington State", strings.Repeat("x", 10000))
	f.Fuzz(func(t *testing.T, id, name, email, phone, created, ticket, state, other string) {
		vals := []string{id, name, email, phone, created, ticket, state, other}
		var rows []Row
		for i := range 12 {
			r := Row{}
			for j, c := range []string{"id", "first_name", "email", "phone", "created_at", "ticket", "state", "other"} {
				v := vals[(i+j)%len(vals)]
				r[c] = sql.NullString{String: v, Valid: (i+j)%3 != 0}
			}
			rows = append(rows, r)
		}
		rep, err := Audit(rows[:8], rows[8:], AuditOptions{MinSeeds: 1, MinHostRows: 1})
		require.NoError(t, err)
		checkReport(t, rep)
	})
}

func checkReport(t *testing.T, rep *AuditReport) {
	t.Helper()
	for _, tell := range rep.Tells {
		assert.True(t, tell.AUC >= 0 && tell.AUC <= 1, "%s: AUC %v", tell.Name, tell.AUC)
		assert.True(t, tell.Separation >= 0.5 && tell.Separation <= 1, "%s: separation %v", tell.Name, tell.Separation)
	}
	assert.True(t, rep.Classifier >= 0 && rep.Classifier <= 1, "classifier %v", rep.Classifier)
	assert.NotEmpty(t, rep.String())
}

func TestPlantRefusesAFailedAudit(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		ctx := context.Background()
		h.exec(t, auditHostDDL)
		gen := newHostGen(3, time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC))
		insertHostRows(t, h, gen.hostTable(400, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), true)
		m := Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name", Email: "email",
			Phone: "phone", Ticket: "ticket", CreatedAt: "created_at"}
		cfg := canary.DemoConfig()
		cfg.Seed = [32]byte{4}
		g, err := canary.NewGenerator(cfg)
		require.NoError(t, err)
		seeds, err := g.Generate("support-db/test", 20)
		require.NoError(t, err)

		rep, err := Plant(ctx, h.db, m, seeds, PlantOptions{})
		require.ErrorIs(t, err, ErrAuditFailed)
		var ae *AuditError
		require.ErrorAs(t, err, &ae)
		assert.Same(t, rep, ae.Report)
		assert.False(t, rep.Passed())
		assert.Equal(t, 400, count(t, h, "customers"), "a refused plant writes nothing")
		tell, _ := rep.Tell("empty-column pattern")
		assert.True(t, tell.Over, "state, product and plan are NULL on the simulated seeds:\n%s", rep)
		tell, _ = rep.Tell("order: id / created_at")
		assert.True(t, tell.Over, "the simulation gives the seeds the next ids:\n%s", rep)

		rep, err = Plant(ctx, h.db, m, seeds, PlantOptions{Force: true})
		require.NoError(t, err)
		assert.False(t, rep.Passed(), "forcing keeps the report")
		assert.Equal(t, 420, count(t, h, "customers"))
	})
}

func TestWriteCSVAuditsAgainstTheHostExport(t *testing.T) {
	gen := newHostGen(5, time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC))
	var export bytes.Buffer
	export.WriteString("First Name,Last Name,Email,Business Phone,Mailing City\n")
	for _, h := range gen.hostTable(300, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		fmt.Fprintf(&export, "%s,%s,%s,%s,%s\n", h.first, h.last, h.email, h.phone, h.city)
	}
	host, err := ReadCSVRows(&export, CSVRowOptions{})
	require.NoError(t, err)
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{6}
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("export/test", 20)
	require.NoError(t, err)

	var out bytes.Buffer
	err = WriteCSV(&out, CSVSalesforce, seeds, CSVOptions{Fields: []string{"city"}, Host: host})
	require.ErrorIs(t, err, ErrAuditFailed)
	assert.Zero(t, out.Len(), "nothing is written")
	var ae *AuditError
	require.True(t, errors.As(err, &ae))
	tell, _ := ae.Report.Tell("email domain frequency")
	assert.True(t, tell.Over, "%s", ae.Report)

	require.NoError(t, WriteCSV(&out, CSVSalesforce, seeds, CSVOptions{Fields: []string{"city"}, Host: host, Force: true}))
	assert.Equal(t, 21, strings.Count(out.String(), "\n"))
}

func TestParseDefault(t *testing.T) {
	for _, c := range []struct {
		expr  string
		kind  defaultKind
		value string
	}{
		{"'web'", defaultLiteral, "web"},
		{"'web'::text", defaultLiteral, "web"},
		{"'it''s'", defaultLiteral, "it's"},
		{"0", defaultLiteral, "0"},
		{"(3)", defaultLiteral, "3"},
		{"CURRENT_TIMESTAMP", defaultNow, ""},
		{"now()", defaultNow, ""},
		{"NULL::character varying", defaultNull, ""},
		{"gen_random_uuid()", defaultOther, ""},
	} {
		t.Run(c.expr, func(t *testing.T) {
			k, v := parseDefault(c.expr)
			assert.Equal(t, c.kind, k)
			assert.Equal(t, c.value, v)
		})
	}
}

func TestDripperRunRefusesAFailedAudit(t *testing.T) {
	h := newSQLite(t)
	ctx := context.Background()
	h.exec(t, auditHostDDL)
	gen := newHostGen(21, time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC))
	insertHostRows(t, h, gen.hostTable(300, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), true)
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{22}
	g, err := canary.NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("support-db/test", 20)
	require.NoError(t, err)
	start := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	plan, err := Schedule(seeds, start, 48*time.Hour, ScheduleOptions{Seed: [32]byte{23}})
	require.NoError(t, err)
	reg := canary.NewMemoryRegistry()
	m := Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name", Email: "email", CreatedAt: "created_at"}
	d, err := NewDripper(DripConfig{DB: h.db, Mapping: m, Registry: reg, Clock: newFakeClock(start.Add(72 * time.Hour))}, plan)
	require.NoError(t, err)

	err = d.Run(ctx)
	require.ErrorIs(t, err, ErrAuditFailed)
	assert.Equal(t, 20, d.Pending(), "nothing taken")
	assert.Equal(t, 300, count(t, h, "customers"), "nothing written")
	for s, err := range reg.Seeds(ctx) {
		require.NoError(t, err)
		t.Errorf("seed %s registered", s.ID)
	}
	_, err = d.Step(ctx)
	assert.ErrorIs(t, err, ErrAuditFailed, "the refusal stands")
}

func FuzzReadRows(f *testing.F) {
	db, err := sql.Open("sqlite", "file:"+f.TempDir()+"/fuzz.db")
	require.NoError(f, err)
	f.Cleanup(func() { db.Close() })
	_, err = db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, txt TEXT, bin BLOB, n)")
	require.NoError(f, err)
	f.Add([]byte("a@b.example"), true, int64(7))
	f.Add([]byte{0, 0xff, 0xc3}, false, int64(-1))
	f.Add(bytes.Repeat([]byte("é"), maxCell), true, int64(1<<62))
	f.Fuzz(func(t *testing.T, b []byte, isText bool, n int64) {
		_, err := db.Exec("DELETE FROM t")
		require.NoError(t, err)
		var txt any
		if isText {
			txt = string(b)
		}
		_, err = db.Exec("INSERT INTO t (email, txt, bin, n) VALUES (?, ?, ?, ?), (NULL, NULL, NULL, NULL)", "x@y.example", txt, b, n)
		require.NoError(t, err)
		rows, err := ReadRows(context.Background(), db, Mapping{Table: "t", Email: "email"}, 0)
		require.NoError(t, err)
		require.Len(t, rows, 2)
		want := b[:min(len(b), maxCell)]
		assert.Equal(t, string(want), rows[0]["bin"].String)
		assert.Equal(t, isText, rows[0]["txt"].Valid)
		assert.Equal(t, fmt.Sprint(n), rows[0]["n"].String)
		for c, v := range rows[1] {
			if c != "id" {
				assert.False(t, v.Valid, "column %s: NULL stays NULL", c)
			}
		}
		rep, err := Audit(rows[:1], rows[1:], AuditOptions{})
		require.NoError(t, err)
		checkReport(t, rep)
	})
}

func BenchmarkAudit(b *testing.B) {
	rows := hostAsRows(newHostGen(31, time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)).hostTable(3030, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	host, seeds := rows[:3000], rows[3000:]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Audit(host, seeds, AuditOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
