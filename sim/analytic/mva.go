package analytic

import (
	"errors"
	"fmt"
	"math"
)

// MVAResult is the solution of a closed single-class network with population n.
//
// Throughput is system throughput X (interactions/s, counted at the delay
// station); Response is the mean time spent in the queueing stations per
// interaction, R = n/X − Z (s), think time excluded. The slices have one entry
// per station, in the order of the demands: StationResponse R_k (s, per
// interaction, all visits together), StationQueue Q_k (mean number present,
// waiting plus in service), Utilization U_k = X·D_k / c_k (per server, 0..1).
type MVAResult struct {
	Throughput      float64
	Response        float64
	StationResponse []float64
	StationQueue    []float64
	Utilization     []float64
}

// MaxMVAPopulation bounds n for MVA and MVAMultiServer (cost O(n·K) and
// O(n·Σ min(c_k, n)) respectively).
const MaxMVAPopulation = 1_000_000

func checkClosed(demands []float64, think float64, n int) error {
	var errs []error
	if len(demands) == 0 {
		errs = append(errs, errors.New("analytic: closed network needs at least one station demand"))
	}
	var sum float64
	for k, d := range demands {
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			errs = append(errs, fmt.Errorf("analytic: demand of station %d must be a finite number ≥ 0 s, got %g", k, d))
			continue
		}
		sum += d
	}
	if math.IsNaN(think) || math.IsInf(think, 0) || think < 0 {
		errs = append(errs, fmt.Errorf("analytic: think time Z must be a finite number ≥ 0 s, got %g", think))
	} else if len(errs) == 0 && !(sum+think > 0 && sum+think <= math.MaxFloat64) {
		errs = append(errs, fmt.Errorf("analytic: total demand plus think time must be positive and finite, got %g s", sum+think))
	}
	if n < 1 {
		errs = append(errs, fmt.Errorf("analytic: population n must be ≥ 1, got %d", n))
	} else if n > MaxMVAPopulation {
		errs = append(errs, fmt.Errorf("analytic: population n = %d exceeds the limit %d", n, MaxMVAPopulation))
	}
	return errors.Join(errs...)
}

// MVA solves a closed single-class product-form network of load-independent
// single-server FCFS (or processor-sharing) stations plus a delay station of
// think time think (s) by exact mean value analysis with population n
// (Reiser & Lavenberg 1980; Lazowska et al., Quantitative System Performance,
// 1984, ch. 6):
//
//	R_k(m) = D_k·(1 + Q_k(m−1)),  X(m) = m/(Z + Σ_k R_k(m)),  Q_k(m) = X(m)·R_k(m),
//
// for m = 1..n, where demands[k] = D_k = visits × service time per visit (s).
// Errors: empty demands, a negative or non-finite demand or think time, all
// zero, n < 1 or n > MaxMVAPopulation.
func MVA(demands []float64, think float64, n int) (MVAResult, error) {
	if err := checkClosed(demands, think, n); err != nil {
		return MVAResult{}, err
	}
	K := len(demands)
	q := make([]float64, K)
	r := make([]float64, K)
	var x float64
	for m := 1; m <= n; m++ {
		var rs float64
		for k, d := range demands {
			r[k] = d * (1 + q[k])
			rs += r[k]
		}
		x = float64(m) / (think + rs)
		for k := range q {
			q[k] = x * r[k]
		}
	}
	return finishMVA(demands, nil, think, n, x, r, q), nil
}

func finishMVA(demands []float64, servers []int, think float64, n int, x float64, r, q []float64) MVAResult {
	res := MVAResult{
		Throughput:      x,
		StationResponse: r,
		StationQueue:    q,
		Utilization:     make([]float64, len(demands)),
	}
	for k, d := range demands {
		res.Response += r[k]
		c := 1
		if servers != nil {
			c = servers[k]
		}
		res.Utilization[k] = x * d / float64(c)
	}
	return res
}

// ClosedBounds returns the asymptotic bounds of a closed single-class network
// with station demands D_k (s), think time Z (s) and population n (Lazowska et
// al. 1984, ch. 5):
//
//	X(n) ≤ xUpper = min(n/(D+Z), 1/D_max),   R(n) ≥ rLower = max(D, n·D_max − Z),
//
// with D = Σ D_k. They are the bounds for single-server (load-independent)
// stations; multi-server stations are outside their assumptions.
// Invalid input (as for MVA) returns NaN, NaN.
func ClosedBounds(demands []float64, think float64, n int) (xUpper, rLower float64) {
	if checkClosed(demands, think, n) != nil {
		return math.NaN(), math.NaN()
	}
	var d, dmax float64
	for _, v := range demands {
		d += v
		dmax = max(dmax, v)
	}
	xUpper = float64(n) / (d + think)
	if dmax > 0 {
		xUpper = min(xUpper, 1/dmax)
	}
	rLower = max(d, float64(n)*dmax-think)
	return xUpper, rLower
}
