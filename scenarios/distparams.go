package scenarios

import (
	"errors"
	"fmt"
	"math"
)

// DistParams is a Dist resolved to the parameters a sampler draws from: the one conversion
// shared by the simulation kernel (sim), the load generator (loadgen) and the fixtures that
// emulate a service time (fixtures/loopback, fixtures/emulator, fixtures/shardstore through
// loadgen.NewSampler). Every duration is in nanoseconds as a float64, the kernel's clock unit,
// so a draw converts to a time.Duration or a simulated instant by truncation and nothing is
// scaled twice.
//
// Per kind (x a draw, in ns):
//
//   - Exponential: Mean; SCV 1.
//   - Deterministic: x = Mean; SCV 0.
//   - Lognormal: ln x ~ Normal(Mu, Sigma²), Sigma = √ln(1+cv²) (or solved from p95, see
//     Dist.LognormalSigma) and Mu = ln Mean − Sigma²/2, so E[x] = Mean.
//   - Gamma: Shape k = 1/cv², rate k/Mean (scale Mean/k); SCV cv².
//   - Uniform: x ~ U(Min, Max); Mean = (Min+Max)/2, SCV = (Max−Min)²/12/Mean².
//   - Empirical: x drawn uniformly from Samples; Mean and SCV those of the samples.
//
// A zero Dist (no distribution) gives the zero DistParams: Kind "" and Mean 0.
type DistParams struct {
	Kind    string    // one of the Dist kinds; "" for a zero Dist
	Mean    float64   // ns
	Mu      float64   // lognormal: mean of ln x (x in ns)
	Sigma   float64   // lognormal: standard deviation of ln x
	Shape   float64   // gamma: shape k (rate k/Mean per ns)
	Min     float64   // uniform: lower bound, ns
	Max     float64   // uniform: upper bound, ns
	Samples []float64 // empirical: the samples, ns
	SCV     float64   // squared coefficient of variation, variance / mean² (Dist.SCV)
}

// Params resolves d into sampler parameters in nanoseconds. It fails on parameters no sampler
// can draw from — a negative mean, max < min, a lognormal or gamma without mean > 0 and a
// spread, an empirical distribution without samples, an unknown kind — and never on a Dist that
// Validate accepts. A zero Dist gives the zero DistParams and no error.
func (d Dist) Params() (DistParams, error) {
	if d.IsZero() {
		return DistParams{}, nil
	}
	if d.Mean < 0 {
		return DistParams{}, fmt.Errorf("distribution %s: negative mean", d.Kind)
	}
	ns := func(x Duration) float64 { return float64(x) }
	switch d.Kind {
	case Exponential:
		return DistParams{Kind: Exponential, Mean: ns(d.Mean), SCV: 1}, nil
	case Deterministic:
		return DistParams{Kind: Deterministic, Mean: ns(d.Mean), SCV: 0}, nil
	case Lognormal:
		sig := d.LognormalSigma()
		if d.Mean <= 0 || sig <= 0 {
			return DistParams{}, errors.New("lognormal distribution needs mean > 0 and cv or p95 > mean")
		}
		m := ns(d.Mean)
		return DistParams{Kind: Lognormal, Mean: m, Mu: math.Log(m) - sig*sig/2, Sigma: sig, SCV: d.SCV()}, nil
	case Gamma:
		if d.Mean <= 0 || d.CV <= 0 {
			return DistParams{}, errors.New("gamma distribution needs mean > 0 and cv > 0")
		}
		return DistParams{Kind: Gamma, Mean: ns(d.Mean), Shape: 1 / (d.CV * d.CV), SCV: d.SCV()}, nil
	case Uniform:
		if d.Max < d.Min {
			return DistParams{}, fmt.Errorf("uniform distribution: max %v < min %v", d.Max, d.Min)
		}
		// the mean as MeanSeconds gives it, in ns (the kernel's figures have always used it)
		return DistParams{Kind: Uniform, Mean: d.MeanSeconds() * 1e9, Min: ns(d.Min), Max: ns(d.Max), SCV: d.SCV()}, nil
	case Empirical:
		if len(d.Samples) == 0 {
			return DistParams{}, errors.New("empirical distribution needs samples")
		}
		smp := make([]float64, len(d.Samples))
		for i, v := range d.Samples {
			smp[i] = ns(v)
		}
		return DistParams{Kind: Empirical, Mean: d.MeanSeconds() * 1e9, Samples: smp, SCV: d.SCV()}, nil
	}
	return DistParams{}, fmt.Errorf("unknown distribution %q", d.Kind)
}
