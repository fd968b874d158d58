package canary_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/benchdump"
)

// Scan throughput on the dumps users meet, against grep -F -f with the same
// seeds' addresses over the same file, in the same run:
//
//	go test -run X -bench BenchmarkScanDump -benchtime 5x ./canary/
//
// Two shapes: SQL INSERTs full of ids, dates and amounts, and a CSV export;
// each 128 MiB, with a seed row in every 200; against 40 seeds and against
// 1M. Strangers are generated like seeds, on other domains, numbers and
// ticket ranges, as real customers would be.

const scanDumpSize = 128 << 20

func BenchmarkScanDump(b *testing.B) {
	strangers := benchdump.Strangers(b)
	dir := b.TempDir()
	for _, nseeds := range []int{40, 1_000_000} {
		var reg *canary.MemoryRegistry
		if nseeds == 1_000_000 {
			reg = bigRegistry(b)
		} else {
			reg = canary.NewMemoryRegistry()
			for i := range nseeds {
				if err := reg.Add(context.Background(), benchSeed(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
		m, err := canary.NewMatcher(reg)
		if err != nil {
			b.Fatal(err)
		}
		// The dump quotes seeds spread over the registry; grep gets every
		// registered address.
		var quoted []canary.Seed
		for k := range 500 {
			quoted = append(quoted, benchSeed(k*nseeds/500))
		}
		pf := filepath.Join(dir, fmt.Sprintf("patterns-%d.txt", nseeds))
		pw, err := os.Create(pf)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(pw, 1<<20)
		for i := range nseeds {
			bw.WriteString(benchSeed(i).Email + "\n")
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		pw.Close()
		for _, shape := range []string{"sql", "csv"} {
			path := filepath.Join(dir, fmt.Sprintf("dump-%d.%s", nseeds, shape))
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			want, err := benchdump.Write(f, shape, scanDumpSize, quoted, strangers)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("%s/seeds=%d", shape, nseeds)
			b.Run(name+"/honeyseed", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					hits := 0
					err := m.Scan(context.Background(), bytes.NewReader(data), func(h canary.Hit) error {
						hits++
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					if hits < 2*want { // the email and ticket of every seed row, and the number of most
						b.Fatalf("%d hits, want at least %d", hits, 2*want)
					}
				}
			})
			b.Run(name+"/grep-F", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				benchdump.GrepLoop(b, pf, path, want)
			})
		}
	}
}
