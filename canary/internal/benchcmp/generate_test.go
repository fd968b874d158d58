package benchcmp

import (
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/honeyseed/honeyseed/canary"
)

// BenchmarkGofakeit is the reference the issue names: a name, an email and a
// phone number per record, with real-looking numbers and registrable domains
// and no uniqueness.
func BenchmarkGofakeit(b *testing.B) {
	f := gofakeit.New(1)
	b.ReportAllocs()
	for b.Loop() {
		_ = f.Name()
		_ = f.Email()
		_ = f.Phone()
	}
}

// BenchmarkHoneyseedGenerate is a whole seed: name by frequency, unique
// address on an owned domain, a pool number shared by the rules, a unique
// ticket in range, a weighted creation time, city and company.
func BenchmarkHoneyseedGenerate(b *testing.B) {
	benchGenerate(b, func(*canary.Config) {})
}

// BenchmarkHoneyseedNameEmailPhone is what gofakeit's benchmark makes: a
// name, an address and a number (plus the creation time every seed has).
func BenchmarkHoneyseedNameEmailPhone(b *testing.B) {
	benchGenerate(b, func(c *canary.Config) { c.NoTickets, c.Fields = true, nil })
}

func benchGenerate(b *testing.B, mod func(*canary.Config)) {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{1}
	cfg.Now = func() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }
	cfg.TicketFormat, cfg.TicketMin, cfg.TicketMax = "TM-##########", 0, 0
	mod(&cfg)
	var g *canary.Generator
	made := 0
	const batch = 1000
	b.ReportAllocs()
	for b.Loop() {
		if made%4000 == 0 {
			b.StopTimer()
			var err error
			if g, err = canary.NewGenerator(cfg); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := g.Generate("p", batch); err != nil {
			b.Fatal(err)
		}
		made += batch
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/seed")
}
