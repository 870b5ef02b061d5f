package analytic

import (
	"fmt"
	"math"
	"testing"
)

// TestMM1ResponseQuantileTextbook: λ = 80/s, E[S] = 10 ms, so the response
// time is Exp(μ−λ) = Exp(20/s) and P95 = ln(1/0.05)/20 = ln(20)/20 s ≈ 149.79 ms;
// the median is ln 2/20 s ≈ 34.66 ms.
func TestMM1ResponseQuantileTextbook(t *testing.T) {
	for _, tc := range []struct{ p, want float64 }{
		{0.95, math.Log(20) / 20},
		{0.5, math.Ln2 / 20},
		{0.99, math.Log(100) / 20},
	} {
		got, err := MM1ResponseQuantile(80, 0.010, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		checkRel(t, fmt.Sprintf("P%g", 100*tc.p), got, tc.want, 1e-12)
	}
}

// simpson integrates f over [a, b] with n (even) intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// TestMMcResponseQuantile checks the M/M/c response-time quantile against an
// independent computation: P(T ≤ t) as the numerical convolution
// ∫_0^t μe^{−μs}·P(Wq ≤ t−s) ds, with P(Wq ≤ w) = 1 − C·e^{−(cμ−λ)w} and C
// = Σ_{n≥c} p_n from the birth–death balance equations (not Erlang's formula).
func TestMMcResponseQuantile(t *testing.T) {
	cases := []struct {
		lambda, s float64
		c         int
	}{
		{80, 0.010, 1},
		{360, 0.010, 4},
		{1, 1, 2}, // cμ − λ = μ: the two rates coincide (Erlang-2 branch)
		{1.0000001, 1, 2},
		{0.2, 1, 1},
		{95, 1, 100},
		{3.9, 1, 4},
	}
	for _, tc := range cases {
		for _, p := range []float64{0.05, 0.5, 0.95, 0.999} {
			t.Run(fmt.Sprintf("λ=%g,S=%g,c=%d,p=%g", tc.lambda, tc.s, tc.c, p), func(t *testing.T) {
				got, err := MMcResponseQuantile(tc.lambda, tc.s, tc.c, p)
				if err != nil {
					t.Fatal(err)
				}
				rho := tc.lambda * tc.s / float64(tc.c)
				K := tc.c + int(700/(-math.Log(rho))) + 10
				pr := mmcChain(tc.lambda, tc.s, tc.c, K)
				var cw float64
				for n := tc.c; n <= K; n++ {
					cw += pr[n]
				}
				mu := 1 / tc.s
				theta := float64(tc.c)*mu - tc.lambda
				cdf := simpson(func(s float64) float64 {
					return mu * math.Exp(-mu*s) * (1 - cw*math.Exp(-theta*(got-s)))
				}, 0, got, 20000)
				if math.Abs(cdf-p) > 1e-9 {
					t.Errorf("P(T ≤ %g) = %.12f by numerical convolution, want %g", got, cdf, p)
				}
			})
		}
	}
	// c = 1 is M/M/1.
	a, _ := MMcResponseQuantile(80, 0.010, 1, 0.95)
	b, _ := MM1ResponseQuantile(80, 0.010, 0.95)
	checkRel(t, "MMc(c=1) P95", a, b, 1e-12)
}

// erlangMD1 is Erlang's classical M/D/1 waiting-time CDF (time in units of D):
// P(Wq ≤ t) = (1−ρ) Σ_{k=0}^{⌊t⌋} [ρ(k−t)]^k/k! · e^{−ρ(k−t)}. Its terms
// alternate and reach about e^{2ρt}; it is used only where that is small.
func erlangMD1(rho, t float64) float64 {
	var s float64
	fact := 1.0
	for k := 0; float64(k) <= t; k++ {
		if k > 0 {
			fact *= float64(k)
		}
		x := rho * (float64(k) - t)
		s += math.Pow(x, float64(k)) / fact * math.Exp(-x)
	}
	return (1 - rho) * s
}

func TestMD1WaitCDFMatchesErlangSeries(t *testing.T) {
	for _, rho := range []float64{0.1, 0.5, 0.8, 0.95} {
		m := newMD1(rho)
		for i := 0; i <= 600; i++ {
			x := float64(i) / 100 // 0 .. 6 service times
			k := int(x)
			got := m.waitCDF(k, x-float64(k))
			want := erlangMD1(rho, x)
			if math.Abs(got-want) > 1e-11 {
				t.Fatalf("ρ=%g: P(Wq ≤ %g) = %.15f, Erlang series %.15f", rho, x, got, want)
			}
		}
	}
}

// TestMD1WaitMeanIsPK integrates the tail of the computed waiting-time CDF,
// E[Wq] = ∫_0^∞ P(Wq > t) dt, and compares it with Pollaczek–Khinchine,
// ρ/(2(1−ρ)) in units of D. This reaches far into the tail, where Erlang's
// series is useless in float64.
func TestMD1WaitMeanIsPK(t *testing.T) {
	for _, rho := range []float64{0.3, 0.8, 0.95, 0.99} {
		m := newMD1(rho)
		var mean float64
		for k := 0; ; k++ {
			m.grow(k + 1)
			// q decays geometrically; past q_k < 1e−18 the rest of the
			// integral is below 1e−18/(1−ρ)² ≪ the tolerance.
			if k > 0 && m.q[k] < 1e-18 {
				break
			}
			mean += simpson(func(u float64) float64 { return 1 - m.waitCDF(k, u) }, 0, 1, 16)
		}
		want := rho / (2 * (1 - rho))
		checkRel(t, fmt.Sprintf("ρ=%g E[Wq]/D", rho), mean, want, 1e-8)
	}
}

// geoD1WaitQuantile is an independent, discretised model of the M/D/1 queue:
// time in slots of h = D/N, at most one arrival per slot with probability
// q = λh (Bernoulli arrivals, which become Poisson as N → ∞), each arrival
// brings N slots of work, one slot of work is done per slot. The stationary
// workload V (in slots) seen by arrivals solves the level-crossing balance
// between v and v+1:
//
//	π(v+1)·(1−q) = q·Σ_{w=max(0,v+2−N)}^{v} π(w),
//
// a recursion of positive terms. It returns the p-quantile of the wait in
// units of D, linearly interpolated between grid points. Its error is O(1/N).
func geoD1WaitQuantile(rho, p float64, N int) float64 {
	q := rho / float64(N)
	pi := []float64{1}
	window := 1.0 // Σ π(w) over the window [max(0, v+2−N), v]
	total := 1.0
	for v := 0; ; v++ {
		next := q / (1 - q) * window
		pi = append(pi, next)
		total += next
		window += next
		lo := v + 2 - N
		if lo >= 0 {
			window -= pi[lo]
		}
		if v%N == 0 { // re-sum the window: the running sum keeps round-off residue
			window = 0
			for _, x := range pi[max(0, lo+1):] {
				window += x
			}
		}
		if v > 10*N && next < 1e-17*total {
			break
		}
	}
	cum := 0.0
	for v, x := range pi {
		prev := cum
		cum += x / total
		if cum >= p {
			if v == 0 {
				return 0
			}
			return (float64(v-1) + (p-prev)/(cum-prev)) / float64(N)
		}
	}
	return math.NaN()
}

// TestMD1ResponseQuantileAgainstDiscretisation compares with the discretised
// Geo/D/1 model at N and 2N slots per service, Richardson-extrapolated
// (2·Q(2N) − Q(N)) to remove its O(1/N) error.
func TestMD1ResponseQuantileAgainstDiscretisation(t *testing.T) {
	if testing.Short() {
		t.Skip("discretised reference takes ~0.5 s")
	}
	for _, rho := range []float64{0.5, 0.8, 0.95} {
		for _, p := range []float64{0.5, 0.95, 0.99} {
			if p <= 1-rho {
				continue
			}
			t.Run(fmt.Sprintf("ρ=%g,p=%g", rho, p), func(t *testing.T) {
				const N = 1000
				q1 := geoD1WaitQuantile(rho, p, N)
				q2 := geoD1WaitQuantile(rho, p, 2*N)
				ref := 2*q2 - q1
				got, err := MD1ResponseQuantile(rho, 1, p) // D = 1 s, λ = ρ/s
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs((got-1)-ref) > 1e-6*(1+ref) {
					t.Errorf("wait quantile %.6f D, discretised reference %.6f D (N=%d: %.6f, 2N: %.6f)", got-1, ref, N, q1, q2)
				}
			})
		}
	}
}

// TestMD1ResponseQuantileTextbook: the md1.yaml example, λ = 80/s, D = 10 ms.
// At p ≤ 1−ρ = 0.2 no wait is needed: the quantile is D. At integer multiples
// of D the waiting CDF equals P(N ≤ k), so for k = 1, p = P(Wq ≤ D) =
// (1−ρ)e^ρ (Erlang's series with one term; hand value 0.2·e^0.8 ≈ 0.445108)
// the response quantile must be 2D = 20 ms.
func TestMD1ResponseQuantileTextbook(t *testing.T) {
	got, err := MD1ResponseQuantile(80, 0.010, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "P10", got, 0.010, 1e-12)
	p := 0.2 * math.Exp(0.8)
	got, err = MD1ResponseQuantile(80, 0.010, p)
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "P(44.5)", got, 0.020, 1e-9)
	// The M/D/1 mean response is below the M/M/1 one (P–K); so must be its
	// median and P95 at the same load (less variable service, shorter tails).
	for _, p := range []float64{0.5, 0.95, 0.99} {
		d, _ := MD1ResponseQuantile(80, 0.010, p)
		m, _ := MM1ResponseQuantile(80, 0.010, p)
		if !(d < m) {
			t.Errorf("p=%g: M/D/1 %g s not below M/M/1 %g s", p, d, m)
		}
	}
}

func TestMD1ResponseQuantileHeavyLoad(t *testing.T) {
	// ρ = 0.999: the P99.9 wait lies thousands of service times out, where
	// Erlang's series would need e^{2ρt} ≈ 10^{3000}. Check it is finite and
	// consistent with the exponential tail approximation: the decay rate γ
	// solves γ = ρ(e^γ − 1) (in units of D), γ ≈ 2(1−ρ)/ρ for ρ → 1.
	got, err := MD1ResponseQuantile(0.999, 1, 0.999)
	if err != nil {
		t.Fatal(err)
	}
	gamma := 2 * (1 - 0.999) / 0.999
	approx := math.Log(0.999/(1-0.999)) / gamma // P(Wq > t) ≈ ρ·e^{−γt}
	if math.Abs(got-approx) > 0.02*approx {
		t.Errorf("ρ=0.999 P99.9 = %g D, exponential-tail approximation %g D", got, approx)
	}
}
