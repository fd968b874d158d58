package plant

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/honeyseed/honeyseed/canary"
)

// Clock tells a Dripper the time and wakes it. Tests pass a fake one.
type Clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

// systemClock is the real time. time.After's timers are collected once
// unreferenced (Go 1.23), so a Run that returns early leaks nothing.
type systemClock struct{}

var (
	_ Clock = systemClock{}
	_ error = (*PlantError)(nil)
)

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// DripConfig is what a Dripper plants with. DB, Mapping and Registry are required.
type DripConfig struct {
	DB       *sql.DB
	Mapping  Mapping
	Registry canary.Registry
	// Clock defaults to the system clock.
	Clock Clock
	// Shape, when set, is the host's learned Shape. Where its creation
	// times follow its ids (Shape.Order.Ordered), each seed goes, when there
	// is one, into a gap among the host's 50 newest ids (a deleted row, a
	// rolled-back insert) with a creation time and a ticket between its
	// neighbours'; else it is dated when it is planted (CreatedAt = the
	// Clock's now) and, where its tickets follow its ids
	// (Shape.Order.TicketsOrdered), takes the host's next ticket, read from
	// its newest rows just before the insert, with a gap drawn from the
	// learned gaps. So no seed breaks an order no real row breaks when it
	// goes in. Where tickets follow the ids and the host's ids skip at
	// times, a seed that finds no gap waits for one, trying again as often
	// as the host takes a row, for up to 50 of the host's rows, before it
	// is appended: an appended seed's ticket is overtaken by the next real
	// row's about half the time. The seed is registered with those values.
	// Nil: seeds go in as generated.
	Shape *Shape
	// Tickets, when set, opens a ticket for a seed in the host's own
	// ticket system (the help desk's API, the sequence the host's tickets
	// are numbered from) and returns its reference; it is called just
	// before the seed is inserted. A seed that takes its ticket from the
	// counter that numbers the real rows is appended after the newest row,
	// dated when it is planted, and leaves no trace in the order of ids and
	// tickets: a seed numbered by honeyseed can only take a number between
	// two real rows', splitting one of the host's steps in two, and the
	// audit's ticket-step tells see that (see the package doc). It must
	// return a reference no row holds, in the host's ticket format, and be
	// safe to call from Steps running at once. A ticket it opened for a
	// seed that then fails to go in stays opened.
	Tickets func(ctx context.Context) (string, error)
	// Logger, when set, records each seed planted or not, by ID only: logs
	// are read by the very insiders canaries are meant to catch, so no email,
	// phone or ticket is ever logged.
	Logger *slog.Logger
	// Audit tunes the audit of the whole plan that runs before the first
	// seed is planted (see AuditPlan); a failed audit stops the Dripper with
	// an *AuditError before anything is written, unless Force is set.
	Audit AuditOptions
	Force bool
	// Seed makes the ticket gaps drawn with a Shape reproducible. Zero:
	// crypto-random.
	Seed [32]byte
}

// Dripper plants a schedule as it falls due: for each seed, it registers the
// seed with PlantedAt set to the real time, then inserts it into the host,
// each seed in its own transaction. A seed the host refuses is retired at
// once (RetiredAt = PlantedAt), so that a registered-but-not-planted seed
// never counts as planted; it is reported as a *PlantError and not retried
// (its values stay reserved in the registry: generate a replacement).
//
// The plan's seeds must not be registered yet. The Dripper starts no
// goroutine: Run and Step work in the caller's. Its methods are safe for
// concurrent use, and no seed is planted twice.
type Dripper struct {
	cfg DripConfig

	mu   sync.Mutex
	plan []Planned               // by time
	next int                     // plan[:next] were taken
	due  map[uuid.UUID]time.Time // when a seed held for a gap first fell due, by ID

	auditMu  sync.Mutex // held through the audit; guards the three below
	audited  bool       // the audit ran: report and auditErr hold its outcome
	report   *AuditReport
	auditErr error
	rmu      sync.Mutex
	r        *rand.Rand // ticket gaps
}

