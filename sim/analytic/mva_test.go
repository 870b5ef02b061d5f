package analytic

import (
	"fmt"
	"math"
	"testing"
)

// TestMVASingleCustomer: with n = 1 nobody ever queues, so R = Σ D_k and
// X = 1/(Σ D_k + Z) (Lazowska et al. ch. 6).
func TestMVASingleCustomer(t *testing.T) {
	d := []float64{0.005, 0.020, 0.001, 0}
	res, err := MVA(d, 1.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "R", res.Response, 0.026, 1e-12)
	checkRel(t, "X", res.Throughput, 1/1.526, 1e-12)
	for k := range d {
		checkRel(t, fmt.Sprintf("R_%d", k), res.StationResponse[k], d[k], 1e-12)
	}
}

// TestMVAWithinBounds: for every population the exact throughput lies under
// the asymptotic bound min(n/(D+Z), 1/D_max), the response above
// max(D, n·D_max − Z), the population is conserved (Σ Q_k + X·Z = n, Little),
// and X tends to 1/D_max (Lazowska et al. ch. 5).
func TestMVAWithinBounds(t *testing.T) {
	d := []float64{0.040, 0.030, 0.025, 0.010}
	z := 2.0
	var x float64
	for n := 1; n <= 400; n++ {
		res, err := MVA(d, z, n)
		if err != nil {
			t.Fatal(err)
		}
		xu, rl := ClosedBounds(d, z, n)
		if res.Throughput > xu*(1+1e-12) {
			t.Errorf("n=%d: X=%g above bound %g", n, res.Throughput, xu)
		}
		if res.Response < rl*(1-1e-12) {
			t.Errorf("n=%d: R=%g below bound %g", n, res.Response, rl)
		}
		var pop float64
		for _, q := range res.StationQueue {
			pop += q
		}
		checkRel(t, fmt.Sprintf("n=%d population", n), pop+res.Throughput*z, float64(n), 1e-12)
		if res.Throughput < x*(1-1e-13) {
			t.Errorf("n=%d: throughput decreased", n)
		}
		x = res.Throughput
	}
	checkRel(t, "X(400) → 1/Dmax", x, 1/0.040, 1e-3)
}

