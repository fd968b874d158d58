package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

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
	// Mailboxes are owned addresses at any provider (canary.Config.Mailboxes);
	// MailboxesFile adds those of a mailbox file ("honeyseed mailboxes add"),
	// relative to this file.
	Mailboxes       []string `json:"mailboxes"`
	MailboxesFile   string   `json:"mailboxes_file"`
	PhoneQuarantine string   `json:"phone_quarantine"` // a Go duration, "2160h"; default 90 days
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
	mailboxes := fc.Mailboxes
	if fc.MailboxesFile != "" {
		mf := fc.MailboxesFile
		if !filepath.IsAbs(mf) {
			mf = filepath.Join(filepath.Dir(path), mf)
		}
		more, err := mailboxAddresses(mf)
		if err != nil {
			return canary.Config{}, fmt.Errorf("%s: mailboxes_file: %w", path, err)
		}
		mailboxes = append(mailboxes, more...)
	}
	var quarantine time.Duration
	if fc.PhoneQuarantine != "" {
		if quarantine, err = time.ParseDuration(fc.PhoneQuarantine); err != nil {
			return canary.Config{}, fmt.Errorf("%s: phone_quarantine: %w", path, err)
		}
	}
	return canary.Config{
		Mailboxes: mailboxes, PhoneQuarantine: quarantine,
		EmailDomains: fc.EmailDomains, DotInsensitiveDomains: fc.DotInsensitiveDomains,
		PhonePool: fc.PhonePool, PhoneRegion: fc.PhoneRegion, PhoneShare: fc.PhoneShare,
		Region: fc.Region, TicketFormat: fc.TicketFormat, TicketMin: fc.TicketMin, TicketMax: fc.TicketMax,
		NoTickets: fc.NoTickets, CreatedFrom: fc.CreatedFrom, CreatedTo: fc.CreatedTo, Fields: fc.Fields,
	}, nil
}

func generate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, st, gf := genCommand("generate")
	seedHex := fs.String("seed", "", "64 hex digits for reproducible output (tests, demos); default crypto-random")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := gf.load()
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if *seedHex != "" {
		b, err := hex.DecodeString(*seedHex)
		if err != nil || len(b) != 32 {
			return usageErr("generate: -seed needs 64 hex digits")
		}
		copy(cfg.Seed[:], b)
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	seeds, err := generateAndRegister(ctx, store, cfg, *gf, stderr)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, s := range seeds {
		if err := enc.Encode(seedJSON(s)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "honeyseed: registered %d seeds for %s\n", len(seeds), gf.placement)
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

// generateAndRegister draws seeds with cfg and registers them in store, which
// also keeps them unique against everything registered before. A large batch
// takes a while: on a terminal, stderr shows how far it is.
func generateAndRegister(ctx context.Context, store *sqlstore.Store, cfg canary.Config, gf genFlags, stderr io.Writer) ([]canary.Seed, error) {
	seeds, err := generateSeeds(ctx, store, cfg, gf, stderr)
	if err != nil {
		return nil, err
	}
	// Register before planting: a seed in a host must always be one the
	// matcher knows.
	if err := register(ctx, store, seeds, stderr); err != nil {
		return nil, err
	}
	return seeds, nil
}

// register adds seeds to store in one transaction, all or nothing, with a
// progress line on stderr if it is a terminal: the seeds written of the
// batch, which are committed together at the end.
func register(ctx context.Context, store *sqlstore.Store, seeds []canary.Seed, stderr io.Writer) error {
	prog := startProgress(stderr, "honeyseed: registering", "seeds", int64(len(seeds)))
	defer prog.finish()
	return addCounted(ctx, store, seeds, prog)
}

// addCounted adds seeds to store, counting in prog the seeds written.
func addCounted(ctx context.Context, store *sqlstore.Store, seeds []canary.Seed, prog *progress) error {
	return store.AddWithOptions(ctx, sqlstore.AddOptions{Progress: func(done int) { prog.set(int64(done)) }}, seeds...)
}

// generateSeeds makes the seeds without registering them, unique against
// what store holds, with a progress line on stderr if it is a terminal.
func generateSeeds(ctx context.Context, store *sqlstore.Store, cfg canary.Config, gf genFlags, stderr io.Writer) ([]canary.Seed, error) {
	cfg.Registry = store
	var err error
	if cfg.DotInsensitiveDomains, err = dotInsensitiveDomains(ctx, store, "the generator config", cfg.DotInsensitiveDomains, cfg.EmailDomains); err != nil {
		return nil, err
	}
	gen, err := canary.NewGenerator(cfg)
	if err != nil {
		return nil, err
	}
	prog := startProgress(stderr, "honeyseed: generating", "seeds", int64(gf.n))
	defer prog.finish()
	return drawSeeds(ctx, gen, gf.placement, gf.n, prog)
}

// genPart is how many seeds one Generate call draws of a larger batch, so
// that its progress moves (a part of 10,000 takes well under a second).
const genPart = 10_000

// drawSeeds draws n seeds for placement from gen, in parts of genPart, and
// counts them in prog. One Generator draws every part, so they are unique
// across parts as within one; a batch of at most genPart is one call, as
// reproducible (-seed) as it always was.
func drawSeeds(ctx context.Context, gen *canary.Generator, placement string, n int, prog *progress) ([]canary.Seed, error) {
	if n <= genPart {
		seeds, err := gen.Generate(placement, n)
		prog.add(int64(len(seeds)))
		return seeds, err
	}
	out := make([]canary.Seed, 0, n)
	for len(out) < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part, err := gen.Generate(placement, min(genPart, n-len(out)))
		if err != nil {
			// A CapacityError counts the part's seeds: say where it stopped.
			return nil, fmt.Errorf("after %d of %d seeds: %w", len(out), n, err)
		}
		out = append(out, part...)
		prog.add(int64(len(part)))
	}
	return out, nil
}
