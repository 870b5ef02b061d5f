// Package analytic holds closed forms and exact mean value analysis for the
// queueing models capsim simulates, so that tests can check the discrete-event
// kernel against theory and `capsim run --analytic` can print analytic means
// beside simulated ones.
//
// # Model and units
//
// Every time is in seconds and every rate is per second. A station has c
// identical servers, FCFS discipline and an infinite waiting room unless a
// capacity K (customers in the system, waiting plus in service) is given.
// Arrivals are Poisson with rate λ; meanService is E[S], the mean service time
// of one visit, so μ = 1/E[S]. The offered load is a = λ·E[S] (Erlangs) and the
// per-server utilization is ρ = a/c: the long-run fraction of time one server
// is busy. For loss systems (M/M/c/K) ρ is computed from the carried load,
// λ(1−P_block)·E[S]/c.
//
// Metrics follow the textbook names: Wq the mean wait before service, W = Wq +
// E[S] the mean response time, Lq and L the mean numbers waiting and present,
// related by Little's law L = λW (Kleinrock, Queueing Systems Vol. 1, §2.1).
//
// # Sources
//
//   - M/M/1, M/M/c (Erlang C), M/M/c/K: Kleinrock Vol. 1 (1975) ch. 3;
//     Gross, Shortle, Thompson & Harris, Fundamentals of Queueing Theory,
//     4th ed. (2008) ch. 2. Erlang B/C are computed with the stable
//     recursion B(k) = a·B(k−1)/(k + a·B(k−1)) (Gross & Harris ch. 2).
//   - M/G/1 and M/D/1 means: the Pollaczek–Khinchine formula (Kleinrock Vol. 1
//     ch. 5; Gross & Harris, the M/G/1 chapter).
//   - M/G/c: Allen–Cunneen approximation (Allen, Probability, Statistics and
//     Queueing Theory, 2nd ed. 1990, ch. 6) — approximate, exact for c = 1 and
//     for exponential service.
//   - Response-time quantiles: M/M/1 and M/M/c FCFS from the waiting-time
//     distribution (Kleinrock Vol. 1 §3.2, §3.5; Gross & Harris ch. 2);
//     M/D/1 from the number-in-system distribution of the embedded M/G/1 chain
//     and the elapsed service of the customer in service (see
//     MD1ResponseQuantile), which equals Erlang's 1909 alternating series
//     (Crommelin 1932) without its cancellation.
//   - Closed networks: exact mean value analysis (Reiser & Lavenberg 1980;
//     Lazowska, Zahorjan, Graham & Sevcik, Quantitative System Performance
//     (1984) ch. 6); multi-server stations: the exact product-form solution
//     that load-dependent MVA gives (ibid., chapter "Load Dependent Service
//     Centers"), computed from Buzen's normalising constants in log space
//     because the marginal-probability recursion loses all precision at a
//     saturated multi-server station; asymptotic bounds (ibid. ch. 5).
//   - Open networks: Jackson (1957/1963) product form; each station is an
//     M/M/c with arrival rate λ·visits (Gross & Harris, the networks
//     chapter).
//   - Dispatch: Station and ResponseQuantile pick the exact formula for a
//     station's (c, scv) when there is one and say when there is not.
//
// # Errors
//
// Functions never panic on user numbers. Non-positive, NaN or infinite inputs
// give an error naming the argument; a load with ρ ≥ 1 for a model without a
// steady state gives an error wrapping ErrUnstable with the numbers.
//
// The package is pure computation: no I/O, no randomness, no clock, and it
// imports nothing of capsim.
package analytic
