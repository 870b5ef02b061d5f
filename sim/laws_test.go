package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// seedScenarios are the built-in scenarios that encode the seed documents (not the examples).
func seedScenarios(t *testing.T) []string {
	var out []string
	for _, n := range scenarios.Builtins() {
		if !strings.HasPrefix(n, "examples/") {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		t.Fatal("no built-in seed scenarios")
	}
	return out
}

// TestLittlesLaw checks L = λ·W on every station of every seed scenario at design load, with L
// (time-averaged number present), λ (completed visits per second) and W (mean time per visit)
// measured independently by the kernel. Boundary effects of the measurement window are bounded by
// a 2 % relative tolerance (plus 0.002 jobs for nearly idle stations).
func TestLittlesLaw(t *testing.T) {
	for _, name := range seedScenarios(t) {
		t.Run(name, func(t *testing.T) {
			s := mustLoad(t, name)
			p, err := mustCompile(t, s).At(s.Load.Design, WithReplications(2), WithDuration(120*time.Second, 10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, st := range p.Stations {
				if st.Kind == kindPool || st.Kind == kindQueue || st.ThroughputPerS.Mean == 0 {
					continue
				}
				l := st.MeanInSystem.Mean
				lw := st.ThroughputPerS.Mean * st.MeanResponseMS.Mean / 1e3
				if math.Abs(l-lw) > 0.02*math.Max(l, lw)+0.002 {
					t.Errorf("%s: L = %.4f but λ·W = %.2f/s × %.3f ms = %.4f", st.Name, l, st.ThroughputPerS.Mean, st.MeanResponseMS.Mean, lw)
				}
				checked++
			}
			if checked == 0 {
				t.Fatal("no busy station to check")
			}
		})
	}
}

// TestUtilizationLaw checks U = X·D/c for every node CPU and disk of every seed scenario: the
// simulated utilization against the utilization law applied to the compiled demands.
func TestUtilizationLaw(t *testing.T) {
	for _, name := range seedScenarios(t) {
		t.Run(name, func(t *testing.T) {
			s := mustLoad(t, name)
			p, err := mustCompile(t, s).At(s.Load.Design, WithReplications(3), WithDuration(120*time.Second, 10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range p.Stations {
				if st.Kind != kindCPU && st.Kind != kindDisk {
					continue
				}
				u, law := st.Utilization.Mean, st.AnalyticUtilization
				if math.Abs(u-law) > 0.05*law+0.002 {
					t.Errorf("%s: simulated utilization %.4f, utilization law %.4f", st.Name, u, law)
				}
			}
		})
	}
}

// TestDeterminism: the same seed gives byte-identical result JSON whatever GOMAXPROCS is and
// whether replications run in parallel.
func TestDeterminism(t *testing.T) {
	for _, name := range []string{"medium", "examples/mmc"} {
		t.Run(name, func(t *testing.T) {
			s := mustLoad(t, name)
			run := func(procs int) []byte {
				old := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(old)
				r, err := mustCompile(t, s).Run(WithReplications(3), WithDuration(10*time.Second, 2*time.Second), WithSeed(7), WithParallelism(procs), WithAdvice(false))
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			a, b := run(1), run(2)
			if !bytes.Equal(a, b) {
				t.Fatalf("results differ between GOMAXPROCS=1 and 2 (%d vs %d bytes)", len(a), len(b))
			}
			s2 := mustLoad(t, name)
			s2.Sim.Seed = 8
			r, err := mustCompile(t, s2).Run(WithReplications(3), WithDuration(20*time.Second, 2*time.Second), WithSeed(8), WithSweep(false))
			if err != nil {
				t.Fatal(err)
			}
			c, _ := json.Marshal(r)
			if bytes.Equal(a, c) {
				t.Fatal("a different seed gave the same result")
			}
		})
	}
}
