package canary_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/benchdump"
)

// benchSeed is benchdump's i-th seed, shared with the command's scan
// benchmark.
func benchSeed(i int) canary.Seed { return benchdump.Seed(i) }

var (
	bigOnce sync.Once
	bigReg  *canary.MemoryRegistry
	bigHeap float64 // bytes per seed
)

// bigRegistry registers 1M seeds once per test binary.
func bigRegistry(b testing.TB) *canary.MemoryRegistry {
	bigOnce.Do(func() {
		const n = 1_000_000
		// Measure from before the seeds exist: the registry keeps their strings.
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		seeds := make([]canary.Seed, n)
		for i := range seeds {
			seeds[i] = benchSeed(i)
		}
		reg := canary.NewMemoryRegistry()
		for lo := 0; lo < n; lo += 10_000 {
			if err := reg.Add(context.Background(), seeds[lo:lo+10_000]...); err != nil {
				panic(err)
			}
		}
		seeds = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		bigReg = reg
		bigHeap = float64(after.HeapAlloc-before.HeapAlloc) / n
	})
	return bigReg
}

// BenchmarkMatch1M matches single events against 1M registered seeds.
func BenchmarkMatch1M(b *testing.B) {
	reg := bigRegistry(b)
	m, err := canary.NewMatcher(reg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := benchSeed(777_777)
	p := benchSeed(123_456) // shares its number with three others
	for _, bc := range []struct {
		name string
		ev   canary.Event
		want int
	}{
		{"email", canary.Event{Channel: canary.ChannelEmail, To: s.Email}, 1},
		{"email-display-name-tag", canary.Event{Channel: canary.ChannelEmail, To: `"Ann Lee" <Ann.Lee777777+x@Mail.Example>`}, 1},
		{"sms-formatted", canary.Event{Channel: canary.ChannelSMS, To: "(" + p.Phone[2:5] + ") " + p.Phone[5:8] + "-" + p.Phone[8:], Body: "Hello " + p.Name.Given + ", call us back"}, 1},
		{"miss-email-same-domain", canary.Event{Channel: canary.ChannelEmail, To: "someone.else@mail.example"}, 0},
		{"miss-sms", canary.Event{Channel: canary.ChannelSMS, To: "+44 7700 900555", Body: "Your parcel is waiting"}, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				hits, err := m.Match(ctx, bc.ev)
				if err != nil || (len(hits) > 0) != (bc.want > 0) {
					b.Fatalf("hits %v, err %v", hits, err)
				}
			}
		})
	}
}

// BenchmarkRegistryMemory reports the heap held per registered seed at 1M seeds.
func BenchmarkRegistryMemory(b *testing.B) {
	bigRegistry(b)
	for b.Loop() {
	}
	b.ReportMetric(bigHeap, "B/seed")
}

func nanpFiction(lo, hi int) []string { return benchdump.NanpFiction(lo, hi) }

// realisticSeeds generates n seeds with the Generator itself, so the names,
// addresses, numbers and tickets have the variety real ones do.
func realisticSeeds(b testing.TB, n int, domains, pool []string, tickets string, seed byte) []canary.Seed {
	cfg := canary.DemoConfig()
	cfg.EmailDomains = domains
	cfg.PhonePool = pool
	cfg.TicketFormat, cfg.TicketMin, cfg.TicketMax = tickets, 0, 0
	cfg.Seed = [32]byte{seed}
	g, err := canary.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var out []canary.Seed
	for p := 0; len(out) < n; p++ {
		s, err := g.Generate(fmt.Sprintf("placement-%d", p), min(10_000, n-len(out)))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, s...)
	}
	return out
}

// scanDump writes a synthetic SQL dump of about size bytes: rows of strangers
// (generated like seeds, on other domains) with a seed row in every 200, the
// phone written as the host writes it.
func scanDump(w io.Writer, size int64, seeds, strangers []canary.Seed) (seedRows int) {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	var written int64
	for i := 0; written < size; i++ {
		s := strangers[i%len(strangers)]
		if i%200 == 0 {
			s = seeds[(i/200)%len(seeds)]
			seedRows++
		}
		phone := s.Phone
		if len(phone) == 12 {
			phone = "(" + phone[2:5] + ") " + phone[5:8] + "-" + phone[8:]
		}
		line := fmt.Sprintf("INSERT INTO customers VALUES (%d,'%s','%s','%s','%s','%s','%s',NULL);\n",
			i, s.Name, s.Email, phone, s.CreatedAt.Format("2006-01-02 15:04:05"), s.Ticket, s.Fields["city"])
		n, _ := bw.WriteString(line)
		written += int64(n)
	}
	return seedRows
}

// BenchmarkScan scans a 200 MiB dump against 100k seeds, and runs grep -F -f
// with the same seeds' addresses over the same file in the same run.
func BenchmarkScan(b *testing.B) {
	const size, nseeds = 200 << 20, 100_000
	dir := b.TempDir()
	path := filepath.Join(dir, "dump.sql")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	// Real customers hold none of the operator's numbers, tickets or domains.
	seeds := realisticSeeds(b, nseeds, []string{"mail.example", "inbox.example", "post.example.net", "webmail.example.org"},
		nanpFiction(201, 599), "TM-########", 1)
	strangers := realisticSeeds(b, 20_000, []string{"customer.example", "isp.example.net", "home.example.org"},
		nanpFiction(600, 999), "SR-#######", 2)
	want := scanDump(f, size, seeds, strangers)
	f.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	reg := canary.NewMemoryRegistry()
	var patterns bytes.Buffer
	for _, s := range seeds {
		patterns.WriteString(s.Email + "\n")
	}
	if err := reg.Add(context.Background(), seeds...); err != nil {
		b.Fatal(err)
	}
	m, err := canary.NewMatcher(reg)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("honeyseed", func(b *testing.B) {
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
			if hits < 3*want { // email, phone and ticket of every seed row
				b.Fatalf("%d hits, want at least %d", hits, 3*want)
			}
		}
	})
	b.Run("grep-F", func(b *testing.B) {
		pf := filepath.Join(dir, "patterns.txt")
		if err := os.WriteFile(pf, patterns.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		benchdump.GrepLoop(b, pf, path, want)
	})
}

// BenchmarkNormalizePhoneParse is libphonenumber's parse of a formatted
// number, what the matcher's fast path avoids; compare with BenchmarkMatch1M.
func BenchmarkNormalizePhoneParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		n, err := phonenumbers.Parse("(415) 555-0132", "US")
		if err != nil {
			b.Fatal(err)
		}
		_ = phonenumbers.Format(n, phonenumbers.E164)
	}
}
