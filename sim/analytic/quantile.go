package analytic

import (
	"errors"
	"fmt"
	"math"
)

// MM1ResponseQuantile returns the p-quantile (seconds) of the response time
// of the FCFS M/M/1 queue, which is exponential with rate μ − λ:
// t_p = −ln(1−p)/(μ−λ) (Kleinrock Vol. 1 §3.2; Gross & Harris ch. 2).
// Example: λ = 80/s, E[S] = 10 ms gives P95 = ln(20)/20 s ≈ 149.8 ms.
// Errors: non-positive inputs, p outside (0,1); ErrUnstable when ρ ≥ 1.
func MM1ResponseQuantile(lambda, meanService, p float64) (float64, error) {
	if err := errors.Join(checkPos("arrival rate λ", lambda), checkPos("mean service time", meanService), checkProb(p)); err != nil {
		return 0, err
	}
	rho := lambda * meanService
	if !(rho < 1) {
		return 0, unstable(lambda, 1, rho)
	}
	// μ−λ = (1−ρ)/E[S].
	return -math.Log1p(-p) * meanService / (1 - rho), nil
}

// hypoSurvival returns P(X + Y > t) for independent X ~ Exp(r1), Y ~ Exp(r2),
// the hypoexponential survival function (θe^{−μt} − μe^{−θt})/(θ−μ) written
// as e^{−r t}(1 + r·t·g((R−r)t)) with r = min, R = max of the rates and
// g(x) = (1 − e^{−x})/x, which is stable as the rates approach each other
// (it becomes the Erlang-2 survival e^{−rt}(1 + rt)).
func hypoSurvival(r1, r2, t float64) float64 {
	r, R := min(r1, r2), max(r1, r2)
	x := (R - r) * t
	g := 1.0
	if x > 1e-12 {
		g = -math.Expm1(-x) / x
	}
	return math.Exp(-r*t) * (1 + r*t*g)
}

// MMcResponseQuantile returns the p-quantile (seconds) of the response time
// T = Wq + S of the FCFS M/M/c queue. Wq is 0 with probability 1 − C and
// exponential with rate θ = cμ − λ with probability C (C = Erlang C), and S ~
// Exp(μ) is independent of it (Gross & Harris ch. 2; Kleinrock Vol. 1 §3.5), so
//
//	P(T > t) = (1−C)·e^{−μt} + C·P(Exp(θ) + Exp(μ) > t),
//
// a mixture that is solved for t by bisection to full float64 precision.
// For c = 1 it reduces to MM1ResponseQuantile. Errors as MMc, and p outside (0,1).
func MMcResponseQuantile(lambda, meanService float64, c int, p float64) (float64, error) {
	if err := checkProb(p); err != nil {
		return 0, err
	}
	m, err := MMc(lambda, meanService, c)
	if err != nil {
		return 0, err
	}
	mu := 1 / meanService
	theta := float64(c) * (1 - m.Rho) * mu
	cw := m.PWait
	surv := func(t float64) float64 {
		return (1-cw)*math.Exp(-mu*t) + cw*hypoSurvival(theta, mu, t)
	}
	target := 1 - p
	lo, hi := 0.0, 1/theta+1/mu
	for surv(hi) > target {
		lo, hi = hi, 2*hi
	}
	return bisect(func(t float64) bool { return surv(t) > target }, lo, hi), nil
}

