package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/plant"
)

// genFlags are the generator flags plant and csv share with generate.
type genFlags struct {
	placement, config string
	n                 int
	demo              bool
}

func (g *genFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.placement, "placement", "", "where the seeds will be planted (required)")
	fs.IntVar(&g.n, "n", 20, "how many seeds")
	fs.StringVar(&g.config, "config", "", "JSON `file` with the generator config")
	fs.BoolVar(&g.demo, "demo", false, "use the demo config: reserved domains and fictional numbers only")
}

// genCommand starts the flag set of a command that makes seeds: the store
// flags and the generator flags.
func genCommand(name string) (*flag.FlagSet, *storeFlags, *genFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	st, gf := &storeFlags{}, &genFlags{}
	st.register(fs)
	gf.register(fs)
	return fs, st, gf
}

func (g *genFlags) load() (canary.Config, error) {
	switch {
	case g.placement == "":
		return canary.Config{}, usageErr("-placement is required")
	case g.demo && g.config != "":
		return canary.Config{}, usageErr("give -config or -demo, not both")
	case g.demo:
		return canary.DemoConfig(), nil
	case g.config != "":
		return loadConfig(g.config)
	}
	return canary.Config{}, usageErr("-config is required (or -demo for reserved, fictional values)")
}

func plantCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st, gf := genCommand("plant")
	dbSpec := fs.String("db", "", "host database: sqlite:`PATH` or postgres:DSN (required)")
	table := fs.String("table", "", "host table (required)")
	cols := fs.String("map", "email=email", "column mapping: email=,name= (full name) or given=,family=, phone=, ticket=, created=")
	dryRun := fs.Bool("audit", false, "dry run: audit the seeds against the host and print the report; register and plant nothing")
	force := fs.Bool("force", false, "plant even when the audit can tell the seeds from the host's rows, or the config's owned mailboxes and domains are too few to hide them")
	drip := fs.Bool("drip", false, "plant one seed at a time over the span the host's own rate of new rows needs (at most 2% of its new rows), registering each as it goes in; runs until the last is in")
	ticketQuery := fs.String("ticket-query", "", "with -drip: a `SQL` query run on the host database just before each seed goes in, returning the ticket reference the host's own ticket system opens for it (e.g. SELECT 'CS-' || lpad(nextval('ticket_seq')::text, 7, '0')); seeds numbered by the host leave no trace in its ticket order")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := gf.load()
	if err != nil {
		return fmt.Errorf("plant: %w", err)
	}
	if *ticketQuery != "" && !*drip {
		return usageErr("-ticket-query numbers seeds as a drip plants them: it needs -drip")
	}
	if *dryRun && *force {
		return usageErr("plant: give -audit or -force, not both")
	}
	if *dbSpec == "" || *table == "" {
		return usageErr("plant: -db and -table are required")
	}
	m, err := parseMapping(*table, *cols)
	if err != nil {
		return err
	}
	host, err := openHost(*dbSpec)
	if err != nil {
		return err
	}
	defer host.Close()
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	shape, err := plant.Learn(ctx, host, m, plant.LearnOptions{})
	if err != nil {
		return err
	}
	// Too few owned mailboxes or domains: the seeds would stand out by
	// their domains whatever else is done.
	domErr := shape.CheckDomains(cfg, gf.n)
	switch {
	case domErr != nil && *dryRun:
		fmt.Fprintf(stdout, "%v\n", domErr) // and the audit says what else
	case domErr != nil && !*force:
		return domErr
	case domErr != nil:
		fmt.Fprintf(stderr, "honeyseed plant: %v (planting anyway: -force)\n", domErr)
	}
	cfg = shape.Apply(cfg)
	if cfg.Exclude, err = plant.Exclude(ctx, host, m); err != nil {
		return err
	}
	m = shape.ApplyMapping(m)
	seeds, err := generateSeeds(ctx, store, cfg, *gf, stderr)
	if err != nil {
		return err
	}
	// The host's habits (phone share, casing) and every column it fills.
	if seeds, err = shape.Blend(seeds, [32]byte{}); err != nil {
		return err
	}
	filler, err := plant.NewFiller(shape, m, plant.FillOptions{})
	if err != nil {
		return err
	}
	seeds, m = filler.Fill(seeds), filler.Mapping()
	for _, u := range filler.Unfilled() {
		fmt.Fprintf(stderr, "honeyseed plant: column %q left to its default: %s\n", u.Column, u.Reason)
	}
	if *drip {
		if err := dripSeeds(ctx, host, m, store, &shape, seeds, *ticketQuery, *dryRun, *force, stdout, stderr); err != nil || !*dryRun {
			return err
		}
		return domErr
	}
	report, err := auditNow(ctx, host, m, seeds)
	if err != nil {
		return err
	}
	switch {
	case *dryRun:
		if err := report.WriteText(stdout); err != nil {
			return err
		}
		if !report.Passed() { // exit 1: a script plants only after a pass
			return &plant.AuditError{Report: report}
		}
		return domErr
	case !report.Passed() && !*force:
		report.WriteText(stderr)
		return &plant.AuditError{Report: report}
	}
	// Register before planting: a seed in a host must always be one the matcher knows.
	if err := register(ctx, store, seeds, stderr); err != nil {
		return err
	}
	if err := plant.Insert(ctx, host, m, seeds); err != nil {
		for _, s := range seeds { // not planted: say so in the registry
			store.Retire(ctx, s.ID, s.PlantedAt)
		}
		return err
	}
	verdict := "passed"
	if !report.Passed() {
		verdict = "failed, planted by -force"
	}
	fmt.Fprintf(stdout, "planted %d seeds for %s in %s (learned from %d rows: phones %q, tickets %s; audit %s)\n",
		len(seeds), gf.placement, *table, shape.Rows, shape.PhoneFormat, shape.TicketFormat, verdict)
	return nil
}

