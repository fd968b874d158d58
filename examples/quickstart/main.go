// Quickstart plants canary customers in two copies of a support database,
// simulates an insider leaking one copy, and shows how the scam messages that
// follow are caught and traced back to the copy that leaked.
//
//	go run ./examples/quickstart
//
// Everything it makes is safe: reserved .example domains and phone numbers
// reserved for fiction.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	reg := canary.NewMemoryRegistry()
	cfg := canary.DemoConfig()
	cfg.Registry = reg
	gen, err := canary.NewGenerator(cfg)
	if err != nil {
		return err
	}

	// 1. Generate seeds for two placements and register them before planting.
	now := time.Now().UTC().Truncate(time.Minute)
	placements := []string{"support-db/eu", "export/2026-11-crm"}
	plantedAt := map[string]time.Time{
		"support-db/eu":      now.AddDate(0, 0, -60), // in the live database for two months
		"export/2026-11-crm": now.AddDate(0, 0, -12), // in a CRM export made twelve days ago
	}
	planted := map[string][]canary.Seed{}
	for _, p := range placements {
		seeds, err := gen.Generate(p, 25)
		if err != nil {
			return err
		}
		for i := range seeds {
			seeds[i].PlantedAt = plantedAt[p]
		}
		if err := reg.Add(ctx, seeds...); err != nil {
			return err
		}
		planted[p] = seeds
	}
	fmt.Println("== Planted canaries (first three of each placement)")
	for _, p := range placements {
		for _, s := range planted[p][:3] {
			fmt.Printf("  %-20s %-24s %-36s %-13s %s\n", p, s.Name, s.Email, s.Phone, s.Ticket)
		}
	}

	// 2. An insider exports the CRM copy: real customers and canaries alike.
	leaked := planted["export/2026-11-crm"]
	var dump strings.Builder
	dump.WriteString("name,email,phone,ticket\n")
	dump.WriteString("Ada Real,ada.real@customer.example,+1 206 555 0100,TM-10412345\n")
	for _, s := range leaked {
		fmt.Fprintf(&dump, "%s,%s,%s,%s\n", s.Name, s.Email, s.Phone, s.Ticket)
	}

	m, err := canary.NewMatcher(reg)
	if err != nil {
		return err
	}

	// 3. The buyers get to work: a scam SMS and a scam email.
	victim := leaked[4]
	sms := canary.Event{
		Channel: canary.ChannelSMS, Source: "twilio", At: now,
		From: "+1 202 555 0147", To: nationalForm(victim.Phone),
		Body: fmt.Sprintf("Hi %s, your refund for ticket %s is ready. Call +1 202 555 0147.", victim.Name.Given, victim.Ticket),
	}
	mail := canary.Event{
		Channel: canary.ChannelEmail, Source: "smtp", At: now,
		From:    "Support Desk <help@refund-desk.example>",
		To:      strings.ToUpper(strings.Replace(leaked[7].Email, "@", "+refund@", 1)),
		Subject: "Action required on your support case",
	}
	fmt.Println("\n== Contact attempts")
	var tripped []canary.Seed
	for _, ev := range []canary.Event{sms, mail} {
		hits, err := m.Match(ctx, ev)
		if err != nil {
			return err
		}
		fmt.Printf("  %s to %q:\n", ev.Channel, ev.To)
		for _, h := range hits {
			fmt.Printf("    %-6s %-9s seed %-22s placement %-20s seen %q at %s\n",
				h.Field, h.Confidence, h.Seed.Name, h.Seed.Placement, h.Value, h.Evidence)
			tripped = append(tripped, h.Seed)
		}
	}

	// 4. The dump itself turns up on a forum: scan it.
	fmt.Println("\n== Scanning the leaked dump")
	found := map[string]int{}
	err = m.Scan(ctx, strings.NewReader(dump.String()), func(h canary.Hit) error {
		found[h.Seed.Placement]++
		return nil
	})
	if err != nil {
		return err
	}
	for p, n := range found {
		fmt.Printf("  %d canary values of %s in the dump\n", n, p)
	}

	// 5. Which copy leaked, and when?
	fmt.Println("\n== Attribution")
	for _, s := range canary.Attribute(tripped, now, canary.AttributeOptions{}) {
		fmt.Printf("  %s (score %.2f)\n", s.Placement, s.Score)
		for _, r := range s.Reasons {
			fmt.Printf("    - %s\n", r)
		}
	}
	return nil
}

// nationalForm writes +1NXXNXXXXXX as (NXX) NXX-XXXX, as a scam SMS would.
func nationalForm(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+1") {
		return e164
	}
	d := e164[2:]
	return fmt.Sprintf("(%s) %s-%s", d[:3], d[3:6], d[6:])
}

func init() { log.SetOutput(os.Stderr) }
