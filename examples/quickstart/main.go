// Quickstart runs honeyseed end to end on this machine, in a few seconds:
//
//  1. a small SQLite support database with a few hundred ordinary customers
//     who signed up over the last two months;
//
//  2. honeyseed learns its shape (names, phone format, ticket numbering,
//     sign-up rate and hours), proposes the owned mailboxes the seeds need,
//     generates canaries that look like their neighbours and registers them
//     in a blinded SQLite registry. It runs the drip a deployment would run
//     at the host's own rate as a dry run (plant.AuditPlan: the tells an
//     insider could use, and a classifier over them) and prints its
//     verdict; then, as a demo cannot wait months, it plants them at once:
//     into the database for one placement, into a Zendesk import CSV for
//     another. With a few hundred rows the verdict is noisy;
//
//  3. the SMTP receiver and the Twilio webhook start on loopback;
//
//  4. an insider leaks the CSV; scammers send a mail (real SMTP, net/smtp) and
//     a signed Twilio SMS request to canaries from it;
//
//  5. the alerts come out with the placement that leaked and when.
//
//     go run ./examples/quickstart
//
// Everything it makes is safe: reserved .example domains and phone numbers
// reserved for fiction.
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/plant"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
	"github.com/honeyseed/honeyseed/canary/watch"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// demoTwilioToken stands in for a Twilio auth token; the demo signs its own requests.
