// Quickstart runs honeyseed end to end on this machine, in a few seconds:
//
//  1. a small SQLite support database with a few hundred ordinary customers;
//
//  2. honeyseed learns its shape (phone format, ticket range, sign-up hours),
//     generates canaries that look like their neighbours, registers them in a
//     blinded SQLite registry, audits them against the host (plant.Plant: the
//     tells an insider could use, and a classifier over them) and plants
//     them: into the database for one placement, into a Zendesk import CSV
//     for another. The demo table is too small for the audit to pass; the
//     demo prints the audit's summary and plants with Force, saying so;
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
	"errors"
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
	const seeds = 24
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
	live, err := gen.Generate("support-db/eu", seeds/2)
	if err != nil {
		return err
	}
	export, err := gen.Generate("export/2026-11-crm", seeds/2)
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
	// Plant audits the seeds against the host before writing any: how well
	// each tell an insider could use separates them from real rows.
	report, err := plant.Plant(ctx, host, shape.ApplyMapping(mapping), live, plant.PlantOptions{})
	forced := false
	if errors.Is(err, plant.ErrAuditFailed) {
		// A demo table this small cannot hide a dozen seeds; a real deployment
		// fixes the tells (a drip at the host's rate, see plant's package doc) instead.
		forced = true
		report, err = plant.Plant(ctx, host, shape.ApplyMapping(mapping), live, plant.PlantOptions{Force: true})
	}
	if err != nil {
		return err
	}
	printAudit(report, forced)
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
		id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
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
	for i := range 300 {
		g, f := given[r.IntN(len(given))], family[r.IntN(len(family))]
		email := fmt.Sprintf("%s.%s%d@%s", strings.ToLower(g), strings.ToLower(f), i, domains[i%len(domains)])
		phone := fmt.Sprintf("(%d) 555-01%02d", 200+r.IntN(700), r.IntN(100))
		created := now.AddDate(0, 0, -r.IntN(700)).Add(time.Duration(9+r.IntN(9)) * time.Hour)
		ticket := fmt.Sprintf("CS-%07d", 4_200_000+i*37+r.IntN(30))
		res, err := tx.ExecContext(ctx, `INSERT INTO customers (full_name, email, phone, ticket, created_at) VALUES (?, ?, ?, ?, ?)`,
			g+" "+f, email, phone, ticket, created.Truncate(24*time.Hour).Add(time.Duration(8+r.IntN(10))*time.Hour))
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

// printAudit prints the audit's verdict, the classifier's AUC and the worst
// tells, and says so when the demo planted despite a failed audit.
func printAudit(r *plant.AuditReport, forced bool) {
	verdict := "passed"
	switch {
	case !r.Judged:
		verdict = "too few rows to judge"
	case !r.Passed():
		verdict = fmt.Sprintf("FAILED (%d of %d tells over %.2f)", len(r.Failed()), len(r.Tells), r.MaxTellAUC)
	}
	fmt.Printf("== Audit of %d seeds against %d host rows: %s\n", r.Seeds, r.HostRows, verdict)
	fmt.Printf("  classifier AUC %.2f (limit %.2f); worst tells:\n", r.Classifier, r.MaxClassifierAUC)
	tells := slices.Clone(r.Tells)
	slices.SortStableFunc(tells, func(a, b plant.TellResult) int { return cmp.Compare(b.Separation, a.Separation) })
	for _, t := range tells[:min(3, len(tells))] {
		fmt.Printf("    %-34s AUC %.2f\n", t.Name, t.AUC)
	}
	if forced {
		fmt.Println("  planted anyway (Force): a demo table this small cannot hide its seeds; fix the tells before real use")
	}
	fmt.Println()
}
