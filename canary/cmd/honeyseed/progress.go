package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress keeps one status line on a terminal up to date while a long
// command works: how much is done of how much, the rate and the time left.
// On anything but a terminal it prints nothing, so logs and pipes only ever
// see the commands' own output.
type progress struct {
	w     io.Writer
	label string
	unit  string // "bytes" (shown in binary units), a noun counted as is, or "": time only
	total int64  // 0: unknown, no percentage or ETA
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex // held while the line is drawn, or cleared for other output
	clock func() time.Time
}

// progressInterval is how often the line is redrawn.
const progressInterval = 250 * time.Millisecond

// startProgress starts a status line on w if w is a terminal, and returns
// nil otherwise; every method of a nil *progress does nothing.
func startProgress(w io.Writer, label, unit string, total int64) *progress {
	if !isTerminal(w) {
		return nil
	}
	p := &progress{w: w, label: label, unit: unit, total: total, start: time.Now(), stop: make(chan struct{}), clock: time.Now}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				fmt.Fprint(p.w, "\r"+p.line()+"\x1b[K")
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// add counts n more done.
func (p *progress) add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

// set records that n are done in all, for work that reports its count
// whole rather than in steps.
func (p *progress) set(n int64) {
	if p != nil {
		p.done.Store(n)
	}
}

// above runs print, which writes output of its own (to the same terminal,
// perhaps), on a cleared line; the next redraw puts the status back below.
func (p *progress) above(print func() error) error {
	if p == nil {
		return print()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K")
	return print()
}

// finish stops the redraws and clears the line, so what is printed next
// starts on a clean one.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	fmt.Fprint(p.w, "\r\x1b[K")
}

// line is the status: "scanning dump.sql: 512.0 MiB of 1.2 GiB (41%),
// 830.1 MiB/s, 1s left".
func (p *progress) line() string {
	done, elapsed := p.done.Load(), p.clock().Sub(p.start)
	if p.unit == "" { // a step that counts nothing: how long it has run
		return p.label + ": " + elapsed.Round(time.Second).String()
	}
	s := p.label + ": " + p.amount(done)
	if p.total > 0 {
		s += " of " + p.amount(p.total) + fmt.Sprintf(" (%d%%)", min(100, done*100/p.total))
	}
	if elapsed <= 0 || done == 0 {
		return s
	}
	rate := float64(done) / elapsed.Seconds()
	s += ", " + p.amount(int64(rate)) + "/s"
	if p.total > done {
		left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		s += ", " + left.Round(time.Second).String() + " left"
	}
	return s
}

func (p *progress) amount(n int64) string {
	if p.unit != "bytes" {
		return fmt.Sprintf("%d %s", n, p.unit)
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// isTerminal reports whether w is a character device (a terminal), with the
// standard library alone: what matters is only whether a person watches.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