const demoTwilioToken = "demo-auth-token-not-a-secret"

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "honeyseed-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	now := time.Now().UTC().Truncate(time.Second)

	// 1. The host: a support database the canaries must blend into.
	host, err := sql.Open("sqlite", filepath.Join(dir, "support.db"))
	if err != nil {
		return err
	}
	defer host.Close()
	if err := makeHost(ctx, host, now); err != nil {
		return err
	}

	// 2. A blinded registry: only HMAC lookup keys and sealed seeds on disk.
	store, err := sqlstore.Open(ctx, sqlstore.Options{Path: filepath.Join(dir, "registry.db"), Secret: sqlstore.NewSecret()})
	if err != nil {
		return err
	}
	defer store.Close()

	mapping := plant.Mapping{Table: "customers", FullName: "full_name", Email: "email", Phone: "phone", Ticket: "ticket", CreatedAt: "created_at"}
	shape, err := plant.Learn(ctx, host, mapping, plant.LearnOptions{PhoneRegion: "US"})
	if err != nil {
		return err
	}
	fmt.Printf("== Learned the host's shape from %d rows\n", shape.Rows)
	fmt.Printf("  phones like %q, tickets %s in [%d, %d], created %s .. %s\n\n",
		shape.PhoneFormat, shape.TicketFormat, shape.TicketMin, shape.TicketMax,
		shape.CreatedFrom.Format("2006-01-02"), shape.CreatedTo.Format("2006-01-02"))

	// Most of the host's customers are at a few big mailbox providers (here
	// reserved names standing for them): seeds hide there only in mailboxes
	// the operator opens. Needs says how many; ProposeMailboxes proposes
	// them, named as the host's customers are.
	exclude, err := plant.Exclude(ctx, host, mapping) // never a real customer's address or ticket
	if err != nil {
		return err
	}
	const seeds = 36
	need := shape.Needs(seeds)
	boxes, err := shape.ProposeMailboxes(need.Mailboxes, plant.MailboxOptions{Exclude: exclude})
	if err != nil {
		return err
	}
	base := canary.DemoConfig() // numbers and the other domains stay the demo's reserved ones
	for _, b := range boxes {
		base.Mailboxes = append(base.Mailboxes, b.Address) // the operator opens each, then lists it
	}
	if err := shape.CheckDomains(base, seeds); err != nil {
		return err
	}
	fmt.Printf("== %d seeds need %d owned mailboxes at the host's providers and %d owned domains; proposed e.g. %s\n\n",
		seeds, need.Mailboxes, need.Domains, boxes[0].Address)
	cfg := shape.Apply(base)
	cfg.Registry = store
	cfg.Exclude = exclude
	gen, err := canary.NewGenerator(cfg)
	if err != nil {
		return err
	}
	live, err := gen.Generate("support-db/eu", seeds*2/3)
	if err != nil {
		return err
	}
	export, err := gen.Generate("export/2026-11-crm", seeds/3)
	if err != nil {
		return err
	}
	for i := range live {
		live[i].PlantedAt = now.AddDate(0, 0, -60) // in the live database for two months
	}
	for i := range export {
		export[i].PlantedAt = now.AddDate(0, 0, -12) // in a CRM export made twelve days ago
	}
	// Register first: a planted seed must always be one the matcher knows.
	if err := store.Add(ctx, append(live, export...)...); err != nil {
		return err
	}
	// A deployment drips the seeds in at the host's own rate (a Dripper
	// over ScheduleSpan), so that they never cluster; AuditPlan runs that
	// drip as a dry run against the host, with real customers arriving as
	// they do, and scores every tell an insider could use.
	hm := shape.ApplyMapping(mapping)
	span := plant.ScheduleSpan(len(live), shape.Arrival.PerDay, 0)
	plan, err := plant.Schedule(live, now, span, shape.ScheduleOptions())
	if err != nil {
		return err
	}
	// The host's tickets come from its help desk, which numbers every
	// ticket: the Dripper would be given DripConfig.Tickets to open the
	// seeds' there (HostTickets tells the dry run so).
	report, err := plant.AuditPlan(ctx, host, hm, plan, plant.AuditOptions{Shape: &shape, HostTickets: true})
	if err != nil {
		return err
	}
	printAudit(report, span)
	// The demo cannot wait that long: it plants them all at once.
	if _, err := plant.Plant(ctx, host, hm, live, plant.PlantOptions{Force: true}); err != nil {
		return err
	}
	var csvFile bytes.Buffer
	if err := plant.WriteCSV(&csvFile, plant.CSVZendesk, export, plant.CSVOptions{}); err != nil {
		return err
	}
	fmt.Println("== Planted canaries (three of each placement)")
	for _, s := range slices.Concat(live[:3], export[:3]) {
		fmt.Printf("  %-19s %-20s %-36s %s  %s\n", s.Placement, s.Name, s.Email, s.Phone, s.Ticket)
	}

	// 3. The receivers, on loopback, behind a Watcher that records alerts in
	// the store before acknowledging and delivers them to a sink.
	m, err := canary.NewMatcher(store)
	if err != nil {
		return err
	}
	alerts := &printSink{}
	w, err := watch.New(watch.Config{
		Matcher: m, Outbox: store, Sinks: map[string]canary.Sink{"console": alerts},
		OwnDomains: []string{"shop.example"}, Logger: quiet,
	})
	if err != nil {
		return err
	}
	defer w.Close()

	mail, err := inbound.NewSMTPServer(inbound.SMTPConfig{Addr: "127.0.0.1:0", Domain: "mx.mail.example", Registry: store, Handler: w, Logger: quiet})
	if err != nil {
		return err
	}
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go mail.Serve(smtpLn)
	defer mail.Close()

	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookURL := "http://" + httpLn.Addr().String() + "/twilio/sms"
	sms, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{AuthToken: demoTwilioToken, PublicURL: hookURL, Options: inbound.Options{Handler: w, Logger: quiet}})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /twilio/sms", sms)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(httpLn)
	defer hs.Close()

	// 4. The CSV leaks. Its buyers write and text the customers in it.
	leaked := export
	fmt.Printf("\n== An insider leaks the %d-row CRM export; the scams begin\n", len(leaked))
	victim := leaked[3]
	msg := "From: Refund Desk <help@refund-desk.example>\r\nTo: " + victim.Email + "\r\n" +
		"Subject: Your support case needs attention\r\n\r\n" +
		"Dear " + victim.Name.Given + ", we owe you a refund for ticket " + victim.Ticket + ". Call +1 202 555 0147.\r\n"
	if err := smtp.SendMail(smtpLn.Addr().String(), nil, "help@refund-desk.example", []string{victim.Email}, []byte(msg)); err != nil {
		return fmt.Errorf("sending the scam mail: %w", err)
	}
	fmt.Printf("  mail to %s: accepted by the SMTP receiver\n", victim.Email)

	texted := leaked[5]
	form := url.Values{"From": {"+12025550147"}, "To": {texted.Phone}, "MessageSid": {"SM" + strings.Repeat("0", 31) + "1"},
		"Body": {"Hi " + texted.Name.Given + ", your computer reported a virus. Call us back now."}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature(demoTwilioToken, hookURL, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Printf("  SMS to %s: Twilio webhook answered %s\n", texted.Phone, resp.Status)

	forged, _ := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, strings.NewReader(form.Encode()))
	forged.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	forged.Header.Set("X-Twilio-Signature", "forged")
	if resp, err := http.DefaultClient.Do(forged); err == nil {
		resp.Body.Close()
		fmt.Printf("  a forged webhook request: %s\n", resp.Status)
	}

	// 5. Deliver what was recorded.
	w.Flush(ctx)
	fmt.Println("\n== Alerts")
	alerts.print()

	// The leaked file itself turns up later: scan it.
	found := map[string]int{}
	if err := m.Scan(ctx, &csvFile, func(h canary.Hit) error { found[h.Seed.Placement]++; return nil }); err != nil {
		return err
	}
	fmt.Println("\n== Scanning the leaked file")
	for p, n := range found {
		fmt.Printf("  %d canary values of %s\n", n, p)
	}
	return nil
}

