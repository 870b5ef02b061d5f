// Package availability estimates the steady-state availability of a tier by Monte Carlo over
// independent alternating renewal processes, and gives the closed forms to check it against.
//
// # Model
//
// Every component (a node) alternates between up and down. Up times are exponential with mean
// MTBF, repair times exponential with mean MTTR, both in hours, independent between components
// and between cycles. A Structure function maps the vector of component states to the state of
// the system (the tier): true when the tier serves its flows.
//
// The simulation is event-driven: it jumps from one component transition (failure or repair) to
// the next and re-evaluates the structure function only there; time is never stepped. Each
// replication starts every component in its stationary state (up with probability
// MTBF/(MTBF+MTTR)) with an exponential residual time, which for exponential phases makes the
// process stationary from time 0, so the fraction of a horizon the system is up is an unbiased
// estimate of the steady-state availability whatever the horizon.
//
// Availability is the fraction of simulated time the system is up (0..1); the 95 % interval is
// Student t over the replications' fractions. An outage is a maximal interval during which the
// system is down; outages cut by the horizon are counted with their truncated length.
//
// # Randomness
//
// Each component draws from its own PCG stream (math/rand/v2 NewPCG), keyed by the seed, the
// component's name and the replication number, each of which reaches both 64-bit words of the
// generator's state (streamState), so adding a component does not change the draws of another,
// and the result for a seed does not depend on GOMAXPROCS.
//
// # Closed forms
//
// Steady(mtbf, mttr) = MTBF/(MTBF+MTTR) is the availability of one component; KofN is the
// availability of k-of-n identical independent components; a series system of independent
// components has the product of their availabilities (see the tests).
package availability
