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
