package plant_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/plant"
)

// openSupportDB opens a throwaway SQLite support database with one real-looking row.
func openSupportDB() (*sql.DB, func()) {
	dir, err := os.MkdirTemp("", "plant-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "support.db"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (
		id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
		email TEXT NOT NULL UNIQUE, phone TEXT, ticket_ref VARCHAR(20), created_at TEXT NOT NULL,
		source TEXT NOT NULL DEFAULT 'web');
		INSERT INTO customers (first_name, last_name, email, phone, ticket_ref, created_at)
		VALUES ('Maria', 'Lopez', 'maria.lopez@home.example', '(212) 555-0150', 'TM-10400001', '2024-05-02 10:30:00')`); err != nil {
		log.Fatal(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

func ExampleInsert() {
	db, done := openSupportDB()
	defer done()

	m := plant.Mapping{
		Table: "customers", GivenName: "first_name", FamilyName: "last_name", Email: "email",
		Phone: "phone", PhoneFormat: plant.National, Ticket: "ticket_ref", CreatedAt: "created_at",
		Extra: []plant.Extra{{Column: "source", Value: "phone"}},
	}
	seeds := []canary.Seed{canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "support-db/eu")}
	// In production: Add the seeds to the registry first (or let a Dripper do both).
	if err := plant.Insert(context.Background(), db, m, seeds); err != nil {
		log.Fatal(err)
	}

	rows, err := db.Query("SELECT first_name, last_name, email, phone, ticket_ref, created_at, source FROM customers ORDER BY id")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var given, family, email, phone, ticket, created, source string
		if err := rows.Scan(&given, &family, &email, &phone, &ticket, &created, &source); err != nil {
			log.Fatal(err)
		}
		fmt.Println(given, family, email, phone, ticket, created, source)
	}
	// Output:
	// Maria Lopez maria.lopez@home.example (212) 555-0150 TM-10400001 2024-05-02 10:30:00 web
	// Ann Lee1 ann.lee1@mail.example (201) 555-0101 TM-10000001 2025-03-01 10:30:00 phone
	// Ann Lee2 ann.lee2@mail.example (201) 555-0102 TM-10000002 2025-03-01 11:30:00 phone
}

func ExampleWriteCSV() {
	seeds := []canary.Seed{canarytest.Seed(1, "export/2026-11"), canarytest.Seed(2, "export/2026-11")}
	seeds[0].Fields = map[string]string{"company": "Harbour Logistics"}
	seeds[1].Fields = map[string]string{"company": "=1+1"} // defused: a spreadsheet shows it as text
	err := plant.WriteCSV(os.Stdout, plant.CSVSalesforce, seeds, plant.CSVOptions{Fields: []string{"company"}})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// First Name,Last Name,Email,Business Phone,Account Name
	// Ann,Lee1,ann.lee1@mail.example,+1 201-555-0101,Harbour Logistics
	// Ann,Lee2,ann.lee2@mail.example,+1 201-555-0102,'=1+1
}

func ExampleSchedule() {
	var seeds []canary.Seed
	for i := range 5 {
		seeds = append(seeds, canarytest.Seed(i, "support-db/eu"))
	}
	monday := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	plan, err := plant.Schedule(seeds, monday, 7*24*time.Hour, plant.ScheduleOptions{Seed: [32]byte{1}})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plan {
		fmt.Println(p.At.Format("Mon 15:04"), p.Seed.Email)
	}
	// Output:
	// Mon 11:02 ann.lee0@mail.example
	// Tue 13:47 ann.lee1@mail.example
	// Wed 10:38 ann.lee2@mail.example
	// Thu 11:12 ann.lee3@mail.example
	// Fri 09:23 ann.lee4@mail.example
}

func ExampleCheck() {
	db, done := openSupportDB()
	defer done()
	ctx := context.Background()
	m := plant.Mapping{Table: "customers", GivenName: "first_name", FamilyName: "last_name",
		Email: "email", Phone: "phone", CreatedAt: "created_at"}
	seeds := []canary.Seed{canarytest.Seed(1, "support-db/eu"), canarytest.Seed(2, "support-db/eu"), canarytest.Seed(3, "support-db/eu")}
	if err := plant.Insert(ctx, db, m, seeds); err != nil {
		log.Fatal(err)
	}
	// Someone covers their tracks.
	if _, err := db.Exec("DELETE FROM customers WHERE email = ?", seeds[0].Email); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("UPDATE customers SET phone = '+1 201 555 0199' WHERE email = ?", seeds[1].Email); err != nil {
		log.Fatal(err)
	}

	r, err := plant.Check(ctx, db, m, seeds)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range r.Missing {
		fmt.Println("missing:", s.Email)
	}
	for _, a := range r.Altered {
		fmt.Printf("altered: %s %+v\n", a.Seed.Email, a.Changes)
	}
	fmt.Println("ok:", len(r.OK))
	// Output:
	// missing: ann.lee1@mail.example
	// altered: ann.lee2@mail.example [{Column:phone Want:+12015550102 Got:+1 201 555 0199}]
	// ok: 1
}
