package canary_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"

	"github.com/honeyseed/honeyseed/canary"
)

// benchSeed makes the i-th synthetic seed quickly: unique address and ticket,
// and for the first 159,600 seeds a number from NANP's fiction range
// (555-0100..0199 in the 399 even area codes from 202), four seeds to a number
// as a generator's pool would share them; later seeds have no number. Dumps
// give strangers the odd area codes.
func benchSeed(i int) canary.Seed {
	s := canary.Seed{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "bench-%d", i)),
		Placement: benchPlacements[i%len(benchPlacements)],
		Name:      canary.Name{Given: benchGiven[i%len(benchGiven)], Family: fmt.Sprintf("Lee%d", i)},
		Email:     fmt.Sprintf("ann.lee%d@mail.example", i),
		Ticket:    fmt.Sprintf("TM-%08d", 10_000_000+i),
	}
	if n := i % 39_900; i < 4*39_900 {
		s.Phone = fmt.Sprintf("+1%03d55501%02d", 202+2*(n/100), n%100)
	}
	return s
}

var (
	benchPlacements = []string{"support-db/eu", "support-db/us", "export/2026-10", "export/2026-11"}
	benchGiven      = []string{"Ann", "Brian", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hugo"}
)

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

// nanpFiction lists the NANP numbers reserved for fiction, 555-0100..0199, in
// the area codes from lo to hi.
func nanpFiction(lo, hi int) []string {
	out := make([]string, 0, 100*(hi-lo+1))
	for npa := lo; npa <= hi; npa++ {
		for line := 100; line < 200; line++ {
			out = append(out, fmt.Sprintf("+1%03d555%04d", npa, line))
		}
	}
	return out
}

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
		grep, err := exec.LookPath("grep")
		if err != nil {
			b.Skip("no grep")
		}
		pf := filepath.Join(dir, "patterns.txt")
		if err := os.WriteFile(pf, patterns.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		grepLoop(b, grep, pf, path, want)
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

// grepLoop runs grep -c -F -f patterns over path for each benchmark
// iteration: the reference scans are measured against. It fails when grep
// counts fewer than want matching lines.
func grepLoop(b *testing.B, grep, patterns, path string, want int) {
	for b.Loop() {
		out, err := exec.Command(grep, "-c", "-F", "-f", patterns, path).Output()
		if err != nil {
			b.Fatal(err)
		}
		var n int
		fmt.Sscan(string(out), &n)
		if n < want {
			b.Fatalf("grep found %d lines, want %d", n, want)
		}
	}
}
