// Package benchdump makes the fixtures the scan benchmarks share, so that the
// library's benchmark (canary) and the command's (cmd/honeyseed) scan the
// same seeds in the same dumps and compare with grep the same way.
package benchdump

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// Seed makes the i-th synthetic seed quickly: unique address and ticket,
// and for the first 159,600 seeds a number from NANP's fiction range
// (555-0100..0199 in the 399 even area codes from 202), four seeds to a number
// as a generator's pool would share them; later seeds have no number. Dumps
// give strangers the odd area codes.
func Seed(i int) canary.Seed {
	s := canary.Seed{
		ID:        uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "bench-%d", i)),
		Placement: placements[i%len(placements)],
		Name:      canary.Name{Given: given[i%len(given)], Family: fmt.Sprintf("Lee%d", i)},
		Email:     fmt.Sprintf("ann.lee%d@mail.example", i),
		Ticket:    fmt.Sprintf("TM-%08d", 10_000_000+i),
	}
	if n := i % 39_900; i < 4*39_900 {
		s.Phone = fmt.Sprintf("+1%03d55501%02d", 202+2*(n/100), n%100)
	}
	return s
}

var (
	placements = []string{"support-db/eu", "support-db/us", "export/2026-10", "export/2026-11"}
	given      = []string{"Ann", "Brian", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hugo"}
)

// NanpFiction returns the fiction numbers 555-0100..0199 of the area codes
// lo..hi.
func NanpFiction(lo, hi int) []string {
	out := make([]string, 0, 100*(hi-lo+1))
	for npa := lo; npa <= hi; npa++ {
		for line := 100; line < 200; line++ {
			out = append(out, fmt.Sprintf("+1%03d555%04d", npa, line))
		}
	}
	return out
}

var (
	strangersOnce sync.Once
	strangers     []canary.Seed
	strangersErr  error
)

// Strangers returns 20,000 of the host's own customers, generated like seeds
// but on other domains, the odd area codes' fiction numbers and tickets in the
// seeds' format from another range, as real customers would be.
func Strangers(tb testing.TB) []canary.Seed {
	strangersOnce.Do(func() {
		var pool []string
		for npa := 201; npa <= 999; npa += 2 {
			pool = append(pool, NanpFiction(npa, npa)...)
		}
		cfg := canary.DemoConfig()
		cfg.EmailDomains = []string{"customer.example", "isp.example.net", "home.example.org"}
		cfg.PhonePool = pool
		cfg.TicketMin, cfg.TicketMax = 20_000_000, 99_999_999
		cfg.Seed = [32]byte{2}
		g, err := canary.NewGenerator(cfg)
		if err != nil {
			strangersErr = err
			return
		}
		strangers, strangersErr = g.Generate("host", 20_000)
	})
	if strangersErr != nil {
		tb.Fatal(strangersErr)
	}
	return strangers
}

// Write writes a dump of shape "sql" (INSERTs full of ids, dates and amounts)
// or "csv" (an export with a header) of about size bytes, with the row of
// seeds[k] in place of every 200th stranger's. It returns the seed rows
// written.
func Write(w io.Writer, shape string, size int64, seeds, strangers []canary.Seed) (seedRows int, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	if shape == "csv" {
		bw.WriteString("id,first_name,last_name,email,phone,created_at,ticket,city,company,balance\n")
	}
	var written int64
	for i := 0; written < size; i++ {
		s := strangers[i%len(strangers)]
		if i%200 == 100 {
			s = seeds[(i/200)%len(seeds)]
			seedRows++
		}
		phone := s.Phone
		if len(phone) == 12 {
			switch i % 3 {
			case 0:
				phone = "(" + phone[2:5] + ") " + phone[5:8] + "-" + phone[8:]
			case 1:
				phone = phone[2:5] + "-" + phone[5:8] + "-" + phone[8:]
			}
		}
		created := s.CreatedAt.Format("2006-01-02 15:04:05")
		var line string
		if shape == "csv" {
			line = fmt.Sprintf("%d,%s,%s,%s,%s,%s,%s,%s,\"%s\",%d.%02d\n", 100000+i, s.Name.Given, s.Name.Family, s.Email, phone,
				created, s.Ticket, s.Fields["city"], s.Fields["company"], i%9973, i%100)
		} else {
			line = fmt.Sprintf("INSERT INTO `customers` VALUES (%d,'%s','%s','%s','%s','%s','%s','%s',%d,'%s',%d,NULL,'%s');\n",
				100000+i, s.Name.Given, strings.ReplaceAll(s.Name.Family, "'", "''"), s.Email, phone, created, s.Ticket,
				s.Fields["city"], i%9973, s.CreatedAt.AddDate(0, 1, 3).Format("2006-01-02 15:04:05"), i%7, s.PlantedAt.Format("2006-01-02"))
		}
		n, _ := bw.WriteString(line)
		written += int64(n)
	}
	return seedRows, bw.Flush()
}

// GrepLoop runs grep -c -F -f patterns path each iteration of b, the
// reference the scan benchmarks are measured against, and fails when grep
// counts fewer than want lines.
func GrepLoop(b *testing.B, patterns, path string, want int) {
	grep, err := exec.LookPath("grep")
	if err != nil {
		b.Skip("no grep: install grep for the reference figure")
	}
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
