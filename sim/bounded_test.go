package sim

import (
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/sim/analytic"
)

// TestBoundedStationSteadyState: an M/M/c/K station has a steady state at any offered load
// (arrivals beyond K are dropped), so offered ρ ≥ 1 is neither "no steady state" in the verdict
// nor invalid for --analytic, and with slo.max_drop_ratio 0.5 the saturation point is the load at
// which the M/M/c/K blocking probability reaches 0.5 (issue 10, problem 4). Truth: the closed
// form of sim/analytic, inverted by bisection.
func TestBoundedStationSteadyState(t *testing.T) {
	const (
		servers, capK = 1, 10
		meanMS        = 10.0
		design        = 150.0 // offered ρ = 1.5
		maxDrop       = 0.5
	)
	s := plain("mm1k", servers, capK, "fcfs", exp(meanMS), design)
	s.SLO.MaxDropRatio = maxDrop

	// --analytic accepts it, and the closed form matches the simulation at ρ = 1.5
	if err := mustCompile(t, s).CheckAnalytic(); err != nil {
		t.Errorf("CheckAnalytic: %v (M/M/1/K at ρ = 1.5 has a steady state)", err)
	}
	p, err := mustCompile(t, s).At(design, WithReplications(10), WithDuration(100*time.Second, 5*time.Second), WithAnalytic(true))
	if err != nil {
		t.Fatal(err)
	}
	want, err := analytic.MMcK(design, meanMS/1e3, servers, capK)
	if err != nil {
		t.Fatal(err)
	}
	if !p.SLOMet {
		t.Errorf("SLO not met at ρ = 1.5 with drop ratio %.3f ≤ %.1f: %q", want.PBlock, maxDrop, p.Violations)
	}
	if !inside(p.Flows[0].DropRatio, want.PBlock) {
		t.Errorf("drop ratio %.4f CI %v, want P(block) %.4f", p.Flows[0].DropRatio.Mean, p.Flows[0].DropRatio.CI95, want.PBlock)
	}
	if !inside(p.Flows[0].LatencyMS.Mean, want.W*1e3) {
		t.Errorf("mean %.2f ms CI %v, want M/M/1/K %.2f ms", p.Flows[0].LatencyMS.Mean.Mean, p.Flows[0].LatencyMS.Mean.CI95, want.W*1e3)
	}
	if a := p.Stations[0].AnalyticMeanResponseMS; a == nil || math.Abs(*a-want.W*1e3) > 1e-9 {
		t.Errorf("analytic mean response %v, want %.3f ms", a, want.W*1e3)
	}

	// saturation: the load where P(block) = 0.5
	lo, hi := 1.0, 1e4
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		m, err := analytic.MMcK(mid, meanMS/1e3, servers, capK)
		if err != nil {
			t.Fatal(err)
		}
		if m.PBlock > maxDrop {
			hi = mid
		} else {
			lo = mid
		}
	}
	res, err := mustCompile(t, s).Run(WithReplications(4), WithDuration(60*time.Second, 5*time.Second), WithAdvice(false))
	if err != nil {
		t.Fatal(err)
	}
	sat := res.Saturation
	t.Logf("saturation %.1f %v, theory %.1f", sat.Value, sat.CI95, lo)
	if sat == nil || math.Abs(sat.Value-lo) > 0.03*lo {
		t.Errorf("saturation %+v, want the load where M/M/1/K drops half: %.1f req/s (±3 %%)", sat, lo)
	}
}
