package analytic_test

import (
	"fmt"

	"github.com/capsim/capsim/sim/analytic"
)

// The M/M/1 example scenario (scenarios/examples/mm1.yaml): λ = 80/s,
// E[S] = 10 ms. Theory: W = 1/(μ−λ) = 50 ms, P95 = ln(20)/20 s ≈ 149.8 ms.
func ExampleMM1() {
	m, err := analytic.MM1(80, 0.010)
	if err != nil {
		panic(err)
	}
	p95, _ := analytic.MM1ResponseQuantile(80, 0.010, 0.95)
	fmt.Printf("ρ=%.2f W=%.1f ms Wq=%.1f ms L=%.1f P95=%.1f ms\n", m.Rho, 1e3*m.W, 1e3*m.Wq, m.L, 1e3*p95)
	// Output: ρ=0.80 W=50.0 ms Wq=40.0 ms L=4.0 P95=149.8 ms
}

// The M/M/4 example scenario (scenarios/examples/mmc.yaml): λ = 360/s,
// E[S] = 10 ms, c = 4, a = 3.6 Erlangs. By hand: Σ_{k<4} a^k/k! = 18.856,
// a^4/4!/(1−ρ) = 69.984, so C = 69.984/88.840 ≈ 0.7878 and
// Wq = C/(cμ−λ) = C/40 s ≈ 19.69 ms.
func ExampleMMc() {
	m, err := analytic.MMc(360, 0.010, 4)
	if err != nil {
		panic(err)
	}
	p95, _ := analytic.MMcResponseQuantile(360, 0.010, 4, 0.95)
	fmt.Printf("ρ=%.2f P(wait)=%.4f Wq=%.2f ms W=%.2f ms P95=%.1f ms\n", m.Rho, m.PWait, 1e3*m.Wq, 1e3*m.W, 1e3*p95)
	// Output: ρ=0.90 P(wait)=0.7878 Wq=19.69 ms W=29.69 ms P95=81.7 ms
}

// The M/D/1 example scenario (scenarios/examples/md1.yaml): λ = 80/s,
// D = 10 ms. Pollaczek–Khinchine: Wq = ρD/(2(1−ρ)) = 20 ms, W = 30 ms.
// The quantiles agree with Erlang's series evaluated independently in
// double precision (P50 = 22.76 ms, P95 = 76.20 ms; at these t its terms are
// below e^11, so the series is still accurate).
func ExampleMD1() {
	m, err := analytic.MD1(80, 0.010)
	if err != nil {
		panic(err)
	}
	p50, _ := analytic.MD1ResponseQuantile(80, 0.010, 0.50)
	p95, _ := analytic.MD1ResponseQuantile(80, 0.010, 0.95)
	fmt.Printf("Wq=%.1f ms W=%.1f ms P50=%.1f ms P95=%.1f ms\n", 1e3*m.Wq, 1e3*m.W, 1e3*p50, 1e3*p95)
	// Output: Wq=20.0 ms W=30.0 ms P50=22.8 ms P95=76.2 ms
}

// A load above capacity has no steady state.
func ExampleMMc_unstable() {
	_, err := analytic.MMc(500, 0.010, 4)
	fmt.Println(err)
	// Output: analytic: utilization ≥ 1, no steady state: λ=500/s, c=4, ρ=1.250
}

// A closed network: a web tier (40 ms per interaction), a database (30 ms)
// and users thinking 1 s between requests. With one user R = ΣD = 70 ms; with
// many the throughput approaches 1/D_max = 25/s.
func ExampleMVA() {
	demands := []float64{0.040, 0.030}
	for _, n := range []int{1, 10, 50} {
		res, err := analytic.MVA(demands, 1.0, n)
		if err != nil {
			panic(err)
		}
		xu, rl := analytic.ClosedBounds(demands, 1.0, n)
		fmt.Printf("n=%2d X=%5.2f/s (≤ %5.2f) R=%6.1f ms (≥ %6.1f) U_web=%.2f\n",
			n, res.Throughput, xu, 1e3*res.Response, 1e3*rl, res.Utilization[0])
	}
	// Output:
	// n= 1 X= 0.93/s (≤  0.93) R=  70.0 ms (≥   70.0) U_web=0.04
	// n=10 X= 9.11/s (≤  9.35) R=  97.7 ms (≥   70.0) U_web=0.36
	// n=50 X=24.99/s (≤ 25.00) R=1001.2 ms (≥ 1000.0) U_web=1.00
}

// Multi-server stations: 4 web workers, 1 database.
func ExampleMVAMultiServer() {
	res, err := analytic.MVAMultiServer([]float64{0.160, 0.030}, []int{4, 1}, 1.0, 30)
	if err != nil {
		panic(err)
	}
	fmt.Printf("X=%.2f/s R=%.1f ms U=%.2f %.2f\n", res.Throughput, 1e3*res.Response, res.Utilization[0], res.Utilization[1])
	// Output: X=22.13/s R=355.5 ms U=0.89 0.66
}

// An open tandem (Jackson) network: 50 requests/s through an API (10 ms) and
// a database (15 ms), each visited once. End to end: 1/(100−50) + 1/(66.7−50)
// = 20 + 60 = 80 ms.
func ExampleJackson() {
	ms, err := analytic.Jackson(50, []float64{1, 1}, []float64{0.010, 0.015}, []int{1, 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("API %.0f ms, DB %.0f ms, total %.0f ms\n", 1e3*ms[0].W, 1e3*ms[1].W, 1e3*(ms[0].W+ms[1].W))
	// Output: API 20 ms, DB 60 ms, total 80 ms
}
