package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// JSONLinesOptions configures a JSONLines sink. The zero value is ready to use.
type JSONLinesOptions struct {
	// Labels are added to every document as ECS labels, e.g. {"env": "prod"}.
	Labels map[string]string
	// RecentIDs is how many sent alert IDs are remembered, so that a repeated
	// Send writes once; 0 means 4096, negative turns deduplication off.
	RecentIDs int
	// NoSync skips the fsync after each line of a file opened by OpenJSONLines.
	// By default a line is on disk before Send returns, so a crash of the
	// machine cannot lose an alert the outbox was told is delivered.
	NoSync bool
}

// tailScan bounds how much of an existing file OpenJSONLines reads back to
// learn which alerts it already holds.
const tailScan = 1 << 20

// JSONLines writes each alert as one ECS JSON document per line ("NDJSON"), the
// format Filebeat, Elastic Agent, Vector and Fluent Bit ingest as is. Writes
// are serialized and each line goes out in a single Write, so that lines from
// concurrent Sends never interleave.
type JSONLines struct {
	labels map[string]string
	dedup  *dedup

	mu     sync.Mutex
	w      io.Writer
	file   *os.File // when opened by OpenJSONLines: synced and closed here
	sync   bool
	torn   bool // a write failed midway: start the next line on a new line
	closed bool
}

var _ canary.Sink = (*JSONLines)(nil)

// NewJSONLines returns a sink that writes to w. The caller keeps w: Close does
// not close it.
func NewJSONLines(w io.Writer, opts JSONLinesOptions) *JSONLines {
	return &JSONLines{w: w, labels: opts.Labels, dedup: newDedup("json lines", opts.RecentIDs)}
}

// OpenJSONLines opens (or creates, mode 0600) the file at path for appending
// and returns a sink that writes to it. It reads back the end of an existing
// file, so that an alert already written there before a restart is not written
// again, and starts on a fresh line if the last one was cut short by a crash.
func OpenJSONLines(path string, opts JSONLinesOptions) (*JSONLines, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sink: json lines: %w", err)
	}
	j := NewJSONLines(f, opts)
	j.file, j.sync = f, !opts.NoSync
	ids, complete, err := tailIDs(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, id := range ids {
		j.dedup.add(id)
	}
	j.torn = !complete
	return j, nil
}

// tailIDs returns the event.id of each whole line in the last tailScan bytes
// of the file at path, and whether the file ends with a newline.
func tailIDs(path string) (ids []uuid.UUID, complete bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("sink: json lines: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("sink: json lines: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return nil, true, nil
	}
	start := max(size-tailScan, 0)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil {
		return nil, false, fmt.Errorf("sink: json lines: reading %s: %w", path, err)
	}
	complete = buf[len(buf)-1] == '\n'
	lines := bytes.Split(buf, []byte("\n"))
	if start > 0 {
		lines = lines[1:] // the first is a part of a line
	}
	if !complete {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		var doc struct {
			Event struct {
				ID uuid.UUID `json:"id"`
			} `json:"event"`
			Honeyseed struct {
				Revision int `json:"revision"`
			} `json:"honeyseed"`
		}
		if json.Unmarshal(line, &doc) == nil && doc.Event.ID != uuid.Nil {
			ids = append(ids, messageID(doc.Event.ID, doc.Honeyseed.Revision))
		}
	}
	return ids, complete, nil
}

// Send implements canary.Sink.
func (j *JSONLines) Send(ctx context.Context, a canary.Alert) error {
	return j.dedup.send(ctx, MessageID(a), func() error {
		line, err := NewDocument(a, j.labels).MarshalJSON()
		if err != nil {
			return err
		}
		return j.writeLine(append(line, '\n'))
	})
}

func (j *JSONLines) writeLine(line []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("sink: json lines: %w", canary.ErrClosed)
	}
	if j.torn {
		line = append([]byte("\n"), line...)
	}
	n, err := j.w.Write(line)
	if err != nil {
		j.torn = j.torn || n > 0
		return fmt.Errorf("sink: json lines: %w", err)
	}
	j.torn = false
	if j.sync {
		if err := j.file.Sync(); err != nil {
			return fmt.Errorf("sink: json lines: %w", err)
		}
	}
	return nil
}

// Close closes the file if OpenJSONLines opened it; a writer given to
// NewJSONLines stays open. Send after Close returns an error wrapping
// canary.ErrClosed. Close is idempotent.
func (j *JSONLines) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	if j.file != nil {
		if err := j.file.Close(); err != nil {
			return fmt.Errorf("sink: json lines: %w", err)
		}
	}
	return nil
}
