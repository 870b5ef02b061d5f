// Package sim is capsim's discrete-event model of a scenario: a network of queueing stations
// (every node's CPU and disk, every station of a textbook model, every pool) driven by the
// scenario's flows, replicated with independent random streams, and summarised as means with
// 95 % confidence intervals. It is pure computation: no file or network I/O, no wall clock, no
// global math/rand.
//
//	s, _ := scenarios.LoadFile("examples/mm1")
//	m, _ := sim.Compile(s)        // resolve once: stations, programs, streams, SLO, settings
//	p, _ := m.At(80, sim.WithSeed(1), sim.WithReplications(10))
//	r, _ := m.Run()               // design load, saturation search, bottleneck, advice
//
// Compile turns a scenario into a Model, like regexp.Compile: the kernel's tables (stations,
// pools, the programs of the flows, random streams) and everything the analyses read (SLO
// targets, utilization trigger, drop limit, load range, sim settings, node facts, storage growth,
// HA parameters with their defaults, failures, the availability structure). Every analysis is a
// method of the Model and never reads the scenario again: At runs its replications at one load
// and returns a Point; Run adds the sweep to the saturation point, the storage capacity, the
// verdict and the "+1 node / +1 replica" advice; Failures runs the scheduled faults; NMinus1
// takes each node down in turn; Availability runs the availability Monte Carlo; CheckAnalytic
// checks the closed forms have a steady state. No analysis changes the Model, so one Model serves
// several analyses (capsim run calls Run, then NMinus1, on the same one). The what-if variants
// (advice, N-1) are modified copies of the source scenario, which the Model keeps for that
// alone, compiled anew.
//
// # Clock and event order
//
// Simulated time is an integer number of nanoseconds (int64: about 292 years). Durations drawn
// from distributions are truncated to whole nanoseconds. Events (an arrival, a departure, the
// end of a processor-sharing service, a fault, a detection, a retry, the end of the warm-up) are
// values in a priority queue ordered by (time, sequence) (a sorted array while it holds few
// events, a 4-ary min-heap beyond): the sequence is a counter incremented at every scheduling,
// so events at the same instant run in the order they were scheduled. There
// is no goroutine per simulated process and no map iteration where order matters, so one seed
// gives one sequence of events.
//
// # Random streams
//
// Every random draw comes from a named stream: one per distribution (a handler's CPU demand, a
// station's service time, a flow's inter-arrival and think times) and one per decision (a branch, a
// call's probability, a cache hit, a balancer's random pick), named after the component and the
// place in the flow's program ("flow/ingest", "balancer/backend", …). A stream is a PCG generator
// whose 128-bit state is derived from the scenario seed, the replication index and an FNV-1a hash
// of the stream's name, chained through SplitMix64 so that each of the three reaches both 64-bit
// words of the state (streamState). Adding a component adds names and leaves the draws of every
// other stream unchanged; the same seed gives byte-identical results whatever GOMAXPROCS is and
// whether replications run in parallel (they do, on every core: each replication owns its kernel
// and streams, and results are gathered in replication order).
//
// # Stations
//
// A station has c servers and a discipline.
//
//   - FCFS: a job that finds a free server starts at once; otherwise it waits in a FIFO queue
//     and starts when a server frees. Each job's demand is its service time. Disks (c =
//     disk_parallelism), textbook stations by default, pools of connections and workers (a
//     counting semaphore held across downstream calls) behave this way.
//   - Processor sharing (PS): with n jobs present each is served at rate min(1, c/n) — up to c
//     jobs run at full speed, beyond that every job slows equally. A node's CPU is one PS
//     station with c = its cores, shared by every service instance, shard copy and database
//     placed on it; a job's demand there is CPU time. It is implemented with a virtual clock
//     that advances at the per-job rate and a heap of finishing tags, with one live completion
//     event per station.
//
// A station with a capacity K drops arrivals that find K jobs present (M/M/c/K); a drop is
// counted, never silent.
//
// # What utilization means
//
// A station's utilization is the time average, over the measured window, of busy servers ÷ c
// (for PS, busy = min(n, c)), so it lies in [0, 1] and is the fraction of the station's capacity
// in use: a node's CPU utilization is the share of its cores busy, not of one core. Results give
// it beside the utilization law's λ·D/c computed from the offered rates and the expected demands
// (AnalyticUtilization), which the simulated value must match within its interval when nothing
// is lost. A pool's utilization is connections or workers held ÷ pool size; its mean response
// time (from asking for a connection, worker or consumer to releasing it) is Little's
// W = L / λ, L the time-averaged number holding or waiting, λ the requests admitted (those a
// full waiting line refused never entered). Response times run from a request's arrival to
// the completion of its last step (end to end, through queues and fork-joins); percentiles come
// from an HDR histogram with 3 significant digits, the mean from the exact sum.
//
// # Warm-up, replications and intervals
//
// Each replication starts empty and idle, runs a warm-up whose statistics are discarded, then
// the measured window (default 60 s). Only requests that complete in the measured window
// count. Above the design load both windows shrink in proportion to design ÷ load (not below
// 1/20 of them, 5 s and 2 s), so every load sees about as many requests.
//
// The warm-up is fixed when the scenario sets sim.warmup (or WithWarmup, WithDuration);
// otherwise it is detected once per run by MSER-5 (White 1997; Franklin & White 2008) on the
// mean of DefaultMinReplications pilot replications at design load (Hoad, Robinson & Davies
// 2010), which have random streams of their own and are not measured, discarding at least the
// first of MSER-5's batches; Result.Warmup reports the truncation point (mser.go).
//
// Replications are independent runs with different streams. The count is fixed when the
// scenario sets sim.replications (or WithReplications); otherwise replications are added at
// design load in two stages: a first stage of DefaultMinReplications sets the count N that
// brings the 95 % interval of every flow's mean and P95 response time within sim.precision
// (default ±5 %) of its estimate, from an upper 90 % bound of their spread, at most
// sim.max_replications (default 200), and N other replications are measured (the first stage is
// not in the results, so N is independent of them); a measured set that falls short joins the
// first stage and a new count is measured, at most four sets in all. N does not depend on the
// number of cores. Result.Precision reports per
// measure the precision achieved, the saturation point's included (its replications, like the
// sweep's, stay DefaultReplications). Every reported figure is the mean of the replications'
// values with a 95 % confidence interval from Student's t with n−1 degrees of freedom:
// mean ± t(0.975, n−1)·s/√n,
// where s is the sample standard deviation of the n replication values. The interval says how
// far the mean of this many replications of this length can be from the model's true mean; it
// says nothing about whether the model's inputs are right. Tests check the kernel against closed
// forms (M/M/1, M/M/c, M/M/c/K, M/D/1, processor sharing, a tandem Jackson network, mean value
// analysis of a closed network), Little's law and the utilization law inside these intervals;
// Example_mm1 shows one.
package sim
