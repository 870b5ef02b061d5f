package analytic

import (
	"errors"
	"fmt"
	"math"
)

// Jackson solves an open product-form (Jackson) network: external Poisson
// arrivals at lambda per second, station k visited visits[k] times per
// arrival on average (the visit ratios, i.e. the solution of the traffic
// equations), exponential service of mean meanService[k] seconds at
// servers[k] servers. Each station then behaves as an independent M/M/c with
// arrival rate λ_k = λ·visits[k] (Jackson 1963; Gross & Harris, the networks
// chapter; Kleinrock Vol. 1 ch. 4). The result has one Metrics per station, per visit:
// W is the mean response time of one visit, so the mean end-to-end response
// time is Σ visits[k]·W_k.
//
// A station with visits 0 gets Metrics{W: meanService, Wq: 0} and zero rates.
// Errors: mismatched lengths, λ ≤ 0, a negative visit ratio, a non-positive
// service time or server count (each named by station index, all at once);
// ErrUnstable (wrapped, naming the station) when a station has ρ ≥ 1.
func Jackson(lambda float64, visits, meanService []float64, servers []int) ([]Metrics, error) {
	if err := checkPos("arrival rate λ", lambda); err != nil {
		return nil, err
	}
	if len(visits) != len(meanService) || len(visits) != len(servers) {
		return nil, fmt.Errorf("analytic: Jackson network needs equal lengths, got %d visits, %d service times, %d server counts",
			len(visits), len(meanService), len(servers))
	}
	if len(visits) == 0 {
		return nil, errors.New("analytic: Jackson network needs at least one station")
	}
	out := make([]Metrics, len(visits))
	var errs []error
	for k, v := range visits {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			errs = append(errs, fmt.Errorf("analytic: station %d: visit ratio must be a finite number ≥ 0, got %g", k, v))
			continue
		}
		if v == 0 {
			if err := errors.Join(checkPos("mean service time", meanService[k]), checkServers(servers[k])); err != nil {
				errs = append(errs, fmt.Errorf("station %d: %w", k, err))
			}
			out[k] = Metrics{W: meanService[k]}
			continue
		}
		m, err := MMc(lambda*v, meanService[k], servers[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("station %d: %w", k, err))
			continue
		}
		out[k] = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
