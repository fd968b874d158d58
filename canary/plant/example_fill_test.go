package plant_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/plant"
)

// The columns a Mapping leaves out are filled as the host fills them.
func ExampleNewFiller() {
	db, done := openSupportDB()
	defer done()
	ctx := context.Background()
	if _, err := db.Exec(`ALTER TABLE customers ADD COLUMN plan TEXT;
		UPDATE customers SET plan = 'premium';
		ALTER TABLE customers ADD COLUMN notes TEXT;
		UPDATE customers SET notes = 'called about a refund for an order that never came; asked for a call back on Monday'`); err != nil {
		log.Fatal(err)
	}
	m := plant.Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name", Email: "email",
		Phone: "phone", Ticket: "ticket_ref", CreatedAt: "created_at"}
	shape, err := plant.Learn(ctx, db, m, plant.LearnOptions{MinValueCount: 1})
	if err != nil {
		log.Fatal(err)
	}
	f, err := plant.NewFiller(shape, m, plant.FillOptions{Seed: [32]byte{1}})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range f.Unfilled() {
		fmt.Printf("not filled: %s (%s)\n", u.Column, u.Reason)
	}
	seeds := f.Fill([]canary.Seed{canarytest.Seed(1, "support-db/eu")})
	fmt.Println("plan:", seeds[0].Fields["plan"])
	if err := plant.Insert(ctx, db, f.Mapping(), seeds); err != nil {
		log.Fatal(err)
	}
	// Output:
	// not filled: notes (free text the host fills and the filler cannot make up)
	// plan: premium
}

// A host taking two new customers a day hides 30 seeds only over years.
func ExampleSchedule_arrivalRate() {
	seeds := make([]canary.Seed, 30)
	for i := range seeds {
		seeds[i] = canarytest.Seed(i+1, "support-db/eu")
	}
	_, err := plant.Schedule(seeds, time.Now(), 14*24*time.Hour, plant.ScheduleOptions{PerDay: 2})
	var tf *plant.TooFastError
	if errors.As(err, &tf) {
		fmt.Println(err)
		fmt.Printf("need %.0f days\n", tf.Need.Hours()/24)
	}
	// Output:
	// plant: 30 seeds at most 2% of new rows need 735 days at the host's 2 new rows a day, not 14 days
	// need 735 days
}

func ExampleShape_CheckDomains() {
	host := plant.Shape{Domains: plant.DomainProfile{SmallRepeats: []int{900, 60, 40}}}
	cfg := canary.DemoConfig() // four owned domains
	fmt.Println(host.CheckDomains(cfg, 30))
	// Output:
	// plant: 30 seeds need at least 15 owned domains or mailboxes for this table (its small domains hold at most 2 addresses each); the config has 4
}

// How many owned mailboxes and domains 30 seeds need on a table whose
// customers are mostly at the big providers, and mailboxes to open there.
func ExampleShape_ProposeMailboxes() {
	host := plant.Shape{
		EmailDomains: map[string]float64{"gmail.example": 0.6, "yahoo.example": 0.3},
		Domains:      plant.DomainProfile{Addresses: 3000, Big: 0.9, SmallRepeats: []int{250, 40}},
		Names:        canary.HostNames{Rows: 3000, Given: []canary.NameCount{{Name: "Mary", Rows: 80}}},
	}
	need := host.Needs(30)
	fmt.Printf("%d mailboxes at the big providers (at least %d), %d owned domains\n", need.Mailboxes, need.MinMailboxes, need.Domains)
	boxes, err := host.ProposeMailboxes(need.Mailboxes, plant.MailboxOptions{Seed: [32]byte{1},
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		log.Fatal(err)
	}
	at := map[string]int{}
	for _, b := range boxes {
		_, domain, _ := strings.Cut(b.Address, "@")
		at[domain]++
	}
	fmt.Println(len(boxes), "proposed, most at", map[bool]string{true: "gmail.example", false: "yahoo.example"}[at["gmail.example"] > at["yahoo.example"]])
	cfg := canary.Config{EmailDomains: []string{"harbor.example", "maple.example"}}
	for _, b := range boxes { // once each is opened
		cfg.Mailboxes = append(cfg.Mailboxes, b.Address)
	}
	fmt.Println(host.CheckDomains(cfg, 30))
	// Output:
	// 27 mailboxes at the big providers (at least 23), 2 owned domains
	// 27 proposed, most at gmail.example
	// <nil>
}
