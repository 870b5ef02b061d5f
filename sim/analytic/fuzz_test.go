package analytic

import (
	"errors"
	"math"
	"testing"
)

func finiteNonNeg(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return false
		}
	}
	return true
}

func checkMetrics(t *testing.T, name string, m Metrics, err error, meanService float64) {
	t.Helper()
	if err != nil {
		return
	}
	if !finiteNonNeg(m.Rho, m.PWait, m.Wq, m.W, m.Lq, m.L, m.PBlock, m.Throughput) {
		t.Fatalf("%s: non-finite or negative metrics %+v", name, m)
	}
	if m.PWait > 1+1e-9 || m.PBlock > 1+1e-9 || m.W < m.Wq {
		t.Fatalf("%s: inconsistent metrics %+v", name, m)
	}
	if m.Throughput > 0 && m.W < meanService*(1-1e-9) {
		t.Fatalf("%s: W=%g below service time %g", name, m.W, meanService)
	}
}

// FuzzClosedForms: any numbers give either an error or finite, consistent
// metrics; never a panic or a NaN.
func FuzzClosedForms(f *testing.F) {
	f.Add(80.0, 0.01, 1.0, 0.95, 4, 10)
	f.Add(360.0, 0.01, 0.0, 0.5, 4, 4)
	f.Add(0.0, -1.0, -1.0, 1.0, 0, -3)
	f.Add(1e300, 1e300, 1e300, 1e-300, 1, 1)
	f.Add(1e-300, 1e-300, 0.0, 0.999999, 3, 100)
	f.Add(math.NaN(), math.Inf(1), math.Inf(-1), math.NaN(), -1, 0)
	f.Add(150.0, 0.01, 4.0, 0.99, 1, 5)
	f.Fuzz(func(t *testing.T, lambda, s, scv, p float64, c, K int) {
		// Keep loops short: the limits themselves are tested in TestErrors.
		c = c % 2000
		K = K % 5000
		m, err := MM1(lambda, s)
		checkMetrics(t, "MM1", m, err, s)
		if err == nil && !(m.Rho < 1) {
			t.Fatalf("MM1 accepted ρ=%g", m.Rho)
		}
		m, err = MMc(lambda, s, c)
		checkMetrics(t, "MMc", m, err, s)
		m, err = MMcK(lambda, s, c, K)
		checkMetrics(t, "MMcK", m, err, s)
		m, err = MG1(lambda, s, scv)
		checkMetrics(t, "MG1", m, err, s)
		m, err = MD1(lambda, s)
		checkMetrics(t, "MD1", m, err, s)
		m, err = MGcApprox(lambda, s, scv, c)
		checkMetrics(t, "MGc", m, err, s)
		for name, fn := range map[string]func() (float64, error){
			"MM1Q": func() (float64, error) { return MM1ResponseQuantile(lambda, s, p) },
			"MMcQ": func() (float64, error) { return MMcResponseQuantile(lambda, s, c, p) },
			"MD1Q": func() (float64, error) {
				if lambda*s > 0.9999 { // quantiles that far out are slow, not wrong
					return 0, errors.New("skip")
				}
				return MD1ResponseQuantile(lambda, s, p)
			},
		} {
			q, err := fn()
			// Only M/D/1 responses are ≥ the service time; exponential ones are not.
			if err == nil && (!finiteNonNeg(q) || (name == "MD1Q" && q < s*(1-1e-9))) {
				t.Fatalf("%s(λ=%g, S=%g, c=%d, p=%g) = %g", name, lambda, s, c, p, q)
			}
		}
		d := []float64{lambda, s, scv}
		n := K % 300
		for name, fn := range map[string]func() (MVAResult, error){
			"MVA":   func() (MVAResult, error) { return MVA(d, p, n) },
			"MVAMS": func() (MVAResult, error) { return MVAMultiServer(d, []int{c, 1, 2}, p, n) },
		} {
			res, err := fn()
			if err != nil {
				continue
			}
			if !finiteNonNeg(res.Throughput, res.Response) {
				t.Fatalf("%s(%v, Z=%g, n=%d): %+v", name, d, p, n, res)
			}
			for k := range d {
				if !finiteNonNeg(res.StationQueue[k], res.StationResponse[k], res.Utilization[k]) {
					t.Fatalf("%s(%v, Z=%g, n=%d): %+v", name, d, p, n, res)
				}
			}
		}
		ClosedBounds(d, p, n)
		ms, err := Jackson(lambda, []float64{1, scv}, []float64{s, s}, []int{c, 1})
		if err == nil {
			for _, m := range ms {
				checkMetrics(t, "Jackson", m, nil, 0)
			}
		}
	})
}
