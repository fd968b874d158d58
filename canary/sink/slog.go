package sink

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// SlogOptions configures a Slog sink. The zero value is ready to use.
type SlogOptions struct {
	// Level of the records; nil means slog.LevelWarn. A handler that is not
	// enabled at this level drops alerts, and Send reports success.
	Level slog.Leveler
	// Labels are added to every document as ECS labels, e.g. {"env": "prod"}.
	Labels map[string]string
	// RecentIDs is how many sent alert IDs are remembered, so that a repeated
	// Send logs once; 0 means 4096, negative turns deduplication off.
	RecentIDs int
}

// Slog logs each alert as one record: the message is the one-line summary and
// the attributes are the ECS document as nested groups ("event" > "kind").
// With a slog.JSONHandler each line is an ECS document plus slog's own "time",
// "level" and "msg".
type Slog struct {
	h      slog.Handler
	level  slog.Leveler
	labels map[string]string
	dedup  *dedup
}

var _ canary.Sink = (*Slog)(nil)

// NewSlog returns a sink that logs to l, or to slog.Default() when l is nil.
func NewSlog(l *slog.Logger, opts SlogOptions) *Slog {
	if l == nil {
		l = slog.Default()
	}
	s := &Slog{h: l.Handler(), level: opts.Level, labels: opts.Labels, dedup: newDedup("slog", opts.RecentIDs)}
	if s.level == nil {
		s.level = slog.LevelWarn
	}
	return s
}

// Send implements canary.Sink. It calls the logger's handler directly, so that
// a handler's error (a full disk) comes back to be retried; slog.Logger would
// drop it.
func (s *Slog) Send(ctx context.Context, a canary.Alert) error {
	return s.dedup.send(ctx, MessageID(a), func() error {
		level := s.level.Level()
		if !s.h.Enabled(ctx, level) {
			return nil
		}
		doc := NewDocument(a, s.labels)
		r := slog.NewRecord(time.Now(), level, doc.doc.Message, 0)
		r.AddAttrs(doc.attrs()...)
		if err := s.h.Handle(ctx, r); err != nil {
			return fmt.Errorf("sink: slog: %w", err)
		}
		return nil
	})
}