// NewDripper returns a Dripper for plan (as Schedule makes it; it is copied
// and sorted by time).
func NewDripper(cfg DripConfig, plan []Planned) (*Dripper, error) {
	switch {
	case cfg.DB == nil:
		return nil, fmt.Errorf("%w: DripConfig.DB is nil", ErrInvalidInput)
	case cfg.Registry == nil:
		return nil, fmt.Errorf("%w: DripConfig.Registry is nil: seeds are registered before they are planted", ErrInvalidInput)
	case cfg.Mapping.Table == "" || cfg.Mapping.Email == "":
		return nil, fmt.Errorf("%w: DripConfig.Mapping needs a table and an email column", ErrMapping)
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	p := make([]Planned, len(plan))
	for i, pl := range plan {
		p[i] = Planned{Seed: pl.Seed.Clone(), At: pl.At}
	}
	slices.SortStableFunc(p, func(a, b Planned) int { return a.At.Compare(b.At) })
	seed := cfg.Seed
	if seed == ([32]byte{}) {
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("plant: reading randomness: %w", err)
		}
	}
	return &Dripper{cfg: cfg, plan: p, r: rand.New(rand.NewChaCha8(seed))}, nil
}

// PlantError is a seed the Dripper did not plant.
type PlantError struct {
	// Seed is the seed, with PlantedAt as registered (and RetiredAt, when
	// Retired).
	Seed canary.Seed
	// Registered reports whether the seed went into the registry; Retired
	// whether it was then retired. Registered && !Retired is the case to act
	// on: the registry holds a seed as planted that is not, and RetireErr says
	// why it could not be retired.
	Registered, Retired bool
	Err                 error // why the seed is not planted
	RetireErr           error
}

func (e *PlantError) Error() string {
	switch {
	case !e.Registered:
		return fmt.Sprintf("plant: seed %s not registered, not planted: %v", e.Seed.ID, e.Err)
	case e.Retired:
		return fmt.Sprintf("plant: seed %s not planted, retired in the registry: %v", e.Seed.ID, e.Err)
	}
	return fmt.Sprintf("plant: seed %s not planted, and still registered as planted (retiring failed: %v): %v", e.Seed.ID, e.RetireErr, e.Err)
}

func (e *PlantError) Unwrap() []error {
	if e.RetireErr != nil {
		return []error{e.Err, e.RetireErr}
	}
	return []error{e.Err}
}

// Due returns the plans due at now that are not yet taken, in time order.
func (d *Dripper) Due(now time.Time) []Planned {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Planned
	for _, p := range d.plan[d.next:] {
		if p.At.After(now) {
			break
		}
		out = append(out, Planned{Seed: p.Seed.Clone(), At: p.At})
	}
	return out
}

// Pending returns how many plans are not yet taken.
func (d *Dripper) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.plan) - d.next
}

// Next returns when the next plan falls due; false when none is left.
func (d *Dripper) Next() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.next == len(d.plan) {
		return time.Time{}, false
	}
	return d.plan[d.next].At, true
}

// take removes and returns the first plan if it is due at now.
func (d *Dripper) take(now time.Time) (Planned, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.next == len(d.plan) || d.plan[d.next].At.After(now) {
		return Planned{}, false
	}
	p := d.plan[d.next]
	d.plan[d.next] = Planned{} // drop the dripper's copy of a taken seed
	d.next++
	return p, true
}

