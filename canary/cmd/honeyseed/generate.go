package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

func init() {
	register("generate", "make seeds for a placement and register them", generate)
}

// fileConfig is the JSON form of canary.Config.
type fileConfig struct {
	EmailDomains          []string           `json:"email_domains"`
	DotInsensitiveDomains []string           `json:"dot_insensitive_domains"`
	PhonePool             []string           `json:"phone_pool"`
	PhoneRegion           string             `json:"phone_region"`
	PhoneShare            int                `json:"phone_share"`
	Region                string             `json:"region"`
	TicketFormat          string             `json:"ticket_format"`
	TicketMin             uint64             `json:"ticket_min"`
	TicketMax             uint64             `json:"ticket_max"`
	NoTickets             bool               `json:"no_tickets"`
	CreatedFrom           time.Time          `json:"created_from"`
	CreatedTo             time.Time          `json:"created_to"`
	Fields                []string           `json:"fields"`
	EmailPatterns         map[string]float64 `json:"email_patterns"`
}

func loadConfig(path string) (canary.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return canary.Config{}, err
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	dec.DisallowUnknownFields()
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil {
		return canary.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(fc.EmailPatterns) > 0 {
		return canary.Config{}, fmt.Errorf("%s: email_patterns: set the mix from the library (canary.Config.EmailPatterns) or learn it with plant", path)
	}
	return canary.Config{
		EmailDomains: fc.EmailDomains, DotInsensitiveDomains: fc.DotInsensitiveDomains,
		PhonePool: fc.PhonePool, PhoneRegion: fc.PhoneRegion, PhoneShare: fc.PhoneShare,
		Region: fc.Region, TicketFormat: fc.TicketFormat, TicketMin: fc.TicketMin, TicketMax: fc.TicketMax,
		NoTickets: fc.NoTickets, CreatedFrom: fc.CreatedFrom, CreatedTo: fc.CreatedTo, Fields: fc.Fields,
	}, nil
}

func generate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	placement := fs.String("placement", "", "where the seeds will be planted, e.g. support-db/eu (required)")
	n := fs.Int("n", 20, "how many seeds")
	configPath := fs.String("config", "", "JSON `file` with the generator config (email_domains, phone_pool, ticket_format, ...)")
	demo := fs.Bool("demo", false, "use the demo config: reserved domains and fictional numbers only")
	seedHex := fs.String("seed", "", "64 hex digits for reproducible output (tests, demos); default crypto-random")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *placement == "" {
		return fmt.Errorf("generate: -placement is required")
	}
	var cfg canary.Config
	switch {
	case *demo && *configPath != "":
		return fmt.Errorf("generate: give -config or -demo, not both")
	case *demo:
		cfg = canary.DemoConfig()
	case *configPath != "":
		var err error
		if cfg, err = loadConfig(*configPath); err != nil {
			return err
		}
	default:
		return fmt.Errorf("generate: -config is required (or -demo for reserved, fictional values)")
	}
	if *seedHex != "" {
		b, err := hex.DecodeString(*seedHex)
		if err != nil || len(b) != 32 {
			return fmt.Errorf("generate: -seed needs 64 hex digits")
		}
		copy(cfg.Seed[:], b)
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	cfg.Registry = store
	gen, err := canary.NewGenerator(cfg)
	if err != nil {
		return err
	}
	seeds, err := gen.Generate(*placement, *n)
	if err != nil {
		return err
	}
	if err := store.Add(ctx, seeds...); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, s := range seeds {
		if err := enc.Encode(seedJSON(s)); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "honeyseed: registered %d seeds for %s\n", len(seeds), *placement)
	return nil
}

// seedJSON is how the CLI prints a seed.
func seedJSON(s canary.Seed) map[string]any {
	m := map[string]any{
		"id": s.ID, "placement": s.Placement, "given": s.Name.Given, "family": s.Name.Family,
		"email": s.Email, "created_at": s.CreatedAt, "planted_at": s.PlantedAt,
	}
	if s.Phone != "" {
		m["phone"] = s.Phone
	}
	if s.Ticket != "" {
		m["ticket"] = s.Ticket
	}
	if len(s.Fields) > 0 {
		m["fields"] = s.Fields
	}
	if !s.ExpiresAt.IsZero() {
		m["expires_at"] = s.ExpiresAt
	}
	return m
}
