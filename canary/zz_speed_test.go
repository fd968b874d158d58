package canary_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZSpeed(t *testing.T) {
	n := 40
	if os.Getenv("ZZ1M") != "" {
		n = 1_000_000
	}
	var reg *canary.MemoryRegistry
	if n == 40 {
		reg = canary.NewMemoryRegistry()
		for i := range n {
			reg.Add(context.Background(), benchSeed(i))
		}
	} else {
		reg = bigRegistry(nil)
	}
	m, _ := canary.NewMatcher(reg)
	for _, shape := range []string{"sql", "csv"} {
		path := fmt.Sprintf("/tmp/zzdump-%d.%s", n, shape)
		pf := fmt.Sprintf("/tmp/zzpat-%d.txt", n)
		if _, err := os.Stat(path); err != nil {
			var quoted []canary.Seed
			for k := range 500 {
				quoted = append(quoted, benchSeed(k*n/500))
			}
			f, _ := os.Create(path)
			writeDump(f, shape, scanDumpSize, quoted, dumpStrangers(nil))
			f.Close()
			var p bytes.Buffer
			for i := range n {
				p.WriteString(benchSeed(i).Email + "\n")
			}
			os.WriteFile(pf, p.Bytes(), 0o600)
		}
		data, _ := os.ReadFile(path)
		for range 2 {
			c0, w0 := cpuNow(), time.Now()
			hits := 0
			m.Scan(context.Background(), bytes.NewReader(data), func(h canary.Hit) error { hits++; return nil })
			c, w := cpuNow()-c0, time.Since(w0)
			mb := float64(len(data)) / 1e6
			cmd := exec.Command("grep", "-c", "-F", "-f", pf, path)
			w1 := time.Now()
			out, _ := cmd.Output()
			gw := time.Since(w1)
			gc := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			t.Logf("%s n=%d hits=%d: honeyseed wall %.0f MB/s cpu %.0f MB/cpu-s | grep %s wall %.0f MB/s cpu %.0f MB/cpu-s", shape, n, hits, mb/w.Seconds(), mb/c.Seconds(), bytes.TrimSpace(out), mb/gw.Seconds(), mb/gc.Seconds())
		}
	}
}