// bisect returns the boundary in [lo, hi] where below turns from true to
// false, assuming below(lo) is true or lo is the left end, and below(hi) is
// false. It stops when the interval no longer shrinks in float64.
func bisect(below func(float64) bool, lo, hi float64) float64 {
	for range 2000 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if below(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// MaxMD1Levels bounds the number of customers-in-system levels MD1ResponseQuantile
// may compute (cost O(levels), memory 8 bytes per level); a quantile further than
// this many service times into the tail (ρ extremely close to 1) is refused.
const MaxMD1Levels = 1_000_000

// md1 holds the distribution of the M/D/1 queue with service time 1 (time in
// units of D) and load ρ.
type md1 struct {
	rho  float64
	q    []float64 // q[n] = P(N = n), N the number in system at an arbitrary time
	cum  []float64 // cum[n] = P(N ≤ n)
	a0   float64   // e^{−ρ}, P(no arrival during one service)
	abar []float64 // abar[j] = P(Poisson(ρ) ≥ j), j ≥ 1, truncated where negligible
}

// poissonPMF returns e^{−x}·x^j/j! for j = 0..n−1.
func poissonPMF(x float64, n int) []float64 {
	pm := make([]float64, n)
	pm[0] = math.Exp(-x)
	for j := 1; j < n; j++ {
		pm[j] = pm[j-1] * x / float64(j)
	}
	return pm
}

// poissonTail returns P(Poisson(x) > j) for j = 0..n−1, x ≤ 1, summed from
// the far tail so that small tails keep their relative precision. Terms past
// index 200 are below 1e−370 for x ≤ 1 and are ignored.
func poissonTail(x float64, n int) []float64 {
	const far = 200
	pm := poissonPMF(x, far+1)
	tail := make([]float64, far+1) // tail[j] = Σ_{i>j} pm[i]
	for j := far - 1; j >= 0; j-- {
		tail[j] = tail[j+1] + pm[j+1]
	}
	out := make([]float64, n)
	copy(out, tail)
	return out
}

func newMD1(rho float64) *md1 {
	m := &md1{rho: rho, a0: math.Exp(-rho)}
	// abar[j] = P(A ≥ j) = P(A > j−1), for j ≥ 1; keep while not negligible.
	tail := poissonTail(rho, 200)
	m.abar = []float64{1} // abar[0] = 1 (unused)
	for j := 1; j < len(tail); j++ {
		v := tail[j-1]
		if v < 1e-300 || v < 1e-25*tail[0] {
			break
		}
		m.abar = append(m.abar, v)
	}
	m.q = []float64{1 - rho}
	m.cum = []float64{1 - rho}
	return m
}

// grow extends q to level n. The departure-epoch distribution of M/G/1 equals
// the time-average one (Kleinrock Vol. 1 ch. 5; PASTA and level crossing).
// Balancing the rate of down-crossings of the cut between n−1 and n against
// up-crossings in the embedded chain gives a recursion of positive terms only
// (no cancellation, unlike the textbook forward recursion):
//
//	q_n·a_0 = q_0·ā_n + Σ_{j=1}^{n−1} q_j·ā_{n−j+1},  ā_k = P(A ≥ k),
//
// A ~ Poisson(ρ) the arrivals during one service. ā decays faster than
// geometrically, so the sum is truncated where ā is below 1e−25·ā_1.
func (m *md1) grow(n int) {
	for k := len(m.q); k <= n; k++ {
		var s float64
		if k < len(m.abar) {
			s = m.q[0] * m.abar[k]
		}
		// j from max(1, k+1−len(abar)+1) to k−1: index k−j+1 < len(abar).
		jlo := max(1, k+2-len(m.abar))
		for j := jlo; j <= k-1; j++ {
			s += m.q[j] * m.abar[k-j+1]
		}
		v := s / m.a0
		m.q = append(m.q, v)
		m.cum = append(m.cum, m.cum[k-1]+v)
	}
}

// waitCDF returns P(Wq ≤ k + u) for integer k ≥ 0 and u ∈ [0, 1], time in
// units of D. With N the number in system and E the elapsed service of the
// customer in service at an arrival instant (PASTA):
//
//	Wq ≤ k+u  ⇔  N ≤ k, or N = k+1 and the residual service ≤ u,
//
// and service starts happen at rate λ with n present (the starting one
// included) with probability π_s(n) = q_n, except π_s(1) = q_0 + q_1; during
// an elapsed time e, Poisson(ρe) more arrive. Integrating over e ∈ [1−u, 1):
//
//	P(Wq ≤ k+u) = Σ_{n≤k} q_n + Σ_{n=1}^{k+1} π_s(n)·[P(Poi(ρ) > j) − P(Poi(ρ(1−u)) > j)],  j = k+1−n.
//
// Every term is non-negative. For k = 0 it reduces to Erlang's (1−ρ)e^{ρu}.
func (m *md1) waitCDF(k int, u float64) float64 {
	m.grow(k + 1)
	f := m.cum[k]
	if u <= 0 {
		return f
	}
	nt := min(k+1, 200)
	ta := poissonTail(m.rho, nt)
	tb := poissonTail(m.rho*(1-u), nt)
	for j := 0; j < nt; j++ {
		n := k + 1 - j
		ps := m.q[n]
		if n == 1 {
			ps += m.q[0]
		}
		if d := ta[j] - tb[j]; d > 0 {
			f += ps * d
		}
	}
	return f
}

// MD1ResponseQuantile returns the p-quantile (seconds) of the response time
// of the FCFS M/D/1 queue (Poisson arrivals at lambda per second, every
// service exactly service seconds): the waiting-time quantile plus service.
//
// The waiting-time distribution is Erlang's (1909; Crommelin 1932; Gross &
// Harris, the M/D/1 waiting time): P(Wq ≤ t) = (1−ρ) Σ_{k=0}^{⌊t⌋} [ρ(k−t)]^k/k! · e^{−ρ(k−t)}
// (t in units of D), whose alternating terms reach e^{2ρt} and lose all
// precision in float64 past a few dozen service times. This function uses an
// equivalent form with non-negative terms only (see md1.waitCDF): the
// number-in-system distribution of the embedded M/G/1 chain from a
// cancellation-free recursion, mixed with the elapsed service of the customer
// in service. At integer t = k it is P(N ≤ k). The quantile is found by a
// search over k and bisection within [k, k+1].
//
// Errors: non-positive inputs, p outside (0,1), ErrUnstable when ρ ≥ 1, and an
// error when the quantile lies more than MaxMD1Levels service times out.
func MD1ResponseQuantile(lambda, service, p float64) (float64, error) {
	if err := errors.Join(checkPos("arrival rate λ", lambda), checkPos("service time", service), checkProb(p)); err != nil {
		return 0, err
	}
	rho := lambda * service
	if !(rho < 1) {
		return 0, unstable(lambda, 1, rho)
	}
	w, err := md1WaitQuantile(rho, p)
	if err != nil {
		return 0, fmt.Errorf("analytic: M/D/1 quantile p=%g at λ=%g/s, D=%gs: %w", p, lambda, service, err)
	}
	return (w + 1) * service, nil
}

// md1WaitQuantile returns the p-quantile of Wq in units of D.
func md1WaitQuantile(rho, p float64) (float64, error) {
	m := newMD1(rho)
	if p <= m.q[0] {
		return 0, nil // the atom at zero: P(Wq = 0) = 1 − ρ
	}
	// Find k with P(N ≤ k) < p ≤ P(N ≤ k+1) = P(Wq ≤ k+1).
	k := 0
	for {
		if k+1 > MaxMD1Levels {
			return 0, fmt.Errorf("quantile beyond %d service times (ρ too close to 1)", MaxMD1Levels)
		}
		m.grow(k + 1)
		if m.cum[k+1] >= p {
			break
		}
		if m.cum[k+1] == m.cum[k] && k > 0 {
			return 0, fmt.Errorf("p is closer to 1 than the float64 CDF resolves (P(N ≤ %d) = 1 − %.3g)", k+1, 1-m.cum[k+1])
		}
		k++
	}
	u := bisect(func(u float64) bool { return m.waitCDF(k, u) < p }, 0, 1)
	return float64(k) + u, nil
}
