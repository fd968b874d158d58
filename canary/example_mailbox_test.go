package canary_test

import (
	"errors"
	"fmt"

	"github.com/honeyseed/honeyseed/canary"
)

// A seed on an owned mailbox gets a name its local part fits; the generator
// gives each mailbox once and never makes up another at a public provider.
func ExampleConfig_mailboxes() {
	cfg := canary.DemoConfig()
	cfg.Seed = [32]byte{7}
	cfg.EmailDomains = nil // mailboxes only
	cfg.Mailboxes = []string{"sarah.connor@mail.example"}
	g, err := canary.NewGenerator(cfg)
	if err != nil {
		panic(err)
	}
	seeds, _ := g.Generate("support-db/eu", 1)
	fmt.Println(seeds[0].Email, seeds[0].Name.Given, seeds[0].Name.Family)

	_, err = g.Generate("support-db/eu", 1)
	var ce *canary.CapacityError
	fmt.Println(errors.As(err, &ce), errors.Is(err, canary.ErrPoolExhausted))
	fmt.Println(err)
	// Output:
	// sarah.connor@mail.example Sarah Connor
	// true true
	// canary: 1 seeds need 1 mailboxes; Mailboxes (1, no EmailDomains) has 0 free
}
