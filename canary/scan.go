package canary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
)

// Scan reads r to its end and calls fn for every seed value in it: addresses,
// phone numbers and ticket references in any formatting, as Match finds them in
// a body. It is made for leaked dumps and exports of any size: memory stays
// bounded (a few MiB per core), values split across read boundaries are found,
// and chunks are searched on every core while fn is called from one goroutine,
// in stream order, with Hit.Line and Hit.Offset set (and Evidence "line L byte B").
//
// Every occurrence is reported: a seed that appears twice gives two hits. A
// phone number shared by seeds resolves by the names on its own line alone.
// Scan stops at the first error from r, fn or ctx and returns it.
func (m *Matcher) Scan(ctx context.Context, r io.Reader, fn func(Hit) error) error {
	if r == nil || fn == nil {
		return fmt.Errorf("%w: Scan needs a reader and a callback", ErrInvalidInput)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *scanJob, workers)
	done := make(chan *scanJob, workers)
	var readErr error
	go func() {
		defer close(jobs)
		readErr = m.readChunks(ctx, r, jobs, workers)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				m.scanJob(ctx, j)
				select {
				case done <- j:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Emit in stream order: hold finished jobs until their turn.
	pending := map[int]*scanJob{}
	next, line := 0, 1
	var err error
	for j := range done {
		if err != nil {
			continue // drain
		}
		pending[j.seq] = j
		for j, ok := pending[next]; ok; j, ok = pending[next] {
			delete(pending, next)
			next++
			if j.err != nil {
				err = j.err
				cancel()
				break
			}
			for i, h := range j.hits {
				h.Line, h.Offset = line+j.lineOf[i], j.offset+int64(j.posOf[i])
				h.Evidence = fmt.Sprintf("line %d byte %d", h.Line, h.Offset)
				if err = fn(h); err != nil {
					cancel()
					break
				}
			}
			line += j.lines
			j.release()
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}

// Scan chunking: each job holds its core bytes plus enough context on each side
// for any candidate that starts in the core to be read whole. A core of 256
// KiB stays in a core's cache from the read to the last pass over it: 1 MiB
// cost a tenth more CPU a byte on the benchmarks' dumps.
const (
	scanCore    = 1 << 18
	scanContext = 1024 // > longest candidate: a %-encoded address, a run of groups
)

type scanJob struct {
	seq    int
	offset int64  // stream offset of the core's first byte
	buf    []byte // context before, core, context after
	lo, hi int    // the core within buf
	lines  int    // newlines in the core

	hits   []Hit
	posOf  []int // core-relative position of each hit
	lineOf []int // newlines before each hit within the core
	err    error
}

var scanBufs = sync.Pool{New: func() any { b := make([]byte, 0, scanCore+2*scanContext); return &b }}

func (j *scanJob) release() {
	b := j.buf[:0]
	scanBufs.Put(&b)
	j.buf = nil
}

// readChunks cuts r into jobs. Each core is read into its job's buffer in
// place, after the last scanContext bytes of the core before it; a job is sent
// once the next core is read, with that core's first bytes copied after its
// own, so its right context is complete. Only the contexts are copied.
func (m *Matcher) readChunks(ctx context.Context, r io.Reader, jobs chan<- *scanJob, workers int) error {
	buf := scanBufs.Get().(*[]byte)
	lo := 0 // where the core starts in *buf
	n, err := io.ReadFull(r, (*buf)[:scanCore])
	var offset int64
	for seq := 0; n > 0; seq++ {
		core := (*buf)[lo : lo+n]
		tail := core[len(core)-min(len(core), scanContext):]
		var next *[]byte
		var m2 int
		if err == nil {
			next = scanBufs.Get().(*[]byte)
			*next = append((*next)[:0], tail...)
			m2, err = io.ReadFull(r, (*next)[len(tail):len(tail)+scanCore])
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			err = nil
			if m2 == 0 {
				err = io.EOF
			}
		}
		var right []byte
		if next != nil {
			right = (*next)[len(tail) : len(tail)+min(m2, scanContext)]
		}
		j := &scanJob{seq: seq, offset: offset, buf: append((*buf)[:lo+n], right...), lo: lo, hi: lo + n}
		select {
		case jobs <- j:
		case <-ctx.Done():
			if next != nil {
				scanBufs.Put(next)
			}
			return nil
		}
		offset += int64(n)
		if next == nil {
			break
		}
		if m2 == 0 {
			scanBufs.Put(next)
			break
		}
		buf, lo, n = next, len(tail), m2
		if err != nil && err != io.EOF {
			return fmt.Errorf("canary: scan: reading: %w", err)
		}
	}
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("canary: scan: reading: %w", err)
	}
	return nil
}

func (m *Matcher) scanJob(ctx context.Context, j *scanJob) {
	f := m.scratch.Get().(*finder)
	defer m.putFinder(f)
	f.reset(ctx)
	f.label, f.offset, f.base, f.view = "", false, 0, false
	f.fnd.FindAll(j.buf, j.lo, j.hi)
	if f.err != nil {
		j.err = f.err
		return
	}
	core := j.buf[j.lo:j.hi]
	j.lines = bytes.Count(core, []byte{'\n'})
	// Hits in stream order; newlines counted once across the chunk.
	order := make([]int, len(f.hits))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return f.pos[a] - f.pos[b] })
	j.hits = make([]Hit, 0, len(f.hits))
	line, counted := 0, j.lo
	for _, k := range order {
		h, pos := f.hits[k], f.pos[k]
		if h.Confidence == Ambiguous && h.Field == FieldPhone {
			resolveByLine(&h, j.buf, pos)
		}
		if at := max(j.lo, pos); at > counted {
			line += bytes.Count(j.buf[counted:at], []byte{'\n'})
			counted = at
		}
		j.hits = append(j.hits, h)
		j.posOf = append(j.posOf, pos-j.lo)
		j.lineOf = append(j.lineOf, line)
	}
}

// resolveByLine resolves a shared number by the names on its line.
func resolveByLine(h *Hit, buf []byte, pos int) {
	start := max(0, pos-scanContext)
	if i := bytes.LastIndexByte(buf[start:pos], '\n'); i >= 0 {
		start += i + 1
	}
	end := min(len(buf), pos+scanContext)
	if i := bytes.IndexByte(buf[pos:end], '\n'); i >= 0 {
		end = pos + i
	}
	resolveShared(h, newNameContext(string(buf[start:end])))
}
