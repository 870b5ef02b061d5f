package analytic

import (
	"errors"
	"fmt"
	"math"
)

// Metrics are the steady-state means of one station. Times are in seconds,
// rates per second.
type Metrics struct {
	Rho        float64 // per-server utilization, 0..1
	PWait      float64 // probability an (accepted) arrival waits (Erlang C for M/M/c)
	Wq, W      float64 // mean wait in queue, mean response time (s)
	Lq, L      float64 // mean number waiting, in system
	PBlock     float64 // blocking probability (M/M/c/K), else 0
	Throughput float64 // accepted arrivals per second
}

// ErrUnstable is wrapped by every error for a load with utilization ρ ≥ 1,
// for which an infinite-buffer queue has no steady state.
var ErrUnstable = errors.New("analytic: utilization ≥ 1, no steady state")

// Limits on sizes that cost loops, so a user number cannot hang the program.
const (
	// MaxServers is the largest number of servers c accepted by the exact
	// formulas (Erlang B/C recursion is O(c)).
	MaxServers = 10_000_000
	// MaxCapacity is the largest system capacity K accepted by MMcK (O(K)).
	MaxCapacity = 10_000_000
)

func checkPos(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Errorf("analytic: %s must be a positive finite number, got %g", name, v)
	}
	return nil
}

func checkServers(c int) error {
	if c < 1 {
		return fmt.Errorf("analytic: servers c must be ≥ 1, got %d", c)
	}
	if c > MaxServers {
		return fmt.Errorf("analytic: servers c = %d exceeds the limit %d", c, MaxServers)
	}
	return nil
}

func checkProb(p float64) error {
	if math.IsNaN(p) || p <= 0 || p >= 1 {
		return fmt.Errorf("analytic: quantile probability p must be in (0,1), got %g", p)
	}
	return nil
}

func unstable(lambda float64, c int, rho float64) error {
	return fmt.Errorf("%w: λ=%g/s, c=%d, ρ=%.3f", ErrUnstable, lambda, c, rho)
}

// MM1 returns the steady-state means of the M/M/1 queue with Poisson arrivals
// at lambda per second and exponential service of mean meanService seconds.
//
// With μ = 1/meanService and ρ = λ/μ: W = 1/(μ−λ), Wq = ρ/(μ−λ), L = ρ/(1−ρ),
// Lq = ρ²/(1−ρ), PWait = ρ (Kleinrock Vol. 1 §3.2).
// Errors: non-positive inputs; ErrUnstable when ρ ≥ 1.
func MM1(lambda, meanService float64) (Metrics, error) {
	return MMc(lambda, meanService, 1)
}

// erlang returns Erlang B and Erlang C for c servers and offered load a = λ·E[S]
// (Erlangs), using the stable recursion B(0) = 1, B(k) = a·B(k−1)/(k + a·B(k−1))
// and C = B/(1 − ρ(1 − B)) with ρ = a/c (Gross & Harris ch. 2).
// It requires c ≥ 1; C is meaningful only for ρ < 1.
func erlang(a float64, c int) (b, cw float64) {
	b = 1
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(c)
	return b, b / (1 - rho*(1-b))
}

// MMc returns the steady-state means of the M/M/c queue (c servers, FCFS,
// infinite waiting room): Poisson arrivals at lambda per second, exponential
// service of mean meanService seconds.
//
// PWait is Erlang C, C(c, a) with a = λ·E[S]; Wq = C/(cμ − λ), W = Wq + E[S],
// Lq = λ·Wq, L = λ·W (Kleinrock Vol. 1 §3.5; Gross & Harris
// ch. 2). Errors: non-positive inputs, c < 1 or c > MaxServers; ErrUnstable
// when ρ = a/c ≥ 1.
func MMc(lambda, meanService float64, c int) (Metrics, error) {
	if err := errors.Join(checkPos("arrival rate λ", lambda), checkPos("mean service time", meanService), checkServers(c)); err != nil {
		return Metrics{}, err
	}
	a := lambda * meanService
	rho := a / float64(c)
	if !(rho < 1) {
		return Metrics{}, unstable(lambda, c, rho)
	}
	_, cw := erlang(a, c)
	// cμ − λ = c(1−ρ)/E[S], written so that it is exact at ρ → 0.
	wq := cw * meanService / (float64(c) * (1 - rho))
	w := wq + meanService
	return Metrics{
		Rho: rho, PWait: cw,
		Wq: wq, W: w,
		Lq: lambda * wq, L: lambda * w,
		Throughput: lambda,
	}, nil
}

