package sim

import (
	"syscall"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

func cpuS() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func TestZZDiag(t *testing.T) {
	s, _ := scenarios.LoadFile("large")
	c0, t0 := cpuS(), time.Now()
	n := 0
	rows, err := NMinus1(s, WithProgress(func(d, tot int) { n = d }))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wall %v cpu %.1f s sims %d", time.Since(t0), cpuS()-c0, n)
	for _, r := range rows {
		t.Logf("%-9s %v %.0f %.2f %s", r.Node, r.Survives, r.Saturation, r.FractionOfDesign, r.Why)
	}
}