// dripSeeds schedules seeds over the span the host's rate needs and plants
// them with a Dripper (or, with dry, audits that plan and plants nothing).
//
// A ticketQuery, when given, opens each seed's ticket in the host's own
// ticket system (plant.DripConfig.Tickets).
func dripSeeds(ctx context.Context, host *sql.DB, m plant.Mapping, store canary.Registry, shape *plant.Shape, seeds []canary.Seed, ticketQuery string, dry, force bool, stdout, stderr io.Writer) error {
	span := plant.ScheduleSpan(len(seeds), shape.Arrival.PerDay, 0)
	if span <= 0 {
		return fmt.Errorf("plant: -drip: the host's rate of new rows could not be learned (no creation times?): plant without -drip")
	}
	start := time.Now()
	plan, err := plant.Schedule(seeds, start, span, shape.ScheduleOptions())
	if err != nil {
		return err
	}
	if dry {
		report, err := plant.AuditPlan(ctx, host, m, plan, plant.AuditOptions{Shape: shape, HostTickets: ticketQuery != ""})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "drip of %d seeds over %s, until %s\n", len(seeds), span.Round(time.Minute), start.Add(span).Format(time.RFC3339))
		if err := report.WriteText(stdout); err != nil {
			return err
		}
		if !report.Passed() {
			return &plant.AuditError{Report: report}
		}
		return nil
	}
	cfg := plant.DripConfig{DB: host, Mapping: m, Registry: store, Shape: shape, Force: force}
	if ticketQuery != "" {
		cfg.Tickets = hostTickets(host, ticketQuery)
	}
	d, err := plant.NewDripper(cfg, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dripping %d seeds over %s, until %s\n", len(seeds), span.Round(time.Minute), start.Add(span).Format(time.RFC3339))
	err = d.Run(ctx)
	if r := d.AuditReport(); r != nil && !r.Passed() {
		r.WriteText(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "planted %d seeds\n", len(seeds)-d.Pending())
	return nil
}

// hostTickets returns a DripConfig.Tickets that runs query on host and
// takes its one value, not NULL, as the seed's ticket reference.
func hostTickets(host *sql.DB, query string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		var ref sql.NullString
		if err := host.QueryRowContext(ctx, query).Scan(&ref); err != nil {
			return "", fmt.Errorf("-ticket-query: %w", err)
		}
		if !ref.Valid || strings.TrimSpace(ref.String) == "" {
			return "", errors.New("-ticket-query: returned no reference")
		}
		return strings.TrimSpace(ref.String), nil
	}
}

// auditNow audits seeds as one batch planted now into the host.
func auditNow(ctx context.Context, host *sql.DB, m plant.Mapping, seeds []canary.Seed) (*plant.AuditReport, error) {
	now := time.Now()
	plan := make([]plant.Planned, len(seeds))
	for i, s := range seeds {
		plan[i] = plant.Planned{Seed: s, At: now}
	}
	return plant.AuditPlan(ctx, host, m, plan, plant.AuditOptions{})
}