// MMcK returns the steady-state means of the M/M/c/K queue: c servers, room
// for K customers in the system (waiting plus in service, K ≥ c), arrivals
// that find K present are lost. It has a steady state for any load.
//
// The probabilities come from the birth–death balance equations,
// p_n = p_0·a^n/n! for n ≤ c and p_0·a^c/c!·(a/c)^(n−c) for c < n ≤ K
// (Gross & Harris ch. 2; Kleinrock Vol. 1 ch. 3), computed in log
// space so that large a and K do not overflow. PBlock = p_K; Throughput =
// λ(1 − p_K); L = Σ n·p_n, Lq = Σ (n−c)⁺·p_n; W = L/Throughput and
// Wq = Lq/Throughput (Little's law on accepted customers); Rho is the carried
// per-server utilization Throughput·E[S]/c; PWait is the probability that an
// accepted arrival waits, Σ_{n=c}^{K−1} p_n / (1 − p_K). K = c is the Erlang
// loss system (PBlock = Erlang B).
//
// Errors: non-positive inputs, c < 1, K < c, K > MaxCapacity.
func MMcK(lambda, meanService float64, c, K int) (Metrics, error) {
	if err := errors.Join(checkPos("arrival rate λ", lambda), checkPos("mean service time", meanService), checkServers(c)); err != nil {
		return Metrics{}, err
	}
	if K < c {
		return Metrics{}, fmt.Errorf("analytic: capacity K = %d must be ≥ servers c = %d", K, c)
	}
	if K > MaxCapacity {
		return Metrics{}, fmt.Errorf("analytic: capacity K = %d exceeds the limit %d", K, MaxCapacity)
	}
	a := lambda * meanService
	if math.IsInf(a, 0) {
		return Metrics{}, fmt.Errorf("analytic: offered load λ·E[S] = %g·%g overflows", lambda, meanService)
	}
	if a < 0x1p-1022 { // below the smallest normal float64: an empty system
		return Metrics{W: meanService, Throughput: lambda}, nil
	}
	la := math.Log(a)
	// log of the unnormalized p_n: logw(n) = logw(n−1) + ln a − ln min(n, c).
	// Pass 1 finds the maximum, pass 2 sums relative to it (no K-sized arrays).
	mx, lw := 0.0, 0.0
	for n := 1; n <= K; n++ {
		lw += la - math.Log(float64(min(n, c)))
		mx = max(mx, lw)
	}
	var sum, l, lq, pw, pk, acc float64
	lw = 0
	for n := 0; n <= K; n++ {
		if n > 0 {
			lw += la - math.Log(float64(min(n, c)))
		}
		w := math.Exp(lw - mx)
		sum += w
		l += float64(n) * w
		if n > c {
			lq += float64(n-c) * w
		}
		if n >= c && n < K {
			pw += w
		}
		if n == K {
			pk = w
		} else {
			acc += w // accepted: fewer than K present
		}
	}
	l /= sum
	lq /= sum
	pw /= sum
	acc /= sum // 1 − p_K without cancellation under heavy overload
	pb := pk / sum
	thr := lambda * acc
	m := Metrics{
		Rho:        thr * meanService / float64(c),
		PBlock:     pb,
		Throughput: thr,
		L:          l, Lq: lq,
	}
	if acc > 0 {
		m.PWait = pw / acc
	}
	if thr > 0 {
		m.W = l / thr
		m.Wq = lq / thr
	}
	return m, nil
}

// MG1 returns the steady-state means of the M/G/1 queue by the
// Pollaczek–Khinchine mean-value formula: Poisson arrivals at lambda per
// second, a general service time of mean meanService seconds and squared
// coefficient of variation scv = Var[S]/E[S]² (0 deterministic, 1
// exponential).
//
// Wq = λ·E[S²]/(2(1−ρ)) = ρ·E[S]·(1+scv)/(2(1−ρ)), W = Wq + E[S], PWait = ρ
// (Kleinrock Vol. 1 ch. 5; Gross & Harris, the M/G/1 chapter).
// Errors: non-positive λ or E[S], negative or non-finite scv; ErrUnstable when
// ρ ≥ 1.
func MG1(lambda, meanService, scv float64) (Metrics, error) {
	err := errors.Join(checkPos("arrival rate λ", lambda), checkPos("mean service time", meanService))
	if math.IsNaN(scv) || math.IsInf(scv, 0) || scv < 0 {
		err = errors.Join(err, fmt.Errorf("analytic: squared coefficient of variation scv must be a finite number ≥ 0, got %g", scv))
	}
	if err != nil {
		return Metrics{}, err
	}
	rho := lambda * meanService
	if !(rho < 1) {
		return Metrics{}, unstable(lambda, 1, rho)
	}
	wq := rho * meanService * (1 + scv) / (2 * (1 - rho))
	w := wq + meanService
	return Metrics{
		Rho: rho, PWait: rho,
		Wq: wq, W: w,
		Lq: lambda * wq, L: lambda * w,
		Throughput: lambda,
	}, nil
}

// MD1 returns the steady-state means of the M/D/1 queue: Poisson arrivals at
// lambda per second, every service exactly service seconds. It is MG1 with
// scv = 0: Wq = ρ·D/(2(1−ρ)) (Pollaczek–Khinchine; Kleinrock Vol. 1 ch. 5).
// Errors as MG1.
func MD1(lambda, service float64) (Metrics, error) {
	return MG1(lambda, service, 0)
}

// MGcApprox returns APPROXIMATE steady-state means of the M/G/c queue by the
// Allen–Cunneen formula: Wq ≈ C(c, a)/(cμ − λ) · (1 + scv)/2, the M/M/c wait
// scaled by (c_a² + c_s²)/2 with c_a² = 1 for Poisson arrivals (Allen,
// Probability, Statistics and Queueing Theory, 2nd ed. 1990, ch. 6; Gross &
// Harris, approximations for G/G/c). It is exact for c = 1 (Pollaczek–Khinchine) and for
// scv = 1 (M/M/c); elsewhere its error is typically a few percent and grows
// for small c and extreme scv. PWait is the M/M/c Erlang C value, itself an
// approximation for non-exponential service.
// Errors as MG1 and MMc.
func MGcApprox(lambda, meanService, scv float64, c int) (Metrics, error) {
	if math.IsNaN(scv) || math.IsInf(scv, 0) || scv < 0 {
		return Metrics{}, fmt.Errorf("analytic: squared coefficient of variation scv must be a finite number ≥ 0, got %g", scv)
	}
	m, err := MMc(lambda, meanService, c)
	if err != nil {
		return Metrics{}, err
	}
	m.Wq *= (1 + scv) / 2
	m.W = m.Wq + meanService
	m.Lq = lambda * m.Wq
	m.L = lambda * m.W
	return m, nil
}
