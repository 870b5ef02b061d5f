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
	for _, name := range []string{"small", "medium", "elma365/cluster", "thingspanel/medium", "changemaker/stack", "single"} {
		s, err := scenarios.LoadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		c0, t0 := cpuS(), time.Now()
		rows, err := NMinus1(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("== %s: wall %v cpu %.1f s", name, time.Since(t0), cpuS()-c0)
		for _, r := range rows {
			t.Logf("%-9s %v %.0f %.2f %s", r.Node, r.Survives, r.Saturation, r.FractionOfDesign, r.Why)
		}
		if s.Availability != nil {
			a, err := Availability(s, 1)
			t.Logf("avail %+v %v", a, err)
		}
	}
}
