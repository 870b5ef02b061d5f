package analytic

import (
	"errors"
	"fmt"
	"math"
)

// MaxMVAMultiServerWork bounds the work of MVAMultiServer, about
// (stations+1) × n × Σ_k min(c_k, n) log-space additions.
const MaxMVAMultiServerWork = 2_000_000_000

// MVAMultiServer solves exactly a closed single-class product-form network
// whose station k has servers[k] identical FCFS exponential servers (service
// rate min(j, c_k)/D_k with j present, demands[k] = D_k in seconds per
// interaction), plus a delay station of think time think (s), with population
// n. It returns what load-dependent mean value analysis returns (Lazowska et
// al., Quantitative System Performance, 1984, chapter "Load Dependent
// Service Centers"; Reiser & Lavenberg 1980), and equals MVA when every c_k = 1.
//
// Method. Load-dependent MVA obtains the empty-station probability as
// p_k(0|m) = 1 − Σ_{j≥1} p_k(j|m), a difference of nearly equal numbers once a
// multi-server station saturates; the rounding error is then amplified by
// (X·D_k)^j/j! every c_k steps and the result becomes meaningless (for
// D = 50 ms, c = 16, Z = 0.4 s, n = 200 the marginal recursion gives a
// throughput of −117/s, or 193/s with p(0) clamped at 0, against the exact
// 320/s of the birth–death solution; see TestMVAFiniteSource). This function
// computes the same product-form solution from the normalising constants
// instead, which involve sums of positive terms only (Buzen's convolution
// algorithm: Buzen, CACM 16(9), 1973), kept in log space so that no population
// overflows:
//
//	G(m) = Σ_{n_Z + Σ n_k = m} Z^{n_Z}/n_Z! · Π_k D_k^{n_k} / Π_{i≤n_k} min(i, c_k)
//	X = G(n−1)/G(n),  p_k(j|n) = f_k(j)·G_{−k}(n−j)/G(n),  Q_k = Σ_j j·p_k(j|n),
//
// with G_{−k} the constant of the network without station k, R_k = Q_k/X and
// U_k = X·D_k/c_k (per server). Each convolution with a c-server station costs
// O(n·c) because its factor is geometric past j = c.
//
// Errors: as MVA, plus len(servers) ≠ len(demands), a server count < 1, or a
// network too large for MaxMVAMultiServerWork.
func MVAMultiServer(demands []float64, servers []int, think float64, n int) (MVAResult, error) {
	err := checkClosed(demands, think, n)
	if len(servers) != len(demands) {
		err = errors.Join(err, fmt.Errorf("analytic: %d server counts for %d stations", len(servers), len(demands)))
	} else {
		for k, c := range servers {
			if c < 1 {
				err = errors.Join(err, fmt.Errorf("analytic: servers of station %d must be ≥ 1, got %d", k, c))
			}
		}
	}
	if err != nil {
		return MVAResult{}, err
	}
	K := len(demands)
	var sumC float64
	for _, c := range servers {
		sumC += float64(min(c, n))
	}
	if work := float64(K+1) * float64(n) * sumC; work > MaxMVAMultiServerWork {
		return MVAResult{}, fmt.Errorf("analytic: network too large for exact multi-server MVA (%d stations, n=%d, ~%.3g operations > %d)", K, n, work, MaxMVAMultiServerWork)
	}
	g := logConstants(demands, servers, think, n, -1)
	x := math.Exp(g[n-1] - g[n])
	r := make([]float64, K)
	q := make([]float64, K)
	for k, d := range demands {
		if d == 0 {
			continue
		}
		gk := logConstants(demands, servers, think, n, k)
		lf := logFactor(d, servers[k], n)
		for j := 1; j <= n; j++ {
			q[k] += float64(j) * math.Exp(lf[j]+gk[n-j]-g[n])
		}
		r[k] = q[k] / x
	}
	return finishMVA(demands, servers, think, n, x, r, q), nil
}

// logAdd returns log(e^a + e^b), exact for −Inf operands.
func logAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// logFactor returns log f(j), j = 0..n, for a station of demand d > 0 and c
// servers: f(j) = d^j / Π_{i≤j} min(i, c).
func logFactor(d float64, c, n int) []float64 {
	lf := make([]float64, n+1)
	ld := math.Log(d)
	for j := 1; j <= n; j++ {
		lf[j] = lf[j-1] + ld - math.Log(float64(min(j, c)))
	}
	return lf
}

// logConstants returns log G(m), m = 0..n, for the delay station and every
// station except skip (−1: none), starting from the delay factor
// Z^m/m! and convolving one station at a time.
func logConstants(demands []float64, servers []int, think float64, n, skip int) []float64 {
	g := make([]float64, n+1)
	lz := math.Log(think) // −Inf for Z = 0: only g[0] = 0 survives
	for m := 1; m <= n; m++ {
		lg, _ := math.Lgamma(float64(m + 1))
		g[m] = float64(m)*lz - lg
	}
	h := make([]float64, n+1)
	head := make([]float64, 0, 64)
	for k, d := range demands {
		if k == skip || d == 0 {
			continue
		}
		c := min(servers[k], n)
		lf := logFactor(d, c, n)
		step := math.Log(d) - math.Log(float64(c))
		tail := math.Inf(-1) // log Σ_{j=c}^{m} f(j)·g(m−j)
		for m := 0; m <= n; m++ {
			if m >= c {
				tail = logAdd(lf[c]+g[m-c], step+tail)
			}
			// head: j = 0..min(m, c−1), summed around its maximum.
			head = head[:0]
			mx := tail
			for j := 0; j <= min(m, c-1); j++ {
				v := lf[j] + g[m-j]
				head = append(head, v)
				mx = max(mx, v)
			}
			if math.IsInf(mx, -1) {
				h[m] = mx
				continue
			}
			s := math.Exp(tail - mx)
			for _, v := range head {
				s += math.Exp(v - mx)
			}
			h[m] = mx + math.Log(s)
		}
		g, h = h, g
	}
	return g
}
