package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMSERStep: a series whose first 10 values are a transient at 10 and whose rest alternates
// ±1 has MSER(d) = 1/(n − d) for d ≥ 10 and more for d < 10, so d* = 10 exactly.
func TestMSERStep(t *testing.T) {
	z := make([]float64, 60)
	for i := range z {
		switch {
		case i < 10:
			z[i] = 10
		case i%2 == 0:
			z[i] = 1
		default:
			z[i] = -1
		}
	}
	if d := MSER(z, 30); d != 10 {
		t.Errorf("MSER = %d, want 10", d)
	}
	if d := MSER(z, 5); d != 5 {
		t.Errorf("MSER limited to 5 = %d, want 5 (the transient is longer than the limit)", d)
	}
	if d := MSER(make([]float64, 40), 20); d != 0 {
		t.Errorf("MSER of a constant series = %d, want 0", d)
	}
}

// TestMSERRemovesTransient: an exponentially decaying transient (amplitude 20 σ, time constant
// 5 batches) on iid normal noise. Without truncation the mean is biased by about 20·5/n σ; after
// MSER's truncation the mean of what remains is within 3 standard errors of the steady mean in
// at least 95 of 100 series.
func TestMSERRemovesTransient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, mu = 200, 100.0
	good, biased := 0, 0
	for rep := 0; rep < 100; rep++ {
		z := make([]float64, n)
		for i := range z {
			z[i] = mu + 20*math.Exp(-float64(i)/5) + rng.NormFloat64()
		}
		d := MSER(z, n/2)
		mean := func(x []float64) float64 {
			s := 0.0
			for _, v := range x {
				s += v
			}
			return s / float64(len(x))
		}
		if math.Abs(mean(z[d:])-mu) <= 3/math.Sqrt(float64(n-d)) {
			good++
		}
		if math.Abs(mean(z)-mu) > 3/math.Sqrt(n) {
			biased++
		}
	}
	if good < 95 {
		t.Errorf("truncated mean within 3 SE of the steady mean in %d of 100 series, want ≥ 95", good)
	}
	if biased < 95 {
		t.Errorf("untruncated mean biased in only %d of 100 series: the test cannot tell MSER works", biased)
	}
}

// TestMSERPilotSeries: pilot replications of M/M/1 record one observation per interval of the
// run, and their completions add up to the requests a run of that length completes.
func TestMSERPilotSeries(t *testing.T) {
	s := mustLoad(t, "examples/mm1")
	m, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.newConfig([]Option{WithWarmup(0)})
	cfg.pilot = true
	r := simulate(m, &cfg, m.design, 0)
	if r.series == nil {
		t.Fatal("a pilot replication returned no series")
	}
	if got := len(r.series.present); got != mserObservations {
		t.Errorf("%d observations, want %d", got, mserObservations)
	}
	var done int64
	for _, n := range r.series.done[0] {
		done += n
	}
	// the pilot measures from time 0: λ × (allowance + duration) requests, ± 4 Poisson SD
	want := 80 * (DefaultDuration + AutoWarmupAllowance).Seconds()
	if math.Abs(float64(done)-want) > 4*math.Sqrt(want)+50 {
		t.Errorf("series counts %d completions, want about %.0f", done, want)
	}
}
