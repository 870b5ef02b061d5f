package sim

import (
	"math"
	"os"
	"strconv"
	"testing"
)

// TestCoverage: with the default settings (precision ±5 %, the count measured set by a first stage
// of 10 replications and a variance bound, a stage more when a measured set falls short, warm-up
// by MSER-5 on pilot replications), at least 90 % of the runs reach the precision and the 95 %
// interval of the mean and
// P95 response time covers the analytic value 95 % ± 3 points of the time, over coverageSeeds
// seeds, for M/M/1, M/M/4 and M/D/1 (scenarios/examples). Theory is computed here: M/M/1 W =
// 1/(μ−λ), P95 = ln 20/(μ−λ); M/M/4 Erlang C and the response-time distribution (1−C)·Exp(μ) +
// C·(Exp(μ) ∗ Exp(cμ−λ)); M/D/1 Pollaczek–Khinchine and Erlang's waiting-time distribution. With
// 300 seeds the standard error of a coverage of 95 % is 1.26 points, and the six coverages measured
// move by a few points when the draws change (another range: CAPSIM_COVERAGE_FROM=1001 runs seeds
// 1001–1300): with the stream derivation before issue 12 (every replication of a stream shared the
// low word of its PCG state; TestStreamStates) seeds 1–300 gave M/M/4 mean 91.3 %, M/D/1 mean
// 91.3 % and P95 91.0 %, and seeds 1001–1300 gave 94.7 %, 94.3 % and 94.3 % (README,
// "Precision"). Skipped under -short (about 1 minute on 2 cores).
func TestCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("coverage over 300 seeds: not under -short")
	}
	const coverageSeeds = 300
	first := uint64(1) // CAPSIM_COVERAGE_FROM=1001 runs seeds 1001–1300 instead
	if v := os.Getenv("CAPSIM_COVERAGE_FROM"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CAPSIM_COVERAGE_FROM=%q: %v", v, err)
		}
		first = n
	}
	mm1W, mm1P95 := 1/(100.0-80), math.Log(20)/(100.0-80)
	mmcW, mmcP95 := mmcTheory(360, 100, 4)
	md1W, md1P95 := md1Theory(80, 0.010)
	cases := []struct {
		name      string
		mean, p95 float64 // s
	}{
		{"examples/mm1", mm1W, mm1P95},
		{"examples/mmc", mmcW, mmcP95},
		{"examples/md1", md1W, md1P95},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustLoad(t, c.name)
			coverMean, coverP95, reps, reached := 0, 0, 0, 0
			stages := map[int]int{} // measured sets per run → runs
			for seed := first; seed < first+coverageSeeds; seed++ {
				r, err := mustCompile(t, s).Run(WithSeed(seed), WithSweep(false), WithAdvice(false))
				if err != nil {
					t.Fatal(err)
				}
				if r.Precision == nil || r.Warmup == nil {
					t.Fatalf("seed %d: not run with the default precision and warm-up", seed)
				}
				reps += r.Settings.Replications
				if r.Precision.Reached {
					reached++
				}
				stages[r.Precision.Stages]++
				l := r.Flows[0].LatencyMS
				if l.Mean.CI95[0] <= 1e3*c.mean && 1e3*c.mean <= l.Mean.CI95[1] {
					coverMean++
				}
				if l.P95.CI95[0] <= 1e3*c.p95 && 1e3*c.p95 <= l.P95.CI95[1] {
					coverP95++
				}
			}
			cm, cp := float64(coverMean)/coverageSeeds, float64(coverP95)/coverageSeeds
			t.Logf("%s: mean %.2f ms covered %.1f %%, P95 %.2f ms covered %.1f %% (seeds %d–%d, %.1f replications on average; ±5 %% reached by %d; runs by measured sets %v)",
				c.name, 1e3*c.mean, 100*cm, 1e3*c.p95, 100*cp, first, first+coverageSeeds-1, float64(reps)/coverageSeeds, reached, stages)
			// the default run is to reach the precision, not only to cover: without the variance
			// bound and the extra stages (toPrecision) it did for 62 % of M/M/1 seeds, 57 % of
			// M/M/4's and 30 % of M/D/1's
			if reached < coverageSeeds*9/10 {
				t.Errorf("precision reached by %d of %d seeds, want at least 90 %%", reached, coverageSeeds)
			}
			if math.Abs(cm-0.95) > 0.03 {
				t.Errorf("mean: coverage %.1f %%, want 95 ± 3 %%", 100*cm)
			}
			if math.Abs(cp-0.95) > 0.03 {
				t.Errorf("P95: coverage %.1f %%, want 95 ± 3 %%", 100*cp)
			}
		})
	}
}

