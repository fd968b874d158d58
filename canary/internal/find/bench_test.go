package find_test

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/benchdump"
	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

type counter struct{ n int }

func (c *counter) Candidate(find.Field, []byte, []byte, int, find.Confidence) bool {
	c.n++
	return false
}

// BenchmarkFindAll measures the engine alone on the scan benchmarks' dumps
// (benchdump), with the Shape of their 40 seeds and of a million, and no
// registry behind it: what a core spends on extraction and the prefilter,
// before any lookup.
//
//	go test ./canary/internal/find -run '^$' -bench FindAll -cpu 1
func BenchmarkFindAll(b *testing.B) {
	for _, nseeds := range []int{40, 1_000_000} {
		var sh *find.Shape
		var seeds []canary.Seed
		for i := range nseeds {
			s := benchdump.Seed(i)
			keys, _, _ := norm.SeedKeys(s.Email, s.Phone, s.Ticket)
			sh = sh.With(keys)
			if i%(nseeds/40) == 0 {
				seeds = append(seeds, s) // the dump quotes 40 of them, spread over the registry
			}
		}
		for _, shape := range []string{"sql", "csv"} {
			var buf bytes.Buffer
			if _, err := benchdump.Write(&buf, shape, 16<<20, seeds, benchdump.Strangers(b)); err != nil {
				b.Fatal(err)
			}
			text := buf.Bytes()
			b.Run(fmt.Sprintf("%s/seeds=%d", shape, nseeds), func(b *testing.B) {
				var c counter
				f := find.Finder{Regions: []find.Region{{Code: "US", CC: "1"}, {Code: "GB", CC: "44", Trunk: "0"}}, Shape: sh, Report: &c}
				b.SetBytes(int64(len(text)))
				start := cpuTime()
				for b.Loop() {
					f.FindAll(text, 0, len(text))
				}
				// CPU time as well as wall time: on a shared machine the wall
				// time says how busy it was.
				b.ReportMetric(float64(cpuTime()-start)/float64(int64(b.N)*int64(len(text))), "cpu-ns/B")
			})
		}
	}
}

func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
