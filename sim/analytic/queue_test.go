package analytic

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// relClose reports whether got is within rel (relative) of want; differences
// below 1e−200 (truncation tails of the reference) count as equal.
func relClose(got, want, rel float64) bool {
	d := math.Abs(got - want)
	return d <= rel*math.Abs(want) || d < 1e-200
}

func checkRel(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if !relClose(got, want, rel) {
		t.Errorf("%s = %.12g, want %.12g (rel tol %g, rel err %.3g)", name, got, want, rel, math.Abs(got-want)/math.Abs(want))
	}
}

// birthDeath solves the balance equations p_n·birth(n) = p_{n+1}·death(n+1)
// of a birth–death chain on 0..K directly, by products of rate ratios
// normalised at the end. It is the independent truth for M/M/c and M/M/c/K:
// it knows nothing of Erlang's formulas.
func birthDeath(birth, death func(n int) float64, K int) []float64 {
	p := make([]float64, K+1)
	p[0] = 1
	var sum float64 = 1
	for n := 0; n < K; n++ {
		p[n+1] = p[n] * birth(n) / death(n+1)
		sum += p[n+1]
	}
	for n := range p {
		p[n] /= sum
	}
	return p
}

// bdMetrics turns birth–death probabilities for c servers into means, by
// definition and Little's law on accepted customers.
func bdMetrics(p []float64, lambda, meanService float64, c int) Metrics {
	K := len(p) - 1
	var m Metrics
	var pw float64
	for n, v := range p {
		m.L += float64(n) * v
		if n > c {
			m.Lq += float64(n-c) * v
		}
		if n >= c && n < K {
			pw += v
		}
	}
	m.PBlock = p[K]
	m.Throughput = lambda * (1 - p[K])
	m.PWait = pw / (1 - p[K])
	m.W = m.L / m.Throughput
	m.Wq = m.Lq / m.Throughput
	m.Rho = m.Throughput * meanService / float64(c)
	return m
}

func mmcChain(lambda, meanService float64, c, K int) []float64 {
	return birthDeath(
		func(int) float64 { return lambda },
		func(n int) float64 { return float64(min(n, c)) / meanService },
		K)
}

func compareMetrics(t *testing.T, got, want Metrics, rel float64) {
	t.Helper()
	checkRel(t, "Rho", got.Rho, want.Rho, rel)
	checkRel(t, "PWait", got.PWait, want.PWait, rel)
	checkRel(t, "Wq", got.Wq, want.Wq, rel)
	checkRel(t, "W", got.W, want.W, rel)
	checkRel(t, "Lq", got.Lq, want.Lq, rel)
	checkRel(t, "L", got.L, want.L, rel)
	checkRel(t, "PBlock", got.PBlock, want.PBlock, rel)
	checkRel(t, "Throughput", got.Throughput, want.Throughput, rel)
}

// TestMM1Textbook checks the hand-derived M/M/1 numbers of
// scenarios/examples/mm1.yaml: λ = 80/s, E[S] = 10 ms, so μ = 100/s, ρ = 0.8,
// W = 1/(μ−λ) = 1/20 s = 50 ms, Wq = ρ·W = 40 ms, L = ρ/(1−ρ) = 4,
// Lq = ρ²/(1−ρ) = 3.2, P(wait) = ρ = 0.8.
func TestMM1Textbook(t *testing.T) {
	m, err := MM1(80, 0.010)
	if err != nil {
		t.Fatal(err)
	}
	compareMetrics(t, m, Metrics{Rho: 0.8, PWait: 0.8, Wq: 0.040, W: 0.050, Lq: 3.2, L: 4, Throughput: 80}, 1e-12)
}