// mmcTheory is the M/M/c mean response time and its 0.95 quantile (s): Erlang C gives the
// probability of waiting C; a waiting job waits Exp(cμ−λ), so T is Exp(μ) with probability
// 1 − C and Exp(μ) + Exp(θ), θ = cμ − λ, otherwise: P(T > t) = (1−C)e^{−μt} +
// C(θe^{−μt} − μe^{−θt})/(θ − μ).
func mmcTheory(lambda, mu float64, c int) (mean, p95 float64) {
	a := lambda / mu
	rho := a / float64(c)
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	top := term / (1 - rho) // a^c / c! / (1 − ρ)
	C := top / (sum + top)
	theta := float64(c)*mu - lambda
	mean = 1/mu + C/theta
	surv := func(t float64) float64 {
		return (1-C)*math.Exp(-mu*t) + C*(theta*math.Exp(-mu*t)-mu*math.Exp(-theta*t))/(theta-mu)
	}
	return mean, quantile95(surv, 10*mean)
}

// md1Theory is the M/D/1 mean response time (Pollaczek–Khinchine: D + ρD/(2(1−ρ))) and its
// 0.95 quantile D + w95, w95 from Erlang's waiting-time distribution
// P(Wq ≤ t) = (1−ρ) Σ_{k=0}^{⌊t/D⌋} e^{λ(t−kD)} (−λ(t−kD))^k / k!.
func md1Theory(lambda, d float64) (mean, p95 float64) {
	rho := lambda * d
	cdf := func(t float64) float64 {
		s := 0.0
		for k := 0; float64(k)*d <= t; k++ {
			x := lambda * (t - float64(k)*d)
			s += math.Exp(x) * math.Pow(-x, float64(k)) / math.Gamma(float64(k+1))
		}
		return (1 - rho) * s
	}
	w95 := quantile95(func(t float64) float64 { return 1 - cdf(t) }, 20*d)
	return d + rho*d/(2*(1-rho)), d + w95
}

// quantile95 is the t in [0, hi] with surv(t) = 0.05, surv decreasing, by bisection.
func quantile95(surv func(float64) float64, hi float64) float64 {
	lo := 0.0
	for i := 0; i < 100; i++ {
		mid := (lo + hi) / 2
		if surv(mid) > 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// TestCoverageTheory checks the theory the coverage test uses against values it can be checked
// with: Erlang C of M/M/4 at a = 3.6 against the Erlang B recursion, M/M/1 as M/M/c with
// c = 1, the M/D/1 mean by Pollaczek–Khinchine.
func TestCoverageTheory(t *testing.T) {
	mean, p95 := mmcTheory(80, 100, 1)
	if math.Abs(mean-0.05) > 1e-12 || math.Abs(p95-math.Log(20)/20) > 1e-9 {
		t.Errorf("M/M/1 as M/M/c: mean %v, P95 %v; want 0.05, %v", mean, p95, math.Log(20)/20)
	}
	// Erlang C by another route: the Erlang B recursion B_k = aB_{k−1}/(k + aB_{k−1}),
	// C = cB/(c − a(1 − B))
	b := 1.0
	for k := 1; k <= 4; k++ {
		b = 3.6 * b / (float64(k) + 3.6*b)
	}
	want := 4 * b / (4 - 3.6*(1-b))
	mean, _ = mmcTheory(360, 100, 4)
	if C := (mean - 0.01) * 40; math.Abs(C-want) > 1e-12 {
		t.Errorf("Erlang C(4, 3.6) = %.6f, the Erlang B recursion gives %.6f", C, want)
	}
	mean, p95 = md1Theory(80, 0.010)
	if math.Abs(mean-0.030) > 1e-12 {
		t.Errorf("M/D/1 mean %v, want 0.030", mean)
	}
	if p95 <= 0.030 || p95 > 0.2 {
		t.Errorf("M/D/1 P95 %v outside (mean, 0.2 s)", p95)
	}
}