// csvCmd runs csv; its errors read "honeyseed csv: ...".
func csvCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return commandErr("csv", csvRun(ctx, args, stdout, stderr))
}

func csvRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st, gf := genCommand("csv")
	format := fs.String("format", "zendesk", "import format: zendesk, salesforce, hubspot or plain")
	fields := fs.String("fields", "", "extra columns, comma-separated: city, company, postcode (generated for every seed)")
	hostExport := fs.String("host", "", "the tool's own export (CSV `file`): the seeds are fitted to its rows (names, address patterns, phone share, casing) and audited against them before writing")
	force := fs.Bool("force", false, "write even when the audit can tell the seeds from the export's rows, or the owned mailboxes and domains are too few to hide them")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := gf.load()
	if err != nil {
		return err
	}
	f, err := plant.ParseCSVFormat(*format)
	if err != nil {
		return err
	}
	opts := plant.CSVOptions{Force: *force}
	if *fields != "" {
		opts.Fields = strings.Split(*fields, ",")
		// A column asked for is a field generated: else it is empty in every row.
		for _, name := range opts.Fields {
			if !slices.Contains(cfg.Fields, name) {
				cfg.Fields = append(cfg.Fields, name)
			}
		}
	}
	var shape *plant.Shape
	if *hostExport != "" {
		if opts.Host, err = readExport(*hostExport); err != nil {
			return err
		}
		if shape, err = learnExport(ctx, *hostExport, f); err != nil {
			return err
		}
		if err := shape.CheckDomains(cfg, gf.n); err != nil {
			if !*force {
				return err
			}
			fmt.Fprintf(stderr, "honeyseed csv: %v (writing anyway: -force)\n", err)
		}
		cfg = shape.Apply(cfg)
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	seeds, err := generateSeeds(ctx, store, cfg, *gf, stderr)
	if err != nil {
		return err
	}
	if shape != nil { // the export's phone share and casing
		if seeds, err = shape.Blend(seeds, [32]byte{}); err != nil {
			return err
		}
	}
	// Register before writing: a seed in an import file must always be one
	// the matcher knows.
	if err := register(ctx, store, seeds, stderr); err != nil {
		return err
	}
	if err := plant.WriteCSV(stdout, f, seeds, opts); err != nil {
		for _, s := range seeds { // not written: say so in the registry
			store.Retire(ctx, s.ID, s.PlantedAt)
		}
		var ae *plant.AuditError
		if errors.As(err, &ae) {
			ae.Report.WriteText(stderr)
		}
		return err
	}
	return nil
}

// learnExport learns the Shape of a tool's own export, mapped as the tool
// writes it.
func learnExport(ctx context.Context, path string, f plant.CSVFormat) (*plant.Shape, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-host: %w", err)
	}
	defer file.Close()
	shape, err := plant.LearnExport(ctx, file, f, plant.LearnOptions{})
	if err != nil {
		return nil, fmt.Errorf("-host %s: %w", path, err)
	}
	return &shape, nil
}

func readExport(path string) ([]plant.Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-host: %w", err)
	}
	defer f.Close()
	return plant.ReadCSVRows(f, plant.CSVRowOptions{})
}

func parseMapping(table, spec string) (plant.Mapping, error) {
	m := plant.Mapping{Table: table}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || v == "" {
			return m, fmt.Errorf("plant: -map: %q is not role=column", kv)
		}
		switch k {
		case "email":
			m.Email = v
		case "name":
			m.FullName = v
		case "given":
			m.GivenName = v
		case "family":
			m.FamilyName = v
		case "phone":
			m.Phone = v
		case "ticket":
			m.Ticket = v
		case "created":
			m.CreatedAt = v
		default:
			return m, fmt.Errorf("plant: -map: unknown role %q", k)
		}
	}
	return m, nil
}

func openHost(spec string) (*sql.DB, error) {
	kind, dsn, ok := strings.Cut(spec, ":")
	switch {
	case ok && kind == "sqlite":
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("plant: host database: %w", err)
		}
		return sql.Open("sqlite", dsn)
	case ok && kind == "postgres":
		return sql.Open("pgx", dsn)
	}
	return nil, fmt.Errorf("plant: -db %q: want sqlite:PATH or postgres:DSN", spec)
}
