package inbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sync/semaphore"
)

// spoolChunk is the unit in which a message is read, and in which its memory
// is taken from the in-flight budget.
const spoolChunk = 64 << 10

// inbox is one message as it arrives: in memory while the in-flight budget
// allows, in a temporary file past it. Its close frees both.
type inbox struct {
	budget *semaphore.Weighted
	limit  int64 // the budget's size
	dir    string

	chunks [][]byte // in memory, each holding budget
	held   int64    // budget held
	file   *os.File // the spool, once the budget ran out
	size   int64

	bareLF   bool  // the data ended with a bare-LF dot line
	spoolErr error // the spool could not be written: the rest is dropped
}

// add stores b, in memory if the budget has room for it, else in the spool.
func (in *inbox) add(b []byte) {
	if len(b) == 0 || in.spoolErr != nil {
		return
	}
	in.size += int64(len(b))
	if in.file == nil && in.budget.TryAcquire(int64(len(b))) {
		in.chunks = append(in.chunks, append([]byte(nil), b...))
		in.held += int64(len(b))
		return
	}
	if in.file == nil {
		// Move what is in memory to the spool, so that a message waiting for
		// budget holds none: waiters never hold part of what others wait for.
		f, err := os.CreateTemp(in.dir, "honeyseed-smtp-*")
		if err != nil {
			in.spoolErr = err
			return
		}
		in.file = f
		for _, c := range in.chunks {
			if _, err := f.Write(c); err != nil {
				in.spoolErr = err
				return
			}
		}
		in.chunks = nil
		in.budget.Release(in.held)
		in.held = 0
	}
	if _, err := in.file.Write(b); err != nil {
		in.spoolErr = err
	}
}

// bytes returns the whole message in memory. A spooled message first waits
// for its size in budget, until ctx ends.
func (in *inbox) bytes(ctx context.Context) ([]byte, error) {
	if in.file == nil {
		buf := make([]byte, 0, in.size)
		for _, c := range in.chunks {
			buf = append(buf, c...)
		}
		in.chunks = nil
		return buf, nil
	}
	// A message larger than the whole budget (MaxInFlightBytes is kept at
	// least MaxMessageBytes, so only a misuse) waits for all of it.
	need := min(in.size, in.limit)
	if err := in.budget.Acquire(ctx, need); err != nil {
		return nil, err
	}
	in.held = need
	buf := make([]byte, in.size)
	if _, err := in.file.ReadAt(buf, 0); err != nil {
		return nil, fmt.Errorf("reading the spool: %w", err)
	}
	return buf, nil
}

func (in *inbox) close() {
	in.chunks = nil
	if in.held > 0 {
		in.budget.Release(in.held)
		in.held = 0
	}
	if in.file != nil {
		in.file.Close()
		os.Remove(in.file.Name())
		in.file = nil
	}
}

// dataDeadlines is how long DATA may take in all and between two pieces.
type dataDeadlines struct {
	set        func(time.Time) error
	total, gap time.Duration
}

// readData reads the data of DATA from r into in, byte by byte, so that it
// sees where a client ends its data with a dot line in bare LFs ("\n.\n" or
// "\n.\r\n"), which go-smtp does not take for the end: a client that does
// waits for a reply that would come only at the time-out. Such an end is
// taken for the end, and in.bareLF set; the stream after it is not trusted.
// The read deadline is moved forward as data arrives, within dl.
func readData(r io.Reader, in *inbox, dl dataDeadlines) error {
	start := time.Now()
	end := start.Add(dl.total)
	buf := make([]byte, 0, spoolChunk)
	var one [1]byte
	var tail uint32 // the last four bytes read
	defer func() { in.add(buf) }()
	for {
		if len(buf)%4096 == 0 {
			next := time.Now().Add(dl.gap)
			if next.After(end) {
				next = end
			}
			dl.set(next)
		}
		n, err := r.Read(one[:])
		if n == 1 {
			buf = append(buf, one[0])
			tail = tail<<8 | uint32(one[0])
			if tail&0xffffff == '\n'<<16|'.'<<8|'\n' {
				buf = buf[:len(buf)-2] // keep the line break, drop the dot line
				in.bareLF = true
				return nil
			}
			if tail == '\n'<<24|'.'<<16|'\r'<<8|'\n' {
				buf = buf[:len(buf)-3]
				in.bareLF = true
				return nil
			}
			if len(buf) == cap(buf) {
				in.add(buf)
				buf = buf[:0]
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// readChunked reads the data of BDAT, which has no end marker and whose
// chunks go-smtp times itself.
func readChunked(r io.Reader, in *inbox) error {
	buf := make([]byte, spoolChunk)
	for {
		n, err := io.ReadFull(r, buf)
		in.add(buf[:n])
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return err
		}
	}
}
