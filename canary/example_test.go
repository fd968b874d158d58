package canary_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

func ExampleGenerator_Generate() {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{42} // reproducible; leave zero for crypto-random seeds
	cfg.Now = func() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }
	gen, err := canary.NewGenerator(cfg)
	if err != nil {
		panic(err)
	}
	seeds, err := gen.Generate("support-db/eu", 3)
	if err != nil {
		panic(err)
	}
	for _, s := range seeds {
		fmt.Printf("%s | %s | %s | %s | %s | %s\n", s.Name, s.Email, s.Phone, s.Ticket, s.CreatedAt.Format("2006-01-02 15:04"), s.Fields["city"])
	}
	// Output:
	// Brinley Crowe | brinleycrowe@webmail.example.org | +12065550172 | TM-10977527 | 2026-10-16 14:01 | Seattle
	// Justin Sikorski | justin_sikorski@post.example.net | +14155550192 | TM-10870862 | 2026-06-11 09:04 | San Francisco
	// Jennifer Seth | jennifer_seth@inbox.example | +12065550172 | TM-10779582 | 2026-02-27 16:47 | Seattle
}

func ExampleMatcher_Match() {
	ctx := context.Background()
	reg := canary.NewMemoryRegistry()
	seed := canary.Seed{
		ID:        [16]byte{1},
		Placement: "support-db/eu",
		Name:      canary.Name{Given: "Jessica", Family: "Smith"},
		Email:     "jessica.smith@mail.example",
		Phone:     "+14155550132",
		Ticket:    "TM-10400132",
	}
	if err := reg.Add(ctx, seed); err != nil {
		panic(err)
	}
	m, err := canary.NewMatcher(reg)
	if err != nil {
		panic(err)
	}
	hits, err := m.Match(ctx, canary.Event{
		Channel: canary.ChannelSMS,
		From:    "+1 202 555 0147",
		To:      "(415) 555-0132",
		Body:    "Jessica, your refund for case tm-10400132 is waiting",
	})
	if err != nil {
		panic(err)
	}
	for _, h := range hits {
		fmt.Println(h.Field, h.Confidence, h.Seed.Placement, h.Evidence, h.Value)
	}
	// Output:
	// phone likely support-db/eu to (415) 555-0132
	// ticket exact support-db/eu body@30 tm-10400132
}

func ExampleMatcher_Scan() {
	ctx := context.Background()
	reg := canary.NewMemoryRegistry()
	_ = reg.Add(ctx, canary.Seed{ID: [16]byte{2}, Placement: "export/2026-11", Email: "d.okafor@inbox.example", Phone: "+447700900123"})
	m, _ := canary.NewMatcher(reg)
	dump := "id,email,phone\n" +
		"1,real.person@customer.example,+1 206 555 0100\n" +
		"2,D.Okafor@INBOX.example,07700 900123\n"
	err := m.Scan(ctx, strings.NewReader(dump), func(h canary.Hit) error {
		fmt.Println(h.Field, h.Seed.Placement, h.Evidence, h.Value)
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// email export/2026-11 line 3 byte 64 D.Okafor@INBOX.example
	// phone export/2026-11 line 3 byte 87 07700 900123
}
