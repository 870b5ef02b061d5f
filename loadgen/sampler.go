package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/capsim/capsim/scenarios"
	"gonum.org/v1/gonum/stat/distuv"
)

// Sampler draws durations from a distribution; it is not safe for concurrent use (give each
// goroutine its own, from its own stream).
type Sampler func() time.Duration

// NewSampler returns a sampler of d (think time, service time) drawing from the PCG stream
// (seed, stream). The parameters come from scenarios.Dist.Params, the converter the simulation
// kernel uses too: exponential, deterministic, uniform, lognormal (mean with cv or p95), gamma
// (mean, cv), empirical. A zero Dist samples 0.
func NewSampler(d scenarios.Dist, seed, stream uint64) (Sampler, error) {
	p, err := d.Params()
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if p.Kind == "" {
		return func() time.Duration { return 0 }, nil
	}
	src := rand.NewPCG(seed, stream)
	rng := rand.New(src)
	switch p.Kind {
	case scenarios.Exponential:
		m := p.Mean
		return func() time.Duration { return time.Duration(rng.ExpFloat64() * m) }, nil
	case scenarios.Deterministic:
		mean := time.Duration(p.Mean)
		return func() time.Duration { return mean }, nil
	case scenarios.Uniform:
		lo, hi := p.Min, p.Max
		return func() time.Duration { return time.Duration(lo + rng.Float64()*(hi-lo)) }, nil
	case scenarios.Lognormal:
		mu, s := p.Mu, p.Sigma
		return func() time.Duration { return time.Duration(math.Exp(mu + s*rng.NormFloat64())) }, nil
	case scenarios.Gamma:
		g := distuv.Gamma{Alpha: p.Shape, Beta: p.Shape / p.Mean, Src: src}
		return func() time.Duration { return time.Duration(g.Rand()) }, nil
	case scenarios.Empirical:
		ss := make([]time.Duration, len(p.Samples))
		for i, v := range p.Samples {
			ss[i] = time.Duration(v)
		}
		return func() time.Duration { return ss[rng.IntN(len(ss))] }, nil
	}
	return nil, fmt.Errorf("loadgen: distribution %q has no sampler", p.Kind)
}
