package watch_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// discardOutbox records nothing: the benchmarks measure the watcher's path
// up to the final alert write.
type discardOutbox struct{ *watch.MemoryOutbox }

func (discardOutbox) Record(ctx context.Context, a canary.Alert, sinks []string) (canary.Alert, bool, error) {
	return a, true, nil
}

// benchSeed is the i-th of a million synthetic seeds: unique address and
// ticket; the first 159,600 share NANP fiction numbers four to a number.
// Like the Generator's (DemoConfig), each has a city and a company, and
// times: a hit copies no more than a real one does.
func benchSeed(i int) canary.Seed {
	planted := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	s := canary.Seed{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "watch-bench-%d", i)),
		Placement: "support-db/eu",
		Name:      canary.Name{Given: []string{"Ann", "Brian", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hugo"}[i%8], Family: fmt.Sprintf("Lee%d", i)},
		Email:     fmt.Sprintf("ann.lee%d@mail.example", i),
		Ticket:    fmt.Sprintf("TM-%08d", 10_000_000+i),
		Fields:    map[string]string{"city": "Springfield", "company": fmt.Sprintf("Lee%d Holdings", i)},
		CreatedAt: planted.AddDate(-1, 0, 0),
		PlantedAt: planted,
	}
	if n := i % 39_900; i < 4*39_900 {
		s.Phone = fmt.Sprintf("+1%03d55501%02d", 202+2*(n/100), n%100)
	}
	return s
}

// cpuTime is the process's user and system time so far: on a shared
// machine, CPU time per operation says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWatcher1M takes events through Watcher.HandleEvent against 1M
// registered seeds, without the final alert write: an email, a formatted
// SMS to a number four seeds share (the names in its body must choose
// among them), one to a number a seed holds alone, and an SMS that misses.
// The Matcher alone (Match, and MatchFunc as the watcher calls it) on the
// same events and libphonenumber's parse of the same number run in the
// same run as references:
//
//	go test -run X -bench BenchmarkWatcher1M ./canary/watch/
//
// cpu-ns/op is the process's CPU time per event.
func BenchmarkWatcher1M(b *testing.B) {
	const n = 1_000_000
	reg := canary.NewMemoryRegistry()
	batch := make([]canary.Seed, 0, 10_000)
	for i := range n {
		batch = append(batch, benchSeed(i))
		if len(batch) == cap(batch) {
			if err := reg.Add(context.Background(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// One more seed holds a number of its own: the common hit, with no
	// other candidate to resolve by name.
	u := benchSeed(n)
	u.Phone = "+13035550142" // odd area codes are free of the others' numbers
	if err := reg.Add(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	m, err := canary.NewMatcher(reg)
	if err != nil {
		b.Fatal(err)
	}
	w, err := watch.New(watch.Config{Matcher: m, Outbox: discardOutbox{watch.NewMemoryOutbox()}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	s, p := benchSeed(777_777), benchSeed(123_456) // p shares its number with three others
	formatted := "(" + p.Phone[2:5] + ") " + p.Phone[5:8] + "-" + p.Phone[8:]
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name string
		ev   canary.Event
	}{
		{"email", canary.Event{Channel: canary.ChannelEmail, From: "help@refund-desk.example", To: s.Email, Subject: "Your refund", At: at,
			Source: "smtp", ID: "<20261201100000.4242@refund-desk.example>"}},
		{"sms-formatted", canary.Event{Channel: canary.ChannelSMS, From: "+447700900001", To: formatted, Body: "Hello " + p.Name.Given + ", call us back", At: at,
			Source: "twilio", ID: "SM0123456789abcdef0123456789abcdef"}},
		{"sms-formatted-unique", canary.Event{Channel: canary.ChannelSMS, From: "+447700900001", To: "(303) 555-0142", Body: "Hello " + u.Name.Given + ", call us back", At: at,
			Source: "twilio", ID: "SM0123456789abcdef0123456789abcdee"}},
		{"miss-sms", canary.Event{Channel: canary.ChannelSMS, From: "+447700900001", To: "+44 7700 900555", Body: "Your parcel is waiting", At: at}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				if err := w.HandleEvent(context.Background(), bc.ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
		// The Matcher alone on the same event: what the watcher adds is the
		// difference.
		b.Run(bc.name+"/match-only", func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				if _, err := m.Match(context.Background(), bc.ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
		// The Matcher without Match's copies, as the watcher calls it: the
		// watcher's own part of a hit is the difference.
		b.Run(bc.name+"/matchfunc-only", func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				if err := m.MatchFunc(context.Background(), bc.ev, func([]canary.Hit) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
	b.Run("reference-libphonenumber-parse", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			num, err := phonenumbers.Parse(formatted, "US")
			if err != nil {
				b.Fatal(err)
			}
			_ = phonenumbers.Format(num, phonenumbers.E164)
		}
		b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
}