// TestMMcAgainstBirthDeath compares Erlang C with the balance equations
// truncated where the tail is below 1e−300 (K large).
func TestMMcAgainstBirthDeath(t *testing.T) {
	cases := []struct {
		lambda, s float64
		c         int
	}{
		{80, 0.010, 1},
		{360, 0.010, 4}, // scenarios/examples/mmc.yaml
		{5, 1, 10},
		{0.5, 1, 1},
		{95, 1, 100},
		{1, 0.5, 3},
		{1e-3, 2, 2},
		{49.9, 0.1, 5},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("λ=%g,S=%g,c=%d", tc.lambda, tc.s, tc.c), func(t *testing.T) {
			got, err := MMc(tc.lambda, tc.s, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			rho := tc.lambda * tc.s / float64(tc.c)
			// ρ^(K−c) < 1e−300 ⇒ K − c > 300·ln10/(−ln ρ).
			K := tc.c + int(700/(-math.Log(rho))) + 10
			want := bdMetrics(mmcChain(tc.lambda, tc.s, tc.c, K), tc.lambda, tc.s, tc.c)
			compareMetrics(t, got, want, 1e-9)
			if got.PBlock != 0 {
				t.Errorf("PBlock = %g, want 0 for infinite buffer", got.PBlock)
			}
		})
	}
}

func TestMMcKAgainstBirthDeath(t *testing.T) {
	cases := []struct {
		lambda, s float64
		c, K      int
	}{
		{80, 0.010, 1, 10},
		{360, 0.010, 4, 20},
		{150, 0.010, 1, 5}, // overload ρ=1.5: still a steady state
		{1000, 0.010, 4, 50},
		{7, 1, 10, 10}, // Erlang loss system
		{300, 1, 200, 400},
		{1e-4, 1, 1, 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("λ=%g,S=%g,c=%d,K=%d", tc.lambda, tc.s, tc.c, tc.K), func(t *testing.T) {
			got, err := MMcK(tc.lambda, tc.s, tc.c, tc.K)
			if err != nil {
				t.Fatal(err)
			}
			want := bdMetrics(mmcChain(tc.lambda, tc.s, tc.c, tc.K), tc.lambda, tc.s, tc.c)
			compareMetrics(t, got, want, 1e-9)
			// Little's law on accepted customers.
			checkRel(t, "L vs X·W", got.L, got.Throughput*got.W, 1e-12)
		})
	}
}

// TestErlangB checks M/M/c/c blocking against Erlang's loss formula summed
// directly: B = (a^c/c!) / Σ_{k≤c} a^k/k!. For a = 2, c = 2: 2/(1+2+2) = 0.4.
func TestErlangB(t *testing.T) {
	m, err := MMcK(2, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "PBlock", m.PBlock, 0.4, 1e-12)
	checkRel(t, "Throughput", m.Throughput, 1.2, 1e-12)
	if m.PWait != 0 || m.Wq != 0 {
		t.Errorf("loss system: PWait=%g Wq=%g, want 0", m.PWait, m.Wq)
	}
}

