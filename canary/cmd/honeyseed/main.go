// Command honeyseed plants canary customers and catches contact with them.
//
// Usage:
//
//	honeyseed generate -placement support-db/eu -n 50 [-config cfg.json | -demo] > seeds.jsonl
//	honeyseed plant    -placement support-db/eu -db sqlite:host.db -table customers -map email=email,... [-audit | -force]
//	honeyseed csv      -placement export/2026-11 -format zendesk [-host export.csv] > import.csv
//	honeyseed scan     dump.sql [more files...]          (or - for standard input)
//	honeyseed serve    -config serve.json
//	honeyseed alerts
//	honeyseed retire   -id <seed ID>
//
// A command exits 0 on success (and for -h), 1 when it fails and 2 for a wrong
// command line; an error is printed once, to standard error.
//
// Every command opens the registry given by -registry (a SQLite file, default
// honeyseed.db) or -postgres (a DSN); its secret comes from $HONEYSEED_SECRET or
// the key file given by -key (default honeyseed.key, created with mode 0600).
// Keep the key away from the people the canaries watch: with it, the registry
// tells which customers are canaries.
//
// # Auditing
//
// plant audits the seeds against a sample of the host table before it
// registers or writes anything, and refuses (exit 1, the report on stderr)
// when a tell an insider would try, or a classifier over all of them, tells
// the seeds from the real rows (package plant, "The audit"); -force plants
// anyway. "plant -audit" is the dry run: it prints the report and plants
// nothing. csv audits the same way against the tool's own export when given
// one with -host.
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
// /events (Standard Webhooks JSON). The webhooks remember accepted deliveries
// in the registry's database, so a replay is refused across restarts and by
// every receiver sharing it.
//
// The SMTP receiver's limits take inbound's defaults (see its package doc);
// the "smtp" object may set max_connections, max_connections_per_ip,
// max_in_flight_bytes, spool_dir, read_timeout, data_timeout,
// data_idle_timeout, tarpit_after, max_unknown_recipients, max_unknown_per_ip
// and unknown_window (durations as "1m"; a negative count means no limit).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand. run writes its output to stdout and its
// diagnostics to stderr, and returns an error rather than printing it.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the command table, in the order usage lists them.
var commands = []command{
	{"init", "create the registry and its key file (every other command needs them)", initCmd},
	{"status", "seeds per placement, last contact, sinks, receivers and outbox backlog", status},
	{"generate", "make seeds for a placement and register them", generate},
	{"plant", "learn a host table's shape, generate seeds like its rows, register and insert them", plantCmd},
	{"csv", "generate and register seeds, written as a support tool's import CSV", csvCmd},
	{"scan", "search dumps for seed values and say which placement leaked", scan},
	{"serve", "run the SMTP receiver and webhook endpoints, alerting to sinks", serve},
	{"alerts", "list recorded alerts, suppressed ones included", alerts},
	{"retire", "mark a seed as no longer planted (it still trips)", retire},
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit code: 0 on success
// and for -h, 1 when the command fails, 2 for a usage error. An error is
// printed once, to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := execute(ctx, args, stdout, stderr)
	var ue *usageError
	var ce *commandError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "honeyseed:", err)
		fmt.Fprintln(stderr, "run 'honeyseed -h' for the commands, 'honeyseed <command> -h' for their flags")
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "honeyseed %s: %v\n", ce.cmd, ce.err)
		return exitError
	}
	fmt.Fprintln(stderr, "honeyseed:", err)
	return exitError
}

func execute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageErr("no command")
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usageErr("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: honeyseed <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nrun 'honeyseed <command> -h' for its flags")
}

// usageError is a wrong command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// commandError is a command's failure, printed as "honeyseed <cmd>: ..."
// with the library's package prefix left out: the operator ran a command, not
// a package.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string { return e.cmd + ": " + e.Unwrap().Error() }
func (e *commandError) Unwrap() error { return e.err }

// commandErr wraps err, if any, for cmd; usage errors stay usage errors.
func commandErr(cmd string, err error) error {
	var ue *usageError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	for _, p := range []string{"plant: ", "canary: ", "sqlstore: "} {
		if msg, ok := strings.CutPrefix(err.Error(), p); ok {
			return &commandError{cmd, &trimmed{msg, err}}
		}
	}
	return &commandError{cmd, err}
}

// trimmed is err with another message.
type trimmed struct {
	msg string
	err error
}

func (t *trimmed) Error() string { return t.msg }
func (t *trimmed) Unwrap() error { return t.err }

// parseFlags parses a command's flags. -h prints the flags to stdout and
// gives flag.ErrHelp (exit 0); a bad flag gives a usage error, printed once
// by run.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "usage: honeyseed %s [flags]\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageErr("%s: %v", fs.Name(), err)
	}
	return nil
}
