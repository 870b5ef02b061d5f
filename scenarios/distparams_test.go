package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestDistParams checks the shared converter against the closed forms, written out here from
// the textbook definitions and not from the converter's code: a lognormal with mean m and
// coefficient of variation cv has σ² = ln(1+cv²) and μ = ln m − σ²/2; with p95 instead, σ solves
// ln(p95/m) = z95·σ − σ²/2; a gamma with mean m and cv has shape 1/cv² and scale m·cv²; a uniform
// on [a, b] has mean (a+b)/2 and variance (b−a)²/12.
func TestDistParams(t *testing.T) {
	ms := func(x float64) Duration { return Duration(x * float64(time.Millisecond)) }
	const z95 = 1.6448536269514722
	// lognormal, mean 10 ms, p95 30 ms: the smaller root of σ²/2 − z σ + ln 3 = 0
	sigP95 := z95 - math.Sqrt(z95*z95-2*math.Log(3))
	tests := []struct {
		name string
		d    Dist
		want DistParams
	}{
		{"zero", Dist{}, DistParams{}},
		{"exponential", Dist{Kind: Exponential, Mean: ms(10)},
			DistParams{Kind: Exponential, Mean: 1e7, SCV: 1}},
		{"deterministic", Dist{Kind: Deterministic, Mean: ms(2.5)},
			DistParams{Kind: Deterministic, Mean: 2.5e6, SCV: 0}},
		{"deterministic zero", Dist{Kind: Deterministic},
			DistParams{Kind: Deterministic}},
		{"lognormal cv 1", Dist{Kind: Lognormal, Mean: ms(10), CV: 1},
			// σ² = ln 2, μ = ln 1e7 − ln 2 / 2
			DistParams{Kind: Lognormal, Mean: 1e7, Mu: 7*math.Ln10 - math.Ln2/2, Sigma: math.Sqrt(math.Ln2), SCV: 1}},
		{"lognormal cv 0.5", Dist{Kind: Lognormal, Mean: ms(4), CV: 0.5},
			DistParams{Kind: Lognormal, Mean: 4e6, Mu: math.Log(4e6) - math.Log(1.25)/2, Sigma: math.Sqrt(math.Log(1.25)), SCV: 0.25}},
		{"lognormal p95", Dist{Kind: Lognormal, Mean: ms(10), P95: ms(30)},
			DistParams{Kind: Lognormal, Mean: 1e7, Mu: 7*math.Ln10 - sigP95*sigP95/2, Sigma: sigP95, SCV: math.Exp(sigP95*sigP95) - 1}},
		{"gamma cv 0.5", Dist{Kind: Gamma, Mean: ms(8), CV: 0.5},
			DistParams{Kind: Gamma, Mean: 8e6, Shape: 4, SCV: 0.25}},
		{"gamma cv 2", Dist{Kind: Gamma, Mean: ms(1), CV: 2},
			DistParams{Kind: Gamma, Mean: 1e6, Shape: 0.25, SCV: 4}},
		{"uniform", Dist{Kind: Uniform, Min: ms(5), Max: ms(15)},
			// mean 10 ms, variance 10²/12 ms²
			DistParams{Kind: Uniform, Mean: 1e7, Min: 5e6, Max: 15e6, SCV: 100.0 / 12 / 100}},
		{"empirical", Dist{Kind: Empirical, Samples: []Duration{ms(1), ms(2), ms(6)}},
			// mean 3 ms, variance (4+1+9)/3 ms²
			DistParams{Kind: Empirical, Mean: 3e6, Samples: []float64{1e6, 2e6, 6e6}, SCV: 14.0 / 3 / 9}},
	}
	approx := cmpopts.EquateApprox(1e-12, 0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.d.Params()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, approx, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Params() mismatch (-want +got):\n%s", diff)
			}
			// The parameters reproduce the distribution's moments (and its p95 when given).
			switch got.Kind {
			case Lognormal:
				if m := math.Exp(got.Mu + got.Sigma*got.Sigma/2); !near(m, got.Mean) {
					t.Errorf("lognormal E[x] = %g, want %g", m, got.Mean)
				}
				if tc.d.P95 > 0 {
					if p := math.Exp(got.Mu + z95*got.Sigma); !near(p, float64(tc.d.P95)) {
						t.Errorf("lognormal p95 = %g, want %g", p, float64(tc.d.P95))
					}
				}
			case Gamma:
				if scale := tc.d.CV * tc.d.CV * got.Mean; !near(got.Shape*scale, got.Mean) {
					t.Errorf("gamma shape·scale = %g, want the mean %g", got.Shape*scale, got.Mean)
				}
			}
			// Mean and SCV agree with the Dist's own figures, which the analytic formulas read.
			if !near(got.Mean/1e9, tc.d.MeanSeconds()) {
				t.Errorf("Mean %g ns, MeanSeconds %g s", got.Mean, tc.d.MeanSeconds())
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

// TestDistParamsErrors: parameters no sampler can draw from are errors, not NaN samplers.
func TestDistParamsErrors(t *testing.T) {
	for name, d := range map[string]Dist{
		"negative mean":        {Kind: Exponential, Mean: -1},
		"lognormal no spread":  {Kind: Lognormal, Mean: Duration(time.Millisecond)},
		"lognormal no mean":    {Kind: Lognormal, CV: 1},
		"gamma no cv":          {Kind: Gamma, Mean: Duration(time.Millisecond)},
		"gamma no mean":        {Kind: Gamma, CV: 1},
		"uniform max < min":    {Kind: Uniform, Min: 2, Max: 1},
		"empirical no samples": {Kind: Empirical},
		"unknown kind":         {Kind: "pareto", Mean: 1},
	} {
		if p, err := d.Params(); err == nil {
			t.Errorf("%s: Params() = %+v, want an error", name, p)
		}
	}
}
