package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestGammaSampler: the kernel's Marsaglia–Tsang sampler has the gamma's mean k·θ and variance
// k·θ², and its upper quantiles match gonum's gamma (an independent implementation) — for the
// shapes the kernel uses (Erlang sums of per-event costs) and a non-integer one.
func TestGammaSampler(t *testing.T) {
	for _, k := range []float64{1, 2.5, 10, 83.3, 500} {
		mean := 1e6 // ns
		s := newSampler(distSpec{kind: dGamma, mean: mean, gammaK: k}, newStream(3, 0, "gamma-test"))
		ref := newSampler(distSpec{kind: dGamma, mean: mean, gammaK: k}, newStream(4, 0, "gamma-ref"))
		ref.gam = gonumGamma(k, mean, 5) // force gonum for the reference
		const n = 200000
		sum, sq := 0.0, 0.0
		for i := 0; i < n; i++ {
			x := s.draw()
			sum += x
			sq += x * x
		}
		m := sum / n
		v := sq/n - m*m
		theta := mean / k
		wantV := k * theta * theta
		// standard error of the mean: σ/√n; four of them
		if se := math.Sqrt(wantV / n); math.Abs(m-mean) > 4*se {
			t.Errorf("k=%g: mean %.1f, want %.1f ± %.1f", k, m, mean, 4*se)
		}
		if math.Abs(v-wantV)/wantV > 0.03 {
			t.Errorf("k=%g: variance %.4g, want %.4g (±3 %%)", k, v, wantV)
		}
		// the 0.99 quantile against gonum's sampler
		q := func(draw func() float64) float64 {
			xs := make([]float64, 50000)
			for i := range xs {
				xs[i] = draw()
			}
			return quantile(xs, 0.99)
		}
		a, b := q(s.draw), q(ref.draw)
		if math.Abs(a-b)/b > 0.03 {
			t.Errorf("k=%g: P99 %.4g vs gonum %.4g", k, a, b)
		}
	}
}

func gonumGamma(k, mean float64, seed uint64) Dist {
	return distuv.Gamma{Alpha: k, Beta: k / mean, Src: rand.NewPCG(seed, seed+1)}
}

func quantile(xs []float64, p float64) float64 {
	sort.Float64s(xs)
	return xs[int(p*float64(len(xs)-1))]
}
