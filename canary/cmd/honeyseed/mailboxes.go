package main

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
	"github.com/honeyseed/honeyseed/canary/plant"
)

// defaultMailboxFile is where "mailboxes add" records the owned mailboxes.
const defaultMailboxFile = "mailboxes.json"

// mailboxesCmd runs "mailboxes plan" and "mailboxes add".
func mailboxesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("mailboxes: say plan or add")
	}
	switch args[0] {
	case "plan":
		return mailboxesPlan(args[1:], stdout)
	case "add":
		return mailboxesAdd(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: honeyseed mailboxes plan -n 20 -provider gmail.com\n       honeyseed mailboxes add -address ADDR -imap-host HOST -password-env NAME [-file mailboxes.json]")
		return flag.ErrHelp
	}
	return usageErr("mailboxes: unknown subcommand %q (plan or add)", args[0])
}

// mailboxesPlan proposes identities and local parts for mailboxes the
// operator then creates by hand (plant's Shape.ProposeMailboxes). It
// writes nothing.
func mailboxesPlan(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mailboxes plan", flag.ContinueOnError)
	n := fs.Int("n", 20, "how many mailboxes to propose")
	provider := fs.String("provider", "", "the provider's mail domain, e.g. gmail.com (required without -host; with it, default the host's big providers in their shares)")
	region := fs.String("region", "", "population the names are drawn from: US, GB or ES (default the host's, else US)")
	seedHex := fs.String("seed", "", "64 hex digits for reproducible output (tests); default crypto-random")
	host := fs.String("host", "", "a host's CSV export `file` to learn names, the pattern mix and providers from (default: the measured mix)")
	format := fs.String("format", "plain", "the export's format: zendesk, salesforce, hubspot or plain")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	var opts plant.MailboxOptions
	if *provider != "" {
		domain, reason := norm.AppendDomain(nil, strings.TrimSpace(*provider))
		if reason != "" {
			return usageErr("mailboxes plan: -provider %q: %s", *provider, reason)
		}
		opts.Providers = map[string]float64{string(domain): 1}
	}
	switch {
	case *provider == "" && *host == "":
		return usageErr("mailboxes plan: -provider is required without -host")
	case *n < 1 || *n > 10000:
		return usageErr("mailboxes plan: -n must be 1 to 10000")
	}
	if *region != "" {
		opts.Region = strings.ToUpper(*region)
		if !strings.Contains(" US GB ES ", " "+opts.Region+" ") {
			return usageErr("mailboxes plan: -region %q: US, GB or ES", *region)
		}
	}
	if *seedHex != "" {
		b, err := hex.DecodeString(*seedHex)
		if err != nil || len(b) != 32 {
			return usageErr("mailboxes plan: -seed needs 64 hex digits")
		}
		copy(opts.Seed[:], b)
	}
	var shape plant.Shape
	if *host != "" {
		var err error
		if shape, err = learnHost(*host, *format); err != nil {
			return err
		}
	}
	proposed, err := shape.ProposeMailboxes(*n, opts)
	if err != nil {
		return fmt.Errorf("mailboxes plan: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tGIVEN\tFAMILY\tBORN")
	for _, p := range proposed {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", p.Address, p.Given, p.Family, p.Born)
	}
	return tw.Flush()
}

// learnHost learns the Shape of a host's CSV export.
func learnHost(path, format string) (plant.Shape, error) {
	cf, err := plant.ParseCSVFormat(format)
	if err != nil {
		return plant.Shape{}, usageErr("mailboxes plan: -format: %v", err)
	}
	m, err := plant.ExportMapping(cf)
	if err != nil {
		return plant.Shape{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return plant.Shape{}, fmt.Errorf("mailboxes plan: -host: %w", err)
	}
	defer f.Close()
	shape, err := plant.LearnCSV(context.Background(), f, m, plant.LearnOptions{})
	if err != nil {
		return plant.Shape{}, fmt.Errorf("mailboxes plan: -host %s: %w", path, err)
	}
	return shape, nil
}

// mailboxesAdd records an owned mailbox, or those of a JSON file, in the
// mailbox file: addresses with how to read them, credentials by reference
// only (an environment variable's or a file's name, never the secret).
func mailboxesAdd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mailboxes add", flag.ContinueOnError)
	file := fs.String("file", "", "the mailbox `file` to add to (created if missing); default "+defaultMailboxFile+" beside -registry, where serve reads it")
	registry := fs.String("registry", "honeyseed.db", "the SQLite registry `file` whose directory holds the default mailbox file")
	from := fs.String("from", "", "JSON `file` with an array of mailboxes to add, in the mailbox file's form")
	var mb inbound.IMAPMailbox
	fs.StringVar(&mb.Address, "address", "", "the mailbox's exact address")
	fs.StringVar(&mb.Host, "imap-host", "", "IMAP server, e.g. imap.gmail.com")
	fs.IntVar(&mb.Port, "port", 0, "IMAP port (default 993 with tls, 143 with starttls)")
	tlsMode := fs.String("tls", "", "tls (default) or starttls")
	fs.StringVar(&mb.User, "user", "", "login name (default the address)")
	auth := fs.String("auth", "", "plain (default), login or xoauth2")
	fs.StringVar(&mb.Credential.Env, "password-env", "", "`NAME` of the environment variable holding the password or token")
	fs.StringVar(&mb.Credential.File, "password-file", "", "`file` holding the password or token")
	fs.StringVar(&mb.Folder, "folder", "", "folder to watch (default INBOX)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *file == "" {
		*file = defaultMailboxPath(*registry)
	}
	mb.TLS, mb.Auth = inbound.IMAPTLSMode(*tlsMode), inbound.IMAPAuth(*auth)
	var add []inbound.IMAPMailbox
	switch {
	case *from != "" && mb.Address != "":
		return usageErr("mailboxes add: give -from or -address, not both")
	case *from != "":
		list, err := readMailboxFile(*from)
		if err != nil {
			return err
		}
		add = list
	case mb.Address == "":
		return usageErr("mailboxes add: -address (or -from) is required")
	default:
		add = []inbound.IMAPMailbox{mb}
	}
	have, err := readMailboxFile(*file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	keys := map[string]bool{}
	for _, m := range have {
		keys[norm.EmailKey(m.Address)] = true
	}
	for i := range add {
		if err := checkMailbox(&add[i]); err != nil {
			return err
		}
		k := norm.EmailKey(add[i].Address)
		if keys[k] {
			return fmt.Errorf("mailboxes add: %s is already in %s", add[i].Address, *file)
		}
		keys[k] = true
	}
	if err := writeMailboxFile(*file, append(have, add...)); err != nil {
		return err
	}
	for _, m := range add {
		fmt.Fprintf(stdout, "added %s (%s)\n", m.Address, m.Host)
	}
	return nil
}

// errMailbox marks a mailbox entry that cannot be used.
var errMailbox = errors.New("mailboxes: invalid mailbox")

// checkMailbox normalizes m's address and refuses an entry that names no
// server or no credential, or holds a secret in place of its name.
func checkMailbox(m *inbound.IMAPMailbox) error {
	addr, err := canary.NormalizeEmail(m.Address)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", errMailbox, m.Address, err)
	}
	m.Address = addr
	switch {
	case m.Host == "":
		return fmt.Errorf("%w: %s: no IMAP host", errMailbox, addr)
	case (m.Credential.Env == "") == (m.Credential.File == ""):
		return fmt.Errorf("%w: %s: name exactly one of the password's environment variable or file", errMailbox, addr)
	case m.Credential.Env != "" && !envName(m.Credential.Env):
		// Not echoed: it may be the password itself.
		return fmt.Errorf("%w: %s: the credential's env is not an environment variable's name (give the name, never the password)", errMailbox, addr)
	}
	switch m.TLS {
	case "", inbound.IMAPTLS, inbound.IMAPStartTLS:
	default:
		return fmt.Errorf("%w: %s: tls %q: tls or starttls", errMailbox, addr, m.TLS)
	}
	switch m.Auth {
	case "", inbound.IMAPAuthPlain, inbound.IMAPAuthLogin, inbound.IMAPAuthXOAUTH2:
	default:
		return fmt.Errorf("%w: %s: auth %q: plain, login or xoauth2", errMailbox, addr, m.Auth)
	}
	return nil
}

func envName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// readMailboxFile reads a mailbox file: a JSON array of inbound.IMAPMailbox.
func readMailboxFile(path string) ([]inbound.IMAPMailbox, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 4<<20))
	dec.DisallowUnknownFields()
	var list []inbound.IMAPMailbox
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errMailbox, path, err)
	}
	for i := range list {
		if err := checkMailbox(&list[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return list, nil
}

// writeMailboxFile replaces path whole, so a failed write leaves the old list.
func writeMailboxFile(path string, list []inbound.IMAPMailbox) error {
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mailboxes-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// defaultMailboxPath is where a command looks for the mailbox file when
// none is named: beside the SQLite registry (with PostgreSQL, beside the
// -registry path all the same, by default the working directory).
func defaultMailboxPath(registry string) string {
	return filepath.Join(filepath.Dir(registry), defaultMailboxFile)
}

// serveMailboxes returns the mailboxes serve watches: the config's "imap"
// and those of its mailbox file (mailboxes_file, relative to the config, or
// by default the file beside the registry when there is one). A mailbox
// listed twice is refused: it would be read, and alerted on, twice.
func serveMailboxes(cfg serveConfig, configPath, registry string) ([]inbound.IMAPMailbox, error) {
	path := cfg.MailboxesFile
	named := path != ""
	switch {
	case !named:
		path = defaultMailboxPath(registry)
	case !filepath.IsAbs(path):
		path = filepath.Join(filepath.Dir(configPath), path)
	}
	list, err := readMailboxFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && !named:
		list = nil
	case err != nil:
		return nil, fmt.Errorf("serve: mailboxes_file: %w", err)
	}
	out := slices.Clone(cfg.IMAP)
	seen := map[string]string{}
	for i, m := range out {
		seen[mailboxKey(m)] = fmt.Sprintf("imap[%d]", i)
	}
	for _, m := range list {
		k := mailboxKey(m)
		if where, dup := seen[k]; dup {
			return nil, fmt.Errorf("serve: mailbox %s is both in %s and in %s: list it once", m.Address, where, path)
		}
		seen[k] = path
		out = append(out, m)
	}
	return out, nil
}

// mailboxKey names a watched folder whatever the address's dots or case.
func mailboxKey(m inbound.IMAPMailbox) string {
	return norm.EmailKey(m.Address) + "/" + cmp.Or(m.Folder, "INBOX")
}

// mailboxAddresses returns the addresses of a mailbox file, for the
// generator config's mailboxes_file.
func mailboxAddresses(path string) ([]string, error) {
	list, err := readMailboxFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.Address
	}
	return out, nil
}
