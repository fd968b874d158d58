package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "honeyseed-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := sqlstore.Open(ctx, sqlstore.Options{
		Path:    filepath.Join(dir, "registry.db"),
		KeyFile: filepath.Join(dir, "registry.key"), // created on first use
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	seed := canarytest.Seed(1, "support-db/eu")
	if err := store.Add(ctx, seed); err != nil {
		log.Fatal(err)
	}
	email, err := canary.NormalizeEmail("Ann.Lee1@MAIL.example")
	if err != nil {
		log.Fatal(err)
	}
	found, err := store.Lookup(ctx, canary.FieldEmail, email)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(found), found[0].Placement, found[0].Ticket)
	// Output: 1 support-db/eu TM-10000001
}
