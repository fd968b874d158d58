package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
)

func alerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	asJSON := fs.Bool("json", false, "print alerts as JSON lines")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	enc := json.NewEncoder(stdout)
	for a, err := range store.Alerts(ctx) {
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(a); err != nil {
				return err
			}
			continue
		}
		state := "alert"
		if a.Suppressed {
			state = "suppressed (" + a.SuppressedBy + ")"
		}
		fmt.Fprintf(stdout, "%s %s %s from %q, %d event(s), %s .. %s\n", a.ID, state, a.Channel, a.Sender, a.Count,
			a.FirstSeen.Format(time.RFC3339), a.LastSeen.Format(time.RFC3339))
		for _, s := range a.Seeds {
			fmt.Fprintf(stdout, "    seed %s of %s\n", s.ID, s.Placement)
		}
		if len(a.Attribution) > 0 {
			fmt.Fprintf(stdout, "    most likely leaked from %s (score %.2f)\n", a.Attribution[0].Placement, a.Attribution[0].Score)
		}
	}
	return nil
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
	if err := store.Retire(ctx, u, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retired %s\n", u)
	return nil
}
