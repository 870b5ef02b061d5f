package availability

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// HoursPerYear is the length of the year the downtime figures use (365 days).
const HoursPerYear = 8760

// MaxEvents caps the expected number of component transitions of one Simulate call (over all
// replications), so a mistyped MTBF (minutes read as hours) gives an error, not an endless run.
const MaxEvents = 2e8

// ErrInput is wrapped by every error about bad input.
var ErrInput = errors.New("availability: bad input")

// Component is one independently failing part of the system (a node).
type Component struct {
	// Name keys the component's random stream; names must be unique.
	Name string
	// MTBF is the mean up time between failures, in hours (> 0).
	MTBF float64
	// MTTR is the mean time to repair, in hours (≥ 0; 0 = never down).
	MTTR float64
}

// Structure reports whether the system is up given which components are up: up[i] is the state
// of comps[i]. It must not modify or keep the slice.
type Structure func(up []bool) bool

// Stats is the outcome of Simulate.
type Stats struct {
	// Availability is the mean over replications of the fraction of time the system is up
	// (0..1); Lo and Hi bound its 95 % interval (Student t over replications, clipped to [0, 1]).
	Availability, Lo, Hi float64
	// Outages is the number of system outages over all replications (an outage cut by the
	// horizon counts once, with its truncated length).
	Outages int
	// MeanOutageH is the mean length of a system outage in hours (0 when there was none).
	MeanOutageH float64
	// OutagesPerYear is Outages per HoursPerYear of simulated time.
	OutagesPerYear float64
	// Transitions is the number of component failures and repairs simulated.
	Transitions int64
	// Replications and HorizonH echo the run.
	Replications int
	HorizonH     float64
}

// DowntimePerYearH is (1 − Availability) × HoursPerYear.
func (s Stats) DowntimePerYearH() float64 { return (1 - s.Availability) * HoursPerYear }

// Estimate is Simulate reduced to the availability and its 95 % interval (fractions, 0..1).
func Estimate(comps []Component, up Structure, horizonH float64, reps int, seed uint64) (mean, lo, hi float64, err error) {
	st, err := Simulate(comps, up, horizonH, reps, seed)
	if err != nil {
		return 0, 0, 0, err
	}
	return st.Availability, st.Lo, st.Hi, nil
}

// Option changes how Simulate runs (not what it computes).
type Option func(*options)

type options struct {
	progress func(done, total int)
}

// WithProgress calls fn after every replication with the replications done and reps. Calls
// are serialized and done increases by one each time; fn must return quickly.
func WithProgress(fn func(done, total int)) Option { return func(o *options) { o.progress = fn } }

// Simulate runs reps independent replications of horizonH hours each (replications run in
// parallel on GOMAXPROCS goroutines; the result depends only on the inputs and the seed).
//
// Errors (wrapping ErrInput): no components, a nil structure, a duplicate name, MTBF ≤ 0 or
// MTTR < 0 or either not finite, horizonH ≤ 0 or not finite, reps < 1, or more than MaxEvents
// expected transitions.
func Simulate(comps []Component, up Structure, horizonH float64, reps int, seed uint64, opts ...Option) (Stats, error) {
	if err := check(comps, up, horizonH, reps); err != nil {
		return Stats{}, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	outs := make([]repOut, reps)
	workers := min(runtime.GOMAXPROCS(0), reps)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				outs[r] = replicate(comps, up, horizonH, seed, r)
				if o.progress != nil {
					mu.Lock()
					done++
					o.progress(done, reps)
					mu.Unlock()
				}
			}
		}()
	}
	for r := range outs {
		next <- r
	}
	close(next)
	wg.Wait()

	st := Stats{Replications: reps, HorizonH: horizonH}
	fr := make([]float64, reps)
	down := 0.0
	for r, o := range outs {
		fr[r] = o.upH / horizonH
		st.Outages += o.outages
		down += o.downH
		st.Transitions += o.transitions
	}
	st.Availability, st.Lo, st.Hi = meanCI(fr)
	if st.Outages > 0 {
		st.MeanOutageH = down / float64(st.Outages)
	}
	st.OutagesPerYear = float64(st.Outages) / (float64(reps) * horizonH) * HoursPerYear
	return st, nil
}

func check(comps []Component, up Structure, horizonH float64, reps int) error {
	var errs []error
	if len(comps) == 0 {
		errs = append(errs, errors.New("no components"))
	}
	if up == nil {
		errs = append(errs, errors.New("no structure function"))
	}
	if !(horizonH > 0) || math.IsInf(horizonH, 1) {
		errs = append(errs, fmt.Errorf("horizon must be a positive number of hours, got %g", horizonH))
	}
	if reps < 1 {
		errs = append(errs, fmt.Errorf("replications must be ≥ 1, got %d", reps))
	}
	seen := map[string]bool{}
	events := 0.0
	for i, c := range comps {
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("component %d: duplicate name %q (names key the random streams)", i, c.Name))
		}
		seen[c.Name] = true
		if !(c.MTBF > 0) || math.IsInf(c.MTBF, 1) {
			errs = append(errs, fmt.Errorf("component %q: MTBF must be a positive number of hours, got %g", c.Name, c.MTBF))
			continue
		}
		if !(c.MTTR >= 0) || math.IsInf(c.MTTR, 1) {
			errs = append(errs, fmt.Errorf("component %q: MTTR must be ≥ 0 hours, got %g", c.Name, c.MTTR))
			continue
		}
		if c.MTTR > 0 {
			events += 2 * horizonH / (c.MTBF + c.MTTR)
		}
	}
	if len(errs) == 0 && events*float64(reps) > MaxEvents {
		errs = append(errs, fmt.Errorf("about %.3g failures and repairs to simulate (more than %.0g): MTBF and MTTR are in hours", events*float64(reps), float64(MaxEvents)))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInput, errors.Join(errs...))
	}
	return nil
}

