package inbound

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// BenchmarkSMTPPeakRSS measures the peak resident memory (VmHWM) of a
// receiver process, this test binary run as a child, while 50 clients each
// send it a 10 MiB message at once: with the default in-flight budget, and
// as the reference in the same run with a budget too large to matter (the
// receiver as it was before the budget). Each iteration starts fresh
// children. Run it with
//
//	go test -run '^$' -bench SMTPPeakRSS -benchtime 1x ./canary/inbound/
func BenchmarkSMTPPeakRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc/<pid>/status (Linux)")
	}
	const clients, size = 50, 10<<20 - 4<<10 // under the default 10 MiB limit
	for b.Loop() {
		for _, run := range []struct {
			name   string
			budget int64
		}{
			{"default budget", 0},
			{"no budget (reference)", 4 << 30},
		} {
			hwm, idle, elapsed := measureRSS(b, run.budget, clients, size)
			b.Logf("%s: peak RSS %d MiB (idle %d MiB) for %d concurrent %d-byte messages in %v",
				run.name, hwm>>10, idle>>10, clients, size, elapsed.Round(time.Millisecond))
			if run.budget == 0 {
				b.ReportMetric(float64(hwm>>10), "peak-MiB")
			} else {
				b.ReportMetric(float64(hwm>>10), "ref-peak-MiB")
			}
		}
	}
}

// TestSMTPMemoryIsBounded is the memory bound as a test: 20 concurrent
// 10 MiB messages to a receiver process with a 32 MiB budget stay well under
// what the messages alone would take in memory (200 MiB).
func TestSMTPMemoryIsBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("sends 200 MiB to a child process; not under -short or -race")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/<pid>/status (Linux)")
	}
	hwm, _, _ := measureRSS(t, 32<<20, 20, 10<<20-4<<10)
	t.Logf("peak RSS %d MiB", hwm>>10)
	assert.Less(t, hwm>>10, int64(200), "peak RSS in MiB, under what the messages alone take")
}

// measureRSS starts a receiver child with the given budget (0: default),
// sends it n concurrent messages of size bytes, and returns its peak and its
// idle resident memory in KiB, and how long the sending took.
func measureRSS(t testing.TB, budget int64, n, size int) (hwm, idle int64, elapsed time.Duration) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSMTPRSSChild$")
	cmd.Env = append(os.Environ(), "HONEYSEED_RSS_CHILD="+dir, "HONEYSEED_RSS_BUDGET="+strconv.FormatInt(budget, 10))
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var addr string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "addr"))
		if err == nil && strings.HasSuffix(string(b), "\n") {
			addr = strings.TrimSpace(string(b))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NotEmpty(t, addr, "the child did not start")
	idle = procStatusKB(t, cmd.Process.Pid, "VmRSS")

	head := "From: x@scam.example\r\nSubject: big\r\n\r\n"
	line := "call +1 202 555 0100 about ticket TM-10424187, call now, call now\r\n"
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			c, err := smtp.Dial(addr)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			if err := c.Mail("x@scam.example"); !assert.NoError(t, err) {
				return
			}
			if err := c.Rcpt(canarytest.Seed(i%4, "crm/eu").Email); !assert.NoError(t, err) {
				return
			}
			w, err := c.Data()
			if !assert.NoError(t, err) {
				return
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			io.WriteString(bw, head)
			io.Copy(bw, &repeat{line: line, n: int64(size - len(head))})
			bw.Flush()
			if assert.NoError(t, w.Close()) {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	assert.EqualValues(t, n, ok.Load(), "every message is accepted")
	return procStatusKB(t, cmd.Process.Pid, "VmHWM"), idle, elapsed
}

// procStatusKB reads a "Name: N kB" line of /proc/<pid>/status.
func procStatusKB(t testing.TB, pid int, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}

// countHandler counts events and drops them, as a store that keeps nothing
// of the body would.
type countHandler struct{ n atomic.Int64 }

func (h *countHandler) HandleEvent(context.Context, canary.Event) error {
	h.n.Add(1)
	return nil
}

// TestSMTPRSSChild is the receiver process of measureRSS. It does nothing
// unless a parent starts it.
func TestSMTPRSSChild(t *testing.T) {
	dir := os.Getenv("HONEYSEED_RSS_CHILD")
	if dir == "" {
		t.Skip("run by measureRSS")
	}
	budget, err := strconv.ParseInt(os.Getenv("HONEYSEED_RSS_BUDGET"), 10, 64)
	require.NoError(t, err)
	reg, _ := seeds(t, 4)
	srv, err := NewSMTPServer(SMTPConfig{Addr: "127.0.0.1:0", Domain: "mx.mail.example", Registry: reg, Handler: &countHandler{},
		MaxInFlightBytes: budget, MaxConnectionsPerIP: -1, HandleTimeout: 5 * time.Minute, SpoolDir: dir})
	require.NoError(t, err)
	go srv.ListenAndServe()
	defer srv.Close()
	for srv.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "addr"), []byte(srv.Addr().String()+"\n"), 0o600))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
