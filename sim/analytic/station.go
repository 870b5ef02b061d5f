package analytic

import (
	"errors"
	"fmt"
	"math"
)

// ErrNoClosedForm is wrapped when a station has no exact closed form for the
// asked quantity (for example a response-time quantile of M/G/c).
var ErrNoClosedForm = errors.New("analytic: no closed form for this station")

// Station returns the mean metrics of a FCFS station with Poisson arrivals at
// lambda per second, c servers and a service time of mean meanService seconds
// and squared coefficient of variation scv (0 deterministic, 1 exponential,
// 1/k for Erlang-k or gamma with shape k, e^{σ²}−1 for a lognormal with log-sd
// σ, (b−a)²/(3(a+b)²) for uniform(a, b)), choosing the right formula:
// MMc when scv = 1, MG1 (Pollaczek–Khinchine) when c = 1, both exact; else
// MGcApprox (Allen–Cunneen) with exact = false.
// It is the dispatcher `capsim run --analytic` needs for one station.
// Errors as the formulas it calls.
func Station(lambda, meanService, scv float64, c int) (m Metrics, exact bool, err error) {
	switch {
	case scv == 1:
		m, err = MMc(lambda, meanService, c)
		return m, true, err
	case c == 1:
		m, err = MG1(lambda, meanService, scv)
		return m, true, err
	default:
		m, err = MGcApprox(lambda, meanService, scv, c)
		return m, false, err
	}
}

// ResponseQuantile returns the exact p-quantile (seconds) of the response time
// of a FCFS station with Poisson arrivals where one is known: exponential
// service (scv = 1, MMcResponseQuantile, any c) or deterministic service
// with one server (scv = 0, c = 1, MD1ResponseQuantile). Other cases return an
// error wrapping ErrNoClosedForm; input errors as the functions it calls.
func ResponseQuantile(lambda, meanService, scv float64, c int, p float64) (float64, error) {
	switch {
	case scv == 1:
		return MMcResponseQuantile(lambda, meanService, c, p)
	case scv == 0 && c == 1:
		return MD1ResponseQuantile(lambda, meanService, p)
	case math.IsNaN(scv) || scv < 0:
		return 0, fmt.Errorf("analytic: squared coefficient of variation scv must be a finite number ≥ 0, got %g", scv)
	default:
		return 0, fmt.Errorf("%w: response-time quantile of M/G/%d with scv=%g", ErrNoClosedForm, c, scv)
	}
}
