package sim

import (
	"errors"
	"fmt"
	"math"

	"github.com/capsim/capsim/sim/analytic"
)

// addAnalytic puts closed-form means beside the simulated ones where the model allows it: plain
// stations fed by Poisson open flows (M/M/c, M/M/c/K, M/D/1, M/G/1, M/G/1-PS), and flows whose
// every visited station has a closed form (a Jackson network when service is exponential; for
// other service laws the sum is the usual decomposition approximation, and is only given for a
// flow that visits a single station).
func (m *Model) addAnalytic(p *Point, dm demands, load float64) {
	scale := load / m.ref
	lambda := make([]float64, len(m.stations))
	allPoisson := true
	for f, fl := range m.flows {
		if fl.closed || !fl.poisson {
			allPoisson = false
			continue
		}
		for s := range lambda {
			lambda[s] += fl.rate * scale * dm.visits[f][s]
		}
	}
	if !allPoisson {
		m.addMVA(p, dm, load)
		return
	}
	w := make([]float64, len(m.stations)) // analytic response per visit, s; 0 = none
	for s, spec := range m.stations {
		if spec.service == nil || lambda[s] == 0 {
			continue
		}
		mean := spec.service.mean / 1e9
		var met analytic.Metrics
		var err error
		switch {
		case spec.ps && spec.servers == 1:
			// M/G/1-PS is insensitive: W = S/(1−ρ)
			rho := lambda[s] * mean
			if rho < 1 {
				met.W = mean / (1 - rho)
			} else {
				err = analytic.ErrUnstable
			}
		case spec.ps:
			continue
		case spec.cap > 0 && spec.service.kind == dExp:
			met, err = analytic.MMcK(lambda[s], mean, spec.servers, spec.cap)
		case spec.service.kind == dExp:
			met, err = analytic.MMc(lambda[s], mean, spec.servers)
		case spec.cap > 0:
			continue
		case spec.servers == 1 && spec.service.kind == dDet:
			met, err = analytic.MD1(lambda[s], mean)
		case spec.servers == 1:
			met, err = analytic.MG1(lambda[s], mean, spec.service.scv)
		default:
			continue
		}
		if err != nil {
			continue
		}
		w[s] = met.W
		ms := met.W * 1e3
		p.Stations[s].AnalyticMeanResponseMS = &ms
	}
	for f, fl := range m.flows {
		total, ok, visited, allExp := 0.0, true, 0, true
		for s := range m.stations {
			v := dm.visits[f][s]
			if v == 0 {
				continue
			}
			visited++
			if w[s] == 0 {
				ok = false
				break
			}
			if m.stations[s].service.kind != dExp {
				allExp = false
			}
			total += v * w[s]
		}
		if visited > 1 && !allExp {
			ok = false
		}
		if ok && visited > 0 && !fl.closed {
			ms := total * 1e3
			p.Flows[f].AnalyticMeanMS = &ms
		}
	}
}

// CheckAnalytic reports, for `capsim run --analytic`, every plain unbounded station whose offered
// utilization λ·E[S]/c at design load is 1 or more: its closed form has no steady state. A
// finite-capacity station (M/M/c/K) has one at any load and is never reported (see
// steadyUtilization). The error wraps analytic.ErrUnstable.
func (m *Model) CheckAnalytic() error {
	ul := m.steadyUtilization(m.design)
	var errs []error
	for st, spec := range m.stations {
		if spec.service != nil && ul[st] >= 1 {
			errs = append(errs, fmt.Errorf("%w: station %q has utilization λ·E[S]/c = %.3f at design load; lower the rate or add servers",
				analytic.ErrUnstable, spec.name, ul[st]))
		}
	}
	return errors.Join(errs...)
}

// addMVA gives a closed flow over plain stations its exact mean response time from mean value
// analysis (Reiser and Lavenberg 1980; multi-server stations by normalising constants), when the
// network is product-form: the only flow is closed, its stations are FCFS with exponential service
// (any number of servers) or single-server processor sharing (any service law), and think time
// enters through its mean only (BCMP).
func (m *Model) addMVA(p *Point, dm demands, load float64) {
	if len(m.flows) != 1 || !m.flows[0].closed {
		return
	}
	fl := &m.flows[0]
	var demand []float64
	var servers []int
	for st, spec := range m.stations {
		v := dm.visits[0][st]
		if v == 0 {
			continue
		}
		if spec.service == nil || spec.cap > 0 {
			return // a node station or a finite capacity: not product-form here
		}
		if !(spec.service.kind == dExp && !spec.ps) && !(spec.ps && spec.servers == 1) {
			return
		}
		demand = append(demand, dm.d[0][st])
		servers = append(servers, spec.servers)
	}
	n := int(math.Round(float64(fl.population) * load / m.ref))
	if len(demand) == 0 || n < 1 {
		return
	}
	res, err := analytic.MVAMultiServer(demand, servers, m.dists[fl.think].mean/1e9, n)
	if err != nil {
		return
	}
	ms := res.Response * 1e3
	p.Flows[0].AnalyticMeanMS = &ms
}
