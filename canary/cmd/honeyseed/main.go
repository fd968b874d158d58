// Command honeyseed plants canary customers and catches contact with them.
//
// Usage:
//
//	honeyseed generate -placement support-db/eu -n 50 [-config cfg.json | -demo] > seeds.jsonl
//	honeyseed plant    -placement support-db/eu -db sqlite:host.db -table customers -map email=email,...
//	honeyseed csv      -placement export/2026-11 -format zendesk > import.csv
//	honeyseed scan     dump.sql [more files...]          (or - for standard input)
//	honeyseed serve    -config serve.json
//	honeyseed alerts
//	honeyseed retire   -id <seed ID>
//
// Every command opens the registry given by -registry (a SQLite file, default
// honeyseed.db) or -postgres (a DSN); its secret comes from $HONEYSEED_SECRET or
// the key file given by -key (default honeyseed.key, created with mode 0600).
// Keep the key away from the people the canaries watch: with it, the registry
// tells which customers are canaries.
//
// # Serving
//
// "honeyseed serve -config serve.json" runs the SMTP receiver (accepting mail
// only for seed addresses) and the provider webhooks, behind a Watcher whose
// outbox is the registry's database. Secrets never go in the file: each *_env
// field names the environment variable holding one.
//
//	{
//	  "smtp": {"addr": ":25", "domain": "mx.customers.yourcompany.example"},
//	  "http": {"addr": ":8080", "public_url": "https://hooks.yourcompany.example"},
//	  "twilio_auth_token_env": "TWILIO_AUTH_TOKEN",
//	  "mailgun_signing_key_env": "MAILGUN_SIGNING_KEY",
//	  "sendgrid_token_env": "SENDGRID_INBOUND_TOKEN",
//	  "postmark_user": "honeyseed", "postmark_password_env": "POSTMARK_INBOUND_PASSWORD",
//	  "webhook_secret_env": "HONEYSEED_WEBHOOK_SECRET",
//	  "own_domains": ["yourcompany.example"], "own_numbers": ["+1 415 555 0100"],
//	  "regions": ["US", "GB"], "dot_insensitive_domains": ["mail.yourcompany-customers.example"],
//	  "group_window": "1h",
//	  "sinks": {
//	    "log":   {"type": "slog"},
//	    "file":  {"type": "jsonl", "path": "/var/log/honeyseed/alerts.jsonl"},
//	    "soc":   {"type": "webhook", "url": "https://soc.yourcompany.example/hooks/honeyseed", "secret_env": "SOC_WEBHOOK_SECRET"},
//	    "slack": {"type": "slack", "url_env": "SLACK_WEBHOOK_URL"},
//	    "siem":  {"type": "syslog", "network": "tcp", "addr": "siem.yourcompany.example:6514"}
//	  }
//	}
//
// Webhook paths: /twilio/sms, /twilio/voice, /sendgrid, /mailgun, /postmark and
// /events (Standard Webhooks JSON).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(context.Context, []string, io.Writer) error) {
	commands[name] = command{summary, run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "honeyseed:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(os.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: honeyseed <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'honeyseed <command> -h' for its flags")
}
