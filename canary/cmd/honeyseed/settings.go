package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

// The registry's settings (sqlstore.Settings) are the one source of what
// every command reading the registry must agree on: which seed domains
// ignore dots decides whether a dotted variant of a seed address is an Exact
// or a Likely hit, and serve and scan must judge it alike. init records them
// and "honeyseed settings" changes them; a config that still lists them must
// say the same.

// dotDomainsFlag is the flag init and settings take.
const dotDomainsFlag = "dot-insensitive-domains"

const dotDomainsUsage = "comma-separated seed email `domains` whose mailboxes ignore dots in the local part (as Gmail does), recorded in the registry for every command"

// parseDomains reads a comma-separated list of domains, normalized.
func parseDomains(list string) ([]string, error) {
	var out []string
	for _, d := range strings.Split(list, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		nd, reason := norm.AppendDomain(nil, d)
		if reason != "" {
			return nil, fmt.Errorf("%q: %s", d, reason)
		}
		out = append(out, string(nd))
	}
	return out, nil
}

// parseDomainsFlag is parseDomains for the -dot-insensitive-domains flag.
func parseDomainsFlag(list string) ([]string, error) {
	out, err := parseDomains(list)
	if err != nil {
		return nil, usageErr("-%s %v", dotDomainsFlag, err)
	}
	return out, nil
}

// dotInsensitiveDomains returns the registry's dot-insensitive domains, or
// with within those of them among within (a generator's email domains: it
// applies the setting to the domains it makes addresses at). where names a
// configuration that may still list them (listed): it must agree with the
// registry, which wins, so that no two commands can differ.
func dotInsensitiveDomains(ctx context.Context, store *sqlstore.Store, where string, listed, within []string) ([]string, error) {
	set, saved, err := store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	domains := set.DotInsensitiveDomains
	if within != nil {
		scope, err := parseDomains(strings.Join(within, ","))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		domains = slices.DeleteFunc(slices.Clone(domains), func(d string) bool { return !slices.Contains(scope, d) })
	}
	if len(listed) == 0 {
		return domains, nil
	}
	normalized, err := parseDomains(strings.Join(listed, ","))
	if err != nil {
		return nil, fmt.Errorf("%s: dot_insensitive_domains %w", where, err)
	}
	fix := fmt.Sprintf("record them once with 'honeyseed settings -%s %s' and drop dot_insensitive_domains from %s: serve, scan and generate read them from the registry",
		dotDomainsFlag, strings.Join(normalized, ","), where)
	switch {
	case !saved:
		return nil, fmt.Errorf("%s lists dot_insensitive_domains, but the registry records none: %s", where, fix)
	case !(sqlstore.Settings{DotInsensitiveDomains: domains}).Equal(sqlstore.Settings{DotInsensitiveDomains: normalized}):
		return nil, fmt.Errorf("%s lists dot_insensitive_domains %v, but the registry records %v: %s", where, normalized, orEmpty(domains), fix)
	}
	return domains, nil
}

// orEmpty is list, or an empty list that prints as [] rather than nil.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// newMatcher is the Matcher of every command that matches against the
// registry: its settings first, then opts.
func newMatcher(ctx context.Context, store *sqlstore.Store, where string, listed []string, opts ...canary.MatcherOption) (*canary.Matcher, error) {
	domains, err := dotInsensitiveDomains(ctx, store, where, listed, nil)
	if err != nil {
		return nil, err
	}
	if len(domains) > 0 {
		opts = append(opts, canary.WithDotInsensitiveDomains(domains...))
	}
	return canary.NewMatcher(store, opts...)
}

// settingsCmd prints the registry's settings, and with a flag changes them.
func settingsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	dots := fs.String(dotDomainsFlag, "", dotDomainsUsage+"; \"\" for none")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	change := false
	fs.Visit(func(f *flag.Flag) { change = change || f.Name == dotDomainsFlag })
	var domains []string
	if change {
		var err error
		if domains, err = parseDomainsFlag(*dots); err != nil {
			return err
		}
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	set, saved, err := store.Settings(ctx)
	if err != nil {
		return err
	}
	if change {
		set.DotInsensitiveDomains = domains
		if err := store.SaveSettings(ctx, set); err != nil {
			return err
		}
		saved = true
	}
	if !saved {
		fmt.Fprintln(stderr, "this registry records no settings yet (made before they existed): set them with -"+dotDomainsFlag)
	}
	fmt.Fprintf(stdout, "dot_insensitive_domains: %s\n", orNone(set.DotInsensitiveDomains))
	return nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
