package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

func alerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	asJSON := fs.Bool("json", false, "print alerts as JSON lines")
	since := fs.String("since", "", "only alerts seen since `time`: RFC 3339 (2026-11-20T00:00:00Z) or a duration ago (24h)")
	placement := fs.String("placement", "", "only alerts touching a seed of this `placement`")
	minConf := fs.String("confidence", "", "only alerts with a hit at least this sure: exact, likely or ambiguous")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	f, err := parseAlertFilter(*since, *placement, *minConf)
	if err != nil {
		return err
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	enc := json.NewEncoder(stdout)
	total, shown := 0, 0
	for a, err := range store.Alerts(ctx) {
		if err != nil {
			return err
		}
		total++
		if !f.keep(a) {
			continue
		}
		shown++
		if *asJSON {
			if err := enc.Encode(a); err != nil {
				return err
			}
			continue
		}
		printAlert(stdout, a)
	}
	switch {
	case total == 0:
		fmt.Fprintln(stderr, "no alerts recorded in this registry")
	case shown == 0:
		fmt.Fprintf(stderr, "none of the %d alerts matches the filters\n", total)
	}
	return nil
}

func printAlert(w io.Writer, a canary.Alert) {
	state := "alert"
	if a.Suppressed {
		state = "suppressed (" + a.SuppressedBy + ")"
	}
	fmt.Fprintf(w, "%s %s %s from %q, %d event(s), %s .. %s\n", a.ID, state, a.Channel, a.Sender, a.Count,
		a.FirstSeen.UTC().Format(time.RFC3339), a.LastSeen.UTC().Format(time.RFC3339))
	for _, s := range a.Seeds {
		fmt.Fprintf(w, "    seed %s of %s%s\n", s.ID, s.Placement, retiredNote(a, s))
	}
	if len(a.Attribution) > 0 {
		fmt.Fprintf(w, "    most likely leaked from %s (score %.2f)\n", a.Attribution[0].Placement, a.Attribution[0].Score)
	}
}

// retiredNote says when a seed the alert hit had been retired: the contact
// still proves a leak, from a copy taken while it was planted.
func retiredNote(a canary.Alert, s canary.Seed) string {
	if !hitRetired(a, s) {
		return ""
	}
	return ", retired " + s.RetiredAt.UTC().Format(time.RFC3339) + " (hit after retirement)"
}

// hitRetired reports whether a hit s after it was retired: the Watcher names
// such seeds in Alert.RetiredSeeds; for an alert recorded before it did, the
// seed's copy in the alert says when it was retired.
func hitRetired(a canary.Alert, s canary.Seed) bool {
	return slices.Contains(a.RetiredSeeds, s.ID) || s.RetiredBy(a.FirstSeen)
}

// alertFilter is what the alerts flags select; its zero value keeps everything.
type alertFilter struct {
	since      time.Time
	placement  string
	confidence canary.Confidence // 0: any
}

func parseAlertFilter(since, placement, conf string) (alertFilter, error) {
	f := alertFilter{placement: placement}
	if since != "" {
		if d, err := time.ParseDuration(since); err == nil {
			f.since = now().Add(-d)
		} else if f.since, err = time.Parse(time.RFC3339, since); err != nil {
			return f, usageErr("alerts: -since %q: want an RFC 3339 time or a duration such as 24h", since)
		}
	}
	if conf != "" {
		if err := f.confidence.UnmarshalText([]byte(conf)); err != nil {
			return f, usageErr("alerts: -confidence %q: want exact, likely or ambiguous", conf)
		}
	}
	return f, nil
}

func (f alertFilter) keep(a canary.Alert) bool {
	if !f.since.IsZero() && a.LastSeen.Before(f.since) {
		return false
	}
	if f.placement != "" && !slices.ContainsFunc(a.Seeds, func(s canary.Seed) bool { return s.Placement == f.placement }) {
		return false
	}
	// Exact < Likely < Ambiguous: "at least likely" admits exact and likely.
	if f.confidence != 0 && !slices.ContainsFunc(a.Hits, func(h canary.Hit) bool { return h.Confidence != 0 && h.Confidence <= f.confidence }) {
		return false
	}
	return true
}

func retire(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("retire", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	id := fs.String("id", "", "seed `ID` (required)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	u, err := uuid.Parse(*id)
	if err != nil {
		return usageErr("retire: -id: %v", err)
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	at := now()
	if err := store.Retire(ctx, u, at); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retired %s at %s: it stays registered, and a hit on it still alerts, marked as after retirement\n", u, at.UTC().Format(time.RFC3339))
	return nil
}