// Step plants every plan due at the Clock's now and returns the seeds
// planted, with their PlantedAt. The error joins a *PlantError for each seed
// not planted, and ctx's error when it stopped Step early (plans not reached
// stay pending).
func (d *Dripper) Step(ctx context.Context) ([]canary.Seed, error) {
	if err := d.audit(ctx); err != nil {
		return nil, err
	}
	var planted []canary.Seed
	var errs []error
	for ctx.Err() == nil {
		p, ok := d.take(d.cfg.Clock.Now())
		if !ok {
			break
		}
		s, err := d.plant(ctx, p)
		if errors.Is(err, errHold) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		planted = append(planted, s)
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return planted, errors.Join(errs...)
}

// plant registers s as planted now, then inserts it, retiring it when the
// insert fails.
func (d *Dripper) plant(ctx context.Context, pl Planned) (canary.Seed, error) {
	s := pl.Seed
	s.PlantedAt = d.cfg.Clock.Now()
	sl, inGap, err := d.timely(ctx, &s)
	if errors.Is(err, errHold) {
		d.hold(pl, s.PlantedAt)
		return s, err
	}
	d.mu.Lock()
	delete(d.due, s.ID)
	d.mu.Unlock()
	if err != nil {
		return s, d.failed(&PlantError{Seed: s, Err: err})
	}
	if err := d.cfg.Registry.Add(ctx, s); err != nil {
		return s, d.failed(&PlantError{Seed: s, Err: err})
	}
	if inGap {
		err = insertAt(ctx, d.cfg.DB, d.cfg.Mapping, s, sl.id)
	} else {
		err = Insert(ctx, d.cfg.DB, d.cfg.Mapping, []canary.Seed{s})
	}
	if err != nil {
		pe := &PlantError{Seed: s, Registered: true, Err: err}
		// Retire even when ctx is what failed the insert.
		if rerr := d.cfg.Registry.Retire(context.WithoutCancel(ctx), s.ID, s.PlantedAt); rerr != nil {
			pe.RetireErr = rerr
		} else {
			pe.Retired = true
			pe.Seed.RetiredAt = s.PlantedAt
		}
		return s, d.failed(pe)
	}
	if l := d.cfg.Logger; l != nil {
		l.Info("plant: seed planted", "seed", s.ID, "placement", s.Placement)
	}
	return s, nil
}

// timely fits s into the host's order where its Shape says the host keeps
// one (see DripConfig.Shape): dated now and given the host's next ticket,
// then moved, when there is one, into a gap among its newest ids with the
// gap's creation time and ticket (inGap, and sl says where). A seed
// appended after the newest row with the next ticket is overtaken whenever
// the next real row's ticket, numbered by a host that knows nothing of the
// seed, is the smaller.
func (d *Dripper) timely(ctx context.Context, s *canary.Seed) (sl slot, inGap bool, err error) {
	sh := d.cfg.Shape
	if d.cfg.Tickets != nil && d.cfg.Mapping.Ticket != "" {
		if sh != nil && sh.Order.Ordered() && d.cfg.Mapping.CreatedAt != "" {
			s.CreatedAt = s.PlantedAt.Truncate(time.Microsecond)
		}
		return slot{}, false, d.hostTicket(ctx, s)
	}
	if sh == nil {
		return slot{}, false, nil
	}
	ordered := sh.Order.Ordered() && d.cfg.Mapping.CreatedAt != ""
	tickets := sh.Order.TicketsOrdered() && d.cfg.Mapping.Ticket != "" && sh.TicketFormat != ""
	if ordered {
		s.CreatedAt = s.PlantedAt.Truncate(time.Microsecond) // what PostgreSQL keeps
	}
	if !ordered && !tickets {
		return slot{}, false, nil
	}
	p, err := prepareWith(ctx, d.cfg.DB, d.cfg.DB, d.cfg.Mapping, false)
	if err != nil {
		return slot{}, false, err
	}
	d.rmu.Lock()
	defer d.rmu.Unlock()
	if tickets {
		t, ok, err := nextTicket(ctx, d.cfg.DB, p, sh.TicketFormat, sh.Order.TicketGaps, d.r)
		if err != nil {
			return slot{}, false, err
		}
		if ok {
			s.Ticket = t
		}
	}
	if !ordered {
		return slot{}, false, nil
	}
	if sl, inGap, err = findSlot(ctx, d.cfg.DB, p, sh, d.r); err != nil {
		return slot{}, false, err
	}
	if !inGap {
		if _, limit, ok := holding(sh, tickets); ok && s.PlantedAt.Sub(d.dueSince(s.ID, s.PlantedAt)) < limit {
			return slot{}, false, errHold
		}
		return slot{}, false, nil
	}
	s.CreatedAt = sl.created
	if sl.ticket != "" {
		s.Ticket = sl.ticket
	}
	return sl, true, nil
}

// hostTicket gives s the ticket DripConfig.Tickets opens for it, after
// checking that it is of the host's format and that no row holds it.
func (d *Dripper) hostTicket(ctx context.Context, s *canary.Seed) error {
	t, err := d.cfg.Tickets(ctx)
	if err != nil {
		return fmt.Errorf("plant: opening the seed's ticket: %w", err)
	}
	if t == "" {
		return fmt.Errorf("%w: DripConfig.Tickets returned an empty reference", ErrInvalidInput)
	}
	if sh := d.cfg.Shape; sh != nil && sh.TicketFormat != "" {
		if f, _, ok := ticketShape(t); !ok || f != sh.TicketFormat {
			return fmt.Errorf("%w: DripConfig.Tickets returned a reference not of the host's format %q", ErrInvalidInput, sh.TicketFormat)
		}
	}
	s.Ticket = t
	p, err := prepareWith(ctx, d.cfg.DB, d.cfg.DB, d.cfg.Mapping, false)
	if err != nil {
		return err
	}
	// A reference a row already holds would point alerts at a real customer.
	return p.refuseExisting(ctx, d.cfg.DB, *s)
}

// errHold is timely's word that a seed found no gap and waits for one.
var errHold = errors.New("plant: seed held for a gap")

// dueSince returns when the seed id first fell due: now, unless it was
// held before.
func (d *Dripper) dueSince(id uuid.UUID, now time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.due[id]; ok {
		return t
	}
	return now
}

// hold puts pl back into the plan, due again one retry after now (see
// holding), and remembers when it first fell due.
func (d *Dripper) hold(pl Planned, now time.Time) {
	retry, _, _ := holding(d.cfg.Shape, true)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due == nil {
		d.due = map[uuid.UUID]time.Time{}
	}
	if _, ok := d.due[pl.Seed.ID]; !ok {
		d.due[pl.Seed.ID] = now
	}
	pl.At = now.Add(retry)
	i := d.next + sort.Search(len(d.plan)-d.next, func(i int) bool { return d.plan[d.next+i].At.After(pl.At) })
	d.plan = slices.Insert(d.plan, i, pl)
	// Every plan before d.next is taken and emptied: drop one of them so
	// that pl counts as pending again.
	d.plan = slices.Delete(d.plan, d.next-1, d.next)
	d.next--
	if l := d.cfg.Logger; l != nil {
		l.Info("plant: seed held for a gap among the newest ids", "seed", pl.Seed.ID, "until", pl.At)
	}
}

func (d *Dripper) failed(pe *PlantError) error {
	if l := d.cfg.Logger; l != nil {
		l.Error("plant: seed not planted", "seed", pe.Seed.ID, "registered", pe.Registered, "retired", pe.Retired, "err", pe.Err)
	}
	return pe
}

// Run plants the whole plan, each seed when it falls due, sleeping on the
// Clock in between, and returns when every plan was taken (with the joined
// *PlantErrors of the seeds not planted) or when ctx ends (with ctx's error
// as well). Run blocks its caller for as long as the schedule lasts and
// starts no goroutine: stop it by cancelling ctx.
func (d *Dripper) Run(ctx context.Context) error {
	if err := d.audit(ctx); err != nil {
		return err
	}
	var errs []error
	for {
		_, err := d.Step(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return errors.Join(errs...) // Step has joined ctx's error
		}
		at, ok := d.Next()
		if !ok {
			return errors.Join(errs...)
		}
		if wait := at.Sub(d.cfg.Clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(append(errs, ctx.Err())...)
			case <-d.cfg.Clock.After(wait):
			}
		}
	}
}