// printSink shows alerts as they are delivered; a real deployment uses the
// sinks of package sink.
// The watcher calls Send for several alerts at once, so got is locked.
type printSink struct {
	mu  sync.Mutex
	got []canary.Alert
}

func (p *printSink) Send(_ context.Context, a canary.Alert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, a.Clone())
	return nil
}

func (p *printSink) print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.got {
		fmt.Printf("  %s via %s from %q\n", a.Channel, a.Source, a.Sender)
		for _, h := range a.Hits {
			fmt.Printf("    %-6s %-9s %-20s seen %q (%s)\n", h.Field, h.Confidence, h.Seed.Name, h.Value, h.Evidence)
		}
		for _, s := range a.Attribution {
			fmt.Printf("    leaked from %s (score %.2f)\n", s.Placement, s.Score)
			for _, r := range s.Reasons {
				fmt.Printf("      - %s\n", r)
			}
		}
	}
}

// makeHost creates the support database with ordinary customers on reserved
// domains and fictional numbers, in the host's own formats.
func makeHost(ctx context.Context, db *sql.DB, now time.Time) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE customers (
		id INTEGER PRIMARY KEY AUTOINCREMENT, full_name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
		phone TEXT, ticket TEXT, created_at TIMESTAMP NOT NULL);
		CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), subject TEXT)`)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	given := []string{"Mary", "James", "Linda", "Robert", "Susan", "Michael", "Karen", "David", "Lisa", "John", "Nancy", "Kevin"}
	family := []string{"Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark", "Lewis", "Young"}
	domains := []string{"customer.example", "home.example", "isp.example.net"}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Customers signed up over the last 60 days, more of them lately; ids
	// and tickets follow sign-up time, as in any live system.
	created := make([]time.Time, 400)
	for i := range created {
		day := 60 * r.Float64() * r.Float64()
		created[i] = now.Add(-time.Duration(day * float64(24*time.Hour))).Truncate(time.Hour).Add(time.Duration(r.IntN(3600)) * time.Second)
	}
	slices.SortFunc(created, time.Time.Compare)
	// A table in use for years: older customers archived, ids well past 1.
	if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES ('customers', 18000)`); err != nil {
		return err
	}
	ticket := 4_200_000
	taken := map[string]bool{}
	for _, at := range created {
		g, f := given[r.IntN(len(given))], family[r.IntN(len(family))]
		local := strings.ToLower(g + "." + f)
		for taken[local] {
			year := 1950 + r.IntN(55) // a birth year, whole or its last two digits
			if r.IntN(2) == 0 {
				year %= 100
			}
			local = fmt.Sprintf("%s.%s%02d", strings.ToLower(g), strings.ToLower(f), year)
		}
		taken[local] = true
		email := local + "@" + domains[r.IntN(len(domains))]
		phone := fmt.Sprintf("(%d) 555-01%02d", 200+r.IntN(700), r.IntN(100))
		ticket += 1 + r.IntN(40)
		res, err := tx.ExecContext(ctx, `INSERT INTO customers (full_name, email, phone, ticket, created_at) VALUES (?, ?, ?, ?, ?)`,
			g+" "+f, email, phone, fmt.Sprintf("CS-%07d", ticket), at)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (customer_id, subject) VALUES (?, 'Printer not working')`, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// printAudit prints the dry run's verdict, the classifier's AUC and the
// worst tells.
func printAudit(r *plant.AuditReport, span time.Duration) {
	verdict := "passed"
	switch {
	case !r.Judged:
		verdict = "too few rows to judge"
	case !r.Passed():
		verdict = fmt.Sprintf("FAILED (%d of %d tells over %.2f", len(r.Failed()), len(r.Tells), r.MaxTellAUC)
		if r.ClassifierOver {
			verdict += fmt.Sprintf(", the classifier over %.2f", r.MaxClassifierAUC)
		}
		verdict += ")"
	}
	fmt.Printf("== Dry run of a %.0f-day drip at the host's rate: %d seeds against %d host rows: %s\n", span.Hours()/24, r.Seeds, r.HostRows, verdict)
	fmt.Printf("  classifier AUC %.3f (limit %.2f); worst tells:\n", r.Classifier, r.MaxClassifierAUC)
	tells := slices.Clone(r.Tells)
	slices.SortStableFunc(tells, func(a, b plant.TellResult) int { return cmp.Compare(b.Separation, a.Separation) })
	for _, t := range tells[:min(3, len(tells))] {
		fmt.Printf("    %-34s AUC %.2f\n", t.Name, t.AUC)
	}
	fmt.Println("  (the demo plants them at once; a deployment runs plant.Dripper over the drip)")
	fmt.Println()
}
