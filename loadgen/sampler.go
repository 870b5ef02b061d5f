package loadgen

import (
	"errors"
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
// (seed, stream). Kinds as in scenarios.Dist: exponential, deterministic, uniform, lognormal
// (mean with cv or p95), gamma (mean, cv), empirical. A zero Dist samples 0.
func NewSampler(d scenarios.Dist, seed, stream uint64) (Sampler, error) {
	if d.IsZero() {
		return func() time.Duration { return 0 }, nil
	}
	src := rand.NewPCG(seed, stream)
	rng := rand.New(src)
	mean := time.Duration(d.Mean)
	if mean < 0 {
		return nil, fmt.Errorf("loadgen: distribution %s: negative mean", d.Kind)
	}
	switch d.Kind {
	case scenarios.Exponential:
		m := float64(mean)
		return func() time.Duration { return time.Duration(rng.ExpFloat64() * m) }, nil
	case scenarios.Deterministic:
		return func() time.Duration { return mean }, nil
	case scenarios.Uniform:
		lo, hi := float64(d.Min), float64(d.Max)
		if hi < lo {
			return nil, fmt.Errorf("loadgen: uniform distribution: max %v < min %v", d.Max, d.Min)
		}
		return func() time.Duration { return time.Duration(lo + rng.Float64()*(hi-lo)) }, nil
	case scenarios.Lognormal:
		s := d.LognormalSigma()
		if mean <= 0 || s <= 0 {
			return nil, errors.New("loadgen: lognormal distribution needs mean > 0 and cv or p95 > mean")
		}
		mu := math.Log(float64(mean)) - s*s/2
		return func() time.Duration { return time.Duration(math.Exp(mu + s*rng.NormFloat64())) }, nil
	case scenarios.Gamma:
		if mean <= 0 || d.CV <= 0 {
			return nil, errors.New("loadgen: gamma distribution needs mean > 0 and cv > 0")
		}
		k := 1 / (d.CV * d.CV)
		g := distuv.Gamma{Alpha: k, Beta: k / float64(mean), Src: src}
		return func() time.Duration { return time.Duration(g.Rand()) }, nil
	case scenarios.Empirical:
		if len(d.Samples) == 0 {
			return nil, errors.New("loadgen: empirical distribution needs samples")
		}
		ss := d.Samples
		return func() time.Duration { return time.Duration(ss[rng.IntN(len(ss))]) }, nil
	}
	return nil, fmt.Errorf("loadgen: unknown distribution %q", d.Kind)
}