type repOut struct {
	upH, downH  float64
	outages     int
	transitions int64
}

// replicate simulates one replication from a stationary start.
func replicate(comps []Component, structure Structure, horizon float64, seed uint64, rep int) repOut {
	n := len(comps)
	state := make([]bool, n)
	next := make([]float64, n)
	rngs := make([]*rand.Rand, n)
	for i, c := range comps {
		rngs[i] = rand.New(rand.NewPCG(streamState(seed, c.Name, rep)))
		if c.MTTR == 0 {
			state[i], next[i] = true, math.Inf(1)
			continue
		}
		state[i] = rngs[i].Float64() < Steady(c.MTBF, c.MTTR)
		next[i] = phase(rngs[i], c, state[i])
	}
	var o repOut
	t := 0.0
	sys := structure(state)
	start := 0.0 // start of the current outage
	if !sys {
		o.outages++
	}
	for {
		i := 0
		for j := 1; j < n; j++ {
			if next[j] < next[i] {
				i = j
			}
		}
		tn := math.Min(next[i], horizon)
		if sys {
			o.upH += tn - t
		}
		t = tn
		if t >= horizon {
			break
		}
		state[i] = !state[i]
		next[i] = t + phase(rngs[i], comps[i], state[i])
		o.transitions++
		now := structure(state)
		switch {
		case sys && !now:
			o.outages++
			start = t
		case !sys && now:
			o.downH += t - start
		}
		sys = now
	}
	if !sys {
		o.downH += horizon - start
	}
	return o
}

// phase draws the length of the phase a component just entered: an up time (mean MTBF) or a
// repair (mean MTTR).
func phase(r *rand.Rand, c Component, up bool) float64 {
	if up {
		return r.ExpFloat64() * c.MTBF
	}
	return r.ExpFloat64() * c.MTTR
}

// Stream is the PCG stream key of a component in a replication: FNV-1a of the name mixed with
// the replication number (SplitMix64 finaliser).
func Stream(name string, rep int) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return mix(h.Sum64() + mix(uint64(rep)+0x9e3779b97f4a7c15))
}

// streamState is the 128-bit PCG state (hi, lo) of a component's stream in replication rep of
// seed: the seed and the stream key are chained through the SplitMix64 finaliser into one key,
// and both words are SplitMix64 outputs from it, so the seed, the name and the replication each
// reach both words. Go's PCG advances (hi, lo) by a 128-bit LCG whose low word evolves on its
// own: with the seed as the high word and the key as the low one (as before issue 12), runs of
// different seeds shared the low word of every stream for ever.
func streamState(seed uint64, name string, rep int) (hi, lo uint64) {
	const gamma = 0x9e3779b97f4a7c15
	k := mix(mix(seed+gamma) ^ Stream(name, rep))
	return mix(k + gamma), mix(k + gamma + gamma)
}

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func meanCI(xs []float64) (mean, lo, hi float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, mean, mean
	}
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	v /= n - 1
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * math.Sqrt(v/n)
	return mean, math.Max(0, mean-h), math.Min(1, mean+h)
}

// Steady is the steady-state availability of one component, MTBF/(MTBF+MTTR) (same units for
// both). It is 1 when MTTR = 0 and NaN when MTBF ≤ 0 or MTTR < 0.
func Steady(mtbf, mttr float64) float64 {
	if !(mtbf > 0) || !(mttr >= 0) {
		return math.NaN()
	}
	if math.IsInf(mtbf, 1) {
		return 1
	}
	return mtbf / (mtbf + mttr)
}

// KofN is the availability of a system that is up while at least k of n independent components,
// each up with probability a, are up: Σ_{j=k..n} C(n,j) a^j (1−a)^(n−j). It is 1 for k ≤ 0, 0 for
// k > n, and NaN when n < 0 or a is outside [0, 1].
func KofN(k, n int, a float64) float64 {
	if n < 0 || !(a >= 0 && a <= 1) {
		return math.NaN()
	}
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	s := 0.0
	for j := k; j <= n; j++ {
		s += binom(n, j, a)
	}
	return math.Min(1, s)
}

// binom is C(n,j) a^j (1−a)^(n−j), in log space for large n.
func binom(n, j int, a float64) float64 {
	switch {
	case a == 0:
		if j == 0 {
			return 1
		}
		return 0
	case a == 1:
		if j == n {
			return 1
		}
		return 0
	}
	ln, _ := math.Lgamma(float64(n + 1))
	lj, _ := math.Lgamma(float64(j + 1))
	lnj, _ := math.Lgamma(float64(n - j + 1))
	return math.Exp(ln - lj - lnj + float64(j)*math.Log(a) + float64(n-j)*math.Log1p(-a))
}
