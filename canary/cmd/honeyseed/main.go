// Command honeyseed plants canary customers and catches contact with them.
//
// Usage:
//
//	honeyseed init     [-registry honeyseed.db -key honeyseed.key] [-dot-insensitive-domains gmail.com,...]
//	honeyseed settings [-dot-insensitive-domains gmail.com,...]
//	honeyseed status   [-server http://127.0.0.1:9090] [-json]
//	honeyseed generate -placement support-db/eu -n 50 [-config cfg.json | -demo] > seeds.jsonl
//	honeyseed plant    -placement support-db/eu -db sqlite:host.db -table customers -map email=email,... [-audit | -force]
//	honeyseed csv      -placement export/2026-11 -format zendesk [-host export.csv] > import.csv
//	honeyseed scan     dump.sql [more files...]          (or - for standard input)
//	honeyseed serve    -config serve.json
//	honeyseed alerts   [-since 24h] [-placement support-db/eu] [-confidence likely] [-json]
//	honeyseed mailboxes plan -n 20 -provider gmail.com [-region US] [-host export.csv -format zendesk]
//	honeyseed mailboxes add  -address ADDR -imap-host HOST [-user U] -password-env NAME [-file mailboxes.json]
//	honeyseed mailboxes add  -from new-mailboxes.json [-file mailboxes.json]
//	honeyseed retire   -id <seed ID>
//
// scan reads dumps compressed with gzip, zstd, bzip2 or xz as they are,
// telling the format by the file's first bytes, not its name.
//
// A command exits 0 on success (and for -h), 1 when it fails and 2 for a wrong
// command line; an error is printed once, to standard error.
//
// # Registry and key
//
// "honeyseed init" creates the registry (a SQLite file given by -registry,
// default honeyseed.db, or a PostgreSQL schema) and, unless $HONEYSEED_SECRET
// holds the secret or the key file exists already (restored from a backup),
// the key file given by -key (default honeyseed.key, mode 0600). Nothing else
// creates either: every other command refuses, with exit 1, a registry that
// does not exist (a mistyped -registry would otherwise be a new, empty
// registry that finds nothing), a missing key file (never replaced: a new
// key cannot open the registry) and a key that does not match. Keep the key
// away from the people the canaries watch: with it, the registry tells which
// customers are canaries.
//
// PostgreSQL: the DSN comes from $HONEYSEED_POSTGRES or from the file named
// by -postgres-file (mode 0600), never from the command line, where ps shows
// it. -postgres takes only a DSN without a password (the password then comes
// from PGPASSWORD or a .pgpass file); one with a password is refused with
// exit 2. The schema is the DSN's search_path.
//
// # Registry settings
//
// What every command must judge alike is recorded in the registry itself,
// sealed: -dot-insensitive-domains, given to init or changed later with
// "honeyseed settings", names the seed email domains whose mailboxes ignore
// dots (as Gmail does), where "jsmith@" for the seed "j.smith@" is an Exact
// hit rather than a Likely one. serve, scan and generate all read it from
// there (generate, plant and csv apply those among their email_domains; a
// provider such as gmail.com, for owned mailboxes, is the matcher's alone);
// "honeyseed settings" alone prints it. A generator or serve config may still
// list dot_insensitive_domains, but only the registry's own list:
// one that differs, or a list against a registry made before settings
// existed, is refused with the command that records it.
//
// # Generator configuration
//
// generate, plant and csv take -config, a JSON file of canary.Config (unknown
// keys are refused):
//
//	{
//	  "email_domains": ["mail.yourcompany-customers.example"], // domains you own and receive mail for (required)
//	  "dot_insensitive_domains": [],     // the registry's (see Registry settings), if listed at all
//	  "phone_pool": ["+1 415 555 0132"], // numbers you own and answer; none: seeds get no phone
//	  "phone_region": "US",              // how national numbers in phone_pool are read (default US)
//	  "phone_share": 4,                  // seeds of one placement per number at most (default 4)
//	  "region": "US",                    // the population names and places are drawn from: US, GB or ES
//	  "ticket_format": "TM-########",    // # is a digit (at least four); ticket_min/ticket_max bound the number
//	  "ticket_min": 10400000, "ticket_max": 10999999,
//	  "no_tickets": false,               // true: seeds get no ticket
//	  "created_from": "2025-01-01T00:00:00Z", "created_to": "2026-11-01T00:00:00Z", // apparent creation times
//	  "fields": ["city", "company", "postcode"] // extra fields every seed gets
//	}
//
// (JSON has no comments: they explain the keys here.) email_patterns is
// refused: the address mix is learned from the host by plant, or set from the
// library. csv -fields adds the columns it names to "fields", so no column is
// written empty.
//
// # Watching it
//
// "honeyseed status" prints, per placement, the seeds planted, retired,
// tripped (touched by an alert that was not the operator's own traffic) and
// tripped after their retirement, and the last contact, then the alert count and the outbox backlog (deliveries
// not yet done). With -server it also asks a running serve's admin endpoint
// for the receivers, sinks and IMAP mailboxes. "honeyseed alerts" filters by
// -since (an RFC 3339 time or a duration ago), -placement and -confidence (at
// least that sure: exact, likely, ambiguous), and says which hits were on
// retired seeds; an empty registry says so on stderr. "honeyseed retire"
// stores the time in the seed's RetiredAt and prints it: a retired seed still
// trips, since a copy taken while it was planted is still a leak, and its
// alerts name it in Alert.RetiredSeeds (retired and retired_at in the sinks'
// documents).
//
// # Scanning
//
// scan reports, on stderr, each file it read with its size in bytes, its hits
// and the new seeds it found, and when nothing is found, how many seeds it
// looked for: an empty or wrong input is never a silent "nothing found". A
// compressed dump (gzip, zstd, bzip2, xz, concatenated streams too) is told
// by its content, not its name, and read decompressed; a damaged one is an
// error, not a short scan.
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
// # Owned mailboxes
//
// A seed at gmail.com or outlook.com is safe only on a mailbox the operator
// created. "mailboxes plan" proposes identities and local parts in the
// host's pattern mix (learned from its CSV export with -host, from 20
// addresses up; else the default mix), valid at the provider (Gmail: 6 to 30 letters, digits
// and dots), for the operator to register by hand; it writes nothing. Once
// created, "mailboxes add" records each in the mailbox file (default
// mailboxes.json beside the -registry file, where serve looks): a JSON array of inbound.IMAPMailbox (address, host, port,
// tls, user, auth, credential {"env": NAME} or {"file": PATH}, folder). The
// file holds credentials by reference only, never a password or token, so
// it needs no sealing; it is not in the registry. The generator config takes
// the addresses with "mailboxes_file": "mailboxes.json" (relative to the
// config) or lists them in "mailboxes"; each is given to one seed, ever, and
// serve watches the same entries. Other generator config keys:
// "phone_quarantine" (a Go duration, default "2160h": how long after a
// placement's seeds are retired its numbers return to the pool).
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
//	  "http": {"addr": ":8443", "public_base": "https://hooks.yourcompany.example",
//	           "trusted_proxies": ["10.0.0.0/8"], "allow_plain_http": false},
//	  "tls": {"cert_file": "/etc/honeyseed/cert.pem", "key_file": "/etc/honeyseed/key.pem"},
//	  "trusted_authserv_ids": ["mx.yourcompany.example"],
//	  "suppressed_sinks": ["file"],
//	  "twilio_auth_token_env": "TWILIO_AUTH_TOKEN",
//	  "mailgun_signing_key_env": "MAILGUN_SIGNING_KEY",
//	  "sendgrid_token_env": "SENDGRID_INBOUND_TOKEN", "sendgrid_public_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...",
//	  "postmark_user": "honeyseed", "postmark_password_env": "POSTMARK_INBOUND_PASSWORD",
//	  "webhook_secret_env": "HONEYSEED_WEBHOOK_SECRET",
//	  "own_domains": ["yourcompany.example"], "own_numbers": ["+1 415 555 0100"],
//	  "regions": ["US", "GB"],
//	  "group_window": "1h", "update_quiet": "5m",
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
// /events (Standard Webhooks JSON). Twilio's URL of each is public_base and
// the path. With tls set, the SMTP receiver offers STARTTLS and the webhooks
// serve HTTPS, and SIGHUP reads the certificate files again; without it,
// serve refuses plain HTTP on an address that is not loopback unless
// http.allow_plain_http says a TLS proxy is in front. Own traffic is
// suppressed only when authenticated (DKIM aligned with From, or an
// Authentication-Results of a trusted_authserv_ids gateway); suppressed
// alerts reach only the suppressed_sinks. Repeats within group_window fold
// into one alert; its sinks get updates at the 10th, 100th… repeat and hourly,
// and, when a storm stops between those, the final count once the alert has
// been quiet for update_quiet (default 5m; negative: none).
//
// The webhooks remember accepted deliveries in the registry's database, so a
// replay is refused across restarts and by every receiver sharing it.
//
// The SMTP receiver's limits take inbound's defaults (see its package doc);
// the "smtp" object may set max_connections, max_connections_per_ip,
// max_in_flight_bytes, spool_dir, read_timeout, data_timeout,
// data_idle_timeout, tarpit_after, max_unknown_recipients, max_unknown_per_ip
// and unknown_window (durations as "1m"; a negative count means no limit).
// The receiver advertises SMTPUTF8 and logs every accepted message and refused
// recipient at INFO with the reason (never the address tried). -log-level
// (debug, info, warn, error) sets what serve logs.
//
// "imap" lists owned mailboxes to watch beside SMTP and the webhooks (the
// fields of inbound.IMAPMailbox; credentials by reference; the host is the
// provider's, e.g. imap.gmail.com for a Gmail mailbox you created):
//
//	"imap": [{"address": "mkelly1987@mail.example", "host": "imap.mail.example",
//	          "auth": "plain", "credential": {"env": "IMAP_MKELLY_APP_PASSWORD"}}]
//
// serve also watches every mailbox of the mailbox file "mailboxes add"
// writes: "mailboxes_file" names it (relative to the serve config), else
// mailboxes.json beside the registry is read if it exists. A mailbox both
// there and in "imap" is refused, as it would be read twice. Their checkpoints (UIDVALIDITY and last UID) are kept in the registry's
// database, so a restart neither misses nor repeats a message.
//
// "admin": {"addr": "127.0.0.1:9090"} serves, on its own listener (keep it
// off the internet):
//   - /healthz: 200 while the process runs;
//   - /readyz: 200 when every receiver listens, the registry answers, no sink
//     is failing and every mailbox is connected, else 503; both with a JSON
//     document naming receivers, sinks, mailboxes (connected, last UID, last
//     error) and the outbox backlog;
//   - /metrics: Prometheus metrics: honeyseed_events_total{source},
//     honeyseed_hits_total, honeyseed_alerts_total{suppressed},
//     honeyseed_sink_failures_total{sink}, honeyseed_outbox_backlog{state},
//     honeyseed_imap_connected, honeyseed_imap_last_uid and
//     honeyseed_imap_messages_total{mailbox}, and Go's process metrics.
//
// Each listener is bound before "listening" is logged; a port that cannot be
// bound fails serve with exit 1.
//
// # Deploying
//
// examples/deploy holds a hardened systemd unit, a container file and an
// example serve.json (tested: it must parse). In short:
//
//   - DNS, for each canary domain (one you own that receives nothing else):
//     an MX record to the receiver's host ("mail.customers.example. MX 10
//     mx.customers.example."); SPF "v=spf1 -all" and DMARC "v=DMARC1;
//     p=reject" (TXT at _dmarc), since the domain never sends: mail forged
//     from it is rejected elsewhere, and no one mistakes it for yours.
//   - Port 25 without root: the systemd unit grants only
//     CAP_NET_BIND_SERVICE (AmbientCapabilities) to a DynamicUser; in a
//     container, publish host port 25 to the container's 2525.
//   - Twilio: set each canary number's "A message comes in" webhook to
//     https://<public host>/twilio/sms and "A call comes in" to
//     .../twilio/voice (HTTP POST); http.public_base is the scheme and host
//     Twilio calls, since it signs the full URL.
//   - A reverse proxy (nginx, Caddy) terminates TLS for the webhooks and
//     forwards to http.addr on loopback, passing the path unchanged; list it
//     in http.trusted_proxies so its X-Forwarded-Proto/Host are believed.
//     Never proxy the admin address to the internet.
//   - Backups: the registry (SQLite: "sqlite3 honeyseed.db .backup copy.db"
//     or a file copy while serve is stopped; PostgreSQL: pg_dump) and the key
//     file, kept apart: either alone tells nothing, both together reveal
//     every canary. Without the key, the registry is lost.
//   - Rotating the key: sqlstore.Store.Rotate re-seals the registry under a
//     new secret in one transaction; stop every receiver, rotate, install the
//     new key, restart (receivers still holding the old key fail with
//     ErrWrongSecret rather than write with it).
//   - Several receivers on one PostgreSQL: run "honeyseed init" once, then
//     every serve with the same $HONEYSEED_POSTGRES and key; they share seeds,
//     alerts (deduplicated by alert ID), webhook replay memory and IMAP
//     checkpoints (watch each mailbox from one receiver only).
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
	{"settings", "print or change the registry's settings (dot-insensitive domains), which every command reads", settingsCmd},
	{"status", "seeds per placement, last contact, sinks, receivers and outbox backlog", status},
	{"generate", "make seeds for a placement and register them", generate},
	{"plant", "learn a host table's shape, generate seeds like its rows, register and insert them", plantCmd},
	{"csv", "generate and register seeds, written as a support tool's import CSV", csvCmd},
	{"scan", "search dumps for seed values and say which placement leaked", scan},
	{"serve", "run the SMTP receiver and webhook endpoints, alerting to sinks", serve},
	{"alerts", "list recorded alerts, suppressed ones included", alerts},
	{"mailboxes", "plan mailboxes to create at a provider, and record the ones created", mailboxesCmd},
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
