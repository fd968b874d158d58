// Package plant gets canary seeds into the systems they guard: rows inserted
// into a support database's own table, or an import file for a SaaS tool
// that takes no SQL, looking like every other customer there.
//
// # Parts
//
//   - [Insert] writes seeds into an existing table by a [Mapping] of seed
//     parts to columns (names, email, phone in the host's format, ticket,
//     creation time, and [Extra] columns with constants or templates), on
//     SQLite and PostgreSQL, all in one transaction that touches no other row.
//     [Conflicts] finds the seeds it would refuse as duplicates of real rows.
//   - [Learn] reads a bounded random sample of that table and returns its
//     [Shape]: how the host writes phone numbers, its ticket format and live
//     range, how creation times spread over the years, hours and weekdays, and
//     the mix of email patterns. [Shape.Apply] feeds it to a canary.Config and
//     [Shape.ApplyMapping] to the Mapping, so seeds look like their neighbours.
//     From aggregate queries it also profiles every column, mapped or not
//     ([ColumnProfile], [EmptyPattern]), the order of ids, creation times and
//     tickets ([OrderProfile]), the arrival of new rows ([ArrivalProfile]),
//     the spread of email domains ([DomainProfile]), shared phone numbers
//     ([PhoneSharing]) and casing habits ([Messiness]). [LearnCSV] learns the
//     same from a CSV export ([ExportMapping] for Zendesk, Salesforce and
//     HubSpot).
//   - A [Filler] fills the columns the Mapping leaves out as the host fills
//     them, and reports those it cannot ([Unfilled]); [Shape.Blend] gives
//     seeds the host's phone share and casing; [Shape.CheckDomains] refuses
//     too few owned domains; [Shape.Backdate] dates seeds by the host's
//     months.
//   - [WriteCSV] writes the user-import formats of Zendesk, Salesforce and
//     HubSpot, and a plain one ([CSVFormat]).
//   - [Schedule] spreads a batch over days in the host's busy hours, no
//     faster than the host's own arrival rate allows ([TooFastError]), and a
//     [Dripper] plants it as it falls due: register, then insert, retiring a
//     seed the host refused; with the host's Shape it dates each seed when
//     planted and gives it the host's next ticket.
//   - [Audit] measures, before anything is written, how well each tell an
//     insider would try separates the seeds from the host's rows, and
//     [Plant], the [Dripper] and [WriteCSV] (given the host's export) refuse
//     with an [*AuditError] when one does, unless forced. See "The audit".
//   - [Check] verifies that planted seeds are still there and unchanged, and
//     reports the missing and the altered: an insider who found a canary and
//     deleted or edited it has left a trace too.
//
// # How to start
//
// Learn the host, apply the shape, generate, drop the seeds that clash with
// real rows, register, insert:
//
//	m := plant.Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name",
//		Email: "email", Phone: "phone", Ticket: "ticket_ref", CreatedAt: "created_at"}
//	shape, err := plant.Learn(ctx, hostDB, m, plant.LearnOptions{})
//	...
//	m = shape.ApplyMapping(m)
//	gen, err := canary.NewGenerator(shape.Apply(cfg)) // cfg: your domains and numbers
//	seeds, err := gen.Generate("support-db/eu", 20)
//	clash, err := plant.Conflicts(ctx, hostDB, m, seeds) // tickets real customers hold
//	... // drop clash from seeds; generate more if needed
//	err = registry.Add(ctx, seeds...)
//	err = plant.Insert(ctx, hostDB, m, seeds)
//
// or, for a drip, Schedule then [NewDripper] and [Dripper.Run], which
// registers each seed itself as it plants it, with its real PlantedAt. Run
// [Check] from time to time with the same Mapping. The next section is the
// flow to follow for seeds an insider must not tell apart.
//
// # Planting so they cannot be told apart
//
// An insider with an export looks for rows that differ from the rest: dates
// and tickets out of order, columns only some rows leave empty, domains
// nobody else uses, numbers shared across surnames, places that do not fit
// the number, rows too tidy. Each step below removes one of those tells:
//
//	shape, err := plant.Learn(ctx, hostDB, m, plant.LearnOptions{}) // or LearnCSV for an export
//	need := shape.Needs(30)                                  // mailboxes at the big providers, domains
//	boxes, err := shape.ProposeMailboxes(need.Mailboxes, plant.MailboxOptions{})
//	// open each proposed mailbox, then list the addresses in cfg.Mailboxes
//	if err := shape.CheckDomains(cfg, 30); err != nil { ... } // too few owned mailboxes or domains
//	gen, err := canary.NewGenerator(shape.Apply(cfg))
//	seeds, err := gen.Generate("support-db/eu", 30)
//	seeds, err = shape.Blend(seeds, [32]byte{})              // phone share, casing
//	f, err := plant.NewFiller(shape, shape.ApplyMapping(m), plant.FillOptions{})
//	seeds = f.Fill(seeds)                                    // every column the host fills
//	for _, u := range f.Unfilled() { ... }                   // columns to map by hand
//	span := plant.ScheduleSpan(len(seeds), shape.Arrival.PerDay, 0)
//	plan, err := plant.Schedule(seeds, time.Now(), span, shape.ScheduleOptions())
//	d, err := plant.NewDripper(plant.DripConfig{DB: hostDB, Mapping: f.Mapping(),
//		Registry: registry, Shape: &shape}, plan)
//	err = d.Run(ctx)
//
// How many owned mailboxes and domains: most customers of a consumer
// table are at the big providers (gmail.com, yahoo.com, ...:
// [DomainProfile.Big], often 90%), and a seed at a domain nobody else uses
// is at a small one. Seeds hide only when about as many of them sit in
// owned mailboxes at those providers: [Shape.Needs] says how many
// (the host's share of the seeds, at least that share less 0.15), and
// [Shape.ProposeMailboxes] proposes them, spread over the host's providers
// and named as its customers are, for the operator to open by hand
// (never a made-up address at a provider: the generator refuses those
// as EmailDomains). [Shape.Apply] then sets Config.MailboxShare so each
// batch puts that share on mailboxes. The other seeds go to owned
// domains, none holding more seeds than the host's own small domains hold
// addresses ([DomainProfile.MaxPerSmallDomain], the 95th percentile;
// usually 1 or 2): 30 seeds on a host with 90% at the big providers need
// 27 mailboxes (at least 23) and 2 to 3 domains. [Shape.CheckDomains]
// refuses a config short of either, with the numbers.
//
// Tickets: where the host's tickets follow its ids, the best a seed can
// do is take its ticket from the host's own ticket system: give the
// Dripper [DripConfig.Tickets], which opens a ticket for the seed there
// (the help desk's API, or the sequence the host numbers from) just before
// the insert. The seed is then appended after the newest row, dated when
// it is planted, with the number the host's next row would have had, and
// nothing in the order of ids and tickets tells it from a real row. Without
// it, honeyseed numbers the seed itself, and a host that numbers its
// tickets without knowing of the seed leaves it no number that hides: a
// seed appended with the next number is overtaken when the next real step
// is the shorter, so the Dripper puts it, when it can, into an unused id in
// a gap among the host's 50 newest rows (a deleted row, a rolled-back
// insert), with a creation time and a ticket between its neighbours'
// (the gap and the split drawn by the host's recent steps), and a seed
// that finds no gap waits for one, for up to 50 of the host's new rows,
// before it is appended. A seed in a gap still splits one of the host's
// steps in two, and the audit's ticket-step tells see that (on the
// package's realistic test host, an AUC near 0.8; with Tickets, near 0.5).
//
// Phones and places: Learn measures the host's mix of ways of writing
// numbers (Shape.PhoneFormats; ApplyMapping writes each seed in one of
// them) and how its numbers spread over area codes (Shape.PhoneAreas):
// hold owned numbers in those areas in those shares. A Filler puts a seed
// in one of the host's own towns (the values several rows share of a city
// column) that its number's area serves, as often as the host's rows are
// in such towns, else in a town of the area by population.
//
// Names: Learn lists the given and family names at least two rows share
// (Shape.Names, counts only), and counts the rows holding rarer names by
// how rare they are in the population; Apply hands both to the Generator,
// so a seed's name repeats among the table's rows, and is as rare in the
// population, as a real customer's. How many numbers: about one a seed,
// less the host's own duplicate rate ([PhoneSharing.DuplicateRate]): the
// Generator draws held numbers at random, and where the host's shared
// numbers are households ([PhoneSharing.HouseholdShare]) [Shape.Apply] sets
// canary.Config.Households, so seeds sharing a number share a family name
// and differ in given names; it also sets Config.Phoneless to the host's
// share of rows without a phone, and Config.PhoneShare to the host's own
// rows per number (1 on most hosts), so seeds share numbers no more than
// its rows do. A pool much smaller than the seeds makes more households
// than the host has. Where the numbers are: a seed's place follows its
// number's area (see Places below), so numbers all in one or two area
// codes put every seed in a few cities; hold numbers in the areas the
// host's customers live in. The same for domains: prefer names of two
// labels (a word and a TLD, as gmail.com), since a rarer shape of
// address is a tell of its own.
//
// How long the drip: seeds may be at most 2% (ScheduleOptions.MaxShare) of
// the rows the host adds while they go in, so n seeds need
// n·0.98/(0.02·rows a day) days ([ScheduleSpan]): 30 seeds take about two
// years on a host adding 2 customers a day, and two weeks on one adding
// 1,000. [Schedule] refuses a shorter span with a [TooFastError] rather than
// cluster the seeds. Where the host's ids, creation times and tickets follow
// each other ([OrderProfile.Ordered]), the Dripper (given the Shape) dates
// each seed when it plants it and takes the host's next ticket then, with a
// gap drawn from the host's own gaps, so no order breaks; a host that
// numbers tickets from a sequence of its own may then hand the same number
// to its next real row, which its unique constraint refuses, so give
// [DripConfig.Tickets] a call to that sequence there (see Tickets above). Where the host is not ordered, [Shape.Backdate]
// dates seeds by its months (its growth), hours and weekdays.
//
// Places: a Filler writes city, state and postcode columns from GeoNames
// places drawn by population, in the area of the seed's number where the
// number has one (libphonenumber's geocoding of NANP and UK numbers), else
// within the host's own spread of states, so city, state, postcode and area
// code agree.
//
// What remains for an audit to measure: how well each tell still separates
// seeds from host rows, computed on the Shape and the seeds before anything
// is written. Handles ("sunnyfox87") are drawn at the host's rate
// (Messiness.Handle, as canary.Handle in the pattern mix). Middle initials
// are written at the host's rate ([Messiness.MiddleInitial],
// Mapping.MiddleInitials: "John A." in a given-name column), as the row
// writes the name, not as the seed holds it, so "Hi John" in a scam
// message still names the seed. Nicknames come with the host's own names:
// a "Bob" that two rows hold is listed and drawn like any other.
//
// # The audit
//
// An insider who wants to sell the rows and keep the canaries out does not
// guess: they score every row on a tell and drop the odd ones. [Audit]
// plays that insider on a sample of the host ([ReadRows], or [ReadCSVRows]
// for a tool's export) and the seeds' rows as they would be written
// ([AuditPlan] simulates the insert: the next ids at the host's rate of new
// rows, the columns' defaults, and, for the tells of order, the real
// customers who will arrive between the seeds of a drip, copies of sampled
// rows timed by the host's own gaps, so that the dry run predicts what
// the export will show). Each tell scores every row without knowing
// which are seeds: the empty-column pattern; each column's value frequency
// (but for columns of nearly unique values) and value shape; email-domain
// frequency and clustering (small domains repeated); the order of ids,
// creation times and tickets, the step of a row's ticket from the row
// before and of the row after it, and the spacing of creation times; phone
// numbers shared across surnames; area codes against the row's state or
// city (libphonenumber's geocoding); casing and handle mix; name rarity in
// the table and in the population; periodicity of domains and numbers in
// id order; and how odd a row's id neighbours look (seeds planted in one
// id window). The report gives each tell's AUC with the seeds as
// positives: the chance a seed scores above a host row, ties counting
// half. 0.5 is no separation; 1, or 0 for the rule flipped, picks out
// every seed, so a tell is judged by max(AUC, 1-AUC). A logistic
// regression over all the tells, cross-validated in five folds, gives what
// an insider combining them would reach.
//
// The defaults refuse a tell above 0.65 and a classifier above 0.60
// ([AuditOptions]). With 30 seeds an AUC has a standard error near 0.05, so
// plant batches of at least a few dozen to judge; under 10 seeds or 100
// host rows the report is not judged and passes.
//
// # Safety
//
// Seeds reach only the operator: their addresses are on Config.EmailDomains
// and their numbers from Config.PhonePool, whatever the host's rows look
// like. A Shape records the host's domain mix for information only, and
// Apply never changes where seeds can be reached.
//
// A Shape holds aggregates, not rows: counts, shares, formats, and the
// bounds of the ticket and time ranges. Learn reads rows one at a time into
// counters and keeps none; the rest it asks of the database as counts
// (GROUP BY, COUNT), over at most LearnOptions.ProfileRows rows. The one
// kind of value it keeps is a category: a value of a column with few
// distinct values that at least LearnOptions.MinValueCount rows share
// ("TX", "premium"), and the given and family names at least
// LearnOptions.MinNameCount rows share (Shape.Names), each with its count
// alone: a common name names no customer. Never an address, number or
// ticket.
//
// SQL is built from the Mapping only through quoted identifiers, after the
// table and columns are found by introspection with bound parameters
// (PRAGMA table_info on SQLite, information_schema on PostgreSQL); values are
// always bound. A mapping naming a column that is not there fails with
// [ErrNoColumn] before anything is written.
//
// Every write is all or nothing: a constraint, a dropped connection or a
// cancelled context in the middle of a batch rolls it back. A seed the
// Dripper registered but could not insert is retired at once, so the registry
// never counts it as planted.
//
// Error messages and the Dripper's log name seeds by ID, never by email,
// phone or ticket: logs are read by the insiders canaries are meant to catch.
// A CSV cell that a spreadsheet would run as a formula is defused (see
// [WriteCSV]).
package plant
