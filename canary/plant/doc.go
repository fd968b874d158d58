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
//   - [WriteCSV] writes the user-import formats of Zendesk, Salesforce and
//     HubSpot, and a plain one ([CSVFormat]).
//   - [Schedule] spreads a batch over days in the host's busy hours, and a
//     [Dripper] plants it as it falls due: register, then insert, retiring a
//     seed the host refused.
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
// or, for a drip over two weeks, Schedule then [NewDripper] and
// [Dripper.Run], which registers each seed itself as it plants it, with its
// real PlantedAt. Run [Check] from time to time with the same Mapping.
//
// # The audit
//
// An insider who wants to sell the rows and keep the canaries out does not
// guess: they score every row on a tell and drop the odd ones. [Audit]
// plays that insider on a sample of the host ([ReadRows], or [ReadCSVRows]
// for a tool's export) and the seeds' rows as they would be written
// ([AuditPlan] simulates the insert: the next ids at the host's rate of new
// rows, the columns' defaults). Each tell scores every row without knowing
// which are seeds: the empty-column pattern; each column's value frequency
// (but for columns of nearly unique values) and value shape; email-domain
// frequency and clustering (small domains repeated); the order of ids,
// creation times and tickets, and the spacing of creation times; phone
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
// counters and keeps none.
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
