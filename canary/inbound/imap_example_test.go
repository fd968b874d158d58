package inbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
)

// The mailboxes come from a configuration file; the credential is named, and
// read from the environment when the watcher connects.
func ExampleNewIMAP() {
	config := []byte(`[{
		"address": "ann.lee@mail.example",
		"host": "imap.mail.example",
		"auth": "xoauth2",
		"credential": {"file": "/run/honeyseed/ann.lee.token"},
		"move_to": "Seen"
	}]`)
	var mailboxes []inbound.IMAPMailbox
	if err := json.Unmarshal(config, &mailboxes); err != nil {
		log.Fatal(err)
	}
	w, err := inbound.NewIMAP(inbound.IMAPConfig{
		Mailboxes: mailboxes,
		Handler:   printEvents{}, // normally a *watch.Watcher
	})
	if err != nil {
		log.Fatal(err)
	}
	// w.Start() would connect; Status is readable before and after.
	for _, st := range w.Status() {
		fmt.Printf("%s %s connected=%v\n", st.Address, st.Folder, st.Connected)
	}
	w.Close()
	// Output: ann.lee@mail.example INBOX connected=false
}

type printEvents struct{}

func (printEvents) HandleEvent(_ context.Context, ev canary.Event) error {
	fmt.Println(ev.Source, ev.To, ev.Subject)
	return nil
}
