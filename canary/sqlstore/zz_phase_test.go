package sqlstore

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZPhases(t *testing.T) {
	seeds := seedsFor(0, 200000)
	ks, _ := deriveKeys(testSecret("a"))
	c0, start := cpuTime(), time.Now()
	chunks, wait := ks.sealAll(context.Background(), seeds)
	for _, c := range chunks {
		<-c.done
	}
	wait()
	t.Logf("seal only: wall %v cpu %v", time.Since(start), cpuTime()-c0)
	s := open(t, freshSQLite(t))
	c0, start = cpuTime(), time.Now()
	if err := s.Add(context.Background(), seeds...); err != nil {
		t.Fatal(err)
	}
	t.Logf("add: wall %v cpu %v", time.Since(start), cpuTime()-c0)
}