// TestMVAFiniteSource compares MVA and MVAMultiServer with the machine-
// repairman model (M/M/c//N): n customers alternate think time Z and one
// station with c servers and demand D. Its birth–death chain has birth rate
// (n−j)/Z and death rate min(j, c)/D with j at the station, solved here from
// the balance equations; X = Σ_j min(j,c)/D·p_j and Q = Σ j·p_j
// (Kleinrock Vol. 1 ch. 3, finite-population models; Gross & Harris
// ch. 2).
func TestMVAFiniteSource(t *testing.T) {
	for _, tc := range []struct {
		d, z float64
		c, n int
	}{
		{0.1, 1, 1, 5},
		{0.1, 1, 1, 30},
		{0.1, 1, 4, 50},
		{0.5, 2, 3, 40},
		{1, 0, 2, 10}, // no think time: the station always holds n
		{0.05, 0.4, 16, 200},
	} {
		t.Run(fmt.Sprintf("D=%g,Z=%g,c=%d,n=%d", tc.d, tc.z, tc.c, tc.n), func(t *testing.T) {
			var p []float64
			if tc.z == 0 {
				p = make([]float64, tc.n+1)
				p[tc.n] = 1
			} else {
				p = birthDeath(
					func(j int) float64 { return float64(tc.n-j) / tc.z },
					func(j int) float64 { return float64(min(j, tc.c)) / tc.d },
					tc.n)
			}
			var x, q float64
			for j, v := range p {
				x += float64(min(j, tc.c)) / tc.d * v
				q += float64(j) * v
			}
			res, err := MVAMultiServer([]float64{tc.d}, []int{tc.c}, tc.z, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			checkRel(t, "X", res.Throughput, x, 1e-9)
			checkRel(t, "Q", res.StationQueue[0], q, 1e-9)
			checkRel(t, "U", res.Utilization[0], x*tc.d/float64(tc.c), 1e-9)
			if tc.c == 1 {
				single, err := MVA([]float64{tc.d}, tc.z, tc.n)
				if err != nil {
					t.Fatal(err)
				}
				checkRel(t, "MVA X", single.Throughput, x, 1e-9)
			}
		})
	}
}

// TestMVAMultiServerOneServerIsMVA: c_k = 1 everywhere reduces load-dependent
// MVA to the load-independent recursion.
func TestMVAMultiServerOneServerIsMVA(t *testing.T) {
	d := []float64{0.040, 0.030, 0.025, 0.010}
	for _, n := range []int{1, 2, 7, 50, 300} {
		a, err := MVA(d, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := MVAMultiServer(d, []int{1, 1, 1, 1}, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		checkRel(t, "X", b.Throughput, a.Throughput, 1e-12)
		checkRel(t, "R", b.Response, a.Response, 1e-12)
		for k := range d {
			checkRel(t, "Q_k", b.StationQueue[k], a.StationQueue[k], 1e-12)
		}
	}
}

// convolution is Buzen's convolution algorithm (Buzen, CACM 16(9), 1973),
// in plain float64 with a full O(n²) convolution per station, written
// independently of MVAMultiServer's log-space O(n·c) recursion: the normalising constant G(n) of the
// product-form solution is the convolution of per-station factors
// f_k(j) = D_k^j / Π_{i≤j} min(i, c_k) and f_Z(j) = Z^j/j!; then
// X(n) = G(n−1)/G(n) and P(n_k = j) = f_k(j)·G_{−k}(n−j)/G(n), with G_{−k}
// the constant of the network without station k. Demands are scaled by s to
// keep the factors in range. Plain float64, O(n²) per convolution.
func convolution(d []float64, c []int, z float64, n int) (x float64, q []float64) {
	var s float64 // the bottleneck's D_k/c_k keeps every G(m) in range
	for k, v := range d {
		s = max(s, v/float64(c[k]))
	}
	factor := func(k int) []float64 {
		f := make([]float64, n+1)
		f[0] = 1
		for j := 1; j <= n; j++ {
			if k < 0 {
				f[j] = f[j-1] * z / s / float64(j)
			} else {
				f[j] = f[j-1] * d[k] / s / float64(min(j, c[k]))
			}
		}
		return f
	}
	conv := func(a, b []float64) []float64 {
		out := make([]float64, n+1)
		for i := range out {
			for j := 0; j <= i; j++ {
				out[i] += a[j] * b[i-j]
			}
		}
		return out
	}
	without := func(skip int) []float64 {
		g := factor(-1)
		for k := range d {
			if k != skip {
				g = conv(g, factor(k))
			}
		}
		return g
	}
	g := without(-1)
	x = g[n-1] / (s * g[n])
	q = make([]float64, len(d))
	for k := range d {
		fk := factor(k)
		gk := without(k)
		for j := 1; j <= n; j++ {
			q[k] += float64(j) * fk[j] * gk[n-j] / g[n]
		}
	}
	return x, q
}

// ldMVA is textbook load-dependent MVA with marginal probabilities
// (Lazowska et al. 1984; Menascé, Almeida & Dowdy, Performance by Design, 2004):
//
//	R_k(m) = D_k/c_k·[1 + Q_k(m−1) + Σ_{j=0}^{c_k−2}(c_k−1−j)·p_k(j|m−1)]
//	p_k(j|m) = X(m)·D_k/j·p_k(j−1|m−1) (1 ≤ j < c_k),
//	p_k(0|m) = 1 − [X(m)·D_k + Σ_{j=1}^{c_k−1}(c_k−j)·p_k(j|m)]/c_k.
//
// It is a reference where it is accurate (no station near saturation); its
// p(0) subtraction breaks down at saturated multi-server stations, which is
// why MVAMultiServer does not use it.
func ldMVA(d []float64, servers []int, z float64, n int) (x float64, q []float64) {
	K := len(d)
	q = make([]float64, K)
	r := make([]float64, K)
	p := make([][]float64, K)
	pn := make([][]float64, K)
	for k, c := range servers {
		p[k] = make([]float64, c)
		pn[k] = make([]float64, c)
		p[k][0] = 1
	}
	for m := 1; m <= n; m++ {
		var rs float64
		for k := range d {
			c := servers[k]
			s := 1 + q[k]
			for j := 0; j <= c-2; j++ {
				s += float64(c-1-j) * p[k][j]
			}
			r[k] = d[k] / float64(c) * s
			rs += r[k]
		}
		x = float64(m) / (z + rs)
		for k := range d {
			q[k] = x * r[k]
			c := servers[k]
			busy := x * d[k]
			s := busy
			for j := c - 1; j >= 1; j-- {
				pn[k][j] = busy / float64(j) * p[k][j-1]
				s += float64(c-j) * pn[k][j]
			}
			pn[k][0] = 1 - s/float64(c)
			p[k], pn[k] = pn[k], p[k]
		}
	}
	return x, q
}

func TestMVAMultiServerAgainstLDMVA(t *testing.T) {
	d := []float64{0.080, 0.030, 0.050, 0.004}
	c := []int{4, 1, 2, 8}
	for _, n := range []int{1, 2, 5, 10, 20} { // station 1 below saturation
		res, err := MVAMultiServer(d, c, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		x, q := ldMVA(d, c, 1, n)
		checkRel(t, fmt.Sprintf("n=%d X", n), res.Throughput, x, 1e-9)
		for k := range d {
			checkRel(t, fmt.Sprintf("n=%d Q_%d", n, k), res.StationQueue[k], q[k], 1e-8)
		}
	}
}

func TestMVAMultiServerAgainstConvolution(t *testing.T) {
	d := []float64{0.080, 0.030, 0.050, 0.004}
	c := []int{4, 1, 2, 8}
	for _, z := range []float64{0, 0.5} {
		for _, n := range []int{1, 3, 10, 40, 120, 300} {
			t.Run(fmt.Sprintf("Z=%g,n=%d", z, n), func(t *testing.T) {
				res, err := MVAMultiServer(d, c, z, n)
				if err != nil {
					t.Fatal(err)
				}
				x, q := convolution(d, c, z, n)
				checkRel(t, "X", res.Throughput, x, 1e-9)
				for k := range d {
					checkRel(t, fmt.Sprintf("Q_%d", k), res.StationQueue[k], q[k], 1e-8)
				}
				// Bottleneck: max D_k/c_k = 0.030 (station 1).
				if res.Throughput > 1/0.030*(1+1e-12) {
					t.Errorf("X=%g above 1/max(D_k/c_k)", res.Throughput)
				}
			})
		}
	}
}

func TestMVAErrors(t *testing.T) {
	nan := math.NaN()
	cases := map[string]error{
		"empty":            second(MVA(nil, 1, 1)),
		"negative demand":  second(MVA([]float64{-1}, 1, 1)),
		"NaN demand":       second(MVA([]float64{nan}, 1, 1)),
		"negative think":   second(MVA([]float64{1}, -1, 1)),
		"all zero":         second(MVA([]float64{0, 0}, 0, 3)),
		"n=0":              second(MVA([]float64{1}, 1, 0)),
		"n huge":           second(MVA([]float64{1}, 1, MaxMVAPopulation+1)),
		"servers length":   second(MVAMultiServer([]float64{1, 2}, []int{1}, 1, 1)),
		"servers zero":     second(MVAMultiServer([]float64{1}, []int{0}, 1, 1)),
		"jackson length":   second(Jackson(1, []float64{1}, []float64{1, 2}, []int{1})),
		"jackson empty":    second(Jackson(1, nil, nil, nil)),
		"jackson λ=0":      second(Jackson(0, []float64{1}, []float64{0.1}, []int{1})),
		"jackson visits<0": second(Jackson(1, []float64{-1}, []float64{0.1}, []int{1})),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if x, r := ClosedBounds(nil, 1, 1); !math.IsNaN(x) || !math.IsNaN(r) {
		t.Errorf("ClosedBounds(nil) = %g, %g, want NaN", x, r)
	}
}
