package sim

import (
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

func TestZZCompare(t *testing.T) {
	s, _ := scenarios.LoadFile("large")
	m0, _ := Compile(s)
	for _, ni := range []int{10, 0} {
		v, _, _ := withoutNode(s, m0, ni)
		c0, t0 := cpuS(), time.Now()
		r, err := Run(v, WithAdvice(false), WithReplications(3))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("full search without %s: sat %.0f %v (%.1f cpu-s, %v wall) bound %.0f", s.Nodes[ni].Name, r.Saturation.Value, r.Saturation.CI95, cpuS()-c0, time.Since(t0), r.Saturation.AnalyticBound)
	}
	c0 := cpuS()
	rows, _ := NMinus1(s)
	t.Logf("NMinus1 cpu %.1f s: %s %.0f, %s %.0f", cpuS()-c0, rows[10].Node, rows[10].Saturation, rows[0].Node, rows[0].Saturation)
}
