package sim_test

import (
	"fmt"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
	"github.com/capsim/capsim/sim/analytic"
)

// Example_mm1 simulates the M/M/1 example scenario (scenarios/examples/mm1.yaml: Poisson
// arrivals at λ = 80/s, one server, exponential service with mean 10 ms, so ρ = 0.8) and prints
// the simulated mean response time, with its 95 % confidence interval over 10 replications,
// beside the closed form W = 1/(μ−λ) = 50 ms. The seed is fixed, so the output is the same on
// every run and at any GOMAXPROCS.
func Example_mm1() {
	s, err := scenarios.LoadFile("examples/mm1")
	if err != nil {
		panic(err)
	}
	m, err := sim.Compile(s)
	if err != nil {
		panic(err)
	}
	p, err := m.At(80, sim.WithSeed(1), sim.WithReplications(10),
		sim.WithDuration(200*time.Second, 20*time.Second))
	if err != nil {
		panic(err)
	}
	w := p.Flows[0].LatencyMS.Mean
	theory, err := analytic.MM1(80, 0.010)
	if err != nil {
		panic(err)
	}
	fmt.Printf("simulated mean response time: %.1f ms (95 %% CI %.1f–%.1f ms)\n", w.Mean, w.CI95[0], w.CI95[1])
	fmt.Printf("analytic  mean response time: %.1f ms (M/M/1: 1/(μ−λ))\n", 1e3*theory.W)
	fmt.Printf("analytic value inside the interval: %v\n", w.CI95[0] <= 1e3*theory.W && 1e3*theory.W <= w.CI95[1])
	// Output:
	// simulated mean response time: 50.7 ms (95 % CI 48.3–53.1 ms)
	// analytic  mean response time: 50.0 ms (M/M/1: 1/(μ−λ))
	// analytic value inside the interval: true
}
