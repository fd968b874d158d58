package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
)

// now is the CLI's clock; tests fix it.
var now = time.Now

// placementStatus is one row of 'honeyseed status'.
type placementStatus struct {
	Placement string `json:"placement"`
	Planted   int    `json:"planted"`
	Retired   int    `json:"retired"`
	Tripped   int    `json:"tripped"`
	// TrippedRetired counts the tripped seeds hit after they were retired.
	TrippedRetired int       `json:"tripped_after_retirement"`
	LastContact    time.Time `json:"last_contact,omitzero"`
}

func status(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	server := fs.String("server", "", "base `URL` of a running serve's admin endpoint (admin.addr), for sink, receiver and mailbox health")
	asJSON := fs.Bool("json", false, "print the status as one JSON document")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	rows := map[string]*placementStatus{}
	row := func(p string) *placementStatus {
		if rows[p] == nil {
			rows[p] = &placementStatus{Placement: p}
		}
		return rows[p]
	}
	t := now()
	for s, err := range store.Seeds(ctx) {
		if err != nil {
			return err
		}
		r := row(s.Placement)
		r.Planted++
		if end := s.EndedAt(); !end.IsZero() && !t.Before(end) { // retired, or expired as planned
			r.Retired++
		}
	}
	tripped := map[uuid.UUID]bool{}
	trippedRetired := map[uuid.UUID]bool{}
	var alerts, suppressed int
	for a, err := range store.Alerts(ctx) {
		if err != nil {
			return err
		}
		alerts++
		if a.Suppressed { // the operator's own traffic trips nothing
			suppressed++
			continue
		}
		for _, s := range a.Seeds {
			r := row(s.Placement)
			if !tripped[s.ID] {
				tripped[s.ID] = true
				r.Tripped++
			}
			if hitRetired(a, s) && !trippedRetired[s.ID] {
				trippedRetired[s.ID] = true
				r.TrippedRetired++
			}
			if a.LastSeen.After(r.LastContact) {
				r.LastContact = a.LastSeen
			}
		}
	}
	pending, retrying, err := store.Backlog(ctx)
	if err != nil {
		return err
	}
	var live *readiness
	var liveErr error
	if *server != "" {
		live, liveErr = fetchReadiness(ctx, *server)
	}

	out := struct {
		Placements []placementStatus `json:"placements"`
		Alerts     int               `json:"alerts"`
		Suppressed int               `json:"suppressed"`
		Backlog    struct {
			Pending  int `json:"pending"`
			Retrying int `json:"retrying"`
		} `json:"outbox_backlog"`
		Server      *readiness `json:"server,omitempty"`
		ServerError string     `json:"server_error,omitempty"`
	}{Alerts: alerts, Suppressed: suppressed, Server: live}
	out.Backlog.Pending, out.Backlog.Retrying = pending, retrying
	for _, r := range rows {
		out.Placements = append(out.Placements, *r)
	}
	slices.SortFunc(out.Placements, func(a, b placementStatus) int { return strings.Compare(a.Placement, b.Placement) })
	if liveErr != nil {
		out.ServerError = liveErr.Error()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}

	if len(out.Placements) == 0 {
		fmt.Fprintln(stdout, "no seeds registered: make some with 'honeyseed generate', 'plant' or 'csv'")
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "placement\tplanted\tretired\ttripped\tafter retirement\tlast contact\t")
		for _, r := range out.Placements {
			last := "never"
			if !r.LastContact.IsZero() {
				last = r.LastContact.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t\n", r.Placement, r.Planted, r.Retired, r.Tripped, r.TrippedRetired, last)
		}
		tw.Flush()
	}
	fmt.Fprintf(stdout, "\nalerts: %d (%d suppressed as own traffic)\n", alerts, suppressed)
	fmt.Fprintf(stdout, "outbox backlog: %d deliveries pending, %d retrying\n", pending, retrying)
	switch {
	case *server == "":
		fmt.Fprintln(stdout, "sinks, receivers and mailboxes: not queried (give -server with serve's admin address)")
	case liveErr != nil:
		fmt.Fprintf(stdout, "server %s: unreachable: %v\n", *server, liveErr)
	default:
		printReadiness(stdout, live)
	}
	return nil
}

func printReadiness(w io.Writer, r *readiness) {
	state := "ready"
	if !r.Ready {
		state = "NOT READY: " + strings.Join(r.Problems, "; ")
	}
	fmt.Fprintf(w, "server: %s\n", state)
	for _, rc := range r.Receivers {
		fmt.Fprintf(w, "  receiver %-5s %-22s %s\n", rc.Name, rc.Addr, upDown(rc.Up))
	}
	for _, s := range r.Sinks {
		line := fmt.Sprintf("  sink %-12s delivered %d", s.Sink, s.Delivered)
		if s.Failures > 0 {
			line += fmt.Sprintf(", %d failures in a row: %s", s.Failures, s.LastError)
		}
		fmt.Fprintln(w, line)
	}
	for _, m := range r.Mailboxes {
		line := fmt.Sprintf("  mailbox %s %s, last UID %d, %d messages", m.Mailbox, upDown(m.Connected), m.LastUID, m.Messages)
		if m.LastError != "" {
			line += ", last error: " + m.LastError
		}
		fmt.Fprintln(w, line)
	}
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "DOWN"
}

// fetchReadiness reads a running serve's /readyz, which answers 503 with the
// same document when something is wrong.
func fetchReadiness(ctx context.Context, base string) (*readiness, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/readyz", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r readiness
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", resp.Status, err)
	}
	return &r, nil
}