// TestMMcKLargeKApproachesMMc: with a huge buffer the finite model tends to
// the infinite one.
func TestMMcKLargeKApproachesMMc(t *testing.T) {
	a, err := MMcK(360, 0.010, 4, 5000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MMc(360, 0.010, 4)
	if err != nil {
		t.Fatal(err)
	}
	compareMetrics(t, a, b, 1e-9)
}

// TestMD1Textbook checks scenarios/examples/md1.yaml: λ = 80/s, D = 10 ms,
// ρ = 0.8; P–K: Wq = ρ·D/(2(1−ρ)) = 0.8·10/(0.4) ms = 20 ms, W = 30 ms,
// Lq = λ·Wq = 1.6, L = λ·W = 2.4.
func TestMD1Textbook(t *testing.T) {
	m, err := MD1(80, 0.010)
	if err != nil {
		t.Fatal(err)
	}
	compareMetrics(t, m, Metrics{Rho: 0.8, PWait: 0.8, Wq: 0.020, W: 0.030, Lq: 1.6, L: 2.4, Throughput: 80}, 1e-12)
}

func TestMG1Consistency(t *testing.T) {
	for _, rho := range []float64{0.1, 0.5, 0.8, 0.99} {
		lambda := rho / 0.02
		// scv = 1 is exponential service: M/M/1.
		g, err := MG1(lambda, 0.02, 1)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := MM1(lambda, 0.02)
		compareMetrics(t, g, m, 1e-12)
		// scv = 0 is M/D/1 and its wait is exactly half the M/M/1 wait.
		d, _ := MD1(lambda, 0.02)
		checkRel(t, "MD1 Wq / MM1 Wq", d.Wq/m.Wq, 0.5, 1e-12)
		// Allen–Cunneen is exact for c = 1.
		for _, scv := range []float64{0, 0.5, 1, 4} {
			a, err := MGcApprox(lambda, 0.02, scv, 1)
			if err != nil {
				t.Fatal(err)
			}
			g, _ := MG1(lambda, 0.02, scv)
			compareMetrics(t, a, g, 1e-12)
		}
	}
	// Allen–Cunneen with scv = 1 is M/M/c.
	a, _ := MGcApprox(360, 0.010, 1, 4)
	m, _ := MMc(360, 0.010, 4)
	compareMetrics(t, a, m, 1e-12)
}

func TestErrors(t *testing.T) {
	nan := math.NaN()
	inf := math.Inf(1)
	cases := []struct {
		name     string
		err      error
		unstable bool
	}{
		{"MM1 ρ=1", second(MM1(100, 0.01)), true},
		{"MM1 ρ>1", second(MM1(200, 0.01)), true},
		{"MMc ρ=1.25", second(MMc(500, 0.01, 4)), true},
		{"MD1 ρ=1", second(MD1(1, 1)), true},
		{"MG1 ρ=2", second(MG1(2, 1, 0.5)), true},
		{"MGc ρ=1", second(MGcApprox(4, 1, 0.5, 4)), true},
		{"MM1 λ=0", second(MM1(0, 0.01)), false},
		{"MM1 λ<0", second(MM1(-1, 0.01)), false},
		{"MM1 S=NaN", second(MM1(1, nan)), false},
		{"MM1 S=Inf", second(MM1(1, inf)), false},
		{"MMc c=0", second(MMc(1, 0.01, 0)), false},
		{"MMc c huge", second(MMc(1, 0.01, MaxServers+1)), false},
		{"MMcK K<c", second(MMcK(1, 0.01, 4, 3)), false},
		{"MMcK K huge", second(MMcK(1, 0.01, 4, MaxCapacity+1)), false},
		{"MG1 scv<0", second(MG1(1, 0.01, -1)), false},
		{"MG1 scv NaN", second(MG1(1, 0.01, nan)), false},
		{"MGc scv Inf", second(MGcApprox(1, 0.01, inf, 2)), false},
		{"MM1Q p=0", second(MM1ResponseQuantile(1, 0.1, 0)), false},
		{"MM1Q p=1", second(MM1ResponseQuantile(1, 0.1, 1)), false},
		{"MM1Q p NaN", second(MM1ResponseQuantile(1, 0.1, nan)), false},
		{"MM1Q unstable", second(MM1ResponseQuantile(10, 0.1, 0.5)), true},
		{"MMcQ unstable", second(MMcResponseQuantile(40, 0.1, 4, 0.5)), true},
		{"MMcQ p=2", second(MMcResponseQuantile(1, 0.1, 4, 2)), false},
		{"MD1Q unstable", second(MD1ResponseQuantile(10, 0.1, 0.5)), true},
		{"MD1Q D=0", second(MD1ResponseQuantile(10, 0, 0.5)), false},
		{"MD1Q p beyond float64", second(MD1ResponseQuantile(0.99, 1, 1-1e-15)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(tc.err, ErrUnstable); got != tc.unstable {
				t.Errorf("errors.Is(ErrUnstable) = %v, want %v (%v)", got, tc.unstable, tc.err)
			}
		})
	}
	// The unstable error carries the numbers.
	err := second(MMc(500, 0.01, 4))
	if want := "analytic: utilization ≥ 1, no steady state: λ=500/s, c=4, ρ=1.250"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}

func second[T any](_ T, err error) error { return err }
