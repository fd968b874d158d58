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
	"strings"
	"sync"
	"testing"

	"github.com/honeyseed/honeyseed/canary"
)

// Scan throughput on the dumps users meet, against grep -F -f with the same
// seeds' addresses over the same file, in the same run:
//
//	go test -run X -bench BenchmarkScanDump -benchtime 5x ./canary/
//
// Two shapes: SQL INSERTs full of ids, dates and amounts, and a CSV export;
// each 128 MiB, with a seed row in every 200; against 40 seeds and against
// 1M. Strangers are generated like seeds, on other domains, numbers and
// ticket ranges, as real customers would be.

const scanDumpSize = 128 << 20

var (
	strangersOnce sync.Once
	strangers     []canary.Seed
)

func dumpStrangers(b testing.TB) []canary.Seed {
	strangersOnce.Do(func() {
		// The host's own customers: other domains, the odd area codes'
		// fiction numbers, tickets in the seeds' format from another range.
		var pool []string
		for npa := 201; npa <= 999; npa += 2 {
			pool = append(pool, nanpFiction(npa, npa)...)
		}
		cfg := canary.DemoConfig()
		cfg.EmailDomains = []string{"customer.example", "isp.example.net", "home.example.org"}
		cfg.PhonePool = pool
		cfg.TicketMin, cfg.TicketMax = 20_000_000, 99_999_999
		cfg.Seed = [32]byte{2}
		g, err := canary.NewGenerator(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if strangers, err = g.Generate("host", 20_000); err != nil {
			b.Fatal(err)
		}
	})
	return strangers
}

// writeDump writes a dump of shape "sql" or "csv" of about size bytes, with
// the row of seeds[k] in place of every 200th stranger's. It returns the seed
// rows written.
func writeDump(w io.Writer, shape string, size int64, seeds, strangers []canary.Seed) (seedRows int) {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
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
	return seedRows
}

func BenchmarkScanDump(b *testing.B) {
	strangers := dumpStrangers(b)
	dir := b.TempDir()
	for _, nseeds := range []int{40, 1_000_000} {
		var reg *canary.MemoryRegistry
		if nseeds == 1_000_000 {
			reg = bigRegistry(b)
		} else {
			reg = canary.NewMemoryRegistry()
			for i := range nseeds {
				if err := reg.Add(context.Background(), benchSeed(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
		m, err := canary.NewMatcher(reg)
		if err != nil {
			b.Fatal(err)
		}
		// The dump quotes seeds spread over the registry; grep gets every
		// registered address.
		var quoted []canary.Seed
		for k := range 500 {
			quoted = append(quoted, benchSeed(k*nseeds/500))
		}
		pf := filepath.Join(dir, fmt.Sprintf("patterns-%d.txt", nseeds))
		pw, err := os.Create(pf)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(pw, 1<<20)
		for i := range nseeds {
			bw.WriteString(benchSeed(i).Email + "\n")
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		pw.Close()
		for _, shape := range []string{"sql", "csv"} {
			path := filepath.Join(dir, fmt.Sprintf("dump-%d.%s", nseeds, shape))
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			want := writeDump(f, shape, scanDumpSize, quoted, strangers)
			f.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("%s/seeds=%d", shape, nseeds)
			b.Run(name+"/honeyseed", func(b *testing.B) {
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
					if hits < 2*want { // the email and ticket of every seed row, and the number of most
						b.Fatalf("%d hits, want at least %d", hits, 2*want)
					}
				}
			})
			b.Run(name+"/grep-F", func(b *testing.B) {
				grep, err := exec.LookPath("grep")
				if err != nil {
					b.Skip("no grep")
				}
				b.SetBytes(int64(len(data)))
				grepLoop(b, grep, pf, path, want)
			})
		}
	}
}
