package sim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// leastConnScenario is one service on three identical nodes behind a least_conn balancer with
// NGINX weights 2, 1, 1 (seed 000's backend upstream), and one flow at rate with a
// deterministic CPU demand.
func leastConnScenario(t *testing.T, arrivals string, rate float64, cpu string, cores int) *scenarios.Scenario {
	t.Helper()
	y := fmt.Sprintf(`name: lc
load: {design: %g}
nodes:
  - {name: a, cores: %d}
  - {name: b, cores: %d}
  - {name: c, cores: %d}
services:
  - name: api
    placement: [a, b, c]
    balancer: {policy: least_conn, weights: [2, 1, 1]}
    handlers:
      - class: req
        cpu: {dist: deterministic, mean: %s}
flows:
  - name: f
    arrivals: %s
    rate: %g/s
    entry: {service: api, class: req}
`, rate, cores, cores, cores, cpu, arrivals, rate)
	s, err := scenarios.Load("lc.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLeastConnHonoursWeights: NGINX's least_conn picks the server with the fewest active
// connections per unit of weight and breaks ties by weighted round robin, so with weights
// 2, 1, 1 the first server gets half of the requests both when the servers are idle (every
// pick a tie) and when many requests are in flight on servers that never queue (the balancer
// keeps conns_i ∝ w_i, and by Little's law X_i = conns_i / S). The share is read from each
// node's CPU utilization; the tolerance (±0.01 on 0.5) catches a 5 % error (issue 10,
// problem 5).
func TestLeastConnHonoursWeights(t *testing.T) {
	for _, c := range []struct {
		name     string
		arrivals string
		rate     float64
		cpu      string
		cores    int
	}{
		// one request at a time (10/s, 1 ms each, evenly spaced): every pick is a tie
		{"idle ties", "deterministic", 10, "1ms", 8},
		// Poisson, 200 requests in flight on 1,000 cores per node: no node ever queues
		{"many in flight", "poisson", 2000, "100ms", 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := leastConnScenario(t, c.arrivals, c.rate, c.cpu, c.cores)
			p, err := mustCompile(t, s).At(c.rate, WithReplications(4), WithDuration(60*time.Second, 5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			u := map[string]float64{}
			for _, st := range p.Stations {
				if st.Kind == kindCPU {
					u[st.Node] = st.Utilization.Mean
				}
			}
			share := u["a"] / (u["a"] + u["b"] + u["c"])
			t.Logf("share %.4f, b/c %.4f", share, u["b"]/u["c"])
			if math.Abs(share-0.5) > 0.01 {
				t.Errorf("share of the weight-2 server %.4f (utilizations %v), want 2/(2+1+1) = 0.5 ± 0.01", share, u)
			}
			if r := u["b"] / u["c"]; math.Abs(r-1) > 0.04 {
				t.Errorf("b/c utilization ratio %.3f, want 1 (equal weights)", r)
			}
		})
	}
}
