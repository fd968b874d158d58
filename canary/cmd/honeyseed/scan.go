package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/dump"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

func scan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	region := fs.String("region", "US", "default region for national phone numbers")
	asJSON := fs.Bool("json", false, "print hits as JSON lines")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("scan: name the files to scan, or - for standard input")
	}
	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	return scanFiles(ctx, store, scanOptions{region: *region, asJSON: *asJSON}, fs.Args(), stdout, stderr)
}

// scanOptions are scan's flags beyond the registry's.
type scanOptions struct {
	region string
	asJSON bool
}

// scanFiles scans the named files ("-": standard input) for the seeds of
// store, prints the hits and, unless asJSON, the placements that could have
// leaked them.
func scanFiles(ctx context.Context, store *sqlstore.Store, o scanOptions, names []string, stdout, stderr io.Writer) error {
	// Which domains ignore dots is the registry's setting, as for serve.
	m, err := newMatcher(ctx, store, "", nil, canary.WithRegions(o.region, "GB", "US"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	tripped := map[uuid.UUID]canary.Seed{}
	var order []canary.Seed
	for _, name := range names {
		var r io.Reader = os.Stdin
		var total int64 // 0: unknown
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				total = fi.Size()
			}
		}
		// On a terminal, a dump of gigabytes shows how far the scan is; the
		// bytes counted are the file's, compressed or not.
		prog := startProgress(stderr, "scanning "+name, "bytes", total)
		// A dump found in the wild is often compressed, and often renamed:
		// the reader tells gzip, zstd, bzip2 and xz by their first bytes.
		raw := &countingReader{r: r, progress: prog}
		dr, format, err := dump.NewReader(raw)
		if err != nil {
			prog.finish()
			return fmt.Errorf("scan %s: %w", name, err)
		}
		defer dr.Close()
		text := &countingReader{r: dr}
		hits, before := 0, len(order)
		err = m.Scan(ctx, text, func(h canary.Hit) error {
			hits++
			if _, seen := tripped[h.Seed.ID]; !seen {
				tripped[h.Seed.ID] = h.Seed
				order = append(order, h.Seed)
			}
			// Hits print on lines of their own, above the status line.
			return prog.above(func() error {
				if o.asJSON {
					return enc.Encode(jsonHit{File: name, Seed: h.Seed.ID, Placement: h.Seed.Placement,
						Field: h.Field, Value: h.Value, Where: h.Evidence, Confidence: h.Confidence})
				}
				_, err := fmt.Fprintf(stdout, "%s: %s %s %q (%s) seed %s of %s\n", name, h.Evidence, h.Field, h.Value, h.Confidence, h.Seed.ID, h.Seed.Placement)
				return err
			})
		})
		prog.finish()
		if err != nil {
			return fmt.Errorf("scan %s: %w", name, err)
		}
		// Say what was read: a silent "nothing found" from an empty or
		// unreadable input is a false negative nobody notices.
		size := fmt.Sprintf("%d bytes", raw.n)
		if format != dump.Plain {
			size = fmt.Sprintf("%d bytes %s, %d bytes decompressed", raw.n, format, text.n)
		}
		fmt.Fprintf(stderr, "scanned %s: %s, %d hits, %d new seeds\n", name, size, hits, len(order)-before)
	}
	if o.asJSON || len(order) == 0 {
		if len(order) == 0 {
			fmt.Fprintf(stderr, "no seed values found in %d files (%d seeds in the registry)\n", len(names), store.Len())
		}
		return nil
	}
	fmt.Fprintf(stdout, "\n%d seeds found. Placements that could have leaked them:\n", len(order))
	for _, s := range canary.Attribute(order, time.Now(), canary.AttributeOptions{}) {
		fmt.Fprintf(stdout, "  %-30s score %.2f\n", s.Placement, s.Score)
		for _, r := range s.Reasons {
			fmt.Fprintf(stdout, "    - %s\n", r)
		}
	}
	return nil
}

// jsonHit is a hit as -json prints it, one object a line. Its fields are in
// the order of their names, as they printed when this was a map.
type jsonHit struct {
	Confidence canary.Confidence `json:"confidence"`
	Field      canary.Field      `json:"field"`
	File       string            `json:"file"`
	Placement  string            `json:"placement"`
	Seed       uuid.UUID         `json:"seed"`
	Value      string            `json:"value"`
	Where      string            `json:"where"`
}

// countingReader counts the bytes read through it, for progress too if set.
type countingReader struct {
	r        io.Reader
	n        int64
	progress *progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.progress.add(int64(n))
	return n, err
}
