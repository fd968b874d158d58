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

// A large batch reports the seeds written as it goes, for a progress line;
// it still commits whole or not at all.
func ExampleStore_AddWithOptions() {
	dir, err := os.MkdirTemp("", "honeyseed-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, sqlstore.Options{
		Path:    filepath.Join(dir, "registry.db"),
		KeyFile: filepath.Join(dir, "registry.key"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	var seeds []canary.Seed
	for i := range 1200 {
		seeds = append(seeds, canarytest.Seed(i, "export/2026-12"))
	}
	err = store.AddWithOptions(ctx, sqlstore.AddOptions{
		Progress: func(done int) { fmt.Printf("%d of %d written\n", done, len(seeds)) },
	}, seeds...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store.Len(), "registered")
	// Output:
	// 512 of 1200 written
	// 1024 of 1200 written
	// 1200 of 1200 written
	// 1200 registered
}
