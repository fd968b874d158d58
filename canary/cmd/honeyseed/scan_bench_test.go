package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/benchdump"
	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

// BenchmarkScanCLI runs 'honeyseed scan' itself, on a sealed SQLite registry
// made as 'honeyseed init' makes one, over dumps on disk, and, as the
// reference in the same run, grep -c -F -f with every registered address over
// the same file:
//
//	go test ./canary/cmd/honeyseed -run '^$' -bench ScanCLI -benchtime 3x
//
// Two shapes (SQL INSERTs full of ids and dates, a CSV export), 128 MiB each
// with a seed row in every 200, against 40 seeds and 1M. "cli" is the whole
// command, opening the registry included; "scan" is the same scan function
// on a registry already open (what a dump larger than 128 MiB tends to).
// HONEYSEED_BENCH_DIR keeps the registries between runs: a million seeds
// take a while to seal.
func BenchmarkScanCLI(b *testing.B) {
	b.Setenv("HONEYSEED_SECRET", "")
	b.Setenv(postgresEnv, "")
	dir := b.TempDir()
	keep := os.Getenv("HONEYSEED_BENCH_DIR")
	strangers := benchdump.Strangers(b)
	for _, nseeds := range []int{40, 1_000_000} {
		regDir := dir
		if keep != "" {
			regDir = keep
		}
		reg := []string{"-registry", filepath.Join(regDir, fmt.Sprintf("scan-%d.db", nseeds)),
			"-key", filepath.Join(regDir, fmt.Sprintf("scan-%d.key", nseeds))}
		benchRegistry(b, reg[1], reg[3], nseeds)
		// The dump quotes seeds spread over the registry; grep gets every
		// registered address.
		var quoted []canary.Seed
		for k := range 500 {
			quoted = append(quoted, benchdump.Seed(k*nseeds/500))
		}
		patterns := filepath.Join(dir, fmt.Sprintf("patterns-%d.txt", nseeds))
		writePatterns(b, patterns, nseeds)
		for _, shape := range []string{"sql", "csv"} {
			path := filepath.Join(dir, fmt.Sprintf("dump-%d.%s", nseeds, shape))
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			want, err := benchdump.Write(f, shape, 128<<20, quoted, strangers)
			if err != nil {
				b.Fatal(err)
			}
			st, _ := f.Stat()
			f.Close()
			size := st.Size()
			name := fmt.Sprintf("%s/seeds=%d", shape, nseeds)
			args := append(slicesClone(reg), "-json", path)
			b.Run(name+"/cli", func(b *testing.B) {
				b.SetBytes(size)
				defer reportCPU(b, size)()
				for b.Loop() {
					var out countingWriter
					if err := execute(context.Background(), append([]string{"scan"}, args...), &out, io.Discard); err != nil {
						b.Fatal(err)
					}
					if out.lines < 2*want { // the email and ticket of every seed row, and the number of most
						b.Fatalf("%d hits, want at least %d", out.lines, 2*want)
					}
				}
			})
			b.Run(name+"/scan", func(b *testing.B) {
				var sf storeFlags
				sf.path, sf.key = reg[1], reg[3]
				store, err := sf.open(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				defer store.Close()
				b.SetBytes(size)
				defer reportCPU(b, size)()
				for b.Loop() {
					var out countingWriter
					if err := scanFiles(context.Background(), store, scanOptions{region: "US", asJSON: true}, []string{path}, &out, io.Discard); err != nil {
						b.Fatal(err)
					}
					if out.lines < 2*want {
						b.Fatalf("%d hits, want at least %d", out.lines, 2*want)
					}
				}
			})
			b.Run(name+"/grep-F", func(b *testing.B) {
				b.SetBytes(size)
				defer reportCPU(b, size)()
				benchdump.GrepLoop(b, patterns, path, want)
			})
		}
	}
}

// reportCPU, deferred, reports the CPU time the benchmark took per byte,
// this process's and its children's (grep's): on a machine shared with other
// work the wall time says how busy it was, the CPU time what the scan costs.
func reportCPU(b *testing.B, size int64) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(int64(b.N)*size), "cpu-ns/B")
	}
}

func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano())
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// benchRegistry makes a registry of benchdump's first n seeds at path, unless
// one of that size is there already.
func benchRegistry(b *testing.B, path, key string, n int) {
	opts := sqlstore.Options{Path: path, KeyFile: key, RefreshInterval: -1}
	s, err := sqlstore.Open(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if s.Len() == n {
		return
	}
	if s.Len() != 0 {
		b.Fatalf("%s holds %d seeds, want %d: remove it", path, s.Len(), n)
	}
	const batch = 50_000
	seeds := make([]canary.Seed, 0, batch)
	for lo := 0; lo < n; lo += batch {
		seeds = seeds[:0]
		for i := lo; i < min(n, lo+batch); i++ {
			seeds = append(seeds, benchdump.Seed(i))
		}
		if err := s.Add(context.Background(), seeds...); err != nil {
			b.Fatal(err)
		}
	}
}

func writePatterns(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		w.WriteString(benchdump.Seed(i).Email + "\n")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// countingWriter counts the lines written to it: one per hit with -json.
type countingWriter struct{ lines int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += strings.Count(string(p), "\n")
	return len(p), nil
}
